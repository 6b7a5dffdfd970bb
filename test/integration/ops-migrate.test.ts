// `ferry migrate` on real clusters with a realistic mix: a partitioned topic with retention, a compacted topic,
// a topic written by a transactional producer (one transaction aborted; the flow reads read_committed, and the
// transaction markers and the aborted records leave offset gaps the exact maps must follow), and
// consumer groups at different positions. The Ferry process is killed (SIGKILL) in the middle of `migrate
// start`, while it mirrors (`migrate start --run`), and in the middle of `migrate cutover`; each re-run resumes.
// At the end the groups continue on B exactly where they stopped on A.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { ClusterAdmin } from '../../src/kafka/cluster-admin.js';
import { createKafka } from '../../src/kafka/client.js';
import { OpsJournal } from '../../src/mirror/ops/journal.js';
import { readFlowStatus } from '../../src/mirror/ops/context.js';
import type { MigrationStatus } from '../../src/mirror/ops/migrate.js';
import type { VerifyReport } from '../../src/mirror/ops/verify.js';
import { createTopics, deliveryReport, encodeSeq, SeqConsumer, SeqProducer } from '../../scenarios/lib/apps.js';
import { mm2Properties, until, writeProperties } from '../../scenarios/lib/mirror.js';
import { runFerry, spawnFerry, type RunningFerry } from '../../scenarios/lib/cli.js';
import { flowContext } from '../../src/mirror/ops/context.js';
import { migrationFlowProperties, type MigrationJob } from '../../src/mirror/ops/migrate.js';

let kafka: KafkaHarness;
const dir = mkdtempSync(join(tmpdir(), 'ferry-ops-migrate-'));
const file = join(dir, 'mm2.properties');
const running = new Set<RunningFerry>();
const log = (m: string) => process.stderr.write(`# ${m}\n`);

before(async () => {
  kafka = await startKafka({ clusters: ['old', 'new'] });
  writeProperties(file, mm2Properties({ old: kafka.cluster('old').bootstrap, new: kafka.cluster('new').bootstrap }, {
    flows: [], heartbeats: false, extra: { 'old.consumer.isolation.level': 'read_committed' },
  }));
});

