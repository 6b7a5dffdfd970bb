// Differential tests of the byte path's rewriter against the generic path: the same fetched record set goes
// (a) through decodeRecordSet + the reader's read_committed filter + MirrorSourceTask's provenance handling +
// encodeRecordBatch (what the generic path writes), and (b) through rewriteRecordSet; both outputs are decoded
// with decodeRecordSet and compared record by record (key, value, headers in order with nulls, timestamp), and
// the rewriter's runs must map each output record to the upstream offset the generic path had for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CODEC_IDS, compress, type CodecName } from '../../src/kafka/codecs.js';
import { crc32c } from '../../src/kafka/crc32c.js';
import { decodeRecordSet, encodeRecordBatch, sealRecordBatch, type AbortedTransaction, type BatchRecord } from '../../src/kafka/record-batch.js';
import { rewriteRecordSet, rewriteRecordSetAsync, type RewriteOptions } from '../../src/kafka/batch-rewriter.js';
import { compressAsync } from '../../src/kafka/codec-async.js';
import { JAVA_BATCHES } from '../helpers/java-batches.js';
import { SlabPool } from '../../src/kafka/slab-pool.js';
import { PROVENANCE_HEADER, appendHop, chainIncludes } from '../../src/connectors/mirror/provenance.js';

// ---- a source batch builder with everything a broker can hand out -----------------------------------------

interface SrcRecord { offsetDelta: number; tsDelta: number; key: Buffer | null; value: Buffer | null; headers: Array<[string, Buffer | null]> }
interface SrcBatch { baseOffset: number; baseTs: number; maxTs: number; codec: CodecName; logAppendTime?: boolean; transactional?: boolean; control?: boolean; producerId?: number; lastOffsetDelta?: number; records: SrcRecord[] }

function zz(n: number): number { return n >= 0 ? n * 2 : -n * 2 - 1; }
function varint(n: number): Buffer {
  const out: number[] = [];
  let u = zz(n);
  while (u >= 128) { out.push((u % 128) | 0x80); u = Math.floor(u / 128); }
  out.push(u);
  return Buffer.from(out);
}
function bytesField(b: Buffer | null): Buffer[] { return b === null ? [varint(-1)] : [varint(b.length), b]; }

function encodeSrcBatch(b: SrcBatch): Buffer {
  const recs: Buffer[] = [];
  for (const r of b.records) {
    const parts: Buffer[] = [Buffer.from([0]), varint(r.tsDelta), varint(r.offsetDelta), ...bytesField(r.key), ...bytesField(r.value), varint(r.headers.length)];
    for (const [k, v] of r.headers) { const kb = Buffer.from(k); parts.push(varint(kb.length), kb, ...bytesField(v)); }
    const body = Buffer.concat(parts);
    recs.push(varint(body.length), body);
  }
  let section: Buffer = Buffer.concat(recs);
  if (b.codec !== 'none') section = compress(b.codec, section);
  const h = Buffer.alloc(61);
  h.writeBigInt64BE(BigInt(b.baseOffset), 0);
  h.writeInt32BE(61 - 12 + section.length, 8);
  h.writeInt32BE(0, 12);
  h.writeInt8(2, 16);
  const attrs = CODEC_IDS[b.codec] | (b.logAppendTime ? 0x08 : 0) | (b.transactional ? 0x10 : 0) | (b.control ? 0x20 : 0);
  h.writeInt16BE(attrs, 21);
  const last = b.lastOffsetDelta ?? (b.records.length ? b.records[b.records.length - 1]!.offsetDelta : 0);
  h.writeInt32BE(last, 23);
  h.writeBigInt64BE(BigInt(b.baseTs), 27);
  h.writeBigInt64BE(BigInt(b.maxTs), 35);
  h.writeBigInt64BE(BigInt(b.producerId ?? -1), 43);
  h.writeInt16BE(0, 51);
  h.writeInt32BE(-1, 53);
  h.writeInt32BE(b.records.length, 57);
  const buf = Buffer.concat([h, section]);
  buf.writeUInt32BE(crc32c(buf.subarray(21)), 17);
  return buf;
}

// ---- the generic path, as MirrorSourceTask + PartitionReader + RecordProducer do it --------------------------

interface Out { key: Buffer | null; value: Buffer | null; headers: Array<[string, Buffer | null]>; timestamp: number }

