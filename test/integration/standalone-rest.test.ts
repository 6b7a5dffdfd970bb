// REST conformance of a real standalone worker against a real broker: every Connect endpoint with the
// status codes Kafka Connect returns, lifecycle (pause/resume/stop/restart) reflected in status, the
// offsets API on a stopped connector, and bad input (malformed JSON, unknown class, invalid config).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { startTestWorker, tempDir, waitFor, type TestWorker } from '../helpers/connect.js';
import { withAdmin } from '../../src/kafka/client.js';
import { sleep } from '../../src/backoff.js';
import { FileStreamSourceTask } from '../../src/connectors/file/file-stream-source.js';

let kafka: KafkaHarness;
let worker: TestWorker;
const tmp = tempDir();
let input: string;

type Json = Record<string, unknown>;

async function topicCount(topic: string): Promise<number> {
  return withAdmin(kafka.clusters[0]!.props, async (admin) => {
    const offs = await admin.fetchTopicOffsets(topic);
    return offs.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  });
}

async function state(name: string): Promise<{ connector: string; tasks: string[] }> {
  const r = await worker.rest('GET', `/connectors/${name}/status`);
  const b = r.body as { connector: { state: string }; tasks: { state: string }[] };
  return { connector: b.connector.state, tasks: b.tasks.map((t) => t.state) };
}

before(async () => {
  kafka = await startKafka({ clusters: ['rest'] });
  worker = await startTestWorker(kafka.clusters[0]!.bootstrap, { dir: tmp.dir });
  input = join(tmp.dir, 'in.txt');
  writeFileSync(input, Array.from({ length: 100 }, (_, i) => `row ${i}`).join('\n') + '\n');
});

after(async () => {
  await worker?.stop();
  await kafka?.stop();
  tmp.cleanup();
});

test('server info, health, plugins and plugin config', async () => {
  const root = await worker.rest('GET', '/');
  assert.equal(root.status, 200);
  const info = root.body as Json;
  assert.equal(typeof info.version, 'string');
  assert.equal(typeof info.kafka_cluster_id, 'string');

  const health = await worker.rest('GET', '/health');
  assert.equal(health.status, 200);
  assert.equal((health.body as Json).status, 'healthy');

  const plugins = (await worker.rest('GET', '/connector-plugins')).body as { class: string; type: string }[];
  assert.ok(plugins.some((p) => p.class === 'org.apache.kafka.connect.file.FileStreamSourceConnector' && p.type === 'source'));
  assert.ok(plugins.every((p) => p.type === 'source' || p.type === 'sink'));
  const all = (await worker.rest('GET', '/connector-plugins?connectorsOnly=false')).body as { type: string }[];
  for (const kind of ['converter', 'header_converter', 'transformation', 'predicate']) assert.ok(all.some((p) => p.type === kind), kind);

  const cfg = await worker.rest('GET', '/connector-plugins/FileStreamSource/config');
  assert.equal(cfg.status, 200);
  assert.ok((cfg.body as { name: string }[]).some((k) => k.name === 'topic'));
  assert.equal((await worker.rest('GET', '/connector-plugins/NoSuchPlugin/config')).status, 404);

  const v = await worker.rest('PUT', '/connector-plugins/FileStreamSource/config/validate', { 'connector.class': 'FileStreamSource', name: 'v', 'tasks.max': '0' });
  assert.equal(v.status, 200);
  const vb = v.body as { error_count: number; configs: { value: { name: string; errors: string[] } }[] };
  assert.ok(vb.error_count >= 2, `errors: ${JSON.stringify(vb.configs.filter((c) => c.value?.errors.length))}`);
  assert.ok(vb.configs.find((c) => c.value?.name === 'topic')?.value.errors.length);
  assert.equal((await worker.rest('PUT', '/connector-plugins/FileStreamSource/config/validate', { name: 'v' })).status, 400);
});

test('bad input: malformed JSON, unknown class, missing name, invalid values listed together', async () => {
  const bad = await worker.rest('POST', '/connectors', '{"name": "x", "config": {');
  assert.equal(bad.status, 400);
  assert.match((bad.body as Json).message as string, /JSON|position|Unexpected/i);

  const unknown = await worker.rest('POST', '/connectors', { name: 'u', config: { 'connector.class': 'com.example.Nope', topic: 't' } });
  assert.equal(unknown.status, 400);
  assert.match((unknown.body as Json).message as string, /com\.example\.Nope/);
  assert.equal((unknown.body as Json).error_code, 400);

  const noName = await worker.rest('POST', '/connectors', { config: { 'connector.class': 'FileStreamSource', topic: 't' } });
  assert.equal(noName.status, 400);

  const invalid = await worker.rest('POST', '/connectors', { name: 'inv', config: { 'connector.class': 'FileStreamSource', 'tasks.max': 'zero', 'errors.tolerance': 'some' } });
  assert.equal(invalid.status, 400);
  const msg = (invalid.body as Json).message as string;
  assert.match(msg, /Connector configuration is invalid and contains the following 3 error\(s\)/);
  for (const key of ['tasks.max', 'errors.tolerance', 'topic']) assert.match(msg, new RegExp(key.replace('.', '\\.')));
  assert.equal((await worker.rest('GET', '/connectors/inv')).status, 404);
});

