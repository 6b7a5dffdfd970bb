// Kafka RecordBatch v2 (magic 2) encoding for uncompressed batches, written straight into one Buffer sized
// up front. This is the mirror's produce hot path: kafkajs builds every record with its own growing
// Encoder (profiled as the largest CPU cost after GC), while here a batch costs one allocation.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const crc32c: (b: Buffer) => number = require('kafkajs/src/protocol/recordBatch/crc32C/index.js');

export interface BatchRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
  timestamp: number;
}

export interface BatchOptions {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

const HEADER_BYTES = 61; // baseOffset..recordCount

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function uvarintSize(u: number): number {
  let size = 1;
  while (u >= 128) { u = Math.floor(u / 128); size++; }
  return size;
}

function writeUvarint(buf: Buffer, pos: number, u: number): number {
  while (u >= 128) {
    buf[pos++] = (u % 128) | 0x80;
    u = Math.floor(u / 128);
  }
  buf[pos++] = u;
  return pos;
}

const varintSize = (n: number) => uvarintSize(zigzag(n));
const writeVarint = (buf: Buffer, pos: number, n: number) => writeUvarint(buf, pos, zigzag(n));

/** Encodes records (all of one partition, in order) as one uncompressed RecordBatch v2. */
export function encodeRecordBatch(records: readonly BatchRecord[], opts: BatchOptions): Buffer {
  const n = records.length;
  if (n === 0) throw new Error('encodeRecordBatch: no records');
  let baseTs = records[0]!.timestamp;
  let maxTs = baseTs;
  for (let i = 1; i < n; i++) {
    const t = records[i]!.timestamp;
    if (t < baseTs) baseTs = t;
    if (t > maxTs) maxTs = t;
  }
  // First pass: body sizes (for the length prefixes) and the total.
  const bodySizes = new Array<number>(n);
  const keyBytes: Array<Buffer[] | null> = new Array<Buffer[] | null>(n);
  let total = HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    let size = 1 + varintSize(r.timestamp - baseTs) + varintSize(i);
    size += r.key === null ? 1 : varintSize(r.key.length) + r.key.length;
    size += r.value === null ? 1 : varintSize(r.value.length) + r.value.length;
    size += varintSize(r.headers.length);
    if (r.headers.length > 0) {
      const ks: Buffer[] = [];
      for (const [hk, hv] of r.headers) {
        const kb = Buffer.from(hk, 'utf8');
        ks.push(kb);
        size += varintSize(kb.length) + kb.length + (hv === null ? 1 : varintSize(hv.length) + hv.length);
      }
      keyBytes[i] = ks;
    } else keyBytes[i] = null;
    bodySizes[i] = size;
    total += varintSize(size) + size;
  }
  const buf = Buffer.allocUnsafe(total);
  buf.writeBigInt64BE(0n, 0); // baseOffset
  buf.writeInt32BE(total - 12, 8); // batchLength: bytes after this field
  buf.writeInt32BE(-1, 12); // partitionLeaderEpoch
  buf.writeInt8(2, 16); // magic
  // crc at 17..20, written last
  buf.writeInt16BE(0, 21); // attributes: no compression, CreateTime, not transactional
  buf.writeInt32BE(n - 1, 23); // lastOffsetDelta
  buf.writeBigInt64BE(BigInt(baseTs), 27);
  buf.writeBigInt64BE(BigInt(maxTs), 35);
  buf.writeBigInt64BE(BigInt(opts.producerId), 43);
  buf.writeInt16BE(opts.producerEpoch, 51);
  buf.writeInt32BE(opts.baseSequence, 53);
  buf.writeInt32BE(n, 57);
  let pos = HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    pos = writeVarint(buf, pos, bodySizes[i]!);
    buf[pos++] = 0; // record attributes
    pos = writeVarint(buf, pos, r.timestamp - baseTs);
    pos = writeVarint(buf, pos, i);
    if (r.key === null) pos = writeVarint(buf, pos, -1);
    else { pos = writeVarint(buf, pos, r.key.length); pos += r.key.copy(buf, pos); }
    if (r.value === null) pos = writeVarint(buf, pos, -1);
    else { pos = writeVarint(buf, pos, r.value.length); pos += r.value.copy(buf, pos); }
    pos = writeVarint(buf, pos, r.headers.length);
    const ks = keyBytes[i];
    if (ks) {
      for (let h = 0; h < ks.length; h++) {
        const kb = ks[h]!;
        const hv = r.headers[h]![1];
        pos = writeVarint(buf, pos, kb.length);
        pos += kb.copy(buf, pos);
        if (hv === null) pos = writeVarint(buf, pos, -1);
        else { pos = writeVarint(buf, pos, hv.length); pos += hv.copy(buf, pos); }
      }
    }
  }
  if (pos !== total) throw new Error(`encodeRecordBatch: size mismatch (${pos} != ${total})`);
  buf.writeUInt32BE(crc32c(buf.subarray(21)), 17);
  return buf;
}

/** Produce request v3 body: transactional id (null), acks, timeout, then topics → partitions → batch bytes. */
export function encodeProduceRequestV3(acks: number, timeoutMs: number, topics: ReadonlyMap<string, ReadonlyArray<{ partition: number; batch: Buffer }>>): Buffer {
  let size = 2 + 2 + 4 + 4;
  const names = new Map<string, Buffer>();
  for (const [topic, parts] of topics) {
    const tb = Buffer.from(topic, 'utf8');
    names.set(topic, tb);
    size += 2 + tb.length + 4;
    for (const p of parts) size += 4 + 4 + p.batch.length;
  }
  const buf = Buffer.allocUnsafe(size);
  let pos = buf.writeInt16BE(-1, 0); // transactional_id: null
  pos = buf.writeInt16BE(acks, pos);
  pos = buf.writeInt32BE(timeoutMs, pos);
  pos = buf.writeInt32BE(topics.size, pos);
  for (const [topic, parts] of topics) {
    const tb = names.get(topic)!;
    pos = buf.writeInt16BE(tb.length, pos);
    pos += tb.copy(buf, pos);
    pos = buf.writeInt32BE(parts.length, pos);
    for (const p of parts) {
      pos = buf.writeInt32BE(p.partition, pos);
      pos = buf.writeInt32BE(p.batch.length, pos);
      pos += p.batch.copy(buf, pos);
    }
  }
  return buf;
}
