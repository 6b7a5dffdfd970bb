// Cast$Key / Cast$Value: casts fields (spec "f1:int32,f2:string") or the whole value (spec "int64") to
// another primitive type, with Java's conversion semantics: integral narrowing wraps, floating values
// truncate toward zero (saturating at the int/long range), strings parse strictly (a bad number is a
// DataError), booleans become 1/0, Decimal truncates, Date/Time/Timestamp become their int encodings
// (days / ms of day / epoch ms) and their ISO text for string, bytes become base64 text.
import { ConfigDef, NO_DEFAULT, type Validator } from '../api/config-def.js';
import { ConfigError, DataError } from '../api/errors.js';
import { Decimal, LOGICAL, SchemaBuilder, Struct, fromLogical, type Field, type Schema, type SchemaType } from '../api/data.js';
import type { ConnectRecord } from '../api/records.js';
import type { Props } from '../api/connector.js';
import {
  BuiltinTransformation, KEY_SIDE, REPLACE_NULL_WITH_DEFAULT, REPLACE_NULL_WITH_DEFAULT_DOC, SchemaCache, VALUE_SIDE,
  copySchemaBasics, fieldValue, isMapValue, mapCopy, mapGet, mapHas, mapSet, requireMap, requireStruct, typeName,
  type OperatingSide,
} from './util.js';
import { castToString, javaToString } from '../api/values.js';

const PURPOSE = 'cast types';

const INPUT_TYPES: readonly SchemaType[] = ['INT8', 'INT16', 'INT32', 'INT64', 'FLOAT32', 'FLOAT64', 'BOOLEAN', 'STRING', 'BYTES'];
const OUTPUT_TYPES: readonly SchemaType[] = ['INT8', 'INT16', 'INT32', 'INT64', 'FLOAT32', 'FLOAT64', 'BOOLEAN', 'STRING'];
const ALL_TYPES = new Set<string>(['INT8', 'INT16', 'INT32', 'INT64', 'FLOAT32', 'FLOAT64', 'BOOLEAN', 'STRING', 'BYTES', 'ARRAY', 'MAP', 'STRUCT']);
const LOGICAL_NAMES = new Set<string>(Object.values(LOGICAL));

/** Parsed spec: field → type, or a whole-value type under the `null` key. */
export type CastSpec = Map<string | null, SchemaType>;

export function parseCastSpec(mappings: readonly string[]): CastSpec {
  const m: CastSpec = new Map();
  let whole = false;
  for (const mapping of mappings) {
    const parts = mapping.split(':');
    if (parts.length > 2) throw new ConfigError(`Invalid cast mapping: ${mapping}`);
    if (parts.length === 1) {
      m.set(null, outputType(parts[0]!));
      whole = true;
    } else {
      m.set(parts[0]!.trim(), outputType(parts[1]!));
    }
  }
  if (whole && mappings.length > 1) throw new ConfigError('Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec');
  return m;
}

function outputType(text: string): SchemaType {
  const t = text.trim().toUpperCase();
  if (!ALL_TYPES.has(t)) throw new ConfigError(`Invalid type found in casting spec: ${text.trim()}`);
  if (!OUTPUT_TYPES.includes(t as SchemaType)) throw new ConfigError(`Cast transformation does not support casting to ${t}; supported types are ${OUTPUT_TYPES.join(', ')}`);
  return t as SchemaType;
}

const specValidator: Validator = (name, value) => {
  const list = value as string[];
  if (list.length === 0) return `Invalid value  for configuration ${name}: Must specify at least one field to cast.`;
  try { parseCastSpec(list); } catch (e) { return `Invalid value ${list.join(',')} for configuration ${name}: ${(e as Error).message}`; }
};
specValidator.describe = 'list of colon-delimited pairs, e.g. foo:bar,abc:xyz';

export const CAST_CONFIG_DEF = new ConfigDef()
  .define({
    name: 'spec', type: 'LIST', defaultValue: NO_DEFAULT, importance: 'HIGH', validator: specValidator,
    documentation: 'List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string.',
  })
  .define({ name: REPLACE_NULL_WITH_DEFAULT, type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: REPLACE_NULL_WITH_DEFAULT_DOC });

export abstract class Cast extends BuiltinTransformation {
  private casts: CastSpec = new Map();
  private wholeValueType: SchemaType | null = null;
  private replaceNullWithDefault = true;
  private readonly cache = new SchemaCache();

  constructor(private readonly side: OperatingSide) { super(); }

