// The mirror's data path under broker faults on the target, dedicated mode in-process, on both data paths
// (the byte path, and the generic record path forced by a no-op SMT):
//  1. the single target broker is stopped gracefully mid-stream and started again a few seconds later;
//  2. on a 3-broker target (topic replication factor 3) the broker leading a partition being written is
//     stopped mid-stream (its partitions' leadership moves to another replica) and brought back.
// After each: every source record is on the target (0 lost), per-partition order is kept (duplicates only as
// contiguous re-sent ranges, counted), the de-duplicated target equals the source record for record (key,
// value, headers in order, timestamp), the tasks end RUNNING and never went FAILED, and the run took the
// data path it was meant to (ferry_source_task_data_path).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Gauge } from 'prom-client';
import { useKafka, type TestCluster } from '../helpers/kafka.js';
import { tempDir, waitFor } from '../helpers/connect.js';
import {
  analyseCopy, endOffsets, listDigest, partitionFingerprints, produceMixed, sum, writeMm2Properties,
} from '../helpers/mirror.js';
import { readMm2Config, startMirrorMaker, type MirrorMakerHandle } from '../../src/mirror/dedicated.js';
import { ClusterAdmin } from '../../src/kafka/cluster-admin.js';
import { withAdmin } from '../../src/kafka/client.js';
import { registry } from '../../src/observability/metrics.js';
import { sleep } from '../../src/backoff.js';

const kafka = useKafka({ clusters: ['source', 'target', 'wide'], brokers: { wide: 3 } });
const tmp = tempDir('ferry-mirror-resilience-');
after(() => tmp.cleanup());

const log = (m: string) => process.stderr.write(`# ${m}\n`);

type DataPath = 'bytes' | 'records';
const PATHS: readonly DataPath[] = ['bytes', 'records'];
const CONNECTOR = 'MirrorSourceConnector';
// A live stream: batches of PER_BATCH records, PAUSE_MS apart, until AFTER_FAULT more records followed the fault
// (at most MAX_BATCHES batches, so a fault that never ends cannot make the stream endless).
const PER_BATCH = 500;
const PAUSE_MS = 200;
const AFTER_FAULT = 3000;
const MAX_BATCHES = 400;
let runNo = 0;

async function createTopic(c: TestCluster, topic: string, partitions: number, replicationFactor: number): Promise<void> {
  const admin = new ClusterAdmin(c.props, 'resilience-admin');
  try {
    await admin.createTopics([{ topic, partitions, replicationFactor }]);
  } finally {
    await admin.close();
  }
}

/** Partition → leader node id (-1: none) as the cluster's metadata says now (asked of a running broker). */
async function leaders(c: TestCluster, topic: string): Promise<Map<number, number>> {
  const up = c.brokers.filter((b) => b.isRunning()).map((b) => b.bootstrap).join(',');
  return withAdmin({ 'bootstrap.servers': up, 'retries.kafkajs': '0' }, async (a) => {
    const md = await a.fetchTopicMetadata({ topics: [topic] });
    return new Map((md.topics[0]?.partitions ?? []).map((p) => [p.partitionId, p.leader]));
  });
}

interface LiveStream {
  /** Records the source acknowledged so far. */
  readonly produced: number;
  /** True while batches are still being produced. */
  readonly running: boolean;
  /** Ends the stream after the batch in flight; resolves when it has ended. */
  finish(): Promise<void>;
  readonly done: Promise<void>;
}

/** Produces the live stream in the background until finish() (or MAX_BATCHES). */
function liveStream(source: TestCluster, topic: string, partitions: number, run: string): LiveStream {
  let produced = 0;
  let stopping = false;
  let running = true;
  const done = (async () => {
    try {
      for (let k = 0; k < MAX_BATCHES && !stopping; k++) {
        produced += await produceMixed(source.props, [topic], { run, partitions, from: k * PER_BATCH, count: PER_BATCH, batchSize: PER_BATCH, concurrency: 1 });
        await sleep(PAUSE_MS);
      }
    } finally {
      running = false;
    }
  })();
  return {
    get produced() { return produced; },
    get running() { return running; },
    finish: async () => { stopping = true; await done; },
    done,
  };
}

