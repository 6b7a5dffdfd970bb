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
import { ClusterAdmin, type AclBinding as AdminAcl, type TopicConfigEntry } from '../kafka/cluster-admin.js';
import { newTopicConfigs, targetTopicAcls, type AclBinding } from '../connectors/mirror/topic-config-sync.js';
import { toPolicyEntries } from '../connectors/mirror/source-connector.js';
import { shouldReplicateTopic, type PatternList } from '../connectors/mirror/filters.js';
import { topicPartitionKey, type OffsetMap } from '../connectors/mirror/offset-map.js';
import { comparePartition, type CompareCounts, type CompareResult, type RecordRef } from './ops-compare.js';
import {
  OPS_EXIT, OpsError, loadFlowMaps, selectGroups, selectTopics, topicWatermarks, type FlowContext, type PartitionEnds,
} from './ops-context.js';
import { translateForward } from './ops-translate.js';
import { fmtBytes, fmtCount, fmtDuration, plural } from './ops-format.js';

export interface VerifyOptions {
  topics?: PatternList | null;
  groups?: PatternList | null;
  /** Use these source topics instead of selecting (operations pass their own selection). */
  selectedTopics?: string[];
  selectedGroups?: string[];
  /** Partitions compared at once (default 4). */
  concurrency?: number;
  /** Compare only the last N mirrored records of each partition (0/undefined: everything). */
  tailRecords?: number;
  /** Records the mirror has not processed yet (lag) count as a mismatch. */
  strict?: boolean;
  /** Re-sent copies after a mirror crash do not count as a mismatch. */
  allowDuplicates?: boolean;
  checkData?: boolean;
  checkConfigs?: boolean;
  checkAcls?: boolean;
  onProgress?: (p: VerifyProgress) => void;
}

export interface VerifyProgress {
  partitionsDone: number;
  partitions: number;
  records: number;
  elapsedMs: number;
}

export type PartitionStatus = 'ok' | 'mismatch' | 'lagging' | 'unverified';

export interface PartitionResult {
  topic: string;
  remoteTopic: string;
  partition: number;
  status: PartitionStatus;
  source: PartitionEnds & { from: number; to: number };
  target: PartitionEnds & { from: number; to: number };
  mirror: { start: number | null; processedUpTo: number | null; lastUpstream: number | null; lastDownstream: number | null } | null;
  /** Source records the mirror has not processed yet. */
  lag: number;
  counts: CompareCounts;
  sourceSha256: string | null;
  targetSha256: string | null;
  details: CompareResult['details'] | null;
  /** Safety findings (expired before mirrored, re-created source, …). */
  safety: string[];
  problems: string[];
}

export interface ConfigDifference {
  topic: string;
  remoteTopic: string;
  key: string;
  source: string | null;
  target: string | null;
  kind: 'different' | 'missing-on-target' | 'target-only';
}

export interface TopicResult {
  topic: string;
  remoteTopic: string;
  sourcePartitions: number;
  targetPartitions: number | null;
  configDifferences: ConfigDifference[];
  problems: string[];
}

export interface AclResult {
  checked: boolean;
  reason?: string;
  missingOnTarget: AclBinding[];
  problems: string[];
}

export interface GroupPartitionResult {
  topic: string;
  remoteTopic: string;
  partition: number;
  sourceOffset: number;
  expectedTargetOffset: number | null;
  targetOffset: number | null;
  status: 'ok' | 'not-synced' | 'behind' | 'ahead' | 'untranslatable';
  note?: string;
}

export interface GroupResult {
  group: string;
  ok: boolean;
  partitions: GroupPartitionResult[];
  problems: string[];
}

export interface VerifyReport {
  from: string;
  to: string;
  ok: boolean;
  startedAt: string;
  elapsedMs: number;
  summary: {
    topics: number;
    partitions: number;
    partitionsOk: number;
    sourceRecords: number;
    targetRecords: number;
    matched: number;
    altered: number;
    missing: number;
    extra: number;
    duplicates: number;
    lag: number;
    bytes: number;
    recordsPerSecond: number;
  };
  topics: TopicResult[];
  partitions: PartitionResult[];
  acls: AclResult;
  groups: GroupResult[];
  /** One line per problem, each naming topic, partition, offsets or key precisely. */
  problems: string[];
  warnings: string[];
}

