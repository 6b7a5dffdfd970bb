// Connect's data model: schemas, structs and logical types.
//
// JS value representation per schema type (what converters produce and transforms/sinks see):
//   INT8/INT16/INT32/FLOAT32/FLOAT64 -> number
//   INT64                            -> number when it fits in 2^53, bigint otherwise (both accepted)
//   BOOLEAN -> boolean, STRING -> string, BYTES -> Buffer (Uint8Array accepted)
//   ARRAY -> unknown[]
//   MAP   -> plain object (string keys) or Map (any keys); both accepted
//   STRUCT -> Struct (schemaless records use plain objects instead)
//   Decimal logical -> Decimal, Date/Time/Timestamp logical -> Date
import { DataError } from './errors.js';

export type SchemaType =
  | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'FLOAT32' | 'FLOAT64'
  | 'BOOLEAN' | 'STRING' | 'BYTES' | 'ARRAY' | 'MAP' | 'STRUCT';

export interface Field {
  readonly name: string;
  readonly index: number;
  readonly schema: Schema;
}

export interface Schema {
  readonly type: SchemaType;
  readonly optional: boolean;
  readonly defaultValue?: unknown;
  readonly name?: string;
  readonly version?: number;
  readonly doc?: string;
  readonly parameters?: Readonly<Record<string, string>>;
  /** ARRAY element schema or MAP value schema. */
  readonly valueSchema?: Schema;
  /** MAP key schema. */
  readonly keySchema?: Schema;
  /** STRUCT fields, in order. */
  readonly fields?: readonly Field[];
}

export const LOGICAL = {
  DECIMAL: 'org.apache.kafka.connect.data.Decimal',
  DATE: 'org.apache.kafka.connect.data.Date',
  TIME: 'org.apache.kafka.connect.data.Time',
  TIMESTAMP: 'org.apache.kafka.connect.data.Timestamp',
} as const;

export const DECIMAL_SCALE_PARAM = 'scale';
const MS_PER_DAY = 86_400_000;

/** Fluent builder mirroring Connect's SchemaBuilder. build() returns an immutable Schema. */
export class SchemaBuilder {
  private _optional = false;
  private _default: unknown = undefined;
  private _name?: string;
  private _version?: number;
  private _doc?: string;
  private _params?: Record<string, string>;
  private _fields?: Field[];

  constructor(
    readonly type: SchemaType,
    private readonly keySchema?: Schema,
    private readonly valueSchema?: Schema,
  ) {
    if (type === 'STRUCT') this._fields = [];
  }

  static int8(): SchemaBuilder { return new SchemaBuilder('INT8'); }
  static int16(): SchemaBuilder { return new SchemaBuilder('INT16'); }
  static int32(): SchemaBuilder { return new SchemaBuilder('INT32'); }
  static int64(): SchemaBuilder { return new SchemaBuilder('INT64'); }
  static float32(): SchemaBuilder { return new SchemaBuilder('FLOAT32'); }
  static float64(): SchemaBuilder { return new SchemaBuilder('FLOAT64'); }
  static bool(): SchemaBuilder { return new SchemaBuilder('BOOLEAN'); }
  static string(): SchemaBuilder { return new SchemaBuilder('STRING'); }
  static bytes(): SchemaBuilder { return new SchemaBuilder('BYTES'); }
  static struct(): SchemaBuilder { return new SchemaBuilder('STRUCT'); }
  static array(valueSchema: Schema): SchemaBuilder { return new SchemaBuilder('ARRAY', undefined, valueSchema); }
  static map(keySchema: Schema, valueSchema: Schema): SchemaBuilder { return new SchemaBuilder('MAP', keySchema, valueSchema); }
  static type(type: SchemaType): SchemaBuilder { return new SchemaBuilder(type); }

  /** A builder pre-filled from an existing schema (used by transforms that rewrite schemas). */
  static from(schema: Schema): SchemaBuilder {
    const b = new SchemaBuilder(schema.type, schema.keySchema, schema.valueSchema);
    if (schema.optional) b.optional();
    if (schema.name !== undefined) b.name(schema.name);
    if (schema.version !== undefined) b.version(schema.version);
    if (schema.doc !== undefined) b.doc(schema.doc);
    if (schema.parameters) b.parameters(schema.parameters);
    if (schema.fields) for (const f of schema.fields) b.field(f.name, f.schema);
    if (schema.defaultValue !== undefined) b.defaultValue(schema.defaultValue);
    return b;
  }

