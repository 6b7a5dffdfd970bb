// Sink tasks get Connect's partition callbacks and timed commits: open() for partitions assigned to them and
// close() for partitions taken away on a rebalance (two tasks of one connector sharing four partitions), every
// put() only for partitions open in that task; and offsets a task makes committable later (preCommit, e.g. an S3
// object written on a schedule) are committed at offset.flush.interval.ms although no further record arrives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startKafka, uniqueName, type KafkaHarness } from '../helpers/kafka.js';
import { startTestWorker, tempDir, waitFor, type TestWorker } from '../helpers/connect.js';
import { ClusterAdmin } from '../../src/kafka/cluster-admin.js';
import { RecordProducer } from '../../src/kafka/producer.js';
import { GroupConsumer } from '../../src/kafka/consumer.js';

interface SinkEvent { task: number; kind: 'open' | 'close' | 'put' | 'violation'; partitions: number[] }
const events = (): SinkEvent[] => ((globalThis as Record<string, unknown>)['__ferrySinkEvents'] ??= []) as SinkEvent[];

let kafka: KafkaHarness;
const tmp = tempDir('ferry-sink-rebalance-');
let worker: TestWorker | undefined;

before(async () => {
  kafka = await startKafka({ clusters: ['connect'] });
  const pluginDir = join(tmp.dir, 'plugins');
  mkdirSync(pluginDir, { recursive: true });
  const api = pathToFileURL(new URL('../../src/connect/api/index.js', import.meta.url).pathname).href;
  // A sink that records its callbacks, and whose records become committable only 1 s after put().
  writeFileSync(join(pluginDir, 'recording-sink.mjs'), `
import { ConfigDef, SinkConnector, SinkTask } from '${api}';
const log = () => (globalThis.__ferrySinkEvents ??= []);
class RecordingTask extends SinkTask {
  start(props) { this.id = Number(props['task.id']); this.open_ = new Set(); this.written = new Map(); }
  open(tps) { for (const tp of tps) this.open_.add(tp.topic + ':' + tp.partition); log().push({ task: this.id, kind: 'open', partitions: tps.map((t) => t.partition) }); }
  close(tps) { for (const tp of tps) { this.open_.delete(tp.topic + ':' + tp.partition); this.written.delete(tp.topic + ':' + tp.partition); } log().push({ task: this.id, kind: 'close', partitions: tps.map((t) => t.partition) }); }
  put(records) {
    const bad = records.filter((r) => !this.open_.has(r.topic + ':' + r.kafkaPartition)).map((r) => r.kafkaPartition);
    if (bad.length > 0) log().push({ task: this.id, kind: 'violation', partitions: bad });
    log().push({ task: this.id, kind: 'put', partitions: [...new Set(records.map((r) => r.kafkaPartition))] });
    const now = Date.now();
    for (const r of records) this.written.set(r.topic + ':' + r.kafkaPartition, { at: now, offset: { topic: r.topic, partition: r.kafkaPartition, offset: r.kafkaOffset + 1 } });
  }
  preCommit() {
    const out = new Map();
    for (const [k, w] of this.written) if (Date.now() - w.at >= 1000) out.set(k, w.offset);
    return out;
  }
  stop() {}
}
class RecordingSink extends SinkConnector {
  config() { return new ConfigDef(); }
  start(props) { this.props = props; }
  taskClass() { return RecordingTask; }
  taskConfigs(max) { return Array.from({ length: max }, (_, i) => ({ ...this.props, 'task.id': String(i) })); }
  stop() {}
}
export const plugins = [{ className: 'com.example.RecordingSink', kind: 'sink', create: () => new RecordingSink() }];
`);
  worker = await startTestWorker(kafka.clusters[0]!.bootstrap, { dir: tmp.dir, extra: { 'plugin.path': pluginDir, 'offset.flush.interval.ms': '500' } });
});

after(async () => {
  await worker?.stop().catch(() => undefined);
  await kafka?.stop();
  tmp.cleanup();
});

