// One table (or the custom query) polled by a source task: the SQL each mode runs, reading its rows in
// batches through a cursor, turning rows into records and tracking the offset the rows advance.
import {
  ConfigError, sourceRecord, type Schema, type SourceOffset, type SourcePartition, type SourceRecord,
  schemaEquals,
} from '../../connect/api/index.js';
import { RowMapping, rawTimestamp, type ColumnMeta, type NumericMapping } from './column-mapping.js';
import type { Mode } from './config.js';
import { unquotedName, type Dialect, type TableId } from './dialect.js';
import type { Cursor, Session } from './session.js';
import { QUERY_PARTITION, tablePartitionV0, tablePartitionV1 } from './tables.js';
import {
  addMillis, formatDbTimestamp, timestampFrom, timestampFromEpochText, type DbTimestamp, type Zone,
} from './time.js';

export type IncrementingValue = number | bigint;

/** Position of a querier, as Confluent's TimestampIncrementingOffset. */
export interface QuerierOffset {
  incrementing: IncrementingValue | null;
  timestamp: DbTimestamp | null;
}

export const EMPTY_OFFSET: QuerierOffset = Object.freeze({ incrementing: null, timestamp: null });

/** The stored offset map -> a position. Accepts numbers, bigints and numeric strings (JSON round trips vary). */
export function offsetFromMap(map: SourceOffset | null | undefined): QuerierOffset {
  if (!map) return EMPTY_OFFSET;
  const num = (v: unknown): number | bigint | null => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'number' || typeof v === 'bigint') return v;
    if (typeof v === 'string' && /^-?\d+$/.test(v)) {
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : BigInt(v);
    }
    return null;
  };
  const inc = num(map.incrementing);
  const ms = num(map.timestamp);
  const nanos = num(map.timestamp_nanos);
  return {
    incrementing: inc,
    timestamp: ms === null ? null : timestampFrom(Number(ms), nanos === null ? null : Number(nanos)),
  };
}

/** A position -> the offset map, keys in the order Java's HashMap serialises them (timestamp_nanos, incrementing, timestamp). */
export function offsetToMap(o: QuerierOffset): SourceOffset {
  const m: SourceOffset = {};
  if (o.timestamp) m.timestamp_nanos = o.timestamp.nanos;
  if (o.incrementing !== null) m.incrementing = o.incrementing;
  if (o.timestamp) m.timestamp = o.timestamp.ms;
  return m;
}

export type ParamRole = 'begin' | 'end' | 'lastInc';

export interface QuerySpec {
  mode: Mode;
  /** Table mode: the table; query mode: null. */
  table: TableId | null;
  query: string | null;
  incrementingColumn: string | null;
  timestampColumns: readonly string[];
  suffix: string;
}

/** The statement a mode runs and which value each bind parameter takes (TimestampIncrementingCriteria). */
export function buildQuery(dialect: Dialect, spec: QuerySpec): { sql: string; params: ParamRole[] } {
  let sql = spec.table ? `SELECT * FROM ${dialect.qualified(spec.table)}` : spec.query!;
  const params: ParamRole[] = [];
  const p = (role: ParamRole): string => { params.push(role); return dialect.placeholder(params.length); };
  const ts = spec.timestampColumns.length === 1
    ? dialect.quote(spec.timestampColumns[0]!)
    : `COALESCE(${spec.timestampColumns.map((c) => dialect.quote(c)).join(',')})`;
  const inc = spec.incrementingColumn ? dialect.quote(spec.incrementingColumn) : '';
  switch (spec.mode) {
    case 'bulk':
      break;
    case 'incrementing':
      sql += ` WHERE ${inc} > ${p('lastInc')} ORDER BY ${inc} ASC`;
      break;
    case 'timestamp':
      sql += ` WHERE ${ts} > ${p('begin')} AND ${ts} < ${p('end')} ORDER BY ${ts} ASC`;
      break;
    case 'timestamp+incrementing': {
      const end = p('end');
      const begin1 = p('begin');
      const last = p('lastInc');
      const begin2 = p('begin');
      sql += ` WHERE ${ts} < ${end} AND ((${ts} = ${begin1} AND ${inc} > ${last}) OR ${ts} > ${begin2}) ORDER BY ${ts},${inc} ASC`;
      break;
    }
  }
  if (spec.suffix !== '') sql += ' ' + spec.suffix;
  return { sql, params };
}

export interface QuerierOptions {
  dialect: Dialect;
  mode: Mode;
  table: TableId | null;
  query: string | null;
  incrementingColumn: string | null;
  timestampColumns: string[];
  timestampDelayMs: number;
  suffix: string;
  topicPrefix: string;
  numericMapping: NumericMapping;
  zone: Zone;
  offset: QuerierOffset;
}

function toIncrementing(raw: unknown, where: string, column: string): IncrementingValue {
  let text: string;
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw)) throw new ConfigError(`Incrementing column "${column}" of ${where} returned a non-integer value ${raw}`);
    return raw;
  }
  if (typeof raw === 'bigint') text = raw.toString();
  else if (Buffer.isBuffer(raw)) text = raw.toString('utf8');
  else text = String(raw);
  const m = /^(-?\d+)(?:\.0*)?$/.exec(text.trim());
  if (!m) throw new ConfigError(`Incrementing column "${column}" of ${where} returned a non-integer value ${text}`);
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : BigInt(m[1]!);
}

export class TableQuerier {
  readonly where: string;
  readonly topic: string;
  readonly partition: SourcePartition;
  /** When the last full pass over the result ended (ms); the next pass starts poll.interval.ms later. */
  lastUpdate = 0;
  retries = 0;
  offset: QuerierOffset;
  private cursor: Cursor | null = null;
  private mapping: RowMapping | null = null;
  private columnsSeen: ColumnMeta[] | null = null;
  private incIndex = -1;
  private tsIndexes: number[] = [];
  private readonly query: { sql: string; params: ParamRole[] };

