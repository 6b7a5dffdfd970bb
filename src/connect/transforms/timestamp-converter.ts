// TimestampConverter$Key / TimestampConverter$Value: converts a timestamp (the whole key/value or one
// top-level field) between string (SimpleDateFormat pattern, UTC), unix (epoch in unix.precision),
// and the Connect logical types Date, Time and Timestamp. See api/java-date-format.ts for the pattern subset.
import { ConfigDef, NO_DEFAULT, Validators } from '../api/config-def.js';
import { ConfigError, DataError } from '../api/errors.js';
import { LOGICAL, LogicalSchemas, Schemas, Struct, type Schema } from '../api/data.js';
import type { ConnectRecord } from '../api/records.js';
import type { Props } from '../api/connector.js';
import {
  BuiltinTransformation, KEY_SIDE, REPLACE_NULL_WITH_DEFAULT, REPLACE_NULL_WITH_DEFAULT_DOC, SchemaCache, VALUE_SIDE,
  fieldValue, mapCopy, mapGet, mapHas, mapSet, requireMap, requireStructOrNull, structBuilderLike, typeName,
  type OperatingSide,
} from './util.js';
import { JavaDateFormat } from '../api/java-date-format.js';

const PURPOSE = 'converting timestamp formats';
const MS_PER_DAY = 86_400_000;

export type TimestampType = 'string' | 'unix' | 'Date' | 'Time' | 'Timestamp';
export type UnixPrecision = 'seconds' | 'milliseconds' | 'microseconds' | 'nanoseconds';

export const TIMESTAMP_CONVERTER_CONFIG_DEF = new ConfigDef()
  .define({ name: 'field', type: 'STRING', defaultValue: '', importance: 'HIGH', documentation: 'The field containing the timestamp, or empty if the entire value is a timestamp' })
  .define({
    name: 'target.type', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH', validator: Validators.oneOf(['string', 'unix', 'Date', 'Time', 'Timestamp'], false),
    documentation: 'The desired timestamp representation: string, unix, Date, Time, or Timestamp', recommendedValues: ['string', 'unix', 'Date', 'Time', 'Timestamp'],
  })
  .define({ name: 'format', type: 'STRING', defaultValue: '', importance: 'MEDIUM', documentation: 'A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or used to parse the input if the input is a string.' })
  .define({
    name: 'unix.precision', type: 'STRING', defaultValue: 'milliseconds', importance: 'LOW', validator: Validators.oneOf(['nanoseconds', 'microseconds', 'milliseconds', 'seconds'], false),
    documentation: 'The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used to generate the output when type=unix or used to parse the input if the input is a Long. Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond components.',
    recommendedValues: ['seconds', 'milliseconds', 'microseconds', 'nanoseconds'],
  })
  .define({ name: REPLACE_NULL_WITH_DEFAULT, type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: REPLACE_NULL_WITH_DEFAULT_DOC });

const SCHEMAS: Record<TimestampType, [Schema, Schema]> = {
  string: [Schemas.STRING, Schemas.OPTIONAL_STRING],
  unix: [Schemas.INT64, Schemas.OPTIONAL_INT64],
  Date: [LogicalSchemas.date().build(), LogicalSchemas.date().optional().build()],
  Time: [LogicalSchemas.time().build(), LogicalSchemas.time().optional().build()],
  Timestamp: [LogicalSchemas.timestamp().build(), LogicalSchemas.timestamp().optional().build()],
};

const UNIX_FACTOR: Record<UnixPrecision, bigint> = { seconds: 1000n, milliseconds: 1n, microseconds: 1000n, nanoseconds: 1_000_000n };

function floorDiv(a: number, b: number): number { return Math.floor(a / b); }

export abstract class TimestampConverter extends BuiltinTransformation {
  private field = '';
  private target: TimestampType = 'Timestamp';
  private format: JavaDateFormat | null = null;
  private precision: UnixPrecision = 'milliseconds';
  private replaceNullWithDefault = true;
  private readonly cache = new SchemaCache();

  constructor(private readonly side: OperatingSide) { super(); }

  config(): ConfigDef { return TIMESTAMP_CONVERTER_CONFIG_DEF; }

  configure(props: Props): void {
    const c = TIMESTAMP_CONVERTER_CONFIG_DEF.parse(props);
    this.field = c['field'] as string;
    this.target = c['target.type'] as TimestampType;
    this.precision = c['unix.precision'] as UnixPrecision;
    this.replaceNullWithDefault = c[REPLACE_NULL_WITH_DEFAULT] as boolean;
    const pattern = c['format'] as string;
    if (this.target === 'string' && pattern.trim() === '') {
      throw new ConfigError('TimestampConverter requires format option to be specified when using string timestamps', { format: ['TimestampConverter requires format option to be specified when using string timestamps'] });
    }
    this.format = null;
    if (pattern.trim() !== '') {
      try {
        this.format = new JavaDateFormat(pattern);
      } catch (e) {
        const msg = `TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: ${pattern} (${(e as Error).message})`;
        throw new ConfigError(msg, { format: [msg] }, { cause: e });
      }
    }
    this.cache.clear();
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = this.side.schema(record);
    const value = this.side.value(record);
    if (schema === null) {
      if (this.field === '') return this.side.update(record, null, this.convert(value, null));
      if (value === null || value === undefined) return record;
      const map = requireMap(value, PURPOSE);
      const updated = mapCopy(map);
      if (mapHas(map, this.field)) mapSet(updated, this.field, this.convert(mapGet(map, this.field), null));
      return this.side.update(record, null, updated);
    }
    if (this.field === '') return this.side.update(record, SCHEMAS[this.target][schema.optional ? 1 : 0], this.convert(value, schema));
    const struct = requireStructOrNull(value, PURPOSE);
    const keyed = struct ? struct.schema : schema;
    const updatedSchema = this.cache.get(keyed) ?? this.cache.set(keyed, this.buildSchema(keyed));
    return this.side.update(record, updatedSchema, struct === null ? null : this.convertStruct(struct, updatedSchema));
  }

