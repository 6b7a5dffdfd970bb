// S3 sink pure logic: object names, partitioners, formats, configuration errors, and the partition writer's
// rotation, multipart and exactly-once naming against an in-memory object store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Headers, sinkRecord, type SinkRecord } from '../../src/connect/api/index.js';
import { DEFAULT_NAMING, objectKey, parseObjectKey, padOffset } from '../../src/connectors/s3/naming.js';
import { FieldPartitioner, TimeBasedPartitioner, DefaultPartitioner, parsePathFormat } from '../../src/connectors/s3/partitioners.js';
import { ByteArrayFormat, JsonFormat, LosslessJsonFormat, decodeLossless, unescapeSeparator } from '../../src/connectors/s3/formats.js';
import { parseS3SinkConfig, s3SinkErrors, parseS3SourceConfig, renameTopic } from '../../src/connectors/s3/config.js';
import { TopicPartitionWriter, type ObjectSink } from '../../src/connectors/s3/sink-writer.js';
import { S3SinkConnector } from '../../src/connectors/s3/sink.js';
import { describeS3Error } from '../../src/connectors/s3/storage.js';

const BASE = { 's3.bucket.name': 'b', 'format.class': 'LosslessJsonFormat', 'flush.size': '3' };

function rec(offset: number, value: unknown = Buffer.from(`v${offset}`), extra: Partial<SinkRecord> = {}): SinkRecord {
  const h = new Headers();
  h.add('a', Buffer.from('1'));
  h.add('a', null);
  return { ...sinkRecord({ topic: 't', kafkaPartition: 2, kafkaOffset: offset, key: Buffer.from(`k${offset}`), value, timestamp: 1_000 + offset, headers: h }), ...extra };
}

class MemoryStore implements ObjectSink {
  readonly objects = new Map<string, Buffer>();
  readonly parts = new Map<string, Buffer[]>();
  puts = 0;
  async put(key: string, body: Buffer): Promise<void> { this.puts++; this.objects.set(key, body); }
  async startMultipart(key: string): Promise<string> { this.parts.set(key, []); return `u-${key}`; }
  async uploadPart(key: string, _id: string, n: number, body: Buffer): Promise<string> { this.parts.get(key)![n - 1] = body; return `e${n}`; }
  async completeMultipart(key: string): Promise<void> { this.objects.set(key, Buffer.concat(this.parts.get(key)!)); this.parts.delete(key); }
  async abortMultipart(key: string): Promise<void> { this.parts.delete(key); }
}

test('object names: Confluent layout, zero-padded start offset, parsed back', () => {
  assert.equal(padOffset(42, 10), '0000000042');
  const key = objectKey(DEFAULT_NAMING, 'orders.v1', 'partition=3', 3, 1200, '.ferry.json');
  assert.equal(key, 'topics/orders.v1/partition=3/orders.v1+3+0000001200.ferry.json');
  assert.deepEqual(parseObjectKey(DEFAULT_NAMING, key, '.ferry.json'), { topic: 'orders.v1', partition: 3, startOffset: 1200, extension: '.ferry.json' });
  assert.equal(parseObjectKey(DEFAULT_NAMING, 'topics/x/partition=0/garbage.json', '.json'), null);
  assert.equal(objectKey({ ...DEFAULT_NAMING, topicsDir: '' }, 'a+b', 'partition=0', 0, 5, '.bin'), 'a+b/partition=0/a+b+0+0000000005.bin');
  assert.equal(parseObjectKey(DEFAULT_NAMING, 'a+b/partition=0/a+b+0+0000000005.bin', '.bin')?.topic, 'a+b');
});

test('partitioners: default, field, time-based with path.format and time zone', () => {
  assert.equal(new DefaultPartitioner().encodePartition(rec(1)), 'partition=2');
  const fp = new FieldPartitioner(['region', 'n'], '/');
  assert.equal(fp.encodePartition(rec(1, { region: 'eu', n: 4 })), 'region=eu/n=4');
  assert.throws(() => fp.encodePartition(rec(1, { n: 4 })), /no field 'region'.*partition.field.name/);
  const hourly = new TimeBasedPartitioner("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", 3_600_000, 'UTC', 'Record', 'ts');
  const ts = Date.UTC(2024, 0, 31, 23, 59, 59);
  assert.equal(hourly.encodePartition(rec(1, null, { timestamp: ts }), 0), 'year=2024/month=01/day=31/hour=23');
  const paris = new TimeBasedPartitioner("YYYY-MM-dd'T'HH", 3_600_000, 'Europe/Paris', 'Record', 'ts');
  assert.equal(paris.format(ts), '2024-02-01T00');
  const field = new TimeBasedPartitioner('YYYY/MM/dd', 86_400_000, 'UTC', 'RecordField', 'at');
  assert.equal(field.encodePartition(rec(1, { at: ts }), 0), '2024/01/31');
  assert.throws(() => parsePathFormat('YYYY-ww'), /uses 'w'/);
});