function isCompacted(entries: TopicConfigEntry[] | undefined): boolean {
  const v = entries?.find((e) => e.name === 'cleanup.policy')?.value ?? 'delete';
  return v.split(',').map((s) => s.trim()).includes('compact');
}

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

const ZERO_COUNTS: CompareCounts = { sourceRecords: 0, targetRecords: 0, matched: 0, altered: 0, missing: 0, extra: 0, duplicates: 0, notMirrored: 0, loopPrevented: 0, compactedOnSource: 0, compactedOnTarget: 0 };

/** Groups consecutive refs (source and target offsets both +1, same reason) into runs. */
function coalesce(refs: readonly RecordRef[]): RecordRef[][] {
  const out: RecordRef[][] = [];
  for (const r of refs) {
    const run = out[out.length - 1];
    const prev = run?.[run.length - 1];
    if (run && prev && prev.reason === r.reason && prev.sourceOffset !== undefined && r.sourceOffset === prev.sourceOffset + 1
      && (prev.targetOffset === undefined ? r.targetOffset === undefined : r.targetOffset === prev.targetOffset + 1)) run.push(r);
    else out.push([r]);
  }
  return out;
}

function refText(r: RecordRef): string {
  const parts: string[] = [];
  if (r.sourceOffset !== undefined) parts.push(`source offset ${r.sourceOffset}`);
  if (r.targetOffset !== undefined) parts.push(`target offset ${r.targetOffset}`);
  if (r.key !== undefined) parts.push(`key '${r.key}'`);
  return parts.join(', ');
}

