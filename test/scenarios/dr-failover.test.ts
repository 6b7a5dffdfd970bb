// scenarios/dr-failover, short form: planned failover and failback, then an unplanned failover (the primary
// cluster is killed with SIGKILL) and a failback once it is back. Zero records lost (the source survived),
// zero re-delivered after the planned switches, the recovery point reported.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { renderDrReport, runDrFailover } from '../../scenarios/dr-failover/run.js';

let kafka: KafkaHarness;
before(async () => { kafka = await startKafka({ clusters: ['primary', 'dr'] }); });
after(async () => { await kafka?.stop(); });

test('dr failover: planned, failback, unplanned (kill -9), failback — nothing lost', { timeout: 420_000 }, async () => {
  const r = await runDrFailover({
    small: true, mode: 'both', log: () => undefined,
    clusters: { cluster: (n) => { const c = kafka.cluster(n); return { name: n, bootstrap: c.bootstrap, props: c.props, kill: () => c.kill(), start: () => c.start() }; }, stop: async () => undefined },
  });
  process.stderr.write(`${renderDrReport(r).split('\n').map((l) => `# ${l}`).join('\n')}\n`);
  assert.equal(r.lost, 0);
  assert.deepEqual(r.switches.map((s) => s.switch), ['planned failover', 'failback', 'unplanned failover', 'failback after outage']);
  assert.ok(r.switches.every((s) => s.ok), JSON.stringify(r.switches));
  assert.equal(r.switches[0]!.redelivered, 0, 'planned failover re-delivers nothing');
  assert.equal(r.switches[1]!.redelivered, 0, 'failback re-delivers nothing');
  assert.match(r.switches[2]!.recoveryPoint ?? '', /last checkpoint [\d.]+ (ms|s) ago/);
  assert.ok(r.ok);
});
