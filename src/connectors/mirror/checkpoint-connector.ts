// MirrorCheckpointConnector / MirrorCheckpointTask: translates source consumer-group offsets through the
// exact offset maps and writes MM2-format checkpoints to `<source>.checkpoints.internal` on the target;
// with sync.group.offsets.enabled it also commits the translated offsets to idle target groups, only ever
// moving them forward. Partitions without a Ferry map (e.g. taking over from Apache MM2) are translated
// from MM2's offset syncs the way MM2 does.
import { ConfigDef, Schemas, SourceConnector, SourceTask, javaHashMapKeyOrder, sourceRecord, type Props, type SourceRecord, type TaskFactory } from '../../connect/api/index.js';
import { ClusterAdmin, withClusterAdmin } from '../../kafka/cluster-admin.js';
import { PartitionReader } from '../../kafka/partition-reader.js';
import { readToEnd } from '../../kafka/read-to-end.js';
import type { InRecord } from '../../kafka/consumer.js';
import { mirrorMetrics, strimziMirror } from '../../observability/mirror-metrics.js';
import {
  mirrorCheckpointConfigDef, offsetSyncsClientConfig, parseMirrorCheckpointConfig, sourceAdminConfig, sourceConsumerConfig, targetAdminConfig, targetConsumerConfig,
  validateMirrorCheckpointProps, CHECKPOINTS_TOPIC_REPLICATION_FACTOR, TASK_CONSUMER_GROUPS, type MirrorCheckpointSettings,
} from './mirror-config.js';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint.js';
import { CheckpointTracker, checkpointTopic, computeCheckpoints, planGroupOffsetSync, type GroupOffset, type OffsetTranslator } from './checkpoints.js';
import { Mm2OffsetSyncStore } from './mm2-translation.js';
import { OffsetMap, topicPartitionKey } from './offset-map.js';
import { decodeOffsetSync, decodeOffsetSyncKey } from './offset-sync.js';
import { offsetMapsTopicName } from './offset-map-store.js';
import { pause } from './heartbeat-connector.js';
import { PROVENANCE_HEADER } from './provenance.js';
import { verifyTranslation, type RecordWindowReader } from './verified-translation.js';

/** Verified MM2-era translations kept per task (each costs two small fetches; the answer never changes). */
const MAX_VERIFIED = 50_000;

export class MirrorCheckpointTask extends SourceTask {
  /** Checkpoint-latency series this task reports, removed when it stops. */
  private readonly latencySeries = new Map<string, { source: string; target: string; group: string; topic: string; partition: string }>();
  private settings!: MirrorCheckpointSettings;
  private groups: string[] = [];
  private source!: ClusterAdmin;
  private target!: ClusterAdmin;
  private readonly maps = new Map<string, OffsetMap>();
  private readonly mm2 = new Mm2OffsetSyncStore({ keepHistoryDuringLoad: true });
  private mapsReader!: PartitionReader;
  private syncsReader: PartitionReader | null = null;
  private mapsTopic = '';
  private readonly tracker = new CheckpointTracker();
  private nextCheckpoint = 0;
  private nextGroupSync = 0;
  private translate!: OffsetTranslator;
  /** MM2-era offsets confirmed against the records (or null: not confirmable), by partition, offset and anchor. */
  private readonly verified = new Map<string, number | null>();
  private sourceRecords: PartitionReader | null = null;
  private targetRecords: PartitionReader | null = null;
  private props: Props = {};

