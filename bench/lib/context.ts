// Shared state of one benchmark invocation, the result records it collects, and the common "run one
// mirror tool against a target until a condition holds" routine used by every suite.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EphemeralKafka } from '../../src/dev/ephemeral.js';
import type { BenchOptions, CaseId, CaseSpec } from './args.js';
import type { MachineInfo } from './machine.js';
import { loadAvg } from './machine.js';
import { mm2Properties, renderProperties, type MirrorRunConfig, type ProducerSettings } from './mm2-config.js';
import { ProcessSampler, sleep, type Started } from './proc.js';
import { startTool, toolCommand, type FerryBuild, type Tool } from './tools.js';

export interface CorrectnessCheck {
  countsMatch: boolean;
  sourceTotal: number;
  targetTotal: number;
  digests: { topic: string; partition: number; records: number; match: boolean }[];
}

export interface ThroughputRun {
  suite: 'throughput';
  case: CaseId;
  tool: Tool;
  rep: number;
  ok: boolean;
  error?: string;
  records: number;
  bytes: number;
  recordsPerSec?: number;
  mbPerSec?: number;
  /** Mirror process CPU seconds per GB of record values, over the measured window. */
  cpuSecondsPerGb?: number;
  /** CPU seconds of the mirror process from spawn to the last record (start-up included). */
  cpuSecondsTotal?: number;
  peakRssMb?: number;
  startToFirstRecordMs?: number;
  windowMs?: number;
  /** Set for cases with their own tasks.max (e1/e2/e4). */
  tasksMax?: number;
  /** Set for cases with their own target compression.type (d). */
  targetCompression?: string;
  correctness?: CorrectnessCheck;
  translation?: TranslationResult;
  loadAvgStart: number[];
  loadAvgEnd: number[];
  command: string;
}

export interface TranslationResult {
  offsets: number;
  checkpointed: number;
  missing: number;
  exact: number;
  /** Records re-read over all checkpointed offsets (translated < exact). */
  reReadsTotal: number;
  reReadsMax: number;
  reReadsMedian: number;
  /** Offsets translated beyond the exact position (records a consumer would skip). */
  skipsTotal: number;
  skipped: number;
  /** Offsets whose exact downstream position could not be confirmed by fingerprint. */
  unverified: number;
  caughtUp: { offsets: number; exact: number; reReadsTotal: number; missing: number };
  /** From the commits until every checkpoint was there (or the timeout). */
  waitedMs: number;
  /** Every committed offset got a checkpoint within the timeout. */
  complete?: boolean;
}

export interface CeilingRun {
  suite: 'ceiling';
  recordSize: number;
  rep: number;
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  raw: string;
  loadAvgStart: number[];
  loadAvgEnd: number[];
}

export interface StartupRun {
  suite: 'startup';
  tool: Tool;
  rep: number;
  ok: boolean;
  error?: string;
  startToFirstRecordMs?: number;
  startToAllRecordsMs?: number;
  cpuSecondsToFirstRecord?: number;
  rssAtFirstRecordMb?: number;
  loadAvgStart: number[];
  loadAvgEnd: number[];
}

export interface LatencyRun {
  suite: 'latency';
  tool: Tool;
  rep: number;
  targetRate: number;
  rateLabel: string;
  ok: boolean;
  error?: string;
  achievedRate?: number;
  sent?: number;
  received?: number;
  p50Ms?: number;
  p90Ms?: number;
  p99Ms?: number;
  p999Ms?: number;
  maxMs?: number;
  meanMs?: number;
  producerAckP50Ms?: number;
  producerAckP99Ms?: number;
  cpuSecondsPerGb?: number;
  cpuPercent?: number;
  peakRssMb?: number;
  loadAvgStart: number[];
  loadAvgEnd: number[];
}

export interface ProfileSummary {
  /** Throughput case id, or `latency <rate>/s` for a profiled latency run. */
  case: string;
  file: string;
  totalMs: number;
  busyMs?: number;
  topFunctions: { name: string; url: string; selfMs: number; pct: number }[];
  byModule: { module: string; selfMs: number; pct: number }[];
}

export type RunRecord = ThroughputRun | CeilingRun | StartupRun | LatencyRun;