  optional(): this { this._optional = true; return this; }
  required(): this { this._optional = false; return this; }
  name(n: string): this { this._name = n; return this; }
  version(v: number): this { this._version = v; return this; }
  doc(d: string): this { this._doc = d; return this; }
  defaultValue(v: unknown): this { this._default = v; return this; }
  parameter(k: string, v: string): this { (this._params ??= {})[k] = v; return this; }
  parameters(p: Readonly<Record<string, string>>): this { this._params = { ...(this._params ?? {}), ...p }; return this; }

  field(name: string, schema: Schema): this {
    if (this.type !== 'STRUCT') throw new DataError(`Cannot add field "${name}" to a non-struct schema (${this.type})`);
    const fields = this._fields!;
    if (fields.some((f) => f.name === name)) throw new DataError(`Cannot create field because of field name duplication: ${name}`);
    fields.push({ name, index: fields.length, schema });
    return this;
  }

  build(): Schema {
    const s: {
      -readonly [K in keyof Schema]: Schema[K];
    } = { type: this.type, optional: this._optional };
    if (this._default !== undefined) s.defaultValue = this._default;
    if (this._name !== undefined) s.name = this._name;
    if (this._version !== undefined) s.version = this._version;
    if (this._doc !== undefined) s.doc = this._doc;
    if (this._params !== undefined) s.parameters = Object.freeze({ ...this._params });
    if (this.keySchema) s.keySchema = this.keySchema;
    if (this.valueSchema) s.valueSchema = this.valueSchema;
    if (this._fields) s.fields = Object.freeze([...this._fields]);
    return Object.freeze(s);
  }
}

const prim = (t: SchemaType, optional: boolean): Schema => Object.freeze({ type: t, optional });

/** Predefined schemas, as Connect's Schema.*_SCHEMA constants. */
export const Schemas = {
  INT8: prim('INT8', false), INT16: prim('INT16', false), INT32: prim('INT32', false), INT64: prim('INT64', false),
  FLOAT32: prim('FLOAT32', false), FLOAT64: prim('FLOAT64', false), BOOLEAN: prim('BOOLEAN', false),
  STRING: prim('STRING', false), BYTES: prim('BYTES', false),
  OPTIONAL_INT8: prim('INT8', true), OPTIONAL_INT16: prim('INT16', true), OPTIONAL_INT32: prim('INT32', true),
  OPTIONAL_INT64: prim('INT64', true), OPTIONAL_FLOAT32: prim('FLOAT32', true), OPTIONAL_FLOAT64: prim('FLOAT64', true),
  OPTIONAL_BOOLEAN: prim('BOOLEAN', true), OPTIONAL_STRING: prim('STRING', true), OPTIONAL_BYTES: prim('BYTES', true),
} as const;

/** Arbitrary-precision decimal: unscaled * 10^-scale. */
export class Decimal {
  constructor(readonly unscaled: bigint, readonly scale: number) {}

  static parse(text: string, scale?: number): Decimal {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new DataError(`Invalid decimal: "${text}"`);
    const frac = m[3] ?? '';
    const exp = m[4] ? Number(m[4]) : 0;
    let unscaled = BigInt((m[1] === '-' ? '-' : '') + ((m[2] ?? '') + frac || '0'));
    let sc = frac.length - exp;
    if (sc < 0) { unscaled *= 10n ** BigInt(-sc); sc = 0; }
    const d = new Decimal(unscaled, sc);
    return scale === undefined ? d : d.rescale(scale);
  }

  static fromNumber(n: number, scale?: number): Decimal {
    if (!Number.isFinite(n)) throw new DataError(`Cannot convert ${n} to a decimal`);
    return Decimal.parse(String(n), scale);
  }

  /** Rescale; rounds half-up when reducing scale. */
  rescale(scale: number): Decimal {
    if (scale === this.scale) return this;
    if (scale > this.scale) return new Decimal(this.unscaled * 10n ** BigInt(scale - this.scale), scale);
    const div = 10n ** BigInt(this.scale - scale);
    const q = this.unscaled / div;
    const r = this.unscaled % div;
    const half = div / 2n;
    const adj = r >= half && r > 0n ? 1n : (-r >= half && r < 0n ? -1n : 0n);
    return new Decimal(q + adj, scale);
  }

  toString(): string {
    const neg = this.unscaled < 0n;
    let digits = (neg ? -this.unscaled : this.unscaled).toString();
    if (this.scale <= 0) return (neg ? '-' : '') + digits + '0'.repeat(-this.scale);
    digits = digits.padStart(this.scale + 1, '0');
    return (neg ? '-' : '') + digits.slice(0, -this.scale) + '.' + digits.slice(-this.scale);
  }

  toNumber(): number { return Number(this.toString()); }
  toJSON(): number { return this.toNumber(); }

