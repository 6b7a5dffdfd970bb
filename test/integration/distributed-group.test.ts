// Distributed mode with three in-process workers on one broker: a connector created through any worker
// runs exactly once; REST requests are forwarded to the leader; pause/resume/stop/restart/offsets/delete
// behave as in Connect; the group shows up as a Connect group; a worker reads internal-topic records
// written in Java Connect's format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uniqueName } from '../helpers/kafka.js';
import { waitFor } from '../helpers/connect.js';
import { describeGroup, distributedProps, readTopic, rest, useDistributedKafka } from '../helpers/distributed.js';
import { startDistributed, type DistributedHandle } from '../../src/app/distributed.js';
import { ensureCompactedTopic } from '../../src/kafka/compacted-log.js';
import { RecordProducer } from '../../src/kafka/producer.js';

const env = useDistributedKafka('connect', 'ferry-dist-');
const { tmp, handles } = env;

async function group(n: number, extra: Record<string, string> = {}): Promise<{ workers: DistributedHandle[]; name: string }> {
  const name = uniqueName('dist');
  const workers: DistributedHandle[] = [];
  for (let i = 0; i < n; i++) {
    const h = await startDistributed(distributedProps(env.bootstrap, name, extra));
    handles.push(h);
    workers.push(h);
  }
  return { workers, name };
}

type Status = { connector: { state: string; worker_id: string }; tasks: Array<{ id: number; state: string; worker_id: string }> };

async function status(url: string, name: string): Promise<Status | null> {
  const r = await rest(url, 'GET', `/connectors/${name}/status`);
  return r.status === 200 ? (r.body as Status) : null;
}

function runningEverywhere(workers: DistributedHandle[], connector: string): { connectors: number; tasks: number } {
  let connectors = 0, tasks = 0;
  for (const w of workers) {
    const a = w.herder.assignment();
    connectors += a.connectors.filter((c) => c === connector).length;
    tasks += a.tasks.filter((t) => t.connector === connector).length;
  }
  return { connectors, tasks };
}

