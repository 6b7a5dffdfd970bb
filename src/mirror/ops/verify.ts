// `ferry verify --from A --to B`: proof that B holds what A has, for a flow A→B.
//
// Per partition of every selected topic, the range the mirror has processed is located through the exact
// offset map (source [from, to) ↔ target [T(from), T(to))), both sides are streamed once in lockstep and
// compared record by record (ops-compare.ts), with an order-sensitive sha256 and count per side. Partitions run
// in parallel with bounded concurrency; memory is one fetch per side per running partition. On top: topic
// existence and partition counts, topic configs (excluded properties ignored), topic ACLs (as the mirror would
// sync them), consumer-group offsets (the source commit translated exactly vs the target commit), and the safety
// checks MM2 lacks — records that expired on the source before they were mirrored, and a source partition that
// is shorter than what the mirror already processed (deleted and re-created, or truncated).
//
// This file runs the steps; each concern is its own module: verify-configs.ts (topics and configs),
// verify-acls.ts, verify-records.ts (data and safety), verify-groups.ts; verify-render.ts words every line.
import { ClusterAdmin, withClusterAdmin } from '../../kafka/cluster-admin.js';
import type { CompareCounts } from './compare.js';
import { OPS_EXIT, OpsError, selectGroups, selectTopics, type FlowContext } from './context.js';
import { checkAcls } from './verify-acls.js';
import { checkTopics } from './verify-configs.js';
import { checkGroups } from './verify-groups.js';
import { checkData, type DataResult } from './verify-records.js';
import {
  renderGroupWarning, renderMapsMissingWarning, renderNotCoveredWarning, renderTopicWarnings,
} from './verify-render.js';
import type { AclResult, GroupResult, TopicResult, VerifyOptions, VerifyReport, VerifyScope } from './verify-types.js';

export type {
  AclResult, ConfigDifference, GroupPartitionResult, GroupResult, PartitionResult, PartitionStatus, TopicResult, VerifyOptions,
  VerifyProgress, VerifyReport,
} from './verify-types.js';
export { renderVerifyReport } from './verify-render.js';

/** Runs every check of `ferry verify` for the flow. Needs both clusters. */
export async function verifyFlow(flow: FlowContext, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const started = Date.now();
  return withClusterAdmin(flow.sourceProps, (src) => withClusterAdmin(flow.targetProps, async (tgt) => {
    const { topics, groups } = await selectScope(flow, src, opts);
    const scope = await readTopicState(flow, opts, src, tgt, topics);
    const topicResults = checkTopics(scope);
    const acls = await checkAcls(scope);
    const data = await checkData(scope, started);
    const groupResults = await checkGroups(scope, groups);
    return buildReport(scope, started, { topicResults, acls, data, groupResults });
  }, 'ferry-verify-target'), 'ferry-verify-source');
}

/** The exit code of `ferry verify`: ok, or mismatch. */
export function verifyExitCode(r: VerifyReport): number {
  return r.ok ? OPS_EXIT.ok : OPS_EXIT.mismatch;
}

/** The topics and groups to verify: given by the caller, or selected by the patterns (an empty selection is an error). */
async function selectScope(flow: FlowContext, src: ClusterAdmin, opts: VerifyOptions): Promise<{ topics: string[]; groups: string[] }> {
  const topics = opts.selectedTopics ?? selectTopics(flow, await src.topics(), opts.topics ?? null);
  if (topics.length === 0) {
    throw new OpsError(opts.topics ? `--topics matches no topic the flow ${flow.source}->${flow.target} replicates on ${flow.source}` : `the flow ${flow.source}->${flow.target} replicates no topic on ${flow.source}`);
  }
  if (opts.selectedGroups) return { topics, groups: opts.selectedGroups };
  if (!opts.groups) return { topics, groups: [] };
  const groups = selectGroups(flow, await src.consumerGroups(), opts.groups);
  if (groups.length === 0) throw new OpsError(`--groups matches no consumer group on ${flow.source} (groups.exclude of the flow applies too)`);
  return { topics, groups };
}

/** Partition counts and configs of the selected topics on both sides: what every step reads. */
async function readTopicState(flow: FlowContext, opts: VerifyOptions, src: ClusterAdmin, tgt: ClusterAdmin, topics: string[]): Promise<VerifyScope> {
  const remote = new Map(topics.map((t) => [t, flow.remoteTopic(t)]));
  const sourceCounts = await src.partitionCounts(topics);
  const targetCounts = await tgt.partitionCounts([...remote.values()]);
  const sourceConfigs = await src.topicConfigs(topics);
  const presentRemote = [...remote.values()].filter((t) => targetCounts.has(t));
  const targetConfigs = await tgt.topicConfigs(presentRemote);
  return { flow, opts, src, tgt, topics, remote, sourceCounts, targetCounts, sourceConfigs, targetConfigs, presentRemote };
}

/** What the steps found. */
interface Findings {
  topicResults: TopicResult[];
  acls: AclResult;
  data: DataResult;
  groupResults: GroupResult[];
}

/** Every problem (topics, ACLs, partitions, groups) and warning (configs, maps, uncovered records, groups), in that order. */
function collectLines(scope: VerifyScope, f: Findings): { problems: string[]; warnings: string[] } {
  const { flow } = scope;
  const problems = [
    ...f.topicResults.flatMap((t) => t.problems), ...f.acls.problems,
    ...f.data.partitions.flatMap((p) => p.problems), ...f.groupResults.flatMap((g) => g.problems),
  ];
  const warnings = f.topicResults.flatMap((t) => renderTopicWarnings(flow, t));
  if (f.data.mapsMissing) warnings.push(renderMapsMissingWarning(flow));
  for (const p of f.data.partitions) {
    const w = renderNotCoveredWarning(p);
    if (w) warnings.push(w);
  }
  for (const g of f.groupResults) {
    const w = renderGroupWarning(flow.source, g);
    if (w) warnings.push(w);
  }
  return { problems, warnings };
}

/** The report: the findings, their lines, and the totals over all partitions. */
function buildReport(scope: VerifyScope, started: number, f: Findings): VerifyReport {
  const { problems, warnings } = collectLines(scope, f);
  const { partitions, records, bytes } = f.data;
  const sum = (k: keyof CompareCounts) => partitions.reduce((s, p) => s + p.counts[k], 0);
  const elapsedMs = Date.now() - started;
  return {
    from: scope.flow.source, to: scope.flow.target, ok: problems.length === 0, startedAt: new Date(started).toISOString(), elapsedMs,
    summary: {
      topics: scope.topics.length, partitions: partitions.length, partitionsOk: partitions.filter((p) => p.status === 'ok').length,
      sourceRecords: sum('sourceRecords'), targetRecords: sum('targetRecords'), matched: sum('matched'), altered: sum('altered'),
      missing: sum('missing'), extra: sum('extra'), duplicates: sum('duplicates'), lag: partitions.reduce((s, p) => s + p.lag, 0), bytes,
      recordsPerSecond: elapsedMs > 0 ? Math.round((records * 1000) / elapsedMs) : records,
    },
    topics: f.topicResults, partitions, acls: f.acls, groups: f.groupResults, problems, warnings,
  };
}
