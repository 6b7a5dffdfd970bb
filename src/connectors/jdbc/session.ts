// One database connection behind a small interface both connectors use: parameterised statements, transactions,
// a forward-only cursor for reading large results in batches, and result-column metadata in JDBC terms.
// This is the only module that talks to the `pg` and `mysql2` drivers.
import pg from 'pg';
import mysql from 'mysql2';
import type { Readable } from 'node:stream';
import { ConnectError, RetriableError, type PluginLogger } from '../../connect/api/index.js';
import type { ColumnMeta, JdbcType, RawFormat } from './column-mapping.js';
import { dialectFor, type Dialect } from './dialect.js';
import { Zone } from './time.js';
import { redactUrl, type JdbcUrl } from './url.js';
import { sleep } from '../../backoff.js';

export type Row = unknown[];

export interface QueryResult {
  rows: Row[];
  /** Rows changed by INSERT/UPDATE/DELETE. */
  affected: number;
}

/** A forward-only read of one query's rows. */
export interface Cursor {
  /** Columns of the result; known after the first fetch(). */
  readonly columns: ColumnMeta[] | null;
  /** Up to n rows; fewer than n means the result is exhausted. */
  fetch(n: number): Promise<Row[]>;
  close(): Promise<void>;
}

export interface Session {
  readonly dialect: Dialect;
  readonly format: RawFormat;
  /** Database the connection uses (PostgreSQL database / MySQL default schema). */
  readonly database: string | null;
  /** False once the connection failed; the owner should discard it. */
  readonly usable: boolean;
  query(sql: string, params?: readonly unknown[]): Promise<QueryResult>;
  openCursor(sql: string, params: readonly unknown[]): Promise<Cursor>;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  url: JdbcUrl;
  /** connection.url as configured, for messages (passwords redacted). */
  rawUrl: string;
  user: string | null;
  password: string | null;
  zone: Zone;
  attempts: number;
  backoffMs: number;
  logger?: PluginLogger;
  signal?: AbortSignal;
  /** Connect timeout per attempt. */
  connectTimeoutMs?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Error classification

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  'ECONNABORTED', 'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED', 'EHOSTDOWN', 'ENETDOWN',
]);
/** SQLSTATEs (PostgreSQL) and error numbers (MySQL) worth retrying: the same statement may succeed later. */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300', '53400', '58000', '57014']);
const TRANSIENT_MYSQL_ERRNOS = new Set([1205, 1213, 1040, 1053, 1927, 2006, 2013, 1158, 1159, 1160, 1161, 3572]);
const AUTH_SQLSTATES = new Set(['28000', '28P01', '3D000']);
const AUTH_MYSQL_ERRNOS = new Set([1044, 1045, 1049, 1698]);

interface DriverError { code?: unknown; errno?: unknown; fatal?: unknown; message?: unknown }

export type ErrorClass = 'connection' | 'transient' | 'auth' | 'fatal';

export function classifyError(err: unknown): ErrorClass {
  if (!err || typeof err !== 'object') return 'fatal';
  const e = err as DriverError;
  const code = typeof e.code === 'string' ? e.code : '';
  const errno = typeof e.errno === 'number' ? e.errno : -1;
  if (AUTH_SQLSTATES.has(code) || AUTH_MYSQL_ERRNOS.has(errno)) return 'auth';
  if (CONNECTION_CODES.has(code) || code.startsWith('08')) return 'connection';
  const msg = typeof e.message === 'string' ? e.message : '';
  if (/Connection terminated|connection error|not queryable|Can't add new command when connection is in closed state|closed state|socket hang up|timeout expired/i.test(msg)) return 'connection';
  if (e.fatal === true) return 'connection';
  if (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_MYSQL_ERRNOS.has(errno)) return 'transient';
  return 'fatal';
}

/** The driver's message plus SQLSTATE / error code, for error messages. */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describeError(err.errors[0]);
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & DriverError & { sqlState?: unknown };
  const tags: string[] = [];
  if (typeof e.code === 'string' && e.code !== '') tags.push(e.code);
  if (typeof e.errno === 'number' && e.errno > 0 && !tags.includes(String(e.errno))) tags.push(`errno ${e.errno}`);
  const msg = e.message || e.name;
  return tags.length > 0 ? `${msg} (${tags.join(', ')})` : msg;
}

export function target(o: { url: JdbcUrl }): string {
  const h = o.url.hosts[0]!;
  return `${dialectFor(o.url.dialect).displayName} at ${h.host}:${h.port}${o.url.database ? '/' + o.url.database : ''}`;
}

