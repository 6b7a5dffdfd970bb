// JsonConverter: Connect's JSON format, with or without the {"schema":…,"payload":…} envelope.
//
// Hot path notes: values are written straight to a string (no intermediate tree); a schema's JSON is
// rendered once and kept in an LRU keyed by the Schema object; on read, the envelope's schema text
// is located without parsing it and looked up in an LRU keyed by that text, so only the payload is
// parsed per record once the schema has been seen.
import { LRUCache } from 'lru-cache';
import { AbstractConfig, ConfigDef, Validators } from '../api/config-def.js';
import type { HeaderConverter, Converter, Props, SchemaAndValue } from '../api/connector.js';
import {
  Decimal, LOGICAL, SchemaBuilder, Struct, decimalScale, fromLogical, schemaEquals,
  type Schema, type SchemaType,
} from '../api/data.js';
import { DataError } from '../api/errors.js';
import type { Headers } from '../api/records.js';
import { defineConverterType, deserializationError, schemaLabel, toBuffer, typeOf, withConverterType } from './common.js';
import {
  JsonNumber, lastParseWasLossless, nonFiniteName, parseJson, skipJsonValue, skipWhitespace,
  type JsonNode,
} from './json-text.js';
import { javaDoubleToString, javaFloatToString } from '../api/values.js';

export const JSON_CONVERTER_CLASS = 'org.apache.kafka.connect.json.JsonConverter';

export const SCHEMAS_ENABLE_CONFIG = 'schemas.enable';
export const SCHEMAS_CACHE_SIZE_CONFIG = 'schemas.cache.size';
export const DECIMAL_FORMAT_CONFIG = 'decimal.format';
export const REPLACE_NULL_WITH_DEFAULT_CONFIG = 'replace.null.with.default';

const ENVELOPE_ERROR =
  'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields.' +
  ' If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.';

const TYPE_TO_JSON: Readonly<Record<SchemaType, string>> = {
  INT8: 'int8', INT16: 'int16', INT32: 'int32', INT64: 'int64', FLOAT32: 'float', FLOAT64: 'double',
  BOOLEAN: 'boolean', STRING: 'string', BYTES: 'bytes', ARRAY: 'array', MAP: 'map', STRUCT: 'struct',
};

const JSON_TO_TYPE: ReadonlyMap<string, SchemaType> = new Map(
  (Object.entries(TYPE_TO_JSON) as [SchemaType, string][]).map(([t, j]) => [j, t]),
);

const MS_PER_DAY = 86_400_000;
const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function jsonConverterConfigDef(): ConfigDef {
  const def = new ConfigDef()
    .define({
      name: SCHEMAS_ENABLE_CONFIG, type: 'BOOLEAN', defaultValue: true, importance: 'HIGH',
      documentation: 'Include schemas within each of the serialized values and keys.',
      group: 'Schemas', orderInGroup: 1, width: 'MEDIUM', displayName: 'Enable Schemas',
    })
    .define({
      name: SCHEMAS_CACHE_SIZE_CONFIG, type: 'INT', defaultValue: 1000, validator: Validators.atLeast(0), importance: 'HIGH',
      documentation: 'The maximum number of schemas that can be cached in this converter instance.',
      group: 'Schemas', orderInGroup: 2, width: 'MEDIUM', displayName: 'Schema Cache Size',
    })
    .define({
      name: DECIMAL_FORMAT_CONFIG, type: 'STRING', defaultValue: 'BASE64', validator: Validators.oneOf(['BASE64', 'NUMERIC']),
      importance: 'LOW', recommendedValues: ['BASE64', 'NUMERIC'],
      documentation: 'Controls which format this converter will serialize decimals in: BASE64 (base64-encoded bytes) or NUMERIC (a JSON number).',
      group: 'Serialization', orderInGroup: 1, width: 'MEDIUM', displayName: 'Decimal Format',
    })
    .define({
      name: REPLACE_NULL_WITH_DEFAULT_CONFIG, type: 'BOOLEAN', defaultValue: true, importance: 'LOW',
      documentation: 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.',
      group: 'Serialization', orderInGroup: 2, width: 'MEDIUM', displayName: 'Replace null with default',
    });
  return defineConverterType(def);
}

const CONFIG_DEF = jsonConverterConfigDef();

/** A DataError that collects the field path while unwinding nested structures. */
class FieldPathError extends DataError {
  readonly path: string[] = [];
  constructor(readonly basic: string, cause: unknown) {
    super(basic, { cause });
  }
}

