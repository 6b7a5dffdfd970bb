// REST fuzzing against a standalone and a distributed worker on a real broker: ~1,200 generated requests
// (malformed JSON, wrong types, huge and odd names, unknown keys, bad regexes, wrong methods and content
// types, oversized bodies) from a fixed seed. No answer may be ≥ 500, the worker must keep answering, and a
// connector created before the storm must still be RUNNING (and still reading its file) afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKafka, uniqueName, type KafkaHarness } from '../helpers/kafka.js';
import { startTestWorker, tempDir, waitFor, type TestWorker } from '../helpers/connect.js';
import { distributedProps, readTopic } from '../helpers/distributed.js';
import { startDistributed, type DistributedHandle } from '../../src/app/distributed.js';
import { createRestClient } from '../../src/connect/http-client.js';
import { seededRandom } from '../../bench/lib/stats.js';

const SEED = 0x14f0221;
const REQUESTS_PER_WORKER = 600;
const CONCURRENCY = 4;
/** Bounded: the storm stops here whatever is left (the suite must stay under two minutes). */
const TIME_BUDGET_MS = 45_000;

let kafka: KafkaHarness;
let bootstrap: string;
const tmp = tempDir('ferry-rest-fuzz-');
const stops: Array<() => Promise<void>> = [];
const client = createRestClient();

before(async () => {
  kafka = await startKafka({ clusters: ['connect'] });
  bootstrap = kafka.clusters[0]!.bootstrap;
});

after(async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
  await kafka?.stop();
  tmp.cleanup();
});

interface FuzzRequest { method: string; path: string; headers: Record<string, string>; body?: string; what: string }