test('formats: lossless keeps key, value, headers in order, nulls and timestamp; JSON and bytes as Confluent', () => {
  const line = new LosslessJsonFormat().encode(rec(7));
  const [d] = decodeLossless(line, 'o');
  assert.equal(d!.offset, 7);
  assert.equal(d!.partition, 2);
  assert.equal(d!.timestamp, 1_007);
  assert.deepEqual(d!.key, Buffer.from('k7'));
  assert.deepEqual(d!.value, Buffer.from('v7'));
  assert.deepEqual(d!.headers, [['a', Buffer.from('1')], ['a', null]]);
  assert.equal(decodeLossless(new LosslessJsonFormat().encode(rec(8, null)), 'o')[0]!.value, null);
  assert.throws(() => new LosslessJsonFormat().encode(rec(9, 'text')), /value.converter=org.apache.kafka.connect.converters.ByteArrayConverter/);
  assert.equal(new JsonFormat().encode(rec(1, { a: 1 })).toString(), '{"a":1}\n');
  assert.equal(new ByteArrayFormat('.bin', Buffer.from(unescapeSeparator('\\n'))).encode(rec(1)).toString(), 'v1\n');
  assert.throws(() => decodeLossless('{"x":1}\n', 'obj-1'), /obj-1 line 1/);
});

test('config: defaults, and every bad or unsupported key named', () => {
  const s = parseS3SinkConfig(BASE);
  assert.equal(s.region, 'us-west-2');
  assert.equal(s.naming.topicsDir, 'topics');
  assert.equal(s.nullValues, 'write', 'lossless keeps null values by default');
  assert.equal(parseS3SinkConfig({ ...BASE, 'format.class': 'JsonFormat' }).nullValues, 'fail', 'Confluent default otherwise');
  assert.throws(() => parseS3SinkConfig({ ...BASE, 'flush.size': '0' }), /flush.size/);
  assert.throws(() => parseS3SinkConfig({ 'format.class': 'JsonFormat', 'flush.size': '1' }), /s3.bucket.name/);
  assert.throws(() => parseS3SinkConfig({ ...BASE, 'format.class': 'io.confluent.connect.s3.format.avro.AvroFormat' }), /format.class/);
  assert.throws(() => parseS3SinkConfig({ ...BASE, 's3.sse.kms.key.id': 'k' }), /s3.sse.kms.key.id is a Confluent S3 sink setting that Ferry does not implement/);
  assert.throws(() => parseS3SinkConfig({ ...BASE, 'aws.access.key.id': 'only-id' }), /aws.secret.access.key/);
  assert.throws(() => parseS3SinkConfig({ ...BASE, 'store.url': 'ftp://x' }), /store.url/);
  assert.throws(() => parseS3SinkConfig({ ...BASE, 'partitioner.class': 'TimeBasedPartitioner' }), /timezone is required/);
  assert.deepEqual(Object.keys(s3SinkErrors({ ...BASE, 'partitioner.class': 'TimeBasedPartitioner', timezone: 'UTC' })).sort(), ['partition.duration.ms', 'path.format']);
  assert.match(String(s3SinkErrors({ ...BASE, 'path.format': 'YYYY' })['path.format']), /only applies to a time-based/);
  assert.match(String(s3SinkErrors({ ...BASE, 'timestamp.extractor': 'Record', 'rotate.interval.ms': '1000' })['timestamp.extractor']), /only applies to a time-based/);
  assert.match(String(s3SinkErrors({ ...BASE, timezone: 'Mars/Olympus' })['timezone']), /not a known time zone/);
  assert.match(String(s3SinkErrors({ ...BASE, 'partitioner.class': 'HourlyPartitioner', timezone: 'UTC', 'partition.duration.ms': '60000' })['partition.duration.ms']), /fixed by HourlyPartitioner/);
  assert.match(String(s3SinkErrors({ ...BASE, 's3.part.size': '1000' })['s3.part.size']), /s3.part.size/);
  assert.match(String(s3SinkErrors({ ...BASE, 's3.compression.type': 'gzip' })['s3.compression.type']), /s3.compression.type/);
  assert.match(String(s3SinkErrors({ ...BASE, 's3.credentials.provider.class': 'com.x.Custom' })['s3.credentials.provider.class']), /s3.credentials.provider.class/);
  assert.match(String(s3SinkErrors({ ...BASE, 'format.bytearray.separator': ',' })['format.bytearray.separator']), /ByteArrayFormat/);
  const v = new S3SinkConnector().validate({ ...BASE, 'value.converter': 'org.apache.kafka.connect.json.JsonConverter' });
  assert.match(String(v['value.converter']), /must be org.apache.kafka.connect.converters.ByteArrayConverter/);
  assert.throws(() => parseS3SourceConfig({ 's3.bucket.name': 'b', topics: 'a,b', 'topic.rename.format': 'same' }), /topic.rename.format/);
  assert.equal(renameTopic('restored.${topic}', 'orders'), 'restored.orders');
});

