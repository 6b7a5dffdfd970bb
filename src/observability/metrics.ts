// One prom-client registry per process, served at GET /metrics. Names follow Connect's task metrics
// (source-record-poll, sink-record-read, offset-commit-*) in Prometheus style.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { WindowedMetric } from './windowed-stats.js';
import { registerJvmMetrics } from './jvm-metrics.js';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'ferry_process_' });
registerJvmMetrics(registry);

const taskLabels = ['connector', 'task'] as const;

export const metrics = {
  sourceRecordPoll: new Counter({ name: 'ferry_source_record_poll_total', help: 'Records polled from source tasks (before transforms)', labelNames: taskLabels, registers: [registry] }),
  sourceRecordWrite: new Counter({ name: 'ferry_source_record_write_total', help: 'Records written to Kafka by source tasks (after transforms)', labelNames: taskLabels, registers: [registry] }),
  sinkRecordRead: new Counter({ name: 'ferry_sink_record_read_total', help: 'Records read from Kafka by sink tasks', labelNames: taskLabels, registers: [registry] }),
  sinkRecordSend: new Counter({ name: 'ferry_sink_record_send_total', help: 'Records handed to sink tasks put() (after transforms)', labelNames: taskLabels, registers: [registry] }),
  batchSize: new Histogram({ name: 'ferry_task_batch_size', help: 'Records per poll()/put() batch', labelNames: taskLabels, buckets: [1, 10, 100, 500, 1000, 2000, 5000, 10000], registers: [registry] }),
  offsetCommitSuccess: new Counter({ name: 'ferry_offset_commit_success_total', help: 'Successful offset commits', labelNames: taskLabels, registers: [registry] }),
  offsetCommitFailure: new Counter({ name: 'ferry_offset_commit_failure_total', help: 'Failed offset commits', labelNames: taskLabels, registers: [registry] }),
  offsetCommitLatency: new Histogram({ name: 'ferry_offset_commit_seconds', help: 'Offset commit latency', labelNames: taskLabels, buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [registry] }),
  recordErrors: new Counter({ name: 'ferry_task_errors_total', help: 'Record processing errors (tolerated or not)', labelNames: [...taskLabels, 'stage'], registers: [registry] }),
  deadletterRecords: new Counter({ name: 'ferry_deadletterqueue_produce_total', help: 'Records sent to the dead letter queue', labelNames: taskLabels, registers: [registry] }),
  taskState: new Gauge({ name: 'ferry_task_state', help: 'Task state (1 for the current state)', labelNames: [...taskLabels, 'state'], registers: [registry] }),
  sourceTaskDataPath: new Gauge({ name: 'ferry_source_task_data_path', help: 'Data path of a source task (1 for the one it runs): bytes = encoded record batches written by the task, records = SourceRecords through transforms and converters', labelNames: [...taskLabels, 'path'], registers: [registry] }),
  connectorState: new Gauge({ name: 'ferry_connector_state', help: 'Connector state (1 for the current state)', labelNames: ['connector', 'state'], registers: [registry] }),
};

const STATES = ['UNASSIGNED', 'RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'RESTARTING'] as const;

// What this process's workers run, as their status listeners report it: the source of Connect's worker-level
// counts. Keyed by worker too: dedicated mode runs a worker per flow, and every flow names its connectors alike
// (MirrorSourceConnector, …), so one flow's connector leaving must not erase another's.
const connectorStates = new Map<string, { connector: string; state: string }>();
const connectorInfo = new Map<string, { connector: string; connectorClass: string; type: string; version: string }>();
const taskStates = new Map<string, { connector: string; task: string; state: string }>();
let workerIds = 0;
/** An id for a worker's entries in the maps above. */
export function metricsOwnerId(): number { return ++workerIds; }

// Connect's worker, connector and task metrics under the names Strimzi's JMX-exporter rules give them
// (kafka-connect-metrics.yaml, kafka-mirror-maker-2-metrics.yaml); the series Strimzi's dashboards query.
function gauge(name: string, help: string, collect: (g: Gauge) => void): Gauge {
  return new Gauge({ name, help, registers: [registry], collect() { collect(this); } });
}
function labelledGauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect: (g: Gauge<L>) => void): Gauge<L> {
  return new Gauge<L>({ name, help, labelNames, registers: [registry], collect() { this.reset(); collect(this); } });
}
/** Connect's per-connector task-count attributes of connect-worker-metrics, by the state they count. */
const TASK_COUNTS = { running: 'RUNNING', paused: 'PAUSED', failed: 'FAILED', unassigned: 'UNASSIGNED', restarting: 'RESTARTING', destroyed: 'DESTROYED' } as const;