test('connector lifecycle: create, read, update, pause/resume, restart, stop, offsets, topics, delete', async () => {
  const config = { 'connector.class': 'FileStreamSource', file: input, topic: 'rest-lines', 'batch.size': '10' };
  const created = await worker.rest('POST', '/connectors', { name: 'src', config });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get('location'), '/connectors/src');
  assert.deepEqual((created.body as Json).tasks, [{ connector: 'src', task: 0 }]);
  assert.equal((created.body as Json).type, 'source');
  assert.equal((await worker.rest('POST', '/connectors', { name: 'src', config })).status, 409);

  await waitFor('100 records', async () => (await topicCount('rest-lines').catch(() => 0)) === 100);
  assert.deepEqual(await state('src'), { connector: 'RUNNING', tasks: ['RUNNING'] });

  assert.deepEqual((await worker.rest('GET', '/connectors')).body, ['src']);
  const expanded = (await worker.rest('GET', '/connectors?expand=status&expand=info')).body as Record<string, { status: Json; info: Json }>;
  assert.equal((expanded.src!.status.connector as Json).state, 'RUNNING');
  assert.equal(expanded.src!.info.name, 'src');
  assert.equal((await worker.rest('GET', '/connectors/src')).status, 200);
  assert.equal(((await worker.rest('GET', '/connectors/src/config')).body as Json).file, input);
  const tasks = (await worker.rest('GET', '/connectors/src/tasks')).body as { id: Json; config: Json }[];
  assert.deepEqual(tasks[0]!.id, { connector: 'src', task: 0 });
  assert.equal(((await worker.rest('GET', '/connectors/src/tasks/0/status')).body as Json).state, 'RUNNING');
  assert.equal((await worker.rest('GET', '/connectors/src/tasks/7/status')).status, 404);
  assert.equal((await worker.rest('GET', '/connectors/nope/status')).status, 404);
  assert.equal((await worker.rest('GET', '/connectors/nope')).status, 404);

  // Pause / resume.
  assert.equal((await worker.rest('PUT', '/connectors/src/pause')).status, 202);
  await waitFor('PAUSED', async () => JSON.stringify(await state('src')) === JSON.stringify({ connector: 'PAUSED', tasks: ['PAUSED'] }));
  appendFileSync(input, 'row 100\n');
  // A fixed time is the point (nothing may happen): a running task would pick the line up within one poll wait.
  await sleep(4 * FileStreamSourceTask.dataWaitMs);
  assert.equal(await topicCount('rest-lines'), 100, 'a paused task produces nothing');
  assert.equal((await worker.rest('PUT', '/connectors/src/resume')).status, 202);
  await waitFor('RUNNING again and the new line delivered', async () => (await state('src')).connector === 'RUNNING' && (await topicCount('rest-lines')) === 101);

  // Restarts.
  assert.equal((await worker.rest('POST', '/connectors/src/restart')).status, 204);
  const planned = await worker.rest('POST', '/connectors/src/restart?includeTasks=true&onlyFailed=false');
  assert.equal(planned.status, 202);
  assert.equal(((planned.body as { tasks: Json[] }).tasks[0]!).state, 'RESTARTING');
  assert.equal((await worker.rest('POST', '/connectors/src/tasks/0/restart')).status, 204);
  assert.equal((await worker.rest('POST', '/connectors/src/tasks/9/restart')).status, 404);
  await waitFor('RUNNING after restarts', async () => JSON.stringify(await state('src')) === JSON.stringify({ connector: 'RUNNING', tasks: ['RUNNING'] }));
  assert.equal(await topicCount('rest-lines'), 101, 'restarts resumed from committed offsets without duplicates');

  // Config update and PATCH.
  const put = await worker.rest('PUT', '/connectors/src/config', { ...config, 'batch.size': '20' });
  assert.equal(put.status, 200);
  const patched = await worker.rest('PATCH', '/connectors/src/config', { 'batch.size': '30' });
  assert.equal(patched.status, 200);
  assert.equal(((patched.body as Json).config as Json)['batch.size'], '30');
  const mismatch = await worker.rest('PUT', '/connectors/src/config', { ...config, name: 'other' });
  assert.equal(mismatch.status, 400);

  // Topics tracking.
  const topics = await worker.rest('GET', '/connectors/src/topics');
  assert.deepEqual(topics.body, { src: { topics: ['rest-lines'] } });
  assert.equal((await worker.rest('PUT', '/connectors/src/topics/reset')).status, 202);

  // Offsets: reading works any time, modifying needs STOPPED.
  const offsets = (await worker.rest('GET', '/connectors/src/offsets')).body as { offsets: { partition: Json; offset: Json }[] };
  assert.deepEqual(offsets.offsets[0]!.partition, { filename: input });
  const fullSize = Number(offsets.offsets[0]!.offset.position);
  assert.ok(fullSize > 0);
  const notStopped = await worker.rest('PATCH', '/connectors/src/offsets', { offsets: [{ partition: { filename: input }, offset: { position: 0 } }] });
  assert.equal(notStopped.status, 400);
  assert.match((notStopped.body as Json).message as string, /STOPPED state/);

  assert.equal((await worker.rest('PUT', '/connectors/src/stop')).status, 204);
  await waitFor('STOPPED with no tasks', async () => JSON.stringify(await state('src')) === JSON.stringify({ connector: 'STOPPED', tasks: [] }));
  // Rewind to the start of line 90: 11 lines (90..100) are produced again on resume.
  const line90 = Buffer.byteLength(Array.from({ length: 90 }, (_, i) => `row ${i}\n`).join(''));
  const altered = await worker.rest('PATCH', '/connectors/src/offsets', { offsets: [{ partition: { filename: input }, offset: { position: line90 } }] });
  assert.equal(altered.status, 200, JSON.stringify(altered.body));
  assert.match((altered.body as Json).message as string, /altered successfully/);
  assert.equal(((await worker.rest('GET', '/connectors/src/offsets')).body as { offsets: { offset: Json }[] }).offsets[0]!.offset.position, line90);
  assert.equal((await worker.rest('PATCH', '/connectors/src/offsets', { offsets: [] })).status, 400);
  assert.equal((await worker.rest('PUT', '/connectors/src/resume')).status, 202);
  await waitFor('the 11 rewound lines produced again', async () => (await topicCount('rest-lines')) === 112);
  // A fixed time is the point (nothing more may come): two of the task's poll waits at the end of the file.
  await sleep(2 * FileStreamSourceTask.dataWaitMs);
  assert.equal(await topicCount('rest-lines'), 112);

  // Reset: everything is read again.
  assert.equal((await worker.rest('PUT', '/connectors/src/stop')).status, 204);
  const reset = await worker.rest('DELETE', '/connectors/src/offsets');
  assert.equal(reset.status, 200);
  assert.match((reset.body as Json).message as string, /reset successfully/);
  assert.deepEqual(((await worker.rest('GET', '/connectors/src/offsets')).body as Json).offsets, []);
  assert.equal((await worker.rest('PUT', '/connectors/src/resume')).status, 202);
  await waitFor('all 101 lines produced again', async () => (await topicCount('rest-lines')) === 213);

  // Delete.
  assert.equal((await worker.rest('DELETE', '/connectors/src')).status, 204);
  assert.equal((await worker.rest('GET', '/connectors/src')).status, 404);
  assert.equal((await worker.rest('DELETE', '/connectors/src')).status, 404);

  // PUT creates (201) when the connector does not exist.
  const createdByPut = await worker.rest('PUT', '/connectors/src2/config', { ...config, topic: 'rest-lines-2' });
  assert.equal(createdByPut.status, 201);
  assert.equal((await worker.rest('DELETE', '/connectors/src2')).status, 204);
});