function addPath(e: unknown, segment: string): never {
  if (e instanceof FieldPathError) { e.path.unshift(segment); throw e; }
  if (e instanceof DataError) { const p = new FieldPathError(e.message, e); p.path.push(segment); throw p; }
  throw e;
}

function finalizeError(e: unknown): unknown {
  if (!(e instanceof FieldPathError)) return e;
  let where = '';
  for (const seg of e.path) where += seg.startsWith('[') || where === '' ? seg : '.' + seg;
  return new DataError(`${e.basic} (at field "${where}")`, { cause: e.cause });
}

function describeJson(node: unknown): string {
  if (node === undefined || node === null) return 'null';
  if (node instanceof JsonNumber) return `number ${node.text}`;
  if (Array.isArray(node)) return 'array';
  switch (typeof node) {
    case 'number': return `number ${node}`;
    case 'string': return `string ${JSON.stringify(node.length > 40 ? node.slice(0, 40) + '…' : node)}`;
    case 'boolean': return `boolean ${node}`;
    default: return 'object';
  }
}

function isJsonObject(node: unknown): node is Record<string, JsonNode> {
  return typeof node === 'object' && node !== null && !Array.isArray(node) && !(node instanceof JsonNumber);
}

function bytesToBase64(v: Uint8Array): string {
  return toBuffer(v).toString('base64');
}

function base64ToBytes(s: string): Buffer {
  if (s.length % 4 === 1 || !BASE64.test(s)) throw new DataError('Invalid bytes field: value is not valid base64');
  return Buffer.from(s, 'base64');
}

/** Quoted field-name prefixes per struct schema: '{"a":' then ',"b":' … */
const fieldPrefixes = new WeakMap<Schema, string[]>();
function structPrefixes(schema: Schema): string[] {
  let p = fieldPrefixes.get(schema);
  if (!p) {
    p = (schema.fields ?? []).map((f, i) => (i === 0 ? '{' : ',') + JSON.stringify(f.name) + ':');
    fieldPrefixes.set(schema, p);
  }
  return p;
}

export class JsonConverter implements Converter, HeaderConverter {
  private schemasEnabled = true;
  private decimalNumeric = false;
  private replaceNullWithDefault = true;
  private fromConnectSchemaCache: LRUCache<Schema, string> | null = new LRUCache({ max: 1000 });
  private toConnectSchemaCache: LRUCache<string, Schema> | null = new LRUCache({ max: 1000 });
  // The schema most recently read or written: a topic usually carries one schema, and checking it
  // first avoids scanning and hashing the schema text (or a Map lookup) per record.
  private lastReadSchemaText: string | null = null;
  private lastReadSchema: Schema | null = null;
  private lastWrittenSchema: Schema | null = null;
  private lastWrittenJson = '';

  config(): ConfigDef {
    return jsonConverterConfigDef();
  }

  configure(props: Props, isKey?: boolean): void {
    const cfg = new AbstractConfig(CONFIG_DEF, withConverterType(props, isKey));
    this.schemasEnabled = cfg.getBoolean(SCHEMAS_ENABLE_CONFIG);
    this.decimalNumeric = cfg.getString(DECIMAL_FORMAT_CONFIG).toUpperCase() === 'NUMERIC';
    this.replaceNullWithDefault = cfg.getBoolean(REPLACE_NULL_WITH_DEFAULT_CONFIG);
    const size = cfg.getInt(SCHEMAS_CACHE_SIZE_CONFIG);
    this.fromConnectSchemaCache = size > 0 ? new LRUCache({ max: size }) : null;
    this.toConnectSchemaCache = size > 0 ? new LRUCache({ max: size }) : null;
    this.lastReadSchemaText = null;
    this.lastReadSchema = null;
    this.lastWrittenSchema = null;
  }

  // ---- Converter ----

  fromConnectData(_topic: string, _headers: Headers | null, schema: Schema | null, value: unknown): Buffer | null {
    if (schema === null && (value === null || value === undefined)) return null;
    let text: string;
    try {
      text = this.schemasEnabled
        ? '{"schema":' + (schema === null ? 'null' : this.schemaToJson(schema)) + ',"payload":' + this.writeValue(schema, value) + '}'
        : this.writeValue(schema, value);
    } catch (e) {
      throw finalizeError(e);
    }
    return Buffer.from(text, 'utf8');
  }