  override async start(props: Props): Promise<void> {
    this.settings = parseMirrorCheckpointConfig(props);
    this.props = props;
    this.groups = (props[TASK_CONSUMER_GROUPS] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    this.source = new ClusterAdmin(sourceAdminConfig(props, 'checkpoint-source-admin'), 'ferry-checkpoint-source-admin');
    this.target = new ClusterAdmin(targetAdminConfig(props, 'checkpoint-target-admin'), 'ferry-checkpoint-target-admin');
    const syncSideConsumer = offsetSyncsClientConfig(props, 'consumer');
    this.mapsTopic = offsetMapsTopicName(this.settings.offsetSyncsTopicLocation, this.settings.sourceClusterAlias, this.settings.targetClusterAlias);
    this.mapsReader = new PartitionReader(syncSideConsumer, 'ferry-checkpoint-maps', { maxWaitMs: 50, readCommitted: true });
    this.mapsReader.seek({ topic: this.mapsTopic, partition: 0 }, 'earliest');
    if (this.settings.emitOffsetSyncsEnabled) {
      this.syncsReader = new PartitionReader(syncSideConsumer, 'ferry-checkpoint-syncs', { maxWaitMs: 50, readCommitted: true });
      this.syncsReader.seek({ topic: this.settings.offsetSyncsTopic, partition: 0 }, 'earliest');
    }
    // Previous checkpoints keep emitted checkpoints monotonic across restarts (MM2's KAFKA-15905 fix).
    await readToEnd(targetConsumerConfig(props, 'checkpoint-reader'), this.settings.checkpointsTopic, [0], (r) => {
      try { this.tracker.record(decodeCheckpoint(r.key, r.value)); } catch { /* not a checkpoint: skip, as MM2 does */ }
    }).catch(() => undefined);
    const ferry = (t: string, p: number, o: number) => {
      const m = this.maps.get(topicPartitionKey(t, p));
      if (!m) return undefined;
      const tr = m.translateDetailed(o);
      if (!tr) return undefined;
      // A group ahead of the mirror gets "last mirrored + 1": re-delivers what the mirror has not copied yet, never skips.
      return tr.exact || tr.kind === 'ahead' ? tr.downstreamOffset : undefined;
    };
    // Offsets Ferry's map cannot answer — before it starts (mirrored by Apache MM2 before Ferry took over) or no
    // map at all — are translated from MM2's offset syncs: exactly where the records confirm the position
    // (verifyMm2Era), else as MM2 would.
    this.translate = (t, p, o) => ferry(t, p, o) ?? this.verifiedTranslation(t, p, o) ?? this.mm2.translateDownstream(t, p, o);
    this.nextCheckpoint = Date.now();
    this.nextGroupSync = Date.now();
  }

  /** Reads new offset-map snapshots (and MM2 syncs) up to the current end of their topics. */
  private async catchUp(): Promise<void> {
    // The syncs' end is taken before the maps are read: a sync Ferry wrote comes with its map snapshot (same
    // send), so every sync applied below is recognised as Ferry's when its map says so.
    const syncsEnd = this.syncsReader ? await endOffset(this.syncsReader, this.settings.offsetSyncsTopic) : undefined;
    await catchUpReader(this.mapsReader, this.mapsTopic, (key, value) => {
      if (!key || !value) return;
      const k = decodeOffsetSyncKey(key);
      this.maps.set(topicPartitionKey(k.topic, k.partition), OffsetMap.fromBuffer(value, false));
    });
    if (this.syncsReader) {
      await catchUpReader(this.syncsReader, this.settings.offsetSyncsTopic, (key, value) => {
        if (!key || !value) return;
        let sync;
        try { sync = decodeOffsetSync(key, value); } catch { return; /* skip undecodable */ }
        // Ferry's own syncs add nothing to its exact map; kept out of the MM2 store they do not push out of its
        // 64 thinned slots the history that only MM2's syncs hold (offsets mirrored before Ferry took over).
        const start = this.maps.get(topicPartitionKey(sync.topic, sync.partition))?.startOffset;
        if (start !== undefined && sync.upstreamOffset >= start) return;
        this.mm2.handleSync(sync);
      }, syncsEnd);
      this.mm2.markReadToEnd();
    }
  }

  override async poll(signal: AbortSignal): Promise<SourceRecord[] | null> {
    const interval = this.settings.emitCheckpointsIntervalMs;
    if (interval === null || this.groups.length === 0) { await pause(1000, signal); return null; }
    await pause(Math.min(this.nextCheckpoint, this.settings.syncGroupOffsetsIntervalMs === null ? Infinity : this.nextGroupSync) - Date.now(), signal);
    if (signal.aborted) return null;
    await this.catchUp();
    const out: SourceRecord[] = [];
    const now = Date.now();
    if (now >= this.nextCheckpoint) {
      this.nextCheckpoint = now + interval;
      for (const group of this.groups) {
        const started = Date.now();
        let offsets: GroupOffset[];
        try {
          offsets = await this.source.groupOffsets(group);
        } catch (e) {
          this.context.logger.warn({ group, err: (e as Error).message }, 'could not read source group offsets');
          continue;
        }
        await this.verifyMm2Era(offsets);
        const computed = computeCheckpoints(group, offsets, {
          sourceAlias: this.settings.sourceClusterAlias, targetAlias: this.settings.targetClusterAlias,
          policy: this.settings.replicationPolicy, translate: this.translate, topicFilter: this.settings.topicFilter,
        });
        this.reportPrecision(group, offsets);
        for (const c of this.tracker.select(computed)) out.push(this.toRecord(c));
        mirrorMetrics.checkpointLatencyMs.set({ source: this.settings.sourceClusterAlias, target: this.settings.targetClusterAlias, group }, Date.now() - started);
      }
      if (out.length > 0) mirrorMetrics.checkpointCount.inc({ source: this.settings.sourceClusterAlias, target: this.settings.targetClusterAlias }, out.length);
    }
    if (this.settings.syncGroupOffsetsIntervalMs !== null && now >= this.nextGroupSync) {
      this.nextGroupSync = now + this.settings.syncGroupOffsetsIntervalMs;
      await this.syncGroupOffsets().catch((e: Error) => this.context.logger.warn({ err: e.message }, 'group offset sync failed'));
    }
    return out;
  }

  /** Cache key of a verified translation: the offset and the MM2 anchor it was checked against. */
  private static verifiedKey(topic: string, partition: number, offset: number, anchorUpstream: number): string {
    return `${topicPartitionKey(topic, partition)}\u0000${offset}\u0000${anchorUpstream}`;
  }

  private verifiedTranslation(topic: string, partition: number, offset: number): number | undefined {
    const a = this.mm2.anchor(topic, partition, offset);
    return a ? this.verified.get(MirrorCheckpointTask.verifiedKey(topic, partition, offset, a.upstreamOffset)) ?? undefined : undefined;
  }

  /**
   * For offsets only MM2's syncs can translate, confirms the exact position against the records (a few per
   * partition, once per offset); failures are remembered and leave MM2's answer in place.
   */
  private async verifyMm2Era(offsets: readonly GroupOffset[]): Promise<void> {
    for (const o of offsets) {
      if (o.offset < 0 || !this.settings.topicFilter.shouldReplicateTopic(o.topic)) continue;
      const m = this.maps.get(topicPartitionKey(o.topic, o.partition));
      const tr = m?.translateDetailed(o.offset);
      if (tr && (tr.exact || tr.kind === 'ahead')) continue;
      const anchor = this.mm2.anchor(o.topic, o.partition, o.offset);
      if (!anchor) continue;
      const k = MirrorCheckpointTask.verifiedKey(o.topic, o.partition, o.offset, anchor.upstreamOffset);
      if (this.verified.has(k)) continue;
      const targetTopic = checkpointTopic(this.settings.replicationPolicy, this.settings.sourceClusterAlias, this.settings.targetClusterAlias, o.topic);
      try {
        const r = await verifyTranslation({
          sourceTopic: o.topic, targetTopic, partition: o.partition, groupOffset: o.offset, anchor,
          readSource: this.windowReader('source'), readTarget: this.windowReader('target'), ignoreHeaders: [PROVENANCE_HEADER],
        });
        if (this.verified.size >= MAX_VERIFIED) this.verified.delete(this.verified.keys().next().value!);
        this.verified.set(k, r.exact ? r.downstreamOffset : null);
        if (!r.exact) this.context.logger.debug({ topic: o.topic, partition: o.partition, offset: o.offset, reason: r.reason }, 'MM2-era offset kept at MM2\'s translation');
      } catch (e) {
        // Not cached: a transient read failure is retried at the next checkpoint interval.
        this.context.logger.warn({ topic: o.topic, partition: o.partition, offset: o.offset, err: (e as Error).message }, 'could not verify an MM2-era offset');
      }
    }
  }

  private windowReader(side: 'source' | 'target'): RecordWindowReader {
    return async (topic, partition, from, max) => {
      let reader = side === 'source' ? this.sourceRecords : this.targetRecords;
      if (!reader) {
        const props = side === 'source' ? sourceConsumerConfig(this.props, 'checkpoint-verify') : targetConsumerConfig(this.props, 'checkpoint-verify');
        // The source is read as the mirror read it (read_committed when configured), so records compare alike.
        reader = new PartitionReader(props, props['client.id'] ?? `ferry-checkpoint-verify-${side}`, {
          maxWaitMs: 50, maxBytesPerPartition: 262_144, readCommitted: side === 'source' && (props['isolation.level'] ?? '').toLowerCase() === 'read_committed',
        });
        if (side === 'source') this.sourceRecords = reader; else this.targetRecords = reader;
      }
      return readWindow(reader, topic, partition, from, max);
    };
  }

  /** Records a group would re-read on the target if it failed over now (0 when every partition translates exactly). */
  private reportPrecision(group: string, offsets: GroupOffset[]): void {
    let redelivered = 0;
    for (const o of offsets) {
      const m = this.maps.get(topicPartitionKey(o.topic, o.partition));
      const t = m?.translateDetailed(o.offset);
      if (t && t.kind === 'ahead' && m?.processedUpTo !== undefined) redelivered += Math.max(0, o.offset - m.processedUpTo);
    }
    mirrorMetrics.translationRedelivery.set({ source: this.settings.sourceClusterAlias, target: this.settings.targetClusterAlias, group }, redelivered);
  }

  private toRecord(c: Checkpoint): SourceRecord {
    this.tracker.record(c);
    const { key, value } = encodeCheckpoint(c);
    return sourceRecord({
      topic: this.settings.checkpointsTopic, kafkaPartition: 0,
      keySchema: Schemas.BYTES, key, valueSchema: Schemas.BYTES, value, timestamp: Date.now(),
      sourcePartition: { group: c.group, partition: c.partition, topic: c.topic },
      sourceOffset: { offset: 0 },
    });
  }

  /** Commits translated offsets to target groups without active members, never moving them backwards. */
  private async syncGroupOffsets(): Promise<void> {
    const groups = this.tracker.groups().filter((g) => this.groups.includes(g));
    if (groups.length === 0) return;
    const states = await this.target.groupStates(groups);
    for (const group of groups) {
      const st = states.get(group);
      const active = !!st && st.members > 0;
      const targetCommitted = active ? [] : await this.target.groupOffsets(group);
      const translated = this.tracker.forGroup(group).map((c) => ({ topic: c.topic, partition: c.partition, offset: c.downstreamOffset }));
      const plan = planGroupOffsetSync({ group, translated, targetCommitted, hasActiveMembers: active });
      if (plan.commit.length === 0) continue;
      try {
        await this.target.setGroupOffsets(group, plan.commit);
      } catch (e) {
        // Consumers joined between the check and the commit: the broker refuses, which is what we want.
        this.context.logger.info({ group, err: (e as Error).message }, 'target group became active; offsets left alone');
      }
    }
  }

  /**
   * MM2's checkpoint-latency-ms: from the checkpoint record's creation (its timestamp) to the target's
   * acknowledgement, per group and checkpointed (remote) topic partition, as MM2 tags it.
   */
  override commitRecord(record: SourceRecord, metadata: { topic: string; partition: number; offset: number } | null): void {
    const sp = record.sourcePartition as { group?: unknown; topic?: unknown; partition?: unknown } | null;
    if (!metadata || !sp || record.timestamp === null || typeof sp.group !== 'string') return;
    const labels = { source: this.settings.sourceClusterAlias, target: this.settings.targetClusterAlias, group: sp.group, topic: String(sp.topic), partition: String(sp.partition) };
    const k = `${labels.group}\u0000${labels.topic}\u0000${labels.partition}`;
    if (!this.latencySeries.has(k)) this.latencySeries.set(k, labels);
    strimziMirror.checkpointLatency.series(labels).record(Math.max(0, Date.now() - record.timestamp));
  }

  override async stop(): Promise<void> {
    for (const labels of this.latencySeries.values()) strimziMirror.checkpointLatency.remove(labels);
    this.latencySeries.clear();
    if (this.settings) {
      for (const group of this.groups) {
        const l = { source: this.settings.sourceClusterAlias, target: this.settings.targetClusterAlias, group };
        mirrorMetrics.checkpointLatencyMs.remove(l);
        mirrorMetrics.translationRedelivery.remove(l);
      }
    }
    await Promise.all([this.source?.close(), this.target?.close(), this.mapsReader?.disconnect(), this.syncsReader?.disconnect(), this.sourceRecords?.disconnect(), this.targetRecords?.disconnect()]);
  }
}

async function endOffset(reader: PartitionReader, topic: string): Promise<number | undefined> {
  try {
    return (await reader.listOffsets([{ topic, partition: 0 }], 'latest')).get(`${topic}\u0000${0}`) ?? 0;
  } catch {
    return undefined; // topic not there yet
  }
}

/** Up to `max` records of one partition from `from` (fewer at the end of the log); leaves the partition unassigned. */
async function readWindow(reader: PartitionReader, topic: string, partition: number, from: number, max: number): Promise<InRecord[]> {
  const tp = { topic, partition };
  const out: InRecord[] = [];
  reader.seek(tp, from);
  try {
    for (let polls = 0; polls < 20 && out.length < max; polls++) {
      const fetched = (await reader.poll()).filter((f) => f.topic === topic && f.partition === partition);
      for (const f of fetched) for (const r of f.records) if (r.offset >= from && out.length < max) out.push(r);
      if (fetched.some((f) => f.nextOffset >= f.highWatermark)) break;
    }
  } finally {
    reader.unassign(tp);
  }
  return out;
}

/** Applies the records of partition 0 up to `end` (default: the current end); later ones are read next time. */
async function catchUpReader(reader: PartitionReader, topic: string, apply: (key: Buffer | null, value: Buffer | null) => void, end?: number): Promise<void> {
  const stop = end ?? await endOffset(reader, topic);
  if (stop === undefined) return;
  const tp = { topic, partition: 0 };
  const deadline = Date.now() + 30_000;
  while ((reader.position(tp) ?? 0) < stop && Date.now() < deadline) {
    for (const f of await reader.poll()) for (const r of f.records) if (r.offset < stop) apply(r.key, r.value);
  }
  if ((reader.position(tp) ?? 0) > stop) reader.seek(tp, stop);
}

export class MirrorCheckpointConnector extends SourceConnector {
  private props: Props = {};
  private settings!: MirrorCheckpointSettings;
  private source!: ClusterAdmin;
  private groups: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private job: Promise<void> = Promise.resolve();

