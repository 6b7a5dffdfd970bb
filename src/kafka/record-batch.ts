// Kafka RecordBatch v2 (magic 2): encoding (uncompressed batches straight into one Buffer sized up front;
// compressed ones as records section → codec → header) and decoding of fetched record sets. This is the
// mirror's hot path: kafkajs builds every record with its own growing Encoder (profiled as the largest CPU
// cost after GC) and cannot decode snappy/lz4/zstd; here a batch costs one or two allocations.
import { CODEC_MASK, CompressionError, codecName, decompress } from './codecs.js';
import { crc32c } from './crc32c.js';

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
  /**
   * Compression of the records section: the codec id for the attributes and a compressor with its level
   * bound (see codecs.compressorFor). Absent or id 0: uncompressed.
   */
  compression?: { id: number; compress: (records: Buffer) => Buffer };
}

const HEADER_BYTES = 61; // baseOffset..recordCount
/** Size of a RecordBatch v2 header (base offset through record count); the records section follows it. */
export const RECORD_BATCH_HEADER_BYTES = HEADER_BYTES;

/**
 * Sets the producer fields of an encoded batch and computes its CRC (which covers them). The byte path builds
 * batches before a partition's sequence is known; the producer seals each when it assigns the sequence.
 */
export function sealRecordBatch(batch: Buffer, producerId: number, producerEpoch: number, baseSequence: number): void {
  batch.writeBigInt64BE(BigInt(producerId), 43);
  batch.writeInt16BE(producerEpoch, 51);
  batch.writeInt32BE(baseSequence, 53);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
}

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

/**
 * Encodes records (all of one partition, in order) as one RecordBatch v2, compressed when
 * `opts.compression` says so (the records section after the record count is what a codec compresses).
 */
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
  let recordsBytes = 0;
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
    recordsBytes += varintSize(size) + size;
  }
  const codecId = opts.compression?.id ?? 0;
  let buf: Buffer;
  if (codecId === 0) {
    // Uncompressed: the records go straight behind the header, one allocation.
    buf = Buffer.allocUnsafe(HEADER_BYTES + recordsBytes);
    writeRecords(buf, HEADER_BYTES, records, baseTs, bodySizes, keyBytes);
  } else {
    const plain = Buffer.allocUnsafe(recordsBytes);
    writeRecords(plain, 0, records, baseTs, bodySizes, keyBytes);
    const packed = opts.compression!.compress(plain);
    buf = Buffer.allocUnsafe(HEADER_BYTES + packed.length);
    packed.copy(buf, HEADER_BYTES);
  }
  buf.writeBigInt64BE(0n, 0); // baseOffset
  buf.writeInt32BE(buf.length - 12, 8); // batchLength: bytes after this field
  buf.writeInt32BE(-1, 12); // partitionLeaderEpoch
  buf.writeInt8(2, 16); // magic
  // crc at 17..20, written last
  buf.writeInt16BE(codecId & CODEC_MASK, 21); // attributes: codec, CreateTime, not transactional
  buf.writeInt32BE(n - 1, 23); // lastOffsetDelta
  buf.writeBigInt64BE(BigInt(baseTs), 27);
  buf.writeBigInt64BE(BigInt(maxTs), 35);
  buf.writeBigInt64BE(BigInt(opts.producerId), 43);
  buf.writeInt16BE(opts.producerEpoch, 51);
  buf.writeInt32BE(opts.baseSequence, 53);
  buf.writeInt32BE(n, 57);
  buf.writeUInt32BE(crc32c(buf.subarray(21)), 17);
  return buf;
}

