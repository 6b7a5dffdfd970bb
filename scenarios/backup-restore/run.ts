// Scenario: the whole cluster is lost; topics and consumer groups come back from S3. A shop writes `orders` on
// `prod`; a Connect worker backs them up with S3Sink to a local S3 server (s3proxy), started by the operator with
// `ferry backup start`; the `fulfilment` group has consumed part of them and `ferry backup groups` put its offsets
// in the bucket. Then `prod` dies (SIGKILL, never comes back). The operator runs
//
//   ferry restore --bootstrap-server <recovery> --s3-config s3.properties --topics orders --groups fulfilment
//
// and `fulfilment` starts on `recovery`. The report says how many records were lost or delivered twice (by
// sequence number), and whether the group resumed at exactly the next record it had not consumed.
//
//   node --import tsx scenarios/backup-restore/run.ts [--records N] [--small] [--json]
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { setLevel } from '../../src/observability/logger.js';
import { ferryEnv } from '../../src/config/ferry-env.js';
import { startStandalone, type StandaloneHandle } from '../../src/cli/connect.js';
import { startS3Server, type S3Server } from '../../src/dev/s3.js';
import { findFreePorts } from '../../src/dev/ports.js';
import { fmtCount, fmtDuration } from '../../src/mirror/ops/format.js';
import { createTopics, deliveryReport, SeqConsumer, SeqProducer } from '../lib/apps.js';
import { until, writeProperties } from '../lib/mirror.js';
import { runFerry, type CliResult } from '../lib/cli.js';
import { clustersFor, renderReport, Story, type StoryOptions } from '../lib/story.js';

export interface BackupRestoreReport {
  scenario: 'backup-restore';
  produced: number;
  backedUpObjects: number;
  consumedOnProd: number;
  consumedOnRecovery: number;
  lost: number;
  redelivered: number;
  /** The first record the group read on `recovery` is the one after the last it read on `prod`, per partition. */
  resumedExactly: boolean;
  restoreMs: number;
  elapsedMs: number;
  ok: boolean;
}

const BYTES = 'org.apache.kafka.connect.converters.ByteArrayConverter';

