// Turns results files into bench/RESULTS.md (side-by-side tables, ratios against the issue's targets) and
// bench/chart.svg. Each section uses the newest results file that measured it, preferring full runs over
// --quick ones (smoke runs are never reported), so a partial re-run updates only what it measured.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { CeilingRun, LatencyRun, ResultsFile, RunRecord, StartupRun, ThroughputRun } from './context.js';
import { renderChart, type ChartData } from './chart.js';
import { ratio, spread, type Spread } from './stats.js';
import { TOOL_LABEL, TOOLS, type Tool } from './tools.js';

export function loadResults(dir: string): ResultsFile[] {
  if (!existsSync(dir)) return [];
  const out: ResultsFile[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    try {
      const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as ResultsFile;
      if (r.schema === 1 && Array.isArray(r.runs)) out.push(r);
    } catch {
      // not ours
    }
  }
  return out;
}

type SuiteKey = 'throughput' | 'ceiling' | 'latency' | 'startup' | 'translation';

function hasSuite(r: ResultsFile, s: SuiteKey): boolean {
  if (s === 'translation') return r.runs.some((x) => x.suite === 'throughput' && x.translation !== undefined);
  return r.runs.some((x) => x.suite === s);
}

/** Newest file with the suite: full runs first, then --quick; smoke runs never. */
export function pickSource(files: readonly ResultsFile[], s: SuiteKey): ResultsFile | undefined {
  const eligible = files.filter((f) => !f.options.smoke && hasSuite(f, s)).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return eligible.find((f) => !f.options.quick) ?? eligible[0];
}

const fmtInt = (x: number | undefined) => (x === undefined ? '–' : Math.round(x).toLocaleString('en-US'));
const fmt = (x: number | undefined, d = 1) => (x === undefined ? '–' : x.toFixed(d));
function cell(s: Spread | undefined, f: (x: number) => string): string {
  if (!s) return '–';
  if (s.n === 1 || s.min === s.max) return f(s.median);
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}
const intf = (x: number) => fmtInt(x);
const d1 = (x: number) => x.toFixed(1);
const d2 = (x: number) => x.toFixed(2);

function ok<T extends RunRecord>(runs: readonly RunRecord[], pred: (r: RunRecord) => r is T): T[] {
  return runs.filter(pred);
}
const isThroughput = (r: RunRecord): r is ThroughputRun => r.suite === 'throughput';
const isCeiling = (r: RunRecord): r is CeilingRun => r.suite === 'ceiling';
const isLatency = (r: RunRecord): r is LatencyRun => r.suite === 'latency';
const isStartup = (r: RunRecord): r is StartupRun => r.suite === 'startup';

export interface Aggregates {
  throughput: Map<string, Map<Tool, { rps?: Spread; mbps?: Spread; cpu?: Spread; rss?: Spread; first?: Spread; runs: number; failed: number; correct: boolean }>>;
  ceiling: Map<number, Spread | undefined>;
  latency: Map<string, { rate: number; perTool: Map<Tool, { p50?: Spread; p99?: Spread; max?: Spread; achieved?: Spread; cpuPct?: Spread; ackP99?: Spread; runs: number; failed: number }> }>;
  startup: Map<Tool, { first?: Spread; cpu?: Spread; runs: number; failed: number }>;
  translation: Map<Tool, { offsets: number; exact?: Spread; reReads?: Spread; reReadsMax: number; missing?: Spread; skipped?: Spread; caughtUpExact?: Spread; caughtUpOffsets: number; waited?: Spread; runs: number }>;
}

/**
 * Per throughput case, the newest file that measured it (full runs first, then --quick; smoke never), so a run of
 * only some cases (e.g. --cases d,e) updates those and keeps the others from their own newest run.
 */
export function pickThroughputSources(files: readonly ResultsFile[]): Map<string, ResultsFile> {
  const eligible = files.filter((f) => !f.options.smoke).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const cases = [...new Set(eligible.flatMap((f) => f.runs.filter(isThroughput).map((r) => r.case as string)))].sort();
  const out = new Map<string, ResultsFile>();
  for (const c of cases) {
    const has = eligible.filter((f) => f.runs.some((r) => isThroughput(r) && r.case === c));
    const f = has.find((x) => !x.options.quick) ?? has[0];
    if (f) out.set(c, f);
  }
  return out;
}

