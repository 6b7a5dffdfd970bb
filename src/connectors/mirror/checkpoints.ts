// Checkpoint computation (MirrorCheckpointTask) and target group-offset sync planning, as pure functions.
import type { Checkpoint } from './checkpoint.js';
import type { TopicFilter } from './filters.js';
import type { Mm2OffsetSyncStore } from './mm2-translation.js';
import { topicPartitionKey, type OffsetMap } from './offset-map.js';
import type { ReplicationPolicy } from './replication-policy.js';

/** A committed offset of a consumer group on the source cluster. */
export interface GroupOffset {
  topic: string;
  partition: number;
  /** Next record the group will consume. */
  offset: number;
  metadata?: string;
}

/** Maps a source (topic, partition, committed offset) to a downstream offset; undefined or < 0 = not translatable. */
export type OffsetTranslator = (topic: string, partition: number, upstreamOffset: number) => number | undefined;

/**
 * Translator over Ferry's exact maps (keyed by topicPartitionKey). Inexact answers (group ahead of the mirror,
 * offset before the map's start) are refused unless `allowAhead` — then a group ahead of the mirror gets the
 * safe "last mirrored + 1" (re-delivers what the mirror had not copied yet), never more.
 */
export function offsetMapTranslator(maps: ReadonlyMap<string, OffsetMap>, opts: { allowAhead?: boolean } = {}): OffsetTranslator {
  return (topic, partition, upstreamOffset) => {
    const m = maps.get(topicPartitionKey(topic, partition));
    if (!m) return undefined;
    const t = m.translateDetailed(upstreamOffset);
    if (!t) return undefined;
    if (t.exact || (opts.allowAhead && t.kind === 'ahead')) return t.downstreamOffset;
    return undefined;
  };
}

/** Translator reproducing Apache MM2 over offset syncs it wrote. */
export function mm2Translator(store: Mm2OffsetSyncStore): OffsetTranslator {
  return (topic, partition, upstreamOffset) => store.translateDownstream(topic, partition, upstreamOffset);
}

/**
 * MirrorCheckpointTask.renameTopicPartition: a topic that came from the target (`B.foo` read on A in flow A→B)
 * goes back to its original name; anything else gets the remote name on the target.
 */
export function checkpointTopic(policy: ReplicationPolicy, sourceAlias: string, targetAlias: string, upstreamTopic: string): string {
  if (policy.topicSource(upstreamTopic) === targetAlias) return policy.originalTopic(upstreamTopic);
  return policy.formatRemoteTopic(sourceAlias, upstreamTopic);
}

export interface CheckpointContext {
  sourceAlias: string;
  targetAlias: string;
  policy: ReplicationPolicy;
  translate: OffsetTranslator;
  /** Only partitions of topics this filter accepts are checkpointed (MM2 uses the source topic filter). */
  topicFilter?: TopicFilter;
}

/** Translated checkpoints for one group, before the "more recent" rule (see CheckpointTracker). */
export function computeCheckpoints(group: string, offsets: Iterable<GroupOffset>, ctx: CheckpointContext): Checkpoint[] {
  const out: Checkpoint[] = [];
  for (const o of offsets) {
    if (o.offset < 0) continue; // no committed offset
    if (ctx.topicFilter && !ctx.topicFilter.shouldReplicateTopic(o.topic)) continue;
    const downstream = ctx.translate(o.topic, o.partition, o.offset);
    if (downstream === undefined || downstream < 0) continue;
    out.push({
      group,
      topic: checkpointTopic(ctx.policy, ctx.sourceAlias, ctx.targetAlias, o.topic),
      partition: o.partition,
      upstreamOffset: o.offset,
      downstreamOffset: downstream,
      metadata: o.metadata ?? '',
    });
  }
  return out;
}

/**
 * The last checkpoint per (group, downstream topic, partition) — loaded from the checkpoints topic at start and
 * updated as checkpoints are emitted — and MM2's rule for emitting a new one: the first for its partition, an
 * upstream rewind of the group, or a downstream offset that moved forward. Everything else is a repeat or
 * would rewind the target.
 */
