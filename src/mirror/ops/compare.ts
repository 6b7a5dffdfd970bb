// Record-by-record comparison of one source partition with its mirror, aligned through the exact offset map.
//
// The map says which upstream offsets were mirrored and where each landed: runs (u, d, n) with upstream
// [u, u+n) copied to downstream [d, d+n). Both partitions are streamed once, in lockstep, with one fetch
// buffered per side (bounded memory), and every record is classified:
//   matched         the target record at d equals the source record at u (key, value, headers without the
//                   provenance header, timestamp);
//   altered         a record is at d but differs (the differing fields are named);
//   missing         no record at d on the target (below its log start, or a hole);
//   extra           a target record no mirrored source record maps to (produced directly to the target,
//                   or an earlier copy re-sent after a crash: those are reported as duplicates when the same
//                   record follows);
//   notMirrored     a source record in a gap of the map (filtered, or skipped by the mirror) — except records
//                   loop prevention rightly skipped (they came from the target), counted as loopPrevented;
//   compacted       on compacted topics, records that compaction removed on one side only (not a difference).
// Alongside, each side gets an order-sensitive sha256 over what it holds in the compared range.
import { createHash, type Hash } from 'node:crypto';
import type { ClientProps } from '../../kafka/client.js';
import type { InRecord } from '../../kafka/consumer.js';
import { PartitionReader } from '../../kafka/partition-reader.js';
import { chainIncludes } from '../../connectors/mirror/provenance.js';
import type { OffsetSegment } from '../../connectors/mirror/offset-map.js';
import { hashRecord, recordFingerprint, PROVENANCE_HEADER_NAME } from './partition-digest.js';

const IGNORE = new Set([PROVENANCE_HEADER_NAME]);
const DETAIL_LIMIT = 20;
const PENDING_EXTRA_LIMIT = 10_000;

/** What the comparison reads from: records in offset order, one buffered batch at a time. */
export interface RecordStream {
  /** The current record, or undefined when the buffer needs a fill() (or the stream is done). */
  readonly cur: InRecord | undefined;
  advance(): void;
  /** Buffers the next records; returns the current one, or undefined at the end. */
  fill(): Promise<InRecord | undefined>;
  readonly bytes: number;
}

/** Streams [from, to) of one partition, one fetch at a time. */
export class RecordCursor implements RecordStream {
  private readonly reader: PartitionReader;
  private buf: InRecord[] = [];
  private i = 0;
  private finished = false;
  private empties = 0;
  records = 0;
  bytes = 0;

  constructor(props: ClientProps, readonly topic: string, readonly partition: number, private readonly from: number, private readonly to: number, opts: { readCommitted?: boolean; clientId?: string } = {}) {
    this.reader = new PartitionReader(props, opts.clientId ?? 'ferry-verify', { maxWaitMs: 100, maxBytesPerPartition: 1_048_576, readCommitted: opts.readCommitted ?? false });
    if (from >= to) this.finished = true;
    else this.reader.seek({ topic, partition }, from);
  }

  /** The current record, or undefined when the buffer needs a fill() (or the range is done). */
  get cur(): InRecord | undefined {
    return this.buf[this.i];
  }

  advance(): void {
    this.i++;
  }

  /** Fetches until a record in range is buffered; returns it, or undefined at the end of the range. */
  async fill(): Promise<InRecord | undefined> {
    while (this.i >= this.buf.length) {
      if (this.finished && !this.next) return undefined;
      const batch = await (this.next ?? this.fetch());
      this.next = null;
      this.buf = batch;
      this.i = 0;
      // Read ahead: the next fetch is in flight while this batch is compared (two batches per side at most).
      if (!this.finished) this.next = this.fetch();
    }
    return this.buf[this.i];
  }

  private next: Promise<InRecord[]> | null = null;

