import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeConfigRecord, decodeOffsetKey, decodeOffsetValue, decodeStatusRecord, encodeCommit, encodeLoggerLevel, encodeOffsetKey,
  encodeOffsetValue, encodeProperties, encodeRestartRequest, encodeSessionKey, encodeStatus, encodeTargetState, encodeTopicStatus,
  jacksonJson, jacksonString, javaHashMapCapacity, javaHashMapKeyOrder, javaStringHashCode, splitTaskName,
} from '../../src/connect/storage/internal-formats.js';

test('String.hashCode matches Java', () => {
  assert.equal(javaStringHashCode(''), 0);
  assert.equal(javaStringHashCode('hello'), 99162322);
  assert.equal(javaStringHashCode('topic'), 110546223);
  // overflow wraps to a negative int like Java
  assert.equal(javaStringHashCode('polygenelubricants'), -2147483648);
});

test('HashMap capacity grows from 16 past load factor 0.75', () => {
  assert.equal(javaHashMapCapacity(0), 16);
  assert.equal(javaHashMapCapacity(12), 16);
  assert.equal(javaHashMapCapacity(13), 32);
  assert.equal(javaHashMapCapacity(24), 32);
  assert.equal(javaHashMapCapacity(25), 64);
});

test('Java HashMap order of known Connect maps, whatever the insertion order', () => {
  for (const keys of [['topic', 'partition', 'cluster'], ['cluster', 'partition', 'topic'], ['partition', 'topic', 'cluster']]) {
    assert.deepEqual(javaHashMapKeyOrder(keys), ['cluster', 'partition', 'topic']); // MirrorMaker 2 source partition
  }
  assert.deepEqual(javaHashMapKeyOrder(['table', 'protocol']), ['protocol', 'table']); // JDBC partition
  assert.deepEqual(javaHashMapKeyOrder(['timestamp', 'incrementing', 'timestamp_nanos']), ['timestamp_nanos', 'incrementing', 'timestamp']); // JDBC offset
  assert.deepEqual(javaHashMapKeyOrder(['kafka_topic', 'kafka_partition']), javaHashMapKeyOrder(['kafka_partition', 'kafka_topic']));
});

test('colliding keys keep insertion order within a bucket', () => {
  // "Aa" and "BB" have the same String.hashCode (2112), so the same bucket at every capacity.
  assert.equal(javaStringHashCode('Aa'), javaStringHashCode('BB'));
  assert.deepEqual(javaHashMapKeyOrder(['Aa', 'BB']), ['Aa', 'BB']);
  assert.deepEqual(javaHashMapKeyOrder(['BB', 'Aa']), ['BB', 'Aa']);
});

test('resize re-buckets keys: 13 keys use 32 buckets', () => {
  const keys = Array.from({ length: 13 }, (_, i) => `k${i}`);
  const order = javaHashMapKeyOrder(keys);
  const bucket = (k: string, n: number) => { const h = javaStringHashCode(k); return (h ^ (h >>> 16)) & (n - 1); };
  for (let i = 1; i < order.length; i++) assert.ok(bucket(order[i - 1]!, 32) <= bucket(order[i]!, 32));
});

test('Jackson-compatible escaping', () => {
  assert.equal(jacksonString('a"b\\c\n\t\r\b\f'), '"a\\"b\\\\c\\n\\t\\r\\b\\f"');
  assert.equal(jacksonString('\u0001\u001f'), '"\\u0001\\u001F"');
  assert.equal(jacksonString('é/€'), '"é/€"');
  assert.equal(jacksonJson({ b: 1, a: [true, null, 'x'] }), '{"b":1,"a":[true,null,"x"]}');
  assert.equal(jacksonJson({ topic: 't', partition: 0, cluster: 'c' }, 'java'), '{"cluster":"c","partition":0,"topic":"t"}');
});

test('offsets topic: key and value bytes as Java Connect writes them', () => {
  assert.equal(encodeOffsetKey('local-file-source', { filename: 'test.txt' }), '["local-file-source",{"filename":"test.txt"}]');
  assert.equal(encodeOffsetValue({ position: 1234 }), '{"position":1234}');
  assert.equal(encodeOffsetValue(null), null);
  assert.equal(encodeOffsetKey('mm2', { topic: 'orders', partition: 3, cluster: 'primary' }), '["mm2",{"cluster":"primary","partition":3,"topic":"orders"}]');
  assert.equal(encodeOffsetValue({ timestamp: 1, incrementing: 2, timestamp_nanos: 3 }), '{"timestamp_nanos":3,"incrementing":2,"timestamp":1}');
  assert.deepEqual(decodeOffsetKey(Buffer.from('["local-file-source",{"filename":"test.txt"}]')), { connector: 'local-file-source', partition: { filename: 'test.txt' } });
  assert.deepEqual(decodeOffsetValue(Buffer.from('{"position":1234}')), { position: 1234 });
  assert.equal(decodeOffsetKey('["only-one"]'), null);
  assert.equal(decodeOffsetKey('not json'), null);
  assert.equal(decodeOffsetKey('[1,{}]'), null);
  assert.equal(decodeOffsetValue(null), null);
});

