// Ferry's FERRY_* settings (src/config/ferry-env.ts): one convict schema, parsed and validated values, bad values
// refused by name; the schema lists every FERRY_ name in src/, and the README's table is the schema's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FERRY_ENV_NAMES, FerryEnvError, ferryEnv, ferryEnvMarkdown, ferryEnvOrDefaults, ferryEnvProblemMessage, ferryEnvProblems, ferryEnvReference,
} from '../../src/config/ferry-env.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Constants of the code whose names start with FERRY_ but are no environment variables. */
const NOT_VARIABLES = new Set(['FERRY_VERSION', 'FERRY_ENV_NAMES']);

describe('ferryEnv', () => {
  it('defaults: nothing set', () => {
    assert.deepEqual(ferryEnv({}), {
      logLevel: undefined, logFormat: 'auto', sourceDataPath: 'bytes', crc32c: 'auto', kafkaVersion: undefined,
      cacheDir: undefined, devDir: undefined, debug: false, opsCrashAfter: [],
    });
  });

  it('parses every variable', () => {
    const env = {
      FERRY_LOG_LEVEL: 'debug', FERRY_LOG_FORMAT: 'json', FERRY_SOURCE_DATA_PATH: 'records', FERRY_CRC32C: 'js',
      FERRY_KAFKA_VERSION: '3.9.1', FERRY_CACHE_DIR: '/c/ferry', FERRY_DEV_DIR: 'rel/dev', FERRY_DEBUG: '1',
      FERRY_OPS_CRASH_AFTER: 'translate,commit',
    };
    assert.deepEqual(Object.keys(env).sort(), [...FERRY_ENV_NAMES].sort(), 'this test sets every variable');
    assert.deepEqual(ferryEnv(env), {
      logLevel: 'debug', logFormat: 'json', sourceDataPath: 'records', crc32c: 'js', kafkaVersion: '3.9.1',
      cacheDir: '/c/ferry', devDir: 'rel/dev', debug: true, opsCrashAfter: ['translate', 'commit'],
    });
  });

  it('words are case-insensitive and trimmed, paths kept as written, a blank value is unset', () => {
    const e = ferryEnv({ FERRY_LOG_LEVEL: ' INFO ', FERRY_LOG_FORMAT: 'Pretty', FERRY_SOURCE_DATA_PATH: ' Records', FERRY_DEBUG: 'off', FERRY_DEV_DIR: ' a b ', FERRY_CACHE_DIR: '  ', FERRY_KAFKA_VERSION: '' });
    assert.equal(e.logLevel, 'info');
    assert.equal(e.logFormat, 'pretty');
    assert.equal(e.sourceDataPath, 'records');
    assert.equal(e.debug, false);
    assert.equal(e.devDir, ' a b ');
    assert.equal(e.cacheDir, undefined);
    assert.equal(e.kafkaVersion, undefined);
    for (const on of ['1', 'true', 'YES', 'on']) assert.equal(ferryEnv({ FERRY_DEBUG: on }).debug, true, on);
    for (const off of ['0', 'false', 'No', 'off']) assert.equal(ferryEnv({ FERRY_DEBUG: off }).debug, false, off);
  });

  it('reads process.env at each call (tests set variables in-process)', () => {
    const before = process.env.FERRY_SOURCE_DATA_PATH;
    try {
      process.env.FERRY_SOURCE_DATA_PATH = 'records';
      assert.equal(ferryEnv().sourceDataPath, 'records');
      delete process.env.FERRY_SOURCE_DATA_PATH;
      assert.equal(ferryEnv().sourceDataPath, 'bytes');
    } finally {
      if (before === undefined) delete process.env.FERRY_SOURCE_DATA_PATH;
      else process.env.FERRY_SOURCE_DATA_PATH = before;
    }
  });

  it('refuses a bad value, naming the variable, the value and what it accepts', () => {
    const bad: Array<[string, string, RegExp]> = [
      ['FERRY_LOG_LEVEL', 'loud', /trace, debug, info, warn, error, fatal, silent/],
      ['FERRY_LOG_FORMAT', 'xml', /auto, json, pretty/],
      ['FERRY_SOURCE_DATA_PATH', 'fast', /bytes, records/],
      ['FERRY_CRC32C', 'native', /auto, js/],
      ['FERRY_KAFKA_VERSION', 'latest', /MAJOR\.MINOR\.PATCH/],
      ['FERRY_DEBUG', 'maybe', /1, true, yes, on, 0, false, no, off/],
      ['FERRY_OPS_CRASH_AFTER', 'a,,b', /step names separated by commas/],
    ];
    for (const [name, value, accepts] of bad) {
      assert.throws(() => ferryEnv({ [name]: value }), (err: unknown) => {
        assert.ok(err instanceof FerryEnvError, String(err));
        assert.match(err.message, new RegExp(`${name}="${value}" is not accepted`));
        assert.match(err.message, accepts);
        assert.deepEqual(err.problems.map((p) => p.name), [name]);
        return true;
      }, name);
    }
  });

  it('reports every bad variable at once, with the value as written; the lenient read keeps the good ones', () => {
    const env = { FERRY_LOG_FORMAT: 'XML', FERRY_CRC32C: 'fast', FERRY_LOG_LEVEL: 'debug' };
    assert.deepEqual(ferryEnvProblems(env).map((p) => [p.name, p.value]), [['FERRY_LOG_FORMAT', 'XML'], ['FERRY_CRC32C', 'fast']]);
    assert.match(ferryEnvProblemMessage(env) ?? '', /FERRY_LOG_FORMAT="XML" is not accepted: it must be one of auto, json, pretty\n.*FERRY_CRC32C="fast"[^]*ferry env/);
    assert.equal(ferryEnvProblemMessage({ FERRY_LOG_FORMAT: 'json' }), undefined);
    const lenient = ferryEnvOrDefaults(env);
    assert.equal(lenient.logFormat, 'auto');
    assert.equal(lenient.crc32c, 'auto');
    assert.equal(lenient.logLevel, 'debug');
  });
});