/**
 * Opens a session, trying `attempts` times `backoffMs` apart (connection.attempts / connection.backoff.ms).
 * Unreachable servers give a RetriableError naming the target and the cause; rejected credentials or an
 * unknown database give a ConnectError (retrying will not help).
 */
export async function connect(o: ConnectOptions): Promise<Session> {
  const attempts = Math.max(1, o.attempts);
  let last: unknown;
  for (let i = 1; i <= attempts; i++) {
    try {
      return o.url.dialect === 'postgresql' ? await PgSession.open(o) : await MySqlSession.open(o);
    } catch (e) {
      last = e;
      const cls = classifyError(e);
      if (cls === 'auth') {
        throw new ConnectError(`Could not connect to ${target(o)} (${redactUrl(o.rawUrl)}): ${describeError(e)}`, { cause: e });
      }
      o.logger?.warn({ attempt: i, attempts, err: describeError(e) }, `Unable to connect to ${target(o)}`);
      if (i < attempts) await sleep(o.backoffMs, o.signal);
      if (o.signal?.aborted) break;
    }
  }
  throw new RetriableError(`Could not connect to ${target(o)} after ${attempts} attempt(s): ${describeError(last)}`, { cause: last });
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

const identity = (v: string): string => v;
const RAW_TYPES = { getTypeParser: () => identity } as unknown as pg.CustomTypesConfig;

interface PgTypeInfo { jdbc: JdbcType; name: string; bits?: number }

const PG_BUILTIN: Record<number, [JdbcType, string]> = {
  16: ['BOOLEAN', 'bool'], 17: ['BYTES', 'bytea'], 18: ['STRING', 'char'], 19: ['STRING', 'name'],
  20: ['BIGINT', 'int8'], 21: ['SMALLINT', 'int2'], 23: ['INTEGER', 'int4'], 25: ['STRING', 'text'],
  26: ['BIGINT', 'oid'], 114: ['STRING', 'json'], 142: ['STRING', 'xml'], 700: ['REAL', 'float4'],
  701: ['DOUBLE', 'float8'], 705: ['STRING', 'unknown'], 1042: ['STRING', 'bpchar'], 1043: ['STRING', 'varchar'],
  1082: ['DATE', 'date'], 1083: ['TIME', 'time'], 1114: ['TIMESTAMP', 'timestamp'], 1184: ['TIMESTAMP', 'timestamptz'],
  1266: ['TIME', 'timetz'], 1560: ['BIT', 'bit'], 1700: ['NUMERIC', 'numeric'], 2950: ['STRING', 'uuid'],
  3802: ['STRING', 'jsonb'], 1186: ['UNSUPPORTED', 'interval'], 790: ['UNSUPPORTED', 'money'],
};

/** Precision and scale encoded in a numeric typmod; scale null when the column declares none. */
export function pgNumericTypmod(typmod: number): { precision: number; scale: number | null } {
  if (typmod < 4) return { precision: 0, scale: null };
  const t = typmod - 4;
  return { precision: (t >> 16) & 0xffff, scale: ((t & 0x7ff) ^ 1024) - 1024 };
}

export function pgColumnMeta(name: string, type: PgTypeInfo, typmod: number, nullable: boolean): ColumnMeta {
  const base: ColumnMeta = { name, jdbcType: type.jdbc, typeName: type.name, precision: 0, scale: 0, signed: true, nullable };
  switch (type.jdbc) {
    case 'NUMERIC': {
      const { precision, scale } = pgNumericTypmod(typmod);
      return { ...base, precision, scale };
    }
    case 'BIT': {
      const bits = typmod > 0 ? typmod : 1;
      // bit(1) behaves as a boolean in the PostgreSQL driver.
      if (bits <= 1) return { ...base, jdbcType: 'BOOLEAN', bits };
      return { ...base, bits };
    }
    case 'SMALLINT': return { ...base, precision: 5 };
    case 'INTEGER': return { ...base, precision: 10 };
    case 'BIGINT': return { ...base, precision: 19 };
    default: return base;
  }
}

class PgCursor implements Cursor {
  columns: ColumnMeta[] | null = null;
  private closed = false;
  constructor(private readonly session: PgSession, private readonly name: string) {}

  async fetch(n: number): Promise<Row[]> {
    const r = await this.session.rawQuery(`FETCH FORWARD ${Math.max(1, Math.floor(n))} FROM ${this.name}`, []);
    if (this.columns === null) this.columns = await this.session.describe(r.fields);
    return r.rows as Row[];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.session.usable) return;
    try {
      await this.session.rawQuery(`CLOSE ${this.name}`, []);
    } finally {
      await this.session.commit();
    }
  }
}

