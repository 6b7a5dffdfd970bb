// Sink task loop: consume (group connect-<name>) → converters → transforms → put() → periodic
// flush() + offset commit. Records that fail conversion/transformation go through errors.tolerance and the
// dead-letter queue; the DLQ produce is awaited before the offsets past those records are committed.
import type { SinkTask, SinkTaskContext, TopicPartition } from '../api/connector.js';
import { sinkRecord, type SinkRecord } from '../api/records.js';
import { ConnectError, RetriableError, errorTrace } from '../api/errors.js';
import type { GroupConsumer, InRecord } from '../../kafka/consumer.js';
import type { Logger } from '../../observability/logger.js';
import { metrics, strimziConnect } from '../../observability/metrics.js';
import type { SampledStat } from '../../observability/windowed-stats.js';
import { SKIP, sleep, type RetryWithToleranceOperator } from './error-handling.js';
import { deferred, deserializeHeaders, pluginLogger, type RecordTransformer, type TaskConverters, type TaskId, type TaskRunner, type TaskStatusListener } from './task-common.js';

export interface SinkTaskRunnerDeps {
  id: TaskId;
  task: SinkTask;
  taskProps: Record<string, string>;
  converters: TaskConverters;
  transformer: RecordTransformer;
  /** Creates the task's consumer; called again when a topics.regex subscription must pick up new topics. */
  consumerFactory: () => GroupConsumer;
  /** How often a topics.regex subscription looks for new matching topics (Java: metadata.max.age.ms). */
  regexRefreshMs?: number;
  /** Lists the cluster's topics (for the topics.regex refresh). */
  listTopics?: () => Promise<string[]>;
  subscription: string[] | RegExp;
  errors: RetryWithToleranceOperator;
  listener: TaskStatusListener;
  log: Logger;
  offsetFlushIntervalMs: number;
  onTopicUsed?: (topic: string) => void;
  startPaused?: boolean;
}

type Offsets = Map<string, { topic: string; partition: number; offset: number }>;

export class SinkTaskRunner implements TaskRunner {
  readonly id: TaskId;
  private paused: boolean;
  private stopping = false;
  private failed = false;
  private resumeWaiter = deferred();
  private readonly finished = deferred();
  readonly done = this.finished.promise;
  private readonly abort = new AbortController();
  /** Next offsets to read for everything handed to put(). */
  private readonly current: Offsets = new Map();
  private lastCommit = Date.now();
  private commitRequested = false;
  private handling: Promise<void> = Promise.resolve();
  private readonly labels: { connector: string; task: string };
  /** Connect's windowed task metrics (Strimzi names), recorded per batch. */
  private readonly stats: { read: SampledStat; send: SampledStat; batch: SampledStat; commit: SampledStat };
  private readonly topicsSeen = new Set<string>();
  private started = false;
  private consumer: GroupConsumer;
  private regexTimer: NodeJS.Timeout | null = null;
  private commitTimer: NodeJS.Timeout | null = null;
  /** The tail of the batches, rebalance callbacks and timed commits, which run one at a time (exclusive). */
  private turn: Promise<void> = Promise.resolve();
  private matchedTopics = new Set<string>();

  constructor(private readonly d: SinkTaskRunnerDeps) {
    this.id = d.id;
    this.paused = d.startPaused ?? false;
    this.labels = { connector: d.id.connector, task: String(d.id.task) };
    this.stats = {
      read: strimziConnect.sinkRecordRead.series(this.labels), send: strimziConnect.sinkRecordSend.series(this.labels),
      batch: strimziConnect.batchSize.series(this.labels), commit: strimziConnect.offsetCommitTime.series(this.labels),
    };
    this.consumer = d.consumerFactory();
  }

  start(): void {
    // A task's counters exist from its start, at 0 (as Connect's task metrics do), also after a restart removed
    // the previous run's series.
    for (const m of [metrics.sinkRecordRead, metrics.sinkRecordSend, metrics.offsetCommitSuccess, metrics.offsetCommitFailure]) m.inc(this.labels, 0);
    void this.run().catch((err: unknown) => this.fail(err));
  }

  /**
   * kafkajs resolves a regex subscription once; Java consumers re-match on every metadata refresh. When new
   * matching topics appear, commit, close the consumer and subscribe again with a fresh one.
   */
  private watchRegex(): void {
    const regex = this.d.subscription;
    if (!(regex instanceof RegExp) || !this.d.listTopics) return;
    const listTopics = this.d.listTopics;
    this.regexTimer = setInterval(() => {
      void (async () => {
        if (this.stopping || this.failed) return;
        const matching = (await listTopics()).filter((t) => regex.test(t));
        if (matching.every((t) => this.matchedTopics.has(t))) return;
        this.d.log.info({ topics: matching.filter((t) => !this.matchedTopics.has(t)) }, 'new topics match topics.regex; resubscribing');
        await this.resubscribe();
      })().catch((e: Error) => this.d.log.warn({ err: e.message }, 'topics.regex refresh failed'));
    }, this.d.regexRefreshMs ?? 300_000);
    this.regexTimer.unref();
  }