/** Runs every check of `ferry verify` for the flow. Needs both clusters. */
export async function verifyFlow(flow: FlowContext, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const started = Date.now();
  const src = new ClusterAdmin(flow.sourceProps, 'ferry-verify-source');
  const tgt = new ClusterAdmin(flow.targetProps, 'ferry-verify-target');
  try {
    // ------------------------------------------------------------------ selection
    const topics = opts.selectedTopics ?? selectTopics(flow, await src.topics(), opts.topics ?? null);
    if (topics.length === 0) {
      throw new OpsError(opts.topics ? `--topics matches no topic the flow ${flow.source}->${flow.target} replicates on ${flow.source}` : `the flow ${flow.source}->${flow.target} replicates no topic on ${flow.source}`);
    }
    let groups: string[] = [];
    if (opts.selectedGroups) groups = opts.selectedGroups;
    else if (opts.groups) {
      groups = selectGroups(flow, await src.consumerGroups(), opts.groups);
      if (groups.length === 0) throw new OpsError(`--groups matches no consumer group on ${flow.source} (groups.exclude of the flow applies too)`);
    }
    const remote = new Map(topics.map((t) => [t, flow.remoteTopic(t)]));
    const problems: string[] = [];
    const warnings: string[] = [];

    // ------------------------------------------------------------------ topics and configs
    const sourceCounts = await src.partitionCounts(topics);
    const targetCounts = await tgt.partitionCounts([...remote.values()]);
    const sourceConfigs = await src.topicConfigs(topics);
    const presentRemote = [...remote.values()].filter((t) => targetCounts.has(t));
    const targetConfigs = await tgt.topicConfigs(presentRemote);
    const topicResults: TopicResult[] = [];
    for (const t of topics) {
      const r = remote.get(t)!;
      const tr: TopicResult = { topic: t, remoteTopic: r, sourcePartitions: sourceCounts.get(t) ?? 0, targetPartitions: targetCounts.get(r) ?? null, configDifferences: [], problems: [] };
      if (tr.targetPartitions === null) tr.problems.push(`topic ${r} is missing on ${flow.target} (source topic ${t} on ${flow.source})`);
      else if (tr.targetPartitions < tr.sourcePartitions) tr.problems.push(`topic ${r} has ${tr.targetPartitions} partitions on ${flow.target}, ${t} has ${tr.sourcePartitions} on ${flow.source}`);
      if (tr.targetPartitions !== null && opts.checkConfigs !== false) {
        const filter = flow.sourceSettings.configPropertyFilter;
        const expected = newTopicConfigs(toPolicyEntries(sourceConfigs.get(t) ?? []), filter);
        const actualEntries = targetConfigs.get(r) ?? [];
        const actual = new Map(actualEntries.map((e) => [e.name, e]));
        for (const [k, v] of Object.entries(expected)) {
          const a = actual.get(k);
          if (!a || a.source !== 'dynamic-topic') tr.configDifferences.push({ topic: t, remoteTopic: r, key: k, source: v, target: a?.value ?? null, kind: 'missing-on-target' });
          else if (a.value !== v) tr.configDifferences.push({ topic: t, remoteTopic: r, key: k, source: v, target: a.value, kind: 'different' });
        }
        for (const a of actualEntries) {
          if (a.source !== 'dynamic-topic' || a.name in expected || !filter.shouldReplicateConfigProperty(a.name)) continue;
          const sv = (sourceConfigs.get(t) ?? []).find((e) => e.name === a.name)?.value ?? null;
          tr.configDifferences.push({ topic: t, remoteTopic: r, key: a.name, source: sv, target: a.value, kind: 'target-only' });
        }
        for (const dff of tr.configDifferences) {
          const line = `config ${dff.key} of ${r}: ${flow.source}=${dff.source ?? '(default)'} ${flow.target}=${dff.target ?? '(default)'}${dff.kind === 'missing-on-target' ? ' (not set on the target)' : dff.kind === 'target-only' ? ' (set only on the target)' : ''}`;
          if (dff.kind === 'target-only') warnings.push(line);
          else tr.problems.push(line);
        }
      }
      problems.push(...tr.problems);
      topicResults.push(tr);
    }

    // ------------------------------------------------------------------ ACLs
    const acls: AclResult = { checked: false, missingOnTarget: [], problems: [] };
    if (opts.checkAcls !== false) {
      try {
        const sourceAcls = await src.topicAcls();
        const selected = new Set(topics);
        const want = targetTopicAcls(sourceAcls.map(toBinding), {
          shouldReplicateTopic: (t) => selected.has(t) && shouldReplicateTopic(t, { policy: flow.policy, filter: flow.sourceSettings.topicFilter, targetAlias: flow.target }),
          formatRemoteTopic: (t) => flow.remoteTopic(t),
        });
        const have = new Set((await tgt.topicAcls()).map((a) => aclKey(toBinding(a))));
        acls.checked = true;
        for (const a of want) {
          if (have.has(aclKey(a))) continue;
          acls.missingOnTarget.push(a);
          acls.problems.push(`ACL missing on ${flow.target}: ${a.permissionType} ${a.operation} on topic ${a.resourceName} for ${a.principal}@${a.host}`);
        }
      } catch (e) {
        acls.reason = (e as { securityDisabled?: boolean }).securityDisabled ? 'no authorizer on one of the clusters' : (e as Error).message;
      }
      problems.push(...acls.problems);
    }

    // ------------------------------------------------------------------ data
    const partitions: PartitionResult[] = [];
    let records = 0;
    let bytes = 0;
    if (opts.checkData !== false) {
      // Order matters for detecting records produced directly to the target at its end: target ends first,
      // then the maps, then the source ends (see tailExtension below).
      const targetMarks = await topicWatermarks(tgt, presentRemote);
      const maps = await loadFlowMaps(flow, new Set(topics));
      if (maps === null) warnings.push(`no offset maps ${flow.mapsTopic} on ${flow.mapsLocation === 'source' ? flow.source : flow.target} (a flow not run by Ferry?): records are paired by position from the start of each log`);
      const sourceMarks = await topicWatermarks(src, topics);
      const work: { topic: string; partition: number }[] = [];
      for (const t of topics) {
        const n = Math.min(sourceCounts.get(t) ?? 0, targetCounts.get(remote.get(t)!) ?? 0);
        for (let p = 0; p < n; p++) work.push({ topic: t, partition: p });
      }
      let done = 0;
      const tick = () => opts.onProgress?.({ partitionsDone: done, partitions: work.length, records, elapsedMs: Date.now() - started });
      const timer = opts.onProgress ? setInterval(tick, 1000) : null;
      timer?.unref();
      try {
        await pool(work, opts.concurrency ?? 4, async ({ topic, partition }) => {
          const map = maps?.get(topicPartitionKey(topic, partition));
          const compacted = isCompacted(sourceConfigs.get(topic)) || isCompacted(targetConfigs.get(remote.get(topic)!));
          const res = await verifyPartition(flow, topic, remote.get(topic)!, partition, sourceMarks.get(topic)?.[partition] ?? { low: 0, high: 0 },
            targetMarks.get(remote.get(topic)!)?.[partition] ?? { low: 0, high: 0 }, maps === null ? null : map, compacted, opts, (n) => { records += n; });
          bytes += res.bytes;
          partitions.push(res.result);
          done++;
        });
      } finally {
        if (timer) clearInterval(timer);
        tick();
      }
      partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      for (const p of partitions) {
        problems.push(...p.problems);
        const nc = p.safety.find((x) => x.startsWith('not-covered:'));
        if (nc) warnings.push(`${p.topic}-${p.partition}: the ${nc.slice(12)} record(s) before offset ${p.source.from} predate the mirror (it started later) and were not compared`);
      }
    }

    // ------------------------------------------------------------------ groups
    const groupResults: GroupResult[] = [];
    if (groups.length > 0) {
      const maps = await loadFlowMaps(flow, new Set(topics));
      const selected = new Set(topics);
      for (const g of groups) {
        const gr: GroupResult = { group: g, ok: true, partitions: [], problems: [] };
        const sourceCommits = (await src.groupOffsets(g)).filter((o) => selected.has(o.topic));
        const targetCommits = new Map((await tgt.groupOffsets(g)).map((o) => [topicPartitionKey(o.topic, o.partition), o.offset]));
        for (const c of sourceCommits) {
          const r = flow.remoteTopic(c.topic);
          const tOff = targetCommits.get(topicPartitionKey(r, c.partition)) ?? null;
          const tr = translateForward(maps?.get(topicPartitionKey(c.topic, c.partition)), c.offset);
          const gp: GroupPartitionResult = { topic: c.topic, remoteTopic: r, partition: c.partition, sourceOffset: c.offset, expectedTargetOffset: null, targetOffset: tOff, status: 'ok' };
          if ('reason' in tr) { gp.status = 'untranslatable'; gp.note = tr.reason; }
          else {
            gp.expectedTargetOffset = tr.toOffset;
            if (tr.note) gp.note = tr.note;
            if (tOff === null) gp.status = 'not-synced';
            else if (tOff < tr.toOffset) gp.status = 'behind';
            else if (tOff > tr.toOffset) gp.status = 'ahead';
          }
          if (gp.status !== 'ok') {
            gr.ok = false;
            const what = gp.status === 'not-synced' ? 'has no commit on the target'
              : gp.status === 'behind' ? `is behind on the target: ${tOff} < ${gp.expectedTargetOffset} (${(gp.expectedTargetOffset ?? 0) - (tOff ?? 0)} record(s) would be re-delivered)`
              : gp.status === 'ahead' ? `is ahead on the target: ${tOff} > ${gp.expectedTargetOffset} (${(tOff ?? 0) - (gp.expectedTargetOffset ?? 0)} record(s) would be skipped)`
              : `cannot be translated (${gp.note ?? '?'})`;
            gr.problems.push(`group ${g} on ${r}-${c.partition} (source offset ${c.offset}) ${what}`);
          }
          gr.partitions.push(gp);
        }
        if (sourceCommits.length === 0) warnings.push(`group ${g} has no commits on the selected topics of ${flow.source}`);
        problems.push(...gr.problems);
        groupResults.push(gr);
      }
    }

    const sum = (k: keyof CompareCounts) => partitions.reduce((s, p) => s + p.counts[k], 0);
    const elapsedMs = Date.now() - started;
    const report: VerifyReport = {
      from: flow.source, to: flow.target, ok: problems.length === 0, startedAt: new Date(started).toISOString(), elapsedMs,
      summary: {
        topics: topics.length, partitions: partitions.length, partitionsOk: partitions.filter((p) => p.status === 'ok').length,
        sourceRecords: sum('sourceRecords'), targetRecords: sum('targetRecords'), matched: sum('matched'), altered: sum('altered'),
        missing: sum('missing'), extra: sum('extra'), duplicates: sum('duplicates'), lag: partitions.reduce((s, p) => s + p.lag, 0), bytes,
        recordsPerSecond: elapsedMs > 0 ? Math.round((records * 1000) / elapsedMs) : records,
      },
      topics: topicResults, partitions, acls, groups: groupResults, problems, warnings,
    };
    return report;
  } finally {
    await Promise.all([src.close(), tgt.close()]);
  }
}