function writeRecords(buf: Buffer, start: number, records: readonly BatchRecord[], baseTs: number, bodySizes: readonly number[], keyBytes: ReadonlyArray<Buffer[] | null>): void {
  let pos = start;
  for (let i = 0; i < records.length; i++) {
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
  if (pos !== buf.length) throw new Error(`encodeRecordBatch: size mismatch (${pos} != ${buf.length})`);
}

/**
 * Produce request body, versions 3 to 8 (the same layout: transactional id (null), acks, timeout, then topics →
 * partitions → batch bytes; v7 is the first a broker accepts zstd batches in, v8 only adds response fields).
 */
export function encodeProduceRequest(acks: number, timeoutMs: number, topics: ReadonlyMap<string, ReadonlyArray<{ partition: number; batch: Buffer }>>): Buffer {
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

// ---- decoding ----------------------------------------------------------------------------------------------

export interface DecodedRecord {
  offset: number;
  /** CreateTime of the record, or the batch's max timestamp when the batch uses LogAppendTime (as Java reports). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /** In wire order; duplicates and null values kept. */
  headers: Array<[string, Buffer | null]>;
}

export interface DecodedBatch {
  baseOffset: number;
  /** Offset of the batch's last record: the next position is lastOffset + 1, whatever compaction removed. */
  lastOffset: number;
  magic: number;
  codec: number;
  isControl: boolean;
  isTransactional: boolean;
  producerId: number;
  records: DecodedRecord[];
}

/** A batch that cannot be decoded: where it is and which codec it uses (`id-N` for an unknown codec id). */
export class BatchDecodeError extends Error {
  override readonly name = 'BatchDecodeError';
  /** What went wrong, without the location (callers add topic and partition to it). */
  readonly detail: string;
  constructor(readonly offset: number, readonly codec: string, detail: string, options?: { cause?: unknown }) {
    super(`cannot decode the record batch at offset ${offset} (compression codec ${codec}): ${detail}`, options);
    this.detail = detail;
  }
}

const ATTR_TIMESTAMP_TYPE = 0x08;
const ATTR_TRANSACTIONAL = 0x10;
const ATTR_CONTROL = 0x20;

/** A read position over one buffer; varints decoded with arithmetic so 64-bit varlongs stay exact up to 2^53. */
class Cursor {
  constructor(readonly buf: Buffer, public pos: number, readonly end: number) {}
  private need(n: number): void {
    if (this.pos + n > this.end) throw new RangeError(`record runs past the end of its batch (${n} bytes needed at ${this.pos}, end ${this.end})`);
  }
  uvarint(): number {
    let result = 0, mul = 1, b: number;
    do {
      this.need(1);
      b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      mul *= 128;
      if (mul > 2 ** 70) throw new RangeError('varint too long');
    } while (b & 0x80);
    return result;
  }
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  int8(): number { this.need(1); return this.buf.readInt8(this.pos++); }
  bytes(): Buffer | null {
    const len = this.varint();
    if (len < 0) return null;
    this.need(len);
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }
}

function decodeRecords(c: Cursor, count: number, baseOffset: number, baseTs: number, logAppendTs: number | null): DecodedRecord[] {
  const out = new Array<DecodedRecord>(count);
  for (let i = 0; i < count; i++) {
    const len = c.varint();
    const end = c.pos + len;
    if (len < 0 || end > c.end) throw new RangeError(`record ${i} length ${len} runs past the end of its batch`);
    c.int8(); // record attributes: unused
    const tsDelta = c.varint();
    const offsetDelta = c.varint();
    const key = c.bytes();
    const value = c.bytes();
    const hc = c.varint();
    if (hc < 0) throw new RangeError(`record ${i} has a negative header count`);
    const headers = new Array<[string, Buffer | null]>(hc);
    for (let h = 0; h < hc; h++) {
      const kl = c.varint();
      if (kl < 0) throw new RangeError(`record ${i} has a null header key`);
      const k = c.buf.toString('utf8', c.pos, c.pos + kl);
      c.pos += kl;
      headers[h] = [k, c.bytes()];
    }
    if (c.pos !== end) throw new RangeError(`record ${i} is ${len} bytes long but its fields take ${c.pos - (end - len)}`);
    out[i] = { offset: baseOffset + offsetDelta, timestamp: logAppendTs ?? baseTs + tsDelta, key, value, headers };
  }
  return out;
}

/**
 * Decodes the record batches of one partition's fetched record set, in order. A trailing partial batch (the
 * broker cuts the set at the fetch size) is left out. Decoding stops at the first batch that cannot be
 * decoded: the batches before it are returned with `error` describing the bad one, so a reader can hand
 * over what it could read and then fail naming the offset and the codec.
 */
export function decodeRecordSet(buf: Buffer, opts: { checkCrc?: boolean } = {}): { batches: DecodedBatch[]; error?: BatchDecodeError } {
  const batches: DecodedBatch[] = [];
  let pos = 0;
  while (buf.length - pos >= 17) {
    const baseOffset = Number(buf.readBigInt64BE(pos));
    const batchLength = buf.readInt32BE(pos + 8);
    const end = pos + 12 + batchLength;
    if (end > buf.length) break; // partial trailing batch
    const magic = buf.readInt8(pos + 16);
    if (magic !== 2) {
      return { batches, error: new BatchDecodeError(baseOffset, 'unknown', `magic ${magic}: only message format v2 (magic 2) is supported`) };
    }
    if (batchLength < HEADER_BYTES - 12) return { batches, error: new BatchDecodeError(baseOffset, 'unknown', `the batch is ${batchLength} bytes long, shorter than its header`) };
    const attributes = buf.readInt16BE(pos + 21);
    const codecId = attributes & CODEC_MASK;
    const codec = codecName(codecId) ?? `id-${codecId}`;
    try {
      if (opts.checkCrc !== false) {
        const stored = buf.readUInt32BE(pos + 17);
        const actual = crc32c(buf.subarray(pos + 21, end));
        if (stored !== actual) throw new Error(`CRC32C mismatch (stored ${stored}, computed ${actual})`);
      }
      const lastOffsetDelta = buf.readInt32BE(pos + 23);
      const baseTs = Number(buf.readBigInt64BE(pos + 27));
      const maxTs = Number(buf.readBigInt64BE(pos + 35));
      const producerId = Number(buf.readBigInt64BE(pos + 43));
      const count = buf.readInt32BE(pos + 57);
      if (count < 0) throw new Error(`negative record count ${count}`);
      let body = buf.subarray(pos + HEADER_BYTES, end);
      if (codecId !== 0) body = decompress(codecId, body);
      const records = decodeRecords(new Cursor(body, 0, body.length), count, baseOffset, baseTs, attributes & ATTR_TIMESTAMP_TYPE ? maxTs : null);
      batches.push({
        baseOffset, lastOffset: baseOffset + lastOffsetDelta, magic, codec: codecId,
        isControl: (attributes & ATTR_CONTROL) !== 0, isTransactional: (attributes & ATTR_TRANSACTIONAL) !== 0,
        producerId, records,
      });
    } catch (e) {
      const detail = e instanceof CompressionError ? e.message : `${(e as Error).message}`;
      return { batches, error: new BatchDecodeError(baseOffset, codec, detail, { cause: e }) };
    }
    pos = end;
  }
  return { batches };
}
