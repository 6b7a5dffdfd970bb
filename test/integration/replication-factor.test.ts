// Replication factors are never silently reduced (#14): on a single-broker cluster a factor of 3 is a clear
// error naming the topic, the factor and the setting (a distributed worker does not start; a DLQ fails its
// task; the mirror's remote topic fails the connector), nothing is created with a smaller factor, and -1
// asks the broker for its default.replication.factor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uniqueName } from '../helpers/kafka.js';
import { waitFor } from '../helpers/connect.js';
import { distributedProps, rest, useDistributedKafka } from '../helpers/distributed.js';
import { startDistributed, type DistributedHandle } from '../../src/app/distributed.js';
import { withAdmin } from '../../src/kafka/client.js';

const env = useDistributedKafka('rf', 'ferry-rf-');
const { tmp, handles } = env;

/** Replication factor of each topic that exists (absent topics are absent from the map). */
async function replicationFactors(topics: string[]): Promise<Map<string, number>> {
  return withAdmin({ 'bootstrap.servers': env.bootstrap }, async (a) => {
    const existing = new Set(await a.listTopics());
    const present = topics.filter((t) => existing.has(t));
    const out = new Map<string, number>();
    if (present.length === 0) return out;
    for (const t of (await a.fetchTopicMetadata({ topics: present })).topics) out.set(t.name, t.partitions[0]?.replicas.length ?? 0);
    return out;
  });
}

type Status = { connector: { state: string; trace?: string }; tasks: Array<{ id: number; state: string; trace?: string }> };
async function status(url: string, name: string): Promise<Status | null> {
  const r = await rest(url, 'GET', `/connectors/${name}/status`);
  return r.status === 200 ? (r.body as Status) : null;
}

test('a distributed worker whose config topic asks for replication factor 3 on 1 broker does not start, naming topic, factor and setting', async () => {
  const group = uniqueName('rf3');
  const props = distributedProps(env.bootstrap, group, { 'config.storage.replication.factor': '3' });
  await assert.rejects(startDistributed(props),
    (e: Error) => {
      assert.match(e.message, new RegExp(`Cannot create topic '${group}-configs' with replication factor 3: only 1 broker is available \\(set config\\.storage\\.replication\\.factor to 1, or -1 for the broker default\\)`));
      return true;
    });
  assert.equal((await replicationFactors([`${group}-configs`])).size, 0, 'the config topic was not created with a smaller factor');

  // The command line exits non-zero with the message, as Connect does.
  const file = join(tmp.dir, `${group}.properties`);
  writeFileSync(file, Object.entries({ ...props, 'group.id': `${group}-cli`, 'config.storage.topic': `${group}-cli-configs` }).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join('src', 'cli', 'connect-distributed.ts'), file], { encoding: 'utf8', timeout: 90_000 });
  assert.notEqual(r.status, 0, `exit code ${r.status}`);
  assert.match(r.stderr, new RegExp(`Cannot create topic '${group}-cli-configs' with replication factor 3: only 1 broker is available \\(set config\\.storage\\.replication\\.factor to 1`));
  assert.equal((await replicationFactors([`${group}-cli-configs`])).size, 0);
});

test('unset internal-topic factors (Connect default 3) are not capped either: the worker does not start and creates none of them', async () => {
  const group = uniqueName('rfdef');
  const props = distributedProps(env.bootstrap, group);
  for (const k of ['config.storage.replication.factor', 'offset.storage.replication.factor', 'status.storage.replication.factor']) delete props[k];
  await assert.rejects(startDistributed(props), /with replication factor 3: only 1 broker is available \((set (config|offset|status)\.storage\.replication\.factor to 1)/);
  assert.equal((await replicationFactors([`${group}-configs`, `${group}-offsets`, `${group}-status`])).size, 0, 'no internal topic was created with a smaller factor');
});

let worker: DistributedHandle;
let group: string;

test('-1 for every internal topic: the worker starts and the broker default (1 here) applies', async () => {
  group = uniqueName('rfm1');
  worker = await startDistributed(distributedProps(env.bootstrap, group, {
    'config.storage.replication.factor': '-1', 'offset.storage.replication.factor': '-1', 'status.storage.replication.factor': '-1',
  }));
  handles.push(worker);
  const rfs = await replicationFactors([`${group}-configs`, `${group}-offsets`, `${group}-status`]);
  assert.deepEqual([...rfs.values()], [1, 1, 1]);
});

test('a sink connector whose DLQ asks for replication factor 3 on 1 broker: the task FAILS with the message; -1 runs', async () => {
  const topic = uniqueName('rf-in');
  await withAdmin({ 'bootstrap.servers': env.bootstrap }, (a) => a.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] }));
  const dlq3 = uniqueName('rf-dlq3');
  const bad = await rest(worker.url, 'POST', '/connectors', { name: 'dlq3', config: {
    'connector.class': 'FileStreamSink', file: join(tmp.dir, 'dlq3.txt'), topics: topic, 'errors.tolerance': 'all',
    'errors.deadletterqueue.topic.name': dlq3, 'errors.deadletterqueue.topic.replication.factor': '3',
  } });
  assert.equal(bad.status, 201, JSON.stringify(bad.body));
  const failed = await waitFor('dlq3 task FAILED', async () => {
    const s = await status(worker.url, 'dlq3');
    return s?.tasks[0]?.state === 'FAILED' ? s.tasks[0] : null;
  }, 60_000);
  assert.match(failed.trace ?? '', new RegExp(`Cannot create topic '${dlq3}' with replication factor 3: only 1 broker is available \\(set errors\\.deadletterqueue\\.topic\\.replication\\.factor to 1, or -1 for the broker default\\)`));
  assert.equal((await replicationFactors([dlq3])).size, 0, 'the DLQ topic was not created with a smaller factor');

  const dlqDefault = uniqueName('rf-dlqm1');
  const good = await rest(worker.url, 'POST', '/connectors', { name: 'dlqm1', config: {
    'connector.class': 'FileStreamSink', file: join(tmp.dir, 'dlqm1.txt'), topics: topic, 'errors.tolerance': 'all',
    'errors.deadletterqueue.topic.name': dlqDefault, 'errors.deadletterqueue.topic.replication.factor': '-1',
  } });
  assert.equal(good.status, 201, JSON.stringify(good.body));
  await waitFor('dlqm1 task RUNNING', async () => (await status(worker.url, 'dlqm1'))?.tasks[0]?.state === 'RUNNING', 60_000);
  assert.deepEqual([...(await replicationFactors([dlqDefault])).values()], [1], 'the DLQ got the broker default');
});

