// JdbcSourceTask: polls its tables (or the custom query) one at a time, oldest pass first, and returns rows as
// records whose offsets let a restarted task — Ferry's or the Java connector's — continue without gaps.
import {
  ConfigError, ConnectError, DataError, RetriableError, SourceTask, type Props, type SourceRecord,
} from '../../connect/api/index.js';
import { parseSourceConfig, type SourceSettings } from './config.js';
import { splitNameList, unquotedName, type TableId } from './dialect.js';
import {
  EMPTY_OFFSET, TableQuerier, currentTime, offsetFromMap, type QuerierOffset,
} from './querier.js';
import { classifyError, describeError, openSession, target, type Session } from './session.js';
import {
  QUERY_PARTITION, describeTable, findColumn, tablePartitionV0, tablePartitionV1,
} from './tables.js';
import { timestampFrom } from './time.js';
import { sleep } from '../../backoff.js';

/** Longest a poll() blocks while no table is due. */
const MAX_IDLE_WAIT_MS = 1000;

/** The table went away (PostgreSQL 42P01, MySQL 1146); the connector's table monitor will reassign tasks. */
function isMissingTable(e: unknown): boolean {
  const x = e as { code?: unknown; errno?: unknown } | null;
  return x !== null && typeof x === 'object' && (x.code === '42P01' || x.errno === 1146);
}

export class JdbcSourceTask extends SourceTask {
  private settings!: SourceSettings;
  private session: Session | null = null;
  private queriers: TableQuerier[] = [];
  private idle = false;
  private readonly stopping = new AbortController();
  private inflight: Promise<unknown> | null = null;

  override version(): string { return '10.9.7-ferry'; }

  async start(props: Props): Promise<void> {
    this.settings = parseSourceConfig(props);
    const s = this.settings;
    const tableNames = splitNameList(s.tables);
    if (s.query === '' && tableNames.length === 0) {
      if (!s.tablesFetched) {
        this.idle = true;
        this.context.logger.info({}, 'JDBC source task started; waiting for the connector to assign tables');
        return;
      }
      throw new ConfigError('Task is being killed because it was not assigned a table nor a query to execute. '
        + 'If run in table mode please make sure that the tables exist on the database.');
    }
    if (s.query !== '' && tableNames.length > 0) {
      throw new ConfigError('Invalid configuration: a JdbcSourceTask cannot have both a table and a query assigned to it');
    }
    try {
      await this.createQueriers(tableNames);
    } catch (e) {
      // A task that fails to start keeps no connection open.
      await this.dropSession();
      throw e;
    }
  }

  private async createQueriers(tableNames: string[]): Promise<void> {
    const s = this.settings;
    const session = await this.ensureSession();
    const dialect = session.dialect;
    const tables: (TableId | null)[] = s.query !== '' ? [null] : tableNames.map((n) => dialect.parseTableName(n));
    const queriers: TableQuerier[] = [];
    for (const table of tables) {
      let incrementingColumn: string | null = s.incrementingColumn || null;
      let timestampColumns = s.timestampColumns;
      const incremental = s.mode === 'incrementing' || s.mode === 'timestamp+incrementing';
      const timed = s.mode === 'timestamp' || s.mode === 'timestamp+incrementing';
      if (table) {
        const columns = await describeTable(session, table);
        const where = `table ${unquotedName(table)}`;
        if (columns === null) throw new ConfigError(`Table ${unquotedName(table)} does not exist`);
        if (incremental) {
          if (incrementingColumn) {
            const c = findColumn(columns, incrementingColumn);
            if (!c) throw new ConfigError(`Incrementing column: ${incrementingColumn} does not exist in ${where}.`, { 'incrementing.column.name': [`${incrementingColumn} does not exist in ${where}`] });
            if (s.validateNonNull && c.nullable) {
              throw new ConfigError(`Cannot make incremental queries using incrementing column ${c.name} on ${unquotedName(table)} because this column is nullable.`);
            }
            incrementingColumn = c.name;
          } else {
            const auto = columns.find((c) => c.autoIncrement);
            if (!auto) throw new ConfigError(`No incrementing.column.name given and ${where} has no auto-increment column`, { 'incrementing.column.name': ['required: no auto-increment column found'] });
            incrementingColumn = auto.name;
          }
        }
        if (timed) {
          const found = timestampColumns.map((n) => ({ n, c: findColumn(columns, n) }));
          const missing = found.filter((f) => !f.c).map((f) => f.n);
          if (missing.length > 0) throw new ConfigError(`Timestamp columns: ${missing.join(', ')} do not exist in ${where}.`, { 'timestamp.column.name': [`${missing.join(', ')} not in ${where}`] });
          timestampColumns = found.map((f) => f.c!.name);
          if (s.validateNonNull && found.every((f) => f.c!.nullable)) {
            throw new ConfigError(`Cannot make incremental queries using timestamp columns ${s.timestampColumns.join(',')} on ${unquotedName(table)} because all of these columns are nullable.`);
          }
        }
      } else if (incremental && !incrementingColumn) {
        throw new ConfigError('incrementing.column.name must be set in query mode', { 'incrementing.column.name': ['required in query mode'] });
      }
      const offset = s.mode === 'bulk' ? EMPTY_OFFSET : await this.initialOffset(table, session);
      queriers.push(new TableQuerier({
        dialect, mode: s.mode, table, query: table ? null : s.query,
        incrementingColumn: incremental ? incrementingColumn : null,
        timestampColumns: timed ? timestampColumns : [],
        timestampDelayMs: s.timestampDelayMs, suffix: s.querySuffix, topicPrefix: s.topicPrefix,
        numericMapping: s.numericMapping, zone: s.zone, offset,
      }));
    }
    this.queriers = queriers;
    this.context.logger.info({ tables: tables.map((t) => (t ? unquotedName(t) : 'query')), mode: s.mode }, 'JDBC source task started');
  }

