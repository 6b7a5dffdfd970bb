// `ferry failover --from A --to B [--planned|--unplanned]`: move consumers (and the role of primary) from A to B.
//
// planned    A is up. Wait until the flow A→B has mirrored everything on the selected topics and the selected
//            groups have stopped on A, translate each group's final commits exactly through the offset maps,
//            commit them on B (forward only; groups with consumers already on B are skipped and reported), pause
//            the flow if asked, and verify the tail of every partition and the group offsets.
// unplanned  A is gone. Use what B holds: the latest checkpoints, re-translated through the offset maps when
//            they live on B (offset-syncs.topic.location=target — the setting for DR), commit them, and report
//            the recovery point: age of the last heartbeat that came through the mirror and of the last
//            checkpoint, and which partitions may lack records A had.
// Both print the plan first, stop there with --dry-run, and record every step in the journal on B.
import { withClusterAdmin, type ClusterAdmin } from '../../kafka/cluster-admin.js';
import type { PatternList } from '../../connectors/mirror/filters.js';
import { topicPartitionKey, type OffsetMap } from '../../connectors/mirror/offset-map.js';
import {
  OPS_EXIT, OpsError, lastHeartbeat, lastRecordTimestamp, loadFlowMaps, reachable, readCheckpoints, readFlowStatus, requireReachable,
  resolveFlow, selectGroups, selectTopics, topicWatermarks, type ClusterSource, type FlowContext, type StoredCheckpoint,
} from './context.js';
import { executePlan, type OperationPlan, type OperationResult, type ExecuteOptions, type OpStep } from './plan.js';
import {
  commitStep, describeMoves, flowLag, groupCommits, pauseStep, preflightStep, translateStep, waitForDrain, type DrainResult, type Selection, type TranslateDetails,
} from './steps.js';
import { summarizeMoves, translateGroupFromCheckpoints } from './translate.js';
import { verifyFlow } from './verify.js';
import { fmtAge, fmtCount, fmtDuration, plural } from './format.js';

export interface FailoverOptions {
  from: string;
  to: string;
  mode: 'planned' | 'unplanned';
  topics?: PatternList | null;
  groups?: PatternList | null;
  /** Pause the A→B flow (its source and checkpoint connectors) once the groups are moved. */
  stopFlow?: boolean;
  /** How long a planned failover waits for the flow to drain (default 120 s). */
  timeoutMs?: number;
  /** Verify the last N records of each partition after a planned failover (default 1000; 0 skips). */
  verifyTail?: number;
}

export interface RecoveryPartition {
  topic: string;
  remoteTopic: string;
  partition: number;
  targetEnd: number;
  lastMirroredUpstream: number | null;
  processedUpTo: number | null;
  lastRecordAt: number | null;
  /** Records a group is known to have consumed on A that never reached B (from checkpoints): at least this many are missing. */
  knownMissing: number;
  risk: 'missing' | 'possible' | 'idle' | 'unknown';
}

export interface RecoveryPoint {
  at: number;
  sourceReachable: boolean;
  /** Newest heartbeat that travelled A → mirror → B: data up to this moment reached B. */
  lastHeartbeat: { topic: string; at: number | null; ageMs: number | null };
  /** Newest heartbeat the flow's own process wrote on B (is the mirror itself alive?). */
  flowHeartbeat: { topic: string; at: number | null; ageMs: number | null };
  lastCheckpoint: { at: number | null; ageMs: number | null };
  /** Producer timestamp of the newest record mirrored to B (the recovery point when no heartbeat came through). */
  newestRecordAt: number | null;
  partitions: RecoveryPartition[];
  mapsOnTarget: boolean;
}

function upstreamOf(flow: FlowContext, remote: string): string | null {
  if (flow.remoteTopic(remote) === remote) return remote; // identity-style naming
  return flow.policy.topicSource(remote) === flow.source ? flow.policy.upstreamTopic(remote) : null;
}

