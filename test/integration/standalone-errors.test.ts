// Poison records: errors.tolerance=none fails the task with the cause in its status trace;
// errors.tolerance=all + a dead-letter queue routes each poison record (with __connect.errors.* context
// headers) to the DLQ while every good record reaches the sink — nothing is lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { startTestWorker, tempDir, waitFor, type TestWorker } from '../helpers/connect.js';
import { createKafka, createTopicsAndWait } from '../../src/kafka/client.js';
import { PartitionReader } from '../../src/kafka/partition-reader.js';

let kafka: KafkaHarness;
let worker: TestWorker;
const tmp = tempDir();
const GOOD = 500;
const POISON = new Set([3, 77, 250, 499]);

before(async () => {
  kafka = await startKafka({ clusters: ['errors'] });
  const props = kafka.clusters[0]!.props;
  const k = createKafka(props);
  const admin = k.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'json-in', numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = k.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < GOOD + POISON.size; i++) {
    messages.push({ key: `k${i}`, value: POISON.has(i) ? `{not json ${i}` : JSON.stringify(`value ${i}`) });
  }
  await producer.send({ topic: 'json-in', messages });
  await producer.disconnect();
  worker = await startTestWorker(kafka.clusters[0]!.bootstrap, { dir: tmp.dir });
});

after(async () => {
  await worker?.stop();
  await kafka?.stop();
  tmp.cleanup();
});

test('errors.tolerance=none: the task fails on the first poison record and shows why', async () => {
  const out = join(tmp.dir, 'none.txt');
  const r = await worker.rest('POST', '/connectors', {
    name: 'strict-sink',
    config: {
      'connector.class': 'FileStreamSink', file: out, topics: 'json-in',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false',
    },
  });
  assert.equal(r.status, 201);
  const status = await waitFor('task FAILED', async () => {
    const s = (await worker.rest('GET', '/connectors/strict-sink/status')).body as { tasks: { state: string; trace?: string }[] };
    return s.tasks[0]?.state === 'FAILED' ? s : null;
  });
  assert.match(status.tasks[0]!.trace!, /Tolerance exceeded/);
  assert.match(status.tasks[0]!.trace!, /json-in/);
  // Nothing after the poison record was written.
  const lines = existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : [];
  assert.ok(lines.length <= 3, `at most the 3 records before the first poison one, got ${lines.length}`);
});

