// Compression codecs and compressed RecordBatch v2: round trips of every codec and level, batches written by
// Kafka's Java producer (ProducerPerformance, Kafka 4.3.1, bytes taken from the broker's segment files),
// Ferry ↔ kafkajs in both directions, settings validation, and undecodable batches naming codec and offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { CODEC_IDS, compress, compressionSettings, compressorFor, decompress, CompressionError, type CodecName } from '../../src/kafka/codecs.js';
import { compressAsync, decompressAsync } from '../../src/kafka/codec-async.js';
import { JAVA_BATCHES, JAVA_VALUES } from '../helpers/java-batches.js';
import { BatchDecodeError, decodeRecordSet, encodeRecordBatch, type BatchRecord } from '../../src/kafka/record-batch.js';
import { decodeFetchResponse, FetchError, PartitionReader } from '../../src/kafka/partition-reader.js';
import { RecordProducer } from '../../src/kafka/producer.js';

const require = createRequire(import.meta.url);
const crc32c = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
const KjsDecoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;
const kjsDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: unknown) => Promise<{
  records: { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | Buffer[] | null>; timestamp: string; offset: string }[];
}>;
const { RecordBatch: kjsRecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (opts: Record<string, unknown>) => Promise<{ buffer: Buffer }> };
const kjsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (opts: Record<string, unknown>) => unknown;

const CODECS: CodecName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const LEVELS: Record<CodecName, Array<number | undefined>> = {
  none: [undefined], snappy: [undefined],
  gzip: [undefined, -1, 1, 5, 9], lz4: [undefined, 1, 9, 17], zstd: [undefined, -5, 1, 3, 9, 19, 22],
};

function inputs(): Buffer[] {
  const text = Buffer.from('Ferry mirrors Kafka topics byte for byte. '.repeat(3000)); // ~126 KiB, compressible
  return [Buffer.alloc(0), Buffer.from('x'), randomBytes(1000), text, Buffer.concat([randomBytes(70_000), text])];
}

test('every codec and level round-trips (empty, tiny, random, compressible, mixed > 64 KiB)', () => {
  for (const codec of CODECS) {
    for (const level of LEVELS[codec]) {
      for (const data of inputs()) {
        const packed = compress(codec, data, level);
        assert.ok(decompress(codec, packed).equals(data), `${codec} level ${String(level)} length ${data.length}`);
        assert.ok(decompress(CODEC_IDS[codec], packed).equals(data), `${codec} by id`);
      }
    }
  }
  // Levels are really applied: zstd 19 beats zstd -5 on compressible text.
  const text = inputs()[3]!;
  assert.ok(compress('zstd', text, 19).length < compress('zstd', text, -5).length);
  assert.ok(compress('gzip', text, 9).length <= compress('gzip', text, 1).length);
});

test('off the main thread: every codec and level writes the same bytes as the synchronous codec and reads them back', async () => {
  for (const codec of CODECS) {
    for (const level of LEVELS[codec]) {
      for (const data of inputs()) {
        const label = `${codec} level ${String(level)} length ${data.length}`;
        const packed = await compressAsync(codec, data, level);
        assert.ok(packed.equals(compress(codec, data, level)), `${label}: same bytes as compress`);
        assert.ok((await decompressAsync(CODEC_IDS[codec], packed)).equals(data), label);
      }
    }
  }
  // A view into a larger buffer goes to the zstd worker as its own bytes only.
  const big = Buffer.concat([randomBytes(100), inputs()[3]!, randomBytes(100)]);
  const view = big.subarray(100, big.length - 100);
  assert.ok((await decompressAsync('zstd', await compressAsync('zstd', view))).equals(view));
  // Failures name the codec, as the synchronous ones do.
  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    await assert.rejects(decompressAsync(codec, Buffer.from('definitely not compressed data, long enough to look at')),
      (e: unknown) => e instanceof CompressionError && e.codec === codec && e.message.startsWith(`${codec} decompression failed`), codec);
  }
  await assert.rejects(decompressAsync(6, Buffer.alloc(4)), /Unknown compression codec id 6/);
});