  constructor(private readonly o: QuerierOptions) {
    this.offset = o.offset;
    if (o.table) {
      this.where = `table ${unquotedName(o.table)}`;
      this.topic = o.topicPrefix + o.table.table;
      this.partition = o.mode === 'bulk' ? tablePartitionV0(o.table) : tablePartitionV1(o.table);
    } else {
      this.where = 'the configured query';
      this.topic = o.topicPrefix;
      this.partition = { ...QUERY_PARTITION };
    }
    this.query = buildQuery(o.dialect, {
      mode: o.mode, table: o.table, query: o.query, incrementingColumn: o.incrementingColumn,
      timestampColumns: o.timestampColumns, suffix: o.suffix,
    });
  }

  get sql(): string { return this.query.sql; }
  get querying(): boolean { return this.cursor !== null; }
  private get usesTime(): boolean { return this.o.mode === 'timestamp' || this.o.mode === 'timestamp+incrementing'; }

  /** Bind values for the next pass: begin = stored timestamp (epoch 0 if none), end = DB time − delay. */
  paramValues(now: DbTimestamp | null): unknown[] {
    const begin = this.offset.timestamp ?? timestampFrom(0);
    const lastInc = this.offset.incrementing ?? -1;
    return this.query.params.map((role) => {
      switch (role) {
        case 'begin': return formatDbTimestamp(begin, this.o.zone);
        case 'end': return formatDbTimestamp(addMillis(now!, -this.o.timestampDelayMs), this.o.zone);
        case 'lastInc': return this.o.dialect.name === 'postgresql' || typeof lastInc === 'bigint' ? lastInc.toString() : lastInc;
      }
    });
  }

  async start(session: Session): Promise<void> {
    const now = this.usesTime ? await currentTime(session) : null;
    this.cursor = await session.openCursor(this.query.sql, this.paramValues(now));
    this.columnsSeen = null;
  }

  /**
   * Reads up to `max` rows as records. `done` is true once the pass is exhausted (the cursor is closed then).
   * The offset advances with each returned record.
   */
  async next(max: number): Promise<{ records: SourceRecord[]; done: boolean }> {
    const cursor = this.cursor!;
    const rows = await cursor.fetch(max);
    if (this.columnsSeen === null) this.prepare(cursor.columns ?? []);
    const mapping = this.mapping!;
    const records: SourceRecord[] = new Array<SourceRecord>(rows.length);
    const incremental = this.o.mode !== 'bulk';
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const value = mapping.toStruct(row, this.where);
      let sourceOffset: SourceOffset | null = null;
      if (incremental) {
        this.offset = this.extractOffset(row);
        sourceOffset = offsetToMap(this.offset);
      }
      records[i] = sourceRecord({
        topic: this.topic, sourcePartition: this.partition, sourceOffset, valueSchema: mapping.schema, value,
      });
    }
    const done = rows.length < max;
    if (done) await this.close();
    return { records, done };
  }

  /** Ends the current pass (if any); the next starts poll.interval.ms after `now`. */
  async reset(now: number): Promise<void> {
    this.lastUpdate = now;
    await this.close().catch(() => undefined);
  }

  private async close(): Promise<void> {
    const c = this.cursor;
    this.cursor = null;
    if (c) await c.close();
  }

  private prepare(columns: ColumnMeta[]): void {
    const next = new RowMapping(columns, {
      schemaName: this.o.table ? this.o.table.table : null,
      numericMapping: this.o.numericMapping,
      format: this.o.dialect.name === 'postgresql' ? 'pg-text' : 'mysql',
      zone: this.o.zone,
      where: this.where,
    });
    // Keep the previous schema object while the shape is unchanged, so converters can cache by identity.
    if (!this.mapping || !schemaEquals(this.mapping.schema as Schema, next.schema)) this.mapping = next;
    this.columnsSeen = columns;
    if (this.o.mode === 'bulk') return;
    const find = (name: string, what: string): number => {
      const i = this.mapping!.columnIndex(columns, name);
      if (i < 0) throw new ConfigError(`${what} column "${name}" is not in the result of ${this.where}`);
      return i;
    };
    if (this.o.incrementingColumn) this.incIndex = find(this.o.incrementingColumn, 'Incrementing');
    this.tsIndexes = this.o.timestampColumns.map((c) => find(c, 'Timestamp'));
  }

  private extractOffset(row: readonly unknown[]): QuerierOffset {
    const cols = this.columnsSeen!;
    let incrementing = this.offset.incrementing;
    let timestamp = this.offset.timestamp;
    if (this.incIndex >= 0) {
      const raw = row[this.incIndex];
      if (raw === null || raw === undefined) throw new ConfigError(`Incrementing column "${cols[this.incIndex]!.name}" of ${this.where} is NULL`);
      incrementing = toIncrementing(raw, this.where, cols[this.incIndex]!.name);
    }
    if (this.tsIndexes.length > 0) {
      for (const i of this.tsIndexes) {
        const raw = row[i];
        if (raw !== null && raw !== undefined) { timestamp = rawTimestamp(cols[i]!, raw, this.o.zone); break; }
      }
    }
    return { incrementing, timestamp };
  }
}

/** The database's current time. */
export async function currentTime(session: Session): Promise<DbTimestamp> {
  const r = await session.query(session.dialect.currentTimeSql);
  const v = r.rows[0]?.[0];
  return timestampFromEpochText(Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
}
