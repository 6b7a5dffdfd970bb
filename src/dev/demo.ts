// `ferry demo`: two clusters, 1000 orders produced to the source, copied to the target, read back and
// compared. Local clusters (free ports, temp dir) unless --source/--target point at running ones
// (docker-compose). No Java process outlives the demo, even on error or Ctrl-C (see ephemeral.ts).
//
// The copy in the middle is mirrorStep(): for now a plain consumer→producer loop; it is the one function to
// swap for the real mirror connector.
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { acksOf, consumerConfig, createKafka, producerConfig, withAdmin, type ClientProps } from '../kafka/client.js';
import { setLevel } from '../observability/logger.js';
import { describeBrokers } from './cluster.js';
import { startEphemeralClusters, type EphemeralKafka } from './ephemeral.js';
import { DEFAULT_KAFKA_VERSION, kafkaDistribution } from './jars.js';
import { sleep } from './process.js';

export const DEMO_USAGE = `Usage: ferry demo [options]

Starts two local Kafka clusters (source, target) on free ports, creates the topic demo.orders on both,
produces sample orders to the source, copies them to the target, reads both sides back and compares
counts and checksums. Stops the clusters at the end. Needs java and mvn (Kafka jars are fetched once).

Options:
  --records N          orders to produce (default 1000)
  --topic NAME         topic (default demo.orders)
  --partitions N       partitions when the demo creates the topic (default 3)
  --kafka-version V    Kafka release for the local clusters (default ${DEFAULT_KAFKA_VERSION})
  --source HOST:PORT   use this running cluster as source instead of starting one (needs --target)
  --target HOST:PORT   use this running cluster as target
  --json               print the summary as JSON
  -h, --help           this help`;

export interface DemoEndpoint {
  name: string;
  bootstrap: string;
}

export interface MirrorStepResult {
  copied: number;
  elapsedMs: number;
  how: string;
}

interface DemoOptions {
  records: number;
  topic: string;
  partitions: number;
  kafkaVersion: string;
  source?: string;
  target?: string;
  json: boolean;
}

const props = (e: DemoEndpoint): ClientProps => ({ 'bootstrap.servers': e.bootstrap, 'client.id': `ferry-demo-${e.name}` });
const progress = (m: string) => console.error(m);

export function parseDemoArgs(args: readonly string[]): DemoOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: true,
    options: {
      records: { type: 'string' },
      topic: { type: 'string' },
      partitions: { type: 'string' },
      'kafka-version': { type: 'string' },
      source: { type: 'string' },
      target: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new Error(`unexpected argument '${positionals[0]}'`);
  const int = (name: string, raw: string | undefined, dflt: number, min: number, max: number) => {
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) throw new Error(`--${name} must be an integer between ${min} and ${max}, got '${raw}'`);
    return n;
  };
  if ((values.source === undefined) !== (values.target === undefined)) throw new Error('--source and --target go together');
  const kafkaVersion = values['kafka-version'] ?? (process.env.FERRY_KAFKA_VERSION || DEFAULT_KAFKA_VERSION);
  kafkaDistribution(kafkaVersion);
  return {
    records: int('records', values.records, 1000, 1, 10_000_000),
    topic: values.topic ?? 'demo.orders',
    partitions: int('partitions', values.partitions, 3, 1, 1000),
    kafkaVersion,
    ...(values.source !== undefined ? { source: values.source } : {}),
    ...(values.target !== undefined ? { target: values.target } : {}),
    json: values.json ?? false,
  };
}

/** One sample order; deterministic in (run, i) so both sides can be checked against what was sent. */
export function sampleOrder(run: string, i: number): { key: string; value: string } {
  const customers = ['ada', 'grace', 'linus', 'barbara', 'ken', 'margaret', 'dennis'];
  const customer = customers[i % customers.length]!;
  const value = { run, id: i, customer, items: 1 + (i % 5), amountCents: 100 + ((i * 7919) % 90_000), currency: i % 3 === 0 ? 'EUR' : 'USD' };
  return { key: `order-${i}`, value: JSON.stringify(value) };
}

/** Order-independent digest over (key, value) pairs sorted by order id. */
export function checksum(records: ReadonlyMap<number, { key: string; value: string }>): string {
  const h = createHash('sha256');
  for (const id of [...records.keys()].sort((a, b) => a - b)) {
    const r = records.get(id)!;
    h.update(`${r.key}\t${r.value}\n`);
  }
  return h.digest('hex');
}

