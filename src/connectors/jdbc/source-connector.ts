// JdbcSourceConnector: finds the tables to copy, spreads them over tasks, and watches for tables being
// created or dropped (every table.poll.interval.ms), asking the runtime to reconfigure tasks when they change.
import {
  ConfigError, SourceConnector, type ConfigDef, type Props, type TaskFactory,
} from '../../connect/api/index.js';
import {
  TABLES_CONFIG, TABLES_FETCHED_CONFIG, parseSourceConfig, sourceConfigDef, sourceCrossKeyErrors, type SourceSettings,
} from './config.js';
import { dialectFor, sameTable, unquotedName, type TableId } from './dialect.js';
import { describeError, openSession } from './session.js';
import { JdbcSourceTask } from './source-task.js';
import { duplicateTableNames, filterTables, groupPartitions, listTables } from './tables.js';

export class JdbcSourceConnector extends SourceConnector {
  private props: Props = {};
  private settings!: SourceSettings;
  private tables: TableId[] | null = null;
  private monitor: ReturnType<typeof setTimeout> | null = null;
  private readonly stopping = new AbortController();
  private checking: Promise<void> | null = null;

  override version(): string { return '10.9.7-ferry'; }

  config(): ConfigDef { return sourceConfigDef(); }

  override validate(props: Props): Record<string, string[]> {
    const { values } = sourceConfigDef().parseCollect(props);
    return sourceCrossKeyErrors(values, props);
  }

  async start(props: Props): Promise<void> {
    this.props = { ...props };
    this.settings = parseSourceConfig(props);
    if (this.settings.query !== '') {
      this.context.logger.info({}, 'JDBC source connector started in query mode');
      return;
    }
    // The first listing happens now so taskConfigs() has tables; failures surface as the connector's error.
    this.tables = await this.fetchTables();
    this.context.logger.info({ tables: this.tables.map(unquotedName) }, 'JDBC source connector started');
    this.scheduleMonitor();
  }

  private async fetchTables(): Promise<TableId[]> {
    const s = this.settings;
    const session = await openSession(s, { logger: this.context.logger, signal: this.stopping.signal });
    try {
      const all = await listTables(session, { tableTypes: s.tableTypes, schemaPattern: s.schemaPattern, catalogPattern: s.catalogPattern });
      return filterTables(all, s.filter, session.dialect);
    } finally {
      await session.close();
    }
  }

  private scheduleMonitor(): void {
    if (this.stopping.signal.aborted) return;
    this.monitor = setTimeout(() => {
      this.checking = this.checkTables().finally(() => {
        this.checking = null;
        this.scheduleMonitor();
      });
    }, this.settings.tablePollIntervalMs);
    this.monitor.unref?.();
  }

  private async checkTables(): Promise<void> {
    let next: TableId[];
    try {
      next = await this.fetchTables();
    } catch (e) {
      // As the Java connector: a failed lookup is logged and retried at the next interval.
      this.context.logger.warn({ err: describeError(e) }, 'Could not refresh the table list; will retry');
      return;
    }
    if (this.stopping.signal.aborted) return;
    const prev = this.tables ?? [];
    const changed = next.length !== prev.length || next.some((t, i) => !sameTable(t, prev[i]!));
    if (changed) {
      this.context.logger.info({ before: prev.map(unquotedName), after: next.map(unquotedName) }, 'Tables changed; requesting task reconfiguration');
      this.tables = next;
      this.context.requestTaskReconfiguration();
    }
  }

  taskClass(): TaskFactory { return JdbcSourceTask; }
  /** What a Java worker writes as task.class for this connector. */
  override taskClassName(): string { return 'io.confluent.connect.jdbc.source.JdbcSourceTask'; }

  taskConfigs(maxTasks: number): Props[] {
    if (this.settings.query !== '') return [{ ...this.props }];
    const tables = this.tables ?? [];
    const dups = duplicateTableNames(tables);
    if (dups.size > 0) {
      const list = [...dups.values()].map((ts) => `[${ts.map(unquotedName).join(', ')}]`).join(', ');
      throw new ConfigError('The connector uses the unqualified table name as the topic name and has detected duplicate unqualified table names, '
        + `which would mix tables in one topic. Change table.whitelist / table.include.list so each name occurs once: ${list}`);
    }
    if (tables.length === 0) {
      this.context.logger.warn({}, 'No tables match the configured filters; no tasks started');
      return [];
    }
    const dialect = dialectFor(this.settings.url.dialect);
    return groupPartitions(tables, Math.min(tables.length, Math.max(1, maxTasks))).map((group) => ({
      ...this.props,
      [TABLES_CONFIG]: group.map((t) => dialect.qualified(t)).join(','),
      [TABLES_FETCHED_CONFIG]: 'true',
    }));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.monitor) clearTimeout(this.monitor);
    this.monitor = null;
    if (this.checking) await this.checking.catch(() => undefined);
  }
}
