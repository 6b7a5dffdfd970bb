// Windowed stats mean what Kafka's Rate/Avg/Min/Max mean (samples × window, fake clock), and the Strimzi-named
// series have the names and labels Strimzi's JMX-exporter rules give MM2 and Connect; removed series disappear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { SampledStat, WindowedMetric, type WindowConfig } from '../../src/observability/windowed-stats.js';
import { metricsOwnerId, registerTaskErrors, registry, setConnectorInfo, setConnectorState, setTaskState, setWorkerGroupState, strimziConnect } from '../../src/observability/metrics.js';
import { removeMirrorPartition, strimziMirror } from '../../src/observability/mirror-metrics.js';

function fakeClock(start = 1_000_000): WindowConfig & { t: number } {
  const c = { t: start, windowMs: 30_000, samples: 2, now: () => c.t };
  return c;
}

test('rate: a young stat divides by at least (samples - 1) windows, then by the retained time', () => {
  const c = fakeClock();
  const s = new SampledStat(c);
  s.add(300);
  // 0 ms elapsed, 1 full window assumed: 300 / 30 s.
  assert.equal(s.rate(), 10);
  c.t += 10_000;
  s.add(300);
  assert.equal(s.rate(), 600 / 40);
  c.t += 30_000; // second sample starts
  s.add(600);
  assert.equal(s.rate(), 1200 / 40);
  assert.equal(s.lifetimeTotal, 1200);
});

test('rate and avg forget samples older than samples × window', () => {
  const c = fakeClock();
  const s = new SampledStat(c);
  s.add(1000);
  c.t += 61_000;
  assert.equal(s.rate(), 0);
  assert.ok(Number.isNaN(s.avg()));
  assert.ok(Number.isNaN(s.maximum()));
  assert.ok(Number.isNaN(s.minimum()));
  assert.equal(s.lifetimeTotal, 1000, 'the cumulative count keeps everything');
});

test('avg is weighted by events; min and max see each value once; last is the latest', () => {
  const c = fakeClock();
  const s = new SampledStat(c);
  s.record(100, 3); // a batch of 3 records, 100 ms old
  s.record(400, 1);
  assert.equal(s.avg(), (300 + 400) / 4);
  assert.equal(s.minimum(), 100);
  assert.equal(s.maximum(), 400);
  assert.equal(s.last, 400);
  c.t += 30_000; // a new sample; the old one still counts
  s.record(50);
  assert.equal(s.minimum(), 50);
  assert.equal(s.maximum(), 400);
  c.t += 30_000; // the first sample is now replaced by a new one
  s.record(200);
  assert.equal(s.maximum(), 200);
  assert.equal(s.avg(), 125);
});

test('WindowedMetric exposes one gauge per output and removes a label set from all of them', async () => {
  const reg = new Registry();
  const c = fakeClock();
  const m = new WindowedMetric({ outputs: { t_x_ms: 'last', t_x_ms_avg: 'avg', t_x_ms_max: 'max', t_count: 'total', t_rate: 'rate' }, help: 'x', labelNames: ['topic', 'partition'] as const, registry: reg, window: c });
  m.series({ topic: 'a', partition: '0' }).record(10, 2);
  m.series({ topic: 'b', partition: '1' }).record(30);
  const text = await reg.metrics();
  assert.match(text, /^t_x_ms\{topic="a",partition="0"\} 10$/m);
  assert.match(text, /^t_x_ms_avg\{topic="b",partition="1"\} 30$/m);
  assert.match(text, /^t_count\{topic="a",partition="0"\} 20$/m);
  m.remove({ topic: 'a', partition: '0' });
  const after = await reg.metrics();
  assert.doesNotMatch(after, /topic="a"/);
  assert.match(after, /^t_x_ms_max\{topic="b",partition="1"\} 30$/m);
});

test('MM2 source series carry Strimzi names and labels; removing a partition removes them', async () => {
  const labels = { source: 'us', target: 'eu', topic: 'orders', partition: '3' };
  const remote = { ...labels, topic: 'us.orders' };
  strimziMirror.records.series(remote).add(5);
  strimziMirror.bytes.series(remote).add(500);
  strimziMirror.recordAge.series(remote).record(7, 5);
  strimziMirror.replicationLatency.series(remote).record(9, 5);
  strimziMirror.recordsLag.set({ clientid: 'c1', topic: 'orders', partition: '3' }, 4);
  const text = await registry.metrics();
  const sel = '\\{source="us",target="eu",topic="us.orders",partition="3"\\}';
  for (const n of ['record_count 5', 'byte_count 500', 'record_age_ms 7', 'record_age_ms_avg 7', 'record_age_ms_min 7', 'record_age_ms_max 7',
    'replication_latency_ms 9', 'replication_latency_ms_avg 9', 'replication_latency_ms_min 9', 'replication_latency_ms_max 9']) {
    const [name, value] = n.split(' ');
    assert.match(text, new RegExp(`^kafka_connect_mirror_mirrorsourceconnector_${name}${sel} ${value}$`, 'm'), name);
  }
  assert.match(text, new RegExp(`^kafka_connect_mirror_mirrorsourceconnector_record_rate${sel} [0-9.]+$`, 'm'));
  assert.match(text, new RegExp(`^kafka_connect_mirror_mirrorsourceconnector_byte_rate${sel} [0-9.]+$`, 'm'));
  assert.match(text, /^kafka_consumer_fetch_manager_records_lag\{clientid="c1",topic="orders",partition="3"\} 4$/m);
  removeMirrorPartition(labels, 'us.orders', 'c1');
  const after = await registry.metrics();
  assert.doesNotMatch(after, /us\.orders/);
  assert.doesNotMatch(after, /clientid="c1"/);
});