  private async resubscribe(): Promise<void> {
    const old = this.consumer;
    const pausedBefore = this.paused;
    this.paused = true; // hold deliveries while switching consumers
    await this.handling;
    await this.turn;
    try { await this.commit(); } catch { /* logged in commit */ }
    await old.stop();
    this.current.clear();
    this.consumer = this.d.consumerFactory();
    this.paused = pausedBefore;
    await this.subscribeAndRun();
  }

  private async subscribeAndRun(): Promise<void> {
    await this.consumer.subscribe(this.d.subscription, this.abort.signal);
    if (this.stopping) return;
    if (this.d.subscription instanceof RegExp && this.d.listTopics) {
      const regex = this.d.subscription;
      this.matchedTopics = new Set((await this.d.listTopics()).filter((t) => regex.test(t)));
    }
    const consumer = this.consumer;
    consumer.onCrash((err, restarting) => {
      if (this.stopping || consumer !== this.consumer) return;
      if (restarting) this.d.log.warn({ err: err.message }, 'consumer crashed; it restarts itself');
      else this.fail(new ConnectError(`The task's consumer stopped: ${err.message}`, { cause: err }));
    });
    // Connect's open()/close(): partitions newly assigned are opened, revoked ones closed (their uncommitted
    // offsets dropped: another task owns them now), in turn with batches and commits.
    consumer.onAssignmentChange((assigned, revoked) => {
      if (consumer !== this.consumer) return;
      void this.exclusive(() => this.rebalanced(assigned, revoked)).catch((e: unknown) => this.fail(e));
    });
    await this.consumer.run((records, heartbeat) => {
      const p = this.exclusive(() => this.handle(records, heartbeat));
      this.handling = p.catch(() => undefined);
      return p;
    });
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.resumeWaiter = deferred();
    if (!this.failed) this.d.listener.onPaused(this.id);
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resumeWaiter.resolve();
    if (!this.failed) this.d.listener.onRunning(this.id);
  }

  private context(): SinkTaskContext {
    const c = () => this.consumer;
    return {
      logger: pluginLogger(this.d.log),
      taskId: this.id.task,
      connectorName: this.id.connector,
      offset: (offsets: Map<TopicPartition, number>) => { for (const [tp, off] of offsets) c().seek({ ...tp, offset: off }); },
      requestCommit: () => { this.commitRequested = true; },
      pause: (...tps: TopicPartition[]) => c().pause(tps),
      resume: (...tps: TopicPartition[]) => c().resume(tps),
      assignment: () => c().assignment().map(({ topic, partition }) => ({ topic, partition })),
    };
  }

  private async run(): Promise<void> {
    const { task } = this.d;
    task.initialize(this.context());
    await task.start(this.d.taskProps);
    this.started = true;
    if (this.paused) this.d.listener.onPaused(this.id);
    else this.d.listener.onRunning(this.id);
    this.watchRegex();
    this.startCommitTimer();
    await this.subscribeAndRun();
  }

  /** Runs batches, rebalance callbacks and timed commits one at a time. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.turn.then(fn, fn);
    this.turn = next.then(() => undefined, () => undefined);
    return next;
  }

  private async rebalanced(assigned: TopicPartition[], revoked: TopicPartition[]): Promise<void> {
    if (this.stopping || this.failed) return;
    if (revoked.length > 0) {
      for (const tp of revoked) this.current.delete(`${tp.topic}\u0000${tp.partition}`);
      this.d.log.info({ partitions: revoked.map((tp) => `${tp.topic}-${tp.partition}`) }, 'partitions revoked; closing them in the task');
      await this.d.task.close?.(revoked);
    }
    if (assigned.length > 0) await this.d.task.open?.(assigned);
  }

  /**
   * offset.flush.interval.ms (and requestCommit()) also while no records arrive, as Connect's poll loop does: a
   * task that writes on its own schedule (e.g. S3Sink's rotate.schedule.interval.ms) gets its offsets committed.
   * A failed timed commit is retried at the next tick, not fatal.
   */
  private commitDue(): boolean {
    return this.commitRequested || Date.now() - this.lastCommit >= this.d.offsetFlushIntervalMs;
  }

  private startCommitTimer(): void {
    const every = Math.max(50, Math.min(1_000, this.d.offsetFlushIntervalMs));
    this.commitTimer = setInterval(() => {
      if (this.stopping || this.failed || this.paused || this.current.size === 0 || !this.commitDue()) return;
      void this.exclusive(async () => {
        if (this.stopping || this.failed || !this.commitDue()) return;
        await this.commit();
      }).catch(() => undefined);
    }, every);
    this.commitTimer.unref();
  }

  private async handle(records: InRecord[], heartbeat: () => Promise<void>): Promise<void> {
    if (this.stopping || this.failed) return;
    while (this.paused && !this.stopping) {
      await Promise.race([this.resumeWaiter.promise, sleep(3_000)]);
      await heartbeat().catch(() => undefined);
    }
    if (this.stopping) return;
    try {
      metrics.sinkRecordRead.inc(this.labels, records.length);
      this.stats.read.add(records.length);
      const batch = this.convert(records);
      await this.put(batch, heartbeat);
      const last = records[records.length - 1]!;
      this.current.set(`${last.topic}\u0000${last.partition}`, { topic: last.topic, partition: last.partition, offset: last.offset + 1 });
      if (this.commitDue()) await this.commit();
    } catch (err) {
      this.fail(err);
      // Stop consuming: throwing would make kafkajs retry the batch; a FAILED task must not process more.
    }
  }