test('admin loggers and metrics', async () => {
  const loggers = await worker.rest('GET', '/admin/loggers');
  assert.equal(loggers.status, 200);
  assert.ok('root' in (loggers.body as Json));
  assert.equal((await worker.rest('GET', '/admin/loggers/')).status, 200);
  const set = await worker.rest('PUT', '/admin/loggers/connect.worker', { level: 'DEBUG' });
  assert.equal(set.status, 200);
  assert.ok((set.body as string[]).includes('connect.worker'));
  assert.equal(((await worker.rest('GET', '/admin/loggers/connect.worker')).body as Json).level, 'DEBUG');
  assert.equal((await worker.rest('PUT', '/admin/loggers/connect.worker', { level: 'LOUD' })).status, 404);
  assert.equal((await worker.rest('PUT', '/admin/loggers/connect.worker', {})).status, 400);
  assert.equal((await worker.rest('GET', '/admin/loggers/no.such.logger')).status, 404);
  await worker.rest('PUT', '/admin/loggers/connect.worker', { level: 'WARN' });

  const res = await fetch(worker.url.replace(/\/$/, '') + '/metrics');
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, /# TYPE ferry_source_record_poll_total counter/);
  assert.match(text, /# TYPE ferry_offset_commit_success_total counter/);
  // 'src' was deleted by the lifecycle test: its task's series went with it (they used to linger forever).
  assert.doesNotMatch(text, /connector="src"/);
});
