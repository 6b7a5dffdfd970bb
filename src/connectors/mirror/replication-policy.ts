// Replication policies: how remote topics are named and recognised, as MM2's ReplicationPolicy
// (connect/mirror-client). Policy is split from mechanism: connectors only ask these questions.
import { ConfigError } from '../../connect/api/index.js';

export const REPLICATION_POLICY_CLASS_CONFIG = 'replication.policy.class';
export const REPLICATION_POLICY_SEPARATOR_CONFIG = 'replication.policy.separator';
export const INTERNAL_TOPIC_SEPARATOR_ENABLED_CONFIG = 'replication.policy.internal.topic.separator.enabled';
export const SOURCE_CLUSTER_ALIAS_CONFIG = 'source.cluster.alias';
export const DEFAULT_SEPARATOR = '.';
export const HEARTBEATS_TOPIC = 'heartbeats';

export const DEFAULT_REPLICATION_POLICY_CLASS = 'org.apache.kafka.connect.mirror.DefaultReplicationPolicy';
export const IDENTITY_REPLICATION_POLICY_CLASS = 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy';

export interface ReplicationPolicy {
  /** Name of `topic` from cluster `sourceClusterAlias` once replicated, e.g. `us-west.orders`. */
  formatRemoteTopic(sourceClusterAlias: string, topic: string): string;
  /** Alias of the cluster a remote topic came from, or null if `topic` is not remote. */
  topicSource(topic: string): string | null;
  /** Name of the topic one hop upstream (may itself be remote), or null if `topic` is not remote. */
  upstreamTopic(topic: string): string | null;
  /** Name of the topic at its origin, following every hop; `topic` itself if it is not remote. */
  originalTopic(topic: string): string;
  heartbeatsTopic(): string;
  offsetSyncsTopic(clusterAlias: string): string;
  checkpointsTopic(clusterAlias: string): string;
  /** True for `heartbeats`, `A.heartbeats`, `B.A.heartbeats`, … */
  isHeartbeatsTopic(topic: string): boolean;
  isCheckpointsTopic(topic: string): boolean;
  /** MM2's own internal topics (offset syncs, checkpoints). */
  isMM2InternalTopic(topic: string): boolean;
  /** Topics that are never replicated: MM2 internals, `__*`/`.*` Kafka internals, `*.internal`/`*-internal`. */
  isInternalTopic(topic: string): boolean;
}

export type PolicyProps = Readonly<Record<string, string | null | undefined>>;

/** Remote topics are `<source><separator><topic>`; the separator defaults to ".". */
export class DefaultReplicationPolicy implements ReplicationPolicy {
  protected separator = DEFAULT_SEPARATOR;
  protected internalTopicSeparatorEnabled = true;

  constructor(props: PolicyProps = {}) {
    this.applySeparator(props);
  }

  /** Re-reads the policy settings from connector/client properties. */
  configure(props: PolicyProps): void {
    this.applySeparator(props);
  }

  // As MM2: the internal-topic separator flag is only read when a custom separator is configured.
  // Not virtual, so constructors never call into a subclass before its fields are initialised.
  private applySeparator(props: PolicyProps): void {
    const sep = props[REPLICATION_POLICY_SEPARATOR_CONFIG];
    if (sep !== undefined && sep !== null) {
      if (sep === '') throw new ConfigError(`Invalid value for configuration ${REPLICATION_POLICY_SEPARATOR_CONFIG}: the separator must not be empty`, { [REPLICATION_POLICY_SEPARATOR_CONFIG]: ['must not be empty'] });
      this.separator = sep;
      const flag = props[INTERNAL_TOPIC_SEPARATOR_ENABLED_CONFIG];
      if (flag !== undefined && flag !== null) this.internalTopicSeparatorEnabled = flag.trim().toLowerCase() === 'true';
    }
  }

  formatRemoteTopic(sourceClusterAlias: string, topic: string): string {
    return sourceClusterAlias + this.separator + topic;
  }

  // Matches Java's String.split semantics used by MM2: the topic is remote only if something other than
  // separators follows the first separator (trailing empty parts are dropped by split).
  topicSource(topic: string): string | null {
    const i = topic.indexOf(this.separator);
    if (i < 0) return null;
    const rest = topic.slice(i + this.separator.length);
    if (!rest.split(this.separator).some((p) => p !== '')) return null;
    return topic.slice(0, i);
  }

  upstreamTopic(topic: string): string | null {
    const source = this.topicSource(topic);
    return source === null ? null : topic.slice(source.length + this.separator.length);
  }

  originalTopic(topic: string): string {
    let t = topic;
    // Bounded: each hop strictly shortens the name, except for identity-style policies (stop on no change).
    for (;;) {
      const up = this.upstreamTopic(t);
      if (up === null || up === t) return t;
      t = up;
    }
  }

  heartbeatsTopic(): string {
    return HEARTBEATS_TOPIC;
  }

  private internalSeparator(): string {
    return this.internalTopicSeparatorEnabled ? this.separator : DEFAULT_SEPARATOR;
  }

  private internalSuffix(): string {
    return this.internalSeparator() + 'internal';
  }

  private checkpointsTopicSuffix(): string {
    return this.internalSeparator() + 'checkpoints' + this.internalSuffix();
  }

  offsetSyncsTopic(clusterAlias: string): string {
    return 'mm2-offset-syncs' + this.internalSeparator() + clusterAlias + this.internalSuffix();
  }

  checkpointsTopic(clusterAlias: string): string {
    return clusterAlias + this.checkpointsTopicSuffix();
  }

