// MirrorMaker 2's metric names (record-count, record-rate, record-age-ms, replication-latency-ms, byte-rate,
// checkpoint-latency-ms) in Prometheus form, plus what MM2 lacks: replication lag per partition in records
// and milliseconds, and translation precision.
import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from './metrics.js';
import { WindowedMetric } from './windowed-stats.js';

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

// Strimzi's JMX-exporter rules turn MM2's MBeans into these names (kafka-mirror-maker-2-metrics.yaml):
// kafka.connect.mirror<type=MirrorSourceConnector, target, topic, partition><>attr -> kafka_connect_mirror_
// mirrorsourceconnector_<attr> labelled target, topic (the remote topic, as MM2 tags it), partition. Ferry adds
// `source` so that two flows into one target never share a series.
const SRC = 'kafka_connect_mirror_mirrorsourceconnector_';
const CKP = 'kafka_connect_mirror_mirrorcheckpointconnector_';
const sourceTp = ['source', 'target', 'topic', 'partition'] as const;
export type MirrorPartitionLabels = Record<(typeof sourceTp)[number], string>;

export const strimziMirror = {
  records: new WindowedMetric({ outputs: { [`${SRC}record_count`]: 'total', [`${SRC}record_rate`]: 'rate' }, help: 'MM2 record-count / record-rate: records replicated source -> target', labelNames: sourceTp, registry }),
  bytes: new WindowedMetric({ outputs: { [`${SRC}byte_count`]: 'total', [`${SRC}byte_rate`]: 'rate' }, help: 'MM2 byte-count / byte-rate: key and value bytes replicated', labelNames: sourceTp, registry }),
  recordAge: new WindowedMetric({
    outputs: { [`${SRC}record_age_ms`]: 'last', [`${SRC}record_age_ms_avg`]: 'avg', [`${SRC}record_age_ms_min`]: 'min', [`${SRC}record_age_ms_max`]: 'max' },
    help: 'MM2 record-age-ms: age of records when the mirror read them', labelNames: sourceTp, registry,
  }),
  replicationLatency: new WindowedMetric({
    outputs: { [`${SRC}replication_latency_ms`]: 'last', [`${SRC}replication_latency_ms_avg`]: 'avg', [`${SRC}replication_latency_ms_min`]: 'min', [`${SRC}replication_latency_ms_max`]: 'max' },
    help: 'MM2 replication-latency-ms: record timestamp to acknowledgement by the target', labelNames: sourceTp, registry,
  }),
  // kafka.connect.mirror<type=MirrorCheckpointConnector, source, target, group, topic, partition> (Strimzi's rule
  // for Kafka 4 labels all five).
  checkpointLatency: new WindowedMetric({
    outputs: { [`${CKP}checkpoint_latency_ms`]: 'last', [`${CKP}checkpoint_latency_ms_avg`]: 'avg', [`${CKP}checkpoint_latency_ms_min`]: 'min', [`${CKP}checkpoint_latency_ms_max`]: 'max' },
    help: 'MM2 checkpoint-latency-ms: time from a checkpoint being computed to its acknowledgement by the target', labelNames: ['source', 'target', 'group', 'topic', 'partition'] as const, registry,
  }),
  // Client metrics as Strimzi names them (consumer-metrics / producer-metrics / consumer-fetch-manager-metrics,
  // clientId lower-cased to clientid by lowercaseOutputLabelNames).
  consumerIncomingBytes: new Counter({ name: 'kafka_consumer_incoming_byte_total', help: 'Record-set bytes fetched by the mirror\'s source reader', labelNames: ['clientid'] as const, registers: [registry] }),
  producerOutgoingBytes: new Counter({ name: 'kafka_producer_outgoing_byte_total', help: 'Record-batch bytes acknowledged by the target for the mirror\'s writes', labelNames: ['clientid'] as const, registers: [registry] }),
  recordsLag: new Gauge({ name: 'kafka_consumer_fetch_manager_records_lag', help: 'Records between the mirror\'s read position and the source partition\'s high watermark', labelNames: ['clientid', 'topic', 'partition'] as const, registers: [registry] }),
};