test('snappy is written with the xerial framing Java writes: magic, versions 1/1, 32 KiB chunks', () => {
  const data = Buffer.concat([randomBytes(40_000), Buffer.alloc(40_000, 7)]);
  const packed = compress('snappy', data);
  assert.equal(packed.subarray(0, 8).toString('hex'), '82534e4150505900');
  assert.equal(packed.readInt32BE(8), 1);
  assert.equal(packed.readInt32BE(12), 1);
  let pos = 16, chunks = 0;
  while (pos < packed.length) { pos += 4 + packed.readInt32BE(pos); chunks++; }
  assert.equal(pos, packed.length);
  assert.equal(chunks, 3, '80,000 bytes in chunks of at most 32 KiB');
  // Concatenated xerial streams (xerial's reader accepts them) and raw snappy blocks decode too.
  const two = Buffer.concat([compress('snappy', Buffer.from('abc')), compress('snappy', Buffer.from('def'))]);
  assert.equal(decompress('snappy', two).toString(), 'abcdef');
  const { compressSync } = require('snappy') as { compressSync(b: Buffer): Buffer };
  assert.equal(decompress('snappy', compressSync(Buffer.from('raw block, no framing'))).toString(), 'raw block, no framing');
});

test('lz4 is a standard frame with independent blocks (what Java reads)', () => {
  const packed = compress('lz4', Buffer.alloc(100_000, 1));
  assert.equal(packed.readUInt32LE(0), 0x184d2204);
  const flg = packed[4]!;
  assert.equal(flg >> 6, 1, 'frame version 01');
  assert.equal((flg >> 5) & 1, 1, 'block independence (Java rejects dependent blocks)');
  const bd = (packed[5]! >> 4) & 7;
  assert.ok(bd >= 4 && bd <= 7, 'block size 64 KiB..4 MiB');
});

test('batches written by Kafka\'s Java producer decode (xerial snappy, Java lz4 frame, gzip, zstd), CRC checked', async () => {
  for (const [codec, hex] of Object.entries(JAVA_BATCHES)) {
    const buf = Buffer.from(hex, 'hex');
    const { batches, error } = decodeRecordSet(buf);
    assert.equal(error, undefined, `${codec}: ${error?.message}`);
    assert.equal(batches.length, 1);
    const b = batches[0]!;
    assert.equal(b.codec, CODEC_IDS[codec as CodecName], codec);
    assert.deepEqual(b.records.map((r) => r.value?.toString()), JAVA_VALUES, codec);
    assert.deepEqual(b.records.map((r) => r.offset), [0, 1, 2]);
    assert.ok(b.records.every((r) => r.key === null && r.headers.length === 0 && r.timestamp > 1_700_000_000_000));
    // kafkajs (with Ferry's codecs registered) reads the same bytes the same way.
    const kjs = await kjsDecodeBatch(new KjsDecoder(buf));
    assert.deepEqual(kjs.records.map((r) => r.value?.toString()), JAVA_VALUES, `kafkajs ${codec}`);
  }
});

function sampleRecords(n: number): BatchRecord[] {
  const out: BatchRecord[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      key: i % 5 === 0 ? null : Buffer.from(`key-${i}`),
      value: i % 7 === 0 ? null : Buffer.from(`value ${i} `.repeat(i % 40)),
      // Duplicate keys, a null value and non-ASCII keys, in an order that must survive.
      headers: i % 3 === 0 ? [] : [['dup', Buffer.from('a')], ['ünï', i % 2 === 0 ? null : Buffer.from([0, 1, 2])], ['dup', Buffer.from('b')], ['1', Buffer.from('int-like')]],
      timestamp: 1_700_000_000_000 + ((i * 7919) % 50_000) - 10_000,
    });
  }
  return out;
}