  override config(): ConfigDef { return mirrorCheckpointConfigDef(); }
  override validate(props: Props): Record<string, string[]> { return validateMirrorCheckpointProps(props); }
  override taskClass(): TaskFactory { return MirrorCheckpointTask; }
  /** What a Java worker writes as task.class for this connector. */
  override taskClassName(): string { return 'org.apache.kafka.connect.mirror.MirrorCheckpointTask'; }

  override async start(props: Props): Promise<void> {
    this.props = props;
    this.settings = parseMirrorCheckpointConfig(props);
    if (!this.settings.enabled || this.settings.emitCheckpointsIntervalMs === null) return;
    this.source = new ClusterAdmin(sourceAdminConfig(props, 'checkpoint-connector-admin'), 'ferry-checkpoint-connector-admin');
    await withClusterAdmin(targetAdminConfig(props, 'checkpoint-connector-target'), (target) => target.createTopics([{
      topic: this.settings.checkpointsTopic, partitions: 1, replicationFactor: this.settings.checkpointsTopicReplicationFactor, replicationFactorSetting: CHECKPOINTS_TOPIC_REPLICATION_FACTOR, configs: { 'cleanup.policy': 'compact' },
    }]), 'ferry-checkpoint-connector-target');
    this.groups = await this.findGroups();
    if (this.settings.refreshGroupsIntervalMs !== null) {
      this.timer = setInterval(() => {
        this.job = this.job.then(async () => {
          const next = await this.findGroups();
          if (next.join(',') !== this.groups.join(',')) {
            this.groups = next;
            this.context.requestTaskReconfiguration();
          }
        }).catch((e: Error) => this.context.logger.warn({ err: e.message }, 'group refresh failed'));
      }, this.settings.refreshGroupsIntervalMs);
      this.timer.unref();
    }
  }