export async function runBackupRestore(opts: StoryOptions & { records?: number } = {}): Promise<BackupRestoreReport> {
  const story = new Story('backup-restore', opts.log);
  const started = Date.now();
  const n = opts.records ?? (opts.small ? 6_000 : 60_000);
  const { clusters, owned } = await clustersFor(['prod', 'recovery'], opts);
  const prod = clusters.cluster('prod');
  const recovery = clusters.cluster('recovery');
  let s3: S3Server | null = null;
  let worker: StandaloneHandle | null = null;
  const ferry = async (args: string[]): Promise<CliResult> => {
    const r = await runFerry(args);
    story.command(`ferry ${args.join(' ')}`, args.includes('--json') ? `(JSON, exit ${r.code})` : r.stdout + (r.code === 0 ? '' : r.stderr));
    if (r.code !== 0) throw new Error(`ferry ${args[0]} ${args[1] ?? ''} failed (${r.code}): ${r.stderr}`);
    return r;
  };
  try {
    story.step('local S3 server (s3proxy, filesystem backend) on 127.0.0.1, bucket ferry-backups');
    const [s3Port, restPort] = await findFreePorts(2);
    s3 = await startS3Server({ dir: join(story.dir, 's3'), port: s3Port!, buckets: ['ferry-backups'] });
    const s3File = join(story.dir, 's3.properties');
    writeProperties(s3File, { 's3.bucket.name': 'ferry-backups', 'store.url': s3.endpoint, 's3.region': 'us-east-1', 'aws.access.key.id': s3.accessKey, 'aws.secret.access.key': s3.secretKey });

    story.step(`prod: orders (6 partitions), ${fmtCount(n)} records from the shop`);
    await createTopics(prod.props, [{ topic: 'orders', partitions: 6 }]);
    const shop = new SeqProducer(prod.props, 'orders', 'orders', { pad: 100 });
    await shop.connect();
    await shop.produce(n, 1000);
    await shop.close();

    story.step('a Connect worker on prod; the backup connector created with ferry backup start');
    worker = await startStandalone({
      'bootstrap.servers': prod.bootstrap, 'key.converter': BYTES, 'value.converter': BYTES, 'header.converter': BYTES,
      'offset.storage.file.filename': join(story.dir, 'connect.offsets'), listeners: `http://127.0.0.1:${restPort!}`,
    });
    await ferry(['backup', 'start', '--connect', worker.url, '--name', 'backup', '--topics-regex', 'orders', '--s3-config', s3File,
      '--flush-size', opts.small ? '500' : '5000', '--rotate-schedule-interval-ms', '2000']);

    const take = Math.round(n * 0.4);
    story.step(`fulfilment consumes ${fmtCount(take)} orders on prod and commits`);
    const before = new SeqConsumer(prod.props, 'fulfilment', ['orders']);
    before.setLimit(take);
    await before.start();
    await before.waitFor(take, 120_000);
    await before.stop();
    await ferry(['backup', 'groups', '--bootstrap-server', prod.bootstrap, '--groups', 'fulfilment', '--s3-config', s3File]);

    const status = await until('the backup to catch up', async () => {
      const r = await runFerry(['backup', 'status', '--connect', worker!.url, '--name', 'backup', '--bootstrap-server', prod.bootstrap, '--s3-config', s3File, '--json']);
      if (r.code !== 0) return null;
      const s = JSON.parse(r.stdout) as { topics: Array<{ objects: number; partitions: Array<{ lag: number | null }> }> };
      const t = s.topics[0];
      return t && t.partitions.length === 6 && t.partitions.every((p) => p.lag === 0) ? s : null;
    }, 120_000, 1_000);
    await ferry(['backup', 'status', '--connect', worker.url, '--name', 'backup', '--bootstrap-server', prod.bootstrap, '--s3-config', s3File]);

    story.step('disaster: prod is lost (SIGKILL, it never comes back)');
    await worker.stop();
    worker = null;
    prod.kill();

    story.step('ferry restore into the empty recovery cluster, groups repositioned');
    const t0 = Date.now();
    await ferry(['restore', '--bootstrap-server', recovery.bootstrap, '--s3-config', s3File, '--topics', 'orders', '--groups', 'fulfilment',
      '--offsets-file', join(story.dir, 'restore.offsets'), '--mapping-file', join(story.dir, 'orders-offset-mapping.jsonl'), '--no-progress']);
    const restoreMs = Date.now() - t0;

    story.step('fulfilment starts on recovery');
    const after = new SeqConsumer(recovery.props, 'fulfilment', ['orders']);
    await after.start();
    await after.waitFor(n - take, 120_000);
    await after.waitQuiet(1_500);
    await after.stop();

    const acked = Array.from({ length: n }, (_, seq) => ({ seq, app: 'orders' }));
    const d = deliveryReport(acked, [...before.records, ...after.records], 'orders');
    // Per partition, the first record on recovery follows the last one on prod (same offsets: the topic was complete in S3).
    let resumedExactly = true;
    for (let p = 0; p < 6; p++) {
      const lastBefore = before.records.filter((r) => r.partition === p).reduce((m, r) => Math.max(m, r.offset), -1);
      const firstAfter = after.records.filter((r) => r.partition === p).reduce((m, r) => Math.min(m, r.offset), Number.MAX_SAFE_INTEGER);
      if (firstAfter !== Number.MAX_SAFE_INTEGER && firstAfter !== lastBefore + 1) resumedExactly = false;
    }
    const report: BackupRestoreReport = {
      scenario: 'backup-restore', produced: n, backedUpObjects: status.topics[0]!.objects, consumedOnProd: before.records.length, consumedOnRecovery: after.records.length,
      lost: d.lost, redelivered: d.redelivered, resumedExactly, restoreMs, elapsedMs: Date.now() - started, ok: d.lost === 0 && d.redelivered === 0 && resumedExactly,
    };
    story.step(report.ok ? 'done: nothing lost, nothing twice, the group resumed at the next record' : 'done, with problems (see the report)');
    return report;
  } finally {
    await worker?.stop().catch(() => undefined);
    await s3?.stop().catch(() => undefined);
    if (owned) await clusters.stop();
    story.cleanup();
  }
}

export function renderBackupRestoreReport(r: BackupRestoreReport): string {
  return renderReport(`Scenario backup-restore: ${r.ok ? 'OK' : 'FAILED'} (${fmtDuration(r.elapsedMs)})`,
    ['produced', 'objects in S3', 'consumed on prod', 'consumed on recovery', 'lost', 'twice', 'restore'],
    [[fmtCount(r.produced), fmtCount(r.backedUpObjects), fmtCount(r.consumedOnProd), fmtCount(r.consumedOnRecovery), String(r.lost), String(r.redelivered), fmtDuration(r.restoreMs)]],
    [`group fulfilment resumed at exactly the next record: ${r.resumedExactly ? 'yes' : 'NO'}`]);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { records: { type: 'string' }, small: { type: 'boolean' }, json: { type: 'boolean' } } });
  setLevel('root', ferryEnv().logLevel ?? 'error');
  const r = await runBackupRestore({ small: values.small === true, ...(values.records ? { records: Number(values.records) } : {}) });
  console.log(values.json ? JSON.stringify(r, null, 2) : renderBackupRestoreReport(r));
  return r.ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then((code) => process.exit(code), (e: unknown) => { console.error(e); process.exit(1); });
}
