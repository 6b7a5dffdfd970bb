// Exactly-once mirroring (KIP-618 in dedicated mode): `connect-mirror-maker` with exactly.once.source.support=
// enabled mirrors a live stream of 200,000 records over 6 partitions while it is killed with SIGKILL at random
// moments and restarted, 10 times. A read_committed consumer of the target must see the source exactly: every
// record once, in order per partition (compared by fingerprints of key, value, headers and timestamp). Then
// groups committed on the source are checkpointed, and each checkpoint must point at the target copy of the
// exact next record: the offset maps and syncs, written in the same transactions, stayed exact across the kills.
// Shorter runs do the same with three dedicated-mode nodes sharing the flow (a killed node's tasks move to the
// others, whose producers fence the dead ones; the followers' fencing requests go over internal REST; a node frozen
// with SIGSTOP until its partitions moved on is thawed, and its late writes and commits are rejected), and on the
// generic (record) path, forced by a no-op transform.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/connect.js';
import {
  commitGroupOffsets, createTopics, endOffsets, partitionFingerprints, produceMixed, recordAtOrAfter, spawnMirrorMaker, sum, useMirrorProcesses, writeMm2Properties,
} from '../helpers/mirror.js';
import { readToEnd } from '../../src/kafka/read-to-end.js';
import { decodeCheckpoint } from '../../src/connectors/mirror/checkpoint.js';
import { sleep } from '../../src/backoff.js';

const PARTITIONS = 6;

const { kafka, tmp, children } = useMirrorProcesses('ferry-mirror-eos-');

const log = (m: string) => process.stderr.write(`# ${m}\n`);

