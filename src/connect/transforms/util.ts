// Shared helpers for the built-in SMTs: which side of the record a transform works on, value
// requirements with Connect's error wording, schemaless map access and schema copying.
import { DataError } from '../api/errors.js';
import { Decimal, SchemaBuilder, Struct, type Field, type Schema } from '../api/data.js';
import type { ConnectRecord, Headers, SinkRecord } from '../api/records.js';
import type { ConfigDef, Validator } from '../api/config-def.js';
import type { Props, Transformation } from '../api/connector.js';

/** The part of a record a $Key/$Value transform reads and rewrites. */
export interface OperatingSide {
  readonly isKey: boolean;
  schema(r: ConnectRecord): Schema | null;
  value(r: ConnectRecord): unknown;
  update<R extends ConnectRecord>(r: R, schema: Schema | null, value: unknown): R;
}

// Record copies with a few fields replaced: the same result as newRecord(r, changes), but a
// single-source spread followed by plain stores stays on V8's fast object-clone path (newRecord's
// two-source spread showed up as the top cost in transform chain profiles).
export function withKey<R extends ConnectRecord>(r: R, keySchema: Schema | null, key: unknown): R {
  const c = { ...r };
  c.keySchema = keySchema;
  c.key = key;
  return c;
}

export function withValue<R extends ConnectRecord>(r: R, valueSchema: Schema | null, value: unknown): R {
  const c = { ...r };
  c.valueSchema = valueSchema;
  c.value = value;
  return c;
}

export function withTopic<R extends ConnectRecord>(r: R, topic: string): R {
  const c = { ...r };
  c.topic = topic;
  return c;
}

export function withHeaders<R extends ConnectRecord>(r: R, headers: Headers): R {
  const c = { ...r };
  c.headers = headers;
  return c;
}

export const KEY_SIDE: OperatingSide = {
  isKey: true,
  schema: (r) => r.keySchema,
  value: (r) => r.key,
  update: withKey,
};

export const VALUE_SIDE: OperatingSide = {
  isKey: false,
  schema: (r) => r.valueSchema,
  value: (r) => r.value,
  update: withValue,
};

/** Base for every built-in SMT: generic apply so one instance fits source and sink chains. */
export abstract class BuiltinTransformation implements Transformation {
  abstract configure(props: Props): void;
  abstract apply<R extends ConnectRecord>(record: R): R | null;
  abstract config(): ConfigDef;
  close(): void {}
}

// ---- schemaless maps ----

/** A schemaless MAP value: a plain object (the usual case) or a Map. */
export type MapValue = Record<string, unknown> | Map<unknown, unknown>;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function isMapValue(v: unknown): v is MapValue {
  return v instanceof Map || isPlainObject(v);
}

export function mapGet(m: MapValue, key: string): unknown {
  if (m instanceof Map) return m.get(key);
  return Object.prototype.hasOwnProperty.call(m, key) ? m[key] : undefined;
}

export function mapHas(m: MapValue, key: string): boolean {
  return m instanceof Map ? m.has(key) : Object.prototype.hasOwnProperty.call(m, key);
}

