// Ceiling suite: how fast the target broker ingests records of each size from Kafka's own
// ProducerPerformance, with the mirrors' producer settings, into a fresh 8-partition topic.
import type { BenchContext, CeilingRun } from './context.js';
import { loadAvg } from './context.js';
import { createTopics, producerPerformance, startCluster } from './kafka.js';

export async function ceilingSuite(ctx: BenchContext, sizes: { recordSize: number; records: number }[]): Promise<CeilingRun[]> {
  const runs: CeilingRun[] = [];
  const target = await startCluster('target', ctx.opts.kafkaVersion, ctx.log);
  try {
    const bootstrap = target.cluster('target').bootstrap;
    for (let rep = 1; rep <= ctx.opts.reps; rep++) {
      for (const s of sizes) {
        const topic = `ceiling.s${s.recordSize}.r${rep}`;
        await createTopics(bootstrap, [{ topic, partitions: 8 }]);
        const loadAvgStart = loadAvg();
        const p = ctx.producer;
        const r = await producerPerformance(ctx.libDir, bootstrap, topic, s.records, s.recordSize, {
          acks: p.acks, 'batch.size': String(p.batchSize), 'linger.ms': String(p.lingerMs), 'compression.type': p.compression, 'buffer.memory': String(p.bufferMemory),
        });
        const run: CeilingRun = {
          suite: 'ceiling', recordSize: s.recordSize, rep, records: r.records, recordsPerSec: Math.round(r.recordsPerSec),
          mbPerSec: Math.round(((r.recordsPerSec * s.recordSize) / 1e6) * 100) / 100, avgLatencyMs: r.avgLatencyMs, raw: r.raw, loadAvgStart, loadAvgEnd: loadAvg(),
        };
        ctx.log(`ceiling ${s.recordSize} B rep ${rep}: ${run.recordsPerSec} rec/s, ${run.mbPerSec} MB/s (load ${run.loadAvgEnd.join(' ')})`);
        runs.push(run);
        ctx.results.runs.push(run);
        ctx.save();
      }
    }
  } finally {
    await target.stop();
  }
  return runs;
}