function generic(set: Buffer, o: RewriteOptions): { records: Out[]; upstream: number[]; nextOffset: number; loopPrevented: number } {
  const { batches } = decodeRecordSet(set);
  const rc = o.abortedTransactions !== null;
  const aborts = rc ? [...o.abortedTransactions!].sort((x, y) => x.firstOffset - y.firstOffset) : [];
  let na = 0;
  const aborting = new Set<number>();
  const records: Out[] = [];
  const upstream: number[] = [];
  let next = o.fetchOffset;
  let loopPrevented = 0;
  for (const b of batches) {
    const end = b.lastOffset + 1;
    if (end > next) next = end;
    while (na < aborts.length && aborts[na]!.firstOffset < end) aborting.add(aborts[na++]!.producerId);
    if (b.isControl) { if (rc) aborting.delete(b.producerId); continue; }
    if (rc && b.isTransactional && aborting.has(b.producerId)) continue;
    for (const r of b.records) {
      if (r.offset < o.fetchOffset) continue;
      let prov: Buffer | null = null;
      const headers: Array<[string, Buffer | null]> = [];
      const addHop = o.addHop !== false;
      for (const [k, v] of r.headers) { if (k === PROVENANCE_HEADER) prov = v; if (k !== PROVENANCE_HEADER || !addHop) headers.push([k, v]); }
      if (prov && chainIncludes(prov, o.targetAlias)) { loopPrevented++; continue; }
      if (addHop) headers.push([PROVENANCE_HEADER, prov ? appendHop(prov, o.sourceAlias) : Buffer.from(o.sourceAlias)]);
      records.push({ key: r.key, value: r.value, headers, timestamp: r.timestamp });
      upstream.push(r.offset);
    }
  }
  return { records, upstream, nextOffset: next, loopPrevented };
}

function decodeOut(batches: Buffer[]): Out[] {
  const out: Out[] = [];
  for (const b of batches) {
    const { batches: d, error } = decodeRecordSet(b);
    assert.equal(error, undefined, error?.message);
    assert.equal(d.length, 1);
    for (const r of d[0]!.records) out.push({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp });
  }
  return out;
}

const seen = { loopPrevented: 0, abortedDropped: 0, splits: 0, forwarded: 0, noHop: 0 };

function check(set: Buffer, opts: RewriteOptions, label: string): { count: number; batches: number } {
  const want = generic(set, opts);
  seen.loopPrevented += want.loopPrevented;
  if (opts.abortedTransactions?.length) seen.abortedDropped += want.records.length < generic(set, { ...opts, abortedTransactions: null }).records.length ? 1 : 0;
  const got = rewriteRecordSet(set, opts);
  assert.equal(got.error, undefined, `${label}: ${got.error?.message}`);
  if (got.batches.length > 1) seen.splits++;
  if (opts.addHop === false) seen.noHop++;
  for (const b of got.batches) if (b.forwarded) seen.forwarded++;
  if (opts.addHop !== false) assert.ok(got.batches.every((b) => !b.forwarded), `${label}: forwarded a batch while adding the hop`);
  assert.equal(got.nextOffset, want.nextOffset, `${label}: nextOffset`);
  assert.equal(got.loopPrevented, want.loopPrevented, `${label}: loop prevented`);
  const sealed = got.batches.map((b) => { sealRecordBatch(b.batch, 77, 1, 5); return b.batch; });
  const records = decodeOut(sealed);
  // What the generic path writes for the same records (one batch; the encoder is tested on its own).
  const genericOut = want.records.length === 0 ? [] : decodeOut([encodeRecordBatch(want.records.map((r) => ({ ...r })) as BatchRecord[], { producerId: 77, producerEpoch: 1, baseSequence: 5 })]);
  assert.equal(records.length, genericOut.length, `${label}: record count`);
  for (let i = 0; i < records.length; i++) assert.deepEqual(records[i], genericOut[i], `${label}: record ${i}`);
  // Runs: expand to one upstream offset per output record.
  const upstream: number[] = [];
  for (const b of got.batches) {
    let idx = 0;
    assert.equal(b.runs.length % 3, 0);
    for (let r = 0; r < b.runs.length; r += 3) {
      assert.equal(b.runs[r + 1], idx, `${label}: run index`);
      for (let k = 0; k < b.runs[r + 2]!; k++) upstream.push(b.runs[r]! + k);
      idx += b.runs[r + 2]!;
    }
    assert.equal(idx, b.count);
    if (b.runs.length >= 6) for (let r = 3; r < b.runs.length; r += 3) assert.notEqual(b.runs[r - 3]! + b.runs[r - 1]!, b.runs[r], `${label}: runs not merged`);
  }
  assert.deepEqual(upstream, want.upstream, `${label}: upstream offsets`);
  return { count: records.length, batches: got.batches.length };
}