describe('the schema is complete', () => {
  it('every FERRY_ name in src/ is a variable of the schema', () => {
    const found = new Map<string, string>();
    for (const file of sourceFiles(SRC)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bFERRY_[A-Z0-9_]*[A-Z0-9]\b/g)) if (!found.has(m[0])) found.set(m[0], relative(ROOT, file));
    }
    const missing = [...found].filter(([name]) => !NOT_VARIABLES.has(name) && !(FERRY_ENV_NAMES as string[]).includes(name));
    assert.deepEqual(missing, [], 'declare these in src/config/ferry-env.ts (or, for a code constant, in NOT_VARIABLES here)');
  });

  it('src/ reads FERRY_* variables only through ferryEnv (ferry --log-format/--log-level only set them)', () => {
    const reads: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const rel = relative(ROOT, file);
      if (rel === join('src', 'config', 'ferry-env.ts')) continue;
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (!/env(\.|\[['"`])FERRY_/.test(line)) return;
        if (rel === join('src', 'cli', 'ferry.ts') && /env\.FERRY_LOG_(FORMAT|LEVEL) = value;/.test(line)) return;
        reads.push(`${rel}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(reads, []);
  });

  it('every variable has a doc text, accepted values and a default', () => {
    for (const r of ferryEnvReference()) {
      assert.ok(r.doc.length > 20 && r.values !== '' && r.default !== '', r.name);
    }
  });
});

describe('README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('the Environment variables table is the schema (ferry env --markdown)', () => {
    const section = readme.split('\n### Environment variables\n')[1];
    assert.ok(section, 'README has an "### Environment variables" section');
    const lines = section.split('\n');
    const start = lines.findIndex((l) => l.startsWith('| Variable |'));
    const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
    const names = lines.slice(start + 2, end).map((l) => /^\| `([A-Z0-9_]+)`/.exec(l)?.[1]);
    assert.deepEqual(names, FERRY_ENV_NAMES);
    assert.ok(section.includes(`\n${ferryEnvMarkdown()}\n`), 'regenerate the table with `ferry env --markdown`');
  });

  it('says why convict is a dependency', () => {
    assert.match(readme, /`convict` \(the one schema of Ferry's own/);
  });
});

describe('entry points', () => {
  const ferry = (args: string[], env: Record<string, string>) => {
    const fullEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    return spawnSync(process.execPath, ['--import', 'tsx', join(SRC, 'cli', 'ferry.ts'), ...args], { cwd: ROOT, encoding: 'utf8', env: fullEnv, timeout: 60_000 });
  };

  it('ferry refuses a bad value before the command runs, exit 2, naming the variable', () => {
    const r = ferry(['dev', 'status'], { FERRY_LOG_FORMAT: 'xml' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /ferry: environment variable FERRY_LOG_FORMAT="xml" is not accepted: it must be one of auto, json, pretty/);
    assert.equal(r.stdout, '');
  });

  it('ferry env lists the variables and flags a bad one; --markdown prints the README table', () => {
    const r = ferry(['env'], { FERRY_DEBUG: 'maybe' });
    assert.equal(r.status, 2, r.stderr);
    for (const name of FERRY_ENV_NAMES) assert.match(r.stdout, new RegExp(`^${name} = `, 'm'));
    assert.match(r.stdout, /FERRY_DEBUG = "maybe" {2}← NOT ACCEPTED/);
    const md = ferry(['env', '--markdown'], {});
    assert.equal(md.status, 0, md.stderr);
    assert.equal(md.stdout, `${ferryEnvMarkdown()}\n`);
  });

  it('the logger does not throw at import on a bad value: it takes the default (the entry point reports it)', () => {
    const logger = join(SRC, 'observability', 'logger.ts');
    const script = `const L = await import(${JSON.stringify(logger)}); L.logger('unit.env').info('hello'); console.log(L.logFormat());`;
    const fullEnv: NodeJS.ProcessEnv = { ...process.env, FERRY_LOG_FORMAT: 'xml', FERRY_LOG_LEVEL: 'info' };
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: fullEnv, timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'json');
    assert.match(r.stderr, /"msg":"hello"/);
  });
});
