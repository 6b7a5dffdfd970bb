// Source task loop: poll → transforms → converters → produce → (acked) offsets → periodic commit.
// At most `maxInFlightBatches` produce batches are outstanding (back-pressure); offsets of a batch are
// committed only after every record of it and of all earlier batches was acknowledged, so a crash never
// commits an offset for a record that did not reach Kafka.
import type { SourceTask, SourceTaskContext, OffsetStorageReader } from '../api/connector.js';
import type { SourceOffset, SourcePartition, SourceRecord } from '../api/records.js';
import { ConnectError, RetriableError, errorTrace } from '../api/errors.js';
import type { EncodedBatch, EncodedBatchSink, OutRecord, RecordMetadata, RecordProducer, Segment } from '../../kafka/producer.js';
import type { Logger } from '../../observability/logger.js';
import { metrics, strimziConnect } from '../../observability/metrics.js';
import type { SampledStat } from '../../observability/windowed-stats.js';
import { ByteArrayConverter } from '../converters/byte-array-converter.js';
import { canonicalJson, type OffsetEntry, type OffsetStore } from '../storage/offset-store.js';
import { encodeOffsetKey, encodeOffsetValue } from '../storage/internal-formats.js';
import { ferryEnv } from '../../config/ferry-env.js';
import { SKIP, sleep, type RetryWithToleranceOperator } from './error-handling.js';
import { deferred, pluginLogger, serializeHeaders, type RecordTransformer, type TaskConverters, type TaskId, type TaskRunner, type TaskStatusListener } from './task-common.js';

export interface SourceTaskRunnerDeps {
  id: TaskId;
  task: SourceTask;
  taskProps: Record<string, string>;
  converters: TaskConverters;
  transformer: RecordTransformer;
  producer: RecordProducer;
  offsetStore: OffsetStore;
  errors: RetryWithToleranceOperator;
  listener: TaskStatusListener;
  log: Logger;
  offsetFlushIntervalMs: number;
  maxInFlightBatches?: number;
  onTopicUsed?: (topic: string) => void;
  startPaused?: boolean;
  /** Set for an exactly-once source task (KIP-618); the producer then has a transactional.id. */
  transactions?: SourceTransactions;
  /** How long an offset read waits for the offsets topic to be read to its end before it fails (default 60 s). */
  offsetReadTimeoutMs?: number;
}

/**
 * Exactly-once delivery of a source task (KIP-618): its records and the source offsets they reach are written in
 * one transaction of the task's own transactional producer, offsets to the offsets topic, so that a crash leaves
 * either both or neither. A transaction ends at the boundary chosen by `transaction.boundary`: after every
 * poll() that returned records ('poll'), or every `transaction.boundary.interval.ms` ('interval').
 */
export interface SourceTransactions {
  boundary: 'poll' | 'interval';
  intervalMs: number;
  /** The offsets topic this task's offsets are written to (the connector's offsets.storage.topic, or the worker's). */
  offsetsTopic: string;
  /** A transaction carrying these offsets committed; `metadata` are the offset records' places, in order. */
  committed(entries: readonly OffsetEntry[], metadata: readonly RecordMetadata[]): void;
}

/** Which data path each source task runs (1 for the current one): 'bytes' (encoded batches) or 'records'. */

/**
 * A source task that can write encoded record batches itself (MirrorSourceTask's byte path). The runtime
 * offers it only when nothing would look at the records: no transform, ByteArrayConverter for key, value
 * and headers. Set FERRY_SOURCE_DATA_PATH=records to keep every task on the record path.
 */
interface EncodedBatchTask {
  useEncodedBatches(sink: EncodedBatchSink): boolean;
  flushEncoded(): Promise<void>;
}

/**
 * A source task with state of its own that must commit with its records (MirrorSourceTask: MM2 offset syncs and
 * Ferry's offset maps). Under exactly-once the runtime calls useTransactions() once, after start(); from then on
 * the task writes that state only as the records transactionRecords() returns, which the runtime writes in each
 * transaction, after every record of it was acknowledged and just before it commits.
 */
