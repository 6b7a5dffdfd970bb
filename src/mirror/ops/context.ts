// What every DR/migration operation needs to know about one replication flow A→B: how to reach both clusters,
// the flow's effective mirror settings (policy, filters, offset-syncs location), where its state lives (offset
// maps, checkpoints, heartbeats, the dedicated-mode worker topics) and which topics and groups an operator
// selected. Built from mm2.properties (`--config`) or from bootstrap servers alone, so `ferry verify|failover|
// failback|migrate` accept the same file `ferry mirror` runs.
import { ClusterAdmin, withClusterAdmin } from '../../kafka/cluster-admin.js';
import type { ClientProps } from '../../kafka/client.js';
import { RecordProducer } from '../../kafka/producer.js';
import { readToEnd } from '../../kafka/read-to-end.js';
import { PartitionReader } from '../../kafka/partition-reader.js';
import { readPropertiesFile } from '../../config/properties.js';
import { parseMm2Properties, type Mm2Config, type Mm2Flow } from '../../connectors/mirror/mm2-properties.js';
import {
  mirrorClientConfig, offsetSyncsClientConfig, parseMirrorCheckpointConfig, parseMirrorSourceConfig,
  type MirrorCheckpointSettings, type MirrorSourceSettings,
} from '../../connectors/mirror/mirror-config.js';
import { PatternList, shouldReplicateTopic, splitList } from '../../connectors/mirror/filters.js';
import { loadOffsetMaps, offsetMapsTopicName } from '../../connectors/mirror/offset-map-store.js';
import { topicPartitionKey, type OffsetMap } from '../../connectors/mirror/offset-map.js';
import { decodeCheckpoint, type Checkpoint } from '../../connectors/mirror/checkpoint.js';
import { decodeHeartbeat } from '../../connectors/mirror/heartbeat.js';
import type { ReplicationPolicy } from '../../connectors/mirror/replication-policy.js';
import { decodeConfigRecord, decodeStatusRecord, encodeTargetState, targetStateKey } from '../../connect/storage/internal-formats.js';
import type { TargetState } from '../../connect/herder/herder.js';
import { pollUntil, retry } from '../../backoff.js';

/** Exit codes shared by the operations commands. */
export const OPS_EXIT = {
  ok: 0,
  /** verify found differences, or a step failed. */
  mismatch: 1,
  /** Bad input: unknown alias, bad regex, a selection matching nothing. Nothing was changed. */
  usage: 2,
  /** A precondition does not hold (flow paused, lag did not reach zero in time, cluster unreachable). Nothing was changed by the failing step. */
  precondition: 3,
} as const;

/** An error an operator can act on; `exitCode` is one of OPS_EXIT. */
export class OpsError extends Error {
  constructor(message: string, readonly exitCode: number = OPS_EXIT.usage, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OpsError';
  }
}

export interface ClusterSource {
  /** mm2.properties (as `ferry mirror` reads it). */
  configFile?: string;
  /** Parsed properties instead of a file (tests, scenarios). */
  properties?: Record<string, string>;
  /** bootstrap.servers of each alias, used when no config is given (and to override one). */
  bootstrap?: Record<string, string>;
  /** Extra `key=value` properties on top (e.g. replication.policy.class, offset-syncs.topic.location). */
  overrides?: Record<string, string>;
}

/** One direction of replication, as an operation sees it. */
export interface FlowContext {
  source: string;
  target: string;
  /** The mm2 properties the flow was derived from (with the flow forced enabled). */
  raw: Record<string, string>;
  mm2: Mm2Config;
  flow: Mm2Flow;
  /** True when the given config itself enables this flow (not just forced for analysis). */
  configuredEnabled: boolean;
  sourceSettings: MirrorSourceSettings;
  checkpointSettings: MirrorCheckpointSettings;
  policy: ReplicationPolicy;
  /** Admin/consumer/producer connection props for each cluster. */
  sourceProps: ClientProps;
  targetProps: ClientProps;
  /** Props of the cluster holding the offset maps / offset syncs (offset-syncs.topic.location). */
  mapsProps: ClientProps;
  mapsLocation: 'source' | 'target';
  mapsTopic: string;
  checkpointsTopic: string;
  /** The source's heartbeats topic as mirrored to the target (`A.heartbeats`): its age is the data recovery point. */
  remoteHeartbeatsTopic: string;
  /** The dedicated-mode Connect worker topics of this flow (on the target). */
  workerTopics: { config: string; status: string; offsets: string };
  connectorNames: { source: string; checkpoint: string; heartbeat: string };
  /** Source consumer isolation level of the flow (verify reads the source the same way). */
  readCommitted: boolean;
  remoteTopic(topic: string): string;
}

