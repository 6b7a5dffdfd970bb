// RecordProducer: sends batches of already-serialized records and reports each record's partition and
// offset. Connect's source tasks need per-record metadata (commitRecord, MirrorSource offset syncs); the
// broker reports a base offset per partition batch, and records of one batch get consecutive offsets.
//
// Ferry encodes its own RecordBatch v2 and Produce requests and sends them on kafkajs's connections (kafkajs's
// Producer groups messages with a quadratic array copy and allows one request in flight with idempotence).
// BatchSender (batch-sender.ts) keeps up to max.in.flight.requests.per.connection requests in flight per broker
// and follows Java's retry rules; this file builds batches, reaches the brokers and maps acks back to records.
import { acksOf, createLowLevelCluster, type ClientProps } from './client.js';
import { intSetting } from '../config/settings.js';
import { exponentialBackoff, retry } from '../backoff.js';
import { compressAsync } from './codec-async.js';
import { compressionSettings, compressorFor, type CompressionSettings } from './codecs.js';
import { RECORD_BATCH_HEADER_BYTES, decodeRecordSet, encodeRecordBatch, type BatchRecord } from './record-batch.js';
import { BatchSender, ProduceError, type PartitionResponse, type Segment } from './batch-sender.js';
import { FencedError, TransactionManager } from './transactions.js';

export type { Segment } from './batch-sender.js';
import { produceRequestBody, sendRequest } from './requests.js';
import { createEosManager, createErrorFromCode, produceResponseDecoders, type KafkajsBroker, type KafkajsCluster, type KafkajsEosManager } from './kafkajs-internals.js';
import { logger } from '../observability/logger.js';
import { registerProducerBuffer } from '../observability/metrics.js';
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

const log = logger('kafka.producer');

// Produce v3..v8 share the request layout; v7 is the first a broker accepts zstd batches in (older versions get
// UNSUPPORTED_COMPRESSION_TYPE), and every broker since Kafka 2.1 speaks it. kafkajs decodes responses up to v7.
const PRODUCE_API_KEY = 0;
const PRODUCE_MIN_VERSION = 3;
const PRODUCE_VERSION = 7;
const PRODUCE_ZSTD_MIN_VERSION = 7;

/** A RecordBatch v2 built by the caller (see batch-rewriter): producer fields and CRC are set on send. */
export interface EncodedBatch {
  topic: string;
  partition: number;
  batch: Buffer;
  /** Records in the batch (sequence numbers it takes). */
  count: number;
  /** Called once the batch's buffer is no longer read or written (acknowledged): a pooled slab goes back. */
  release?: (() => void) | undefined;
}

export interface RecordMetadata { topic: string; partition: number; offset: number }

/**
 * What the Connect runtime hands a source task that writes encoded batches itself (the mirror's byte path):
 * the target producer's batch settings and send, and where acknowledged source offsets and counts go.
 */
export interface EncodedBatchSink {
  readonly compression: { id: number; compress: (records: Buffer) => Buffer; compressAsync?: (records: Buffer) => Promise<Buffer> } | undefined;
  readonly maxBatchBytes: number;
  /** The producer's buffer.memory: how many bytes of batches the task keeps unacknowledged at most. */
  readonly bufferMemory: number;
  /** RecordProducer.sendEncoded of the task's producer. */
  send(batches: readonly EncodedBatch[]): Promise<Segment[][]>;
  /** Source offsets whose records are acknowledged (or need no write): committed with Connect's offsets. */
  offsetsAcknowledged(entries: ReadonlyArray<{ partition: Record<string, unknown>; offset: Record<string, unknown> }>): void;
  /** Records written, for the task's metrics. */
  recordsWritten(count: number): void;
  /** A topic the task writes to (Connect's active topics). */
  topicUsed(topic: string): void;
}

