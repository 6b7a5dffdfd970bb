// `ferry verify`, data: per partition, the range the mirror has processed is located through the exact offset map
// (source [from, to) ↔ target [T(from), T(to))) and both sides are compared record by record (ops-compare.ts).
// Partitions run in parallel with bounded concurrency; the safety checks MM2 lacks are made here too — records that
// expired on the source before they were mirrored, a source partition shorter than what the mirror already processed
// (deleted and re-created, or truncated), a target partition shorter than what the mirror wrote.
import type { TopicConfigEntry } from '../../kafka/cluster-admin.js';
import { topicPartitionKey, type OffsetMap } from '../../connectors/mirror/offset-map.js';
import { comparePartition, emptyCounts } from './compare.js';
import { loadFlowMaps, topicWatermarks, type PartitionEnds } from './context.js';
import { renderPartitionProblems } from './verify-render.js';
import type { PartitionPlan, PartitionResult, VerifyScope } from './verify-types.js';

/** The data check's outcome: partition results (sorted), records read, bytes compared, whether the maps were readable. */
export interface DataResult {
  partitions: PartitionResult[];
  records: number;
  bytes: number;
  mapsMissing: boolean;
}

/** One partition to compare, with everything known about it before reading records. */
interface PartitionJob {
  topic: string;
  remoteTopic: string;
  partition: number;
  sm: PartitionEnds;
  tm: PartitionEnds;
  /** Null: the flow's maps are unreadable; undefined: no map for this partition. */
  map: OffsetMap | undefined | null;
  compacted: boolean;
}

/** The data check: every partition present on both sides compared, progress reported while it runs. */
export async function checkData(scope: VerifyScope, started: number): Promise<DataResult> {
  if (scope.opts.checkData === false) return { partitions: [], records: 0, bytes: 0, mapsMissing: false };
  const { flow, topics } = scope;
  // Order matters for detecting records produced directly to the target at its end: target ends first,
  // then the maps, then the source ends (see the caught-up case in mappedPlan).
  const targetMarks = await topicWatermarks(scope.tgt, scope.presentRemote);
  const maps = await loadFlowMaps(flow, new Set(topics));
  const sourceMarks = await topicWatermarks(scope.src, topics);
  const jobs: PartitionJob[] = [];
  for (const t of topics) {
    const r = scope.remote.get(t)!;
    const n = Math.min(scope.sourceCounts.get(t) ?? 0, scope.targetCounts.get(r) ?? 0);
    const compacted = isCompacted(scope.sourceConfigs.get(t)) || isCompacted(scope.targetConfigs.get(r));
    for (let p = 0; p < n; p++) {
      jobs.push({
        topic: t, remoteTopic: r, partition: p, sm: sourceMarks.get(t)?.[p] ?? { low: 0, high: 0 }, tm: targetMarks.get(r)?.[p] ?? { low: 0, high: 0 },
        map: maps === null ? null : maps.get(topicPartitionKey(t, p)), compacted,
      });
    }
  }
  return { ...await runJobs(scope, jobs, started), mapsMissing: maps === null };
}

/** Runs the partition comparisons with bounded concurrency, reporting progress each second and at the end. */
async function runJobs(scope: VerifyScope, jobs: PartitionJob[], started: number): Promise<Omit<DataResult, 'mapsMissing'>> {
  const { opts } = scope;
  const partitions: PartitionResult[] = [];
  let records = 0;
  let bytes = 0;
  const tick = () => opts.onProgress?.({ partitionsDone: partitions.length, partitions: jobs.length, records, elapsedMs: Date.now() - started });
  const timer = opts.onProgress ? setInterval(tick, 1000) : null;
  timer?.unref();
  try {
    await pool(jobs, opts.concurrency ?? 4, async (job) => {
      const res = await verifyPartition(scope, job, (n) => { records += n; });
      bytes += res.bytes;
      partitions.push(res.result);
    });
  } finally {
    if (timer) clearInterval(timer);
    tick();
  }
  partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return { partitions, records, bytes };
}

