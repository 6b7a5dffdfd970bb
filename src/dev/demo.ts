// `ferry demo`: two clusters, 1000 orders produced to the source, copied to the target, read back and
// compared. Local clusters (free ports, temp dir) unless --source/--target point at running ones
// (docker-compose). No Java process outlives the demo, even on error or Ctrl-C (see ephemeral.ts).
//
// The copy in the middle is mirrorStep(): Ferry's MirrorMaker-2-compatible connectors in dedicated mode,
// run in this process, with live progress and a consumer-group checkpoint translated exactly.
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ferryEnv, ferryEnvOrDefaults } from '../config/ferry-env.js';
// The demo's application producer and consumer are a standard client's (kafkajs), as a user's application would be.
// eslint-disable-next-line no-restricted-imports
import { acksOf, consumerConfig, createKafka, producerConfig, type ClientProps } from '../kafka/client.js';
import { withClusterAdmin } from '../kafka/cluster-admin.js';
import { preferLogFormat, setLevel } from '../observability/logger.js';
import { describeBrokers } from './cluster.js';
import { startEphemeralClusters, type EphemeralKafka } from './ephemeral.js';
import { DEFAULT_KAFKA_VERSION, kafkaDistribution } from './jars.js';
import { sleep } from './process.js';
import { startMirrorMaker } from '../mirror/dedicated.js';
import { parseMm2Properties } from '../connectors/mirror/mm2-properties.js';
import { decodeCheckpoint } from '../connectors/mirror/checkpoint.js';
import { readToEnd } from '../kafka/read-to-end.js';
import { FAST_INTERVALS, SINGLE_BROKER_REPLICATION } from './mm2-local.js';

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
  -h, --help           this help

