// Apache MM2's offset translation, reproduced so Ferry can read offset syncs written by Apache MirrorMaker 2,
// translate exactly as MM2 (3.7+) would, and so benchmarks can compare MM2's precision with OffsetMap's.
//
// Writer side (MirrorSourceTask/OffsetSyncWriter): a sync is due when it is the first record this lifetime,
// when downstream - (lastSyncDownstream + 1) ≥ offset.lag.max, when the upstream skipped (u - prevU ≠ 1), or when
// the downstream went backwards. Due syncs are sent at once (latest per partition); other records only
// replace a "delayed" sync per partition, promoted to pending on every offset commit.
//
// Reader side (OffsetSyncStore): per partition a 64-slot history, slot 0 the latest sync, older slots
// exponentially sparser, kept under these invariants for slots i < j:
//   B  syncs[i].upstream ≤ syncs[j].upstream + 2^j − 2^i   (slot j is recent enough for its position)
//   C  syncs[i].upstream ≥ syncs[j].upstream + 2^max(i−2,0) (slots are spread out, unless they hold the same sync)
//   D  syncs[63] is the earliest sync usable for translation.
// Translation of a group offset g: take the first slot (from 0) whose upstream ≤ g. None → −1 ("too far in the
// past", the checkpoint is dropped). Otherwise downstream if g equals its upstream, else downstream + 1 — the
// "+1 rule": records after a sync may or may not have been mirrored, so only one past the sync is safe.
import type { OffsetSync } from './offset-sync.js';

export const MM2_SYNCS_PER_PARTITION = 64;
export const MM2_DEFAULT_OFFSET_LAG_MAX = 100;

interface Sync {
  readonly upstream: number;
  readonly downstream: number;
}

const POW2: readonly number[] = Array.from({ length: MM2_SYNCS_PER_PARTITION + 1 }, (_, i) => 2 ** i);

// Invariant B between slot i holding `a` and slot j holding `b` (i < j). The same sync object in both slots
// always satisfies it (so do values past the 64-bit range, as in MM2's overflow check).
function recentEnough(a: Sync, b: Sync, i: number, j: number): boolean {
  return a === b || a.upstream <= b.upstream + POW2[j]! - POW2[i]!;
}

// Invariant C between slot i holding `a` and the later slot holding `b`.
function spreadOut(a: Sync, b: Sync, i: number): boolean {
  return a === b || a.upstream >= b.upstream + POW2[Math.max(i - 2, 0)]!;
}

function key(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}

export interface Mm2OffsetSyncStoreOptions {
  /**
   * Keep the whole history while reading the syncs topic before markReadToEnd() (MM2 3.7.1+/3.8 does this when
   * the checkpoint task loaded its previous checkpoints, KAFKA-15905). When false (older MM2, or no previous
   * checkpoints) only the last sync per partition survives the initial read.
   */
  keepHistoryDuringLoad?: boolean;
}

/** MM2's OffsetSyncStore: feed it offset-sync records in topic order, then translate group offsets. */
export class Mm2OffsetSyncStore {
  private readonly histories = new Map<string, Sync[]>();
  private loaded = false;
  private readonly keepHistoryDuringLoad: boolean;

  constructor(opts: Mm2OffsetSyncStoreOptions = {}) {
    this.keepHistoryDuringLoad = opts.keepHistoryDuringLoad ?? false;
  }

  /** The initial read of the syncs topic reached its end; translation is refused until then. */
  markReadToEnd(): void {
    this.loaded = true;
  }

  get readToEnd(): boolean {
    return this.loaded;
  }

  handleSync(sync: OffsetSync): void {
    const k = key(sync.topic, sync.partition);
    const s: Sync = { upstream: sync.upstreamOffset, downstream: sync.downstreamOffset };
    const current = this.histories.get(k);
    if (!current) {
      this.histories.set(k, new Array<Sync>(MM2_SYNCS_PER_PARTITION).fill(s));
      return;
    }
    // Copy-on-write, as MM2 does, so a reader never sees a half-updated history.
    const next = current.slice();
    this.insert(next, current, s);
    this.histories.set(k, next);
  }

  private insert(slots: Sync[], before: readonly Sync[], s: Sync): void {
    const rewound = s.upstream < slots[0]!.upstream;
    if ((!this.loaded && !this.keepHistoryDuringLoad) || rewound) {
      slots.fill(s);
      return;
    }
    slots[0] = s; // invariant A
    let candidate = s; // always valid for the slot being repaired
    let from = 0; // next slot of the old history that might be kept instead of `candidate`
    for (let j = 1; j < MM2_SYNCS_PER_PARTITION; j++) {
      const i = j - 1;
      // Prefer an older sync from the previous history when it fits here: more distinct syncs survive.
      let skipped: boolean;
      do {
        const old = before[from]!;
        const fitsRecency = recentEnough(slots[i]!, old, i, j);
        const farFromPrevious = spreadOut(slots[i]!, old, i);
        const farFromNext = j + 1 >= MM2_SYNCS_PER_PARTITION || spreadOut(old, slots[j + 1]!, j);
        const repeated = from + 1 < MM2_SYNCS_PER_PARTITION && before[from + 1] === old;
        const usable = fitsRecency && farFromPrevious && farFromNext;
        if (usable) candidate = old;
        // An old sync too close to its predecessor can never be used further down either.
        skipped = repeated || !farFromPrevious;
        if (usable || skipped) from++;
      } while (from < j && skipped);
      // Stop as soon as the existing tail still satisfies invariant B; otherwise repair this slot.
      if (recentEnough(slots[i]!, slots[j]!, i, j)) break;
      slots[j] = candidate;
    }
  }

