// Scenario: migrating a cluster. `old` holds a realistic mix — orders (6 partitions, retention), customers
// (compacted), payments (written in transactions, some aborted), events — and three consumer groups at
// different positions.
// The operator runs the migration with the CLI, as in scenarios/RUNBOOKS.md:
//
//   ferry migrate plan → ferry migrate start → ferry migrate start --run (a separate Ferry process mirrors)
//   → ferry migrate status → (stop producers and consumers on old) → ferry migrate cutover
//   → producers and consumers on new
//
// The cutover is interrupted once (kill -9 of Ferry after the drain step) and re-run. The report says, per
// group, whether it resumed on `new` at exactly the next record it had not consumed, and counts lost and
// re-delivered records.
//
//   node --import tsx scenarios/migration/run.ts [--records N] [--json]
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { setLevel } from '../../src/observability/logger.js';
import { ferryEnv } from '../../src/config/ferry-env.js';
// The scenario's transactional application is a standard client's (kafkajs's producer), as a user's would be.
// eslint-disable-next-line no-restricted-imports
import { createKafka, type ClientProps } from '../../src/kafka/client.js';
import { fmtCount, fmtDuration } from '../../src/mirror/ops/format.js';
import type { VerifyReport } from '../../src/mirror/ops/verify.js';
import { createTopics, deliveryReport, encodeSeq, SeqConsumer, SeqProducer } from '../lib/apps.js';
import { mm2Properties, until, writeProperties } from '../lib/mirror.js';
import { runFerry, spawnFerry, type CliResult, type RunningFerry } from '../lib/cli.js';
import { clustersFor, renderReport, Story, type StoryOptions } from '../lib/story.js';
import { sleep } from '../../src/backoff.js';

export interface MigrationReport {
  scenario: 'migration';
  topics: { topic: string; records: number }[];
  groups: { group: string; consumedOnOld: number; consumedOnNew: number; lost: number; redelivered: number }[];
  verify: { ok: boolean; records: number; ms: number; recordsPerSecond: number };
  cutoverMs: number;
  cutoverInterrupted: boolean;
  /** From the cutover command to the first record consumed on `new`. */
  switchMs: number;
  elapsedMs: number;
  ok: boolean;
}