async function fourPartitionTopic(prefix: string): Promise<string> {
  const topic = uniqueName(prefix);
  const admin = new ClusterAdmin(kafka.clusters[0]!.props, 'sink-rebalance-admin');
  try {
    await admin.createTopics([{ topic, partitions: 4, replicationFactor: 1 }]);
  } finally {
    await admin.close();
  }
  return topic;
}

async function committed(group: string): Promise<number> {
  const admin = new ClusterAdmin(kafka.clusters[0]!.props, 'sink-rebalance-check');
  try {
    return (await admin.groupOffsets(group)).reduce((n, o) => n + Math.max(0, o.offset), 0);
  } finally {
    await admin.close();
  }
}

test('two tasks sharing four partitions: open() before put(), close() on revocation, disjoint ownership; delayed offsets committed without new records', async () => {
  const c = kafka.clusters[0]!;
  const topic = await fourPartitionTopic('rebalance');
  const producer = new RecordProducer(c.props, 'sink-rebalance-producer');
  await producer.connect();
  await producer.send(Array.from({ length: 40 }, (_, i) => ({ topic, partition: i % 4, key: null, value: Buffer.from(`v${i}`), headers: [], timestamp: null })));
  await producer.disconnect();

  const created = await worker!.rest('POST', '/connectors', { name: 'rec', config: { 'connector.class': 'com.example.RecordingSink', topics: topic, 'tasks.max': '2' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  // Both tasks end up with two partitions each.
  await waitFor('each task owning two partitions', () => {
    const owned = [0, 1].map((t) => {
      const s = new Set<number>();
      for (const e of events().filter((x) => x.task === t)) for (const p of e.partitions) { if (e.kind === 'open') s.add(p); else if (e.kind === 'close') s.delete(p); }
      return s;
    });
    return owned.every((s) => s.size === 2) && new Set([...owned[0]!, ...owned[1]!]).size === 4;
  }, 60_000);
  assert.deepEqual(events().filter((e) => e.kind === 'violation'), [], 'put() only for partitions open in that task');
  // Every record's offset becomes committable 1 s after its put(), when no record arrives any more: the timed commit.
  const total = await waitFor('all 40 offsets committed without further records', async () => ((await committed('connect-rec')) === 40 ? 40 : null), 20_000, 250);
  assert.equal(total, 40);
  process.stderr.write(`# callbacks: ${events().filter((e) => e.kind !== 'put').map((e) => `${e.task}:${e.kind}[${e.partitions.join(',')}]`).join(' ')}\n`);
});

test('a member joining the task\'s group takes partitions away: close() for them, open() again when it leaves', async () => {
  const c = kafka.clusters[0]!;
  const topic = await fourPartitionTopic('revoke');
  events().length = 0;
  const created = await worker!.rest('POST', '/connectors', { name: 'solo', config: { 'connector.class': 'com.example.RecordingSink', topics: topic, 'tasks.max': '1' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await waitFor('the task opened all four partitions', () => events().some((e) => e.kind === 'open' && e.partitions.length === 4), 60_000);
  // Another member of the connector's consumer group: the next rebalance gives it half the partitions.
  const intruder = new GroupConsumer(c.props, 'connect-solo', 'intruder');
  await intruder.subscribe([topic]);
  void intruder.run(async () => undefined);
  try {
    const closed = await waitFor('close() of the revoked partitions', () => events().find((e) => e.kind === 'close') ?? null, 60_000);
    assert.equal(closed.partitions.length, 2, 'two of four partitions moved to the other member');
  } finally {
    await intruder.stop();
  }
  await waitFor('open() again once the other member left', () => events().filter((e) => e.kind === 'open').length >= 2, 60_000);
  assert.deepEqual(events().filter((e) => e.kind === 'violation'), []);
  process.stderr.write(`# callbacks: ${events().filter((e) => e.kind !== 'put').map((e) => `${e.kind}[${e.partitions.join(',')}]`).join(' ')}\n`);
});
