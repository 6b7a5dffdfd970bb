// scenarios/geo-active-active, short form: two regions produce and consume `orders`; every consumer sees every
// order exactly once, no replication loop, `ferry verify` passes both ways.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { renderGeoReport, runGeoActiveActive } from '../../scenarios/geo-active-active/run.js';

let kafka: KafkaHarness;
before(async () => { kafka = await startKafka({ clusters: ['us', 'eu'] }); });
after(async () => { await kafka?.stop(); });

test('geo active-active: no loss, no duplicates, no loops, verified both ways', { timeout: 300_000 }, async () => {
  const r = await runGeoActiveActive({
    small: true, log: () => undefined,
    clusters: { cluster: (n) => { const c = kafka.cluster(n); return { name: n, bootstrap: c.bootstrap, props: c.props, kill: () => c.kill(), start: () => c.start() }; }, stop: async () => undefined },
  });
  process.stderr.write(`${renderGeoReport(r).split('\n').map((l) => `# ${l}`).join('\n')}\n`);
  for (const region of r.regions) {
    assert.equal(region.lost, 0, `${region.region}: lost`);
    assert.equal(region.duplicated, 0, `${region.region}: duplicated`);
    assert.equal(region.consumedLocal + region.consumedRemote, r.regions.reduce((s, x) => s + x.produced, 0));
  }
  assert.deepEqual(r.loopTopics, []);
  assert.ok(r.verify.every((v) => v.ok), JSON.stringify(r.verify));
  assert.ok(r.ok);
});