/** Polls the source connector's task states in the background and keeps every distinct (task, state, cause) seen. */
function watchTasks(mm: MirrorMakerHandle) {
  const seen: string[] = [];
  let last: { id: number; state: string }[] = [];
  let stopped = false;
  const herder = mm.flows[0]!.worker.herder;
  const poll = (async () => {
    while (!stopped) {
      // The herder may be rejoining while a broker is away: a status call that hangs is skipped, not awaited forever.
      const st = await Promise.race([
        herder.connectorStatus(CONNECTOR).catch(() => null),
        new Promise<null>((r) => setTimeout(() => r(null), 1000)),
      ]);
      if (st) {
        last = st.tasks.map((t) => ({ id: t.id, state: t.state }));
        for (const t of st.tasks) {
          const entry = `task ${t.id} ${t.state}${t.trace ? `: ${t.trace.split('\n')[0]}` : ''}`;
          if (seen[seen.length - 1] !== entry && !seen.includes(entry)) seen.push(entry);
        }
      }
      await sleep(250); // the sampling interval of the watcher, not a wait
    }
  })();
  return {
    seen,
    current: () => last,
    stop: async () => { stopped = true; await poll; },
  };
}

async function dataPathsInUse(): Promise<Map<string, DataPath>> {
  const g = registry.getSingleMetric('ferry_source_task_data_path') as Gauge | undefined;
  const out = new Map<string, DataPath>();
  if (!g) return out;
  for (const v of (await g.get()).values) {
    if (v.labels['connector'] === CONNECTOR && v.value === 1) out.set(String(v.labels['task']), v.labels['path'] as DataPath);
  }
  return out;
}

interface Fault {
  /** What the fault is, for the log. */
  name: string;
  /** Runs mid-stream; returns when the fault is over (broker back). */
  inject(ctx: { target: TestCluster; targetTopic: string; stream: LiveStream }): Promise<void>;
}

/**
 * Mirrors a live stream from `source` to `target` with one fault injected once the mirror is copying, then
 * checks loss, order, checksums, task states and the data path.
 */