  toConnectData(topic: string, _headers: Headers | null, bytes: Buffer | null): SchemaAndValue {
    if (bytes === null || bytes === undefined) return { schema: null, value: null };
    let text = toBuffer(bytes).toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    try {
      if (!this.schemasEnabled) {
        if (isBlank(text)) return { schema: null, value: null };
        return { schema: null, value: this.inferFromText(topic, text) };
      }
      return this.readEnvelopeFast(text) ?? this.readEnvelope(topic, text);
    } catch (e) {
      throw finalizeError(e);
    }
  }

  // ---- HeaderConverter ----

  fromConnectHeader(topic: string, _headerKey: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, null, schema, value);
  }

  toConnectHeader(topic: string, _headerKey: string, value: Buffer | null): SchemaAndValue {
    return this.toConnectData(topic, null, value);
  }

  // ---- schema JSON ----

  /** The schema's Connect JSON form (cached per Schema object). */
  schemaToJson(schema: Schema): string {
    if (schema === this.lastWrittenSchema) return this.lastWrittenJson;
    const cache = this.fromConnectSchemaCache;
    let json = cache?.get(schema);
    if (json === undefined) {
      json = this.schemaBody(schema) + '}';
      if (!cache) return json;
      cache.set(schema, json);
    }
    this.lastWrittenSchema = schema;
    this.lastWrittenJson = json;
    return json;
  }

  /** Builds a Schema from its parsed Connect JSON form; null for JSON null. */
  schemaFromJson(node: JsonNode): Schema | null {
    if (node === null) return null;
    if (!isJsonObject(node)) throw new DataError(`Schema must be a JSON object, but found ${describeJson(node)}`);
    const typeName = node['type'];
    if (typeof typeName !== 'string') throw new DataError("Schema must contain 'type' field");
    let builder: SchemaBuilder;
    switch (typeName) {
      case 'array': {
        const items = node['items'];
        if (items === undefined || items === null) throw new DataError('Array schema did not specify the element type');
        builder = SchemaBuilder.array(this.requireSchema(items));
        break;
      }
      case 'map': {
        const keys = node['keys'];
        const values = node['values'];
        if (keys === undefined || keys === null) throw new DataError('Map schema did not specify the key type');
        if (values === undefined || values === null) throw new DataError('Map schema did not specify the value type');
        builder = SchemaBuilder.map(this.requireSchema(keys), this.requireSchema(values));
        break;
      }
      case 'struct': {
        const fields = node['fields'];
        if (!Array.isArray(fields)) throw new DataError('Struct schema\'s "fields" argument is not an array.');
        builder = SchemaBuilder.struct();
        for (const f of fields) {
          const fieldName = isJsonObject(f) ? f['field'] : undefined;
          if (typeof fieldName !== 'string') throw new DataError("Struct schema's field name not specified properly");
          builder.field(fieldName, this.requireSchema(f));
        }
        break;
      }
      default: {
        const t = JSON_TO_TYPE.get(typeName);
        if (t === undefined || t === 'ARRAY' || t === 'MAP' || t === 'STRUCT') throw new DataError(`Unknown schema type: ${typeName}`);
        builder = SchemaBuilder.type(t);
      }
    }
    if (node['optional'] === true) builder.optional();
    const name = node['name'];
    if (typeof name === 'string') builder.name(name);
    const version = node['version'];
    if (typeof version === 'number' && Number.isInteger(version)) builder.version(version);
    const doc = node['doc'];
    if (typeof doc === 'string') builder.doc(doc);
    const params = node['parameters'];
    if (isJsonObject(params)) {
      for (const [k, v] of Object.entries(params)) {
        if (typeof v !== 'string') throw new DataError('Schema parameters must have string values.');
        builder.parameter(k, v);
      }
    }
    const dflt = node['default'];
    if (dflt !== undefined && dflt !== null) {
      const withoutDefault = builder.build();
      let v: unknown;
      try {
        v = this.toConnect(withoutDefault, dflt);
      } catch (e) {
        throw new DataError(`Invalid default value for schema of type ${typeName}: ${(e as Error).message}`, { cause: e });
      }
      builder.defaultValue(v);
    }
    return builder.build();
  }

  private requireSchema(node: JsonNode): Schema {
    const s = this.schemaFromJson(node);
    if (s === null) throw new DataError('Nested schema may not be null');
    return s;
  }

  /** Schema JSON without the closing brace, so struct fields can append "field". */
  private schemaBody(schema: Schema): string {
    let s = '{"type":"' + TYPE_TO_JSON[schema.type] + '"';
    switch (schema.type) {
      case 'ARRAY':
        if (!schema.valueSchema) throw new DataError('Array schema has no element schema');
        s += ',"items":' + this.schemaBody(schema.valueSchema) + '}';
        break;
      case 'MAP':
        if (!schema.keySchema || !schema.valueSchema) throw new DataError('Map schema has no key or value schema');
        s += ',"keys":' + this.schemaBody(schema.keySchema) + '},"values":' + this.schemaBody(schema.valueSchema) + '}';
        break;
      case 'STRUCT': {
        s += ',"fields":[';
        const fields = schema.fields ?? [];
        for (let i = 0; i < fields.length; i++) {
          const f = fields[i]!;
          s += (i === 0 ? '' : ',') + this.schemaBody(f.schema) + ',"field":' + JSON.stringify(f.name) + '}';
        }
        s += ']';
        break;
      }
      default:
        break;
    }
    s += ',"optional":' + (schema.optional ? 'true' : 'false');
    if (schema.name !== undefined) s += ',"name":' + JSON.stringify(schema.name);
    if (schema.version !== undefined) s += ',"version":' + String(schema.version);
    if (schema.doc !== undefined) s += ',"doc":' + JSON.stringify(schema.doc);
    if (schema.parameters !== undefined) {
      let first = true;
      s += ',"parameters":{';
      for (const [k, v] of Object.entries(schema.parameters)) {
        s += (first ? '' : ',') + JSON.stringify(k) + ':' + JSON.stringify(v);
        first = false;
      }
      s += '}';
    }
    if (schema.defaultValue !== undefined && schema.defaultValue !== null) {
      // A struct default is a Struct of the schema as it was before the default was set.
      const target = schema.type === 'STRUCT' ? withoutDefault(schema) : schema;
      s += ',"default":' + this.writeValue(target, schema.defaultValue);
    }
    return s;
  }

  // ---- writing values ----

  private writeValue(schema: Schema | null, value: unknown): string {
    if (value === null || value === undefined) {
      if (schema === null) return 'null';
      if (schema.defaultValue !== undefined && schema.defaultValue !== null) {
        // replace.null.with.default=false keeps an explicit null even where the schema has a default.
        return this.replaceNullWithDefault ? this.writeValue(schema, schema.defaultValue) : 'null';
      }
      if (schema.optional) return 'null';
      throw new DataError('Conversion error: null value for field that is required and has no default value');
    }
    if (schema === null) return this.writeSchemaless(value);
    if (schema.name !== undefined) {
      switch (schema.name) {
        case LOGICAL.DECIMAL: {
          if (!(value instanceof Decimal)) throw new DataError(`Invalid type for Decimal, expected Decimal but was ${typeOf(value)}`);
          if (this.decimalNumeric) return value.toString();
          return '"' + bytesToBase64(fromLogical(schema, value) as Buffer) + '"';
        }
        case LOGICAL.DATE:
        case LOGICAL.TIME:
        case LOGICAL.TIMESTAMP:
          if (!(value instanceof Date) && typeof value !== 'number') throw new DataError(`Invalid type for ${schema.name.slice(schema.name.lastIndexOf('.') + 1)}, expected Date but was ${typeOf(value)}`);
          return String(fromLogical(schema, value));
        default:
          break;
      }
    }
    switch (schema.type) {
      case 'INT8': return writeInt(schema, value, -128, 127);
      case 'INT16': return writeInt(schema, value, -32768, 32767);
      case 'INT32': return writeInt(schema, value, -2147483648, 2147483647);
      case 'INT64':
        if (typeof value === 'number' && Number.isInteger(value)) return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
        if (typeof value === 'bigint') {
          if (value < LONG_MIN || value > LONG_MAX) throw new DataError(`Value ${value} is out of range for INT64`);
          return value.toString();
        }
        throw mismatch(schema, value);
      case 'FLOAT32':
      case 'FLOAT64':
        if (typeof value !== 'number') throw mismatch(schema, value);
        if (!Number.isFinite(value)) return '"' + nonFiniteName(value) + '"';
        return schema.type === 'FLOAT32' ? javaFloatToString(value) : javaDoubleToString(value);
      case 'BOOLEAN':
        if (typeof value !== 'boolean') throw mismatch(schema, value);
        return value ? 'true' : 'false';
      case 'STRING':
        if (typeof value !== 'string') throw mismatch(schema, value);
        return JSON.stringify(value);
      case 'BYTES':
        if (!(value instanceof Uint8Array)) throw mismatch(schema, value);
        return '"' + bytesToBase64(value) + '"';
      case 'ARRAY': {
        if (!Array.isArray(value)) throw mismatch(schema, value);
        const elem = schema.valueSchema ?? null;
        let s = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) s += ',';
          try { s += this.writeValue(elem, value[i]); } catch (e) { addPath(e, `[${i}]`); }
        }
        return s + ']';
      }
      case 'MAP':
        return this.writeMap(schema, value);
      case 'STRUCT': {
        if (!(value instanceof Struct)) throw mismatch(schema, value);
        if (value.schema !== schema && !schemaEquals(value.schema, schema)) throw new DataError('Mismatching schema.');
        const fields = schema.fields ?? [];
        if (fields.length === 0) return '{}';
        const prefixes = structPrefixes(schema);
        const raw = this.replaceNullWithDefault ? null : value.values();
        let s = '';
        for (let i = 0; i < fields.length; i++) {
          const f = fields[i]!;
          const v = raw === null ? value.get(f) : raw[f.name];
          try { s += prefixes[i]! + this.writeValue(f.schema, v); } catch (e) { addPath(e, f.name); }
        }
        return s + '}';
      }
    }
  }

  private writeMap(schema: Schema, value: unknown): string {
    const keySchema = schema.keySchema ?? null;
    const valueSchema = schema.valueSchema ?? null;
    const objectMode = keySchema !== null ? keySchema.type === 'STRING' : !(value instanceof Map) || allStringKeys(value);
    let s = objectMode ? '{' : '[';
    let first = true;
    const add = (k: unknown, v: unknown): void => {
      let part: string;
      try {
        const kj = this.writeValue(keySchema, k);
        const vj = this.writeValue(valueSchema, v);
        part = objectMode ? kj + ':' + vj : '[' + kj + ',' + vj + ']';
      } catch (e) {
        addPath(e, String(k));
      }
      s += first ? part : ',' + part;
      first = false;
    };
    if (value instanceof Map) {
      for (const [k, v] of value) add(k, v);
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Struct) && !(value instanceof Uint8Array)) {
      for (const k of Object.keys(value)) add(objectMode ? k : coerceKey(keySchema, k), (value as Record<string, unknown>)[k]);
    } else {
      throw mismatch(schema, value);
    }
    return s + (objectMode ? '}' : ']');
  }

  /** JSON for a value without a schema: the type is inferred from the JS value. */
  private writeSchemaless(value: unknown): string {
    switch (typeof value) {
      case 'string': return JSON.stringify(value);
      case 'number':
        if (!Number.isFinite(value)) return '"' + nonFiniteName(value) + '"';
        return Number.isInteger(value) && !Number.isSafeInteger(value) && Math.abs(value) < 1e21 ? BigInt(value).toString() : String(value);
      case 'bigint': return value.toString();
      case 'boolean': return value ? 'true' : 'false';
      case 'object': {
        if (value === null) return 'null';
        if (Array.isArray(value)) {
          let s = '[';
          for (let i = 0; i < value.length; i++) {
            if (i > 0) s += ',';
            try { s += this.writeSchemaless(value[i] ?? null); } catch (e) { addPath(e, `[${i}]`); }
          }
          return s + ']';
        }
        if (value instanceof Uint8Array) return '"' + bytesToBase64(value) + '"';
        if (value instanceof Struct) return this.writeValue(value.schema, value);
        if (value instanceof Decimal) return value.toString();
        if (value instanceof Date) return String(value.getTime());
        if (value instanceof Map) {
          const allStrings = allStringKeys(value);
          let s = allStrings ? '{' : '[';
          let first = true;
          for (const [k, v] of value) {
            let part: string;
            try {
              part = allStrings ? JSON.stringify(k) + ':' + this.writeSchemaless(v ?? null) : '[' + this.writeSchemaless(k ?? null) + ',' + this.writeSchemaless(v ?? null) + ']';
            } catch (e) { addPath(e, String(k)); }
            s += first ? part : ',' + part;
            first = false;
          }
          return s + (allStrings ? '}' : ']');
        }
        let s = '{';
        let first = true;
        for (const k of Object.keys(value)) {
          let part: string;
          try { part = JSON.stringify(k) + ':' + this.writeSchemaless((value as Record<string, unknown>)[k] ?? null); } catch (e) { addPath(e, k); }
          s += first ? part : ',' + part;
          first = false;
        }
        return s + '}';
      }
      default:
        throw new DataError(`Cannot infer a Connect schema type for a JavaScript ${typeof value} value`);
    }
  }

  // ---- reading values ----

  /** The common layout {"schema":S,"payload":P}: S is looked up by its text, only P is parsed. */
  private readEnvelopeFast(text: string): SchemaAndValue | null {
    let i = skipWhitespace(text, 0);
    if (text.charCodeAt(i) !== 0x7b) return null;
    i = skipWhitespace(text, i + 1);
    if (!text.startsWith('"schema"', i)) return null;
    i = skipWhitespace(text, i + 8);
    if (text.charCodeAt(i) !== 0x3a) return null;
    i = skipWhitespace(text, i + 1);
    const last = this.lastReadSchemaText;
    // A schema is a JSON object, so if the text at i starts with the whole last schema, that is the schema.
    const sameAsLast = last !== null && text.startsWith(last, i);
    const schemaEnd = sameAsLast ? i + last.length : skipJsonValue(text, i);
    if (schemaEnd < 0) return null;
    const schemaText = sameAsLast ? last : text.slice(i, schemaEnd);
    let j = skipWhitespace(text, schemaEnd);
    if (text.charCodeAt(j) !== 0x2c) return null;
    j = skipWhitespace(text, j + 1);
    if (!text.startsWith('"payload"', j)) return null;
    j = skipWhitespace(text, j + 9);
    if (text.charCodeAt(j) !== 0x3a) return null;
    let end = text.length - 1;
    while (end > j && isWs(text.charCodeAt(end))) end--;
    if (text.charCodeAt(end) !== 0x7d) return null;
    const payloadText = text.slice(j + 1, end);

    let payload: JsonNode;
    try {
      payload = parseJson(payloadText);
    } catch {
      return null; // let the full parse report the problem against the whole text
    }
    const lossless = lastParseWasLossless;
    let schema: Schema | null;
    if (sameAsLast) {
      schema = this.lastReadSchema;
    } else if (schemaText === 'null') {
      schema = null;
    } else {
      const cache = this.toConnectSchemaCache;
      const cached = cache?.get(schemaText);
      if (cached !== undefined) {
        schema = cached;
      } else {
        let node: JsonNode;
        try { node = parseJson(schemaText); } catch { return null; }
        schema = this.schemaFromJson(node);
        if (schema !== null) cache?.set(schemaText, schema);
      }
      if (schema !== null && cache) {
        this.lastReadSchemaText = schemaText;
        this.lastReadSchema = schema;
      }
    }
    return { schema, value: schema === null ? inferValue(payload, lossless) : this.toConnect(schema, payload) };
  }

  private readEnvelope(topic: string, text: string): SchemaAndValue {
    const node = isBlank(text) ? undefined : parseOrThrow(topic, text);
    const lossless = lastParseWasLossless;
    if (!isJsonObject(node) || !Object.hasOwn(node, 'schema') || !Object.hasOwn(node, 'payload') || countKeys(node) !== 2) {
      throw new DataError(ENVELOPE_ERROR);
    }
    const schemaNode = node['schema']!;
    let schema: Schema | null = null;
    if (schemaNode !== null) {
      const key = JSON.stringify(schemaNode);
      schema = this.toConnectSchemaCache?.get(key) ?? null;
      if (schema === null) {
        schema = this.schemaFromJson(schemaNode);
        if (schema !== null) this.toConnectSchemaCache?.set(key, schema);
      }
    }
    const payload = node['payload']!;
    return { schema, value: schema === null ? inferValue(payload, lossless) : this.toConnect(schema, payload) };
  }

  private inferFromText(topic: string, text: string): unknown {
    const node = parseOrThrow(topic, text);
    return inferValue(node, lastParseWasLossless);
  }

  /** JSON node -> Connect value for a schema (as Connect's convertToConnect). */
  private toConnect(schema: Schema, node: JsonNode | undefined): unknown {
    if (node === null || node === undefined) {
      if (schema.defaultValue !== undefined && schema.defaultValue !== null) return this.replaceNullWithDefault ? schema.defaultValue : null;
      if (schema.optional) return null;
      throw new DataError(`Invalid null value for required ${schemaLabel(schema)} field`);
    }
    if (schema.name !== undefined) {
      switch (schema.name) {
        case LOGICAL.DECIMAL: return readDecimal(schema, node);
        case LOGICAL.DATE: return new Date(readInt(schema, node, -2147483648, 2147483647) * MS_PER_DAY);
        case LOGICAL.TIME: return new Date(readInt(schema, node, -2147483648, 2147483647));
        case LOGICAL.TIMESTAMP: {
          const v = readLong(schema, node);
          return new Date(typeof v === 'bigint' ? Number(v) : v);
        }
        default:
          break;
      }
    }
    switch (schema.type) {
      case 'INT8': return readInt(schema, node, -128, 127);
      case 'INT16': return readInt(schema, node, -32768, 32767);
      case 'INT32': return readInt(schema, node, -2147483648, 2147483647);
      case 'INT64': return readLong(schema, node);
      case 'FLOAT32': return Math.fround(readFloat(schema, node));
      case 'FLOAT64': return readFloat(schema, node);
      case 'BOOLEAN':
        if (typeof node !== 'boolean') throw mismatchJson(schema, node);
        return node;
      case 'STRING':
        if (typeof node !== 'string') throw mismatchJson(schema, node);
        return node;
      case 'BYTES':
        if (typeof node !== 'string') throw mismatchJson(schema, node);
        return base64ToBytes(node);
      case 'ARRAY': {
        if (!Array.isArray(node)) throw new DataError(`Array values should be encoded as JSON arrays, but found ${describeJson(node)}`);
        const elem = schema.valueSchema!;
        const out = new Array<unknown>(node.length);
        for (let i = 0; i < node.length; i++) {
          try { out[i] = this.toConnect(elem, node[i]); } catch (e) { addPath(e, `[${i}]`); }
        }
        return out;
      }
      case 'MAP':
        return this.readMap(schema, node);
      case 'STRUCT': {
        if (!isJsonObject(node)) throw new DataError(`Structs should be encoded as JSON objects, but found ${describeJson(node)}`);
        const struct = new Struct(schema);
        for (const f of schema.fields ?? []) {
          try {
            struct.put(f, this.toConnect(f.schema, Object.hasOwn(node, f.name) ? node[f.name] : undefined));
          } catch (e) {
            addPath(e, f.name);
          }
        }
        return struct;
      }
    }
  }

  private readMap(schema: Schema, node: JsonNode): unknown {
    const keySchema = schema.keySchema!;
    const valueSchema = schema.valueSchema!;
    if (keySchema.type === 'STRING') {
      if (!isJsonObject(node)) throw new DataError(`Maps with string fields should be encoded as JSON objects, but found ${describeJson(node)}`);
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(node)) {
        let v: unknown;
        try { v = this.toConnect(valueSchema, node[k]); } catch (e) { addPath(e, k); }
        if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        else out[k] = v;
      }
      return out;
    }
    if (!Array.isArray(node)) throw new DataError(`Maps with non-string fields should be encoded as JSON array of tuples, but found ${describeJson(node)}`);
    const out = new Map<unknown, unknown>();
    for (let i = 0; i < node.length; i++) {
      const entry = node[i];
      if (!Array.isArray(entry)) throw new DataError(`Found invalid map entry instead of array tuple: ${describeJson(entry)}`);
      if (entry.length !== 2) throw new DataError(`Found invalid map entry, expected length 2 but found: ${entry.length}`);
      try {
        out.set(this.toConnect(keySchema, entry[0]), this.toConnect(valueSchema, entry[1]));
      } catch (e) {
        addPath(e, `[${i}]`);
      }
    }
    return out;
  }
}