test('errors.tolerance=all with a DLQ: poison records land in the DLQ with context headers, good ones in the sink', async () => {
  const out = join(tmp.dir, 'all.txt');
  const r = await worker.rest('POST', '/connectors', {
    name: 'tolerant-sink',
    config: {
      'connector.class': 'FileStreamSink', file: out, topics: 'json-in',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false',
      'errors.tolerance': 'all', 'errors.log.enable': 'true',
      'errors.deadletterqueue.topic.name': 'json-in-dlq', 'errors.deadletterqueue.topic.replication.factor': '1',
      'errors.deadletterqueue.context.headers.enable': 'true',
    },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await waitFor('every good record in the sink file', () => existsSync(out) && readFileSync(out, 'utf8').split('\n').filter(Boolean).length === GOOD, 30_000);
  const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
  const expected = Array.from({ length: GOOD + POISON.size }, (_, i) => i).filter((i) => !POISON.has(i)).map((i) => `value ${i}`);
  assert.deepEqual(lines, expected);

  const reader = new PartitionReader(kafka.clusters[0]!.props, 'dlq-check');
  reader.seek({ topic: 'json-in-dlq', partition: 0 }, 'earliest');
  const dlq = await waitFor('4 DLQ records', async () => {
    const got = [];
    for (let i = 0; i < 5; i++) got.push(...(await reader.poll()).flatMap((f) => f.records));
    return got.length >= POISON.size ? got : null;
  }, 30_000, 10);
  await reader.disconnect();
  assert.equal(dlq.length, POISON.size);
  for (const rec of dlq) {
    const h = new Map(rec.headers.map(([k, v]) => [k, v?.toString('utf8')]));
    const i = Number(rec.key!.toString().slice(1));
    assert.ok(POISON.has(i), `DLQ holds only poison records (got k${i})`);
    assert.equal(rec.value!.toString(), `{not json ${i}`, 'original bytes are kept');
    assert.equal(h.get('__connect.errors.topic'), 'json-in');
    assert.equal(h.get('__connect.errors.partition'), '0');
    assert.equal(h.get('__connect.errors.offset'), String(i));
    assert.equal(h.get('__connect.errors.connector.name'), 'tolerant-sink');
    assert.equal(h.get('__connect.errors.stage'), 'VALUE_CONVERTER');
    assert.ok(h.get('__connect.errors.exception.message'));
  }
  const st = (await worker.rest('GET', '/connectors/tolerant-sink/status')).body as { tasks: { state: string }[] };
  assert.equal(st.tasks[0]!.state, 'RUNNING');
});

test('topics.regex picks up topics created after the sink started', async () => {
  const out = join(tmp.dir, 'regex.txt');
  const r = await worker.rest('POST', '/connectors', {
    name: 'regex-sink',
    config: { 'connector.class': 'FileStreamSink', file: out, 'topics.regex': 'rx-.*', 'consumer.override.metadata.max.age.ms': '1000' },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const k = createKafka(kafka.clusters[0]!.props);
  const admin = k.admin();
  await admin.connect();
  const producer = k.producer();
  await producer.connect();
  try {
    for (const [i, topic] of ['rx-one', 'rx-two'].entries()) {
      await createTopicsAndWait(admin, { topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
      await producer.send({ topic, messages: [{ value: `from ${topic}` }] });
      await waitFor(`record of ${topic} in the sink`, () => existsSync(out) && readFileSync(out, 'utf8').split('\n').filter(Boolean).length === i + 1, 30_000);
    }
    assert.deepEqual(readFileSync(out, 'utf8').split('\n').filter(Boolean).sort(), ['from rx-one', 'from rx-two']);
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
});

test('sink connector offsets: read, altered while STOPPED, and reset', async () => {
  assert.equal((await worker.rest('PUT', '/connectors/tolerant-sink/stop')).status, 204);
  await waitFor('STOPPED', async () => ((await worker.rest('GET', '/connectors/tolerant-sink/status')).body as { connector: { state: string } }).connector.state === 'STOPPED');
  const before = (await worker.rest('GET', '/connectors/tolerant-sink/offsets')).body as { offsets: { partition: Record<string, unknown>; offset: Record<string, unknown> }[] };
  assert.deepEqual(before.offsets, [{ partition: { kafka_topic: 'json-in', kafka_partition: 0 }, offset: { kafka_offset: GOOD + POISON.size } }]);
  const altered = await worker.rest('PATCH', '/connectors/tolerant-sink/offsets', { offsets: [{ partition: { kafka_topic: 'json-in', kafka_partition: 0 }, offset: { kafka_offset: 10 } }] });
  assert.equal(altered.status, 200, JSON.stringify(altered.body));
  const after = (await worker.rest('GET', '/connectors/tolerant-sink/offsets')).body as { offsets: { offset: Record<string, unknown> }[] };
  assert.equal(after.offsets[0]!.offset['kafka_offset'], 10);
  const bad = await worker.rest('PATCH', '/connectors/tolerant-sink/offsets', { offsets: [{ partition: { kafka_topic: 'json-in' }, offset: { kafka_offset: 1 } }] });
  assert.equal(bad.status, 400);
  assert.equal((await worker.rest('DELETE', '/connectors/tolerant-sink/offsets')).status, 200);
  assert.deepEqual(((await worker.rest('GET', '/connectors/tolerant-sink/offsets')).body as { offsets: unknown[] }).offsets, []);
});
