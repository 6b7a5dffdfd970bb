// Config declarations of the three mirror connectors with MM2's key names and defaults (Kafka 3.9/4.0 trunk),
// typed views over them, and the client configs MM2 derives from `source.cluster.*`, `target.cluster.*`,
// `consumer.*`, `source.consumer.*`, … prefixes.
import { ConfigDef, ConfigError, NO_DEFAULT, Validators, type Validator } from '../../connect/api/index.js';
import {
  DEFAULT_GROUPS, DEFAULT_GROUPS_EXCLUDE, DEFAULT_TOPICS, DEFAULT_TOPICS_EXCLUDE, GROUPS_CONFIG, GROUPS_EXCLUDE_ALIAS_CONFIG,
  GROUPS_EXCLUDE_CONFIG, GroupFilter, TOPICS_CONFIG, TOPICS_EXCLUDE_ALIAS_CONFIG, TOPICS_EXCLUDE_CONFIG, TopicFilter,
} from './filters.js';
import {
  DEFAULT_REPLICATION_POLICY_CLASS, DEFAULT_SEPARATOR, INTERNAL_TOPIC_SEPARATOR_ENABLED_CONFIG, REPLICATION_POLICY_CLASS_CONFIG,
  REPLICATION_POLICY_SEPARATOR_CONFIG, createReplicationPolicy, type ReplicationPolicy,
} from './replication-policy.js';
import { PROVENANCE_HEADER, PROVENANCE_HEADER_CONFIG, PROVENANCE_HEADER_POLICIES, namingShowsCycles, type ProvenanceHeaderPolicy } from './provenance.js';
import {
  CONFIG_PROPERTIES_EXCLUDE_ALIAS_CONFIG, CONFIG_PROPERTIES_EXCLUDE_CONFIG, ConfigPropertyFilter, DEFAULT_CONFIG_PROPERTIES_EXCLUDE,
  USE_DEFAULTS_FROM_CONFIG,
} from './topic-config-sync.js';

export const MIRROR_SOURCE_CONNECTOR_CLASS = 'org.apache.kafka.connect.mirror.MirrorSourceConnector';
export const MIRROR_CHECKPOINT_CONNECTOR_CLASS = 'org.apache.kafka.connect.mirror.MirrorCheckpointConnector';
export const MIRROR_HEARTBEAT_CONNECTOR_CLASS = 'org.apache.kafka.connect.mirror.MirrorHeartbeatConnector';

// ---- key names (MM2's) ----
export const ENABLED = 'enabled';
export const SOURCE_CLUSTER_ALIAS = 'source.cluster.alias';
export const TARGET_CLUSTER_ALIAS = 'target.cluster.alias';
export const ADMIN_TIMEOUT_MS = 'admin.timeout.ms';
export const FORWARDING_ADMIN_CLASS = 'forwarding.admin.class';
export const METRIC_REPORTERS = 'metric.reporters';
export const SECURITY_PROTOCOL = 'security.protocol';
export const EMIT_OFFSET_SYNCS_ENABLED = 'emit.offset-syncs.enabled';
export const OFFSET_SYNCS_TOPIC_LOCATION = 'offset-syncs.topic.location';
export const OFFSET_SYNCS_TOPIC_REPLICATION_FACTOR = 'offset-syncs.topic.replication.factor';
export const TOPIC_FILTER_CLASS = 'topic.filter.class';
export const GROUP_FILTER_CLASS = 'group.filter.class';
export const CONFIG_PROPERTY_FILTER_CLASS = 'config.property.filter.class';
export const CONSUMER_POLL_TIMEOUT_MS = 'consumer.poll.timeout.ms';
export const REFRESH_TOPICS_ENABLED = 'refresh.topics.enabled';
export const REFRESH_TOPICS_INTERVAL_SECONDS = 'refresh.topics.interval.seconds';
export const SYNC_TOPIC_CONFIGS_ENABLED = 'sync.topic.configs.enabled';
export const SYNC_TOPIC_CONFIGS_INTERVAL_SECONDS = 'sync.topic.configs.interval.seconds';
export const USE_INCREMENTAL_ALTER_CONFIGS = 'use.incremental.alter.configs';
export const SYNC_TOPIC_ACLS_ENABLED = 'sync.topic.acls.enabled';
export const SYNC_TOPIC_ACLS_INTERVAL_SECONDS = 'sync.topic.acls.interval.seconds';
export const REPLICATION_FACTOR = 'replication.factor';
export const OFFSET_LAG_MAX = 'offset.lag.max';
export const ADD_SOURCE_ALIAS_TO_METRICS = 'add.source.alias.to.metrics';
export const HEARTBEATS_REPLICATION_ENABLED = 'heartbeats.replication.enabled';
export const REFRESH_GROUPS_ENABLED = 'refresh.groups.enabled';
export const REFRESH_GROUPS_INTERVAL_SECONDS = 'refresh.groups.interval.seconds';
export const EMIT_CHECKPOINTS_ENABLED = 'emit.checkpoints.enabled';
export const EMIT_CHECKPOINTS_INTERVAL_SECONDS = 'emit.checkpoints.interval.seconds';
export const SYNC_GROUP_OFFSETS_ENABLED = 'sync.group.offsets.enabled';
export const SYNC_GROUP_OFFSETS_INTERVAL_SECONDS = 'sync.group.offsets.interval.seconds';
export const CHECKPOINTS_TOPIC_REPLICATION_FACTOR = 'checkpoints.topic.replication.factor';
export const EMIT_HEARTBEATS_ENABLED = 'emit.heartbeats.enabled';
export const EMIT_HEARTBEATS_INTERVAL_SECONDS = 'emit.heartbeats.interval.seconds';
export const HEARTBEATS_TOPIC_REPLICATION_FACTOR = 'heartbeats.topic.replication.factor';
/** Set by the connector on each task (comma-separated `topic-partition`, as MirrorUtils.encodeTopicPartition). */
export const TASK_TOPIC_PARTITIONS = 'task.assigned.partitions';
export const TASK_CONSUMER_GROUPS = 'task.assigned.groups';

