// Result-set columns -> Connect schema fields and value converters, following the Confluent connector's
// mapping of JDBC types (GenericDatabaseDialect / PostgreSqlDatabaseDialect) so topics carry the same schemas.
import {
  ConfigError, DataError, Decimal, LogicalSchemas, SchemaBuilder, Struct, shortestFloat, type Schema,
} from '../../connect/api/index.js';
import { parseDbDate, parseDbTime, parseDbTimestamp, type DbTimestamp, type Zone } from './time.js';

/** The JDBC type a column reports (java.sql.Types), reduced to what the mapping distinguishes. */
export type JdbcType =
  | 'BOOLEAN' | 'BIT' | 'TINYINT' | 'SMALLINT' | 'INTEGER' | 'BIGINT' | 'REAL' | 'DOUBLE'
  | 'NUMERIC' | 'DECIMAL' | 'STRING' | 'BYTES' | 'DATE' | 'TIME' | 'TIMESTAMP' | 'NULL' | 'UNSUPPORTED';

/** How the driver hands over raw values for a column. */
export type RawFormat =
  | 'pg-text' // node-postgres text format (every value a string)
  | 'mysql'; // mysql2 binary protocol with dateStrings/bigNumberStrings (numbers, strings, Buffers)

export interface ColumnMeta {
  /** Column label (alias or name): the field name. */
  name: string;
  jdbcType: JdbcType;
  /** The database's own type name, for messages. */
  typeName: string;
  precision: number;
  /** Numeric scale; null when the column declares none (PostgreSQL `numeric`). */
  scale: number | null;
  signed: boolean;
  /** false only when the column is known NOT NULL. */
  nullable: boolean;
  /** Bits of a BIT(n) column. */
  bits?: number;
}

export type NumericMapping = 'none' | 'best_fit' | 'best_fit_eager_double' | 'precision_only';

export const DECIMAL_PRECISION_PARAM = 'connect.decimal.precision';
const MAX_INTEGER_TYPE_PRECISION = 18;
const NUMERIC_TYPE_SCALE_LOW = -84;
/** Scale Confluent falls back to when a NUMERIC declares none. */
export const NUMERIC_TYPE_SCALE_HIGH = 127;

type Converter = (raw: unknown) => unknown;

export interface FieldMapping {
  name: string;
  schema: Schema;
  convert: Converter;
  column: ColumnMeta;
}

function integerSchema(optional: boolean, precision: number): SchemaBuilder {
  const b = precision > 9 ? SchemaBuilder.int64() : precision > 4 ? SchemaBuilder.int32() : precision > 2 ? SchemaBuilder.int16() : SchemaBuilder.int8();
  return optional ? b.optional() : b;
}

/** The Connect schema for a column, or null for columns the connector skips (JDBC NULL type). Throws for unmappable types. */
export function schemaForColumn(col: ColumnMeta, mapping: NumericMapping, where: string): Schema | null {
  const opt = col.nullable;
  const b = (sb: SchemaBuilder): Schema => (opt ? sb.optional() : sb).build();
  const p = col.precision;
  const s = col.scale;
  switch (col.jdbcType) {
    case 'NULL': return null;
    case 'BOOLEAN': return b(SchemaBuilder.bool());
    case 'BIT': return b((col.bits ?? 1) <= 8 ? SchemaBuilder.int8() : SchemaBuilder.bytes());
    case 'TINYINT': return b(col.signed ? SchemaBuilder.int8() : SchemaBuilder.int16());
    case 'SMALLINT': return b(col.signed ? SchemaBuilder.int16() : SchemaBuilder.int32());
    case 'INTEGER': return b(col.signed ? SchemaBuilder.int32() : SchemaBuilder.int64());
    case 'BIGINT': return b(SchemaBuilder.int64());
    case 'REAL': return b(SchemaBuilder.float32());
    case 'DOUBLE': return b(SchemaBuilder.float64());
    case 'NUMERIC': {
      const scale = s ?? -127;
      if (mapping === 'precision_only') {
        if (scale === 0 && p <= MAX_INTEGER_TYPE_PRECISION) return integerSchema(opt, p).build();
      } else if (mapping === 'best_fit') {
        if (p <= MAX_INTEGER_TYPE_PRECISION && s !== null) {
          if (scale < 1 && scale >= NUMERIC_TYPE_SCALE_LOW) return integerSchema(opt, p).build();
          if (scale > 0) return b(SchemaBuilder.float64());
        }
      } else if (mapping === 'best_fit_eager_double') {
        if (s !== null && scale < 1 && scale >= NUMERIC_TYPE_SCALE_LOW) {
          if (p <= MAX_INTEGER_TYPE_PRECISION) return integerSchema(opt, p).build();
        } else if (s !== null && scale > 0) return b(SchemaBuilder.float64());
      }
      return decimalSchema(col, opt);
    }
    case 'DECIMAL': return decimalSchema(col, opt);
    case 'STRING': return b(SchemaBuilder.string());
    case 'BYTES': return b(SchemaBuilder.bytes());
    case 'DATE': return b(LogicalSchemas.date());
    case 'TIME': return b(LogicalSchemas.time());
    case 'TIMESTAMP': return b(LogicalSchemas.timestamp());
    case 'UNSUPPORTED':
      throw new ConfigError(
        `Cannot map column "${col.name}" of ${where} (database type ${col.typeName}) to a Connect type. ` +
        `Exclude the table, or use query mode and CAST the column to a supported type (text, numeric, timestamp, …).`,
      );
  }
}

