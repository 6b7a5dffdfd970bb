// Kafka RecordBatch v2 (magic 2): encoding (uncompressed batches straight into one Buffer sized up front;
// compressed ones as records section → codec → header) and decoding of fetched record sets. This is the
// mirror's hot path: kafkajs builds every record with its own growing Encoder (profiled as the largest CPU
// cost after GC) and cannot decode snappy/lz4/zstd; here a batch costs one or two allocations.
import { CODEC_MASK, codecName, decompress } from './codecs.js';
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
 * Sets the producer fields of an encoded batch (and its transactional bit: set inside a transaction, cleared
 * otherwise) and computes its CRC (which covers them). The byte path builds batches before a partition's
 * sequence is known; the producer seals each when it assigns the sequence.
 */
export function sealRecordBatch(batch: Buffer, producerId: number, producerEpoch: number, baseSequence: number, transactional = false): void {
  const attributes = batch.readInt16BE(21);
  batch.writeInt16BE(transactional ? attributes | ATTR_TRANSACTIONAL : attributes & ~ATTR_TRANSACTIONAL, 21);
  batch.writeBigInt64BE(BigInt(producerId), 43);
  batch.writeInt16BE(producerEpoch, 51);
  batch.writeInt32BE(baseSequence, 53);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
}

export function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function uvarintSize(u: number): number {
  let size = 1;
  while (u >= 128) { u = Math.floor(u / 128); size++; }
  return size;
}

// Varints in a record (deltas, lengths, counts) mostly fit one byte: -64..63 skips the zigzag loop.

/** Bytes of a zigzag varint (varlong): arithmetic, so values stay exact up to 2^53. */
export function varintSize(n: number): number {
  return n >= -64 && n < 64 ? 1 : uvarintSize(zigzag(n));
}

/** Writes a zigzag varint at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, n: number): number {
  if (n >= -64 && n < 64) { buf[pos] = n >= 0 ? n * 2 : -n * 2 - 1; return pos + 1; }
  let u = zigzag(n);
  while (u >= 128) {
    buf[pos++] = (u % 128) | 0x80;
    u = Math.floor(u / 128);
  }
  buf[pos++] = u;
  return pos;
}

/**
 * Writes the header of a batch whose records section follows it in `buf`: base offset 0, CreateTime, neither
 * transactional nor control; producer fields -1 and CRC 0 (sealRecordBatch sets them).
 */
function writeBatchHeader(buf: Buffer, codecId: number, count: number, baseTs: number, maxTs: number): void {
  buf.writeBigInt64BE(0n, 0); // baseOffset: the broker assigns it
  buf.writeInt32BE(buf.length - 12, 8); // batchLength: bytes after this field
  buf.writeInt32BE(-1, 12); // partitionLeaderEpoch
  buf.writeInt8(2, 16); // magic
  buf.writeUInt32BE(0, 17); // crc
  buf.writeInt16BE(codecId & CODEC_MASK, 21); // attributes
  buf.writeInt32BE(count - 1, 23); // lastOffsetDelta
  buf.writeBigInt64BE(BigInt(baseTs), 27);
  buf.writeBigInt64BE(BigInt(maxTs), 35);
  buf.writeBigInt64BE(-1n, 43); // producerId
  buf.writeInt16BE(-1, 51); // producerEpoch
  buf.writeInt32BE(-1, 53); // baseSequence
  buf.writeInt32BE(count, 57);
}

/**
 * A RecordBatch v2 around an encoded records section (compressed here when `compression` says so), producer
 * fields and CRC unset: seal it before sending. The section is copied; the caller may reuse its buffer. With
 * `slab`, the batch is written into the buffer it returns for the size (a pooled slab), when it returns one.
 */
export function frameRecordBatch(section: Buffer, compression: BatchOptions['compression'], count: number, baseTs: number, maxTs: number, slab?: (bytes: number) => Buffer | null): Buffer {
  const codecId = compression?.id ?? 0;
  const body = codecId === 0 ? section : compression!.compress(section);
  const size = HEADER_BYTES + body.length;
  const into = slab?.(size);
  const buf = into ? into.subarray(0, size) : Buffer.allocUnsafe(size);
  body.copy(buf, HEADER_BYTES);
  writeBatchHeader(buf, codecId, count, baseTs, maxTs);
  return buf;
}

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
  let buf: Buffer;
  if ((opts.compression?.id ?? 0) === 0) {
    // Uncompressed: the records go straight behind the header, one allocation.
    buf = Buffer.allocUnsafe(HEADER_BYTES + recordsBytes);
    writeRecords(buf, HEADER_BYTES, records, baseTs, bodySizes, keyBytes);
    writeBatchHeader(buf, 0, n, baseTs, maxTs);
  } else {
    const plain = Buffer.allocUnsafe(recordsBytes);
    writeRecords(plain, 0, records, baseTs, bodySizes, keyBytes);
    buf = frameRecordBatch(plain, opts.compression, n, baseTs, maxTs);
  }
  sealRecordBatch(buf, opts.producerId, opts.producerEpoch, opts.baseSequence);
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

