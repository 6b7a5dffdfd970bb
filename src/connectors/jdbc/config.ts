// Config keys of the JDBC source and sink connectors (names, defaults and meanings as in Confluent's
// JdbcSourceConnectorConfig / JdbcSinkConfig, v10.9), parsed into typed settings.
import {
  ConfigDef, ConfigError, NO_DEFAULT, Validators, compileJavaRegex, type Props,
} from '../../connect/api/index.js';
import type { NumericMapping } from './column-mapping.js';
import { Zone } from './time.js';
import { dialectFromName, parseJdbcUrl, type JdbcUrl } from './url.js';

export const MODES = ['bulk', 'incrementing', 'timestamp', 'timestamp+incrementing'] as const;
export type Mode = (typeof MODES)[number];

export const INSERT_MODES = ['insert', 'upsert', 'update'] as const;
export type InsertMode = (typeof INSERT_MODES)[number];
export const PK_MODES = ['none', 'kafka', 'record_key', 'record_value'] as const;
export type PkMode = (typeof PK_MODES)[number];
export const DEFAULT_KAFKA_PK_NAMES = ['__connect_topic', '__connect_partition', '__connect_offset'] as const;

const ISOLATION_MODES = ['DEFAULT', 'READ_UNCOMMITTED', 'READ_COMMITTED', 'REPEATABLE_READ', 'SERIALIZABLE', 'SQL_SERVER_SNAPSHOT'];

/** Task-only keys the source connector adds to each task's config. */
export const TABLES_CONFIG = 'tables';
export const TABLES_FETCHED_CONFIG = 'tables.fetched';

function defineConnection(def: ConfigDef): ConfigDef {
  return def
    .define({ name: 'connection.url', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH', group: 'Database', validator: Validators.nonEmptyString(),
      documentation: 'JDBC connection URL, e.g. jdbc:postgresql://localhost:5432/db or jdbc:mysql://localhost:3306/db. The database is chosen from the URL.' })
    .define({ name: 'connection.user', type: 'STRING', defaultValue: null, importance: 'HIGH', group: 'Database', documentation: 'JDBC connection user.' })
    .define({ name: 'connection.password', type: 'PASSWORD', defaultValue: null, importance: 'HIGH', group: 'Database', documentation: 'JDBC connection password.' })
    .define({ name: 'connection.attempts', type: 'INT', defaultValue: 3, importance: 'LOW', group: 'Database', validator: Validators.atLeast(1),
      documentation: 'Maximum number of attempts to retrieve a valid JDBC connection.' })
    .define({ name: 'connection.backoff.ms', type: 'LONG', defaultValue: 10000, importance: 'LOW', group: 'Database', validator: Validators.atLeast(0),
      documentation: 'Backoff time in milliseconds between connection attempts.' })
    .define({ name: 'dialect.name', type: 'STRING', defaultValue: '', importance: 'LOW', group: 'Database',
      recommendedValues: ['', 'PostgreSqlDatabaseDialect', 'MySqlDatabaseDialect'],
      documentation: 'Name of the database dialect; empty derives it from the JDBC URL.' })
    .define({ name: 'db.timezone', type: 'STRING', defaultValue: 'UTC', importance: 'MEDIUM', group: 'Database',
      validator: (name, v) => { try { Zone.of(String(v)); } catch { return `Invalid value ${String(v)} for configuration ${name}: Invalid time zone identifier`; } },
      documentation: 'Time zone used to interpret date/time columns without a zone and to bind timestamp parameters.' })
    .define({ name: 'quote.sql.identifiers', type: 'STRING', defaultValue: 'ALWAYS', importance: 'MEDIUM', group: 'Database',
      validator: Validators.oneOf(['always', 'never']),
      documentation: 'Whether to quote table and column names in SQL. Ferry always quotes (the value is accepted for compatibility).' })
    .define({ name: 'table.types', type: 'LIST', defaultValue: 'TABLE', importance: 'LOW', group: 'Database',
      documentation: 'Table types to use: TABLE, VIEW, MATERIALIZED VIEW, FOREIGN TABLE, PARTITIONED TABLE.' });
}