// ---- fuzz ------------------------------------------------------------------------------------------------

let seed = 12345;
/** mulberry32: deterministic, and unlike a plain LCG its low bits are random (indexes below use % n). */
function rnd(n: number): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (((t ^ (t >>> 14)) >>> 0) % n);
}
const CODECS: CodecName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const HEADER_KEYS = ['a', 'b', '1', '0', '10', 'ü', PROVENANCE_HEADER, 'a'];
const CHAINS = ['src', 'x', 'x,y', 'tgt', 'x,tgt', 'tgt,x', 'srcx', 'x,src', '', null];

function fuzzRecord(offsetDelta: number, tsDelta: number): SrcRecord {
  const headers: Array<[string, Buffer | null]> = [];
  const hc = rnd(5);
  for (let h = 0; h < hc; h++) {
    const k = HEADER_KEYS[rnd(HEADER_KEYS.length)]!;
    if (k === PROVENANCE_HEADER) { const c = CHAINS[rnd(CHAINS.length)]!; headers.push([k, c === null ? null : Buffer.from(c)]); }
    else headers.push([k, rnd(4) === 0 ? null : Buffer.from(`v${rnd(1000)}`)]);
  }
  return {
    offsetDelta, tsDelta,
    key: rnd(4) === 0 ? null : Buffer.from(`k${rnd(100000)}`),
    value: rnd(5) === 0 ? null : Buffer.alloc(rnd(300), rnd(256)),
    headers,
  };
}

/** With `forwardable`, about half the data batches are ones the rewriter may forward whole in that codec. */
function fuzzSet(forwardable?: CodecName): { set: Buffer; aborted: AbortedTransaction[]; firstOffset: number } {
  let offset = rnd(1000);
  const firstOffset = offset;
  const parts: Buffer[] = [];
  const aborted: AbortedTransaction[] = [];
  const nb = 1 + rnd(6);
  for (let b = 0; b < nb; b++) {
    const kind = rnd(6); // 0: control marker, 1: transactional (maybe aborted), else plain
    const friendly = forwardable !== undefined && rnd(2) === 0;
    const codec = friendly ? forwardable : CODECS[rnd(CODECS.length)]!;
    const producerId = 1000 + rnd(3);
    if (kind === 0) {
      // A transaction marker: one control record.
      parts.push(encodeSrcBatch({ baseOffset: offset, baseTs: 1_700_000_000_000, maxTs: 1_700_000_000_000, codec: 'none', control: true, transactional: true, producerId,
        records: [{ offsetDelta: 0, tsDelta: 0, key: Buffer.from([0, 0, 0, 0]), value: Buffer.from([0, 0, 0, 0, 0, 0]), headers: [] }] }));
      offset += 1;
      continue;
    }
    const n = 1 + rnd(40);
    const records: SrcRecord[] = [];
    let delta = 0;
    const baseTs = 1_700_000_000_000 + rnd(100000);
    let maxTs = baseTs;
    for (let i = 0; i < n; i++) {
      const tsDelta = rnd(3) === 0 ? -rnd(5000) : rnd(5000);
      maxTs = Math.max(maxTs, baseTs + tsDelta);
      const r = fuzzRecord(delta, tsDelta);
      if (friendly) r.headers = r.headers.filter(([k, v]) => k !== PROVENANCE_HEADER || !chainIncludes(v, 'tgt'));
      records.push(r);
      delta += !friendly && rnd(4) === 0 ? 1 + rnd(3) : 1; // compacted gaps
    }
    const transactional = kind === 1;
    if (transactional && rnd(2) === 0) aborted.push({ producerId, firstOffset: offset });
    const logAppendTime = !friendly && rnd(5) === 0;
    parts.push(encodeSrcBatch({ baseOffset: offset, baseTs, maxTs: logAppendTime ? baseTs + 99_999 : maxTs, codec, logAppendTime, transactional, producerId, lastOffsetDelta: delta - 1 + (friendly ? 0 : rnd(2)), records }));
    offset += delta + 1;
  }
  let set = Buffer.concat(parts);
  if (rnd(4) === 0 && parts.length > 1) set = set.subarray(0, set.length - 1 - rnd(parts[parts.length - 1]!.length - 1)); // partial trailing batch
  return { set, aborted, firstOffset };
}