/** The `commit` step's title and client of both kinds of failover. */
function failoverCommit(flow: FlowContext): { title: string; clientId: string } {
  return { title: `commit the translated offsets on ${flow.target} (forward only; groups active on ${flow.target} are skipped)`, clientId: 'ferry-failover-commit' };
}

/** Builds the failover plan (reads both clusters; changes nothing). */
export async function planFailover(src: ClusterSource, o: FailoverOptions): Promise<OperationPlan> {
  const flow = resolveFlow(src, o.from, o.to);
  await requireReachable(flow.targetProps, o.to);
  return o.mode === 'planned' ? planPlanned(flow, o) : planUnplanned(flow, o);
}

async function planPlanned(flow: FlowContext, o: FailoverOptions): Promise<OperationPlan> {
  const probe = await reachable(flow.sourceProps, 5000);
  if (!probe.ok) throw new OpsError(`cluster '${o.from}' is unreachable (${probe.error ?? 'no answer'}): a planned failover needs it. Use --unplanned to fail over from the last checkpoints.`, OPS_EXIT.precondition);
  return withClusterAdmin(flow.sourceProps, (source) => withClusterAdmin(flow.targetProps, (target) => surveyPlanned(flow, o, source, target), 'ferry-failover-target'), 'ferry-failover-source');
}

