// Compression on real clusters:
//  1. For each of gzip, snappy, lz4 and zstd, a topic written by Kafka's own producer (ProducerPerformance with
//     compression.type=<codec>) is mirrored completely by `connect-mirror-maker` mode with the target producer
//     set to zstd: per-partition counts and digests (key, value, headers, timestamp) match, Kafka's
//     DumpLogSegments decodes the same payloads on both sides and reports `compresscodec: zstd` for every
//     batch Ferry wrote.
//  2. Ferry's producer writes every codec (the broker accepts them, DumpLogSegments names them).
//  3. A batch that cannot be decoded (its zstd body damaged on disk, CRC fixed up) fails the mirror task with a
//     trace naming topic, partition, offset and codec; the records before it are mirrored.
//  4. A broker outage under a PartitionReader is reported by poll() within a bound (never retried silently),
//     and reading resumes at the right offset once the broker is back.
//  5. read_committed over compressed transactional batches drops aborted records and skips markers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startKafka, type KafkaHarness, type TestCluster } from '../helpers/kafka.js';
import { tempDir, waitFor } from '../helpers/connect.js';
import { createTopics, digestTopic, endOffsets, sum, writeMm2Properties } from '../helpers/mirror.js';
import { kafkaLibDir } from '../../src/dev/jars.js';
import { readMm2Config, startMirrorMaker } from '../../src/mirror/dedicated.js';
import { RecordProducer } from '../../src/kafka/producer.js';
import { FetchError, PartitionReader } from '../../src/kafka/partition-reader.js';
import type { CodecName } from '../../src/kafka/codecs.js';
import { createKafka } from '../../src/kafka/client.js';
import { CompressionTypes } from 'kafkajs';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const crc32c = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const RECORDS = 4000;
const PARTITIONS = 2;

let kafka: KafkaHarness;
const tmp = tempDir('ferry-mirror-compression-');
const log = (m: string) => process.stderr.write(`# ${m}\n`);

before(async () => {
  kafka = await startKafka({ clusters: ['a', 'b'] });
});

after(async () => {
  await kafka?.stop();
  tmp.cleanup();
});

function classpath(): string {
  return join(kafkaLibDir(kafka.kafkaVersion), '*');
}

/** DumpLogSegments moved from kafka.tools (Scala, 3.x) to org.apache.kafka.tools in Kafka 4. */
function dumpLogSegmentsClass(): string {
  return Number(kafka.kafkaVersion.split('.')[0]) >= 4 ? 'org.apache.kafka.tools.DumpLogSegments' : 'kafka.tools.DumpLogSegments';
}

function segmentFiles(c: TestCluster, topic: string, partition: number): string[] {
  const dir = join(c.local.dataDir, `${topic}-${partition}`);
  return readdirSync(dir).filter((f) => f.endsWith('.log')).sort().map((f) => join(dir, f));
}

interface Dump { codecs: string[]; payloads: string[] }

/**
 * Kafka's own reading of segment files (one JVM for all of them): per file, the codec of every batch and the
 * payload of every record.
 */
async function dumpSegments(files: string[]): Promise<Map<string, Dump>> {
  const { stdout } = await run('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', classpath(), dumpLogSegmentsClass(),
    '--deep-iteration', '--print-data-log', '--files', files.join(',')], { maxBuffer: 256 * 1024 * 1024 });
  const out = new Map<string, Dump>();
  let current: Dump | undefined;
  for (const line of stdout.split('\n')) {
    const file = /^Dumping (.*\.log)\s*$/.exec(line);
    if (file) { current = { codecs: [], payloads: [] }; out.set(file[1]!, current); continue; }
    if (!current) continue;
    const codec = /compresscodec: (\w+)/.exec(line);
    if (codec && /^baseOffset:/.test(line.trim())) current.codecs.push(codec[1]!.toLowerCase());
    const payload = /\bpayload: (.*)$/.exec(line);
    if (payload) current.payloads.push(payload[1]!);
  }
  return out;
}

/** One partition's segments as Kafka reads them (all segments of the partition, in order). */
function partitionDump(dumps: Map<string, Dump>, c: TestCluster, topic: string, partition: number): Dump {
  const all: Dump = { codecs: [], payloads: [] };
  for (const f of segmentFiles(c, topic, partition)) {
    const d = dumps.get(f);
    assert.ok(d, `DumpLogSegments output for ${f}`);
    all.codecs.push(...d.codecs);
    all.payloads.push(...d.payloads);
  }
  return all;
}

