// errors.tolerance / errors.retry.* / errors.log.* / dead-letter queue, as Connect's
// RetryWithToleranceOperator and its reporters. Per-record stages (converters, transforms) run through
// `run`, a synchronous fast path that only allocates on failure.
import { ConnectError, RetriableError, errorTrace } from '../api/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { InRecord } from '../../kafka/consumer.js';
import type { RecordProducer } from '../../kafka/producer.js';
import { sleep } from '../../backoff.js';

export type Stage = 'KEY_CONVERTER' | 'VALUE_CONVERTER' | 'HEADER_CONVERTER' | 'TRANSFORMATION' | 'TASK_PUT' | 'TASK_POLL' | 'KAFKA_PRODUCE' | 'KAFKA_CONSUME';

const TOLERABLE_STAGES = new Set<Stage>(['KEY_CONVERTER', 'VALUE_CONVERTER', 'HEADER_CONVERTER', 'TRANSFORMATION']);
const RETRY_DELAY_MIN_MS = 300;

export interface ErrorHandlingConfig {
  retryTimeoutMs: number;
  retryDelayMaxMs: number;
  tolerance: 'none' | 'all';
  logEnable: boolean;
  logIncludeMessages: boolean;
}

export function errorHandlingConfig(values: Record<string, unknown>): ErrorHandlingConfig {
  return {
    retryTimeoutMs: Number(values['errors.retry.timeout'] ?? 0),
    retryDelayMaxMs: Number(values['errors.retry.delay.max.ms'] ?? 60_000),
    tolerance: String(values['errors.tolerance'] ?? 'none').toLowerCase() === 'all' ? 'all' : 'none',
    logEnable: Boolean(values['errors.log.enable'] ?? false),
    logIncludeMessages: Boolean(values['errors.log.include.messages'] ?? false),
  };
}

export interface ErrorContext {
  stage: Stage;
  /** Plugin class that failed (converter, transform or task class). */
  className: string;
  error: unknown;
  /** The consumed record (sink side), when there is one. */
  consumed?: InRecord;
  /** A short description of the record for logs (source side). */
  describe?: () => string;
}

export interface ErrorReporter {
  report(ctx: ErrorContext): Promise<void>;
  close?(): Promise<void>;
}

/** Thrown when an error is not tolerated; the task fails with it as cause. */
export class ToleranceExceededError extends ConnectError {
  constructor(cause: unknown) {
    super('Tolerance exceeded in error handler', { cause });
  }
}

export const SKIP: unique symbol = Symbol('skip-record');

export class RetryWithToleranceOperator {
  private errored = 0;
  /** Connect's task-error-metrics: failed attempts (retries included), records skipped, errors logged. */
  private attempts = 0;
  private skipped = 0;
  private logged = 0;
  private pendingReports: Promise<void>[] = [];

  constructor(
    readonly config: ErrorHandlingConfig,
    private readonly reporters: ErrorReporter[],
    private readonly log: Logger,
  ) {}

  get totalErrors(): number { return this.errored; }
  get totalFailures(): number { return this.attempts; }
  get totalSkipped(): number { return this.skipped; }
  get totalLogged(): number { return this.logged; }

  /** Runs a per-record, synchronous stage. Returns SKIP when the failure is tolerated. */
  run<T>(stage: Stage, className: string, fn: () => T, consumed?: InRecord, describe?: () => string): T | typeof SKIP {
    try {
      return fn();
    } catch (error) {
      this.attempts++;
      return this.fail({ stage, className, error, ...(consumed ? { consumed } : {}), ...(describe ? { describe } : {}) });
    }
  }

