// MirrorClient: the TypeScript counterpart of MM2's connect-mirror-client (MirrorClient + RemoteClusterUtils).
// It talks to ONE cluster — the local (target) side of a replication flow — and learns the topology from topic
// names: heartbeat topics (`heartbeats`, `A.heartbeats`, `B.A.heartbeats`, …) tell which clusters replicate
// into it and over how many hops, `<alias>.checkpoints.internal` topics hold translated consumer-group offsets.
//
// Properties follow MirrorClientConfig: the local cluster's client settings (`bootstrap.servers`, security),
// optional `admin.*` / `consumer.*` overrides, and `replication.policy.class` / `replication.policy.separator` /
// `replication.policy.internal.topic.separator.enabled`.
import { ClusterAdmin } from '../kafka/cluster-admin.js';
import { readToEnd } from '../kafka/read-to-end.js';
import { decodeCheckpoint, type Checkpoint } from '../connectors/mirror/checkpoint.js';
import { createReplicationPolicy, type ReplicationPolicy } from '../connectors/mirror/replication-policy.js';

export type MirrorClientProps = Readonly<Record<string, string | undefined>>;

export interface TranslatedOffset {
  /** Topic on the local cluster (the remote/renamed topic, e.g. `A.orders`). */
  topic: string;
  partition: number;
  /** Where the group should resume on the local cluster. */
  offset: number;
  /** The group's committed offset on the remote cluster that was translated. */
  upstreamOffset: number;
  /** Commit metadata carried over from the remote cluster. */
  metadata: string;
}

export interface TranslateOptions {
  /** Upper bound for reading the checkpoints topic (MM2's `Duration timeout`); default 30 s. */
  timeoutMs?: number;
}

const CLIENT_PREFIXES = ['admin.', 'consumer.', 'producer.'];