export class PgSession implements Session {
  readonly dialect = dialectFor('postgresql');
  readonly format: RawFormat = 'pg-text';
  usable = true;
  private inTx = false;
  private cursorSeq = 0;
  private readonly typeCache = new Map<number, PgTypeInfo>();

  private constructor(private readonly client: pg.Client, readonly database: string | null) {
    client.on('error', () => { this.usable = false; });
  }

  static async open(o: ConnectOptions): Promise<PgSession> {
    const h = o.url.hosts[0]!;
    const p = o.url.params;
    const sslmode = (p.sslmode ?? (p.ssl === 'true' ? 'require' : '')).toLowerCase();
    const ssl = sslmode === '' || sslmode === 'disable' || sslmode === 'allow' || sslmode === 'prefer'
      ? undefined
      : { rejectUnauthorized: sslmode === 'verify-full' || sslmode === 'verify-ca' };
    const connectTimeoutSec = Number(p.connectTimeout ?? p.loginTimeout ?? NaN);
    const client = new pg.Client({
      host: h.host,
      port: h.port,
      database: o.url.database ?? undefined,
      user: o.user ?? o.url.user ?? p.user ?? undefined,
      password: o.password ?? o.url.password ?? p.password ?? undefined,
      ssl,
      types: RAW_TYPES,
      application_name: p.ApplicationName ?? 'ferry-jdbc',
      connectionTimeoutMillis: Number.isFinite(connectTimeoutSec) && connectTimeoutSec > 0 ? connectTimeoutSec * 1000 : (o.connectTimeoutMs ?? 10_000),
      keepAlive: true,
    });
    const swallow = (): void => undefined;
    client.on('error', swallow);
    try {
      await client.connect();
      await client.query('SELECT set_config($1, $2, false)', ['TimeZone', pgZoneName(o.zone)]);
      if (p.currentSchema) await client.query('SELECT set_config($1, $2, false)', ['search_path', p.currentSchema]);
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
    const s = new PgSession(client, o.url.database);
    client.removeListener('error', swallow);
    return s;
  }

  async rawQuery(sql: string, params: readonly unknown[]): Promise<pg.QueryArrayResult> {
    try {
      return await this.client.query({ text: sql, values: params as unknown[], rowMode: 'array' });
    } catch (e) {
      if (classifyError(e) === 'connection') this.usable = false;
      throw e;
    }
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<QueryResult> {
    const r = await this.rawQuery(sql, params);
    return { rows: r.rows as Row[], affected: r.rowCount ?? 0 };
  }

  async openCursor(sql: string, params: readonly unknown[]): Promise<Cursor> {
    const name = `ferry_cursor_${++this.cursorSeq}`;
    if (!this.inTx) await this.begin();
    try {
      await this.rawQuery(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, params);
    } catch (e) {
      await this.rollback().catch(() => undefined);
      throw e;
    }
    return new PgCursor(this, name);
  }

  async begin(): Promise<void> {
    await this.rawQuery('BEGIN', []);
    this.inTx = true;
  }

  async commit(): Promise<void> {
    if (!this.inTx) return;
    this.inTx = false;
    await this.rawQuery('COMMIT', []);
  }

  async rollback(): Promise<void> {
    if (!this.inTx) return;
    this.inTx = false;
    if (this.usable) await this.rawQuery('ROLLBACK', []);
  }

  async close(): Promise<void> {
    this.usable = false;
    await this.client.end().catch(() => undefined);
  }

  /** JDBC-style column metadata for a result: types from pg_type, nullability from pg_attribute. */
  async describe(fields: readonly pg.FieldDef[]): Promise<ColumnMeta[]> {
    const unknown = [...new Set(fields.map((f) => f.dataTypeID).filter((oid) => PG_BUILTIN[oid] === undefined && !this.typeCache.has(oid)))];
    if (unknown.length > 0) {
      const r = await this.rawQuery(
        `SELECT t.oid::text, t.typname, t.typtype::text, t.typelem::text, COALESCE(b.oid, 0)::text, COALESCE(b.typname, ''), t.typtypmod::text
           FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype
          WHERE t.oid = ANY($1::oid[])`,
        [unknown.map(String)],
      );
      for (const row of r.rows as string[][]) {
        const [oid, typname, typtype, typelem, baseOid, baseName] = row as [string, string, string, string, string, string];
        let info: PgTypeInfo = { jdbc: 'UNSUPPORTED', name: typname };
        const base = PG_BUILTIN[Number(baseOid)];
        if (typtype === 'e') info = { jdbc: 'STRING', name: typname };
        else if (typtype === 'd' && base) info = { jdbc: base[0], name: `${typname} (${baseName})` };
        else if (typelem !== '0' && typname.startsWith('_')) info = { jdbc: 'UNSUPPORTED', name: `${typname.slice(1)}[]` };
        this.typeCache.set(Number(oid), info);
      }
    }
    const withTable = fields.filter((f) => f.tableID > 0 && f.columnID > 0);
    const notNull = new Set<string>();
    if (withTable.length > 0) {
      const r = await this.rawQuery(
        `SELECT attrelid::text, attnum::text FROM pg_catalog.pg_attribute
          WHERE attnotnull AND (attrelid, attnum) IN (SELECT * FROM unnest($1::oid[], $2::int2[]))`,
        [withTable.map((f) => String(f.tableID)), withTable.map((f) => String(f.columnID))],
      );
      for (const row of r.rows as string[][]) notNull.add(`${row[0]}:${row[1]}`);
    }
    return fields.map((f) => {
      const b = PG_BUILTIN[f.dataTypeID];
      const info: PgTypeInfo = b ? { jdbc: b[0], name: b[1] } : (this.typeCache.get(f.dataTypeID) ?? { jdbc: 'UNSUPPORTED', name: `oid ${f.dataTypeID}` });
      return pgColumnMeta(f.name, info, f.dataTypeModifier, !notNull.has(`${f.tableID}:${f.columnID}`));
    });
  }
}

function pgZoneName(zone: Zone): string {
  if (zone.isUtc) return 'UTC';
  const fixed = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(zone.id);
  if (fixed) {
    // POSIX-style zone names count west-positive, hence the inverted sign.
    const west = fixed[1] === '+' ? '-' : '+';
    if ((fixed[3] ?? '00') === '00') return `Etc/GMT${west}${Number(fixed[2])}`;
    return `<${fixed[1]}${fixed[2]!.padStart(2, '0')}${fixed[3]}>${west}${Number(fixed[2])}:${fixed[3]}`;
  }
  return zone.id;
}

// ---------------------------------------------------------------------------------------------------------------
// MySQL / MariaDB

const MYSQL_NOT_NULL = 1;
const MYSQL_UNSIGNED = 32;
const MYSQL_BINARY_CHARSET = 63;

export interface MySqlField { name: string; columnType?: number; type?: number; flags: number | string[]; columnLength?: number; decimals: number; characterSet?: number }

export function mysqlColumnMeta(f: MySqlField): ColumnMeta {
  const type = f.columnType ?? f.type ?? -1;
  const flags = typeof f.flags === 'number' ? f.flags : 0;
  const len = f.columnLength ?? 0;
  const signed = (flags & MYSQL_UNSIGNED) === 0;
  const binary = f.characterSet === MYSQL_BINARY_CHARSET;
  const base: ColumnMeta = { name: f.name, jdbcType: 'UNSUPPORTED', typeName: `type ${type}`, precision: len, scale: 0, signed, nullable: (flags & MYSQL_NOT_NULL) === 0 };
  const t = (jdbcType: JdbcType, typeName: string, extra: Partial<ColumnMeta> = {}): ColumnMeta => ({ ...base, jdbcType, typeName, ...extra });
  switch (type) {
    // TINYINT(1) is reported as BIT by MySQL Connector/J (tinyInt1isBit), which the connector maps to INT8.
    case 1: return len === 1 ? t('BIT', 'TINYINT(1)', { bits: 1 }) : t('TINYINT', signed ? 'TINYINT' : 'TINYINT UNSIGNED');
    case 2: return t('SMALLINT', signed ? 'SMALLINT' : 'SMALLINT UNSIGNED');
    case 9: return t('INTEGER', signed ? 'MEDIUMINT' : 'MEDIUMINT UNSIGNED');
    case 3: return t('INTEGER', signed ? 'INT' : 'INT UNSIGNED');
    case 8: return t('BIGINT', signed ? 'BIGINT' : 'BIGINT UNSIGNED');
    case 4: return t('REAL', 'FLOAT');
    case 5: return t('DOUBLE', 'DOUBLE');
    case 0: case 246: {
      const scale = f.decimals;
      return t('DECIMAL', 'DECIMAL', { precision: Math.max(1, len - (scale > 0 ? 1 : 0) - (signed ? 1 : 0)), scale });
    }
    case 7: return t('TIMESTAMP', 'TIMESTAMP');
    case 12: return t('TIMESTAMP', 'DATETIME');
    case 10: case 14: return t('DATE', 'DATE');
    case 11: return t('TIME', 'TIME');
    case 13: return t('DATE', 'YEAR');
    case 16: return t('BIT', `BIT(${len})`, { bits: len });
    case 15: case 253: case 254:
      return binary ? t('BYTES', 'VARBINARY') : t('STRING', 'VARCHAR');
    case 249: case 250: case 251: case 252:
      return binary ? t('BYTES', 'BLOB') : t('STRING', 'TEXT');
    case 245: return t('STRING', 'JSON');
    case 247: case 248: return t('STRING', type === 247 ? 'ENUM' : 'SET');
    case 6: return t('NULL', 'NULL');
    case 255: return t('UNSUPPORTED', 'GEOMETRY');
    default: return base;
  }
}

type MyConn = mysql.Connection;

class MySqlCursor implements Cursor {
  columns: ColumnMeta[] | null = null;
  private ended = false;
  private error: unknown = null;
  private closed = false;

  constructor(private readonly session: MySqlSession, private readonly stream: Readable) {
    stream.on('fields', (fields: MySqlField[]) => { this.columns = fields.map(mysqlColumnMeta); });
    stream.on('end', () => { this.ended = true; });
    stream.on('close', () => { this.ended = true; });
    stream.on('error', (e: unknown) => { this.error = e; });
  }

  async fetch(n: number): Promise<Row[]> {
    const rows: Row[] = [];
    while (rows.length < n) {
      if (this.error) throw this.error;
      const r = this.stream.read() as Row | null;
      if (r !== null) { rows.push(r); continue; }
      if (this.ended || this.stream.readableEnded || this.stream.destroyed) break;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stream.off('readable', done); this.stream.off('end', done); this.stream.off('error', done); this.stream.off('close', done);
          resolve();
        };
        this.stream.on('readable', done); this.stream.on('end', done); this.stream.on('error', done); this.stream.on('close', done);
      });
    }
    if (this.error) throw this.error;
    if (this.columns === null) this.columns = [];
    return rows;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.ended && !this.error) {
      // Abandoning a result midway: reading the rest could take long, so drop the connection instead.
      this.session.abandon();
      this.stream.destroy();
    }
    this.session.cursorClosed();
  }
}

