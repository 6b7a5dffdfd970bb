// RecordProducer: sends batches of already-serialized records and reports each record's partition and
// offset. Connect's source tasks need per-record metadata (commitRecord, MirrorSource offset syncs); the
// broker reports a base offset per partition batch, and records of one batch get consecutive offsets.
//
// The data path talks to brokers through kafkajs's protocol layer (Cluster/Broker.produce + its idempotence
// manager) rather than kafkajs's Producer: the latter groups messages per partition with a quadratic
// array copy and re-partitions every message, which dominated CPU when mirroring (profiled: ~16% in
// groupMessagesPerPartition alone). Grouping here is linear and partitions are already known.
import { createRequire } from 'node:module';
import { acksOf, createLowLevelCluster, producerConfig, type ClientProps } from './client.js';
import { compressionSettings, compressorFor, type CompressionSettings } from './codecs.js';
import { encodeRecordBatch, sealRecordBatch, type BatchRecord } from './record-batch.js';
import { encodeProduceRequest, encodedRequest } from './requests.js';
import { logger } from '../observability/logger.js';
import { TopicMetadataCache } from './metadata.js';
import { murmur2Partition } from './partitioner.js';

export interface OutRecord {
  topic: string;
  partition: number | null;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
  timestamp: number | null;
}

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- kafkajs internals are untyped
const createEosManager: (opts: Record<string, unknown>) => any = require('kafkajs/src/producer/eosManager/index.js');
const log = logger('kafka.producer');

// Produce v3..v8 share the request layout; v7 is the first a broker accepts zstd batches in (older versions get
// UNSUPPORTED_COMPRESSION_TYPE), and every broker since Kafka 2.1 speaks it. kafkajs decodes responses up to v7.
const PRODUCE_API_KEY = 0;
const PRODUCE_MIN_VERSION = 3;
const PRODUCE_VERSION = 7;
const PRODUCE_ZSTD_MIN_VERSION = 7;
/* eslint-disable @typescript-eslint/no-explicit-any -- kafkajs internals are untyped */
const produceResponses: Record<number, any> = {
  3: require('kafkajs/src/protocol/requests/produce/v3/response.js'),
  4: require('kafkajs/src/protocol/requests/produce/v4/response.js'),
  5: require('kafkajs/src/protocol/requests/produce/v5/response.js'),
  6: require('kafkajs/src/protocol/requests/produce/v6/response.js'),
  7: require('kafkajs/src/protocol/requests/produce/v7/response.js'),
};
/* eslint-enable @typescript-eslint/no-explicit-any */

interface PartitionBatch {
  topic: string;
  partition: number;
  messages: BatchRecord[];
  indexes: number[];
  bytes: number;
  firstSequence?: number;
  /** A batch encoded by the caller (byte path): sealed with the producer fields when its sequence is assigned. */
  encoded?: { batch: Buffer; count: number; index: number };
}

/** A RecordBatch v2 built by the caller (see batch-rewriter): producer fields and CRC are set on send. */
export interface EncodedBatch {
  topic: string;
  partition: number;
  batch: Buffer;
  /** Records in the batch (sequence numbers it takes). */
  count: number;
}

export interface RecordMetadata { topic: string; partition: number; offset: number }

/**
 * What the Connect runtime hands a source task that writes encoded batches itself (the mirror's byte path):
 * the target producer's batch settings and send, and where acknowledged source offsets and counts go.
 */
export interface EncodedBatchSink {
  readonly compression: { id: number; compress: (records: Buffer) => Buffer } | undefined;
  readonly maxBatchBytes: number;
  /** RecordProducer.sendEncoded of the task's producer. */
  send(batches: readonly EncodedBatch[]): Promise<number[]>;
  /** Source offsets whose records are acknowledged (or need no write): committed with Connect's offsets. */
  offsetsAcknowledged(entries: ReadonlyArray<{ partition: Record<string, unknown>; offset: Record<string, unknown> }>): void;
  /** Records written, for the task's metrics. */
  recordsWritten(count: number): void;
  /** A topic the task writes to (Connect's active topics). */
  topicUsed(topic: string): void;
}

