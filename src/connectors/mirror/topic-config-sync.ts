// Topic-config and ACL sync decisions (MirrorSourceConnector.syncTopicConfigs/syncTopicAcls) as pure functions
// over plain objects; the caller does the describe/alter calls.
import { PatternList, splitList } from './filters.js';

export const CONFIG_PROPERTIES_EXCLUDE_CONFIG = 'config.properties.exclude';
/** Deprecated alias of config.properties.exclude. */
export const CONFIG_PROPERTIES_EXCLUDE_ALIAS_CONFIG = 'config.properties.blacklist';
export const USE_DEFAULTS_FROM_CONFIG = 'use.defaults.from';

/** MM2's default: replication throttles, timestamp checks, unclean election and min ISR stay per-cluster. */
export const DEFAULT_CONFIG_PROPERTIES_EXCLUDE =
  'follower\\.replication\\.throttled\\.replicas, leader\\.replication\\.throttled\\.replicas, '
  + 'message\\.timestamp\\.difference\\.max\\.ms, message\\.timestamp\\.type, '
  + 'unclean\\.leader\\.election\\.enable, min\\.insync\\.replicas';

export type ConfigSource =
  | 'DYNAMIC_TOPIC_CONFIG' | 'DYNAMIC_BROKER_LOGGER_CONFIG' | 'DYNAMIC_BROKER_CONFIG' | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'DYNAMIC_CLIENT_METRICS_CONFIG' | 'DYNAMIC_GROUP_CONFIG' | 'STATIC_BROKER_CONFIG' | 'DEFAULT_CONFIG' | 'UNKNOWN';

/** One entry of a describeConfigs result for a topic. */
export interface TopicConfigEntry {
  name: string;
  value: string | null;
  isDefault?: boolean;
  isReadOnly?: boolean;
  isSensitive?: boolean;
  source?: ConfigSource;
}

/** The config.properties.exclude filter (full-match Java regexes). */
export class ConfigPropertyFilter {
  private readonly exclude: PatternList;
  constructor(exclude: string | readonly string[] = DEFAULT_CONFIG_PROPERTIES_EXCLUDE, readonly useDefaultsFrom: 'source' | 'target' = 'target') {
    this.exclude = new PatternList(splitList(exclude), CONFIG_PROPERTIES_EXCLUDE_CONFIG);
  }
  static fromProps(props: Readonly<Record<string, string | null | undefined>>): ConfigPropertyFilter {
    const exc = props[CONFIG_PROPERTIES_EXCLUDE_CONFIG] ?? props[CONFIG_PROPERTIES_EXCLUDE_ALIAS_CONFIG] ?? DEFAULT_CONFIG_PROPERTIES_EXCLUDE;
    const from = (props[USE_DEFAULTS_FROM_CONFIG] ?? 'target').trim().toLowerCase();
    if (from !== 'source' && from !== 'target') throw new Error(`Invalid value ${from} for configuration ${USE_DEFAULTS_FROM_CONFIG}: String must be one of: source, target`);
    return new ConfigPropertyFilter(exc, from);
  }
  shouldReplicateConfigProperty(name: string): boolean {
    return !this.exclude.matches(name);
  }
  /** Whether a property left at its default on the source is written explicitly to the target. */
  shouldReplicateSourceDefault(): boolean {
    return this.useDefaultsFrom === 'source';
  }
}

/**
 * Drops excluded properties. Accepts a plain name→value map (returns a new map) or describeConfigs entries
 * (returns the kept entries).
 */
export function filterTopicConfigs(configs: Readonly<Record<string, string>>, exclude?: string | readonly string[]): Record<string, string>;
export function filterTopicConfigs(configs: readonly TopicConfigEntry[], exclude?: string | readonly string[]): TopicConfigEntry[];
export function filterTopicConfigs(
  configs: Readonly<Record<string, string>> | readonly TopicConfigEntry[],
  exclude: string | readonly string[] = DEFAULT_CONFIG_PROPERTIES_EXCLUDE,
): Record<string, string> | TopicConfigEntry[] {
  const f = new ConfigPropertyFilter(exclude);
  if (Array.isArray(configs)) return (configs as readonly TopicConfigEntry[]).filter((e) => f.shouldReplicateConfigProperty(e.name));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(configs as Readonly<Record<string, string>>)) if (f.shouldReplicateConfigProperty(k)) out[k] = v;
  return out;
}

