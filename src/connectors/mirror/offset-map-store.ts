// Persistence of Ferry's exact offset maps: one compacted record per source partition, key = the MM2
// OffsetSync key (topic, partition), value = OffsetMap.toBuffer() (the full run list). Compaction keeps the
// latest snapshot of each partition, so — unlike MM2's compacted offset-syncs topic, which keeps only the
// latest sync — the complete history survives and any committed offset still in the source's retention
// translates exactly. Stored next to the offset-syncs topic (offset-syncs.topic.location).
import type { ClientProps } from '../../kafka/client.js';
import { withClusterAdmin } from '../../kafka/cluster-admin.js';
import { readToEnd } from '../../kafka/read-to-end.js';
import { OffsetMap } from './offset-map.js';
import { decodeOffsetSyncKey, encodeOffsetSyncKey } from './offset-sync.js';

/** `ferry-offset-maps.<other alias>.internal`, named like MM2's offset-syncs topic for the same location. */
export function offsetMapsTopicName(location: 'source' | 'target', sourceAlias: string, targetAlias: string): string {
  return `ferry-offset-maps.${location === 'source' ? targetAlias : sourceAlias}.internal`;
}

export function encodeOffsetMapRecord(topic: string, partition: number, map: OffsetMap): { key: Buffer; value: Buffer } {
  return { key: encodeOffsetSyncKey(topic, partition), value: map.toBuffer() };
}

/** Loads the latest map of every (selected) partition. A missing topic yields an empty result. */
export async function loadOffsetMaps(
  props: ClientProps,
  topic: string,
  select: (topic: string, partition: number) => boolean = () => true,
  opts: { emitSyncs?: boolean } = {},
): Promise<Map<string, OffsetMap>> {
  const latest = new Map<string, Buffer | null>();
  try {
    await readToEnd(props, topic, [0], (r) => {
      if (!r.key) return;
      const k = decodeOffsetSyncKey(r.key);
      if (!select(k.topic, k.partition)) return;
      latest.set(`${k.topic}\u0000${k.partition}`, r.value);
    }, { clientId: 'ferry-offset-maps-reader' });
  } catch (e) {
    if (/does not host this topic-partition|UNKNOWN_TOPIC|not found|no partitions/i.test((e as Error).message)) return new Map();
    throw e;
  }
  const out = new Map<string, OffsetMap>();
  for (const [k, v] of latest) if (v) out.set(k, OffsetMap.fromBuffer(v, opts.emitSyncs ?? true));
  return out;
}

export interface ContradictedMap { topic: string; partition: number; remoteTopic: string; lastDownstream: number; remoteEnd: number }

/**
 * Drops the maps the target contradicts: a map whose last mirrored record lies at or beyond the end of its
 * remote partition. This topic is named after one alias only, so a new source alias mirroring into a reused
 * target alias (n1->cb, then n2->cb on the same clusters) finds the maps of the old flow, which describe
 * another remote topic; a truncated or re-created target gives the same picture. Resuming from such a map
 * would skip every record it claims as mirrored, silently. Returns what was dropped, for the log.
 */
export async function dropContradictedMaps(
  maps: Map<string, OffsetMap>,
  targetAdminProps: ClientProps,
  remoteTopic: (topic: string) => string,
): Promise<ContradictedMap[]> {
  const byTopic = new Map<string, { key: string; partition: number; map: OffsetMap }[]>();
  for (const [key, map] of maps) {
    const [topic, p] = key.split('\u0000') as [string, string];
    const list = byTopic.get(topic) ?? [];
    list.push({ key, partition: Number(p), map });
    byTopic.set(topic, list);
  }
  if (byTopic.size === 0) return [];
  const dropped: ContradictedMap[] = [];
  await withClusterAdmin(targetAdminProps, async (admin) => {
    const existing = new Set(await admin.topics());
    for (const [topic, list] of byTopic) {
      const remote = remoteTopic(topic);
      const ends = existing.has(remote) ? await admin.watermarks(remote) : [];
      for (const { key, partition, map } of list) {
        const last = map.lastMirrored;
        if (!last) continue;
        const remoteEnd = ends.find((w) => w.partition === partition)?.high ?? 0;
        if (last.downstreamOffset < remoteEnd) continue;
        maps.delete(key);
        dropped.push({ topic, partition, remoteTopic: remote, lastDownstream: last.downstreamOffset, remoteEnd });
      }
    }
  }, 'ferry-offset-maps-check');
  return dropped;
}
