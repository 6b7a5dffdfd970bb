// Latency suite: with the tool already mirroring a fresh topic, a separate process produces at a fixed rate
// (records stamped with their intended send time); this process consumes the target topic and records
// arrival - send for every measured record. Reports p50/p90/p99/p99.9/max and the tool's CPU at that rate.
import { join } from 'node:path';
import type { EphemeralKafka } from '../../src/dev/ephemeral.js';
import { PartitionReader } from '../../src/kafka/partition-reader.js';
import { RecordProducer } from '../../src/kafka/producer.js';
import type { BenchContext, LatencyRun } from './context.js';
import { launchMirror, loadAvg, sampleUntil } from './context.js';
import { clientProps, createTopics, EndOffsetWatcher } from './kafka.js';
import { exactTopicsRegex } from './mm2-config.js';
import { sleep, startProcess } from './proc.js';
import { summarizeLatencies } from './stats.js';
import { baseRunConfig, round } from './throughput.js';
import { PROJECT_ROOT, TOOL_LABEL, type Tool } from './tools.js';

const PARTITIONS = 8;
const RECORD_SIZE = 100;
const now = () => performance.timeOrigin + performance.now();

class LatencyBuffer {
  private buf = new Float64Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) { const n = new Float64Array(this.buf.length * 2); n.set(this.buf); this.buf = n; }
    this.buf[this.length++] = v;
  }
  values(): Float64Array { return this.buf.subarray(0, this.length); }
}

export async function latencyRun(ctx: BenchContext, target: EphemeralKafka, tool: Tool, rep: number, rate: number, rateLabel: string): Promise<LatencyRun> {
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
    ctx.log(`latency ${rateLabel} (${rate} rec/s) rep ${rep} ${TOOL_LABEL[tool]} (run ${runId})`);
    const session = launchMirror(ctx, tool, runId, config);
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

      // Consumer first (from the beginning; probes are skipped), then the producer process.
      const reader = new PartitionReader(clientProps(targetBootstrap, 'ferry-bench-latency'), 'ferry-bench-latency', { maxWaitMs: 100, maxBytesPerPartition: 1_048_576 });
      for (let p = 0; p < PARTITIONS; p++) reader.seek({ topic, partition: p }, 0);
      await reader.connect();
      const lat = new LatencyBuffer();
      let received = 0;
      let stopConsumer = false;
      const consumer = (async () => {
        while (!stopConsumer) {
          const res = await reader.poll();
          const arrived = now();
          for (const f of res) {
            for (const r of f.records) {
              let t: Buffer | null = null;
              let phase: Buffer | null = null;
              for (const [k, v] of r.headers) { if (k === 'bench.t') t = v; else if (k === 'bench.p') phase = v; }
              if (!t || !phase || phase[0] !== 0x6d /* m */) continue;
              received++;
              lat.push(arrived - t.readDoubleBE(0));
            }
          }
        }
      })();

      const args = JSON.stringify({ bootstrap: sourceBootstrap, topic, partitions: PARTITIONS, rate, warmupSeconds: ctx.opts.latencyWarmupSeconds, seconds: ctx.opts.latencySeconds, recordSize: RECORD_SIZE });
      const producer = startProcess(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'bench/lib/rate-producer.ts'), args], { cwd: PROJECT_ROOT, logFile: 'pipe', marker: 'rate-producer.ts' });
      let out = '';
      let measureStart: { t: number; cpu: number } | undefined;
      let measureEnd: { t: number; cpu: number } | undefined;
      producer.child.stdout?.on('data', (b: Buffer) => {
        out += b.toString();
        if (!measureStart && out.includes('MEASURE\n')) measureStart = { t: performance.now(), cpu: session.sampler.sample().cpuSeconds };
        if (!measureEnd && out.includes('END\n')) measureEnd = { t: performance.now(), cpu: session.sampler.sample().cpuSeconds };
      });
      producer.child.stderr?.on('data', (b: Buffer) => { out += b.toString(); });
      const sampling = setInterval(() => session.sampler.sample(), 500);
      let result: { measured: number; failed: number; achievedRate: number; ackP50Ms: number; ackP99Ms: number } | undefined;
      try {
        const code = await producer.exited;
        const line = out.split('\n').find((l) => l.startsWith('RESULT '));
        if (code !== 0 || !line) throw new Error(`rate producer failed (exit ${code}): ${out.slice(-1500)}`);
        result = JSON.parse(line.slice(7)) as typeof result;
        const deadline = Date.now() + 30_000;
        while (received < result!.measured && Date.now() < deadline && session.proc.isRunning()) await sleep(100);
      } finally {
        clearInterval(sampling);
        stopConsumer = true;
        await consumer.catch(() => undefined);
        await reader.disconnect();
      }
      const s = summarizeLatencies(lat.values());
      run.sent = result!.measured;
      run.received = received;
      run.achievedRate = result!.achievedRate;
      run.producerAckP50Ms = round(result!.ackP50Ms, 2);
      run.producerAckP99Ms = round(result!.ackP99Ms, 2);
      run.p50Ms = round(s.p50, 2);
      run.p90Ms = round(s.p90, 2);
      run.p99Ms = round(s.p99, 2);
      run.p999Ms = round(s.p999, 2);
      run.maxMs = round(s.max, 2);
      run.meanMs = round(s.mean, 2);
      if (measureStart && measureEnd && measureEnd.t > measureStart.t) {
        const cpu = measureEnd.cpu - measureStart.cpu;
        run.cpuPercent = round((cpu / ((measureEnd.t - measureStart.t) / 1000)) * 100, 1);
        run.cpuSecondsPerGb = round(cpu / ((result!.measured * RECORD_SIZE) / 1e9), 0);
      }
      session.sampler.sample();
      run.peakRssMb = round(session.sampler.peakRssMb(), 1);
      run.ok = received >= result!.measured;
      if (!run.ok) run.error = `received ${received} of ${result!.measured} measured records`;
      ctx.log(`  ${TOOL_LABEL[tool]}: p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, max ${run.maxMs} ms; ${received}/${run.sent} received at ${run.achievedRate} rec/s; producer ack p99 ${run.producerAckP99Ms} ms; CPU ${run.cpuPercent}% (load ${loadAvg().join(' ')})`);
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