test('fuzzed record sets: the rewriter writes what the generic path writes', () => {
  let total = 0;
  for (let iter = 0; iter < 400; iter++) {
    const target = CODECS[iter % CODECS.length]!;
    const { set, aborted, firstOffset } = fuzzSet(iter % 3 === 0 ? target : undefined);
    const opts: RewriteOptions = {
      fetchOffset: firstOffset + (rnd(3) === 0 ? rnd(10) : 0),
      abortedTransactions: rnd(2) === 0 ? aborted : null,
      checkCrc: true,
      provenanceHeader: PROVENANCE_HEADER,
      sourceAlias: 'src', targetAlias: 'tgt',
      // ferry.provenance.header resolving to no hop (never, or auto with prefixing names) in a third of the sets.
      addHop: iter % 3 !== 0,
      compression: target === 'none' ? undefined : { id: CODEC_IDS[target], compress: (b) => compress(target, b) },
      maxBatchBytes: rnd(3) === 0 ? 200 + rnd(3000) : 1_000_000,
    };
    total += check(set, opts, `iteration ${iter} (target ${target})`).count;
  }
  assert.ok(total > 1000, `only ${total} records checked`);
  assert.ok(seen.loopPrevented > 100 && seen.abortedDropped > 10 && seen.splits > 10 && seen.noHop > 100 && seen.forwarded > 10, JSON.stringify(seen));
});

test('batches written by Kafka\'s Java producer (every codec): the rewriter writes what the generic path writes, into every codec', () => {
  const base: RewriteOptions = { fetchOffset: 0, abortedTransactions: null, checkCrc: true, provenanceHeader: PROVENANCE_HEADER, sourceAlias: 'src', targetAlias: 'tgt', maxBatchBytes: 1 << 20 };
  const set = Buffer.concat(Object.values(JAVA_BATCHES).map((hex, i) => {
    const b = Buffer.from(hex, 'hex');
    b.writeBigInt64BE(BigInt(3 * i), 0); // one after another, as in a partition (the CRC does not cover the base offset)
    return b;
  }));
  for (const to of CODECS) {
    for (const addHop of [true, false]) {
      const compression = to === 'none' ? undefined : { id: CODEC_IDS[to], compress: (b: Buffer) => compress(to, b) };
      assert.equal(check(set, { ...base, addHop, compression }, `Java batches → ${to}`).count, 12);
      assert.equal(check(set, { ...base, addHop, compression, fetchOffset: 4 }, `Java batches from offset 4 → ${to}`).count, 8);
    }
  }
});

test('more than 120k tiny records in one source batch (tombstones), every codec', () => {
  const n = 130_000;
  const records: SrcRecord[] = [];
  for (let i = 0; i < n; i++) records.push({ offsetDelta: i, tsDelta: i % 7, key: i % 2 ? Buffer.from([i & 0xff]) : null, value: null, headers: [] });
  for (const codec of ['none', 'lz4'] as const) {
    const set = encodeSrcBatch({ baseOffset: 5, baseTs: 1_700_000_000_000, maxTs: 1_700_000_000_006, codec, records });
    const r = check(set, { fetchOffset: 5, abortedTransactions: null, checkCrc: true, provenanceHeader: PROVENANCE_HEADER, sourceAlias: 'src', targetAlias: 'tgt', maxBatchBytes: 943_718 }, `130k ${codec}`);
    assert.equal(r.count, n);
    assert.ok(r.batches >= 2, 'split under maxBatchBytes');
  }
});