/** The planned failover's plan, from what both clusters hold now. */
async function surveyPlanned(flow: FlowContext, o: FailoverOptions, source: ClusterAdmin, target: ClusterAdmin): Promise<OperationPlan> {
  const topics = selectTopics(flow, await source.topics(), o.topics ?? null);
  if (topics.length === 0) throw new OpsError(o.topics ? `--topics matches no topic that ${flow.source}->${flow.target} replicates on ${flow.source}` : `${flow.source}->${flow.target} replicates no topic on ${flow.source}`);
  const selected = new Set(topics);
  const candidates = selectGroups(flow, await source.consumerGroups(), o.groups ?? null);
  const commits = await groupCommits(source, candidates, selected);
  const groups = candidates.filter((g) => (commits[g] ?? []).length > 0);
  if (o.groups && groups.length === 0) throw new OpsError(`--groups matches no consumer group with commits on the selected topics of ${flow.source}`);
  const status = await readFlowStatus(flow);
  const blockers: string[] = [];
  if (status.paused) blockers.push(`the flow ${flow.source}->${flow.target} is paused (${flow.connectorNames.source}: ${status.targetStates[flow.connectorNames.source] ?? status.connectors[flow.connectorNames.source]}): its lag cannot reach zero. Resume it first, or use --unplanned.`);
  for (const f of status.failed) blockers.push(`${f} of the flow ${flow.source}->${flow.target} has FAILED: restart it first`);
  const lag = await flowLag(flow, topics, source);
  if (!lag.mapsReadable) blockers.push(`no readable offset maps ${flow.mapsTopic} on ${flow.mapsLocation === 'source' ? flow.source : flow.target}: a planned failover needs Ferry's maps to see the lag reach zero (a flow run by Apache MM2: use --unplanned, which works from checkpoints)`);
  const states = await source.groupStates(groups);
  const tStates = await target.groupStates(groups);
  const counts = await source.partitionCounts(topics);
  const lines = [
    `clusters: ${flow.source} (${flow.sourceProps['bootstrap.servers']}) and ${flow.target} (${flow.targetProps['bootstrap.servers']}) reachable`,
    `flow ${flow.source}->${flow.target}: ${status.found ? (status.paused ? 'PAUSED' : status.connectors[flow.connectorNames.source] ?? 'configured') : 'no dedicated-mode worker topics on the target (cannot check or pause it)'}`,
    `offset maps: ${flow.mapsTopic} on ${flow.mapsLocation === 'source' ? flow.source : flow.target}`,
    `topics (${topics.length}): ${topics.map((t) => `${t} -> ${flow.remoteTopic(t)} [${counts.get(t) ?? 0}p${lag.partitions.filter((p) => p.topic === t).reduce((a, p) => a + p.lag, 0) > 0 ? `, lag ${lag.partitions.filter((p) => p.topic === t).reduce((a, p) => a + p.lag, 0)}` : ''}]`).join(', ')}`,
    `groups (${groups.length}): ${groups.length === 0 ? '(none with commits on these topics)' : groups.map((g) => `${g}${(states.get(g)?.members ?? 0) > 0 ? ` [${states.get(g)!.members} active on ${flow.source}: wait]` : ''}${(tStates.get(g)?.members ?? 0) > 0 ? ` [${tStates.get(g)!.members} ACTIVE on ${flow.target}: will be skipped]` : ''}`).join(', ')}`,
    `replication lag now: ${fmtCount(lag.total)} record(s); waits up to ${fmtDuration(o.timeoutMs ?? 120_000)} for it to reach zero`,
  ];
  const sel: Selection = { topics, groups };
  const steps: OpStep[] = [
    preflightStep(sel),
    {
      name: 'drain', title: `wait until ${flow.source}->${flow.target} has mirrored everything and the groups stopped on ${flow.source}`,
      run: async (ctx) => {
        const s = ctx.details<Selection>('preflight') ?? sel;
        const d = await waitForDrain(flow, s.topics, s.groups, { timeoutMs: o.timeoutMs ?? 120_000, progress: ctx.progress, ...(ctx.signal ? { signal: ctx.signal } : {}) });
        return { details: d, summary: `lag 0 after ${fmtDuration(d.waitedMs)}` };
      },
    },
    translateStep(flow, { title: 'translate each group\'s final commits exactly through the offset maps', clientId: 'ferry-failover-translate', checkpointFallback: true }),
    commitStep(flow, failoverCommit(flow)),
  ];
  if (o.stopFlow) steps.push(pauseStep(flow));
  if ((o.verifyTail ?? 1000) > 0) steps.push(verifyStep(flow, o.verifyTail ?? 1000));
  return {
    kind: 'failover', opKey: `failover:${flow.source}->${flow.target}`, from: flow.source, to: flow.target,
    title: `Failover ${flow.source} -> ${flow.target} (planned)`, lines, steps, blockers, blockersCheckedBy: 'drain',
    journalProps: flow.targetProps, data: { mode: 'planned', topics, groups, lag: lag.total, blockers },
    args: { mode: 'planned', stopFlow: !!o.stopFlow },
  };
}

function verifyStep(flow: FlowContext, tail: number): OpStep {
  return {
    name: 'verify', title: `verify the last ${fmtCount(tail)} records of every partition and the group offsets`,
    run: async (ctx) => {
      const s = ctx.details<Selection>('preflight')!;
      const report = await verifyFlow(flow, { selectedTopics: s.topics, selectedGroups: s.groups, tailRecords: tail, checkAcls: false });
      for (const p of report.problems.slice(0, 20)) ctx.out(`problem: ${p}`);
      return {
        details: { ok: report.ok, summary: report.summary, problems: report.problems.slice(0, 100) }, failed: !report.ok,
        summary: report.ok ? `ok: ${fmtCount(report.summary.matched)} records identical, ${report.groups.length} group(s) at the translated offsets` : `MISMATCH: ${plural(report.problems.length, 'problem')}`,
      };
    },
  };
}

// ------------------------------------------------------------------------------------------------ unplanned

/** What an unplanned failover works from on B: A's offset maps (null when unreadable), the checkpoints, the selection. */
interface UnplannedSurvey {
  maps: Map<string, OffsetMap> | null;
  checkpoints: Map<string, Map<string, StoredCheckpoint>>;
  sel: Selection;
}

