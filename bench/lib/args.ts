// Command line of `npm run bench -- [options]`.
import { DEFAULT_KAFKA_VERSION } from '../../src/dev/jars.js';

export const SUITES = ['ceiling', 'throughput', 'translation', 'startup', 'latency'] as const;
export type Suite = (typeof SUITES)[number];
export const CASES = ['a', 'b', 'c', 'd', 'e1', 'e2', 'e4', 'x'] as const;
export type CaseId = (typeof CASES)[number];
/** What runs without --cases (d and e are extra cases, run on request). */
export const DEFAULT_CASES: readonly CaseId[] = ['a', 'b', 'c'];
/** Case e's tasks.max variants (--cases e means all of them). */
export const SCALING_TASKS = [1, 2, 4] as const;

export interface BenchOptions {
  suites: Suite[];
  quick: boolean;
  smoke: boolean;
  /** Multiplier on record counts (1 full, 0.1 --quick). */
  scale: number;
  reps: number;
  cases: CaseId[];
  tasksMax: number;
  ferry: 'build' | 'dist' | 'tsx';
  kafkaVersion: string;
  latencySeconds: number;
  latencyWarmupSeconds: number;
  /** Fixed rates in records/s; 'half-mm2' is half of MM2's measured maximum at 100 B. */
  rates: (number | 'half-mm2')[];
  /** A fresh target cluster for every throughput run (else: one target, mirrored topics deleted between runs). */
  freshTarget: boolean;
  profile: boolean;
  translationOffsets: number;
  /** How long to wait for a tool's checkpoints after committing (s). */
  translationTimeoutSeconds: number;
  /** sync.group.offsets.enabled for both tools. */
  syncGroupOffsets: boolean;
  resultsDir: string;
  keepLogs: boolean;
}

