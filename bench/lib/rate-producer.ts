// Fixed-rate producer for the latency suite, run as its own process so that producing does not share an
// event loop with the consumer that timestamps arrivals. Every record carries its intended send time
// (`bench.t`, float64 ms since the epoch, from performance.timeOrigin + performance.now()) and its phase
// (`bench.p`: w = warm-up, m = measured). Intended, not actual, send time: if the producer falls behind,
// that delay counts too (no coordinated omission); its own ack latency is reported separately.
// Usage: node --import tsx bench/lib/rate-producer.ts '<json options>'
// Prints "MEASURE" when the measured phase starts, "END" when it ends, then "RESULT <json>".
import { RecordProducer, type OutRecord } from '../../src/kafka/producer.js';
import { summarizeLatencies } from './stats.js';

interface Options { bootstrap: string; topic: string; partitions: number; rate: number; warmupSeconds: number; seconds: number; recordSize: number }

const now = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2] ?? '{}') as Options;
  const producer = new RecordProducer({ 'bootstrap.servers': o.bootstrap, 'client.id': 'ferry-bench-rate', acks: 'all' }, 'ferry-bench-rate');
  await producer.connect();
  const value = Buffer.alloc(o.recordSize, 0x62);
  const W = Buffer.from('w');
  const M = Buffer.from('m');
  const start = now();
  const warmEnd = start + o.warmupSeconds * 1000;
  const end = warmEnd + o.seconds * 1000;
  const totalDue = Math.floor(o.rate * (o.warmupSeconds + o.seconds));
  let created = 0;
  let measured = 0;
  let warm = 0;
  let sends = 0;
  let maxBatch = 0;
  const acks: number[] = [];
  let failed = 0;
  let announced = false;
  // One send in flight at a time; everything that fell due meanwhile goes out in the next one (the way a
  // Java producer with linger.ms=0 batches behind an in-flight request).
  let inflight: Promise<void> | null = null;
  while (created < totalDue || inflight) {
    const t = now();
    if (!announced && t >= warmEnd) { announced = true; process.stdout.write('MEASURE\n'); }
    const due = Math.min(totalDue, Math.floor(((t - start) / 1000) * o.rate));
    if (!inflight && due > created) {
      const batch: OutRecord[] = [];
      const firstSched = start + (created / o.rate) * 1000;
      for (let i = created; i < due; i++) {
        const sched = start + (i / o.rate) * 1000;
        const ts = Buffer.alloc(8);
        ts.writeDoubleBE(sched);
        const inMeasure = sched >= warmEnd;
        if (inMeasure) measured++; else warm++;
        batch.push({ topic: o.topic, partition: i % o.partitions, key: null, value, headers: [['bench.t', ts], ['bench.p', inMeasure ? M : W]], timestamp: Math.floor(sched) });
      }
      created = due;
      sends++;
      maxBatch = Math.max(maxBatch, batch.length);
      inflight = producer.send(batch).then(
        () => { acks.push(now() - firstSched); },
        () => { failed += batch.length; },
      ).finally(() => { inflight = null; });
      if (created >= totalDue) process.stdout.write('END\n');
    }
    // Wake on the next ack or after a millisecond, whichever comes first.
    const tick = new Promise((r) => setTimeout(r, 1));
    await (inflight ? Promise.race([inflight, tick]) : tick);
  }
  if (!announced) process.stdout.write('MEASURE\n');
  const s = summarizeLatencies(acks);
  const elapsed = (end - start) / 1000;
  process.stdout.write(`RESULT ${JSON.stringify({ measured, warm, failed, achievedRate: Math.round(created / Math.max(elapsed, (now() - start) / 1000)), ackP50Ms: s.p50, ackP99Ms: s.p99, sends, maxBatch })}\n`);
  await producer.disconnect();
}

main().then(() => process.exit(0), (e: unknown) => { process.stderr.write(`${(e as Error).stack ?? String(e)}\n`); process.exit(1); });