/** mm2.properties read as `ferry mirror` reads it; an unreadable or malformed file is a usage error. */
function parseFile(file: string): Record<string, string> {
  try {
    return readPropertiesFile(file);
  } catch (e) {
    throw new OpsError((e as Error).message, OPS_EXIT.usage, { cause: e });
  }
}

/** The raw mm2 properties for operations between `from` and `to` (validated aliases). */
export function resolveRawProperties(src: ClusterSource, from: string, to: string): Record<string, string> {
  const raw: Record<string, string> = src.properties ? { ...src.properties } : src.configFile ? parseFile(src.configFile) : {};
  const declared = splitList(raw['clusters']);
  if (declared.length === 0) {
    if (!src.bootstrap || Object.keys(src.bootstrap).length === 0) {
      throw new OpsError('no clusters given: pass --config mm2.properties, or --from-bootstrap and --to-bootstrap');
    }
    raw['clusters'] = [from, to].join(', ');
  } else {
    for (const alias of [from, to]) {
      if (!declared.includes(alias)) {
        throw new OpsError(`unknown cluster alias '${alias}': ${src.configFile ?? 'the configuration'} declares clusters ${declared.join(', ')}`);
      }
    }
  }
  for (const [alias, bs] of Object.entries(src.bootstrap ?? {})) if (bs) raw[`${alias}.bootstrap.servers`] = bs;
  Object.assign(raw, src.overrides ?? {});
  for (const alias of [from, to]) {
    if (!raw[`${alias}.bootstrap.servers`] && !raw['bootstrap.servers']) {
      throw new OpsError(`no bootstrap servers for cluster '${alias}': set ${alias}.bootstrap.servers in the config or pass --${alias === from ? 'from' : 'to'}-bootstrap`);
    }
  }
  if (from === to) throw new OpsError(`--from and --to name the same cluster '${from}'`);
  return raw;
}

/** Parses mm2 properties for an operation; a bad configuration is a usage error naming the problem. */
export function parseOpsMm2(props: Record<string, string>): Mm2Config {
  try {
    return parseMm2Properties(props);
  } catch (e) {
    throw new OpsError(`invalid mirror configuration: ${(e as Error).message}`, OPS_EXIT.usage, { cause: e });
  }
}

