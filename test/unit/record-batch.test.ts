// Ferry's RecordBatch v2 encoder, checked by decoding its output with kafkajs's decoder (an independent
// implementation of the same wire format), CRC included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { ATTR_CONTROL, ATTR_TIMESTAMP_TYPE, encodeRecordBatch, firstRecordTimestamp, type BatchRecord } from '../../src/kafka/record-batch.js';
import { bodyBytes, fetchRequestBody, frameRequest, produceRequestBody, requestHead } from '../../src/kafka/requests.js';

const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => { readInt8(): number; readInt16(): number; readInt32(): number; readInt64(): { toString(): string }; readString(): string; readBytes(n: number): Buffer; canReadBytes(n: number): boolean };
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: unknown) => Promise<{
  firstOffset: string; firstTimestamp: string; maxTimestamp: string; producerId: string; producerEpoch: number; firstSequence: number; lastOffsetDelta: number;
  records: { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | Buffer[]>; timestamp: string; offset: string }[];
}>;
const crc32c = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;

test('encoded batches decode to the same records, with a valid CRC and sequence fields', async () => {
  const records: BatchRecord[] = [];
  for (let i = 0; i < 300; i++) {
    records.push({
      key: i % 7 === 0 ? null : Buffer.from(`key-${i}`),
      value: i % 11 === 0 ? null : Buffer.alloc(i * 3, i % 256),
      headers: i % 3 === 0 ? [] : [['h1', Buffer.from(`v${i}`)], ['ünï', i % 5 === 0 ? null : Buffer.from([1, 2, 3])]],
      timestamp: 1_700_000_000_000 + (i % 50) * 1000 - 20_000,
    });
  }
  const buf = encodeRecordBatch(records, { producerId: 4242, producerEpoch: 3, baseSequence: 17 });
  assert.equal(buf.readUInt32BE(17), crc32c(buf.subarray(21)) >>> 0);
  const batch = await decodeBatch(new Decoder(buf));
  assert.equal(batch.records.length, records.length);
  assert.equal(batch.producerId, '4242');
  assert.equal(batch.producerEpoch, 3);
  assert.equal(batch.firstSequence, 17);
  assert.equal(batch.lastOffsetDelta, 299);
  batch.records.forEach((r, i) => {
    const want = records[i]!;
    assert.deepEqual(r.key, want.key, `key ${i}`);
    assert.deepEqual(r.value === null ? null : Buffer.from(r.value), want.value, `value ${i}`);
    assert.equal(Number(r.timestamp), want.timestamp, `timestamp ${i}`);
    assert.equal(Number(r.offset), i);
    const wantHeaders: Record<string, Buffer | null> = {};
    for (const [k, v] of want.headers) wantHeaders[k] = v;
    // kafkajs decodes a null header value as null or an empty buffer depending on version; compare bytes.
    for (const [k, v] of Object.entries(wantHeaders)) {
      const got = r.headers[k];
      if (v === null) assert.ok(got === null || got === undefined || (Buffer.isBuffer(got) && got.length === 0), `header ${k} of ${i}`);
      else assert.deepEqual(Buffer.from(got as Buffer), v, `header ${k} of ${i}`);
    }
  });
});

test('large timestamps deltas and varints beyond one byte are encoded exactly', async () => {
  const records: BatchRecord[] = [
    { key: Buffer.alloc(200, 1), value: Buffer.alloc(70_000, 2), headers: [], timestamp: 1 },
    { key: null, value: Buffer.from('x'), headers: [], timestamp: 1_900_000_000_000 },
  ];
  const batch = await decodeBatch(new Decoder(encodeRecordBatch(records, { producerId: -1, producerEpoch: -1, baseSequence: -1 })));
  assert.equal(Number(batch.records[1]!.timestamp), 1_900_000_000_000);
  assert.equal(batch.records[0]!.value!.length, 70_000);
  assert.equal(batch.maxTimestamp, '1900000000000');
});

test('produce request body lays out topics and partitions as Produce v3..v8', () => {
  const b1 = encodeRecordBatch([{ key: null, value: Buffer.from('a'), headers: [], timestamp: 5 }], { producerId: -1, producerEpoch: -1, baseSequence: -1 });
  const body = bodyBytes(produceRequestBody(-1, 30_000, new Map([['t1', [{ partition: 3, batch: b1 }]]])));
  const d = new Decoder(body);
  assert.equal(d.readInt16(), -1); // null transactional id
  assert.equal(d.readInt16(), -1); // acks=all
  assert.equal(d.readInt32(), 30_000);
  assert.equal(d.readInt32(), 1);
  assert.equal(d.readString(), 't1');
  assert.equal(d.readInt32(), 1);
  assert.equal(d.readInt32(), 3);
  assert.equal(d.readInt32(), b1.length);
  assert.ok(d.readBytes(b1.length).equals(b1));
  assert.equal(d.canReadBytes(1), false, 'nothing after the last partition');
});

