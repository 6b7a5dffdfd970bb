// Scenario: disaster recovery. A shop writes orders to `primary`, a fulfilment service consumes them; Ferry
// mirrors primary→dr with its offset maps on dr (offset-syncs.topic.location=target, the DR setting).
//
//   planned    stop the apps on primary, `ferry failover --planned`, apps on dr; later `ferry failback`.
//   unplanned  primary is killed (SIGKILL) under traffic, `ferry failover --unplanned`, apps on dr; primary
//              comes back, `ferry failback` — records that were only on primary reach the consumers then.
//
//   node --import tsx scenarios/dr-failover/run.ts [--mode planned|unplanned|both] [--seconds N] [--json]
//
// Every record carries the shop's sequence number, so the report can say exactly how many records were lost
// (must be 0: the source survived in both stories), re-delivered after each switch (0 after a planned one),
// what the recovery point was, and how long it took from the failover command to consumers running on dr.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { setLevel } from '../../src/observability/logger.js';
import { ferryEnv } from '../../src/config/ferry-env.js';
import type { ClientProps } from '../../src/kafka/client.js';
import { fmtCount, fmtDuration } from '../../src/mirror/ops/format.js';
import { createTopics, deliveryReport, SeqConsumer, SeqProducer, type Consumed } from '../lib/apps.js';
import { mm2Properties, startMirror, until, writeProperties } from '../lib/mirror.js';
import { runFerry, type CliResult } from '../lib/cli.js';
import { clustersFor, renderReport, Story, type StoryOptions } from '../lib/story.js';
import { sleep } from '../../src/backoff.js';

export interface SwitchReport {
  switch: string;
  command: string;
  ok: boolean;
  /** From the start of the command to the first record consumed on the other cluster. */
  switchMs: number;
  commandMs: number;
  /** Records the consumers saw again after this switch. */
  redelivered: number;
  recoveryPoint?: string;
}

export interface DrReport {
  scenario: 'dr-failover';
  mode: 'planned' | 'unplanned' | 'both';
  produced: number;
  consumedDistinct: number;
  lost: number;
  redelivered: number;
  /** Unplanned only: records acknowledged on primary that had not reached dr when it died (delivered after failback). */
  onlyOnPrimaryAtOutage: number;
  switches: SwitchReport[];
  elapsedMs: number;
  ok: boolean;
}

const bounded = (p: Promise<unknown>, ms = 10_000) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, ms).unref())]);

