// The words of `ferry verify`: every problem and warning line of the report, and the human-readable summary.
// Pure functions of the computed results (verify-configs, verify-acls, verify-records, verify-groups): each line
// names the topic, partition, offsets or key precisely.
import type { AclBinding } from '../../connectors/mirror/topic-config-sync.js';
import type { RecordRef } from './compare.js';
import { fmtBytes, fmtCount, fmtDuration, plural } from './format.js';
import type {
  ClusterNames, ConfigDifference, GroupPartitionResult, GroupResult, PartitionPlan, PartitionResult, TopicResult, VerifyOptions, VerifyReport,
} from './verify-types.js';

// --------------------------------------------------------------------------------------------- topics and configs

/** One config difference as a line. */
function renderConfigDifference(names: ClusterNames, dff: ConfigDifference): string {
  const suffix = dff.kind === 'missing-on-target' ? ' (not set on the target)' : dff.kind === 'target-only' ? ' (set only on the target)' : '';
  return `config ${dff.key} of ${dff.remoteTopic}: ${names.source}=${dff.source ?? '(default)'} ${names.target}=${dff.target ?? '(default)'}${suffix}`;
}

/** A topic's problems: missing or with fewer partitions on the target, then configs that differ or are unset. */
export function renderTopicProblems(names: ClusterNames, tr: TopicResult): string[] {
  const out: string[] = [];
  if (tr.targetPartitions === null) out.push(`topic ${tr.remoteTopic} is missing on ${names.target} (source topic ${tr.topic} on ${names.source})`);
  else if (tr.targetPartitions < tr.sourcePartitions) out.push(`topic ${tr.remoteTopic} has ${tr.targetPartitions} partitions on ${names.target}, ${tr.topic} has ${tr.sourcePartitions} on ${names.source}`);
  for (const dff of tr.configDifferences) if (dff.kind !== 'target-only') out.push(renderConfigDifference(names, dff));
  return out;
}

/** A topic's warnings: configs set only on the target. */
export function renderTopicWarnings(names: ClusterNames, tr: TopicResult): string[] {
  return tr.configDifferences.filter((d) => d.kind === 'target-only').map((d) => renderConfigDifference(names, d));
}

// --------------------------------------------------------------------------------------------- ACLs

/** A topic ACL the mirror would sync that the target lacks. */
export function renderMissingAcl(target: string, a: AclBinding): string {
  return `ACL missing on ${target}: ${a.permissionType} ${a.operation} on topic ${a.resourceName} for ${a.principal}@${a.host}`;
}

// --------------------------------------------------------------------------------------------- data

/** The warning when the flow has no offset maps to align the logs with. */
export function renderMapsMissingWarning(flow: ClusterNames & { mapsTopic: string; mapsLocation: string }): string {
  return `no offset maps ${flow.mapsTopic} on ${flow.mapsLocation === 'source' ? flow.source : flow.target} (a flow not run by Ferry?): records are paired by position from the start of each log`;
}

/** The warning for records before the mirror's start (not compared), or null when the partition has none. */
export function renderNotCoveredWarning(p: PartitionResult): string | null {
  const nc = p.safety.find((x) => x.startsWith('not-covered:'));
  return nc ? `${p.topic}-${p.partition}: the ${nc.slice(12)} record(s) before offset ${p.source.from} predate the mirror (it started later) and were not compared` : null;
}

/** A partition's problems: safety findings, then record differences, then lag (strict mode). */
export function renderPartitionProblems(names: ClusterNames, p: PartitionResult, plan: PartitionPlan, opts: VerifyOptions): string[] {
  const where = `${p.remoteTopic}-${p.partition}`;
  const here = `${p.topic}-${p.partition}`;
  if (plan.kind === 'nothing-mirrored') return opts.strict && p.lag > 0 ? [`${where}: nothing mirrored yet (${p.lag} record(s) on ${names.source} ${here})`] : [];
  const out = renderSafetyProblems(names, p, plan.processed);
  if (p.details) out.push(...renderComparisonProblems(names, p, opts));
  if (opts.strict && p.lag > 0) out.push(`${here}: ${p.lag} record(s) on ${names.source} not mirrored yet (lag)`);
  return out;
}