test('checkpoint latency series are labelled source, target, group, topic, partition', async () => {
  const l = { source: 'us', target: 'eu', group: 'g1', topic: 'orders', partition: '0' };
  strimziMirror.checkpointLatency.series(l).record(12);
  const text = await registry.metrics();
  for (const sfx of ['', '_avg', '_min', '_max']) {
    assert.match(text, new RegExp(`^kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms${sfx}\\{source="us",target="eu",group="g1",topic="orders",partition="0"\\} 12$`, 'm'));
  }
  strimziMirror.checkpointLatency.remove(l);
  assert.doesNotMatch(await registry.metrics(), /group="g1"/);
});

test('worker counts, connector and task status follow the worker; a deleted connector and stopped tasks leave no series', async () => {
  setConnectorState('unit-c', 'RUNNING');
  setConnectorInfo('unit-c', { connectorClass: 'org.apache.kafka.connect.mirror.MirrorSourceConnector', type: 'source', version: '1' });
  setTaskState('unit-c', 0, 'RUNNING');
  setTaskState('unit-c', 1, 'PAUSED');
  strimziConnect.sourceRecordWrite.series({ connector: 'unit-c', task: '0' }).add(3);
  registerTaskErrors('unit-c', 0, { totalFailures: 4, totalErrors: 2, totalSkipped: 2, totalLogged: 1 });
  let text = await registry.metrics();
  assert.match(text, /^kafka_connect_worker_connector_count [1-9]\d*$/m);
  assert.match(text, /^kafka_connect_worker_task_count [2-9]\d*$/m);
  assert.match(text, /^kafka_connect_worker_connector_running_task_count\{connector="unit-c"\} 1$/m);
  assert.match(text, /^kafka_connect_worker_connector_paused_task_count\{connector="unit-c"\} 1$/m);
  assert.match(text, /^kafka_connect_worker_connector_failed_task_count\{connector="unit-c"\} 0$/m);
  assert.match(text, /^kafka_connect_worker_connector_total_task_count\{connector="unit-c"\} 2$/m);
  assert.match(text, /^kafka_connect_connector_status\{connector="unit-c",status="running"\} 1$/m);
  assert.match(text, /^kafka_connect_connector_connector_class\{connector="unit-c",connector_class="org.apache.kafka.connect.mirror.MirrorSourceConnector"\} 1$/m);
  assert.match(text, /^kafka_connect_connector_task_status\{connector="unit-c",task="1",status="paused"\} 1$/m);
  assert.match(text, /^kafka_connect_source_task_source_record_write_total\{connector="unit-c",task="0"\} 3$/m);
  assert.match(text, /^kafka_connect_task_error_total_record_failures\{connector="unit-c",task="0"\} 4$/m);
  assert.match(text, /^kafka_connect_task_error_total_records_skipped\{connector="unit-c",task="0"\} 2$/m);
  setTaskState('unit-c', 0, null);
  setTaskState('unit-c', 1, null);
  setConnectorState('unit-c', null);
  text = await registry.metrics();
  assert.doesNotMatch(text, /unit-c/);
});

test('a distributed worker reports its assignment and rebalances under Connect\'s coordinator and rebalance names', async () => {
  assert.doesNotMatch(await registry.metrics(), /kafka_connect_coordinator_assigned_tasks/, 'no group series without a group');
  setWorkerGroupState({ clientId: 'connect-cluster-w1', rebalancing: false, completedRebalances: 3, epoch: 7, assignedConnectors: 2, assignedTasks: 5 });
  const text = await registry.metrics();
  assert.match(text, /^kafka_connect_coordinator_assigned_connectors\{clientid="connect-cluster-w1"\} 2$/m);
  assert.match(text, /^kafka_connect_coordinator_assigned_tasks\{clientid="connect-cluster-w1"\} 5$/m);
  assert.match(text, /^kafka_connect_worker_rebalance_rebalancing 0$/m);
  assert.match(text, /^kafka_connect_worker_rebalance_completed_rebalances_total 3$/m);
  assert.match(text, /^kafka_connect_worker_rebalance_epoch 7$/m);
  setWorkerGroupState(null);
  assert.doesNotMatch(await registry.metrics(), /clientid="connect-cluster-w1"/);
});

test('two workers of one process (dedicated flows) with alike connector names: one leaving keeps the other\'s series', async () => {
  const w1 = metricsOwnerId(), w2 = metricsOwnerId();
  for (const w of [w1, w2]) { setConnectorState('MirrorSourceConnector', 'RUNNING', w); setTaskState('MirrorSourceConnector', 0, 'RUNNING', w); }
  let text = await registry.metrics();
  assert.match(text, /^kafka_connect_worker_connector_running_task_count\{connector="MirrorSourceConnector"\} 2$/m);
  setTaskState('MirrorSourceConnector', 0, null, w1);
  setConnectorState('MirrorSourceConnector', null, w1);
  text = await registry.metrics();
  assert.match(text, /^kafka_connect_worker_connector_running_task_count\{connector="MirrorSourceConnector"\} 1$/m);
  assert.match(text, /^kafka_connect_connector_status\{connector="MirrorSourceConnector",status="running"\} 1$/m);
  assert.match(text, /^ferry_task_state\{connector="MirrorSourceConnector",task="0",state="RUNNING"\} 1$/m);
  setTaskState('MirrorSourceConnector', 0, null, w2);
  setConnectorState('MirrorSourceConnector', null, w2);
  assert.doesNotMatch(await registry.metrics(), /MirrorSourceConnector/);
});