async function transactions(props: ClientProps, topic: string, count: number): Promise<number[]> {
  const producer = createKafka(props, { clientId: 'payments' }).producer({ transactionalId: 'payments-tx', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const seqs: number[] = [];
  try {
    for (let s = 0, t = 0; s < count; s += 25, t++) {
      const tx = await producer.transaction();
      const batch = Array.from({ length: Math.min(25, count - s) }, (_, i) => s + i);
      await tx.send({ topic, messages: batch.map((n) => { const e = encodeSeq('payments', n); return { key: e.key, value: e.value, headers: Object.fromEntries(e.headers.map(([k, v]) => [k, v ?? ''])) }; }) });
      // Every fifth transaction is aborted: read_committed consumers (and the migration) never see it.
      if (t % 5 === 4) await tx.abort();
      else { await tx.commit(); seqs.push(...batch); }
    }
  } finally {
    await producer.disconnect();
  }
  return seqs;
}

export async function runMigration(opts: StoryOptions & { records?: number } = {}): Promise<MigrationReport> {
  const story = new Story('migration', opts.log);
  const started = Date.now();
  const n = opts.records ?? (opts.small ? 1500 : 50_000);
  const { clusters, owned } = await clustersFor(['old', 'new'], opts);
  const oldC = clusters.cluster('old');
  const newC = clusters.cluster('new');
  const file = join(story.dir, 'mm2.properties');
  writeProperties(file, mm2Properties({ old: oldC.bootstrap, new: newC.bootstrap }, { flows: [], heartbeats: false, extra: { 'old.consumer.isolation.level': 'read_committed' } }));
  const ferry = async (args: string[], env?: Record<string, string>): Promise<CliResult> => {
    const r = await runFerry([...args, '--config', file, '--from', 'old', '--to', 'new'], env ? { env } : {});
    const shown = args.includes('--json') ? `(JSON, ${r.stdout.length} bytes, exit ${r.code})` : r.signal ? `${r.stdout}\n[killed by ${r.signal}]` : r.stdout + (r.code === 0 ? '' : r.stderr);
    story.command(`ferry ${args.join(' ')}${env ? `   (${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')})` : ''}`, shown);
    return r;
  };
  let mirrorProc: RunningFerry | null = null;
  const producers: SeqProducer[] = [];
  try {
    story.step('old: creating orders (6p), customers (compacted), payments (transactional), events');
    await createTopics(oldC.props, [
      { topic: 'orders', partitions: 6, configs: { 'retention.ms': '1209600000' } },
      { topic: 'customers', partitions: 3, configs: { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.1' } },
      { topic: 'payments', partitions: 1 },
      { topic: 'events', partitions: 2 },
    ]);
    const orders = new SeqProducer(oldC.props, 'orders', 'orders', { pad: 150 });
    const customers = new SeqProducer(oldC.props, 'customers', 'customers');
    const events = new SeqProducer(oldC.props, 'events', 'events', { pad: 40 });
    producers.push(orders, customers, events);
    for (const p of producers) await p.connect();
    await orders.produce(n, 1000);
    await customers.produce(Math.round(n / 5), 500);
    await events.produce(Math.round(n / 2), 1000);
    const payments = await transactions(oldC.props, 'payments', Math.round(n / 10));
    story.step('consumer groups at different positions: billing (40% of orders), audit (all customers), analytics (10% of events)');
    const positions: Record<string, { topics: string[]; take: number; records: SeqConsumer['records'] }> = {
      billing: { topics: ['orders'], take: Math.round(n * 0.4), records: [] },
      audit: { topics: ['customers'], take: Math.round(n / 5), records: [] },
      analytics: { topics: ['events'], take: Math.round(n / 20), records: [] },
    };
    for (const [g, spec] of Object.entries(positions)) {
      const c = new SeqConsumer(oldC.props, g, spec.topics);
      c.setLimit(spec.take);
      await c.start();
      await c.waitFor(spec.take, 120_000);
      await sleep(300);
      await c.stop();
      spec.records.push(...c.records);
    }

    await ferry(['migrate', 'plan']);
    await ferry(['migrate', 'start']);
    story.step('a Ferry process mirrors old->new (migrate start --run) while orders keep coming in');
    mirrorProc = spawnFerry(['migrate', 'start', '--run', '--config', file, '--from', 'old', '--to', 'new']);
    orders.start(opts.small ? 200 : 1000, opts.small ? 20 : 100);
    for (let i = 0; i < 2; i++) {
      await sleep(opts.small ? 2000 : 5000);
      await ferry(['migrate', 'status', '--sample-ms', '1000']);
    }
    story.step('maintenance window: stop the producers and consumers on old');
    await orders.stop();
    await until('copy complete', async () => {
      const s = await runFerry(['migrate', 'status', '--json', '--sample-ms', '500', '--config', file, '--from', 'old', '--to', 'new']);
      const st = JSON.parse(s.stdout) as { totals: { lag: number } };
      return st.totals.lag === 0;
    }, 300_000, 1000);
    const v = await ferry(['migrate', 'verify', '--json']);
    const vr = JSON.parse(v.stdout) as VerifyReport;

    const t0 = Date.now();
    const first = await ferry(['migrate', 'cutover', '--quiet-period', opts.small ? '2' : '5'], { FERRY_OPS_CRASH_AFTER: 'drain' });
    const second = await ferry(['migrate', 'cutover', '--quiet-period', opts.small ? '2' : '5']);
    const cutoverMs = Date.now() - t0;

    story.step('applications switch to new');
    const after: Record<string, SeqConsumer> = {};
    for (const [g, spec] of Object.entries(positions)) {
      const c = new SeqConsumer(newC.props, g, spec.topics, `${g}-new`);
      await c.start();
      after[g] = c;
    }
    const newOrders = new SeqProducer(newC.props, 'orders', 'orders', { startSeq: orders.nextSeq, pad: 150 });
    await newOrders.connect();
    producers.push(newOrders);
    await newOrders.produce(100);
    await until('consumers running on new', () => (after['billing']?.records.length ?? 0) > 0, 60_000, 50);
    const switchMs = Date.now() - t0;
    for (const c of Object.values(after)) await c.waitQuiet(2500);
    for (const c of Object.values(after)) await c.stop();

    const ackedBy: Record<string, { seq: number }[]> = {
      billing: [...orders.acked, ...newOrders.acked], audit: customers.acked, analytics: events.acked,
    };
    const groups = Object.entries(positions).map(([g, spec]) => {
      const rep = deliveryReport(ackedBy[g]!, [...spec.records, ...after[g]!.records].map((r) => ({ seq: r.seq, app: '' })));
      return { group: g, consumedOnOld: spec.records.length, consumedOnNew: after[g]!.records.length, lost: rep.lost, redelivered: rep.redelivered };
    });
    // payments: a fresh reader on new gets every committed transactional record once.
    const pay = new SeqConsumer(newC.props, `payments-check-${Date.now()}`, ['payments']);
    await pay.start();
    await pay.waitQuiet(2000);
    await pay.stop();
    const payOk = deliveryReport(payments.map((seq) => ({ seq })), pay.records.map((r) => ({ seq: r.seq, app: '' })));
    groups.push({ group: '(payments reader)', consumedOnOld: 0, consumedOnNew: pay.records.length, lost: payOk.lost, redelivered: payOk.redelivered });

    mirrorProc.kill('SIGTERM');
    await mirrorProc.done;
    mirrorProc = null;
    const ok = second.code === 0 && first.signal === 'SIGKILL' && vr.ok && groups.every((g) => g.lost === 0 && g.redelivered === 0);
    return {
      scenario: 'migration',
      topics: vr.topics.map((t) => ({ topic: t.topic, records: vr.partitions.filter((p) => p.topic === t.topic).reduce((s, p) => s + p.counts.sourceRecords, 0) })),
      groups, verify: { ok: vr.ok, records: vr.summary.matched, ms: vr.elapsedMs, recordsPerSecond: vr.summary.recordsPerSecond },
      cutoverMs, cutoverInterrupted: first.signal === 'SIGKILL', switchMs, elapsedMs: Date.now() - started, ok,
    };
  } finally {
    mirrorProc?.kill('SIGKILL');
    for (const p of producers) await p.close().catch(() => undefined);
    if (owned) await clusters.stop();
    story.cleanup();
  }
}

export function renderMigrationReport(r: MigrationReport): string {
  return renderReport(
    `Scenario migration: ${r.ok ? 'OK' : 'FAILED'} — ${r.topics.map((t) => `${t.topic} ${fmtCount(t.records)}`).join(', ')} (${Math.round(r.elapsedMs / 1000)} s)`,
    ['group', 'consumed on old', 'consumed on new', 'lost', 're-delivered'],
    r.groups.map((g) => [g.group, fmtCount(g.consumedOnOld), fmtCount(g.consumedOnNew), String(g.lost), String(g.redelivered)]),
    [
      `ferry migrate verify: ${r.verify.ok ? 'OK' : 'MISMATCH'} — ${fmtCount(r.verify.records)} records identical in ${fmtDuration(r.verify.ms)} (${fmtCount(r.verify.recordsPerSecond)} records/s)`,
      `cutover: ${fmtDuration(r.cutoverMs)} including a kill -9 after the drain step and the re-run${r.cutoverInterrupted ? '' : ' (NOT interrupted?)'}; consumers running on new ${fmtDuration(r.switchMs)} after the cutover started`,
    ],
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { records: { type: 'string' }, small: { type: 'boolean' }, json: { type: 'boolean' } } });
  setLevel('root', ferryEnv().logLevel ?? 'error');
  const r = await runMigration({ small: values.small === true, ...(values.records ? { records: Number(values.records) } : {}) });
  console.log(values.json ? JSON.stringify(r, null, 2) : renderMigrationReport(r));
  return r.ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then((code) => process.exit(code), (e: unknown) => { console.error(e); process.exit(1); });
}