interface TransactionalStateTask {
  useTransactions(): Promise<void>;
  transactionRecords(): Promise<OutRecord[]>;
}

function isTransactionalStateTask(t: unknown): t is TransactionalStateTask {
  const c = t as Partial<TransactionalStateTask>;
  return typeof c.useTransactions === 'function' && typeof c.transactionRecords === 'function';
}

function isEncodedBatchTask(t: unknown): t is EncodedBatchTask {
  const c = t as Partial<EncodedBatchTask>;
  return typeof c.useEncodedBatches === 'function' && typeof c.flushEncoded === 'function';
}

interface InFlight {
  records: SourceRecord[];
  /** null for records that were dropped by a transform or a tolerated error (offset still committed). */
  sent: Promise<RecordMetadata[]>;
  sentIndex: number[];
}

export class SourceTaskRunner implements TaskRunner {
  readonly id: TaskId;
  private readonly abort = new AbortController();
  private paused: boolean;
  private resumeWaiter = deferred();
  private readonly finished = deferred();
  readonly done = this.finished.promise;
  private readonly pendingOffsets = new Map<string, { partition: SourcePartition; offset: SourceOffset }>();
  private lastCommit = Date.now();
  private readonly labels: { connector: string; task: string };
  /** Connect's windowed task metrics (Strimzi names), recorded per batch. */
  private readonly stats: { poll: SampledStat; write: SampledStat; active: SampledStat; batch: SampledStat; commit: SampledStat };
  /** Records polled (on the byte path: sent) and not yet acknowledged by the target (source-record-active-count). */
  private activeRecords = 0;
  private readonly topicsSeen = new Set<string>();
  private failed = false;
  /** Set when the task writes encoded batches itself (byte path). */
  private encoded: EncodedBatchTask | null = null;
  /** Exactly-once: a transaction is open, since this time. */
  private txnOpenSince: number | null = null;
  /** Exactly-once: a task that writes its own state records in the task's transactions. */
  private txnState: TransactionalStateTask | null = null;

  constructor(private readonly d: SourceTaskRunnerDeps) {
    this.id = d.id;
    this.paused = d.startPaused ?? false;
    this.labels = { connector: d.id.connector, task: String(d.id.task) };
    this.stats = {
      poll: strimziConnect.sourceRecordPoll.series(this.labels), write: strimziConnect.sourceRecordWrite.series(this.labels),
      active: strimziConnect.sourceRecordActive.series(this.labels), batch: strimziConnect.batchSize.series(this.labels), commit: strimziConnect.offsetCommitTime.series(this.labels),
    };
  }

  start(): void {
    // A task's counters exist from its start, at 0 (as Connect's task metrics do), also after a restart removed
    // the previous run's series.
    for (const m of [metrics.sourceRecordPoll, metrics.sourceRecordWrite, metrics.offsetCommitSuccess, metrics.offsetCommitFailure]) m.inc(this.labels, 0);
    this.stats.active.record(0);
    void this.loop().finally(() => this.finished.resolve());
  }

