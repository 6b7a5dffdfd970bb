// Dedicated mode's process listener (`dedicated.mode.enable.internal.rest = true`, `listeners = http://…`), in a
// real `connect-mirror-maker` process against real clusters: one port serving /metrics for the process, the
// orchestrator probes (live while the flows still join, ready only once they joined and started their tasks) and
// the status page; SIGTERM closes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKafka, uniqueName, type KafkaHarness } from '../helpers/kafka.js';
import { tempDir, waitFor } from '../helpers/connect.js';
import { createTopics, endOffsets, produceMixed, spawnMirrorMaker, sum, writeMm2Properties } from '../helpers/mirror.js';
import { freePort } from '../helpers/distributed-failover.js';

let kafka: KafkaHarness;
const tmp = tempDir('ferry-health-dedicated-');

before(async () => { kafka = await startKafka({ clusters: ['a', 'b'] }); });
after(async () => { await kafka?.stop(); tmp.cleanup(); });

interface Probe { status: number; body: { status: string; checks: { name: string; ok: boolean; message: string }[] } }

async function probe(url: string): Promise<Probe | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: await res.json() as Probe['body'] };
  } catch {
    return null;
  }
}

test('connect-mirror-maker: one process listener; live while joining, ready once the flow runs its tasks; /metrics and /ui there', { timeout: 90_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const topic = uniqueName('hd');
  await createTopics(a.props, [{ topic, partitions: 2 }]);
  const port = await freePort();
  const file = writeMm2Properties(tmp.dir, { A: a.bootstrap, B: b.bootstrap }, {
    'A->B.enabled': 'true', 'A->B.topics': topic, 'B->A.enabled': 'false',
    'dedicated.mode.enable.internal.rest': 'true', 'listeners': `http://127.0.0.1:${port}`,
  });
  const base = `http://127.0.0.1:${port}`;
  const mm = spawnMirrorMaker(file.path, ['--clusters', 'B']);
  let failure: unknown = null;
  try {
    // While the flow's worker joins its group the process is live but not ready.
    const seen: string[] = [];
    const ready = await waitFor('ready', async () => {
      const [live, rd] = [await probe(`${base}/health/live`), await probe(`${base}/health/ready`)];
      if (live && rd) seen.push(`${live.status}/${rd.status}`);
      if (live) assert.equal(live.status, 200, `liveness never fails while starting: ${JSON.stringify(live.body)}`);
      // Readiness reflects the last rebalance's assignment: the flow's tasks come with the rebalance after its
      // connectors start, so wait for them too.
      return rd?.status === 200 && /^([2-9]|\d\d+) of /.test(rd.body.checks[0]?.message ?? '') ? rd : null;
    }, 60_000, 100).catch((e: Error) => { throw new Error(`${e.message}\n${mm.output().slice(-3000)}`); });
    assert.ok(seen.includes('200/503'), `live but not yet ready at first (seen ${[...new Set(seen)].join(', ')})`);
    assert.deepEqual(ready.body.checks.map((c) => c.name), ['A->B']);
    const started = /^(\d+) of (\d+) assigned task\(s\) started$/.exec(ready.body.checks[0]!.message);
    assert.ok(started && started[1] === started[2] && Number(started[2]) >= 2, `source and heartbeat tasks started: ${ready.body.checks[0]!.message}`);

    await produceMixed(a.props, [topic], { run: 'hd', partitions: 2, count: 400 });
    await waitFor('mirrored', async () => sum(await endOffsets(b.props, `A.${topic}`)) >= 400, 30_000, 200);
    const metrics = await waitFor('record count on the process listener', async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const counts = [...text.matchAll(new RegExp(`^kafka_connect_mirror_mirrorsourceconnector_record_count\\{[^}]*topic="A\\.${topic}"[^}]*\\} (\\d+)`, 'gm'))].map((m) => Number(m[1]));
      return sum(counts) === 400 ? text : null;
    }, 20_000, 250);
    assert.match(metrics, /^kafka_connect_worker_task_count \d+/m);
    assert.match(metrics, /^ferry_process_nodejs_eventloop_lag_max_seconds [\d.e+-]+$/m);
    const status = await (await fetch(`${base}/ui/status.json`)).json() as { flows: { name: string; state: string; topics: { topic: string }[] }[] };
    const flow = status.flows.find((f) => f.name === 'A->B');
    assert.equal(flow?.state, 'RUNNING');
    assert.deepEqual(flow?.topics.map((t) => t.topic), [topic]);
    assert.equal((await fetch(`${base}/ui`)).status, 200);
    assert.equal((await fetch(`${base}/connectors`)).status, 404, 'no worker API on the process listener');
  } catch (e) {
    failure = e;
  }
  const code = await mm.stop(20_000);
  if (failure) throw failure;
  assert.equal(code, 0, mm.output().slice(-2000));
  assert.equal(await probe(`${base}/health/live`), null, 'the listener closed with the process');
});
