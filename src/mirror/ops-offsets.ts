// Committing a consumer group's offsets from outside the group, as Java's Admin.alterConsumerGroupOffsets does:
// one OffsetCommit request to the group coordinator with generation -1 and no member id. The broker accepts it
// only while the group has no members (it answers UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION otherwise), which is the
// safety a failover needs. kafkajs's admin.setOffsets instead joins the group as a consumer, once per topic —
// seconds each, and briefly makes the group look active.
// TODO(kafka/): belongs in ClusterAdmin; it uses the low-level cluster that partition-reader.ts exposes.
import type { ClientProps } from '../kafka/client.js';
import { createLowLevelCluster } from '../kafka/partition-reader.js';

export class GroupActiveError extends Error {
  constructor(readonly group: string, cause: Error) {
    super(`group ${group} has active members (${cause.message})`, { cause });
    this.name = 'GroupActiveError';
  }
}

interface LowLevelBroker {
  offsetCommit(req: {
    groupId: string; groupGenerationId: number; memberId: string; retentionTime?: number;
    topics: { topic: string; partitions: { partition: number; offset: string; metadata?: string | null }[] }[];
  }): Promise<unknown>;
}
interface LowLevelCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  findGroupCoordinator(req: { groupId: string }): Promise<LowLevelBroker>;
}

const ACTIVE = /UNKNOWN_MEMBER_ID|ILLEGAL_GENERATION|REBALANCE_IN_PROGRESS|member id|generation/i;

/** Commits offsets for a group that has no active members; throws GroupActiveError if it has some. */
export async function commitGroupOffsets(props: ClientProps, groupId: string, offsets: readonly { topic: string; partition: number; offset: number; metadata?: string }[]): Promise<void> {
  if (offsets.length === 0) return;
  const cluster = createLowLevelCluster(props, 'ferry-ops-commit') as LowLevelCluster;
  await cluster.connect();
  try {
    const byTopic = new Map<string, { partition: number; offset: string; metadata: string | null }[]>();
    for (const o of offsets) {
      const list = byTopic.get(o.topic) ?? [];
      list.push({ partition: o.partition, offset: String(o.offset), metadata: o.metadata ?? null });
      byTopic.set(o.topic, list);
    }
    let lastErr: Error | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const coordinator = await cluster.findGroupCoordinator({ groupId });
        await coordinator.offsetCommit({ groupId, groupGenerationId: -1, memberId: '', retentionTime: -1, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
        return;
      } catch (e) {
        const err = e as Error & { type?: string; retriable?: boolean };
        if (ACTIVE.test(`${err.type ?? ''} ${err.message}`)) throw new GroupActiveError(groupId, err);
        lastErr = err;
        if (err.retriable === false) break;
        // Coordinator moved or is loading: look it up again.
        await cluster.refreshMetadata().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
      }
    }
    throw lastErr ?? new Error(`committing offsets for group ${groupId} failed`);
  } finally {
    await cluster.disconnect().catch(() => undefined);
  }
}
