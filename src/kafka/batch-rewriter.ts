// The mirror's byte path: one partition's fetched record set (one or more RecordBatch v2, any codec, maybe a
// partial trailing batch) rewritten, in one synchronous pass and without per-record objects, into RecordBatch
// v2 for the target partition. It reproduces exactly what the generic path (decode → SourceRecord →
// ByteArrayConverter → encodeRecordBatch) writes, record by record:
//   - control batches, aborted transactional records (read_committed), records before the fetch offset and
//     loop-prevented records (provenance chain already lists the target) are dropped;
//   - offset deltas are renumbered 0..n-1 (brokers reject gaps in client batches);
//   - each record keeps its absolute timestamp (LogAppendTime batches: the batch's max timestamp, as Java's
//     consumer reports it) and the output is CreateTime; the first record's timestamp is the base, as Java's
//     producer does, so deltas may be negative;
//   - key, value and headers are copied as byte ranges, in order, null values kept; with `addHop` every
//     provenance header is dropped and one, the last one's chain plus the source alias (provenance.appendHop),
//     is appended; without it the headers stay as they are (loop prevention still reads the last chain);
//   - without `addHop`, a source batch whose records all go through untouched (no loop-prevented record, offset
//     deltas 0..n-1 from a base at or after the fetch offset, CreateTime, in the target's codec, within
//     maxBatchBytes) is forwarded as it is: its bytes copied, only the header patched (base offset 0, producer
//     fields unset, transactional bit cleared), nothing decompressed-and-recompressed. See forwardable().
// The output batch carries no producer id, sequence or CRC: the producer patches them at send time (sequence
// numbers are fixed when a batch is assigned to a partition's sequence), see record-batch.sealRecordBatch.
import { ASYNC_CODEC_MIN_BYTES, decompressAsync } from './codec-async.js';
import { CODEC_MASK, decompress } from './codecs.js';
import type { SlabPool } from './slab-pool.js';
import {
  ATTR_CONTROL, ATTR_TIMESTAMP_TYPE, ATTR_TRANSACTIONAL, BatchDecodeError, CommittedBatchFilter, RECORD_BATCH_HEADER_BYTES,
  batchAt, batchReadError, frameRecordBatch, varintSize, verifyBatchCrc, writeVarint, type AbortedTransaction,
} from './record-batch.js';

export interface RewriteOptions {
  /** Records below it are dropped (a fetched batch may start before the fetch offset). */
  fetchOffset: number;
  /** The fetch response's aborted transactions when reading read_committed; null for read_uncommitted. */
  abortedTransactions: readonly AbortedTransaction[] | null;
  /** Verify each source batch's CRC32C (check.crcs). */
  checkCrc: boolean;
  /** Header whose value lists the clusters a record has been on (ferry.provenance). */
  provenanceHeader: string;
  /** Alias appended to the chain (the cluster the record is leaving). */
  sourceAlias: string;
  /** Records whose chain lists it are not copied (they have been on the target already). */
  targetAlias: string;
  /**
   * Append the hop (provenance.addsProvenanceHop; default true). False: headers are copied unchanged and
   * batches that need no change are forwarded whole.
   */
  addHop?: boolean | undefined;
  /**
   * Compression of the output (the target producer's compression.type); absent or id 0: none. `compressAsync`,
   * when given, is what rewriteRecordSetAsync uses for large sections (off the main thread).
   */
  compression?: { id: number; compress: (records: Buffer) => Buffer; compressAsync?: (records: Buffer) => Promise<Buffer> } | undefined;
  /** Bound on one output batch's uncompressed records section; more records start another output batch. */
  maxBatchBytes: number;
  /**
   * Forwarded batches are the record set's own bytes, patched in place, instead of copies: the caller gives up
   * the set (the mirror's fetch response, which nothing reads again) and saves an allocation per batch.
   */
  forwardInPlace?: boolean | undefined;
  /** Rebuilt batches are framed into slabs from this pool where one fits (RewrittenBatch.slab: give it back once acknowledged). */
  slabs?: SlabPool | undefined;
  /** Records sections already decompressed, by the source batch's position in the set (rewriteRecordSetAsync). */
  decompressed?: ReadonlyMap<number, Buffer> | undefined;
  /**
   * Frame rebuilt sections of ASYNC_CODEC_MIN_BYTES or more uncompressed and mark them `pendingCompression`
   * (rewriteRecordSetAsync compresses them off the main thread); smaller ones are compressed inline.
   */
  deferCompression?: boolean | undefined;
}

