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
import type { ClientProps } from '../kafka/client.js';
import type { InRecord } from '../kafka/consumer.js';
import { PartitionReader } from '../kafka/partition-reader.js';
import { chainIncludes } from '../connectors/mirror/provenance.js';
import type { OffsetSegment } from '../connectors/mirror/offset-map.js';
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

function printable(b: Buffer | null): string | undefined {
  if (b === null) return undefined;
  const s = b.subarray(0, 64).toString('utf8');
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000e-\u001f\ufffd]/.test(s) ? `0x${b.subarray(0, 24).toString('hex')}${b.length > 24 ? '…' : ''}` : s + (b.length > 64 ? '…' : '');
}

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

function provenanceIncludes(r: InRecord, alias: string): boolean {
  for (const [k, v] of r.headers) if (k === PROVENANCE_HEADER_NAME && chainIncludes(v, alias)) return true;
  return false;
}

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

function emptyCounts(): CompareCounts {
  return { sourceRecords: 0, targetRecords: 0, matched: 0, altered: 0, missing: 0, extra: 0, duplicates: 0, notMirrored: 0, loopPrevented: 0, compactedOnSource: 0, compactedOnTarget: 0 };
}

function finish(c: CompareCounts, sh: Hash, th: Hash, d: Details, S: RecordStream, T: RecordStream): CompareResult {
  return {
    ...c, sourceSha256: sh.digest('hex'), targetSha256: th.digest('hex'),
    details: { altered: d.altered, missing: d.missing, extra: d.extra, duplicates: d.duplicates, notMirrored: d.notMirrored },
    bytes: S.bytes + T.bytes,
  };
}

type CompareParams = Pick<CompareInput, 'from' | 'to' | 'targetLow' | 'runs' | 'targetAlias' | 'compacted' | 'onRecords'>;

async function mergeCompare(S: RecordStream, T: RecordStream, input: CompareParams, allRuns: readonly OffsetSegment[]): Promise<CompareResult> {
  // Runs intersecting the source range, clipped to it.
  const us: number[] = [];
  const ds: number[] = [];
  const ns: number[] = [];
  for (const r of allRuns) {
    const lo = Math.max(r.upstream, input.from);
    const hi = Math.min(r.upstream + r.length, input.to);
    if (hi <= lo) continue;
    us.push(lo);
    ds.push(r.downstream + (lo - r.upstream));
    ns.push(hi - lo);
  }
  const c = emptyCounts();
  const d = new Details();
  const sh = createHash('sha256');
  const th = createHash('sha256');
  // Extras by fingerprint, to recognise them as duplicates when the same record is matched later.
  const pending = new Map<string, RecordRef[]>();
  let pendingCount = 0;
  let ri = 0; // run pointer for source offsets
  let rj = 0; // run pointer for target offsets
  let sinceProgress = 0;

  const matchPending = (s: InRecord): void => {
    if (pendingCount === 0) return;
    const fp = recordFingerprint(s);
    const list = pending.get(fp);
    const ref = list?.shift();
    if (!ref) return;
    if (list!.length === 0) pending.delete(fp);
    pendingCount--;
    c.extra--;
    c.duplicates++;
    const idx = d.extra.indexOf(ref);
    if (idx >= 0) d.extra.splice(idx, 1);
    d.add(d.duplicates, { ...ref, sourceOffset: s.offset, reason: `copy of source offset ${s.offset} (re-sent after a mirror restart)` });
  };

  for (;;) {
    const s = S.cur ?? await S.fill();
    const t = T.cur ?? await T.fill();
    if (!s && !t) break;
    if (++sinceProgress >= 5000) { input.onRecords?.(sinceProgress); sinceProgress = 0; }
    let expected = -1;
    if (s) {
      while (ri < us.length && us[ri]! + ns[ri]! <= s.offset) ri++;
      if (!(ri < us.length && us[ri]! <= s.offset)) {
        if (provenanceIncludes(s, input.targetAlias)) c.loopPrevented++;
        else {
          c.notMirrored++;
          d.add(d.notMirrored, { sourceOffset: s.offset, key: printable(s.key), timestamp: s.timestamp, reason: 'in a gap of the offset map: the mirror skipped it (transform filter, or a restart past it)' });
        }
        S.advance();
        continue;
      }
      expected = ds[ri]! + (s.offset - us[ri]!);
    }
    if (t && (!s || t.offset < expected)) {
      while (rj < ds.length && ds[rj]! + ns[rj]! <= t.offset) rj++;
      const mapped = rj < ds.length && ds[rj]! <= t.offset;
      c.targetRecords++;
      hashRecord(th, t, IGNORE);
      if (mapped && input.compacted) c.compactedOnSource++;
      else if (mapped) {
        // The map says this target record is the copy of a source record the source no longer has.
        c.extra++;
        d.add(d.extra, { targetOffset: t.offset, sourceOffset: us[rj]! + (t.offset - ds[rj]!), key: printable(t.key), timestamp: t.timestamp, reason: 'its source record no longer exists' });
      } else {
        c.extra++;
        const ref: RecordRef = { targetOffset: t.offset, key: printable(t.key), timestamp: t.timestamp, reason: 'no source record maps to it (produced directly to the target?)' };
        d.add(d.extra, ref);
        if (pendingCount < PENDING_EXTRA_LIMIT) {
          const fp = recordFingerprint(t);
          const list = pending.get(fp);
          if (list) list.push(ref); else pending.set(fp, [ref]);
          pendingCount++;
        }
      }
      T.advance();
      continue;
    }
    // s is defined here and expected ≥ 0.
    const src = s!;
    c.sourceRecords++;
    hashRecord(sh, src, IGNORE);
    if (t && t.offset === expected) {
      c.targetRecords++;
      hashRecord(th, t, IGNORE);
      const fields = differingFields(src, t);
      if (fields.length === 0) c.matched++;
      else {
        c.altered++;
        d.add(d.altered, { sourceOffset: src.offset, targetOffset: t.offset, key: printable(src.key), timestamp: src.timestamp, fields });
      }
      matchPending(src);
      S.advance();
      T.advance();
      continue;
    }
    // No record at the expected target offset.
    if (input.compacted && expected >= input.targetLow) c.compactedOnTarget++;
    else {
      c.missing++;
      d.add(d.missing, {
        sourceOffset: src.offset, targetOffset: expected, key: printable(src.key), timestamp: src.timestamp,
        reason: expected < input.targetLow ? `deleted on the target (its log starts at ${input.targetLow})` : 'absent on the target',
      });
    }
    matchPending(src);
    S.advance();
  }
  if (sinceProgress > 0) input.onRecords?.(sinceProgress);
  return finish(c, sh, th, d, S, T);
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