export const strimziConnect = {
  connectorCount: gauge('kafka_connect_worker_connector_count', 'Connectors running on this worker (connect-worker-metrics connector-count)', (g) => g.set(connectorStates.size)),
  taskCount: gauge('kafka_connect_worker_task_count', 'Tasks running on this worker (connect-worker-metrics task-count)', (g) => g.set(taskStates.size)),
  connectorTaskCounts: Object.entries(TASK_COUNTS).map(([attr, state]) => labelledGauge(
    `kafka_connect_worker_connector_${attr}_task_count`, `Tasks of the connector on this worker in state ${state}`, ['connector'] as const,
    (g) => { for (const c of workerConnectors()) g.set({ connector: c }, countTasks(c, state)); })),
  connectorTotalTaskCount: labelledGauge('kafka_connect_worker_connector_total_task_count', 'Tasks of the connector on this worker', ['connector'] as const,
    (g) => { for (const c of workerConnectors()) g.set({ connector: c }, countTasks(c, null)); }),
  connectorStatus: labelledGauge('kafka_connect_connector_status', 'Connector status (1 for the current one; Connect\'s lower-case state)', ['connector', 'status'] as const,
    (g) => { for (const c of connectorStates.values()) g.set({ connector: c.connector, status: c.state.toLowerCase() }, 1); }),
  connectorClass: labelledGauge('kafka_connect_connector_connector_class', 'Connector class (value 1)', ['connector', 'connector_class'] as const,
    (g) => { for (const i of connectorInfo.values()) g.set({ connector: i.connector, connector_class: i.connectorClass }, 1); }),
  connectorType: labelledGauge('kafka_connect_connector_connector_type', 'Connector type, source or sink (value 1)', ['connector', 'connector_type'] as const,
    (g) => { for (const i of connectorInfo.values()) g.set({ connector: i.connector, connector_type: i.type }, 1); }),
  connectorVersion: labelledGauge('kafka_connect_connector_connector_version', 'Connector version (value 1)', ['connector', 'connector_version'] as const,
    (g) => { for (const i of connectorInfo.values()) g.set({ connector: i.connector, connector_version: i.version }, 1); }),
  taskStatus: labelledGauge('kafka_connect_connector_task_status', 'Task status (1 for the current one; Connect\'s lower-case state)', ['connector', 'task', 'status'] as const,
    (g) => { for (const t of taskStates.values()) g.set({ connector: t.connector, task: t.task, status: t.state.toLowerCase() }, 1); }),
  sourceRecordPoll: new WindowedMetric({ outputs: { kafka_connect_source_task_source_record_poll_total: 'total', kafka_connect_source_task_source_record_poll_rate: 'rate' }, help: 'Records polled from the source task (source-record-poll)', labelNames: taskLabels, registry }),
  sourceRecordWrite: new WindowedMetric({ outputs: { kafka_connect_source_task_source_record_write_total: 'total', kafka_connect_source_task_source_record_write_rate: 'rate' }, help: 'Records written to Kafka by the source task (source-record-write)', labelNames: taskLabels, registry }),
  // Connect records the count at every poll (records added) and every acknowledged batch (records removed): its
  // plain value is the last count, _max and _avg are over those recordings in the sample windows.
  sourceRecordActive: new WindowedMetric({ outputs: { kafka_connect_source_task_source_record_active_count: 'last', kafka_connect_source_task_source_record_active_count_max: 'max', kafka_connect_source_task_source_record_active_count_avg: 'avg' }, help: 'Records polled by the source task and not yet acknowledged by the target (source-record-active-count)', labelNames: taskLabels, registry }),
  sinkRecordRead: new WindowedMetric({ outputs: { kafka_connect_sink_task_sink_record_read_total: 'total', kafka_connect_sink_task_sink_record_read_rate: 'rate' }, help: 'Records read from Kafka by the sink task (sink-record-read)', labelNames: taskLabels, registry }),
  sinkRecordSend: new WindowedMetric({ outputs: { kafka_connect_sink_task_sink_record_send_total: 'total', kafka_connect_sink_task_sink_record_send_rate: 'rate' }, help: 'Records handed to the sink task after transforms (sink-record-send)', labelNames: taskLabels, registry }),
  batchSize: new WindowedMetric({ outputs: { kafka_connect_connector_task_batch_size_avg: 'avg', kafka_connect_connector_task_batch_size_max: 'max' }, help: 'Records per poll()/put() batch (batch-size)', labelNames: taskLabels, registry }),
  offsetCommitTime: new WindowedMetric({ outputs: { kafka_connect_connector_task_offset_commit_avg_time_ms: 'avg', kafka_connect_connector_task_offset_commit_max_time_ms: 'max' }, help: 'Offset commit time in ms (offset-commit)', labelNames: taskLabels, registry }),
};