  config(): ConfigDef { return CAST_CONFIG_DEF; }

  configure(props: Props): void {
    const c = CAST_CONFIG_DEF.parse(props);
    this.casts = parseCastSpec(c['spec'] as string[]);
    this.wholeValueType = this.casts.get(null) ?? null;
    this.replaceNullWithDefault = c[REPLACE_NULL_WITH_DEFAULT] as boolean;
    this.cache.clear();
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.side.value(record);
    if (value === null || value === undefined) return record;
    const schema = this.side.schema(record);
    if (schema === null) {
      if (this.wholeValueType !== null) return this.side.update(record, null, castValue(null, value, this.wholeValueType));
      const map = requireMap(value, PURPOSE);
      const updated = mapCopy(map);
      for (const [k, t] of this.casts) {
        if (k !== null && mapHas(map, k)) mapSet(updated, k, castValue(null, mapGet(map, k), t));
      }
      return this.side.update(record, null, updated);
    }
    const updatedSchema = this.cache.get(schema) ?? this.cache.set(schema, this.buildSchema(schema));
    if (this.wholeValueType !== null) return this.side.update(record, updatedSchema, castValue(schema, value, this.wholeValueType));
    const struct = requireStruct(value, PURPOSE);
    return this.side.update(record, updatedSchema, this.castStruct(struct, updatedSchema, this.replaceNullWithDefault));
  }

  private castStruct(struct: Struct, updatedSchema: Schema, replaceNullWithDefault: boolean): Struct {
    const out = new Struct(updatedSchema);
    const inFields = struct.schema.fields!;
    const outFields = updatedSchema.fields!;
    const sameShape = inFields.length === outFields.length;
    for (let i = 0; i < inFields.length; i++) {
      const f = inFields[i]!;
      const v = fieldValue(struct, f, replaceNullWithDefault);
      const t = this.casts.get(f.name);
      const target: Field | string = sameShape && outFields[i]!.name === f.name ? outFields[i]! : f.name;
      out.put(target, t === undefined ? v : castValue(f.schema, v, t));
    }
    return out;
  }

  private buildSchema(schema: Schema): Schema {
    let b: SchemaBuilder;
    if (this.wholeValueType !== null) {
      b = SchemaBuilder.type(this.wholeValueType);
      // A logical type's name/parameters describe the old encoding; keeping them would mislabel the result.
      if (!(schema.name !== undefined && LOGICAL_NAMES.has(schema.name))) copySchemaBasics(schema, b);
    } else {
      if (schema.type !== 'STRUCT') throw new DataError(`Only Struct objects supported for [${PURPOSE}], found schema type: ${schema.type}`);
      b = copySchemaBasics(schema, SchemaBuilder.struct());
      for (const f of schema.fields!) {
        const t = this.casts.get(f.name);
        if (t === undefined) { b.field(f.name, f.schema); continue; }
        const fb = SchemaBuilder.type(t);
        if (f.schema.optional) fb.optional();
        if (f.schema.defaultValue !== undefined && f.schema.defaultValue !== null) fb.defaultValue(castValue(f.schema, f.schema.defaultValue, t));
        b.field(f.name, fb.build());
      }
    }
    if (schema.optional) b.optional();
    if (schema.defaultValue !== undefined && schema.defaultValue !== null) {
      if (this.wholeValueType !== null) b.defaultValue(castValue(schema, schema.defaultValue, this.wholeValueType));
      else if (schema.defaultValue instanceof Struct) {
        // Build the schema without a default first, then cast the default struct into it.
        const noDefault = b.build();
        b.defaultValue(this.castStruct(schema.defaultValue, noDefault, true));
        const withDefault = b.build();
        return withDefault;
      }
    }
    return b.build();
  }

  override close(): void { this.cache.clear(); }
}

/** The Connect type of a value (the schema's, or inferred for schemaless data). */
function inputType(schema: Schema | null, value: unknown): SchemaType {
  if (schema) return schema.type;
  if (typeof value === 'number') return Number.isInteger(value) ? 'INT64' : 'FLOAT64';
  if (typeof value === 'bigint') return 'INT64';
  if (typeof value === 'string') return 'STRING';
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (value instanceof Uint8Array || value instanceof Decimal) return 'BYTES';
  if (value instanceof Date) return 'INT64';
  if (Array.isArray(value)) return 'ARRAY';
  if (value instanceof Struct) return 'STRUCT';
  if (isMapValue(value)) return 'MAP';
  throw new DataError(`Cast transformation was passed a value of type ${typeName(value)} which is not supported by Connect's data API`);
}