  private async fetch(): Promise<InRecord[]> {
    const tp = { topic: this.topic, partition: this.partition };
    for (;;) {
      if (this.finished) return [];
      const res = await this.reader.poll();
      const batch: InRecord[] = [];
      for (const f of res) {
        for (const r of f.records) {
          if (r.offset < this.from) continue;
          if (r.offset >= this.to) { this.finished = true; break; }
          batch.push(r);
          this.bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
        }
      }
      this.records += batch.length;
      if ((this.reader.position(tp) ?? this.to) >= this.to) this.finished = true;
      if (batch.length > 0) { this.empties = 0; return batch; }
      if (++this.empties % 20 === 0) {
        // The range may extend past what exists (a partition truncated under us): stop at its end.
        const end = (await this.reader.listOffsets([tp], 'latest')).get(`${this.topic}\u0000${this.partition}`) ?? 0;
        if ((this.reader.position(tp) ?? 0) >= end) this.finished = true;
      }
    }
  }

  async close(): Promise<void> {
    this.finished = true;
    await this.next?.catch(() => undefined);
    await this.reader.disconnect();
  }
}

export interface RecordRef {
  sourceOffset?: number;
  targetOffset?: number;
  key?: string;
  timestamp?: number;
  fields?: string[];
  reason?: string;
}

export interface CompareCounts {
  /** Source records expected on the target (in the map's runs). */
  sourceRecords: number;
  /** Target records in the compared range. */
  targetRecords: number;
  matched: number;
  altered: number;
  missing: number;
  extra: number;
  duplicates: number;
  notMirrored: number;
  loopPrevented: number;
  compactedOnSource: number;
  compactedOnTarget: number;
}

export interface CompareResult extends CompareCounts {
  sourceSha256: string;
  targetSha256: string;
  details: { altered: RecordRef[]; missing: RecordRef[]; extra: RecordRef[]; duplicates: RecordRef[]; notMirrored: RecordRef[] };
  bytes: number;
}

export interface CompareInput {
  sourceProps: ClientProps;
  targetProps: ClientProps;
  sourceTopic: string;
  targetTopic: string;
  partition: number;
  /** Source range [from, to) and target range [targetFrom, targetTo). */
  from: number;
  to: number;
  targetFrom: number;
  targetTo: number;
  /** The target's log start: a missing record below it was deleted on the target. */
  targetLow: number;
  /** Map runs (any order-preserving list; clipped here). Null: no map — records are paired in order. */
  runs: readonly OffsetSegment[] | null;
  /** The flow's target alias: source records whose provenance lists it are skipped by loop prevention. */
  targetAlias: string;
  compacted: boolean;
  readCommitted?: boolean;
  onRecords?: (n: number) => void;
}

/** A key for a report line: its text (first 64 characters), or hex when it is binary. */
function printable(b: Buffer | null): string | undefined {
  if (b === null) return undefined;
  const s = b.subarray(0, 64).toString('utf8');
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000e-\u001f\ufffd]/.test(s) ? `0x${b.subarray(0, 24).toString('hex')}${b.length > 24 ? '…' : ''}` : s + (b.length > 64 ? '…' : '');
}

/** Whether two nullable buffers hold the same bytes. */
function sameBuf(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}

/** Names of the fields that differ ([] when equal), the provenance header ignored. */
export function differingFields(a: InRecord, b: InRecord): string[] {
  const out: string[] = [];
  if (!sameBuf(a.key, b.key)) out.push('key');
  if (!sameBuf(a.value, b.value)) out.push('value');
  const ha = a.headers.filter(([k]) => !IGNORE.has(k));
  const hb = b.headers.filter(([k]) => !IGNORE.has(k));
  if (ha.length !== hb.length || ha.some(([k, v], i) => k !== hb[i]![0] || !sameBuf(v, hb[i]![1]))) out.push('headers');
  if (a.timestamp !== b.timestamp) out.push('timestamp');
  return out;
}

/** Whether the record's provenance header lists the alias (it came from that cluster). */
function provenanceIncludes(r: InRecord, alias: string): boolean {
  for (const [k, v] of r.headers) if (k === PROVENANCE_HEADER_NAME && chainIncludes(v, alias)) return true;
  return false;
}