export interface RewrittenBatch {
  /** RecordBatch v2, base offset 0, producer fields -1 and CRC unset: seal it before sending. */
  batch: Buffer;
  count: number;
  /**
   * Runs of records contiguous upstream, as triples: first upstream offset, index of its record in this
   * batch, length. Downstream offset of the record at index i = the batch's acknowledged base offset + i.
   */
  runs: number[];
  /** Key plus value bytes (for the byte-rate metric). */
  bytes: number;
  /** Largest record timestamp in the batch. */
  maxTimestamp: number;
  /** True when this is a source batch forwarded as it was (header patched), not rebuilt record by record. */
  forwarded?: boolean;
  /** Framed uncompressed although the output codec is not none (deferCompression). */
  pendingCompression?: boolean;
  /** The pooled slab `batch` is a prefix of (RewriteOptions.slabs): return it to the pool once the batch is acknowledged. */
  slab?: Buffer;
}

export interface RewriteResult {
  batches: RewrittenBatch[];
  /** Position after the record set: past the last complete batch (control batches and compacted gaps too). */
  nextOffset: number;
  /** Records dropped by loop prevention. */
  loopPrevented: number;
  /** The first batch that cannot be read; everything before it is in `batches`, nextOffset stops at it. */
  error?: BatchDecodeError;
}

const HEADER = RECORD_BATCH_HEADER_BYTES;
const COMMA = 0x2c;

// ---- varints over a module-level read position (no cursor object per record) -------------------------------

const EMPTY = Buffer.alloc(0);
let src: Buffer = EMPTY;
let rp = 0;
let rend = 0;

function truncated(): never {
  throw new RangeError(`record runs past the end of its batch (at ${rp}, end ${rend})`);
}

function readUvarint(): number {
  let result = 0, mul = 1, b: number;
  do {
    if (rp >= rend) truncated();
    b = src[rp++]!;
    result += (b & 0x7f) * mul;
    mul *= 128;
    if (mul > 2 ** 70) throw new RangeError('varint too long');
  } while (b & 0x80);
  return result;
}

