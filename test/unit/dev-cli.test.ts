import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEV_USAGE, UsageError, formatClusters, parseDevArgs } from '../../src/dev/cli.js';
import type { ClusterRecord } from '../../src/dev/cluster.js';

test('parseDevArgs: up with defaults', () => {
  assert.deepEqual(parseDevArgs(['up'], {}), { command: 'up', acls: false, json: false });
});

test('parseDevArgs: up with every option, both --opt v and --opt=v forms', () => {
  assert.deepEqual(parseDevArgs(['up', '--clusters', 'a, b,c', '--base-port=25000', '--kafka-version', '3.9.1', '--acls', '--json'], {}), {
    command: 'up', clusters: ['a', 'b', 'c'], basePort: 25000, kafkaVersion: '3.9.1', acls: true, json: true,
  });
});

test('parseDevArgs: FERRY_KAFKA_VERSION is the default version for up and fetch only', () => {
  assert.equal(parseDevArgs(['up'], { FERRY_KAFKA_VERSION: '3.9.1' }).kafkaVersion, '3.9.1');
  assert.equal(parseDevArgs(['fetch'], { FERRY_KAFKA_VERSION: '3.9.1' }).kafkaVersion, '3.9.1');
  assert.equal(parseDevArgs(['status'], { FERRY_KAFKA_VERSION: '3.9.1' }).kafkaVersion, undefined);
  assert.equal(parseDevArgs(['fetch', '--kafka-version', '4.1.1'], { FERRY_KAFKA_VERSION: '3.9.1' }).kafkaVersion, '4.1.1');
});

test('parseDevArgs: status/down/stop/fetch with --json', () => {
  for (const c of ['status', 'down', 'stop', 'fetch'] as const) assert.deepEqual(parseDevArgs([c, '--json'], {}), { command: c, acls: false, json: true });
});

test('parseDevArgs: help', () => {
  assert.equal(parseDevArgs(['--help'], {}).command, 'help');
  assert.equal(parseDevArgs(['up', '-h'], {}).command, 'help');
  assert.equal(parseDevArgs(['help'], {}).command, 'help');
  assert.match(DEV_USAGE, /ferry dev <command>/);
  assert.match(DEV_USAGE, /--base-port/);
});

test('parseDevArgs: usage errors', () => {
  const bad: [string[], RegExp][] = [
    [[], /missing command/],
    [['launch'], /unknown command 'launch'/],
    [['up', 'extra'], /unexpected argument 'extra'/],
    [['up', '--nope'], /Unknown option '--nope'/],
    [['up', '--base-port', 'abc'], /--base-port must be an integer/],
    [['up', '--base-port', '80'], /--base-port must be an integer between 1024 and 65534/],
    [['up', '--clusters', ','], /--clusters needs at least one name/],
    [['up', '--kafka-version', '2.8.1'], /Unsupported Kafka version/],
    [['up', '--kafka-version', 'x'], /Invalid Kafka version/],
    [['status', '--clusters', 'a'], /--clusters applies to 'up' only/],
    [['down', '--base-port', '20000'], /--base-port applies to 'up' only/],
    [['status', '--kafka-version', '4.3.1'], /--kafka-version applies to 'up' and 'fetch' only/],
    [['down', '--acls'], /--acls applies to 'up' only/],
  ];
  for (const [args, re] of bad) {
    assert.throws(() => parseDevArgs(args, {}), (err: unknown) => err instanceof UsageError && re.test(err.message), args.join(' '));
  }
});

test('formatClusters aligns names and shows state, version, pid', () => {
  const rec = (name: string, port: number, pid?: number): ClusterRecord => ({
    name, bootstrap: `127.0.0.1:${port}`, brokerPort: port, controllerPort: port + 1, kafkaVersion: '4.3.1', clusterId: 'x',
    dir: '/d', dataDir: '/d/data', logFile: '/d/logs/server.log', acls: false, ...(pid ? { pid } : {}),
  });
  const out = formatClusters([{ ...rec('source', 19092, 11), state: 'running' }, { ...rec('t', 20092), state: 'stopped' }]);
  const lines = out.split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^ {2}source {2}127\.0\.0\.1:19092 +running +kafka 4\.3\.1 {2}pid 11$/);
  assert.match(lines[1]!, /^ {2}t {7}127\.0\.0\.1:20092 +stopped +kafka 4\.3\.1$/);
});
