// Throughput suite: preload the source once, then for each case and repetition mirror everything from the
// earliest offset with Ferry and with MM2 (alternating), each into a fresh target (a new cluster, or the
// shared target with the case's topics deleted first), and time it by polling the target's end offsets.
import type { EphemeralKafka } from '../../src/dev/ephemeral.js';
import { ClusterAdmin } from '../../src/kafka/cluster-admin.js';
import type { PartitionDigest } from '../../src/mirror/ops/partition-digest.js';
import type { CaseId, CaseSpec } from './args.js';
import { launchMirror, loadAvg, sampleUntil, type BenchContext, type CorrectnessCheck, type MirrorSample, type ThroughputRun } from './context.js';
import { clientProps, CommittedOffsetsWatcher, createTopics, digest, endOffsets, EndOffsetWatcher, nodePreload, producerPerformance, startCluster, waitUntil } from './kafka.js';
import { exactTopicsRegex, type MirrorRunConfig } from './mm2-config.js';
import { measureTranslation } from './translation.js';
import { TOOL_LABEL, type Tool } from './tools.js';

export interface PreloadedCase {
  spec: CaseSpec;
  topics: string[];
  topicsRegex: string;
  ends: Map<string, number[]>;
  total: number;
  sample: { topic: string; partition: number; digest: PartitionDigest }[];
}

/** The source data a case mirrors (cases of one dataset share topics and are preloaded once). */
export function caseDataset(spec: CaseSpec): string {
  return spec.dataset ?? spec.id;
}

export function caseTopics(spec: CaseSpec): string[] {
  const name = caseDataset(spec);
  if (spec.topics === 1) return [`bench.${name}`];
  return Array.from({ length: spec.topics }, (_, i) => `bench.${name}.${String(i).padStart(3, '0')}`);
}

