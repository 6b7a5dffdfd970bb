// scenarios/backup-restore, short form: prod backed up to a local S3 server with `ferry backup start`, the group's
// offsets snapshotted, prod killed, `ferry restore --groups` into an empty cluster; the group resumes there at
// exactly the next record, nothing lost or delivered twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { renderBackupRestoreReport, runBackupRestore } from '../../scenarios/backup-restore/run.js';

let kafka: KafkaHarness;
before(async () => { kafka = await startKafka({ clusters: ['prod', 'recovery'] }); });
after(async () => { await kafka?.stop(); });

test('backup-restore: cluster lost → restore from S3 → consumers resume exactly', { timeout: 300_000 }, async () => {
  const r = await runBackupRestore({
    small: true, log: () => undefined,
    clusters: { cluster: (n) => { const c = kafka.cluster(n); return { name: n, bootstrap: c.bootstrap, props: c.props, kill: () => c.kill(), start: () => c.start() }; }, stop: async () => undefined },
  });
  process.stderr.write(`${renderBackupRestoreReport(r).split('\n').map((l) => `# ${l}`).join('\n')}\n`);
  assert.equal(r.lost, 0);
  assert.equal(r.redelivered, 0);
  assert.ok(r.resumedExactly);
  assert.ok(r.ok);
});