test('a corrupt batch: the batches before it are returned, the position stops at it', () => {
  const a = encodeSrcBatch({ baseOffset: 0, baseTs: 1, maxTs: 1, codec: 'none', records: [fuzzRecord(0, 0), fuzzRecord(1, 0)] });
  const b = encodeSrcBatch({ baseOffset: 2, baseTs: 1, maxTs: 1, codec: 'lz4', records: [fuzzRecord(0, 0)] });
  const bad = Buffer.from(b);
  bad[bad.length - 2] = bad[bad.length - 2]! ^ 0xff;
  const r = rewriteRecordSet(Buffer.concat([a, bad]), { fetchOffset: 0, abortedTransactions: null, checkCrc: true, provenanceHeader: PROVENANCE_HEADER, sourceAlias: 's', targetAlias: 't', maxBatchBytes: 1 << 20 });
  assert.ok(r.error);
  assert.equal(r.error.offset, 2);
  assert.match(r.error.message, /CRC32C/);
  assert.equal(r.nextOffset, 2);
  assert.equal(r.batches.length, 1);
  assert.equal(r.batches[0]!.count, 2);
  // Without the CRC check the lz4 frame fails to decompress: the codec is named.
  const r2 = rewriteRecordSet(Buffer.concat([a, bad]), { fetchOffset: 0, abortedTransactions: null, checkCrc: false, provenanceHeader: PROVENANCE_HEADER, sourceAlias: 's', targetAlias: 't', maxBatchBytes: 1 << 20 });
  assert.equal(r2.batches[0]?.count, 2);
  assert.ok(r2.error, 'the damaged lz4 frame is reported');
  assert.equal(r2.error.codec, 'lz4');
  assert.match(r2.error.message, /offset 2 \(compression codec lz4\): lz4 decompression failed/);
  assert.equal(r2.nextOffset, 2);
});

// ---- forwarding a batch whole (no hop added) ---------------------------------------------------------------

function plainRecords(n: number, provenance?: string): SrcRecord[] {
  const out: SrcRecord[] = [];
  for (let i = 0; i < n; i++) {
    const headers: Array<[string, Buffer | null]> = [['a', Buffer.from(`v${i}`)], ['b', null]];
    if (provenance !== undefined) headers.splice(1, 0, [PROVENANCE_HEADER, Buffer.from(provenance)]);
    out.push({ offsetDelta: i, tsDelta: i * 3 - 2, key: i % 3 ? Buffer.from(`k${i}`) : null, value: Buffer.alloc(50 + i, i), headers });
  }
  return out;
}

const lz4 = { id: CODEC_IDS.lz4, compress: (b: Buffer) => compress('lz4', b) };
const noHop = (o: Partial<RewriteOptions> = {}): RewriteOptions => ({
  fetchOffset: 100, abortedTransactions: null, checkCrc: true, provenanceHeader: PROVENANCE_HEADER, sourceAlias: 'src', targetAlias: 'tgt',
  addHop: false, compression: lz4, maxBatchBytes: 1 << 20, ...o,
});
const srcBatch = (o: Partial<SrcBatch> = {}): SrcBatch => ({ baseOffset: 100, baseTs: 1_700_000_000_000, maxTs: 1_700_000_000_012, codec: 'lz4', records: plainRecords(5), ...o });

/** Rewrites `set`, checks it against the generic path and returns which output batches were forwarded. */
function forwardedFlags(set: Buffer, opts: RewriteOptions, label: string): boolean[] {
  check(set, opts, label);
  return rewriteRecordSet(set, opts).batches.map((b) => b.forwarded === true);
}

