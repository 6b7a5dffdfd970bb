// Unit tests of the benchmark harness's pure parts (bench/lib): argument parsing, statistics, /proc parsing,
// the shared mm2.properties, ProducerPerformance output, translation scoring, profile summaries, report.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { caseSpecs, parseArgs, UsageError } from '../../bench/lib/args.js';
import { niceScale, renderChart } from '../../bench/lib/chart.js';
import type { BenchContext, ResultsFile, ThroughputRun, LatencyRun, CeilingRun, StartupRun } from '../../bench/lib/context.js';
import { moduleOf, summarizeProfile } from '../../bench/lib/cpuprofile.js';
import { parseProducerPerformance } from '../../bench/lib/kafka.js';
import { exactTopicsRegex, mm2Properties, renderProperties, type MirrorRunConfig } from '../../bench/lib/mm2-config.js';
import { parseStat, parseStatusKb, ProcessSampler } from '../../bench/lib/proc.js';
import { aggregate, pickThroughputSources, renderMarkdown, scalingRows, scalingTasks, targetRows } from '../../bench/lib/report.js';
import { percentileSorted, seededRandom, spread, summarizeLatencies } from '../../bench/lib/stats.js';
import { caseRunConfig, caseTopics, throughputWindow } from '../../bench/lib/throughput.js';
import { planCommits, scoreTranslation } from '../../bench/lib/translation.js';
import { parseProperties } from '../../src/config/properties.js';
import { parseMm2Properties } from '../../src/connectors/mirror/mm2-properties.js';