/** Error counts of a task's RetryWithToleranceOperator, read at scrape time. */
export interface TaskErrorCounts { readonly totalFailures: number; readonly totalErrors: number; readonly totalSkipped: number; readonly totalLogged: number }
const taskErrors = new Map<string, { labels: { connector: string; task: string }; counts: TaskErrorCounts }>();

function taskErrorGauge(attr: string, help: string, read: (c: TaskErrorCounts) => number): Gauge<'connector' | 'task'> {
  return labelledGauge(`kafka_connect_task_error_${attr}`, `${help} (task-error-metrics)`, taskLabels, (g) => { for (const e of taskErrors.values()) g.set(e.labels, read(e.counts)); });
}
export const strimziTaskErrors = [
  taskErrorGauge('total_record_failures', 'Failed attempts to process a record, retries included', (c) => c.totalFailures),
  taskErrorGauge('total_record_errors', 'Records that failed after retries', (c) => c.totalErrors),
  taskErrorGauge('total_records_skipped', 'Records skipped because of a tolerated error', (c) => c.totalSkipped),
  taskErrorGauge('total_errors_logged', 'Errors written to the log (errors.log.enable)', (c) => c.totalLogged),
];

/** Registers the error counts a task reports until its state is cleared (setTaskState(..., null)). */
export function registerTaskErrors(connector: string, task: number, counts: TaskErrorCounts, owner = 0): void {
  taskErrors.set(`${owner}\u0000${connector}\u0000${task}`, { labels: { connector, task: String(task) }, counts });
}

// The producer's buffer-available-bytes (producer-metrics): buffer.memory minus the bytes of batches queued or in
// flight, read at scrape time from each connected producer. Producers sharing a client id (a task of the same name
// in two flows) show the one with the least room.
const producerBuffers = new Set<{ clientid: string; available: () => number }>();
export const producerBufferAvailable = labelledGauge('kafka_producer_buffer_available_bytes', 'buffer.memory not used by batches queued or in flight (producer-metrics buffer-available-bytes)', ['clientid'] as const, (g) => {
  const least = new Map<string, number>();
  for (const p of producerBuffers) least.set(p.clientid, Math.min(least.get(p.clientid) ?? Infinity, p.available()));
  for (const [clientid, bytes] of least) g.set({ clientid }, bytes);
});

/** Serves a producer's available buffer bytes until the returned function is called (the producer closed). */
export function registerProducerBuffer(clientid: string, available: () => number): () => void {
  const entry = { clientid, available };
  producerBuffers.add(entry);
  return () => { producerBuffers.delete(entry); };
}

/** A distributed worker's group state (Connect's connect-coordinator-metrics and connect-worker-rebalance-metrics). */
export interface WorkerGroupState { clientId: string; rebalancing: boolean; completedRebalances: number; epoch: number; assignedConnectors: number; assignedTasks: number }
let groupState: WorkerGroupState | null = null;
let groupGauges: Gauge[] | null = null;

/**
 * Updates the group series of a distributed worker (registered on the first call, so standalone and dedicated
 * workers, which have no group, show none); null when the worker stops.
 */