export const SOURCE_CLUSTER_PREFIX = 'source.cluster.';
export const TARGET_CLUSTER_PREFIX = 'target.cluster.';
export const SOURCE_PREFIX = 'source.';
export const TARGET_PREFIX = 'target.';
export const PRODUCER_PREFIX = 'producer.';
export const CONSUMER_PREFIX = 'consumer.';
export const ADMIN_PREFIX = 'admin.';

const INTERVAL_GROUP = 'Intervals';

function javaRegexList(): Validator {
  const v = Validators.regex();
  v.describe = 'comma-separated list of Java regular expressions';
  return v;
}

function defineBase(def: ConfigDef): ConfigDef {
  return def
    .define({ name: ENABLED, type: 'BOOLEAN', defaultValue: true, importance: 'LOW', documentation: 'Whether to replicate source->target.' })
    .define({ name: SOURCE_CLUSTER_ALIAS, type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH', documentation: 'Alias of source cluster', validator: Validators.nonEmptyString() })
    .define({ name: TARGET_CLUSTER_ALIAS, type: 'STRING', defaultValue: 'target', importance: 'HIGH', documentation: 'Alias of target cluster. Used in metrics reporting.', validator: Validators.nonEmptyString() })
    .define({ name: ADMIN_TIMEOUT_MS, type: 'LONG', defaultValue: 60000, importance: 'LOW', documentation: 'Timeout for administrative tasks, e.g. detecting new topics.', validator: Validators.atLeast(0) })
    .define({ name: REPLICATION_POLICY_CLASS_CONFIG, type: 'CLASS', defaultValue: DEFAULT_REPLICATION_POLICY_CLASS, importance: 'LOW', documentation: 'Class which defines the remote topic naming convention.' })
    .define({ name: REPLICATION_POLICY_SEPARATOR_CONFIG, type: 'STRING', defaultValue: DEFAULT_SEPARATOR, importance: 'LOW', documentation: 'Separator used in remote topic naming convention.' })
    .define({ name: INTERNAL_TOPIC_SEPARATOR_ENABLED_CONFIG, type: 'BOOLEAN', defaultValue: true, importance: 'LOW', documentation: 'Whether to use replication.policy.separator to control the names of topics used by MirrorMaker 2 (offset-syncs, checkpoints). Set to false to keep the "." names used before 3.1.' })
    .define({ name: FORWARDING_ADMIN_CLASS, type: 'CLASS', defaultValue: 'org.apache.kafka.clients.admin.ForwardingAdmin', importance: 'LOW', documentation: 'Class extending ForwardingAdmin to manage topics, configs and ACLs on the target (accepted for compatibility).' })
    .define({ name: METRIC_REPORTERS, type: 'LIST', defaultValue: 'org.apache.kafka.common.metrics.JmxReporter', importance: 'LOW', documentation: 'Metrics reporter classes (accepted for compatibility; Ferry exports Prometheus metrics).' })
    .define({ name: SECURITY_PROTOCOL, type: 'STRING', defaultValue: 'PLAINTEXT', importance: 'MEDIUM', documentation: 'Protocol used to communicate with brokers.', validator: Validators.oneOf(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']) })
    .define({ name: EMIT_OFFSET_SYNCS_ENABLED, type: 'BOOLEAN', defaultValue: true, importance: 'LOW', documentation: 'Whether to store the new offset of the replicated records in the offset-syncs topic. MirrorCheckpointConnector cannot emit checkpoints or sync group offsets without them.' });
}

function defineOffsetSyncsLocation(def: ConfigDef): ConfigDef {
  return def.define({ name: OFFSET_SYNCS_TOPIC_LOCATION, type: 'STRING', defaultValue: 'source', importance: 'LOW', documentation: 'The location (source/target) of the offset-syncs topic.', validator: Validators.oneOf(['source', 'target'], false) });
}

function defineTopicFilter(def: ConfigDef): ConfigDef {
  return def
    .define({ name: TOPICS_CONFIG, type: 'LIST', defaultValue: DEFAULT_TOPICS, importance: 'HIGH', documentation: 'Topics to replicate. Supports comma-separated topic names and regexes.', validator: javaRegexList() })
    .define({ name: TOPICS_EXCLUDE_CONFIG, type: 'LIST', defaultValue: DEFAULT_TOPICS_EXCLUDE, importance: 'HIGH', documentation: 'Excluded topics. Supports comma-separated topic names and regexes. Excludes take precedence over includes.', validator: javaRegexList() })
    .define({ name: TOPICS_EXCLUDE_ALIAS_CONFIG, type: 'LIST', defaultValue: null, importance: 'HIGH', documentation: `Deprecated. Use ${TOPICS_EXCLUDE_CONFIG} instead.`, validator: javaRegexList() })
    .define({ name: TOPIC_FILTER_CLASS, type: 'CLASS', defaultValue: 'org.apache.kafka.connect.mirror.DefaultTopicFilter', importance: 'LOW', documentation: 'TopicFilter to use. Selects topics to replicate.' });
}

/** MirrorSourceConnector's keys. */
export function mirrorSourceConfigDef(): ConfigDef {
  const def = defineTopicFilter(defineBase(new ConfigDef()));
  defineOffsetSyncsLocation(def);
  return def
    .define({ name: CONFIG_PROPERTIES_EXCLUDE_CONFIG, type: 'LIST', defaultValue: DEFAULT_CONFIG_PROPERTIES_EXCLUDE, importance: 'HIGH', documentation: 'Topic config properties that should not be replicated. Supports comma-separated property names and regexes.', validator: javaRegexList() })
    .define({ name: CONFIG_PROPERTIES_EXCLUDE_ALIAS_CONFIG, type: 'LIST', defaultValue: null, importance: 'HIGH', documentation: `Deprecated. Use ${CONFIG_PROPERTIES_EXCLUDE_CONFIG} instead.`, validator: javaRegexList() })
    .define({ name: USE_DEFAULTS_FROM_CONFIG, type: 'STRING', defaultValue: 'target', importance: 'LOW', documentation: 'Whether properties left at their default on the source are reset to the target default (target) or written explicitly from the source (source).', validator: Validators.oneOf(['source', 'target'], false) })
    .define({ name: CONFIG_PROPERTY_FILTER_CLASS, type: 'CLASS', defaultValue: 'org.apache.kafka.connect.mirror.DefaultConfigPropertyFilter', importance: 'LOW', documentation: 'ConfigPropertyFilter to use. Selects topic config properties to replicate.' })
    .define({ name: CONSUMER_POLL_TIMEOUT_MS, type: 'LONG', defaultValue: 1000, importance: 'LOW', documentation: 'Timeout when polling source cluster.', validator: Validators.atLeast(0) })
    .define({ name: REFRESH_TOPICS_ENABLED, type: 'BOOLEAN', defaultValue: true, importance: 'LOW', group: INTERVAL_GROUP, documentation: 'Whether to periodically check for new topics and partitions.' })
    .define({ name: REFRESH_TOPICS_INTERVAL_SECONDS, type: 'LONG', defaultValue: 30, importance: 'LOW', group: INTERVAL_GROUP, documentation: 'Frequency of topic refresh. Ferry default 30 (MM2: 600).' })
    .define({ name: SYNC_TOPIC_CONFIGS_ENABLED, type: 'BOOLEAN', defaultValue: true, importance: 'LOW', group: INTERVAL_GROUP, documentation: 'Whether to periodically configure remote topics to match their corresponding upstream topics.' })
    .define({ name: SYNC_TOPIC_CONFIGS_INTERVAL_SECONDS, type: 'LONG', defaultValue: 600, importance: 'LOW', group: INTERVAL_GROUP, documentation: 'Frequency of topic config sync.' })
    .define({ name: USE_INCREMENTAL_ALTER_CONFIGS, type: 'STRING', defaultValue: 'requested', importance: 'LOW', documentation: 'Deprecated (removed in Kafka 4.0). Ferry always uses IncrementalAlterConfigs.', validator: Validators.oneOf(['requested', 'required', 'never'], false) })
    .define({ name: SYNC_TOPIC_ACLS_ENABLED, type: 'BOOLEAN', defaultValue: true, importance: 'LOW', group: INTERVAL_GROUP, documentation: 'Whether to periodically configure remote topic ACLs to match their corresponding upstream topics.' })
    .define({ name: SYNC_TOPIC_ACLS_INTERVAL_SECONDS, type: 'LONG', defaultValue: 600, importance: 'LOW', group: INTERVAL_GROUP, documentation: 'Frequency of topic ACL sync.' })
    .define({ name: REPLICATION_FACTOR, type: 'INT', defaultValue: 2, importance: 'LOW', documentation: 'Replication factor for newly created remote topics (-1: broker default).', validator: Validators.atLeast(-1) })
    .define({ name: OFFSET_SYNCS_TOPIC_REPLICATION_FACTOR, type: 'SHORT', defaultValue: 3, importance: 'LOW', documentation: 'Replication factor for offset-syncs topic.', validator: Validators.atLeast(-1) })
    .define({ name: OFFSET_LAG_MAX, type: 'LONG', defaultValue: 100, importance: 'LOW', documentation: 'How out-of-sync a remote partition can be before it is resynced (MM2-compatible sync emission).', validator: Validators.atLeast(0) })
    .define({ name: ADD_SOURCE_ALIAS_TO_METRICS, type: 'BOOLEAN', defaultValue: false, importance: 'LOW', documentation: 'Deprecated. Whether to tag metrics with the source cluster alias.' })
    .define({ name: HEARTBEATS_REPLICATION_ENABLED, type: 'BOOLEAN', defaultValue: true, importance: 'LOW', documentation: 'Whether to replicate the heartbeats topics even when the topic filter does not include them.' })
    .define({
      name: PROVENANCE_HEADER_CONFIG, type: 'STRING', defaultValue: 'auto', importance: 'MEDIUM', validator: Validators.oneOf(PROVENANCE_HEADER_POLICIES, false),
      documentation: `Ferry: when mirrored records get the ${PROVENANCE_HEADER} hop (loop prevention by record). auto: only when the replication policy keeps topic names (identity), where names cannot stop cycles; always: every record; never: none (records keep the headers they have). Not 'never' with identity naming.`,
    })
    .define({ name: OFFSET_MAP_FLUSH_INTERVAL_MS, type: 'INT', defaultValue: 1000, importance: 'LOW', documentation: 'Ferry: how often offset-map snapshots and MM2 offset syncs are written (under exactly-once they go into every transaction instead).', validator: Validators.atLeast(1) })
    .define({ name: OFFSET_MAP_TRIM_INTERVAL_MS, type: 'INT', defaultValue: 60_000, importance: 'LOW', documentation: 'Ferry: how often offset maps are trimmed to what the source still retains.', validator: Validators.atLeast(0) });
}

/** Ferry's offset-map intervals (MirrorSourceConnector and its tasks). */
export const OFFSET_MAP_FLUSH_INTERVAL_MS = 'ferry.offset.map.flush.interval.ms';
export const OFFSET_MAP_TRIM_INTERVAL_MS = 'ferry.offset.map.trim.interval.ms';

/** MirrorCheckpointConnector's keys (topics/topics.exclude select the checkpointed partitions). */
export function mirrorCheckpointConfigDef(): ConfigDef {
  const def = defineTopicFilter(defineBase(new ConfigDef()));
  defineOffsetSyncsLocation(def);
  return def
    .define({ name: CONSUMER_POLL_TIMEOUT_MS, type: 'LONG', defaultValue: 1000, importance: 'LOW', documentation: 'Timeout when polling source cluster.', validator: Validators.atLeast(0) })
    .define({ name: GROUPS_CONFIG, type: 'LIST', defaultValue: DEFAULT_GROUPS, importance: 'HIGH', documentation: 'Consumer groups to replicate. Supports comma-separated group IDs and regexes.', validator: javaRegexList() })
    .define({ name: GROUPS_EXCLUDE_CONFIG, type: 'LIST', defaultValue: DEFAULT_GROUPS_EXCLUDE, importance: 'HIGH', documentation: 'Exclude groups. Supports comma-separated group IDs and regexes. Excludes take precedence over includes.', validator: javaRegexList() })
    .define({ name: GROUPS_EXCLUDE_ALIAS_CONFIG, type: 'LIST', defaultValue: null, importance: 'HIGH', documentation: `Deprecated. Use ${GROUPS_EXCLUDE_CONFIG} instead.`, validator: javaRegexList() })
    .define({ name: GROUP_FILTER_CLASS, type: 'CLASS', defaultValue: 'org.apache.kafka.connect.mirror.DefaultGroupFilter', importance: 'LOW', documentation: 'GroupFilter to use. Selects consumer groups to replicate.' })
    .define({ name: REFRESH_GROUPS_ENABLED, type: 'BOOLEAN', defaultValue: true, importance: 'LOW', group: INTERVAL_GROUP, documentation: 'Whether to periodically check for new consumer groups.' })
    .define({ name: REFRESH_GROUPS_INTERVAL_SECONDS, type: 'LONG', defaultValue: 30, importance: 'LOW', group: INTERVAL_GROUP, documentation: 'Frequency of group refresh. Ferry default 30 (MM2: 600).' })
    .define({ name: EMIT_CHECKPOINTS_ENABLED, type: 'BOOLEAN', defaultValue: true, importance: 'LOW', group: INTERVAL_GROUP, documentation: 'Whether to replicate consumer offsets to target cluster.' })
    .define({ name: EMIT_CHECKPOINTS_INTERVAL_SECONDS, type: 'LONG', defaultValue: 5, importance: 'LOW', group: INTERVAL_GROUP, documentation: 'Frequency of checkpoints. Ferry default 5 (MM2: 60), so checkpoints follow group commits within seconds.' })
    .define({ name: SYNC_GROUP_OFFSETS_ENABLED, type: 'BOOLEAN', defaultValue: false, importance: 'LOW', group: INTERVAL_GROUP, documentation: 'Whether to periodically write the translated offsets to __consumer_offsets topic in target cluster, as long as no active consumers in that group are connected to the target cluster.' })
    .define({ name: SYNC_GROUP_OFFSETS_INTERVAL_SECONDS, type: 'LONG', defaultValue: 5, importance: 'LOW', group: INTERVAL_GROUP, documentation: 'Frequency of consumer group offset sync. Ferry default 5 (MM2: 60).' })
    .define({ name: CHECKPOINTS_TOPIC_REPLICATION_FACTOR, type: 'SHORT', defaultValue: 3, importance: 'LOW', documentation: 'Replication factor for checkpoints topic.', validator: Validators.atLeast(-1) });
}

/** MirrorHeartbeatConnector's keys. */
export function mirrorHeartbeatConfigDef(): ConfigDef {
  return defineBase(new ConfigDef())
    .define({ name: EMIT_HEARTBEATS_ENABLED, type: 'BOOLEAN', defaultValue: true, importance: 'LOW', group: INTERVAL_GROUP, documentation: 'Whether to emit heartbeats to target cluster.' })
    .define({ name: EMIT_HEARTBEATS_INTERVAL_SECONDS, type: 'LONG', defaultValue: 1, importance: 'LOW', group: INTERVAL_GROUP, documentation: 'Frequency of heartbeats.' })
    .define({ name: HEARTBEATS_TOPIC_REPLICATION_FACTOR, type: 'SHORT', defaultValue: 3, importance: 'LOW', documentation: 'Replication factor for heartbeats topic.', validator: Validators.atLeast(-1) });
}

// ------------------------------------------------------------------------------------------- typed views

export type RawProps = Readonly<Record<string, string | null | undefined>>;

export interface MirrorCommonSettings {
  enabled: boolean;
  sourceClusterAlias: string;
  targetClusterAlias: string;
  adminTimeoutMs: number;
  emitOffsetSyncsEnabled: boolean;
  replicationPolicyClass: string;
  replicationPolicy: ReplicationPolicy;
  /** All parsed values by key, including ones without a typed field. */
  values: Record<string, unknown>;
}

export interface MirrorSourceSettings extends MirrorCommonSettings {
  topicFilter: TopicFilter;
  configPropertyFilter: ConfigPropertyFilter;
  consumerPollTimeoutMs: number;
  /** null when the periodic job is disabled. */
  refreshTopicsIntervalMs: number | null;
  syncTopicConfigsIntervalMs: number | null;
  syncTopicAclsIntervalMs: number | null;
  replicationFactor: number;
  offsetSyncsTopicReplicationFactor: number;
  offsetLagMax: number;
  offsetSyncsTopicLocation: 'source' | 'target';
  offsetSyncsTopic: string;
  heartbeatsReplicationEnabled: boolean;
  /** ferry.provenance.header as set (provenance.addsProvenanceHop decides per flow). */
  provenanceHeader: ProvenanceHeaderPolicy;
}

export interface MirrorCheckpointSettings extends MirrorCommonSettings {
  topicFilter: TopicFilter;
  groupFilter: GroupFilter;
  consumerPollTimeoutMs: number;
  refreshGroupsIntervalMs: number | null;
  emitCheckpointsIntervalMs: number | null;
  syncGroupOffsetsIntervalMs: number | null;
  checkpointsTopicReplicationFactor: number;
  checkpointsTopic: string;
  offsetSyncsTopicLocation: 'source' | 'target';
  offsetSyncsTopic: string;
}

export interface MirrorHeartbeatSettings extends MirrorCommonSettings {
  emitHeartbeatsIntervalMs: number | null;
  heartbeatsTopicReplicationFactor: number;
  heartbeatsTopic: string;
}

/** MM2's ConfigUtils.translateDeprecatedConfigs: a legacy key fills in its replacement when that is unset. */
export function translateDeprecatedKeys(props: RawProps): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) if (v !== undefined && v !== null) out[k] = v;
  for (const [key, alias] of [
    [TOPICS_EXCLUDE_CONFIG, TOPICS_EXCLUDE_ALIAS_CONFIG],
    [GROUPS_EXCLUDE_CONFIG, GROUPS_EXCLUDE_ALIAS_CONFIG],
    [CONFIG_PROPERTIES_EXCLUDE_CONFIG, CONFIG_PROPERTIES_EXCLUDE_ALIAS_CONFIG],
  ] as const) {
    if (out[key] === undefined && out[alias] !== undefined) out[key] = out[alias];
  }
  return out;
}

function intervalMs(enabled: unknown, seconds: unknown): number | null {
  return enabled === true && typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : null;
}

function policyProps(values: Record<string, unknown>, props: Record<string, string>): Record<string, string> {
  // As MM2, the policy sees the originals (so a separator is "custom" only when given explicitly).
  return { ...props, [SOURCE_CLUSTER_ALIAS]: String(values[SOURCE_CLUSTER_ALIAS]) };
}

function common(values: Record<string, unknown>, props: Record<string, string>): MirrorCommonSettings {
  const replicationPolicyClass = String(values[REPLICATION_POLICY_CLASS_CONFIG]);
  return {
    enabled: values[ENABLED] as boolean,
    sourceClusterAlias: values[SOURCE_CLUSTER_ALIAS] as string,
    targetClusterAlias: values[TARGET_CLUSTER_ALIAS] as string,
    adminTimeoutMs: values[ADMIN_TIMEOUT_MS] as number,
    emitOffsetSyncsEnabled: values[EMIT_OFFSET_SYNCS_ENABLED] as boolean,
    replicationPolicyClass,
    replicationPolicy: createReplicationPolicy(policyProps(values, props), replicationPolicyClass),
    values,
  };
}

/** MirrorSourceConfig.offsetSyncsTopic: named after the *other* cluster of the flow. */
export function offsetSyncsTopicName(policy: ReplicationPolicy, location: 'source' | 'target', sourceAlias: string, targetAlias: string): string {
  return policy.offsetSyncsTopic(location === 'source' ? targetAlias : sourceAlias);
}

function parseWith(def: ConfigDef, props: RawProps, extra?: (p: Record<string, string>) => Record<string, string[]>): { values: Record<string, unknown>; props: Record<string, string> } {
  const p = translateDeprecatedKeys(props);
  const { values, errors } = def.parseCollect(p);
  const more = extra ? extra(p) : {};
  for (const [k, msgs] of Object.entries(more)) (errors[k] ??= []).push(...msgs);
  const bad = Object.entries(errors);
  if (bad.length > 0) {
    const lines = bad.flatMap(([, m]) => m);
    throw new ConfigError(lines.length === 1 ? lines[0]! : `Invalid configuration (${lines.length} errors):\n${lines.join('\n')}`, errors);
  }
  return { values, props: p };
}

/** Connector-level checks beyond single keys (MirrorSourceConfig/MirrorCheckpointConfig.validate). */
export function validateMirrorSourceProps(props: RawProps): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  if (String(props[EMIT_OFFSET_SYNCS_ENABLED] ?? 'true').trim().toLowerCase() === 'false') {
    for (const k of Object.keys(props)) {
      if (k.startsWith('offset-syncs.')) (errors[k] ??= []).push(`${k} can not be set when ${EMIT_OFFSET_SYNCS_ENABLED} is false (no offset-syncs topic is used)`);
    }
  }
  if (String(props[PROVENANCE_HEADER_CONFIG] ?? '').trim() === 'never') {
    // Identity naming hides cycles from the topic names: without the header nothing stops A->B->A.
    let policyClass = String(props[REPLICATION_POLICY_CLASS_CONFIG] ?? DEFAULT_REPLICATION_POLICY_CLASS).trim();
    let visible = true;
    try {
      const p: Record<string, string> = {};
      for (const [k, v] of Object.entries(props)) if (v !== undefined && v !== null) p[k] = v;
      visible = namingShowsCycles(createReplicationPolicy({ ...p, [SOURCE_CLUSTER_ALIAS]: String(props[SOURCE_CLUSTER_ALIAS] ?? 'source') }, policyClass), String(props[SOURCE_CLUSTER_ALIAS] ?? 'source'));
    } catch {
      policyClass = ''; // an unknown policy class is reported by its own key
    }
    if (policyClass !== '' && !visible) {
      (errors[PROVENANCE_HEADER_CONFIG] ??= []).push(`Invalid value never for configuration ${PROVENANCE_HEADER_CONFIG}: ${REPLICATION_POLICY_CLASS_CONFIG} ${policyClass} keeps topic names, so only the provenance header can stop records from looping back; use auto or always with it`);
    }
  }
  return errors;
}

export function validateMirrorCheckpointProps(props: RawProps): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const isFalse = (k: string): boolean => String(props[k] ?? '').trim().toLowerCase() === 'false';
  if (isFalse(ENABLED)) return errors;
  if (isFalse(EMIT_CHECKPOINTS_ENABLED) && isFalse(SYNC_GROUP_OFFSETS_ENABLED)) {
    errors[EMIT_CHECKPOINTS_ENABLED] = [`MirrorCheckpointConnector can't run with both ${EMIT_CHECKPOINTS_ENABLED} and ${SYNC_GROUP_OFFSETS_ENABLED} set to false`];
  }
  if (isFalse(EMIT_OFFSET_SYNCS_ENABLED)) errors[EMIT_OFFSET_SYNCS_ENABLED] = ['MirrorCheckpointConnector can\'t run without offset syncs'];
  return errors;
}

export function parseMirrorSourceConfig(props: RawProps): MirrorSourceSettings {
  const { values, props: p } = parseWith(mirrorSourceConfigDef(), props, validateMirrorSourceProps);
  const base = common(values, p);
  const location = values[OFFSET_SYNCS_TOPIC_LOCATION] as 'source' | 'target';
  return {
    ...base,
    topicFilter: TopicFilter.fromProps(p),
    configPropertyFilter: ConfigPropertyFilter.fromProps(p),
    consumerPollTimeoutMs: values[CONSUMER_POLL_TIMEOUT_MS] as number,
    refreshTopicsIntervalMs: intervalMs(values[REFRESH_TOPICS_ENABLED], values[REFRESH_TOPICS_INTERVAL_SECONDS]),
    syncTopicConfigsIntervalMs: intervalMs(values[SYNC_TOPIC_CONFIGS_ENABLED], values[SYNC_TOPIC_CONFIGS_INTERVAL_SECONDS]),
    syncTopicAclsIntervalMs: intervalMs(values[SYNC_TOPIC_ACLS_ENABLED], values[SYNC_TOPIC_ACLS_INTERVAL_SECONDS]),
    replicationFactor: values[REPLICATION_FACTOR] as number,
    offsetSyncsTopicReplicationFactor: values[OFFSET_SYNCS_TOPIC_REPLICATION_FACTOR] as number,
    offsetLagMax: values[OFFSET_LAG_MAX] as number,
    offsetSyncsTopicLocation: location,
    offsetSyncsTopic: offsetSyncsTopicName(base.replicationPolicy, location, base.sourceClusterAlias, base.targetClusterAlias),
    heartbeatsReplicationEnabled: values[HEARTBEATS_REPLICATION_ENABLED] as boolean,
    provenanceHeader: values[PROVENANCE_HEADER_CONFIG] as ProvenanceHeaderPolicy,
  };
}

export function parseMirrorCheckpointConfig(props: RawProps): MirrorCheckpointSettings {
  const { values, props: p } = parseWith(mirrorCheckpointConfigDef(), props, validateMirrorCheckpointProps);
  const base = common(values, p);
  const location = values[OFFSET_SYNCS_TOPIC_LOCATION] as 'source' | 'target';
  return {
    ...base,
    topicFilter: TopicFilter.fromProps(p),
    groupFilter: GroupFilter.fromProps(p),
    consumerPollTimeoutMs: values[CONSUMER_POLL_TIMEOUT_MS] as number,
    refreshGroupsIntervalMs: intervalMs(values[REFRESH_GROUPS_ENABLED], values[REFRESH_GROUPS_INTERVAL_SECONDS]),
    emitCheckpointsIntervalMs: intervalMs(values[EMIT_CHECKPOINTS_ENABLED], values[EMIT_CHECKPOINTS_INTERVAL_SECONDS]),
    syncGroupOffsetsIntervalMs: intervalMs(values[SYNC_GROUP_OFFSETS_ENABLED], values[SYNC_GROUP_OFFSETS_INTERVAL_SECONDS]),
    checkpointsTopicReplicationFactor: values[CHECKPOINTS_TOPIC_REPLICATION_FACTOR] as number,
    checkpointsTopic: base.replicationPolicy.checkpointsTopic(base.sourceClusterAlias),
    offsetSyncsTopicLocation: location,
    offsetSyncsTopic: offsetSyncsTopicName(base.replicationPolicy, location, base.sourceClusterAlias, base.targetClusterAlias),
  };
}

export function parseMirrorHeartbeatConfig(props: RawProps): MirrorHeartbeatSettings {
  const { values, props: p } = parseWith(mirrorHeartbeatConfigDef(), props);
  const base = common(values, p);
  return {
    ...base,
    emitHeartbeatsIntervalMs: intervalMs(values[EMIT_HEARTBEATS_ENABLED], values[EMIT_HEARTBEATS_INTERVAL_SECONDS]),
    heartbeatsTopicReplicationFactor: values[HEARTBEATS_TOPIC_REPLICATION_FACTOR] as number,
    heartbeatsTopic: base.replicationPolicy.heartbeatsTopic(),
  };
}

// ------------------------------------------------------------------------------------------- client configs

/** Keys MM2 passes from `source.cluster.*`/`target.cluster.*` to every client: connection and security. */
export function isClientConfigName(key: string): boolean {
  return key === 'bootstrap.servers' || key === SECURITY_PROTOCOL || key.startsWith('ssl.') || key.startsWith('sasl.');
}

function withPrefix(props: RawProps, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) if (v !== undefined && v !== null && k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

function clusterClientBase(props: RawProps, clusterPrefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(withPrefix(props, clusterPrefix))) if (isClientConfigName(k)) out[k] = v;
  return out;
}

/** `<src>-><tgt>|<connector name>|<role>`, appended to any user client.id (KAFKA-14838). */
function addClientId(out: Record<string, string>, props: RawProps, role: string | undefined): Record<string, string> {
  const src = props[SOURCE_CLUSTER_ALIAS] ?? 'source';
  const tgt = props[TARGET_CLUSTER_ALIAS] ?? 'target';
  const label = `${src}->${tgt}|${props['name'] ?? 'mirror'}` + (role ? `|${role}` : '');
  const user = out['client.id'];
  out['client.id'] = user ? `${user}|${label}` : label;
  return out;
}

type Side = 'source' | 'target';
type Kind = 'consumer' | 'producer' | 'admin';

/**
 * Client properties for one side and client kind, with MM2's precedence (lowest first): `<side>.cluster.*`
 * connection/security keys, `<kind>.*`, `<side>.<kind>.*`. Consumers get enable.auto.commit=false and
 * auto.offset.reset=earliest unless set.
 */
export function mirrorClientConfig(props: RawProps, side: Side, kind: Kind, role?: string): Record<string, string> {
  const out = clusterClientBase(props, side === 'source' ? SOURCE_CLUSTER_PREFIX : TARGET_CLUSTER_PREFIX);
  const kindPrefix = kind === 'consumer' ? CONSUMER_PREFIX : kind === 'producer' ? PRODUCER_PREFIX : ADMIN_PREFIX;
  Object.assign(out, withPrefix(props, kindPrefix), withPrefix(props, (side === 'source' ? SOURCE_PREFIX : TARGET_PREFIX) + kindPrefix));
  // consumer.poll.timeout.ms is a connector setting that happens to share the consumer. prefix.
  if (kind === 'consumer') {
    delete out['poll.timeout.ms'];
    out['enable.auto.commit'] = 'false';
    out['auto.offset.reset'] ??= 'earliest';
  }
  return addClientId(out, props, role);
}

export const sourceConsumerConfig = (props: RawProps, role?: string): Record<string, string> => mirrorClientConfig(props, 'source', 'consumer', role);
export const sourceAdminConfig = (props: RawProps, role?: string): Record<string, string> => mirrorClientConfig(props, 'source', 'admin', role);
export const targetConsumerConfig = (props: RawProps, role?: string): Record<string, string> => mirrorClientConfig(props, 'target', 'consumer', role);
export const targetProducerConfig = (props: RawProps, role?: string): Record<string, string> => mirrorClientConfig(props, 'target', 'producer', role);
export const targetAdminConfig = (props: RawProps, role?: string): Record<string, string> => mirrorClientConfig(props, 'target', 'admin', role);

/** Clients for the offset-syncs topic, on whichever cluster offset-syncs.topic.location names. */
export function offsetSyncsClientConfig(props: RawProps, kind: Kind): Record<string, string> {
  const location = (props[OFFSET_SYNCS_TOPIC_LOCATION] ?? 'source').trim().toLowerCase() === 'target' ? 'target' : 'source';
  return mirrorClientConfig(props, location, kind, `offset-syncs-${location}-${kind}`);
}