/** The topics (upstream names) whose mirror on B an unplanned failover moves the groups to. */
function unplannedTopics(
  flow: FlowContext, o: FailoverOptions, remoteOnTarget: string[], maps: Map<string, OffsetMap> | null, checkpoints: Map<string, Map<string, StoredCheckpoint>>,
): string[] {
  const candidates = new Set<string>();
  // Identity naming: every topic on B looks "remote", so only what the maps or checkpoints know came from A counts.
  const identity = flow.remoteTopic('x') === 'x';
  if (!identity) for (const r of remoteOnTarget) { const up = upstreamOf(flow, r); if (up) candidates.add(up); }
  for (const k of maps?.keys() ?? []) candidates.add(k.slice(0, k.lastIndexOf('-')));
  if (identity) for (const m of checkpoints.values()) for (const c of m.values()) candidates.add(c.topic);
  const topics = [...candidates].filter((t) => (o.topics ? o.topics.matches(t) : !flow.policy.isHeartbeatsTopic(t))).filter((t) => (remoteOnTarget.includes(flow.remoteTopic(t)))).sort();
  if (topics.length === 0) throw new OpsError(o.topics ? `--topics matches no topic mirrored from ${flow.source} on ${flow.target}` : `no topics mirrored from ${flow.source} found on ${flow.target}`);
  return topics;
}

/** The selected groups that have a checkpoint for one of the selected topics. */
function unplannedGroups(flow: FlowContext, o: FailoverOptions, checkpoints: Map<string, Map<string, StoredCheckpoint>>, topics: string[]): string[] {
  const selectedRemote = new Set(topics.map((t) => flow.remoteTopic(t)));
  const groups = selectGroups(flow, checkpoints.keys(), o.groups ?? null).filter((g) => [...(checkpoints.get(g)?.values() ?? [])].some((c) => selectedRemote.has(c.topic)));
  if (o.groups && groups.length === 0) throw new OpsError(`--groups matches no consumer group with checkpoints for the selected topics in ${flow.checkpointsTopic} on ${flow.target}`);
  return groups;
}

/** Reads B (and the maps, where they can be read) for an unplanned failover: maps, checkpoints and the selection. */
async function surveyUnplanned(flow: FlowContext, o: FailoverOptions, target: ClusterAdmin, sourceReachable: boolean): Promise<UnplannedSurvey> {
  const maps = flow.mapsLocation === 'target' || sourceReachable ? await loadFlowMaps(flow) : null;
  const checkpoints = await readCheckpoints(flow);
  const remoteOnTarget = (await target.topics()).filter((t) => upstreamOf(flow, t) !== null && !flow.policy.isInternalTopic(t) && !flow.policy.isHeartbeatsTopic(t));
  const topics = unplannedTopics(flow, o, remoteOnTarget, maps, checkpoints);
  const groups = unplannedGroups(flow, o, checkpoints, topics);
  return { maps, checkpoints, sel: { topics, groups } };
}

/** Timestamp of the newest checkpoint (0 when there is none). */
function newestCheckpoint(checkpoints: Map<string, Map<string, StoredCheckpoint>>): number {
  return Math.max(0, ...[...checkpoints.values()].flatMap((m) => [...m.values()].map((c) => c.timestamp)));
}

/** The unplanned plan's lines for the operator. */
function renderUnplannedPlan(flow: FlowContext, probe: { ok: boolean; error?: string }, v: UnplannedSurvey, newest: number): string[] {
  const { maps, checkpoints, sel: { topics, groups } } = v;
  return [
    `cluster ${flow.source}: ${probe.ok ? 'REACHABLE — consider --planned for an exact failover' : `unreachable (${probe.error ?? 'no answer'})`}`,
    `offset maps: ${flow.mapsTopic} on ${flow.mapsLocation === 'source' ? flow.source : flow.target}: ${maps ? `readable (${maps.size} partitions): checkpoints are re-translated exactly` : 'unreadable: the checkpoints are used as they are'}`,
    `checkpoints: ${flow.checkpointsTopic} on ${flow.target}: ${plural(checkpoints.size, 'group')}, newest ${fmtAge(newest > 0 ? Date.now() - newest : null)}`,
    `topics (${topics.length}): ${topics.map((t) => `${t} -> ${flow.remoteTopic(t)}`).join(', ')}`,
    `groups (${groups.length}): ${groups.length === 0 ? '(none with checkpoints for these topics)' : groups.join(', ')}`,
  ];
}