  /** PAUSED is reported by the loop once the poll in progress (if any) was sent and committed. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.resumeWaiter = deferred();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resumeWaiter.resolve();
  }

  async stop(timeoutMs: number): Promise<void> {
    this.abort.abort();
    this.resumeWaiter.resolve();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((r) => { timer = setTimeout(() => r(true), timeoutMs); });
    const finished = await Promise.race([this.done.then(() => false), timedOut]);
    clearTimeout(timer);
    if (finished) this.d.log.warn({ timeoutMs }, 'task did not stop within task.shutdown.graceful.timeout.ms; abandoning it');
  }

  private context(): SourceTaskContext {
    const store = this.d.offsetStore;
    const connector = this.id.connector;
    const timeoutMs = this.d.offsetReadTimeoutMs ?? 60_000;
    // Every read first waits for what other workers committed (a task that moved resumes from their last commit).
    const caughtUp = async () => {
      try {
        await store.readToEnd?.(timeoutMs);
      } catch (e) {
        throw new ConnectError(`Failed to fetch offsets for connector ${connector}: ${(e as Error).message}`);
      }
    };
    const reader: OffsetStorageReader = {
      offset: async (p) => { await caughtUp(); return store.get(connector, p); },
      offsets: async (ps) => { await caughtUp(); return new Map(ps.map((p) => [canonicalJson(p), store.get(connector, p)])); },
    };
    return { offsetStorageReader: reader, logger: pluginLogger(this.d.log), taskId: this.id.task, connectorName: connector };
  }

  private async loop(): Promise<void> {
    const { task, log } = this.d;
    const signal = this.abort.signal;
    const inflight: InFlight[] = [];
    const maxInFlight = this.d.maxInFlightBatches ?? 2;
    let started = false;
    try {
      task.initialize(this.context());
      await task.start(this.d.taskProps);
      started = true;
      this.chooseDataPath();
      if (this.d.transactions && isTransactionalStateTask(task)) {
        await task.useTransactions();
        this.txnState = task;
      }
      if (!this.paused) this.d.listener.onRunning(this.id);
      while (!signal.aborted) {
        if (this.paused) {
          await this.drain(inflight, 0, true);
          await this.commitOffsets(inflight, true);
          this.d.listener.onPaused(this.id);
          await this.resumeWaiter.promise;
          if (!signal.aborted && !this.paused) this.d.listener.onRunning(this.id);
          continue;
        }
        this.beginTransaction();
        const polled = await this.pollOnce(signal);
        if (polled === SKIP) continue;
        if (polled && polled.length > 0) {
          metrics.sourceRecordPoll.inc(this.labels, polled.length);
          metrics.batchSize.observe(this.labels, polled.length);
          this.stats.poll.add(polled.length);
          this.stats.batch.record(polled.length);
          this.activeChanged(polled.length);
          inflight.push(this.send(polled));
          await this.drain(inflight, maxInFlight - 1);
        } else {
          await this.drain(inflight, 0);
        }
        // The byte path's poll() sends its batches itself and returns [] when it did.
        await this.commitOffsets(inflight, false, polled !== null && (polled.length > 0 || this.encoded !== null));
      }
      await this.drain(inflight, 0, true);
      await this.commitOffsets(inflight, true);
    } catch (err) {
      this.failed = true;
      log.error({ err: errorTrace(err) }, 'task failed');
      if (this.d.transactions) {
        // Nothing of a failed transaction may become visible: abort it (a fenced producer's is already aborted).
        await this.abortTransaction();
      } else {
        // Keep whatever was acknowledged before the failure.
        await this.drain(inflight, 0, true).catch(() => undefined);
        await this.maybeCommit(true).catch(() => undefined);
      }
      this.d.listener.onFailed(this.id, err);
    } finally {
      if (started) {
        try { await task.stop(); } catch (e) { log.warn({ err: (e as Error).message }, 'task.stop() failed'); }
      }
      this.d.transformer.close();
      await this.d.errors.close().catch(() => undefined);
      await this.d.producer.disconnect().catch(() => undefined);
      if (!this.failed) this.d.listener.onStopped(this.id);
    }
  }

  /** Offers the byte path to a task that supports it when the records would pass through unchanged; logs the choice once. */
  private chooseDataPath(): void {
    const { task, converters: conv, transformer, producer, log } = this.d;
    let reason: string;
    if (!isEncodedBatchTask(task)) reason = 'the task writes records';
    else if (ferryEnv().sourceDataPath === 'records') reason = 'FERRY_SOURCE_DATA_PATH=records';
    else if (transformer.stages.length > 0) reason = 'transforms are configured';
    else if (!(conv.key instanceof ByteArrayConverter) || !(conv.value instanceof ByteArrayConverter) || !(conv.header instanceof ByteArrayConverter)) reason = 'a converter is not ByteArrayConverter';
    else {
      const sink: EncodedBatchSink = {
        compression: producer.batchCompression,
        maxBatchBytes: producer.maxBatchBytes,
        bufferMemory: producer.bufferMemory,
        send: (batches) => this.sendEncoded(batches),
        offsetsAcknowledged: (entries) => {
          for (const e of entries) this.pendingOffsets.set(this.partitionKey(e.partition), { partition: e.partition, offset: e.offset });
        },
        recordsWritten: (n) => { metrics.sourceRecordWrite.inc(this.labels, n); this.stats.write.add(n); },
        topicUsed: (topic) => { if (this.d.onTopicUsed && !this.topicsSeen.has(topic)) { this.topicsSeen.add(topic); this.d.onTopicUsed(topic); } },
      };
      if (task.useEncodedBatches(sink)) {
        this.encoded = task;
        log.info({ path: 'bytes' }, 'source task data path: encoded record batches (no transforms, ByteArrayConverter)');
        metrics.sourceTaskDataPath.set({ ...this.labels, path: 'bytes' }, 1);
        metrics.sourceTaskDataPath.set({ ...this.labels, path: 'records' }, 0);
        return;
      }
      reason = 'the task declined';
    }
    if (isEncodedBatchTask(task)) log.info({ path: 'records', reason }, 'source task data path: records');
    metrics.sourceTaskDataPath.set({ ...this.labels, path: 'records' }, 1);
    metrics.sourceTaskDataPath.set({ ...this.labels, path: 'bytes' }, 0);
  }