/** The first DETAIL_LIMIT records of each kind of difference. */
class Details {
  readonly altered: RecordRef[] = [];
  readonly missing: RecordRef[] = [];
  readonly extra: RecordRef[] = [];
  readonly duplicates: RecordRef[] = [];
  readonly notMirrored: RecordRef[] = [];
  add(list: RecordRef[], ref: RecordRef): void {
    if (list.length < DETAIL_LIMIT) list.push(ref);
  }
}

export async function comparePartition(input: CompareInput): Promise<CompareResult> {
  const S = new RecordCursor(input.sourceProps, input.sourceTopic, input.partition, input.from, input.to, { readCommitted: input.readCommitted ?? false, clientId: 'ferry-verify-source' });
  const T = new RecordCursor(input.targetProps, input.targetTopic, input.partition, input.targetFrom, input.targetTo, { clientId: 'ferry-verify-target' });
  try {
    return await compareStreams(S, T, input);
  } finally {
    await Promise.all([S.close(), T.close()]);
  }
}

/** The comparison over any two record streams (the source range and the target range). */
export function compareStreams(S: RecordStream, T: RecordStream, input: Pick<CompareInput, 'from' | 'to' | 'targetLow' | 'runs' | 'targetAlias' | 'compacted' | 'onRecords'>): Promise<CompareResult> {
  return input.runs === null ? zipCompare(S, T, input) : mergeCompare(S, T, input, input.runs);
}

/** An in-memory stream (tests). */
export class ArrayStream implements RecordStream {
  private i = 0;
  bytes = 0;
  constructor(private readonly records: readonly InRecord[]) {}
  get cur(): InRecord | undefined { return this.records[this.i]; }
  advance(): void { this.i++; }
  fill(): Promise<InRecord | undefined> { return Promise.resolve(this.records[this.i]); }
}

/** All counts zero. */
export function emptyCounts(): CompareCounts {
  return { sourceRecords: 0, targetRecords: 0, matched: 0, altered: 0, missing: 0, extra: 0, duplicates: 0, notMirrored: 0, loopPrevented: 0, compactedOnSource: 0, compactedOnTarget: 0 };
}

/** The result: counts, both digests, the details and the bytes read. */
function finish(c: CompareCounts, sh: Hash, th: Hash, d: Details, S: RecordStream, T: RecordStream): CompareResult {
  return {
    ...c, sourceSha256: sh.digest('hex'), targetSha256: th.digest('hex'),
    details: { altered: d.altered, missing: d.missing, extra: d.extra, duplicates: d.duplicates, notMirrored: d.notMirrored },
    bytes: S.bytes + T.bytes,
  };
}

type CompareParams = Pick<CompareInput, 'from' | 'to' | 'targetLow' | 'runs' | 'targetAlias' | 'compacted' | 'onRecords'>;

/** The map's runs as parallel arrays: upstream [us[i], us[i]+ns[i]) was copied to downstream [ds[i], ds[i]+ns[i]). */
interface ClippedRuns { us: number[]; ds: number[]; ns: number[] }

/** The runs intersecting the source range [from, to), clipped to it. */
function clipRuns(allRuns: readonly OffsetSegment[], from: number, to: number): ClippedRuns {
  const out: ClippedRuns = { us: [], ds: [], ns: [] };
  for (const r of allRuns) {
    const lo = Math.max(r.upstream, from);
    const hi = Math.min(r.upstream + r.length, to);
    if (hi <= lo) continue;
    out.us.push(lo);
    out.ds.push(r.downstream + (lo - r.upstream));
    out.ns.push(hi - lo);
  }
  return out;
}

/** Where one map-aligned comparison stands: counts, details, digests, run pointers, extras awaiting a later copy. */
class MergeState {
  readonly c = emptyCounts();
  readonly d = new Details();
  readonly sh = createHash('sha256');
  readonly th = createHash('sha256');
  /** Extras by fingerprint, to recognise them as duplicates when the same record is matched later. */
  readonly pending = new Map<string, RecordRef[]>();
  pendingCount = 0;
  /** Run pointer for source offsets. */
  ri = 0;
  /** Run pointer for target offsets. */
  rj = 0;
  constructor(readonly runs: ClippedRuns, readonly input: CompareParams) {}
}

