// Scenario: geo active-active. Two regions (us, eu) each run producers and consumers of the same topic names;
// Ferry mirrors us→eu and eu→us (DefaultReplicationPolicy: `orders` from us is `us.orders` in eu). Every region's
// consumers subscribe to their local topic and the other region's copy, so each sees every order exactly once.
//
//   node --import tsx scenarios/geo-active-active/run.ts [--records N] [--json]
//
// Checks: no record lost or duplicated in either region, no replication loop (`us.eu.orders` never appears),
// `ferry verify` passes in both directions. Reports cross-region delivery latency.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ClusterAdmin } from '../../src/kafka/cluster-admin.js';
import { setLevel } from '../../src/observability/logger.js';
import { ferryEnv } from '../../src/config/ferry-env.js';
import { createTopics, deliveryReport, SeqConsumer, SeqProducer } from '../lib/apps.js';
import { mm2Properties, startMirror, until, writeProperties } from '../lib/mirror.js';
import { runFerry } from '../lib/cli.js';
import { clustersFor, percentile, renderReport, Story, type StoryOptions } from '../lib/story.js';
import { join } from 'node:path';
import { fmtCount } from '../../src/mirror/ops/format.js';

export interface GeoReport {
  scenario: 'geo-active-active';
  regions: {
    region: string;
    produced: number;
    consumedLocal: number;
    consumedRemote: number;
    lost: number;
    duplicated: number;
    crossRegionLatencyMs: { p50: number; p99: number };
  }[];
  loopTopics: string[];
  verify: { direction: string; ok: boolean; records: number; ms: number }[];
  elapsedMs: number;
  ok: boolean;
}

