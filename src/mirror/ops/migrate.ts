// `ferry migrate plan|start|status|verify|cutover --from A --to B`: move topics and their consumers to a new
// cluster. The migration is a flow A→B with group offset sync, set up and finished by journaled operations on B:
//
//   plan     what would move: topics, partitions, configs, ACLs, groups, estimated bytes and time
//   start    create the topics on B (same partition counts, source configs minus excluded properties) and the
//            topic ACLs (all of them, WRITE included: producers move too), then mirror — in this process
//            (--run) or with the printed mm2.properties — with sync.group.offsets so idle groups follow
//   status   per-topic progress, rate and ETA from the offset maps; group sync; safety findings
//   verify   `ferry verify` over the migration's topics and groups
//   cutover  producers stopped on A (end offsets quiet), drain, final exact group commit, full verification,
//            pause the flow
// Topic names stay the same (IdentityReplicationPolicy) unless the configuration sets a policy.
import { ClusterAdmin, withClusterAdmin } from '../../kafka/cluster-admin.js';
import { PartitionReader } from '../../kafka/partition-reader.js';
import type { PatternList } from '../../connectors/mirror/filters.js';
import { IDENTITY_REPLICATION_POLICY_CLASS, REPLICATION_POLICY_CLASS_CONFIG } from '../../connectors/mirror/replication-policy.js';
import { newTopicConfigs, type AclBinding } from '../../connectors/mirror/topic-config-sync.js';
import { toPolicyEntries } from '../../connectors/mirror/source-connector.js';
import { topicPartitionKey } from '../../connectors/mirror/offset-map.js';
import {
  OPS_EXIT, OpsError, ensureTopics, flowContext, loadFlowMaps, readFlowStatus, requireReachable, resolveRawProperties, selectGroups, selectTopics, selectionPattern,
  topicWatermarks, type ClusterSource, type FlowContext, type FlowStatus, type PartitionEnds,
} from './context.js';
import { sleep } from '../../backoff.js';
import { OpsJournal, type OpRecord } from './journal.js';
import { renderProperties, singleFlowProperties, startFlowInProcess } from './flow.js';
import { executePlan, type ExecuteOptions, type OperationPlan, type OperationResult, type OpStep } from './plan.js';
import { commitStep, flowLag, groupCommits, pauseStep, preflightStep, translateStep, waitForDrain, type FlowLag, type Selection } from './steps.js';
import { translateForward } from './translate.js';
import { verifyFlow, type VerifyReport } from './verify.js';
import { fmtBytes, fmtCount, fmtDuration, plural, progressBar, table } from './format.js';

export interface MigrateSelectionOptions {
  from: string;
  to: string;
  topics?: PatternList | null;
  groups?: PatternList | null;
  /** The raw --topics/--groups text (stored in the job so status/verify/cutover use the same selection). */
  topicsText?: string | undefined;
  groupsText?: string | undefined;
}

/** What `migrate start` stores in the journal (op args): everything later commands need to rebuild the flow. */
export interface MigrationJob {
  topics: string[];
  groupsPattern: string | null;
  policyClass: string;
  flowOverrides: Record<string, string>;
}

const jobKey = (from: string, to: string) => `migrate:${from}->${to}`;
const cutoverKey = (from: string, to: string) => `migrate-cutover:${from}->${to}`;

function exactNames(topics: string[]): string {
  return topics.map((t) => t.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join(',');
}

/** The mm2 properties of a migration: identity naming unless configured, and only the selected topics. */
function migrationRaw(src: ClusterSource, from: string, to: string): Record<string, string> {
  const raw = resolveRawProperties(src, from, to);
  if (!raw[REPLICATION_POLICY_CLASS_CONFIG]) raw[REPLICATION_POLICY_CLASS_CONFIG] = IDENTITY_REPLICATION_POLICY_CLASS;
  return raw;
}

function jobOverrides(from: string, to: string, topics: string[], groupsPattern: string | null): Record<string, string> {
  const f = `${from}->${to}.`;
  return {
    [`${f}topics`]: exactNames(topics),
    [`${f}groups`]: groupsPattern ?? '.*',
    [`${f}sync.group.offsets.enabled`]: 'true',
    [`${f}sync.group.offsets.interval.seconds`]: '5',
    [`${f}emit.checkpoints.interval.seconds`]: '5',
    [`${f}refresh.groups.interval.seconds`]: '10',
    // The migration created the ACLs itself (WRITE included); MM2-style ACL sync would only add read-only copies.
    [`${f}sync.topic.acls.enabled`]: 'false',
  };
}

/** The single-flow mm2 properties the migration's mirror runs with. */
export function migrationFlowProperties(src: ClusterSource, from: string, to: string, job: MigrationJob): Record<string, string> {
  const raw = migrationRaw(src, from, to);
  raw[REPLICATION_POLICY_CLASS_CONFIG] = job.policyClass;
  return singleFlowProperties(raw, from, to, job.flowOverrides);
}

function jobFlow(src: ClusterSource, from: string, to: string, job: MigrationJob): FlowContext {
  return flowContext(migrationFlowProperties(src, from, to, job), from, to);
}

async function loadJob(src: ClusterSource, from: string, to: string): Promise<{ job: MigrationJob; op: OpRecord; cutover: OpRecord | undefined; flow: FlowContext; journal: OpsJournal }> {
  const raw = migrationRaw(src, from, to);
  const probe = flowContext(raw, from, to);
  await requireReachable(probe.targetProps, to);
  const journal = await OpsJournal.open(probe.targetProps);
  const op = journal.op(jobKey(from, to));
  if (!op || !op.args) {
    await journal.close();
    throw new OpsError(`no migration ${from}->${to} in the journal on ${to}: run 'ferry migrate start --from ${from} --to ${to} …' first`);
  }
  const job = op.args as MigrationJob;
  return { job, op, cutover: journal.op(cutoverKey(from, to)), flow: jobFlow(src, from, to, job), journal };
}

// ---------------------------------------------------------------------------------------------------- plan

export interface MigrationPlanTopic {
  topic: string;
  remoteTopic: string;
  partitions: number;
  records: number;
  avgRecordBytes: number;
  estBytes: number;
  compacted: boolean;
  configs: Record<string, string>;
  target: 'missing' | 'exists' | 'exists-fewer-partitions';
}

export interface MigrationPlan {
  from: string;
  to: string;
  policy: string;
  topics: MigrationPlanTopic[];
  acls: { checked: boolean; reason?: string; bindings: AclBinding[] };
  groups: { group: string; state: string; members: number; partitions: number; lag: number }[];
  totals: { topics: number; partitions: number; records: number; estBytes: number; estSeconds: number };
  assumeRateMiBps: number;
  warnings: string[];
}

async function sampleRecordSize(props: FlowContext['sourceProps'], topic: string, partition: number, high: number, low: number): Promise<number> {
  if (high <= low) return 0;
  const reader = new PartitionReader(props, 'ferry-migrate-sample', { maxWaitMs: 100, maxBytesPerPartition: 512 * 1024 });
  try {
    await reader.connect();
    reader.seek({ topic, partition }, Math.max(low, high - 200));
    let n = 0;
    let bytes = 0;
    for (let i = 0; i < 5 && n === 0; i++) {
      for (const f of await reader.poll()) {
        for (const r of f.records) {
          n++;
          bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0) + r.headers.reduce((a, [k, v]) => a + k.length + (v?.length ?? 0), 0) + 70; // + record overhead
        }
      }
    }
    return n > 0 ? bytes / n : 0;
  } finally {
    await reader.disconnect();
  }
}