test('topics written by Kafka\'s producer with gzip, snappy, lz4 and zstd mirror completely; the zstd target producer writes zstd', { timeout: 150_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const topics = CODECS.map((c) => `java-${c}`);
  await createTopics(a.props, topics.map((topic) => ({ topic, partitions: PARTITIONS })));
  const t0 = Date.now();
  // Two JVMs at a time on a small machine.
  for (let i = 0; i < CODECS.length; i += 2) {
    await Promise.all(CODECS.slice(i, i + 2).map((codec) => run('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', classpath(), 'org.apache.kafka.tools.ProducerPerformance',
      '--topic', `java-${codec}`, '--num-records', String(RECORDS), '--record-size', '200', '--throughput', '-1',
      '--producer-props', `bootstrap.servers=${a.bootstrap}`, `compression.type=${codec}`, 'linger.ms=20', 'batch.size=32768'])));
  }
  log(`ProducerPerformance wrote ${CODECS.length} × ${RECORDS} records in ${Date.now() - t0} ms`);
  const sourceEnds = await Promise.all(topics.map((t) => endOffsets(a.props, t)));
  for (const [i, ends] of sourceEnds.entries()) assert.equal(sum(ends), RECORDS, `${topics[i]} holds ${RECORDS} records`);
  // The source really holds Java-compressed batches of each codec.
  const sourceDumps = await dumpSegments(topics.flatMap((t) => Array.from({ length: PARTITIONS }, (_, p) => segmentFiles(a, t, p)).flat()));
  for (const codec of CODECS) {
    const d = partitionDump(sourceDumps, a, `java-${codec}`, 0);
    assert.ok(d.codecs.length > 0 && d.codecs.every((c) => c === codec), `source java-${codec}: ${d.codecs.join(',')}`);
  }

  const mm2 = writeMm2Properties(tmp.dir, { A: a.bootstrap, B: b.bootstrap }, {
    'A->B.enabled': 'true',
    'A->B.topics': 'java-.*',
    'B->A.emit.heartbeats.enabled': 'false',
    'A->B.emit.checkpoints.enabled': 'false',
    'B.producer.compression.type': 'zstd',
    'B.producer.compression.zstd.level': '6',
    'tasks.max': '2',
  }, 'compression.properties');
  const started = Date.now();
  const mm = await startMirrorMaker(readMm2Config(mm2.path));
  try {
    const herder = mm.flows[0]!.worker.herder;
    await waitFor('every record on the target', async () => {
      const st = await herder.connectorStatus('MirrorSourceConnector').catch(() => null);
      const failed = st?.tasks.find((x) => x.state === 'FAILED');
      if (failed) throw new Error(`mirror task failed: ${failed.trace ?? ''}`);
      const ends = await Promise.all(topics.map((t) => endOffsets(b.props, `A.${t}`).catch(() => [])));
      return ends.every((e, i) => e.length === PARTITIONS && e.every((x, p) => x >= sourceEnds[i]![p]!));
    }, 90_000, 250);
    log(`mirrored ${CODECS.length * RECORDS} records in ${Date.now() - started} ms`);
  } finally {
    await mm.stop();
  }
  const targetDumps = await dumpSegments(topics.flatMap((t) => Array.from({ length: PARTITIONS }, (_, p) => segmentFiles(b, `A.${t}`, p)).flat()));
  for (const codec of CODECS) {
    const topic = `java-${codec}`;
    const [src, dst] = await Promise.all([digestTopic(a.props, topic, PARTITIONS, 2), digestTopic(b.props, `A.${topic}`, PARTITIONS, 2)]);
    for (let p = 0; p < PARTITIONS; p++) {
      assert.equal(dst[p]!.count, src[p]!.count, `${topic}-${p}: count`);
      assert.equal(dst[p]!.sha256, src[p]!.sha256, `${topic}-${p}: digest of key, value, headers, timestamp in order`);
    }
    assert.equal(sum(src.map((d) => d.count)), RECORDS);
    // Independently of Ferry's decoder: Kafka reads the same payloads in the same order on both sides, and
    // every batch Ferry wrote is zstd. (The producer's sticky partitioner may leave a partition empty.)
    let targetPayloads = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const s = partitionDump(sourceDumps, a, topic, p), t = partitionDump(targetDumps, b, `A.${topic}`, p);
      assert.equal(t.payloads.length, s.payloads.length, `${topic}-${p}: DumpLogSegments record count`);
      assert.equal(t.payloads.length, src[p]!.count, `${topic}-${p}: DumpLogSegments sees every record a consumer sees`);
      assert.deepEqual(t.payloads, s.payloads, `${topic}-${p}: DumpLogSegments payloads`);
      assert.ok(t.payloads.length === 0 || (t.codecs.length > 0 && t.codecs.every((c) => c === 'zstd')), `A.${topic}-${p} batches: ${[...new Set(t.codecs)].join(',')}`);
      targetPayloads += t.payloads.length;
    }
    assert.equal(targetPayloads, RECORDS, `${topic}: DumpLogSegments read every record on the target`);
    log(`${topic}: ${RECORDS} records, digests equal, target batches zstd`);
  }
});