/** Builds the flow context for source→target from mm2 properties. */
export function flowContext(raw: Record<string, string>, source: string, target: string): FlowContext {
  const configuredEnabled = (raw[`${source}->${target}.enabled`] ?? raw['enabled'] ?? 'false').trim().toLowerCase() === 'true';
  const forced = { ...raw, [`${source}->${target}.enabled`]: 'true' };
  const mm2 = parseOpsMm2(forced);
  const flow = mm2.flows.find((f) => f.source === source && f.target === target);
  if (!flow) throw new OpsError(`no replication flow ${source}->${target} in the configuration`);
  const sp = flow.connectors.MirrorSourceConnector;
  const cp = flow.connectors.MirrorCheckpointConnector;
  const sourceSettings = parseMirrorSourceConfig(sp);
  const checkpointSettings = parseMirrorCheckpointConfig(cp);
  const policy = sourceSettings.replicationPolicy;
  const strip = (p: Record<string, string>): ClientProps => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(p)) if (k !== 'client.id') out[k] = v;
    return out;
  };
  const sourceProps = strip(mirrorClientConfig(sp, 'source', 'admin'));
  const targetProps = strip(mirrorClientConfig(sp, 'target', 'admin'));
  const consumer = mirrorClientConfig(sp, 'source', 'consumer');
  return {
    source, target, raw: forced, mm2, flow, configuredEnabled, sourceSettings, checkpointSettings, policy,
    sourceProps, targetProps,
    mapsProps: strip(offsetSyncsClientConfig(sp, 'consumer')),
    mapsLocation: sourceSettings.offsetSyncsTopicLocation,
    mapsTopic: offsetMapsTopicName(sourceSettings.offsetSyncsTopicLocation, source, target),
    checkpointsTopic: checkpointSettings.checkpointsTopic,
    remoteHeartbeatsTopic: policy.formatRemoteTopic(source, policy.heartbeatsTopic()),
    workerTopics: {
      config: flow.worker['config.storage.topic'] ?? `mm2-configs.${source}.internal`,
      status: flow.worker['status.storage.topic'] ?? `mm2-status.${source}.internal`,
      offsets: flow.worker['offset.storage.topic'] ?? `mm2-offsets.${source}.internal`,
    },
    connectorNames: {
      source: sp['name'] ?? 'MirrorSourceConnector',
      checkpoint: cp['name'] ?? 'MirrorCheckpointConnector',
      heartbeat: flow.connectors.MirrorHeartbeatConnector['name'] ?? 'MirrorHeartbeatConnector',
    },
    readCommitted: (consumer['isolation.level'] ?? '').toLowerCase() === 'read_committed',
    remoteTopic: (t) => policy.formatRemoteTopic(source, t),
  };
}

export function resolveFlow(src: ClusterSource, from: string, to: string): FlowContext {
  return flowContext(resolveRawProperties(src, from, to), from, to);
}

// ------------------------------------------------------------------------------------------------ selection

/** A `--topics`/`--groups` value: comma-separated Java regexes, each matching the whole name. */
export function selectionPattern(value: string | undefined, what: '--topics' | '--groups'): PatternList | null {
  if (value === undefined) return null;
  const list = splitList(value);
  if (list.length === 0) throw new OpsError(`${what} is empty`);
  try {
    return new PatternList(list, what);
  } catch (e) {
    throw new OpsError((e as Error).message, OPS_EXIT.usage, { cause: e });
  }
}

/** Source topics the flow replicates (its filter, internal topics, cycles) that match `--topics`; heartbeats only if asked for. */
export function selectTopics(flow: FlowContext, sourceTopics: Iterable<string>, pattern: PatternList | null): string[] {
  const out: string[] = [];
  for (const t of sourceTopics) {
    if (pattern) {
      if (!pattern.matches(t)) continue;
    } else if (flow.policy.isHeartbeatsTopic(t)) continue;
    if (!shouldReplicateTopic(t, { policy: flow.policy, filter: flow.sourceSettings.topicFilter, targetAlias: flow.target, heartbeatsReplicationEnabled: flow.sourceSettings.heartbeatsReplicationEnabled })) continue;
    out.push(t);
  }
  return out.sort();
}

export function selectGroups(flow: FlowContext, groups: Iterable<string>, pattern: PatternList | null): string[] {
  const out: string[] = [];
  for (const g of groups) {
    if (pattern && !pattern.matches(g)) continue;
    if (!flow.checkpointSettings.groupFilter.shouldReplicateGroup(g)) continue;
    out.push(g);
  }
  return out.sort();
}

// --------------------------------------------------------------------------------------------- cluster I/O

/** True when the cluster answers a metadata request within `timeoutMs`. */
export async function reachable(props: ClientProps, timeoutMs = 5000): Promise<{ ok: boolean; error?: string }> {
  const probe = { ...props, 'request.timeout.ms': String(timeoutMs), 'socket.connection.setup.timeout.ms': String(timeoutMs), 'retries.kafkajs': '0' };
  let timer: NodeJS.Timeout | undefined;
  try {
    await withClusterAdmin(probe, (admin) => Promise.race([
      admin.clusterInfo(),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); }),
    ]), 'ferry-ops-probe');
    return { ok: true };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export async function requireReachable(props: ClientProps, alias: string, timeoutMs = 10_000): Promise<void> {
  const r = await reachable(props, timeoutMs);
  if (!r.ok) throw new OpsError(`cluster '${alias}' (${props['bootstrap.servers'] ?? '?'}) is unreachable: ${r.error ?? 'no answer'}`, OPS_EXIT.precondition);
}