async function waitForCluster(e: DemoEndpoint, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      if ((await describeBrokers(e.bootstrap)) > 0) return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(1000);
  }
  throw new Error(`Cluster ${e.name} at ${e.bootstrap} did not answer within ${timeoutMs / 1000}s (${last}).`);
}

async function ensureTopic(e: DemoEndpoint, topic: string, partitions: number): Promise<number> {
  return withAdmin(props(e), async (admin) => {
    if (!(await admin.listTopics()).includes(topic)) {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
    }
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    return md.topics[0]?.partitions.length ?? partitions;
  });
}

async function produceOrders(e: DemoEndpoint, topic: string, run: string, count: number): Promise<Map<number, { key: string; value: string }>> {
  const sent = new Map<number, { key: string; value: string }>();
  const producer = createKafka(props(e)).producer(producerConfig({}));
  await producer.connect();
  try {
    for (let start = 0; start < count; start += 500) {
      const messages = [];
      for (let i = start; i < Math.min(count, start + 500); i++) {
        const r = sampleOrder(run, i);
        sent.set(i, r);
        messages.push({ key: r.key, value: r.value, headers: { 'ferry.demo.run': run } });
      }
      await producer.send({ topic, acks: acksOf({}), messages });
    }
  } finally {
    await producer.disconnect();
  }
  return sent;
}

/** Reads the topic from the beginning until `expected` records of this run were seen (or the timeout). */
async function readRun(e: DemoEndpoint, topic: string, run: string, expected: number, timeoutMs = 60_000): Promise<Map<number, { key: string; value: string }>> {
  const got = new Map<number, { key: string; value: string }>();
  const groupId = `ferry-demo-read-${run}-${e.name}`;
  const consumer = createKafka(props(e)).consumer(consumerConfig(groupId, {}));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, timeoutMs); // report what arrived; the summary shows the shortfall
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            const value = m.value?.toString('utf8') ?? '';
            let parsed: { run?: string; id?: number };
            try {
              parsed = JSON.parse(value) as { run?: string; id?: number };
            } catch {
              continue;
            }
            if (parsed.run === run && typeof parsed.id === 'number') got.set(parsed.id, { key: m.key?.toString('utf8') ?? '', value });
          }
          if (got.size >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await withAdmin(props(e), (admin) => admin.deleteGroups([groupId])).catch(() => undefined);
  }
  return got;
}

/**
 * Copies `topic` from source to target until the target holds everything the source had when the step
 * began. TEMPORARY: a plain consumer→producer loop keeping key, value, headers, timestamp and partition;
 * to be replaced by the mirror connector.
 */