/** The safety findings of a partition (re-created source, expired before mirrored, truncated target) as lines. */
function renderSafetyProblems(names: ClusterNames, p: PartitionResult, processed: number): string[] {
  const where = `${p.remoteTopic}-${p.partition}`;
  const here = `${p.topic}-${p.partition}`;
  const out: string[] = [];
  for (const code of p.safety) {
    if (code === 'source-recreated') out.push(`${here} on ${names.source} ends at offset ${p.source.high} but the mirror already processed up to ${processed}: the topic was deleted and re-created (or truncated) on the source; its mirror ${where} holds the old data`);
    else if (code === 'expired-before-mirrored') out.push(`${here}: ${p.source.low - processed} record(s) (offsets ${processed}..${p.source.low - 1}) expired on ${names.source} before they were mirrored (retention overtook the mirror)`);
    else if (code === 'target-truncated') out.push(`${where} ends at offset ${p.target.high} on ${names.target} but the mirror wrote up to ${p.mirror!.lastDownstream!}: the target topic was truncated or re-created`);
  }
  return out;
}

/** The record differences of a compared partition (runs of missing records coalesced), then the counts not detailed. */
function renderComparisonProblems(names: ClusterNames, p: PartitionResult, opts: VerifyOptions): string[] {
  const where = `${p.remoteTopic}-${p.partition}`;
  const details = p.details!;
  const counts = p.counts;
  const out: string[] = [];
  for (const r of details.altered) out.push(`${where}: record at ${refText(r)} differs in ${(r.fields ?? []).join(', ')}${r.reason ? ` (${r.reason})` : ''}`);
  for (const run of coalesce(details.missing)) out.push(renderMissingRun(names, where, run));
  for (const r of details.extra) out.push(`${where}: extra record on ${names.target}: ${refText(r)}${r.reason ? ` — ${r.reason}` : ''}`);
  if (!opts.allowDuplicates) for (const r of details.duplicates) out.push(`${where}: duplicate on ${names.target}: ${refText(r)} — ${r.reason ?? ''}`);
  for (const r of details.notMirrored) out.push(`${p.topic}-${p.partition}: record not mirrored: ${refText(r)} — ${r.reason ?? ''}`);
  const more = (n: number, shown: number, what: string) => { if (n > shown) out.push(`${where}: … and ${n - shown} more ${what}`); };
  more(counts.altered, details.altered.length, 'altered record(s)');
  more(counts.missing, details.missing.length, 'missing record(s)');
  more(counts.extra, details.extra.length, 'extra record(s)');
  if (!opts.allowDuplicates) more(counts.duplicates, details.duplicates.length, 'duplicate(s)');
  more(counts.notMirrored, details.notMirrored.length, 'record(s) not mirrored');
  return out;
}

/** One run of consecutive missing records as a line. */
function renderMissingRun(names: ClusterNames, where: string, run: RecordRef[]): string {
  const first = run[0]!;
  const last = run[run.length - 1]!;
  if (run.length === 1) return `${where}: record missing on ${names.target}: ${refText(first)}${first.reason ? ` — ${first.reason}` : ''}`;
  return `${where}: ${run.length} records missing on ${names.target}: source offsets ${first.sourceOffset}..${last.sourceOffset}, target offsets ${first.targetOffset}..${last.targetOffset}, keys '${first.key ?? ''}' … '${last.key ?? ''}'${first.reason ? ` — ${first.reason}` : ''}`;
}

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

/** A record's offsets and key, as far as known. */
function refText(r: RecordRef): string {
  const parts: string[] = [];
  if (r.sourceOffset !== undefined) parts.push(`source offset ${r.sourceOffset}`);
  if (r.targetOffset !== undefined) parts.push(`target offset ${r.targetOffset}`);
  if (r.key !== undefined) parts.push(`key '${r.key}'`);
  return parts.join(', ');
}

// --------------------------------------------------------------------------------------------- groups

/** A group commit that is not at the exactly translated offset on the target. */
export function renderGroupProblem(group: string, gp: GroupPartitionResult): string {
  const tOff = gp.targetOffset;
  const what = gp.status === 'not-synced' ? 'has no commit on the target'
    : gp.status === 'behind' ? `is behind on the target: ${tOff} < ${gp.expectedTargetOffset} (${(gp.expectedTargetOffset ?? 0) - (tOff ?? 0)} record(s) would be re-delivered)`
    : gp.status === 'ahead' ? `is ahead on the target: ${tOff} > ${gp.expectedTargetOffset} (${(tOff ?? 0) - (gp.expectedTargetOffset ?? 0)} record(s) would be skipped)`
    : `cannot be translated (${gp.note ?? '?'})`;
  return `group ${group} on ${gp.remoteTopic}-${gp.partition} (source offset ${gp.sourceOffset}) ${what}`;
}

