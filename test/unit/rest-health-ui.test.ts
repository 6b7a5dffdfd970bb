// Orchestrator probes (/health/live, /health/ready) and the status page's routes and data, without brokers:
// a fake herder that can be wedged, not ready, or running tasks in given states; a real event-loop stall; basic
// authentication in front of everything but the probes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Gauge, Registry } from 'prom-client';
import type { Herder, TaskState } from '../../src/connect/herder/herder.js';
import { createProcessRestServer, createRestServer, type RestHerder, type RestServerOptions } from '../../src/connect/rest/server.js';
import { loadBasicAuth } from '../../src/connect/rest/auth.js';
import { statusReport } from '../../src/connect/rest/ui/status.js';
import { tempDir } from '../helpers/connect.js';
import { processRestOptions } from '../../src/mirror/dedicated.js';
import { ConfigError } from '../../src/connect/api/errors.js';
import { pollUntil, sleep } from '../../src/backoff.js';

const tmp = tempDir('ferry-rest-health-');
after(() => tmp.cleanup());

interface FakeOpts {
  ready?: boolean;
  /** healthCheck never settles (a wedged herder queue). */
  wedged?: boolean;
  tasks?: { connector: string; task: number; state: TaskState['state'] | null; workerId?: string }[];
  workerId?: string;
}

function fakeHerder(o: FakeOpts): RestHerder {
  const workerId = o.workerId ?? 'w1:8083';
  const tasks = o.tasks ?? [];
  const h: Partial<Herder> & Record<string, unknown> = {
    ready: () => o.ready ?? true,
    workerId: () => workerId,
    healthCheck: () => (o.wedged ? new Promise<void>(() => undefined) : Promise.resolve()),
    assignment: () => ({ connectors: [], tasks: tasks.map((t) => ({ connector: t.connector, task: t.task })) }),
    taskStatus: async (c: string, t: number) => {
      const e = tasks.find((x) => x.connector === c && x.task === t);
      if (!e || e.state === null) throw new Error('no status');
      return { id: t, state: e.state, worker_id: e.workerId ?? workerId };
    },
    connectors: async () => [...new Set(tasks.map((t) => t.connector))],
    connectorConfig: async (c: string) => ({ 'source.cluster.alias': 'A', 'target.cluster.alias': 'B', name: c }),
    connectorStatus: async (c: string) => ({
      name: c, type: 'source', connector: { state: 'RUNNING', worker_id: workerId },
      tasks: tasks.filter((t) => t.connector === c).map((t) => ({ id: t.task, state: t.state ?? 'UNASSIGNED', worker_id: t.workerId ?? workerId, ...(t.state === 'FAILED' ? { trace: 'org.example.Boom: disk on fire\n\tat x' } : {}) })),
    }),
  };
  return h as unknown as RestHerder;
}

async function serve(herder: RestHerder, opts: RestServerOptions = {}) {
  const server = createRestServer(herder, { listeners: 'http://127.0.0.1:0', healthCheckTimeoutMs: 300, ...opts });
  const { url } = await server.start();
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, { headers });
    const text = await res.text();
    let body: unknown = text;
    try { body = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body: body as { status?: string; checks?: { name: string; ok: boolean; message: string }[] }, text, headers: res.headers };
  };
  return { url, get, stop: () => server.stop() };
}

test('liveness: 200 for a herder that answers and for one still starting; 503 naming a wedged herder', async () => {
  for (const [o, status] of [[{}, 200], [{ ready: false, wedged: true }, 200], [{ wedged: true }, 503]] as const) {
    const s = await serve(fakeHerder(o));
    try {
      const r = await s.get('/health/live');
      assert.equal(r.status, status, JSON.stringify(r.body));
      if (status === 503) {
        assert.equal(r.body.status, 'failing');
        assert.match(r.body.checks?.find((c) => !c.ok)?.message ?? '', /did not answer within 300 ms/);
      }
    } finally { await s.stop(); }
  }
});

test('liveness fails after an event-loop stall longer than the limit, and recovers when the window has passed', async () => {
  const STALL_WINDOW_MS = 1500;
  const s = await serve(fakeHerder({}), { health: { eventLoopStallMs: 400, stallWindowMs: STALL_WINDOW_MS } });
  try {
    assert.equal((await s.get('/health/live')).status, 200);
    // A fixed time is the point: the watchdog's timer (100 ms interval) ticks once more, so the stall measured is the wedge alone.
    await sleep(150);
    const until = Date.now() + 700;
    while (Date.now() < until) { /* the event loop is wedged */ }
    // Well within the stall window: the probe reports the stall once the watchdog has seen it.
    const r = await pollUntil('/health/live to report the stall (503)', async () => {
      const x = await s.get('/health/live');
      return x.status === 503 ? x : null;
    }, { timeoutMs: 1000, intervalMs: 50 });
    assert.equal(r.status, 503, JSON.stringify(r.body));
    const check = r.body.checks?.find((c) => c.name === 'event-loop');
    assert.equal(check?.ok, false);
    assert.match(check?.message ?? '', /event loop stalled for (6|7|8|9)\d\d ms/);
    // A fixed time is the point: the stall window must have passed.
    await sleep(STALL_WINDOW_MS + 100);
    assert.equal((await s.get('/health/live')).status, 200);
  } finally { await s.stop(); }
});

