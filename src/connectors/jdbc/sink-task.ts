// JdbcSinkTask: writes each put() in one transaction. Transient database failures (connection loss, deadlock,
// lock timeout) become RetriableErrors so the runtime redelivers the batch, up to max.retries times, with
// retry.backoff.ms between attempts; anything else fails the task with the database's message.
import {
  ConfigError, ConnectError, DataError, RetriableError, SinkTask, type Props, type SinkRecord,
} from '../../connect/api/index.js';
import { parseSinkConfig, type SinkSettings } from './config.js';
import { dialectFor } from './dialect.js';
import { classifyError, describeError, openSession, target, type Session } from './session.js';
import { SinkWriter } from './sink-writer.js';

export class JdbcSinkTask extends SinkTask {
  private settings!: SinkSettings;
  private writer!: SinkWriter;
  private session: Session | null = null;
  private remainingRetries = 0;
  private retryAt = 0;
  private readonly stopping = new AbortController();

  override version(): string { return '10.9.7-ferry'; }

  start(props: Props): void {
    this.settings = parseSinkConfig(props);
    this.remainingRetries = this.settings.maxRetries;
    this.writer = new SinkWriter(this.settings, dialectFor(this.settings.url.dialect), this.context.logger);
  }

  async put(records: SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    const wait = this.retryAt - Date.now();
    if (wait > 0) await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, wait);
      this.stopping.signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
    });
    try {
      const session = await this.ensureSession();
      await this.writer.write(session, records);
      this.remainingRetries = this.settings.maxRetries;
      this.retryAt = 0;
    } catch (e) {
      throw await this.failure(e, records.length);
    }
  }

  private async failure(e: unknown, count: number): Promise<Error> {
    if (e instanceof DataError || e instanceof ConfigError) return e;
    this.writer.invalidate();
    const retriable = e instanceof RetriableError || ['connection', 'transient'].includes(classifyError(e));
    const cause = e instanceof RetriableError ? e.message : describeError(e);
    if (e instanceof RetriableError || classifyError(e) === 'connection' || this.session?.usable === false) await this.dropSession();
    if (!retriable) {
      return e instanceof ConnectError ? e : new ConnectError(`Writing ${count} records to ${target(this.settings)} failed: ${cause}`, { cause: e });
    }
    if (this.remainingRetries <= 0) {
      return new ConnectError(`Writing ${count} records to ${target(this.settings)} failed after ${this.settings.maxRetries} retries: ${cause}`, { cause: e });
    }
    this.remainingRetries--;
    this.retryAt = Date.now() + this.settings.retryBackoffMs;
    this.context.logger.warn({ err: cause, remainingRetries: this.remainingRetries }, 'Write failed; the batch will be retried');
    return new RetriableError(`Writing ${count} records to ${target(this.settings)} failed, will retry (${this.remainingRetries} retries left): ${cause}`, { cause: e });
  }

  private async ensureSession(): Promise<Session> {
    if (this.session?.usable) return this.session;
    await this.dropSession();
    this.session = await openSession(this.settings, { logger: this.context.logger, signal: this.stopping.signal });
    return this.session;
  }

  private async dropSession(): Promise<void> {
    const s = this.session;
    this.session = null;
    if (s) await s.close().catch(() => undefined);
  }

  /** Every put() commits before returning, so there is nothing left to flush. */
  override flush(): void {}

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.dropSession();
  }
}
