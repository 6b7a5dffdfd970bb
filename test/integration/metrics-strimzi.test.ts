// The series Strimzi's JMX-exporter rules make of MM2 and Connect, scraped from /metrics on the worker's REST
// listener while a MirrorSourceConnector (byte path) and a MirrorCheckpointConnector mirror real clusters:
// names and labels as operators query them, a record count equal to what was mirrored, rates above zero while
// mirroring, and no series left for a topic taken out of the mirror or for a deleted connector.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKafka, uniqueName, type KafkaHarness } from '../helpers/kafka.js';
import { startTestWorker, tempDir, waitFor } from '../helpers/connect.js';
import { commitGroupOffsets, createTopics, endOffsets, mixedRecord, produceMixed, sum } from '../helpers/mirror.js';
import { MIRROR_CHECKPOINT_CONNECTOR_CLASS, MIRROR_SOURCE_CONNECTOR_CLASS } from '../../src/connectors/mirror/mirror-config.js';
import { startDistributed } from '../../src/app/distributed.js';
import { distributedProps } from '../helpers/distributed.js';
import { registry } from '../../src/observability/metrics.js';
import { createKafka, type ClientProps } from '../../src/kafka/client.js';
import { sleep } from '../../src/backoff.js';

const BYTES = 'org.apache.kafka.connect.converters.ByteArrayConverter';
let kafka: KafkaHarness;
const tmp = tempDir('ferry-metrics-strimzi-');

before(async () => {
  kafka = await startKafka({ clusters: ['a', 'b'] });
});

after(async () => {
  await kafka?.stop();
  tmp.cleanup();
});

interface Sample { name: string; labels: Record<string, string>; value: number }

function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

async function scrape(worker: { url: string }): Promise<Sample[]> {
  const res = await fetch(worker.url.replace(/\/$/, '') + '/metrics');
  assert.equal(res.status, 200);
  return parse(await res.text());
}

const pick = (s: Sample[], name: string, labels: Record<string, string> = {}) =>
  s.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));