function isMissingTopic(e: unknown): boolean {
  const err = e as Error & { type?: string };
  return err.type === 'UNKNOWN_TOPIC_OR_PARTITION' || /does not host this topic-partition|UNKNOWN_TOPIC|not found|no partitions/i.test(err.message ?? '');
}

/**
 * Creates topics one at a time and tolerates the metadata race of a just-created topic (kafkajs's
 * waitForLeaders may see UNKNOWN_TOPIC_OR_PARTITION on a fresh KRaft broker): what counts is that the topic exists.
 */
export async function ensureTopics(admin: ClusterAdmin, topics: { topic: string; partitions: number; replicationFactor: number; replicationFactorSetting?: string; configs?: Record<string, string> }[]): Promise<string[]> {
  const created: string[] = [];
  for (const t of topics) {
    created.push(...await retry(async () => {
      try {
        return await admin.createTopics([t]);
      } catch (e) {
        if ((await admin.topics().catch(() => [] as string[])).includes(t.topic)) return [t.topic];
        throw e;
      }
    }, { attempts: 6, retriable: (e) => isMissingTopic(e) || /already exists|LEADER_NOT_AVAILABLE/i.test((e as Error).message), backoffMs: (attempt) => 300 * attempt }));
  }
  // The topics must be usable (metadata propagated) before anyone produces to them; after 15 s the producer's own
  // metadata retries take over.
  await pollUntil('the new topics in the metadata', async () => {
    const counts = await admin.partitionCounts(topics.map((t) => t.topic));
    return topics.every((t) => counts.has(t.topic));
  }, { timeoutMs: 15_000, intervalMs: 200 }).catch(() => undefined);
  return created;
}

/** Partition count of a topic, or 0 when it does not exist (without kafkajs's long retries on a missing topic). */
export async function partitionsOf(props: ClientProps, topic: string): Promise<number> {
  return withClusterAdmin(props, async (admin) => {
    return (await admin.partitionCounts([topic])).get(topic) ?? 0;
  }, 'ferry-ops-probe');
}

/**
 * Offset maps of the flow (from wherever offset-syncs.topic.location puts them), keyed by topicPartitionKey of
 * the source partition. Null when the maps topic does not exist (the flow never ran in Ferry, or not yet) or the
 * cluster holding it is unreachable.
 */
export async function loadFlowMaps(flow: FlowContext, topics?: ReadonlySet<string>): Promise<Map<string, OffsetMap> | null> {
  try {
    if ((await partitionsOf(flow.mapsProps, flow.mapsTopic)) === 0) return null;
    const raw = await loadOffsetMaps({ ...flow.mapsProps, 'request.timeout.ms': '15000' }, flow.mapsTopic, topics ? (t) => topics.has(t) : undefined, { emitSyncs: false });
    // loadOffsetMaps keys by topic\0partition; re-key with topicPartitionKey for the translators.
    const out = new Map<string, OffsetMap>();
    for (const [k, m] of raw) {
      const i = k.lastIndexOf('\u0000');
      out.set(topicPartitionKey(k.slice(0, i), Number(k.slice(i + 1))), m);
    }
    return out;
  } catch {
    return null;
  }
}

export interface StoredCheckpoint extends Checkpoint { timestamp: number }

