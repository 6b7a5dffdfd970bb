// Java-compatible text forms of Connect values (what Cast to string produces) and a literal parser
// for InsertHeader's `value.literal` (a subset of Connect's Values.parseString).
import { Decimal, LOGICAL, LogicalSchemas, Schemas, Struct, type Schema } from '../api/data.js';

const MS_PER_DAY = 86_400_000;

/** Java's Double.toString: "1.0", "0.001", "1.0E7", "1.0E-4". */
export function javaDoubleToString(v: number): string {
  return javaFloatingToString(v, String(v));
}

/** Java's Float.toString for a float32 value: the shortest decimal that rounds back to the same float. */
export function javaFloatToString(v: number): string {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) return javaFloatingToString(f, String(f));
  let shortest = String(f);
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) { shortest = String(Number(s)); break; }
  }
  return javaFloatingToString(f, shortest);
}

function javaFloatingToString(v: number, shortest: string): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(v);
  // Split JS's shortest representation into digits and a decimal exponent.
  const sign = v < 0 ? '-' : '';
  const [mant, expPart] = (shortest.startsWith('-') ? shortest.slice(1) : shortest).split('e');
  const [intPart, fracPart = ''] = mant!.split('.');
  let digits = (intPart! + fracPart).replace(/^0+/, '');
  // exponent such that value = 0.d1d2... * 10^pointPos
  let pointPos = intPart!.replace(/^0+/, '').length + Number(expPart ?? 0);
  if (intPart!.replace(/^0+/, '') === '') {
    const lead = fracPart.length - fracPart.replace(/^0+/, '').length;
    pointPos = -lead + Number(expPart ?? 0);
  }
  digits = digits.replace(/0+$/, '') || '0';
  if (abs >= 1e-3 && abs < 1e7) {
    if (pointPos <= 0) return `${sign}0.${'0'.repeat(-pointPos)}${digits}`;
    if (pointPos >= digits.length) return `${sign}${digits}${'0'.repeat(pointPos - digits.length)}.0`;
    return `${sign}${digits.slice(0, pointPos)}.${digits.slice(pointPos)}`;
  }
  const exp = pointPos - 1;
  return `${sign}${digits[0]}.${digits.length > 1 ? digits.slice(1) : '0'}E${exp}`;
}

/** Java's BigDecimal.toString (scientific notation only when the scale calls for it). */
export function javaBigDecimalToString(d: Decimal): string {
  const neg = d.unscaled < 0n;
  const coeff = (neg ? -d.unscaled : d.unscaled).toString();
  const adjusted = -d.scale + (coeff.length - 1);
  if (d.scale >= 0 && adjusted >= -6) return d.toString();
  const mant = coeff.length > 1 ? `${coeff[0]}.${coeff.slice(1)}` : coeff;
  return `${neg ? '-' : ''}${mant}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** ISO-8601 text for a Date, picking the form as Connect's Values.dateFormatFor does (UTC). */
export function javaDateToString(d: Date, schema?: Schema | null): string {
  const ms = d.getTime();
  const kind = schema?.name === LOGICAL.DATE ? 'date' : schema?.name === LOGICAL.TIME ? 'time' : schema?.name === LOGICAL.TIMESTAMP ? 'ts'
    : ms < MS_PER_DAY ? 'time' : ms % MS_PER_DAY === 0 ? 'date' : 'ts';
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}Z`;
  return kind === 'date' ? date : kind === 'time' ? time : `${date}T${time}`;
}

/** Java's toString of a Connect value; `schema` disambiguates number formatting (int vs float32 vs float64). */
export function javaToString(v: unknown, schema?: Schema | null): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'number') {
    const t = schema?.type;
    if (t === 'FLOAT32') return javaFloatToString(v);
    if (t === 'FLOAT64') return javaDoubleToString(v);
    if (t === undefined && !Number.isInteger(v)) return javaDoubleToString(v);
    return String(v);
  }
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (v instanceof Decimal) return javaBigDecimalToString(v);
  if (v instanceof Date) return javaDateToString(v, schema);
  if (v instanceof Struct) return v.toString();
  if (Array.isArray(v)) return `[${v.map((e) => javaToString(e, schema?.valueSchema)).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, e]) => `${javaToString(k)}=${javaToString(e, schema?.valueSchema)}`).join(', ')}}`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, e]) => `${k}=${javaToString(e, schema?.valueSchema)}`).join(', ')}}`;
  return String(v);
}

export interface SchemaAndValue { schema: Schema | null; value: unknown }

const INTEGER = /^[+-]?\d+$/;
const FLOATING = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const ISO_TS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_TIME = /^(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;

const TIMESTAMP_SCHEMA = LogicalSchemas.timestamp().build();
const DATE_SCHEMA = LogicalSchemas.date().build();
const TIME_SCHEMA = LogicalSchemas.time().build();

/**
 * Infers a typed value from literal text, as Connect's Values.parseString does for the common cases:
 * "null" → null; true/false → BOOLEAN; integers → the narrowest of INT8/16/32/64 (Decimal beyond);
 * other numbers → FLOAT64; ISO-8601 timestamp/date/time (Connect's formats) → the logical types;
 * anything else (including arrays and maps) → STRING, unchanged.
 */
export function parseLiteral(text: string): SchemaAndValue {
  const s = text.trim();
  if (s === '') return { schema: Schemas.STRING, value: text };
  if (s === 'null') return { schema: null, value: null };
  const lower = s.toLowerCase();
  if (lower === 'true' || lower === 'false') return { schema: Schemas.BOOLEAN, value: lower === 'true' };
  if (INTEGER.test(s)) {
    const b = BigInt(s);
    if (b >= -128n && b <= 127n) return { schema: Schemas.INT8, value: Number(b) };
    if (b >= -32768n && b <= 32767n) return { schema: Schemas.INT16, value: Number(b) };
    if (b >= -2147483648n && b <= 2147483647n) return { schema: Schemas.INT32, value: Number(b) };
    if (b >= -(2n ** 63n) && b <= 2n ** 63n - 1n) {
      return { schema: Schemas.INT64, value: b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b };
    }
    return { schema: LogicalSchemas.decimal(0).build(), value: new Decimal(b, 0) };
  }
  if (FLOATING.test(s)) {
    const n = Number(s);
    if (Number.isFinite(n)) return { schema: Schemas.FLOAT64, value: n };
    const d = Decimal.parse(s);
    return { schema: LogicalSchemas.decimal(d.scale).build(), value: d };
  }
  let m = ISO_TS.exec(s);
  if (m) {
    const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!);
    return { schema: TIMESTAMP_SCHEMA, value: new Date(ms) };
  }
  m = ISO_DATE.exec(s);
  if (m) return { schema: DATE_SCHEMA, value: new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)) };
  m = ISO_TIME.exec(s);
  if (m) return { schema: TIME_SCHEMA, value: new Date(Date.UTC(1970, 0, 1, +m[1]!, +m[2]!, +m[3]!, +m[4]!)) };
  return { schema: Schemas.STRING, value: text };
}