export class RecordProducer {
  private readonly cluster: KafkajsCluster;
  private readonly eos: KafkajsEosManager;
  private readonly brokers = new Map<number, Promise<KafkajsBroker>>();
  private readonly idempotent: boolean;
  /** Set with transactional.id: every send belongs to the open transaction (beginTransaction … commitTransaction). */
  private readonly txn: TransactionManager | null;
  /** Set once a newer producer with the same transactional.id fenced this one: final. */
  private fencedBy: FencedError | null = null;
  /** The first write of the open transaction that failed: the transaction can only be aborted. */
  private txnFailure: Error | null = null;
  private readonly metadata: TopicMetadataCache;
  private readonly acks: number;
  private readonly compression: CompressionSettings;
  private readonly compressBatch: { id: number; compress: (records: Buffer) => Buffer; compressAsync: (records: Buffer) => Promise<Buffer> } | undefined;
  private readonly timeoutMs: number;
  private readonly deliveryTimeoutMs: number;
  private readonly retryBackoffMs: number;
  private readonly roundRobin = new Map<string, number>();
  private readonly maxPartitionBytes: number;
  private readonly bufferBytes: number;
  private readonly maxRequestBytes: number;
  private readonly sender: BatchSender;
  private readonly knownTopics = new Set<string>();
  private leaders = new Map<string, number>();
  private leadersOf: unknown = null;
  private connected = false;
  /** Stops serving kafka_producer_buffer_available_bytes for this producer (set while connected). */
  private unregisterBuffer: (() => void) | null = null;
  /** Enqueueing is serialized (topic metadata, the byte budget): per-partition order follows call order. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(props: ClientProps, private readonly clientId: string, opts: { allowAutoTopicCreation?: boolean } = {}) {
    this.cluster = createLowLevelCluster(props, clientId);
    this.acks = acksOf(props);
    const transactionalId = props['transactional.id']?.trim() || null;
    if (transactionalId !== null) {
      // As Java's producer: transactions need idempotence, which needs acks=all.
      if (this.acks !== -1) throw new Error(`transactional.id=${transactionalId} needs acks=all (got acks=${props['acks'] ?? ''})`);
      if (props['enable.idempotence']?.trim().toLowerCase() === 'false') throw new Error(`transactional.id=${transactionalId} needs enable.idempotence=true (got false)`);
    }
    this.idempotent = transactionalId !== null || idempotenceOf(props, this.acks);
    const maxInFlight = intSetting(props, 'max.in.flight.requests.per.connection', 5, 1);
    if (this.idempotent && maxInFlight > 5) {
      throw new Error(`max.in.flight.requests.per.connection=${maxInFlight}: must be at most 5 with enable.idempotence=true (as Java's producer)`);
    }
    this.eos = createEosManager({ logger: this.cluster.rootLogger, cluster: this.cluster, transactional: false });
    this.metadata = new TopicMetadataCache(props, { allowAutoTopicCreation: opts.allowAutoTopicCreation ?? false });
    // compression.type and the compression.<codec>.level keys are validated here, when the producer is built
    // (a task or worker start), with an error naming the key and value.
    this.compression = compressionSettings(props);
    const { codec, level } = this.compression;
    this.compressBatch = this.compression.id === 0 ? undefined
      : { id: this.compression.id, compress: compressorFor(this.compression), compressAsync: (data: Buffer) => compressAsync(codec, data, level) };
    this.timeoutMs = intSetting(props, 'request.timeout.ms', 30_000, 1);
    this.deliveryTimeoutMs = intSetting(props, 'delivery.timeout.ms', 120_000, 1);
    this.retryBackoffMs = intSetting(props, 'retry.backoff.ms', 100, 0);
    const maxRequestBytes = intSetting(props, 'max.request.size', 1_048_576, 1);
    this.maxRequestBytes = maxRequestBytes;
    this.bufferBytes = intSetting(props, 'buffer.memory', 33_554_432, 1);
    // Stay under the broker's default message.max.bytes (1 MiB) per partition batch.
    this.maxPartitionBytes = maxRequestBytes * 0.9;
    const retryBackoffMaxMs = intSetting(props, 'retry.backoff.max.ms', 1000, 0);
    this.txn = transactionalId === null ? null : new TransactionManager(this.cluster, {
      transactionalId,
      transactionTimeoutMs: intSetting(props, 'transaction.timeout.ms', 60_000, 1),
      retryBackoffMs: this.retryBackoffMs,
      retryBackoffMaxMs,
      maxBlockMs: intSetting(props, 'max.block.ms', 60_000, 0),
    });
    const txn = this.txn;
    this.sender = new BatchSender({
      leaderFor: (topic, partition) => this.leaderFor(topic, partition),
      refreshMetadata: () => this.cluster.refreshMetadata(),
      produce: (nodeId, batches) => this.produce(nodeId, batches),
      brokerFailed: (nodeId) => { this.brokers.delete(nodeId); },
      initProducerId: async () => {
        if (txn) return txn.init();
        await this.eos.initProducerId();
        return { producerId: Number(this.eos.getProducerId()), producerEpoch: Number(this.eos.getProducerEpoch()) };
      },
    }, {
      idempotent: this.idempotent,
      transactional: txn !== null,
      acks: this.acks,
      maxInFlight,
      maxRequestBytes,
      retries: intSetting(props, 'retries', 2_147_483_647, 0),
      deliveryTimeoutMs: this.deliveryTimeoutMs,
      retryBackoffMs: this.retryBackoffMs,
      retryBackoffMaxMs,
      bufferMemory: this.bufferBytes,
      split: (batch, count) => this.split(batch, count),
      describeError: (code) => { const e = createErrorFromCode(code); return { type: e.type, message: e.message, retriable: e.retriable }; },
      onRetry: (r) => log.warn(r, 'produce failed; retrying'),
    });
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.cluster.connect();
    await this.sender.start();
    this.connected = true;
    this.unregisterBuffer = registerProducerBuffer(this.clientId, () => Math.max(0, this.bufferBytes - this.sender.bufferedBytes));
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    this.unregisterBuffer?.();
    this.unregisterBuffer = null;
    this.sender.close();
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

  /**
   * Sends records; resolves with each record's metadata, in input order, once all are acknowledged.
   * Records are batched per partition (a batch stays under max.request.size) and queued in call order, so
   * per-partition order holds across calls; several calls can be in flight at once.
   */
  send(records: readonly OutRecord[]): Promise<RecordMetadata[]> {
    if (records.length === 0) return Promise.resolve([]);
    return this.serialized(async () => {
      const groups = new Map<string, { topic: string; partition: number; parts: Array<{ messages: BatchRecord[]; indexes: number[]; bytes: number }> }>();
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        const p = r.partition ?? await this.partitionFor(r.topic, r.key);
        const gk = `${r.topic}\u0000${p}`;
        let size = 24 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
        for (const [hk, hv] of r.headers) size += hk.length + (hv?.length ?? 0) + 4;
        if (size + RECORD_BATCH_HEADER_BYTES > this.maxRequestBytes) {
          // As Java's producer: refused before sending (RecordTooLargeException), naming the record and the limit.
          throw new ProduceError(`The record for ${r.topic} is ${size} bytes when serialized, which is larger than max.request.size (${this.maxRequestBytes})`, 'RECORD_TOO_LARGE', false);
        }
        let g = groups.get(gk);
        if (!g) { g = { topic: r.topic, partition: p, parts: [] }; groups.set(gk, g); }
        let part = g.parts[g.parts.length - 1];
        if (!part || (part.bytes + size > this.maxPartitionBytes && part.messages.length > 0)) { part = { messages: [], indexes: [], bytes: 0 }; g.parts.push(part); }
        part.messages.push({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp ?? Date.now() });
        part.indexes.push(i);
        part.bytes += size;
      }
      const batches: Array<{ topic: string; partition: number; batch: Buffer; count: number; indexes: number[] }> = [];
      for (const g of groups.values()) {
        for (const part of g.parts) batches.push({ topic: g.topic, partition: g.partition, batch: this.encode(part.messages), count: part.messages.length, indexes: part.indexes });
      }
      return { batches, done: (results: Segment[][]) => {
        const out = new Array<RecordMetadata>(records.length);
        batches.forEach((b, k) => {
          let j = 0;
          for (const seg of results[k]!) {
            for (let n = 0; n < seg.count; n++, j++) out[b.indexes[j]!] = { topic: b.topic, partition: b.partition, offset: seg.baseOffset < 0 ? -1 : seg.baseOffset + n };
          }
        });
        return out;
      } };
    });
  }

  /** The compression the target wants, for callers that encode batches themselves (sendEncoded). */
  get batchCompression(): { id: number; compress: (records: Buffer) => Buffer; compressAsync: (records: Buffer) => Promise<Buffer> } | undefined {
    return this.compressBatch;
  }

  /** Bound on one partition batch's size (under the broker's message.max.bytes), for sendEncoded callers. */
  get maxBatchBytes(): number {
    return this.maxPartitionBytes;
  }

  /** buffer.memory: the byte budget of batches queued or in flight. */
  get bufferMemory(): number {
    return this.bufferBytes;
  }

  /** Opens a transaction (transactional.id set, after connect). Sends until commit or abort belong to it. */
  beginTransaction(): void {
    this.requireTxn('beginTransaction').begin();
    this.txnFailure = null;
  }

  /**
   * Notes that a newer producer took the transactional.id over. That is final (Java's ProducerFencedException):
   * from now on this producer only fails, and above all never sends InitProducerId again — that would bump the
   * epoch once more and fence the newer producer in turn.
   */
  private noteFenced(e: unknown): void {
    if (this.fencedBy || !this.txn) return;
    const type = (e as { type?: unknown; cause?: { type?: unknown } }).type ?? (e as { cause?: { type?: unknown } }).cause?.type;
    if (e instanceof FencedError || type === 'PRODUCER_FENCED' || type === 'INVALID_PRODUCER_EPOCH') {
      this.fencedBy = e instanceof FencedError ? e : new FencedError(`transactional.id ${this.txn.transactionalId}: fenced by a newer producer with the same transactional.id (${(e as Error).message})`, { cause: e });
    }
  }

  /** The FencedError that ended this producer, once a newer producer with its transactional.id took over. */
  get fenced(): FencedError | null { return this.fencedBy; }

  private throwIfFenced(): void {
    if (this.fencedBy) throw this.fencedBy;
  }

  /**
   * Waits until every write of the transaction is acknowledged, then commits it (EndTxn). A write that failed
   * makes this throw without committing: the caller aborts. A FencedError means another producer took over
   * the transactional.id; this one must stop.
   */
  async commitTransaction(): Promise<void> {
    const txn = this.requireTxn('commitTransaction');
    await this.tail;
    await this.sender.drain();
    this.throwIfFenced();
    if (this.txnFailure) {
      throw new ProduceError(`transactional.id ${txn.transactionalId}: not committed, a write failed: ${this.txnFailure.message}`, 'ABORTABLE', false, { cause: this.txnFailure });
    }
    await txn.end(true).catch((e: unknown) => { this.noteFenced(e); throw e; });
  }

  /**
   * Waits for the transaction's writes in flight to settle, then aborts it: read_committed readers never see
   * them. Then the producer id is initialised again (a new epoch, sequences from 0), as Java bumps the epoch
   * after an abortable error: the aborted writes may have left the partitions' sequences with gaps.
   */
  async abortTransaction(): Promise<void> {
    const txn = this.requireTxn('abortTransaction');
    await this.tail;
    await this.sender.drain();
    // A fenced producer's transaction was aborted by the coordinator already; it must not touch the id again.
    this.throwIfFenced();
    await txn.end(false).catch((e: unknown) => { this.noteFenced(e); throw e; });
    const writeFailed = this.txnFailure !== null;
    this.txnFailure = null;
    // Only a failed write can have left gaps in the partitions' sequences: then a new epoch, sequences from 0.
    if (writeFailed) await this.sender.start();
  }

  private requireTxn(what: string): TransactionManager {
    if (!this.txn) throw new Error(`${what}: the producer has no transactional.id`);
    if (!this.connected) throw new Error(`${what}: the producer is not connected`);
    return this.txn;
  }

  /**
   * Sends batches the caller encoded (the mirror's byte path); resolves, in input order, with where each batch's
   * records landed: one segment, or several when the broker found it too large and it was split (the pieces may
   * not be contiguous when another producer writes to the partition). A segment's base offset is -1 when the
   * target reported none (acks=0, or a resend the broker recognised as a duplicate it no longer has the offset of).
   * Queued in call order with send(), so per-partition order holds.
   */
  sendEncoded(batches: readonly EncodedBatch[]): Promise<Segment[][]> {
    if (batches.length === 0) return Promise.resolve([]);
    return this.serialized(async () => ({ batches, done: (results: Segment[][]) => results }));
  }

  /**
   * Runs `prepare` after the previous calls' (so batches queue in call order), waits for room in the byte
   * budget, queues the batches and resolves with `done` of their results once every batch is acknowledged.
   */
  private serialized<T>(prepare: () => Promise<{ batches: ReadonlyArray<{ topic: string; partition: number; batch: Buffer; count: number; release?: (() => void) | undefined }>; done: (r: Segment[][]) => T }>): Promise<T> {
    const queued = this.tail.then(async () => {
      const p = await prepare();
      await this.knowTopics(p.batches);
      if (this.txn) {
        if (!this.txn.active) throw new ProduceError(`transactional.id ${this.txn.transactionalId}: send outside a transaction (call beginTransaction first)`, 'INVALID_TXN_STATE', false);
        this.throwIfFenced();
        if (this.txnFailure) throw new ProduceError(`transactional.id ${this.txn.transactionalId}: the transaction already failed and can only be aborted (${this.txnFailure.message})`, 'ABORTABLE', false, { cause: this.txnFailure });
        await this.txn.addPartitions(p.batches).catch((e: unknown) => { this.noteFenced(e); throw e; });
      }
      let bytes = 0;
      for (const b of p.batches) bytes += b.batch.length;
      await this.sender.reserve(bytes);
      const acks = this.sender.enqueue(p.batches);
      if (this.txn) for (const a of acks) a.catch((e: unknown) => { this.noteFenced(e); this.txnFailure ??= e instanceof Error ? e : new Error(String(e)); });
      return { acks, done: p.done };
    });
    this.tail = queued.catch(() => undefined);
    return queued.then(async ({ acks, done }) => done(await Promise.all(acks)));
  }

  /** Registers new topics with the cluster's metadata (retried while the topic is still being created). */
  private async knowTopics(batches: ReadonlyArray<{ topic: string }>): Promise<void> {
    const fresh = [...new Set(batches.map((b) => b.topic).filter((t) => !this.knownTopics.has(t)))];
    if (fresh.length === 0) return;
    await retry(() => this.cluster.addMultipleTargetTopics(fresh), {
      deadline: Date.now() + this.deliveryTimeoutMs,
      retriable: (e) => (e as { retriable?: boolean }).retriable === true,
      onRetry: (e, attempt) => log.warn({ topics: fresh, err: (e as Error).message, attempt }, 'topic metadata not available yet; retrying'),
      backoffMs: exponentialBackoff(this.retryBackoffMs * 2, 1000),
    });
    for (const t of fresh) this.knownTopics.add(t);
  }

  private encode(messages: BatchRecord[]): Buffer {
    return encodeRecordBatch(messages, { producerId: -1, producerEpoch: -1, baseSequence: -1, ...(this.compressBatch ? { compression: this.compressBatch } : {}) });
  }

  /** Halves a batch the broker found too large (MESSAGE_TOO_LARGE): decoded and encoded again, same codec. */
  private split(batch: Buffer, count: number): [Buffer, Buffer, number] | null {
    if (count < 2) return null;
    const decoded = decodeRecordSet(batch);
    const records = decoded.batches.flatMap((b) => b.records);
    if (decoded.error || records.length !== count) return null;
    const n = Math.ceil(count / 2);
    const toOut = (r: (typeof records)[number]): BatchRecord => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp });
    return [this.encode(records.slice(0, n).map(toOut)), this.encode(records.slice(n).map(toOut)), n];
  }

  /** Leader of a partition from kafkajs's cached metadata (rebuilt when the metadata object changes). */
  private leaderFor(topic: string, partition: number): number | undefined {
    const metadata = this.cluster.brokerPool?.metadata;
    if (metadata !== this.leadersOf) {
      this.leadersOf = metadata;
      this.leaders = new Map();
      for (const t of metadata?.topicMetadata ?? []) {
        for (const p of t.partitionMetadata) if (p.leader >= 0) this.leaders.set(`${t.topic}\u0000${p.partitionId}`, p.leader);
      }
    }
    return this.leaders.get(`${topic}\u0000${partition}`);
  }

  /** One Produce request to a broker, on kafkajs's connection; every partition's answer, errors included. */
  private async produce(nodeId: number, batches: ReadonlyArray<{ topic: string; partition: number; batch: Buffer }>): Promise<PartitionResponse[]> {
    let found = this.brokers.get(nodeId);
    if (!found) {
      const f = this.cluster.findBroker({ nodeId });
      f.catch(() => { if (this.brokers.get(nodeId) === f) this.brokers.delete(nodeId); });
      this.brokers.set(nodeId, f);
      found = f;
    }
    const broker = await found;
    const apiVersion = this.produceVersion(broker);
    const topics = new Map<string, { partition: number; batch: Buffer }[]>();
    for (const b of batches) {
      const list = topics.get(b.topic);
      if (list) list.push(b); else topics.set(b.topic, [b]);
    }
    const response = await sendRequest(broker, {
      apiKey: PRODUCE_API_KEY, apiVersion, apiName: 'Produce',
      body: produceRequestBody(this.acks, this.timeoutMs, topics, this.txn?.transactionalId ?? null),
      expectResponse: this.acks !== 0,
      // Every partition's error code, not kafkajs's parse (it throws the first error and drops the rest).
      decode: produceResponseDecoders[apiVersion]!.decode,
    });
    const out: PartitionResponse[] = [];
    for (const t of response?.topics ?? []) {
      for (const p of t.partitions) out.push({ topic: t.topicName, partition: p.partition, errorCode: p.errorCode, baseOffset: Number(p.baseOffset) });
    }
    return out;
  }

  /** Produce version for a broker: the highest of 3..7 it supports; zstd needs 7 (checked here, never retried). */
  private produceVersion(broker: KafkajsBroker): number {
    const range = broker.versions?.[PRODUCE_API_KEY];
    const version = range ? Math.min(PRODUCE_VERSION, range.maxVersion) : PRODUCE_VERSION;
    if (version < PRODUCE_MIN_VERSION) throw new Error(`Broker ${String(broker.nodeId)} supports Produce up to v${version}; Ferry needs v${PRODUCE_MIN_VERSION} or later (Kafka 0.11+)`);
    if (this.compression.codec === 'zstd' && version < PRODUCE_ZSTD_MIN_VERSION) {
      throw new Error(`compression.type=zstd needs Produce v${PRODUCE_ZSTD_MIN_VERSION} (Kafka 2.1+); broker ${String(broker.nodeId)} supports up to v${version}`);
    }
    return version;
  }

  invalidate(topic: string): void {
    this.metadata.invalidate(topic);
  }
}

/**
 * enable.idempotence as Java's producer decides it: on by default only with acks=all; set to true with other
 * acks it is a configuration error.
 */
function idempotenceOf(props: ClientProps, acks: number): boolean {
  const v = props['enable.idempotence']?.trim().toLowerCase();
  if (v === undefined || v === '') return acks === -1;
  if (v !== 'true' && v !== 'false') throw new Error(`enable.idempotence=${props['enable.idempotence']}: expected true or false`);
  if (v === 'true' && acks !== -1) throw new Error(`enable.idempotence=true needs acks=all (got acks=${props['acks'] ?? ''})`);
  return v === 'true';
}