/** Source ACLs to create on the target for a migration: every LITERAL topic ACL of a selected topic, renamed. */
function migrationAcls(sourceAcls: Awaited<ReturnType<ClusterAdmin['topicAcls']>>, selected: ReadonlySet<string>, rename: (t: string) => string): AclBinding[] {
  const out: AclBinding[] = [];
  for (const a of sourceAcls) {
    if (a.patternType !== 'LITERAL' || !selected.has(a.resourceName)) continue;
    out.push({ resourceType: 'TOPIC', resourceName: rename(a.resourceName), patternType: 'LITERAL', principal: a.principal, host: a.host, operation: a.operation as AclBinding['operation'], permissionType: a.permission === 'DENY' ? 'DENY' : 'ALLOW' });
  }
  return out;
}

/** Computes the selected source topics of a migration; throws when there are none. */
async function selectedTopics(flow: FlowContext, a: ClusterAdmin, o: MigrateSelectionOptions): Promise<string[]> {
  const topics = selectTopics(flow, await a.topics(), o.topics ?? null);
  if (topics.length === 0) throw new OpsError(o.topics ? `--topics matches no topic on ${o.from}` : `no topics to migrate on ${o.from}`);
  return topics;
}

/** What the plan reads about the selected topics on both clusters. */
interface TopicFacts {
  counts: Map<string, number>;
  targetCounts: Map<string, number>;
  configs: Awaited<ReturnType<ClusterAdmin['topicConfigs']>>;
  marks: Map<string, PartitionEnds[]>;
}

/** Reads the partition counts (both clusters), configs and watermarks of the selected topics. */
async function topicFacts(a: ClusterAdmin, b: ClusterAdmin, flow: FlowContext, topics: string[]): Promise<TopicFacts> {
  const counts = await a.partitionCounts(topics);
  const targetCounts = await b.partitionCounts(topics.map((t) => flow.remoteTopic(t)));
  const configs = await a.topicConfigs(topics);
  const marks = await topicWatermarks(a, topics);
  return { counts, targetCounts, configs, marks };
}

/** Computes the index of the partition holding the most records (where a size sample is taken). */
function biggestPartition(ps: readonly PartitionEnds[]): number {
  let biggest = 0;
  ps.forEach((p, i) => { if (p && p.high - p.low > (ps[biggest]?.high ?? 0) - (ps[biggest]?.low ?? 0)) biggest = i; });
  return biggest;
}

/** Renders the note for a topic that already exists on the target. */
function renderExistingTopicNote(remote: string, to: string, have: number, want: number): string {
  return `${remote} already exists on ${to}${have < want ? ` with ${have} < ${want} partitions (partitions will be added)` : ''}: records already in it stay and verify reports them as extra`;
}

/** Computes one topic of the plan: records, estimated size, configs to copy and the state of its copy on the target. */
async function planTopic(flow: FlowContext, t: string, facts: TopicFacts): Promise<MigrationPlanTopic> {
  const ps = facts.marks.get(t) ?? [];
  const records = ps.reduce((s, p) => s + (p ? p.high - p.low : 0), 0);
  const biggest = biggestPartition(ps);
  const avg = await sampleRecordSize(flow.sourceProps, t, biggest, ps[biggest]?.high ?? 0, ps[biggest]?.low ?? 0);
  const entries = facts.configs.get(t) ?? [];
  const cfg = newTopicConfigs(toPolicyEntries(entries), flow.sourceSettings.configPropertyFilter);
  const r = flow.remoteTopic(t);
  const tc = facts.targetCounts.get(r);
  const n = facts.counts.get(t) ?? 0;
  return {
    topic: t, remoteTopic: r, partitions: n, records, avgRecordBytes: Math.round(avg), estBytes: Math.round(records * avg),
    compacted: (entries.find((e) => e.name === 'cleanup.policy')?.value ?? '').includes('compact'), configs: cfg,
    target: tc === undefined ? 'missing' : tc < n ? 'exists-fewer-partitions' : 'exists',
  };
}

