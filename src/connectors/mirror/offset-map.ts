// Exact offset translation for one source topic-partition.
//
// MODEL. The mirror copies upstream records u (in offset order) to downstream offsets d. Some upstream offsets
// are never copied: filtered by a transform or by loop prevention, removed by compaction, transaction
// markers. The map answers, for a group's committed upstream offset g (= next record to consume):
//     T(g) = the downstream offset of the first MIRRORED upstream record with offset ≥ g,
// so a consumer that starts at T(g) on the target sees exactly the mirrored records the group has not yet
// consumed — nothing skipped, nothing re-delivered.
//
// REPRESENTATION. Runs ("segments") of records that are contiguous on both sides: upstream [u, u+n) was
// mirrored to downstream [d, d+n). A new run starts at every discontinuity: the first record, an upstream gap
// (even when the downstream gap has the same size), a downstream jump, a rewind or a truncated target. Between
// runs lie gaps (upstream offsets known not to be mirrored). `position` is how far the mirror has processed the
// upstream partition (exclusive): records in [last mirrored + 1, position) are known not to be mirrored.
// Only the last run may have length 0: an anchor that remembers the last mirrored record after truncateBefore.
//
// TRANSLATION CASES (translateDetailed(g) → kind):
//   before-start  g < start (the first mirrored record, or the log start given to truncateBefore): records
//                 before it may exist downstream from an earlier incarnation or were never mirrored; answered
//                 with the first known downstream offset but marked inexact, and translate() returns undefined
//                 (MM2 likewise refuses, -1).
//   exact         g inside a run: d + (g - u).
//   gap           g in a known gap: the first downstream offset of the next run (the next mirrored record).
//   end           last mirrored upstream < g ≤ position: everything up to g-1 was processed and nothing after
//                 the last mirrored record was copied, so the next mirrored record will land at or after
//                 lastDownstream + 1: that is the answer (exact in effect: no mirrored record lies between).
//   ahead         g > position: the group has consumed records the mirror has not processed yet. lastDownstream
//                 + 1 is the safe (re-delivering) answer, marked inexact; translate() returns undefined.
//
// SYNC STREAM. Writers emit sync points ({upstreamOffset, downstreamOffset}, the OffsetSync value fields) at
// discontinuities, and a reader rebuilds the same map with loadFromSyncs/applySync. The encoding:
//   S = (u, d)          a real mirrored record that starts a run (first record, downstream jump, rewind,
//                       after a gap). Every S is a genuine (upstream, downstream) pair, as in MM2.
//   H = (u, d)          the head (last mirrored record) of the current run, emitted by flushHead() (e.g. on
//                       each offset commit) so readers learn how far the run extends.
//   G = (x, lastD)      "the run ended at the record written to lastD; upstream offsets up to x-1 are known not
//                       mirrored". Emitted before the S that follows an upstream gap, and by flushHead() when
//                       the mirror processed past its last mirrored record. It repeats lastD, which no real
//                       point ever does, so readers cannot mistake it for a run.
//   X = (0, -1)         reset marker, emitted before the S of a truncated/re-created target (d ≤ last d):
//                       readers drop everything they know (any point with downstream -1 is a marker; upstream 0
//                       also makes an Apache MM2 reader clear its history, which it does on upstream rewinds).
// Readers classify a point against their last known run end L=(Lu, Ld): same delta → the run extends; more
// downstream than upstream → new run (the old run ends at u-1); less → G; further upstream with a higher
// downstream → rewind; downstream below Ld → a stale or replayed point, ignored. Every point is also safe for an Apache
// MM2 reader (its "+1 rule" never overshoots on them), so the stream may share MM2's offset-syncs topic.
// The reader needs the COMPLETE stream since its starting snapshot: a compacted offset-syncs topic loses points
// and cannot be read exactly (use mm2-translation.ts for such topics, or persist snapshots with toBuffer()).
// Writers: write drained syncs before persisting a snapshot (toBuffer) taken after them; a restored writer
// assumes readers know nothing of its state and re-sends what they need on the next flush/discontinuity.
//
// ORDER. Calls must follow upstream offset order: recordSkipped(u)/markProcessedUpTo(p) only once every earlier
// record was recorded. Violations are tolerated safely: a mirrored record inside a range claimed processed
// rewinds `position` to it.

export interface SyncPoint {
  upstreamOffset: number;
  downstreamOffset: number;
}