function toBinding(a: AdminAcl): AclBinding {
  return {
    resourceType: a.resourceType === 'OTHER' ? 'UNKNOWN' : a.resourceType, resourceName: a.resourceName,
    patternType: a.patternType === 'OTHER' ? 'UNKNOWN' : a.patternType, principal: a.principal, host: a.host,
    operation: a.operation as AclBinding['operation'], permissionType: a.permission === 'OTHER' ? 'UNKNOWN' : a.permission,
  };
}

function aclKey(a: AclBinding): string {
  return JSON.stringify([a.resourceName, a.patternType, a.principal, a.host, a.operation, a.permissionType]);
}

async function verifyPartition(
  flow: FlowContext, topic: string, remoteTopic: string, partition: number, sm: PartitionEnds, tm: PartitionEnds,
  map: OffsetMap | undefined | null, compacted: boolean, opts: VerifyOptions, onRecords: (n: number) => void,
): Promise<{ result: PartitionResult; bytes: number }> {
  const where = `${remoteTopic}-${partition}`;
  const result: PartitionResult = {
    topic, remoteTopic, partition, status: 'ok',
    source: { ...sm, from: sm.low, to: sm.low }, target: { ...tm, from: tm.low, to: tm.low },
    mirror: null, lag: 0, counts: { ...ZERO_COUNTS }, sourceSha256: null, targetSha256: null, details: null, safety: [], problems: [],
  };
  let runs: ReturnType<OffsetMap['segments']> | null;
  let from = sm.low;
  let to = sm.high;
  let tFrom = tm.low;
  let tTo = tm.high;
  if (map === null) {
    // Maps unreadable: compare the logs as sequences from their starts.
    runs = null;
  } else if (!map || map.isEmpty) {
    if (sm.high > sm.low) {
      result.status = 'lagging';
      result.lag = sm.high - sm.low;
      if (opts.strict) result.problems.push(`${where}: nothing mirrored yet (${sm.high - sm.low} record(s) on ${flow.source} ${topic}-${partition})`);
      if (opts.strict) result.status = 'mismatch';
    }
    return { result, bytes: 0 };
  } else {
    const last = map.lastMirrored;
    const processed = map.processedUpTo ?? (last ? last.upstreamOffset + 1 : sm.low);
    result.mirror = { start: map.startOffset ?? null, processedUpTo: map.processedUpTo ?? null, lastUpstream: last?.upstreamOffset ?? null, lastDownstream: last?.downstreamOffset ?? null };
    if (sm.high < processed) {
      result.status = 'mismatch';
      result.safety.push('source-recreated');
      result.problems.push(`${topic}-${partition} on ${flow.source} ends at offset ${sm.high} but the mirror already processed up to ${processed}: the topic was deleted and re-created (or truncated) on the source; its mirror ${where} holds the old data`);
      return { result, bytes: 0 };
    }
    if (sm.low > processed) {
      result.safety.push('expired-before-mirrored');
      result.problems.push(`${topic}-${partition}: ${sm.low - processed} record(s) (offsets ${processed}..${sm.low - 1}) expired on ${flow.source} before they were mirrored (retention overtook the mirror)`);
    }
    if (last && tm.high < last.downstreamOffset + 1) {
      result.safety.push('target-truncated');
      result.problems.push(`${where} ends at offset ${tm.high} on ${flow.target} but the mirror wrote up to ${last.downstreamOffset}: the target topic was truncated or re-created`);
    }
    runs = map.segments();
    from = Math.max(sm.low, map.startOffset ?? sm.low);
    if (from > sm.low) result.safety.push(`not-covered:${from - sm.low}`);
    to = Math.min(sm.high, processed);
    if (opts.tailRecords && opts.tailRecords > 0) from = Math.max(from, to - opts.tailRecords);
    if (from > to) from = to;
    result.lag = Math.max(0, sm.high - processed);
    const tr = (g: number): number => {
      const t = map.translateDetailed(g);
      return t ? t.downstreamOffset : tm.high;
    };
    tFrom = from < to ? tr(from) : tr(to);
    tTo = tr(to);
    // Caught up: everything on the target up to its end (read before the map) is either a mirrored record or
    // does not belong there — so records produced directly to the target after the last mirrored one are found.
    if (to === sm.high && processed >= sm.high) tTo = Math.max(tTo, tm.high);
  }
  result.source.from = from;
  result.source.to = to;
  result.target.from = tFrom;
  result.target.to = tTo;
  const cmp = await comparePartition({
    sourceProps: flow.sourceProps, targetProps: flow.targetProps, sourceTopic: topic, targetTopic: remoteTopic, partition,
    from, to, targetFrom: Math.max(tFrom, tm.low), targetTo: tTo, targetLow: tm.low, runs, targetAlias: flow.target, compacted,
    readCommitted: flow.readCommitted, onRecords,
  });
  const { details, sourceSha256, targetSha256, bytes, ...counts } = cmp;
  result.counts = counts;
  result.sourceSha256 = sourceSha256;
  result.targetSha256 = targetSha256;
  result.details = details;
  for (const r of details.altered) result.problems.push(`${where}: record at ${refText(r)} differs in ${(r.fields ?? []).join(', ')}${r.reason ? ` (${r.reason})` : ''}`);
  for (const run of coalesce(details.missing)) {
    const first = run[0]!;
    const last = run[run.length - 1]!;
    if (run.length === 1) result.problems.push(`${where}: record missing on ${flow.target}: ${refText(first)}${first.reason ? ` — ${first.reason}` : ''}`);
    else result.problems.push(`${where}: ${run.length} records missing on ${flow.target}: source offsets ${first.sourceOffset}..${last.sourceOffset}, target offsets ${first.targetOffset}..${last.targetOffset}, keys '${first.key ?? ''}' … '${last.key ?? ''}'${first.reason ? ` — ${first.reason}` : ''}`);
  }
  for (const r of details.extra) result.problems.push(`${where}: extra record on ${flow.target}: ${refText(r)}${r.reason ? ` — ${r.reason}` : ''}`);
  if (!opts.allowDuplicates) for (const r of details.duplicates) result.problems.push(`${where}: duplicate on ${flow.target}: ${refText(r)} — ${r.reason ?? ''}`);
  for (const r of details.notMirrored) result.problems.push(`${topic}-${partition}: record not mirrored: ${refText(r)} — ${r.reason ?? ''}`);
  const more = (n: number, shown: number, what: string) => { if (n > shown) result.problems.push(`${where}: … and ${n - shown} more ${what}`); };
  more(counts.altered, details.altered.length, 'altered record(s)');
  more(counts.missing, details.missing.length, 'missing record(s)');
  more(counts.extra, details.extra.length, 'extra record(s)');
  if (!opts.allowDuplicates) more(counts.duplicates, details.duplicates.length, 'duplicate(s)');
  more(counts.notMirrored, details.notMirrored.length, 'record(s) not mirrored');
  if (opts.strict && result.lag > 0) result.problems.push(`${topic}-${partition}: ${result.lag} record(s) on ${flow.source} not mirrored yet (lag)`);
  if (result.problems.length > 0) result.status = 'mismatch';
  else if (result.lag > 0) result.status = 'lagging';
  return { result, bytes };
}