/** Step `recovery-point`: computes and reports what B holds of A's data and how fresh it is. */
function recoveryPointStep(flow: FlowContext): OpStep {
  return {
    name: 'recovery-point', title: 'report the recovery point: heartbeat and checkpoint age, partitions that may miss data',
    run: async (ctx) => {
      const s = ctx.details<Selection>('preflight')!;
      const rp = await recoveryPoint(flow, s);
      for (const l of renderRecoveryPoint(rp, flow)) ctx.out(l);
      return { details: rp, summary: renderRecoveryPointSummary(rp) };
    },
  };
}

/** The recovery-point step's summary line: data up to when, checkpoint age, partitions that may miss records. */
function renderRecoveryPointSummary(rp: RecoveryPoint): string {
  const risky = rp.partitions.filter((p) => p.risk !== 'idle');
  const upTo = Math.max(rp.lastHeartbeat.at ?? 0, rp.newestRecordAt ?? 0) || null;
  const byHeartbeat = rp.lastHeartbeat.at !== null && rp.lastHeartbeat.at >= (rp.newestRecordAt ?? 0);
  return `data up to ${upTo ? new Date(upTo).toISOString() : 'unknown'} (${byHeartbeat ? `last heartbeat ${fmtAge(rp.lastHeartbeat.ageMs)}` : `newest mirrored record ${fmtAge(upTo ? Date.now() - upTo : null)}`}), last checkpoint ${fmtAge(rp.lastCheckpoint.ageMs)}, ${plural(risky.length, 'partition')} may miss records${rp.partitions.some((p) => p.knownMissing > 0) ? ` (at least ${rp.partitions.reduce((a, p) => a + p.knownMissing, 0)} known missing)` : ''}`;
}

/** Each selected group's latest checkpoints on the selected topics, re-translated through the maps when there are any. */
function translateCheckpoints(flow: FlowContext, s: Selection, cps: Map<string, Map<string, StoredCheckpoint>>, maps: Map<string, OffsetMap> | null): TranslateDetails {
  const remote = new Set(s.topics.map((t) => flow.remoteTopic(t)));
  const details: TranslateDetails = { groups: {}, untranslatable: [] };
  for (const g of s.groups) {
    const list: StoredCheckpoint[] = [...(cps.get(g)?.values() ?? [])].filter((c) => remote.has(c.topic));
    details.groups[g] = translateGroupFromCheckpoints(g, list, maps, (r) => upstreamOf(flow, r));
  }
  return details;
}

/** Step `translate` of an unplanned failover: the groups' latest checkpoints (re-translated when the maps can be read). */
function translateStepUnplanned(flow: FlowContext, mapsReadable: boolean): OpStep {
  return {
    name: 'translate', title: `take each group's latest checkpoint${mapsReadable ? ', re-translated through the offset maps' : ''}`,
    run: async (ctx) => {
      const s = ctx.details<Selection>('preflight')!;
      const cps = await readCheckpoints(flow);
      const m = flow.mapsLocation === 'target' || (await reachable(flow.sourceProps, 3000)).ok ? await loadFlowMaps(flow) : null;
      const details = translateCheckpoints(flow, s, cps, m);
      for (const g of s.groups) describeMoves(details.groups[g]!, ctx.out, 12);
      const sum = summarizeMoves(Object.values(details.groups).flat());
      return { details, summary: `${plural(sum.partitions, 'partition')} in ${plural(s.groups.length, 'group')} from checkpoints${m ? ' (re-translated)' : ''}` };
    },
  };
}