after(async () => {
  for (const r of running) r.kill('SIGKILL');
  await kafka?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ferry = (args: string[], env?: Record<string, string>) => runFerry([...args, '--config', file, '--from', 'old', '--to', 'new'], env ? { env } : {});

async function transactional(props: Record<string, string | undefined>, topic: string): Promise<number[]> {
  const kafkaClient = createKafka(props, { clientId: 'payments-app' });
  const producer = kafkaClient.producer({ transactionalId: 'payments-tx', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const committed: number[] = [];
  try {
    for (let t = 0; t < 4; t++) {
      const tx = await producer.transaction();
      const seqs = Array.from({ length: 50 }, (_, i) => t * 50 + i);
      await tx.send({ topic, messages: seqs.map((s) => { const e = encodeSeq('payments', s); return { key: e.key, value: e.value, headers: Object.fromEntries(e.headers.map(([k, v]) => [k, v ?? ''])) }; }) });
      if (t === 2) await tx.abort();
      else { await tx.commit(); committed.push(...seqs); }
    }
  } finally {
    await producer.disconnect();
  }
  return committed;
}

test('plan, start (killed and resumed), mirror (killed and resumed), status, verify, cutover (killed and resumed)', { timeout: 420_000 }, async () => {
  const A = kafka.cluster('old').props;
  const B = kafka.cluster('new').props;
  await createTopics(A, [
    { topic: 'orders', partitions: 3, configs: { 'retention.ms': '604800000' } },
    { topic: 'customers', partitions: 2, configs: { 'cleanup.policy': 'compact' } },
    { topic: 'payments', partitions: 1 },
  ]);
  const orders = new SeqProducer(A, 'orders', 'orders', { pad: 200 });
  const customers = new SeqProducer(A, 'customers', 'customers');
  await orders.connect();
  await customers.connect();
  await orders.produce(3000, 500);
  await customers.produce(400);
  const paymentsCommitted = await transactional(A, 'payments');
  // Groups at different positions: billing mid-way through orders, audit at the end of customers.
  const billing1 = new SeqConsumer(A, 'billing', ['orders']);
  billing1.setLimit(1200);
  await billing1.start();
  await billing1.waitFor(1200);
  await billing1.stop();
  const audit1 = new SeqConsumer(A, 'audit', ['customers']);
  await audit1.start();
  await audit1.waitFor(400);
  await audit1.waitQuiet(1000);
  await audit1.stop();

  const plan = await ferry(['migrate', 'plan']);
  assert.equal(plan.code, 0, plan.stderr);
  log(`migrate plan:\n${plan.stdout.split('\n').map((l) => `#   ${l}`).join('\n')}`);
  assert.match(plan.stdout, /orders\s+orders\s+3\s+3,000/);
  assert.match(plan.stdout, /customers\s+customers\s+2\s+400 .*cleanup\.policy=compact/);
  assert.match(plan.stdout, /billing\s+\S+\s+0\s+\d\s+1,800/);

  // Ferry dies right after creating the topics; the re-run continues with the ACLs.
  const crashed = await ferry(['migrate', 'start'], { FERRY_OPS_CRASH_AFTER: 'create-topics' });
  assert.equal(crashed.signal, 'SIGKILL', crashed.stdout + crashed.stderr);
  const started = await ferry(['migrate', 'start']);
  assert.equal(started.code, 0, started.stdout + started.stderr);
  assert.match(started.stdout, /✓ 2\. create-topics: already done/);
  assert.match(started.stdout, /^old->new\.topics=customers,orders,payments$/m);
  const badmin = new ClusterAdmin(B);
  try {
    const cfg = await badmin.topicConfigs(['orders', 'customers']);
    assert.equal(cfg.get('customers')!.find((e) => e.name === 'cleanup.policy')!.value, 'compact');
    assert.equal(cfg.get('orders')!.find((e) => e.name === 'retention.ms')!.value, '604800000');
    assert.equal((await badmin.partitionCounts(['orders'])).get('orders'), 3);
  } finally {
    await badmin.close();
  }

  // Mirror in a ferry process, kill -9 it while it copies under live traffic, start it again.
  orders.start(300, 30);
  const mirror1 = spawnFerry(['migrate', 'start', '--run', '--config', file, '--from', 'old', '--to', 'new']);
  running.add(mirror1);
  const statusOf = async (): Promise<MigrationStatus> => {
    const s = await ferry(['migrate', 'status', '--json', '--sample-ms', '1000']);
    assert.equal(s.code, 0, s.stderr);
    return JSON.parse(s.stdout) as MigrationStatus;
  };
  await until('some progress', async () => (await statusOf()).totals.mirrored > 500, 90_000, 1000);
  mirror1.kill('SIGKILL');
  await mirror1.done;
  running.delete(mirror1);
  const mirror2 = spawnFerry(['migrate', 'start', '--run', '--config', file, '--from', 'old', '--to', 'new']);
  running.add(mirror2);
  const human = await ferry(['migrate', 'status', '--sample-ms', '1000']);
  log(`migrate status:\n${human.stdout.split('\n').map((l) => `#   ${l}`).join('\n')}`);
  assert.match(human.stdout, /Migration old -> new: mirroring/);
  assert.match(human.stdout, /orders\s+\[/);
  await orders.stop();
  const st = await until('everything mirrored', async () => { const s = await statusOf(); return s.totals.lag === 0 && s.totals.fraction === 1 ? s : null; }, 120_000, 1000);
  assert.equal(st.topics.length, 3);

  const verify = await ferry(['migrate', 'verify', '--allow-duplicates']);
  log(`migrate verify:\n${verify.stdout.split('\n').map((l) => `#   ${l}`).join('\n')}`);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  const vjson = JSON.parse((await ferry(['migrate', 'verify', '--allow-duplicates', '--json'])).stdout) as VerifyReport;
  const duplicatesInOrders = vjson.partitions.filter((p) => p.topic === 'orders').reduce((a, p) => a + p.counts.duplicates, 0);

  // Cutover, with Ferry killed after the final commit; the re-run finishes it.
  const cut1 = await ferry(['migrate', 'cutover', '--quiet-period', '3'], { FERRY_OPS_CRASH_AFTER: 'commit' });
  assert.equal(cut1.signal, 'SIGKILL', cut1.stdout + cut1.stderr);
  const cut2 = await ferry(['migrate', 'cutover', '--quiet-period', '3', '--allow-duplicates']);
  log(`cutover (resumed):\n${cut2.stdout.split('\n').map((l) => `#   ${l}`).join('\n')}`);
  assert.equal(cut2.code, 0, cut2.stdout + cut2.stderr);
  assert.match(cut2.stdout, /Resuming operation/);
  assert.match(cut2.stdout, /✓ 6\. verify .*ok/);
  assert.match(cut2.stdout, /✓ 7\. pause-flow .*paused/);
  const j = await OpsJournal.open(B);
  const job = j.op('migrate:old->new')!.args as MigrationJob;
  assert.equal(j.op('migrate-cutover:old->new')!.status, 'done');
  await j.close();
  const flow = flowContext(migrationFlowProperties({ configFile: file }, 'old', 'new', job), 'old', 'new');
  assert.equal((await readFlowStatus(flow)).paused, true);
  const done = await statusOf();
  assert.equal(done.phase, 'completed');

  // Consumers move to B: billing continues exactly where it stopped, audit has nothing left, payments is new.
  const billing2 = new SeqConsumer(B, 'billing', ['orders']);
  await billing2.start();
  await billing2.waitQuiet(3000);
  await billing2.stop();
  const rep = deliveryReport(orders.acked.map((x) => ({ seq: x.seq, app: 'orders' })), [...billing1.records, ...billing2.records], 'orders');
  log(`billing after cutover: produced ${rep.produced}, lost ${rep.lost}, re-delivered ${rep.redelivered}; verify reported ${duplicatesInOrders} duplicate(s) in orders from the mirror crash`);
  assert.equal(rep.lost, 0);
  assert.ok(rep.redelivered <= duplicatesInOrders, 'nothing re-delivered beyond the duplicates verify reported');
  const audit2 = new SeqConsumer(B, 'audit', ['customers']);
  await audit2.start();
  await audit2.waitQuiet(2000);
  await audit2.stop();
  assert.equal(audit2.records.length, 0, 'audit had read everything on A');
  const pay = new SeqConsumer({ ...B }, 'payments-reader', ['payments']);
  await pay.start();
  await pay.waitQuiet(2000);
  await pay.stop();
  assert.deepEqual(pay.records.map((r) => r.seq).sort((x, y) => x! - y!), paymentsCommitted, 'only the committed transactions were migrated, once each');

  mirror2.kill('SIGTERM');
  const end = await mirror2.done;
  running.delete(mirror2);
  assert.equal(end.code, 0, end.stdout + end.stderr);
  await orders.close();
  await customers.close();
});
