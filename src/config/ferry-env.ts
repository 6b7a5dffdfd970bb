// Ferry's own environment settings (FERRY_*): one convict schema declares every variable the runtime reads —
// its meaning, allowed values and default — and `ferryEnv()` hands out the parsed, validated values. A value
// outside what a variable accepts is refused with the variable, the value and what it accepts named, never
// ignored; the `ferry` entry points check the environment once at start (`ferryEnvProblems`), so a typo fails
// the command before it does anything. `ferry env` prints the list (README: *Environment variables*).
//
// Variables only the tests read (FERRY_TEST_* and the like, under test/) are not Ferry's settings and stay out
// of this schema. test/unit/ferry-env.test.ts checks that every FERRY_ name in src/ is here.
import convict from 'convict';
import { LOG_FORMATS, LOG_LEVELS } from '../observability/log-format.js';

/** A format check for convict: throws with what the variable accepts. */
type FormatCheck = (value: unknown) => void;

function oneOf(values: readonly string[]): FormatCheck {
  return (value) => {
    if (value === null) return;
    if (typeof value !== 'string' || !values.includes(value)) throw new Error(`must be one of ${values.join(', ')}`);
  };
}

function matching(re: RegExp, what: string): FormatCheck {
  return (value) => {
    if (value === null) return;
    if (typeof value !== 'string' || !re.test(value)) throw new Error(`must be ${what}`);
  };
}

const anyText: FormatCheck = (value) => {
  if (value !== null && typeof value !== 'string') throw new Error('must be text');
};

const FLAG_ON = ['1', 'true', 'yes', 'on'];
const FLAG_OFF = ['0', 'false', 'no', 'off'];
const LOG_FORMAT_VALUES = ['auto', ...LOG_FORMATS] as const;
const KAFKA_RELEASE = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

interface Variable {
  doc: string;
  /** What the variable accepts, for people (the README table, `ferry env`, error messages). */
  values: string;
  /** The default, for people (null defaults are computed by the code that reads the variable). */
  defaultText: string;
  format: FormatCheck;
  default: string | null;
  /** Case-insensitive words (trimmed and lower-cased before checking); other values are kept as written. */
  words?: boolean;
}

/**
 * The schema. Keys are the variable names; every entry has a doc text, a format and a default (null: unset,
 * the reading code computes it, as `defaultText` says).
 */
const VARIABLES = {
  FERRY_LOG_LEVEL: {
    doc: 'Start level of Ferry\'s logs, for every entry point (`ferry --log-level` sets it); levels change at runtime through /admin/loggers.',
    values: LOG_LEVELS.join(' \\| '), defaultText: '`warn` for pretty, `info` for json',
    format: oneOf(LOG_LEVELS), default: null, words: true,
  },
  FERRY_LOG_FORMAT: {
    doc: 'Log line format (`ferry --log-format` sets it): pino\'s JSON lines, or short lines for people; `auto` as unset.',
    values: LOG_FORMAT_VALUES.join(' \\| '), defaultText: '`auto`: pretty on a terminal, json into a pipe or file',
    format: oneOf(LOG_FORMAT_VALUES), default: 'auto', words: true,
  },
  FERRY_SOURCE_DATA_PATH: {
    doc: '`records` keeps every source task on the record path; with `bytes` a task that can (MirrorSource) writes encoded batches when nothing would look at the records.',
    values: 'bytes \\| records', defaultText: '`bytes`',
    format: oneOf(['bytes', 'records']), default: 'bytes', words: true,
  },
  FERRY_CRC32C: {
    doc: 'CRC32C implementation: `js` forces the JavaScript slicing-by-8; `auto` uses the native @node-rs/crc32 when it loads.',
    values: 'auto \\| js', defaultText: '`auto`',
    format: oneOf(['auto', 'js']), default: 'auto', words: true,
  },
  FERRY_KAFKA_VERSION: {
    doc: 'Kafka release of the local clusters of `ferry dev up`, `ferry dev fetch` and `ferry demo` (`--kafka-version` wins).',
    values: 'MAJOR.MINOR.PATCH', defaultText: 'the release Ferry pins (`ferry dev --help`)',
    format: matching(KAFKA_RELEASE, 'a Kafka release MAJOR.MINOR.PATCH, e.g. 3.9.1'), default: null,
  },
  FERRY_CACHE_DIR: {
    doc: 'Cache of the Kafka (and S3Proxy) jars Maven fetches for local clusters, and the dev PKI.',
    values: 'a directory', defaultText: '`~/.cache/ferry`',
    format: anyText, default: null,
  },
  FERRY_DEV_DIR: {
    doc: 'State, data and logs of the local clusters of `ferry dev` (relative to the working directory).',
    values: 'a directory', defaultText: '`./.ferry/dev`',
    format: anyText, default: null,
  },
  FERRY_DEBUG: {
    doc: '`ferry demo` prints the stack trace of the error that stopped it.',
    values: [...FLAG_ON, ...FLAG_OFF].join(' \\| '), defaultText: 'off',
    format: oneOf([...FLAG_ON, ...FLAG_OFF]), default: 'false', words: true,
  },
  FERRY_OPS_CRASH_AFTER: {
    doc: 'Test hook of the DR operations: kills the process (SIGKILL) right after one of these steps is journaled.',
    values: 'step names, comma-separated', defaultText: 'none',
    format: matching(/^[^,\s]+(,[^,\s]+)*$/, 'step names separated by commas, e.g. translate,commit'), default: null,
  },
} satisfies Record<string, Variable>;