export class MySqlSession implements Session {
  readonly dialect = dialectFor('mysql');
  readonly format: RawFormat = 'mysql';
  usable = true;
  private busy = false;

  private constructor(private readonly conn: MyConn, readonly database: string | null) {
    conn.on('error', () => { this.usable = false; });
  }

  static async open(o: ConnectOptions): Promise<MySqlSession> {
    const h = o.url.hosts[0]!;
    const p = o.url.params;
    const sslMode = (p.sslMode ?? (p.useSSL === 'true' || p.useSsl === 'true' ? 'REQUIRED' : '')).toUpperCase();
    const ssl = sslMode === 'REQUIRED' || sslMode === 'VERIFY_CA' || sslMode === 'VERIFY_IDENTITY'
      ? { rejectUnauthorized: sslMode !== 'REQUIRED' } : undefined;
    const connectTimeout = Number(p.connectTimeout ?? NaN);
    const conn = mysql.createConnection({
      host: h.host,
      port: h.port,
      database: o.url.database ?? undefined,
      user: o.user ?? o.url.user ?? p.user ?? undefined,
      password: o.password ?? o.url.password ?? p.password ?? undefined,
      ssl,
      connectTimeout: Number.isFinite(connectTimeout) && connectTimeout > 0 ? connectTimeout : (o.connectTimeoutMs ?? 10_000),
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      jsonStrings: true,
      decimalNumbers: false,
      charset: 'utf8mb4',
      multipleStatements: false,
    });
    const swallow = (): void => undefined;
    conn.on('error', swallow);
    try {
      await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
      const s = new MySqlSession(conn, o.url.database);
      await s.setTimeZone(o.zone, o.logger);
      conn.removeListener('error', swallow);
      return s;
    } catch (e) {
      conn.destroy();
      throw e;
    }
  }