// ---- helpers (module-level so they stay monomorphic and allocation-free) ----

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isBlank(text: string): boolean {
  return skipWhitespace(text, 0) >= text.length;
}

function withoutDefault(schema: Schema): Schema {
  const { defaultValue: _ignored, ...rest } = schema;
  return rest;
}

function allStringKeys(m: Map<unknown, unknown>): boolean {
  for (const k of m.keys()) if (typeof k !== 'string') return false;
  return true;
}

function countKeys(o: object): number {
  let n = 0;
  for (const k in o) if (Object.hasOwn(o, k)) n++;
  return n;
}

function parseOrThrow(topic: string, text: string): JsonNode {
  try {
    return parseJson(text);
  } catch (e) {
    throw deserializationError(topic, e);
  }
}

/**
 * Schemaless read: parsed JSON already is the Connect value except for big numbers, which only the
 * lossless parser produces; those are replaced in place.
 */
function inferValue(node: JsonNode, lossless: boolean): unknown {
  if (!lossless) return node;
  return inferDeep(node);
}

function inferDeep(node: JsonNode): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (node instanceof JsonNumber) return node.integral ? BigInt(node.text) : node.toNumber();
  if (Array.isArray(node)) {
    const arr = node as unknown[];
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (v !== null && typeof v === 'object') arr[i] = inferDeep(v as JsonNode);
    }
    return arr;
  }
  const obj = node as Record<string, unknown>;
  for (const k in obj) {
    const v = obj[k];
    if (v !== null && typeof v === 'object') obj[k] = inferDeep(v as JsonNode);
  }
  return obj;
}