// --------------------------------------------------------------------------------------------- rendering

export function renderVerifyReport(r: VerifyReport, opts: { maxProblems?: number } = {}): string {
  const lines: string[] = [];
  const s = r.summary;
  lines.push(`Ferry verify ${r.from} -> ${r.to}: ${plural(s.topics, 'topic')}, ${plural(s.partitions, 'partition')}, ${fmtCount(s.sourceRecords)} source / ${fmtCount(s.targetRecords)} target records compared in ${fmtDuration(r.elapsedMs)} (${fmtCount(s.recordsPerSecond)} records/s, ${fmtBytes(s.bytes)})`);
  const byTopic = new Map<string, PartitionResult[]>();
  for (const p of r.partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
  const width = Math.min(40, Math.max(...r.topics.map((t) => `${t.topic} -> ${t.remoteTopic}`.length), 10));
  for (const t of r.topics) {
    const ps = byTopic.get(t.topic) ?? [];
    const ok = ps.filter((p) => p.status === 'ok').length;
    const lag = ps.reduce((a, p) => a + p.lag, 0);
    const recs = ps.reduce((a, p) => a + p.counts.sourceRecords, 0);
    const shaOk = ps.every((p) => p.sourceSha256 === p.targetSha256);
    const state = t.targetPartitions === null ? 'MISSING ON TARGET' : ps.some((p) => p.status === 'mismatch') || t.problems.length > 0 ? 'MISMATCH' : lag > 0 ? `lagging (${fmtCount(lag)} records)` : 'ok';
    lines.push(`  ${`${t.topic} -> ${t.remoteTopic}`.padEnd(width)}  ${ok}/${t.sourcePartitions} partitions ok  ${fmtCount(recs).padStart(10)} records  checksums ${shaOk ? 'equal' : 'differ'}  ${state}`);
  }
  const cfg = r.topics.reduce((a, t) => a + t.configDifferences.filter((d) => d.kind !== 'target-only').length, 0);
  lines.push(`Topic configs: ${cfg === 0 ? 'equal (excluded properties ignored)' : plural(cfg, 'difference')}`);
  lines.push(`ACLs: ${!r.acls.checked ? `not checked (${r.acls.reason ?? 'disabled'})` : r.acls.missingOnTarget.length === 0 ? 'in sync' : `${r.acls.missingOnTarget.length} missing on ${r.to}`}`);
  if (r.groups.length > 0) {
    const okGroups = r.groups.filter((g) => g.ok).length;
    lines.push(`Groups: ${okGroups}/${r.groups.length} at the exactly translated offset`);
  }
  for (const w of r.warnings) lines.push(`  note: ${w}`);
  if (r.ok) {
    lines.push(`RESULT: OK — ${fmtCount(s.matched)} records identical${s.lag > 0 ? `; ${fmtCount(s.lag)} record(s) not mirrored yet (lag)` : ''}${s.duplicates > 0 ? `; ${s.duplicates} duplicate(s) allowed` : ''}`);
  } else {
    lines.push(`RESULT: MISMATCH — ${plural(r.problems.length, 'problem')}`);
    const max = opts.maxProblems ?? 50;
    for (const p of r.problems.slice(0, max)) lines.push(`  - ${p}`);
    if (r.problems.length > max) lines.push(`  … ${r.problems.length - max} more (use --json for all)`);
  }
  return lines.join('\n');
}

export function verifyExitCode(r: VerifyReport): number {
  return r.ok ? OPS_EXIT.ok : OPS_EXIT.mismatch;
}