function generator(seed: number, guardName: string, files: string) {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const enc = (s: string) => (chance(0.8) ? encodeURIComponent(s) : s.replace(/[?#]/g, ''));

  const names = (): string => pick([
    () => `fz-${Math.floor(rnd() * 50)}`,
    () => 'x'.repeat(1 + Math.floor(rnd() * 700)),
    () => 'y'.repeat(5000),
    () => 'ünï-cødé-😀',
    () => 'with space',
    () => 'a/b',
    () => '..',
    () => '%zz',
    () => 'tab\tname',
    () => 'nl\nname',
    () => '\u0000nul',
    () => '',
    () => ' ',
    () => '{}',
    () => 'a'.repeat(513),
  ])();
  const safeName = (): string => { const n = names(); return n === guardName ? 'fz-other' : n; };

  const regexes = ['(', '[', '(a+)+$', '*', '\\', '(?<n>', 'a{99999999999}', '.*', 'topic-[0-9]+'];
  const classes = ['FileStreamSource', 'FileStreamSink', 'org.apache.kafka.connect.file.FileStreamSinkConnector', 'com.example.Nope', '', '   ', 'org.apache.kafka.connect.mirror.MirrorSourceConnector', 'JsonConverter'];
  const badValue = (): unknown => pick<() => unknown>([
    () => 'abc', () => -1, () => 1e308, () => '99999999999999999999', () => null, () => true, () => [], () => ({ a: 1 }), () => '', () => 'x'.repeat(10_000), () => '${file:/etc/passwd:x}',
  ])();

  const config = (): Record<string, unknown> => {
    const c: Record<string, unknown> = {};
    if (chance(0.9)) c['connector.class'] = pick(classes);
    if (chance(0.5)) c['tasks.max'] = chance(0.5) ? String(1 + Math.floor(rnd() * 3)) : badValue();
    if (chance(0.4)) c.topics = chance(0.5) ? `fz-${Math.floor(rnd() * 5)}` : badValue();
    if (chance(0.4)) c['topics.regex'] = pick(regexes);
    if (chance(0.3)) c['errors.deadletterqueue.topic.name'] = chance(0.7) ? 'fz-dlq' : badValue();
    if (chance(0.3)) c['errors.tolerance'] = pick(['all', 'none', 'maybe', '']);
    if (chance(0.3)) c.topic = chance(0.5) ? 'fz-out' : badValue();
    if (chance(0.4)) c.file = pick(['/etc/passwd', join(files, 'fz.txt'), '../../etc/shadow', '', join(files, '..', 'escape.txt')]);
    if (chance(0.3)) c.transforms = pick(['a', 'a,b', '', 'a,,a']);
    if (chance(0.2)) c['transforms.a.type'] = pick(['org.apache.kafka.connect.transforms.RegexRouter', 'com.example.Nope', '']);
    if (chance(0.2)) c['transforms.a.regex'] = pick(regexes);
    if (chance(0.2)) c['transforms.a.replacement'] = '$1-x';
    if (chance(0.2)) c['consumer.override.bootstrap.servers'] = 'elsewhere:9092';
    if (chance(0.2)) c['key.converter'] = pick(['org.apache.kafka.connect.json.JsonConverter', 'com.example.Nope', '']);
    if (chance(0.3)) for (let i = 0; i < 1 + Math.floor(rnd() * 5); i++) c[`unknown.key.${Math.floor(rnd() * 1000)}`] = badValue();
    if (chance(0.1)) c[''] = 'empty key';
    if (chance(0.1)) c['__proto__'] = { polluted: true };
    if (chance(0.2)) c.name = chance(0.5) ? safeName() : badValue();
    return c;
  };

  const body = (): { text: string | undefined; kind: string } => pick<() => { text: string | undefined; kind: string }>([
    () => ({ text: JSON.stringify({ name: safeName(), config: config() }), kind: 'create' }),
    () => ({ text: JSON.stringify(config()), kind: 'config' }),
    () => ({ text: pick(['{', '[', '{"a":}', 'nul', '"', '{"name": "x", "config": {"a": 1,}}', '\u0000', '{"a":"\\ud800"}']), kind: 'malformed' }),
    () => ({ text: JSON.stringify(badValue()), kind: 'wrong type' }),
    () => ({ text: JSON.stringify({ name: badValue(), config: badValue() }), kind: 'wrong field types' }),
    () => ({ text: JSON.stringify({ offsets: pick<unknown>([[], null, 'x', [{ partition: null }], [{ partition: { filename: 1 }, offset: { position: -5 } }], [{ partition: { kafka_topic: 't', kafka_partition: 'x' }, offset: { kafka_offset: 'y' } }]]) }), kind: 'offsets' }),
    () => ({ text: '['.repeat(20_000) + ']'.repeat(20_000), kind: 'deep nesting' }),
    () => ({ text: JSON.stringify({ name: 'big', config: { 'connector.class': 'FileStreamSink', pad: 'p'.repeat(2 * 1024 * 1024) } }), kind: 'oversized' }),
    () => ({ text: undefined, kind: 'no body' }),
    () => ({ text: JSON.stringify({ level: pick(['DEBUG', 'nope', '', 5]) }), kind: 'logger level' }),
  ])();

  /** A path and the methods Connect serves on it (the generator mostly uses those, sometimes any other). */
  const path = (): { path: string; methods: string[] } => {
    const n = enc(safeName());
    const task = pick(['0', '1', '-1', '99999999999', 'abc', '1e3', '']);
    const plugin = enc(pick([...classes, 'x'.repeat(300)]));
    const q = chance(0.3) ? `?${pick(['expand=status', 'expand=info&expand=nope', 'includeTasks=maybe&onlyFailed=1', 'forward=false', 'forward=true', 'scope=cluster', 'connectorsOnly=nope', 'a=%zz', 'expand'])}` : '';
    const [p, methods] = pick<[string, string[]]>([
      ['/', ['GET']], ['/connectors', ['GET', 'POST', 'POST', 'POST']], [`/connectors/${n}`, ['GET', 'DELETE']], [`/connectors/${n}/config`, ['GET', 'PUT', 'PUT', 'PATCH']],
      [`/connectors/${n}/status`, ['GET']], [`/connectors/${n}/restart`, ['POST']], [`/connectors/${n}/tasks`, ['GET', 'POST']],
      [`/connectors/${n}/tasks/${task}/status`, ['GET']], [`/connectors/${n}/tasks/${task}/restart`, ['POST']], [`/connectors/${n}/pause`, ['PUT']],
      [`/connectors/${n}/resume`, ['PUT']], [`/connectors/${n}/stop`, ['PUT']], [`/connectors/${n}/offsets`, ['GET', 'PATCH', 'DELETE']],
      [`/connectors/${n}/topics`, ['GET']], [`/connectors/${n}/topics/reset`, ['PUT']], [`/connectors/${n}/fence`, ['PUT']], ['/connector-plugins', ['GET']],
      [`/connector-plugins/${plugin}/config`, ['GET']], [`/connector-plugins/${plugin}/config/validate`, ['PUT', 'PUT', 'PUT']],
      ['/admin/loggers', ['GET']], [`/admin/loggers/${enc(pick(['root', 'org.apache.kafka', 'x'.repeat(2000), '']))}`, ['GET', 'PUT']], ['/health', ['GET']],
      [`/nope/${n}`, ['GET']], ['//connectors', ['GET', 'POST']], ['/connectors/', ['GET', 'POST']],
    ]);
    return { path: p + q, methods };
  };

  return (): FuzzRequest => {
    const target = path();
    const method = chance(0.8) ? pick(target.methods) : pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'PURGE']);
    const p = target.path;
    const b = method === 'GET' || method === 'HEAD' ? { text: undefined, kind: 'no body' } : body();
    const headers: Record<string, string> = {};
    const ct = chance(0.75) ? pick(['application/json', 'application/json; charset=utf-8']) : pick(['text/plain', 'application/x-www-form-urlencoded', '', 'garbage/garbage', 'application/json; charset=latin1']);
    if (ct !== '' && b.text !== undefined) headers['content-type'] = ct;
    if (chance(0.05)) headers.origin = pick(['http://evil.example', 'null']);
    if (chance(0.05)) headers.accept = 'text/html';
    return { method, path: p, headers, ...(b.text !== undefined ? { body: b.text } : {}), what: `${method} ${p.slice(0, 120)} [${b.kind}; ${ct || 'no content type'}]` };
  };
}

async function storm(baseUrl: string, seed: number, guardName: string, files: string): Promise<{ sent: number; byStatus: Map<number, number>; failures: string[] }> {
  const next = generator(seed, guardName, files);
  const base = baseUrl.replace(/\/+$/, '');
  const byStatus = new Map<number, number>();
  const failures: string[] = [];
  const deadline = Date.now() + TIME_BUDGET_MS;
  let sent = 0;
  // Requests are generated up front in order, so the set is the same whatever the interleaving.
  const requests = Array.from({ length: REQUESTS_PER_WORKER }, () => next());
  let index = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (index < requests.length && Date.now() < deadline) {
      const r = requests[index++]!;
      sent++;
      try {
        const res = await client(base + r.path, { method: r.method, headers: r.headers, body: r.body, timeoutMs: 20_000 });
        byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
        if (res.status >= 500) failures.push(`${r.what} → ${res.status} ${res.body.slice(0, 300)}`);
      } catch (e) {
        failures.push(`${r.what} → no answer: ${(e as Error).message}`);
      }
    }
  }));
  return { sent, byStatus, failures };
}