  /** Runs an async operation, retrying RetriableError with exponential backoff up to errors.retry.timeout. */
  async runAsync<T>(stage: Stage, className: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T | typeof SKIP> {
    const deadline = this.config.retryTimeoutMs < 0 ? Infinity : Date.now() + this.config.retryTimeoutMs;
    let delay = RETRY_DELAY_MIN_MS;
    for (;;) {
      try {
        return await fn();
      } catch (error) {
        this.attempts++;
        const retriable = error instanceof RetriableError;
        if (retriable && Date.now() < deadline && !signal?.aborted) {
          const wait = Math.min(delay, this.config.retryDelayMaxMs, deadline - Date.now());
          this.log.warn({ stage, err: (error as Error).message, retryInMs: wait }, 'retriable error, retrying');
          await sleep(wait, signal);
          delay *= 2;
          continue;
        }
        return this.fail({ stage, className, error });
      }
    }
  }

  private fail(ctx: ErrorContext): typeof SKIP {
    // (returns the SKIP marker or throws)
    this.errored++;
    const tolerated = this.config.tolerance === 'all' && (TOLERABLE_STAGES.has(ctx.stage) || ctx.error instanceof RetriableError);
    if (this.config.logEnable) {
      const entry: Record<string, unknown> = { stage: ctx.stage, class: ctx.className, err: (ctx.error as Error)?.message ?? String(ctx.error) };
      if (this.config.logIncludeMessages) {
        if (ctx.consumed) entry.record = { topic: ctx.consumed.topic, partition: ctx.consumed.partition, offset: ctx.consumed.offset, key: ctx.consumed.key?.toString('utf8'), value: ctx.consumed.value?.toString('utf8') };
        else if (ctx.describe) entry.record = ctx.describe();
      }
      this.log.error(entry, tolerated ? 'error tolerated (errors.tolerance=all)' : 'error in task, tolerance exceeded');
      this.logged++;
    }
    if (!tolerated) throw new ToleranceExceededError(ctx.error);
    this.skipped++;
    for (const r of this.reporters) {
      const report = r.report(ctx);
      // Handled now so a failed DLQ produce never becomes a process-wide unhandled rejection; flushReports
      // raises it again before the next offset commit, which fails the task with the cause.
      report.catch(() => undefined);
      this.pendingReports.push(report);
    }
    return SKIP;
  }

  /** Waits until every report (e.g. DLQ produce) is durable; called before committing offsets. */
  async flushReports(): Promise<void> {
    const pending = this.pendingReports;
    this.pendingReports = [];
    const failed = (await Promise.allSettled(pending)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      const cause: unknown = failed.reason;
      throw new ConnectError(`Could not report a failed record (dead letter queue): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  }

  async close(): Promise<void> {
    await this.flushReports();
    for (const r of this.reporters) await r.close?.();
  }
}

/** Writes the original consumed record to the DLQ topic, optionally with __connect.errors.* headers. */
export class DeadLetterQueueReporter implements ErrorReporter {
  constructor(
    private readonly producer: RecordProducer,
    private readonly topic: string,
    private readonly contextHeaders: boolean,
    private readonly connectorName: string,
    private readonly taskId: number,
  ) {}

  async report(ctx: ErrorContext): Promise<void> {
    const rec = ctx.consumed;
    if (!rec) return; // Source-side errors have no consumed record; Connect's DLQ is sink-only.
    const headers: Array<[string, Buffer | null]> = [...rec.headers];
    if (this.contextHeaders) {
      const err = ctx.error instanceof Error ? ctx.error : new Error(String(ctx.error));
      const h = (k: string, v: string) => headers.push([`__connect.errors.${k}`, Buffer.from(v, 'utf8')]);
      h('topic', rec.topic);
      h('partition', String(rec.partition));
      h('offset', String(rec.offset));
      h('connector.name', this.connectorName);
      h('task.id', String(this.taskId));
      h('stage', ctx.stage);
      h('class.name', ctx.className);
      h('exception.class.name', err.name);
      h('exception.message', err.message);
      h('exception.stacktrace', errorTrace(err));
    }
    await this.producer.send([{ topic: this.topic, partition: null, key: rec.key, value: rec.value, headers, timestamp: rec.timestamp }]);
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

export { sleep };