describe('bench args', () => {
  it('defaults to every suite, 3 runs, full sizes and fresh targets', () => {
    const o = parseArgs([]);
    assert.deepEqual(o.suites, ['ceiling', 'throughput', 'translation', 'startup', 'latency']);
    assert.equal(o.reps, 3);
    assert.equal(o.scale, 1);
    assert.equal(o.latencySeconds, 60);
    assert.equal(o.freshTarget, true);
    assert.deepEqual(o.rates, [5000, 'half-mm2']);
  });
  it('--quick scales down 10x, one run, 15 s latency, shared target', () => {
    const o = parseArgs(['--quick', '--suite', 'throughput,latency']);
    assert.deepEqual(o.suites, ['throughput', 'latency']);
    assert.equal(o.scale, 0.1);
    assert.equal(o.reps, 1);
    assert.equal(o.latencySeconds, 15);
    assert.equal(o.freshTarget, false);
    assert.equal(parseArgs(['--quick', '--reps=2', '--fresh-target']).reps, 2);
    assert.equal(parseArgs(['--quick', '--fresh-target']).freshTarget, true);
  });
  it('--smoke is tiny and runs case a only unless told otherwise', () => {
    const o = parseArgs(['--smoke']);
    assert.deepEqual(o.cases, ['a']);
    assert.equal(o.scale, 0.005);
    assert.deepEqual(o.rates, [5000]);
    assert.deepEqual(parseArgs(['--smoke', '--cases', 'a,b']).cases, ['a', 'b']);
  });
  it('accepts all, cases, rates, tasks and rejects unknown input', () => {
    assert.equal(parseArgs(['--suite', 'all']).suites.length, 5);
    assert.deepEqual(parseArgs(['--cases', 'c,a']).cases, ['a', 'c']);
    assert.deepEqual(parseArgs(['--rates', '1000,half-mm2']).rates, [1000, 'half-mm2']);
    assert.equal(parseArgs(['--tasks', '2']).tasksMax, 2);
    assert.throws(() => parseArgs(['--suite', 'nope']), UsageError);
    assert.throws(() => parseArgs(['--cases', 'f']), UsageError);
    assert.throws(() => parseArgs(['--cases', 'e3']), UsageError);
    assert.throws(() => parseArgs(['--reps']), UsageError);
    assert.throws(() => parseArgs(['--reps', '0']), UsageError);
    assert.throws(() => parseArgs(['--bogus']), UsageError);
  });
  it('sizes the cases as the issue does, scaled in whole records per partition', () => {
    const full = caseSpecs(1);
    assert.deepEqual([full.a.records, full.a.recordSize, full.a.partitions], [2_000_000, 100, 8]);
    assert.deepEqual([full.b.records, full.b.recordSize], [500_000, 1024]);
    assert.deepEqual([full.c.records, full.c.topics, full.c.partitions], [800_000, 100, 4]);
    const quick = caseSpecs(0.1);
    assert.equal(quick.a.records, 200_000);
    assert.equal(quick.c.records, 80_000);
    assert.equal(caseSpecs(0.005).b.records % 8, 0);
  });
  it('keeps a,b,c as the default cases; d and e (= e1,e2,e4) on request', () => {
    assert.deepEqual(parseArgs([]).cases, ['a', 'b', 'c']);
    assert.deepEqual(parseArgs(['--quick']).cases, ['a', 'b', 'c']);
    assert.deepEqual(parseArgs(['--cases', 'e,d']).cases, ['d', 'e1', 'e2', 'e4']);
    assert.deepEqual(parseArgs(['--cases', 'a,e2']).cases, ['a', 'e2']);
    assert.deepEqual(parseArgs(['--smoke', '--cases', 'd,e']).cases, ['d', 'e1', 'e2', 'e4']);
  });
  it('sizes case d (lz4 -> zstd) and the e scaling variants (one shared 16-partition topic)', () => {
    const full = caseSpecs(1);
    assert.deepEqual([full.d.records, full.d.recordSize, full.d.partitions, full.d.sourceCompression, full.d.targetCompression], [1_500_000, 100, 8, 'lz4', 'zstd']);
    for (const [id, t] of [['e1', 1], ['e2', 2], ['e4', 4]] as const) {
      assert.deepEqual([full[id].records, full[id].recordSize, full[id].partitions, full[id].tasksMax, full[id].dataset], [1_000_000, 100, 16, t, 'e']);
      assert.deepEqual(caseTopics(full[id]), ['bench.e']);
    }
    assert.deepEqual(caseTopics(full.d), ['bench.d']);
    assert.equal(caseSpecs(0.005).e4.records % 16, 0);
    // The existing cases carry none of the new fields.
    for (const c of ['a', 'b', 'c'] as const) assert.deepEqual(Object.keys(full[c]), ['id', 'label', 'topics', 'partitions', 'records', 'recordSize']);
  });
  it('gives a case its own tasks.max and target compression, others the shared settings', () => {
    const producer = { acks: 'all', batchSize: 131072, lingerMs: 5, compression: 'none', bufferMemory: 67108864 };
    const ctx = { opts: parseArgs(['--tasks', '3']), producer, source: { cluster: () => ({ bootstrap: '127.0.0.1:1' }) } } as unknown as BenchContext;
    const specs = caseSpecs(1);
    const a = caseRunConfig(ctx, specs.a, 1, '127.0.0.1:2', 'bench\\.a');
    assert.equal(a.tasksMax, 3);
    assert.equal(a.producer.compression, 'none');
    const d = caseRunConfig(ctx, specs.d, 2, '127.0.0.1:2', 'bench\\.d');
    assert.equal(d.producer.compression, 'zstd');
    assert.equal(producer.compression, 'none');
    assert.equal(mm2Properties(d)['tgt2.producer.compression.type'], 'zstd');
    assert.equal(caseRunConfig(ctx, specs.e4, 3, '127.0.0.1:2', 'bench\\.e').tasksMax, 4);
    assert.equal(mm2Properties(caseRunConfig(ctx, specs.e2, 4, '127.0.0.1:2', 'bench\\.e'))['tasks.max'], '2');
  });
});

describe('bench stats', () => {
  it('spread ignores missing values and takes the middle of an even count', () => {
    assert.deepEqual(spread([3, undefined, 1, 2, null, NaN]), { min: 1, median: 2, max: 3, n: 3 });
    assert.deepEqual(spread([4, 1, 3, 2]), { min: 1, median: 2.5, max: 4, n: 4 });
    assert.equal(spread([]), undefined);
  });
  it('nearest-rank percentiles', () => {
    const xs = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentileSorted(xs, 50), 50);
    assert.equal(percentileSorted(xs, 99), 99);
    assert.equal(percentileSorted(xs, 100), 100);
    assert.equal(percentileSorted(xs, 0), 1);
    const s = summarizeLatencies([5, 1, 3]);
    assert.equal(s.p50, 3);
    assert.equal(s.max, 5);
    assert.equal(s.mean, 3);
  });
  it('seeded random is deterministic and in [0, 1)', () => {
    const a = seededRandom(42), b = seededRandom(42);
    for (let i = 0; i < 100; i++) {
      const x = a();
      assert.equal(x, b());
      assert.ok(x >= 0 && x < 1);
    }
  });
});