test('no hop: a batch that needs no change is forwarded as its bytes, only the header patched', () => {
  for (const [codec, compression] of [['lz4', lz4], ['none', undefined]] as const) {
    const src = encodeSrcBatch(srcBatch({ codec, producerId: 4242, records: plainRecords(5, 'x,y') }));
    const r = rewriteRecordSet(src, noHop({ compression }));
    assert.equal(r.batches.length, 1);
    const b = r.batches[0]!;
    assert.equal(b.forwarded, true, codec);
    assert.deepEqual(b.runs, [100, 0, 5]);
    assert.equal(b.count, 5);
    assert.equal(r.nextOffset, 105);
    assert.equal(b.maxTimestamp, 1_700_000_000_000 + 4 * 3 - 2);
    // Records, compressed bytes, timestamps and attributes as they were; base offset, leader epoch, producer fields, CRC reset.
    assert.equal(b.batch.length, src.length);
    assert.ok(b.batch.subarray(61).equals(src.subarray(61)), 'records section copied');
    assert.ok(b.batch.subarray(21, 43).equals(src.subarray(21, 43)), 'attributes, last offset delta, timestamps kept');
    assert.equal(b.batch.readBigInt64BE(0), 0n);
    assert.equal(b.batch.readInt32BE(12), -1);
    assert.equal(b.batch.readBigInt64BE(43), -1n);
    assert.equal(b.batch.readInt16BE(51), -1);
    assert.equal(b.batch.readInt32BE(53), -1);
    sealRecordBatch(b.batch, 77, 1, 5);
    assert.equal(b.batch.readUInt32BE(17), crc32c(b.batch.subarray(21)), 'sealed CRC');
    const { batches, error } = decodeRecordSet(b.batch, { checkCrc: true });
    assert.equal(error, undefined);
    assert.equal(batches[0]!.records.length, 5);
    // The record keeps its provenance header where it was, unchanged.
    assert.deepEqual(batches[0]!.records[1]!.headers.map(([k, v]) => [k, v?.toString() ?? null]), [['a', 'v1'], [PROVENANCE_HEADER, 'x,y'], ['b', null]]);
    check(src, noHop({ compression }), `forwarded ${codec}`);
  }
});

test('no hop, forwardInPlace: the forwarded batch is the fetched bytes themselves, patched as the copy would be', () => {
  // The first batch is not in the target's codec (rebuilt), the second is (forwarded).
  const plain = encodeSrcBatch(srcBatch({ codec: 'none', records: plainRecords(3, 'x') }));
  const fwd = encodeSrcBatch(srcBatch({ baseOffset: 103, producerId: 4242, transactional: true, records: plainRecords(5, 'x,y') }));
  const set = Buffer.concat([plain, fwd]);
  const copied = rewriteRecordSet(Buffer.from(set), noHop({ abortedTransactions: [] }));
  const inPlace = rewriteRecordSet(set, noHop({ abortedTransactions: [], forwardInPlace: true }));
  assert.deepEqual(inPlace.batches.map((b) => b.forwarded === true), [false, true]);
  const b = inPlace.batches[1]!;
  assert.ok(b.batch.buffer === set.buffer && b.batch.byteOffset === set.byteOffset + plain.length, 'a view into the record set, no copy');
  assert.ok(b.batch.equals(copied.batches[1]!.batch), 'same bytes as the copy');
  assert.equal(set.readBigInt64BE(plain.length), 0n, 'the set itself was patched');
  assert.ok(inPlace.batches[0]!.batch.equals(copied.batches[0]!.batch), 'rebuilt batches unchanged');
});