test('Ferry\'s producer writes every codec; the broker accepts it and Kafka decodes it', { timeout: 60_000 }, async () => {
  const b = kafka.cluster('b');
  const codecs: CodecName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
  await createTopics(b.props, codecs.map((c) => ({ topic: `ferry-${c}`, partitions: 1 })));
  for (const codec of codecs) {
    const producer = new RecordProducer({ ...b.props, 'compression.type': codec }, `ferry-${codec}`);
    await producer.connect();
    try {
      // Current timestamps: the broker's retention would delete a segment of old ones under our feet.
      const now = Date.now();
      const records = Array.from({ length: 300 }, (_, i) => ({
        topic: `ferry-${codec}`, partition: 0, key: Buffer.from(`k${i}`), value: Buffer.from(`value-${i}-${'x'.repeat(i % 50)}`),
        headers: [['h', Buffer.from('1')], ['n', null], ['h', Buffer.from('2')]] as Array<[string, Buffer | null]>, timestamp: now + i,
      }));
      const meta = await producer.send(records);
      assert.deepEqual(meta.map((m) => m.offset), records.map((_, i) => i), `${codec}: offsets`);
    } finally {
      await producer.disconnect();
    }
    // Read back: headers in order, the null header value kept null.
    const reader = new PartitionReader(b.props, 'codec-reader', { maxWaitMs: 100 });
    try {
      reader.seek({ topic: `ferry-${codec}`, partition: 0 }, 0);
      const got = (await reader.poll()).flatMap((f) => f.records);
      assert.equal(got.length, 300);
      assert.deepEqual(got[5]!.headers, [['h', Buffer.from('1')], ['n', null], ['h', Buffer.from('2')]]);
    } finally {
      await reader.disconnect();
    }
  }
  const dumps = await dumpSegments(codecs.flatMap((codec) => segmentFiles(b, `ferry-${codec}`, 0)));
  for (const codec of codecs) {
    const d = partitionDump(dumps, b, `ferry-${codec}`, 0);
    assert.ok(d.codecs.length > 0 && d.codecs.every((c) => c === codec), `${codec}: ${d.codecs.join(',')}`);
    assert.equal(d.payloads.length, 300);
    assert.equal(d.payloads[299], `value-299-${'x'.repeat(299 % 50)}`);
  }
});