function mismatch(schema: Schema, value: unknown): DataError {
  return new DataError(`Invalid value for schema type ${schemaLabel(schema)}: ${typeOf(value)}${typeof value === 'number' ? ` ${value}` : ''}`);
}

function mismatchJson(schema: Schema, node: JsonNode): DataError {
  return new DataError(`Invalid JSON for schema type ${schemaLabel(schema)}: found ${describeJson(node)}`);
}

function writeInt(schema: Schema, value: unknown, min: number, max: number): string {
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (value < min || value > max) throw new DataError(`Value ${value} is out of range for ${schema.type}`);
    return String(value);
  }
  throw mismatch(schema, value);
}

function coerceKey(keySchema: Schema | null, k: string): unknown {
  if (keySchema === null) return k;
  switch (keySchema.type) {
    case 'INT8': case 'INT16': case 'INT32': case 'FLOAT32': case 'FLOAT64': {
      const n = Number(k);
      return k.trim() !== '' && !Number.isNaN(n) ? n : k;
    }
    case 'INT64':
      return /^-?\d+$/.test(k) ? (Number.isSafeInteger(Number(k)) ? Number(k) : BigInt(k)) : k;
    case 'BOOLEAN':
      return k === 'true' ? true : k === 'false' ? false : k;
    default:
      return k;
  }
}

