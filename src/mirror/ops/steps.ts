// Building blocks the operations share: replication lag of a flow from its offset maps, waiting for a flow to
// drain, reading a group's commits, committing moved offsets forward-only on the cluster a group moves to, and the
// step factories failover and migrate both run (preflight, translate, commit, pause-flow).
import { withClusterAdmin, type ClusterAdmin } from '../../kafka/cluster-admin.js';
import type { ClientProps } from '../../kafka/client.js';
import { GroupActiveError, commitGroupOffsets } from './offsets.js';
import { planGroupOffsetSync } from '../../connectors/mirror/checkpoints.js';
import { topicPartitionKey, type OffsetMap } from '../../connectors/mirror/offset-map.js';
import { OPS_EXIT, OpsError, loadFlowMaps, readCheckpoints, setFlowTargetState, topicWatermarks, type FlowContext } from './context.js';
import { sleep } from '../../backoff.js';
import type { OpStep } from './plan.js';
import { summarizeMoves, translateGroupForward, type MovedOffset, type Untranslatable } from './translate.js';
import { fmtCount, fmtDuration, plural } from './format.js';

export interface PartitionLag {
  topic: string;
  partition: number;
  low: number;
  end: number;
  /** Upstream offset the mirror has processed up to (exclusive); null when nothing was mirrored. */
  processed: number | null;
  lag: number;
  /** Records that expired on the source before the mirror read them. */
  expired: number;
  /** The source partition is shorter than what the mirror processed (deleted and re-created, truncated). */
  recreated: boolean;
}

export interface FlowLag {
  total: number;
  partitions: PartitionLag[];
  mapsReadable: boolean;
  at: number;
}

/** Replication lag of the selected source topics: source end offsets vs how far the offset maps say the mirror got. */
export async function flowLag(flow: FlowContext, topics: string[], source: ClusterAdmin, maps?: Map<string, OffsetMap> | null): Promise<FlowLag> {
  const m = maps === undefined ? await loadFlowMaps(flow, new Set(topics)) : maps;
  const marks = await topicWatermarks(source, topics);
  const out: FlowLag = { total: 0, partitions: [], mapsReadable: m !== null, at: Date.now() };
  for (const t of topics) {
    for (const [p, w] of (marks.get(t) ?? []).entries()) {
      if (!w) continue;
      const map = m?.get(topicPartitionKey(t, p));
      const last = map?.lastMirrored;
      const processed = map && !map.isEmpty ? (map.processedUpTo ?? (last ? last.upstreamOffset + 1 : null)) : null;
      const from = processed ?? w.low;
      const lag = Math.max(0, w.high - Math.max(from, w.low));
      const pl: PartitionLag = { topic: t, partition: p, low: w.low, end: w.high, processed, lag, expired: processed !== null && w.low > processed ? w.low - processed : 0, recreated: processed !== null && w.high < processed };
      out.total += lag;
      out.partitions.push(pl);
    }
  }
  return out;
}

export interface DrainResult {
  waitedMs: number;
  ends: Record<string, number>;
  lag: number;
}

/**
 * Waits until the flow has mirrored everything on the selected topics and the selected groups have no members
 * on the source (their final commits are in). Throws OpsError(precondition) naming what is still pending.
 */