export type FerryEnvName = keyof typeof VARIABLES;

/** Every FERRY_* variable Ferry reads, in schema order. */
export const FERRY_ENV_NAMES = Object.keys(VARIABLES) as FerryEnvName[];

export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** The parsed settings. Unset variables with a computed default are undefined. */
export interface FerryEnv {
  logLevel: LogLevelName | undefined;
  logFormat: 'auto' | 'json' | 'pretty';
  sourceDataPath: 'bytes' | 'records';
  crc32c: 'auto' | 'js';
  kafkaVersion: string | undefined;
  cacheDir: string | undefined;
  devDir: string | undefined;
  debug: boolean;
  opsCrashAfter: readonly string[];
}

/** One refused variable. */
export interface FerryEnvProblem {
  name: FerryEnvName;
  value: string;
  /** What it accepts (`must be one of …`). */
  reason: string;
}

/** A FERRY_* variable set to a value it does not accept. */
export class FerryEnvError extends Error {
  constructor(readonly problems: readonly FerryEnvProblem[]) {
    super(problems.map((p) => `environment variable ${p.name}=${JSON.stringify(p.value)} is not accepted: it ${p.reason}`).join('\n'));
    this.name = 'FerryEnvError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function schemaFor(names: readonly FerryEnvName[]): convict.Schema<Record<string, string | null>> {
  const schema: Record<string, convict.SchemaObj> = {};
  for (const name of names) {
    const v: Variable = VARIABLES[name];
    schema[name] = { doc: v.doc, format: v.format, default: v.default, nullable: v.default === null, env: name };
  }
  return schema as convict.Schema<Record<string, string | null>>;
}

const FULL_SCHEMA = schemaFor(FERRY_ENV_NAMES);

/** The variables' values as convict should see them: blank is unset, words trimmed and lower-cased. */
function normalized(env: Env, names: readonly FerryEnvName[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const v: Variable = VARIABLES[name];
    out[name] = v.words ? raw.trim().toLowerCase() : name === 'FERRY_KAFKA_VERSION' || name === 'FERRY_OPS_CRASH_AFTER' ? raw.trim() : raw;
  }
  return out;
}

function load(env: Env, schema: convict.Schema<Record<string, string | null>>, names: readonly FerryEnvName[]): Record<string, string | null> {
  const config = convict(schema, { env: normalized(env, names), args: [] });
  config.validate({ allowed: 'strict' });
  return config.getProperties();
}

/** The variables set to values they do not accept (empty when all is well). */
export function ferryEnvProblems(env: Env = process.env): FerryEnvProblem[] {
  try {
    load(env, FULL_SCHEMA, FERRY_ENV_NAMES);
    return [];
  } catch {
    // convict reports them as one text; name each variable, its value and what it accepts.
    const values = normalized(env, FERRY_ENV_NAMES);
    const problems: FerryEnvProblem[] = [];
    for (const name of FERRY_ENV_NAMES) {
      const value = values[name];
      if (value === undefined) continue;
      try {
        VARIABLES[name].format(value);
      } catch (err) {
        problems.push({ name, value: env[name] ?? value, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    return problems;
  }
}

/**
 * For an entry point's start: the variables set to values they do not accept, as one message naming each variable,
 * its value and what it accepts (undefined when all is well).
 */
export function ferryEnvProblemMessage(env: Env = process.env): string | undefined {
  const problems = ferryEnvProblems(env);
  if (problems.length === 0) return undefined;
  return `${new FerryEnvError(problems).message}\n(fix or unset it; 'ferry env' lists every FERRY_* variable)`;
}

function typed(raw: Record<string, string | null>): FerryEnv {
  const str = (name: FerryEnvName) => raw[name] ?? undefined;
  return {
    logLevel: str('FERRY_LOG_LEVEL') as LogLevelName | undefined,
    logFormat: (str('FERRY_LOG_FORMAT') ?? 'auto') as FerryEnv['logFormat'],
    sourceDataPath: (str('FERRY_SOURCE_DATA_PATH') ?? 'bytes') as FerryEnv['sourceDataPath'],
    crc32c: (str('FERRY_CRC32C') ?? 'auto') as FerryEnv['crc32c'],
    kafkaVersion: str('FERRY_KAFKA_VERSION'),
    cacheDir: str('FERRY_CACHE_DIR'),
    devDir: str('FERRY_DEV_DIR'),
    debug: FLAG_ON.includes(str('FERRY_DEBUG') ?? 'false'),
    opsCrashAfter: (str('FERRY_OPS_CRASH_AFTER') ?? '').split(',').filter((s) => s !== ''),
  };
}

/**
 * Ferry's FERRY_* settings, read from `env` (process.env) at each call, so a test that sets a variable in-process
 * sees it. Throws FerryEnvError when a variable has a value it does not accept.
 */
export function ferryEnv(env: Env = process.env): FerryEnv {
  try {
    return typed(load(env, FULL_SCHEMA, FERRY_ENV_NAMES));
  } catch (err) {
    const problems = ferryEnvProblems(env);
    if (problems.length > 0) throw new FerryEnvError(problems);
    throw err;
  }
}

/**
 * The settings with refused variables taken as unset: only for code that must not throw while a module loads
 * (the logger); the entry points refuse the same values at start (`ferryEnvProblems`).
 */
export function ferryEnvOrDefaults(env: Env = process.env): FerryEnv {
  const problems = ferryEnvProblems(env);
  if (problems.length === 0) return ferryEnv(env);
  const bad = new Set<string>(problems.map((p) => p.name));
  return ferryEnv(Object.fromEntries(Object.entries(env).filter(([k]) => !bad.has(k))));
}

/** The schema as documentation: name, accepted values, default and meaning of each variable. */
export function ferryEnvReference(): Array<{ name: FerryEnvName; values: string; default: string; doc: string }> {
  return FERRY_ENV_NAMES.map((name) => {
    const v: Variable = VARIABLES[name];
    return { name, values: v.values, default: v.defaultText, doc: v.doc };
  });
}

/** The README's *Environment variables* table (`ferry env --markdown`). */
export function ferryEnvMarkdown(): string {
  const rows = ferryEnvReference().map((r) => `| \`${r.name}\` | ${r.values} | ${r.default} | ${r.doc} |`);
  return ['| Variable | Values | Default | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** `ferry env`: every variable with its value here (or its default), what it accepts and what it does. */
export function ferryEnvText(env: Env = process.env): string {
  const problems = new Map(ferryEnvProblems(env).map((p) => [p.name, p]));
  const lines: string[] = [];
  for (const r of ferryEnvReference()) {
    const set = env[r.name];
    const now = set === undefined || set.trim() === '' ? `unset (default: ${r.default.replace(/`/g, '')})` : `${JSON.stringify(set)}${problems.has(r.name) ? `  ← NOT ACCEPTED: it ${problems.get(r.name)!.reason}` : ''}`;
    lines.push(`${r.name} = ${now}`, `    ${r.values.replace(/ \\\| /g, '|')}: ${r.doc.replace(/`/g, '')}`);
  }
  return lines.join('\n');
}