export class CheckpointTracker {
  private readonly byGroup = new Map<string, Map<string, Checkpoint>>();

  isMoreRecent(c: Checkpoint): boolean {
    const last = this.byGroup.get(c.group)?.get(topicPartitionKey(c.topic, c.partition));
    if (!last) return true;
    if (c.upstreamOffset < last.upstreamOffset) return true;
    return c.downstreamOffset > last.downstreamOffset;
  }

  record(c: Checkpoint): void {
    let m = this.byGroup.get(c.group);
    if (!m) {
      m = new Map();
      this.byGroup.set(c.group, m);
    }
    m.set(topicPartitionKey(c.topic, c.partition), c);
  }

  /** Keeps the checkpoints that pass isMoreRecent and records them. */
  select(checkpoints: Iterable<Checkpoint>): Checkpoint[] {
    const out: Checkpoint[] = [];
    for (const c of checkpoints) {
      if (!this.isMoreRecent(c)) continue;
      this.record(c);
      out.push(c);
    }
    return out;
  }

  last(group: string, topic: string, partition: number): Checkpoint | undefined {
    return this.byGroup.get(group)?.get(topicPartitionKey(topic, partition));
  }

  forGroup(group: string): Checkpoint[] {
    return [...(this.byGroup.get(group)?.values() ?? [])];
  }

  groups(): string[] {
    return [...this.byGroup.keys()];
  }

  forgetGroup(group: string): void {
    this.byGroup.delete(group);
  }
}

export interface TargetOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata?: string;
}

export interface GroupSyncInput {
  group: string;
  /** Translated downstream offsets (the latest checkpoints of the group). */
  translated: Iterable<TargetOffset>;
  /** The group's committed offsets on the target now (missing partition = nothing committed). */
  targetCommitted: Iterable<TargetOffset>;
  /** The group has members connected to the target: never touch it (the broker would reject it anyway). */
  hasActiveMembers: boolean;
  /** Allow moving offsets backwards (explicit operator reset only). Default false. */
  allowBackwards?: boolean;
}

export type GroupSyncSkipReason = 'not-ahead' | 'invalid-offset';

export interface GroupSyncPlan {
  group: string;
  /** Offsets to commit on the target (alterConsumerGroupOffsets); empty when nothing to do. */
  commit: TargetOffset[];
  skipped: { topic: string; partition: number; offset: number; current: number; reason: GroupSyncSkipReason }[];
  /** Set when the whole group was left alone. */
  skippedGroup?: 'active-members';
}

/**
 * Decides which translated offsets to write to the target group: nothing while it has active members, and per
 * partition only when the target has no offset yet or lies behind the translation — a target group's offset
 * never moves backwards (MM2 likewise never rewinds an existing group, and Ferry applies it to every state).
 */
export function planGroupOffsetSync(input: GroupSyncInput): GroupSyncPlan {
  const plan: GroupSyncPlan = { group: input.group, commit: [], skipped: [] };
  if (input.hasActiveMembers) {
    plan.skippedGroup = 'active-members';
    return plan;
  }
  const current = new Map<string, number>();
  for (const t of input.targetCommitted) current.set(topicPartitionKey(t.topic, t.partition), t.offset);
  for (const t of input.translated) {
    const cur = current.get(topicPartitionKey(t.topic, t.partition));
    if (!Number.isSafeInteger(t.offset) || t.offset < 0) {
      plan.skipped.push({ topic: t.topic, partition: t.partition, offset: t.offset, current: cur ?? -1, reason: 'invalid-offset' });
      continue;
    }
    if (cur === undefined || cur < 0 || cur < t.offset || (input.allowBackwards === true && cur !== t.offset)) {
      plan.commit.push(t.metadata === undefined ? { topic: t.topic, partition: t.partition, offset: t.offset } : { ...t });
    } else {
      plan.skipped.push({ topic: t.topic, partition: t.partition, offset: t.offset, current: cur, reason: 'not-ahead' });
    }
  }
  return plan;
}
