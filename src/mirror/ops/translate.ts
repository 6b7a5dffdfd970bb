// Moving consumer groups between clusters: which offset a group commits on the cluster it moves to, and how
// sure we are. Pure functions over offset maps and checkpoints (no Kafka I/O).
//
//   forward   a group committed g on A (the source of A→B): T(g) through the exact offset map — the downstream
//             offset of the first mirrored record at or after g (failover, migration cutover).
//   checkpoint A is gone: the latest checkpoint of the group (what the checkpoint task last saw on A),
//             re-translated through the offset map when the map lives on the target (DR setups).
//   inverse   a group consumed `A.orders` on B up to d (failback): the position on A right after the last
//             mirrored record it consumed. Records A has that never reached B (mirror lag at an unplanned
//             failover) therefore reach the group after failback: nothing is skipped.
import { topicPartitionKey, type OffsetMap } from '../../connectors/mirror/offset-map.js';

export type TranslationVia = 'offset-map' | 'checkpoint' | 'checkpoint+offset-map' | 'offset-map-inverse';

export interface MovedOffset {
  group: string;
  /** Topic and offset the group committed on the cluster it leaves. */
  fromTopic: string;
  fromOffset: number;
  /** Topic and offset to commit on the cluster it moves to. */
  toTopic: string;
  partition: number;
  toOffset: number;
  via: TranslationVia;
  /** The group resumes exactly at its next unconsumed record. */
  exact: boolean;
  /** Upper bound of records the group will see again (0 when exact). */
  redelivered: number;
  /** Records the group had not consumed yet that do not exist on the cluster it moves to. */
  notMirrored: number;
  note?: string;
}

export interface Untranslatable {
  group: string;
  topic: string;
  partition: number;
  offset: number;
  reason: string;
}

/** Forward translation of one committed offset through an exact map. */
export function translateForward(map: OffsetMap | undefined, offset: number): { toOffset: number; exact: boolean; redelivered: number; notMirrored: number; note?: string } | { reason: string } {
  if (!map || map.isEmpty) return { reason: 'no offset map for this partition (nothing mirrored yet, or the mirror is not Ferry)' };
  const t = map.translateDetailed(offset);
  if (!t) return { reason: 'offset map is empty' };
  switch (t.kind) {
    case 'exact':
    case 'gap':
    case 'end':
      return { toOffset: t.downstreamOffset, exact: true, redelivered: 0, notMirrored: 0 };
    case 'ahead': {
      const behind = Math.max(0, offset - (map.processedUpTo ?? offset));
      return {
        toOffset: t.downstreamOffset, exact: false, redelivered: behind, notMirrored: 0,
        note: `the group is ${behind} record(s) ahead of the mirror; it will see them again once mirrored`,
      };
    }
    case 'before-start': {
      const missing = Math.max(0, (map.startOffset ?? offset) - offset);
      return {
        toOffset: t.downstreamOffset, exact: false, redelivered: 0, notMirrored: missing,
        note: `${missing} unconsumed record(s) before the mirror's first record (offset ${map.startOffset ?? '?'}) were never mirrored`,
      };
    }
  }
}

/**
 * Inverse translation through the map of A→B: a group at downstream offset d (next to read on B) → the offset on
 * A right after the last mirrored record it consumed. Exact when d falls inside a run or right after one with no
 * upstream gap; otherwise the upstream offsets A has between the runs (never mirrored: filtered, loop-prevented,
 * or produced after the mirror stopped) are delivered to the group — counted in `notMirrored`.
 */
export function translateInverse(map: OffsetMap | undefined, downstream: number): { toOffset: number; exact: boolean; notMirrored: number } | { reason: string } {
  if (!map || map.isEmpty) return { reason: 'no offset map for this partition' };
  const runs = map.segments();
  if (runs.length === 0) {
    const last = map.lastMirrored;
    if (!last) return { reason: 'offset map has no mirrored records' };
    // Only an anchor past the last mirrored record is left (truncated map): the group is at or past it.
    if (downstream >= last.downstreamOffset + 1) {
      const pos = map.processedUpTo ?? last.upstreamOffset + 1;
      return { toOffset: last.upstreamOffset + 1, exact: pos === last.upstreamOffset + 1, notMirrored: Math.max(0, pos - last.upstreamOffset - 1) };
    }
    return { reason: `downstream offset ${downstream} predates what the offset map still knows` };
  }
  // Last run with first downstream offset < d: the group consumed at least one of its records.
  let lo = 0;
  let hi = runs.length - 1;
  let idx = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (runs[mid]!.downstream < downstream) { idx = mid; lo = mid + 1; } else hi = mid - 1;
  }
  if (idx < 0) {
    const first = runs[0]!;
    const start = map.startOffset ?? first.upstream;
    return { toOffset: Math.min(start, first.upstream), exact: start >= first.upstream, notMirrored: Math.max(0, first.upstream - start) };
  }
  const r = runs[idx]!;
  const consumed = Math.min(downstream - r.downstream, r.length);
  const toOffset = r.upstream + consumed;
  let nextUpstream: number;
  const next = runs[idx + 1];
  if (consumed < r.length) nextUpstream = toOffset;
  else if (next) nextUpstream = next.upstream;
  else nextUpstream = Math.max(toOffset, map.processedUpTo ?? toOffset);
  return { toOffset, exact: nextUpstream === toOffset, notMirrored: nextUpstream - toOffset };
}