function decimalSchema(col: ColumnMeta, optional: boolean): Schema {
  const scale = col.scale ?? NUMERIC_TYPE_SCALE_HIGH;
  const sb = LogicalSchemas.decimal(scale);
  if (col.scale !== null) sb.parameter(DECIMAL_PRECISION_PARAM, String(col.precision));
  return (optional ? sb.optional() : sb).build();
}

function asText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (Buffer.isBuffer(raw)) return raw.toString('utf8');
  return String(raw);
}

function toInt(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  return Number(asText(raw));
}

function toInt64(raw: unknown): number | bigint {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'bigint') return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
  const s = asText(raw);
  const n = Number(s);
  if (Number.isSafeInteger(n)) return n;
  const big = BigInt(s);
  if (big > 9223372036854775807n || big < -9223372036854775808n) throw new DataError(`Value ${s} does not fit in a 64-bit integer`);
  return big;
}

function pgBool(raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  const s = asText(raw);
  return s === 't' || s === 'true' || s === '1';
}

function pgBytea(raw: unknown): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  const s = asText(raw);
  if (s.startsWith('\\x')) return Buffer.from(s.slice(2), 'hex');
  // Legacy escape format: octal escapes and doubled backslashes.
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') {
      if (s[i + 1] === '\\') { out.push(92); i++; } else { out.push(parseInt(s.slice(i + 1, i + 4), 8)); i += 3; }
    } else out.push(s.charCodeAt(i));
  }
  return Buffer.from(out);
}