export async function waitForDrain(
  flow: FlowContext, topics: string[], groups: string[], opts: { timeoutMs: number; progress: (l: string) => void; signal?: AbortSignal; requireInactiveGroups?: boolean },
): Promise<DrainResult> {
  const started = Date.now();
  let lastReport = 0;
  return withClusterAdmin(flow.sourceProps, async (source) => {
    for (;;) {
      const lag = await flowLag(flow, topics, source);
      const recreated = lag.partitions.filter((p) => p.recreated);
      if (recreated.length > 0) {
        throw new OpsError(`source partition(s) ${recreated.map((p) => `${p.topic}-${p.partition}`).join(', ')} are shorter than what the mirror processed: the topic was deleted and re-created on ${flow.source}; the mirror cannot drain it`, OPS_EXIT.precondition);
      }
      const active: string[] = [];
      if (opts.requireInactiveGroups !== false && groups.length > 0) {
        const states = await source.groupStates(groups);
        for (const g of groups) {
          const st = states.get(g);
          if (st && st.members > 0) active.push(`${g} (${plural(st.members, 'member')})`);
        }
      }
      if (lag.mapsReadable && lag.total === 0 && active.length === 0) {
        const ends: Record<string, number> = {};
        for (const p of lag.partitions) ends[topicPartitionKey(p.topic, p.partition)] = p.end;
        return { waitedMs: Date.now() - started, ends, lag: 0 };
      }
      const waited = Date.now() - started;
      const behind = lag.partitions.filter((p) => p.lag > 0);
      const what = [
        ...(!lag.mapsReadable ? [`no offset maps ${flow.mapsTopic} yet (is the flow running?)`] : []),
        ...(lag.total > 0 ? [`lag ${fmtCount(lag.total)} record(s) on ${behind.slice(0, 5).map((p) => `${p.topic}-${p.partition} (${p.lag})`).join(', ')}${behind.length > 5 ? ', …' : ''}`] : []),
        ...(active.length > 0 ? [`active on ${flow.source}: ${active.join(', ')} (stop these consumers)`] : []),
      ];
      if (waited >= opts.timeoutMs || opts.signal?.aborted) {
        throw new OpsError(`${flow.source}->${flow.target} did not drain within ${fmtDuration(opts.timeoutMs)}: ${what.join('; ')}. Stop producers and consumers on ${flow.source} (and check the flow is running), then re-run.`, OPS_EXIT.precondition);
      }
      if (Date.now() - lastReport >= 2000) {
        opts.progress(`waiting (${fmtDuration(waited)}): ${what.join('; ')}`);
        lastReport = Date.now();
      }
      await sleep(500, opts.signal);
    }
  }, 'ferry-ops-drain');
}

/**
 * Waits until the groups have no members on a cluster. After an outage a coordinator restores the members the
 * group had when it died, and keeps them until their session times out: a failback has to wait for that.
 */
export async function waitGroupsInactive(admin: ClusterAdmin, alias: string, groups: string[], opts: { timeoutMs: number; progress: (l: string) => void; signal?: AbortSignal }): Promise<number> {
  const started = Date.now();
  let lastReport = 0;
  for (;;) {
    const states = await admin.groupStates(groups);
    const active = groups.filter((g) => (states.get(g)?.members ?? 0) > 0);
    if (active.length === 0) return Date.now() - started;
    const what = active.map((g) => `${g} (${plural(states.get(g)!.members, 'member')})`).join(', ');
    if (Date.now() - started >= opts.timeoutMs || opts.signal?.aborted) {
      throw new OpsError(`groups still have members on ${alias} after ${fmtDuration(opts.timeoutMs)}: ${what}. Stop those consumers (members left over from before an outage expire after the group's session timeout), then re-run.`, OPS_EXIT.precondition);
    }
    if (Date.now() - lastReport >= 5000) {
      opts.progress(`waiting for members to leave on ${alias}: ${what} (left-over members expire after the session timeout)`);
      lastReport = Date.now();
    }
    await sleep(1000, opts.signal);
  }
}

export interface GroupCommitResult {
  group: string;
  status: 'committed' | 'unchanged' | 'skipped-active' | 'failed';
  committed: { topic: string; partition: number; offset: number }[];
  /** Partitions left alone because the target already is at or past the translation (never moved back). */
  keptAhead: { topic: string; partition: number; offset: number; current: number }[];
  members?: number;
  error?: string;
}

/**
 * Commits translated offsets on the cluster the groups move to: only forward, and never for a group with active
 * members there (it is reported, and the step is incomplete so a re-run retries it).
 */