export function sourceConfigDef(): ConfigDef {
  const def = defineConnection(new ConfigDef());
  return def
    .define({ name: 'mode', type: 'STRING', defaultValue: '', importance: 'HIGH', group: 'Mode', recommendedValues: [...MODES],
      validator: (name, v) => (v === '' ? `Invalid value  for configuration ${name}: mode must be one of ${MODES.join(', ')}` : Validators.oneOf(MODES, false)(name, v)),
      documentation: 'How tables are polled: bulk, incrementing, timestamp or timestamp+incrementing.' })
    .define({ name: 'incrementing.column.name', type: 'STRING', defaultValue: '', group: 'Mode',
      documentation: 'Strictly increasing column used to detect new rows; empty autodetects an auto-increment column.' })
    .define({ name: 'timestamp.column.name', type: 'LIST', defaultValue: '', group: 'Mode',
      documentation: 'Timestamp column(s) used to detect new or modified rows; with several, the first non-null (COALESCE) is used.' })
    .define({ name: 'timestamp.delay.interval.ms', type: 'LONG', defaultValue: 0, group: 'Mode', validator: Validators.atLeast(0),
      documentation: 'How long to wait after a row with a given timestamp appears before publishing it, so late transactions commit first.' })
    .define({ name: 'timestamp.initial', type: 'LONG', defaultValue: null, group: 'Mode',
      documentation: 'Epoch milliseconds to start timestamp modes from when no offset exists; -1 means the current time.' })
    .define({ name: 'validate.non.null', type: 'BOOLEAN', defaultValue: true, group: 'Mode',
      documentation: 'Refuse to start when the incrementing column or all timestamp columns are nullable.' })
    .define({ name: 'query', type: 'STRING', defaultValue: '', group: 'Mode',
      documentation: 'A custom query to run instead of copying tables; the mode criteria are appended as a WHERE clause.' })
    .define({ name: 'query.suffix', type: 'STRING', defaultValue: '', group: 'Mode', documentation: 'Suffix appended to the generated query.' })
    .define({ name: 'query.masked', type: 'BOOLEAN', defaultValue: false, group: 'Mode', documentation: 'Hide the query in logs.' })
    .define({ name: 'query.retry.attempts', type: 'INT', defaultValue: -1, group: 'Mode',
      documentation: 'Times a failing query is retried before the task fails; -1 retries forever.' })
    .define({ name: 'transaction.isolation.mode', type: 'STRING', defaultValue: 'DEFAULT', group: 'Mode',
      validator: Validators.oneOf(ISOLATION_MODES), documentation: 'Transaction isolation level used for queries.' })
    .define({ name: 'timestamp.granularity', type: 'STRING', defaultValue: 'connect_logical', group: 'Mode',
      validator: Validators.oneOf(['connect_logical']), documentation: 'Representation of timestamps; only connect_logical is supported.' })
    .define({ name: 'table.whitelist', type: 'LIST', defaultValue: '', group: 'Database', documentation: 'Tables to include (names or qualified names).' })
    .define({ name: 'table.blacklist', type: 'LIST', defaultValue: '', group: 'Database', documentation: 'Tables to exclude (names or qualified names).' })
    .define({ name: 'table.include.list', type: 'LIST', defaultValue: '', group: 'Database', validator: Validators.regex(),
      documentation: 'Regular expressions matching fully-qualified table names to include.' })
    .define({ name: 'table.exclude.list', type: 'LIST', defaultValue: '', group: 'Database', validator: Validators.regex(),
      documentation: 'Regular expressions matching fully-qualified table names to exclude.' })
    .define({ name: 'schema.pattern', type: 'STRING', defaultValue: null, group: 'Database',
      documentation: 'Schema pattern (SQL LIKE) for table discovery; PostgreSQL only.' })
    .define({ name: 'catalog.pattern', type: 'STRING', defaultValue: null, group: 'Database',
      documentation: 'Catalog (database) pattern (SQL LIKE) for table discovery.' })
    .define({ name: 'table.poll.interval.ms', type: 'LONG', defaultValue: 60000, group: 'Connector', validator: Validators.atLeast(1),
      documentation: 'How often to look for new or dropped tables.' })
    .define({ name: 'poll.interval.ms', type: 'INT', defaultValue: 5000, group: 'Connector', validator: Validators.atLeast(1),
      documentation: 'How often to poll each table for new data.' })
    .define({ name: 'batch.max.rows', type: 'INT', defaultValue: 100, group: 'Connector', validator: Validators.atLeast(1),
      documentation: 'Maximum number of rows returned by one poll.' })
    .define({ name: 'topic.prefix', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH', group: 'Connector',
      documentation: 'Prefix prepended to table names to form topic names; in query mode the full topic name.' })
    .define({ name: 'numeric.mapping', type: 'STRING', defaultValue: null, group: 'Connector',
      validator: Validators.oneOf(['none', 'best_fit', 'best_fit_eager_double', 'precision_only']),
      documentation: 'How NUMERIC columns map to Connect types: none (Decimal), best_fit, best_fit_eager_double or precision_only.' })
    .define({ name: 'numeric.precision.mapping', type: 'BOOLEAN', defaultValue: false, group: 'Connector', internal: true,
      documentation: 'Deprecated; true means numeric.mapping=precision_only.' })
    .define({ name: 'poll.linger.ms', type: 'LONG', defaultValue: 5000, group: 'Connector', internal: true, documentation: 'Accepted for compatibility; unused.' })
    .define({ name: TABLES_CONFIG, type: 'STRING', defaultValue: '', internal: true, documentation: 'Tables assigned to a task (set by the connector).' })
    .define({ name: TABLES_FETCHED_CONFIG, type: 'BOOLEAN', defaultValue: false, internal: true, documentation: 'Set by the connector.' });
}