/** Computes the plan's topics, and the notes about topics that already exist on the target. */
async function planTopics(flow: FlowContext, topics: string[], facts: TopicFacts, to: string): Promise<{ planned: MigrationPlanTopic[]; warnings: string[] }> {
  const planned: MigrationPlanTopic[] = [];
  const warnings: string[] = [];
  for (const t of topics) {
    const p = await planTopic(flow, t, facts);
    planned.push(p);
    const tc = facts.targetCounts.get(p.remoteTopic);
    if (tc !== undefined) warnings.push(renderExistingTopicNote(p.remoteTopic, to, tc, p.partitions));
  }
  return { planned, warnings };
}

/** Computes the ACLs the migration would create, or why they could not be read. */
async function planAcls(a: ClusterAdmin, flow: FlowContext, topics: string[], from: string): Promise<MigrationPlan['acls']> {
  try {
    return { checked: true, bindings: migrationAcls(await a.topicAcls(), new Set(topics), flow.remoteTopic) };
  } catch (e) {
    return { checked: false, reason: (e as { securityDisabled?: boolean }).securityDisabled ? `no authorizer on ${from}` : (e as Error).message, bindings: [] };
  }
}

/** Computes the records a group has still to read: from its commit, or the whole partition where it has none yet. */
function groupLag(cs: readonly { topic: string; partition: number; offset: number }[], marks: ReadonlyMap<string, PartitionEnds[]>): number {
  let lag = 0;
  for (const t of new Set(cs.map((c) => c.topic))) {
    for (const [p, w] of (marks.get(t) ?? []).entries()) {
      if (!w) continue;
      const c = cs.find((x) => x.topic === t && x.partition === p);
      lag += Math.max(0, w.high - (c ? c.offset : w.low));
    }
  }
  return lag;
}

/** Computes the groups that move: the selected ones with commits on the selected topics, with state and lag. */
async function planGroups(a: ClusterAdmin, flow: FlowContext, o: MigrateSelectionOptions, topics: string[], marks: ReadonlyMap<string, PartitionEnds[]>): Promise<MigrationPlan['groups']> {
  const candidates = selectGroups(flow, await a.consumerGroups(), o.groups ?? null);
  const commits = await groupCommits(a, candidates, new Set(topics));
  const groupNames = candidates.filter((g) => (commits[g] ?? []).length > 0);
  if (o.groups && groupNames.length === 0) throw new OpsError(`--groups matches no consumer group with commits on the selected topics of ${o.from}`);
  const states = await a.groupStates(groupNames);
  return groupNames.map((g) => {
    const cs = commits[g] ?? [];
    return { group: g, state: states.get(g)?.state ?? 'Unknown', members: states.get(g)?.members ?? 0, partitions: cs.length, lag: groupLag(cs, marks) };
  });
}

/** Renders the note for a replication policy that renames topics. */
function renderRenameNote(flow: FlowContext, topics: string[]): string {
  return `replication.policy.class renames topics (${topics[0]} -> ${flow.remoteTopic(topics[0]!)}): producers and consumers must switch to the new names at cutover`;
}

/** Computes the plan's totals and the copy time at the assumed rate. */
function planTotals(planned: readonly MigrationPlanTopic[], rateMiBps: number): MigrationPlan['totals'] {
  const estBytes = planned.reduce((s, t) => s + t.estBytes, 0);
  return {
    topics: planned.length, partitions: planned.reduce((s, t) => s + t.partitions, 0), records: planned.reduce((s, t) => s + t.records, 0),
    estBytes, estSeconds: estBytes / (rateMiBps * 1_048_576),
  };
}

export async function migratePlan(src: ClusterSource, o: MigrateSelectionOptions & { assumeRateMiBps?: number }): Promise<MigrationPlan> {
  const raw = migrationRaw(src, o.from, o.to);
  const flow = flowContext(raw, o.from, o.to);
  await requireReachable(flow.sourceProps, o.from);
  await requireReachable(flow.targetProps, o.to);
  return withClusterAdmin(flow.sourceProps, (a) => withClusterAdmin(flow.targetProps, async (b) => {
    const topics = await selectedTopics(flow, a, o);
    const facts = await topicFacts(a, b, flow, topics);
    const { planned, warnings } = await planTopics(flow, topics, facts, o.to);
    const acls = await planAcls(a, flow, topics, o.from);
    const groups = await planGroups(a, flow, o, topics, facts.marks);
    if (flow.remoteTopic('x') !== 'x') warnings.push(renderRenameNote(flow, topics));
    const rate = o.assumeRateMiBps ?? 20;
    return {
      from: o.from, to: o.to, policy: raw[REPLICATION_POLICY_CLASS_CONFIG]!, topics: planned, acls, groups,
      totals: planTotals(planned, rate), assumeRateMiBps: rate, warnings,
    };
  }, 'ferry-migrate-plan-b'), 'ferry-migrate-plan-a');
}

