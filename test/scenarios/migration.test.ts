// scenarios/migration, short form: four topics (one compacted, one transactional), three groups at different
// positions, the cutover interrupted by kill -9 and re-run; every group continues on the new cluster exactly
// where it stopped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { renderMigrationReport, runMigration } from '../../scenarios/migration/run.js';

let kafka: KafkaHarness;
before(async () => { kafka = await startKafka({ clusters: ['old', 'new'] }); });
after(async () => { await kafka?.stop(); });

test('migration: plan, start, mirror, status, verify, interrupted cutover — groups resume exactly', { timeout: 420_000 }, async () => {
  const r = await runMigration({
    small: true, log: () => undefined,
    clusters: { cluster: (n) => { const c = kafka.cluster(n); return { name: n, bootstrap: c.bootstrap, props: c.props, kill: () => c.kill(), start: () => c.start() }; }, stop: async () => undefined },
  });
  process.stderr.write(`${renderMigrationReport(r).split('\n').map((l) => `# ${l}`).join('\n')}\n`);
  assert.ok(r.cutoverInterrupted);
  assert.ok(r.verify.ok);
  for (const g of r.groups) {
    assert.equal(g.lost, 0, `${g.group}: lost`);
    assert.equal(g.redelivered, 0, `${g.group}: re-delivered`);
  }
  assert.ok(r.ok);
});