  /** Connect records the active count at every change (its _max and _avg are over those recordings). */
  private activeChanged(delta: number): void {
    this.activeRecords = Math.max(0, this.activeRecords + delta);
    this.stats.active.record(this.activeRecords);
  }

  /** The byte path's send: its records are active from the send until the target acknowledges (or fails) it. */
  private sendEncoded(batches: readonly EncodedBatch[]): Promise<Segment[][]> {
    let records = 0;
    for (const b of batches) records += b.count;
    this.activeChanged(records);
    const sent = this.d.producer.sendEncoded(batches);
    const settled = () => this.activeChanged(-records);
    void sent.then(settled, settled);
    return sent;
  }

  private retryDelay = 0;

  /**
   * poll() with Connect's rule for RetriableError: always retried (with backoff here), whatever
   * errors.retry.timeout says; the task stays RUNNING and its status carries the cause until a poll works.
   */
  private async pollOnce(signal: AbortSignal): Promise<SourceRecord[] | null | typeof SKIP> {
    try {
      const r = await this.d.task.poll(signal);
      if (this.retryDelay > 0) {
        this.retryDelay = 0;
        this.d.listener.onRunning(this.id);
        this.d.log.info({}, 'task recovered');
      }
      return r;
    } catch (e) {
      if (!(e instanceof RetriableError) || signal.aborted) throw e;
      this.retryDelay = Math.min(Math.max(this.retryDelay * 2, 300), 10_000);
      this.d.log.warn({ err: e.message, retryInMs: this.retryDelay }, 'poll() failed with a retriable error; retrying');
      this.d.listener.onRetrying?.(this.id, e);
      await sleep(this.retryDelay, signal);
      return SKIP;
    }
  }

