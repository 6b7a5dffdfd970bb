// Building blocks the operations share: replication lag of a flow from its offset maps, waiting for a flow to
// drain, reading a group's commits, and committing moved offsets forward-only on the cluster a group moves to.
import { ClusterAdmin } from '../../kafka/cluster-admin.js';
import type { ClientProps } from '../../kafka/client.js';
import { GroupActiveError, commitGroupOffsets } from './offsets.js';
import { planGroupOffsetSync } from '../../connectors/mirror/checkpoints.js';
import { topicPartitionKey, type OffsetMap } from '../../connectors/mirror/offset-map.js';
import { OPS_EXIT, OpsError, loadFlowMaps, sleep, topicWatermarks, type FlowContext } from './context.js';
import type { MovedOffset } from './translate.js';
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
  const source = new ClusterAdmin(flow.sourceProps, 'ferry-ops-drain');
  const started = Date.now();
  let lastReport = 0;
  try {
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
  } finally {
    await source.close();
  }
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