test('readiness: not before the worker joined, not while an assigned task is unstarted or on another worker; a FAILED task is started', async () => {
  const cases: [FakeOpts, number, RegExp][] = [
    [{ ready: false }, 503, /not joined/],
    [{ tasks: [{ connector: 'c', task: 0, state: 'RUNNING' }, { connector: 'c', task: 1, state: null }] }, 503, /1 of 2 assigned task\(s\) started/],
    [{ tasks: [{ connector: 'c', task: 0, state: 'RUNNING', workerId: 'other:8083' }] }, 503, /0 of 1/],
    [{ tasks: [{ connector: 'c', task: 0, state: 'RUNNING' }, { connector: 'c', task: 1, state: 'FAILED' }] }, 200, /2 of 2 assigned task\(s\) started, 1 failed/],
    [{ tasks: [] }, 200, /0 of 0/],
  ];
  for (const [o, status, message] of cases) {
    const s = await serve(fakeHerder(o));
    try {
      const r = await s.get('/health/ready');
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.match(r.body.checks?.[0]?.message ?? '', message);
    } finally { await s.stop(); }
  }
});

test('with basic authentication the probes answer without a login; /metrics, /health, /ui and its data need one', async () => {
  const creds = join(tmp.dir, 'users.properties');
  writeFileSync(creds, 'admin: secret\n');
  const jaas = join(tmp.dir, 'jaas.conf');
  writeFileSync(jaas, `KafkaConnect {\n org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file="${creds}";\n};\n`);
  const authenticator = loadBasicAuth({ KAFKA_OPTS: `-Djava.security.auth.login.config=${jaas}` });
  const s = await serve(fakeHerder({ tasks: [{ connector: 'c', task: 0, state: 'RUNNING' }] }), { authenticator, metricsRegistry: new Registry() });
  const login = { authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` };
  try {
    assert.equal((await s.get('/health/live')).status, 200);
    assert.equal((await s.get('/health/ready')).status, 200);
    assert.equal((await s.get('/health/ready/')).status, 200);
    for (const p of ['/metrics', '/health', '/ui', '/ui/app.js', '/ui/status.json', '/connectors']) {
      const r = await s.get(p);
      assert.equal(r.status, 401, p);
      assert.equal(r.headers.get('www-authenticate'), 'Basic realm="KafkaConnect"', p);
      assert.equal((await s.get(p, login)).status, 200, `${p} with a login`);
    }
    // Only reads are public: a POST to a probe path is authenticated like any other request.
    assert.equal((await fetch(s.url + '/health/live', { method: 'POST' })).status, 401);
  } finally { await s.stop(); }
});

test('/ui serves the page with a strict CSP; its data shows flows, lag, checkpoints, recovery point and task errors', async () => {
  const registry = new Registry();
  const tp = ['source', 'target', 'topic', 'partition'];
  const lagRecords = new Gauge({ name: 'ferry_mirror_lag_records', help: 'x', labelNames: tp, registers: [registry] });
  const lagMs = new Gauge({ name: 'ferry_mirror_lag_ms', help: 'x', labelNames: tp, registers: [registry] });
  const age = new Gauge({ name: 'ferry_mirror_checkpoint_age_seconds', help: 'x', labelNames: ['source', 'target', 'group'], registers: [registry] });
  const rp = new Gauge({ name: 'ferry_mirror_recovery_point_seconds', help: 'x', labelNames: ['source', 'target'], registers: [registry] });
  const errs = new Gauge({ name: 'kafka_connect_task_error_total_record_errors', help: 'x', labelNames: ['connector', 'task'], registers: [registry] });
  lagRecords.set({ source: 'A', target: 'B', topic: 'orders', partition: '0' }, 5);
  lagRecords.set({ source: 'A', target: 'B', topic: 'orders', partition: '1' }, 7);
  lagMs.set({ source: 'A', target: 'B', topic: 'orders', partition: '0' }, 2500);
  lagMs.set({ source: 'A', target: 'B', topic: 'orders', partition: '1' }, 4000);
  age.set({ source: 'A', target: 'B', group: 'billing' }, 3);
  rp.set({ source: 'A', target: 'B' }, 4);
  errs.set({ connector: 'MirrorSourceConnector', task: '1' }, 2);
  const herder = fakeHerder({ tasks: [{ connector: 'MirrorSourceConnector', task: 0, state: 'RUNNING' }, { connector: 'MirrorSourceConnector', task: 1, state: 'FAILED' }] });
  const report = await statusReport([{ name: 'w1', herder }], registry);
  assert.equal(report.flows.length, 1);
  const f = report.flows[0]!;
  assert.equal(f.name, 'A->B');
  assert.equal(f.state, 'FAILED', 'the worst state of the flow\'s connector and tasks');
  assert.equal(f.recoveryPointSeconds, 4);
  assert.deepEqual(f.topics, [{ topic: 'orders', partitions: 2, lagRecords: 12, lagSeconds: 4, recordsMirrored: 0 }]);
  assert.deepEqual(f.checkpoints, [{ group: 'billing', ageSeconds: 3, latencyMs: null }]);
  // Without any metric yet, the flow shows from its connectors' cluster aliases, with their state.
  const early = await statusReport([{ name: 'w1', herder }], null);
  assert.deepEqual(early.flows.map((x) => [x.name, x.state, x.topics.length, x.recoveryPointSeconds]), [['A->B', 'FAILED', 0, null]]);
  const task1 = report.workers[0]!.connectors[0]!.tasks[1]!;
  assert.equal(task1.trace, 'org.example.Boom: disk on fire', 'the first line of the trace');
  assert.equal(task1.recordErrors, 2);

  const s = await serve(herder, { metricsRegistry: registry });
  try {
    const page = await s.get('/ui');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(page.text, /<script src="\/ui\/app.js"><\/script>/);
    assert.doesNotMatch(page.text, /<script>/, 'no inline script (the CSP forbids it)');
    const js = await s.get('/ui/app.js');
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.match(js.text, /\/ui\/status\.json/);
    assert.doesNotMatch(js.text, /innerHTML/, 'names are rendered as text, never as markup');
    const data = await s.get('/ui/status.json');
    assert.deepEqual((data.body as unknown as { flows: unknown[] }).flows, JSON.parse(JSON.stringify(report.flows)));
  } finally { await s.stop(); }
});

test('a process listener (dedicated mode) serves /metrics, the probes and /ui over its flows, and no worker API', async () => {
  const registry = new Registry();
  const flows = [{ name: 'A->B', herder: fakeHerder({ tasks: [{ connector: 'MirrorSourceConnector', task: 0, state: 'RUNNING' }] }) }, { name: 'B->A', herder: fakeHerder({ ready: false }) }];
  const server = createProcessRestServer({ listeners: 'http://127.0.0.1:0', metricsRegistry: registry, workers: () => flows });
  const { url } = await server.start();
  try {
    assert.equal((await fetch(url + '/metrics')).status, 200);
    assert.equal((await fetch(url + '/health/live')).status, 200);
    const ready = await fetch(url + '/health/ready');
    assert.equal(ready.status, 503, 'one flow has not joined yet');
    assert.match(await ready.text(), /B->A/);
    flows[1] = { name: 'B->A', herder: fakeHerder({}) };
    assert.equal((await fetch(url + '/health/ready')).status, 200);
    const status = await (await fetch(url + '/ui/status.json')).json() as { flows: { name: string }[]; workers: { name: string }[] };
    assert.deepEqual(status.flows.map((f) => f.name), ['A->B', 'B->A']);
    for (const p of ['/', '/connectors', '/health', '/admin/loggers']) assert.equal((await fetch(url + p)).status, 404, p);
  } finally { await server.stop(); }
});

test('mm2.properties: the process listener only with dedicated.mode.enable.internal.rest=true; REST keys without it are an error', () => {
  assert.equal(processRestOptions({ clusters: 'A, B' }), null);
  assert.equal(processRestOptions({ 'dedicated.mode.enable.internal.rest': 'false' }), null);
  assert.equal(processRestOptions({ 'dedicated.mode.enable.internal.rest': 'true' })?.listeners, 'http://localhost:8083');
  assert.equal(processRestOptions({ 'dedicated.mode.enable.internal.rest': 'TRUE', listeners: 'http://0.0.0.0:9090' })?.listeners, 'http://0.0.0.0:9090');
  assert.throws(() => processRestOptions({ listeners: 'http://0.0.0.0:9090' }), (e: Error) => e instanceof ConfigError && /listeners only apply with dedicated\.mode\.enable\.internal\.rest=true/.test(e.message));
  assert.throws(() => processRestOptions({ 'dedicated.mode.enable.internal.rest': 'yes' }), /Invalid value yes for configuration dedicated\.mode\.enable\.internal\.rest/);
  assert.throws(() => processRestOptions({ 'dedicated.mode.enable.internal.rest': 'true', 'rest.extension.classes': 'com.example.Nope' }), /com\.example\.Nope is not supported/);
});