  equals(other: unknown): boolean {
    return other instanceof Decimal && other.scale === this.scale && other.unscaled === this.unscaled;
  }

  /** Two's-complement big-endian bytes of the unscaled value (Java BigInteger.toByteArray). */
  toBytes(): Buffer {
    let v = this.unscaled;
    const out: number[] = [];
    // Emit bytes little-endian until the remaining value is pure sign extension of the last byte.
    for (;;) {
      const byte = Number(v & 0xffn);
      out.push(byte);
      v >>= 8n;
      if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break;
    }
    return Buffer.from(out.reverse());
  }

  static fromBytes(bytes: Uint8Array, scale: number): Decimal {
    if (bytes.length === 0) return new Decimal(0n, scale);
    let v = 0n;
    for (const b of bytes) v = (v << 8n) | BigInt(b);
    if ((bytes[0]! & 0x80) !== 0) v -= 1n << BigInt(bytes.length * 8);
    return new Decimal(v, scale);
  }
}

export const LogicalSchemas = {
  decimal(scale: number): SchemaBuilder {
    return SchemaBuilder.bytes().name(LOGICAL.DECIMAL).version(1).parameter(DECIMAL_SCALE_PARAM, String(scale));
  },
  date(): SchemaBuilder { return SchemaBuilder.int32().name(LOGICAL.DATE).version(1); },
  time(): SchemaBuilder { return SchemaBuilder.int32().name(LOGICAL.TIME).version(1); },
  timestamp(): SchemaBuilder { return SchemaBuilder.int64().name(LOGICAL.TIMESTAMP).version(1); },
};

export function decimalScale(schema: Schema): number {
  const s = schema.parameters?.[DECIMAL_SCALE_PARAM];
  if (s === undefined) throw new DataError(`Invalid Decimal schema: scale parameter not found`);
  return Number(s);
}

/** Logical value -> the underlying primitive (as Connect's Decimal/Date/Time/Timestamp.fromLogical). */
export function fromLogical(schema: Schema, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (schema.name) {
    case LOGICAL.DECIMAL: {
      const scale = decimalScale(schema);
      const d = value instanceof Decimal ? value : Decimal.parse(String(value));
      if (d.scale !== scale) throw new DataError(`Decimal value has mismatching scale ${d.scale} (schema scale ${scale})`);
      return d.toBytes();
    }
    case LOGICAL.DATE: {
      const ms = value instanceof Date ? value.getTime() : Number(value);
      if (ms % MS_PER_DAY !== 0) throw new DataError('Kafka Connect Date type should not have any time fields set to non-zero values.');
      return ms / MS_PER_DAY;
    }
    case LOGICAL.TIME: {
      const ms = value instanceof Date ? value.getTime() : Number(value);
      if (ms < 0 || ms >= MS_PER_DAY) throw new DataError('Kafka Connect Time type should not have any date fields set to non-zero values.');
      return ms;
    }
    case LOGICAL.TIMESTAMP:
      return value instanceof Date ? value.getTime() : Number(value);
    default:
      return value;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Buffer.isBuffer(v)) return 'Buffer';
  if (v instanceof Struct) return 'Struct';
  if (Array.isArray(v)) return 'Array';
  return typeof v === 'object' ? (v as object).constructor?.name ?? 'object' : typeof v;
}

/** Validates a value against a schema, as Connect's ConnectSchema.validateValue. Throws DataError. */
export function validateValue(schema: Schema, value: unknown, where = 'value'): void {
  if (value === null || value === undefined) {
    if (!schema.optional && schema.defaultValue === undefined) throw new DataError(`Invalid value: null used for required field: "${where}", schema type: ${schema.type}`);
    return;
  }
  const bad = (): never => {
    throw new DataError(`Invalid Java object for schema${schema.name ? ` "${schema.name}"` : ''} with type ${schema.type}: ${describe(value)} for field: "${where}"`);
  };
  switch (schema.name) {
    case LOGICAL.DECIMAL: if (!(value instanceof Decimal)) bad(); return;
    case LOGICAL.DATE: case LOGICAL.TIME: case LOGICAL.TIMESTAMP: if (!(value instanceof Date)) bad(); return;
  }
  switch (schema.type) {
    case 'INT8': case 'INT16': case 'INT32': if (typeof value !== 'number' || !Number.isInteger(value)) bad(); return;
    case 'INT64': if (!(typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value)))) bad(); return;
    case 'FLOAT32': case 'FLOAT64': if (typeof value !== 'number') bad(); return;
    case 'BOOLEAN': if (typeof value !== 'boolean') bad(); return;
    case 'STRING': if (typeof value !== 'string') bad(); return;
    case 'BYTES': if (!(value instanceof Uint8Array)) bad(); return;
    case 'ARRAY':
      if (!Array.isArray(value)) bad();
      for (const e of value as unknown[]) validateValue(schema.valueSchema!, e, where);
      return;
    case 'MAP': {
      if (value instanceof Map) {
        for (const [k, v] of value) { validateValue(schema.keySchema!, k, where); validateValue(schema.valueSchema!, v, where); }
      } else if (typeof value === 'object' && !Array.isArray(value) && !(value instanceof Struct) && !(value instanceof Uint8Array)) {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) { validateValue(schema.keySchema!, k, where); validateValue(schema.valueSchema!, v, where); }
      } else bad();
      return;
    }
    case 'STRUCT':
      if (!(value instanceof Struct)) bad();
      if (!schemaEquals((value as Struct).schema, schema)) throw new DataError(`Struct schemas do not match for field "${where}".`);
      (value as Struct).validate();
      return;
  }
}