export async function commitMoves(admin: ClusterAdmin, byGroup: Record<string, MovedOffset[]>, alias: string, out: (l: string) => void, props?: ClientProps): Promise<{ results: GroupCommitResult[]; incomplete: boolean }> {
  const groups = Object.keys(byGroup).sort();
  const states = await admin.groupStates(groups);
  const results: GroupCommitResult[] = [];
  let incomplete = false;
  for (const g of groups) {
    const moves = byGroup[g] ?? [];
    const st = states.get(g);
    if (st && st.members > 0) {
      results.push({ group: g, status: 'skipped-active', committed: [], keptAhead: [], members: st.members });
      out(`group ${g}: NOT committed — ${plural(st.members, 'active member')} on ${alias} (stop its consumers there and re-run)`);
      incomplete = true;
      continue;
    }
    const current = await admin.groupOffsets(g);
    const plan = planGroupOffsetSync({
      group: g, translated: moves.map((m) => ({ topic: m.toTopic, partition: m.partition, offset: m.toOffset })), targetCommitted: current, hasActiveMembers: false,
    });
    const keptAhead = plan.skipped.filter((s) => s.reason === 'not-ahead' && s.current > s.offset).map((s) => ({ topic: s.topic, partition: s.partition, offset: s.offset, current: s.current }));
    if (plan.commit.length === 0) {
      results.push({ group: g, status: 'unchanged', committed: [], keptAhead });
      out(`group ${g}: already at the translated offsets on ${alias}${keptAhead.length > 0 ? ` (${keptAhead.length} partition(s) ahead, left as is)` : ''}`);
      continue;
    }
    try {
      if (props) await commitGroupOffsets(props, g, plan.commit);
      else await admin.setGroupOffsets(g, plan.commit);
      results.push({ group: g, status: 'committed', committed: plan.commit.map((c) => ({ topic: c.topic, partition: c.partition, offset: c.offset })), keptAhead });
      const exact = moves.filter((m) => m.exact).length;
      out(`group ${g}: committed ${plural(plan.commit.length, 'partition')} on ${alias} (${exact}/${moves.length} exact)${keptAhead.length > 0 ? `; ${keptAhead.length} partition(s) already ahead, left as is` : ''}`);
    } catch (e) {
      // Members joined between the check and the commit: the broker refuses, which is what we want.
      results.push({ group: g, status: e instanceof GroupActiveError ? 'skipped-active' : 'failed', committed: [], keptAhead, error: (e as Error).message });
      out(`group ${g}: commit refused on ${alias}: ${(e as Error).message}`);
      incomplete = true;
    }
  }
  return { results, incomplete };
}

/** Committed offsets of groups on the selected topics. */
export async function groupCommits(admin: ClusterAdmin, groups: string[], topics: ReadonlySet<string>): Promise<Record<string, { topic: string; partition: number; offset: number }[]>> {
  const out: Record<string, { topic: string; partition: number; offset: number }[]> = {};
  for (const g of groups) out[g] = (await admin.groupOffsets(g)).filter((o) => topics.has(o.topic));
  return out;
}

export function describeMoves(moves: readonly MovedOffset[], out: (l: string) => void, limit = 30): void {
  let shown = 0;
  for (const m of moves) {
    if (shown++ >= limit) { out(`… ${moves.length - limit} more`); break; }
    out(`${m.group}  ${m.fromTopic}-${m.partition}@${m.fromOffset} -> ${m.toTopic}-${m.partition}@${m.toOffset}  ${m.exact ? 'exact' : 'inexact'} (${m.via})${m.note ? `  ${m.note}` : ''}`);
  }
}

// ------------------------------------------------------------------------------------------------ step factories

/** The topics and groups an operation works on, recorded by its `preflight` step: a resume works on the same. */
export interface Selection {
  topics: string[];
  groups: string[];
}

/** Step `preflight`: records the selection in the journal. */
export function preflightStep(sel: Selection): OpStep {
  const summary = `${plural(sel.topics.length, 'topic')}, ${plural(sel.groups.length, 'group')}`;
  return { name: 'preflight', title: `record the selection (${summary})`, run: async () => ({ details: sel, summary }) };
}

/** What the `translate` step records: each group's moves, and the commits nothing could translate. */
export interface TranslateDetails {
  groups: Record<string, MovedOffset[]>;
  untranslatable: Untranslatable[];
}

export interface TranslateStepOptions {
  title: string;
  /** Client id of the admin that reads the groups' commits on the source. */
  clientId: string;
  /** A commit the offset maps cannot translate falls back to the group's newest checkpoint (failover); migrate has none. */
  checkpointFallback: boolean;
}