function bitsToBytes(bits: string): Buffer {
  const padded = bits.padStart(Math.ceil(bits.length / 8) * 8, '0');
  const out = Buffer.alloc(padded.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(padded.slice(i * 8, i * 8 + 8), 2);
  return out;
}

function bitValue(raw: unknown, bytes: boolean): number | Buffer {
  if (Buffer.isBuffer(raw)) {
    if (bytes) return raw;
    let v = 0;
    for (const x of raw) v = v * 256 + x;
    return v > 127 ? v - 256 : v;
  }
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  const s = asText(raw);
  if (bytes) return bitsToBytes(s);
  const v = parseInt(s, 2);
  return v > 127 ? v - 256 : v;
}

/** A converter from the driver's raw value to the Connect value for the schema the column maps to. */
export function converterFor(col: ColumnMeta, schema: Schema, format: RawFormat, zone: Zone): Converter {
  const pg = format === 'pg-text';
  switch (col.jdbcType) {
    case 'BOOLEAN':
      return pg ? pgBool : (raw) => (typeof raw === 'boolean' ? raw : toInt(raw) !== 0);
    case 'BIT':
      return (raw) => bitValue(raw, schema.type === 'BYTES');
    case 'TINYINT': case 'SMALLINT': case 'INTEGER':
      return pg ? (raw) => Number(raw as string) : toInt;
    case 'BIGINT':
      return toInt64;
    case 'REAL':
      return (raw) => shortestFloat(typeof raw === 'number' ? raw : Number(asText(raw)));
    case 'DOUBLE':
      return (raw) => (typeof raw === 'number' ? raw : Number(asText(raw)));
    case 'NUMERIC': case 'DECIMAL': {
      switch (schema.type) {
        case 'INT8': case 'INT16': case 'INT32':
          return (raw) => Number(Decimal.parse(asText(raw)).rescale(0).toString());
        case 'INT64':
          return (raw) => toInt64(Decimal.parse(asText(raw)).rescale(0).toString());
        case 'FLOAT64':
          return (raw) => Number(asText(raw));
        default: {
          const scale = Number(schema.parameters?.scale ?? 0);
          return (raw) => {
            const text = asText(raw);
            if (/^-?(NaN|Infinity)$/i.test(text)) throw new DataError(`Numeric value ${text} of column "${col.name}" cannot be represented as a Connect Decimal`);
            return Decimal.parse(text, scale);
          };
        }
      }
    }
    case 'STRING':
      return asText;
    case 'BYTES':
      return pg ? pgBytea : (raw) => (Buffer.isBuffer(raw) ? raw : Buffer.from(asText(raw), 'utf8'));
    case 'DATE':
      return (raw) => {
        if (typeof raw === 'number') return new Date(Date.UTC(raw, 0, 1)); // MySQL YEAR reported as DATE
        return parseDbDate(asText(raw));
      };
    case 'TIME':
      return (raw) => parseDbTime(asText(raw));
    case 'TIMESTAMP':
      return (raw) => new Date(parseDbTimestamp(asText(raw), zone).ms);
    default:
      return (raw) => raw;
  }
}

/** The offset timestamp of a raw TIMESTAMP/DATE value (full sub-millisecond precision). */
export function rawTimestamp(col: ColumnMeta, raw: unknown, zone: Zone): DbTimestamp {
  if (col.jdbcType === 'DATE') {
    const d = typeof raw === 'number' ? new Date(Date.UTC(raw, 0, 1)) : parseDbDate(asText(raw));
    return { ms: d.getTime(), nanos: 0 };
  }
  if (col.jdbcType !== 'TIMESTAMP') throw new ConfigError(`Column "${col.name}" (${col.typeName}) is not a timestamp and cannot be used in timestamp.column.name`);
  return parseDbTimestamp(asText(raw), zone);
}

/** Schema + converters for one result set; builds Structs from raw rows. */
export class RowMapping {
  readonly schema: Schema;
  readonly fields: FieldMapping[];
  /** Index of each mapped field's column in the raw row. */
  private readonly indexes: number[];

  constructor(columns: readonly ColumnMeta[], opts: { schemaName: string | null; numericMapping: NumericMapping; format: RawFormat; zone: Zone; where: string }) {
    const sb = SchemaBuilder.struct();
    if (opts.schemaName !== null) sb.name(opts.schemaName);
    this.fields = [];
    this.indexes = [];
    columns.forEach((col, i) => {
      const schema = schemaForColumn(col, opts.numericMapping, opts.where);
      if (schema === null) return;
      sb.field(col.name, schema);
      this.fields.push({ name: col.name, schema, convert: converterFor(col, schema, opts.format, opts.zone), column: col });
      this.indexes.push(i);
    });
    this.schema = sb.build();
  }

  toStruct(row: readonly unknown[], where: string): Struct {
    const st = new Struct(this.schema);
    for (let i = 0; i < this.fields.length; i++) {
      const f = this.fields[i]!;
      const raw = row[this.indexes[i]!];
      if (raw === null || raw === undefined) {
        if (!f.schema.optional) throw new DataError(`Column "${f.name}" of ${where} is NOT NULL but returned NULL`);
        continue;
      }
      let v: unknown;
      try {
        v = f.convert(raw);
      } catch (e) {
        throw new DataError(`Cannot convert column "${f.name}" (${f.column.typeName}) of ${where}: ${(e as Error).message}`, { cause: e });
      }
      st.put(f.name, v);
    }
    return st;
  }

  /** Position in the raw row of a column by name (exact, then case-insensitive), or -1. */
  columnIndex(columns: readonly ColumnMeta[], name: string): number {
    const exact = columns.findIndex((c) => c.name === name);
    if (exact >= 0) return exact;
    const lower = name.toLowerCase();
    return columns.findIndex((c) => c.name.toLowerCase() === lower);
  }
}