/** One partition: plan the ranges from the map, compare them, word the problems, decide the status. */
async function verifyPartition(scope: VerifyScope, job: PartitionJob, onRecords: (n: number) => void): Promise<{ result: PartitionResult; bytes: number }> {
  const { flow, opts } = scope;
  const { sm, tm } = job;
  const plan = planPartition(sm, tm, job.map, opts.tailRecords);
  const result: PartitionResult = {
    topic: job.topic, remoteTopic: job.remoteTopic, partition: job.partition, status: 'ok',
    source: { ...sm, from: plan.from, to: plan.to }, target: { ...tm, from: plan.targetFrom, to: plan.targetTo },
    mirror: plan.mirror, lag: plan.lag, counts: emptyCounts(), sourceSha256: null, targetSha256: null, details: null, safety: plan.safety, problems: [],
  };
  let bytes = 0;
  if (plan.kind === 'unmapped' || plan.kind === 'mapped') {
    const cmp = await comparePartition({
      sourceProps: flow.sourceProps, targetProps: flow.targetProps, sourceTopic: job.topic, targetTopic: job.remoteTopic, partition: job.partition,
      from: plan.from, to: plan.to, targetFrom: Math.max(plan.targetFrom, tm.low), targetTo: plan.targetTo, targetLow: tm.low, runs: plan.runs,
      targetAlias: flow.target, compacted: job.compacted, readCommitted: flow.readCommitted, onRecords,
    });
    const { details, sourceSha256, targetSha256, bytes: cmpBytes, ...counts } = cmp;
    Object.assign(result, { counts, sourceSha256, targetSha256, details });
    bytes = cmpBytes;
  }
  result.problems = renderPartitionProblems(flow, result, plan, opts);
  result.status = result.problems.length > 0 ? 'mismatch' : result.lag > 0 ? 'lagging' : 'ok';
  return { result, bytes };
}

/** What to compare for one partition, from its ends on both sides and its offset map. */
function planPartition(sm: PartitionEnds, tm: PartitionEnds, map: OffsetMap | undefined | null, tailRecords: number | undefined): PartitionPlan {
  const base = { runs: null, from: sm.low, to: sm.low, targetFrom: tm.low, targetTo: tm.low, mirror: null, processed: sm.low, lag: 0, safety: [] };
  // Maps unreadable: compare the logs as sequences from their starts.
  if (map === null) return { ...base, kind: 'unmapped', to: sm.high, targetTo: tm.high };
  if (!map || map.isEmpty) return { ...base, kind: 'nothing-mirrored', lag: sm.high > sm.low ? sm.high - sm.low : 0 };
  return mappedPlan(sm, tm, map, tailRecords);
}

/** The ranges aligned through a non-empty map, with the safety findings (re-created source, expiry, truncated target). */
function mappedPlan(sm: PartitionEnds, tm: PartitionEnds, map: OffsetMap, tailRecords: number | undefined): PartitionPlan {
  const last = map.lastMirrored;
  const processed = map.processedUpTo ?? (last ? last.upstreamOffset + 1 : sm.low);
  const mirror = { start: map.startOffset ?? null, processedUpTo: map.processedUpTo ?? null, lastUpstream: last?.upstreamOffset ?? null, lastDownstream: last?.downstreamOffset ?? null };
  const base = { runs: null, from: sm.low, to: sm.low, targetFrom: tm.low, targetTo: tm.low, mirror, processed, lag: 0 };
  if (sm.high < processed) return { ...base, kind: 'source-recreated', safety: ['source-recreated'] };
  const safety: string[] = [];
  if (sm.low > processed) safety.push('expired-before-mirrored');
  if (last && tm.high < last.downstreamOffset + 1) safety.push('target-truncated');
  let from = Math.max(sm.low, map.startOffset ?? sm.low);
  if (from > sm.low) safety.push(`not-covered:${from - sm.low}`);
  const to = Math.min(sm.high, processed);
  if (tailRecords && tailRecords > 0) from = Math.max(from, to - tailRecords);
  if (from > to) from = to;
  const tr = (g: number): number => map.translateDetailed(g)?.downstreamOffset ?? tm.high;
  let targetTo = tr(to);
  // Caught up: everything on the target up to its end (read before the map) is either a mirrored record or
  // does not belong there — so records produced directly to the target after the last mirrored one are found.
  if (to === sm.high && processed >= sm.high) targetTo = Math.max(targetTo, tm.high);
  return {
    ...base, kind: 'mapped', runs: map.segments(), from, to, targetFrom: from < to ? tr(from) : tr(to), targetTo,
    lag: Math.max(0, sm.high - processed), safety,
  };
}

/** Whether a topic's cleanup.policy includes compaction. */
function isCompacted(entries: TopicConfigEntry[] | undefined): boolean {
  const v = entries?.find((e) => e.name === 'cleanup.policy')?.value ?? 'delete';
  return v.split(',').map((s) => s.trim()).includes('compact');
}

/** Runs fn over items, at most `limit` at once. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