export function renderMigrationPlan(p: MigrationPlan): string {
  const lines = [`Migration plan ${p.from} -> ${p.to} (${p.policy.split('.').pop()})`];
  lines.push(`  ${plural(p.totals.topics, 'topic')}, ${plural(p.totals.partitions, 'partition')}, ${fmtCount(p.totals.records)} records, ~${fmtBytes(p.totals.estBytes)}; at ${p.assumeRateMiBps} MiB/s the copy takes ~${fmtDuration(p.totals.estSeconds * 1000)}`);
  lines.push('Topics:');
  const rows = [['topic', 'on ' + p.to, 'partitions', 'records', 'est. size', 'configs', 'target']];
  for (const t of p.topics) rows.push([t.topic, t.remoteTopic, String(t.partitions), fmtCount(t.records), fmtBytes(t.estBytes), Object.entries(t.configs).map(([k, v]) => `${k}=${v}`).join(' ') || '-', t.target]);
  for (const l of table(rows, { rightAlign: [2, 3, 4] })) lines.push(`  ${l}`);
  lines.push(`ACLs: ${p.acls.checked ? (p.acls.bindings.length === 0 ? 'none on these topics' : `${p.acls.bindings.length} to create`) : `not checked (${p.acls.reason ?? '?'})`}`);
  for (const a of p.acls.bindings.slice(0, 20)) lines.push(`  ${a.permissionType} ${a.operation} ${a.principal}@${a.host} on ${a.resourceName}`);
  lines.push(`Groups (${p.groups.length}):`);
  if (p.groups.length > 0) {
    const gr = [['group', 'state', 'members', 'partitions', 'lag']];
    for (const g of p.groups) gr.push([g.group, g.state, String(g.members), String(g.partitions), fmtCount(g.lag)]);
    for (const l of table(gr, { rightAlign: [2, 3, 4] })) lines.push(`  ${l}`);
  }
  for (const w of p.warnings) lines.push(`note: ${w}`);
  lines.push(`Next: ferry migrate start --from ${p.from} --to ${p.to} … [--run]`);
  return lines.join('\n');
}

// --------------------------------------------------------------------------------------------------- start

/** Computes a new migration job from the selection on the source (throws when it selects nothing). */
async function newJob(flow: FlowContext, raw: Record<string, string>, o: MigrateSelectionOptions): Promise<MigrationJob> {
  return withClusterAdmin(flow.sourceProps, async (a) => {
    const topics = await selectedTopics(flow, a, o);
    if (o.groups) {
      const gs = selectGroups(flow, await a.consumerGroups(), o.groups);
      if (gs.length === 0) throw new OpsError(`--groups matches no consumer group on ${o.from}`);
    }
    return { topics, groupsPattern: o.groupsText ?? null, policyClass: raw[REPLICATION_POLICY_CLASS_CONFIG]!, flowOverrides: jobOverrides(o.from, o.to, topics, o.groupsText ?? null) };
  }, 'ferry-migrate-start');
}

/** Computes the migration job: the one an earlier start journaled (unless restarting), or a new one. */
async function resolveJob(flow: FlowContext, raw: Record<string, string>, o: MigrateSelectionOptions, restart: boolean): Promise<MigrationJob> {
  const journal = await OpsJournal.open(flow.targetProps);
  const existing = journal.op(jobKey(o.from, o.to));
  await journal.close();
  if (existing?.args && !restart) return existing.args as MigrationJob;
  return newJob(flow, raw, o);
}

type NewTopic = Parameters<typeof ensureTopics>[1][number];

/** Computes the topics to create on the target: the selected ones it lacks, with the source's partition counts and configs. */
function missingTopics(jf: FlowContext, job: MigrationJob, counts: Map<string, number>, configs: TopicFacts['configs'], have: Map<string, number>, rf: number): NewTopic[] {
  return job.topics.filter((t) => !have.has(jf.remoteTopic(t))).map((t) => ({
    topic: jf.remoteTopic(t), partitions: counts.get(t) ?? 1, replicationFactor: rf, replicationFactorSetting: 'replication.factor',
    configs: newTopicConfigs(toPolicyEntries(configs.get(t) ?? []), jf.sourceSettings.configPropertyFilter),
  }));
}

/** Adds partitions where the target's copy has fewer than the source; returns how many topics grew. */
async function extendTopics(b: ClusterAdmin, jf: FlowContext, job: MigrationJob, counts: Map<string, number>, have: Map<string, number>): Promise<number> {
  let extended = 0;
  for (const t of job.topics) {
    const h = have.get(jf.remoteTopic(t));
    const n = counts.get(t) ?? 0;
    if (h !== undefined && h < n) { await b.createPartitions(jf.remoteTopic(t), n); extended++; }
  }
  return extended;
}

/** Renders a topic the migration created. */
function renderCreatedTopic(t: NewTopic): string {
  return `created ${t.topic} (${t.partitions} partitions${Object.keys(t.configs ?? {}).length > 0 ? `, ${Object.entries(t.configs ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''})`;
}

/** Step: create the topics on the target with the source's partition counts and configs (adding missing partitions). */
function createTopicsStep(jf: FlowContext, job: MigrationJob, props: Record<string, string>, to: string): OpStep {
  return {
    name: 'create-topics', title: `create the topics on ${to} with the source's partition counts and configs`,
    run: async (ctx) => {
      return withClusterAdmin(jf.sourceProps, (a) => withClusterAdmin(jf.targetProps, async (b) => {
        const counts = await a.partitionCounts(job.topics);
        const configs = await a.topicConfigs(job.topics);
        const have = await b.partitionCounts(job.topics.map((t) => jf.remoteTopic(t)));
        const rf = Number(props['replication.factor'] ?? jf.sourceSettings.replicationFactor);
        const todo = missingTopics(jf, job, counts, configs, have, rf);
        const created = await ensureTopics(b, todo);
        const extended = await extendTopics(b, jf, job, counts, have);
        for (const t of todo) ctx.out(renderCreatedTopic(t));
        return { details: { created, extended }, summary: `${created.length} created, ${job.topics.length - todo.length} existed${extended > 0 ? `, ${extended} extended` : ''}` };
      }, 'ferry-migrate-topics-b'), 'ferry-migrate-topics-a');
    },
  };
}