describe('bench /proc parsing', () => {
  it('reads utime/stime/ppid/pgrp even when the command contains spaces and parentheses', () => {
    const line = '1234 (java (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 40 0 100 0 0';
    const s = parseStat(line);
    assert.deepEqual([s.pid, s.state, s.ppid, s.pgrp, s.utime, s.stime, s.cutime, s.cstime], [1234, 'S', 1, 1234, 250, 50, 7, 3]);
  });
  it('reads kB fields of /proc/<pid>/status', () => {
    const text = 'Name:\tnode\nVmHWM:\t  123456 kB\nVmRSS:\t   65432 kB\n';
    assert.equal(parseStatusKb(text, 'VmHWM'), 123456);
    assert.equal(parseStatusKb(text, 'VmRSS'), 65432);
    assert.equal(parseStatusKb(text, 'VmSwap'), undefined);
  });
  it('samples this process', () => {
    const s = new ProcessSampler(process.pid);
    const first = s.sample();
    assert.ok(first.cpuSeconds > 0);
    assert.ok(first.rssKb > 0);
    assert.ok(s.peakRssMb() > 1);
  });
});

describe('bench mm2.properties', () => {
  const config: MirrorRunConfig = {
    sourceAlias: 'src3', targetAlias: 'tgt3', sourceBootstrap: '127.0.0.1:1', targetBootstrap: '127.0.0.1:2', topics: exactTopicsRegex(['bench.a']),
    groups: 'bench-tr-r3-.*', tasksMax: 2, producer: { acks: 'all', batchSize: 131072, lingerMs: 5, compression: 'none', bufferMemory: 67108864 },
    emitCheckpointsIntervalSeconds: 1, syncGroupOffsets: true, refreshGroupsIntervalSeconds: 2, refreshTopicsIntervalSeconds: 5,
  };
  it('survives Java properties escaping and means the same to Ferry as intended', () => {
    const text = renderProperties(mm2Properties(config));
    const props = parseProperties(text);
    assert.equal(props['src3->tgt3.topics'], 'bench\\.a');
    const mm2 = parseMm2Properties(props);
    const flows = mm2.enabledFlows();
    assert.equal(flows.length, 1);
    const flow = flows[0]!;
    assert.equal(flow.source, 'src3');
    assert.equal(flow.target, 'tgt3');
    assert.equal(flow.worker['producer.batch.size'], '131072');
    assert.equal(flow.worker['producer.acks'], 'all');
    assert.equal(flow.worker['producer.linger.ms'], '5');
    const src = flow.connectors.MirrorSourceConnector;
    assert.equal(src['tasks.max'], '2');
    assert.equal(src['replication.policy.class'], 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy');
    assert.equal(src['topics'], 'bench\\.a');
    assert.equal(flow.connectors.MirrorCheckpointConnector['groups'], 'bench-tr-r3-.*');
    // The reverse pair only exists for heartbeats, which are off.
    assert.ok(!mm2.flows.some((f) => f.source === 'tgt3' && f.heartbeatsEnabled));
  });
  it('exactTopicsRegex escapes regex metacharacters', () => {
    assert.equal(exactTopicsRegex(['a.b', 'c+d']), 'a\\.b|c\\+d');
  });
});

describe('bench ProducerPerformance output', () => {
  it('parses the final summary line', () => {
    const out = [
      '1176 records sent, 235.1 records/sec (0.02 MB/sec), 2049.5 ms avg latency, 4563.0 ms max latency.',
      '200000 records sent, 81699.3 records/sec (7.79 MB/sec), 152.76 ms avg latency, 1024.00 ms max latency, 136 ms 50th, 397 ms 95th, 468 ms 99th, 1000 ms 99.9th.',
    ].join('\n');
    const r = parseProducerPerformance(out)!;
    assert.equal(r.records, 200000);
    assert.equal(r.recordsPerSec, 81699.3);
    assert.equal(r.p99Ms, 468);
    assert.equal(parseProducerPerformance('nothing'), undefined);
  });
});

describe('bench throughput window', () => {
  const s = (t: number, records: number, cpu: number) => ({ t, records, cpu, rssKb: 0 });
  it('measures from the first sample with records to the last', () => {
    const w = throughputWindow([s(0, 0, 0), s(1000, 0, 1), s(2000, 100, 2), s(4000, 1100, 4), s(6000, 2100, 6)], 2100)!;
    assert.deepEqual(w, { records: 2000, ms: 4000, cpu: 4, startToFirstMs: 2000 });
  });
  it('falls back to the sample before the first one for tiny runs, and needs completion', () => {
    const w = throughputWindow([s(0, 0, 0), s(200, 0, 1), s(400, 900, 2), s(600, 1000, 3)], 1000)!;
    assert.deepEqual(w, { records: 1000, ms: 400, cpu: 2, startToFirstMs: 400 });
    assert.equal(throughputWindow([s(0, 0, 0), s(200, 10, 1)], 1000), undefined);
  });
});

describe('bench translation scoring', () => {
  it('plans one offset per non-empty partition per group plus a caught-up group, deterministically', () => {
    const plan = planCommits('g-', 't', [100, 0, 50], 10, 7);
    assert.deepEqual(plan, planCommits('g-', 't', [100, 0, 50], 10, 7));
    const random = plan.filter((c) => !c.caughtUp);
    assert.equal(random.length, 10);
    assert.ok(random.every((c) => c.partition !== 1 && c.offset >= 0 && c.offset < (c.partition === 0 ? 100 : 50)));
    assert.deepEqual(plan.filter((c) => c.caughtUp).map((c) => [c.partition, c.offset]), [[0, 100], [2, 50]]);
  });
  it('counts exact, re-read, skipped, missing and unverified offsets', () => {
    const base = { topic: 't', partition: 0, group: 'g', caughtUp: false };
    const r = scoreTranslation([
      { ...base, offset: 10, exact: 10, translated: 10 },
      { ...base, offset: 20, exact: 20, translated: 5 },
      { ...base, offset: 30, exact: 30, translated: 29 },
      { ...base, offset: 40, exact: 40, translated: 41 },
      { ...base, offset: 50, exact: 50, translated: undefined },
      { ...base, offset: 60, exact: undefined, translated: 60 },
      { ...base, offset: 70, caughtUp: true, exact: 70, translated: 70 },
    ], 1234);
    assert.equal(r.offsets, 6);
    assert.equal(r.checkpointed, 5);
    assert.equal(r.missing, 1);
    assert.equal(r.exact, 1);
    assert.equal(r.reReadsTotal, 16);
    assert.equal(r.reReadsMax, 15);
    assert.equal(r.skipped, 1);
    assert.equal(r.skipsTotal, 1);
    assert.equal(r.unverified, 1);
    assert.deepEqual(r.caughtUp, { offsets: 1, exact: 1, reReadsTotal: 0, missing: 0 });
    assert.equal(r.waitedMs, 1234);
  });
});

describe('bench cpu profile summary', () => {
  it('attributes self time to functions and modules', () => {
    const p = summarizeProfile({
      startTime: 0, endTime: 100,
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 3] },
        { id: 2, callFrame: { functionName: 'decodeMessages', url: 'file:///x/node_modules/kafkajs/src/protocol/recordBatch/v0/decoder.js', lineNumber: 9 } },
        { id: 3, callFrame: { functionName: 'send', url: 'file:///x/src/kafka/producer.js', lineNumber: 99 } },
      ],
      samples: [2, 2, 3, 2],
      timeDeltas: [1000, 1000, 2000, 1000],
    });
    assert.equal(p.totalMs, 5);
    assert.equal(p.busyMs, 5);
    assert.equal(p.topFunctions[0]!.name, 'decodeMessages');
    assert.equal(p.topFunctions[0]!.pct, 60);
    assert.equal(p.byModule[0]!.module, 'kafkajs/protocol/recordBatch');
    assert.equal(moduleOf('node:internal/streams/readable', 'x'), 'node:internal');
    assert.equal(moduleOf('', '(garbage collector)'), '(garbage collector)');
  });
});