export function aggregate(files: readonly ResultsFile[]): { agg: Aggregates; sources: Partial<Record<SuiteKey, ResultsFile>>; throughputSources: Map<string, ResultsFile> } {
  const sources: Partial<Record<SuiteKey, ResultsFile>> = {};
  for (const s of ['throughput', 'ceiling', 'latency', 'startup', 'translation'] as const) {
    const f = pickSource(files, s);
    if (f) sources[s] = f;
  }
  const agg: Aggregates = { throughput: new Map(), ceiling: new Map(), latency: new Map(), startup: new Map(), translation: new Map() };
  const throughputSources = pickThroughputSources(files);
  for (const [c, f] of throughputSources) {
    const tRuns = ok(f.runs, isThroughput);
    const m = new Map<Tool, NonNullable<ReturnType<Aggregates['throughput']['get']>> extends Map<Tool, infer V> ? V : never>();
    for (const tool of TOOLS) {
      const rs = tRuns.filter((r) => r.case === c && r.tool === tool);
      const good = rs.filter((r) => r.ok);
      m.set(tool, {
        rps: spread(good.map((r) => r.recordsPerSec)), mbps: spread(good.map((r) => r.mbPerSec)), cpu: spread(good.map((r) => r.cpuSecondsPerGb)),
        rss: spread(good.map((r) => r.peakRssMb)), first: spread(good.map((r) => r.startToFirstRecordMs)), runs: rs.length, failed: rs.length - good.length,
        correct: good.every((r) => !r.correctness || (r.correctness.countsMatch && r.correctness.digests.every((d) => d.match))),
      });
    }
    agg.throughput.set(c, m);
  }
  const cRuns = ok(sources.ceiling?.runs ?? [], isCeiling);
  for (const size of [...new Set(cRuns.map((r) => r.recordSize))].sort((a, b) => a - b)) agg.ceiling.set(size, spread(cRuns.filter((r) => r.recordSize === size).map((r) => r.recordsPerSec)));
  const lRuns = ok(sources.latency?.runs ?? [], isLatency);
  for (const label of [...new Set(lRuns.map((r) => r.rateLabel))]) {
    const rs = lRuns.filter((r) => r.rateLabel === label);
    const perTool = new Map();
    for (const tool of TOOLS) {
      const t = rs.filter((r) => r.tool === tool);
      // Runs that did not deliver everything in time still count (their percentiles are lower bounds).
      const good = t.filter((r) => r.p99Ms !== undefined);
      perTool.set(tool, {
        p50: spread(good.map((r) => r.p50Ms)), p99: spread(good.map((r) => r.p99Ms)), max: spread(good.map((r) => r.maxMs)), achieved: spread(good.map((r) => r.achievedRate)),
        cpuPct: spread(good.map((r) => r.cpuPercent)), ackP99: spread(good.map((r) => r.producerAckP99Ms)), runs: t.length, failed: t.filter((r) => !r.ok).length,
      });
    }
    agg.latency.set(label, { rate: rs[0]!.targetRate, perTool });
  }
  const sRuns = ok(sources.startup?.runs ?? [], isStartup);
  for (const tool of TOOLS) {
    const t = sRuns.filter((r) => r.tool === tool);
    const good = t.filter((r) => r.ok);
    if (t.length > 0) agg.startup.set(tool, { first: spread(good.map((r) => r.startToFirstRecordMs)), cpu: spread(good.map((r) => r.cpuSecondsToFirstRecord)), runs: t.length, failed: t.length - good.length });
  }
  const trRuns = ok(sources.translation?.runs ?? [], isThroughput).filter((r) => r.translation);
  for (const tool of TOOLS) {
    const t = trRuns.filter((r) => r.tool === tool).map((r) => r.translation!);
    if (t.length === 0) continue;
    agg.translation.set(tool, {
      offsets: t[0]!.offsets, exact: spread(t.map((x) => x.exact)), reReads: spread(t.map((x) => x.reReadsTotal)), reReadsMax: Math.max(...t.map((x) => x.reReadsMax)),
      missing: spread(t.map((x) => x.missing)), skipped: spread(t.map((x) => x.skipped)), caughtUpExact: spread(t.map((x) => x.caughtUp.exact)),
      caughtUpOffsets: t[0]!.caughtUp.offsets, waited: spread(t.map((x) => x.waitedMs)), runs: t.length,
    });
  }
  return { agg, sources, throughputSources };
}