  private async setTimeZone(zone: Zone, logger?: PluginLogger): Promise<void> {
    if (zone.isUtc) { await this.query('SET time_zone = ?', ['+00:00']); return; }
    if (/^(?:UTC|GMT)?[+-]/i.test(zone.id)) { await this.query('SET time_zone = ?', [zone.offsetText(Date.now())]); return; }
    try {
      await this.query('SET time_zone = ?', [zone.id]);
    } catch {
      // The server has no time zone tables loaded: fall back to the zone's current offset.
      const off = zone.offsetText(Date.now());
      logger?.warn({ zone: zone.id, offset: off }, 'MySQL server does not know the time zone; using its current UTC offset for the session');
      await this.query('SET time_zone = ?', [off]);
    }
  }

  cursorClosed(): void { this.busy = false; }

  /** Marks the connection unusable and closes its socket (the owner reconnects). */
  abandon(): void {
    this.usable = false;
    this.conn.destroy();
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<QueryResult> {
    if (this.busy) throw new ConnectError('Connection is busy reading a result set');
    try {
      return await new Promise<QueryResult>((resolve, reject) => {
        this.conn.execute({ sql, rowsAsArray: true }, params as mysql.ExecuteValues[], (err, result) => {
          if (err) { reject(err); return; }
          if (Array.isArray(result)) resolve({ rows: result as unknown as Row[], affected: 0 });
          else resolve({ rows: [], affected: (result as mysql.ResultSetHeader).affectedRows ?? 0 });
        });
      });
    } catch (e) {
      if (classifyError(e) === 'connection') this.usable = false;
      throw e;
    }
  }

  /** Statements the binary protocol cannot prepare (transaction control) go through the text protocol. */
  private async command(sql: string): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => this.conn.query(sql, (err) => (err ? reject(err) : resolve())));
    } catch (e) {
      if (classifyError(e) === 'connection') this.usable = false;
      throw e;
    }
  }

  async openCursor(sql: string, params: readonly unknown[]): Promise<Cursor> {
    if (this.busy) throw new ConnectError('Connection is busy reading a result set');
    this.busy = true;
    const q = this.conn.execute({ sql, rowsAsArray: true }, params as mysql.ExecuteValues[]);
    const stream = q.stream({ highWaterMark: 512 });
    stream.on('error', (e: unknown) => { if (classifyError(e) === 'connection') this.usable = false; });
    const cursor = new MySqlCursor(this, stream);
    return cursor;
  }

  async begin(): Promise<void> { await this.command('START TRANSACTION'); }
  async commit(): Promise<void> { await this.command('COMMIT'); }
  async rollback(): Promise<void> { if (this.usable) await this.command('ROLLBACK'); }

  async close(): Promise<void> {
    this.usable = false;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => { this.conn.destroy(); resolve(); }, 2000);
      this.conn.end(() => { clearTimeout(t); resolve(); });
    });
  }
}