export async function mirrorStep(source: DemoEndpoint, target: DemoEndpoint, topic: string): Promise<MirrorStepResult> {
  const began = Date.now();
  const groupId = `ferry-demo-mirror-${topic}`;
  const [ends, committed] = await withAdmin(props(source), async (admin) => [
    await admin.fetchTopicOffsets(topic),
    await admin.fetchOffsets({ groupId, topics: [topic] }),
  ] as const);
  const remaining = new Map<number, bigint>(); // partition → end offset still to reach
  const startAt = new Map<number, bigint>();
  for (const c of committed[0]?.partitions ?? []) startAt.set(c.partition, BigInt(c.offset));
  for (const p of ends) {
    const from = startAt.get(p.partition) ?? -1n;
    const end = BigInt(p.high);
    if (end > 0n && (from < 0n ? BigInt(p.low) : from) < end) remaining.set(p.partition, end);
  }
  if (remaining.size === 0) return { copied: 0, elapsedMs: Date.now() - began, how: 'consumer→producer copy (nothing new)' };

  const producer = createKafka(props(target)).producer(producerConfig({}));
  const consumer = createKafka(props(source)).consumer(consumerConfig(groupId, {}));
  let copied = 0;
  await producer.connect();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mirrorStep: still ${[...remaining.keys()].length} partition(s) behind after 120s`)), 120_000);
      consumer.run({
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => {
          if (batch.messages.length > 0) {
            await producer.send({
              topic,
              acks: -1,
              messages: batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers ?? {}, timestamp: m.timestamp, partition: batch.partition })),
            });
            copied += batch.messages.length;
          }
          const end = remaining.get(batch.partition);
          if (end !== undefined && BigInt(batch.highWatermark) > 0n && batch.messages.length > 0 && BigInt(batch.lastOffset()) + 1n >= end) {
            remaining.delete(batch.partition);
          }
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect(); // commits the offsets of what was copied
    await producer.disconnect();
  }
  return { copied, elapsedMs: Date.now() - began, how: 'consumer→producer copy (temporary stand-in for the mirror connector)' };
}

export async function demoCommand(args: string[]): Promise<number> {
  let opts: DemoOptions | 'help';
  try {
    opts = parseDemoArgs(args);
  } catch (err) {
    console.error(`ferry demo: ${err instanceof Error ? err.message : String(err)}\n\n${DEMO_USAGE}`);
    return 2;
  }
  if (opts === 'help') {
    console.log(DEMO_USAGE);
    return 0;
  }
  if (!process.env.FERRY_LOG_LEVEL) setLevel('kafka.client', 'ERROR');
  const began = Date.now();
  let local: EphemeralKafka | undefined;
  try {
    let source: DemoEndpoint;
    let target: DemoEndpoint;
    if (opts.source && opts.target) {
      source = { name: 'source', bootstrap: opts.source };
      target = { name: 'target', bootstrap: opts.target };
      progress(`Waiting for ${source.bootstrap} and ${target.bootstrap}…`);
      await Promise.all([waitForCluster(source, 120_000), waitForCluster(target, 120_000)]);
    } else {
      progress(`Starting two local Kafka ${opts.kafkaVersion} clusters…`);
      // fastStartup (C1 only): the demo is short-lived; JVM start time dominates it.
      local = await startEphemeralClusters({ clusters: ['source', 'target'], kafkaVersion: opts.kafkaVersion, prefix: 'ferry-demo-', fastStartup: true, progress });
      source = { name: 'source', bootstrap: local.cluster('source').bootstrap };
      target = { name: 'target', bootstrap: local.cluster('target').bootstrap };
    }
    const startedMs = Date.now() - began;
    const run = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

    const [sourcePartitions] = await Promise.all([ensureTopic(source, opts.topic, opts.partitions), ensureTopic(target, opts.topic, opts.partitions)]);
    progress(`Producing ${opts.records} orders to ${opts.topic} on source…`);
    const sent = await produceOrders(source, opts.topic, run, opts.records);
    const fromSource = await readRun(source, opts.topic, run, opts.records);
    progress('Copying source → target…');
    const mirrored = await mirrorStep(source, target, opts.topic);
    const fromTarget = await readRun(target, opts.topic, run, opts.records);

    const sums = { sent: checksum(sent), source: checksum(fromSource), target: checksum(fromTarget) };
    const ok = fromSource.size === opts.records && fromTarget.size === opts.records && sums.source === sums.sent && sums.target === sums.sent;
    const summary = {
      ok,
      kafka: local ? local.kafkaVersion : 'external',
      source: source.bootstrap,
      target: target.bootstrap,
      topic: opts.topic,
      partitions: sourcePartitions,
      run,
      produced: sent.size,
      readFromSource: fromSource.size,
      mirrored: mirrored.copied,
      mirror: mirrored.how,
      readFromTarget: fromTarget.size,
      checksum: sums.sent,
      checksumsMatch: sums.source === sums.sent && sums.target === sums.sent,
      clusterStartMs: startedMs,
      mirrorMs: mirrored.elapsedMs,
      totalMs: Date.now() - began,
    };
    if (opts.json) console.log(JSON.stringify(summary));
    else {
      console.log([
        `Ferry demo (${local ? `local Kafka ${local.kafkaVersion} clusters` : 'external clusters'})`,
        `  source            ${source.bootstrap}`,
        `  target            ${target.bootstrap}`,
        `  topic             ${opts.topic} (${sourcePartitions} partitions)`,
        `  produced          ${sent.size}`,
        `  read from source  ${fromSource.size}   sha256 ${sums.source.slice(0, 16)}`,
        `  mirrored          ${mirrored.copied}   in ${(mirrored.elapsedMs / 1000).toFixed(1)}s (${mirrored.how})`,
        `  read from target  ${fromTarget.size}   sha256 ${sums.target.slice(0, 16)}`,
        `  checksums match   ${summary.checksumsMatch ? 'yes' : 'NO'}`,
        `  time              ${(summary.totalMs / 1000).toFixed(1)}s (clusters ready after ${(startedMs / 1000).toFixed(1)}s)`,
      ].join('\n'));
    }
    return ok ? 0 : 1;
  } catch (err) {
    console.error(`ferry demo: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    if (local) {
      progress('Stopping the local clusters…');
      await local.stop();
    }
  }
}