interface TargetRow { metric: string; ferry: string; mm2: string; ratio: number | undefined; target: string; met: boolean | undefined }

export function targetRows(agg: Aggregates): TargetRow[] {
  const rows: TargetRow[] = [];
  const tp = (c: string, tool: Tool) => agg.throughput.get(c)?.get(tool);
  const add = (metric: string, f: number | undefined, m: number | undefined, target: string, test: (r: number) => boolean, show: (x: number) => string) => {
    const r = ratio(f, m);
    rows.push({ metric, ferry: f === undefined ? '–' : show(f), mm2: m === undefined ? '–' : show(m), ratio: r, target, met: r === undefined ? undefined : test(r) });
  };
  // Targets of issue #12 (data path v2).
  add('records/s, 100 B (case a)', tp('a', 'ferry')?.rps?.median, tp('a', 'mm2')?.rps?.median, '≥ 1.5×', (r) => r >= 1.5, intf);
  add('records/s, 1 KiB (case b)', tp('b', 'ferry')?.rps?.median, tp('b', 'mm2')?.rps?.median, '≥ 1.1×', (r) => r >= 1.1, intf);
  const ceil1k = agg.ceiling.get(1024)?.median;
  const b = tp('b', 'ferry')?.rps?.median;
  if (ceil1k !== undefined && b !== undefined) {
    const share = b / ceil1k;
    rows.push({ metric: 'records/s, 1 KiB, of the ProducerPerformance ceiling', ferry: `${Math.round(share * 100)} %`, mm2: '–', ratio: undefined, target: '≥ 85 %', met: share >= 0.85 });
  }
  add('records/s, 100 topics (case c)', tp('c', 'ferry')?.rps?.median, tp('c', 'mm2')?.rps?.median, '(≥ 1.0×)', (r) => r >= 1.0, intf);
  if (agg.throughput.has('d')) add('records/s, lz4 → zstd (case d)', tp('d', 'ferry')?.rps?.median, tp('d', 'mm2')?.rps?.median, '(≥ 1.0×)', (r) => r >= 1.0, intf);
  if (agg.throughput.has('x')) add('records/s, 1 KiB, exactly-once (case x)', tp('x', 'ferry')?.rps?.median, tp('x', 'mm2')?.rps?.median, '(≥ 1.0×)', (r) => r >= 1.0, intf);
  for (const [label, l] of agg.latency) add(`p99 latency, ${label}`, l.perTool.get('ferry')?.p99?.median, l.perTool.get('mm2')?.p99?.median, '≤ 1.0×', (r) => r <= 1.0, (x) => `${d1(x)} ms`);
  for (const c of agg.throughput.keys()) add(`CPU s/GB, case ${c}`, tp(c, 'ferry')?.cpu?.median, tp(c, 'mm2')?.cpu?.median, '≤ 0.3×', (r) => r <= 0.3, d1);
  const rssMax = (tool: Tool) => { const xs = [...agg.throughput.values()].map((m) => m.get(tool)?.rss?.max).filter((x): x is number => x !== undefined); return xs.length ? Math.max(...xs) : undefined; };
  add('peak RSS (max over cases)', rssMax('ferry'), rssMax('mm2'), '≤ 0.5×', (r) => r <= 0.5, (x) => `${x.toFixed(0)} MB`);
  add('start-up to first record', agg.startup.get('ferry')?.first?.median, agg.startup.get('mm2')?.first?.median, '≤ 0.25×', (r) => r <= 0.25, (x) => `${(x / 1000).toFixed(2)} s`);
  const tf = agg.translation.get('ferry');
  const tm = agg.translation.get('mm2');
  if (tf || tm) {
    const f = tf?.reReads?.median;
    const show = (t: typeof tf) => {
      if (!t?.reReads) return '–';
      const missing = t.missing?.median ?? 0;
      return `${fmtInt(t.reReads.median)}${missing > 0 ? ` (${fmtInt(t.offsets - missing)}/${fmtInt(t.offsets)} checkpointed)` : ''}`;
    };
    rows.push({ metric: `translation re-reads (${tf?.offsets ?? tm?.offsets} offsets)`, ferry: show(tf), mm2: show(tm), ratio: undefined, target: 'Ferry 0', met: f === undefined ? undefined : f === 0 && (tf?.missing?.median ?? 0) === 0 });
  }
  return rows;
}

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function describeSource(f: ResultsFile | undefined, resultsDir: string): string {
  if (!f) return '';
  const loads = f.runs.map((r) => r.loadAvgEnd?.[0]).filter((x): x is number => x !== undefined);
  const l = spread(loads);
  return `_Source: \`${relative(dirname(resultsDir), join(resultsDir, `${f.id}.json`))}\` (${f.options.quick ? '--quick, ' : ''}${f.options.reps} run(s) per tool, ${f.startedAt.slice(0, 16).replace('T', ' ')} UTC; 1-min load average during runs ${l ? `${d2(l.min)}–${d2(l.max)}` : 'n/a'} on ${f.machine.cores} cores)._`;
}