/** Fills the source with a case's records and digests a sample of its partitions. */
export async function preloadCase(ctx: BenchContext, spec: CaseSpec): Promise<PreloadedCase> {
  const bootstrap = ctx.source.cluster('source').bootstrap;
  const topics = caseTopics(spec);
  await createTopics(bootstrap, topics.map((topic) => ({ topic, partitions: spec.partitions })));
  const began = Date.now();
  if (spec.topics === 1) {
    // Kafka's own producer is the fastest way to write millions of records; random payload, no keys.
    await producerPerformance(ctx.libDir, bootstrap, topics[0]!, spec.records, spec.recordSize, { acks: '1', 'batch.size': '262144', 'linger.ms': '20', ...(spec.sourceCompression ? { 'compression.type': spec.sourceCompression } : {}) });
  } else {
    if (spec.sourceCompression) throw new Error(`case ${spec.id}: source compression is only supported for single-topic cases`);
    await nodePreload(bootstrap, topics.map((topic) => ({ topic, partitions: spec.partitions })), spec.records / (spec.topics * spec.partitions), spec.recordSize);
  }
  const ends = await endOffsets(bootstrap, topics);
  const total = [...ends.values()].flat().reduce((a, b) => a + b, 0);
  if (total !== spec.records) throw new Error(`Preloading case ${spec.id} wrote ${total} records, expected ${spec.records}`);
  ctx.log(`case ${caseDataset(spec)}: preloaded ${total} records x ${spec.recordSize} B${spec.sourceCompression ? ` (${spec.sourceCompression} batches)` : ''} into ${topics.length} topic(s) in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  const picks = spec.topics === 1
    // With more than 8 partitions (case e) also the last one, which a different task mirrors at tasks.max > 1.
    ? [0, Math.min(5, spec.partitions - 1), ...(spec.partitions > 8 ? [spec.partitions - 1] : [])].map((partition) => ({ topic: topics[0]!, partition }))
    : [0, 33, 66, 99].filter((i) => i < topics.length).map((i) => ({ topic: topics[i]!, partition: i % spec.partitions }));
  const sample = [];
  for (const p of picks) sample.push({ ...p, digest: await digest(bootstrap, p.topic, p.partition) });
  const topicsRegex = spec.topics === 1 ? exactTopicsRegex(topics) : `bench\\.${caseDataset(spec)}\\..*`;
  return { spec, topics, topicsRegex, ends, total, sample };
}

/** Mirror settings shared by every suite (per-run aliases and topics are filled in by the caller). */
export function baseRunConfig(ctx: BenchContext, runId: number, targetBootstrap: string, topics: string): MirrorRunConfig {
  return {
    sourceAlias: `src${runId}`,
    targetAlias: `tgt${runId}`,
    sourceBootstrap: ctx.source.cluster('source').bootstrap,
    targetBootstrap,
    topics,
    groups: `bench-tr-r${runId}-.*`,
    tasksMax: ctx.opts.tasksMax,
    producer: ctx.producer,
    emitCheckpointsIntervalSeconds: 1,
    syncGroupOffsets: ctx.opts.syncGroupOffsets,
    refreshGroupsIntervalSeconds: 2,
    refreshTopicsIntervalSeconds: 5,
  };
}

/** A throughput case's mirror settings: the shared ones with the case's own tasks.max and target compression. */
export function caseRunConfig(ctx: BenchContext, spec: CaseSpec, runId: number, targetBootstrap: string, topics: string): MirrorRunConfig {
  const c = baseRunConfig(ctx, runId, targetBootstrap, topics);
  if (spec.tasksMax !== undefined) c.tasksMax = spec.tasksMax;
  if (spec.targetCompression !== undefined) c.producer = { ...c.producer, compression: spec.targetCompression };
  if (spec.exactlyOnce) {
    c.extra = {
      ...c.extra,
      'exactly.once.source.support': 'enabled',
      'offset-syncs.topic.location': 'target',
      [`${c.sourceAlias}.consumer.isolation.level`]: 'read_committed',
    };
  }
  return c;
}

/** Throughput window: from the first sample with records to the sample with all of them. */
export function throughputWindow(samples: readonly MirrorSample[], total: number): { records: number; ms: number; cpu: number; startToFirstMs: number } | undefined {
  const firstIdx = samples.findIndex((s) => s.records > 0);
  const end = samples[samples.length - 1];
  if (firstIdx < 0 || !end || end.records < total) return undefined;
  const first = samples[firstIdx]!;
  // When the first sample already holds most records (tiny runs), start from the sample before it instead.
  const before = firstIdx > 0 ? samples[firstIdx - 1]! : { t: 0, records: 0, cpu: 0, rssKb: 0 };
  const useBefore = end.t - first.t < 1000 || first.records > total / 2;
  const start = useBefore ? before : first;
  return { records: total - start.records, ms: end.t - start.t, cpu: end.cpu - start.cpu, startToFirstMs: first.t };
}

async function deleteTopics(bootstrap: string, topics: string[]): Promise<void> {
  const admin = new ClusterAdmin(clientProps(bootstrap), 'ferry-bench-delete');
  try {
    const existing = new Set(await admin.topics());
    const del = topics.filter((t) => existing.has(t));
    if (del.length === 0) return;
    await admin.deleteTopics(del);
    await waitUntil('deleted topics to disappear', async () => {
      const now = new Set(await admin.topics());
      return del.every((t) => !now.has(t));
    }, 60_000, 250);
  } finally {
    await admin.close();
  }
}

/** `committed`: exactly-once runs count committed records (their end offsets also count transaction markers). */
async function correctness(ctx: BenchContext, prep: PreloadedCase, targetBootstrap: string, committed?: number): Promise<CorrectnessCheck> {
  const targetEnds = await endOffsets(targetBootstrap, prep.topics);
  let countsMatch = true;
  let targetTotal = 0;
  for (const [t, ends] of prep.ends) {
    const got = targetEnds.get(t) ?? [];
    ends.forEach((e, p) => { if (got[p] !== e) countsMatch = false; });
    targetTotal += got.reduce((a, b) => a + b, 0);
  }
  if (committed !== undefined) {
    countsMatch = committed === prep.total;
    targetTotal = committed;
  }
  const digests = [];
  for (const s of prep.sample) {
    const d = await digest(targetBootstrap, s.topic, s.partition);
    digests.push({ topic: s.topic, partition: s.partition, records: s.digest.count, match: d.sha256 === s.digest.sha256 && d.count === s.digest.count });
  }
  return { countsMatch, sourceTotal: prep.total, targetTotal, digests };
}

export interface ThroughputTargets { shared?: EphemeralKafka }

/** One measured (or profiled) mirror run of a case with a tool. */
export async function throughputRun(ctx: BenchContext, prep: PreloadedCase, tool: Tool, rep: number, targets: ThroughputTargets, o: { translation: boolean; cpuProfileDir?: string }): Promise<ThroughputRun> {
  const runId = ctx.nextRunId();
  const spec = prep.spec;
  const bytes = prep.total * spec.recordSize;
  const run: ThroughputRun = { suite: 'throughput', case: spec.id, tool, rep, ok: false, records: prep.total, bytes, loadAvgStart: loadAvg(), loadAvgEnd: [], command: '' };
  let target: EphemeralKafka | undefined;
  let owned = false;
  try {
    if (ctx.opts.freshTarget || !targets.shared) {
      target = await startCluster('target', ctx.opts.kafkaVersion, ctx.log);
      owned = true;
    } else {
      target = targets.shared;
      await deleteTopics(target.cluster('target').bootstrap, prep.topics);
    }
    const targetBootstrap = target.cluster('target').bootstrap;
    const config = caseRunConfig(ctx, spec, runId, targetBootstrap, prep.topicsRegex);
    if (spec.tasksMax !== undefined) run.tasksMax = config.tasksMax;
    if (spec.targetCompression !== undefined) run.targetCompression = config.producer.compression;
    const watcher = spec.exactlyOnce
      ? new CommittedOffsetsWatcher(targetBootstrap, `mm2-offsets.${config.sourceAlias}.internal`, prep.ends)
      : new EndOffsetWatcher(targetBootstrap, prep.ends);
    const variant = [spec.tasksMax !== undefined ? `tasks.max ${config.tasksMax}` : '', spec.targetCompression !== undefined ? `${spec.sourceCompression ?? 'source'} -> ${config.producer.compression}` : ''].filter(Boolean).join(', ');
    ctx.log(`throughput case ${spec.id} rep ${rep} ${TOOL_LABEL[tool]} (run ${runId}): mirroring ${prep.total} records${variant ? ` (${variant})` : ''}${o.cpuProfileDir ? ' [cpu profile]' : ''}`);
    run.loadAvgStart = loadAvg();
    const session = launchMirror(ctx, tool, runId, config, o.cpuProfileDir ? { cpuProfileDir: o.cpuProfileDir } : {});
    run.command = session.command;
    try {
      const samples = await sampleUntil(session, async () => (await watcher.total()).total, (n) => n >= prep.total, {
        intervalMs: 200, timeoutMs: 240_000 + (prep.total / 1000) * 1000, stallMs: 120_000, firstRecordTimeoutMs: 240_000,
      });
      run.loadAvgEnd = loadAvg();
      session.sampler.sample();
      run.peakRssMb = round(session.sampler.peakRssMb(), 1);
      const w = throughputWindow(samples, prep.total);
      if (w) {
        run.windowMs = Math.round(w.ms);
        run.startToFirstRecordMs = Math.round(w.startToFirstMs);
        run.recordsPerSec = Math.round(w.records / (w.ms / 1000));
        run.mbPerSec = round((w.records * spec.recordSize) / 1e6 / (w.ms / 1000), 2);
        run.cpuSecondsPerGb = round(w.cpu / ((w.records * spec.recordSize) / 1e9), 1);
      }
      run.cpuSecondsTotal = round(samples[samples.length - 1]!.cpu, 2);
      ctx.log(`  ${TOOL_LABEL[tool]}: ${run.recordsPerSec} rec/s, ${run.mbPerSec} MB/s, ${run.cpuSecondsPerGb} CPU s/GB, peak RSS ${run.peakRssMb} MB, first record after ${run.startToFirstRecordMs} ms (load ${run.loadAvgEnd.join(' ')})`);
      if (!o.cpuProfileDir) {
        run.correctness = await correctness(ctx, prep, targetBootstrap, watcher instanceof CommittedOffsetsWatcher ? (await watcher.committed()).total : undefined);
        const c = run.correctness;
        ctx.log(`  correctness: counts ${c.countsMatch ? 'match' : `DIFFER (${c.targetTotal} vs ${c.sourceTotal})`}, digests ${c.digests.map((d) => `${d.topic}-${d.partition}:${d.match ? 'ok' : 'MISMATCH'}`).join(' ')}`);
      }
      if (o.translation && spec.id === 'a') {
        const topic = prep.topics[0]!;
        const targetEnds = (await endOffsets(targetBootstrap, [topic])).get(topic) ?? [];
        run.translation = await measureTranslation({
          sourceBootstrap: config.sourceBootstrap, targetBootstrap, sourceAlias: config.sourceAlias, topic, ends: prep.ends.get(topic)!, targetEnds,
          count: ctx.opts.translationOffsets, seed: 1000 + rep, groupPrefix: `bench-tr-r${runId}-`, timeoutMs: ctx.opts.translationTimeoutSeconds * 1000, settleMs: 4000, quietMs: 20_000,
          log: (m) => ctx.log(`  translation: ${m}`),
        });
        const t = run.translation;
        ctx.log(`  translation: ${t.checkpointed}/${t.offsets} checkpointed, ${t.exact} exact, re-reads total ${t.reReadsTotal} (max ${t.reReadsMax}, median ${t.reReadsMedian}), skipped ${t.skipped}, unverified ${t.unverified}; caught-up exact ${t.caughtUp.exact}/${t.caughtUp.offsets}`);
      }
      run.ok = true;
    } finally {
      await watcher.close();
      session.sampler.sample();
      if (run.peakRssMb === undefined) run.peakRssMb = round(session.sampler.peakRssMb(), 1);
      await session.stop();
    }
  } catch (e) {
    run.error = (e as Error).message;
    ctx.log(`  FAILED: ${run.error}`);
  } finally {
    if (run.loadAvgEnd.length === 0) run.loadAvgEnd = loadAvg();
    if (owned) await target?.stop();
  }
  return run;
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export type { CaseId };