test('Strimzi-named MM2 and Connect series: labels, counts, rates, and removal with topics and connectors', { timeout: 90_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const keep = uniqueName('mk');
  const drop = uniqueName('md');
  const group = uniqueName('g');
  await createTopics(a.props, [{ topic: keep, partitions: 2 }, { topic: drop, partitions: 1 }]);
  // The group exists before the checkpoint connector starts (without groups it has no task).
  await commitGroupOffsets(a.props, group, [{ topic: keep, partition: 0, offset: 0 }]);
  const common = {
    'source.cluster.alias': 'P', 'target.cluster.alias': 'Q',
    'source.cluster.bootstrap.servers': a.bootstrap, 'target.cluster.bootstrap.servers': b.bootstrap,
    'sync.topic.acls.enabled': 'false', 'replication.factor': '1', 'offset-syncs.topic.replication.factor': '1',
    'checkpoints.topic.replication.factor': '1',
  };
  const sourceConfig = { 'connector.class': MIRROR_SOURCE_CONNECTOR_CLASS, ...common, 'topics': `${keep},${drop}`, 'tasks.max': '1', 'refresh.topics.interval.seconds': '1' };
  const worker = await startTestWorker(b.bootstrap, {
    dir: tmp.dir,
    extra: { 'key.converter': BYTES, 'value.converter': BYTES, 'header.converter': BYTES },
    connectors: [
      { name: 'mirror-src', config: sourceConfig },
      { name: 'mirror-ckpt', config: { 'connector.class': MIRROR_CHECKPOINT_CONNECTOR_CLASS, ...common, 'groups': group, 'topics': keep, 'emit.checkpoints.interval.seconds': '1', 'refresh.groups.interval.seconds': '1', 'sync.group.offsets.enabled': 'false', 'tasks.max': '1' } },
    ],
  });
  try {
    let status: unknown = null;
    await waitFor('connectors RUNNING', async () => {
      for (const c of ['mirror-src', 'mirror-ckpt']) {
        const st = (await worker.rest('GET', `/connectors/${c}/status`)).body as { connector?: { state: string }; tasks?: { state: string }[] };
        status = st;
        if (st.connector?.state !== 'RUNNING' || !st.tasks?.length || st.tasks.some((t) => t.state !== 'RUNNING')) return false;
      }
      return true;
    }, 30_000).catch((e: Error) => { throw new Error(`${e.message}; status ${JSON.stringify(status)}`); });

    const N = 3000, M = 500;
    // Records stamped now, so that record age and replication latency have a known bound.
    const make = (run: string, topic: string, i: number, partitions: number) => ({ ...mixedRecord(run, topic, i, partitions), timestamp: Date.now() });
    const produced = Date.now();
    await produceMixed(a.props, [keep], { run: 'k', partitions: 2, count: N, make });
    await produceMixed(a.props, [drop], { run: 'd', partitions: 1, count: M, make });
    await waitFor('records mirrored', async () => sum(await endOffsets(b.props, `P.${keep}`)) >= N && sum(await endOffsets(b.props, `P.${drop}`)) >= M, 30_000, 200);
    const perPartition = await endOffsets(b.props, `P.${keep}`);
    await commitGroupOffsets(a.props, group, [{ topic: keep, partition: 0, offset: 10 }]);

    // Counts reach what was mirrored (the byte path records them per acknowledged batch).
    let s = await waitFor('record counts equal to the mirrored records', async () => {
      const x = await scrape(worker);
      const counts = pick(x, 'kafka_connect_mirror_mirrorsourceconnector_record_count', { target: 'Q', topic: `P.${keep}` });
      return counts.length === 2 && sum(counts.map((c) => c.value)) === N ? x : null;
    }, 20_000, 250);
    for (let p = 0; p < 2; p++) {
      const l = { source: 'P', target: 'Q', topic: `P.${keep}`, partition: String(p) };
      assert.equal(pick(s, 'kafka_connect_mirror_mirrorsourceconnector_record_count', l)[0]?.value, perPartition[p], `record_count of partition ${p}`);
      for (const n of ['record_rate', 'byte_rate', 'byte_count']) {
        const v = pick(s, `kafka_connect_mirror_mirrorsourceconnector_${n}`, l)[0]?.value ?? 0;
        if ((perPartition[p] ?? 0) > 0) assert.ok(v > 0, `${n} of partition ${p} > 0 while mirroring (got ${v})`);
      }
      for (const base of ['record_age_ms', 'replication_latency_ms']) {
        for (const sfx of ['', '_avg', '_min', '_max']) {
          const v = pick(s, `kafka_connect_mirror_mirrorsourceconnector_${base}${sfx}`, l)[0]?.value;
          assert.ok(v !== undefined && Number.isFinite(v) && v >= 0 && v <= Date.now() - produced + 1000, `${base}${sfx} of partition ${p}: ${v}`);
        }
        const [mn, avg, mx] = ['_min', '_avg', '_max'].map((sfx) => pick(s, `kafka_connect_mirror_mirrorsourceconnector_${base}${sfx}`, l)[0]!.value);
        assert.ok(mn! <= avg! + 1e-9 && avg! <= mx! + 1e-9, `${base}: min ${mn} <= avg ${avg} <= max ${mx}`);
      }
      const lag = pick(s, 'kafka_consumer_fetch_manager_records_lag', { topic: keep, partition: String(p) });
      assert.equal(lag.length, 1, `records_lag of ${keep}-${p}`);
      assert.ok(lag[0]!.labels['clientid'], 'records_lag has a clientid label');
    }
    assert.ok(sum(pick(s, 'kafka_consumer_incoming_byte_total').map((x) => x.value)) > 0, 'consumer incoming bytes');
    assert.ok(sum(pick(s, 'kafka_producer_outgoing_byte_total').map((x) => x.value)) > 0, 'producer outgoing bytes');
    assert.ok((pick(s, 'kafka_connect_worker_connector_count')[0]?.value ?? 0) >= 2, 'connector_count');
    assert.ok((pick(s, 'kafka_connect_worker_task_count')[0]?.value ?? 0) >= 2, 'task_count');
    assert.equal(pick(s, 'kafka_connect_worker_connector_running_task_count', { connector: 'mirror-src' })[0]?.value, 1);
    assert.equal(pick(s, 'kafka_connect_worker_connector_failed_task_count', { connector: 'mirror-src' })[0]?.value, 0);
    assert.equal(pick(s, 'kafka_connect_connector_status', { connector: 'mirror-src', status: 'running' })[0]?.value, 1);
    assert.equal(pick(s, 'kafka_connect_connector_task_status', { connector: 'mirror-src', task: '0', status: 'running' })[0]?.value, 1);
    assert.equal(pick(s, 'kafka_connect_connector_connector_class', { connector: 'mirror-src', connector_class: MIRROR_SOURCE_CONNECTOR_CLASS })[0]?.value, 1);
    assert.equal(pick(s, 'kafka_connect_source_task_source_record_write_total', { connector: 'mirror-src', task: '0' })[0]?.value, N + M);
    assert.equal(pick(s, 'kafka_connect_task_error_total_record_failures', { connector: 'mirror-src', task: '0' })[0]?.value, 0);
    assert.ok((pick(s, 'kafka_connect_source_task_source_record_write_rate', { connector: 'mirror-src', task: '0' })[0]?.value ?? 0) > 0, 'source_record_write_rate > 0');

    // A checkpoint for the group: checkpoint-latency series labelled as Strimzi's rule labels them (topic: the
    // checkpoint's topic, the remote one, as MM2 tags it).
    s = await waitFor('checkpoint latency series', async () => {
      const x = await scrape(worker);
      return pick(x, 'kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms_max', { source: 'P', target: 'Q', group, topic: `P.${keep}`, partition: '0' }).length === 1 ? x : null;
    }, 30_000, 250).catch(async (e: Error) => {
      const x = await scrape(worker);
      throw new Error(`${e.message}; ${JSON.stringify(x.filter((y) => y.name.includes('checkpoint')))}`);
    });
    for (const sfx of ['', '_avg', '_min', '_max']) {
      const v = pick(s, `kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms${sfx}`, { source: 'P', target: 'Q', group })[0]?.value;
      assert.ok(v !== undefined && Number.isFinite(v) && v >= 0, `checkpoint_latency_ms${sfx}: ${v}`);
    }

    // The dropped topic leaves the mirror: its series go, the kept topic's stay (a new task reports them).
    const put = await worker.rest('PUT', '/connectors/mirror-src/config', { ...sourceConfig, topics: keep });
    assert.ok(put.status === 200 || put.status === 201, `config update: ${put.status}`);
    s = await waitFor('series of the dropped topic removed', async () => {
      const x = await scrape(worker);
      const dropped = x.filter((y) => y.labels['topic'] === `P.${drop}` || y.labels['topic'] === drop);
      const kept = pick(x, 'kafka_connect_mirror_mirrorsourceconnector_record_count', { topic: `P.${keep}` });
      return dropped.length === 0 && kept.length === 2 ? x : null;
    }, 30_000, 250);

    // A deleted connector leaves no series; the worker counts follow.
    const before = pick(s, 'kafka_connect_worker_connector_count')[0]!.value;
    assert.equal((await worker.rest('DELETE', '/connectors/mirror-src')).status, 204);
    s = await waitFor('series of the deleted connector removed', async () => {
      const x = await scrape(worker);
      return x.some((y) => y.labels['connector'] === 'mirror-src' || (y.name.startsWith('kafka_connect_mirror_mirrorsourceconnector_') && y.labels['topic'] === `P.${keep}`)) ? null : x;
    }, 30_000, 250).catch(async (e: Error) => {
      const x = await scrape(worker);
      throw new Error(`${e.message}; left: ${JSON.stringify(x.filter((y) => y.labels['connector'] === 'mirror-src' || (y.name.startsWith('kafka_connect_mirror_mirrorsourceconnector_') && y.labels['topic'] === `P.${keep}`)))}`);
    });
    assert.equal(pick(s, 'kafka_connect_worker_connector_count')[0]?.value, before - 1);
  } finally {
    await worker.stop();
  }
});