export const ATTR_TIMESTAMP_TYPE = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;

/**
 * The batch at `pos` of a fetched record set: null when the set holds no complete batch there (the broker cuts
 * the set at the fetch size), an error when it is not a magic-2 batch at least a header long.
 */
export function batchAt(set: Buffer, pos: number): { baseOffset: number; end: number } | BatchDecodeError | null {
  if (set.length - pos < 17) return null;
  const baseOffset = Number(set.readBigInt64BE(pos));
  const batchLength = set.readInt32BE(pos + 8);
  const end = pos + 12 + batchLength;
  if (end > set.length) return null;
  const magic = set.readInt8(pos + 16);
  if (magic !== 2) return new BatchDecodeError(baseOffset, 'unknown', `magic ${magic}: only message format v2 (magic 2) is supported`);
  if (batchLength < HEADER_BYTES - 12) return new BatchDecodeError(baseOffset, 'unknown', `the batch is ${batchLength} bytes long, shorter than its header`);
  return { baseOffset, end };
}

/** Throws when the CRC32C stored in the batch at set[pos, end) is not that of its bytes (check.crcs). */
export function verifyBatchCrc(set: Buffer, pos: number, end: number): void {
  const stored = set.readUInt32BE(pos + 17);
  const actual = crc32c(set.subarray(pos + 21, end));
  if (stored !== actual) throw new Error(`CRC32C mismatch (stored ${stored}, computed ${actual})`);
}

/** A failure reading the batch at `baseOffset`, naming its codec (`id-N` for an id Kafka does not define). */
export function batchReadError(baseOffset: number, codecId: number, e: unknown): BatchDecodeError {
  return new BatchDecodeError(baseOffset, codecName(codecId) ?? `id-${codecId}`, (e as Error).message, { cause: e });
}

export interface AbortedTransaction { producerId: number; firstOffset: number }

/**
 * Which batches of one partition's fetched record set carry records to hand over, as Java's consumer decides:
 * control batches (transaction markers) never; with read_committed (the fetch response's aborted transactions,
 * null for read_uncommitted) a producer's transactional batches are aborted from the first batch reaching one
 * of its aborted transactions' firstOffset up to its next control batch (the abort marker). A producer can have
 * several aborted transactions in one fetch. Ask for every batch, in offset order.
 */
export class CommittedBatchFilter {
  private readonly pending: AbortedTransaction[];
  private next = 0;
  /** Producers inside an aborted transaction (always empty for read_uncommitted). */
  private readonly aborting = new Set<number>();

  constructor(aborted: readonly AbortedTransaction[] | null) {
    this.pending = aborted ? [...aborted].sort((x, y) => x.firstOffset - y.firstOffset) : [];
  }

  /** True when the batch's records are to be handed over. */
  delivers(lastOffset: number, isControl: boolean, isTransactional: boolean, producerId: number): boolean {
    const pending = this.pending;
    while (this.next < pending.length && pending[this.next]!.firstOffset <= lastOffset) this.aborting.add(pending[this.next++]!.producerId);
    if (isControl) {
      this.aborting.delete(producerId);
      return false;
    }
    return !(isTransactional && this.aborting.has(producerId));
  }
}

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
  for (let at = batchAt(buf, pos); at !== null; at = batchAt(buf, pos)) {
    if (at instanceof BatchDecodeError) return { batches, error: at };
    const { baseOffset, end } = at;
    const attributes = buf.readInt16BE(pos + 21);
    const codecId = attributes & CODEC_MASK;
    try {
      if (opts.checkCrc !== false) verifyBatchCrc(buf, pos, end);
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
        baseOffset, lastOffset: baseOffset + lastOffsetDelta, codec: codecId,
        isControl: (attributes & ATTR_CONTROL) !== 0, isTransactional: (attributes & ATTR_TRANSACTIONAL) !== 0,
        producerId, records,
      });
    } catch (e) {
      return { batches, error: batchReadError(baseOffset, codecId, e) };
    }
    pos = end;
  }
  return { batches };
}

/**
 * The timestamp of the first data record at or after `offset` in a fetched record set (control batches skipped):
 * exact from a batch the set holds whole; from the header alone when the broker cut the batch at the fetch size,
 * which gives the batch's first record (exact when the batch starts at `offset`, an older record's otherwise).
 * undefined when the set holds no data batch header.
 */
export function firstRecordTimestamp(set: Buffer, offset: number): number | undefined {
  for (let pos = 0; set.length - pos >= HEADER_BYTES && set.readInt8(pos + 16) === 2;) {
    const end = pos + 12 + set.readInt32BE(pos + 8);
    const attributes = set.readInt16BE(pos + 21);
    if ((attributes & ATTR_CONTROL) === 0) {
      if (end > set.length) return Number(set.readBigInt64BE(pos + (attributes & ATTR_TIMESTAMP_TYPE ? 35 : 27)));
      const record = decodeRecordSet(set.subarray(pos, end), { checkCrc: false }).batches[0]?.records.find((r) => r.offset >= offset);
      if (record) return record.timestamp;
    }
    pos = end;
  }
  return undefined;
}