export async function runDrFailover(opts: StoryOptions & { mode?: 'planned' | 'unplanned' | 'both'; seconds?: number } = {}): Promise<DrReport> {
  const mode = opts.mode ?? 'both';
  const story = new Story('dr-failover', opts.log);
  const started = Date.now();
  const seconds = opts.seconds ?? (opts.small ? 3 : 15);
  const rate = opts.small ? 200 : 1000;
  const { clusters, owned } = await clustersFor(['primary', 'dr'], opts);
  const primary = clusters.cluster('primary');
  const dr = clusters.cluster('dr');
  const props = mm2Properties({ primary: primary.bootstrap, dr: dr.bootstrap }, { flows: ['primary->dr'], extra: { 'offset-syncs.topic.location': 'target' } });
  const file = join(story.dir, 'mm2.properties');
  writeProperties(file, props);
  const acked: { seq: number }[] = [];
  const consumed: Consumed[][] = [];
  const switches: SwitchReport[] = [];
  let producer: SeqProducer | null = null;
  let consumer: SeqConsumer | null = null;
  let nextSeq = 0;
  let onlyOnPrimary = 0;
  let mirror: Awaited<ReturnType<typeof startMirror>> | null = null;

  const ferry = async (args: string[]): Promise<CliResult> => {
    const r = await runFerry([...args, '--config', file]);
    story.command(`ferry ${args.join(' ')}`, r.stdout + (r.code === 0 ? '' : r.stderr));
    return r;
  };
  const apps = async (where: { name: string; props: ClientProps }, topics: string[]): Promise<void> => {
    producer = new SeqProducer(where.props, 'shop', 'orders', { startSeq: nextSeq, pad: 64 });
    await producer.connect();
    consumer = new SeqConsumer(where.props, 'fulfilment', topics, `fulfilment-${where.name}`);
    await consumer.start();
    producer.start(rate, 20);
  };
  /** Stops the apps the way an operator would before a planned switch (the consumer's last commit is in). */
  const stopApps = async (): Promise<void> => {
    if (producer) { await bounded(producer.close()); acked.push(...producer.acked); nextSeq = producer.nextSeq; }
    if (consumer) { await bounded(consumer.stop()); consumed.push(consumer.records); }
    producer = null;
    consumer = null;
  };
  const seenBefore = (): Set<number> => new Set(consumed.flat().map((r) => r.seq!).filter((s) => s !== null));
  const switchTo = async (name: string, args: string[], where: { name: string; props: ClientProps }, topics: string[], recovery?: (out: string) => string | undefined, since?: number): Promise<void> => {
    const before = seenBefore();
    const t0 = since ?? Date.now();
    const tc = Date.now();
    const r = await ferry(args);
    const commandMs = Date.now() - tc;
    await apps(where, topics);
    const c = consumer as SeqConsumer | null;
    await until(`consumers running on ${where.name}`, () => (c?.records.length ?? 0) > 0, 120_000, 50);
    const switchMs = Date.now() - t0;
    await new Promise((res) => setTimeout(res, seconds * 1000));
    const redelivered = (c?.records ?? []).filter((x) => x.seq !== null && before.has(x.seq)).length;
    const rp = recovery?.(r.stdout);
    switches.push({ switch: name, command: `ferry ${args.join(' ')}`, ok: r.code === 0, switchMs, commandMs, redelivered, ...(rp ? { recoveryPoint: rp } : {}) });
    story.step(`${name}: command ${fmtDuration(commandMs)}, consumers running on ${where.name} ${fmtDuration(switchMs)} after it started; ${redelivered} record(s) re-delivered`);
  };

  try {
    story.step('creating orders (3 partitions) on primary and dr; starting Ferry primary->dr');
    await createTopics(primary.props, [{ topic: 'orders', partitions: 3 }]);
    await createTopics(dr.props, [{ topic: 'orders', partitions: 3 }]);
    mirror = await startMirror(props);
    story.step(`shop and fulfilment run on primary (${rate} orders/s)`);
    await apps(primary, ['orders']);
    await sleep(seconds * 1000);

    if (mode !== 'unplanned') {
      story.step('PLANNED FAILOVER: stop the apps on primary, fail over, start them on dr');
      await stopApps();
      await switchTo('planned failover', ['failover', '--from', 'primary', '--to', 'dr', '--planned', '--groups', 'fulfilment', '--stop-flow'], dr, ['primary.orders', 'orders']);
      story.step('FAILBACK: stop the apps on dr, fail back, start them on primary');
      await stopApps();
      await switchTo('failback', ['failback', '--from', 'dr', '--to', 'primary', '--groups', 'fulfilment'], primary, ['orders', 'dr.orders']);
    }

    if (mode !== 'planned') {
      story.step('UNPLANNED FAILOVER: primary dies (kill -9) under traffic');
      const p = producer as SeqProducer | null;
      const c = consumer as SeqConsumer | null;
      primary.kill();
      const killedAt = Date.now();
      // The apps on primary die with it (their clients give up; they must not come back with the cluster).
      const appsGone = Promise.all([p ? p.close() : null, c ? c.stop() : null]);
      if (p) { acked.push(...p.acked); nextSeq = p.nextSeq + 1000; }
      if (c) consumed.push(c.records);
      producer = null;
      consumer = null;
      await switchTo('unplanned failover', ['failover', '--from', 'primary', '--to', 'dr', '--unplanned', '--groups', 'fulfilment', '--stop-flow', '--restart'], dr, ['primary.orders', 'orders'],
        (out) => /✓ 2\. recovery-point \([^)]*\): (.*)/.exec(out)?.[1], killedAt);
      const last = switches[switches.length - 1]!;
      // What primary had acknowledged but dr never received: only on primary until it comes back.
      const onDr = new Set<number>();
      const reader = new SeqConsumer(dr.props, `audit-${Date.now()}`, ['primary.orders']);
      await reader.start();
      await reader.waitQuiet(2000);
      await reader.stop();
      for (const r of reader.records) if (r.seq !== null) onDr.add(r.seq);
      onlyOnPrimary = (p?.acked ?? []).filter((a) => !onDr.has(a.seq)).length;
      story.step(`recovery point: ${last.recoveryPoint ?? '?'}; ${onlyOnPrimary} acknowledged record(s) exist only on primary`);
      await bounded(appsGone, 60_000);
      if (p) for (const a of p.acked) if (!acked.some((x) => x.seq === a.seq)) acked.push(a);
      story.step('primary is back: FAILBACK');
      await primary.start();
      await stopApps();
      await switchTo('failback after outage', ['failback', '--from', 'dr', '--to', 'primary', '--groups', 'fulfilment', '--restart'], primary, ['orders', 'dr.orders']);
    }

    await stopApps();
    // Let a last consumer read whatever is left, so "lost" means never delivered.
    const finalConsumer = new SeqConsumer(primary.props, 'fulfilment', ['orders', 'dr.orders']);
    await finalConsumer.start();
    await finalConsumer.waitQuiet(3000);
    await finalConsumer.stop();
    consumed.push(finalConsumer.records);
    const rep = deliveryReport(acked, consumed.flat().map((r) => ({ seq: r.seq, app: '' })));
    const ok = rep.lost === 0 && switches.every((s) => s.ok) && switches.filter((s) => s.switch === 'planned failover' || s.switch === 'failback').every((s) => s.redelivered === 0);
    return {
      scenario: 'dr-failover', mode, produced: rep.produced, consumedDistinct: rep.distinct, lost: rep.lost, redelivered: rep.redelivered,
      onlyOnPrimaryAtOutage: onlyOnPrimary, switches, elapsedMs: Date.now() - started, ok,
    };
  } finally {
    await stopApps().catch(() => undefined);
    await bounded(mirror?.stop() ?? Promise.resolve(), 20_000);
    if (owned) await clusters.stop();
    story.cleanup();
  }
}