test('Ferry-encoded compressed batches: decoded by Ferry exactly, by kafkajs too; CRC over attributes..end', async () => {
  const records = sampleRecords(500);
  for (const codec of CODECS) {
    const settings = compressionSettings({ 'compression.type': codec });
    const buf = encodeRecordBatch(records, { producerId: 77, producerEpoch: 1, baseSequence: 5, compression: { id: settings.id, compress: compressorFor(settings) } });
    assert.equal(buf.readInt16BE(21) & 7, CODEC_IDS[codec], `${codec} attributes`);
    assert.equal(buf.readUInt32BE(17), crc32c(buf.subarray(21)) >>> 0, `${codec} crc`);
    assert.equal(buf.readInt32BE(8), buf.length - 12);
    if (codec !== 'none') assert.ok(buf.length < encodeRecordBatch(records, { producerId: 77, producerEpoch: 1, baseSequence: 5 }).length, `${codec} is smaller`);
    const { batches, error } = decodeRecordSet(buf);
    assert.equal(error, undefined);
    const got = batches[0]!.records;
    assert.equal(got.length, records.length);
    got.forEach((r, i) => {
      const want = records[i]!;
      assert.deepEqual(r.key, want.key);
      assert.deepEqual(r.value, want.value);
      assert.deepEqual(r.headers, want.headers, `${codec} headers of ${i} (order, duplicates, null)`);
      assert.equal(r.timestamp, want.timestamp);
      assert.equal(r.offset, i);
    });
    const kjs = await kjsDecodeBatch(new KjsDecoder(buf));
    assert.equal(kjs.records.length, records.length, `kafkajs ${codec}`);
    kjs.records.forEach((r, i) => {
      assert.deepEqual(r.value === null ? null : Buffer.from(r.value), records[i]!.value, `kafkajs ${codec} value ${i}`);
      assert.equal(Number(r.timestamp), records[i]!.timestamp);
    });
  }
});