test('a connector created through a follower runs exactly once across three workers', async () => {
  const { workers, name: groupName } = await group(3);
  const leader = workers.find((w) => w.herder.isLeader());
  const follower = workers.find((w) => !w.herder.isLeader())!;
  assert.ok(leader, 'one worker is the leader');
  assert.equal(workers.filter((w) => w.herder.isLeader()).length, 1);

  const file = join(tmp.dir, 'once.txt');
  writeFileSync(file, Array.from({ length: 50 }, (_, i) => `line-${i}`).join('\n') + '\n');
  const topic = uniqueName('once-out');
  const created = await rest(follower.url, 'POST', '/connectors', { name: 'once', config: { 'connector.class': 'FileStreamSource', file, topic, 'tasks.max': '1' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const dup = await rest(follower.url, 'POST', '/connectors', { name: 'once', config: { 'connector.class': 'FileStreamSource', file, topic } });
  assert.equal(dup.status, 409);

  const st = await waitFor('connector and task RUNNING', async () => {
    const s = await status(workers[2]!.url, 'once');
    return s && s.connector.state === 'RUNNING' && s.tasks.length === 1 && s.tasks[0]!.state === 'RUNNING' ? s : null;
  }, 30_000);
  assert.deepEqual(runningEverywhere(workers, 'once'), { connectors: 1, tasks: 1 });
  const owner = workers.find((w) => w.herder.assignment().tasks.length > 0)!;
  assert.equal(st.tasks[0]!.worker_id, owner.herder.workerId());

  await waitFor('all lines in the topic', async () => (await readTopic(env.bootstrap, topic)).length >= 50, 30_000);
  const values = (await readTopic(env.bootstrap, topic)).map((r) => r.value);
  assert.deepEqual(values, Array.from({ length: 50 }, (_, i) => `line-${i}`));

  // every worker answers the same, whichever receives the request
  for (const w of workers) {
    assert.deepEqual((await rest(w.url, 'GET', '/connectors')).body, ['once']);
    const tasks = await waitFor('task configs readable', async () => { const r = await rest(w.url, 'GET', '/connectors/once/tasks'); return r.status === 200 ? r.body : null; });
    assert.equal((tasks as unknown[]).length, 1);
  }

  // sessioned protocol: the internal task-config endpoint wants a request signed with the session key
  await waitFor('session key distributed', () => workers.every((w) => w.herder.configStore.sessionKey() !== null));
  const unsigned = await rest(leader.url, 'POST', '/connectors/once/tasks', []);
  assert.equal(unsigned.status, 400, JSON.stringify(unsigned.body));
  const forged = await fetch(leader.url.replace(/\/+$/, '') + '/connectors/once/tasks', {
    method: 'POST', body: '[]', headers: { 'content-type': 'application/json', 'X-Connect-Authorization': 'AAAA', 'X-Connect-Request-Signature-Algorithm': 'HmacSHA256' },
  });
  assert.equal(forged.status, 403);

  const g = await describeGroup(env.bootstrap, groupName);
  assert.equal(g.protocolType, 'connect');
  assert.equal(g.protocol, 'sessioned');
  assert.equal(g.members, 3);

  const offsets = await waitFor('offsets committed', async () => {
    const r = await rest(follower.url, 'GET', '/connectors/once/offsets');
    const list = (r.body as { offsets: Array<{ offset: { position: number } }> }).offsets;
    return list.length === 1 && list[0]!.offset.position > 0 ? list : null;
  });
  assert.deepEqual(Object.keys(offsets[0]!), ['partition', 'offset']);
  // the offsets topic holds Java Connect's key bytes
  const raw = await readTopic(env.bootstrap, `${groupName}-offsets`);
  assert.ok(raw.some((r) => r.key === JSON.stringify(['once', { filename: file }])), 'offset key in Connect format');
});

test('pause, resume, stop, offsets, restart and delete across the group', async () => {
  const { workers } = await group(3, { 'connect.protocol': 'compatible' });
  const [a, b, c] = workers as [DistributedHandle, DistributedHandle, DistributedHandle];
  const file = join(tmp.dir, 'ops.txt');
  writeFileSync(file, 'x1\nx2\n');
  const topic = uniqueName('ops-out');
  assert.equal((await rest(a.url, 'PUT', '/connectors/ops/config', { 'connector.class': 'FileStreamSource', file, topic, 'tasks.max': '1' })).status, 201);
  await waitFor('RUNNING', async () => (await status(b.url, 'ops'))?.tasks[0]?.state === 'RUNNING');

  assert.equal((await rest(c.url, 'PUT', '/connectors/ops/pause')).status, 202);
  await waitFor('PAUSED', async () => { const s = await status(a.url, 'ops'); return s?.connector.state === 'PAUSED' && s.tasks[0]?.state === 'PAUSED'; });
  assert.equal((await rest(b.url, 'PUT', '/connectors/ops/resume')).status, 202);
  await waitFor('resumed', async () => { const s = await status(a.url, 'ops'); return s?.connector.state === 'RUNNING' && s.tasks[0]?.state === 'RUNNING'; });

  // offsets can only change while STOPPED
  const early = await rest(c.url, 'DELETE', '/connectors/ops/offsets');
  assert.equal(early.status, 400);
  assert.equal((await rest(c.url, 'PUT', '/connectors/ops/stop')).status, 204);
  await waitFor('STOPPED with no tasks', async () => { const s = await status(a.url, 'ops'); return s?.connector.state === 'STOPPED' && s.tasks.length === 0; });
  const altered = await rest(b.url, 'PATCH', '/connectors/ops/offsets', { offsets: [{ partition: { filename: file }, offset: { position: 3 } }] });
  assert.equal(altered.status, 200, JSON.stringify(altered.body));
  const seen = await rest(c.url, 'GET', '/connectors/ops/offsets');
  assert.deepEqual((seen.body as { offsets: unknown[] }).offsets, [{ partition: { filename: file }, offset: { position: 3 } }]);
  appendFileSync(file, 'x3\n');
  assert.equal((await rest(a.url, 'PUT', '/connectors/ops/resume')).status, 202);
  await waitFor('running again', async () => (await status(c.url, 'ops'))?.tasks[0]?.state === 'RUNNING');
  // resumed from byte 3: x2 and x3 are written a second time, x1 is not
  await waitFor('x3 written', async () => (await readTopic(env.bootstrap, topic)).some((r) => r.value === 'x3'));
  const values = (await readTopic(env.bootstrap, topic)).map((r) => r.value);
  assert.equal(values.filter((v) => v === 'x1').length, 1);
  assert.equal(values.filter((v) => v === 'x2').length, 2);

  // restart with a plan (any worker; forwarded to the leader)
  const plan = await rest(c.url, 'POST', '/connectors/ops/restart?includeTasks=true&onlyFailed=false');
  assert.equal(plan.status, 202, JSON.stringify(plan.body));
  assert.equal((plan.body as Status).connector.state, 'RESTARTING');
  await waitFor('running after restart', async () => { const s = await status(a.url, 'ops'); return s?.connector.state === 'RUNNING' && s.tasks[0]?.state === 'RUNNING'; });
  // legacy task restart: routed to the owner through the leader
  assert.equal((await rest(b.url, 'POST', '/connectors/ops/tasks/0/restart')).status, 204);
  assert.equal((await rest(b.url, 'POST', '/connectors/ops/restart')).status, 204);

  assert.equal((await rest(b.url, 'DELETE', '/connectors/ops')).status, 204);
  await waitFor('deleted everywhere', async () => {
    for (const w of workers) if ((await rest(w.url, 'GET', '/connectors')).body instanceof Array && ((await rest(w.url, 'GET', '/connectors')).body as string[]).length > 0) return false;
    return runningEverywhere(workers, 'ops').connectors === 0 && runningEverywhere(workers, 'ops').tasks === 0;
  });
  assert.equal((await rest(a.url, 'GET', '/connectors/ops/status')).status, 404);
});

test('a worker reads config, offset and status records written in Java Connect format', async () => {
  const groupName = uniqueName('javafmt');
  const props = distributedProps(env.bootstrap, groupName);
  const file = join(tmp.dir, 'java.txt');
  writeFileSync(file, 'j1\nj2\nj3\n');
  const topic = uniqueName('java-out');
  const create = { replicationFactor: 1 };
  await ensureCompactedTopic({ 'bootstrap.servers': env.bootstrap }, props['config.storage.topic']!, { partitions: 1, ...create }, 'config.storage.topic');
  await ensureCompactedTopic({ 'bootstrap.servers': env.bootstrap }, props['offset.storage.topic']!, { partitions: 5, ...create }, 'offset.storage.topic');
  await ensureCompactedTopic({ 'bootstrap.servers': env.bootstrap }, props['status.storage.topic']!, { partitions: 3, ...create }, 'status.storage.topic');
  const producer = new RecordProducer({ 'bootstrap.servers': env.bootstrap }, 'java-fixture');
  await producer.connect();
  const send = (t: string, key: string, value: string | null) => producer.send([{ topic: t, partition: null, key: Buffer.from(key), value: value === null ? null : Buffer.from(value), headers: [], timestamp: null }]);
  const cfg = props['config.storage.topic']!;
  // Exactly what a Java 3.9 worker writes (JsonConverter, schemas disabled).
  const connectorJson = JSON.stringify({ properties: { 'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector', 'tasks.max': '1', file, topic, name: 'java-src' } });
  await send(cfg, 'target-state-java-src', '{"state":"STARTED","state.v2":"STARTED"}');
  await send(cfg, 'connector-java-src', connectorJson);
  await send(cfg, 'task-java-src-0', JSON.stringify({ properties: { file, topic, 'task.class': 'org.apache.kafka.connect.file.FileStreamSourceTask', 'batch.size': '2000' } }));
  await send(cfg, 'commit-java-src', '{"tasks":1}');
  await send(cfg, 'connector-java-stopped', JSON.stringify({ properties: { 'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector', file, topic, name: 'java-stopped' } }));
  await send(cfg, 'commit-java-stopped', '{"tasks":0}');
  await send(cfg, 'target-state-java-stopped', '{"state":"PAUSED","state.v2":"STOPPED"}');
  await send(cfg, 'task-java-torn-0', JSON.stringify({ properties: { file, topic } }));
  await send(cfg, 'connector-java-torn', JSON.stringify({ properties: { 'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector', file: join(tmp.dir, 'torn.txt'), topic, 'tasks.max': '2', name: 'java-torn' } }));
  await send(cfg, 'commit-java-torn', '{"tasks":2}'); // names task 1, which the log does not hold
  await send(cfg, 'session-key', '{"key":"c2VjcmV0LWtleS1ieXRlcy0xMjM0NTY3ODkwMTI=","algorithm":"HmacSHA256","creation-timestamp":1700000000000}');
  // offset after the first line (3 bytes), so the task resumes at j2
  await send(props['offset.storage.topic']!, JSON.stringify(['java-src', { filename: file }]), '{"position":3}');
  await send(props['status.storage.topic']!, 'status-task-java-gone-0', '{"state":"FAILED","trace":"java.lang.RuntimeException: boom","worker_id":"java-host:8083","generation":7}');
  await producer.disconnect();

  const w = await startDistributed(props);
  handles.push(w);
  assert.deepEqual((await rest(w.url, 'GET', '/connectors')).body, ['java-src', 'java-stopped', 'java-torn']);
  const tasks = await waitFor('task configs', async () => { const r = await rest(w.url, 'GET', '/connectors/java-src/tasks'); return r.status === 200 ? r.body as Array<{ config: Record<string, string> }> : null; });
  assert.equal(tasks[0]!.config['file'], file);
  assert.deepEqual((await rest(w.url, 'GET', '/connectors/java-src/offsets')).body, { offsets: [{ partition: { filename: file }, offset: { position: 3 } }] });
  assert.deepEqual(w.herder.statusStore.getTask('java-gone', 0), { state: 'FAILED', trace: 'java.lang.RuntimeException: boom', workerId: 'java-host:8083', generation: 7 });
  await waitFor('java-stopped is STOPPED', async () => (await status(w.url, 'java-stopped'))?.connector.state === 'STOPPED');
  // the torn connector's tasks are regenerated by the worker running it
  await waitFor('java-torn consistent again', async () => !w.herder.configStore.isInconsistent('java-torn'));
  await waitFor('j3 delivered', async () => (await readTopic(env.bootstrap, topic)).some((r) => r.value === 'j3'));
  const values = (await readTopic(env.bootstrap, topic)).map((r) => r.value);
  assert.ok(!values.includes('j1'), 'resumed after the Java-written offset');
  assert.ok(values.includes('j2'));
  await w.stop();
});