export class RecordProducer {
  /* eslint-disable @typescript-eslint/no-explicit-any -- kafkajs internals are untyped */
  private readonly cluster: any;
  private readonly eos: any;
  /* eslint-enable @typescript-eslint/no-explicit-any */
  private readonly idempotent: boolean;
  private readonly retries: number;
  private readonly metadata: TopicMetadataCache;
  private readonly acks: number;
  private readonly compression: CompressionSettings;
  private readonly compressBatch: { id: number; compress: (records: Buffer) => Buffer } | undefined;
  private readonly timeoutMs: number;
  private readonly roundRobin = new Map<string, number>();
  private readonly maxPartitionBytes: number;
  private connected = false;

  constructor(props: ClientProps, clientId: string, opts: { allowAutoTopicCreation?: boolean } = {}) {
    this.cluster = createLowLevelCluster(props, clientId);
    this.idempotent = producerConfig(props).idempotent ?? true;
    this.eos = createEosManager({ logger: this.cluster.rootLogger, cluster: this.cluster, transactional: false });
    this.retries = Number(props['retries'] ?? 20);
    this.metadata = new TopicMetadataCache(props, { allowAutoTopicCreation: opts.allowAutoTopicCreation ?? false });
    this.acks = acksOf(props);
    // compression.type and the compression.<codec>.level keys are validated here, when the producer is built
    // (a task or worker start), with an error naming the key and value.
    this.compression = compressionSettings(props);
    this.compressBatch = this.compression.id === 0 ? undefined : { id: this.compression.id, compress: compressorFor(this.compression) };
    this.timeoutMs = Number(props['request.timeout.ms'] ?? 30_000);
    // Stay under the broker's default message.max.bytes (1 MiB) per partition batch.
    this.maxPartitionBytes = Number(props['max.request.size'] ?? 1_048_576) * 0.9;
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.cluster.connect();
    if (this.idempotent) await this.eos.initProducerId();
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await Promise.allSettled([this.cluster.disconnect(), this.metadata.close()]);
  }

  /** Partition a record goes to: explicit, else murmur2 of the key (Java-compatible), else round robin. */
  async partitionFor(topic: string, key: Buffer | null): Promise<number> {
    const count = await this.metadata.partitionCount(topic);
    if (key !== null) return murmur2Partition(key, count);
    const next = ((this.roundRobin.get(topic) ?? -1) + 1) % count;
    this.roundRobin.set(topic, next);
    return next;
  }

  private tail: Promise<unknown> = Promise.resolve();

