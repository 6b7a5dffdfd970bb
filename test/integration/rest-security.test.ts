// A worker you can expose, against a real broker: HTTPS + basic authentication on a standalone worker
// (401 without credentials, 201 with them, files outside file.allowed.paths and overrides the policy
// forbids refused), an unknown REST extension stopping the worker, and a distributed group over HTTPS where
// a follower forwards an authenticated write to the leader.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKafka, uniqueName, type KafkaHarness } from '../helpers/kafka.js';
import { tempDir, waitFor } from '../helpers/connect.js';
import { distributedProps } from '../helpers/distributed.js';
import { restTlsMaterial, type RestTlsMaterial } from '../helpers/rest-tls.js';
import { startStandalone, type StandaloneHandle } from '../../src/cli/connect.js';
import { startDistributed, type DistributedHandle } from '../../src/app/distributed.js';
import { createRestClient, type RestClient } from '../../src/connect/http-client.js';
import { restClientTls } from '../../src/connect/rest/tls.js';
import { ConfigError } from '../../src/connect/api/errors.js';

let kafka: KafkaHarness;
let bootstrap: string;
let tls: RestTlsMaterial;
const tmp = tempDir('ferry-rest-secure-');
const stops: Array<() => Promise<void>> = [];
const BASIC_AUTH = 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension';
const ALICE = `Basic ${Buffer.from('alice:alice-secret').toString('base64')}`;
let env: Record<string, string>;

before(async () => {
  kafka = await startKafka({ clusters: ['connect'] });
  bootstrap = kafka.clusters[0]!.bootstrap;
  tls = await restTlsMaterial(tmp.dir);
  const creds = join(tmp.dir, 'connect.password');
  writeFileSync(creds, 'alice: alice-secret\n');
  const jaas = join(tmp.dir, 'connect_jaas.conf');
  writeFileSync(jaas, `KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${creds}";\n};\n`);
  env = { KAFKA_OPTS: `-Djava.security.auth.login.config=${jaas}` };
});

after(async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
  await kafka?.stop();
  tmp.cleanup();
});