/** Latest checkpoint per (group, downstream topic, partition), with the record timestamp (when it was emitted). */
export async function readCheckpoints(flow: FlowContext): Promise<Map<string, Map<string, StoredCheckpoint>>> {
  const byGroup = new Map<string, Map<string, StoredCheckpoint>>();
  if ((await partitionsOf(flow.targetProps, flow.checkpointsTopic)) === 0) return byGroup;
  try {
    await readToEnd(flow.targetProps, flow.checkpointsTopic, [0], (r) => {
      let c: Checkpoint;
      try { c = decodeCheckpoint(r.key, r.value); } catch { return; }
      let m = byGroup.get(c.group);
      if (!m) byGroup.set(c.group, (m = new Map()));
      m.set(topicPartitionKey(c.topic, c.partition), { ...c, timestamp: r.timestamp });
    }, { clientId: 'ferry-ops-checkpoints', timeoutMs: 60_000 });
  } catch (e) {
    if (!isMissingTopic(e)) throw e;
  }
  return byGroup;
}

export interface HeartbeatInfo {
  topic: string;
  /** Timestamp carried in the newest heartbeat (when the heartbeat was emitted), or null when none. */
  lastHeartbeat: number | null;
  ageMs: number | null;
}

/** The newest heartbeat in a heartbeats topic (reads only its tail). */
export async function lastHeartbeat(props: ClientProps, topic: string, filter?: (source: string, target: string) => boolean): Promise<HeartbeatInfo> {
  return withClusterAdmin(props, async (admin) => {
    const counts = await admin.partitionCounts([topic]);
    if (!counts.has(topic)) return { topic, lastHeartbeat: null, ageMs: null };
    const marks = await admin.watermarks(topic);
    const from = new Map<number, number>();
    for (const w of marks) from.set(w.partition, Math.max(w.low, w.high - 200));
    let newest: number | null = null;
    await readToEnd(props, topic, marks.map((w) => w.partition), (r) => {
      try {
        const h = decodeHeartbeat(r.key, r.value);
        if (filter && !filter(h.sourceClusterAlias, h.targetClusterAlias)) return;
        if (newest === null || h.timestamp > newest) newest = h.timestamp;
      } catch { /* not a heartbeat */ }
    }, { from, clientId: 'ferry-ops-heartbeats', timeoutMs: 30_000 });
    const n = newest as number | null;
    return { topic, lastHeartbeat: n, ageMs: n === null ? null : Math.max(0, Date.now() - n) };
  }, 'ferry-ops-heartbeats');
}

export interface FlowStatus {
  /** The worker topics exist on the target (the flow ran in dedicated mode at some point). */
  found: boolean;
  targetStates: Record<string, TargetState>;
  connectors: Record<string, string>;
  tasks: Record<string, string>;
  /** The source connector is PAUSED or STOPPED (by target state or reported status). */
  paused: boolean;
  failed: string[];
}

/** Reads the dedicated-mode flow's config and status topics on the target (as a Connect worker would). */
export async function readFlowStatus(flow: FlowContext): Promise<FlowStatus> {
  const status: FlowStatus = { found: false, targetStates: {}, connectors: {}, tasks: {}, paused: false, failed: [] };
  if ((await partitionsOf(flow.targetProps, flow.workerTopics.config)) === 0) return status;
  try {
    await readToEnd(flow.targetProps, flow.workerTopics.config, [0], (r) => {
      if (!r.key) return;
      try {
        const rec = decodeConfigRecord(r.key.toString('utf8'), r.value);
        if (rec.kind === 'target-state') {
          if (rec.state) status.targetStates[rec.connector] = rec.state;
          else delete status.targetStates[rec.connector];
        }
      } catch { /* malformed: Connect skips it too */ }
    }, { clientId: 'ferry-ops-flow-config', timeoutMs: 30_000 });
    status.found = true;
  } catch (e) {
    if (!isMissingTopic(e)) throw e;
    return status;
  }
  try {
    const n = await withClusterAdmin(flow.targetProps, async (admin) => (await admin.partitionCounts([flow.workerTopics.status])).get(flow.workerTopics.status) ?? 0, 'ferry-ops-flow-status');
    const parts = Array.from({ length: n }, (_, i) => i);
    if (parts.length > 0) {
      await readToEnd(flow.targetProps, flow.workerTopics.status, parts, (r) => {
        if (!r.key) return;
        try {
          const rec = decodeStatusRecord(r.key.toString('utf8'), r.value);
          if (rec.kind === 'connector') {
            if (rec.status) status.connectors[rec.connector] = rec.status.state;
            else delete status.connectors[rec.connector];
          } else if (rec.kind === 'task') {
            const k = `${rec.connector}-${rec.task}`;
            if (rec.status) status.tasks[k] = rec.status.state;
            else delete status.tasks[k];
          }
        } catch { /* skip */ }
      }, { clientId: 'ferry-ops-flow-status', timeoutMs: 30_000 });
    }
  } catch (e) {
    if (!isMissingTopic(e)) throw e;
  }
  const src = flow.connectorNames.source;
  const ts = status.targetStates[src];
  status.paused = ts === 'PAUSED' || ts === 'STOPPED' || status.connectors[src] === 'PAUSED' || status.connectors[src] === 'STOPPED';
  for (const [k, s] of [...Object.entries(status.connectors), ...Object.entries(status.tasks)]) if (s === 'FAILED') status.failed.push(k);
  return status;
}

