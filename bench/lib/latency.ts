// Latency suite: with the tool already mirroring a fresh topic, bench/LatencyProbe.java produces to the source
// at a fixed rate (records stamped with their intended send time) and consumes the target, recording
// arrival - send for every measured record. Reports p50/p90/p99/p99.9/max and the tool's CPU at that rate.
import { join } from 'node:path';
import type { EphemeralKafka } from '../../src/dev/ephemeral.js';
import { findJava } from '../../src/dev/jars.js';
import { RecordProducer } from '../../src/kafka/producer.js';
import type { BenchContext, LatencyRun } from './context.js';
import { launchMirror, loadAvg, sampleUntil } from './context.js';
import { clientProps, createTopics, EndOffsetWatcher } from './kafka.js';
import { exactTopicsRegex } from './mm2-config.js';
import { sleep, startProcess } from './proc.js';
import { baseRunConfig, round } from './throughput.js';
import { PROJECT_ROOT, TOOL_LABEL, type Tool } from './tools.js';

const PARTITIONS = 8;
const RECORD_SIZE = 100;
interface ProbeResult {
  sent: number; failed: number; received: number; achievedRate: number;
  latP50: number | null; latP90: number | null; latP99: number | null; latP999: number | null; latMax: number | null; latMean: number | null;
  ackP50: number | null; ackP99: number | null;
}

const num = (x: number | null | undefined): number | undefined => (typeof x === 'number' ? round(x, 2) : undefined);

export async function latencyRun(ctx: BenchContext, target: EphemeralKafka, tool: Tool, rep: number, rate: number, rateLabel: string, o: { cpuProfileDir?: string } = {}): Promise<LatencyRun> {
  const runId = ctx.nextRunId();
  const run: LatencyRun = { suite: 'latency', tool, rep, targetRate: rate, rateLabel, ok: false, loadAvgStart: loadAvg(), loadAvgEnd: [] };
  const sourceBootstrap = ctx.source.cluster('source').bootstrap;
  const targetBootstrap = target.cluster('target').bootstrap;
  const topic = `bench.latency.r${runId}`;
  try {
    await createTopics(sourceBootstrap, [{ topic, partitions: PARTITIONS }]);
    const config = baseRunConfig(ctx, runId, targetBootstrap, exactTopicsRegex([topic]));
    // linger.ms=0 for both here: Ferry never lingers, and Kafka 4's 5 ms default would only add to MM2's latency.
    config.producer = { ...config.producer, lingerMs: 0 };
    ctx.log(`latency ${rateLabel} (${rate} rec/s) rep ${rep} ${TOOL_LABEL[tool]} (run ${runId})${o.cpuProfileDir ? ' [cpu profile]' : ''}`);
    const session = launchMirror(ctx, tool, runId, config, o.cpuProfileDir ? { cpuProfileDir: o.cpuProfileDir } : {});
    try {
      // Wait until the tool mirrors: probe records (no bench.t header) until one shows up on the target.
      const probe = new RecordProducer({ ...clientProps(sourceBootstrap, 'ferry-bench-probe'), acks: 'all' }, 'ferry-bench-probe');
      await probe.connect();
      const watcher = new EndOffsetWatcher(targetBootstrap, new Map([[topic, new Array<number>(PARTITIONS).fill(0)]]));
      let probes = 0;
      try {
        await sampleUntil(session, async () => {
          await probe.send([{ topic, partition: probes++ % PARTITIONS, key: null, value: Buffer.from('probe'), headers: [], timestamp: null }]);
          return (await watcher.total()).total;
        }, (n) => n > 0, { intervalMs: 500, timeoutMs: 240_000, stallMs: 240_000, firstRecordTimeoutMs: 240_000 });
      } finally {
        await Promise.allSettled([probe.disconnect(), watcher.close()]);
      }
      await sleep(1000);

      // Produce at the fixed rate and consume the target in one JVM (same clock for send and arrival).
      const args = ['-Xms128m', '-Xmx256m', '-cp', join(ctx.libDir, '*'), join(PROJECT_ROOT, 'bench/LatencyProbe.java'),
        sourceBootstrap, targetBootstrap, topic, String(PARTITIONS), String(rate), String(ctx.opts.latencyWarmupSeconds), String(ctx.opts.latencySeconds), String(RECORD_SIZE), '30'];
      const probeProc = startProcess(findJava(), args, { cwd: PROJECT_ROOT, logFile: 'pipe', marker: 'LatencyProbe.java' });
      let out = '';
      let measureStart: { t: number; cpu: number } | undefined;
      let measureEnd: { t: number; cpu: number } | undefined;
      probeProc.child.stdout?.on('data', (b: Buffer) => {
        out += b.toString();
        if (!measureStart && out.includes('MEASURE\n')) measureStart = { t: performance.now(), cpu: session.sampler.sample().cpuSeconds };
        if (!measureEnd && out.includes('END\n')) measureEnd = { t: performance.now(), cpu: session.sampler.sample().cpuSeconds };
      });
      probeProc.child.stderr?.on('data', (b: Buffer) => { out += b.toString(); if (out.length > 200_000) out = out.slice(-100_000); });
      const sampling = setInterval(() => session.sampler.sample(), 500);
      const limit = setTimeout(() => probeProc.child.kill('SIGKILL'), (ctx.opts.latencyWarmupSeconds + ctx.opts.latencySeconds + 120) * 1000);
      try {
        await probeProc.exited;
      } finally {
        clearInterval(sampling);
        clearTimeout(limit);
      }
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) throw new Error(`latency probe failed: ${out.slice(-2000)}`);
      const r = JSON.parse(line.slice(7)) as ProbeResult;
      run.sent = r.sent;
      run.received = r.received;
      run.achievedRate = r.achievedRate;
      run.producerAckP50Ms = num(r.ackP50);
      run.producerAckP99Ms = num(r.ackP99);
      run.p50Ms = num(r.latP50);
      run.p90Ms = num(r.latP90);
      run.p99Ms = num(r.latP99);
      run.p999Ms = num(r.latP999);
      run.maxMs = num(r.latMax);
      run.meanMs = num(r.latMean);
      if (measureStart && measureEnd && measureEnd.t > measureStart.t) {
        const cpu = measureEnd.cpu - measureStart.cpu;
        run.cpuPercent = round((cpu / ((measureEnd.t - measureStart.t) / 1000)) * 100, 1);
        run.cpuSecondsPerGb = round(cpu / ((r.sent * RECORD_SIZE) / 1e9), 0);
      }
      run.ok = r.received >= r.sent - r.failed && r.failed === 0;
      if (!run.ok) run.error = `received ${r.received} of ${r.sent} measured records (${r.failed} failed to send)`;
      ctx.log(`  ${TOOL_LABEL[tool]}: p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, max ${run.maxMs} ms; ${r.received}/${r.sent} received at ${r.achievedRate} rec/s; producer ack p99 ${run.producerAckP99Ms} ms; CPU ${run.cpuPercent}% (load ${loadAvg().join(' ')})`);
      session.sampler.sample();
      run.peakRssMb = round(session.sampler.peakRssMb(), 1);
    } finally {
      await session.stop();
    }
  } catch (e) {
    run.error = (e as Error).message;
    ctx.log(`  FAILED: ${run.error}`);
  }
  run.loadAvgEnd = loadAvg();
  return run;
}
