// `ferry failover` on real clusters (offset maps on the target, as DR setups should run):
//  1. planned: --dry-run changes nothing; the run moves a consumer group so that on B it resumes at exactly the
//     next record it had not consumed on A (contents compared partition by partition), pauses the flow;
//  2. bad input — an unknown alias, a --groups pattern matching nothing, failover while the flow is paused:
//     a clear message, exit 2/3, nothing changed;
//  3. kill -9 of the ferry process between two steps, then a re-run: it resumes and ends with the same offsets
//     an uninterrupted run commits;
//  4. unplanned: A is killed (SIGKILL) under traffic; the failover commits the checkpoints, reports the recovery
//     point, and the group on B loses nothing that reached B.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { ClusterAdmin } from '../../src/kafka/cluster-admin.js';
import { PartitionReader } from '../../src/kafka/partition-reader.js';
import type { ClientProps } from '../../src/kafka/client.js';
import type { MirrorMakerHandle } from '../../src/mirror/dedicated.js';
import { loadFlowMaps, readCheckpoints, readFlowStatus, resolveFlow, setFlowTargetState } from '../../src/mirror/ops/context.js';
import { OpsJournal } from '../../src/mirror/ops/journal.js';
import { translateForward } from '../../src/mirror/ops/translate.js';
import { topicPartitionKey } from '../../src/connectors/mirror/offset-map.js';
import { createTopics, deliveryReport, fingerprint, SeqConsumer, SeqProducer } from '../../scenarios/lib/apps.js';
import { mm2Properties, startMirror, until, writeProperties } from '../../scenarios/lib/mirror.js';
import { runFerry } from '../../scenarios/lib/cli.js';

let kafka: KafkaHarness;
let mirror: MirrorMakerHandle | null = null;
let props: Record<string, string>;
let producer: SeqProducer;
const dir = mkdtempSync(join(tmpdir(), 'ferry-ops-failover-'));
const file = join(dir, 'mm2.properties');
const log = (m: string) => process.stderr.write(`# ${m}\n`);

before(async () => {
  kafka = await startKafka({ clusters: ['a', 'b'] });
  props = mm2Properties({ a: kafka.cluster('a').bootstrap, b: kafka.cluster('b').bootstrap }, { flows: ['a->b'], extra: { 'offset-syncs.topic.location': 'target' } });
  writeProperties(file, props);
  await createTopics(kafka.cluster('a').props, [{ topic: 'orders', partitions: 3 }]);
  mirror = await startMirror(props);
  producer = new SeqProducer(kafka.cluster('a').props, 'orders', 'orders');
  await producer.connect();
});

// After A was killed, clients retrying against it must not hold the file open.
const bounded = (p: Promise<unknown> | undefined, ms = 15_000) => Promise.race([p?.catch(() => undefined), new Promise((r) => setTimeout(r, ms).unref())]);

