// Java's text forms of Connect values, in one place: Double.toString / Float.toString / BigDecimal.toString,
// Values.dateFormatFor, Values.convertToString and Values.parseString (SimpleHeaderConverter, InsertHeader),
// Cast's castToString, and Object.toString as StringConverter and FileStreamSink write a value.
//
// Values written form: strings as-is at the top level and quoted inside arrays/maps; numbers and booleans
// as Java prints them; bytes as base64; arrays "[a,b]"; maps and structs "{k:v}"; dates as ISO-8601 UTC
// (time "HH:mm:ss.SSSZ", date "yyyy-MM-dd" or timestamp, chosen from the value as Connect does).
// Reading infers the narrowest type: null, boolean, INT8…INT64, FLOAT32/FLOAT64, Decimal,
// Date/Time/Timestamp, arrays and maps (with a common element schema when there is one), else STRING.
import type { SchemaAndValue } from './connector.js';
import { Decimal, LOGICAL, LogicalSchemas, Schemas, Struct, schemaEquals, type Schema } from './data.js';
import { DataError } from './errors.js';

const MS_PER_DAY = 86_400_000;
const DATE_SCHEMA = LogicalSchemas.date().build();
const TIME_SCHEMA = LogicalSchemas.time().build();
const TIMESTAMP_SCHEMA = LogicalSchemas.timestamp().build();

// ---- numbers ----

/**
 * Java's Double.toString (JDK 19+, shortest digits): plain notation for 1e-3 <= |x| < 1e7 with at least one
 * digit after the point ("100.0", "0.001"), else "1.0E7", "1.234E-5"; "NaN", "Infinity", "-0.0".
 */
export function javaDoubleToString(v: number): string {
  const abs = Math.abs(v);
  // JS prints this range in plain notation with the same shortest digits; only the ".0" differs.
  if (abs >= 1e-3 && abs < 1e7) return Number.isInteger(v) ? String(v) + '.0' : String(v);
  return javaFloating(v, String(v));
}

/**
 * A float32 value as the JS number of its shortest decimal (the digits Java's Float.toString prints), so that
 * later double formatting shows 1.1 rather than 1.100000023841858.
 */
export function shortestFloat(v: number): number {
  const f = Math.fround(v);
  if (!Number.isFinite(f) || f === 0) return f;
  for (let p = 1; p < 9; p++) {
    const candidate = Number(f.toPrecision(p));
    if (Math.fround(candidate) === f) return candidate;
  }
  return Number(f.toPrecision(9));
}

/** Java's Float.toString for a float32 value: the shortest decimal that reads back as the same float. */
export function javaFloatToString(v: number): string {
  const f = Math.fround(v);
  return javaFloating(f, String(shortestFloat(f)));
}

/** Lays out `shortest` (JS's text of the digits to print) the way Java's Double/Float.toString do for `v`. */
function javaFloating(v: number, shortest: string): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const sign = v < 0 ? '-' : '';
  const text = v < 0 ? shortest.slice(1) : shortest;
  const e = text.indexOf('e');
  const mantissa = e < 0 ? text : text.slice(0, e);
  const dot = mantissa.indexOf('.');
  const intPart = dot < 0 ? mantissa : mantissa.slice(0, dot);
  let digits = intPart + (dot < 0 ? '' : mantissa.slice(dot + 1));
  // value = 0.<digits> × 10^point
  let point = intPart.length + (e < 0 ? 0 : Number(text.slice(e + 1)));
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead).replace(/0+$/, '') || '0';
  point -= lead;
  // Java prints at least two significant digits, the two closest to v: Double.MIN_VALUE is "4.9E-324", not 5.0E-324.
  if (digits.length === 1 && shortest !== v.toPrecision(2)) return javaFloating(v, v.toPrecision(2));
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e7) {
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
    if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  return `${sign}${digits[0]}.${digits.length > 1 ? digits.slice(1) : '0'}E${point - 1}`;
}

