// One pino root logger; components take children named after themselves (`logger('worker')`).
// FERRY_LOG_LEVEL sets the start level; the REST /admin/loggers endpoints change levels at runtime.
// FERRY_LOG_FORMAT (json|pretty, or `ferry --log-format`) picks the line format; unset, a terminal gets short
// lines for people at warn and above, a pipe or file gets pino's JSON at info (log-format.ts).
import pino, { type Logger } from 'pino';
import { ferryEnvOrDefaults } from '../config/ferry-env.js';
import { HIDDEN, hasKnownSecrets, isSecretKey, scrubSecrets } from '../config/secrets.js';
import { chooseLogFormat, defaultLogLevel, prettyLine, type LogFormat } from './log-format.js';

// Logs go to stderr: stdout belongs to the commands' own output (`--json` results, summaries).
const stderr = pino.destination({ fd: 2, sync: true });
const stderrIsTTY = process.stderr.isTTY === true;

// Read as the module loads, so never throwing: a value FERRY_LOG_FORMAT / FERRY_LOG_LEVEL do not accept counts as
// unset here, and the entry points refuse it at start (src/config/ferry-env.ts).
const startEnv = ferryEnvOrDefaults();
let format: LogFormat = chooseLogFormat({ env: startEnv.logFormat, isTTY: stderrIsTTY });
// Colours only on a terminal that has not asked for none (https://no-color.org).
const color = stderrIsTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb';

// Secrets never reach a log line: config-shaped objects lose their secret values by key (formatters.log),
// and every finished line is scrubbed of secret values seen at config resolution (a client library's
// error that quotes its config, a trace). The scrub is a few `includes` per line, and only once a secret
// is known; logging is one line per operator-relevant event, never per record. A line for people is made
// from the scrubbed JSON line, and scrubbed again once rendered (a value may be quoted differently there).
const scrubbingDestination = {
  write(line: string): void {
    const scrubbed = hasKnownSecrets() ? scrubSecrets(line) : line;
    if (format === 'json') {
      stderr.write(scrubbed);
      return;
    }
    const pretty = prettyLine(scrubbed, { color });
    stderr.write(hasKnownSecrets() ? scrubSecrets(pretty) : pretty);
  },
};

const root: Logger = pino({
  level: defaultLogLevel(format, startEnv.logLevel),
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { log: (obj) => redactSecrets(obj, 0) as Record<string, unknown> },
}, scrubbingDestination);

/** Replaces values under secret keys (any depth up to a few levels) with "[hidden]". */
function redactSecrets(value: unknown, depth: number): unknown {
  if (depth > 4 || value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (Array.isArray(value)) return depth === 0 ? value : value.map((v) => redactSecrets(v, depth + 1));
  let out: Record<string, unknown> | undefined;
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    const next = typeof v === 'string' || typeof v === 'number' ? (isSecretKey(k) ? HIDDEN : v) : redactSecrets(v, depth + 1);
    if (next !== v) {
      out ??= { ...obj };
      out[k] = next;
    }
  }
  return out ?? obj;
}

const children = new Map<string, Logger>();
const explicitLevels = new Map<string, { level: string; lastModified: number | null }>();
// Levels set through /admin/loggers name arbitrary namespaces: bounded, so a client cannot grow the registry
// (and the per-logger level lookup) without limit.
export const MAX_LEVEL_NAMESPACES = 1000;
export const MAX_LOGGER_NAME_LENGTH = 500;

/** A level the registry refuses to store (too many namespaces, too long a name): a client error. */
export class LoggerLimitError extends Error {}

export type { Logger };

export function rootLogger(): Logger {
  return root;
}

/** A named component logger. Names are dotted, like Java logger names (e.g. `connect.worker`). */
export function logger(name: string, bindings: Record<string, unknown> = {}): Logger {
  const key = Object.keys(bindings).length === 0 ? name : undefined;
  if (key) {
    const existing = children.get(key);
    if (existing) return existing;
  }
  const child = root.child({ logger: name, ...bindings });
  const inherited = levelFor(name);
  if (inherited) child.level = inherited;
  if (key) children.set(key, child);
  return child;
}

function levelFor(name: string): string | undefined {
  let best: string | undefined;
  let bestLen = -1;
  for (const [ns, v] of explicitLevels) {
    if ((name === ns || name.startsWith(ns + '.')) && ns.length > bestLen) { best = v.level; bestLen = ns.length; }
  }
  return best;
}