/** Builds the unplanned failover plan from what B holds (A may be gone). */
async function planUnplanned(flow: FlowContext, o: FailoverOptions): Promise<OperationPlan> {
  const probe = await reachable(flow.sourceProps, 3000);
  const v = await withClusterAdmin(flow.targetProps, (target) => surveyUnplanned(flow, o, target, probe.ok), 'ferry-failover-target');
  const { topics, groups } = v.sel;
  const steps: OpStep[] = [preflightStep(v.sel), recoveryPointStep(flow), translateStepUnplanned(flow, v.maps !== null), commitStep(flow, failoverCommit(flow))];
  if (o.stopFlow) steps.push(pauseStep(flow));
  return {
    kind: 'failover', opKey: `failover:${flow.source}->${flow.target}`, from: flow.source, to: flow.target,
    title: `Failover ${flow.source} -> ${flow.target} (UNPLANNED: ${flow.source} ${probe.ok ? 'reachable' : 'unreachable'})`,
    lines: renderUnplannedPlan(flow, probe, v, newestCheckpoint(v.checkpoints)), steps, blockers: [],
    journalProps: flow.targetProps, data: { mode: 'unplanned', topics, groups, sourceReachable: probe.ok },
    args: { mode: 'unplanned', stopFlow: !!o.stopFlow },
  };
}

/** What B holds of A's data, and how fresh it is. */
export async function recoveryPoint(flow: FlowContext, sel: Selection): Promise<RecoveryPoint> {
  const now = Date.now();
  const sourceReachable = (await reachable(flow.sourceProps, 3000)).ok;
  const hb = await lastHeartbeat(flow.targetProps, flow.remoteHeartbeatsTopic);
  const own = await lastHeartbeat(flow.targetProps, flow.policy.heartbeatsTopic(), (s, t) => s === flow.source && t === flow.target);
  const cps = await readCheckpoints(flow);
  let newestCp = 0;
  for (const m of cps.values()) for (const c of m.values()) newestCp = Math.max(newestCp, c.timestamp);
  const maps = flow.mapsLocation === 'target' || sourceReachable ? await loadFlowMaps(flow, new Set(sel.topics)) : null;
  const partitions = await recoveryPartitions(flow, sel, maps, cps);
  // The last sign of life of A that reached B: the newest heartbeat that came through the mirror, or the newest
  // mirrored record if that is later (heartbeats stop when their herder does; data may keep coming).
  const newestRecord = Math.max(0, ...partitions.map((p) => p.lastRecordAt ?? 0));
  const lastSign = Math.max(hb.lastHeartbeat ?? 0, newestRecord) || null;
  for (const p of partitions) {
    if (p.knownMissing > 0) p.risk = 'missing';
    else if (p.lastRecordAt === null) p.risk = 'idle';
    else if (lastSign !== null && p.lastRecordAt >= lastSign - 30_000) p.risk = 'possible'; // written to until A went silent
    else p.risk = 'idle';
  }
  return {
    at: now, sourceReachable,
    lastHeartbeat: { topic: hb.topic, at: hb.lastHeartbeat, ageMs: hb.ageMs },
    flowHeartbeat: { topic: own.topic, at: own.lastHeartbeat, ageMs: own.ageMs },
    lastCheckpoint: { at: newestCp > 0 ? newestCp : null, ageMs: newestCp > 0 ? now - newestCp : null },
    newestRecordAt: newestRecord > 0 ? newestRecord : null,
    partitions, mapsOnTarget: maps !== null,
  };
}

