// `ferry failback` on real clusters, after a planned failover A→B during which the applications ran on B:
// producers wrote `orders` on B, the consumer group read `a.orders` and `orders` there. Failback copies B's
// records back to A (`b.orders`), moves the group's offsets back to A (`a.orders` → `orders` through the A→B
// maps backwards, `orders` → `b.orders` through the reverse maps), and resumes A→B.
//  - kill -9 of ferry right after the commit step, then a re-run: it resumes (the in-process reverse flow is
//    started again) and ends in the state an uninterrupted run reaches;
//  - back on A the group reads exactly what it had not consumed on B: nothing lost, nothing re-delivered;
//  - nothing that came from A is sent back to A, and A→B mirrors again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { ClusterAdmin } from '../../src/kafka/cluster-admin.js';
import type { MirrorMakerHandle } from '../../src/mirror/dedicated.js';
import { loadFlowMaps, readFlowStatus, resolveFlow, selectionPattern } from '../../src/mirror/ops/context.js';
import { OpsJournal } from '../../src/mirror/ops/journal.js';
import { runFailover } from '../../src/mirror/ops/failover.js';
import { translateForward, translateInverse } from '../../src/mirror/ops/translate.js';
import { topicPartitionKey } from '../../src/connectors/mirror/offset-map.js';
import { createTopics, deliveryReport, SeqConsumer, SeqProducer } from '../../scenarios/lib/apps.js';
import { mm2Properties, startMirror, until, writeProperties } from '../../scenarios/lib/mirror.js';
import { runFerry } from '../../scenarios/lib/cli.js';

let kafka: KafkaHarness;
let mirror: MirrorMakerHandle | null = null;
let props: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'ferry-ops-failback-'));
const file = join(dir, 'mm2.properties');
const log = (m: string) => process.stderr.write(`# ${m}\n`);

before(async () => {
  kafka = await startKafka({ clusters: ['a', 'b'] });
  props = mm2Properties({ a: kafka.cluster('a').bootstrap, b: kafka.cluster('b').bootstrap }, { flows: ['a->b'], extra: { 'offset-syncs.topic.location': 'target' } });
  writeProperties(file, props);
  await createTopics(kafka.cluster('a').props, [{ topic: 'orders', partitions: 3 }]);
  await createTopics(kafka.cluster('b').props, [{ topic: 'orders', partitions: 3 }]);
  mirror = await startMirror(props);
});