export interface GroupCommit { topic: string; partition: number; offset: number }

/** Planned failover / cutover: every committed offset of the group on A, translated for B. */
export function translateGroupForward(
  group: string, commits: readonly GroupCommit[], maps: ReadonlyMap<string, OffsetMap>, remoteTopic: (t: string) => string,
  fallback?: (topic: string, partition: number) => { downstreamOffset: number; upstreamOffset: number; timestamp: number } | undefined,
): { moved: MovedOffset[]; untranslatable: Untranslatable[] } {
  const moved: MovedOffset[] = [];
  const untranslatable: Untranslatable[] = [];
  for (const c of commits) {
    const r = translateForward(maps.get(topicPartitionKey(c.topic, c.partition)), c.offset);
    if ('reason' in r) {
      const cp = fallback?.(c.topic, c.partition);
      if (cp && cp.upstreamOffset <= c.offset) {
        moved.push({
          group, fromTopic: c.topic, fromOffset: c.offset, toTopic: remoteTopic(c.topic), partition: c.partition, toOffset: cp.downstreamOffset,
          via: 'checkpoint', exact: cp.upstreamOffset === c.offset, redelivered: Math.max(0, c.offset - cp.upstreamOffset), notMirrored: 0,
          note: `no offset map: used the checkpoint for upstream offset ${cp.upstreamOffset}`,
        });
      } else untranslatable.push({ group, topic: c.topic, partition: c.partition, offset: c.offset, reason: r.reason });
      continue;
    }
    moved.push({
      group, fromTopic: c.topic, fromOffset: c.offset, toTopic: remoteTopic(c.topic), partition: c.partition, toOffset: r.toOffset,
      via: 'offset-map', exact: r.exact, redelivered: r.redelivered, notMirrored: r.notMirrored, ...(r.note ? { note: r.note } : {}),
    });
  }
  return { moved, untranslatable };
}

export interface CheckpointLike { group: string; topic: string; partition: number; upstreamOffset: number; downstreamOffset: number; timestamp: number }

/**
 * Unplanned failover: the group's latest checkpoints (downstream topic names). When the offset map is
 * readable (offset-syncs.topic.location=target) the checkpoint's upstream offset is re-translated exactly,
 * which matters for checkpoints Apache MM2 wrote (they are up to offset.lag.max behind).
 */
export function translateGroupFromCheckpoints(
  group: string, checkpoints: Iterable<CheckpointLike>, maps: ReadonlyMap<string, OffsetMap> | null, upstreamTopic: (downstreamTopic: string) => string | null,
  now = Date.now(),
): MovedOffset[] {
  const out: MovedOffset[] = [];
  for (const c of checkpoints) {
    const up = upstreamTopic(c.topic);
    const age = Math.max(0, now - c.timestamp);
    const base: MovedOffset = {
      group, fromTopic: up ?? c.topic, fromOffset: c.upstreamOffset, toTopic: c.topic, partition: c.partition, toOffset: c.downstreamOffset,
      via: 'checkpoint', exact: false, redelivered: 0, notMirrored: 0,
      note: `checkpoint ${Math.round(age / 1000)} s old: commits the group made on the source after it are not known`,
    };
    if (maps && up !== null) {
      const r = translateForward(maps.get(topicPartitionKey(up, c.partition)), c.upstreamOffset);
      if (!('reason' in r) && r.toOffset >= c.downstreamOffset) {
        out.push({ ...base, toOffset: r.toOffset, via: 'checkpoint+offset-map', redelivered: r.redelivered, notMirrored: r.notMirrored });
        continue;
      }
    }
    out.push(base);
  }
  return out;
}

/** Sums for a report line. */
export function summarizeMoves(moves: readonly MovedOffset[]): { partitions: number; exact: number; redelivered: number; notMirrored: number } {
  let exact = 0, redelivered = 0, notMirrored = 0;
  for (const m of moves) {
    if (m.exact) exact++;
    redelivered += m.redelivered;
    notMirrored += m.notMirrored;
  }
  return { partitions: moves.length, exact, redelivered, notMirrored };
}