/** The target offset the map sends source record s to, or null when s lies in a gap of the map. */
function expectedTargetOffset(m: MergeState, s: InRecord): number | null {
  const { us, ds, ns } = m.runs;
  while (m.ri < us.length && us[m.ri]! + ns[m.ri]! <= s.offset) m.ri++;
  if (!(m.ri < us.length && us[m.ri]! <= s.offset)) return null;
  return ds[m.ri]! + (s.offset - us[m.ri]!);
}

/** Counts a source record in a gap of the map: skipped by loop prevention, or not mirrored. */
function classifyUnmapped(m: MergeState, s: InRecord): void {
  if (provenanceIncludes(s, m.input.targetAlias)) {
    m.c.loopPrevented++;
    return;
  }
  m.c.notMirrored++;
  m.d.add(m.d.notMirrored, { sourceOffset: s.offset, key: printable(s.key), timestamp: s.timestamp, reason: 'in a gap of the offset map: the mirror skipped it (transform filter, or a restart past it)' });
}

/** Counts a target record no source record in range pairs with: compacted on the source, or extra. */
function classifyTargetOnly(m: MergeState, t: InRecord): void {
  const { us, ds, ns } = m.runs;
  while (m.rj < ds.length && ds[m.rj]! + ns[m.rj]! <= t.offset) m.rj++;
  const mapped = m.rj < ds.length && ds[m.rj]! <= t.offset;
  m.c.targetRecords++;
  hashRecord(m.th, t, IGNORE);
  if (mapped && m.input.compacted) m.c.compactedOnSource++;
  else if (mapped) {
    // The map says this target record is the copy of a source record the source no longer has.
    m.c.extra++;
    m.d.add(m.d.extra, { targetOffset: t.offset, sourceOffset: us[m.rj]! + (t.offset - ds[m.rj]!), key: printable(t.key), timestamp: t.timestamp, reason: 'its source record no longer exists' });
  } else {
    m.c.extra++;
    const ref: RecordRef = { targetOffset: t.offset, key: printable(t.key), timestamp: t.timestamp, reason: 'no source record maps to it (produced directly to the target?)' };
    m.d.add(m.d.extra, ref);
    rememberExtra(m, t, ref);
  }
}

/** Keeps an unexplained extra by fingerprint (bounded), so an identical source record later makes it a duplicate. */
function rememberExtra(m: MergeState, t: InRecord, ref: RecordRef): void {
  if (m.pendingCount >= PENDING_EXTRA_LIMIT) return;
  const fp = recordFingerprint(t);
  const list = m.pending.get(fp);
  if (list) list.push(ref); else m.pending.set(fp, [ref]);
  m.pendingCount++;
}

/** Turns the oldest pending extra with the content of source record s into a duplicate of it (a re-sent copy). */
function matchPending(m: MergeState, s: InRecord): void {
  if (m.pendingCount === 0) return;
  const fp = recordFingerprint(s);
  const list = m.pending.get(fp);
  const ref = list?.shift();
  if (!ref) return;
  if (list!.length === 0) m.pending.delete(fp);
  m.pendingCount--;
  m.c.extra--;
  m.c.duplicates++;
  const idx = m.d.extra.indexOf(ref);
  if (idx >= 0) m.d.extra.splice(idx, 1);
  m.d.add(m.d.duplicates, { ...ref, sourceOffset: s.offset, reason: `copy of source offset ${s.offset} (re-sent after a mirror restart)` });
}

/** Classifies mapped source record s against target record t; returns whether t was its copy (and is consumed). */
function classifyMapped(m: MergeState, s: InRecord, t: InRecord | undefined, expected: number): boolean {
  m.c.sourceRecords++;
  hashRecord(m.sh, s, IGNORE);
  const paired = t !== undefined && t.offset === expected;
  if (paired) compareCopy(m, s, t);
  else classifyMissing(m, s, expected);
  matchPending(m, s);
  return paired;
}

