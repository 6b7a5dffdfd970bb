// ClusterAdmin: the admin operations mirroring, verification and migration need, over one long-lived
// kafkajs admin client, with plain types so callers never see kafkajs.
import type { KafkajsCluster } from './kafkajs-internals.js';
import { retry } from '../backoff.js';
import type { Admin } from 'kafkajs';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ConfigResourceTypes, ResourcePatternTypes } from './kafkajs.js';
import { createKafka, createTopicsAndWait, type ClientProps } from './client.js';
import { explainCreateTopicsError, replicationFactorFor } from './replication-factor.js';
import { createLowLevelCluster } from './client.js';

export type ConfigSourceName = 'dynamic-topic' | 'dynamic-broker' | 'dynamic-default-broker' | 'static-broker' | 'default' | 'unknown';

export interface TopicConfigEntry { name: string; value: string | null; source: ConfigSourceName; readOnly: boolean; sensitive: boolean }

export interface AclBinding {
  resourceType: 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID' | 'OTHER';
  resourceName: string;
  patternType: 'LITERAL' | 'PREFIXED' | 'OTHER';
  principal: string;
  host: string;
  operation: string;
  permission: 'ALLOW' | 'DENY' | 'OTHER';
}

export interface PartitionOffset { topic: string; partition: number; offset: number }

/** The group has members connected: its offsets were left alone. */
export class GroupActiveError extends Error {
  constructor(readonly group: string, cause: Error) {
    super(`group ${group} has active members (${cause.message})`, { cause });
    this.name = 'GroupActiveError';
  }
}

export interface GroupState { groupId: string; state: string; members: number }

const SOURCES: Record<number, ConfigSourceName> = { 1: 'dynamic-topic', 2: 'dynamic-broker', 3: 'dynamic-default-broker', 4: 'static-broker', 5: 'default' };
const OPS = Object.fromEntries(Object.entries(AclOperationTypes).map(([k, v]) => [v, k])) as Record<number, string>;

export class ClusterAdmin {
  private admin: Admin | null = null;

  constructor(private readonly props: ClientProps, private readonly clientId = 'ferry-admin') {}

  /** kafkajs's admin client: for this module only (its types stay inside src/kafka/). */
  private async client(): Promise<Admin> {
    if (!this.admin) {
      const a = createKafka(this.props, { clientId: this.clientId }).admin();
      await a.connect();
      this.admin = a;
    }
    return this.admin;
  }

  async close(): Promise<void> {
    const a = this.admin;
    const low = this.low;
    this.admin = null;
    this.low = null;
    if (a) await a.disconnect().catch(() => undefined);
    if (low) await low.disconnect().catch(() => undefined);
  }

  async clusterInfo(): Promise<{ clusterId: string; brokers: number }> {
    const d = await (await this.client()).describeCluster();
    return { clusterId: d.clusterId, brokers: d.brokers.length };
  }

  /** The node ids of the live brokers, ascending. */
  async brokerIds(): Promise<number[]> {
    return (await (await this.client()).describeCluster()).brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  }

  /** Deletes topics (in requests of 50); those that do not exist are skipped. */
  async deleteTopics(topics: string[], timeoutMs = 30_000): Promise<void> {
    const existing = new Set(await this.topics());
    const del = topics.filter((t) => existing.has(t));
    const admin = await this.client();
    for (let i = 0; i < del.length; i += 50) await admin.deleteTopics({ topics: del.slice(i, i + 50), timeout: timeoutMs });
  }

  /** Deletes consumer groups; a group that does not exist is not an error. */
  async deleteGroups(groupIds: string[]): Promise<void> {
    if (groupIds.length === 0) return;
    await (await this.client()).deleteGroups(groupIds).catch((err: Error) => {
      if (!/does not exist|GROUP_ID_NOT_FOUND/i.test(err.message)) throw err;
    });
  }

  async topics(): Promise<string[]> {
    return (await this.client()).listTopics();
  }

  /** Partition counts of the given topics (missing topics are absent from the map). */
  async partitionCounts(topics: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (topics.length === 0) return out;
    const admin = await this.client();
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    for (let i = 0; i < present.length; i += 200) {
      const meta = await admin.fetchTopicMetadata({ topics: present.slice(i, i + 200) });
      for (const t of meta.topics) out.set(t.name, t.partitions.length);
    }
    return out;
  }