  /** Stored offset (protocol 1 partition first, then the legacy one), else timestamp.initial, else nothing. */
  private async initialOffset(table: TableId | null, session: Session): Promise<QuerierOffset> {
    const reader = this.context.offsetStorageReader;
    const partitions = table ? [tablePartitionV1(table), tablePartitionV0(table)] : [{ ...QUERY_PARTITION }];
    for (const p of partitions) {
      const stored = await reader.offset(p);
      if (stored) {
        this.context.logger.info({ partition: p, offset: stored }, 'Resuming from stored offset');
        return offsetFromMap(stored);
      }
    }
    const initial = this.settings.timestampInitial;
    if (initial === null) return EMPTY_OFFSET;
    const ms = initial === -1 ? (await currentTime(session)).ms : initial;
    return { incrementing: null, timestamp: timestampFrom(ms) };
  }

  private async ensureSession(): Promise<Session> {
    if (this.session && this.session.usable) return this.session;
    if (this.session) {
      const old = this.session;
      this.session = null;
      await old.close().catch(() => undefined);
    }
    const s = this.settings;
    this.session = await openSession(s, { logger: this.context.logger, signal: this.stopping.signal, isolation: s.isolation });
    return this.session;
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[] | null> {
    if (this.stopping.signal.aborted) return null;
    const p = this.pollOnce(signal);
    this.inflight = p;
    try {
      return await p;
    } finally {
      this.inflight = null;
    }
  }

  private async pollOnce(signal: AbortSignal): Promise<SourceRecord[] | null> {
    const s = this.settings;
    const signals = [signal, this.stopping.signal];
    if (this.idle) {
      await sleep(Math.min(s.pollIntervalMs, MAX_IDLE_WAIT_MS), ...signals);
      return null;
    }
    for (let attempt = 0; attempt < this.queriers.length; attempt++) {
      if (signals.some((x) => x.aborted)) return null;
      const querier = this.head();
      if (!querier.querying) {
        const wait = querier.lastUpdate + s.pollIntervalMs - Date.now();
        if (wait > 0) {
          await sleep(Math.min(wait, MAX_IDLE_WAIT_MS), ...signals);
          return null;
        }
      }
      try {
        const session = await this.ensureSession();
        if (!querier.querying) await querier.start(session);
        const { records, done } = await querier.next(s.batchMaxRows);
        querier.retries = 0;
        if (done) await querier.reset(Date.now());
        if (records.length > 0) return records;
      } catch (e) {
        await querier.reset(Date.now());
        const err = await this.failure(querier, e);
        if (err) throw err;
        return null;
      } finally {
        if (!querier.querying && this.session?.usable === false) await this.dropSession();
      }
    }
    return null;
  }

  /**
   * Maps a failure to what the runtime should see: a RetriableError (connection lost), an error that fails the
   * task, or null — a transient query error (deadlock, a table dropped before the connector noticed) that is
   * retried here after poll.interval.ms, up to query.retry.attempts times, as the Java connector does.
   */
  private async failure(querier: TableQuerier, e: unknown): Promise<Error | null> {
    if (e instanceof RetriableError || e instanceof ConfigError || e instanceof DataError) {
      if (e instanceof RetriableError) await this.dropSession();
      return e;
    }
    const cls = classifyError(e);
    const what = querier.where;
    if (cls === 'connection') {
      await this.dropSession();
      return new RetriableError(`Lost connection to ${target(this.settings)} while querying ${what}: ${describeError(e)}`, { cause: e });
    }
    if (cls === 'transient' || isMissingTable(e)) {
      querier.retries++;
      const max = this.settings.queryRetryAttempts;
      if (max >= 0 && querier.retries > max) {
        return new ConnectError(`Failed to query ${what} after ${max} retries: ${describeError(e)}`, { cause: e });
      }
      this.context.logger.warn({ err: describeError(e), attempt: querier.retries }, `Error querying ${what}; retrying after poll.interval.ms`);
      return null;
    }
    if (e instanceof ConnectError) return e;
    const sql = this.settings.queryMasked && this.settings.query !== '' ? '(query masked)' : querier.sql;
    return new ConnectError(`Failed to run query for ${what} (${sql}): ${describeError(e)}`, { cause: e });
  }

  private head(): TableQuerier {
    // A querier in the middle of a pass stays at the head until its result is exhausted.
    const active = this.queriers.find((q) => q.querying);
    if (active) return active;
    let best = this.queriers[0]!;
    for (const q of this.queriers) if (q.lastUpdate < best.lastUpdate) best = q;
    return best;
  }

  private async dropSession(): Promise<void> {
    const old = this.session;
    this.session = null;
    if (old) await old.close().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    const inflight = this.inflight;
    if (inflight) {
      await Promise.race([inflight.catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
    }
    for (const q of this.queriers) await q.reset(Date.now());
    await this.dropSession();
  }
}