test('S3 errors name the cause', () => {
  const s = parseS3SinkConfig({ ...BASE, 'store.url': 'http://127.0.0.1:9' });
  assert.match(describeS3Error({ name: 'InvalidAccessKeyId', $metadata: { httpStatusCode: 403 } }, s, 'x').message, /wrong or unauthorized credentials.*aws.access.key.id/);
  assert.match(describeS3Error({ name: 'NoSuchBucket' }, s, 'x').message, /bucket 'b' does not exist.*s3.bucket.name/);
  assert.match(describeS3Error({ name: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, s, 'x').message, /endpoint http:\/\/127.0.0.1:9 is unreachable.*store.url/);
});

function writer(store: MemoryStore, over: Partial<ReturnType<typeof parseS3SinkConfig>> = {}) {
  const s = { ...parseS3SinkConfig(BASE), ...over };
  return new TopicPartitionWriter('t', 2, { ...s, timeBasedPartitioner: false }, new LosslessJsonFormat(), new DefaultPartitioner(), store);
}

test('writer: flush.size objects named by first offset; only written records committable; a restart rewrites the same names', async () => {
  const store = new MemoryStore();
  const w = writer(store);
  for (let o = 10; o < 17; o++) await w.write(rec(o), 0);
  assert.deepEqual([...store.objects.keys()], ['topics/t/partition=2/t+2+0000000010.ferry.json', 'topics/t/partition=2/t+2+0000000013.ferry.json']);
  assert.equal(w.committableOffset, 16, 'record 16 is buffered, not committable');
  // A restart from the committed offset 13 (the last commit was lost) rebuilds object 13 under its name.
  const again = writer(store);
  for (let o = 13; o < 19; o++) await again.write(rec(o), 0);
  assert.equal(store.objects.size, 3);
  assert.equal(decodeLossless(store.objects.get('topics/t/partition=2/t+2+0000000016.ferry.json')!, 'x').length, 3);
  // A rewind discards the open object.
  const w3 = writer(store);
  await w3.write(rec(30), 0);
  await w3.write(rec(20), 0);
  await w3.write(rec(21), 0);
  await w3.write(rec(22), 0);
  assert.ok(store.objects.has('topics/t/partition=2/t+2+0000000020.ferry.json'));
  assert.ok(!store.objects.has('topics/t/partition=2/t+2+0000000030.ferry.json'));
});

test('writer: rotate.interval.ms on record time, null values per behavior.on.null.values, multipart past s3.part.size', async () => {
  const store = new MemoryStore();
  const w = writer(store, { flushSize: 1000, rotateIntervalMs: 5 });
  for (let o = 0; o < 12; o++) await w.write(rec(o), 0);
  // timestamps 1000+o: rotation when a record is ≥ 5 ms after the object's first.
  assert.deepEqual([...store.objects.keys()].map((k) => k.slice(-20)), ['2+0000000000.ferry.json', '2+0000000005.ferry.json'].map((k) => k.slice(-20)));
  assert.equal(w.committableOffset, 10);
  const f = writer(new MemoryStore(), { nullValues: 'fail' });
  await assert.rejects(f.write(rec(1, null), 0), /behavior.on.null.values=fail/);
  const ig = new MemoryStore();
  const i = writer(ig, { nullValues: 'ignore', flushSize: 2 });
  await i.write(rec(1, null), 0);
  assert.equal(i.committableOffset, 2, 'an ignored record with nothing open is committable at once');
  const big = new MemoryStore();
  const m = writer(big, { flushSize: 100, partSize: 64 });
  for (let o = 0; o < 100; o++) await m.write(rec(o, Buffer.alloc(40, 1)), 0);
  assert.equal(big.puts, 0, 'written in parts');
  assert.equal(decodeLossless(big.objects.get('topics/t/partition=2/t+2+0000000000.ferry.json')!, 'x').length, 100);
  assert.ok(m.bufferedBytes === 0);
});

test('S3 requests are retried s3.part.retries times with s3.retry.backoff.ms on transient failures only', async () => {
  const { ObjectStore, isTransientS3Error } = await import('../../src/connectors/s3/storage.js');
  assert.ok(isTransientS3Error({ code: 'ECONNREFUSED' }));
  assert.ok(isTransientS3Error({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } }));
  assert.ok(!isTransientS3Error({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
  const s = parseS3SinkConfig({ ...BASE, 's3.part.retries': '2', 's3.retry.backoff.ms': '5', 'store.url': 'http://127.0.0.1:9' });
  const store = new ObjectStore(s);
  let calls = 0;
  const failing = (n: number, err: object) => { calls = 0; (store as unknown as { client: { send: () => Promise<unknown> } }).client = { send: async () => { if (++calls <= n) throw err; return {}; } }; };
  failing(2, { code: 'ECONNREFUSED' });
  await store.put('k', Buffer.from('x'));
  assert.equal(calls, 3, 'two retries');
  failing(3, { code: 'ECONNREFUSED' });
  await assert.rejects(store.put('k', Buffer.from('x')), /unreachable/);
  assert.equal(calls, 3, 'retries exhausted');
  failing(1, { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  await assert.rejects(store.put('k', Buffer.from('x')), /credentials/);
  assert.equal(calls, 1, 'not retried');
});