async function runCase(path: DataPath, target: TestCluster, fault: Fault, opts: { partitions: number; replicationFactor: number }): Promise<void> {
  const source = kafka.cluster('source');
  const n = ++runNo;
  const alias = `S${n}`;
  const topic = `live-${n}-${path}`;
  const targetTopic = `${alias}.${topic}`;
  const { partitions } = opts;
  const rf = String(opts.replicationFactor);
  // An earlier case that failed mid-fault may have left a broker down.
  for (const b of target.brokers) if (!b.isRunning()) await b.start();
  await createTopic(source, topic, partitions, 1);
  await createTopic(target, targetTopic, partitions, opts.replicationFactor);

  const extra: Record<string, string> = {
    [`${alias}->T.enabled`]: 'true',
    [`${alias}->T.topics`]: topic,
    [`T->${alias}.emit.heartbeats.enabled`]: 'false',
    'tasks.max': '2',
    'T.offset.flush.interval.ms': '2000',
    // Topics on the target are replicated like the mirrored topic, so a broker away takes none of them down;
    // the offset-syncs topic stays on the (single-broker) source.
    [`${alias}->T.replication.factor`]: rf,
    [`${alias}->T.checkpoints.topic.replication.factor`]: rf,
    [`${alias}->T.heartbeats.topic.replication.factor`]: rf,
    // The only flow's worker keeps its internal topics on the target (top-level keys, as MM2's workerConfig).
    'offset.storage.replication.factor': rf,
    'config.storage.replication.factor': rf,
    'status.storage.replication.factor': rf,
  };
  if (path === 'records') {
    // A no-op SMT (no topic name matches the regex): the runtime then keeps MirrorSource off the byte path.
    extra[`${alias}->T.transforms`] = 'forceRecordPath';
    extra[`${alias}->T.transforms.forceRecordPath.type`] = 'org.apache.kafka.connect.transforms.RegexRouter';
    extra[`${alias}->T.transforms.forceRecordPath.regex`] = '^$';
    extra[`${alias}->T.transforms.forceRecordPath.replacement`] = 'unused';
  } else {
    extra[`${alias}->T.transforms`] = ''; // whatever FERRY_TEST_MIRROR_DATA_PATH says: this run is the byte path
  }
  const mm2 = writeMm2Properties(tmp.dir, { [alias]: source.bootstrap, T: target.bootstrap }, extra, `${topic}.properties`);

  (registry.getSingleMetric('ferry_source_task_data_path') as Gauge | undefined)?.reset();
  const t0 = Date.now();
  const mm = await startMirrorMaker(readMm2Config(mm2.path));
  const tasks = watchTasks(mm);
  const stream = liveStream(source, topic, partitions, `${topic}-run`);

  try {
    // Inject once the mirror is copying and the producer is still writing.
    let seen = 0;
    await waitFor(`the mirror to be copying ${topic} (≥ 3000 records on the target and growing)`, async () => {
      const now = sum(await endOffsets(target.props, targetTopic));
      const busy = now >= 3000 && now > seen;
      seen = now;
      return busy;
    }, 60_000, 150);
    const faultAt = stream.produced;
    assert.ok(stream.running, `the fault starts mid-stream (${faultAt} produced)`);
    const f0 = Date.now();
    await fault.inject({ target, targetTopic, stream });
    const faultEnd = stream.produced;
    log(`[${path}] ${fault.name}: over after ${Date.now() - f0} ms; produced ${faultAt} before, ${faultEnd} by the end of it`);
    assert.ok(stream.running, `the stream was still running when the broker came back (${faultEnd} produced)`);
    await waitFor(`${AFTER_FAULT} more records on the source after the fault`, () => stream.produced >= faultEnd + AFTER_FAULT || !stream.running, 60_000, 100);
    await stream.finish();
    assert.ok(stream.produced >= faultEnd + AFTER_FAULT, `the stream went on after the fault (${stream.produced} produced)`);

    const sourceEnds = await endOffsets(source.props, topic);
    await waitFor(`every source record of ${topic} on the target`, async () => {
      const ends = await endOffsets(target.props, targetTopic);
      if (ends.length < partitions) return false;
      for (let p = 0; p < partitions; p++) {
        // The target may hold more (duplicates): wait until each partition's last source record is there.
        const src = await partitionFingerprints(source.props, topic, p, { from: sourceEnds[p]! - 1 });
        const tail = await partitionFingerprints(target.props, targetTopic, p, { from: Math.max(0, ends[p]! - 1) });
        if (src[0]?.fp !== tail[0]?.fp) return false;
      }
      return true;
    }, 90_000, 500);
    await waitFor('every task RUNNING', () => {
      const cur = tasks.current();
      return cur.length === 2 && cur.every((t) => t.state === 'RUNNING');
    }, 30_000, 250).catch((e: Error) => { throw new Error(`${e.message}; status trace: ${tasks.seen.join(' | ')}`, { cause: e }); });
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- target broker log(s) ---\n${target.logExcerpt()}`, { cause: e });
  } finally {
    await stream.finish().catch(() => undefined);
    await tasks.stop();
    const paths = await dataPathsInUse();
    await mm.stop();
    log(`[${path}] data path per task: ${JSON.stringify(Object.fromEntries(paths))}; status trace: ${tasks.seen.join(' | ')}`);
    assert.equal(paths.size, 2, 'both tasks report their data path');
    for (const [task, p] of paths) assert.equal(p, path, `task ${task} ran on the ${path} path`);
  }
  assert.ok(!tasks.seen.some((s) => / FAILED/.test(s)), `no task FAILED for a transient outage: ${tasks.seen.join(' | ')}`);

  let duplicates = 0;
  let total = 0;
  const ranges: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const src = (await partitionFingerprints(source.props, topic, p)).map((r) => r.fp);
    const dst = (await partitionFingerprints(target.props, targetTopic, p)).map((r) => r.fp);
    const report = analyseCopy(src, dst);
    if (report.lost > 0 || report.foreign > 0) {
      const dstSet = new Set(dst);
      const missing = src.map((fp, i) => (dstSet.has(fp) ? -1 : i)).filter((i) => i >= 0);
      log(`partition ${p}: source ${src.length}, target ${dst.length}, ${report.foreign} foreign, missing source offsets ${missing.slice(0, 20).join(',')}${missing.length > 20 ? '…' : ''} (${missing.length})`);
    }
    assert.equal(report.lost, 0, `${targetTopic}-${p}: every source record is on the target in order`);
    assert.equal(report.foreign, 0, `${targetTopic}-${p}: no unknown records on the target`);
    assert.equal(report.targetCount, report.sourceCount + report.duplicates, `${targetTopic}-${p}: target = source + re-sent ranges`);
    // Fingerprints are unique per record (the values carry the record index), so dropping repeats undoes re-sends.
    const firsts = [...new Set(dst)];
    assert.equal(firsts.length, src.length, `${targetTopic}-${p}: de-duplicated count`);
    assert.equal(listDigest(firsts), listDigest(src), `${targetTopic}-${p}: checksum of key, value, headers, timestamp in source order`);
    duplicates += report.duplicates;
    total += src.length;
    ranges.push(`p${p}:${report.resends.map((r) => r.length).join('+') || 0}`);
  }
  log(`[${path}] ${fault.name}: ${total} source records, 0 lost, order kept, ${duplicates} duplicates (${ranges.join(' ')}), ${Date.now() - t0} ms`);
}

const restartTarget: Fault = {
  name: 'target broker stopped and restarted',
  async inject({ target, stream }) {
    await target.stop();
    try {
      const down = stream.produced;
      // Down for a few seconds of stream: until the source has moved on by 1,500 records without the target.
      await waitFor('the source to take 1,500 more records while the target is down', () => stream.produced >= down + 1500, 30_000, 100);
    } finally {
      await target.start();
    }
  },
};

const moveLeader: Fault = {
  name: 'partition leader moved (leader broker stopped, then back)',
  async inject({ target, targetTopic, stream }) {
    const before = await leaders(target, targetTopic);
    const old = before.get(0)!;
    const moved = [...before].filter(([, l]) => l === old).map(([p]) => p);
    await target.broker(old).stop();
    try {
      const after = await waitFor(`a new leader for partition(s) ${moved.join(',')} of ${targetTopic}`, async () => {
        const now = await leaders(target, targetTopic);
        return moved.every((p) => (now.get(p) ?? -1) >= 0 && now.get(p) !== old) ? now : null;
      }, 30_000, 200);
      log(`leaders ${JSON.stringify(Object.fromEntries(before))} → ${JSON.stringify(Object.fromEntries(after))} (broker ${old} stopped)`);
      const down = stream.produced;
      // The mirror must follow the new leader, not wait for the old one: the moved partitions grow meanwhile.
      const up = { 'bootstrap.servers': target.brokers.filter((b) => b.isRunning()).map((b) => b.bootstrap).join(',') };
      const atMove = await endOffsets(up, targetTopic);
      await waitFor(`the mirror to write to the new leader(s) of partition(s) ${moved.join(',')} while broker ${old} is down`, async () => {
        const now = await endOffsets(up, targetTopic);
        return atMove.length > 0 && moved.every((p) => (now[p] ?? 0) > (atMove[p] ?? 0));
      }, 30_000, 200);
      await waitFor('the source to take 1,500 more records while the old leader is down', () => stream.produced >= down + 1500, 30_000, 100);
    } finally {
      await target.broker(old).start();
    }
  },
};

for (const path of PATHS) {
  test(`[${path} path] target broker restart mid-stream: 0 lost, order kept, checksums equal, task never FAILED`, { timeout: 150_000 }, async () => {
    await runCase(path, kafka.cluster('target'), restartTarget, { partitions: 4, replicationFactor: 1 });
  });

  test(`[${path} path] 3-broker target, partition leader moved mid-stream: 0 lost, order kept, checksums equal`, { timeout: 150_000 }, async () => {
    const wide = kafka.cluster('wide');
    assert.equal(wide.brokers.length, 3);
    await runCase(path, wide, moveLeader, { partitions: 3, replicationFactor: 3 });
  });
}
