// MirrorHeartbeatConnector / MirrorHeartbeatTask: one Heartbeat(source, target, now) every
// emit.heartbeats.interval.seconds to the `heartbeats` topic of the flow's target (via the worker producer).
// Replicated onward, heartbeat topics (A.heartbeats, B.A.heartbeats…) let MirrorClient find the topology.
import { ConfigDef, Schemas, SourceConnector, SourceTask, sourceRecord, type Props, type SourceRecord, type TaskFactory } from '../../connect/api/index.js';
import { withClusterAdmin } from '../../kafka/cluster-admin.js';
import { mirrorMetrics } from '../../observability/mirror-metrics.js';
import { encodeHeartbeat } from './heartbeat.js';
import { HEARTBEATS_TOPIC_REPLICATION_FACTOR, mirrorHeartbeatConfigDef, parseMirrorHeartbeatConfig, targetAdminConfig, type MirrorHeartbeatSettings } from './mirror-config.js';

/** Waits `ms` unless the signal fires first. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export class MirrorHeartbeatTask extends SourceTask {
  private settings!: MirrorHeartbeatSettings;
  private next = 0;

  override start(props: Props): void {
    this.settings = parseMirrorHeartbeatConfig(props);
    this.next = Date.now();
  }

  override async poll(signal: AbortSignal): Promise<SourceRecord[] | null> {
    const interval = this.settings.emitHeartbeatsIntervalMs;
    if (interval === null) { await pause(1000, signal); return null; }
    await pause(this.next - Date.now(), signal);
    if (signal.aborted) return null;
    this.next = Math.max(this.next + interval, Date.now());
    const now = Date.now();
    const { key, value } = encodeHeartbeat({ sourceClusterAlias: this.settings.sourceClusterAlias, targetClusterAlias: this.settings.targetClusterAlias, timestamp: now });
    mirrorMetrics.heartbeatCount.inc({ source: this.settings.sourceClusterAlias, target: this.settings.targetClusterAlias });
    return [sourceRecord({
      topic: this.settings.heartbeatsTopic, kafkaPartition: 0,
      keySchema: Schemas.BYTES, key, valueSchema: Schemas.BYTES, value, timestamp: now,
      sourcePartition: { sourceClusterAlias: this.settings.sourceClusterAlias, targetClusterAlias: this.settings.targetClusterAlias },
      sourceOffset: { offset: 0 },
    })];
  }

  override stop(): void {}
}

export class MirrorHeartbeatConnector extends SourceConnector {
  private props: Props = {};
  private settings!: MirrorHeartbeatSettings;

  override config(): ConfigDef { return mirrorHeartbeatConfigDef(); }
  override taskClass(): TaskFactory { return MirrorHeartbeatTask; }
  /** What a Java worker writes as task.class for this connector. */
  override taskClassName(): string { return 'org.apache.kafka.connect.mirror.MirrorHeartbeatTask'; }

  override async start(props: Props): Promise<void> {
    this.props = props;
    this.settings = parseMirrorHeartbeatConfig(props);
    // `enabled` is deliberately ignored, as in MM2: the heartbeat-only reverse flow of a one-way mirror must
    // still emit, or upstream tools (MirrorClient.upstreamClusters, replicationHops) see no topology.
    if (this.settings.emitHeartbeatsIntervalMs === null) return;
    return withClusterAdmin(targetAdminConfig(props, 'heartbeats-admin'), async (admin) => {
      await admin.createTopics([{ topic: this.settings.heartbeatsTopic, partitions: 1, replicationFactor: this.settings.heartbeatsTopicReplicationFactor, replicationFactorSetting: HEARTBEATS_TOPIC_REPLICATION_FACTOR, configs: { 'cleanup.policy': 'compact' } }]);
    }, 'ferry-heartbeats-admin');
  }

  override taskConfigs(): Props[] {
    // Only emit.heartbeats.enabled=false or a negative interval (both give null) stop the task, as in MM2.
    if (this.settings.emitHeartbeatsIntervalMs === null) return [];
    return [{ ...this.props }];
  }

  override stop(): void {}
}
