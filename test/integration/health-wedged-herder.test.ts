// Liveness against a real distributed worker whose herder gets wedged: a connector (loaded from plugin.path)
// whose start() never returns holds the herder's work queue, as a hung connector or task stop would. GET /health/live
// turns 503 naming the herder once its queue has not answered within the health-check timeout, readiness fails
// too, and both recover when the connector's start() returns. Connect's GET /health says the same (500).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startDistributed } from '../../src/app/distributed.js';
import { distributedProps, rest, useDistributedKafka } from '../helpers/distributed.js';
import { uniqueName } from '../helpers/kafka.js';
import { waitFor } from '../helpers/connect.js';

const env = useDistributedKafka('hw', 'ferry-health-wedged-');

interface Probe { status: number; body: { status: string; checks: { name: string; ok: boolean; message: string }[] } }
async function probe(url: string, path: string): Promise<Probe> {
  const res = await fetch(url.replace(/\/$/, '') + path, { signal: AbortSignal.timeout(20_000) });
  return { status: res.status, body: await res.json() as Probe['body'] };
}

test('a wedged herder fails liveness and readiness, and both recover when it moves again', { timeout: 90_000 }, async () => {
  const pluginDir = join(env.tmp.dir, 'plugins');
  const api = pathToFileURL(new URL('../../src/connect/api/index.js', import.meta.url).pathname).href;
  mkdirSync(pluginDir, { recursive: true });
  // start() waits for globalThis.__ferryReleaseHang, set by the test.
  writeFileSync(join(pluginDir, 'hanging.mjs'), `
import { ConfigDef, SourceConnector, SourceTask } from '${api}';
class IdleTask extends SourceTask { start() {} async poll(signal) { await new Promise((r) => setTimeout(r, 200)); return null; } stop() {} }
class HangingConnector extends SourceConnector {
  config() { return new ConfigDef(); }
  start() { return new Promise((resolve) => { globalThis.__ferryReleaseHang = resolve; }); }
  taskClass() { return IdleTask; }
  taskConfigs() { return [{}]; }
  stop() {}
}
export const plugins = [{ className: 'com.example.HangingConnector', kind: 'source', create: () => new HangingConnector() }];
`);
  const group = uniqueName('hw');
  const worker = await startDistributed(distributedProps(env.bootstrap, group, { 'plugin.path': pluginDir }));
  env.handles.push(worker);
  const g = globalThis as { __ferryReleaseHang?: () => void };
  try {
    assert.equal((await probe(worker.url, '/health/live')).status, 200);
    assert.equal((await probe(worker.url, '/health/ready')).status, 200);

    const created = await rest(worker.url, 'POST', '/connectors', { name: 'hangs', config: { 'connector.class': 'com.example.HangingConnector', 'tasks.max': '1' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await waitFor('the connector start() to be called', () => g.__ferryReleaseHang !== undefined, 30_000, 100);

    // The herder's queue is stuck behind start(): liveness fails within the health-check timeout (10 s).
    const wedged = await waitFor('liveness to fail', async () => {
      const p = await probe(worker.url, '/health/live');
      return p.status === 503 ? p : null;
    }, 30_000, 500);
    assert.equal(wedged.body.status, 'failing');
    const herderCheck = wedged.body.checks.find((c) => c.name === worker.herder.workerId());
    assert.deepEqual([herderCheck?.ok, herderCheck?.message], [false, 'herder did not answer within 10000 ms']);
    assert.equal(wedged.body.checks.find((c) => c.name === 'event-loop')?.ok, true, 'the event loop itself runs');
    assert.equal((await probe(worker.url, '/health/ready')).status, 503);
    assert.equal((await fetch(worker.url.replace(/\/$/, '') + '/health', { signal: AbortSignal.timeout(20_000) })).status, 500, 'Connect\'s /health agrees');

    g.__ferryReleaseHang?.();
    await waitFor('liveness back', async () => (await probe(worker.url, '/health/live')).status === 200, 20_000, 250);
    const ready = await waitFor('ready with the connector\'s task started', async () => {
      const p = await probe(worker.url, '/health/ready');
      return p.status === 200 && /^1 of 1 /.test(p.body.checks[0]?.message ?? '') ? p : null;
    }, 30_000, 250);
    assert.equal(ready.body.checks[0]?.ok, true);
  } finally {
    g.__ferryReleaseHang?.();
    delete g.__ferryReleaseHang;
  }
});
