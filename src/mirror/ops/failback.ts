// `ferry failback --from B --to A`: after a failover A→B, return producers and consumers to A once it is back.
//
//  1. reverse flow B→A (run here, or one run elsewhere): copies what was produced on B during the outage to A.
//     Records that came from A are not sent back: remote topics (`A.orders`) are a cycle by name, and with
//     identity naming the provenance header stops them.
//  2. drain: the reverse flow has mirrored everything and the groups have stopped on B.
//  3. translate the groups' offsets on B for A:
//       `A.orders` on B  → `orders` on A, through the A→B flow's exact maps backwards (MM2 never emits these);
//       `orders` on B    → `B.orders` on A, through the reverse flow's maps (as a failover would).
//  4. commit them on A (forward only; a group's old commit on A is never moved back), verify, stop the reverse
//     flow, and resume A→B so B is the DR copy again.
import { ClusterAdmin, withClusterAdmin, type GroupState } from '../../kafka/cluster-admin.js';
import type { PatternList } from '../../connectors/mirror/filters.js';
import { topicPartitionKey, type OffsetMap } from '../../connectors/mirror/offset-map.js';
import type { MirrorMakerHandle } from '../dedicated.js';
import {
  OpsError, flowContext, loadFlowMaps, readFlowStatus, requireReachable, resolveRawProperties, selectGroups, selectTopics, setFlowTargetState,
  type ClusterSource, type FlowContext, type FlowStatus,
} from './context.js';
import { startFlowInProcess, singleFlowProperties } from './flow.js';
import { executePlan, type ExecuteOptions, type OperationPlan, type OperationResult, type OpStep } from './plan.js';
import { commitStep, describeMoves, flowLag, groupCommits, waitForDrain, waitGroupsInactive } from './steps.js';
import { summarizeMoves, translateForward, translateInverse, type MovedOffset, type Untranslatable } from './translate.js';
import { verifyFlow } from './verify.js';
import { fmtCount, fmtDuration, plural } from './format.js';

export interface FailbackOptions {
  /** The cluster being left (B). */
  from: string;
  /** The cluster returned to (A). */
  to: string;
  topics?: PatternList | null;
  groups?: PatternList | null;
  /** Run the reverse flow B→A in this process (default); false: wait for one run elsewhere. */
  runFlow?: boolean;
  timeoutMs?: number;
  verifyTail?: number;
  /** Resume the A→B flow at the end if a failover paused it (default true). */
  resumeForward?: boolean;
}

interface Selection {
  /** Topics local to B, replicated back to A by the reverse flow. */
  localTopics: string[];
  /** Topics on A that A→B mirrored to B (upstream names). */
  forwardTopics: string[];
  groups: string[];
}

interface TranslateDetails {
  groups: Record<string, MovedOffset[]>;
  untranslatable: Untranslatable[];
}

function upstreamOf(forward: FlowContext, topicOnB: string): string | null {
  if (forward.remoteTopic(topicOnB) === topicOnB) return topicOnB;
  return forward.policy.topicSource(topicOnB) === forward.source ? forward.policy.upstreamTopic(topicOnB) : null;
}