/** Integral value of a JSON number, or null. */
function integralOf(node: JsonNode): number | bigint | null {
  if (typeof node === 'number') return Number.isInteger(node) ? node : null;
  if (node instanceof JsonNumber) {
    if (node.integral) return BigInt(node.text);
    const d = Decimal.parse(node.text);
    const div = 10n ** BigInt(d.scale);
    return d.unscaled % div === 0n ? d.unscaled / div : null;
  }
  return null;
}

function readInt(schema: Schema, node: JsonNode, min: number, max: number): number {
  const v = integralOf(node);
  if (v === null) throw mismatchJson(schema, node);
  if (v < min || v > max) throw new DataError(`Value ${describeJson(node).replace(/^number /, '')} is out of range for ${schemaLabel(schema)}`);
  return Number(v);
}

function readLong(schema: Schema, node: JsonNode): number | bigint {
  const v = integralOf(node);
  if (v === null) throw mismatchJson(schema, node);
  if (typeof v === 'number') return v;
  if (v < LONG_MIN || v > LONG_MAX) throw new DataError(`Value ${v} is out of range for ${schemaLabel(schema)}`);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function readFloat(schema: Schema, node: JsonNode): number {
  if (typeof node === 'number') return node;
  if (node instanceof JsonNumber) return node.toNumber();
  if (node === 'NaN') return NaN;
  if (node === 'Infinity') return Infinity;
  if (node === '-Infinity') return -Infinity;
  throw mismatchJson(schema, node);
}

function readDecimal(schema: Schema, node: JsonNode): Decimal {
  const scale = decimalScale(schema);
  if (typeof node === 'number' || node instanceof JsonNumber) {
    const d = Decimal.parse(typeof node === 'number' ? String(node) : node.text);
    if (d.scale === scale) return d;
    if (d.scale < scale) return d.rescale(scale);
    // Reducing the scale is only done when no digits are lost; otherwise keep the value as written.
    const r = d.rescale(scale);
    return r.rescale(d.scale).equals(d) ? r : d;
  }
  if (typeof node === 'string') {
    let bytes: Buffer;
    try { bytes = base64ToBytes(node); } catch (e) { throw new DataError('Invalid bytes for Decimal field', { cause: e }); }
    return Decimal.fromBytes(bytes, scale);
  }
  throw new DataError(`Invalid type for Decimal, underlying representation should be numeric or bytes but was ${describeJson(node)}`);
}