/** Step: copy the selected topics' ACLs to the target, WRITE included (producers move too). */
function createAclsStep(jf: FlowContext, job: MigrationJob, from: string, to: string): OpStep {
  return {
    name: 'create-acls', title: `copy the topics' ACLs to ${to} (WRITE included: producers move too)`,
    run: async () => {
      return withClusterAdmin(jf.sourceProps, (a) => withClusterAdmin(jf.targetProps, async (b) => {
        let acls: Awaited<ReturnType<ClusterAdmin['topicAcls']>>;
        try {
          acls = await a.topicAcls();
        } catch (e) {
          if ((e as { securityDisabled?: boolean }).securityDisabled) return { summary: `skipped: no authorizer on ${from}` };
          throw e;
        }
        const want = migrationAcls(acls, new Set(job.topics), jf.remoteTopic);
        if (want.length === 0) return { summary: 'no topic ACLs to copy' };
        await b.createTopicAcls(want.map((x) => ({ resourceType: 'TOPIC', resourceName: x.resourceName, patternType: 'LITERAL', principal: x.principal, host: x.host, operation: x.operation, permission: x.permissionType === 'DENY' ? 'DENY' : 'ALLOW' })));
        return { details: { created: want.length }, summary: `${want.length} ACL(s) created` };
      }, 'ferry-migrate-acls-b'), 'ferry-migrate-acls-a');
    },
  };
}

/** The steps of `migrate start`. */
function startSteps(jf: FlowContext, job: MigrationJob, props: Record<string, string>, o: MigrateSelectionOptions & { run?: boolean }): OpStep[] {
  return [
    { name: 'preflight', title: `record the migration (${plural(job.topics.length, 'topic')}, groups ${job.groupsPattern ?? '.*'})`, run: async () => ({ summary: `${plural(job.topics.length, 'topic')}` }) },
    createTopicsStep(jf, job, props, o.to),
    createAclsStep(jf, job, o.from, o.to),
    {
      name: 'mirror-config', title: `prepare the flow ${o.from}->${o.to} (only these topics; group offsets synced every 5 s)`,
      run: async () => ({ summary: o.run ? 'the flow runs in this process after this step' : 'mm2.properties printed below' }),
    },
  ];
}

/** Renders the plan lines of `migrate start`: topics (and their names on the target), groups, naming. */
function renderStartLines(jf: FlowContext, job: MigrationJob, to: string): string[] {
  return [
    `topics (${job.topics.length}): ${job.topics.map((t) => (jf.remoteTopic(t) === t ? t : `${t} -> ${jf.remoteTopic(t)}`)).join(', ')}`,
    `groups: ${job.groupsPattern ?? '.* (all with commits on these topics)'}; offsets synced to ${to} while they are idle there, finally at cutover`,
    `naming: ${job.policyClass.split('.').pop()}`,
  ];
}

/** Renders the mm2.properties a migration's mirror runs with. */
function renderMigrationProperties(props: Record<string, string>, from: string, to: string): string {
  return renderProperties(props, [`Ferry migration ${from} -> ${to} (generated by ferry migrate start)`, 'Run with: ferry mirror <this file>']);
}