/** One record every `everyMs` to alternate partitions of each topic, stamped now; stop() waits for the last send. */
async function produceSteadily(props: ClientProps, topics: string[], partitions: number, everyMs: number) {
  const producer = createKafka(props, { clientId: 'lag-test-producer' }).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let i = 0;
  let sending: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    const partition = i++ % partitions;
    sending = sending.then(() => producer.sendBatch({ acks: -1, topicMessages: topics.map((topic) => ({ topic, messages: [{ partition, value: Buffer.from(`v${i}`), timestamp: String(Date.now()) }] })) }));
  }, everyMs);
  let stopped: Promise<void> | null = null;
  const stop = async () => { clearInterval(timer); await sending.catch(() => undefined); await producer.disconnect(); };
  return { stop: () => (stopped ??= stop()) };
}

test('mirror lag while paused: ferry_mirror_lag_ms reads the pause and returns to 0 after resume (byte and record paths)', { timeout: 90_000 }, async (t) => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const PAUSE_MS = 6000, TOLERANCE_MS = 1500;
  const topics = { MirrorSourceConnector: uniqueName('lagb'), 'MirrorSourceConnector-records': uniqueName('lagr') };
  await createTopics(a.props, Object.values(topics).map((topic) => ({ topic, partitions: 2 })));
  const common = {
    'connector.class': MIRROR_SOURCE_CONNECTOR_CLASS, 'source.cluster.alias': 'L', 'target.cluster.alias': 'R',
    'source.cluster.bootstrap.servers': a.bootstrap, 'target.cluster.bootstrap.servers': b.bootstrap,
    'sync.topic.acls.enabled': 'false', 'replication.factor': '1', 'offset-syncs.topic.replication.factor': '1', 'tasks.max': '1',
  };
  // A transform that never applies keeps the bytes and puts the second connector on the record path.
  const recordPath = { 'transforms': 'never', 'transforms.never.type': 'org.apache.kafka.connect.transforms.Filter', 'transforms.never.predicate': 'none', 'predicates': 'none', 'predicates.none.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches', 'predicates.none.pattern': 'no-such-topic' };
  const worker = await startTestWorker(b.bootstrap, {
    dir: tmp.dir,
    extra: { 'key.converter': BYTES, 'value.converter': BYTES, 'header.converter': BYTES },
    connectors: [
      { name: 'MirrorSourceConnector', config: { ...common, topics: topics.MirrorSourceConnector } },
      { name: 'MirrorSourceConnector-records', config: { ...common, topics: topics['MirrorSourceConnector-records'], ...recordPath } },
    ],
  });
  const producer = await produceSteadily(a.props, Object.values(topics), 2, 100);
  const lagOf = async () => {
    const s = await scrape(worker);
    return Object.values(topics).flatMap((topic) => [0, 1].map((p) => ({
      topic, p, ms: pick(s, 'ferry_mirror_lag_ms', { source: 'L', topic, partition: String(p) })[0]?.value ?? NaN,
      records: pick(s, 'ferry_mirror_lag_records', { source: 'L', topic, partition: String(p) })[0]?.value ?? NaN,
    })));
  };
  const state = async (want: string) => (await Promise.all(Object.keys(topics).map(async (c) => {
    const st = (await worker.rest('GET', `/connectors/${c}/status`)).body as { connector?: { state: string }; tasks?: { state: string }[] };
    return st.connector?.state === want && !!st.tasks?.length && st.tasks.every((x) => x.state === want);
  }))).every(Boolean);
  try {
    await waitFor('mirroring, caught up', async () => (await lagOf()).every((l) => l.ms <= 2000 && Number.isFinite(l.records)), 30_000);
    for (const c of Object.keys(topics)) assert.equal((await worker.rest('PUT', `/connectors/${c}/pause`)).status, 202);
    await waitFor('tasks PAUSED', () => state('PAUSED'), 15_000);
    const pausedAt = Date.now();
    await sleep(PAUSE_MS); // the pause itself
    const paused = await lagOf();
    t.diagnostic(`lag after ${Date.now() - pausedAt} ms paused: ${JSON.stringify(paused)}`);
    for (const l of paused) {
      assert.ok(l.ms >= PAUSE_MS - TOLERANCE_MS, `${l.topic}-${l.p}: lag ${l.ms} ms after a ${PAUSE_MS} ms pause`);
      assert.ok(l.ms <= Date.now() - pausedAt + 5000, `${l.topic}-${l.p}: lag ${l.ms} ms, longer than the pause`);
      assert.ok(l.records > 0, `${l.topic}-${l.p}: ${l.records} records behind`);
    }

    for (const c of Object.keys(topics)) assert.equal((await worker.rest('PUT', `/connectors/${c}/resume`)).status, 202);
    const resumedAt = Date.now();
    await waitFor('lag back under 2 s while producing', async () => (await lagOf()).every((l) => l.ms <= 2000), 15_000, 100);
    t.diagnostic(`lag under 2 s ${Date.now() - resumedAt} ms after resume: ${JSON.stringify(await lagOf())}`);
    await producer.stop();
    const stoppedAt = Date.now();
    await waitFor('lag 0 once production stopped', async () => (await lagOf()).every((l) => l.ms === 0 && l.records === 0), 15_000, 100);
    t.diagnostic(`lag 0 ${Date.now() - stoppedAt} ms after production stopped (${Date.now() - resumedAt} ms after resume)`);
  } finally {
    await producer.stop().catch(() => undefined);
    await worker.stop();
  }
});

