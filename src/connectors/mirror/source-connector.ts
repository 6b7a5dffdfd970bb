// MirrorSourceConnector: discovers source topics, creates and extends remote topics, syncs topic configs
// and ACLs, creates the offset-syncs and offset-maps topics, and spreads partitions over tasks.
import { ConfigDef, SourceConnector, type Props, type TaskFactory } from '../../connect/api/index.js';
import { ClusterAdmin, withClusterAdmin, type AclBinding as AdminAcl, type TopicConfigEntry as AdminConfigEntry } from '../../kafka/cluster-admin.js';
import { ReplicationFactorError } from '../../kafka/replication-factor.js';
import {
  mirrorSourceConfigDef, offsetSyncsClientConfig, parseMirrorSourceConfig, sourceAdminConfig, targetAdminConfig, validateMirrorSourceProps,
  OFFSET_SYNCS_TOPIC_REPLICATION_FACTOR, REPLICATION_FACTOR, TASK_TOPIC_PARTITIONS, type MirrorSourceSettings, sourceConsumerConfig,
} from './mirror-config.js';
import { shouldReplicateTopic } from './filters.js';
import { newTopicConfigs, targetTopicAcls, type AclBinding, type TopicConfigEntry } from './topic-config-sync.js';
import { offsetMapsTopicName } from './offset-map-store.js';
import { MirrorSourceTask } from './source-task.js';

const SOURCE_MAP: Record<AdminConfigEntry['source'], TopicConfigEntry['source']> = {
  'dynamic-topic': 'DYNAMIC_TOPIC_CONFIG', 'dynamic-broker': 'DYNAMIC_BROKER_CONFIG', 'dynamic-default-broker': 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'static-broker': 'STATIC_BROKER_CONFIG', default: 'DEFAULT_CONFIG', unknown: 'UNKNOWN',
};

export function toPolicyEntries(entries: AdminConfigEntry[]): TopicConfigEntry[] {
  return entries.map((e) => ({ name: e.name, value: e.value, isDefault: e.source === 'default', isReadOnly: e.readOnly, isSensitive: e.sensitive, source: SOURCE_MAP[e.source] }));
}

function toPolicyAcl(a: AdminAcl): AclBinding {
  return {
    resourceType: a.resourceType === 'OTHER' ? 'UNKNOWN' : a.resourceType, resourceName: a.resourceName,
    patternType: a.patternType === 'OTHER' ? 'UNKNOWN' : a.patternType, principal: a.principal, host: a.host,
    operation: a.operation as AclBinding['operation'], permissionType: a.permission === 'OTHER' ? 'UNKNOWN' : a.permission,
  };
}

export interface TopicPartitionRef { topic: string; partition: number }