test('no hop: each condition that blocks forwarding falls back to the rewrite (same records)', () => {
  const loopRecords = plainRecords(5);
  loopRecords[2]!.headers.push([PROVENANCE_HEADER, Buffer.from('x,tgt')]);
  const gapRecords = plainRecords(5).map((r, i) => ({ ...r, offsetDelta: i < 3 ? i : i + 1 }));
  const attrRecords = plainRecords(5);
  const cases: Array<[string, Buffer, RewriteOptions, boolean[]]> = [
    ['forwardable (control case)', encodeSrcBatch(srcBatch()), noHop(), [true]],
    ['the hop is added', encodeSrcBatch(srcBatch()), noHop({ addHop: true }), [false]],
    ['addHop left out (default: added)', encodeSrcBatch(srcBatch()), { ...noHop(), addHop: undefined }, [false]],
    ['another codec wanted', encodeSrcBatch(srcBatch()), noHop({ compression: { id: CODEC_IDS.zstd, compress: (b) => compress('zstd', b) } }), [false]],
    ['uncompressed wanted', encodeSrcBatch(srcBatch()), noHop({ compression: undefined }), [false]],
    ['a record is loop-prevented', encodeSrcBatch(srcBatch({ records: loopRecords })), noHop(), [false]],
    ['an offset gap (compacted)', encodeSrcBatch(srcBatch({ records: gapRecords })), noHop(), [false]],
    ['last offset delta beyond the records (compacted tail)', encodeSrcBatch(srcBatch({ lastOffsetDelta: 5 })), noHop(), [false]],
    ['the batch starts before the fetch offset', encodeSrcBatch(srcBatch()), noHop({ fetchOffset: 102 }), [false]],
    ['LogAppendTime', encodeSrcBatch(srcBatch({ logAppendTime: true, maxTs: 1_700_000_009_999 })), noHop(), [false]],
    ['larger than maxBatchBytes', encodeSrcBatch(srcBatch({ records: plainRecords(4) })), noHop({ maxBatchBytes: 250 }), [false, false]],
    ['a committed transaction (forwarded, bit cleared)', encodeSrcBatch(srcBatch({ transactional: true, producerId: 9 })), noHop({ abortedTransactions: [] }), [true]],
    ['an aborted transaction (dropped)', encodeSrcBatch(srcBatch({ transactional: true, producerId: 9 })), noHop({ abortedTransactions: [{ producerId: 9, firstOffset: 100 }] }), []],
  ];
  for (const [label, set, opts, want] of cases) assert.deepEqual(forwardedFlags(set, opts, label), want, label);
  // Record attributes other than 0 (never written by Java's producer): rewritten, as the rewrite writes 0.
  const attr = encodeSrcBatch(srcBatch({ codec: 'none', records: attrRecords }));
  const first = 61 + (attr[61]! & 0x80 ? 2 : 1); // the first record's attributes, after its length varint
  attr[first] = 1;
  attr.writeUInt32BE(crc32c(attr.subarray(21)), 17);
  assert.deepEqual(rewriteRecordSet(attr, noHop({ compression: undefined })).batches.map((b) => b.forwarded === true), [false], 'record attributes');
  // A committed transactional batch loses its transactional bit (written as a plain idempotent batch).
  const tx = rewriteRecordSet(encodeSrcBatch(srcBatch({ transactional: true, producerId: 9 })), noHop({ abortedTransactions: [] }));
  assert.equal(tx.batches[0]!.batch.readInt16BE(21) & 0x10, 0);
  assert.equal(tx.batches[0]!.batch.readInt16BE(21) & 0x07, CODEC_IDS.lz4);
});

test('no hop: forwarded and rewritten batches mix in order; runs map every record to its upstream offset', () => {
  const loopRecords = plainRecords(3);
  loopRecords[0]!.headers.push([PROVENANCE_HEADER, Buffer.from('tgt')]);
  const set = Buffer.concat([
    encodeSrcBatch(srcBatch({ baseOffset: 100, records: plainRecords(4) })), // forwarded
    encodeSrcBatch(srcBatch({ baseOffset: 104, records: loopRecords })), // rewritten: one record dropped
    encodeSrcBatch(srcBatch({ baseOffset: 107, codec: 'none', records: plainRecords(2) })), // rewritten: codec
    encodeSrcBatch(srcBatch({ baseOffset: 109, records: plainRecords(6) })), // forwarded
  ]);
  const r = rewriteRecordSet(set, noHop());
  assert.deepEqual(r.batches.map((b) => b.forwarded === true), [true, false, true]);
  assert.deepEqual(r.batches.map((b) => b.runs), [[100, 0, 4], [105, 0, 4], [109, 0, 6]]);
  assert.equal(r.loopPrevented, 1);
  assert.equal(r.nextOffset, 115);
  check(set, noHop(), 'mixed');
  // A damaged batch after a forwarded one: the forwarded one is handed over, the position stops at the damage.
  const bad = encodeSrcBatch(srcBatch({ baseOffset: 105 }));
  bad[bad.length - 2] = bad[bad.length - 2]! ^ 0xff;
  const r2 = rewriteRecordSet(Buffer.concat([encodeSrcBatch(srcBatch()), bad]), noHop());
  assert.equal(r2.error?.offset, 105);
  assert.deepEqual(r2.batches.map((b) => [b.forwarded, b.count]), [[true, 5]]);
  assert.equal(r2.nextOffset, 105);
});