test('an undecodable batch fails the mirror task with a trace naming topic, partition, offset and codec', { timeout: 120_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const topic = 'broken-zstd';
  await createTopics(a.props, [{ topic, partitions: 1 }]);
  const write = async (codec: CodecName, from: number, n: number) => {
    const producer = new RecordProducer({ ...a.props, 'compression.type': codec }, `broken-${codec}`);
    await producer.connect();
    try {
      await producer.send(Array.from({ length: n }, (_, i) => ({ topic, partition: 0, key: null, value: Buffer.from(`record ${from + i} `.repeat(10)), headers: [], timestamp: null })));
    } finally {
      await producer.disconnect();
    }
  };
  await write('none', 0, 20); // offsets 0..19
  await write('zstd', 20, 20); // offsets 20..39: this batch gets damaged
  await write('none', 40, 20); // offsets 40..59

  // Damage the zstd batch's compressed body in the segment file with the broker stopped (a clean shutdown,
  // so it does not re-validate the segment), and fix its CRC up so that only decompression can notice.
  await a.stop();
  const [file] = segmentFiles(a, topic, 0);
  const seg = readFileSync(file!);
  let pos = 0, damaged = -1;
  while (pos + 61 <= seg.length) {
    const length = seg.readInt32BE(pos + 8);
    if ((seg.readInt16BE(pos + 21) & 7) === 4) {
      damaged = Number(seg.readBigInt64BE(pos));
      seg.fill(0x5a, pos + 61, pos + 12 + length);
      seg.writeUInt32BE(crc32c(seg.subarray(pos + 21, pos + 12 + length)) >>> 0, pos + 17);
    }
    pos += 12 + length;
  }
  assert.equal(damaged, 20, 'the zstd batch starts at offset 20');
  writeFileSync(file!, seg);
  await a.start();

  const mm2 = writeMm2Properties(tmp.dir, { A: a.bootstrap, B: b.bootstrap }, {
    'A->B.enabled': 'true',
    'A->B.topics': topic,
    'B->A.emit.heartbeats.enabled': 'false',
    'A->B.emit.checkpoints.enabled': 'false',
  }, 'broken.properties');
  const mm = await startMirrorMaker(readMm2Config(mm2.path));
  try {
    const herder = mm.flows[0]!.worker.herder;
    const failed = await waitFor('the mirror task to fail', async () => {
      const st = await herder.connectorStatus('MirrorSourceConnector').catch(() => null);
      return st?.tasks.find((x) => x.state === 'FAILED');
    }, 60_000, 250);
    const trace = failed.trace ?? '';
    log(`task FAILED: ${trace.split('\n')[0]}`);
    assert.match(trace, /broken-zstd-0 at offset 20 \(compression codec zstd\)/, trace);
    // The records before the damaged batch were mirrored, and nothing after it.
    await waitFor('the 20 records before the damaged batch on the target', async () => sum(await endOffsets(b.props, `A.${topic}`).catch(() => [0])) >= 20, 30_000, 250);
    assert.equal(sum(await endOffsets(b.props, `A.${topic}`)), 20);
  } finally {
    await mm.stop();
  }
});

test('a broker outage is never retried silently: poll() reports it within a bound, then reads on', { timeout: 90_000 }, async () => {
  const b = kafka.cluster('b');
  const topic = 'outage-reader';
  await createTopics(b.props, [{ topic, partitions: 1 }]);
  const producer = new RecordProducer(b.props, 'outage-writer');
  await producer.connect();
  await producer.send(Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, key: null, value: Buffer.from(`r${i}`), headers: [], timestamp: null })));
  await producer.disconnect();
  const reader = new PartitionReader(b.props, 'outage-reader', { maxWaitMs: 100 });
  try {
    reader.seek({ topic, partition: 0 }, 0);
    assert.equal((await reader.poll()).flatMap((f) => f.records).length, 10);
    await b.stop();
    const stoppedAt = Date.now();
    let reported: Error | undefined;
    let quiet = 0;
    while (!reported && Date.now() - stoppedAt < 60_000) {
      try {
        await reader.poll();
        quiet++;
      } catch (e) {
        reported = e as Error;
      }
    }
    const after = Date.now() - stoppedAt;
    log(`outage reported after ${after} ms and ${quiet} quiet polls: ${reported?.message ?? 'never'}`);
    assert.ok(reported, 'poll() reported the outage');
    assert.ok(after < 30_000, `reported within 30 s (took ${after} ms)`);
    assert.ok(!(reported instanceof FetchError) || reported.retriable, 'an outage is a retriable failure');
    await b.start();
    await producer.connect();
    await producer.send([{ topic, partition: 0, key: null, value: Buffer.from('after'), headers: [], timestamp: null }]);
    await producer.disconnect();
    const got = await waitFor('the reader to read on after the outage', async () => {
      try {
        const r = (await reader.poll()).flatMap((f) => f.records);
        return r.length > 0 ? r : null;
      } catch {
        return null;
      }
    }, 60_000, 100);
    assert.equal(got[0]!.offset, 10, 'no record skipped or repeated');
    assert.equal(got[0]!.value!.toString(), 'after');
  } finally {
    await reader.disconnect();
  }
});