/** The warning for a group without commits on the selected topics, or null when it has some. */
export function renderGroupWarning(source: string, gr: GroupResult): string | null {
  return gr.partitions.length === 0 ? `group ${gr.group} has no commits on the selected topics of ${source}` : null;
}

// --------------------------------------------------------------------------------------------- the report

/** The human-readable report: a summary line, one line per topic, configs, ACLs, groups, notes and the result. */
export function renderVerifyReport(r: VerifyReport, opts: { maxProblems?: number } = {}): string {
  const s = r.summary;
  const lines: string[] = [];
  lines.push(`Ferry verify ${r.from} -> ${r.to}: ${plural(s.topics, 'topic')}, ${plural(s.partitions, 'partition')}, ${fmtCount(s.sourceRecords)} source / ${fmtCount(s.targetRecords)} target records compared in ${fmtDuration(r.elapsedMs)} (${fmtCount(s.recordsPerSecond)} records/s, ${fmtBytes(s.bytes)})`);
  lines.push(...renderTopicLines(r));
  const cfg = r.topics.reduce((a, t) => a + t.configDifferences.filter((d) => d.kind !== 'target-only').length, 0);
  lines.push(`Topic configs: ${cfg === 0 ? 'equal (excluded properties ignored)' : plural(cfg, 'difference')}`);
  lines.push(`ACLs: ${!r.acls.checked ? `not checked (${r.acls.reason ?? 'disabled'})` : r.acls.missingOnTarget.length === 0 ? 'in sync' : `${r.acls.missingOnTarget.length} missing on ${r.to}`}`);
  if (r.groups.length > 0) {
    const okGroups = r.groups.filter((g) => g.ok).length;
    lines.push(`Groups: ${okGroups}/${r.groups.length} at the exactly translated offset`);
  }
  for (const w of r.warnings) lines.push(`  note: ${w}`);
  lines.push(...renderResultLines(r, opts.maxProblems ?? 50));
  return lines.join('\n');
}

/** One line per topic: partitions ok, records, whether the checksums agree, and its state. */
function renderTopicLines(r: VerifyReport): string[] {
  const byTopic = new Map<string, PartitionResult[]>();
  for (const p of r.partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
  const width = Math.min(40, Math.max(...r.topics.map((t) => `${t.topic} -> ${t.remoteTopic}`.length), 10));
  return r.topics.map((t) => {
    const ps = byTopic.get(t.topic) ?? [];
    const ok = ps.filter((p) => p.status === 'ok').length;
    const lag = ps.reduce((a, p) => a + p.lag, 0);
    const recs = ps.reduce((a, p) => a + p.counts.sourceRecords, 0);
    const shaOk = ps.every((p) => p.sourceSha256 === p.targetSha256);
    const state = t.targetPartitions === null ? 'MISSING ON TARGET' : ps.some((p) => p.status === 'mismatch') || t.problems.length > 0 ? 'MISMATCH' : lag > 0 ? `lagging (${fmtCount(lag)} records)` : 'ok';
    return `  ${`${t.topic} -> ${t.remoteTopic}`.padEnd(width)}  ${ok}/${t.sourcePartitions} partitions ok  ${fmtCount(recs).padStart(10)} records  checksums ${shaOk ? 'equal' : 'differ'}  ${state}`;
  });
}

/** The RESULT line, and on a mismatch the first problems. */
function renderResultLines(r: VerifyReport, max: number): string[] {
  const s = r.summary;
  if (r.ok) return [`RESULT: OK — ${fmtCount(s.matched)} records identical${s.lag > 0 ? `; ${fmtCount(s.lag)} record(s) not mirrored yet (lag)` : ''}${s.duplicates > 0 ? `; ${s.duplicates} duplicate(s) allowed` : ''}`];
  const lines = [`RESULT: MISMATCH — ${plural(r.problems.length, 'problem')}`];
  for (const p of r.problems.slice(0, max)) lines.push(`  - ${p}`);
  if (r.problems.length > max) lines.push(`  … ${r.problems.length - max} more (use --json for all)`);
  return lines;
}