/** Base client settings plus the `<kind>.*` overrides (MirrorClientConfig.adminConfig/consumerConfig). */
export function mirrorClientProps(props: MirrorClientProps, kind: 'admin' | 'consumer'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || CLIENT_PREFIXES.some((p) => k.startsWith(p))) continue;
    out[k] = v;
  }
  const prefix = `${kind}.`;
  for (const [k, v] of Object.entries(props)) if (v !== undefined && k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

export interface MirrorClientOptions {
  /** Lists the local cluster's topics (default: the admin API); lets tests and tools supply a topic list. */
  listTopics?: () => Promise<string[]>;
}

export class MirrorClient {
  private readonly policy: ReplicationPolicy;
  private admin: ClusterAdmin | null = null;

  constructor(private readonly props: MirrorClientProps, private readonly opts: MirrorClientOptions = {}) {
    this.policy = createReplicationPolicy(props);
  }

  replicationPolicy(): ReplicationPolicy {
    return this.policy;
  }

  private client(): ClusterAdmin {
    this.admin ??= new ClusterAdmin(mirrorClientProps(this.props, 'admin'), this.props['client.id'] ?? 'ferry-mirror-client');
    return this.admin;
  }

  async close(): Promise<void> {
    const a = this.admin;
    this.admin = null;
    await a?.close();
  }

  private async listTopics(): Promise<string[]> {
    return (this.opts.listTopics ? await this.opts.listTopics() : await this.client().topics()).sort();
  }

  /**
   * Minimum number of hops from `upstreamClusterAlias` to this cluster over heartbeat topics (`A.heartbeats` = 1,
   * `B.A.heartbeats` = 2), or -1 if no heartbeats from it arrive here.
   */
  async replicationHops(upstreamClusterAlias: string): Promise<number> {
    const hops = (await this.heartbeatTopics()).map((t) => this.countHopsForTopic(t, upstreamClusterAlias)).filter((h) => h !== -1);
    return hops.length === 0 ? -1 : Math.min(...hops);
  }

  /** Topics that carry heartbeats (`heartbeats`, `A.heartbeats`, …). */
  async heartbeatTopics(): Promise<string[]> {
    return (await this.listTopics()).filter((t) => this.policy.isHeartbeatsTopic(t));
  }

  /** Topics that hold checkpoints (`<alias>.checkpoints.internal`). */
  async checkpointTopics(): Promise<string[]> {
    return (await this.listTopics()).filter((t) => this.policy.isCheckpointsTopic(t));
  }

  /** Every cluster found upstream of this one by walking heartbeat topic names, in alphabetical order. */
  async upstreamClusters(): Promise<string[]> {
    const out = new Set<string>();
    for (const t of await this.heartbeatTopics()) for (const s of this.allSources(t)) out.add(s);
    return [...out].sort();
  }

  /** Remote topics on this cluster (not internal, with a source cluster), optionally only those from `source`. */
  async remoteTopics(source?: string): Promise<string[]> {
    return (await this.listTopics()).filter((t) => {
      if (this.policy.isInternalTopic(t)) return false;
      const s = this.policy.topicSource(t);
      return s !== null && (source === undefined || s === source);
    });
  }

  /**
   * The latest checkpoint per partition of `groupId` from `remoteClusterAlias`, read from
   * `<remoteClusterAlias>.checkpoints.internal` on this cluster: where the group resumes here after failing over.
   * Records that are not checkpoints are skipped (as MM2 does). An absent checkpoints topic yields [].
   */
  async remoteConsumerOffsets(groupId: string, remoteClusterAlias: string, opts: TranslateOptions = {}): Promise<TranslatedOffset[]> {
    const topic = this.policy.checkpointsTopic(remoteClusterAlias);
    if (!(await this.listTopics()).includes(topic)) return [];
    const latest = new Map<string, Checkpoint>();
    await readToEnd(mirrorClientProps(this.props, 'consumer'), topic, [0], (r) => {
      let c: Checkpoint;
      try {
        c = decodeCheckpoint(r.key, r.value);
      } catch {
        return;
      }
      if (c.group === groupId) latest.set(`${c.topic}\u0000${c.partition}`, c);
    }, { clientId: this.props['client.id'] ?? 'ferry-mirror-client', timeoutMs: opts.timeoutMs ?? 30_000 });
    return [...latest.values()]
      .map((c) => ({ topic: c.topic, partition: c.partition, offset: c.downstreamOffset, upstreamOffset: c.upstreamOffset, metadata: c.metadata }))
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  /** Hops from `sourceClusterAlias` for one heartbeat topic, with MM2's loop guard; -1 if it does not come from there. */
  countHopsForTopic(topic: string, sourceClusterAlias: string): number {
    const visited = new Set<string>();
    let t: string | null = topic;
    for (let hops = 1; t !== null; hops++) {
      const source = this.policy.topicSource(t);
      if (source === null) return -1;
      if (source === sourceClusterAlias) return hops;
      if (visited.has(source)) return -1; // a policy that cannot tell cycles apart
      visited.add(source);
      t = this.policy.upstreamTopic(t);
    }
    return -1;
  }

  private allSources(topic: string): string[] {
    const out: string[] = [];
    let t: string | null = topic;
    while (t !== null) {
      const source = this.policy.topicSource(t);
      if (source === null || out.includes(source)) break;
      out.push(source);
      const up = this.policy.upstreamTopic(t);
      if (up === t) break;
      t = up;
    }
    return out;
  }
}

async function withClient<T>(props: MirrorClientProps, fn: (c: MirrorClient) => Promise<T>): Promise<T> {
  const c = new MirrorClient(props);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

// RemoteClusterUtils: one-shot helpers over a short-lived MirrorClient.

export function replicationHops(props: MirrorClientProps, upstreamClusterAlias: string): Promise<number> {
  return withClient(props, (c) => c.replicationHops(upstreamClusterAlias));
}

export function heartbeatTopics(props: MirrorClientProps): Promise<string[]> {
  return withClient(props, (c) => c.heartbeatTopics());
}

export function checkpointTopics(props: MirrorClientProps): Promise<string[]> {
  return withClient(props, (c) => c.checkpointTopics());
}

export function upstreamClusters(props: MirrorClientProps): Promise<string[]> {
  return withClient(props, (c) => c.upstreamClusters());
}

export function remoteTopics(props: MirrorClientProps, source?: string): Promise<string[]> {
  return withClient(props, (c) => c.remoteTopics(source));
}

/**
 * Translates `groupId`'s offsets committed on `remoteClusterAlias` into offsets on the cluster `props` points at,
 * from the checkpoints the mirror wrote there (RemoteClusterUtils.translateOffsets).
 */
export function translateOffsets(props: MirrorClientProps, remoteClusterAlias: string, groupId: string, opts: TranslateOptions = {}): Promise<TranslatedOffset[]> {
  return withClient(props, (c) => c.remoteConsumerOffsets(groupId, remoteClusterAlias, opts));
}
