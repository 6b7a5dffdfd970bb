// PartitionReader: reads assigned topic-partitions from given offsets WITHOUT joining a consumer group —
// the equivalent of Java's consumer.assign() + seek(), which kafkajs's public API lacks. MirrorSource
// (no group on the source cluster, like MM2) and the Kafka-backed stores (read a compacted topic to the
// end) use it. It drives kafkajs's lower-level Cluster/Broker protocol layer, and is the only module that
// depends on those internals; if kafkajs changes, this file is what to replace.
import type { IHeaders } from 'kafkajs';
import { createLowLevelCluster, type ClientProps } from './client.js';
export { createLowLevelCluster };
import { headersOf, type InRecord } from './consumer.js';
import { logger } from '../observability/logger.js';


/* eslint-disable @typescript-eslint/no-explicit-any -- kafkajs internals are untyped; they stay inside this file */

const log = logger('kafka.reader');

export interface TopicPartition { topic: string; partition: number }
export interface FetchResult {
  topic: string;
  partition: number;
  records: InRecord[];
  /** Offset to fetch next (past control records and compacted gaps). */
  nextOffset: number;
  highWatermark: number;
}

export type OffsetSpec = number | 'earliest' | 'latest';

const key = (t: string, p: number) => `${t}\u0000${p}`;

export class PartitionReader {
  private readonly cluster: any;
  private readonly positions = new Map<string, { topic: string; partition: number; offset: number }>();
  private readonly pending = new Map<string, { topic: string; partition: number; spec: 'earliest' | 'latest' }>();
  private readonly isolationLevel: 0 | 1;
  private connected = false;

  constructor(
    props: ClientProps,
    clientId: string,
    private readonly opts: { maxWaitMs?: number; minBytes?: number; maxBytes?: number; maxBytesPerPartition?: number; readCommitted?: boolean } = {},
  ) {
    this.isolationLevel = opts.readCommitted ? 1 : 0;
    this.cluster = createLowLevelCluster(props, clientId, { isolationLevel: this.isolationLevel });
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.cluster.connect();
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.cluster.disconnect().catch(() => undefined);
  }

  /** Sets the position of partitions (adds them to the assignment). */
  seek(tp: TopicPartition, offset: OffsetSpec): void {
    const k = key(tp.topic, tp.partition);
    if (typeof offset === 'number' && offset >= 0) {
      this.pending.delete(k);
      this.positions.set(k, { topic: tp.topic, partition: tp.partition, offset });
    } else {
      this.positions.delete(k);
      this.pending.set(k, { topic: tp.topic, partition: tp.partition, spec: offset === 'latest' ? 'latest' : 'earliest' });
    }
  }

  unassign(tp: TopicPartition): void {
    this.positions.delete(key(tp.topic, tp.partition));
    this.pending.delete(key(tp.topic, tp.partition));
  }