test('a distributed worker reports its group assignment and rebalances (Connect dashboard series)', { timeout: 60_000 }, async () => {
  const group = uniqueName('metrics-dist');
  const h = await startDistributed(distributedProps(kafka.cluster('b').bootstrap, group));
  try {
    await h.herder.awaitJoined(30_000);
    const s = await waitFor('group series', async () => {
      const x = await scrape(h);
      return pick(x, 'kafka_connect_worker_rebalance_completed_rebalances_total')[0]?.value ? x : null;
    }, 20_000, 200);
    assert.equal(pick(s, 'kafka_connect_worker_rebalance_rebalancing')[0]?.value, 0);
    assert.ok((pick(s, 'kafka_connect_worker_rebalance_epoch')[0]?.value ?? -1) >= 1, 'epoch');
    const assigned = pick(s, 'kafka_connect_coordinator_assigned_connectors');
    assert.equal(assigned.length, 1);
    assert.ok(assigned[0]!.labels['clientid']?.startsWith(group), `clientid ${assigned[0]!.labels['clientid']}`);
    assert.equal(pick(s, 'kafka_connect_coordinator_assigned_tasks')[0]?.value, 0);
  } finally {
    await h.stop();
  }
  assert.equal(pick(parse(await registry.metrics()), 'kafka_connect_coordinator_assigned_tasks').length, 0, 'no group series once the worker stopped');
});