test('codec work off the main thread: rewriteRecordSetAsync returns what rewriteRecordSet does, byte for byte', async () => {
  const big = (n: number): SrcRecord[] => Array.from({ length: n }, (_, i) => ({
    offsetDelta: i, tsDelta: i, key: Buffer.from(`k${i}`), value: Buffer.from(Array.from({ length: 2000 + rnd(500) }, () => rnd(256))), headers: [['h', Buffer.from(`${i}`)] as [string, Buffer]],
  }));
  let handedOff = 0;
  for (const from of CODECS) {
    for (const to of CODECS) {
      // Two large batches (about 90 KiB of incompressible records each), a small one between, and a corrupt
      // trailing batch.
      const a = encodeSrcBatch({ baseOffset: 0, baseTs: 1_700_000_000_000, maxTs: 1_700_000_000_040, codec: from, records: big(40) });
      const small = encodeSrcBatch({ baseOffset: 40, baseTs: 1_700_000_000_000, maxTs: 1_700_000_000_002, codec: from, records: plainRecords(3) });
      const b = encodeSrcBatch({ baseOffset: 43, baseTs: 1_700_000_000_000, maxTs: 1_700_000_000_040, codec: from, records: big(40) });
      const bad = Buffer.from(b);
      bad[bad.length - 10]! ^= 0xff;
      bad.writeBigInt64BE(83n, 0);
      for (const addHop of [true, false]) {
        const opts: RewriteOptions = {
          fetchOffset: 1, abortedTransactions: null, checkCrc: true, provenanceHeader: PROVENANCE_HEADER, sourceAlias: 'src', targetAlias: 'tgt', addHop,
          compression: to === 'none' ? undefined : { id: CODEC_IDS[to], compress: (x) => compress(to, x), compressAsync: (x) => compressAsync(to, x) },
          maxBatchBytes: 1_000_000,
        };
        const set = Buffer.concat([a, small, b, bad]);
        const want = rewriteRecordSet(set, opts);
        const pending = rewriteRecordSetAsync(set, opts);
        if (pending instanceof Promise) handedOff++;
        const got = await pending;
        const label = `${from} → ${to}, addHop ${addHop}`;
        assert.equal(got.nextOffset, want.nextOffset, label);
        assert.equal(got.error?.message, want.error?.message, `${label}: the corrupt batch is reported the same way`);
        assert.ok(want.error, `${label}: the corrupt batch is found`);
        assert.equal(got.batches.length, want.batches.length, label);
        for (let i = 0; i < got.batches.length; i++) {
          const g = got.batches[i]!, w = want.batches[i]!;
          assert.ok(g.batch.equals(w.batch), `${label}: batch ${i} bytes`);
          assert.deepEqual({ ...g, batch: null }, { ...w, batch: null }, `${label}: batch ${i} fields`);
        }
      }
    }
  }
  // Every pair with a codec on either side hands off; none → none stays synchronous.
  assert.equal(handedOff, 2 * (CODECS.length * CODECS.length - 1));
});

test('slabs: a rebuilt batch large enough is framed into a pooled slab, byte for byte what a fresh buffer holds', () => {
  const big = Array.from({ length: 60 }, (_, i) => ({ offsetDelta: i, tsDelta: i, key: null, value: Buffer.alloc(1500, i), headers: [] as Array<[string, Buffer | null]> }));
  const set = Buffer.concat([
    encodeSrcBatch({ baseOffset: 0, baseTs: 1_700_000_000_000, maxTs: 1_700_000_000_060, codec: 'none', records: big }),
    encodeSrcBatch({ baseOffset: 60, baseTs: 1_700_000_000_000, maxTs: 1_700_000_000_002, codec: 'none', records: plainRecords(3) }),
  ]);
  const base: RewriteOptions = { fetchOffset: 0, abortedTransactions: null, checkCrc: true, provenanceHeader: PROVENANCE_HEADER, sourceAlias: 'src', targetAlias: 'tgt', maxBatchBytes: 1 << 20 };
  const pool = new SlabPool(1 << 20, 4 << 20);
  const plain = rewriteRecordSet(set, base);
  const pooled = rewriteRecordSet(set, { ...base, slabs: pool });
  assert.equal(pooled.batches.length, 1);
  const b = pooled.batches[0]!;
  assert.ok(b.slab && b.batch.buffer === b.slab.buffer && b.slab.length === 128 * 1024, 'written into a 128 KiB slab');
  assert.ok(b.batch.equals(plain.batches[0]!.batch));
  pool.give(b.slab);
  const small = rewriteRecordSet(encodeSrcBatch(srcBatch({ codec: 'none' })), { ...base, fetchOffset: 100, slabs: pool });
  assert.equal(small.batches[0]!.slab, undefined, 'a small batch takes no slab');
});
