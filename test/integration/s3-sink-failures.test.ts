// S3Sink failures: wrong credentials, a missing bucket and an endpoint that goes away each leave a FAILED task
// whose trace names the cause; once fixed (config update, bucket created, server back) and restarted, every
// record is in S3 exactly once — nothing lost, nothing doubled.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { useKafka, uniqueName } from '../helpers/kafka.js';
import { startTestWorker, tempDir, waitFor, type TestWorker } from '../helpers/connect.js';
import { createTopics, produceMixed } from '../helpers/mirror.js';
import { blockRecord, readBackup, useS3 } from '../helpers/s3.js';
import type { ObjectStore } from '../../src/connectors/s3/storage.js';

const kafka = useKafka({ clusters: ['main'] });
const s3 = useS3(['backups']);
const tmp = tempDir('ferry-s3-fail-');
const BYTES = 'org.apache.kafka.connect.converters.ByteArrayConverter';
let worker: TestWorker | undefined;
after(async () => { await worker?.stop(); tmp.cleanup(); });

const PARTITIONS = 3;
const BLOCK = 100;

async function getWorker(): Promise<TestWorker> {
  worker ??= await startTestWorker(kafka.cluster('main').bootstrap, { dir: tmp.dir, extra: { 'key.converter': BYTES, 'value.converter': BYTES, 'header.converter': BYTES } });
  return worker;
}

async function taskState(w: TestWorker, name: string): Promise<{ state: string; trace?: string } | undefined> {
  const s = await w.rest('GET', `/connectors/${name}/status`);
  return (s.body as { tasks?: Array<{ state: string; trace?: string }> }).tasks?.[0];
}

async function failedWith(w: TestWorker, name: string, re: RegExp): Promise<void> {
  const t = await waitFor(`${name}'s task to fail`, async () => { const t = await taskState(w, name); return t?.state === 'FAILED' ? t : null; }, 60_000, 250);
  assert.match(t.trace ?? '', re);
}

async function produce(topic: string, run: string, from: number, count: number): Promise<void> {
  await produceMixed(kafka.cluster('main').props, [topic], { run, partitions: PARTITIONS, from, count, batchSize: 3_000, concurrency: 1, make: blockRecord(BLOCK) });
}

/** Waits until the topic's objects hold `total` records, then checks every offset is there exactly once. */
async function exactlyOnce(store: ObjectStore, topic: string, total: number): Promise<void> {
  const backup = await waitFor(`${total} records of ${topic} in S3`, async () => {
    const b = await readBackup(store, topic);
    return [...b.records.values()].reduce((n, l) => n + l.length, 0) >= total ? b : null;
  }, 60_000, 500);
  for (const [p, recs] of backup.records) recs.forEach((r, i) => assert.equal(r.offset, i, `partition ${p}: offsets exactly once`));
  assert.equal([...backup.records.values()].reduce((n, l) => n + l.length, 0), total);
}

function sinkConfig(topic: string, over: Record<string, string> = {}): Record<string, string> {
  return { 'connector.class': 'S3Sink', topics: topic, ...s3.connectorProps(), 'format.class': 'LosslessJsonFormat', 'flush.size': String(BLOCK), ...over };
}

test('wrong credentials: FAILED naming them; fixed config → everything once', { timeout: 120_000 }, async () => {
  const w = await getWorker();
  const topic = uniqueName('creds');
  const run = uniqueName('r');
  await createTopics(kafka.cluster('main').props, [{ topic, partitions: PARTITIONS }]);
  await produce(topic, run, 0, 1_500);
  assert.equal((await w.rest('PUT', '/connectors/creds/config', sinkConfig(topic, { 'aws.secret.access.key': 'not-the-secret-8842' }))).status, 201);
  await failedWith(w, 'creds', /wrong or unauthorized credentials.*aws.access.key.id/);
  assert.equal((await w.rest('PUT', '/connectors/creds/config', sinkConfig(topic))).status, 200);
  const store = s3.store();
  try { await exactlyOnce(store, topic, 1_500); } finally { store.close(); }
  await w.rest('DELETE', '/connectors/creds');
});