  /**
   * Sends records; resolves with each record's metadata, in input order, once all are acknowledged.
   * Calls are serialized: kafkajs does not keep concurrent sendBatch calls in call order (each awaits
   * metadata first), and per-partition order across calls is what Connect promises. Callers overlap
   * their next poll with the send in flight instead.
   */
  send(records: readonly OutRecord[]): Promise<RecordMetadata[]> {
    if (records.length === 0) return Promise.resolve([]);
    const run = this.tail.then(() => this.sendNow(records), () => this.sendNow(records));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The compression the target wants, for callers that encode batches themselves (sendEncoded). */
  get batchCompression(): { id: number; compress: (records: Buffer) => Buffer } | undefined {
    return this.compressBatch;
  }

  /** Bound on one partition batch's size (under the broker's message.max.bytes), for sendEncoded callers. */
  get maxBatchBytes(): number {
    return this.maxPartitionBytes;
  }

  /**
   * Sends batches the caller encoded (the mirror's byte path); resolves with each batch's base offset on the
   * target (-1 with acks=0), in input order. Serialized with send(), so per-partition order holds across both.
   * Several batches of one partition go in successive requests (a request holds a partition once); sequence
   * numbers are assigned, and each batch sealed, when its request is built, and kept across retries.
   */
  sendEncoded(batches: readonly EncodedBatch[]): Promise<number[]> {
    if (batches.length === 0) return Promise.resolve([]);
    const run = this.tail.then(() => this.sendEncodedNow(batches), () => this.sendEncodedNow(batches));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async sendEncodedNow(batches: readonly EncodedBatch[]): Promise<number[]> {
    const bases = new Array<number>(batches.length).fill(-1);
    const rounds: Array<Map<string, PartitionBatch>> = [];
    const depth = new Map<string, number>();
    for (let i = 0; i < batches.length; i++) {
      const b = batches[i]!;
      const gk = `${b.topic}\u0000${b.partition}`;
      const k = depth.get(gk) ?? 0;
      depth.set(gk, k + 1);
      const round = rounds[k] ?? (rounds[k] = new Map());
      round.set(gk, { topic: b.topic, partition: b.partition, messages: [], indexes: [], bytes: b.batch.length, encoded: { batch: b.batch, count: b.count, index: i } });
    }
    for (const round of rounds) await this.produceChunk(round, [], bases);
    return bases;
  }

  /**
   * One produce request per leader; a partition's share of a request stays under `maxPartitionBytes`
   * (the broker rejects a batch above message.max.bytes, 1 MiB by default), so big polls become several
   * requests, sent one after another to keep per-partition order.
   */
  private async sendNow(records: readonly OutRecord[]): Promise<RecordMetadata[]> {
    const out = new Array<RecordMetadata>(records.length);
    let chunk = new Map<string, PartitionBatch>();
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const p = r.partition ?? await this.partitionFor(r.topic, r.key);
      const gk = `${r.topic}\u0000${p}`;
      let size = 24 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
      for (const [hk, hv] of r.headers) size += hk.length + (hv?.length ?? 0) + 4;
      let g = chunk.get(gk);
      if (g && g.bytes + size > this.maxPartitionBytes) {
        await this.produceChunk(chunk, out);
        chunk = new Map();
        g = undefined;
      }
      if (!g) { g = { topic: r.topic, partition: p, messages: [], indexes: [], bytes: 0 }; chunk.set(gk, g); }
      g.messages.push({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp ?? Date.now() });
      g.indexes.push(i);
      g.bytes += size;
    }
    if (chunk.size > 0) await this.produceChunk(chunk, out);
    return out;
  }

  /** Produces one chunk (one request per leader broker), retrying retriable errors with the same sequences. */
  private async produceChunk(chunk: Map<string, PartitionBatch>, out: RecordMetadata[], bases?: number[]): Promise<void> {
    const topics = [...new Set([...chunk.values()].map((g) => g.topic))];
    let pending = [...chunk.values()];
    for (let attempt = 0; ; attempt++) {
      try {
        await this.cluster.addMultipleTargetTopics(topics);
        await this.cluster.refreshMetadataIfNecessary();
        const byLeader = new Map<number, PartitionBatch[]>();
        for (const g of pending) {
          const leaders = this.cluster.findLeaderForPartitions(g.topic, [g.partition]) as Record<string, number[]>;
          const nodeId = Number(Object.keys(leaders)[0]);
          if (!Number.isInteger(nodeId)) throw Object.assign(new Error(`No leader for ${g.topic}-${g.partition}`), { retriable: true });
          const list = byLeader.get(nodeId) ?? [];
          list.push(g);
          byLeader.set(nodeId, list);
        }
        const failed: PartitionBatch[] = [];
        let lastError: unknown;
        await Promise.all([...byLeader].map(async ([nodeId, batches]) => {
          try {
            await this.produceToBroker(nodeId, batches, out, bases);
          } catch (e) {
            lastError = e;
            failed.push(...batches);
          }
        }));
        if (failed.length === 0) return;
        pending = failed;
        throw lastError;
      } catch (e) {
        const err = e as Error & { retriable?: boolean; type?: string };
        const retriable = err.retriable === true || /NOT_LEADER|LEADER_NOT_AVAILABLE|UNKNOWN_TOPIC_OR_PARTITION|REQUEST_TIMED_OUT|NETWORK_EXCEPTION|NOT_ENOUGH_REPLICAS|Connection|ECONNREFUSED/i.test(`${err.type ?? ''} ${err.message}`);
        if (!retriable || attempt >= this.retries) throw e;
        log.warn({ err: err.message, attempt }, 'produce failed; retrying');
        await this.cluster.refreshMetadata().catch(() => undefined);
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2000)));
      }
    }
  }

  private async produceToBroker(nodeId: number, batches: PartitionBatch[], out: RecordMetadata[], bases?: number[]): Promise<void> {
    const broker = await this.cluster.findBroker({ nodeId });
    await this.eos.acquireBrokerLock(broker);
    try {
      for (const g of batches) {
        // Sequence numbers are assigned once per batch and kept across retries of the same batch.
        if (this.idempotent && g.firstSequence === undefined) {
          g.firstSequence = this.eos.getSequence(g.topic, g.partition) as number;
          this.eos.updateSequence(g.topic, g.partition, g.encoded ? g.encoded.count : g.messages.length);
        }
      }
      const response = (await this.produceRaw(broker, batches)) as
        { topics: { topicName: string; partitions: { partition: number; baseOffset: string }[] }[] };
      const base = new Map<string, number>();
      for (const t of response?.topics ?? []) for (const p of t.partitions) base.set(`${t.topicName}\u0000${p.partition}`, Number(p.baseOffset));
      for (const g of batches) {
        const b = base.get(`${g.topic}\u0000${g.partition}`) ?? -1;
        if (g.encoded) { if (bases) bases[g.encoded.index] = b; continue; }
        for (let j = 0; j < g.indexes.length; j++) out[g.indexes[j]!] = { topic: g.topic, partition: g.partition, offset: b < 0 ? -1 : b + j };
      }
    } finally {
      await this.eos.releaseBrokerLock(broker);
    }
  }

  /** Produce version for a broker: the highest of 3..7 it supports; zstd needs 7 (checked here, never retried). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- kafkajs broker object
  private produceVersion(broker: any): number {
    const range = (broker.versions as Record<number, { minVersion: number; maxVersion: number }> | undefined)?.[PRODUCE_API_KEY];
    const version = range ? Math.min(PRODUCE_VERSION, range.maxVersion) : PRODUCE_VERSION;
    if (version < PRODUCE_MIN_VERSION) throw new Error(`Broker ${String(broker.nodeId)} supports Produce up to v${version}; Ferry needs v${PRODUCE_MIN_VERSION} or later (Kafka 0.11+)`);
    if (this.compression.codec === 'zstd' && version < PRODUCE_ZSTD_MIN_VERSION) {
      throw new Error(`compression.type=zstd needs Produce v${PRODUCE_ZSTD_MIN_VERSION} (Kafka 2.1+); broker ${String(broker.nodeId)} supports up to v${version}`);
    }
    return version;
  }

  /** Ferry's own RecordBatch v2 encoding (compressed per compression.type), sent on kafkajs's connection. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- kafkajs broker object
  private async produceRaw(broker: any, batches: PartitionBatch[]): Promise<unknown> {
    const apiVersion = this.produceVersion(broker);
    const producerId = this.idempotent ? Number(this.eos.getProducerId()) : -1;
    const producerEpoch = this.idempotent ? Number(this.eos.getProducerEpoch()) : -1;
    const topics = new Map<string, { partition: number; batch: Buffer }[]>();
    for (const g of batches) {
      let batch: Buffer;
      if (g.encoded) {
        batch = g.encoded.batch;
        sealRecordBatch(batch, producerId, producerEpoch, g.firstSequence ?? -1);
      } else {
        batch = encodeRecordBatch(g.messages, { producerId, producerEpoch, baseSequence: g.firstSequence ?? -1, ...(this.compressBatch ? { compression: this.compressBatch } : {}) });
      }
      const list = topics.get(g.topic) ?? [];
      list.push({ partition: g.partition, batch });
      topics.set(g.topic, list);
    }
    const body = encodeProduceRequest(this.acks, this.timeoutMs, topics);
    return broker.connectionPool.send({
      request: encodedRequest(PRODUCE_API_KEY, apiVersion, 'Produce', body, this.acks !== 0),
      response: produceResponses[apiVersion],
    });
  }

  invalidate(topic: string): void {
    this.metadata.invalidate(topic);
  }
}