export const CASE_LABELS: Record<string, string> = {
  a: 'a: 100 B, 1 topic × 8 partitions',
  b: 'b: 1 KiB, 1 topic × 8 partitions',
  c: 'c: 100 B, 100 topics × 4 partitions',
  d: 'd: 100 B, 1 topic × 8 partitions, lz4 source → zstd target',
  e1: 'e1: 100 B, 1 topic × 16 partitions, tasks.max 1',
  e2: 'e2: 100 B, 1 topic × 16 partitions, tasks.max 2',
  e4: 'e4: 100 B, 1 topic × 16 partitions, tasks.max 4',
};
const CASE_SIZE: Record<string, number> = { a: 100, b: 1024, c: 100, d: 100, e1: 100, e2: 100, e4: 100 };

/** tasks.max of a scaling-curve case (e1, e2, e4, …), else undefined. */
export function scalingTasks(caseId: string): number | undefined {
  const m = /^e(\d+)$/.exec(caseId);
  return m ? Number(m[1]) : undefined;
}

/** Case e's scaling table: records/s per tool per tasks.max, the Ferry/MM2 ratio and the speed-up over the fewest tasks. */
export function scalingRows(agg: Aggregates): string[][] {
  const variants = [...agg.throughput.keys()].filter((c) => scalingTasks(c) !== undefined).sort((x, y) => scalingTasks(x)! - scalingTasks(y)!);
  if (variants.length === 0) return [];
  const base = (tool: Tool) => agg.throughput.get(variants[0]!)?.get(tool)?.rps?.median;
  const speedup = (tool: Tool, c: string) => { const r = ratio(agg.throughput.get(c)?.get(tool)?.rps?.median, base(tool)); return r === undefined ? '–' : `${d2(r)}×`; };
  return variants.map((c) => {
    const per = agg.throughput.get(c)!;
    const f = per.get('ferry');
    const m = per.get('mm2');
    const r = ratio(f?.rps?.median, m?.rps?.median);
    return [String(scalingTasks(c)), cell(f?.rps, intf), cell(m?.rps, intf), r === undefined ? '–' : `${d2(r)}×`, speedup('ferry', c), speedup('mm2', c), fmt(f?.cpu?.median), fmt(m?.cpu?.median)];
  });
}

