// Orchestrates one benchmark invocation (see bench/run.ts, which loads this module).
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureKafkaJars } from '../../src/dev/jars.js';
import type { EphemeralKafka } from '../../src/dev/ephemeral.js';
import { caseSpecs, parseArgs, UsageError, type BenchOptions, type CaseId } from './args.js';
import { ceilingSuite } from './ceiling.js';
import { saveResults, type BenchContext, type ResultsFile, type ThroughputRun } from './context.js';
import { summarizeProfileFile } from './cpuprofile.js';
import { reapOrphanClusters, startCluster } from './kafka.js';
import { latencyRun } from './latency.js';
import { loadAvg, machineInfo } from './machine.js';
import { killAllTrackedSync, reapOrphanProcesses } from './proc.js';
import { writeReport, loadResults } from './report.js';
import { startupRun } from './startup.js';
import { spread } from './stats.js';
import { caseDataset, preloadCase, throughputRun, type PreloadedCase } from './throughput.js';
import { cleanupFerryBuild, MM2_HEAP, MM2_JVM_OPTS, PROJECT_ROOT, prepareFerry, TOOLS, type FerryBuild, type Tool } from './tools.js';

const log = (m: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

/** Alternation: rep 1 Ferry first, rep 2 MM2 first, … so neither tool always runs on a warmer machine. */
function order(rep: number): Tool[] {
  return rep % 2 === 1 ? [...TOOLS] : [...TOOLS].reverse();
}

/** Half of MM2's measured maximum at 100 B (case a) from this run or the newest earlier results. */
function halfMm2(ctx: BenchContext): { rate: number; from: string } | undefined {
  const mine = ctx.results.runs.filter((r): r is ThroughputRun => r.suite === 'throughput' && r.case === 'a' && r.tool === 'mm2' && r.ok);
  const s = spread(mine.map((r) => r.recordsPerSec));
  if (s) return { rate: Math.round(s.median / 2), from: 'this run' };
  const files = loadResults(resolve(PROJECT_ROOT, ctx.opts.resultsDir)).filter((f) => !f.options.smoke).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  for (const f of files) {
    const rs = f.runs.filter((r): r is ThroughputRun => r.suite === 'throughput' && r.case === 'a' && r.tool === 'mm2' && r.ok);
    const x = spread(rs.map((r) => r.recordsPerSec));
    // Quick runs measure fewer records; their rate is still MM2's rate.
    if (x) return { rate: Math.round(x.median / 2), from: f.id };
  }
  return undefined;
}

async function main(opts: BenchOptions): Promise<number> {
  const began = new Date();
  const id = `${began.toISOString().replace(/[:.]/g, '-').slice(0, 19)}${opts.smoke ? '-smoke' : opts.quick ? '-quick' : '-full'}`;
  const resultsDir = resolve(PROJECT_ROOT, opts.resultsDir);
  mkdirSync(resultsDir, { recursive: true });
  const reapedProcs = reapOrphanProcesses();
  const reapedClusters = reapOrphanClusters();
  if (reapedProcs + reapedClusters > 0) log(`reaped ${reapedProcs} process(es) and ${reapedClusters} cluster(s) left by an earlier benchmark`);
  for (const e of readdirSync(tmpdir())) if (/^ferry-bench-build-\d+$/.test(e) && !isOwnerAlive(e)) rmSync(join(tmpdir(), e), { recursive: true, force: true });

  const machine = machineInfo();
  log(`machine: ${machine.cores} cores, load ${machine.loadAvgAtStart.join(' ')}, node ${machine.node}, ${machine.java}`);
  const libDir = await ensureKafkaJars(opts.kafkaVersion, { log });
  let ferry: FerryBuild | undefined;
  let source: EphemeralKafka | undefined;
  const runDir = mkdtempSync(join(tmpdir(), 'ferry-bench-run-'));
  let failures = 0;
  try {
    ferry = await prepareFerry(opts.ferry, log);
    const specs = caseSpecs(opts.scale);
    const producer = { acks: 'all', batchSize: 131_072, lingerMs: 5, compression: 'none', bufferMemory: 67_108_864 };
    const results: ResultsFile = {
      schema: 1, id, startedAt: began.toISOString(), complete: false, command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(), options: opts, machine,
      kafkaVersion: opts.kafkaVersion, ferryBuild: ferry.mode === 'build' ? 'tsc snapshot of the work tree' : ferry.mode,
      settings: {
        tasksMax: opts.tasksMax,
        producer: { 'acks': producer.acks, 'batch.size': producer.batchSize, 'linger.ms': producer.lingerMs, 'compression.type': producer.compression, 'buffer.memory': producer.bufferMemory, latencySuiteLingerMs: 0 },
        ferryProducerEquivalent: 'Ferry honours acks, compression.type and max.request.size; it has no linger.ms/batch.size: each poll (up to 512 KiB per partition) is sent at once as one record batch per partition, with a bounded number of polls in flight per task (2 when measured) and, idempotent, one produce request in flight per broker. buffer.memory does not apply (memory is bounded by the polls in flight).',
        consumer: 'defaults of each tool: max.partition.fetch.bytes 1 MiB for both; fetch.max.bytes 50 MiB in MM2, 8 MiB in Ferry when measured; MM2 max.poll.records 500',
        replicationPolicy: 'IdentityReplicationPolicy',
        mirrorIntervals: { 'emit.checkpoints.interval.seconds': 1, 'sync.group.offsets.enabled': opts.syncGroupOffsets, 'sync.group.offsets.interval.seconds': 1, 'refresh.groups.interval.seconds': 2, 'refresh.topics.interval.seconds': 5 },
        mm2Jvm: [...MM2_HEAP, ...MM2_JVM_OPTS],
        ferryNode: 'node (default heap), FERRY_LOG_LEVEL=info',
        logging: 'both at INFO to a file',
        freshTargetPerThroughputRun: opts.freshTarget,
        brokers: 'single-node KRaft (src/dev/cluster.ts), -Xms256m -Xmx512m, 2 network + 2 io threads',
        latency: { seconds: opts.latencySeconds, warmupSeconds: opts.latencyWarmupSeconds, recordSize: 100, partitions: 8 },
      },
      cases: Object.fromEntries(opts.cases.map((c) => [c, specs[c]])),
      runs: [], profiles: [], notes: [],
    };
    let runCounter = 0;
    const ctx: BenchContext = {
      opts, libDir, ferry, runDir, results, resultsPath: join(resultsDir, `${id}.json`), producer,
      source: undefined as unknown as EphemeralKafka, log,
      nextRunId: () => ++runCounter,
      save: () => saveResults(ctx),
    };
    source = await startCluster('source', opts.kafkaVersion, log);
    ctx.source = source;
    ctx.save();
    const want = new Set(opts.suites);

    if (want.has('ceiling')) {
      const sizes = [...new Set(opts.cases.map((c) => specs[c].recordSize))].map((recordSize) => ({ recordSize, records: Math.max(...opts.cases.filter((c) => specs[c].recordSize === recordSize).map((c) => specs[c].records)) }));
      await ceilingSuite(ctx, sizes);
    }

    if (want.has('throughput') || want.has('translation')) {
      const cases: CaseId[] = want.has('throughput') ? opts.cases : ['a'];
      // Cases of one dataset (e1/e2/e4) mirror the same preloaded topic.
      const byDataset = new Map<string, PreloadedCase>();
      const prepared = new Map<CaseId, PreloadedCase>();
      for (const c of cases) {
        const spec = specs[c];
        let p = byDataset.get(caseDataset(spec));
        if (!p) { p = await preloadCase(ctx, spec); byDataset.set(caseDataset(spec), p); }
        prepared.set(c, { ...p, spec });
      }
      ctx.save();
      const shared = opts.freshTarget ? undefined : await startCluster('target', opts.kafkaVersion, log);
      try {
        for (let rep = 1; rep <= opts.reps; rep++) {
          for (const c of cases) {
            for (const tool of order(rep)) {
              const run = await throughputRun(ctx, prepared.get(c)!, tool, rep, shared ? { shared } : {}, { translation: want.has('translation') });
              if (!run.ok) failures++;
              results.runs.push(run);
              ctx.save();
            }
          }
        }
        if (opts.profile) {
          for (const c of cases) {
            const dir = join(runDir, `profile-${c}`);
            await throughputRun(ctx, prepared.get(c)!, 'ferry', 0, shared ? { shared } : {}, { translation: false, cpuProfileDir: dir });
            recordProfile(ctx, c, dir);
          }
        }
      } finally {
        await shared?.stop();
      }
    }

    if (want.has('startup') || want.has('latency')) {
      const target = await startCluster('target', opts.kafkaVersion, log);
      try {
        if (want.has('startup')) {
          for (let rep = 1; rep <= opts.reps; rep++) {
            for (const tool of order(rep)) {
              const run = await startupRun(ctx, target, tool, rep);
              if (!run.ok) failures++;
              results.runs.push(run);
              ctx.save();
            }
          }
        }
        if (want.has('latency')) {
          for (const r of opts.rates) {
            let rate: number;
            let label: string;
            if (r === 'half-mm2') {
              const h = halfMm2(ctx);
              if (!h) { log('no MM2 throughput figure for case a yet: skipping the half-of-MM2 latency rate (run the throughput suite first)'); results.notes.push('half-mm2 latency rate skipped: no MM2 case-a throughput measured'); continue; }
              rate = h.rate;
              label = '½ MM2 max';
              results.notes.push(`half-mm2 rate ${rate} rec/s from ${h.from}`);
            } else {
              rate = r;
              label = `${r.toLocaleString('en-US')}/s`;
            }
            for (let rep = 1; rep <= opts.reps; rep++) {
              for (const tool of order(rep)) {
                const run = await latencyRun(ctx, target, tool, rep, rate, label);
                if (!run.ok) failures++;
                results.runs.push(run);
                ctx.save();
              }
            }
            if (opts.profile) {
              const dir = join(runDir, `profile-latency-${rate}`);
              await latencyRun(ctx, target, 'ferry', 0, rate, label, { cpuProfileDir: dir });
              recordProfile(ctx, `latency ${rate.toLocaleString('en-US')}/s`, dir);
            }
          }
        }
      } finally {
        await target.stop();
      }
    }
    results.complete = true;
    results.finishedAt = new Date().toISOString();
    results.loadAvgAtEnd = loadAvg();
    ctx.save();
    log(`results: ${ctx.resultsPath}`);
    if (!opts.smoke || opts.resultsDir !== 'bench/results') {
      const r = writeReport(resultsDir);
      log(`report: ${r.markdown}, ${r.chart}`);
    }
    log(`done in ${((Date.now() - began.getTime()) / 60_000).toFixed(1)} min${failures ? `, ${failures} failed run(s)` : ''}`);
    return failures > 0 ? 2 : 0;
  } finally {
    await source?.stop().catch(() => undefined);
    killAllTrackedSync();
    cleanupFerryBuild(ferry);
    if (failures === 0 && !opts.keepLogs) rmSync(runDir, { recursive: true, force: true });
    else log(`run logs kept in ${runDir}`);
  }
}

/** Summarises the .cpuprofile a profiled Ferry run left in dir into the results. */
function recordProfile(ctx: BenchContext, label: string, dir: string): void {
  let files: string[] = [];
  try { files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')); } catch { /* none */ }
  if (files.length === 0) { log(`no CPU profile written for ${label}`); return; }
  const file = join(dir, files[0]!);
  const p = summarizeProfileFile(file);
  ctx.results.profiles.push({ case: label, file, ...p });
  log(`profile ${label}: ${p.totalMs} ms sampled, ${p.busyMs} ms busy; top modules: ${p.byModule.slice(0, 6).map((m) => `${m.module} ${m.pct}%`).join(', ')}`);
  log(`  top functions: ${p.topFunctions.slice(0, 8).map((f) => `${f.name} (${f.url}) ${f.pct}%`).join('; ')}`);
  ctx.save();
}

function isOwnerAlive(dirName: string): boolean {
  const pid = Number(dirName.slice(dirName.lastIndexOf('-') + 1));
  try { process.kill(pid, 0); return true; } catch { return false; }
}

let opts: BenchOptions;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(e instanceof UsageError ? 64 : 1);
}
main(opts).then(
  (code) => process.exit(code),
  (e: unknown) => { log(`failed: ${(e as Error).stack ?? String(e)}`); killAllTrackedSync(); process.exit(1); },
);