/** Java log4j level names as Connect's /admin/loggers expects them. */
const TO_PINO: Record<string, string> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error', FATAL: 'fatal', OFF: 'silent' };
const FROM_PINO: Record<string, string> = Object.fromEntries(Object.entries(TO_PINO).map(([k, v]) => [v, k]));

export function isValidLevel(level: string): boolean {
  return Object.prototype.hasOwnProperty.call(TO_PINO, level.toUpperCase());
}

/** Throws LoggerLimitError when a level for `namespace` would not be stored (name too long, too many namespaces). */
export function checkLevelNamespace(namespace: string): void {
  if (namespace.length > MAX_LOGGER_NAME_LENGTH) throw new LoggerLimitError(`Logger name is ${namespace.length} characters long; at most ${MAX_LOGGER_NAME_LENGTH} are accepted.`);
  if (!explicitLevels.has(namespace) && explicitLevels.size >= MAX_LEVEL_NAMESPACES) {
    throw new LoggerLimitError(`Levels are already set for ${MAX_LEVEL_NAMESPACES} logger namespaces; set a parent namespace instead (e.g. 'org.apache.kafka').`);
  }
}

/** Sets a namespace's level (and every logger below it). Returns the affected logger names. */
export function setLevel(namespace: string, level: string): string[] {
  const pinoLevel = TO_PINO[level.toUpperCase()];
  if (!pinoLevel) throw new Error(`invalid log level '${level}'.`);
  checkLevelNamespace(namespace);
  if (namespace === 'root') root.level = pinoLevel;
  explicitLevels.set(namespace, { level: pinoLevel, lastModified: Date.now() });
  const affected = namespace === 'root' ? ['root'] : [];
  for (const [name, l] of children) {
    if (namespace === 'root' || name === namespace || name.startsWith(namespace + '.')) {
      const lv = namespace === 'root' ? levelFor(name) ?? pinoLevel : levelFor(name);
      if (lv) l.level = lv;
      affected.push(name);
    }
  }
  if (!affected.includes(namespace) && namespace !== 'root') affected.push(namespace);
  return affected.sort();
}

export interface LoggerLevel { level: string; last_modified: number | null }

/** Loggers with an explicitly set level (plus root), sorted, as GET /admin/loggers shows them. */
export function listLevels(): Record<string, LoggerLevel> {
  const out: Record<string, LoggerLevel> = {};
  out.root = { level: FROM_PINO[root.level] ?? 'INFO', last_modified: explicitLevels.get('root')?.lastModified ?? null };
  for (const ns of [...explicitLevels.keys()].sort()) {
    if (ns === 'root') continue;
    const v = explicitLevels.get(ns)!;
    out[ns] = { level: FROM_PINO[v.level] ?? v.level.toUpperCase(), last_modified: v.lastModified };
  }
  return out;
}

/** Level of one logger: explicit, or inherited from the nearest namespace, or null when unknown. */
export function getLevel(name: string): LoggerLevel | null {
  if (name === 'root') return listLevels().root!;
  const explicit = explicitLevels.get(name);
  if (explicit) return { level: FROM_PINO[explicit.level] ?? 'INFO', last_modified: explicit.lastModified };
  if (children.has(name)) return { level: FROM_PINO[levelFor(name) ?? root.level] ?? 'INFO', last_modified: null };
  return null;
}

/** The line format in use. */
export function logFormat(): LogFormat {
  return format;
}

/**
 * A command's own preference (the demo: lines for people, whatever stderr is), used unless FERRY_LOG_FORMAT (or
 * `ferry --log-format`, which sets it) says otherwise. Without FERRY_LOG_LEVEL the start level follows the
 * format (warn for people, info for JSON) — but a level already set (REST, a command) stays.
 */
export function preferLogFormat(preferred: LogFormat): LogFormat {
  const env = ferryEnvOrDefaults();
  const next = chooseLogFormat({ env: env.logFormat, preferred, isTTY: stderrIsTTY });
  if (next === format) return format;
  format = next;
  if (!explicitLevels.has('root')) {
    const level = defaultLogLevel(format, env.logLevel);
    root.level = level;
    // Children without a level of their own (through a namespace) follow the root's start level.
    for (const [name, l] of children) l.level = levelFor(name) ?? level;
  }
  return format;
}