function fakeResults(): ResultsFile {
  const common = { loadAvgStart: [1, 1, 1], loadAvgEnd: [1.5, 1, 1] };
  const tp = (tool: 'ferry' | 'mm2', rep: number, rps: number, cpu: number, rss: number): ThroughputRun => ({
    suite: 'throughput', case: 'b', tool, rep, ok: true, records: 1000, bytes: 1024000, recordsPerSec: rps, mbPerSec: rps / 1000, cpuSecondsPerGb: cpu, peakRssMb: rss,
    startToFirstRecordMs: 1000, windowMs: 1000, command: 'x', ...common,
    correctness: { countsMatch: true, sourceTotal: 1000, targetTotal: 1000, digests: [{ topic: 'bench.b', partition: 0, records: 100, match: true }] },
    translation: { offsets: 1000, checkpointed: 1000, missing: 0, exact: tool === 'ferry' ? 1000 : 10, reReadsTotal: tool === 'ferry' ? 0 : 5000, reReadsMax: tool === 'ferry' ? 0 : 99, reReadsMedian: 0, skipsTotal: 0, skipped: 0, unverified: 0, caughtUp: { offsets: 8, exact: 8, reReadsTotal: 0, missing: 0 }, waitedMs: 1 },
  });
  const lat = (tool: 'ferry' | 'mm2', p99: number): LatencyRun => ({ suite: 'latency', tool, rep: 1, targetRate: 5000, rateLabel: '5,000/s', ok: true, p50Ms: p99 / 2, p99Ms: p99, maxMs: p99 * 2, achievedRate: 5000, ...common });
  const ceil: CeilingRun = { suite: 'ceiling', recordSize: 1024, rep: 1, records: 1000, recordsPerSec: 40000, mbPerSec: 41, avgLatencyMs: 3, raw: '', ...common };
  const st = (tool: 'ferry' | 'mm2', ms: number): StartupRun => ({ suite: 'startup', tool, rep: 1, ok: true, startToFirstRecordMs: ms, ...common });
  return {
    schema: 1, id: '2026-01-01T00-00-00-full', startedAt: '2026-01-01T00:00:00Z', complete: true, command: 'npm run bench', options: parseArgs([]),
    machine: { cores: 2, cpuModel: 'cpu', memGiB: 24, os: 'Linux', node: 'v20', java: 'openjdk 17', loadAvgAtStart: [1, 1, 1], ferryCommit: 'abc', ferryDirtyFiles: 0 },
    kafkaVersion: '4.3.1', ferryBuild: 'tsc', settings: { tasksMax: 1 }, cases: {},
    runs: [tp('ferry', 1, 30000, 10, 100), tp('mm2', 1, 15000, 20, 700), tp('ferry', 2, 32000, 12, 110), tp('mm2', 2, 16000, 22, 720), lat('ferry', 8), lat('mm2', 20), ceil, st('ferry', 1000), st('mm2', 9000)],
    profiles: [], notes: [],
  };
}