export interface ResultsFile {
  schema: 1;
  id: string;
  startedAt: string;
  finishedAt?: string;
  complete: boolean;
  command: string;
  options: BenchOptions;
  machine: MachineInfo;
  loadAvgAtEnd?: number[];
  kafkaVersion: string;
  ferryBuild: string;
  settings: Record<string, unknown>;
  cases: Record<string, CaseSpec>;
  runs: RunRecord[];
  profiles: ProfileSummary[];
  notes: string[];
}

export interface BenchContext {
  opts: BenchOptions;
  libDir: string;
  ferry: FerryBuild;
  source: EphemeralKafka;
  runDir: string;
  results: ResultsFile;
  resultsPath: string;
  producer: ProducerSettings;
  log(message: string): void;
  /** Next run number (unique aliases src<N>/tgt<N>). */
  nextRunId(): number;
  save(): void;
}

export function saveResults(ctx: Pick<BenchContext, 'results' | 'resultsPath'>): void {
  writeFileSync(ctx.resultsPath, JSON.stringify(ctx.results, null, 2) + '\n');
}

export interface MirrorSample { t: number; records: number; cpu: number; rssKb: number }

export interface MirrorSession {
  tool: Tool;
  runId: number;
  proc: Started;
  sampler: ProcessSampler;
  propertiesFile: string;
  logFile: string;
  command: string;
  config: MirrorRunConfig;
  stop(): Promise<void>;
}

/** Writes the run's mm2.properties and starts the tool. */
export function launchMirror(ctx: BenchContext, tool: Tool, runId: number, config: MirrorRunConfig, opts: { cpuProfileDir?: string } = {}): MirrorSession {
  const dir = join(ctx.runDir, `run-${runId}-${tool}`);
  mkdirSync(dir, { recursive: true });
  const propertiesFile = join(dir, 'mm2.properties');
  writeFileSync(propertiesFile, renderProperties(mm2Properties(config)));
  const logFile = join(dir, tool === 'ferry' ? 'ferry.log' : 'mm2.log');
  const launch = { tool, propertiesFile, logFile, ferry: ctx.ferry, libDir: ctx.libDir, ...(opts.cpuProfileDir ? { cpuProfileDir: opts.cpuProfileDir } : {}) };
  const { cmd, args } = toolCommand(launch);
  const proc = startTool(launch);
  const sampler = new ProcessSampler(proc.pid);
  return {
    tool, runId, proc, sampler, propertiesFile, logFile, config,
    command: [cmd, ...args].join(' '),
    stop: async () => {
      await proc.stop(30_000);
    },
  };
}

/**
 * Samples the session every intervalMs, calling probe() for the record count on the target, until done()
 * says so. Fails when the process dies, nothing arrives for stallMs after the first record, or timeoutMs passes.
 */
export async function sampleUntil(s: MirrorSession, probe: () => Promise<number>, done: (records: number) => boolean, o: { intervalMs: number; timeoutMs: number; stallMs: number; firstRecordTimeoutMs: number }): Promise<MirrorSample[]> {
  const samples: MirrorSample[] = [];
  const t0 = s.proc.startedAt;
  let lastChange = performance.now();
  let last = -1;
  for (;;) {
    const records = await probe();
    const now = performance.now();
    const { cpuSeconds, rssKb } = s.sampler.sample();
    samples.push({ t: now - t0, records, cpu: cpuSeconds, rssKb });
    if (done(records)) return samples;
    if (records !== last) { last = records; lastChange = now; }
    if (!s.proc.isRunning()) throw new Error(`${s.tool} exited (${await s.proc.exited}) before finishing; see ${s.logFile}`);
    if (now - t0 > o.timeoutMs) throw new Error(`${s.tool} did not finish within ${Math.round(o.timeoutMs / 1000)} s (${records} records on the target); see ${s.logFile}`);
    if (records <= 0 && now - t0 > o.firstRecordTimeoutMs) throw new Error(`${s.tool} mirrored nothing within ${Math.round(o.firstRecordTimeoutMs / 1000)} s; see ${s.logFile}`);
    if (records > 0 && now - lastChange > o.stallMs) throw new Error(`${s.tool} stalled at ${records} records for ${Math.round(o.stallMs / 1000)} s; see ${s.logFile}`);
    const spent = performance.now() - now;
    await sleep(Math.max(0, o.intervalMs - spent));
  }
}

export { loadAvg };