  private convert(records: InRecord[]): SinkRecord[] {
    const { converters: conv, errors: ops, transformer } = this.d;
    const out: SinkRecord[] = [];
    for (const m of records) {
      const headers = deserializeHeaders(ops, conv, m.topic, m.headers);
      if (headers === SKIP) continue;
      const key = ops.run('KEY_CONVERTER', conv.keyClass, () => conv.key.toConnectData(m.topic, headers, m.key), m);
      if (key === SKIP) continue;
      const value = ops.run('VALUE_CONVERTER', conv.valueClass, () => conv.value.toConnectData(m.topic, headers, m.value), m);
      if (value === SKIP) continue;
      const rec = sinkRecord({
        topic: m.topic, kafkaPartition: m.partition, kafkaOffset: m.offset,
        keySchema: key.schema, key: key.value, valueSchema: value.schema, value: value.value,
        timestamp: Number.isFinite(m.timestamp) ? m.timestamp : null, headers,
      });
      const t = ops.run('TRANSFORMATION', 'transforms', () => transformer.apply(rec), m);
      if (t === SKIP || t === null) continue;
      out.push(t as SinkRecord);
      if (this.d.onTopicUsed && !this.topicsSeen.has(m.topic)) { this.topicsSeen.add(m.topic); this.d.onTopicUsed(m.topic); }
    }
    return out;
  }

  /** put() with Connect's semantics for RetriableError: back off and redeliver the same batch until stopped. */
  private async put(batch: SinkRecord[], heartbeat: () => Promise<void>): Promise<void> {
    metrics.batchSize.observe(this.labels, batch.length);
    this.stats.batch.record(batch.length);
    let delay = 300;
    for (;;) {
      try {
        await this.d.task.put(batch);
        metrics.sinkRecordSend.inc(this.labels, batch.length);
        this.stats.send.add(batch.length);
        return;
      } catch (e) {
        if (!(e instanceof RetriableError) || this.stopping) throw e;
        this.d.log.warn({ err: e.message, retryInMs: delay }, 'put() failed with a retriable error; redelivering the batch');
        await sleep(delay, this.abort.signal);
        await heartbeat().catch(() => undefined);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  private async commit(): Promise<void> {
    this.commitRequested = false;
    this.lastCommit = Date.now();
    if (this.current.size === 0) return;
    const end = metrics.offsetCommitLatency.startTimer(this.labels);
    const started = Date.now();
    try {
      let offsets: Offsets = new Map(this.current);
      await this.d.task.flush?.(offsets);
      if (this.d.task.preCommit) offsets = await this.d.task.preCommit(offsets);
      await this.d.errors.flushReports();
      await this.consumer.commit([...offsets.values()]);
      metrics.offsetCommitSuccess.inc(this.labels);
      this.stats.commit.record(Date.now() - started);
      end();
    } catch (e) {
      metrics.offsetCommitFailure.inc(this.labels);
      this.d.log.error({ err: (e as Error).message }, 'offset commit failed');
      throw e;
    }
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.d.log.error({ err: errorTrace(err) }, 'task failed');
    this.d.listener.onFailed(this.id, err);
    // Release the consumer so the partitions are not held by a dead task.
    void this.shutdown(false);
  }

  async stop(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((r) => { timer = setTimeout(() => r(true), timeoutMs); });
    const finished = await Promise.race([this.shutdown(true).then(() => false), timedOut]);
    clearTimeout(timer);
    if (finished) this.d.log.warn({ timeoutMs }, 'sink task did not stop within task.shutdown.graceful.timeout.ms');
  }

  private shutdownPromise: Promise<void> | null = null;

  private shutdown(graceful: boolean): Promise<void> {
    this.shutdownPromise ??= (async () => {
      this.stopping = true;
      this.abort.abort();
      this.resumeWaiter.resolve();
      await this.handling;
      await this.turn;
      if (graceful && !this.failed && this.started) {
        try { await this.commit(); } catch { /* logged in commit */ }
      }
      if (this.regexTimer) clearInterval(this.regexTimer);
      if (this.commitTimer) clearInterval(this.commitTimer);
      await this.consumer.stop();
      if (this.started) {
        try { await this.d.task.close?.(this.consumer.assignment().map(({ topic, partition }) => ({ topic, partition }))); } catch { /* best effort */ }
        try { await this.d.task.stop(); } catch (e) { this.d.log.warn({ err: (e as Error).message }, 'task.stop() failed'); }
      }
      this.d.transformer.close();
      await this.d.errors.close().catch(() => undefined);
      if (!this.failed) this.d.listener.onStopped(this.id);
      this.finished.resolve();
    })();
    return this.shutdownPromise;
  }
}