/** Runs the migration's flow in this process until Ctrl-C, SIGTERM or the abort signal. */
async function mirrorUntilStopped(props: Record<string, string>, from: string, to: string, exec: ExecuteOptions & { signal?: AbortSignal }): Promise<void> {
  const out = exec.out ?? ((l: string) => console.log(l));
  const mm = await startFlowInProcess(props, from, to);
  out(`Mirroring ${from} -> ${to} in this process. Watch it with 'ferry migrate status'; finish with 'ferry migrate cutover'. Ctrl-C stops the mirror (it resumes where it stopped).`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    if (exec.signal) exec.signal.addEventListener('abort', stop, { once: true });
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await mm.stop();
}

export async function migrateStart(
  src: ClusterSource, o: MigrateSelectionOptions & { run?: boolean }, exec: ExecuteOptions & { onProperties?: (text: string) => void; signal?: AbortSignal } = {},
): Promise<OperationResult> {
  const raw = migrationRaw(src, o.from, o.to);
  const flow = flowContext(raw, o.from, o.to);
  await requireReachable(flow.sourceProps, o.from);
  await requireReachable(flow.targetProps, o.to);
  const job = await resolveJob(flow, raw, o, !!exec.restart);
  const jf = jobFlow(src, o.from, o.to, job);
  const props = migrationFlowProperties(src, o.from, o.to, job);
  const plan: OperationPlan = {
    kind: 'migrate start', opKey: jobKey(o.from, o.to), from: o.from, to: o.to, title: `Migration ${o.from} -> ${o.to}: start`,
    lines: renderStartLines(jf, job, o.to),
    steps: startSteps(jf, job, props, o), blockers: [], journalProps: flow.targetProps, data: { job }, args: job,
  };
  const result = await executePlan(plan, exec);
  if (result.status === 'dry-run' || result.status === 'failed') return result;
  exec.onProperties?.(renderMigrationProperties(props, o.from, o.to));
  if (o.run) await mirrorUntilStopped(props, o.from, o.to, exec);
  return result;
}

// -------------------------------------------------------------------------------------------------- status

export interface TopicProgress {
  topic: string;
  remoteTopic: string;
  partitions: number;
  total: number;
  mirrored: number;
  fraction: number;
  ratePerSec: number;
  etaMs: number | null;
  expired: number;
  recreated: number;
}

export interface MigrationStatus {
  from: string;
  to: string;
  phase: 'setting-up' | 'mirroring' | 'cutting-over' | 'completed';
  flow: string;
  topics: TopicProgress[];
  totals: { total: number; mirrored: number; fraction: number; ratePerSec: number; etaMs: number | null; lag: number };
  groups: { group: string; partitions: number; synced: number; behindRecords: number; notSynced: number }[];
  safety: string[];
  at: string;
}

function progressOf(a: FlowLag, b: FlowLag, topics: string[], remote: (t: string) => string, dtMs: number): TopicProgress[] {
  const out: TopicProgress[] = [];
  for (const t of topics) {
    const p1 = a.partitions.filter((p) => p.topic === t);
    const p2 = b.partitions.filter((p) => p.topic === t);
    let total = 0, mirrored = 0, before = 0, expired = 0, recreated = 0;
    for (const p of p2) {
      total += Math.max(0, p.end - p.low);
      mirrored += Math.max(0, Math.min(p.end, p.processed ?? p.low) - p.low);
      expired += p.expired;
      if (p.recreated) recreated++;
    }
    for (const p of p1) before += Math.max(0, Math.min(p.end, p.processed ?? p.low) - p.low);
    const rate = dtMs > 0 ? Math.max(0, ((mirrored - before) * 1000) / dtMs) : 0;
    const remaining = total - mirrored;
    out.push({ topic: t, remoteTopic: remote(t), partitions: p2.length, total, mirrored, fraction: total === 0 ? 1 : mirrored / total, ratePerSec: rate, etaMs: remaining === 0 ? 0 : rate > 0 ? (remaining / rate) * 1000 : null, expired, recreated });
  }
  return out;
}

export async function migrateStatus(src: ClusterSource, o: { from: string; to: string; sampleMs?: number }): Promise<MigrationStatus> {
  const { job, op, cutover, flow, journal } = await loadJob(src, o.from, o.to);
  await journal.close();
  await requireReachable(flow.sourceProps, o.from);
  return withClusterAdmin(flow.sourceProps, (a) => withClusterAdmin(flow.targetProps, async (b) => {
    const l1 = await flowLag(flow, job.topics, a);
    const t1 = Date.now();
    await sleep(o.sampleMs ?? 2000);
    const maps = await loadFlowMaps(flow, new Set(job.topics));
    const l2 = await flowLag(flow, job.topics, a, maps);
    const topics = progressOf(l1, l2, job.topics, flow.remoteTopic, Date.now() - t1);
    const total = topics.reduce((s, t) => s + t.total, 0);
    const mirrored = topics.reduce((s, t) => s + t.mirrored, 0);
    const rate = topics.reduce((s, t) => s + t.ratePerSec, 0);
    const safety: string[] = [];
    for (const p of l2.partitions) {
      if (p.expired > 0) safety.push(`${p.topic}-${p.partition}: ${p.expired} record(s) expired on ${o.from} before they were mirrored (retention overtook the mirror)`);
      if (p.recreated) safety.push(`${p.topic}-${p.partition}: shorter on ${o.from} (ends at ${p.end}) than what was mirrored (${p.processed}): deleted and re-created on the source`);
    }
    const candidates = groupsOf(flow, await a.consumerGroups(), job.groupsPattern);
    const commits = await groupCommits(a, candidates, new Set(job.topics));
    const groups: MigrationStatus['groups'] = [];
    for (const g of candidates) {
      const cs = commits[g] ?? [];
      if (cs.length === 0) continue;
      const tgt = new Map((await b.groupOffsets(g)).map((x) => [topicPartitionKey(x.topic, x.partition), x.offset]));
      let synced = 0, behind = 0, notSynced = 0;
      for (const c of cs) {
        const tr = translateForward(maps?.get(topicPartitionKey(c.topic, c.partition)), c.offset);
        const have = tgt.get(topicPartitionKey(flow.remoteTopic(c.topic), c.partition));
        if ('reason' in tr || have === undefined) { notSynced++; continue; }
        if (have >= tr.toOffset) synced++;
        else behind += tr.toOffset - have;
      }
      groups.push({ group: g, partitions: cs.length, synced, behindRecords: behind, notSynced });
    }
    const st = await readFlowStatus(flow);
    const phase: MigrationStatus['phase'] = cutover?.status === 'done' ? 'completed' : cutover ? 'cutting-over' : op.status === 'done' ? 'mirroring' : 'setting-up';
    return {
      from: o.from, to: o.to, phase,
      flow: st.found ? (st.paused ? 'PAUSED' : st.failed.length > 0 ? `FAILED (${st.failed.join(', ')})` : st.connectors[flow.connectorNames.source] ?? 'configured') : 'not running in dedicated mode (no worker topics on the target)',
      topics, totals: { total, mirrored, fraction: total === 0 ? 1 : mirrored / total, ratePerSec: rate, etaMs: total - mirrored === 0 ? 0 : rate > 0 ? ((total - mirrored) / rate) * 1000 : null, lag: l2.total },
      groups, safety, at: new Date().toISOString(),
    };
  }, 'ferry-migrate-status-b'), 'ferry-migrate-status');
}

function eta(ms: number | null): string {
  return ms === null ? '—' : ms === 0 ? 'done' : fmtDuration(ms);
}

export function renderMigrationStatus(s: MigrationStatus): string {
  const lines = [`Migration ${s.from} -> ${s.to}: ${s.phase} (flow ${s.flow})`];
  lines.push(`  ${progressBar(s.totals.fraction)}  ${fmtCount(s.totals.mirrored)}/${fmtCount(s.totals.total)} records  ${fmtCount(s.totals.ratePerSec)} records/s  ETA ${eta(s.totals.etaMs)}`);
  const width = Math.min(40, Math.max(...s.topics.map((t) => t.topic.length), 5));
  for (const t of s.topics) {
    lines.push(`  ${t.topic.padEnd(width)} ${progressBar(t.fraction, 20)} ${`${fmtCount(t.mirrored)}/${fmtCount(t.total)}`.padStart(19)}  ${fmtCount(t.ratePerSec).padStart(7)}/s  ETA ${eta(t.etaMs)}`);
  }
  if (s.groups.length > 0) {
    lines.push('Groups:');
    for (const g of s.groups) lines.push(`  ${g.group}: ${g.synced}/${g.partitions} partitions synced${g.behindRecords > 0 ? `, ${fmtCount(g.behindRecords)} record(s) behind` : ''}${g.notSynced > 0 ? `, ${g.notSynced} not synced yet` : ''}`);
  }
  for (const x of s.safety) lines.push(`SAFETY: ${x}`);
  return lines.join('\n');
}

// -------------------------------------------------------------------------------------------------- verify

function groupsOf(flow: FlowContext, all: string[], pattern: string | null): string[] {
  return selectGroups(flow, all, pattern === null ? null : selectionPattern(pattern, '--groups'));
}

export async function migrateVerify(src: ClusterSource, o: { from: string; to: string; tailRecords?: number; allowDuplicates?: boolean; strict?: boolean }): Promise<VerifyReport> {
  const { job, flow, journal } = await loadJob(src, o.from, o.to);
  await journal.close();
  await requireReachable(flow.sourceProps, o.from);
  const groups = await withClusterAdmin(flow.sourceProps, (a) => movingGroups(a, flow, job), 'ferry-migrate-verify');
  return verifyFlow(flow, { selectedTopics: job.topics, selectedGroups: groups, strict: o.strict ?? false, tailRecords: o.tailRecords ?? 0, allowDuplicates: o.allowDuplicates ?? false });
}

// ------------------------------------------------------------------------------------------------- cutover

export interface CutoverOptions {
  from: string;
  to: string;
  quietPeriodMs?: number;
  timeoutMs?: number;
  /** 0: verify everything (default); N: the last N records per partition. */
  verifyTail?: number;
  /** Copies the mirror re-sent after a crash do not fail the verification (they are still reported). */
  allowDuplicates?: boolean;
}

/** Computes the groups that move with a migration: the job's groups with commits on its topics. */
async function movingGroups(a: ClusterAdmin, flow: FlowContext, job: MigrationJob): Promise<string[]> {
  const candidates = groupsOf(flow, await a.consumerGroups(), job.groupsPattern);
  const commits = await groupCommits(a, candidates, new Set(job.topics));
  return candidates.filter((g) => (commits[g] ?? []).length > 0);
}

/** Computes why a cutover cannot start: a flow that is paused or failed, or offset maps it cannot read. */
function cutoverBlockers(flow: FlowContext, st: FlowStatus, lag: FlowLag, o: CutoverOptions): string[] {
  const blockers: string[] = [];
  if (st.paused) blockers.push(`the migration flow ${o.from}->${o.to} is paused: it cannot drain. Resume it first.`);
  for (const f of st.failed) blockers.push(`${f} of the migration flow has FAILED: restart it first`);
  if (!lag.mapsReadable) blockers.push(`offset maps ${flow.mapsTopic} are unreadable`);
  return blockers;
}

/** Renders the plan lines of a cutover: topics, groups, the flow's state and what is not yet mirrored. */
function renderCutoverLines(flow: FlowContext, job: MigrationJob, groups: string[], st: FlowStatus, lag: FlowLag): string[] {
  return [
    `topics (${job.topics.length}): ${job.topics.join(', ')}`,
    `groups (${groups.length}): ${groups.join(', ') || '(none)'}`,
    `flow: ${st.found ? (st.paused ? 'PAUSED' : st.connectors[flow.connectorNames.source] ?? 'configured') : 'not found'}; not yet mirrored: ${fmtCount(lag.total)} record(s)`,
  ];
}

/** Step: confirm the producers stopped on the source (end offsets unchanged for the quiet period). */
function quiesceStep(flow: FlowContext, o: CutoverOptions, quiet: number): OpStep {
  return {
    name: 'quiesce', title: `confirm producers stopped on ${o.from}: end offsets unchanged for ${fmtDuration(quiet)}`,
    run: async (ctx) => {
      const s = ctx.details<Selection>('preflight')!;
      const waited = await waitQuiet(flow, s.topics, quiet, o.timeoutMs ?? 300_000, ctx.progress);
      return { details: { waitedMs: waited }, summary: `no writes for ${fmtDuration(quiet)} (waited ${fmtDuration(waited)})` };
    },
  };
}

/** Step: wait until everything is mirrored and the groups stopped on the source. */
function drainStep(flow: FlowContext, o: CutoverOptions): OpStep {
  return {
    name: 'drain', title: `wait until everything is mirrored and the groups stopped on ${o.from}`,
    run: async (ctx) => {
      const s = ctx.details<Selection>('preflight')!;
      const d = await waitForDrain(flow, s.topics, s.groups, { timeoutMs: o.timeoutMs ?? 300_000, progress: ctx.progress });
      return { details: d, summary: `lag 0 after ${fmtDuration(d.waitedMs)}` };
    },
  };
}

/** Renders the summary of a verification that passed. */
function renderVerifySummary(report: VerifyReport): string {
  return `ok: ${fmtCount(report.summary.matched)} records identical in ${fmtDuration(report.elapsedMs)}${report.summary.duplicates > 0 ? `; ${report.summary.duplicates} duplicate(s) re-sent after a mirror crash (allowed)` : ''}`;
}

/** Renders why a verification stops the cutover. */
function renderVerifyFailure(report: VerifyReport): string {
  return `verification found ${plural(report.problems.length, 'problem')} (first: ${report.problems[0] ?? '?'}); the flow keeps running. Fix or accept them (ferry migrate verify --json), then re-run the cutover.`;
}

/** Step: verify the records (all, or the tail of each partition), configs and group offsets; throws on a problem. */
function verifyStep(flow: FlowContext, o: CutoverOptions): OpStep {
  return {
    name: 'verify', title: o.verifyTail ? `verify the last ${fmtCount(o.verifyTail)} records of every partition, configs and groups` : 'verify every record, the configs and the group offsets',
    run: async (ctx) => {
      const s = ctx.details<Selection>('preflight')!;
      const report = await verifyFlow(flow, { selectedTopics: s.topics, selectedGroups: s.groups, strict: true, tailRecords: o.verifyTail ?? 0, checkAcls: false, allowDuplicates: o.allowDuplicates ?? false, onProgress: (p) => ctx.progress(`verify: ${p.partitionsDone}/${p.partitions} partitions, ${fmtCount(p.records)} records`) });
      for (const p of report.problems.slice(0, 20)) ctx.out(`problem: ${p}`);
      if (!report.ok) throw new OpsError(renderVerifyFailure(report), OPS_EXIT.mismatch);
      return { details: { summary: report.summary }, summary: renderVerifySummary(report) };
    },
  };
}

/** The steps of a cutover. */
function cutoverSteps(flow: FlowContext, o: CutoverOptions, sel: Selection): OpStep[] {
  return [
    preflightStep(sel),
    quiesceStep(flow, o, o.quietPeriodMs ?? 10_000),
    drainStep(flow, o),
    translateStep(flow, { title: 'translate the groups\' final commits exactly', clientId: 'ferry-cutover-translate', checkpointFallback: false }),
    commitStep(flow, { title: `final commit of the groups on ${o.to} (forward only)`, clientId: 'ferry-cutover-commit' }),
    verifyStep(flow, o),
    pauseStep(flow, `pause the migration flow ${o.from}->${o.to}`),
    { name: 'complete', title: 'mark the migration complete', run: async () => ({ summary: `consumers and producers can now use ${o.to}` }) },
  ];
}

export async function planCutover(src: ClusterSource, o: CutoverOptions): Promise<OperationPlan> {
  const { job, op, flow, journal } = await loadJob(src, o.from, o.to);
  await journal.close();
  if (op.status !== 'done') throw new OpsError(`migration ${o.from}->${o.to} is not fully set up (start is ${op.status}): re-run 'ferry migrate start' first`, OPS_EXIT.precondition);
  await requireReachable(flow.sourceProps, o.from);
  return withClusterAdmin(flow.sourceProps, async (a) => {
    const groups = await movingGroups(a, flow, job);
    const st = await readFlowStatus(flow);
    const lag = await flowLag(flow, job.topics, a);
    return {
      kind: 'migrate cutover', opKey: cutoverKey(o.from, o.to), from: o.from, to: o.to, title: `Migration ${o.from} -> ${o.to}: cutover`,
      lines: renderCutoverLines(flow, job, groups, st, lag),
      steps: cutoverSteps(flow, o, { topics: job.topics, groups }), blockers: cutoverBlockers(flow, st, lag, o), blockersCheckedBy: 'verify',
      journalProps: flow.targetProps, data: { topics: job.topics, groups, lag: lag.total }, args: {},
    };
  }, 'ferry-cutover-plan');
}

/** Waits until the end offsets of the topics stay unchanged for `quietMs`; returns how long it waited. */
async function waitQuiet(flow: FlowContext, topics: string[], quietMs: number, timeoutMs: number, progress: (l: string) => void): Promise<number> {
  const started = Date.now();
  return withClusterAdmin(flow.sourceProps, async (a) => {
    const snap = async () => {
      const m = await topicWatermarks(a, topics);
      const out = new Map<string, number>();
      for (const [t, ps] of m) ps.forEach((p, i) => { if (p) out.set(`${t}-${i}`, p.high); });
      return out;
    };
    let last = await snap();
    let quietSince = Date.now();
    let lastReport = 0;
    for (;;) {
      if (Date.now() - quietSince >= quietMs) return Date.now() - started;
      if (Date.now() - started > timeoutMs) {
        throw new OpsError(`producers are still writing to ${flow.source} after ${fmtDuration(timeoutMs)}; stop them and re-run the cutover`, OPS_EXIT.precondition);
      }
      await sleep(Math.min(1000, quietMs));
      const now = await snap();
      const moved: string[] = [];
      for (const [k, v] of now) if ((last.get(k) ?? 0) !== v) moved.push(`${k} (+${v - (last.get(k) ?? 0)})`);
      if (moved.length > 0) {
        quietSince = Date.now();
        if (Date.now() - lastReport > 2000) { progress(`still being written on ${flow.source}: ${moved.slice(0, 5).join(', ')}${moved.length > 5 ? ', …' : ''}`); lastReport = Date.now(); }
      }
      last = now;
    }
  }, 'ferry-cutover-quiet');
}

export async function migrateCutover(src: ClusterSource, o: CutoverOptions, exec: ExecuteOptions = {}): Promise<OperationResult> {
  return executePlan(await planCutover(src, o), exec);
}