export function sinkConfigDef(): ConfigDef {
  const def = defineConnection(new ConfigDef());
  return def
    .define({ name: 'insert.mode', type: 'STRING', defaultValue: 'insert', importance: 'HIGH', group: 'Writes', validator: Validators.oneOf(INSERT_MODES),
      recommendedValues: [...INSERT_MODES], documentation: 'insert, upsert (INSERT … ON CONFLICT / ON DUPLICATE KEY) or update.' })
    .define({ name: 'batch.size', type: 'INT', defaultValue: 3000, group: 'Writes', validator: Validators.atLeast(1),
      documentation: 'Records batched into one statement where possible.' })
    .define({ name: 'delete.enabled', type: 'BOOLEAN', defaultValue: false, group: 'Writes',
      documentation: 'Delete rows for null-valued records (tombstones); requires pk.mode=record_key.' })
    .define({ name: 'table.name.format', type: 'STRING', defaultValue: '${topic}', group: 'Data Mapping',
      documentation: 'Destination table name; ${topic} is replaced by the record topic.' })
    .define({ name: 'pk.mode', type: 'STRING', defaultValue: 'none', group: 'Data Mapping', validator: Validators.oneOf(PK_MODES),
      recommendedValues: [...PK_MODES], documentation: 'Where primary key columns come from: none, kafka, record_key or record_value.' })
    .define({ name: 'pk.fields', type: 'LIST', defaultValue: '', group: 'Data Mapping', documentation: 'Primary key field names; meaning depends on pk.mode.' })
    .define({ name: 'fields.whitelist', type: 'LIST', defaultValue: '', group: 'Data Mapping',
      documentation: 'Record value fields to write; empty means all.' })
    .define({ name: 'fields.include.list', type: 'LIST', defaultValue: '', group: 'Data Mapping', documentation: 'Alias of fields.whitelist.' })
    .define({ name: 'auto.create', type: 'BOOLEAN', defaultValue: false, group: 'DDL Support', documentation: 'Create missing tables from the record schema.' })
    .define({ name: 'auto.evolve', type: 'BOOLEAN', defaultValue: false, group: 'DDL Support', documentation: 'Add missing columns (ALTER TABLE … ADD); never drops.' })
    .define({ name: 'max.retries', type: 'INT', defaultValue: 10, group: 'Retries', validator: Validators.atLeast(0),
      documentation: 'Retries after a transient error before the task fails.' })
    .define({ name: 'retry.backoff.ms', type: 'INT', defaultValue: 3000, group: 'Retries', validator: Validators.atLeast(0),
      documentation: 'Time to wait after an error before retrying.' })
    .define({ name: 'date.timezone', type: 'STRING', defaultValue: 'DB_TIMEZONE', group: 'Data Mapping', internal: true,
      validator: Validators.oneOf(['DB_TIMEZONE', 'UTC']), documentation: 'Accepted for compatibility; DATE values are written as calendar dates.' })
    .define({ name: 'timestamp.precision.mode', type: 'STRING', defaultValue: 'microseconds', group: 'Data Mapping', internal: true, documentation: 'Accepted for compatibility.' })
    .define({ name: 'timestamp.fields.list', type: 'LIST', defaultValue: '', group: 'Data Mapping', internal: true, documentation: 'Accepted for compatibility.' })
    .define({ name: 'trim.sensitive.log', type: 'BOOLEAN', defaultValue: false, group: 'Writes', internal: true, documentation: 'Accepted for compatibility.' })
    .define({ name: 'mssql.use.merge.holdlock', type: 'BOOLEAN', defaultValue: true, group: 'Writes', internal: true, documentation: 'Accepted for compatibility.' });
}

export interface ConnectionSettings {
  rawUrl: string;
  url: JdbcUrl;
  user: string | null;
  password: string | null;
  attempts: number;
  backoffMs: number;
  zone: Zone;
  tableTypes: string[];
}

