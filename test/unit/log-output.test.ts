// The logger as a process writes it (a child process, stderr captured through a pipe as every test does):
// JSON by default into a pipe, lines for people when asked or preferred, secrets scrubbed either way.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const LOGGER = fileURLToPath(new URL('../../src/observability/logger.ts', import.meta.url));
const SECRETS = fileURLToPath(new URL('../../src/config/secrets.ts', import.meta.url));

function run(body: string, env: Record<string, string | undefined>): { status: number | null; stderr: string; stdout: string } {
  const script = `
    const L = await import(${JSON.stringify(LOGGER)});
    const S = await import(${JSON.stringify(SECRETS)});
    ${body}
  `;
  const fullEnv: NodeJS.ProcessEnv = { ...process.env };
  delete fullEnv.FERRY_LOG_LEVEL;
  delete fullEnv.FERRY_LOG_FORMAT;
  for (const [k, v] of Object.entries(env)) if (v !== undefined) fullEnv[k] = v;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: fullEnv, timeout: 30_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

// Logs a config with a secret key, a remembered secret quoted in an error, an info and a warning with context.
const SAMPLE = `
  const log = L.logger('unit.out');
  log.info({ config: { 'bootstrap.servers': 'h:1', 'producer.ssl.key.password': 'key-pass-4242' } }, 'starting');
  S.rememberSecrets({ 'sasl.jaas.config': 'm required username="u" password="jaas-pw-5151";', 'db.password': 'pw-"quoted"-7373' });
  const task = L.logger('connect.task', { connector: 'stream', task: 0 });
  task.warn({ err: 'auth failed with jaas-pw-5151 and pw-"quoted"-7373\\nCaused by: jaas-pw-5151', retryInMs: 500 }, 'task failed');
  task.error({ err: new Error('kaput') }, 'stopped');
`;

describe('log output of a process', () => {
  it('into a pipe: JSON lines at info, as before (what tests and collectors read)', () => {
    const r = run(SAMPLE, {});
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => [l.level, l.logger, l.msg]), [[30, 'unit.out', 'starting'], [40, 'connect.task', 'task failed'], [50, 'connect.task', 'stopped']]);
    assert.equal(lines[1]!.connector, 'stream');
    assert.equal(lines[1]!.task, 0);
    assert.doesNotMatch(r.stderr, /key-pass-4242|jaas-pw-5151|7373/);
    assert.match(r.stderr, /\[hidden\]/);
    assert.equal(r.stdout, '');
  });

  it('FERRY_LOG_FORMAT=pretty: short lines at warn and above, context, err and fields kept, secrets scrubbed', () => {
    const r = run(SAMPLE, { FERRY_LOG_FORMAT: 'pretty' });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d WARN {2}connect\.task \[stream-0\] task failed: auth failed with \[hidden\] and \[hidden\] {2}retryInMs=500$/);
    assert.equal(lines[1], '    Caused by: [hidden]');
    assert.match(lines[2]!, /^\d\d:\d\d:\d\d ERROR connect\.task \[stream-0\] stopped: kaput$/);
    assert.match(lines[3]!, /^ {4}at /, 'the stack follows, indented');
    assert.doesNotMatch(r.stderr, /starting/, 'info is below the default level for people');
    assert.doesNotMatch(r.stderr, /key-pass-4242|jaas-pw-5151|7373|\{"level"/);
    assert.ok(!r.stderr.includes('\x1b['), 'no colours into a pipe');
  });

  it('pretty with FERRY_LOG_LEVEL=info shows info too, a config object with its secret hidden', () => {
    const r = run(SAMPLE, { FERRY_LOG_FORMAT: 'pretty', FERRY_LOG_LEVEL: 'info' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^\d\d:\d\d:\d\d INFO {2}unit\.out starting {2}config=\{"bootstrap\.servers":"h:1","producer\.ssl\.key\.password":"\[hidden\]"\}$/m);
    assert.doesNotMatch(r.stderr, /key-pass-4242|jaas-pw-5151|7373/);
  });

  it('a command preferring pretty (the demo) gets it in a pipe, at warn, already-created loggers included; FERRY_LOG_FORMAT=json overrides', () => {
    const body = `
      const early = L.logger('unit.early');
      const chosen = L.preferLogFormat('pretty');
      early.info('hidden at warn');
      early.warn({ connector: 'c' }, 'shown');
      process.stdout.write(chosen + ' ' + L.listLevels().root.level);
    `;
    const pretty = run(body, {});
    assert.equal(pretty.stdout, 'pretty WARN');
    assert.match(pretty.stderr, /^\d\d:\d\d:\d\d WARN {2}unit\.early \[c\] shown\n$/);
    const json = run(body, { FERRY_LOG_FORMAT: 'json' });
    assert.equal(json.stdout, 'json INFO');
    assert.deepEqual(json.stderr.trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg), ['hidden at warn', 'shown']);
    const more = run(body, { FERRY_LOG_LEVEL: 'info' });
    assert.equal(more.stdout, 'pretty INFO');
    assert.match(more.stderr, /INFO {2}unit\.early hidden at warn/);
  });

  it('a level set by a command before the preference stays', () => {
    const r = run(`
      L.setLevel('root', 'ERROR');
      L.preferLogFormat('pretty');
      L.logger('unit.x').warn('not shown');
      process.stdout.write(L.listLevels().root.level);
    `, {});
    assert.equal(r.stdout, 'ERROR');
    assert.equal(r.stderr, '');
  });

  // util-linux `script` gives the process a pseudo-terminal, as a person's shell would.
  it('on a terminal: lines for people at warn, coloured (NO_COLOR turns colours off)', { skip: !existsSync('/usr/bin/script') && 'no script(1)' }, () => {
    const code = `const L = await import(${JSON.stringify(LOGGER)}); const log = L.logger('unit.tty'); log.info('quiet'); log.warn({ connector: 'c', task: 1 }, 'loud');`;
    const inTerminal = (env: Record<string, string>) => {
      const cmd = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', code].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
      const fullEnv: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm', ...env };
      delete fullEnv.FERRY_LOG_LEVEL;
      delete fullEnv.FERRY_LOG_FORMAT;
      delete fullEnv.NO_COLOR;
      Object.assign(fullEnv, env);
      return spawnSync('/usr/bin/script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: fullEnv, timeout: 30_000 }).stdout.replace(/\r/g, '');
    };
    const coloured = inTerminal({});
    assert.ok(coloured.includes('\x1b[33mWARN'), JSON.stringify(coloured));
    assert.match(coloured, /loud/);
    assert.doesNotMatch(coloured, /quiet|"level"/);
    const plain = inTerminal({ NO_COLOR: '1' });
    assert.match(plain, /^\d\d:\d\d:\d\d WARN {2}unit\.tty \[c-1\] loud$/m);
    assert.match(inTerminal({ FERRY_LOG_FORMAT: 'json' }), /"level":40,.*"msg":"loud"/);
  });
});