test('missing bucket: FAILED naming it; bucket created and task restarted → everything once', { timeout: 120_000 }, async () => {
  const w = await getWorker();
  const topic = uniqueName('bucket');
  const run = uniqueName('r');
  await createTopics(kafka.cluster('main').props, [{ topic, partitions: PARTITIONS }]);
  await produce(topic, run, 0, 1_500);
  assert.equal((await w.rest('PUT', '/connectors/bucket/config', sinkConfig(topic, { 's3.bucket.name': 'later' }))).status, 201);
  await failedWith(w, 'bucket', /bucket 'later' does not exist.*s3.bucket.name/);
  s3.createBucket('later');
  assert.equal((await w.rest('POST', '/connectors/bucket/tasks/0/restart')).status, 204);
  const { ObjectStore } = await import('../../src/connectors/s3/storage.js');
  const { storageSettings } = await import('../helpers/s3.js');
  const store = new ObjectStore(storageSettings(s3.server, 'later'));
  try { await exactlyOnce(store, topic, 1_500); } finally { store.close(); }
  await w.rest('DELETE', '/connectors/bucket');
});

test('endpoint unreachable mid-backup: FAILED naming it; server back and task restarted → everything once', { timeout: 150_000 }, async () => {
  const w = await getWorker();
  const topic = uniqueName('endpoint');
  const run = uniqueName('r');
  await createTopics(kafka.cluster('main').props, [{ topic, partitions: PARTITIONS }]);
  await produce(topic, run, 0, 1_500);
  assert.equal((await w.rest('PUT', '/connectors/endpoint/config', sinkConfig(topic, { 's3.part.retries': '1', 's3.retry.backoff.ms': '50' }))).status, 201);
  let store = s3.store();
  try { await exactlyOnce(store, topic, 1_500); } finally { store.close(); }
  await s3.kill();
  await produce(topic, run, 1_500, 1_500);
  await failedWith(w, 'endpoint', /endpoint http:\/\/127\.0\.0\.1:\d+ is unreachable.*store.url/);
  await s3.restart();
  assert.equal((await w.rest('POST', '/connectors/endpoint/tasks/0/restart')).status, 204);
  store = s3.store();
  try { await exactlyOnce(store, topic, 3_000); } finally { store.close(); }
  await w.rest('DELETE', '/connectors/endpoint');
});

test('an object bigger than s3.part.size goes up as a multipart upload and reads back whole', { timeout: 120_000 }, async () => {
  const w = await getWorker();
  const topic = uniqueName('large');
  const run = uniqueName('r');
  await createTopics(kafka.cluster('main').props, [{ topic, partitions: 1 }]);
  const make = (_r: string, _t: string, i: number) => ({ partition: 0, key: Buffer.from(`k${i}`), value: Buffer.alloc(100_000, i % 251), headers: { n: Buffer.from(String(i)) }, timestamp: 1_700_000_000_000 + i });
  await produceMixed(kafka.cluster('main').props, [topic], { run, partitions: 1, count: 120, batchSize: 5, concurrency: 1, make });
  assert.equal((await w.rest('PUT', '/connectors/large/config', sinkConfig(topic, { 'flush.size': '120', 's3.part.size': String(5 * 1024 * 1024) }))).status, 201);
  const store = s3.store();
  try {
    await exactlyOnce(store, topic, 120);
    const [obj] = await store.list(`topics/${topic}/`);
    assert.ok(obj && obj.size > 12 * 1024 * 1024, `one object of ${obj?.size} bytes`);
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const head = await store.client.send(new HeadObjectCommand({ Bucket: store.bucket, Key: obj.key }));
    assert.match(head.ETag ?? '', /-\d+"?$/, `a multipart ETag (${head.ETag})`);
    const b = await readBackup(store, topic);
    assert.ok(b.records.get(0)!.every((r, i) => r.value!.length === 100_000 && r.value![0] === i % 251 && r.headers[0]![1]!.toString() === String(i)));
  } finally { store.close(); }
  await w.rest('DELETE', '/connectors/large');
});