function connectionSettings(v: Record<string, unknown>): ConnectionSettings {
  const rawUrl = String(v['connection.url']);
  const url = parseJdbcUrl(rawUrl);
  const forced = dialectFromName(v['dialect.name'] as string | null);
  if (forced && forced !== url.dialect) {
    throw new ConfigError(`dialect.name ${String(v['dialect.name'])} does not match connection.url ${rawUrl}`, { 'dialect.name': ['does not match connection.url'] });
  }
  return {
    rawUrl,
    url,
    user: (v['connection.user'] as string | null) || null,
    password: (v['connection.password'] as string | null) ?? null,
    attempts: v['connection.attempts'] as number,
    backoffMs: v['connection.backoff.ms'] as number,
    zone: Zone.of(v['db.timezone'] as string),
    tableTypes: (v['table.types'] as string[]).map((t) => t.trim().toUpperCase()),
  };
}

export interface TableFilter {
  whitelist: Set<string> | null;
  blacklist: Set<string> | null;
  include: RegExp[] | null;
  exclude: RegExp[] | null;
}

export interface SourceSettings extends ConnectionSettings {
  mode: Mode;
  incrementingColumn: string;
  timestampColumns: string[];
  timestampDelayMs: number;
  timestampInitial: number | null;
  validateNonNull: boolean;
  query: string;
  querySuffix: string;
  queryMasked: boolean;
  queryRetryAttempts: number;
  isolation: string;
  filter: TableFilter;
  schemaPattern: string | null;
  catalogPattern: string | null;
  tablePollIntervalMs: number;
  pollIntervalMs: number;
  batchMaxRows: number;
  topicPrefix: string;
  numericMapping: NumericMapping;
  tables: string;
  tablesFetched: boolean;
}

/** Per-key problems beyond single-key validation (mode-dependent requirements, exclusive keys). */
export function sourceCrossKeyErrors(v: Record<string, unknown>, raw: Props): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const add = (k: string, m: string): void => { (errors[k] ??= []).push(m); };
  const mode = v.mode as string | undefined;
  const ts = (v['timestamp.column.name'] as string[] | undefined) ?? [];
  if ((mode === 'timestamp' || mode === 'timestamp+incrementing') && ts.length === 0) {
    add('timestamp.column.name', `timestamp.column.name must be set in mode ${mode}`);
  }
  const set = (k: string): boolean => ((v[k] as string[] | undefined) ?? []).length > 0;
  if (set('table.whitelist') && set('table.blacklist')) add('table.blacklist', 'table.whitelist and table.blacklist are mutually exclusive');
  if (set('table.include.list') && set('table.exclude.list')) add('table.exclude.list', 'table.include.list and table.exclude.list are mutually exclusive');
  if ((set('table.whitelist') || set('table.blacklist')) && (set('table.include.list') || set('table.exclude.list'))) {
    add('table.include.list', 'table.include.list/table.exclude.list cannot be combined with table.whitelist/table.blacklist');
  }
  const query = (v.query as string | undefined) ?? '';
  if (query.trim() !== '' && (set('table.whitelist') || set('table.blacklist') || set('table.include.list') || set('table.exclude.list'))) {
    add('query', 'query cannot be combined with table.whitelist, table.blacklist, table.include.list or table.exclude.list');
  }
  if (raw['connection.url'] !== undefined) {
    try { parseJdbcUrl(raw['connection.url']); } catch (e) { add('connection.url', (e as Error).message); }
  }
  try { dialectFromName(raw['dialect.name']); } catch (e) { add('dialect.name', (e as Error).message); }
  return errors;
}

function throwIfErrors(errors: Record<string, string[]>): void {
  const lines = Object.values(errors).flat();
  if (lines.length > 0) throw new ConfigError(lines.length === 1 ? lines[0]! : `Invalid configuration (${lines.length} errors):\n${lines.join('\n')}`, errors);
}