Ferry's own logs appear as short lines, warnings and errors only; --log-level info (or
FERRY_LOG_LEVEL=info) shows more, --log-format json (FERRY_LOG_FORMAT=json) gives JSON lines.`;

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
  const kafkaVersion = values['kafka-version'] ?? (ferryEnv().kafkaVersion ?? DEFAULT_KAFKA_VERSION);
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
  return withClusterAdmin(props(e), async (admin) => {
    await admin.createTopics([{ topic, partitions, replicationFactor: 1 }]);
    return (await admin.partitionCounts([topic])).get(topic) ?? partitions;
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
    await withClusterAdmin(props(e), (admin) => admin.deleteGroups([groupId])).catch(() => undefined);
  }
  return got;
}

/** The mm2.properties the demo runs Ferry's dedicated MirrorMaker mode with (identity names, fast intervals). */
export function demoMm2Properties(source: DemoEndpoint, target: DemoEndpoint, topic: string): Record<string, string> {
  return {
    'clusters': 'source, target',
    'source.bootstrap.servers': source.bootstrap,
    'target.bootstrap.servers': target.bootstrap,
    'source->target.enabled': 'true',
    'source->target.topics': topic.replace(/[.]/g, '\\.'),
    'target->source.enabled': 'false',
    'target->source.emit.heartbeats.enabled': 'false',
    'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy',
    ...SINGLE_BROKER_REPLICATION,
    ...FAST_INTERVALS,
    'sync.topic.acls.enabled': 'false',
    'sync.group.offsets.enabled': 'true',
    'tasks.max': '2',
  };
}

/** Sum of end offsets of a topic (records present, as nothing is deleted in the demo). */
async function endOffsets(e: DemoEndpoint, topic: string): Promise<number> {
  return withClusterAdmin(props(e), async (admin) => (await admin.watermarks(topic)).reduce((n, p) => n + p.high, 0)).catch(() => 0);
}

/** Latest checkpoint of a group on the target (from `source.checkpoints.internal`), summed over partitions. */
async function latestCheckpoint(target: DemoEndpoint, group: string): Promise<{ upstream: number; downstream: number } | null> {
  const last = new Map<string, { upstream: number; downstream: number }>();
  await readToEnd(props(target), 'source.checkpoints.internal', [0], (r) => {
    try {
      const c = decodeCheckpoint(r.key, r.value);
      if (c.group === group) last.set(`${c.topic}-${c.partition}`, { upstream: c.upstreamOffset, downstream: c.downstreamOffset });
    } catch { /* not a checkpoint */ }
  }, { timeoutMs: 5_000 }).catch(() => undefined);
  if (last.size === 0) return null;
  let upstream = 0, downstream = 0;
  for (const v of last.values()) { upstream += v.upstream; downstream += v.downstream; }
  return { upstream, downstream };
}

/** Consumes `count` records of the topic on the source with group `group`, committing as it goes. */
async function consumeSome(e: DemoEndpoint, topic: string, group: string, count: number): Promise<number> {
  const consumer = createKafka(props(e)).consumer(consumerConfig(group, {}));
  let seen = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 30_000);
      void consumer.run({
        autoCommit: true,
        autoCommitThreshold: 1,
        eachMessage: async () => {
          seen++;
          if (seen >= count) { clearTimeout(timer); resolve(); }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/**
 * Mirrors with Ferry's MirrorMaker-2-compatible connectors (dedicated mode, in this process) while orders are
 * produced, printing progress (records mirrored, lag, latest checkpoint) until the target holds them all.
 */
export async function mirrorStep(source: DemoEndpoint, target: DemoEndpoint, topic: string, produce: () => Promise<unknown>, expected: number): Promise<MirrorStepResult & { checkpoint: { upstream: number; downstream: number } | null; consumed: number }> {
  const began = Date.now();
  const mm = await startMirrorMaker(parseMm2Properties(demoMm2Properties(source, target, topic)), {
    workerOverrides: { 'offset.flush.interval.ms': '1000', 'session.timeout.ms': '6000', 'heartbeat.interval.ms': '1000' },
  });
  try {
    const before = await endOffsets(target, topic);
    const producing = produce();
    let last = '';
    for (;;) {
      const [src, dst] = await Promise.all([endOffsets(source, topic), endOffsets(target, topic)]);
      const line = `  mirrored ${dst - before}/${expected}  lag ${Math.max(0, src - dst)}`;
      if (line !== last) progress(line);
      last = line;
      if (dst - before >= expected) break;
      if (Date.now() - began > 120_000) throw new Error(`mirror did not deliver ${expected} records within 120 s (got ${dst - before})`);
      await sleep(500);
    }
    await producing;
    // A consumer on the source reads half the orders; its checkpoint on the target points at the exact next record.
    const group = 'demo-app';
    const consumed = await consumeSome(source, topic, group, Math.floor(expected / 2));
    let checkpoint: { upstream: number; downstream: number } | null = null;
    for (let i = 0; i < 30 && (!checkpoint || checkpoint.upstream < consumed); i++) {
      await sleep(1000);
      checkpoint = await latestCheckpoint(target, group);
      if (checkpoint) progress(`  checkpoint for group ${group}: source offsets ${checkpoint.upstream} → target offsets ${checkpoint.downstream}`);
    }
    return { copied: expected, elapsedMs: Date.now() - began, how: 'Ferry MirrorSourceConnector (dedicated mode, IdentityReplicationPolicy)', checkpoint, consumed };
  } finally {
    await mm.stop();
  }
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
  // The demo tells its own story on stderr: Ferry's logs join it as short lines, warnings and errors only,
  // even when piped (FERRY_LOG_FORMAT=json / FERRY_LOG_LEVEL, or `ferry --log-format/--log-level`, for more).
  preferLogFormat('pretty');
  if (ferryEnv().logLevel === undefined) setLevel('kafka.client', 'ERROR');
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
    progress(`Starting Ferry MirrorMaker (source → target) and producing ${opts.records} orders to ${opts.topic} on source…`);
    let sent = new Map<number, { key: string; value: string }>();
    const mirrored = await mirrorStep(source, target, opts.topic, async () => { sent = await produceOrders(source, opts.topic, run, opts.records); }, opts.records);
    const fromSource = await readRun(source, opts.topic, run, opts.records);
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
      consumedBySourceGroup: mirrored.consumed,
      checkpoint: mirrored.checkpoint,
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
        `  group demo-app    consumed ${mirrored.consumed} on source; checkpoint → target offset ${mirrored.checkpoint ? mirrored.checkpoint.downstream : 'n/a'} (exact: ${mirrored.checkpoint && mirrored.checkpoint.downstream === mirrored.consumed && mirrored.checkpoint.upstream === mirrored.consumed ? 'yes' : 'no'})`,
        `  checksums match   ${summary.checksumsMatch ? 'yes' : 'NO'}`,
        `  time              ${(summary.totalMs / 1000).toFixed(1)}s (clusters ready after ${(startedMs / 1000).toFixed(1)}s)`,
      ].join('\n'));
    }
    return ok ? 0 : 1;
  } catch (err) {
    console.error(`ferry demo: ${err instanceof Error ? err.message : String(err)}`);
    if (ferryEnvOrDefaults().debug && err instanceof Error) console.error(err.stack);
    return 1;
  } finally {
    if (local) {
      progress('Stopping the local clusters…');
      await local.stop();
    }
  }
}