/** Renders the summary of the `translate` step. */
export function renderTranslateSummary(d: TranslateDetails): string {
  const sum = summarizeMoves(Object.values(d.groups).flat());
  const untranslatable = d.untranslatable.length > 0 ? `, ${d.untranslatable.length} untranslatable` : '';
  return `${plural(sum.partitions, 'partition')} in ${plural(Object.keys(d.groups).length, 'group')}: ${sum.exact} exact, ${sum.redelivered} record(s) to re-deliver${untranslatable}`;
}

/** Renders a commit nothing could translate. */
function renderUntranslatable(u: Untranslatable): string {
  return `${u.group}  ${u.topic}-${u.partition}@${u.offset}: NOT translatable — ${u.reason}`;
}

/** Step `translate`: the selected groups' commits on the flow's source, moved exactly through the offset maps. */
export function translateStep(flow: FlowContext, o: TranslateStepOptions): OpStep {
  return {
    name: 'translate', title: o.title,
    run: async (ctx) => {
      const s = ctx.details<Selection>('preflight')!;
      const topics = new Set(s.topics);
      const maps = (await loadFlowMaps(flow, topics)) ?? new Map<string, OffsetMap>();
      const checkpoints = o.checkpointFallback ? await readCheckpoints(flow) : null;
      const commits = await withClusterAdmin(flow.sourceProps, (source) => groupCommits(source, s.groups, topics), o.clientId);
      const details: TranslateDetails = { groups: {}, untranslatable: [] };
      for (const g of s.groups) {
        const cps = checkpoints?.get(g);
        const fallback = cps ? (t: string, p: number) => cps.get(topicPartitionKey(flow.remoteTopic(t), p)) : undefined;
        const r = translateGroupForward(g, commits[g] ?? [], maps, flow.remoteTopic, fallback);
        details.groups[g] = r.moved;
        details.untranslatable.push(...r.untranslatable);
        describeMoves(r.moved, ctx.out, 12);
      }
      for (const u of details.untranslatable) ctx.out(renderUntranslatable(u));
      return { details, summary: renderTranslateSummary(details) };
    },
  };
}

/** Renders the summary of the `commit` step. */
export function renderCommitSummary(r: { results: GroupCommitResult[] }, alias: string): string {
  const count = (...st: GroupCommitResult['status'][]) => r.results.filter((x) => st.includes(x.status)).length;
  const skipped = count('skipped-active', 'failed');
  return `${count('committed')} group(s) committed, ${count('unchanged')} unchanged${skipped > 0 ? `, ${skipped} SKIPPED (active on ${alias})` : ''}`;
}

/** Step `commit`: the translated offsets committed on the flow's target, forward only; groups active there are skipped. */
export function commitStep(flow: FlowContext, o: { title: string; clientId: string }): OpStep {
  return {
    name: 'commit', title: o.title,
    run: async (ctx) => {
      const t = ctx.details<Pick<TranslateDetails, 'groups'>>('translate')!;
      const r = await withClusterAdmin(flow.targetProps, (target) => commitMoves(target, t.groups, flow.target, ctx.out, flow.targetProps), o.clientId);
      return { details: r.results, incomplete: r.incomplete, summary: renderCommitSummary(r, flow.target) };
    },
  };
}

/** Step `pause-flow`: pauses the flow's source and checkpoint connectors where it runs as a dedicated-mode flow. */
export function pauseStep(flow: FlowContext, title?: string): OpStep {
  return {
    name: 'pause-flow', title: title ?? `pause the flow ${flow.source}->${flow.target} (${flow.connectorNames.source}, ${flow.connectorNames.checkpoint})`,
    run: async (ctx) => {
      try {
        const previous = await setFlowTargetState(flow, 'PAUSED');
        return { details: { previous }, summary: `paused (was ${Object.values(previous).join('/')})` };
      } catch (e) {
        if (!(e instanceof OpsError)) throw e;
        ctx.out(e.message);
        return { details: { skipped: e.message }, summary: 'not paused: the flow is not a dedicated-mode flow on the target (pause it where it runs)' };
      }
    },
  };
}