/** Drops every series of one mirrored source partition (Ferry's and Strimzi's): the task stopped or lost it. */
export function removeMirrorPartition(labels: MirrorPartitionLabels, remoteTopic: string, clientId: string): void {
  for (const m of [mirrorMetrics.recordCount, mirrorMetrics.byteCount, mirrorMetrics.recordAgeMs, mirrorMetrics.lagRecords, mirrorMetrics.lagMs]) m.remove(labels);
  const remote = { ...labels, topic: remoteTopic };
  strimziMirror.records.remove(remote);
  strimziMirror.bytes.remove(remote);
  strimziMirror.recordAge.remove(remote);
  strimziMirror.replicationLatency.remove(remote);
  strimziMirror.recordsLag.remove({ clientid: clientId, topic: labels.topic, partition: labels.partition });
}

// Derived at scrape time from the series above, per flow and per group: what an operator asks before a failover.
/** Age in seconds of the newest checkpoint acknowledged for each group (max over its partitions' last records). */
export function checkpointAges(now = Date.now()): { source: string; target: string; group: string; ageSeconds: number; latencyMs: number }[] {
  const newest = new Map<string, { source: string; target: string; group: string; at: number; latencyMs: number }>();
  for (const { labels, stat } of strimziMirror.checkpointLatency.entries()) {
    if (!Number.isFinite(stat.lastAt)) continue;
    const k = `${labels.source}\u0000${labels.target}\u0000${labels.group}`;
    const cur = newest.get(k);
    if (!cur || stat.lastAt > cur.at) newest.set(k, { source: labels.source, target: labels.target, group: labels.group, at: stat.lastAt, latencyMs: stat.last });
  }
  return [...newest.values()].map((e) => ({ source: e.source, target: e.target, group: e.group, ageSeconds: Math.max(0, now - e.at) / 1000, latencyMs: e.latencyMs }));
}

/**
 * Recovery point of each flow in seconds: the age of the oldest record on the source not yet on the target, over
 * the flow's partitions (ferry_mirror_lag_ms); 0 when every partition is caught up. An unplanned failover now
 * would lose the records of that last span.
 */
export async function recoveryPoints(): Promise<{ source: string; target: string; seconds: number }[]> {
  const worst = new Map<string, { source: string; target: string; seconds: number }>();
  for (const v of (await mirrorMetrics.lagMs.get()).values) {
    const source = String(v.labels['source'] ?? '');
    const target = String(v.labels['target'] ?? '');
    const k = `${source}\u0000${target}`;
    const seconds = Math.max(0, v.value) / 1000;
    const cur = worst.get(k);
    if (!cur || seconds > cur.seconds) worst.set(k, { source, target, seconds });
  }
  return [...worst.values()];
}

export const derivedMirrorMetrics = {
  checkpointAge: new Gauge({
    name: 'ferry_mirror_checkpoint_age_seconds', help: 'Age of the newest checkpoint acknowledged on the target for the group (checkpoint freshness)',
    labelNames: ['source', 'target', 'group'] as const, registers: [registry],
    collect() { this.reset(); for (const c of checkpointAges()) this.set({ source: c.source, target: c.target, group: c.group }, c.ageSeconds); },
  }),
  recoveryPoint: new Gauge({
    name: 'ferry_mirror_recovery_point_seconds', help: 'Age of the oldest source record not yet mirrored, over the flow\'s partitions: what an unplanned failover would lose now (0 = caught up)',
    labelNames: ['source', 'target'] as const, registers: [registry],
    async collect() { this.reset(); for (const r of await recoveryPoints()) this.set({ source: r.source, target: r.target }, r.seconds); },
  }),
};