export async function runGeoActiveActive(opts: StoryOptions & { records?: number } = {}): Promise<GeoReport> {
  const story = new Story('geo-active-active', opts.log);
  const started = Date.now();
  const records = opts.records ?? (opts.small ? 400 : 20_000);
  const { clusters, owned } = await clustersFor(['us', 'eu'], opts);
  const us = clusters.cluster('us');
  const eu = clusters.cluster('eu');
  const regions = [us, eu];
  const props = mm2Properties({ us: us.bootstrap, eu: eu.bootstrap }, { flows: ['us->eu', 'eu->us'] });
  const file = join(story.dir, 'mm2.properties');
  writeProperties(file, props);
  const producers: SeqProducer[] = [];
  const consumers: SeqConsumer[] = [];
  let mirror: Awaited<ReturnType<typeof startMirror>> | null = null;
  try {
    story.step('creating topic orders (3 partitions) in both regions');
    for (const r of regions) await createTopics(r.props, [{ topic: 'orders', partitions: 3 }]);
    story.step('starting Ferry: us->eu and eu->us');
    mirror = await startMirror(props);
    for (const r of regions) {
      const other = r === us ? eu : us;
      const c = new SeqConsumer(r.props, 'analytics', ['orders', `${other.name}.orders`], `analytics-${r.name}`);
      await c.start();
      consumers.push(c);
      const p = new SeqProducer(r.props, `${r.name}-shop`, 'orders', { pad: 64 });
      await p.connect();
      producers.push(p);
    }
    story.step(`both regions produce ${fmtCount(records)} orders while consuming`);
    const rate = opts.small ? 400 : 2000;
    for (const p of producers) p.start(rate, opts.small ? 20 : 100);
    await until('all orders produced', () => producers.every((p) => p.acked.length >= records), 600_000, 200);
    for (const p of producers) await p.stop();
    const total = producers.reduce((s, p) => s + p.acked.length, 0);
    story.step(`produced ${fmtCount(total)}; waiting for every consumer to see all of them`);
    await until('consumers caught up', () => consumers.every((c) => new Set(c.records.map((r) => `${r.app}#${r.seq}`)).size >= total), 300_000, 500);
    for (const c of consumers) await c.waitQuiet(1500);

    const admins = regions.map((r) => new ClusterAdmin(r.props));
    const loopTopics: string[] = [];
    try {
      for (const [i, a] of admins.entries()) for (const t of await a.topics()) if (/^(us|eu)\.(us|eu)\./.test(t)) loopTopics.push(`${regions[i]!.name}:${t}`);
    } finally {
      await Promise.all(admins.map((a) => a.close()));
    }

    const verify: GeoReport['verify'] = [];
    for (const [from, to] of [['us', 'eu'], ['eu', 'us']] as const) {
      story.step(`ferry verify --from ${from} --to ${to}`);
      const res = await runFerry(['verify', '--config', file, '--from', from, '--to', to, '--topics', 'orders', '--json']);
      const rep = JSON.parse(res.stdout) as { ok: boolean; summary: { matched: number }; elapsedMs: number };
      verify.push({ direction: `${from}->${to}`, ok: res.code === 0 && rep.ok, records: rep.summary.matched, ms: rep.elapsedMs });
    }

    const regionReports: GeoReport['regions'] = regions.map((r, i) => {
      const c = consumers[i]!;
      const all = producers.flatMap((p) => p.acked.map((x) => ({ seq: x.seq, app: p.app })));
      const rep = deliveryReport(all, c.records);
      const remote = c.records.filter((x) => x.topic !== 'orders');
      const lat = remote.filter((x) => x.sentAt !== null).map((x) => x.receivedAt - x.sentAt!);
      return {
        region: r.name, produced: producers[i]!.acked.length, consumedLocal: c.records.length - remote.length, consumedRemote: remote.length,
        lost: rep.lost, duplicated: rep.redelivered, crossRegionLatencyMs: { p50: percentile(lat, 50), p99: percentile(lat, 99) },
      };
    });
    const ok = regionReports.every((r) => r.lost === 0 && r.duplicated === 0) && loopTopics.length === 0 && verify.every((v) => v.ok);
    return { scenario: 'geo-active-active', regions: regionReports, loopTopics, verify, elapsedMs: Date.now() - started, ok };
  } finally {
    for (const p of producers) await p.close().catch(() => undefined);
    for (const c of consumers) await c.stop().catch(() => undefined);
    await mirror?.stop().catch(() => undefined);
    if (owned) await clusters.stop();
    story.cleanup();
  }
}

export function renderGeoReport(r: GeoReport): string {
  return renderReport(
    `Scenario geo-active-active: ${r.ok ? 'OK' : 'FAILED'} (${Math.round(r.elapsedMs / 1000)} s)`,
    ['region', 'produced', 'consumed local', 'consumed remote', 'lost', 'duplicated', 'cross-region p50', 'p99'],
    r.regions.map((x) => [x.region, fmtCount(x.produced), fmtCount(x.consumedLocal), fmtCount(x.consumedRemote), String(x.lost), String(x.duplicated), `${x.crossRegionLatencyMs.p50} ms`, `${x.crossRegionLatencyMs.p99} ms`]),
    [
      `replication loops: ${r.loopTopics.length === 0 ? 'none (no us.eu.* / eu.us.* topics)' : r.loopTopics.join(', ')}`,
      ...r.verify.map((v) => `ferry verify ${v.direction}: ${v.ok ? 'OK' : 'MISMATCH'} (${fmtCount(v.records)} records in ${v.ms} ms)`),
    ],
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { records: { type: 'string' }, small: { type: 'boolean' }, json: { type: 'boolean' } } });
  setLevel('root', ferryEnv().logLevel ?? 'error');
  const r = await runGeoActiveActive({ ...(values.records ? { records: Number(values.records) } : {}), small: values.small === true });
  console.log(values.json ? JSON.stringify(r, null, 2) : renderGeoReport(r));
  return r.ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then((code) => process.exit(code), (e: unknown) => { console.error(e); process.exit(1); });
}