  /** Groups passing groups/groups.exclude that committed offsets for at least one replicated topic. */
  private async findGroups(): Promise<string[]> {
    const all = (await this.source.consumerGroups()).filter((g) => this.settings.groupFilter.shouldReplicateGroup(g)).sort();
    const out: string[] = [];
    for (const g of all) {
      const offsets = await this.source.groupOffsets(g).catch(() => []);
      if (offsets.some((o) => this.settings.topicFilter.shouldReplicateTopic(o.topic))) out.push(g);
    }
    return out;
  }

  override taskConfigs(maxTasks: number): Props[] {
    if (!this.settings.enabled || this.settings.emitCheckpointsIntervalMs === null || this.groups.length === 0) return [];
    // As MM2: its groups in a HashSet's iteration order, split by ConnectorUtils.groupPartitions into n contiguous
    // chunks, the first (groups % n) one longer. A Java MM2 taking over then computes the same task configs and
    // keeps the tasks running (replacing checkpoint tasks while their stores load makes MM2 log errors).
    const groups = javaHashMapKeyOrder(this.groups);
    const n = Math.min(maxTasks, groups.length);
    const base = Math.floor(groups.length / n);
    const longer = groups.length % n;
    const out: Props[] = [];
    for (let i = 0, at = 0; i < n; i++) {
      const size = base + (i < longer ? 1 : 0);
      out.push({ ...this.props, [TASK_CONSUMER_GROUPS]: groups.slice(at, at + size).join(','), 'task.index': String(i) });
      at += size;
    }
    return out;
  }

  override async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.job.catch(() => undefined);
    await this.source?.close();
  }
}