  /** Transforms and converts a polled batch and starts producing it. */
  private send(records: SourceRecord[]): InFlight {
    const { converters: conv, errors: ops, transformer } = this.d;
    const out: OutRecord[] = [];
    const sentIndex: number[] = new Array<number>(records.length).fill(-1);
    for (let i = 0; i < records.length; i++) {
      const original = records[i]!;
      const describe = () => `topic=${original.topic} partition=${String(original.sourcePartition && JSON.stringify(original.sourcePartition))} offset=${JSON.stringify(original.sourceOffset)}`;
      const r = ops.run('TRANSFORMATION', 'transforms', () => transformer.apply(original), undefined, describe);
      if (r === SKIP || r === null) continue;
      const headers = serializeHeaders(ops, conv, r.topic, r.headers);
      if (headers === SKIP) continue;
      const key = ops.run('KEY_CONVERTER', conv.keyClass, () => conv.key.fromConnectData(r.topic, r.headers, r.keySchema, r.key), undefined, describe);
      if (key === SKIP) continue;
      const value = ops.run('VALUE_CONVERTER', conv.valueClass, () => conv.value.fromConnectData(r.topic, r.headers, r.valueSchema, r.value), undefined, describe);
      if (value === SKIP) continue;
      sentIndex[i] = out.length;
      out.push({ topic: r.topic, partition: r.kafkaPartition, key, value, headers, timestamp: r.timestamp });
      if (this.d.onTopicUsed && !this.topicsSeen.has(r.topic)) { this.topicsSeen.add(r.topic); this.d.onTopicUsed(r.topic); }
    }
    const sent = out.length === 0 ? Promise.resolve([]) : this.d.producer.send(out);
    sent.catch(() => undefined); // observed in drain(); avoid an unhandled rejection meanwhile
    return { records, sent, sentIndex };
  }

  /** Canonical key of a source partition; connectors usually reuse one partition object per batch, so cache it. */
  private readonly keyCache = new WeakMap<SourcePartition, string>();
  private partitionKey(p: SourcePartition): string {
    let k = this.keyCache.get(p);
    if (k === undefined) { k = canonicalJson(p); this.keyCache.set(p, k); }
    return k;
  }

  /** Waits for the oldest batches until at most `keep` remain in flight; applies their offsets in order. */
  private async drain(inflight: InFlight[], keep: number, flushEncoded = false): Promise<void> {
    // The byte path's sends are the task's own (it bounds them itself): pause, stop and failure wait for them too.
    if (flushEncoded && this.encoded) await this.encoded.flushEncoded();
    while (inflight.length > keep) {
      const b = inflight[0]!;
      const meta = await b.sent;
      inflight.shift();
      const task = this.d.task;
      let written = 0;
      for (let i = 0; i < b.records.length; i++) {
        const r = b.records[i]!;
        const idx = b.sentIndex[i]!;
        const m = idx >= 0 ? meta[idx] ?? null : null;
        if (m) written++;
        // Also under exactly-once, at acknowledgement (before the transaction commits): a task's state records
        // written in the same transaction (transactionRecords) then cover every record of it.
        if (task.commitRecord) task.commitRecord(r, m);
        if (r.sourcePartition && r.sourceOffset) this.pendingOffsets.set(this.partitionKey(r.sourcePartition), { partition: r.sourcePartition, offset: r.sourceOffset });
      }
      metrics.sourceRecordWrite.inc(this.labels, written);
      this.stats.write.add(written);
      this.activeChanged(-b.records.length);
    }
  }

  /** Offsets reached so far: a transaction at its boundary (exactly-once), else a periodic offset flush. */
  private async commitOffsets(inflight: InFlight[], force: boolean, polledRecords = false): Promise<void> {
    const tx = this.d.transactions;
    if (!tx) { await this.maybeCommit(force); return; }
    if (this.txnOpenSince === null) return;
    const due = force || (tx.boundary === 'poll' ? polledRecords : Date.now() - this.txnOpenSince >= tx.intervalMs);
    if (due) await this.commitTransaction(inflight, tx);
  }

  private beginTransaction(): void {
    if (!this.d.transactions || this.txnOpenSince !== null) return;
    this.d.producer.beginTransaction();
    this.txnOpenSince = Date.now();
  }