test('fetch request body lays out topics and partitions as Fetch v4', () => {
  const body = bodyBytes(fetchRequestBody({ maxWaitMs: 500, minBytes: 1, maxBytes: 8 << 20, isolationLevel: 1 }, new Map([
    ['t1', [{ partition: 0, offset: 2 ** 40, maxBytes: 1000 }, { partition: 7, offset: 5, maxBytes: 2000 }]],
    ['ü', [{ partition: 1, offset: 0, maxBytes: 3000 }]],
  ])));
  const d = new Decoder(body);
  assert.deepEqual([d.readInt32(), d.readInt32(), d.readInt32(), d.readInt32(), d.readInt8()], [-1, 500, 1, 8 << 20, 1]);
  assert.equal(d.readInt32(), 2);
  const parts: string[] = [];
  for (let t = 0; t < 2; t++) {
    const topic = d.readString();
    for (let n = d.readInt32(); n > 0; n--) parts.push(`${topic}/${d.readInt32()}@${d.readInt64().toString()}<${d.readInt32()}`);
  }
  assert.deepEqual(parts, [`t1/0@${2 ** 40}<1000`, 't1/7@5<2000', 'ü/1@0<3000']);
  assert.equal(d.canReadBytes(1), false);
});

test('a framed request is size, header v1 (api key, version, correlation id, client id) and the body, written once', () => {
  const b1 = encodeRecordBatch([{ key: null, value: Buffer.from('abc'), headers: [], timestamp: 5 }], { producerId: -1, producerEpoch: -1, baseSequence: -1 });
  const body = produceRequestBody(1, 1000, new Map([['t', [{ partition: 0, batch: b1 }]]]));
  const frame = frameRequest(0, 8, 0x7ffffff0, Buffer.from('ferry-ü'), body);
  const d = new Decoder(frame);
  assert.equal(d.readInt32(), frame.length - 4);
  assert.deepEqual([d.readInt16(), d.readInt16(), d.readInt32(), d.readString()], [0, 8, 0x7ffffff0, 'ferry-ü']);
  assert.ok(d.readBytes(body.size).equals(bodyBytes(body)), 'the body follows the header unchanged');
  assert.equal(d.canReadBytes(1), false);
  const anonymous = new Decoder(frameRequest(1, 4, 9, null, body));
  anonymous.readInt32(); anonymous.readInt16(); anonymous.readInt16(); anonymous.readInt32();
  assert.equal(anonymous.readInt16(), -1, 'no client id is a null string');
});

test('a produce body in parts: structure pieces and the batches themselves (not copies), the same bytes as the frame', () => {
  const batch = (v: string): Buffer => encodeRecordBatch([{ key: null, value: Buffer.from(v), headers: [], timestamp: 5 }], { producerId: -1, producerEpoch: -1, baseSequence: -1 });
  const b1 = batch('one'), b2 = batch('two'), b3 = batch('three');
  const body = produceRequestBody(-1, 30_000, new Map([['t1', [{ partition: 0, batch: b1 }, { partition: 5, batch: b2 }]], ['ü', [{ partition: 2, batch: b3 }]]]));
  const parts = body.parts!();
  assert.ok(parts.includes(b1) && parts.includes(b2) && parts.includes(b3), 'the batches go out as they are');
  const joined = Buffer.concat(parts);
  assert.equal(joined.length, body.size);
  assert.ok(joined.equals(bodyBytes(body)));
  const head = requestHead(0, 7, 42, Buffer.from('c'), body.size);
  assert.ok(Buffer.concat([head, joined]).equals(frameRequest(0, 7, 42, Buffer.from('c'), body)));
  const d = new Decoder(joined);
  d.readInt16(); d.readInt16(); d.readInt32();
  const seen: string[] = [];
  for (let t = d.readInt32(); t > 0; t--) {
    const topic = d.readString();
    for (let n = d.readInt32(); n > 0; n--) { const p = d.readInt32(); seen.push(`${topic}/${p}:${d.readBytes(d.readInt32()).length}`); }
  }
  assert.deepEqual(seen, [`t1/0:${b1.length}`, `t1/5:${b2.length}`, `ü/2:${b3.length}`]);
});

test('firstRecordTimestamp: the first data record at or after an offset, from a whole batch or a cut one\'s header', () => {
  const batch = (baseOffset: number, timestamps: number[], attributes = 0) => {
    const b = encodeRecordBatch(timestamps.map((timestamp) => ({ key: null, value: Buffer.from('v'), headers: [], timestamp })), { producerId: -1, producerEpoch: -1, baseSequence: -1 });
    b.writeBigInt64BE(BigInt(baseOffset), 0);
    b.writeInt16BE(b.readInt16BE(21) | attributes, 21);
    return b;
  };
  const set = Buffer.concat([batch(10, [1000, 1100, 1200]), batch(13, [1300, 1400])]);
  assert.equal(firstRecordTimestamp(set, 10), 1000);
  assert.equal(firstRecordTimestamp(set, 12), 1200, 'inside a batch: the record at the offset');
  assert.equal(firstRecordTimestamp(set, 14), 1400, 'past the first batch: the next one');
  assert.equal(firstRecordTimestamp(set.subarray(0, 70), 10), 1000, 'a cut batch: its header\'s first timestamp');
  assert.equal(firstRecordTimestamp(Buffer.concat([batch(9, [1]), set]).subarray(0, 40), 9), undefined, 'no whole header');
  assert.equal(firstRecordTimestamp(Buffer.concat([batch(9, [5], ATTR_CONTROL), set]), 9), 1000, 'control batches skipped');
  assert.equal(firstRecordTimestamp(batch(0, [100, 900], ATTR_TIMESTAMP_TYPE).subarray(0, 70), 0), 900, 'LogAppendTime: the batch\'s max timestamp');
  assert.equal(firstRecordTimestamp(Buffer.alloc(0), 0), undefined);
});