/**
 * Sets the target state of the flow's replicating connectors (source and checkpoint) by writing Connect's
 * `target-state-<connector>` records to the flow's config topic on the target — what `PUT /connectors/…/pause`
 * does. Every worker of the flow (Ferry or Apache MM2 in dedicated mode) applies it. Returns the previous states.
 */
export async function setFlowTargetState(flow: FlowContext, state: TargetState): Promise<Record<string, TargetState | 'STARTED'>> {
  const before = await readFlowStatus(flow);
  if (!before.found) throw new OpsError(`flow ${flow.source}->${flow.target} has no worker config topic ${flow.workerTopics.config} on ${flow.target}; pause the mirror where it runs`, OPS_EXIT.precondition);
  const producer = new RecordProducer({ ...flow.targetProps, acks: 'all' }, 'ferry-ops-flow-control');
  const previous: Record<string, TargetState | 'STARTED'> = {};
  try {
    await producer.connect();
    const names = [flow.connectorNames.source, flow.connectorNames.checkpoint];
    for (const n of names) previous[n] = before.targetStates[n] ?? 'STARTED';
    await producer.send(names.map((n) => ({
      topic: flow.workerTopics.config, partition: 0, key: Buffer.from(targetStateKey(n), 'utf8'),
      value: Buffer.from(encodeTargetState(state), 'utf8'), headers: [], timestamp: null,
    })));
  } finally {
    await producer.disconnect();
  }
  return previous;
}

// ------------------------------------------------------------------------------------------------- offsets

export interface PartitionEnds { low: number; high: number }

/** Low/high watermarks for every partition of the given topics (missing topics are absent). */
export async function topicWatermarks(admin: ClusterAdmin, topics: string[]): Promise<Map<string, PartitionEnds[]>> {
  const out = new Map<string, PartitionEnds[]>();
  const existing = await admin.partitionCounts(topics);
  for (const t of topics) {
    if (!existing.has(t)) continue;
    const w = await admin.watermarks(t);
    const arr: PartitionEnds[] = [];
    for (const p of w) arr[p.partition] = { low: p.low, high: p.high };
    out.set(t, arr);
  }
  return out;
}

/** The newest record of a partition (its timestamp), reading only the last batch. */
export async function lastRecordTimestamp(props: ClientProps, topic: string, partition: number, high: number, low: number): Promise<number | null> {
  if (high <= low) return null;
  const reader = new PartitionReader(props, 'ferry-ops-tail', { maxWaitMs: 100, maxBytesPerPartition: 256 * 1024 });
  try {
    await reader.connect();
    reader.seek({ topic, partition }, Math.max(low, high - 1));
    for (let i = 0; i < 5; i++) {
      const res = await reader.poll();
      for (const f of res) if (f.records.length > 0) return f.records[f.records.length - 1]!.timestamp;
      if ((reader.position({ topic, partition }) ?? 0) >= high) break;
    }
    return null;
  } finally {
    await reader.disconnect();
  }
}