function syncable(e: TopicConfigEntry, f: ConfigPropertyFilter): boolean {
  return !e.isReadOnly && !e.isSensitive && e.source !== 'STATIC_BROKER_CONFIG' && f.shouldReplicateConfigProperty(e.name);
}

function isSourceDefault(e: TopicConfigEntry): boolean {
  return e.isDefault ?? e.source === 'DEFAULT_CONFIG';
}

/** Configs for creating a remote topic: set, non-default, writable, non-sensitive and not excluded. */
export function newTopicConfigs(entries: readonly TopicConfigEntry[], filter: ConfigPropertyFilter = new ConfigPropertyFilter()): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    if (e.value === null || !syncable(e, filter)) continue;
    if (isSourceDefault(e) && !filter.shouldReplicateSourceDefault()) continue;
    out[e.name] = e.value;
  }
  return out;
}

export interface ConfigAlterOp {
  name: string;
  op: 'SET' | 'DELETE';
  value?: string;
}

/**
 * incrementalAlterConfigs operations bringing a remote topic in line with its source: a property the source
 * leaves at its default is DELETEd on the target (or SET when use.defaults.from=source); others are SET.
 * Read-only, sensitive, static-broker and excluded properties are left alone.
 */
export function topicConfigAlterOps(sourceEntries: readonly TopicConfigEntry[], filter: ConfigPropertyFilter = new ConfigPropertyFilter()): ConfigAlterOp[] {
  const ops: ConfigAlterOp[] = [];
  for (const e of sourceEntries) {
    if (!syncable(e, filter)) continue;
    if (isSourceDefault(e) && !filter.shouldReplicateSourceDefault()) ops.push({ name: e.name, op: 'DELETE' });
    else if (e.value !== null) ops.push({ name: e.name, op: 'SET', value: e.value });
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------- ACLs

export type AclResourceType = 'UNKNOWN' | 'ANY' | 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID' | 'DELEGATION_TOKEN' | 'USER';
export type AclPatternType = 'UNKNOWN' | 'ANY' | 'MATCH' | 'LITERAL' | 'PREFIXED';
export type AclOperation =
  | 'UNKNOWN' | 'ANY' | 'ALL' | 'READ' | 'WRITE' | 'CREATE' | 'DELETE' | 'ALTER' | 'DESCRIBE' | 'CLUSTER_ACTION'
  | 'DESCRIBE_CONFIGS' | 'ALTER_CONFIGS' | 'IDEMPOTENT_WRITE' | 'CREATE_TOKENS' | 'DESCRIBE_TOKENS';
export type AclPermissionType = 'UNKNOWN' | 'ANY' | 'DENY' | 'ALLOW';

export interface AclBinding {
  resourceType: AclResourceType;
  resourceName: string;
  patternType: AclPatternType;
  principal: string;
  host: string;
  operation: AclOperation;
  permissionType: AclPermissionType;
}

export interface AclSyncContext {
  /** The source connector's topic selection (filter, internal topics, cycles). */
  shouldReplicateTopic: (topic: string) => boolean;
  /** Remote name of a source topic on the target. */
  formatRemoteTopic: (topic: string) => string;
}

/**
 * ACLs to create on the target for the source's topic ACLs: LITERAL topic ACLs of replicated topics only,
 * renamed to the remote topic; ALLOW WRITE is dropped (only the mirror writes remote topics) and ALLOW ALL is
 * downgraded to ALLOW READ; everything else (READ, DESCRIBE, DENY …) is copied. Creation is additive.
 * Like MM2, the literal wildcard topic "*" is treated as a topic name; pass a shouldReplicateTopic that rejects
 * "*" to keep wildcards out.
 */
export function targetTopicAcls(sourceAcls: Iterable<AclBinding>, ctx: AclSyncContext): AclBinding[] {
  const out: AclBinding[] = [];
  const seen = new Set<string>();
  for (const a of sourceAcls) {
    if (a.resourceType !== 'TOPIC' || a.patternType !== 'LITERAL') continue;
    if (a.permissionType === 'ALLOW' && a.operation === 'WRITE') continue;
    if (!ctx.shouldReplicateTopic(a.resourceName)) continue;
    const operation: AclOperation = a.permissionType === 'ALLOW' && a.operation === 'ALL' ? 'READ' : a.operation;
    const b: AclBinding = { ...a, resourceName: ctx.formatRemoteTopic(a.resourceName), operation };
    const k = JSON.stringify([b.resourceName, b.principal, b.host, b.operation, b.permissionType]);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(b);
  }
  return out;
}