const ISOLATION_SQL: Record<string, string> = {
  READ_UNCOMMITTED: 'READ UNCOMMITTED',
  READ_COMMITTED: 'READ COMMITTED',
  REPEATABLE_READ: 'REPEATABLE READ',
  SERIALIZABLE: 'SERIALIZABLE',
};

/** Opens a session for connector settings (connection.* keys, db.timezone) and applies an isolation level. */
export async function openSession(
  s: { rawUrl: string; url: JdbcUrl; user: string | null; password: string | null; attempts: number; backoffMs: number; zone: Zone },
  opts: { logger?: PluginLogger; signal?: AbortSignal; isolation?: string } = {},
): Promise<Session> {
  const co: ConnectOptions = {
    url: s.url, rawUrl: s.rawUrl, user: s.user, password: s.password, zone: s.zone, attempts: s.attempts, backoffMs: s.backoffMs,
  };
  if (opts.logger) co.logger = opts.logger;
  if (opts.signal) co.signal = opts.signal;
  const session = await connect(co);
  const level = opts.isolation ? ISOLATION_SQL[opts.isolation] : undefined;
  if (level) {
    try {
      await session.query(session.dialect.name === 'postgresql'
        ? `SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL ${level}`
        : `SET SESSION TRANSACTION ISOLATION LEVEL ${level}`);
    } catch (e) {
      await session.close();
      throw new ConnectError(`Could not set transaction isolation ${level}: ${describeError(e)}`, { cause: e });
    }
  }
  return session;
}