  isHeartbeatsTopic(topic: string): boolean {
    return this.heartbeatsTopic() === this.originalTopic(topic);
  }

  isCheckpointsTopic(topic: string): boolean {
    return topic.endsWith(this.checkpointsTopicSuffix());
  }

  isMM2InternalTopic(topic: string): boolean {
    return (topic.startsWith('mm2') && topic.endsWith(this.internalSuffix())) || this.isCheckpointsTopic(topic);
  }

  isInternalTopic(topic: string): boolean {
    const kafkaInternal = topic.startsWith('__') || topic.startsWith('.');
    const connectInternal = topic.endsWith('.internal') || topic.endsWith('-internal');
    return this.isMM2InternalTopic(topic) || kafkaInternal || connectInternal;
  }
}

/**
 * Topics keep their names (MM1-style migration, one-way or Ferry active-active with provenance headers).
 * Heartbeats are still prefixed so the topology stays discoverable. `topicSource` answers the configured
 * `source.cluster.alias` for every topic, so MM2's name-based cycle check cannot see cycles: pair it with
 * Ferry's provenance header (provenance.ts) when replicating in both directions.
 */
export class IdentityReplicationPolicy extends DefaultReplicationPolicy {
  private sourceClusterAlias: string | null = null;

  constructor(props: PolicyProps = {}) {
    super(props);
    this.applySourceAlias(props);
  }

  override configure(props: PolicyProps): void {
    super.configure(props);
    this.applySourceAlias(props);
  }

  private applySourceAlias(props: PolicyProps): void {
    const alias = props[SOURCE_CLUSTER_ALIAS_CONFIG];
    if (alias !== undefined && alias !== null) this.sourceClusterAlias = alias;
  }

  private looksLikeHeartbeat(topic: string): boolean {
    return topic.endsWith(this.heartbeatsTopic());
  }

  override formatRemoteTopic(sourceClusterAlias: string, topic: string): string {
    return this.looksLikeHeartbeat(topic) ? super.formatRemoteTopic(sourceClusterAlias, topic) : topic;
  }

  override topicSource(topic: string): string | null {
    return this.looksLikeHeartbeat(topic) ? super.topicSource(topic) : this.sourceClusterAlias;
  }

  override upstreamTopic(topic: string): string | null {
    return this.looksLikeHeartbeat(topic) ? super.upstreamTopic(topic) : topic;
  }
}

/**
 * MM2's cycle check (MirrorSourceConnector.isCycle): a topic is not replicated into `targetAlias` when any hop
 * of its topicSource/upstreamTopic chain came from `targetAlias`. The walk stops at a non-remote topic or when
 * the policy cannot shorten the name (identity); `maxHops` guards against misbehaving custom policies.
 */
export function isCycle(policy: Pick<ReplicationPolicy, 'topicSource' | 'upstreamTopic'>, topic: string, targetAlias: string, maxHops = 64): boolean {
  let t = topic;
  for (let hop = 0; hop < maxHops; hop++) {
    const source = policy.topicSource(t);
    if (source === null) return false;
    if (source === targetAlias) return true;
    const up = policy.upstreamTopic(t);
    if (up === null || up === t) return false;
    t = up;
  }
  return true;
}

/** The alias chain of a remote topic, nearest hop first (e.g. `B.A.t` → ["B", "A"]). */
export function replicationChain(policy: ReplicationPolicy, topic: string, maxHops = 64): string[] {
  const out: string[] = [];
  let t = topic;
  for (let hop = 0; hop < maxHops; hop++) {
    const source = policy.topicSource(t);
    if (source === null) break;
    out.push(source);
    const up = policy.upstreamTopic(t);
    if (up === null || up === t) break;
    t = up;
  }
  return out;
}

const POLICY_CLASSES: Readonly<Record<string, new (props: PolicyProps) => ReplicationPolicy>> = {
  [DEFAULT_REPLICATION_POLICY_CLASS]: DefaultReplicationPolicy,
  DefaultReplicationPolicy,
  default: DefaultReplicationPolicy,
  [IDENTITY_REPLICATION_POLICY_CLASS]: IdentityReplicationPolicy,
  IdentityReplicationPolicy,
  identity: IdentityReplicationPolicy,
};

/** Class names (and short aliases) accepted by createReplicationPolicy. */
export function knownReplicationPolicyClasses(): string[] {
  return Object.keys(POLICY_CLASSES);
}

/**
 * Builds the policy named by `replication.policy.class` (default DefaultReplicationPolicy) and configures it
 * from the same props (separator, internal-topic separator flag, source.cluster.alias).
 */
export function createReplicationPolicy(props: PolicyProps = {}, className?: string): ReplicationPolicy {
  const name = (className ?? props[REPLICATION_POLICY_CLASS_CONFIG] ?? DEFAULT_REPLICATION_POLICY_CLASS).trim();
  const ctor = POLICY_CLASSES[name];
  if (!ctor) {
    const msg = `Invalid value ${name} for configuration ${REPLICATION_POLICY_CLASS_CONFIG}: unknown replication policy; expected one of ${DEFAULT_REPLICATION_POLICY_CLASS}, ${IDENTITY_REPLICATION_POLICY_CLASS} (or DefaultReplicationPolicy, IdentityReplicationPolicy, default, identity)`;
    throw new ConfigError(msg, { [REPLICATION_POLICY_CLASS_CONFIG]: [msg] });
  }
  return new ctor(props);
}