describe('bench report', () => {
  it('aggregates medians and checks the targets', () => {
    const { agg } = aggregate([fakeResults()]);
    assert.equal(agg.throughput.get('b')!.get('ferry')!.rps!.median, 31000);
    const rows = targetRows(agg);
    const kib = rows.find((r) => r.metric.startsWith('records/s, 1 KiB'))!;
    assert.equal(kib.ratio, 2);
    assert.equal(kib.met, true);
    assert.equal(rows.find((r) => r.metric.startsWith('p99'))!.met, true);
    assert.equal(rows.find((r) => r.metric.startsWith('peak RSS'))!.met, true);
    assert.equal(rows.find((r) => r.metric.startsWith('start-up'))!.met, true);
    assert.equal(rows.find((r) => r.metric.startsWith('translation'))!.met, true);
  });
  it('renders markdown tables and an SVG chart; smoke runs are never reported', () => {
    const md = renderMarkdown([fakeResults()], '/x/bench/results', '## Findings\n\nsome notes');
    assert.match(md, /## Against the targets/);
    assert.match(md, /\| b: 1 KiB, 1 topic × 8 partitions \| Ferry \| 31,000 \(30,000–32,000\)/);
    assert.match(md, /some notes/);
    const smoke = { ...fakeResults(), options: { ...parseArgs(['--smoke']) } };
    assert.match(renderMarkdown([smoke], '/x/bench/results', undefined), /No results yet/);
    const svg = renderChart({ throughput: [{ label: 'b: 1 KiB', ceiling: 40000, values: [{ tool: 'Ferry', s: spread([30000, 32000]) }, { tool: 'MM2', s: undefined }] }], latency: [] });
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /<rect [^>]*fill="#1f77b4"/);
    assert.match(svg, /no data yet/);
    assert.doesNotMatch(svg, /NaN|undefined/);
  });
  it('reports case d and the case e scaling table; each case from its own newest run', () => {
    const base = fakeResults();
    const common = { loadAvgStart: [1, 1, 1], loadAvgEnd: [1, 1, 1] };
    const run = (c: ThroughputRun['case'], tool: 'ferry' | 'mm2', rps: number, extra: Partial<ThroughputRun> = {}): ThroughputRun => ({
      suite: 'throughput', case: c, tool, rep: 1, ok: true, records: 1000, bytes: 100000, recordsPerSec: rps, mbPerSec: rps / 10000, cpuSecondsPerGb: 50, peakRssMb: 300,
      startToFirstRecordMs: 1000, windowMs: 1000, command: 'x', ...common, ...extra,
      correctness: { countsMatch: true, sourceTotal: 1000, targetTotal: 1000, digests: [{ topic: `bench.${c}`, partition: 0, records: 100, match: true }] },
    });
    const later: ResultsFile = {
      ...base, id: '2026-02-01T00-00-00-full', startedAt: '2026-02-01T00:00:00Z', options: parseArgs(['--cases', 'd,e']),
      runs: [run('d', 'ferry', 80000, { targetCompression: 'zstd' }), run('d', 'mm2', 40000, { targetCompression: 'zstd' }),
        run('e1', 'ferry', 50000, { tasksMax: 1 }), run('e1', 'mm2', 25000, { tasksMax: 1 }), run('e2', 'ferry', 75000, { tasksMax: 2 }), run('e2', 'mm2', 50000, { tasksMax: 2 }),
        run('e4', 'ferry', 100000, { tasksMax: 4 }), run('e4', 'mm2', 50000, { tasksMax: 4 })],
    };
    const sources = pickThroughputSources([base, later]);
    assert.equal(sources.get('b')!.id, base.id);
    assert.equal(sources.get('d')!.id, later.id);
    const { agg } = aggregate([base, later]);
    assert.deepEqual([...agg.throughput.keys()], ['b', 'd', 'e1', 'e2', 'e4']);
    assert.equal(agg.throughput.get('b')!.get('ferry')!.rps!.median, 31000);
    assert.equal(targetRows(agg).find((r) => r.metric.includes('case d'))!.ratio, 2);
    assert.equal(scalingTasks('e4'), 4);
    assert.equal(scalingTasks('a'), undefined);
    const rows = scalingRows(agg);
    assert.deepEqual(rows.map((r) => r.slice(0, 6)), [['1', '50,000', '25,000', '2.00×', '1.00×', '1.00×'], ['2', '75,000', '50,000', '1.50×', '1.50×', '2.00×'], ['4', '100,000', '50,000', '2.00×', '2.00×', '2.00×']]);
    const md = renderMarkdown([base, later], '/x/bench/results', undefined);
    assert.match(md, /\| d: 100 B, 1 topic × 8 partitions, lz4 source → zstd target \| Ferry \| 80,000 /);
    assert.match(md, /### Scaling with tasks\.max/);
    assert.match(md, /\| 4 \| 100,000 \| 50,000 \| 2\.00× \|/);
    assert.match(md, /Cases d, e1, e2, e4: _Source: `results\/2026-02-01T00-00-00-full\.json`/);
    assert.match(md, /Cases b: _Source: `results\/2026-01-01T00-00-00-full\.json`/);
    // Without case d/e results, none of their rows or sections appear.
    const only = renderMarkdown([base], '/x/bench/results', undefined);
    assert.doesNotMatch(only, /case d|Scaling with tasks|Cases b/);
  });
  it('picks nice axis scales', () => {
    assert.deepEqual(niceScale(93), { top: 100, step: 20 });
    assert.deepEqual(niceScale(0), { top: 1, step: 0.2 });
    assert.equal(niceScale(123456).top, 125000);
  });
});