function caller(client: RestClient, base: string) {
  return async (method: string, path: string, opts: { auth?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown; headers: Record<string, string> }> => {
    const headers: Record<string, string> = {};
    if (opts.auth) headers.authorization = opts.auth;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await client(base.replace(/\/+$/, '') + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    let body: unknown;
    try { body = res.body === '' ? null : JSON.parse(res.body); } catch { body = res.body; }
    return { status: res.status, body, headers: res.headers };
  };
}

function message(body: unknown): string {
  return String((body as { message?: unknown } | null)?.message ?? '');
}

test('standalone over HTTPS with basic auth: 401 without credentials, 201 with them; unsafe configs refused', async () => {
  const files = join(tmp.dir, 'files');
  mkdirSync(files, { recursive: true });
  const input = join(files, 'in.txt');
  writeFileSync(input, 'one\ntwo\n');
  const props = {
    'bootstrap.servers': bootstrap,
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'offset.storage.file.filename': join(tmp.dir, 'standalone.offsets'),
    'offset.flush.interval.ms': '500',
    listeners: 'https://127.0.0.1:0',
    'rest.extension.classes': BASIC_AUTH,
    'connector.client.config.override.policy': 'None',
    'file.allowed.paths': files,
    ...Object.fromEntries(Object.entries(tls.serverProps('pkcs12')).map(([k, v]) => [`listeners.https.${k}`, v])),
  };
  const worker: StandaloneHandle = await startStandalone(props, [], { env });
  stops.push(() => worker.stop());
  assert.match(worker.url, /^https:\/\//);
  const call = caller(createRestClient(restClientTls({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': tls.pki.truststore.pem })), worker.url);

  const anonymous = await call('GET', '/connectors');
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers['www-authenticate'] ?? '', /^Basic /);
  assert.equal((await call('GET', '/connectors', { auth: `Basic ${Buffer.from('alice:nope').toString('base64')}` })).status, 401);
  assert.equal((await call('POST', '/connectors', { body: { name: 'x', config: { 'connector.class': 'FileStreamSource', file: input, topic: 't' } } })).status, 401);

  const topic = uniqueName('rest-sec');
  const created = await call('POST', '/connectors', { auth: ALICE, body: { name: 'lines', config: { 'connector.class': 'FileStreamSource', file: input, topic } } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await waitFor('the connector and its task to run', async () => {
    const s = await call('GET', '/connectors/lines/status', { auth: ALICE });
    const b = s.body as { connector?: { state: string }; tasks?: Array<{ state: string }> };
    return b.connector?.state === 'RUNNING' && b.tasks?.[0]?.state === 'RUNNING';
  });

  const passwd = await call('POST', '/connectors', { auth: ALICE, body: { name: 'passwd', config: { 'connector.class': 'FileStreamSource', file: '/etc/passwd', topic } } });
  assert.equal(passwd.status, 400);
  assert.match(message(passwd.body), /file\.allowed\.paths/);

  const override = await call('POST', '/connectors', { auth: ALICE, body: { name: 'ovr', config: { 'connector.class': 'FileStreamSink', file: join(files, 'out.txt'), topics: topic, 'consumer.override.bootstrap.servers': 'elsewhere:9092' } } });
  assert.equal(override.status, 400);
  assert.match(message(override.body), /'None' policy does not allow 'bootstrap\.servers'/);
  const validate = await call('PUT', '/connector-plugins/FileStreamSink/config/validate', { auth: ALICE, body: { 'connector.class': 'FileStreamSink', name: 'v', topics: topic, 'consumer.override.bootstrap.servers': 'elsewhere:9092' } });
  assert.equal(validate.status, 200);
  assert.equal((validate.body as { error_count: number }).error_count, 1);

  const control = await call('POST', '/connectors', { auth: ALICE, body: { name: 'bad\u0007name', config: { 'connector.class': 'FileStreamSource', file: input, topic } } });
  assert.equal(control.status, 400);
  assert.match(message(control.body), /control sequences/);

  // Plain HTTP to the HTTPS listener gets no API: the connection fails, or at most an error status.
  const plain = await createRestClient()(worker.url.replace('https:', 'http:') + '/connectors', { method: 'GET', timeoutMs: 3000 }).then((r) => r.status, (e: unknown) => (e instanceof Error ? e : new Error(String(e))));
  assert.ok(plain instanceof Error || plain >= 400, `plain HTTP to the HTTPS listener was served: ${String(plain)}`);
  assert.deepEqual((await call('GET', '/connectors', { auth: ALICE })).body, ['lines']);
});

test('an unsupported rest.extension.classes entry stops the worker at start, naming the class', async () => {
  await assert.rejects(startStandalone({
    'bootstrap.servers': bootstrap,
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'offset.storage.file.filename': join(tmp.dir, 'bad.offsets'),
    listeners: 'http://127.0.0.1:0',
    'rest.extension.classes': 'com.example.AuditRestExtension',
  }, [], { env }), (e: unknown) => e instanceof ConfigError && /com\.example\.AuditRestExtension/.test(e.message));
});

test('distributed over HTTPS with basic auth: a follower forwards an authenticated write to the leader', async () => {
  const group = uniqueName('rest-sec-dist');
  const files = join(tmp.dir, 'dist-files');
  mkdirSync(files, { recursive: true });
  const input = join(files, 'in.txt');
  writeFileSync(input, 'a\nb\n');
  const props = distributedProps(bootstrap, group, {
    listeners: 'https://127.0.0.1:0',
    'rest.advertised.listener': 'https',
    'rest.extension.classes': BASIC_AUTH,
    'file.allowed.paths': files,
    ...tls.serverProps('jks'),
  });
  const workers: DistributedHandle[] = [];
  for (let i = 0; i < 2; i++) {
    const h = await startDistributed(props, { env });
    stops.push(() => h.stop());
    workers.push(h);
  }
  await waitFor('one leader among the two workers', () => workers.filter((w) => w.herder.isLeader()).length === 1 && workers.every((w) => w.herder.leaderUrl() !== null));
  const follower = workers.find((w) => !w.herder.isLeader())!;
  const leader = workers.find((w) => w.herder.isLeader())!;
  assert.match(leader.herder.leaderUrl() ?? '', /^https:\/\/127\.0\.0\.1:\d+\/?$/);
  const client = createRestClient(restClientTls(tls.serverProps('pem')));
  const viaFollower = caller(client, follower.url);

  assert.equal((await viaFollower('GET', '/connectors')).status, 401);
  const refused = await viaFollower('POST', '/connectors', { body: { name: 'dist-lines', config: { 'connector.class': 'FileStreamSource', file: input, topic: uniqueName('t'), 'tasks.max': '1' } } });
  assert.equal(refused.status, 401);

  const created = await viaFollower('POST', '/connectors', { auth: ALICE, body: { name: 'dist-lines', config: { 'connector.class': 'FileStreamSource', file: input, topic: uniqueName('t'), 'tasks.max': '1' } } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await waitFor('the connector and its task to run in the group', async () => {
    const s = await caller(client, leader.url)('GET', '/connectors/dist-lines/status', { auth: ALICE });
    const b = s.body as { connector?: { state: string }; tasks?: Array<{ state: string }> };
    return b.connector?.state === 'RUNNING' && b.tasks?.[0]?.state === 'RUNNING';
  }, 60_000);
  // A write that only the leader can serve, sent to the follower, again forwarded.
  const paused = await viaFollower('PUT', '/connectors/dist-lines/pause', { auth: ALICE });
  assert.equal(paused.status, 202);
  const deleted = await viaFollower('DELETE', '/connectors/dist-lines', { auth: ALICE });
  assert.equal(deleted.status, 204);
});