export function renderDrReport(r: DrReport): string {
  return renderReport(
    `Scenario dr-failover (${r.mode}): ${r.ok ? 'OK' : 'FAILED'} — ${fmtCount(r.produced)} orders produced, ${fmtCount(r.consumedDistinct)} consumed, ${r.lost} lost, ${r.redelivered} re-delivered (${Math.round(r.elapsedMs / 1000)} s)`,
    ['switch', 'command', 'consumers running after', 're-delivered'],
    r.switches.map((s) => [s.switch, `${fmtDuration(s.commandMs)}${s.ok ? '' : ' FAILED'}`, fmtDuration(s.switchMs), String(s.redelivered)]),
    [
      ...r.switches.filter((s) => s.recoveryPoint).map((s) => `recovery point (${s.switch}): ${s.recoveryPoint}`),
      ...(r.mode !== 'planned' ? [`records only on primary when it died: ${r.onlyOnPrimaryAtOutage} — delivered after the failback (lost overall: ${r.lost})`] : []),
      'consumers running after = from the failover command (unplanned: from the kill) to the first record consumed on the other cluster',
    ],
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { mode: { type: 'string' }, seconds: { type: 'string' }, small: { type: 'boolean' }, json: { type: 'boolean' } } });
  setLevel('root', ferryEnv().logLevel ?? 'error');
  const mode = (values.mode ?? 'both') as DrReport['mode'];
  if (!['planned', 'unplanned', 'both'].includes(mode)) throw new Error(`--mode must be planned, unplanned or both`);
  const r = await runDrFailover({ mode, small: values.small === true, ...(values.seconds ? { seconds: Number(values.seconds) } : {}) });
  console.log(values.json ? JSON.stringify(r, null, 2) : renderDrReport(r));
  return r.ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then((code) => process.exit(code), (e: unknown) => { console.error(e); process.exit(1); });
}