async function guardRunning(base: string, name: string): Promise<boolean> {
  const res = await client(`${base.replace(/\/+$/, '')}/connectors/${name}/status`, { method: 'GET' });
  if (res.status !== 200) return false;
  const b = JSON.parse(res.body) as { connector: { state: string }; tasks: Array<{ state: string }> };
  return b.connector.state === 'RUNNING' && b.tasks.length > 0 && b.tasks.every((t) => t.state === 'RUNNING');
}

async function call(url: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; message: string; body: string }> {
  const res = await client(`${url.replace(/\/+$/, '')}${path}`, {
    method, headers: body === undefined ? {} : { 'content-type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  let message = '';
  try { message = String((JSON.parse(res.body) as { message?: unknown }).message ?? ''); } catch { /* not JSON */ }
  return { status: res.status, message, body: res.body };
}

/** Bad input the issue names, each answered 4xx with the field named; names at the limit stay addressable. */
async function explicitChecks(label: string, url: string, files: string): Promise<void> {
  const sink = (extra: Record<string, string>) => ({ 'connector.class': 'FileStreamSink', file: join(files, 'sink.txt'), ...extra });
  const expect4xx = async (what: string, r: Promise<{ status: number; message: string }>, field: RegExp, status = 400) => {
    const res = await r;
    assert.equal(res.status, status, `${label}: ${what}: ${res.message}`);
    assert.match(res.message, field, `${label}: ${what}`);
  };
  await expect4xx('topics.regex "(" with a DLQ', call(url, 'POST', '/connectors', { name: 'fz-regex', config: sink({ 'topics.regex': '(', 'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': 'fz-dlq' }) }), /topics\.regex/);
  const validate = await call(url, 'PUT', '/connector-plugins/FileStreamSink/config/validate', sink({ name: 'v', 'topics.regex': '(', 'errors.deadletterqueue.topic.name': 'fz-dlq' }));
  assert.equal(validate.status, 200, `${label}: validate with a bad regex: ${validate.body}`);
  assert.match(validate.body, /Invalid value \( for configuration topics\.regex/);
  await expect4xx('control character in a name', call(url, 'POST', '/connectors', { name: 'a\nb', config: sink({ topics: 't' }) }), /control/);
  await expect4xx('name over the limit', call(url, 'POST', '/connectors', { name: 'n'.repeat(513), config: sink({ topics: 't' }) }), /at most 512/);
  await expect4xx('tasks.max not a number', call(url, 'POST', '/connectors', { name: 'fz-tasks', config: sink({ topics: 't', 'tasks.max': 'lots' }) }), /tasks\.max/);
  await expect4xx('config not an object', call(url, 'POST', '/connectors', { name: 'fz-x', config: 'nope' }), /config/);
  await expect4xx('name of the wrong type', call(url, 'POST', '/connectors', { name: { a: 1 }, config: sink({ topics: 't' }) }), /name/);
  await expect4xx('malformed JSON', call(url, 'POST', '/connectors', '{"name": '), /JSON/);
  await expect4xx('a form post', call(url, 'POST', '/connectors/guard/restart', 'a=b', 'application/x-www-form-urlencoded'), /Content-Type/, 415);
  await expect4xx('a file outside file.allowed.paths', call(url, 'POST', '/connectors', { name: 'fz-passwd', config: { 'connector.class': 'FileStreamSource', file: '/etc/passwd', topic: 't' } }), /file\.allowed\.paths/);
  await expect4xx('an override the policy forbids', call(url, 'POST', '/connectors', { name: 'fz-ovr', config: sink({ topics: 't', 'consumer.override.bootstrap.servers': 'x:1' }) }), /consumer\.override\.bootstrap\.servers|bootstrap\.servers/);
  await expect4xx('an oversized body', call(url, 'POST', '/connectors', { name: 'fz-big', config: sink({ topics: 't', pad: 'p'.repeat(2 * 1024 * 1024) }) }), /body/i, 413);
  await expect4xx('a name no URL can address', call(url, 'POST', '/connectors', { name: '..', config: sink({ topics: 't' }) }), /cannot be used in a URL/);
  // Every name the API accepts can be read and deleted through it.
  for (const name of ['n'.repeat(512), 'ünï-cødé 😀 /slash?#%', '...']) {
    const created = await call(url, 'POST', '/connectors', { name, config: sink({ topics: 'fz-t' }) });
    assert.equal(created.status, 201, `${label}: create ${name.slice(0, 20)}: ${created.body}`);
    const path = `/connectors/${encodeURIComponent(name)}`;
    // A distributed worker answers 409 while the group rebalances after the create (as Connect does): retry that.
    const settled = (method: string) => waitFor(`${label}: ${method} ${name.slice(0, 20)} answered other than 409`, async () => {
      const r = await call(url, method, path);
      return r.status !== 409 ? r : null;
    }, 10_000);
    assert.equal((await settled('GET')).status, 200, `${label}: read ${name.slice(0, 20)}`);
    assert.equal((await settled('DELETE')).status, 204, `${label}: delete ${name.slice(0, 20)}`);
  }
}

async function checkStorm(label: string, url: string, seed: number, guardName: string, files: string, input: string, topic: string): Promise<void> {
  await waitFor(`${label}: guard connector running`, () => guardRunning(url, guardName), 60_000);
  await explicitChecks(label, url, files);
  const result = await storm(url, seed, guardName, files);
  const summary = [...result.byStatus].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ');
  console.log(`${label}: ${result.sent} requests: ${summary}`);
  assert.ok(result.sent >= 500, `${label}: only ${result.sent} requests sent in the time budget`);
  assert.deepEqual(result.failures.slice(0, 20), [], `${label}: ${result.failures.length} responses ≥ 500 or without answer`);
  // Still up, and the connector made before the storm still works.
  assert.equal((await client(`${url.replace(/\/+$/, '')}/`, { method: 'GET' })).status, 200);
  await waitFor(`${label}: guard connector still running`, () => guardRunning(url, guardName), 30_000);
  appendFileSync(input, 'after-the-storm\n');
  await waitFor(`${label}: a line written after the storm reaches Kafka`, async () => (await readTopic(bootstrap, topic)).some((r) => r.value === 'after-the-storm'), 60_000);
}

test('standalone worker: generated requests never get a 5xx and the existing connector keeps running', async () => {
  const files = join(tmp.dir, 'standalone');
  mkdirSync(files, { recursive: true });
  const input = join(files, 'guard.txt');
  writeFileSync(input, 'before\n');
  const topic = uniqueName('fuzz-guard');
  const worker: TestWorker = await startTestWorker(bootstrap, {
    dir: files,
    extra: { 'file.allowed.paths': files, 'rest.request.max.bytes': String(1024 * 1024), 'connector.client.config.override.policy': 'None' },
    connectors: [{ name: 'guard', config: { 'connector.class': 'FileStreamSource', file: input, topic } }],
  });
  stops.push(() => worker.stop());
  await checkStorm('standalone', worker.url, SEED, 'guard', files, input, topic);
});

test('distributed worker: generated requests never get a 5xx and the existing connector keeps running', async () => {
  const files = join(tmp.dir, 'distributed');
  mkdirSync(files, { recursive: true });
  const input = join(files, 'guard.txt');
  writeFileSync(input, 'before\n');
  const topic = uniqueName('fuzz-guard');
  const group = uniqueName('fuzz');
  const worker: DistributedHandle = await startDistributed(distributedProps(bootstrap, group, {
    'file.allowed.paths': files, 'rest.request.max.bytes': String(1024 * 1024), 'connector.client.config.override.policy': 'None',
  }));
  stops.push(() => worker.stop());
  const created = await client(`${worker.url.replace(/\/+$/, '')}/connectors`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'guard', config: { 'connector.class': 'FileStreamSource', file: input, topic } }),
  });
  assert.equal(created.status, 201, created.body);
  await checkStorm('distributed', worker.url, SEED + 1, 'guard', files, input, topic);
});