  /**
   * MM2's translateDownstream: undefined before the initial read finished or when no sync exists for the
   * partition; -1 when the offset is older than every retained sync; otherwise the +1-rule translation.
   */
  translateDownstream(topic: string, partition: number, upstreamOffset: number): number | undefined {
    if (!this.loaded) return undefined;
    const slots = this.histories.get(key(topic, partition));
    if (!slots) return undefined;
    let s = slots[MM2_SYNCS_PER_PARTITION - 1]!;
    for (const candidate of slots) {
      if (candidate.upstream <= upstreamOffset) {
        s = candidate;
        break;
      }
    }
    if (s.upstream > upstreamOffset) return -1;
    return s.downstream + (upstreamOffset === s.upstream ? 0 : 1);
  }

  /**
   * The sync translateDownstream(topic, partition, upstreamOffset) anchors on (the latest retained sync at or
   * before the offset); undefined when it would not translate.
   */
  anchor(topic: string, partition: number, upstreamOffset: number): { upstreamOffset: number; downstreamOffset: number } | undefined {
    if (!this.loaded) return undefined;
    const s = (this.histories.get(key(topic, partition)) ?? []).find((c) => c.upstream <= upstreamOffset);
    return s ? { upstreamOffset: s.upstream, downstreamOffset: s.downstream } : undefined;
  }

  /** The 64 slots for a partition (slot 0 = latest), as {upstreamOffset, downstreamOffset}. */
  history(topic: string, partition: number): { upstreamOffset: number; downstreamOffset: number }[] {
    return (this.histories.get(key(topic, partition)) ?? []).map((s) => ({ upstreamOffset: s.upstream, downstreamOffset: s.downstream }));
  }

  /** Distinct upstream offsets retained for a partition, oldest first. */
  retainedUpstreamOffsets(topic: string, partition: number): number[] {
    const out: number[] = [];
    const slots = this.histories.get(key(topic, partition)) ?? [];
    for (let i = slots.length - 1; i >= 0; i--) {
      const u = slots[i]!.upstream;
      if (out[out.length - 1] !== u) out.push(u);
    }
    return out;
  }
}

/** MM2's per-partition decision of when an offset sync is due (MirrorSourceTask's PartitionState). */
export class Mm2PartitionSyncState {
  private previousUpstream = -1;
  private previousDownstream = -1;
  private lastSyncDownstream = -1;
  private due = false;

  constructor(private readonly maxOffsetLag = MM2_DEFAULT_OFFSET_LAG_MAX) {}

  /** Records a mirrored record; true while a sync is due (until reset()). */
  update(upstreamOffset: number, downstreamOffset: number): boolean {
    const firstThisLifetime = this.lastSyncDownstream === -1;
    // Translation lands one past the last sync, hence the +1.
    const tooStale = downstreamOffset - (this.lastSyncDownstream + 1) >= this.maxOffsetLag;
    const upstreamSkipped = upstreamOffset - this.previousUpstream !== 1;
    const downstreamTruncated = downstreamOffset < this.previousDownstream;
    if (firstThisLifetime || tooStale || upstreamSkipped || downstreamTruncated) {
      this.lastSyncDownstream = downstreamOffset;
      this.due = true;
    }
    this.previousUpstream = upstreamOffset;
    this.previousDownstream = downstreamOffset;
    return this.due;
  }

  reset(): void {
    this.due = false;
  }
}

/**
 * MM2's sync emission for one task: due syncs are queued for immediate send (latest per partition), others wait
 * as "delayed" until the next offset commit. Send limits (MM2 allows 10 in flight) are the caller's business.
 */
export class Mm2OffsetSyncEmitter {
  private readonly states = new Map<string, Mm2PartitionSyncState>();
  private readonly pending = new Map<string, OffsetSync>();
  private readonly delayed = new Map<string, OffsetSync>();

  constructor(private readonly maxOffsetLag = MM2_DEFAULT_OFFSET_LAG_MAX) {}

  /** commitRecord: the record from (topic, partition, upstreamOffset) was acked at downstreamOffset. */
  recordCommitted(topic: string, partition: number, upstreamOffset: number, downstreamOffset: number): void {
    const k = key(topic, partition);
    let st = this.states.get(k);
    if (!st) {
      st = new Mm2PartitionSyncState(this.maxOffsetLag);
      this.states.set(k, st);
    }
    const sync: OffsetSync = { topic, partition, upstreamOffset, downstreamOffset };
    if (st.update(upstreamOffset, downstreamOffset)) {
      this.delayed.delete(k);
      this.pending.set(k, sync); // an existing key keeps its place, as in MM2's LinkedHashMap
      st.reset();
    } else {
      this.delayed.set(k, sync);
    }
  }

  /** Offset commit: every delayed sync becomes pending. */
  commit(): void {
    for (const [k, s] of this.delayed) this.pending.set(k, s);
    this.delayed.clear();
  }

  /** Syncs to send now (and forget). */
  drainPending(): OffsetSync[] {
    const out = [...this.pending.values()];
    this.pending.clear();
    return out;
  }
}