/** Compares source record s with its copy t: matched, or altered (naming the differing fields). */
function compareCopy(m: MergeState, s: InRecord, t: InRecord): void {
  m.c.targetRecords++;
  hashRecord(m.th, t, IGNORE);
  const fields = differingFields(s, t);
  if (fields.length === 0) m.c.matched++;
  else {
    m.c.altered++;
    m.d.add(m.d.altered, { sourceOffset: s.offset, targetOffset: t.offset, key: printable(s.key), timestamp: s.timestamp, fields });
  }
}

/** No record at the expected target offset: removed by compaction on the target, or missing. */
function classifyMissing(m: MergeState, s: InRecord, expected: number): void {
  const { compacted, targetLow } = m.input;
  if (compacted && expected >= targetLow) {
    m.c.compactedOnTarget++;
    return;
  }
  m.c.missing++;
  m.d.add(m.d.missing, {
    sourceOffset: s.offset, targetOffset: expected, key: printable(s.key), timestamp: s.timestamp,
    reason: expected < targetLow ? `deleted on the target (its log starts at ${targetLow})` : 'absent on the target',
  });
}

/** The comparison aligned through the map: walks both streams in lockstep, classifying one record per step. */
async function mergeCompare(S: RecordStream, T: RecordStream, input: CompareParams, allRuns: readonly OffsetSegment[]): Promise<CompareResult> {
  const m = new MergeState(clipRuns(allRuns, input.from, input.to), input);
  let sinceProgress = 0;
  for (;;) {
    const s = S.cur ?? await S.fill();
    const t = T.cur ?? await T.fill();
    if (!s && !t) break;
    if (++sinceProgress >= 5000) { input.onRecords?.(sinceProgress); sinceProgress = 0; }
    if (!s) { classifyTargetOnly(m, t!); T.advance(); continue; }
    const expected = expectedTargetOffset(m, s);
    if (expected === null) { classifyUnmapped(m, s); S.advance(); continue; }
    if (t && t.offset < expected) { classifyTargetOnly(m, t); T.advance(); continue; }
    if (classifyMapped(m, s, t, expected)) T.advance();
    S.advance();
  }
  if (sinceProgress > 0) input.onRecords?.(sinceProgress);
  return finish(m.c, m.sh, m.th, m.d, S, T);
}

/** No offset map: pair the i-th eligible source record with the i-th target record. */
async function zipCompare(S: RecordStream, T: RecordStream, input: CompareParams): Promise<CompareResult> {
  const c = emptyCounts();
  const d = new Details();
  const sh = createHash('sha256');
  const th = createHash('sha256');
  let sinceProgress = 0;
  for (;;) {
    let s = S.cur ?? await S.fill();
    while (s && provenanceIncludes(s, input.targetAlias)) { c.loopPrevented++; S.advance(); s = S.cur ?? await S.fill(); }
    const t = T.cur ?? await T.fill();
    if (!s && !t) break;
    if (++sinceProgress >= 5000) { input.onRecords?.(sinceProgress); sinceProgress = 0; }
    if (s && t) {
      c.sourceRecords++;
      c.targetRecords++;
      hashRecord(sh, s, IGNORE);
      hashRecord(th, t, IGNORE);
      const fields = differingFields(s, t);
      if (fields.length === 0) c.matched++;
      else {
        c.altered++;
        d.add(d.altered, { sourceOffset: s.offset, targetOffset: t.offset, key: printable(s.key), timestamp: s.timestamp, fields, reason: 'paired by position (no offset map)' });
      }
      S.advance();
      T.advance();
    } else if (s) {
      c.sourceRecords++;
      hashRecord(sh, s, IGNORE);
      c.missing++;
      d.add(d.missing, { sourceOffset: s.offset, key: printable(s.key), timestamp: s.timestamp, reason: 'the target has fewer records (no offset map)' });
      S.advance();
    } else if (t) {
      c.targetRecords++;
      hashRecord(th, t, IGNORE);
      c.extra++;
      d.add(d.extra, { targetOffset: t.offset, key: printable(t.key), timestamp: t.timestamp, reason: 'the target has more records (no offset map)' });
      T.advance();
    }
  }
  if (sinceProgress > 0) input.onRecords?.(sinceProgress);
  return finish(c, sh, th, d, S, T);
}
