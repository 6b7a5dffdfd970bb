// The human log line (log-format.ts): what it shows, and the JSON/pretty decision.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseLogFormat, defaultLogLevel, fieldValue, formatPretty, prettyLine } from '../../src/observability/log-format.js';
import { takeLogOptions } from '../../src/cli/ferry.js';

const TIME = '2026-12-07T12:01:02.345Z';
// The line shows the local clock; the expectation is computed the same way, whatever the machine's zone.
const d = new Date(TIME);
const HMS = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');

describe('formatPretty', () => {
  it('shows time, padded level, logger, connector-task context and message', () => {
    const line = formatPretty({ level: 40, time: TIME, logger: 'connect.task', connector: 'stream', task: 0, msg: 'task failed', err: 'boom' });
    assert.equal(line, `${HMS} WARN  connect.task [stream-0] task failed: boom`);
  });

  it('names every level', () => {
    const labels = [10, 20, 30, 40, 50, 60].map((level) => formatPretty({ level, time: TIME, msg: 'm' }).split(' ')[1]);
    assert.deepEqual(labels, ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']);
    assert.match(formatPretty({ level: 30, time: TIME, msg: 'm' }), new RegExp(`^${HMS} INFO  m$`));
  });

  it('shows a connector without a task, and a task name alone', () => {
    assert.equal(formatPretty({ level: 30, time: TIME, logger: 'connect.connector', connector: 'orders-sink', msg: 'started' }), `${HMS} INFO  connect.connector [orders-sink] started`);
    assert.equal(formatPretty({ level: 50, time: TIME, logger: 'worker', task: 'backup-1', msg: 'x' }), `${HMS} ERROR worker [backup-1] x`);
  });

  it('keeps every other field as key=value, quoting what is not a plain word', () => {
    const line = formatPretty({ level: 40, time: TIME, logger: 'mirror.dedicated', msg: 'retrying', retryInMs: 500, stage: 'fetch offsets', ok: false, none: null, topics: ['a', 'b'], cfg: { 'x.y': 1 } });
    assert.equal(line, `${HMS} WARN  mirror.dedicated retrying  retryInMs=500 stage="fetch offsets" ok=false none=null topics=["a","b"] cfg={"x.y":1}`);
  });

  it('puts an error message after the message, its further lines (Caused by …) indented below', () => {
    const line = formatPretty({ level: 50, time: TIME, logger: 'connect.worker', connector: 'c', msg: 'connector failed:', err: 'ConnectException: cannot start\nCaused by: Error: ECONNREFUSED 127.0.0.1:1' });
    assert.equal(line, `${HMS} ERROR connect.worker [c] connector failed: ConnectException: cannot start\n    Caused by: Error: ECONNREFUSED 127.0.0.1:1`);
    assert.equal(formatPretty({ level: 50, time: TIME, err: 'only an error' }), `${HMS} ERROR only an error`);
  });

  it('shows a serialized Error (pino err serializer) with its stack and extra properties', () => {
    const err = { type: 'TypeError', message: 'bad thing', stack: 'TypeError: bad thing\n    at f (x.js:1:1)', code: 'E_BAD' };
    const line = formatPretty({ level: 50, time: TIME, logger: 'connect.rest', msg: 'request failed', err, method: 'GET' });
    assert.equal(line, `${HMS} ERROR connect.rest request failed: TypeError: bad thing  method=GET err.code=E_BAD\n    at f (x.js:1:1)`);
  });

  it('colours the level only when asked', () => {
    assert.ok(!formatPretty({ level: 50, time: TIME, msg: 'm' }).includes('\x1b['));
    assert.ok(formatPretty({ level: 50, time: TIME, msg: 'm' }, { color: true }).includes('\x1b[31mERROR'));
  });

  it('rewrites a JSON line; anything else passes unchanged', () => {
    assert.equal(prettyLine(`{"level":30,"time":"${TIME}","logger":"w","msg":"hi"}\n`), `${HMS} INFO  w hi\n`);
    assert.equal(prettyLine('not json\n'), 'not json\n');
    assert.equal(prettyLine('[1,2]\n'), '[1,2]\n');
  });

  it('fieldValue keeps a value on one line', () => {
    assert.equal(fieldValue('a\nb'), '"a\\nb"');
    assert.equal(fieldValue(''), '""');
    assert.equal(fieldValue('k=v'), '"k=v"');
    assert.equal(fieldValue('h:9092'), 'h:9092');
  });
});

describe('format and level decision', () => {
  it('pretty on a terminal, JSON into a pipe, unless asked', () => {
    assert.equal(chooseLogFormat({ isTTY: true }), 'pretty');
    assert.equal(chooseLogFormat({ isTTY: false }), 'json');
    assert.equal(chooseLogFormat({ isTTY: true, env: 'json' }), 'json');
    assert.equal(chooseLogFormat({ isTTY: false, env: 'PRETTY' }), 'pretty');
    assert.equal(chooseLogFormat({ isTTY: false, env: 'auto' }), 'json');
    assert.equal(chooseLogFormat({ isTTY: false, env: 'nonsense' }), 'json');
  });

  it('a command preference (the demo) beats the terminal test, FERRY_LOG_FORMAT beats the preference, an explicit choice beats all', () => {
    assert.equal(chooseLogFormat({ isTTY: false, preferred: 'pretty' }), 'pretty');
    assert.equal(chooseLogFormat({ isTTY: false, preferred: 'pretty', env: 'json' }), 'json');
    assert.equal(chooseLogFormat({ isTTY: true, preferred: 'pretty', env: 'pretty', explicit: 'json' }), 'json');
  });

  it('warn and above for people, info for JSON, FERRY_LOG_LEVEL wins', () => {
    assert.equal(defaultLogLevel('pretty', undefined), 'warn');
    assert.equal(defaultLogLevel('json', undefined), 'info');
    assert.equal(defaultLogLevel('pretty', 'DEBUG'), 'debug');
    assert.equal(defaultLogLevel('json', 'error'), 'error');
  });

  it('ferry --log-format/--log-level set the environment and leave the rest to the command', () => {
    const env: NodeJS.ProcessEnv = {};
    assert.deepEqual(takeLogOptions(['--log-format', 'json', 'demo', '--records', '5', '--log-level=DEBUG'], env), ['demo', '--records', '5']);
    assert.deepEqual(env, { FERRY_LOG_FORMAT: 'json', FERRY_LOG_LEVEL: 'debug' });
    assert.deepEqual(takeLogOptions(['x', '--', '--log-level', 'info'], {}), ['x', '--', '--log-level', 'info']);
    assert.match((takeLogOptions(['--log-format', 'yaml'], {}) as { error: string }).error, /--log-format must be one of json, pretty, got 'yaml'/);
    assert.match((takeLogOptions(['demo', '--log-level'], {}) as { error: string }).error, /--log-level must be one of/);
  });
});
