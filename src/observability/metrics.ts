// One prom-client registry per process, served at GET /metrics. Names follow Connect's task metrics
// (source-record-poll, sink-record-read, offset-commit-*) in Prometheus style.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'ferry_process_' });

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
  connectorState: new Gauge({ name: 'ferry_connector_state', help: 'Connector state (1 for the current state)', labelNames: ['connector', 'state'], registers: [registry] }),
};

const STATES = ['UNASSIGNED', 'RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'RESTARTING'] as const;

export function setTaskState(connector: string, task: number, state: string | null): void {
  for (const s of STATES) metrics.taskState.set({ connector, task: String(task), state: s }, s === state ? 1 : 0);
}

export function setConnectorState(connector: string, state: string | null): void {
  for (const s of STATES) metrics.connectorState.set({ connector, state: s }, s === state ? 1 : 0);
}