/** Java's BigDecimal.toString: scientific notation ("1E-8", "5E+2") only when the scale calls for it. */
export function javaBigDecimalToString(d: Decimal): string {
  const neg = d.unscaled < 0n;
  const coeff = (neg ? -d.unscaled : d.unscaled).toString();
  const adjusted = -d.scale + (coeff.length - 1);
  if (d.scale >= 0 && adjusted >= -6) return d.toString();
  const mant = coeff.length > 1 ? `${coeff[0]}.${coeff.slice(1)}` : coeff;
  return `${neg ? '-' : ''}${mant}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}

/** A JS number as Java prints the boxed value the schema stands for (Float, Double, or an integer type). */
function numberText(schema: Schema | null, n: number): string {
  if (schema?.type === 'FLOAT32') return javaFloatToString(n);
  if (schema?.type === 'FLOAT64' || !Number.isInteger(n)) return javaDoubleToString(n);
  return Number.isSafeInteger(n) || Math.abs(n) >= 1e21 ? String(n) : BigInt(n).toString();
}

// ---- dates ----

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function isoTime(d: Date): string {
  return `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}Z`;
}

function isoDate(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/**
 * Date text as Connect's Values.dateFormatFor picks it from the value alone (UTC): before one day past the
 * epoch (negative times included, as in Java) the time of day, on a whole day the date, else the timestamp.
 */
export function formatTemporal(d: Date): string {
  const t = d.getTime();
  if (t < MS_PER_DAY) return isoTime(d);
  if (t % MS_PER_DAY === 0) return isoDate(d);
  return `${isoDate(d)}T${isoTime(d)}`;
}

// ---- writing ----

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function escapeEmbedded(s: string): string {
  return s.replace(/[\\"]/g, (c) => '\\' + c);
}

/** Values.convertToString: the text a header value is written as. */
export function valueToString(schema: Schema | null, value: unknown): string {
  return append(schema, value, false);
}

function append(schema: Schema | null, value: unknown, embedded: boolean): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string': return embedded ? '"' + escapeEmbedded(value) + '"' : value;
    case 'number': return numberText(schema, value);
    case 'bigint': return value.toString();
    case 'boolean': return value ? 'true' : 'false';
    default: break;
  }
  if (value instanceof Uint8Array) {
    const b64 = base64(value);
    return embedded ? '"' + b64 + '"' : b64;
  }
  if (value instanceof Decimal) return javaBigDecimalToString(value);
  if (value instanceof Date) return formatTemporal(value);
  if (Array.isArray(value)) {
    const elem = schema?.type === 'ARRAY' ? (schema.valueSchema ?? null) : null;
    let s = '[';
    for (let i = 0; i < value.length; i++) s += (i > 0 ? ',' : '') + append(elem, value[i], true);
    return s + ']';
  }
  if (value instanceof Struct) {
    let s = '{';
    const fields = value.schema.fields ?? [];
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      s += (i > 0 ? ',' : '') + append(null, f.name, true) + ':' + append(f.schema, value.get(f), true);
    }
    return s + '}';
  }
  const keySchema = schema?.type === 'MAP' ? (schema.keySchema ?? null) : null;
  const valSchema = schema?.type === 'MAP' ? (schema.valueSchema ?? null) : null;
  if (value instanceof Map) {
    let s = '{';
    let first = true;
    for (const [k, v] of value) {
      s += (first ? '' : ',') + append(keySchema, k, true) + ':' + append(valSchema, v, true);
      first = false;
    }
    return s + '}';
  }
  if (typeof value === 'object') {
    let s = '{';
    let first = true;
    for (const [k, v] of Object.entries(value)) {
      s += (first ? '' : ',') + append(null, k, true) + ':' + append(valSchema, v, true);
      first = false;
    }
    return s + '}';
  }
  throw new DataError(`Failed to serialize unexpected value type ${typeof value}: ${String(value)}`);
}

/**
 * Java's Object.toString of a Connect value, as StringConverter and FileStreamSink write it: lists "[a, b]",
 * maps "{k=v, k2=v2}", structs "Struct{a=1,b=x}", numbers by their schema's Java type. Bytes are read as UTF-8
 * text and dates written as ISO-8601 (Java would print "[B@1b6d3586" and Date.toString, which help nobody).
 */
export function javaToString(schema: Schema | null, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string': return value;
    case 'number': return numberText(schema, value);
    case 'bigint': return value.toString();
    case 'boolean': return value ? 'true' : 'false';
    default: break;
  }
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  if (value instanceof Decimal) return javaBigDecimalToString(value);
  if (value instanceof Struct) {
    const fields = (value.schema.fields ?? []).filter((f) => value.get(f) !== null && value.get(f) !== undefined);
    return 'Struct{' + fields.map((f) => `${f.name}=${javaToString(f.schema, value.get(f))}`).join(',') + '}';
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    const elem = schema?.type === 'ARRAY' ? (schema.valueSchema ?? null) : null;
    return '[' + value.map((v) => javaToString(elem, v)).join(', ') + ']';
  }
  const valSchema = schema?.type === 'MAP' ? (schema.valueSchema ?? null) : null;
  const keySchema = schema?.type === 'MAP' ? (schema.keySchema ?? null) : null;
  if (value instanceof Map) {
    return '{' + [...value].map(([k, v]) => `${javaToString(keySchema, k)}=${javaToString(valSchema, v)}`).join(', ') + '}';
  }
  if (typeof value === 'object') {
    return '{' + Object.entries(value).map(([k, v]) => `${k}=${javaToString(valSchema, v)}`).join(', ') + '}';
  }
  return String(value);
}

/** Cast's castToString: dates as Values.dateFormatFor, bytes as base64, anything else as javaToString. */
export function castToString(schema: Schema | null, value: unknown): string {
  if (value instanceof Date) return formatTemporal(value);
  if (value instanceof Uint8Array) return base64(value);
  return javaToString(schema, value);
}

// ---- reading ----

class EmbeddedParseError extends Error {}

const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;
// Unquoted temporal literals inside arrays/maps contain ':' and must be matched before tokenizing.
const EMBEDDED_TEMPORAL_RE = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z|\d{2}:\d{2}:\d{2}\.\d{3}Z/y;
const NUMBER_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function parseTemporal(token: string): SchemaAndValue | null {
  let m = TIMESTAMP_RE.exec(token);
  if (m) {
    const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
    if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || s! > 59) return null;
    return { schema: TIMESTAMP_SCHEMA, value: new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms!)) };
  }
  m = DATE_RE.exec(token);
  if (m) {
    const [, y, mo, d] = m.map(Number) as number[];
    if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31) return null;
    return { schema: DATE_SCHEMA, value: new Date(Date.UTC(y!, mo! - 1, d!)) };
  }
  m = TIME_RE.exec(token);
  if (m) {
    const [, h, mi, s, ms] = m.map(Number) as number[];
    if (h! > 23 || mi! > 59 || s! > 59) return null;
    return { schema: TIME_SCHEMA, value: new Date(((h! * 60 + mi!) * 60 + s!) * 1000 + ms!) };
  }
  return null;
}

const INT_RANGES: readonly [Schema, bigint, bigint][] = [
  [Schemas.INT8, -128n, 127n],
  [Schemas.INT16, -32768n, 32767n],
  [Schemas.INT32, -2147483648n, 2147483647n],
  [Schemas.INT64, -(1n << 63n), (1n << 63n) - 1n],
];

/** A number literal typed as Connect's Values does: smallest exact integer type, else FLOAT32/FLOAT64, else Decimal. */
function parseNumber(token: string): SchemaAndValue | null {
  const m = NUMBER_RE.exec(token);
  if (!m) return null;
  const intDigits = m[2] ?? '';
  const fracDigits = m[3] ?? '';
  if (intDigits === '' && fracDigits === '') return null;
  const exp = m[4] !== undefined ? Number(m[4]) : 0;
  const scale = fracDigits.length - exp; // Java BigDecimal scale (may be negative)
  let unscaled = BigInt((intDigits + fracDigits).replace(/^0+(?=\d)/, '') || '0');
  if (m[1] === '-') unscaled = -unscaled;
  let integral: bigint | null = null;
  if (scale <= 0) integral = unscaled * 10n ** BigInt(-scale);
  else {
    const div = 10n ** BigInt(scale);
    if (unscaled % div === 0n) integral = unscaled / div;
  }
  if (integral !== null) {
    for (const [schema, min, max] of INT_RANGES) {
      if (integral >= min && integral <= max) {
        const n = Number(integral);
        return { schema, value: schema === Schemas.INT64 && !Number.isSafeInteger(n) ? integral : n };
      }
    }
  }
  const asNumber = Number(token);
  if (scale !== 0) {
    const f = Math.fround(asNumber);
    if (Number.isFinite(f)) return { schema: Schemas.FLOAT32, value: f };
    if (Number.isFinite(asNumber)) return { schema: Schemas.FLOAT64, value: asNumber };
  }
  const decScale = Math.max(0, scale);
  const d = new Decimal(scale < 0 ? unscaled * 10n ** BigInt(-scale) : unscaled, decScale);
  return { schema: LogicalSchemas.decimal(decScale).build(), value: d };
}

const NUMERIC_ORDER = ['INT8', 'INT16', 'INT32', 'INT64', 'FLOAT32', 'FLOAT64'];

/** The schema that holds both, widening numbers as Connect's Values.commonSchemaFor; null if none. */
function commonSchema(prev: Schema | null, next: Schema): Schema | null {
  if (prev === null) return next;
  if (prev.type !== next.type) {
    const a = NUMERIC_ORDER.indexOf(prev.type);
    const b = NUMERIC_ORDER.indexOf(next.type);
    if (a < 0 || b < 0 || prev.name !== undefined || next.name !== undefined) return null;
    return a >= b ? prev : next;
  }
  if (prev.optional === next.optional && (prev.type !== 'ARRAY' && prev.type !== 'MAP' && prev.type !== 'STRUCT') && prev.name === next.name && decimalScaleEq(prev, next)) return prev;
  return schemaEquals(prev, next) ? prev : null;
}

function decimalScaleEq(a: Schema, b: Schema): boolean {
  return a.name !== LOGICAL.DECIMAL || a.parameters?.['scale'] === b.parameters?.['scale'];
}

function optionalOf(s: Schema): Schema {
  if (s.optional) return s;
  return Object.freeze({ ...s, optional: true });
}

class ValueTextParser {
  pos = 0;
  constructor(private readonly s: string) {}

  private ws(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos]!)) this.pos++;
  }

  atEnd(): boolean {
    this.ws();
    return this.pos >= this.s.length;
  }

  /** One value inside an array or map (or a whole array/map at the top). */
  embedded(): SchemaAndValue {
    this.ws();
    const c = this.s[this.pos];
    if (c === undefined) throw new EmbeddedParseError('unexpected end of value');
    if (c === '"') {
      const content = this.quoted();
      const temporal = parseTemporal(content);
      return temporal ?? { schema: Schemas.STRING, value: content };
    }
    if (c === '[') return this.array();
    if (c === '{') return this.map();
    EMBEDDED_TEMPORAL_RE.lastIndex = this.pos;
    const tm = EMBEDDED_TEMPORAL_RE.exec(this.s);
    if (tm) {
      const temporal = parseTemporal(tm[0]);
      if (temporal) { this.pos += tm[0].length; return temporal; }
    }
    const start = this.pos;
    while (this.pos < this.s.length && !',:]}[{"'.includes(this.s[this.pos]!)) this.pos++;
    const token = this.s.slice(start, this.pos).trim();
    if (token === 'null') return { schema: null, value: null };
    if (token === 'true') return { schema: Schemas.BOOLEAN, value: true };
    if (token === 'false') return { schema: Schemas.BOOLEAN, value: false };
    const n = parseNumber(token);
    if (n) return n;
    throw new EmbeddedParseError(`cannot parse embedded value "${token}"`);
  }

  private quoted(): string {
    this.pos++;
    let out = '';
    while (this.pos < this.s.length) {
      const c = this.s[this.pos]!;
      if (c === '"') { this.pos++; return out; }
      if (c === '\\' && this.pos + 1 < this.s.length) { out += this.s[this.pos + 1]; this.pos += 2; continue; }
      out += c;
      this.pos++;
    }
    throw new EmbeddedParseError('unterminated quoted string');
  }

  private expect(ch: string): boolean {
    this.ws();
    if (this.s[this.pos] === ch) { this.pos++; return true; }
    return false;
  }

  private array(): SchemaAndValue {
    this.pos++;
    const values: unknown[] = [];
    let elem: Schema | null = null;
    let compatible = true;
    let sawNull = false;
    if (this.expect(']')) return { schema: null, value: values };
    for (;;) {
      const e = this.embedded();
      values.push(e.value);
      if (e.schema === null) sawNull = true;
      else if (compatible) {
        const c = commonSchema(elem, e.schema);
        if (c === null) compatible = false;
        else elem = c;
      }
      if (this.expect(',')) continue;
      if (this.expect(']')) break;
      throw new EmbeddedParseError("array elements missing ','");
    }
    if (!compatible || elem === null) return { schema: null, value: values };
    return { schema: { type: 'ARRAY', optional: false, valueSchema: sawNull ? optionalOf(elem) : elem }, value: values };
  }

  private map(): SchemaAndValue {
    this.pos++;
    const entries: [unknown, unknown][] = [];
    let keySchema: Schema | null = null;
    let valueSchema: Schema | null = null;
    let compatible = true;
    let sawNullValue = false;
    if (!this.expect('}')) {
      for (;;) {
        const k = this.embedded();
        if (k.value === null) throw new EmbeddedParseError('map entry may not have a null key');
        if (!this.expect(':')) throw new EmbeddedParseError("map entry is missing ':'");
        const v = this.embedded();
        entries.push([k.value, v.value]);
        if (compatible) {
          const ck = commonSchema(keySchema, k.schema!);
          if (ck === null) compatible = false;
          else keySchema = ck;
        }
        if (v.schema === null) sawNullValue = true;
        else if (compatible) {
          const cv = commonSchema(valueSchema, v.schema);
          if (cv === null) compatible = false;
          else valueSchema = cv;
        }
        if (this.expect(',')) continue;
        if (this.expect('}')) break;
        throw new EmbeddedParseError("map entries missing ','");
      }
    }
    const stringKeys = entries.every(([k]) => typeof k === 'string');
    let value: unknown;
    if (stringKeys) {
      const obj: Record<string, unknown> = {};
      for (const [k, v] of entries) {
        if (k === '__proto__') Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
        else obj[k as string] = v;
      }
      value = obj;
    } else {
      value = new Map(entries);
    }
    if (!compatible || keySchema === null || valueSchema === null) return { schema: null, value };
    return { schema: { type: 'MAP', optional: false, keySchema, valueSchema: sawNullValue ? optionalOf(valueSchema) : valueSchema }, value };
  }
}

/** Values.parseString: infers a schema and value from text. Never throws; unparseable text is a STRING. */
export function parseValueString(text: string): SchemaAndValue {
  if (text === '') return { schema: Schemas.STRING, value: text };
  const token = text.trim();
  if (token === '') return { schema: Schemas.STRING, value: text };
  if (token === 'null') return { schema: null, value: null };
  if (token === 'true') return { schema: Schemas.BOOLEAN, value: true };
  if (token === 'false') return { schema: Schemas.BOOLEAN, value: false };
  const first = token[0]!;
  if (first === '[' || first === '{') {
    const p = new ValueTextParser(text);
    try {
      const r = p.embedded();
      if (p.atEnd()) return r;
    } catch (e) {
      if (!(e instanceof EmbeddedParseError)) throw e;
    }
    return { schema: Schemas.STRING, value: text };
  }
  if (first >= '0' && first <= '9') {
    const temporal = parseTemporal(token);
    if (temporal) return temporal;
  }
  if ((first >= '0' && first <= '9') || first === '+' || first === '-') {
    const n = parseNumber(token);
    if (n) return n;
  }
  return { schema: Schemas.STRING, value: text };
}