function readVarint(): number {
  // Most varints in a record (attributes aside: deltas, lengths, counts) fit one byte.
  if (rp < rend) {
    const b = src[rp]!;
    if (b < 128) { rp++; return (b >>> 1) ^ -(b & 1); }
  }
  const u = readUvarint();
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

/** Skips a length-prefixed byte string (null: length -1) and returns its length (-1 for null). */
function skipBytes(): number {
  const len = readVarint();
  if (len > 0) {
    if (rp + len > rend) truncated();
    rp += len;
  }
  return len;
}

// ---- output: one scratch buffer reused for every batch (the rewrite is synchronous) ------------------------

let out: Buffer = Buffer.allocUnsafe(1 << 20);
let wp = 0;

function ensure(n: number): void {
  if (wp + n <= out.length) return;
  const grown = Buffer.allocUnsafe(Math.max(out.length * 2, wp + n));
  out.copy(grown, 0, 0, wp);
  out = grown;
}

/** Appends buf[a, b) to the output. Short ranges by hand: Buffer#copy of a sub-range allocates a view per call. */
function put(buf: Buffer, a: number, b: number): void {
  if (b - a <= 48) {
    while (a < b) out[wp++] = buf[a++]!;
  } else {
    wp += buf.copy(out, wp, a, b);
  }
}

/**
 * Rewrites one partition's fetched record set. Throws only on a programming error; a batch that cannot be
 * read (bad magic, CRC, codec, truncated record) is returned as `error` after the records before it.
 */
export function rewriteRecordSet(set: Buffer, opts: RewriteOptions): RewriteResult {
  const provKey = Buffer.from(opts.provenanceHeader, 'utf8');
  const sourceAlias = Buffer.from(opts.sourceAlias, 'utf8');
  const targetAlias = Buffer.from(opts.targetAlias, 'utf8');
  const provHeaderKeyBytes = varintSize(provKey.length) + provKey.length;
  const addHop = opts.addHop !== false;
  const outCodec = opts.compression?.id ?? 0;
  const defer = opts.deferCompression === true && outCodec !== 0;
  const slabs = opts.slabs;
  const committed = new CommittedBatchFilter(opts.abortedTransactions);
  let nextOffset = opts.fetchOffset;
  let loopPrevented = 0;

  // The records sections of output batches are laid out one after another in the scratch buffer and framed
  // (copied or compressed) only at the end, so a bad source batch can be rolled back.
  // A segment with `forward` is a whole source batch, set[forward.start, forward.end), sent as it is.
  const segments: Array<{ start: number; end: number; count: number; runs: number[]; bytes: number; baseTs: number; maxTs: number; forward?: { start: number; end: number } }> = [];
  let segStart = 0;
  let count = 0;
  let runs: number[] = [];
  let runNext = -1; // upstream offset that would extend the current run
  let baseTs = 0;
  let maxTs = 0;
  let bytes = 0;
  wp = 0;

  const finish = (): void => {
    if (count === 0) return;
    segments.push({ start: segStart, end: wp, count, runs, bytes, baseTs, maxTs });
    segStart = wp;
    count = 0;
    runs = [];
    runNext = -1;
    bytes = 0;
  };

  const materialize = (): RewrittenBatch[] => {
    finish();
    const batches: RewrittenBatch[] = [];
    for (const g of segments) {
      if (g.forward) {
        batches.push({ batch: forwardedBatch(set, g.forward.start, g.forward.end, opts.forwardInPlace === true), count: g.count, runs: g.runs, bytes: g.bytes, maxTimestamp: g.maxTs, forwarded: true });
        continue;
      }
      const later = defer && g.end - g.start >= ASYNC_CODEC_MIN_BYTES;
      let slab: Buffer | null = null;
      const take = slabs && !later ? (n: number) => (slab = slabs.take(n)) : undefined;
      const batch = frameRecordBatch(out.subarray(g.start, g.end), later ? undefined : opts.compression, g.count, g.baseTs, g.maxTs, take);
      batches.push({ batch, count: g.count, runs: g.runs, bytes: g.bytes, maxTimestamp: g.maxTs, ...(later ? { pendingCompression: true } : {}), ...(slab ? { slab } : {}) });
    }
    src = EMPTY; // do not pin the fetch response
    return batches;
  };

  let pos = 0;
  for (let at = batchAt(set, pos); at !== null; at = batchAt(set, pos)) {
    if (at instanceof BatchDecodeError) return { batches: materialize(), nextOffset, loopPrevented, error: at };
    const { baseOffset, end } = at;
    const attributes = set.readInt16BE(pos + 21);
    const srcCodec = attributes & CODEC_MASK;
    // Where the output stood before this batch: a batch that turns out unreadable is rolled back entirely.
    const saved = { segments: segments.length, segStart, wp, count, runsLen: runs.length, lastRun: runs[runs.length - 1] ?? 0, runs, bytes, baseTs, maxTs };
    try {
      if (opts.checkCrc) verifyBatchCrc(set, pos, end);
      const lastOffset = baseOffset + set.readInt32BE(pos + 23);
      const batchEnd = lastOffset + 1;
      const delivers = committed.delivers(lastOffset, (attributes & ATTR_CONTROL) !== 0, (attributes & ATTR_TRANSACTIONAL) !== 0, Number(set.readBigInt64BE(pos + 43)));
      if (delivers && batchEnd > opts.fetchOffset) {
        const srcBaseTs = Number(set.readBigInt64BE(pos + 27));
        const logAppendTs = attributes & ATTR_TIMESTAMP_TYPE ? Number(set.readBigInt64BE(pos + 35)) : null;
        const n = set.readInt32BE(pos + 57);
        if (n < 0) throw new Error(`negative record count ${n}`);
        let body = set.subarray(pos + HEADER, end);
        if (srcCodec !== 0) body = opts.decompressed?.get(pos) ?? decompress(srcCodec, body);
        src = body;
        rp = 0;
        rend = body.length;
        // Forwarding whole: only codec and transactional bits set (not LogAppendTime, whose records the rewrite
        // gives the batch's timestamp; not control; not a cleaner's delete-horizon batch).
        if (!addHop && srcCodec === outCodec && baseOffset >= opts.fetchOffset && (attributes & ~(CODEC_MASK | ATTR_TRANSACTIONAL)) === 0
          && n > 0 && n === lastOffset - baseOffset + 1 && body.length <= opts.maxBatchBytes && forwardable(n, provKey, targetAlias)) {
          finish();
          segments.push({ start: segStart, end: segStart, count: n, runs: [baseOffset, 0, n], bytes: fwdBytes, baseTs: srcBaseTs, maxTs: fwdMaxTs + srcBaseTs, forward: { start: pos, end } });
          runNext = -1;
          if (batchEnd > nextOffset) nextOffset = batchEnd;
          pos = end;
          continue;
        }
        rp = 0;
        for (let i = 0; i < n; i++) {
          const len = readVarint();
          const recStart = rp;
          const recEnd = rp + len;
          if (len < 0 || recEnd > rend) throw new RangeError(`record ${i} length ${len} runs past the end of its batch`);
          rp++; // record attributes: unused
          const tsDelta = readVarint();
          const offset = baseOffset + readVarint();
          const kvStart = rp;
          const keyLen = skipBytes();
          const valueLen = skipBytes();
          const kvEnd = rp;
          const hc = readVarint();
          if (hc < 0) throw new RangeError(`record ${i} has a negative header count`);
          const hStart = rp;
          let provCount = 0;
          let provBytes = 0;
          let provStart = -1; // value of the last provenance header (-1: none or null)
          let provLen = -1;
          for (let h = 0; h < hc; h++) {
            const hs = rp;
            const kl = readVarint();
            if (kl < 0) throw new RangeError(`record ${i} has a null header key`);
            if (rp + kl > rend) truncated();
            const isProv = kl === provKey.length && body.compare(provKey, 0, kl, rp, rp + kl) === 0;
            rp += kl;
            const vl = skipBytes();
            if (isProv) {
              provCount++;
              provBytes += rp - hs;
              if (vl < 0) { provStart = -1; provLen = -1; } else { provStart = rp - vl; provLen = vl; }
            }
          }
          if (rp !== recEnd) throw new RangeError(`record ${i} is ${len} bytes long but its fields take ${rp - recStart}`);
          if (offset < opts.fetchOffset) continue;
          if (provLen >= 0 && chainListsAlias(body, provStart, provStart + provLen, targetAlias)) {
            loopPrevented++;
            runNext = -1; // a dropped record breaks the run
            continue;
          }
          // The new chain: the last provenance value with the source alias appended (provenance.appendHop).
          let newProvLen = 0;
          let appendAlias = false;
          let outHc = hc;
          let headersBytes = recEnd - hStart;
          if (addHop) {
            if (provLen <= 0) newProvLen = sourceAlias.length;
            else if (chainEndsWith(body, provStart, provStart + provLen, sourceAlias)) newProvLen = provLen;
            else { newProvLen = provLen + 1 + sourceAlias.length; appendAlias = true; }
            outHc = hc - provCount + 1;
            headersBytes += provHeaderKeyBytes + varintSize(newProvLen) + newProvLen - provBytes;
          }
          const ts = logAppendTs ?? srcBaseTs + tsDelta;
          let bodySize = 1 + varintSize(count === 0 ? 0 : ts - baseTs) + varintSize(count) + (kvEnd - kvStart) + varintSize(outHc) + headersBytes;
          let recordBytes = varintSize(bodySize) + bodySize;
          if (count > 0 && wp - segStart + recordBytes > opts.maxBatchBytes) {
            finish();
            bodySize = 1 + 1 + 1 + (kvEnd - kvStart) + varintSize(outHc) + headersBytes;
            recordBytes = varintSize(bodySize) + bodySize;
          }
          if (count === 0) { baseTs = ts; maxTs = ts; } else if (ts > maxTs) maxTs = ts;
          ensure(recordBytes);
          wp = writeVarint(out, wp, bodySize);
          out[wp++] = 0; // record attributes
          wp = writeVarint(out, wp, ts - baseTs);
          wp = writeVarint(out, wp, count);
          put(body, kvStart, kvEnd);
          wp = writeVarint(out, wp, outHc);
          if (provCount === 0 || !addHop) {
            put(body, hStart, recEnd);
          } else {
            // Copy the other headers in order, skipping every provenance header.
            rp = hStart;
            for (let h = 0; h < hc; h++) {
              const hs = rp;
              const kl = readVarint();
              const isProv = kl === provKey.length && body.compare(provKey, 0, kl, rp, rp + kl) === 0;
              rp += kl;
              skipBytes();
              if (!isProv) put(body, hs, rp);
            }
          }
          if (addHop) {
            wp = writeVarint(out, wp, provKey.length);
            put(provKey, 0, provKey.length);
            wp = writeVarint(out, wp, newProvLen);
            if (provLen <= 0) put(sourceAlias, 0, sourceAlias.length);
            else {
              put(body, provStart, provStart + provLen);
              if (appendAlias) { out[wp++] = COMMA; put(sourceAlias, 0, sourceAlias.length); }
            }
          }
          if (offset === runNext) runs[runs.length - 1]!++;
          else runs.push(offset, count, 1);
          runNext = offset + 1;
          count++;
          bytes += (keyLen > 0 ? keyLen : 0) + (valueLen > 0 ? valueLen : 0);
        }
      } else if (batchEnd > opts.fetchOffset) {
        runNext = -1; // dropped offsets break the run
      }
      if (batchEnd > nextOffset) nextOffset = batchEnd;
    } catch (e) {
      // Records taken from the bad batch so far are not handed over: the position stays at the batch.
      segments.length = saved.segments;
      ({ segStart, wp, count, runs, bytes, baseTs, maxTs } = saved);
      runs.length = saved.runsLen;
      if (saved.runsLen > 0) runs[saved.runsLen - 1] = saved.lastRun;
      return { batches: materialize(), nextOffset, loopPrevented, error: batchReadError(baseOffset, srcCodec, e) };
    }
    pos = end;
  }
  return { batches: materialize(), nextOffset, loopPrevented };
}

// Key plus value bytes and the largest timestamp delta of the batch forwardable() last accepted.
let fwdBytes = 0;
let fwdMaxTs = 0;

/**
 * Scans the n records of the batch body in `src` (from rp = 0) without writing anything: true when it can be
 * forwarded as it is — offset deltas exactly 0..n-1, record attributes 0 (what the rewrite writes), no record
 * whose provenance chain lists the target (it would be dropped), and nothing after the last record. Throws on
 * a malformed record as the rewrite loop would.
 */
function forwardable(n: number, provKey: Buffer, targetAlias: Buffer): boolean {
  let bytes = 0;
  let maxTs = -Infinity;
  for (let i = 0; i < n; i++) {
    const len = readVarint();
    const recEnd = rp + len;
    if (len < 0 || recEnd > rend) throw new RangeError(`record ${i} length ${len} runs past the end of its batch`);
    if (src[rp++] !== 0) return false;
    const tsDelta = readVarint();
    if (tsDelta > maxTs) maxTs = tsDelta;
    if (readVarint() !== i) return false;
    const keyLen = skipBytes();
    const valueLen = skipBytes();
    bytes += (keyLen > 0 ? keyLen : 0) + (valueLen > 0 ? valueLen : 0);
    const hc = readVarint();
    if (hc < 0) throw new RangeError(`record ${i} has a negative header count`);
    let provStart = -1;
    let provLen = -1;
    for (let h = 0; h < hc; h++) {
      const kl = readVarint();
      if (kl < 0) throw new RangeError(`record ${i} has a null header key`);
      if (rp + kl > rend) truncated();
      const isProv = kl === provKey.length && src.compare(provKey, 0, kl, rp, rp + kl) === 0;
      rp += kl;
      const vl = skipBytes();
      if (isProv) { if (vl < 0) { provStart = -1; provLen = -1; } else { provStart = rp - vl; provLen = vl; } }
    }
    if (rp !== recEnd) throw new RangeError(`record ${i} is ${len} bytes long but its fields take ${rp - (recEnd - len)}`);
    if (provLen >= 0 && chainListsAlias(src, provStart, provStart + provLen, targetAlias)) return false;
  }
  if (rp !== rend) return false;
  fwdBytes = bytes;
  fwdMaxTs = maxTs;
  return true;
}

/**
 * rewriteRecordSet with the codec work of large batches off the main thread: compressed source batches of at
 * least ASYNC_CODEC_MIN_BYTES are decompressed first, all at once, and rebuilt output sections of that size are
 * compressed afterwards, all at once; the rewrite between stays one synchronous pass. A source batch that
 * fails to decompress here is left to the synchronous pass, which reports it in order (after the CRC check).
 * Returns a promise only when there was work to hand off; the result is rewriteRecordSet's, byte for byte.
 */
export function rewriteRecordSetAsync(set: Buffer, opts: RewriteOptions): RewriteResult | Promise<RewriteResult> {
  const decompressed = new Map<number, Buffer>();
  const pending: Array<Promise<void>> = [];
  let pos = 0;
  for (let at = batchAt(set, pos); at !== null && !(at instanceof BatchDecodeError); at = batchAt(set, pos)) {
    const codec = set.readInt16BE(pos + 21) & CODEC_MASK;
    const start = pos;
    if (codec !== 0 && at.end - start - HEADER >= ASYNC_CODEC_MIN_BYTES && at.baseOffset + set.readInt32BE(start + 23) >= opts.fetchOffset) {
      pending.push(decompressAsync(codec, set.subarray(start + HEADER, at.end)).then((b) => { decompressed.set(start, b); }, () => undefined));
    }
    pos = at.end;
  }
  const rewrite = (): RewriteResult | Promise<RewriteResult> =>
    compressPending(rewriteRecordSet(set, { ...opts, decompressed, deferCompression: opts.compression?.compressAsync !== undefined }), opts.compression);
  return pending.length > 0 ? Promise.all(pending).then(rewrite) : rewrite();
}

/** Compresses the sections rewriteRecordSet left pending, off the main thread, and frames them. */
function compressPending(r: RewriteResult, compression: RewriteOptions['compression']): RewriteResult | Promise<RewriteResult> {
  const compressAsync = compression?.compressAsync;
  if (!compressAsync || !r.batches.some((b) => b.pendingCompression)) return r;
  return Promise.all(r.batches.map(async (b) => {
    if (!b.pendingCompression) return b;
    const packed = await compressAsync(b.batch.subarray(HEADER));
    const baseTs = Number(b.batch.readBigInt64BE(27));
    const batch = frameRecordBatch(packed, { id: compression.id, compress: () => packed }, b.count, baseTs, b.maxTimestamp);
    return { batch, count: b.count, runs: b.runs, bytes: b.bytes, maxTimestamp: b.maxTimestamp };
  })).then((batches) => ({ ...r, batches }));
}

/**
 * The source batch set[start, end) as the producer expects a client batch: base offset 0, leader epoch -1,
 * producer id/epoch/sequence -1 and CRC 0 (sealRecordBatch sets them), the transactional bit cleared (a
 * committed transaction's records are written as plain idempotent ones); codec, timestamps, record count and
 * records untouched. A copy, or (`inPlace`) the source bytes themselves, patched: no allocation per batch.
 */
function forwardedBatch(set: Buffer, start: number, end: number, inPlace: boolean): Buffer {
  let buf: Buffer;
  if (inPlace) buf = set.subarray(start, end);
  else {
    buf = Buffer.allocUnsafe(end - start);
    set.copy(buf, 0, start, end);
  }
  buf.writeBigInt64BE(0n, 0);
  buf.writeInt32BE(-1, 12);
  buf.writeUInt32BE(0, 17);
  buf.writeInt16BE(buf.readInt16BE(21) & ~ATTR_TRANSACTIONAL, 21);
  buf.writeBigInt64BE(-1n, 43);
  buf.writeInt16BE(-1, 51);
  buf.writeInt32BE(-1, 53);
  return buf;
}

/** True when the comma-separated chain in buf[start, end) lists `alias` (provenance.chainIncludes, in place). */
function chainListsAlias(buf: Buffer, start: number, end: number, alias: Buffer): boolean {
  if (alias.length === 0) return false;
  let s = start;
  while (s <= end) {
    let stop = s;
    while (stop < end && buf[stop] !== COMMA) stop++;
    if (stop - s === alias.length && buf.compare(alias, 0, alias.length, s, stop) === 0) return true;
    s = stop + 1;
  }
  return false;
}

/** True when the chain's last hop is `alias` (provenance.appendHop then leaves the chain unchanged). */
function chainEndsWith(buf: Buffer, start: number, end: number, alias: Buffer): boolean {
  const len = end - start;
  if (len < alias.length) return false;
  if (len !== alias.length && buf[end - alias.length - 1] !== COMMA) return false;
  return buf.compare(alias, 0, alias.length, end - alias.length, end) === 0;
}