after(async () => {
  await mirror?.stop().catch(() => undefined);
  await kafka?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function consume(props: Record<string, string | undefined>, group: string, topics: string[], limit?: number): Promise<SeqConsumer> {
  const c = new SeqConsumer(props, group, topics);
  if (limit !== undefined) c.setLimit(limit);
  await c.start();
  if (limit !== undefined) await c.waitFor(limit);
  else await c.waitQuiet(3000);
  await c.stop();
  return c;
}

test('failover, work on B, failback with a kill -9 mid-way: nothing lost or re-delivered, A→B resumes', { timeout: 300_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const pa = new SeqProducer(a.props, 'pa', 'orders');
  const pb = new SeqProducer(b.props, 'pb', 'orders');
  await pa.connect();
  await pb.connect();
  try {
    // On A: 400 records, the group reads 150 of them.
    await pa.produce(400);
    const c1 = await consume(a.props, 'g1', ['orders'], 150);
    const fo = await runFailover({ properties: props }, { from: 'a', to: 'b', mode: 'planned', stopFlow: true, groups: selectionPattern('g1', '--groups') }, { out: () => undefined });
    assert.equal(fo.exitCode, 0);

    // On B: producers write `orders`, the group reads the rest of a.orders and some of B's own records.
    await pb.produce(300);
    const c2 = new SeqConsumer(b.props, 'g1', ['a.orders', 'orders']);
    c2.setLimit(250 + 200);
    await c2.start();
    await c2.waitFor(250 + 200);
    await c2.stop();
    await pb.produce(100); // written while the consumers are already down

    const dry = await runFerry(['failback', '--config', file, '--from', 'b', '--to', 'a', '--groups', 'g1', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /topics to copy back \(1\): orders -> b\.orders/);
    assert.match(dry.stdout, /topics mirrored from a \(1\): a\.orders -> orders/);
    const aadmin = new ClusterAdmin(a.props);
    try {
      assert.ok(!(await aadmin.topics()).includes('b.orders'), 'dry run started no flow');
    } finally {
      await aadmin.close();
    }

    const crashed = await runFerry(['failback', '--config', file, '--from', 'b', '--to', 'a', '--groups', 'g1'], { env: { FERRY_OPS_CRASH_AFTER: 'commit' } });
    assert.equal(crashed.signal, 'SIGKILL', crashed.stdout + crashed.stderr);
    const j = await OpsJournal.open(a.props);
    const op = j.op('failback:b->a')!;
    assert.equal(op.status, 'running');
    assert.ok(j.step(op.id, 'commit')?.status === 'done' && !j.step(op.id, 'verify'));
    await j.close();
    const resumed = await runFerry(['failback', '--config', file, '--from', 'b', '--to', 'a', '--groups', 'g1']);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    log(`failback (resumed) took ${resumed.ms} ms\n${resumed.stdout.split('\n').map((l) => `#   ${l}`).join('\n')}`);
    assert.match(resumed.stdout, /Resuming operation/);
    assert.match(resumed.stdout, /✓ 2\. reverse-flow .*running in this process/);
    assert.match(resumed.stdout, /✓ 5\. commit: already done/);
    assert.match(resumed.stdout, /✓ 6\. verify .*ok/);

    // The state an uninterrupted run ends in: every commit on A is the exact translation of the commit on B.
    const fwd = resolveFlow({ properties: props }, 'a', 'b');
    const rev = resolveFlow({ properties: props }, 'b', 'a');
    const fmaps = (await loadFlowMaps(fwd))!;
    const rmaps = (await loadFlowMaps(rev))!;
    const badmin = new ClusterAdmin(b.props);
    const aadmin2 = new ClusterAdmin(a.props);
    try {
      const onA = new Map((await aadmin2.groupOffsets('g1')).map((o) => [topicPartitionKey(o.topic, o.partition), o.offset]));
      for (const c of await badmin.groupOffsets('g1')) {
        if (c.topic === 'a.orders') {
          const t = translateInverse(fmaps.get(topicPartitionKey('orders', c.partition)), c.offset);
          assert.ok(!('reason' in t));
          assert.equal(onA.get(topicPartitionKey('orders', c.partition)), t.toOffset, `orders-${c.partition}`);
        } else {
          const t = translateForward(rmaps.get(topicPartitionKey('orders', c.partition)), c.offset);
          assert.ok(!('reason' in t) && t.exact);
          assert.equal(onA.get(topicPartitionKey('b.orders', c.partition)), t.toOffset, `b.orders-${c.partition}`);
        }
      }
      // Loop prevention: what came from A was not sent back, and A's copy of B's records is not mirrored to B.
      assert.ok(!(await aadmin2.topics()).some((t) => t.startsWith('b.a.')), 'no b.a.* topics on a');
    } finally {
      await Promise.all([badmin.close(), aadmin2.close()]);
    }

    // Back on A the group reads exactly what it had not consumed on B.
    const c3 = await consume(a.props, 'g1', ['orders', 'b.orders']);
    const all = [...c1.records, ...c2.records, ...c3.records];
    const ra = deliveryReport(pa.acked.map((x) => ({ seq: x.seq, app: 'pa' })), all, 'pa');
    const rb = deliveryReport(pb.acked.map((x) => ({ seq: x.seq, app: 'pb' })), all, 'pb');
    log(`after failback: records from A lost ${ra.lost}, re-delivered ${ra.redelivered}; from B lost ${rb.lost}, re-delivered ${rb.redelivered}; read on A after failback ${c3.records.length}`);
    assert.deepEqual([ra.lost, ra.redelivered, rb.lost, rb.redelivered], [0, 0, 0, 0]);
    // 400 + 300 + 100 produced, 150 read on A and 450 on B before.
    assert.equal(c3.records.length, 200, 'exactly what the group had not read on B');

    // A→B runs again: B is the DR copy.
    assert.equal((await readFlowStatus(fwd)).paused, false);
    await pa.produce(50);
    const badmin2 = new ClusterAdmin(b.props);
    try {
      await until('A->B mirrors again', async () => (await badmin2.watermarks('a.orders')).reduce((s, w) => s + w.high, 0) === 450, 30_000);
      assert.ok(!(await badmin2.topics()).includes('a.b.orders'), 'b.orders is not mirrored back to b');
    } finally {
      await badmin2.close();
    }
    const again = await runFerry(['failback', '--config', file, '--from', 'b', '--to', 'a', '--groups', 'g1']);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already completed/);
  } finally {
    await pa.close();
    await pb.close();
  }
});