export function setWorkerGroupState(state: WorkerGroupState | null): void {
  groupState = state;
  if (groupGauges || !state) return;
  const plain = (name: string, help: string, read: (s: WorkerGroupState) => number) => new Gauge({
    name, help, registers: [registry],
    collect() { if (groupState) this.set(read(groupState)); else this.reset(); },
  });
  const byClient = (name: string, help: string, read: (s: WorkerGroupState) => number) => new Gauge({
    name, help, labelNames: ['clientid'], registers: [registry],
    collect() { this.reset(); if (groupState) this.set({ clientid: groupState.clientId }, read(groupState)); },
  });
  groupGauges = [
    byClient('kafka_connect_coordinator_assigned_connectors', 'Connectors assigned to this worker in the last rebalance', (s) => s.assignedConnectors),
    byClient('kafka_connect_coordinator_assigned_tasks', 'Tasks assigned to this worker in the last rebalance', (s) => s.assignedTasks),
    plain('kafka_connect_worker_rebalance_rebalancing', '1 while this worker is rebalancing', (s) => (s.rebalancing ? 1 : 0)),
    plain('kafka_connect_worker_rebalance_completed_rebalances_total', 'Rebalances this worker completed', (s) => s.completedRebalances),
    plain('kafka_connect_worker_rebalance_epoch', 'Generation of the last completed rebalance', (s) => s.epoch),
  ];
}

function workerConnectors(): Set<string> {
  const out = new Set<string>();
  for (const c of connectorStates.values()) out.add(c.connector);
  for (const t of taskStates.values()) out.add(t.connector);
  return out;
}

function countTasks(connector: string, state: string | null): number {
  let n = 0;
  for (const t of taskStates.values()) if (t.connector === connector && (state === null || t.state === state)) n++;
  return n;
}

const taskWindowed = [strimziConnect.sourceRecordPoll, strimziConnect.sourceRecordWrite, strimziConnect.sourceRecordActive, strimziConnect.sinkRecordRead, strimziConnect.sinkRecordSend, strimziConnect.batchSize, strimziConnect.offsetCommitTime];
const taskCounters = [metrics.sourceRecordPoll, metrics.sourceRecordWrite, metrics.sinkRecordRead, metrics.sinkRecordSend, metrics.batchSize, metrics.offsetCommitSuccess, metrics.offsetCommitFailure, metrics.offsetCommitLatency, metrics.deadletterRecords];

/** A task's state; null when the task left this worker: every series labelled with it is removed. */
export function setTaskState(connector: string, task: number, state: string | null, owner = 0): void {
  const key = `${owner}\u0000${connector}\u0000${task}`;
  const labels = { connector, task: String(task) };
  if (state === null) {
    taskStates.delete(key);
    taskErrors.delete(key);
    // Another worker of this process (another flow) may run a task of the same name: its series stay.
    for (const t of taskStates.values()) if (t.connector === labels.connector && t.task === labels.task) return;
    for (const s of STATES) metrics.taskState.remove({ ...labels, state: s });
    for (const path of ['bytes', 'records']) metrics.sourceTaskDataPath.remove({ ...labels, path });
    for (const m of taskCounters) m.remove(labels);
    for (const m of taskWindowed) m.remove(labels);
    return;
  }
  taskStates.set(key, { ...labels, state });
  for (const s of STATES) metrics.taskState.set({ ...labels, state: s }, s === state ? 1 : 0);
}

/** A connector's state; null when it left this worker (deleted, moved, stopped here): its series are removed. */
export function setConnectorState(connector: string, state: string | null, owner = 0): void {
  const key = `${owner}\u0000${connector}`;
  if (state === null) {
    connectorStates.delete(key);
    connectorInfo.delete(key);
    for (const c of connectorStates.values()) if (c.connector === connector) return;
    for (const s of STATES) metrics.connectorState.remove({ connector, state: s });
    return;
  }
  connectorStates.set(key, { connector, state });
  for (const s of STATES) metrics.connectorState.set({ connector, state: s }, s === state ? 1 : 0);
}

/** Class, type and version of a connector this worker runs (Connect's connector-metrics attributes). */
export function setConnectorInfo(connector: string, info: { connectorClass: string; type: string; version: string }, owner = 0): void {
  connectorInfo.set(`${owner}\u0000${connector}`, { connector, ...info });
}