async function run(opts: { name: string; total: number; kills: number; freezes?: number; recordPath: boolean; pauseMs: number; nodes: number; tasks?: number }): Promise<void> {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const topic = opts.name;
  await createTopics(a.props, [{ topic, partitions: PARTITIONS }]);
  const flow: Record<string, string> = {
    'A->B.enabled': 'true',
    'A->B.topics': topic,
    'B->A.emit.heartbeats.enabled': 'false',
    'exactly.once.source.support': 'enabled',
    'offset-syncs.topic.location': 'target',
    'A->B.source.consumer.isolation.level': 'read_committed',
    'tasks.max': String(opts.tasks ?? 2),
    // A killed node's tasks are taken over as soon as its session expires.
    'B.session.timeout.ms': '6000',
    'B.heartbeat.interval.ms': '500',
    'B.scheduled.rebalance.max.delay.ms': '0',
  };
  if (opts.recordPath) {
    // A no-op SMT keeps MirrorSource on the record path (as FERRY_TEST_MIRROR_DATA_PATH=records does).
    Object.assign(flow, {
      'A->B.transforms': 'noop', 'A->B.transforms.noop.type': 'org.apache.kafka.connect.transforms.RegexRouter',
      'A->B.transforms.noop.regex': '^$', 'A->B.transforms.noop.replacement': 'unused',
    });
  }
  const mm2 = writeMm2Properties(tmp.dir, { A: a.bootstrap, B: b.bootstrap }, flow, `${topic}.properties`);

  // The live stream: batches spread over the kills.
  const BATCH = 1000;
  let produced = 0;
  const producing = (async () => {
    for (let from = 0; from < opts.total; from += BATCH) {
      produced += await produceMixed(a.props, [topic], { run: topic, partitions: PARTITIONS, from, count: Math.min(BATCH, opts.total - from), batchSize: BATCH, concurrency: 1 });
      await sleep(opts.pauseMs); // pacing: spreads the stream over the kills
    }
  })();

  const remote = `A.${topic}`;
  const targetCount = async () => sum(await endOffsets(b.props, remote).catch(() => [0]));
  const spawn = () => { const m = spawnMirrorMaker(mm2.path); children.add(m); return m; };
  const nodes = Array.from({ length: opts.nodes }, spawn);
  // What went wrong, from every node's warnings and errors.
  const explain = (e: Error) => new Error(`${e.message}\n--- mirror output ---\n${nodes.map((n) => n.output().slice(-4000).split('\n').filter((l) => /"level":(40|50)|task|exactly/.test(l)).join('\n').slice(-3000)).join('\n---\n')}`, { cause: e });
  try {
    // Zombies: a node frozen (SIGSTOP) mid-stream until every partition moves on without it (its tasks were taken
    // over and its producers fenced), then thawed with its writes and commits in flight: they must be rejected.
    for (let f = 0; f < (opts.freezes ?? 0); f++) {
      const i = f % nodes.length;
      const started = await targetCount();
      await waitFor(`mirror progress before freeze ${f + 1}`, async () => (await targetCount()) > started + 500, 60_000, 100).catch((e: Error) => { throw explain(e); });
      const before = await endOffsets(b.props, remote);
      nodes[i]!.child.kill('SIGSTOP');
      try {
        await waitFor(`every partition mirrored past node ${i + 1}, frozen`, async () => {
          const now = await endOffsets(b.props, remote).catch(() => before);
          return now.every((e, p) => e > before[p]! + 50);
        }, 60_000, 200).catch((e: Error) => { throw explain(e); });
      } finally {
        nodes[i]!.child.kill('SIGCONT');
      }
      // A fixed time is the point: the thawed zombie gets 2 s to send its in-flight writes and commits (to be rejected)
      // before the kills; whether it had any shows only in its log, so there is no condition to wait on.
      await sleep(2000);
      const fenced = nodes[i]!.output().match(/fenced|PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/g)?.length ?? 0;
      log(`${topic}: freeze ${f + 1}/${opts.freezes} of node ${i + 1}/${nodes.length} while producing (${produced} produced): its partitions moved on without it; thawed, ${fenced} fenced writes or commits in its log`);
    }
    for (let k = 0; k < opts.kills; k++) {
      const before = await targetCount();
      // Kill while it copies; once the stream has ended, a restarted mirror is killed a moment after it resumed.
      const restartedAt = Date.now();
      await waitFor(`mirror progress before kill ${k + 1}`, async () => (await targetCount()) > before + 500 || (produced >= opts.total && Date.now() - restartedAt > 6000), 60_000, 100)
        .catch((e: Error) => { throw explain(e); });
      await sleep(Math.floor(Math.random() * 1000)); // a random moment of the copying, on purpose
      const i = k % nodes.length;
      nodes[i]!.kill9();
      await nodes[i]!.exited;
      children.delete(nodes[i]!);
      log(`${topic}: kill ${k + 1}/${opts.kills} of node ${i + 1}/${nodes.length} with ${produced} produced, target end offsets sum ${await targetCount()}`);
      nodes[i] = spawn();
    }
    await producing;
    assert.equal(produced, opts.total);
    const sourceFps = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => partitionFingerprints(a.props, topic, p)));
    assert.equal(sum(sourceFps.map((l) => l.length)), opts.total);
    let targetFps: Awaited<ReturnType<typeof partitionFingerprints>>[] = [];
    await waitFor('every record committed on the target', async () => {
      targetFps = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => partitionFingerprints(b.props, remote, p, { readCommitted: true })));
      return targetFps.every((l, p) => l.length >= sourceFps[p]!.length);
    }, 120_000, 500).catch((e: Error) => { throw explain(e); });
    let aborted = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const src = sourceFps[p]!.map((r) => r.fp);
      const dst = targetFps[p]!.map((r) => r.fp);
      const dupes = dst.length - new Set(dst).size;
      assert.equal(dupes, 0, `partition ${p}: no record committed twice`);
      assert.equal(dst.length, src.length, `partition ${p}: as many records as the source`);
      assert.ok(dst.every((fp, i) => fp === src[i]), `partition ${p}: every source record once, in source order`);
      const all = await partitionFingerprints(b.props, remote, p);
      aborted += all.length - dst.length;
    }
    log(`${topic}: ${opts.total} records, ${opts.kills} kills: 0 lost, 0 duplicates for read_committed; ${aborted} records of aborted transactions visible only to read_uncommitted`);

    // Checkpoints after the kills translate exactly: each points at the target copy of the group's next record.
    const group = `${topic}-group`;
    const commits = sourceFps.map((l, p) => ({ topic, partition: p, offset: l[Math.floor(l.length * (0.3 + 0.1 * p))]!.offset }));
    await commitGroupOffsets(a.props, group, commits);
    const checkpoints = await waitFor('a checkpoint of every committed partition', async () => {
      const latest = new Map<number, { upstream: number; downstream: number }>();
      await readToEnd(b.props, 'A.checkpoints.internal', [0], (r) => {
        const c = decodeCheckpoint(r.key, r.value);
        if (c.group === group && c.topic === remote) latest.set(c.partition, { upstream: c.upstreamOffset, downstream: c.downstreamOffset });
      }).catch(() => undefined);
      return commits.every((c) => latest.get(c.partition)?.upstream === c.offset) ? latest : null;
    }, 60_000, 500).catch((e: Error) => { throw explain(e); });
    for (const c of commits) {
      const cp = checkpoints.get(c.partition)!;
      const next = sourceFps[c.partition]!.find((r) => r.offset >= c.offset)!;
      const copy = await recordAtOrAfter(b.props, remote, c.partition, cp.downstream);
      assert.equal(copy?.fp, next.fp, `partition ${c.partition}: checkpoint ${c.offset} -> ${cp.downstream} is the copy of the next record`);
    }
    log(`${topic}: ${commits.length} checkpoints taken after the kills translate exactly`);
  } finally {
    await Promise.all(nodes.map(async (n) => { await n.stop(); children.delete(n); }));
  }
}

test('exactly-once mirroring on the byte path: 200,000 records, 6 partitions, 10 kills -9 of connect-mirror-maker', { timeout: 400_000 }, async () => {
  await run({ name: 'eos-bytes', total: 200_000, kills: 10, recordPath: false, pauseMs: 450, nodes: 1 });
});

test('exactly-once mirroring across three connect-mirror-maker nodes: one node frozen and thawed as a zombie, then each killed -9 in turn; its tasks fenced and taken over', { timeout: 240_000 }, async () => {
  await run({ name: 'eos-nodes', total: 45_000, kills: 3, freezes: 1, recordPath: false, pauseMs: 250, nodes: 3, tasks: 3 });
});

test('exactly-once mirroring on the record path (a transform configured): 2 kills -9', { timeout: 200_000 }, async () => {
  await run({ name: 'eos-records', total: 40_000, kills: 2, recordPath: true, pauseMs: 40, nodes: 1 });
});