export function renderMarkdown(files: readonly ResultsFile[], resultsDir: string, notes: string | undefined): string {
  const { agg, sources, throughputSources } = aggregate(files);
  const reported = [...files].filter((f) => !f.options.smoke).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  // The header describes the newest full run (the one most tables come from), else the newest run.
  const latest = reported.find((f) => !f.options.quick) ?? reported[0];
  const out: string[] = [];
  out.push('# Ferry vs Apache MirrorMaker 2 — benchmark results', '');
  out.push('<!-- Generated by bench/run.ts (bench/lib/report.ts) from bench/results/*.json; hand-written findings live in bench/NOTES.md. -->', '');
  if (!latest) { out.push('No results yet: run `npm run bench -- --quick`.'); return out.join('\n') + '\n'; }
  const m = latest.machine;
  out.push(`Both tools run side by side on the same local single-broker KRaft clusters (Kafka ${latest.kafkaVersion}), from the same \`mm2.properties\`, alternating runs (Ferry, MM2, Ferry, MM2, …).`, '');
  out.push(`- Machine: ${m.cores} cores (${m.cpuModel}), ${m.memGiB} GiB RAM, ${m.os}; shared with other work, so every run records the load average.`);
  out.push(`- Versions: Node ${m.node}; ${m.java}; Kafka ${latest.kafkaVersion} jars from Maven Central; Ferry ${m.ferryCommit}${m.ferryDirtyFiles ? ` (+${m.ferryDirtyFiles} uncommitted files)` : ''}, compiled JavaScript (${latest.ferryBuild}).`);
  out.push(`- MM2: \`java ${String((latest.settings['mm2Jvm'] as string[] | undefined)?.join(' ') ?? '-Xms256m -Xmx512m')} … org.apache.kafka.connect.mirror.MirrorMaker mm2.properties\`; Ferry: \`node dist/src/cli/connect-mirror-maker.js mm2.properties\`.`);
  out.push(`- Command: \`${latest.command}\``, '');
  out.push('![Throughput and latency](chart.svg)', '');

  out.push('## Against the targets', '');
  out.push(table(['metric', 'Ferry', 'MM2', 'Ferry / MM2', 'target', 'met'], targetRows(agg).map((r) => [r.metric, r.ferry, r.mm2, r.ratio === undefined ? '–' : `${d2(r.ratio)}×`, r.target, r.met === undefined ? '–' : r.met ? 'yes' : '**no**'])));
  out.push('', 'Medians over the runs of each tool; ranges in the tables below.', '');

  if (agg.throughput.size > 0) {
    // One source line per results file the cases come from (one, unless only some cases were re-run).
    const tFiles = [...new Set(throughputSources.values())].sort((x, y) => y.startedAt.localeCompare(x.startedAt));
    const tDesc = tFiles.length === 1 ? [describeSource(tFiles[0], resultsDir)] : tFiles.map((f) => `Cases ${[...throughputSources].filter(([, x]) => x === f).map(([c]) => c).join(', ')}: ${describeSource(f, resultsDir)}`);
    out.push('## Throughput', '', ...tDesc.flatMap((d) => [d, '']));
    const rows: string[][] = [];
    for (const [c, per] of agg.throughput) {
      const ceil = agg.ceiling.get(CASE_SIZE[c] ?? 100)?.median;
      for (const tool of TOOLS) {
        const t = per.get(tool)!;
        rows.push([CASE_LABELS[c] ?? c, TOOL_LABEL[tool], cell(t.rps, intf), cell(t.mbps, d1), ceil && t.rps ? `${((t.rps.median / ceil) * 100).toFixed(0)} %` : '–', cell(t.cpu, d1), cell(t.rss, (x) => x.toFixed(0)), cell(t.first, (x) => (x / 1000).toFixed(1)), t.failed ? `**${t.failed}/${t.runs} failed**` : t.correct ? 'counts + digests match' : '**MISMATCH**']);
      }
      const f = per.get('ferry')?.rps?.median;
      const mm = per.get('mm2')?.rps?.median;
      const r = ratio(f, mm);
      if (r !== undefined) rows.push(['', '_Ferry / MM2_', `_${d2(r)}×_`, '', '', `_${fmt(ratio(per.get('ferry')?.cpu?.median, per.get('mm2')?.cpu?.median), 2)}×_`, `_${fmt(ratio(per.get('ferry')?.rss?.median, per.get('mm2')?.rss?.median), 2)}×_`, '', '']);
    }
    out.push(table(['case', 'tool', 'records/s', 'MB/s', 'of ceiling', 'CPU s/GB', 'peak RSS MB', 'first record s', 'correctness'], rows), '');
    out.push('records/s and MB/s over the window from the first record on the target to the last (start-up excluded); CPU s/GB = mirror process user+system CPU in that window per GB (10⁹ bytes) of record values; peak RSS = VmHWM of the mirror process (sampled tree RSS if larger); correctness = end offsets of every partition equal the source\'s and sha256 digests (key, value, headers, timestamp) of sampled partitions equal.', '');
    if (agg.throughput.has('x')) out.push('Case x: case b\'s data mirrored with exactly-once on in both tools: `exactly.once.source.support=enabled` (each task writes its records and source offsets in transactions, transaction.boundary=poll), `offset-syncs.topic.location=target` and the source read with `isolation.level=read_committed`.', '');
    if (agg.throughput.has('d')) out.push('Case d: the source topic is written by ProducerPerformance with `compression.type=lz4` (lz4 batches on the source, which both tools decompress) and both tools produce with `<target>.producer.compression.type=zstd` instead of the shared `none`; everything else as case a.', '');
    const scaling = scalingRows(agg);
    if (scaling.length > 0) {
      out.push('### Scaling with tasks.max (case e: 100 B, 1 topic × 16 partitions)', '');
      out.push(table(['tasks.max', 'Ferry records/s', 'MM2 records/s', 'Ferry / MM2', 'Ferry vs fewest tasks', 'MM2 vs fewest tasks', 'Ferry CPU s/GB', 'MM2 CPU s/GB'], scaling), '');
      out.push(`The same preloaded 16-partition topic mirrored at each tasks.max (both tools get the same \`tasks.max\`); medians (ranges) of the runs of each tool; on a ${tFiles[0]?.machine.cores ?? '?'}-core machine shared by both clusters and the mirror, more tasks cannot add cores.`, '');
    }
  }
  if (agg.ceiling.size > 0) {
    out.push('## Ceiling: the target broker\'s ingest rate', '', describeSource(sources.ceiling, resultsDir), '');
    out.push(table(['record size', 'ProducerPerformance records/s', 'MB/s'], [...agg.ceiling].map(([size, s]) => [`${size} B`, cell(s, intf), s ? d1((s.median * size) / 1e6) : '–'])), '');
    out.push('Kafka\'s `org.apache.kafka.tools.ProducerPerformance` (kafka-tools jar) into a fresh 8-partition topic on a fresh target cluster, with the mirrors\' producer settings, on the same machine.', '');
  }
  if (agg.latency.size > 0) {
    out.push('## End-to-end latency at a fixed rate', '', describeSource(sources.latency, resultsDir), '');
    const rows: string[][] = [];
    for (const [label, l] of agg.latency) {
      for (const tool of TOOLS) {
        const t = l.perTool.get(tool)!;
        rows.push([label.includes('MM2') ? `${label} (${fmtInt(l.rate)}/s)` : label, TOOL_LABEL[tool], cell(t.p50, d1), cell(t.p99, d1), cell(t.max, d1), cell(t.achieved, intf), cell(t.cpuPct, (x) => x.toFixed(0)), cell(t.ackP99, d1), t.failed ? `**${t.failed}/${t.runs} incomplete** (figures of those runs are lower bounds)` : 'all received']);
      }
    }
    out.push(table(['rate', 'tool', 'p50 ms', 'p99 ms', 'max ms', 'achieved rec/s', 'mirror CPU %', 'producer ack p99 ms', 'delivery'], rows), '');
    out.push('`bench/LatencyProbe.java` (one JVM, Kafka\'s own clients) produces 100 B records over 8 partitions to the source at the fixed rate, each with its intended send time in a header, and consumes the mirrored topic on the target: latency = arrival − intended send time on the same clock, measured records only (after a warm-up). Both tools run with `linger.ms=0` here (Ferry never lingers). The producer\'s own ack p99 shows how much of the total is the source-side produce.', '');
  }
  if (agg.startup.size > 0) {
    out.push('## Start-up', '', describeSource(sources.startup, resultsDir), '');
    out.push(table(['tool', 'process start → first record on target (s)', 'CPU s until then'], [...agg.startup].map(([tool, s]) => [TOOL_LABEL[tool], cell(s.first, (x) => (x / 1000).toFixed(2)), cell(s.cpu, d1)])), '');
    out.push('A topic of 8 partitions × 125 records waits on the source; the target\'s end offsets are polled every 50 ms. Includes JVM/Node start, Connect group join and internal-topic creation on the target.', '');
  }
  if (agg.translation.size > 0) {
    out.push('## Offset translation precision', '', describeSource(sources.translation, resultsDir), '');
    out.push(table(['tool', 'offsets', 'checkpointed', 'exact', 're-reads (total)', 're-reads (max per offset)', 'skipped', 'caught-up partitions exact', 'checkpoints complete after s'], [...agg.translation].map(([tool, t]) => [
      TOOL_LABEL[tool], String(t.offsets), cell(t.missing ? { ...t.missing, median: t.offsets - t.missing.median, min: t.offsets - t.missing.max, max: t.offsets - t.missing.min } : undefined, intf),
      cell(t.exact, intf), cell(t.reReads, intf), fmtInt(t.reReadsMax), cell(t.skipped, intf), `${cell(t.caughtUpExact, intf)} / ${t.caughtUpOffsets}`, cell(t.waited, (x) => (x / 1000).toFixed(1)),
    ])), '');
    out.push('After throughput case a, with the tool still running: consumer groups committed at random source offsets (one per partition per group) and one group at the end offsets; each tool checkpoints every second; the checkpoint\'s downstream offset is compared with the exact one (the target offset holding the same record, confirmed by fingerprint). Re-reads = records a consumer restarting from the checkpoint on the target would read twice.', '');
  }
  // Newest profile per label (a profiled latency run must not hide the throughput profiles of a full run).
  const profiles = new Map<string, { p: ResultsFile['profiles'][number]; from: string; quick: boolean }>();
  for (const f of [...files].filter((x) => !x.options.smoke).sort((x, y) => y.startedAt.localeCompare(x.startedAt))) {
    for (const p of f.profiles ?? []) {
      const have = profiles.get(p.case);
      if (!have || (have.quick && !f.options.quick)) profiles.set(p.case, { p, from: f.id, quick: f.options.quick });
    }
  }
  if (profiles.size > 0) {
    out.push('## Where Ferry\'s CPU goes (node --cpu-prof)', '', '_Extra, unmeasured Ferry runs with `node --cpu-prof` (start-up included); self time per module and function._', '');
    const order = [...profiles.values()].sort((x, y) => x.p.case.localeCompare(y.p.case));
    for (const { p, from } of order) {
      out.push(`### ${CASE_LABELS[p.case] ? `Throughput case ${CASE_LABELS[p.case]}` : p.case.startsWith('latency') ? `Latency run at ${p.case.slice(8)}` : p.case} — ${fmtInt(p.totalMs)} ms sampled${p.busyMs !== undefined ? `, ${fmtInt(p.busyMs)} ms not idle (${((p.busyMs / Math.max(1, p.totalMs)) * 100).toFixed(0)} %); shares below are of the non-idle time` : ''} (\`${from}.json\`)`, '');
      out.push(table(['module', 'self %'], p.byModule.slice(0, 12).map((x) => [`\`${x.module}\``, d1(x.pct)])), '');
      out.push(table(['function', 'where', 'self %'], p.topFunctions.slice(0, 15).map((x) => [`\`${x.name}\``, `\`${x.url}\``, d1(x.pct)])), '');
    }
  }
  if (latest.settings) {
    out.push('## Settings', '', '```json', JSON.stringify(latest.settings, null, 2), '```', '');
  }
  if (notes) out.push(notes.trim(), '');
  out.push('## Raw results', '', ...[...files].sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, 20).map((f) => `- \`results/${f.id}.json\`${f.options.quick ? ' (--quick)' : ''}${f.options.smoke ? ' (smoke)' : ''}${f.complete ? '' : ' (incomplete)'}: ${[...new Set(f.runs.map((r) => r.suite))].join(', ')}`), '');
  return out.join('\n') + '\n';
}