export interface OffsetSegment {
  /** First upstream offset of the run. */
  upstream: number;
  /** Downstream offset of that first record. */
  downstream: number;
  /** Number of records; upstream [upstream, upstream+length) ↔ downstream [downstream, downstream+length). */
  length: number;
}

export type TranslationKind = 'exact' | 'gap' | 'end' | 'ahead' | 'before-start';

export interface Translation {
  downstreamOffset: number;
  kind: TranslationKind;
  /** False for 'ahead' and 'before-start': the offset is a safe guess, not the exact answer. */
  exact: boolean;
}

export interface OffsetMapState {
  start: number | undefined;
  position: number | undefined;
  segments: OffsetSegment[];
}

export interface OffsetMapJson {
  v: 1;
  start?: number;
  position?: number;
  /** [upstream, downstream, length] per run. */
  segments: [number, number, number][];
}

function checkOffset(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative safe integer, got ${String(v)}`);
}

export class OffsetMap {
  // Runs as parallel arrays (packed doubles: ~24 bytes a run).
  private us: number[] = [];
  private ds: number[] = [];
  private ns: number[] = [];
  private start: number | undefined;
  private pos: number | undefined;

  // What a reader of the emitted sync stream knows: its last run end and position (-1: nothing emitted;
  // shadowU -1 with shadowPos +∞: unknown, after a restore).
  private shadowU = -1;
  private shadowD = -1;
  private shadowPos = -1;
  private outbox: SyncPoint[] = [];

  /** @param emitSyncs collect sync points for drainSyncs() (writers); readers may turn it off. */
  constructor(private readonly emitSyncs = true) {}

  // ---------------------------------------------------------------- queries

  /** Number of runs held (memory is proportional to it). */
  get size(): number { return this.us.length; }
  /** First upstream offset the map knows about (undefined when empty). */
  get startOffset(): number | undefined { return this.start; }
  /** Upstream offset up to which (exclusive) the mirror has processed the partition. */
  get processedUpTo(): number | undefined { return this.pos; }
  /** The last mirrored record, if any. */
  get lastMirrored(): SyncPoint | undefined {
    const i = this.us.length - 1;
    if (i < 0) return undefined;
    return { upstreamOffset: this.us[i]! + this.ns[i]! - 1, downstreamOffset: this.ds[i]! + this.ns[i]! - 1 };
  }
  get isEmpty(): boolean { return this.us.length === 0; }

  /** The runs, oldest first (the zero-length anchor, if any, is left out). */
  segments(): OffsetSegment[] {
    const out: OffsetSegment[] = [];
    for (let i = 0; i < this.us.length; i++) if (this.ns[i]! > 0) out.push({ upstream: this.us[i]!, downstream: this.ds[i]!, length: this.ns[i]! });
    return out;
  }

  state(): OffsetMapState {
    return { start: this.start, position: this.pos, segments: this.segments() };
  }

  /** Exact translation; undefined when the map is empty, the offset predates it, or the mirror is behind. */
  translate(upstreamOffset: number): number | undefined {
    const t = this.translateDetailed(upstreamOffset);
    return t && t.exact ? t.downstreamOffset : undefined;
  }

  translateDetailed(upstreamOffset: number): Translation | undefined {
    const len = this.us.length;
    if (len === 0) return undefined;
    const g = upstreamOffset;
    if (this.start !== undefined && g < this.start) return { downstreamOffset: this.firstDownstream(), kind: 'before-start', exact: false };
    const i = this.runAtOrBefore(g);
    if (i < 0) return { downstreamOffset: this.ds[0]!, kind: 'gap', exact: true };
    const u = this.us[i]!;
    const n = this.ns[i]!;
    if (g < u + n) return { downstreamOffset: this.ds[i]! + (g - u), kind: 'exact', exact: true };
    if (i + 1 < len) return { downstreamOffset: this.ds[i + 1]!, kind: 'gap', exact: true };
    const next = this.ds[i]! + n; // last mirrored downstream + 1
    if (this.pos !== undefined && g <= this.pos) return { downstreamOffset: next, kind: 'end', exact: true };
    return { downstreamOffset: next, kind: 'ahead', exact: false };
  }

  private firstDownstream(): number {
    for (let i = 0; i < this.us.length; i++) if (this.ns[i]! > 0) return this.ds[i]!;
    return this.ds[0]!;
  }

  /** Index of the last run whose first upstream offset is ≤ g, or -1. */
  private runAtOrBefore(g: number): number {
    let lo = 0;
    let hi = this.us.length - 1;
    if (g >= this.us[hi]!) return hi;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.us[mid]! <= g) { ans = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return ans;
  }

  // ---------------------------------------------------------------- writer side

  /**
   * A record was mirrored: upstream offset → downstream offset (call in upstream order, after the target
   * acknowledged it). Returns true when this is a discontinuity and sync points were queued (drainSyncs()).
   */
  recordMirrored(upstreamOffset: number, downstreamOffset: number): boolean {
    checkOffset('upstreamOffset', upstreamOffset);
    checkOffset('downstreamOffset', downstreamOffset);
    const u = upstreamOffset;
    const d = downstreamOffset;
    // A record below the declared start exists after all (truncateBefore was given too high an offset).
    if (this.start !== undefined && u < this.start) this.start = u;
    const last = this.us.length - 1;
    if (last < 0) {
      this.start = this.start === undefined ? u : Math.min(this.start, u);
      this.pushRun(u, d, 1);
      this.pos = u + 1;
      this.emitRunPoint(u, d);
      return true;
    }
    const lastU = this.us[last]! + this.ns[last]! - 1;
    const lastD = this.ds[last]! + this.ns[last]! - 1;
    if (d <= lastD) {
      // The target partition was truncated or re-created: every known downstream offset is void.
      this.clearRuns();
      this.start = u;
      this.pushRun(u, d, 1);
      this.pos = u + 1;
      this.emit(0, -1); // upstream 0 also makes an Apache MM2 reader drop its history (it clears on rewinds)
      this.emitRunPoint(u, d);
      return true;
    }
    if (u <= lastU) {
      // Upstream rewind (task restart re-delivering records): the newest copies win from u on.
      this.truncateFrom(u);
      if (this.us.length === 0) this.start = this.start === undefined ? u : Math.min(this.start, u);
      this.pushRun(u, d, 1);
      this.pos = u + 1;
      this.emitRunPoint(u, d);
      return true;
    }
    const contiguous = u === lastU + 1 && d === lastD + 1;
    if (contiguous && this.shadowPos <= u) {
      this.ns[last]!++;
      this.pos = u + 1;
      return false;
    }
    // Discontinuity. Tell readers about an upstream gap they do not know of yet, then start the run.
    const gapAnnounced = this.shadowU >= 0 && this.shadowPos > this.shadowU + 1;
    if (!gapAnnounced && u > lastU + 1) this.emit(u, lastD);
    this.pushRun(u, d, 1);
    this.pos = u + 1;
    this.emitRunPoint(u, d);
    return true;
  }

  /**
   * `length` records, upstream [u, u+length), were mirrored to downstream [d, d+length) (the byte path acks a
   * run at once). Same as recordMirrored for each, in O(1): after the first, the rest extend its run.
   */
  recordMirroredRun(upstreamOffset: number, downstreamOffset: number, length: number): boolean {
    const queued = this.recordMirrored(upstreamOffset, downstreamOffset);
    if (length > 1) {
      this.ns[this.ns.length - 1]! += length - 1;
      this.pos = upstreamOffset + length;
    }
    return queued;
  }

  /** An upstream record was consumed but not mirrored (filtered, loop-prevented). */
  recordSkipped(upstreamOffset: number): void {
    checkOffset('upstreamOffset', upstreamOffset);
    if (this.pos === undefined || upstreamOffset >= this.pos) this.pos = upstreamOffset + 1;
  }

  /**
   * Every upstream record before `position` has been recorded (e.g. the source consumer's position after a
   * fetch that ended in compacted-away offsets or transaction markers). Lets `end` translations reach the
   * end of the partition.
   */
  markProcessedUpTo(position: number): void {
    checkOffset('position', position);
    if (this.pos === undefined || position > this.pos) this.pos = position;
  }

  /**
   * Queues the head of the current run and the processed position if readers do not know them yet; call on
   * each offset commit (MM2 promotes its delayed syncs at the same moment). Returns true if anything was queued.
   */
  flushHead(): boolean {
    const last = this.us.length - 1;
    if (last < 0) return false;
    let queued = false;
    const n = this.ns[last]!;
    const lastU = this.us[last]! + n - 1;
    const lastD = this.ds[last]! + n - 1;
    if (this.shadowU !== lastU || this.shadowD !== lastD) {
      this.emitRunPoint(lastU, lastD);
      queued = true;
    }
    if (this.pos !== undefined && this.pos > lastU + 1 && this.shadowPos < this.pos && this.shadowU === lastU) {
      this.emit(this.pos, lastD);
      this.shadowPos = this.pos;
      queued = true;
    }
    return queued;
  }

  /** Sync points queued since the last call, in the order they must be written. */
  drainSyncs(): SyncPoint[] {
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  private emit(u: number, d: number): void {
    if (this.emitSyncs) this.outbox.push({ upstreamOffset: u, downstreamOffset: d });
  }

  private emitRunPoint(u: number, d: number): void {
    this.emit(u, d);
    this.shadowU = u;
    this.shadowD = d;
    this.shadowPos = u + 1;
  }

  // ---------------------------------------------------------------- reader side

  /** Rebuilds a map from a complete Ferry sync stream (see the encoding at the top of this file). */
  static loadFromSyncs(syncs: Iterable<SyncPoint>, emitSyncs = false): OffsetMap {
    const m = new OffsetMap(emitSyncs);
    for (const s of syncs) m.applySync(s);
    return m;
  }

  /** Applies one sync point read from the stream. */
  applySync(sync: SyncPoint): void {
    const u = sync.upstreamOffset;
    const d = sync.downstreamOffset;
    checkOffset('upstreamOffset', u);
    if (!Number.isSafeInteger(d) || d < -1) throw new RangeError(`downstreamOffset must be ≥ -1, got ${String(d)}`);
    if (d < 0) {
      this.clearRuns();
      this.start = undefined;
      this.pos = undefined;
      this.syncShadow();
      return;
    }
    const last = this.us.length - 1;
    if (last < 0) {
      this.start = this.start === undefined ? u : Math.min(this.start, u);
      this.pushRun(u, d, 1);
      this.pos = u + 1;
      this.syncShadow();
      return;
    }
    const lu = this.us[last]! + this.ns[last]! - 1;
    const ld = this.ds[last]! + this.ns[last]! - 1;
    if (u === lu && d === ld) return;
    if (d < ld || (d === ld && u < lu)) {
      // Behind what we know. A writer only goes back downstream after a reset marker, so this is a replayed
      // or stale point (re-reading the topic, a writer restored from an older snapshot): nothing new.
      return;
    } else if (d === ld) {
      if (this.pos === undefined || u > this.pos) this.pos = u; // G: processed up to u
    } else if (u <= lu) {
      this.truncateFrom(u);
      if (this.us.length === 0) this.start = this.start === undefined ? u : Math.min(this.start, u);
      this.pushRun(u, d, 1);
      this.pos = u + 1;
    } else if (this.pos !== undefined && this.pos > lu + 1) {
      this.pushRun(u, d, 1); // a gap was announced: whatever the deltas, this starts a new run
      this.pos = u + 1;
    } else {
      const du = u - lu;
      const dd = d - ld;
      if (dd === du) {
        this.ns[last]! += du;
        this.pos = u + 1;
      } else if (dd > du) {
        this.ns[last]! += du - 1;
        this.pushRun(u, d, 1);
        this.pos = u + 1;
      } else {
        this.ns[last]! += dd; // G after records the reader had not seen: the run ends at downstream d
        this.pos = u;
      }
    }
    this.clipToStart();
    this.syncShadow();
  }

  // A reader that truncated before learning how far its last run went may extend that run below `start`
  // when the head arrives; those offsets are gone at the source, so cut them off again.
  private clipToStart(): void {
    const start = this.start;
    if (start === undefined) return;
    while (this.us.length > 1 && this.us[0]! + this.ns[0]! <= start) {
      this.us.shift();
      this.ds.shift();
      this.ns.shift();
    }
    if (this.us.length === 0 || this.us[0]! >= start) return;
    const n = this.ns[0]!;
    const cut = Math.min(start - this.us[0]!, n);
    if (cut === n && this.us.length > 1) return; // unreachable: handled by the loop
    if (cut === n) {
      // Everything known lies below start: keep just the anchor past the last record.
      this.us[0]! += n;
      this.ds[0]! += n;
      this.ns[0] = 0;
      return;
    }
    this.us[0] = start;
    this.ds[0]! += cut;
    this.ns[0] = n - cut;
  }

  // A reader's own map is, by definition, what readers know.
  private syncShadow(): void {
    const last = this.us.length - 1;
    if (last < 0) {
      this.shadowU = -1;
      this.shadowD = -1;
      this.shadowPos = -1;
      return;
    }
    this.shadowU = this.us[last]! + this.ns[last]! - 1;
    this.shadowD = this.ds[last]! + this.ns[last]! - 1;
    this.shadowPos = this.pos ?? this.shadowU + 1;
  }

  // ---------------------------------------------------------------- maintenance

  /**
   * Forgets everything below the source partition's log start offset (those records no longer exist, so no
   * group can need them). The last mirrored record is kept as a zero-length anchor so `end` still works.
   */
  truncateBefore(upstreamLogStart: number): void {
    checkOffset('upstreamLogStart', upstreamLogStart);
    const x = upstreamLogStart;
    if (this.start !== undefined && x <= this.start) return;
    const len = this.us.length;
    if (len === 0) return;
    let drop = 0;
    while (drop < len && this.us[drop]! + this.ns[drop]! <= x) drop++;
    if (drop === len) {
      // Keep only an anchor just past the last mirrored record.
      const last = len - 1;
      const au = this.us[last]! + this.ns[last]!;
      const ad = this.ds[last]! + this.ns[last]!;
      this.us = [au];
      this.ds = [ad];
      this.ns = [0];
    } else {
      if (drop > 0) {
        this.us.splice(0, drop);
        this.ds.splice(0, drop);
        this.ns.splice(0, drop);
      }
      const cut = x - this.us[0]!;
      if (cut > 0) {
        this.us[0] = x;
        this.ds[0]! += cut;
        this.ns[0]! -= cut;
      }
    }
    // `position` is left alone: records the mirror never processed are not "processed" because they expired
    // (translations past it stay 'ahead' until the mirror resumes from the new log start).
    this.start = x;
  }

  private clearRuns(): void {
    this.us = [];
    this.ds = [];
    this.ns = [];
  }

  /** Drops knowledge of upstream offsets ≥ u (runs starting there go; a run containing u is clipped). */
  private truncateFrom(u: number): void {
    let i = this.us.length - 1;
    while (i >= 0 && this.us[i]! >= u) i--;
    this.us.length = i + 1;
    this.ds.length = i + 1;
    this.ns.length = i + 1;
    if (i >= 0 && this.us[i]! + this.ns[i]! > u) this.ns[i] = u - this.us[i]!;
  }

  /** Appends a run, extending the last one instead when it continues it exactly. */
  private pushRun(u: number, d: number, n: number): void {
    const last = this.us.length - 1;
    if (last >= 0 && this.us[last]! + this.ns[last]! === u && this.ds[last]! + this.ns[last]! === d) {
      this.ns[last]! += n;
      return;
    }
    if (last >= 0 && this.ns[last] === 0) {
      // Replace a zero-length anchor.
      this.us[last] = u;
      this.ds[last] = d;
      this.ns[last] = n;
      return;
    }
    this.us.push(u);
    this.ds.push(d);
    this.ns.push(n);
  }

  // ---------------------------------------------------------------- persistence

  toJSON(): OffsetMapJson {
    const segments: [number, number, number][] = [];
    for (let i = 0; i < this.us.length; i++) segments.push([this.us[i]!, this.ds[i]!, this.ns[i]!]);
    const j: OffsetMapJson = { v: 1, segments };
    if (this.start !== undefined) j.start = this.start;
    if (this.pos !== undefined) j.position = this.pos;
    return j;
  }

  static fromJSON(json: unknown, emitSyncs = true): OffsetMap {
    const bad = (why: string): never => { throw new Error(`Invalid OffsetMap JSON: ${why}`); };
    if (typeof json !== 'object' || json === null) return bad('not an object');
    const j = json as Partial<OffsetMapJson>;
    if (j.v !== 1) bad(`unsupported version ${String(j.v)}`);
    if (!Array.isArray(j.segments)) bad('segments must be an array');
    const m = new OffsetMap(emitSyncs);
    const runs: [number, number, number][] = [];
    for (const s of j.segments!) {
      if (!Array.isArray(s) || s.length !== 3 || !s.every((x) => Number.isSafeInteger(x) && x >= 0)) bad('each segment must be [upstream, downstream, length] of non-negative integers');
      runs.push([s[0], s[1], s[2]]);
    }
    m.loadRuns(runs, j.start, j.position, bad);
    return m;
  }

  private loadRuns(runs: [number, number, number][], start: number | undefined, pos: number | undefined, bad: (why: string) => never): void {
    let prevEndU = -1;
    let prevEndD = -1;
    runs.forEach(([u, d, n], idx) => {
      if (n === 0 && idx !== runs.length - 1) bad('only the last segment may be empty');
      if (u <= prevEndU || d <= prevEndD) bad(`segment ${idx} overlaps or precedes the one before it`);
      this.pushRun(u, d, n);
      prevEndU = u + n - 1;
      prevEndD = d + n - 1;
    });
    if (start !== undefined && (!Number.isSafeInteger(start) || start < 0)) bad('start must be a non-negative integer');
    if (pos !== undefined && (!Number.isSafeInteger(pos) || pos < 0)) bad('position must be a non-negative integer');
    if (runs.length > 0 && runs[0]![2] > 0 && start !== undefined && start > runs[0]![0]) bad('start lies after the first segment');
    this.start = start ?? (runs.length > 0 ? runs[0]![0] : undefined);
    this.pos = pos;
    if (runs.length > 0 && (this.pos === undefined || this.pos < prevEndU + 1)) this.pos = prevEndU + 1;
    // A restored writer cannot know what its readers heard of: the next flushHead() re-sends the head, the next
    // record is sent even if contiguous (a reader may have been told its offset was skipped) and gaps are
    // announced again. Repeats are harmless to readers.
    this.shadowU = -1;
    this.shadowD = -1;
    this.shadowPos = Number.POSITIVE_INFINITY;
  }

  /**
   * Compact binary form: "FM", version 1, flags, then unsigned LEB128 varints — start, position, run count,
   * and per run the upstream/downstream distance from the end of the previous run plus its length.
   */
  toBuffer(): Buffer {
    const w = new VarintWriter(16 + this.us.length * 6);
    w.byte(0x46).byte(0x4d).byte(1);
    w.byte((this.start !== undefined ? 1 : 0) | (this.pos !== undefined ? 2 : 0));
    if (this.start !== undefined) w.varint(this.start);
    if (this.pos !== undefined) w.varint(this.pos);
    w.varint(this.us.length);
    let nextU = 0;
    let nextD = 0;
    for (let i = 0; i < this.us.length; i++) {
      w.varint(this.us[i]! - nextU).varint(this.ds[i]! - nextD).varint(this.ns[i]!);
      nextU = this.us[i]! + this.ns[i]!;
      nextD = this.ds[i]! + this.ns[i]!;
    }
    return w.done();
  }

  static fromBuffer(buf: Uint8Array, emitSyncs = true): OffsetMap {
    const bad = (why: string): never => { throw new Error(`Invalid OffsetMap bytes: ${why}`); };
    const r = new VarintReader(buf, bad);
    if (r.byte() !== 0x46 || r.byte() !== 0x4d) bad('bad magic (not an OffsetMap)');
    const version = r.byte();
    if (version !== 1) bad(`unsupported version ${version}`);
    const flags = r.byte();
    const start = flags & 1 ? r.varint() : undefined;
    const pos = flags & 2 ? r.varint() : undefined;
    const count = r.varint();
    if (count > buf.length) bad(`run count ${count} exceeds the buffer size`);
    const runs: [number, number, number][] = [];
    let nextU = 0;
    let nextD = 0;
    for (let i = 0; i < count; i++) {
      const u = nextU + r.varint();
      const d = nextD + r.varint();
      const n = r.varint();
      runs.push([u, d, n]);
      nextU = u + n;
      nextD = d + n;
    }
    r.end();
    const m = new OffsetMap(emitSyncs);
    m.loadRuns(runs, start, pos, bad);
    return m;
  }
}

class VarintWriter {
  private buf: Buffer;
  private pos = 0;
  constructor(size: number) { this.buf = Buffer.allocUnsafe(size); }
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }
  byte(b: number): this {
    this.ensure(1);
    this.buf[this.pos++] = b;
    return this;
  }
  // Arithmetic (not bitwise) so values up to 2^53 survive.
  varint(v: number): this {
    this.ensure(8);
    let x = v;
    while (x >= 0x80) {
      this.buf[this.pos++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.pos++] = x;
    return this;
  }
  done(): Buffer { return Buffer.from(this.buf.subarray(0, this.pos)); }
}

class VarintReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array, private readonly bad: (why: string) => never) {}
  byte(): number {
    if (this.pos >= this.buf.length) this.bad(`truncated at byte ${this.pos}`);
    return this.buf[this.pos++]!;
  }
  varint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (!Number.isSafeInteger(v)) this.bad(`varint at byte ${this.pos} is out of range`);
        return v;
      }
      mul *= 0x80;
    }
    return this.bad(`varint at byte ${this.pos} is too long`);
  }
  end(): void {
    if (this.pos !== this.buf.length) this.bad(`${this.buf.length - this.pos} trailing bytes`);
  }
}

/** Key for per-partition maps. */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