  /**
   * Creates topics; existing ones are skipped. A replication factor is never reduced: one larger than the
   * live brokers throws a ReplicationFactorError naming the topic and `replicationFactorSetting` (the config
   * key that set it) before anything is created; -1 lets the broker apply default.replication.factor.
   */
  async createTopics(topics: { topic: string; partitions: number; replicationFactor: number; replicationFactorSetting?: string; configs?: Record<string, string> }[]): Promise<string[]> {
    if (topics.length === 0) return [];
    const admin = await this.client();
    const existing = new Set(await admin.listTopics());
    const todo = topics.filter((t) => !existing.has(t.topic));
    if (todo.length === 0) return [];
    const { brokers } = await this.clusterInfo();
    const specs = todo.map((t) => ({
      topic: t.topic,
      numPartitions: t.partitions,
      replicationFactor: replicationFactorFor(t.topic, t.replicationFactor, brokers, t.replicationFactorSetting),
      configEntries: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
    }));
    try {
      await createTopicsAndWait(admin, { topics: specs });
    } catch (e) {
      const err = e as { errors?: { type?: string; topic?: string }[] };
      const bad = todo.find((t) => (err.errors ?? []).some((x) => x.type === 'INVALID_REPLICATION_FACTOR' && x.topic === t.topic)) ?? (todo.length === 1 ? todo[0] : undefined);
      throw bad ? explainCreateTopicsError(e, bad.topic, bad.replicationFactor, brokers, bad.replicationFactorSetting) : e;
    }
    return todo.map((t) => t.topic);
  }

  async createPartitions(topic: string, count: number): Promise<void> {
    await (await this.client()).createPartitions({ topicPartitions: [{ topic, count }], validateOnly: false });
  }