export function parseSourceConfig(props: Props): SourceSettings {
  const v = sourceConfigDef().parse(props);
  throwIfErrors(sourceCrossKeyErrors(v, props));
  const list = (k: string): string[] => (v[k] as string[]).map((s) => s.trim()).filter((s) => s !== '');
  const nonEmpty = (k: string): Set<string> | null => (list(k).length > 0 ? new Set(list(k)) : null);
  const regexes = (k: string): RegExp[] | null => (list(k).length > 0 ? list(k).map((p) => compileJavaRegex(p, true)) : null);
  let numericMapping = (v['numeric.mapping'] as NumericMapping | null) ?? null;
  if (numericMapping === null) numericMapping = v['numeric.precision.mapping'] ? 'precision_only' : 'none';
  return {
    ...connectionSettings(v),
    mode: v.mode as Mode,
    incrementingColumn: (v['incrementing.column.name'] as string).trim(),
    timestampColumns: list('timestamp.column.name'),
    timestampDelayMs: v['timestamp.delay.interval.ms'] as number,
    timestampInitial: (v['timestamp.initial'] as number | null) ?? null,
    validateNonNull: v['validate.non.null'] as boolean,
    query: (v.query as string).trim(),
    querySuffix: (v['query.suffix'] as string).trim(),
    queryMasked: v['query.masked'] as boolean,
    queryRetryAttempts: v['query.retry.attempts'] as number,
    isolation: (v['transaction.isolation.mode'] as string).toUpperCase(),
    filter: {
      whitelist: nonEmpty('table.whitelist'),
      blacklist: nonEmpty('table.blacklist'),
      include: regexes('table.include.list'),
      exclude: regexes('table.exclude.list'),
    },
    schemaPattern: (v['schema.pattern'] as string | null) || null,
    catalogPattern: (v['catalog.pattern'] as string | null) || null,
    tablePollIntervalMs: v['table.poll.interval.ms'] as number,
    pollIntervalMs: v['poll.interval.ms'] as number,
    batchMaxRows: v['batch.max.rows'] as number,
    topicPrefix: v['topic.prefix'] as string,
    numericMapping,
    tables: v[TABLES_CONFIG] as string,
    tablesFetched: v[TABLES_FETCHED_CONFIG] as boolean,
  };
}

export interface SinkSettings extends ConnectionSettings {
  insertMode: InsertMode;
  batchSize: number;
  deleteEnabled: boolean;
  tableNameFormat: string;
  pkMode: PkMode;
  pkFields: string[];
  fieldsWhitelist: Set<string> | null;
  autoCreate: boolean;
  autoEvolve: boolean;
  maxRetries: number;
  retryBackoffMs: number;
}

export function sinkCrossKeyErrors(v: Record<string, unknown>, raw: Props): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const add = (k: string, m: string): void => { (errors[k] ??= []).push(m); };
  const pkMode = String(v['pk.mode'] ?? 'none').toLowerCase();
  const insertMode = String(v['insert.mode'] ?? 'insert').toLowerCase();
  if (v['delete.enabled'] === true && pkMode !== 'record_key') add('delete.enabled', "Primary key mode must be 'record_key' when delete support is enabled");
  if ((insertMode === 'upsert' || insertMode === 'update') && pkMode === 'none') {
    add('pk.mode', `insert.mode=${insertMode} requires key field names to be known: set pk.mode to kafka, record_key or record_value`);
  }
  const pkFields = (v['pk.fields'] as string[] | undefined) ?? [];
  if (pkMode === 'kafka' && pkFields.length !== 0 && pkFields.length !== 3) {
    add('pk.fields', 'PK mode for table is kafka so pk.fields must be empty or contain exactly 3 names (topic, partition and offset columns)');
  }
  if (raw['connection.url'] !== undefined) {
    try { parseJdbcUrl(raw['connection.url']); } catch (e) { add('connection.url', (e as Error).message); }
  }
  try { dialectFromName(raw['dialect.name']); } catch (e) { add('dialect.name', (e as Error).message); }
  return errors;
}

export function parseSinkConfig(props: Props): SinkSettings {
  const v = sinkConfigDef().parse(props);
  throwIfErrors(sinkCrossKeyErrors(v, props));
  const list = (k: string): string[] => (v[k] as string[]).map((s) => s.trim()).filter((s) => s !== '');
  const whitelist = [...list('fields.whitelist'), ...list('fields.include.list')];
  return {
    ...connectionSettings(v),
    insertMode: (v['insert.mode'] as string).toLowerCase() as InsertMode,
    batchSize: v['batch.size'] as number,
    deleteEnabled: v['delete.enabled'] as boolean,
    tableNameFormat: v['table.name.format'] as string,
    pkMode: (v['pk.mode'] as string).toLowerCase() as PkMode,
    pkFields: list('pk.fields'),
    fieldsWhitelist: whitelist.length > 0 ? new Set(whitelist) : null,
    autoCreate: v['auto.create'] as boolean,
    autoEvolve: v['auto.evolve'] as boolean,
    maxRetries: v['max.retries'] as number,
    retryBackoffMs: v['retry.backoff.ms'] as number,
  };
}