after(async () => {
  await bounded(producer?.close());
  await bounded(mirror?.stop());
  await kafka?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function recordAt(props: ClientProps, topic: string, partition: number, offset: number): Promise<string | null> {
  const reader = new PartitionReader(props, 'test-peek', { maxWaitMs: 100 });
  try {
    await reader.connect();
    reader.seek({ topic, partition }, offset);
    for (let i = 0; i < 20; i++) {
      for (const f of await reader.poll()) for (const r of f.records) if (r.offset >= offset) return fingerprint(r);
    }
    return null;
  } finally {
    await reader.disconnect();
  }
}

async function consumeSome(props: ClientProps, group: string, topics: string[], n: number): Promise<SeqConsumer> {
  const c = new SeqConsumer(props, group, topics);
  c.setLimit(n);
  await c.start();
  await c.waitFor(n);
  await c.stop();
  return c;
}

test('planned failover: the group resumes on B at exactly its next unconsumed record', { timeout: 180_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  await producer.produce(600);
  const onA = await consumeSome(a.props, 'g1', ['orders'], 250);
  const aadmin = new ClusterAdmin(a.props);
  const badmin = new ClusterAdmin(b.props);
  try {
    const committed = await aadmin.groupOffsets('g1');
    assert.ok(committed.length > 0);

    const dry = await runFerry(['failover', '--config', file, '--from', 'a', '--to', 'b', '--planned', '--groups', 'g1', '--stop-flow', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Failover a -> b \(planned\)/);
    assert.match(dry.stdout, /Dry run: nothing was changed/);
    assert.deepEqual(await badmin.groupOffsets('g1'), [], 'dry run committed nothing');
    const j0 = await OpsJournal.open(b.props);
    assert.equal(j0.op('failover:a->b'), undefined, 'dry run journaled nothing');
    await j0.close();

    const run = await runFerry(['failover', '--config', file, '--from', 'a', '--to', 'b', '--planned', '--groups', 'g1', '--stop-flow']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    log(`planned failover took ${run.ms} ms (process start included)\n${run.stdout.split('\n').map((l) => `#   ${l}`).join('\n')}`);
    assert.match(run.stdout, /✓ 6\. verify .*ok/);

    // On B, the group continues with exactly the record that follows what it consumed on A.
    const onB = new SeqConsumer(b.props, 'g1', ['a.orders']);
    await onB.start();
    await onB.waitFor(600 - 250);
    await onB.waitQuiet(1500);
    await onB.stop();
    for (let p = 0; p < 3; p++) {
      const c = committed.find((x) => x.partition === p);
      const first = onB.records.find((r) => r.partition === p);
      const end = (await aadmin.watermarks('orders'))[p]!.high;
      if (!c) continue; // never consumed on A: starts from the beginning on B as it would have on A
      if (c.offset >= end) assert.equal(first, undefined, `partition ${p}: nothing left to consume`);
      else assert.equal(first?.fingerprint, await recordAt(a.props, 'orders', p, c.offset), `partition ${p}: first record on B is the next unconsumed one`);
    }
    const rep = deliveryReport(producer.acked.map((x) => ({ seq: x.seq })), [...onA.records, ...onB.records].map((r) => ({ seq: r.seq, app: '' })));
    assert.equal(rep.lost, 0);
    assert.equal(rep.redelivered, 0);
    const st = await readFlowStatus(resolveFlow({ properties: props }, 'a', 'b'));
    assert.equal(st.paused, true, 'the flow was paused');
  } finally {
    await Promise.all([aadmin.close(), badmin.close()]);
  }
});

test('bad input and a paused flow: clear message, nothing changed', { timeout: 120_000 }, async () => {
  const j = await OpsJournal.open(kafka.cluster('b').props);
  const before = j.op('failover:a->b');
  await j.close();
  const unknown = await runFerry(['failover', '--config', file, '--from', 'x', '--to', 'b']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown cluster alias 'x'/);
  const groups = await runFerry(['failover', '--config', file, '--from', 'a', '--to', 'b', '--groups', 'nobody-.*', '--restart']);
  assert.equal(groups.code, 2);
  assert.match(groups.stderr, /--groups matches no consumer group/);
  // The flow is still paused from the planned failover: its lag cannot reach zero.
  const paused = await runFerry(['failover', '--config', file, '--from', 'a', '--to', 'b', '--groups', 'g1', '--restart']);
  assert.equal(paused.code, 3, paused.stdout + paused.stderr);
  assert.match(paused.stderr, /the flow a->b is paused/);
  assert.match(paused.stderr, /Nothing was changed/);
  const j2 = await OpsJournal.open(kafka.cluster('b').props);
  assert.deepEqual(j2.op('failover:a->b'), before, 'journal untouched');
  await j2.close();
});

test('kill -9 between steps, then a re-run: resumes and commits what an uninterrupted run would', { timeout: 180_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const flow = resolveFlow({ properties: props }, 'a', 'b');
  await setFlowTargetState(flow, 'STARTED');
  await producer.produce(300);
  await consumeSome(a.props, 'g2', ['orders'], 500);
  const crashed = await runFerry(['failover', '--config', file, '--from', 'a', '--to', 'b', '--groups', 'g2', '--restart'], { env: { FERRY_OPS_CRASH_AFTER: 'translate' } });
  assert.equal(crashed.signal, 'SIGKILL', crashed.stdout + crashed.stderr);
  const j = await OpsJournal.open(b.props);
  const op = j.op('failover:a->b')!;
  assert.equal(op.status, 'running');
  assert.deepEqual([...j.stepsOf(op.id).keys()].sort(), ['drain', 'preflight', 'translate']);
  await j.close();
  const badmin = new ClusterAdmin(b.props);
  const aadmin = new ClusterAdmin(a.props);
  try {
    assert.deepEqual(await badmin.groupOffsets('g2'), [], 'nothing committed before the crash');
    const resumed = await runFerry(['failover', '--config', file, '--from', 'a', '--to', 'b', '--groups', 'g2']);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.match(resumed.stdout, /Resuming operation/);
    assert.match(resumed.stdout, /✓ 3\. translate: already done/);
    // Same result as an uninterrupted run: every committed offset is the exact translation of the commit on A.
    const maps = (await loadFlowMaps(flow))!;
    const onA = await aadmin.groupOffsets('g2');
    const onB = new Map((await badmin.groupOffsets('g2')).map((o) => [topicPartitionKey(o.topic, o.partition), o.offset]));
    for (const c of onA) {
      const t = translateForward(maps.get(topicPartitionKey(c.topic, c.partition)), c.offset);
      assert.ok(!('reason' in t) && t.exact);
      assert.equal(onB.get(topicPartitionKey(`a.${c.topic}`, c.partition)), t.toOffset, `${c.topic}-${c.partition}`);
    }
    const again = await runFerry(['failover', '--config', file, '--from', 'a', '--to', 'b', '--groups', 'g2']);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already completed/);
  } finally {
    await Promise.all([badmin.close(), aadmin.close()]);
  }
});

test('unplanned failover with A killed: checkpoints committed, recovery point reported, nothing that reached B lost', { timeout: 180_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const flow = resolveFlow({ properties: props }, 'a', 'b');
  const st = await readFlowStatus(flow);
  if (st.paused) await setFlowTargetState(flow, 'STARTED');
  const firstSeq = producer.nextSeq;
  const consumer = new SeqConsumer(a.props, 'g3', ['orders']);
  await consumer.start();
  const badmin = new ClusterAdmin(b.props);
  const ackedBefore = producer.acked.length;
  producer.start(200);
  try {
    await until('traffic mirrored and consumed', async () => {
      const onB = (await badmin.watermarks('a.orders')).reduce((s, w) => s + w.high, 0);
      log(`acked ${producer.acked.length - ackedBefore} (errors ${producer.errors}), consumed ${consumer.records.length}, on b ${onB}`);
      return producer.acked.length - ackedBefore > 600 && consumer.records.length > 600 && onB > ackedBefore + 300;
    }, 60_000, 1000);
  } finally {
    await badmin.close();
  }
  // The unplanned failover moves g3 by its checkpoints: A dies (under traffic) once B holds one for every partition.
  await until('checkpoints of g3 for every partition of a.orders on b', async () => {
    const cps = (await readCheckpoints(flow)).get('g3');
    return cps !== undefined && [0, 1, 2].every((p) => cps.has(topicPartitionKey('a.orders', p)));
  }, 30_000, 500);
  a.kill();
  const killedAt = Date.now();
  await bounded(producer.stop(), 5000);
  void bounded(consumer.stop(), 5000);
  const run = await runFerry(['failover', '--config', file, '--from', 'a', '--to', 'b', '--unplanned', '--groups', 'g3', '--stop-flow', '--restart']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  log(`unplanned failover: ${run.ms} ms (process start included)\n${run.stdout.split('\n').map((l) => `#   ${l}`).join('\n')}`);
  assert.match(run.stdout, /UNPLANNED: a unreachable/);
  assert.match(run.stdout, /Recovery point for a -> b:/);
  assert.match(run.stdout, /last checkpoint \(a\.checkpoints\.internal\): \S+ \([\d.]+ (ms|s) ago\)/, 'the last checkpoint is seconds old');
  assert.match(run.stdout, /checkpoint\+offset-map/);
  const onB = new SeqConsumer(b.props, 'g3', ['a.orders']);
  await onB.start();
  await onB.waitQuiet(3000);
  await onB.stop();
  const runningOnB = Date.now() - killedAt;
  // What reached B is everything the group may read there; none of it may be skipped.
  const bProps = b.props;
  const reader = new PartitionReader(bProps, 'test-b-all', { maxWaitMs: 100 });
  const onBCluster = new Set<number>();
  try {
    await reader.connect();
    const ends = await reader.listOffsets([0, 1, 2].map((p) => ({ topic: 'a.orders', partition: p })), 'latest');
    for (let p = 0; p < 3; p++) reader.seek({ topic: 'a.orders', partition: p }, 0);
    let read = 0;
    const total = [...ends.values()].reduce((s, x) => s + x, 0);
    while (read < total) for (const f of await reader.poll()) for (const r of f.records) { read++; const s = JSON.parse(r.value!.toString()) as { seq: number }; onBCluster.add(s.seq); }
  } finally {
    await reader.disconnect();
  }
  const ackedAfter = producer.acked.filter((x) => x.seq >= firstSeq);
  const reachedB = ackedAfter.filter((x) => onBCluster.has(x.seq));
  const rep = deliveryReport(reachedB.map((x) => ({ seq: x.seq })), [...consumer.records, ...onB.records].map((r) => ({ seq: r.seq, app: '' })));
  log(`unplanned: ${ackedAfter.length} acked on a after the previous test, ${reachedB.length} reached b, ${ackedAfter.length - reachedB.length} only on a (mirror lag at the kill); group lost ${rep.lost}, re-delivered ${rep.redelivered}; consumers running on b ${runningOnB} ms after the kill`);
  assert.equal(rep.lost, 0, `records on B the group never got: ${rep.lostSeqs.join(',')}`);
});