test('kafkajs-encoded compressed batches (through the registered codecs) decode with Ferry', async () => {
  for (const codec of CODECS) {
    const recs = Array.from({ length: 50 }, (_, i) => kjsRecord({ offsetDelta: i, timestampDelta: i, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`.repeat(20)), headers: { h: Buffer.from(String(i)) } }));
    const enc = await kjsRecordBatch({ compression: CODEC_IDS[codec], firstTimestamp: 1_000, maxTimestamp: 1_049, lastOffsetDelta: 49, records: recs });
    const { batches, error } = decodeRecordSet(enc.buffer);
    assert.equal(error, undefined, `${codec}: ${error?.message}`);
    assert.equal(batches[0]!.codec, CODEC_IDS[codec]);
    assert.deepEqual(batches[0]!.records.map((r) => r.value!.toString()), Array.from({ length: 50 }, (_, i) => `v${i}`.repeat(20)));
    assert.deepEqual(batches[0]!.records[7]!.headers, [['h', Buffer.from('7')]]);
    assert.equal(batches[0]!.records[7]!.timestamp, 1_007);
  }
});

/** Rewrites a batch's attributes and recomputes its CRC, as a broken producer with a correct CRC would. */
function withAttributes(batch: Buffer, attributes: number): Buffer {
  const b = Buffer.from(batch);
  b.writeInt16BE(attributes, 21);
  b.writeUInt32BE(crc32c(b.subarray(21)) >>> 0, 17);
  return b;
}

test('undecodable batches: an error naming codec and offset; earlier batches still returned', () => {
  const good = encodeRecordBatch(sampleRecords(3), { producerId: -1, producerEpoch: -1, baseSequence: -1 });
  const settings = compressionSettings({ 'compression.type': 'lz4' });
  const lz4 = encodeRecordBatch(sampleRecords(3), { producerId: -1, producerEpoch: -1, baseSequence: -1, compression: { id: settings.id, compress: compressorFor(settings) } });
  const at = (b: Buffer, offset: number) => { const c = Buffer.from(b); c.writeBigInt64BE(BigInt(offset), 0); return c; };

  // Codec id 7 (undefined in Kafka) with a correct CRC.
  let r = decodeRecordSet(Buffer.concat([at(good, 100), withAttributes(at(good, 103), 7)]));
  assert.equal(r.batches.length, 1);
  assert.ok(r.error instanceof BatchDecodeError);
  assert.equal(r.error.offset, 103);
  assert.equal(r.error.codec, 'id-7');
  assert.match(r.error.message, /offset 103.*id-7/);

  // An uncompressed body labelled zstd, CRC correct: zstd says so.
  r = decodeRecordSet(withAttributes(at(good, 40), 4));
  assert.equal(r.error?.codec, 'zstd');
  assert.match(r.error!.message, /offset 40 \(compression codec zstd\): zstd decompression failed/);

  // A damaged lz4 body: the CRC catches it; a body that is not lz4 at all, with a correct CRC, the codec does.
  const damaged = Buffer.from(lz4);
  damaged.writeUInt8(damaged.readUInt8(damaged.length - 8) ^ 0xff, damaged.length - 8);
  r = decodeRecordSet(damaged);
  assert.equal(r.error?.codec, 'lz4');
  assert.match(r.error!.message, /CRC32C mismatch/);
  const torn = withAttributes(Buffer.concat([lz4.subarray(0, 61), Buffer.from('not an lz4 frame at all')]), 3);
  torn.writeInt32BE(torn.length - 12, 8);
  torn.writeUInt32BE(crc32c(torn.subarray(21)) >>> 0, 17);
  r = decodeRecordSet(torn);
  assert.equal(r.error?.codec, 'lz4');
  assert.match(r.error!.message, /lz4 decompression failed/);

  // A partial trailing batch (cut by the fetch size) is not an error.
  r = decodeRecordSet(Buffer.concat([good, good.subarray(0, 30)]));
  assert.equal(r.error, undefined);
  assert.equal(r.batches.length, 1);

  assert.throws(() => decompress('gzip', Buffer.from('nope')), (e: unknown) => e instanceof CompressionError && e.codec === 'gzip' && /gzip decompression failed/.test(e.message));
  assert.throws(() => decompress(6, Buffer.from('x')), (e: unknown) => e instanceof CompressionError && e.codec === 'id-6');
});

test('compression.type and compression.<codec>.level are validated with errors naming key and value', () => {
  assert.deepEqual(compressionSettings({}), { codec: 'none', id: 0, level: undefined });
  assert.deepEqual(compressionSettings({ 'compression.type': ' ZSTD ' }), { codec: 'zstd', id: 4, level: 3 });
  assert.deepEqual(compressionSettings({ 'compression.type': 'lz4' }), { codec: 'lz4', id: 3, level: 9 });
  assert.deepEqual(compressionSettings({ 'compression.type': 'gzip' }), { codec: 'gzip', id: 1, level: -1 });
  assert.deepEqual(compressionSettings({ 'compression.type': 'gzip', 'compression.gzip.level': '9' }), { codec: 'gzip', id: 1, level: 9 });
  assert.deepEqual(compressionSettings({ 'compression.type': 'zstd', 'compression.zstd.level': '-7' }), { codec: 'zstd', id: 4, level: -7 });
  assert.throws(() => compressionSettings({ 'compression.type': 'brotli' }), /Invalid value brotli for configuration compression\.type/);
  // A valid lz4 level other than 9 would need LZ4's high-compression mode: refused, not ignored.
  assert.throws(() => compressionSettings({ 'compression.type': 'lz4', 'compression.lz4.level': '12' }), /Invalid value 12 for configuration compression\.lz4\.level: .*fast compressor/);
  assert.deepEqual(compressionSettings({ 'compression.type': 'zstd', 'compression.lz4.level': '12' }).codec, 'zstd');
  assert.throws(() => compressionSettings({ 'compression.type': 'producer' }), /Invalid value producer for configuration compression\.type/);
  for (const [k, v] of [['compression.gzip.level', '0'], ['compression.gzip.level', '10'], ['compression.gzip.level', 'fast'], ['compression.lz4.level', '18'], ['compression.lz4.level', '0'], ['compression.zstd.level', '23'], ['compression.zstd.level', '3.5']] as const) {
    assert.throws(() => compressionSettings({ 'compression.type': 'none', [k]: v }), new RegExp(`Invalid value ${v.replace('.', '\\.')} for configuration ${k.replace(/\./g, '\\.')}`), `${k}=${v}`);
  }
});

test('a producer with an unknown compression.type or a bad level is not built (start-up error naming key and value)', () => {
  const props = { 'bootstrap.servers': '127.0.0.1:1' };
  assert.throws(() => new RecordProducer({ ...props, 'compression.type': 'brotli' }, 'x'), /compression\.type.*brotli|brotli.*compression\.type/);
  assert.throws(() => new RecordProducer({ ...props, 'compression.type': 'zstd', 'compression.zstd.level': '99' }, 'x'), /compression\.zstd\.level/);
  assert.doesNotThrow(() => new RecordProducer({ ...props, 'compression.type': 'snappy' }, 'x'));
});

test('Fetch v4 responses: per-partition errors and record sets are kept apart', () => {
  const batch = encodeRecordBatch(sampleRecords(2), { producerId: -1, producerEpoch: -1, baseSequence: -1 });
  const parts: Buffer[] = [];
  const i16 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
  const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };
  const i64 = (v: number) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v)); return b; };
  parts.push(i32(0), i32(1), i16(1), Buffer.from('t'), i32(2));
  // partition 0: NOT_LEADER_OR_FOLLOWER, no records
  parts.push(i32(0), i16(6), i64(-1), i64(-1), i32(-1), i32(-1));
  // partition 1: data and one aborted transaction
  parts.push(i32(1), i16(0), i64(10), i64(10), i32(1), i64(5), i64(3), i32(batch.length), batch);
  const res = decodeFetchResponse(Buffer.concat(parts));
  const [p0, p1] = res.responses[0]!.partitions;
  assert.equal(p0!.errorCode, 6);
  assert.equal(p0!.records, null);
  assert.equal(p1!.highWatermark, 10);
  assert.deepEqual(p1!.abortedTransactions, [{ producerId: 5, firstOffset: 3 }]);
  assert.ok(p1!.records!.equals(batch));
});

// ---- PartitionReader error handling, against a fake broker answering Fetch v4 ----------------------------

type FetchPart = { partition: number; errorCode?: number; records?: Buffer | null };

function fetchResponse(topic: string, parts: FetchPart[]): Buffer {
  const out: Buffer[] = [];
  const i16 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
  const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };
  const i64 = (v: number) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v)); return b; };
  out.push(i32(0), i32(1), i16(Buffer.byteLength(topic)), Buffer.from(topic), i32(parts.length));
  for (const p of parts) {
    out.push(i32(p.partition), i16(p.errorCode ?? 0), i64(100), i64(100), i32(-1));
    if (p.records) out.push(i32(p.records.length), p.records); else out.push(i32(-1));
  }
  return Buffer.concat(out);
}

/** Replaces the reader's kafkajs cluster with one whose single broker answers fetches with `answer()`. */
function withFakeBroker(reader: PartitionReader, answer: () => Buffer | Error): { fetches: number } {
  const stats = { fetches: 0 };
  // A connection as requests.sendRequest drives it: the request queue answers each frame with `answer()`.
  const connection = {
    clientId: 'fake', isAuthenticated: () => true, failIfNotConnected: () => undefined, nextCorrelationId: () => 1,
    socket: { write: () => true },
    requestQueue: {
      maybeThrottle: () => undefined,
      push: ({ entry }: { entry: { resolve(r: { payload: Buffer }): void; reject(e: unknown): void } }) => {
        stats.fetches++;
        const a = answer();
        if (a instanceof Error) entry.reject(a); else entry.resolve({ payload: a });
      },
    },
  };
  const broker = { connectionPool: { getConnectionByRequest: async () => connection } };
  const cluster = {
    connect: async () => undefined, disconnect: async () => undefined,
    addMultipleTargetTopics: async () => undefined, refreshMetadataIfNecessary: async () => undefined, refreshMetadata: async () => undefined,
    findLeaderForPartitions: (_t: string, parts: number[]) => ({ 1: parts }),
    findBroker: async () => broker,
  };
  (reader as unknown as { cluster: unknown }).cluster = cluster;
  return stats;
}

function batchAt(offset: number, values: string[], compression?: CodecName): Buffer {
  const settings = compressionSettings({ 'compression.type': compression ?? 'none' });
  const b = encodeRecordBatch(values.map((v, i) => ({ key: null, value: Buffer.from(v), headers: [], timestamp: 1000 + i })), {
    producerId: -1, producerEpoch: -1, baseSequence: -1, ...(settings.id ? { compression: { id: settings.id, compress: compressorFor(settings) } } : {}),
  });
  b.writeBigInt64BE(BigInt(offset), 0);
  return b;
}

test('reader: one partition\'s undecodable batch neither hides other partitions\' data nor its own earlier batches; then it fails', async () => {
  const reader = new PartitionReader({ 'bootstrap.servers': '127.0.0.1:1' }, 'fake', { retryBackoffMs: 1, retryBackoffMaxMs: 1 });
  const bad = withAttributes(batchAt(12, ['x', 'y']), 7);
  withFakeBroker(reader, () => fetchResponse('t', [
    { partition: 0, records: batchAt(0, ['a', 'b', 'c'], 'snappy') },
    { partition: 1, records: Buffer.concat([batchAt(10, ['p', 'q']), bad, batchAt(14, ['z'])]) },
  ]));
  reader.seek({ topic: 't', partition: 0 }, 0);
  reader.seek({ topic: 't', partition: 1 }, 10);
  const first = await reader.poll();
  assert.deepEqual(first.map((f) => [f.partition, f.records.map((r) => r.value!.toString())]), [[0, ['a', 'b', 'c']], [1, ['p', 'q']]]);
  assert.equal(reader.position({ topic: 't', partition: 1 }), 12, 'stops before the bad batch');
  await assert.rejects(reader.poll(), (e: unknown) => e instanceof FetchError && !e.retriable && e.topic === 't' && e.partition === 1 && e.offset === 12 && e.codec === 'id-7'
    && /t-1 at offset 12 \(compression codec id-7\)/.test(e.message));
  await assert.rejects(reader.poll(), FetchError, 'and keeps failing: retrying cannot help');
});

test('reader: non-retriable error codes fail; transient ones are retried a bounded number of times, then reported', async () => {
  const auth = new PartitionReader({ 'bootstrap.servers': '127.0.0.1:1' }, 'fake', { retryBackoffMs: 1, retryBackoffMaxMs: 1 });
  withFakeBroker(auth, () => fetchResponse('t', [{ partition: 0, errorCode: 29 }]));
  auth.seek({ topic: 't', partition: 0 }, 5);
  await assert.rejects(auth.poll(), (e: unknown) => e instanceof FetchError && !e.retriable && /t-0 at offset 5.*TOPIC_AUTHORIZATION_FAILED/.test(e.message));

  const flaky = new PartitionReader({ 'bootstrap.servers': '127.0.0.1:1' }, 'fake', { retryBackoffMs: 1, retryBackoffMaxMs: 1 });
  let down = true;
  const stats = withFakeBroker(flaky, () => (down ? fetchResponse('t', [{ partition: 0, errorCode: 6 /* NOT_LEADER_OR_FOLLOWER */ }]) : fetchResponse('t', [{ partition: 0, records: batchAt(0, ['ok']) }])));
  flaky.seek({ topic: 't', partition: 0 }, 0);
  let quiet = 0;
  let reported: unknown;
  for (let i = 0; i < 50 && !reported; i++) {
    try { assert.deepEqual(await flaky.poll(), []); quiet++; } catch (e) { reported = e; }
  }
  assert.ok(reported instanceof FetchError && reported.retriable, 'reported as retriable');
  assert.match((reported as Error).message, /t-0 at offset 0 failed 9 times in a row: NOT_LEADER/);
  assert.equal(quiet, 8, 'at most 8 silent retries');
  // Still failing: reported again on the next failing poll, not after another 8.
  await assert.rejects(flaky.poll(), FetchError);
  down = false;
  const after = await flaky.poll();
  assert.deepEqual(after.flatMap((f) => f.records.map((r) => r.value!.toString())), ['ok']);
  assert.ok(stats.fetches >= 11);

  // A network error for the whole request counts the same way.
  const net = new PartitionReader({ 'bootstrap.servers': '127.0.0.1:1' }, 'fake', { retryBackoffMs: 1, retryBackoffMaxMs: 1 });
  withFakeBroker(net, () => new Error('Connection error: read ECONNRESET'));
  net.seek({ topic: 't', partition: 0 }, 3);
  let n = 0;
  await assert.rejects((async () => { for (;;) { await net.poll(); n++; } })(), (e: unknown) => e instanceof FetchError && e.retriable && /ECONNRESET/.test(e.message));
  assert.equal(n, 8);
});