test('a deleted topic does not stop the other partitions: they read on, its partition is reported within a bound', { timeout: 60_000 }, async () => {
  const b = kafka.cluster('b');
  const keep = 'fetch-error-keep';
  const gone = 'fetch-error-gone';
  await createTopics(b.props, [{ topic: keep, partitions: 1 }, { topic: gone, partitions: 1 }]);
  const producer = new RecordProducer(b.props, 'fetch-error-writer');
  await producer.connect();
  const write = (topic: string, from: number, n: number) => producer.send(Array.from({ length: n }, (_, i) => ({ topic, partition: 0, key: null, value: Buffer.from(`${topic}:${from + i}`), headers: [], timestamp: null })));
  await write(keep, 0, 5);
  await write(gone, 0, 5);
  const reader = new PartitionReader(b.props, 'fetch-error-reader', { maxWaitMs: 100 });
  const admin = createKafka(b.props, { clientId: 'fetch-error-admin' }).admin();
  await admin.connect();
  try {
    reader.seek({ topic: keep, partition: 0 }, 0);
    reader.seek({ topic: gone, partition: 0 }, 0);
    const first = (await reader.poll()).flatMap((f) => f.records.map((r) => `${f.topic}:${r.offset}`));
    assert.equal(first.length, 10, `both partitions read: ${first.join(' ')}`);
    // Metadata for the deleted topic now fails (kafkajs fails a whole Metadata request for one bad topic), and a
    // fetch that still names it gets a partition error next to the other partition's records.
    await admin.deleteTopics({ topics: [gone] });
    await write(keep, 5, 5);
    const got: string[] = [];
    const errors: string[] = [];
    for (let polls = 0; got.length < 5 && polls < 50; polls++) {
      try {
        for (const f of await reader.poll()) for (const r of f.records) got.push(`${f.topic}:${r.offset}:${r.value!.toString()}`);
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    log(`after deleting ${gone}: ${got.length} records of ${keep}; errors: ${errors.slice(0, 3).join(' | ') || 'none thrown'}`);
    assert.deepEqual(got, [5, 6, 7, 8, 9].map((o) => `${keep}:${o}:${keep}:${o}`), 'the healthy partition kept reading, nothing lost or repeated');
    // The deleted topic's partition is not retried silently: a retriable FetchError names it.
    let reported: FetchError | undefined;
    for (let polls = 0; !reported && polls < 50; polls++) {
      try { await reader.poll(); } catch (e) { if (e instanceof FetchError) reported = e; else throw e; }
    }
    assert.ok(reported, 'the deleted topic\'s partition was reported');
    assert.match(reported.message, new RegExp(`${gone}-0`));
    assert.equal(reported.retriable, true);
  } finally {
    await admin.disconnect();
    await reader.disconnect();
    await producer.disconnect();
  }
});

test('read_committed over compressed transactions: aborted records dropped, markers skipped, positions exact', { timeout: 60_000 }, async () => {
  const b = kafka.cluster('b');
  const topic = 'txn-compressed';
  await createTopics(b.props, [{ topic, partitions: 1 }]);
  // kafkajs's transactional producer, compressing through the codecs Ferry registered with it.
  const producer = createKafka(b.props, { clientId: 'txn-writer' }).producer({ transactionalId: 'txn-writer', idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const codecs = [CompressionTypes.ZSTD, CompressionTypes.LZ4, CompressionTypes.Snappy, CompressionTypes.GZIP];
  const expected: string[] = [];
  try {
    for (let t = 0; t < 12; t++) {
      const tx = await producer.transaction();
      const aborted = t % 3 === 2;
      const values = Array.from({ length: 5 }, (_, i) => `${aborted ? 'ABORTED' : 'committed'}-${t}-${i}`);
      await tx.send({ topic, acks: -1, compression: codecs[t % codecs.length]!, messages: values.map((value) => ({ partition: 0, value })) });
      if (aborted) await tx.abort(); else { await tx.commit(); expected.push(...values); }
    }
  } finally {
    await producer.disconnect();
  }
  const end = sum(await endOffsets(b.props, topic));
  const [committed, uncommitted] = await Promise.all([true, false].map(async (readCommitted) => {
    const reader = new PartitionReader(b.props, `txn-reader-${String(readCommitted)}`, { maxWaitMs: 100, readCommitted, maxBytesPerPartition: 300 });
    const values: string[] = [];
    try {
      reader.seek({ topic, partition: 0 }, 0);
      while ((reader.position({ topic, partition: 0 }) ?? 0) < end) {
        for (const f of await reader.poll()) for (const r of f.records) values.push(r.value!.toString());
      }
      assert.equal(reader.position({ topic, partition: 0 }), end, 'the position ends past the last marker');
    } finally {
      await reader.disconnect();
    }
    return values;
  }));
  assert.deepEqual(committed, expected, 'read_committed: committed records only, in order');
  assert.equal(uncommitted!.length, 60, 'read_uncommitted: every data record, no markers');
});