  private buildSchema(schema: Schema): Schema {
    if (schema.type !== 'STRUCT') throw new DataError(`Only Struct objects supported for [${PURPOSE}], found schema type: ${schema.type}`);
    const b = structBuilderLike(schema);
    for (const f of schema.fields!) {
      b.field(f.name, f.name === this.field ? SCHEMAS[this.target][f.schema.optional ? 1 : 0] : f.schema);
    }
    return b.build();
  }

  private convertStruct(struct: Struct, updatedSchema: Schema): Struct {
    const out = new Struct(updatedSchema);
    const inFields = struct.schema.fields!;
    const outFields = updatedSchema.fields!;
    for (let i = 0; i < inFields.length; i++) {
      const f = inFields[i]!;
      const v = fieldValue(struct, f, this.replaceNullWithDefault);
      out.put(outFields[i]!, f.name === this.field ? this.convert(v, f.schema) : v);
    }
    return out;
  }

  /** Converts one timestamp value (null stays null); `schema` selects the input type, else it is inferred. */
  convert(value: unknown, schema: Schema | null): unknown {
    if (value === null || value === undefined) return null;
    const ms = this.toMillis(value, schema ? typeFromSchema(schema) : typeFromValue(value));
    return this.fromMillis(ms);
  }

  private toMillis(v: unknown, type: TimestampType): number {
    switch (type) {
      case 'string': {
        if (typeof v !== 'string') throw new DataError(`Expected string timestamp to be a String, but found ${typeName(v)}`);
        const fmt = this.format;
        if (!fmt) throw new DataError('TimestampConverter requires the format option to parse string timestamps');
        try {
          return fmt.parse(v);
        } catch (e) {
          throw new DataError(`Could not parse timestamp: value (${v}) does not match pattern (${fmt.pattern})`, { cause: e });
        }
      }
      case 'unix': {
        if (typeof v !== 'number' && typeof v !== 'bigint') throw new DataError(`Expected Unix timestamp to be a Long, but found ${typeName(v)}`);
        if (this.precision === 'milliseconds') return Number(v);
        if (this.precision === 'seconds') return Number(v) * 1000;
        // Sub-millisecond units truncate toward zero, as TimeUnit.toMillis does.
        const big = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
        return Number(big / UNIX_FACTOR[this.precision]);
      }
      default:
        if (!(v instanceof Date)) throw new DataError(`Expected ${type} to be a Date, but found ${typeName(v)}`);
        return v.getTime();
    }
  }

  private fromMillis(ms: number): unknown {
    switch (this.target) {
      case 'string': return this.format!.format(ms);
      case 'unix':
        switch (this.precision) {
          case 'seconds': return Math.trunc(ms / 1000);
          case 'milliseconds': return ms;
          default: {
            const n = BigInt(ms) * UNIX_FACTOR[this.precision];
            return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n;
          }
        }
      case 'Date': return new Date(floorDiv(ms, MS_PER_DAY) * MS_PER_DAY);
      case 'Time': return new Date(ms - floorDiv(ms, MS_PER_DAY) * MS_PER_DAY);
      case 'Timestamp': return new Date(ms);
    }
  }

  override close(): void { this.cache.clear(); }
}

function typeFromSchema(schema: Schema): TimestampType {
  switch (schema.name) {
    case LOGICAL.TIMESTAMP: return 'Timestamp';
    case LOGICAL.DATE: return 'Date';
    case LOGICAL.TIME: return 'Time';
  }
  if (schema.type === 'STRING') return 'string';
  if (schema.type === 'INT64') return 'unix';
  throw new DataError(`Schema ${schema.name ?? schema.type} does not correspond to a known timestamp type format`);
}

function typeFromValue(v: unknown): TimestampType {
  if (v instanceof Date) return 'Timestamp';
  if (typeof v === 'number' || typeof v === 'bigint') return 'unix';
  if (typeof v === 'string') return 'string';
  throw new DataError(`TimestampConverter does not support ${typeName(v)} objects as timestamps`);
}

export class TimestampConverterKey extends TimestampConverter { constructor() { super(KEY_SIDE); } }
export class TimestampConverterValue extends TimestampConverter { constructor() { super(VALUE_SIDE); } }