  async topicConfigs(topics: string[]): Promise<Map<string, TopicConfigEntry[]>> {
    const out = new Map<string, TopicConfigEntry[]>();
    if (topics.length === 0) return out;
    const admin = await this.client();
    for (let i = 0; i < topics.length; i += 100) {
      const res = await admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.slice(i, i + 100).map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
      });
      for (const r of res.resources) {
        out.set(r.resourceName, r.configEntries.map((e) => ({
          name: e.configName,
          value: e.configValue ?? null,
          source: SOURCES[Number((e as { configSource?: number }).configSource)] ?? (e.isDefault ? 'default' : 'unknown'),
          readOnly: e.readOnly,
          sensitive: e.isSensitive,
        })));
      }
    }
    return out;
  }

  /**
   * Applies topic config changes without wiping target-only settings: kafkajs has only the legacy
   * AlterConfigs (replace-all), so the current dynamic topic configs are read first and the change is
   * merged into them (null = delete the override). Returns the keys that changed.
   */
  async alterTopicConfigs(topic: string, changes: Record<string, string | null>): Promise<string[]> {
    const current = (await this.topicConfigs([topic])).get(topic) ?? [];
    const merged = new Map<string, string>();
    for (const e of current) if (e.source === 'dynamic-topic' && e.value !== null && !e.sensitive) merged.set(e.name, e.value);
    const changed: string[] = [];
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) { if (merged.delete(k)) changed.push(k); }
      else if (merged.get(k) !== v) { merged.set(k, v); changed.push(k); }
    }
    if (changed.length === 0) return [];
    await (await this.client()).alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [...merged].map(([name, value]) => ({ name, value })) }],
    });
    return changed;
  }

  /** Topic ACLs; throws an error with `securityDisabled` set when the cluster has no authorizer. */
  async topicAcls(): Promise<AclBinding[]> {
    const admin = await this.client();
    try {
      const res = await admin.describeAcls({
        resourceType: AclResourceTypes.TOPIC,
        resourcePatternType: ResourcePatternTypes.ANY,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      const out: AclBinding[] = [];
      for (const r of res.resources) {
        for (const a of r.acls) {
          out.push({
            resourceType: 'TOPIC',
            resourceName: r.resourceName,
            patternType: r.resourcePatternType === ResourcePatternTypes.LITERAL ? 'LITERAL' : r.resourcePatternType === ResourcePatternTypes.PREFIXED ? 'PREFIXED' : 'OTHER',
            principal: a.principal,
            host: a.host,
            operation: OPS[a.operation] ?? String(a.operation),
            permission: a.permissionType === AclPermissionTypes.ALLOW ? 'ALLOW' : a.permissionType === AclPermissionTypes.DENY ? 'DENY' : 'OTHER',
          });
        }
      }
      return out;
    } catch (e) {
      const err = e as Error & { type?: string; securityDisabled?: boolean };
      if (err.type === 'SECURITY_DISABLED' || /security features are disabled|SECURITY_DISABLED/i.test(err.message)) err.securityDisabled = true;
      throw err;
    }
  }

  async createTopicAcls(bindings: AclBinding[]): Promise<void> {
    if (bindings.length === 0) return;
    await (await this.client()).createAcls({
      acl: bindings.map((b) => ({
        resourceType: AclResourceTypes.TOPIC,
        resourceName: b.resourceName,
        resourcePatternType: b.patternType === 'PREFIXED' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
        principal: b.principal,
        host: b.host,
        operation: AclOperationTypes[b.operation as keyof typeof AclOperationTypes] ?? AclOperationTypes.READ,
        permissionType: b.permission === 'DENY' ? AclPermissionTypes.DENY : AclPermissionTypes.ALLOW,
      })),
    });
  }

  async consumerGroups(): Promise<string[]> {
    const res = await (await this.client()).listGroups();
    return res.groups.filter((g) => g.protocolType === 'consumer' || g.protocolType === '').map((g) => g.groupId);
  }

  async groupStates(groupIds: string[]): Promise<Map<string, GroupState>> {
    const out = new Map<string, GroupState>();
    if (groupIds.length === 0) return out;
    const res = await (await this.client()).describeGroups(groupIds);
    for (const g of res.groups) out.set(g.groupId, { groupId: g.groupId, state: g.state, members: g.members.length });
    return out;
  }

  /** Committed offsets of a group (only partitions with a commit). */
  async groupOffsets(groupId: string): Promise<PartitionOffset[]> {
    const res = await (await this.client()).fetchOffsets({ groupId });
    const out: PartitionOffset[] = [];
    for (const t of res) for (const p of t.partitions) if (Number(p.offset) >= 0) out.push({ topic: t.topic, partition: p.partition, offset: Number(p.offset) });
    return out;
  }

  /**
   * Commits offsets of a group from outside it, as Java's Admin.alterConsumerGroupOffsets (what MM2 uses): one
   * OffsetCommit to the group coordinator with generation -1 and no member id. The broker accepts it only while
   * the group has no members, so an active group is never moved (GroupActiveError). kafkajs's admin.setOffsets
   * instead joins the group as a consumer once per topic: seconds each, and nothing is committed for a group
   * that does not exist yet.
   */
  async setGroupOffsets(groupId: string, offsets: readonly (PartitionOffset & { metadata?: string })[]): Promise<void> {
    if (offsets.length === 0) return;
    const byTopic = new Map<string, { partition: number; offset: string; metadata: string | null }[]>();
    for (const o of offsets) {
      const list = byTopic.get(o.topic) ?? [];
      list.push({ partition: o.partition, offset: String(o.offset), metadata: o.metadata ?? null });
      byTopic.set(o.topic, list);
    }
    const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
    const cluster = await this.lowLevel();
    await retry(async () => {
      try {
        const coordinator = await cluster.findGroupCoordinator({ groupId });
        await coordinator.offsetCommit({ groupId, groupGenerationId: -1, memberId: '', retentionTime: -1, topics });
      } catch (e) {
        const err = e as Error & { type?: string };
        if (/UNKNOWN_MEMBER_ID|ILLEGAL_GENERATION|REBALANCE_IN_PROGRESS/.test(err.type ?? '')) throw new GroupActiveError(groupId, err);
        throw e;
      }
    }, {
      attempts: 5,
      retriable: (e) => !(e instanceof GroupActiveError) && (e as { retriable?: boolean }).retriable !== false,
      // The coordinator moved or is loading: look it up again.
      onRetry: () => cluster.refreshMetadata().catch(() => undefined),
      backoffMs: (attempt) => 200 * attempt,
    });
  }

  private low: KafkajsCluster | null = null;

  private async lowLevel(): Promise<KafkajsCluster> {
    if (!this.low) {
      const c = createLowLevelCluster(this.props, `${this.clientId}-commit`);
      await c.connect();
      this.low = c;
    }
    return this.low;
  }

  /** Low and high watermarks per partition of a topic. */
  async watermarks(topic: string): Promise<{ partition: number; low: number; high: number }[]> {
    const res = await (await this.client()).fetchTopicOffsets(topic);
    return res.map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) })).sort((a, b) => a.partition - b.partition);
  }
}

/**
 * Runs `fn` with a ClusterAdmin for the cluster `props` reach, closed afterwards whatever happens: the one way code
 * outside src/kafka/ administers a cluster (no kafkajs type crosses the boundary).
 */
export async function withClusterAdmin<T>(props: ClientProps, fn: (admin: ClusterAdmin) => Promise<T>, clientId = 'ferry-admin'): Promise<T> {
  const admin = new ClusterAdmin(props, clientId);
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}