export function chartData(files: readonly ResultsFile[]): ChartData {
  const { agg } = aggregate(files);
  return {
    throughput: [...agg.throughput].map(([c, per]) => ({
      label: CASE_LABELS[c] ?? c,
      ceiling: agg.ceiling.get(CASE_SIZE[c] ?? 100)?.median,
      values: TOOLS.map((tool) => ({ tool: TOOL_LABEL[tool], s: per.get(tool)?.rps })),
    })),
    latency: [...agg.latency].flatMap(([label, l]) => (['p50', 'p99'] as const).map((q) => ({
      label: `${label} ${q}`,
      values: TOOLS.map((tool) => ({ tool: TOOL_LABEL[tool], s: q === 'p50' ? l.perTool.get(tool)?.p50 : l.perTool.get(tool)?.p99 })),
    }))),
  };
}

/** Regenerates RESULTS.md and chart.svg next to the results directory. */
export function writeReport(resultsDir: string): { markdown: string; chart: string } {
  const files = loadResults(resultsDir);
  const base = dirname(resultsDir);
  const notesPath = join(base, 'NOTES.md');
  const notes = existsSync(notesPath) ? readFileSync(notesPath, 'utf8') : undefined;
  const markdown = join(base, 'RESULTS.md');
  const chart = join(base, 'chart.svg');
  writeFileSync(markdown, renderMarkdown(files, resultsDir, notes));
  writeFileSync(chart, renderChart(chartData(files)));
  return { markdown, chart };
}

export { basename };