const INT_RANGES: Record<string, [bigint, bigint]> = {
  INT8: [-128n, 127n], INT16: [-32768n, 32767n], INT32: [-2147483648n, 2147483647n], INT64: [-(2n ** 63n), 2n ** 63n - 1n],
};
const INT_BITS: Record<string, number> = { INT8: 8, INT16: 16, INT32: 32, INT64: 64 };
const JAVA_INTEGER = /^[+-]?\d+$/;
const JAVA_FLOATING = /^[+-]?(NaN|Infinity|((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?)$/;

/** Casts one value; null stays null. Throws DataError for unsupported or out-of-range input. */
export function castValue(schema: Schema | null, value: unknown, target: SchemaType): unknown {
  if (value === null || value === undefined) return null;
  const from = inputType(schema, value);
  if (!INPUT_TYPES.includes(from)) throw new DataError(`Cast transformation does not support casting from ${from}; supported types are ${INPUT_TYPES.join(', ')}`);
  let v: unknown = value;
  // Logical date/time values are cast from their integer encoding (their text form for string).
  if (target !== 'STRING' && v instanceof Date) v = schema && schema.name ? fromLogical(schema, v) : v.getTime();
  switch (target) {
    case 'INT8': case 'INT16': case 'INT32': case 'INT64': return toIntegral(v, target, schema, value);
    case 'FLOAT32': return Math.fround(toFloating(v, value));
    case 'FLOAT64': return toFloating(v, value);
    case 'BOOLEAN': return toBoolean(v, value);
    case 'STRING': return castToString(schema, v);
    default: throw new DataError(`${target} is not supported in the Cast transformation.`);
  }
}

const outOfRange = (orig: unknown): never => {
  throw new DataError(`Value (${javaToString(null, orig)}) was out of range for requested data type`);
};
const unexpected = (orig: unknown): never => {
  throw new DataError(`Unexpected type in Cast transformation: ${typeName(orig)}`);
};

function fromBigInt(b: bigint, target: string): number | bigint {
  const w = BigInt.asIntN(INT_BITS[target]!, b);
  return target === 'INT64' && (w > BigInt(Number.MAX_SAFE_INTEGER) || w < BigInt(Number.MIN_SAFE_INTEGER)) ? w : Number(w);
}

function toIntegral(v: unknown, target: string, schema: Schema | null, orig: unknown): number | bigint {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return fromBigInt(v, target);
  if (v instanceof Decimal) return fromBigInt(v.unscaled / 10n ** BigInt(Math.max(0, v.scale)) * 10n ** BigInt(Math.max(0, -v.scale)), target);
  if (typeof v === 'number') {
    const floating = schema ? schema.type === 'FLOAT32' || schema.type === 'FLOAT64' : !Number.isSafeInteger(v);
    if (!floating) return fromBigInt(BigInt(v), target);
    // Java narrowing from double: NaN → 0, truncate, saturate to int (or long), then wrap to byte/short.
    if (Number.isNaN(v)) return 0;
    const wide = target === 'INT64' ? INT_RANGES['INT64']! : INT_RANGES['INT32']!;
    const t = Math.trunc(v);
    let b: bigint;
    if (t <= Number(wide[0])) b = wide[0];
    else if (t >= Number(wide[1])) b = wide[1];
    else b = BigInt(t);
    return fromBigInt(b, target);
  }
  if (typeof v === 'string') {
    if (!JAVA_INTEGER.test(v)) outOfRange(orig);
    const b = BigInt(v);
    const [lo, hi] = INT_RANGES[target]!;
    if (b < lo || b > hi) outOfRange(orig);
    return fromBigInt(b, target);
  }
  return unexpected(orig);
}

function toFloating(v: unknown, orig: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Decimal) return v.toNumber();
  if (typeof v === 'string') {
    const t = v.trim();
    if (!JAVA_FLOATING.test(t)) outOfRange(orig);
    return Number(t.replace(/[fFdD]$/, ''));
  }
  return unexpected(orig);
}

function toBoolean(v: unknown, orig: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isNaN(v) ? false : Math.trunc(v) !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (v instanceof Decimal) return v.unscaled / 10n ** BigInt(Math.max(0, v.scale)) !== 0n;
  if (typeof v === 'string') return v.toLowerCase() === 'true';
  return unexpected(orig);
}

export class CastKey extends Cast { constructor() { super(KEY_SIDE); } }
export class CastValue extends Cast { constructor() { super(VALUE_SIDE); } }