/** Sets an own property even for "__proto__" (which plain assignment would turn into a prototype change). */
export function setProp(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

export function mapSet(m: MapValue, key: string, value: unknown): void {
  if (m instanceof Map) m.set(key, value);
  else setProp(m, key, value);
}

export function mapDelete(m: MapValue, key: string): void {
  if (m instanceof Map) m.delete(key);
  else delete m[key];
}

/** A shallow copy of the same kind (object spread defines own properties, so "__proto__" keys survive). */
export function mapCopy(m: MapValue): MapValue {
  return m instanceof Map ? new Map(m) : { ...m };
}

export function emptyMapLike(m: MapValue): MapValue {
  return m instanceof Map ? new Map() : {};
}

/** Calls fn for every entry (keys as strings), without allocating an entries array for plain objects. */
export function forEachEntry(m: MapValue, fn: (key: string, value: unknown) => void): void {
  if (m instanceof Map) {
    for (const [k, v] of m) fn(String(k), v);
    return;
  }
  const keys = Object.keys(m);
  for (let i = 0; i < keys.length; i++) fn(keys[i]!, m[keys[i]!]);
}

// ---- requirements (messages follow Connect's Requirements) ----

/** A short type name for error messages. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (v instanceof Struct) return 'Struct';
  if (Buffer.isBuffer(v)) return 'Buffer';
  if (v instanceof Uint8Array) return 'Uint8Array';
  if (Array.isArray(v)) return 'Array';
  if (v instanceof Map) return 'Map';
  if (v instanceof Date) return 'Date';
  if (v instanceof Decimal) return 'Decimal';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'Object';
  return typeof v;
}

export function requireMap(v: unknown, purpose: string): MapValue {
  if (!isMapValue(v)) throw new DataError(`Only Map objects supported in absence of schema for [${purpose}], found: ${typeName(v)}`);
  return v;
}

export function requireMapOrNull(v: unknown, purpose: string): MapValue | null {
  return v === null || v === undefined ? null : requireMap(v, purpose);
}

export function requireStruct(v: unknown, purpose: string): Struct {
  if (!(v instanceof Struct)) throw new DataError(`Only Struct objects supported for [${purpose}], found: ${typeName(v)}`);
  return v;
}

export function requireStructOrNull(v: unknown, purpose: string): Struct | null {
  return v === null || v === undefined ? null : requireStruct(v, purpose);
}

export function requireSinkRecord(r: ConnectRecord, purpose: string): SinkRecord {
  if (r.kind !== 'sink') throw new DataError(`Only SinkRecord supported for [${purpose}], found: SourceRecord`);
  return r;
}

export function requireSchema(schema: Schema | null, purpose: string): Schema {
  if (!schema) throw new DataError(`Schema required for [${purpose}]`);
  return schema;
}

// ---- structs and schemas ----

/** A field's value, honouring `replace.null.with.default` (KIP-1040). */
export function fieldValue(s: Struct, f: Field, replaceNullWithDefault: boolean): unknown {
  return replaceNullWithDefault || f.schema.defaultValue === undefined ? s.get(f) : s.getWithoutDefault(f.name);
}

/** A struct builder carrying the source schema's name, version, doc, parameters and optionality. */
export function structBuilderLike(schema: Schema): SchemaBuilder {
  return copySchemaBasics(schema, SchemaBuilder.struct(), true);
}

export function copySchemaBasics(source: Schema, b: SchemaBuilder, withOptional = false): SchemaBuilder {
  if (source.name !== undefined) b.name(source.name);
  if (source.version !== undefined) b.version(source.version);
  if (source.doc !== undefined) b.doc(source.doc);
  if (source.parameters) b.parameters(source.parameters);
  if (withOptional && source.optional) b.optional();
  return b;
}

export function findField(schema: Schema, name: string): Field | undefined {
  const fields = schema.fields;
  if (!fields) return undefined;
  for (let i = 0; i < fields.length; i++) if (fields[i]!.name === name) return fields[i];
  return undefined;
}

/** Per-input-schema memo; schemas are immutable, so identity is a sound key and entries die with the schema. */
export class SchemaCache<V = Schema> {
  private map = new WeakMap<Schema, V>();
  get(s: Schema): V | undefined { return this.map.get(s); }
  set(s: Schema, v: V): V { this.map.set(s, v); return v; }
  clear(): void { this.map = new WeakMap(); }
}

// ---- config helpers ----

export function nonEmptyList(): Validator {
  const v: Validator = (name, value) => {
    if (Array.isArray(value) && value.length === 0) return `Invalid value  for configuration ${name}: Empty list`;
  };
  v.describe = 'non-empty list';
  return v;
}

/** All of the given validators, first failure wins. */
export function allOf(...validators: Validator[]): Validator {
  const v: Validator = (name, value) => {
    for (const x of validators) {
      const msg = x(name, value);
      if (typeof msg === 'string') return msg;
    }
  };
  v.describe = validators.map((x) => x.describe ?? '').filter((d) => d !== '').join(', ');
  return v;
}

export const REPLACE_NULL_WITH_DEFAULT = 'replace.null.with.default';
export const REPLACE_NULL_WITH_DEFAULT_DOC = 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.';