/** Per selected partition on B: its end, what the mirror processed of A, its newest record, and known gaps. */
async function recoveryPartitions(
  flow: FlowContext, sel: Selection, maps: Map<string, OffsetMap> | null, cps: Map<string, Map<string, StoredCheckpoint>>,
): Promise<RecoveryPartition[]> {
  const partitions: RecoveryPartition[] = [];
  const remote = sel.topics.map((t) => flow.remoteTopic(t));
  const marks = await withClusterAdmin(flow.targetProps, (target) => topicWatermarks(target, remote), 'ferry-failover-rp');
  for (const t of sel.topics) {
    const r = flow.remoteTopic(t);
    for (const [p, w] of (marks.get(r) ?? []).entries()) {
      if (!w) continue;
      const map = maps?.get(topicPartitionKey(t, p));
      const last = map?.lastMirrored;
      const processed = map?.processedUpTo ?? null;
      const lastAt = await lastRecordTimestamp(flow.targetProps, r, p, w.high, w.low);
      // A group that committed past what the mirror processed consumed records B never got.
      let knownMissing = 0;
      for (const g of sel.groups) {
        const c = cps.get(g)?.get(topicPartitionKey(r, p));
        if (c && processed !== null && c.upstreamOffset > processed) knownMissing = Math.max(knownMissing, c.upstreamOffset - processed);
      }
      partitions.push({ topic: t, remoteTopic: r, partition: p, targetEnd: w.high, lastMirroredUpstream: last?.upstreamOffset ?? null, processedUpTo: processed, lastRecordAt: lastAt, knownMissing, risk: 'unknown' });
    }
  }
  return partitions;
}

export function renderRecoveryPoint(rp: RecoveryPoint, flow: FlowContext): string[] {
  const lines: string[] = [];
  lines.push(`Recovery point for ${flow.source} -> ${flow.target}:`);
  lines.push(`  last heartbeat mirrored from ${flow.source} (${rp.lastHeartbeat.topic}): ${rp.lastHeartbeat.at ? `${new Date(rp.lastHeartbeat.at).toISOString()} (${fmtAge(rp.lastHeartbeat.ageMs)})` : `none (heartbeats of ${flow.target}->${flow.source} into ${flow.source} are not mirrored back)`}`);
  lines.push(`  newest record mirrored to ${flow.target}: ${rp.newestRecordAt ? `${new Date(rp.newestRecordAt).toISOString()} (${fmtAge(Date.now() - rp.newestRecordAt)})` : 'none'}`);
  lines.push(`  last heartbeat of the mirror process itself (${rp.flowHeartbeat.topic} on ${flow.target}): ${fmtAge(rp.flowHeartbeat.ageMs)}`);
  lines.push(`  last checkpoint (${flow.checkpointsTopic}): ${rp.lastCheckpoint.at ? `${new Date(rp.lastCheckpoint.at).toISOString()} (${fmtAge(rp.lastCheckpoint.ageMs)})` : 'none'}`);
  const risky = rp.partitions.filter((p) => p.risk !== 'idle');
  if (risky.length === 0) lines.push('  no partition had traffic near the outage: nothing is known to be missing');
  else {
    lines.push(`  partitions whose data may be incomplete (${risky.length} of ${rp.partitions.length}):`);
    for (const p of risky.slice(0, 50)) {
      lines.push(`    ${p.remoteTopic}-${p.partition}: mirrored up to ${flow.source} offset ${p.processedUpTo ?? '?'} (last record ${p.lastRecordAt ? new Date(p.lastRecordAt).toISOString() : '-'})${p.risk === 'missing' ? `; AT LEAST ${p.knownMissing} record(s) consumed on ${flow.source} never reached ${flow.target}` : p.risk === 'possible' ? '; written to until the outage: records after it may exist only on ' + flow.source : ''}`);
    }
  }
  return lines;
}

export async function runFailover(src: ClusterSource, o: FailoverOptions, exec: ExecuteOptions = {}): Promise<OperationResult> {
  const plan = await planFailover(src, o);
  return executePlan(plan, exec);
}

export type { DrainResult };