test('MirrorSourceConnector with replication.factor=3 on a 1-broker target: FAILED naming the remote topic and replication.factor; none created', async () => {
  const topic = uniqueName('rf-src');
  await withAdmin({ 'bootstrap.servers': env.bootstrap }, (a) => a.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] }));
  const created = await rest(worker.url, 'POST', '/connectors', { name: 'mirror-rf3', config: {
    'connector.class': 'org.apache.kafka.connect.mirror.MirrorSourceConnector',
    'source.cluster.alias': 'RA', 'target.cluster.alias': 'RB',
    'source.cluster.bootstrap.servers': env.bootstrap, 'target.cluster.bootstrap.servers': env.bootstrap,
    topics: topic, 'replication.factor': '3', 'offset-syncs.topic.replication.factor': '1',
    'sync.topic.acls.enabled': 'false',
  } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const s = await waitFor('mirror-rf3 FAILED', async () => {
    const st = await status(worker.url, 'mirror-rf3');
    return st?.connector.state === 'FAILED' ? st : null;
  }, 60_000);
  assert.match(s.connector.trace ?? '', new RegExp(`Cannot create topic 'RA\\.${topic}' with replication factor 3: only 1 broker is available \\(set replication\\.factor to 1, or -1 for the broker default\\)`));
  assert.equal((await replicationFactors([`RA.${topic}`])).size, 0, 'the remote topic was not created with a smaller factor');
  // The internal topics that asked for 1 got 1.
  assert.deepEqual([...(await replicationFactors(['mm2-offset-syncs.RB.internal'])).values()], [1]);
});

test('a source topic that appears later: the refresh cannot create its remote topic at replication.factor=3, so the connector goes FAILED', async () => {
  const prefix = uniqueName('rf-late');
  const created = await rest(worker.url, 'POST', '/connectors', { name: 'mirror-rf3-late', config: {
    'connector.class': 'org.apache.kafka.connect.mirror.MirrorSourceConnector',
    'source.cluster.alias': 'LA', 'target.cluster.alias': 'LB',
    'source.cluster.bootstrap.servers': env.bootstrap, 'target.cluster.bootstrap.servers': env.bootstrap,
    topics: `${prefix}.*`, 'replication.factor': '3', 'offset-syncs.topic.replication.factor': '1',
    'sync.topic.acls.enabled': 'false', 'refresh.topics.interval.seconds': '1',
  } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await waitFor('mirror-rf3-late RUNNING', async () => (await status(worker.url, 'mirror-rf3-late'))?.connector.state === 'RUNNING', 60_000);
  const topic = `${prefix}-t`;
  await withAdmin({ 'bootstrap.servers': env.bootstrap }, (a) => a.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] }));
  const s = await waitFor('mirror-rf3-late FAILED', async () => {
    const st = await status(worker.url, 'mirror-rf3-late');
    return st?.connector.state === 'FAILED' ? st : null;
  }, 60_000);
  assert.match(s.connector.trace ?? '', new RegExp(`Cannot create topic 'LA\\.${topic}' with replication factor 3: only 1 broker is available \\(set replication\\.factor to 1`));
  assert.equal((await replicationFactors([`LA.${topic}`])).size, 0);
});