export const USAGE = `Usage: npm run bench -- [--suite ceiling|throughput|translation|startup|latency|all[,…]] [--quick]
  [--reps N] [--cases a,b,c,d,e,x] [--tasks N] [--ferry build|dist|tsx] [--kafka-version V]
  [--latency-seconds S] [--rates 5000,half-mm2] [--fresh-target|--shared-target] [--profile] [--smoke] [--keep-logs]
  [--translation-timeout S] [--no-sync-group-offsets] [--results-dir DIR]
Suites: ceiling (ProducerPerformance into the target), throughput (cases a: 2,000,000 x 100 B on 8 partitions,
b: 500,000 x 1 KiB on 8 partitions, c: 100 topics x 4 partitions x 2,000 x 100 B; on request only: d: 1,500,000 x
100 B on 8 partitions written lz4-compressed, mirrored with the target producer's compression.type=zstd, and e:
1,000,000 x 100 B on 16 partitions at tasks.max 1, 2 and 4 (e1, e2, e4; 'e' = all three; --tasks does not apply
to them), and x: case b's data mirrored exactly-once by both tools; default --cases a,b,c), translation (after throughput
case a: 1,000 committed source offsets, checkpoints compared with the exact downstream offsets), startup
(process start to first record on the target), latency (fixed-rate end-to-end). 'all' runs every suite.
--quick divides record counts (and translation offsets) by 10, runs each measurement once and latency for 15 s.
--smoke is a harness check with tiny sizes (case a only unless --cases); its results are never reported.`;

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): BenchOptions {
  const o: BenchOptions = {
    suites: [...SUITES], quick: false, smoke: false, scale: 1, reps: 3, cases: [...DEFAULT_CASES], tasksMax: 1, ferry: 'build',
    kafkaVersion: DEFAULT_KAFKA_VERSION, latencySeconds: 60, latencyWarmupSeconds: 5, rates: [5000, 'half-mm2'], freshTarget: true,
    profile: false, translationOffsets: 1000, translationTimeoutSeconds: 0, syncGroupOffsets: true, resultsDir: 'bench/results', keepLogs: false,
  };
  let reps: number | undefined;
  let seconds: number | undefined;
  let fresh: boolean | undefined;
  let trTimeout: number | undefined;
  let casesGiven = false;
  const next = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const positive = (v: string, flag: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag}: expected a positive number, got '${v}'`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => { if (inline !== undefined) return inline; const v = next(i, flag); i++; return v; };
    switch (flag) {
      case '--suite': case '--suites': {
        const list = value().split(',').map((s) => s.trim()).filter(Boolean);
        const out = new Set<Suite>();
        for (const s of list) {
          if (s === 'all') SUITES.forEach((x) => out.add(x));
          else if ((SUITES as readonly string[]).includes(s)) out.add(s as Suite);
          else throw new UsageError(`Unknown suite '${s}' (expected ${SUITES.join(', ')} or all)`);
        }
        o.suites = SUITES.filter((s) => out.has(s));
        break;
      }
      case '--quick': o.quick = true; break;
      case '--smoke': o.smoke = true; break;
      case '--reps': reps = Math.round(positive(value(), flag)); break;
      case '--cases': {
        const list = value().split(',').map((s) => s.trim().toLowerCase()).filter(Boolean).flatMap((c) => (c === 'e' ? SCALING_TASKS.map((t) => `e${t}`) : [c]));
        for (const c of list) if (!(CASES as readonly string[]).includes(c)) throw new UsageError(`Unknown case '${c}' (expected ${CASES.join(', ')} or e for e1,e2,e4)`);
        o.cases = CASES.filter((c) => list.includes(c));
        casesGiven = true;
        break;
      }
      case '--tasks': o.tasksMax = Math.round(positive(value(), flag)); break;
      case '--ferry': {
        const v = value();
        if (v !== 'build' && v !== 'dist' && v !== 'tsx') throw new UsageError(`--ferry: expected build, dist or tsx, got '${v}'`);
        o.ferry = v;
        break;
      }
      case '--kafka-version': o.kafkaVersion = value(); break;
      case '--latency-seconds': seconds = positive(value(), flag); break;
      case '--rates': o.rates = value().split(',').map((r) => r.trim()).filter(Boolean).map((r) => (r === 'half-mm2' ? r : Math.round(positive(r, flag)))); break;
      case '--fresh-target': fresh = true; break;
      case '--shared-target': fresh = false; break;
      case '--profile': o.profile = true; break;
      case '--translation-timeout': trTimeout = positive(value(), flag); break;
      case '--no-sync-group-offsets': o.syncGroupOffsets = false; break;
      case '--keep-logs': o.keepLogs = true; break;
      case '--results-dir': o.resultsDir = value(); break;
      case '-h': case '--help': throw new UsageError(USAGE);
      default: throw new UsageError(`Unknown option '${a}'\n${USAGE}`);
    }
  }
  if (o.smoke) {
    // Harness check (both tools start, mirror, checkpoint and stop), not a measurement.
    if (!casesGiven) o.cases = ['a'];
    o.scale = 0.005;
    o.reps = reps ?? 1;
    o.latencySeconds = seconds ?? 5;
    o.latencyWarmupSeconds = 2;
    o.rates = o.rates.filter((r) => r !== 'half-mm2');
    if (o.rates.length === 0) o.rates = [1000];
    o.translationOffsets = 40;
    o.freshTarget = fresh ?? false;
    o.translationTimeoutSeconds = trTimeout ?? 60;
  } else if (o.quick) {
    o.scale = 0.1;
    o.reps = reps ?? 1;
    o.latencySeconds = seconds ?? 15;
    o.latencyWarmupSeconds = 3;
    o.freshTarget = fresh ?? false;
    // Scaled like the record counts: Ferry's group-offset sync joins each target group (~2.5 s per group).
    o.translationOffsets = 100;
    o.translationTimeoutSeconds = trTimeout ?? 120;
  } else {
    o.reps = reps ?? 3;
    o.latencySeconds = seconds ?? 60;
    o.freshTarget = fresh ?? true;
    o.translationTimeoutSeconds = trTimeout ?? 600;
  }
  return o;
}

export interface CaseSpec {
  id: CaseId; label: string; topics: number; partitions: number; records: number; recordSize: number;
  /** Source data shared by several cases (e1/e2/e4: topic bench.e, preloaded once); default: the id. */
  dataset?: string;
  /** tasks.max for this case (else --tasks). */
  tasksMax?: number;
  /** compression.type of the preload producer (the source's batches). */
  sourceCompression?: string;
  /** compression.type of both tools' target producer (<target>.producer.compression.type). */
  targetCompression?: string;
  /**
   * Both tools mirror exactly-once (KIP-618): exactly.once.source.support=enabled, offset syncs on the target
   * (Ferry writes them in the transactions) and the source read read_committed.
   */
  exactlyOnce?: boolean;
}

/** The throughput cases at a scale (records rounded to whole records per partition). */
export function caseSpecs(scale: number): Record<CaseId, CaseSpec> {
  const perPartition = (total: number, parts: number) => Math.max(1, Math.round((total * scale) / parts));
  return {
    a: { id: 'a', label: '100 B, 1 topic x 8 partitions', topics: 1, partitions: 8, records: perPartition(2_000_000, 8) * 8, recordSize: 100 },
    b: { id: 'b', label: '1 KiB, 1 topic x 8 partitions', topics: 1, partitions: 8, records: perPartition(500_000, 8) * 8, recordSize: 1024 },
    c: { id: 'c', label: '100 B, 100 topics x 4 partitions', topics: 100, partitions: 4, records: perPartition(800_000, 400) * 400, recordSize: 100 },
    d: { id: 'd', label: '100 B, 1 topic x 8 partitions, lz4 source -> zstd target', topics: 1, partitions: 8, records: perPartition(1_500_000, 8) * 8, recordSize: 100, sourceCompression: 'lz4', targetCompression: 'zstd' },
    ...scaling(perPartition(1_000_000, 16) * 16),
    x: { id: 'x', label: '1 KiB, 1 topic x 8 partitions, exactly-once (both tools)', topics: 1, partitions: 8, records: perPartition(500_000, 8) * 8, recordSize: 1024, dataset: 'b', exactlyOnce: true },
  };
}

function scaling(records: number): Record<'e1' | 'e2' | 'e4', CaseSpec> {
  const variant = (t: (typeof SCALING_TASKS)[number]): CaseSpec => ({ id: `e${t}`, label: `100 B, 1 topic x 16 partitions, tasks.max ${t}`, topics: 1, partitions: 16, records, recordSize: 100, dataset: 'e', tasksMax: t });
  return { e1: variant(1), e2: variant(2), e4: variant(4) };
}