/** Structural schema equality (as ConnectSchema.equals). */
export function schemaEquals(a: Schema | null | undefined, b: Schema | null | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  if (a.type !== b.type || a.optional !== b.optional || a.name !== b.name || a.version !== b.version || a.doc !== b.doc) return false;
  if (!shallowEqualRecord(a.parameters, b.parameters)) return false;
  if (!valueEquals(a.defaultValue, b.defaultValue)) return false;
  if (!schemaEquals(a.keySchema, b.keySchema) && (a.keySchema || b.keySchema)) return false;
  if (!schemaEquals(a.valueSchema, b.valueSchema) && (a.valueSchema || b.valueSchema)) return false;
  const af = a.fields ?? [], bf = b.fields ?? [];
  if (af.length !== bf.length) return false;
  for (let i = 0; i < af.length; i++) {
    if (af[i]!.name !== bf[i]!.name || !schemaEquals(af[i]!.schema, bf[i]!.schema)) return false;
  }
  return true;
}

function shallowEqualRecord(a?: Readonly<Record<string, string>>, b?: Readonly<Record<string, string>>): boolean {
  const ak = Object.keys(a ?? {}), bk = Object.keys(b ?? {});
  return ak.length === bk.length && ak.every((k) => a![k] === b?.[k]);
}

/** Deep equality for Connect values (Buffers by content, Structs by schema and values, Decimal, Date). */
export function valueEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  if (a instanceof Decimal) return a.equals(b);
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a === 'bigint' || typeof b === 'bigint') return typeof a !== 'object' && typeof b !== 'object' && BigInt(a as number) === BigInt(b as number);
  if (a instanceof Struct && b instanceof Struct) return schemaEquals(a.schema, b.schema) && valueEquals(a.values(), b.values());
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => valueEquals(x, b[i]));
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !valueEquals(v, b.get(k))) return false;
    return true;
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ak = Object.keys(a as object), bk = Object.keys(b as object);
    return ak.length === bk.length && ak.every((k) => valueEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** A structured record value with a STRUCT schema. */
export class Struct {
  private readonly _values: unknown[];

  constructor(readonly schema: Schema) {
    if (schema.type !== 'STRUCT') throw new DataError(`Not a struct schema: ${schema.type}`);
    this._values = new Array<unknown>(schema.fields!.length).fill(null);
  }

  field(name: string): Field {
    const f = this.schema.fields!.find((x) => x.name === name);
    if (!f) throw new DataError(`${name} is not a valid field name`);
    return f;
  }

  /** Value of a field; falls back to the field schema's default as Connect does. */
  get(name: string | Field): unknown {
    const f = typeof name === 'string' ? this.field(name) : name;
    const v = this._values[f.index];
    return v === null || v === undefined ? (f.schema.defaultValue ?? null) : v;
  }

  /** Raw value without defaulting. */
  getWithoutDefault(name: string): unknown {
    return this._values[this.field(name).index] ?? null;
  }

  put(name: string | Field, value: unknown): this {
    const f = typeof name === 'string' ? this.field(name) : name;
    validateValue(f.schema, value, f.name);
    this._values[f.index] = value;
    return this;
  }

  /** Field name -> value, in schema order (raw values, no defaults). */
  values(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of this.schema.fields!) out[f.name] = this._values[f.index] ?? null;
    return out;
  }

  validate(): void {
    for (const f of this.schema.fields!) validateValue(f.schema, this._values[f.index], f.name);
  }

  equals(o: unknown): boolean { return valueEquals(this, o); }

  toString(): string {
    return `Struct{${this.schema.fields!.filter((f) => this._values[f.index] != null).map((f) => `${f.name}=${String(this._values[f.index])}`).join(',')}}`;
  }
}
