// HTTP mapping of /connector-plugins/*, /admin/loggers/*, /health, /metrics, listeners and forwarding over
// real sockets, against a minimal fake herder.
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Registry, Counter } from 'prom-client';
import { ConfigError, NotFoundError } from '../../src/connect/api/errors.js';
import type { ConfigKeyInfo } from '../../src/connect/api/config-def.js';
import type { ConfigInfos, Herder, PluginInfo } from '../../src/connect/herder/herder.js';
import { createHttpForwarder, createRestServer, type RestHerder, type RestServer } from '../../src/connect/rest/server.js';
import { parseListeners } from '../../src/connect/rest/listeners.js';
import { getLevel, logger, setLevel } from '../../src/observability/logger.js';

const PLUGINS: PluginInfo[] = [
  { class: 'org.apache.kafka.connect.file.FileStreamSinkConnector', type: 'sink', version: '4.1.0' },
  { class: 'org.apache.kafka.connect.file.FileStreamSourceConnector', type: 'source', version: 'undefined' },
  { class: 'org.apache.kafka.connect.json.JsonConverter', type: 'converter', version: '4.1.0' },
];

const FILE_KEY: ConfigKeyInfo = {
  name: 'file', type: 'STRING', required: false, default_value: null, importance: 'HIGH', documentation: 'Source filename.',
  group: null, order: -1, width: 'NONE', display_name: 'file', dependents: [],
};

function unsupported(): never {
  throw new Error('not used by these tests');
}

/** Only what these endpoints call; the rest throws. */
function fakeHerder(overrides: Partial<RestHerder> = {}): RestHerder & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  const base: Herder = {
    ready: () => true,
    serverInfo: async () => ({ version: '4.1.0', commit: 'c0ffee', kafka_cluster_id: null }),
    workerId: () => '127.0.0.1:8083',
    connectors: async () => ['a'],
    connectorInfo: async (name) => ({ name, config: { name }, tasks: [], type: 'source' }),
    connectorConfig: unsupported,
    putConnectorConfig: unsupported,
    patchConnectorConfig: unsupported,
    deleteConnector: unsupported,
    connectorStatus: unsupported,
    taskStatus: unsupported,
    taskConfigs: unsupported,
    pauseConnector: unsupported,
    resumeConnector: unsupported,
    stopConnector: async (name) => { calls.push(['stopConnector', name]); },
    restartConnector: unsupported,
    restartTask: unsupported,
    connectorOffsets: unsupported,
    alterConnectorOffsets: unsupported,
    resetConnectorOffsets: unsupported,
    connectorActiveTopics: unsupported,
    resetConnectorActiveTopics: unsupported,
    plugins: (connectorsOnly) => { calls.push(['plugins', connectorsOnly]); return connectorsOnly ? PLUGINS.filter((p) => p.type === 'sink' || p.type === 'source') : PLUGINS; },
    pluginConfig: (name) => {
      if (name !== 'FileStreamSource') throw new NotFoundError(`Unknown plugin ${name}.`);
      return [FILE_KEY];
    },
    validateConnectorConfig: async (plugin, config): Promise<ConfigInfos> => {
      calls.push(['validateConnectorConfig', plugin, config]);
      return { name: config['connector.class'] ?? '', error_count: 0, groups: ['Common'], configs: [{ definition: FILE_KEY, value: { name: 'file', value: config.file ?? null, recommended_values: [], errors: [], visible: true } }] };
    },
    stop: async () => {},
  };
  return Object.assign(base, overrides, { calls });
}

const quiet = pino({ level: 'silent' });