test('config topic: records from the reference round-trip', () => {
  const props = encodeProperties({ 'connector.class': 'FileStreamSource', 'tasks.max': '1' });
  assert.equal(props, '{"properties":{"connector.class":"FileStreamSource","tasks.max":"1"}}');
  assert.deepEqual(decodeConfigRecord('connector-my-conn', props), { kind: 'connector', connector: 'my-conn', properties: { 'connector.class': 'FileStreamSource', 'tasks.max': '1' } });
  assert.deepEqual(decodeConfigRecord('connector-my-conn', null), { kind: 'connector', connector: 'my-conn', properties: null });
  assert.deepEqual(decodeConfigRecord('task-my-conn-12', '{"properties":{"a":"b","n":null}}'), { kind: 'task', connector: 'my-conn', task: 12, properties: { a: 'b' } });
  assert.equal(encodeCommit(3), '{"tasks":3}');
  assert.deepEqual(decodeConfigRecord('commit-my-conn', '{"tasks":3}'), { kind: 'commit', connector: 'my-conn', tasks: 3 });
  assert.equal(encodeTargetState('STOPPED'), '{"state":"PAUSED","state.v2":"STOPPED"}');
  assert.equal(encodeTargetState('PAUSED'), '{"state":"PAUSED","state.v2":"PAUSED"}');
  assert.equal(encodeTargetState('STARTED'), '{"state":"STARTED","state.v2":"STARTED"}');
  assert.deepEqual(decodeConfigRecord('target-state-c', '{"state":"PAUSED","state.v2":"STOPPED"}'), { kind: 'target-state', connector: 'c', state: 'STOPPED' });
  assert.deepEqual(decodeConfigRecord('target-state-c', '{"state":"PAUSED"}'), { kind: 'target-state', connector: 'c', state: 'PAUSED' }); // pre-3.5 writer
  assert.equal(encodeRestartRequest({ includeTasks: true, onlyFailed: false }), '{"include-tasks":true,"only-failed":false}');
  assert.deepEqual(decodeConfigRecord('restart-connector-c', '{"include-tasks":true,"only-failed":true}'), { kind: 'restart', connector: 'c', request: { includeTasks: true, onlyFailed: true } });
  const sk = encodeSessionKey({ key: 'AAEC', algorithm: 'HmacSHA256', creationTimestamp: 1700000000000 });
  assert.equal(sk, '{"key":"AAEC","algorithm":"HmacSHA256","creation-timestamp":1700000000000}');
  assert.deepEqual(decodeConfigRecord('session-key', sk), { kind: 'session-key', sessionKey: { key: 'AAEC', algorithm: 'HmacSHA256', creationTimestamp: 1700000000000 } });
  assert.equal(encodeLoggerLevel('DEBUG'), '{"level":"DEBUG"}');
  assert.deepEqual(decodeConfigRecord('logger-cluster-org.apache.kafka', '{"level":"DEBUG"}'), { kind: 'logger-level', namespace: 'org.apache.kafka', level: 'DEBUG' });
  assert.deepEqual(decodeConfigRecord('tasks-fencing-c', '{"task-count":2}'), { kind: 'fencing', connector: 'c', taskCount: 2 });
  assert.equal(decodeConfigRecord('something-else', '{}').kind, 'unknown');
  assert.throws(() => decodeConfigRecord('commit-c', '{"tasks":"x"}'));
});

test('task names: the task number is the last dash segment', () => {
  assert.deepEqual(splitTaskName('a-b-c-7'), { connector: 'a-b-c', task: 7 });
  assert.equal(splitTaskName('nodash'), null);
  assert.equal(splitTaskName('c-x'), null);
});

test('status topic: records from the reference round-trip', () => {
  const running = encodeStatus({ state: 'RUNNING', trace: null, workerId: 'host:8083', generation: 5 });
  assert.equal(running, '{"state":"RUNNING","trace":null,"worker_id":"host:8083","generation":5}');
  assert.deepEqual(decodeStatusRecord('status-connector-my-conn', running), { kind: 'connector', connector: 'my-conn', status: { state: 'RUNNING', trace: null, workerId: 'host:8083', generation: 5 } });
  const failed = encodeStatus({ state: 'FAILED', trace: 'boom\n\tat x', workerId: 'w:1', generation: 2 });
  assert.equal(failed, '{"state":"FAILED","trace":"boom\\n\\tat x","worker_id":"w:1","generation":2}');
  assert.deepEqual(decodeStatusRecord('status-task-my-conn-3', failed), { kind: 'task', connector: 'my-conn', task: 3, status: { state: 'FAILED', trace: 'boom\n\tat x', workerId: 'w:1', generation: 2 } });
  assert.deepEqual(decodeStatusRecord('status-task-my-conn-3', null), { kind: 'task', connector: 'my-conn', task: 3, status: null });
  // Connect 4.1 adds a version field; it is kept.
  const v41 = decodeStatusRecord('status-connector-c', '{"state":"RUNNING","trace":null,"worker_id":"w:1","generation":1,"version":"3.9.0"}');
  assert.equal(v41.kind === 'connector' && v41.status?.version, '3.9.0');
  const topic = encodeTopicStatus({ topic: 'orders', connector: 'c', task: 0, discoverTimestamp: 1700000000000 });
  assert.equal(topic, '{"topic":{"name":"orders","connector":"c","task":0,"discoverTimestamp":1700000000000}}');
  assert.deepEqual(decodeStatusRecord('status-topic-orders:connector-c', topic), { kind: 'topic', connector: 'c', topic: 'orders', status: { topic: 'orders', connector: 'c', task: 0, discoverTimestamp: 1700000000000 } });
  assert.equal(decodeStatusRecord('status-connector-c', '{"state":"DESTROYED","trace":null,"worker_id":"w","generation":1}').kind, 'connector');
  assert.throws(() => decodeStatusRecord('status-connector-c', '{"state":"BOGUS"}'));
});