function exactNames(topics: string[]): string {
  return topics.map((t) => t.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join(',');
}

/**
 * Offsets on B → A for one group. Remote topics of A go back through the inverse of the A→B map; B-local
 * topics go to their remote name on A through the reverse map. With identity naming a topic is both: the
 * earlier of the two positions is taken (re-delivers rather than skips) and marked inexact.
 */
export function translateBack(
  group: string, commits: { topic: string; partition: number; offset: number }[], forward: FlowContext, reverse: FlowContext,
  forwardMaps: ReadonlyMap<string, OffsetMap>, reverseMaps: ReadonlyMap<string, OffsetMap>, local: ReadonlySet<string>, fwd: ReadonlySet<string>,
): { moved: MovedOffset[]; untranslatable: Untranslatable[] } {
  const moved: MovedOffset[] = [];
  const untranslatable: Untranslatable[] = [];
  for (const c of commits) {
    const up = upstreamOf(forward, c.topic);
    const candidates: MovedOffset[] = [];
    const reasons: string[] = [];
    if (up !== null && fwd.has(up)) {
      const r = translateInverse(forwardMaps.get(topicPartitionKey(up, c.partition)), c.offset);
      if ('reason' in r) reasons.push(`${forward.source}->${forward.target} map: ${r.reason}`);
      else candidates.push({
        group, fromTopic: c.topic, fromOffset: c.offset, toTopic: up, partition: c.partition, toOffset: r.toOffset, via: 'offset-map-inverse',
        exact: r.exact, redelivered: 0, notMirrored: r.notMirrored,
        ...(r.notMirrored > 0 ? { note: `${r.notMirrored} record(s) on ${forward.source} never reached ${forward.target} (mirror lag at the failover, or filtered): the group receives them now` } : {}),
      });
    }
    if (local.has(c.topic)) {
      const r = translateForward(reverseMaps.get(topicPartitionKey(c.topic, c.partition)), c.offset);
      if ('reason' in r) reasons.push(`${reverse.source}->${reverse.target} map: ${r.reason}`);
      else candidates.push({
        group, fromTopic: c.topic, fromOffset: c.offset, toTopic: reverse.remoteTopic(c.topic), partition: c.partition, toOffset: r.toOffset, via: 'offset-map',
        exact: r.exact, redelivered: r.redelivered, notMirrored: r.notMirrored, ...(r.note ? { note: r.note } : {}),
      });
    }
    if (candidates.length === 0) {
      if (up !== null && fwd.has(up) || local.has(c.topic)) untranslatable.push({ group, topic: c.topic, partition: c.partition, offset: c.offset, reason: reasons.join('; ') || 'no map' });
      continue;
    }
    const byTopic = new Map<string, MovedOffset>();
    for (const m of candidates) {
      const prev = byTopic.get(m.toTopic);
      if (!prev) byTopic.set(m.toTopic, m);
      else byTopic.set(m.toTopic, { ...(m.toOffset < prev.toOffset ? m : prev), exact: false, note: 'identity naming: earlier of the two translations (records may be re-delivered)' });
    }
    moved.push(...byTopic.values());
  }
  return { moved, untranslatable };
}

/** Holder of one failback's in-process reverse flow: the reverse-flow step starts it, the caller stops it. */
export interface ReverseFlowRun {
  handle: MirrorMakerHandle | null;
}

/** Stops the in-process reverse flow if one runs; whether one was running. */
async function stopReverseFlow(run: ReverseFlowRun): Promise<boolean> {
  const h = run.handle;
  run.handle = null;
  await h?.stop();
  return h !== null;
}

/** What the plan and every step of one failback B→A work with. */
interface FailbackContext {
  o: FailbackOptions;
  /** B → A. */
  reverse: FlowContext;
  /** A → B. */
  forward: FlowContext;
  /** The reverse flow the reverse-flow step starts (its own Connect cluster) or checks (the external one). */
  reverseRun: FlowContext;
  runFlow: boolean;
  /** Properties of the in-process reverse flow for the selected B-local topics. */
  reverseRunProps: (localTopics: string[]) => Record<string, string>;
  running: ReverseFlowRun;
}

/** What the plan shows: the selection, the state of both flows, the reverse lag and the groups' members on each side. */
interface FailbackSurvey {
  sel: Selection;
  forwardStatus: FlowStatus;
  reverseStatus: FlowStatus;
  reverseLag: number;
  statesOnFrom: Map<string, GroupState>;
  statesOnTo: Map<string, GroupState>;
}

/** Properties of the reverse flow run in this process, limited to the selected B-local topics when --topics is given. */
function reverseRunProperties(raw: Record<string, string>, o: FailbackOptions, localTopics: string[]): Record<string, string> {
  // The in-process reverse flow is its own Connect cluster: a DR deployment usually already runs a B→A herder
  // (for heartbeats) in group `B-mm2` with replication disabled, and joining it with a different config would
  // leave its leader's config in force. Where the flow resumed is in the offset maps, which it shares.
  return singleFlowProperties(raw, o.from, o.to, {
    ...(o.topics && localTopics.length > 0 ? { [`${o.from}->${o.to}.topics`]: exactNames(localTopics) } : {}),
    [`${o.to}.group.id`]: `ferry-failback-${o.from}-mm2`,
    [`${o.to}.config.storage.topic`]: `ferry-failback-mm2-configs.${o.from}.internal`,
    [`${o.to}.offset.storage.topic`]: `ferry-failback-mm2-offsets.${o.from}.internal`,
    [`${o.to}.status.storage.topic`]: `ferry-failback-mm2-status.${o.from}.internal`,
  });
}

/** The flows of a failback (B→A, A→B, and the in-process reverse run) from the configuration; reads no cluster. */
function failbackContext(src: ClusterSource, o: FailbackOptions, running: ReverseFlowRun): FailbackContext {
  const raw = resolveRawProperties(src, o.from, o.to);
  const reverse = flowContext(raw, o.from, o.to);
  const forward = flowContext(raw, o.to, o.from);
  const runFlow = o.runFlow !== false;
  const reverseRunProps = (localTopics: string[]) => reverseRunProperties(raw, o, localTopics);
  const reverseRun = runFlow ? flowContext(reverseRunProps([]), o.from, o.to) : reverse;
  return { o, reverse, forward, reverseRun, runFlow, reverseRunProps, running };
}

/** Topics on B to fail back: B-local ones to copy back, and A's (upstream names) that A→B mirrored to B. */
function failbackTopics(fc: FailbackContext, onB: string[]): { localTopics: string[]; forwardTopics: string[] } {
  const { o, reverse, forward } = fc;
  const localTopics = selectTopics(reverse, onB, o.topics ?? null);
  const identity = forward.remoteTopic('x') === 'x';
  const forwardTopics = [...new Set(onB.map((t) => (identity ? null : upstreamOf(forward, t))).filter((t): t is string => t !== null && !forward.policy.isInternalTopic(forward.remoteTopic(t)) && !forward.policy.isHeartbeatsTopic(t)))]
    .filter((t) => (o.topics ? o.topics.matches(t) : true)).sort();
  if (identity) forwardTopics.push(...localTopics);
  if (localTopics.length === 0 && forwardTopics.length === 0) throw new OpsError(o.topics ? `--topics matches no topic on ${o.from}` : `no topics on ${o.from} to fail back`);
  return { localTopics, forwardTopics };
}

/** The topics on B a failback translates the groups' commits of (B-local ones and A's remote ones). */
function relevantTopics(forward: FlowContext, s: Pick<Selection, 'localTopics' | 'forwardTopics'>): Set<string> {
  return new Set([...s.localTopics, ...s.forwardTopics.map((t) => forward.remoteTopic(t))]);
}

/** The selected groups that have commits on B on the relevant topics. */
async function failbackGroups(fc: FailbackContext, b: ClusterAdmin, relevant: ReadonlySet<string>): Promise<string[]> {
  const candidates = selectGroups(fc.reverse, await b.consumerGroups(), fc.o.groups ?? null);
  const commits = await groupCommits(b, candidates, relevant);
  const groups = candidates.filter((g) => (commits[g] ?? []).length > 0);
  if (fc.o.groups && groups.length === 0) throw new OpsError(`--groups matches no consumer group with commits on ${fc.o.from}`);
  return groups;
}

/** Reads both clusters for the plan: the selection, both flows' states, the reverse lag and the groups' members. */
async function surveyFailback(fc: FailbackContext, a: ClusterAdmin, b: ClusterAdmin): Promise<FailbackSurvey> {
  const { localTopics, forwardTopics } = failbackTopics(fc, await b.topics());
  const groups = await failbackGroups(fc, b, relevantTopics(fc.forward, { localTopics, forwardTopics }));
  const forwardStatus = await readFlowStatus(fc.forward);
  const reverseStatus = await readFlowStatus(fc.reverseRun);
  const lag = await flowLag(fc.reverse, localTopics, b);
  const statesOnFrom = await b.groupStates(groups);
  const statesOnTo = await a.groupStates(groups);
  return { sel: { localTopics, forwardTopics, groups }, forwardStatus, reverseStatus, reverseLag: lag.total, statesOnFrom, statesOnTo };
}

/** The plan's lines for the operator. */
function renderFailbackPlan(fc: FailbackContext, v: FailbackSurvey): string[] {
  const { o, reverse, forward, runFlow } = fc;
  const { localTopics, forwardTopics, groups } = v.sel;
  const rstatus = v.reverseStatus;
  const fstatus = v.forwardStatus;
  return [
    `clusters: ${o.from} and ${o.to} reachable`,
    `reverse flow ${o.from}->${o.to}: ${runFlow ? 'runs in this process during the failback' : `external (${rstatus.found ? (rstatus.paused ? 'PAUSED' : rstatus.connectors[reverse.connectorNames.source] ?? 'configured') : 'not found on ' + o.to})`}; not yet mirrored: ${fmtCount(v.reverseLag)} record(s)`,
    `topics to copy back (${localTopics.length}): ${localTopics.map((t) => `${t} -> ${reverse.remoteTopic(t)}`).join(', ') || '(none)'}`,
    `topics mirrored from ${o.to} (${forwardTopics.length}): ${forwardTopics.map((t) => `${forward.remoteTopic(t)} -> ${t}`).join(', ') || '(none)'}`,
    `groups (${groups.length}): ${groups.map((g) => `${g}${(v.statesOnFrom.get(g)?.members ?? 0) > 0 ? ` [${v.statesOnFrom.get(g)!.members} active on ${o.from}: wait]` : ''}${(v.statesOnTo.get(g)?.members ?? 0) > 0 ? ` [${v.statesOnTo.get(g)!.members} ACTIVE on ${o.to}: skipped]` : ''}`).join(', ') || '(none)'}`,
    `forward flow ${o.to}->${o.from}: ${fstatus.found ? (fstatus.paused ? 'PAUSED' : 'running') : 'not found'}${o.resumeForward !== false && fstatus.paused ? ' — resumed at the end' : ''}`,
  ];
}

// ---------------------------------------------------------------------------------------------------- steps

/** Step `preflight`: records the selection in the journal (a resume works on the same topics and groups). */
function preflightStep(sel: Selection): OpStep {
  const { localTopics, forwardTopics, groups } = sel;
  return {
    name: 'preflight', title: `record the selection (${plural(localTopics.length + forwardTopics.length, 'topic')}, ${plural(groups.length, 'group')})`,
    run: async () => ({ details: sel, summary: `${localTopics.length} topic(s) to copy back, ${plural(groups.length, 'group')}` }),
  };
}

/** Step `reverse-flow`: starts the reverse flow in this process (again on a resume), or checks the external one runs. */
function reverseFlowStep(fc: FailbackContext, sel: Selection): OpStep {
  const { o, runFlow, reverseRun } = fc;
  return {
    name: 'reverse-flow', always: true, title: runFlow ? `run the reverse flow ${o.from}->${o.to} in this process` : `check the reverse flow ${o.from}->${o.to} runs`,
    run: async (ctx) => {
      const st = await readFlowStatus(reverseRun);
      if (st.paused) await setFlowTargetState(reverseRun, 'STARTED');
      if (!runFlow) {
        if (!st.found) ctx.out(`no dedicated-mode worker topics for ${o.from}->${o.to} on ${o.to}: make sure the reverse flow runs (ferry mirror with ${o.from}->${o.to}.enabled = true)`);
        return { summary: st.found ? `external flow ${st.paused ? 'resumed' : 'running'}` : 'external flow not found: waiting for it in the drain step' };
      }
      const s = ctx.details<Selection>('preflight') ?? sel;
      if (!fc.running.handle) fc.running.handle = await startFlowInProcess(fc.reverseRunProps(s.localTopics), o.from, o.to);
      return { summary: `running in this process${st.paused ? ' (resumed its paused connectors)' : ''}` };
    },
  };
}

/** Step `drain`: waits until the reverse flow copied everything, the groups stopped on B and have no members on A. */
function drainStep(fc: FailbackContext): OpStep {
  const { o, reverse } = fc;
  return {
    name: 'drain', title: `wait until ${o.from}->${o.to} has copied everything, the groups stopped on ${o.from} and have no members on ${o.to}`,
    run: async (ctx) => {
      const s = ctx.details<Selection>('preflight')!;
      const timeoutMs = o.timeoutMs ?? 300_000;
      const d = await waitForDrain(reverse, s.localTopics, s.groups, { timeoutMs, progress: ctx.progress, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      const staleMs = await withClusterAdmin(reverse.targetProps, (aAdmin) => waitGroupsInactive(aAdmin, o.to, s.groups, { timeoutMs: Math.max(0, timeoutMs - d.waitedMs), progress: ctx.progress, ...(ctx.signal ? { signal: ctx.signal } : {}) }), 'ferry-failback-members');
      return { details: { ...d, staleMembersMs: staleMs }, summary: renderDrainSummary(d.waitedMs, staleMs, o.to) };
    },
  };
}

/** The drain step's summary line. */
function renderDrainSummary(waitedMs: number, staleMs: number, to: string): string {
  return `lag 0 after ${fmtDuration(waitedMs)}${staleMs > 1000 ? `; waited ${fmtDuration(staleMs)} for left-over members on ${to} to expire` : ''}`;
}

/** Each group's commits on B translated for A (both directions' maps), and what could not be translated. */
function translateGroupsBack(
  fc: FailbackContext, s: Selection, commits: Record<string, { topic: string; partition: number; offset: number }[]>,
  forwardMaps: ReadonlyMap<string, OffsetMap>, reverseMaps: ReadonlyMap<string, OffsetMap>,
): TranslateDetails {
  const details: TranslateDetails = { groups: {}, untranslatable: [] };
  const local = new Set(s.localTopics);
  const fwd = new Set(s.forwardTopics);
  for (const g of s.groups) {
    const r = translateBack(g, commits[g] ?? [], fc.forward, fc.reverse, forwardMaps, reverseMaps, local, fwd);
    details.groups[g] = r.moved;
    details.untranslatable.push(...r.untranslatable);
  }
  return details;
}

/** The translate step's report lines (moves per group, then the untranslatable commits) and its summary. */
function renderTranslation(groups: string[], details: TranslateDetails, o: FailbackOptions, out: (l: string) => void): string {
  for (const g of groups) describeMoves(details.groups[g] ?? [], out, 12);
  for (const u of details.untranslatable) out(`${u.group}  ${u.topic}-${u.partition}@${u.offset}: NOT translatable — ${u.reason}`);
  const sum = summarizeMoves(Object.values(details.groups).flat());
  return `${plural(sum.partitions, 'partition')}: ${sum.exact} exact${sum.notMirrored > 0 ? `, ${sum.notMirrored} record(s) that never reached ${o.from} will be delivered on ${o.to}` : ''}${details.untranslatable.length > 0 ? `, ${details.untranslatable.length} untranslatable` : ''}`;
}

/** Step `translate`: reads the groups' commits on B and translates them for A. */
function translateStep(fc: FailbackContext): OpStep {
  const { o, reverse, forward } = fc;
  return {
    name: 'translate', title: `translate the groups' offsets on ${o.from} to ${o.to} (exact maps, both directions)`,
    run: async (ctx) => {
      const s = ctx.details<Selection>('preflight')!;
      const fmaps = (await loadFlowMaps(forward, new Set(s.forwardTopics))) ?? new Map();
      const rmaps = (await loadFlowMaps(reverse, new Set(s.localTopics))) ?? new Map();
      const commits = await withClusterAdmin(reverse.sourceProps, (bAdmin) => groupCommits(bAdmin, s.groups, relevantTopics(forward, s)), 'ferry-failback-translate');
      const details = translateGroupsBack(fc, s, commits, fmaps, rmaps);
      return { details, summary: renderTranslation(s.groups, details, o, ctx.out) };
    },
  };
}

/** Groups whose commit on A is missing or behind the translated offset, one problem each. */
async function committedOffsetProblems(fc: FailbackContext, byGroup: Record<string, MovedOffset[]>): Promise<string[]> {
  const problems: string[] = [];
  await withClusterAdmin(fc.reverse.targetProps, async (aAdmin) => {
    for (const [g, moves] of Object.entries(byGroup)) {
      const now = new Map((await aAdmin.groupOffsets(g)).map((x) => [topicPartitionKey(x.topic, x.partition), x.offset]));
      for (const m of moves) {
        const have = now.get(topicPartitionKey(m.toTopic, m.partition));
        if (have === undefined || have < m.toOffset) problems.push(`group ${g} on ${m.toTopic}-${m.partition}: ${have ?? 'no commit'} on ${fc.o.to}, expected ${m.toOffset}`);
      }
    }
  }, 'ferry-failback-verify');
  return problems;
}

/** Compares the tail of the copied records on A with B, then checks the committed offsets on A. */
async function verifyFailback(fc: FailbackContext, s: Selection, t: TranslateDetails, tail: number): Promise<{ problems: string[]; matched: number }> {
  const problems: string[] = [];
  let matched = 0;
  if (s.localTopics.length > 0) {
    const report = await verifyFlow(fc.reverse, { selectedTopics: s.localTopics, tailRecords: tail, checkAcls: false, checkConfigs: false });
    problems.push(...report.problems);
    matched = report.summary.matched;
  }
  problems.push(...(await committedOffsetProblems(fc, t.groups)));
  return { problems, matched };
}

/** Step `verify`: verifies the copied records and the committed offsets, and reports the problems. */
function verifyStep(fc: FailbackContext, tail: number): OpStep {
  return {
    name: 'verify', title: `verify the copied records (last ${fmtCount(tail)} per partition) and the committed offsets`,
    run: async (ctx) => {
      const s = ctx.details<Selection>('preflight')!;
      const t = ctx.details<TranslateDetails>('translate')!;
      const { problems, matched } = await verifyFailback(fc, s, t, tail);
      for (const p of problems.slice(0, 20)) ctx.out(`problem: ${p}`);
      return { details: { ok: problems.length === 0, problems: problems.slice(0, 100), matched }, failed: problems.length > 0, summary: problems.length === 0 ? `ok: ${fmtCount(matched)} copied records identical, group offsets in place` : `MISMATCH: ${plural(problems.length, 'problem')}` };
    },
  };
}

/** Step `stop-reverse-flow`: stops the in-process reverse flow, or pauses the external one. */
function stopReverseFlowStep(fc: FailbackContext): OpStep {
  const { o, reverse } = fc;
  return {
    name: 'stop-reverse-flow', title: `stop the reverse flow ${o.from}->${o.to}`,
    run: async () => {
      if (fc.runFlow) return { summary: (await stopReverseFlow(fc.running)) ? 'in-process flow stopped' : 'not running' };
      try {
        await setFlowTargetState(reverse, 'PAUSED');
        return { summary: 'paused' };
      } catch (e) {
        if (!(e instanceof OpsError)) throw e;
        return { summary: `not paused: ${e.message}` };
      }
    },
  };
}

/** Step `resume-forward`: resumes A→B if a failover paused it, so B is the DR copy again. */
function resumeForwardStep(fc: FailbackContext): OpStep {
  const { o, forward } = fc;
  return {
    name: 'resume-forward', title: `resume the flow ${o.to}->${o.from} if a failover paused it (${o.from} becomes the DR copy again)`,
    run: async () => {
      const st = await readFlowStatus(forward);
      if (!st.found) return { summary: `flow ${o.to}->${o.from} not found on ${o.from}: start it where it runs` };
      if (!st.paused) return { summary: 'already running' };
      await setFlowTargetState(forward, 'STARTED');
      return { summary: 'resumed' };
    },
  };
}

/** The failback's steps in order (verify and resume-forward only when asked for). */
function failbackSteps(fc: FailbackContext, sel: Selection): OpStep[] {
  const tail = fc.o.verifyTail ?? 1000;
  return [
    preflightStep(sel),
    reverseFlowStep(fc, sel),
    drainStep(fc),
    translateStep(fc),
    commitStep(fc.reverse, { title: `commit them on ${fc.o.to} (forward only; groups active on ${fc.o.to} are skipped)`, clientId: 'ferry-failback-commit' }),
    ...(tail > 0 ? [verifyStep(fc, tail)] : []),
    stopReverseFlowStep(fc),
    ...(fc.o.resumeForward !== false ? [resumeForwardStep(fc)] : []),
  ];
}

/**
 * Builds the failback plan (reads both clusters; changes nothing). The reverse flow its reverse-flow step starts
 * in this process is put in `running`: the caller stops it when the plan has run (runFailback does).
 */
export async function planFailback(src: ClusterSource, o: FailbackOptions, running: ReverseFlowRun = { handle: null }): Promise<OperationPlan> {
  const fc = failbackContext(src, o, running);
  await requireReachable(fc.reverse.sourceProps, o.from);
  await requireReachable(fc.reverse.targetProps, o.to);
  const v = await withClusterAdmin(fc.reverse.sourceProps, (b) => withClusterAdmin(fc.reverse.targetProps, (a) => surveyFailback(fc, a, b), 'ferry-failback-a'), 'ferry-failback-b');
  const { localTopics, forwardTopics, groups } = v.sel;
  return {
    kind: 'failback', opKey: `failback:${o.from}->${o.to}`, from: o.from, to: o.to, title: `Failback ${o.from} -> ${o.to}`,
    lines: renderFailbackPlan(fc, v), steps: failbackSteps(fc, v.sel), blockers: [], journalProps: fc.reverse.targetProps,
    data: { localTopics, forwardTopics, groups, reverseLag: v.reverseLag, runFlow: fc.runFlow }, args: { runFlow: fc.runFlow },
  };
}

export async function runFailback(src: ClusterSource, o: FailbackOptions, exec: ExecuteOptions = {}): Promise<OperationResult> {
  const running: ReverseFlowRun = { handle: null };
  const plan = await planFailback(src, o, running);
  try {
    return await executePlan(plan, exec);
  } finally {
    // Whatever happened, the in-process reverse flow does not outlive the command (a re-run starts it again).
    await stopReverseFlow(running);
  }
}