export class MirrorSourceConnector extends SourceConnector {
  private props: Props = {};
  private settings!: MirrorSourceSettings;
  private source!: ClusterAdmin;
  private target!: ClusterAdmin;
  private partitions: TopicPartitionRef[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private aclsUnsupported = false;
  /** Config keys Ferry set on each remote topic; only these are ever removed again (target-only settings stay). */
  private readonly syncedConfigKeys = new Map<string, Set<string>>();
  private stopped = false;
  private job: Promise<void> = Promise.resolve();

  override config(): ConfigDef { return mirrorSourceConfigDef(); }
  override validate(props: Props): Record<string, string[]> { return validateMirrorSourceProps(props); }
  override taskClass(): TaskFactory { return MirrorSourceTask; }
  /**
   * As MM2: exactly-once only when the source is read with isolation.level=read_committed (else records of
   * aborted source transactions would be copied).
   */
  override exactlyOnceSupport(props: Props): 'SUPPORTED' | 'UNSUPPORTED' {
    return (sourceConsumerConfig(props)['isolation.level'] ?? '').trim().toLowerCase() === 'read_committed' ? 'SUPPORTED' : 'UNSUPPORTED';
  }
  /** What a Java worker writes as task.class for this connector. */
  override taskClassName(): string { return 'org.apache.kafka.connect.mirror.MirrorSourceTask'; }

  override async start(props: Props): Promise<void> {
    this.props = props;
    this.settings = parseMirrorSourceConfig(props);
    this.stopped = false;
    this.source = new ClusterAdmin(sourceAdminConfig(props, 'source-admin'), 'ferry-mirror-source-admin');
    this.target = new ClusterAdmin(targetAdminConfig(props, 'target-admin'), 'ferry-mirror-target-admin');
    if (!this.settings.enabled) return;
    await this.createInternalTopics();
    this.partitions = await this.findSourcePartitions();
    await this.createRemoteTopics(this.partitions);
    await this.syncTopicConfigs().catch((e: Error) => this.context.logger.warn({ err: e.message }, 'topic config sync failed'));
    await this.syncTopicAcls().catch((e: Error) => this.context.logger.warn({ err: e.message }, 'topic ACL sync failed'));
    const every = (ms: number | null, fn: () => Promise<void>, what: string) => {
      if (ms === null || ms <= 0) return;
      const t = setInterval(() => {
        this.job = this.job.then(() => (this.stopped ? undefined : fn())).catch((e: Error) => {
          // A remote topic the target cannot hold at replication.factor is a config error, as at start: FAILED, not a retried warning.
          if (e instanceof ReplicationFactorError) this.context.raiseError(e);
          else this.context.logger.warn({ err: e.message }, `${what} failed`);
        });
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.settings.refreshTopicsIntervalMs, () => this.refreshTopicPartitions(), 'topic refresh');
    every(this.settings.syncTopicConfigsIntervalMs, () => this.syncTopicConfigs(), 'topic config sync');
    every(this.settings.syncTopicAclsIntervalMs, () => this.syncTopicAcls(), 'topic ACL sync');
    this.context.logger.info({ partitions: this.partitions.length, source: this.settings.sourceClusterAlias, target: this.settings.targetClusterAlias }, 'mirror source connector started');
  }

  private shouldReplicate(topic: string): boolean {
    return shouldReplicateTopic(topic, {
      policy: this.settings.replicationPolicy, filter: this.settings.topicFilter, targetAlias: this.settings.targetClusterAlias,
      heartbeatsReplicationEnabled: this.settings.heartbeatsReplicationEnabled,
    });
  }

  private remote(topic: string): string {
    return this.settings.replicationPolicy.formatRemoteTopic(this.settings.sourceClusterAlias, topic);
  }

  private async createInternalTopics(): Promise<void> {
    const location = this.settings.offsetSyncsTopicLocation;
    await withClusterAdmin(offsetSyncsClientConfig(this.props, 'admin'), async (admin) => {
      const rf = this.settings.offsetSyncsTopicReplicationFactor;
      const topics = [{ topic: offsetMapsTopicName(location, this.settings.sourceClusterAlias, this.settings.targetClusterAlias), partitions: 1, replicationFactor: rf, replicationFactorSetting: OFFSET_SYNCS_TOPIC_REPLICATION_FACTOR, configs: { 'cleanup.policy': 'compact' } }];
      if (this.settings.emitOffsetSyncsEnabled) topics.push({ topic: this.settings.offsetSyncsTopic, partitions: 1, replicationFactor: rf, replicationFactorSetting: OFFSET_SYNCS_TOPIC_REPLICATION_FACTOR, configs: { 'cleanup.policy': 'compact' } });
      await admin.createTopics(topics);
    }, 'ferry-offset-syncs-admin');
  }

  private async findSourcePartitions(): Promise<TopicPartitionRef[]> {
    const topics = (await this.source.topics()).filter((t) => this.shouldReplicate(t)).sort();
    const counts = await this.source.partitionCounts(topics);
    const out: TopicPartitionRef[] = [];
    for (const t of topics) for (let p = 0; p < (counts.get(t) ?? 0); p++) out.push({ topic: t, partition: p });
    return out;
  }

  /** Creates missing remote topics (same partition count, synced configs) and follows partition increases. */
  private async createRemoteTopics(partitions: TopicPartitionRef[]): Promise<void> {
    const sourceCounts = new Map<string, number>();
    for (const p of partitions) sourceCounts.set(p.topic, Math.max(sourceCounts.get(p.topic) ?? 0, p.partition + 1));
    const remoteNames = [...sourceCounts.keys()].map((t) => this.remote(t));
    const targetCounts = await this.target.partitionCounts(remoteNames);
    const missing = [...sourceCounts.keys()].filter((t) => !targetCounts.has(this.remote(t)));
    if (missing.length > 0) {
      const configs = await this.source.topicConfigs(missing);
      const created = await this.target.createTopics(missing.map((t) => {
        const cfg = newTopicConfigs(toPolicyEntries(configs.get(t) ?? []), this.settings.configPropertyFilter);
        this.syncedConfigKeys.set(this.remote(t), new Set(Object.keys(cfg)));
        return { topic: this.remote(t), partitions: sourceCounts.get(t)!, replicationFactor: this.settings.replicationFactor, replicationFactorSetting: REPLICATION_FACTOR, configs: cfg };
      }));
      if (created.length > 0) this.context.logger.info({ topics: created }, 'created remote topics');
    }
    for (const [t, n] of sourceCounts) {
      const have = targetCounts.get(this.remote(t));
      if (have !== undefined && have < n) {
        await this.target.createPartitions(this.remote(t), n).catch((e: Error) => this.context.logger.warn({ topic: this.remote(t), err: e.message }, 'could not add partitions'));
        this.context.logger.info({ topic: this.remote(t), from: have, to: n }, 'increased remote topic partitions');
      }
    }
  }

  private async refreshTopicPartitions(): Promise<void> {
    const next = await this.findSourcePartitions();
    const key = (l: TopicPartitionRef[]) => l.map((p) => `${p.topic}-${p.partition}`).join(',');
    const targetCounts = await this.target.partitionCounts([...new Set(next.map((p) => this.remote(p.topic)))]);
    const missingOnTarget = next.some((p) => (targetCounts.get(this.remote(p.topic)) ?? 0) <= p.partition);
    if (key(next) === key(this.partitions) && !missingOnTarget) return;
    await this.createRemoteTopics(next);
    const changed = key(next) !== key(this.partitions);
    this.partitions = next;
    if (changed) {
      this.context.logger.info({ partitions: next.length }, 'source topic-partitions changed; reconfiguring tasks');
      this.context.requestTaskReconfiguration();
    }
  }

  /**
   * Brings remote topic configs in line with the source. kafkajs has no incremental alter, so ClusterAdmin
   * merges into the target's current overrides; a key is only removed if Ferry set it earlier and the source
   * no longer overrides it — settings that exist only on the target are never wiped.
   */
  private async syncTopicConfigs(): Promise<void> {
    const topics = [...new Set(this.partitions.map((p) => p.topic))];
    if (topics.length === 0) return;
    const remoteExisting = await this.target.partitionCounts(topics.map((t) => this.remote(t)));
    const configs = await this.source.topicConfigs(topics);
    for (const t of topics) {
      const remote = this.remote(t);
      if (!remoteExisting.has(remote)) continue;
      const wanted = newTopicConfigs(toPolicyEntries(configs.get(t) ?? []), this.settings.configPropertyFilter);
      const previous = this.syncedConfigKeys.get(remote) ?? new Set<string>();
      const changes: Record<string, string | null> = { ...wanted };
      for (const k of previous) if (!(k in wanted)) changes[k] = null;
      const changed = await this.target.alterTopicConfigs(remote, changes);
      this.syncedConfigKeys.set(remote, new Set(Object.keys(wanted)));
      if (changed.length > 0) this.context.logger.info({ topic: remote, keys: changed }, 'synced topic configs');
    }
  }

  private async syncTopicAcls(): Promise<void> {
    if (this.settings.syncTopicAclsIntervalMs === null || this.aclsUnsupported) return;
    let acls: AdminAcl[];
    try {
      acls = await this.source.topicAcls();
    } catch (e) {
      if ((e as { securityDisabled?: boolean }).securityDisabled) {
        this.aclsUnsupported = true;
        this.context.logger.info({}, 'source cluster has no authorizer; topic ACL sync disabled');
        return;
      }
      throw e;
    }
    const wanted = targetTopicAcls(acls.map(toPolicyAcl), {
      shouldReplicateTopic: (t) => t !== '*' && this.shouldReplicate(t),
      formatRemoteTopic: (t) => this.remote(t),
    });
    if (wanted.length === 0) return;
    await this.target.createTopicAcls(wanted.map((a) => ({
      resourceType: 'TOPIC', resourceName: a.resourceName, patternType: 'LITERAL', principal: a.principal, host: a.host,
      operation: a.operation, permission: a.permissionType === 'DENY' ? 'DENY' : 'ALLOW',
    })));
  }

  override taskConfigs(maxTasks: number): Props[] {
    if (!this.settings.enabled || this.partitions.length === 0) return [];
    const n = Math.min(maxTasks, this.partitions.length);
    const groups: string[][] = Array.from({ length: n }, () => []);
    this.partitions.forEach((p, i) => groups[i % n]!.push(`${p.topic}-${p.partition}`));
    return groups.map((g, i) => ({ ...this.props, [TASK_TOPIC_PARTITIONS]: g.join(','), 'task.index': String(i) }));
  }

  override async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    await this.job.catch(() => undefined);
    await Promise.all([this.source?.close(), this.target?.close()]);
  }
}