  /**
   * Waits until every record of the transaction is acknowledged, writes the offsets they reach to the offsets
   * topic in the same transaction (with the task's own state records, if it has any), and commits it. Only
   * then are the offsets applied to the worker's view and the task's commit() run. A failure here fails the task (its loop aborts the
   * transaction): nothing of it becomes visible to read_committed readers, and the task resumes from the
   * offsets of the last committed transaction.
   */
  private async commitTransaction(inflight: InFlight[], tx: SourceTransactions): Promise<void> {
    await this.drain(inflight, 0, true);
    const entries = [...this.pendingOffsets.values()].map((e) => ({ connector: this.id.connector, partition: e.partition, offset: e.offset }));
    const end = metrics.offsetCommitLatency.startTimer(this.labels);
    const started = Date.now();
    let metadata: RecordMetadata[] = [];
    try {
      const state = this.txnState ? await this.txnState.transactionRecords() : [];
      const offsetRecords: OutRecord[] = entries.map((e) => ({
        topic: tx.offsetsTopic, partition: null, key: Buffer.from(encodeOffsetKey(e.connector, e.partition), 'utf8'),
        value: e.offset === null ? null : Buffer.from(encodeOffsetValue(e.offset) ?? '', 'utf8'), headers: [], timestamp: null,
      }));
      if (offsetRecords.length + state.length > 0) metadata = (await this.d.producer.send([...offsetRecords, ...state])).slice(0, offsetRecords.length);
      await this.d.producer.commitTransaction();
    } catch (e) {
      metrics.offsetCommitFailure.inc(this.labels);
      throw e;
    }
    this.txnOpenSince = null;
    this.pendingOffsets.clear();
    tx.committed(entries, metadata);
    metrics.offsetCommitSuccess.inc(this.labels);
    this.stats.commit.record(Date.now() - started);
    end();
    const task = this.d.task;
    try { await task.commit?.(); } catch (e) { this.d.log.warn({ err: (e as Error).message }, 'task.commit() failed'); }
  }

  private async abortTransaction(): Promise<void> {
    if (this.txnOpenSince === null) return;
    this.txnOpenSince = null;
    this.pendingOffsets.clear();
    if (this.encoded) await this.encoded.flushEncoded().catch(() => undefined);
    try {
      await this.d.producer.abortTransaction();
      this.d.log.warn({}, 'transaction aborted: none of its records or offsets are visible to read_committed readers');
    } catch (e) {
      this.d.log.warn({ err: (e as Error).message }, 'aborting the transaction failed; the coordinator aborts it after transaction.timeout.ms, or the next producer of this transactional.id does at once');
    }
  }

  private async maybeCommit(force: boolean): Promise<void> {
    if (!force && Date.now() - this.lastCommit < this.d.offsetFlushIntervalMs) return;
    this.lastCommit = Date.now();
    if (this.pendingOffsets.size === 0) return;
    const entries = [...this.pendingOffsets.values()].map((e) => ({ connector: this.id.connector, partition: e.partition, offset: e.offset }));
    this.pendingOffsets.clear();
    const end = metrics.offsetCommitLatency.startTimer(this.labels);
    const started = Date.now();
    try {
      await this.d.offsetStore.set(entries);
      metrics.offsetCommitSuccess.inc(this.labels);
      this.stats.commit.record(Date.now() - started);
      end();
    } catch (e) {
      metrics.offsetCommitFailure.inc(this.labels);
      // Put them back unless newer offsets arrived meanwhile, so the next commit retries.
      for (const en of entries) {
        const k = canonicalJson(en.partition);
        if (!this.pendingOffsets.has(k)) this.pendingOffsets.set(k, { partition: en.partition, offset: en.offset! });
      }
      this.d.log.error({ err: (e as Error).message }, 'offset commit failed');
      return;
    }
    try { await this.d.task.commit?.(); } catch (e) { this.d.log.warn({ err: (e as Error).message }, 'task.commit() failed'); }
  }
}

export { sleep };
