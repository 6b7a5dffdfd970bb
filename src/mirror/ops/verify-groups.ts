// `ferry verify`, consumer groups: each group's source commit, translated exactly through the offset map, is the
// commit on the target (behind: records would be re-delivered; ahead: records would be skipped).
import type { PartitionOffset } from '../../kafka/cluster-admin.js';
import { topicPartitionKey, type OffsetMap } from '../../connectors/mirror/offset-map.js';
import { loadFlowMaps, type FlowContext } from './context.js';
import { translateForward } from './translate.js';
import { renderGroupProblem } from './verify-render.js';
import type { GroupPartitionResult, GroupResult, VerifyScope } from './verify-types.js';

/** The result of every selected group, its problems worded. */
export async function checkGroups(scope: VerifyScope, groups: string[]): Promise<GroupResult[]> {
  if (groups.length === 0) return [];
  const maps = await loadFlowMaps(scope.flow, new Set(scope.topics));
  const out: GroupResult[] = [];
  for (const g of groups) {
    const gr = await groupResult(scope, g, maps);
    gr.problems.push(...gr.partitions.filter((gp) => gp.status !== 'ok').map((gp) => renderGroupProblem(g, gp)));
    out.push(gr);
  }
  return out;
}

/** One group's commits on the selected topics, each compared with the target's. */
async function groupResult(scope: VerifyScope, g: string, maps: Map<string, OffsetMap> | null): Promise<GroupResult> {
  const selected = new Set(scope.topics);
  const sourceCommits = (await scope.src.groupOffsets(g)).filter((o) => selected.has(o.topic));
  const targetCommits = new Map((await scope.tgt.groupOffsets(g)).map((o) => [topicPartitionKey(o.topic, o.partition), o.offset]));
  const partitions = sourceCommits.map((c) => groupPartition(scope.flow, c, targetCommits, maps));
  return { group: g, ok: partitions.every((gp) => gp.status === 'ok'), partitions, problems: [] };
}

/** Where a source commit should be on the target (translated exactly) against where it is. */
function groupPartition(flow: FlowContext, c: PartitionOffset, targetCommits: Map<string, number>, maps: Map<string, OffsetMap> | null): GroupPartitionResult {
  const r = flow.remoteTopic(c.topic);
  const tOff = targetCommits.get(topicPartitionKey(r, c.partition)) ?? null;
  const tr = translateForward(maps?.get(topicPartitionKey(c.topic, c.partition)), c.offset);
  const gp: GroupPartitionResult = { topic: c.topic, remoteTopic: r, partition: c.partition, sourceOffset: c.offset, expectedTargetOffset: null, targetOffset: tOff, status: 'ok' };
  if ('reason' in tr) {
    gp.status = 'untranslatable';
    gp.note = tr.reason;
    return gp;
  }
  gp.expectedTargetOffset = tr.toOffset;
  if (tr.note) gp.note = tr.note;
  if (tOff === null) gp.status = 'not-synced';
  else if (tOff < tr.toOffset) gp.status = 'behind';
  else if (tOff > tr.toOffset) gp.status = 'ahead';
  return gp;
}