const servers: RestServer[] = [];
function serve(herder: RestHerder, opts: Parameters<typeof createRestServer>[1] = {}): RestServer {
  const s = createRestServer(herder, { logger: quiet, listeners: 'http://localhost:0', ...opts });
  servers.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function inject(s: RestServer, method: 'GET' | 'PUT' | 'POST', url: string, body?: unknown, app = s.app) {
  const res = await app.inject({ method, url, ...(body === undefined ? {} : { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  return { status: res.statusCode, headers: res.headers, text: res.body, body: res.body === '' ? undefined : (JSON.parse(res.body) as unknown) };
}

void describe('/connector-plugins', () => {
  void test('connectorsOnly defaults to true; false lists every kind; version "undefined" omitted', async () => {
    const h = fakeHerder();
    const s = serve(h);
    const only = await inject(s, 'GET', '/connector-plugins');
    assert.equal(only.status, 200);
    assert.deepEqual(only.body, [
      { class: 'org.apache.kafka.connect.file.FileStreamSinkConnector', type: 'sink', version: '4.1.0' },
      { class: 'org.apache.kafka.connect.file.FileStreamSourceConnector', type: 'source' },
    ]);
    assert.equal(((await inject(s, 'GET', '/connector-plugins/?connectorsOnly=FALSE')).body as unknown[]).length, 3);
    await inject(s, 'GET', '/connector-plugins?connectorsOnly=');
    assert.deepEqual(h.calls, [['plugins', true], ['plugins', false], ['plugins', true]]);
  });

  void test('plugin config; 404 from the herder', async () => {
    const s = serve(fakeHerder());
    const r = await inject(s, 'GET', '/connector-plugins/FileStreamSource/config');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, [FILE_KEY]);
    assert.deepEqual((await inject(s, 'GET', '/connector-plugins/Nope/config')).body, { error_code: 404, message: 'Unknown plugin Nope.' });
  });

  void test('validate: 200 ConfigInfos when connector.class matches the plugin (either side may carry the Connector suffix)', async () => {
    const h = fakeHerder();
    const s = serve(h);
    for (const [plugin, cls] of [
      ['FileStreamSourceConnector', 'org.apache.kafka.connect.file.FileStreamSourceConnector'],
      ['FileStreamSource', 'org.apache.kafka.connect.file.FileStreamSourceConnector'],
      ['org.apache.kafka.connect.file.FileStreamSourceConnector', 'org.apache.kafka.connect.file.FileStreamSource'],
      ['FileStreamSourceConnector', 'FileStreamSource'],
    ] as const) {
      const r = await inject(s, 'PUT', `/connector-plugins/${plugin}/config/validate`, { 'connector.class': cls, file: '/tmp/x', 'tasks.max': 1 });
      assert.equal(r.status, 200, `${plugin} / ${cls}`);
      assert.equal((r.body as ConfigInfos).error_count, 0);
    }
    assert.deepEqual(h.calls.at(-1), ['validateConnectorConfig', 'FileStreamSourceConnector', { 'connector.class': 'FileStreamSource', file: '/tmp/x', 'tasks.max': '1' }]);
  });

  void test('validate: 400 when connector.class names another plugin or is missing', async () => {
    const s = serve(fakeHerder());
    assert.deepEqual((await inject(s, 'PUT', '/connector-plugins/FileStreamSink/config/validate', { 'connector.class': 'FileStreamSourceConnector' })).body,
      { error_code: 400, message: 'Included connector type FileStreamSourceConnector does not match request type FileStreamSink' });
    assert.deepEqual((await inject(s, 'PUT', '/connector-plugins/FileStreamSink/config/validate', { file: '/tmp/x', topics: 't' })).body,
      { error_code: 400, message: 'Connector config {file=/tmp/x, topics=t} contains no connector type' });
    // "Connector" alone is not stripped to an empty name.
    assert.equal((await inject(s, 'PUT', '/connector-plugins/Connector/config/validate', { 'connector.class': 'FileStreamSource' })).status, 400);
    assert.equal((await inject(s, 'PUT', '/connector-plugins/FileStreamSink/config/validate', ['x'])).status, 400);
  });
});

void describe('/admin/loggers', () => {
  const NS = 'ferry.resttest';

  void test('list (with and without trailing slash) and get', async () => {
    logger(`${NS}.child`);
    setLevel(NS, 'DEBUG');
    const s = serve(fakeHerder());
    for (const url of ['/admin/loggers', '/admin/loggers/']) {
      const r = await inject(s, 'GET', url);
      assert.equal(r.status, 200);
      const levels = r.body as Record<string, { level: string; last_modified: number | null }>;
      assert.ok(levels.root);
      assert.equal(levels[NS]?.level, 'DEBUG');
      assert.equal(typeof levels[NS]?.last_modified, 'number');
    }
    const one = await inject(s, 'GET', `/admin/loggers/${NS}`);
    assert.equal(one.status, 200);
    assert.deepEqual(Object.keys(one.body as object), ['level', 'last_modified']);
    assert.deepEqual((await inject(s, 'GET', '/admin/loggers/no.such.logger')).body, { error_code: 404, message: 'Logger no.such.logger not found.' });
  });

  void test('PUT worker scope (default and unknown scopes) → 200 affected loggers', async () => {
    logger(`${NS}.put.a`);
    const s = serve(fakeHerder());
    const r = await inject(s, 'PUT', `/admin/loggers/${NS}.put`, { level: 'trace' });
    assert.equal(r.status, 200);
    assert.ok((r.body as string[]).includes(`${NS}.put.a`));
    assert.equal(getLevel(`${NS}.put`)?.level, 'TRACE');
    const bogus = await inject(s, 'PUT', `/admin/loggers/${NS}.put?scope=galaxy`, { level: 'WARN' });
    assert.equal(bogus.status, 200);
    assert.equal(getLevel(`${NS}.put`)?.level, 'WARN');
  });

  void test('PUT cluster scope → 204, through the herder when it supports it', async () => {
    const seen: [string, string][] = [];
    const s = serve(fakeHerder({ setClusterLoggerLevel: async (ns, level) => { seen.push([ns, level]); } }));
    const r = await inject(s, 'PUT', `/admin/loggers/${NS}.cluster?scope=Cluster`, { level: 'ERROR' });
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.deepEqual(seen, [[`${NS}.cluster`, 'ERROR']]);
    const standalone = serve(fakeHerder());
    assert.equal((await inject(standalone, 'PUT', `/admin/loggers/${NS}.cluster2?scope=cluster`, { level: 'ERROR' })).status, 204);
    assert.equal(getLevel(`${NS}.cluster2`)?.level, 'ERROR');
  });

  void test('PUT without level → 400; invalid level → 404', async () => {
    const s = serve(fakeHerder());
    const missing = { error_code: 400, message: "Desired 'level' parameter was not specified in request." };
    assert.deepEqual((await inject(s, 'PUT', `/admin/loggers/${NS}`, {})).body, missing);
    assert.deepEqual((await inject(s, 'PUT', `/admin/loggers/${NS}`, { level: null })).body, missing);
    assert.deepEqual((await inject(s, 'PUT', `/admin/loggers/${NS}`)).body, missing);
    assert.deepEqual((await inject(s, 'PUT', `/admin/loggers/${NS}`, { level: 'LOUD' })).body, { error_code: 404, message: "invalid log level 'LOUD'." });
    assert.equal((await inject(s, 'PUT', `/admin/loggers/${NS}`, 'DEBUG')).status, 400);
  });
});

void describe('/health with a herder health check', () => {
  void test('500 unhealthy when a ready herder does not answer in time; 503 when not ready', async () => {
    let ready = true;
    const s = serve(fakeHerder({ ready: () => ready, healthCheck: () => new Promise<void>(() => {}) }), { healthCheckTimeoutMs: 30 });
    let r = await inject(s, 'GET', '/health');
    assert.equal(r.status, 500);
    assert.deepEqual(r.body, { status: 'unhealthy', message: 'Worker was unable to handle this request and may be unable to handle other requests.' });
    ready = false;
    r = await inject(s, 'GET', '/health');
    assert.equal(r.status, 503);
    const ok = serve(fakeHerder({ healthCheck: async () => {} }));
    assert.equal((await inject(ok, 'GET', '/health')).status, 200);
  });
});

void describe('/metrics', () => {
  void test('Prometheus text from the registry', async () => {
    const registry = new Registry();
    new Counter({ name: 'ferry_rest_test_total', help: 'test counter', registers: [registry] }).inc(3);
    const s = serve(fakeHerder(), { metricsRegistry: registry });
    const res = await s.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.match(res.body, /ferry_rest_test_total 3/);
    assert.equal((await serve(fakeHerder()).app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
  });
});

void describe('listeners', () => {
  void test('parses Connect listener values', () => {
    assert.deepEqual(parseListeners('http://:8083'), [{ protocol: 'http', host: '', port: 8083, raw: 'http://:8083' }]);
    assert.deepEqual(parseListeners(' http://localhost:8083, HTTP://[::1]:9000 ').map((l) => [l.protocol, l.host, l.port]), [['http', 'localhost', 8083], ['http', '::1', 9000]]);
    for (const bad of ['localhost:8083', 'http://host', 'ftp://h:1', 'http://h:99999', '']) assert.throws(() => parseListeners(bad), ConfigError, bad);
    assert.throws(() => createRestServer(fakeHerder(), { listeners: 'https://localhost:8443' }), ConfigError);
  });

  void test('start serves over HTTP on every listener; stop closes them', async () => {
    const s = createRestServer(fakeHerder(), { logger: quiet, listeners: 'http://localhost:0,http://127.0.0.1:0' });
    const { url, urls } = await s.start();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(urls.length, 2);
    for (const u of urls) {
      const res = await fetch(`${u}/connectors`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), ['a']);
    }
    await assert.rejects(s.start());
    await s.stop();
    await s.stop();
    await assert.rejects(fetch(`${url}/connectors`));
  });

  void test('admin.listeners unset: /admin on the main listeners', async () => {
    const s = serve(fakeHerder());
    assert.equal((await inject(s, 'GET', '/admin/loggers')).status, 200);
    assert.equal(s.adminApp, null);
  });

  void test('admin.listeners empty: admin endpoints disabled', async () => {
    const s = serve(fakeHerder(), { adminListeners: '' });
    assert.deepEqual((await inject(s, 'GET', '/admin/loggers')).body, { error_code: 404, message: 'HTTP 404 Not Found' });
    assert.equal((await inject(s, 'GET', '/connectors')).status, 200);
  });

  void test('admin.listeners set: admin endpoints only there', async () => {
    const s = serve(fakeHerder(), { adminListeners: 'http://localhost:0' });
    assert.ok(s.adminApp);
    assert.equal((await inject(s, 'GET', '/admin/loggers')).status, 404);
    assert.equal((await inject(s, 'GET', '/admin/loggers', undefined, s.adminApp)).status, 200);
    assert.equal((await inject(s, 'GET', '/connectors', undefined, s.adminApp)).status, 404);
    const { adminUrls } = await s.start();
    assert.equal(adminUrls.length, 1);
    assert.equal((await fetch(`${adminUrls[0]}/admin/loggers/`)).status, 200);
  });
});

void describe('createHttpForwarder', () => {
  void test('forwards to the leader over HTTP and relays its answer', async () => {
    const leaderHerder = fakeHerder();
    const stopOnLeader = leaderHerder.stopConnector.bind(leaderHerder);
    leaderHerder.stopConnector = async (name) => {
      if (name === 'missing') throw new NotFoundError('Unknown connector missing');
      return stopOnLeader(name);
    };
    const leader = serve(leaderHerder);
    const { url: leaderUrl } = await leader.start();
    const notLeader = Object.assign(new Error('not the leader'), { targetUrl: leaderUrl });
    const follower = serve(fakeHerder({ stopConnector: async () => { throw notLeader; } }), { forwarder: createHttpForwarder({ timeoutMs: 5000 }) });
    const { url } = await follower.start();
    const res = await fetch(`${url}/connectors/a%2Fb/stop`, { method: 'PUT', headers: { 'x-test': '1' } });
    assert.equal(res.status, 204);
    assert.deepEqual(leaderHerder.calls, [['stopConnector', 'a/b']]);
    // Errors from the target are relayed with their status and body.
    const missing = await fetch(`${url}/connectors/missing/stop?forward=true`, { method: 'PUT' });
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { error_code: 404, message: 'Unknown connector missing' });
  });

  void test('an unreachable target → 500 IO Error', async () => {
    const forward = createHttpForwarder({ timeoutMs: 2000 });
    await assert.rejects(forward({ method: 'GET', url: 'http://127.0.0.1:1/connectors', headers: {}, body: undefined }, Object.assign(new Error('x'), { targetUrl: 'http://127.0.0.1:1' })),
      (err: Error & { statusCode?: number }) => err.statusCode === 500 && err.message.startsWith('IO Error trying to forward REST request: '));
  });
});
