// MirrorMaker 2's metric names (record-count, record-rate, record-age-ms, replication-latency-ms, byte-rate,
// checkpoint-latency-ms) in Prometheus form, plus what MM2 lacks: replication lag per partition in records
// and milliseconds, and translation precision.
import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from './metrics.js';

const tp = ['source', 'target', 'topic', 'partition'] as const;

export const mirrorMetrics = {
  recordCount: new Counter({ name: 'ferry_mirror_record_count', help: 'MM2 record-count: records replicated source -> target', labelNames: tp, registers: [registry] }),
  byteCount: new Counter({ name: 'ferry_mirror_byte_count', help: 'MM2 byte-rate as a counter: bytes replicated (key + value)', labelNames: tp, registers: [registry] }),
  recordAgeMs: new Gauge({ name: 'ferry_mirror_record_age_ms', help: 'MM2 record-age-ms: age of the last record when it was consumed', labelNames: tp, registers: [registry] }),
  replicationLatencyMs: new Histogram({ name: 'ferry_mirror_replication_latency_ms', help: 'MM2 replication-latency-ms: record timestamp to acknowledgement by the target', labelNames: ['source', 'target'], buckets: [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 60000], registers: [registry] }),
  lagRecords: new Gauge({ name: 'ferry_mirror_lag_records', help: 'Records on the source not yet mirrored (high watermark - position)', labelNames: tp, registers: [registry] }),
  lagMs: new Gauge({ name: 'ferry_mirror_lag_ms', help: 'Age of the oldest record not yet mirrored (0 when caught up)', labelNames: tp, registers: [registry] }),
  checkpointLatencyMs: new Gauge({ name: 'ferry_mirror_checkpoint_latency_ms', help: 'MM2 checkpoint-latency-ms: time from a group commit being read to its checkpoint being written', labelNames: ['source', 'target', 'group'], registers: [registry] }),
  checkpointCount: new Counter({ name: 'ferry_mirror_checkpoint_count', help: 'Checkpoints emitted', labelNames: ['source', 'target'], registers: [registry] }),
  translationRedelivery: new Gauge({ name: 'ferry_mirror_translation_redelivery_records', help: 'Records a group would re-read on the target if it failed over now (0 = exact translation)', labelNames: ['source', 'target', 'group'], registers: [registry] }),
  heartbeatCount: new Counter({ name: 'ferry_mirror_heartbeat_count', help: 'Heartbeats emitted', labelNames: ['source', 'target'], registers: [registry] }),
};