  assignment(): TopicPartition[] {
    return [...this.positions.values(), ...this.pending.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  position(tp: TopicPartition): number | undefined {
    return this.positions.get(key(tp.topic, tp.partition))?.offset;
  }

  private async refresh(topics: string[]): Promise<void> {
    await this.cluster.addMultipleTargetTopics(topics);
    await this.cluster.refreshMetadataIfNecessary();
  }

  /** Earliest or latest offsets of partitions. Retries the transient errors of leadership changes and new topics. */
  async listOffsets(tps: TopicPartition[], spec: 'earliest' | 'latest'): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (tps.length === 0) return out;
    const byTopic = new Map<string, number[]>();
    for (const tp of tps) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.refresh([...byTopic.keys()]);
        const res = await this.cluster.fetchTopicsOffset([...byTopic].map(([topic, partitions]) => ({
          topic, partitions: partitions.map((partition) => ({ partition })), fromBeginning: spec === 'earliest',
        }))) as Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
        for (const t of res) for (const p of t.partitions) out.set(key(t.topic, p.partition), Number(p.offset));
        return out;
      } catch (e) {
        const err = e as Error & { retriable?: boolean; type?: string };
        const transient = err.retriable === true || /NOT_LEADER|LEADER_NOT_AVAILABLE|UNKNOWN_TOPIC_OR_PARTITION|does not host/i.test(`${err.type ?? ''} ${err.message}`);
        if (!transient || attempt >= 20) throw e;
        await this.cluster.refreshMetadata().catch(() => undefined);
        await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 1000)));
      }
    }
  }

  private async resolvePending(): Promise<void> {
    if (this.pending.size === 0) return;
    for (const spec of ['earliest', 'latest'] as const) {
      const tps = [...this.pending.values()].filter((p) => p.spec === spec);
      if (tps.length === 0) continue;
      const offs = await this.listOffsets(tps, spec);
      for (const tp of tps) {
        const k = key(tp.topic, tp.partition);
        const o = offs.get(k);
        if (o === undefined) continue;
        this.pending.delete(k);
        this.positions.set(k, { topic: tp.topic, partition: tp.partition, offset: o });
      }
    }
  }

  /**
   * One fetch round over every assigned partition (one request per leader). Returns records in offset
   * order per partition and advances positions. Control records (transaction markers) are skipped but
   * still advance the position; with readCommitted, aborted transactional records are dropped.
   */
  async poll(): Promise<FetchResult[]> {
    await this.connect();
    await this.resolvePending();
    if (this.positions.size === 0) return [];
    const topics = [...new Set([...this.positions.values()].map((p) => p.topic))];
    await this.refresh(topics);
    const perLeader = new Map<number, Map<string, Array<{ partition: number; fetchOffset: string; maxBytes: number }>>>();
    const maxPerPartition = this.opts.maxBytesPerPartition ?? 1_048_576;
    for (const pos of this.positions.values()) {
      let leaders: Record<string, number[]>;
      try {
        leaders = this.cluster.findLeaderForPartitions(pos.topic, [pos.partition]);
      } catch {
        continue;
      }
      for (const [nodeId, parts] of Object.entries(leaders)) {
        if (!parts.includes(pos.partition)) continue;
        const m = perLeader.get(Number(nodeId)) ?? new Map();
        const list = m.get(pos.topic) ?? [];
        list.push({ partition: pos.partition, fetchOffset: String(pos.offset), maxBytes: maxPerPartition });
        m.set(pos.topic, list);
        perLeader.set(Number(nodeId), m);
      }
    }
    const results: FetchResult[] = [];
    await Promise.all([...perLeader].map(async ([nodeId, topicsMap]) => {
      const broker = await this.cluster.findBroker({ nodeId });
      let response: any;
      try {
        response = await broker.fetch({
          replicaId: -1,
          isolationLevel: this.isolationLevel,
          maxWaitTime: this.opts.maxWaitMs ?? 500,
          minBytes: this.opts.minBytes ?? 1,
          maxBytes: this.opts.maxBytes ?? 52_428_800,
          topics: [...topicsMap].map(([topic, partitions]) => ({ topic, partitions })),
        });
      } catch (e) {
        await this.handleFetchError(e as Error & { type?: string }, topicsMap);
        return;
      }
      for (const t of response.responses as any[]) {
        for (const p of t.partitions as any[]) results.push(this.decodePartition(t.topicName as string, p));
      }
    }));
    return results;
  }

  private decodePartition(topic: string, p: any): FetchResult {
    const partition = Number(p.partition);
    const k = key(topic, partition);
    const pos = this.positions.get(k);
    const start = pos?.offset ?? 0;
    // read_committed, as Java's consumer: the aborted transactions in firstOffset order; a producer's batches are
    // aborted from the first batch reaching one of its aborted transactions' firstOffset up to its next control
    // batch (the abort marker). A producer can have several aborted transactions in one fetch.
    const rc = this.isolationLevel === 1;
    const pendingAborts = rc ? ((p.abortedTransactions ?? []) as any[]).map((a) => ({ pid: String(a.producerId), first: Number(a.firstOffset) })).sort((x, y) => x.first - y.first) : [];
    let nextAbort = 0;
    const aborting = new Set<string>();
    const records: InRecord[] = [];
    let next = start;
    for (const m of (p.messages ?? []) as any[]) {
      const offset = Number(m.offset);
      const ctx = m.batchContext ?? {};
      const batchEnd = ctx.firstOffset !== undefined ? Number(ctx.firstOffset) + Number(ctx.lastOffsetDelta ?? 0) + 1 : offset + 1;
      if (batchEnd > next) next = batchEnd;
      while (nextAbort < pendingAborts.length && pendingAborts[nextAbort]!.first < batchEnd) aborting.add(pendingAborts[nextAbort++]!.pid);
      if (m.isControlRecord || ctx.isControlBatch) {
        if (rc && ctx.producerId !== undefined) aborting.delete(String(ctx.producerId));
        continue;
      }
      if (offset < start) continue; // a batch may start before the fetch offset
      if (rc && ctx.inTransaction && aborting.has(String(ctx.producerId))) continue;
      records.push({
        topic, partition, offset,
        key: m.key ?? null,
        value: m.value ?? null,
        headers: headersOf(m.headers as IHeaders | undefined),
        timestamp: Number(m.timestamp),
      });
    }
    const highWatermark = Number(p.highWatermark ?? -1);
    // Batch boundaries (not record offsets) decide the next position: compaction and control batches leave gaps.
    if (pos) pos.offset = Math.max(pos.offset, next);
    return { topic, partition, records, nextOffset: pos?.offset ?? next, highWatermark };
  }

  private async handleFetchError(e: Error & { type?: string }, topicsMap: Map<string, Array<{ partition: number }>>): Promise<void> {
    if (e.type === 'OFFSET_OUT_OF_RANGE') {
      // Out of range means retention removed data (reset to earliest, as MM2's auto.offset.reset=earliest)
      // or the position is past the end (reset to latest). Check each partition of the request.
      const tps = [...topicsMap].flatMap(([topic, parts]) => parts.map((p) => ({ topic, partition: p.partition })));
      const earliest = await this.listOffsets(tps, 'earliest');
      const latest = await this.listOffsets(tps, 'latest');
      for (const tp of tps) {
        const k = key(tp.topic, tp.partition);
        const pos = this.positions.get(k);
        if (!pos) continue;
        const lo = earliest.get(k) ?? 0, hi = latest.get(k) ?? 0;
        if (pos.offset < lo) { log.warn({ ...tp, from: pos.offset, to: lo }, 'fetch offset below log start (retention); resetting to earliest'); pos.offset = lo; }
        else if (pos.offset > hi) { log.warn({ ...tp, from: pos.offset, to: hi }, 'fetch offset past log end; resetting to latest'); pos.offset = hi; }
      }
      return;
    }
    log.warn({ err: e.message, type: e.type }, 'fetch failed; refreshing metadata');
    await this.cluster.refreshMetadata().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
  }
}
