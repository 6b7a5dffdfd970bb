// Object formats. Each encodes one record per call into bytes appended to an object, and names its extension.
// - JsonFormat (Confluent's): the value as JSON, one per line.
// - ByteArrayFormat (Confluent's): the raw value bytes followed by format.bytearray.separator.
// - LosslessJsonFormat (Ferry's): one JSON line per record with partition, offset, timestamp, key, value and
//   headers (in order), bytes in base64 — everything a restore needs to rebuild the record exactly.
import { ConnectError, DataError, type SinkRecord } from '../../connect/api/index.js';

export const JSON_FORMAT_CLASS = 'io.confluent.connect.s3.format.json.JsonFormat';
export const BYTE_ARRAY_FORMAT_CLASS = 'io.confluent.connect.s3.format.bytearray.ByteArrayFormat';
export const LOSSLESS_FORMAT_CLASS = 'dev.ferry.connect.s3.format.LosslessJsonFormat';

export const FORMAT_ALIASES: Readonly<Record<string, string>> = {
  JsonFormat: JSON_FORMAT_CLASS, ByteArrayFormat: BYTE_ARRAY_FORMAT_CLASS, LosslessJsonFormat: LOSSLESS_FORMAT_CLASS,
  [JSON_FORMAT_CLASS]: JSON_FORMAT_CLASS, [BYTE_ARRAY_FORMAT_CLASS]: BYTE_ARRAY_FORMAT_CLASS, [LOSSLESS_FORMAT_CLASS]: LOSSLESS_FORMAT_CLASS,
};

export interface RecordFormat {
  readonly className: string;
  readonly extension: string;
  /** Bytes for one record (including its line separator). */
  encode(record: SinkRecord): Buffer;
}

function toBytes(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** A Connect value as JSON (Structs as objects, bytes as base64 as Connect's JsonConverter with schemas off). */
function jsonValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return toBytes(v).toString('base64');
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), jsonValue(x)]));
  if (typeof v === 'object') {
    const o = v as { schema?: unknown; values?: unknown; toJSON?: unknown };
    const fields = (o as { schema?: { fields?: Array<{ name: string }> } }).schema?.fields;
    const get = (o as { get?: (n: string) => unknown }).get;
    if (Array.isArray(fields) && typeof get === 'function') {
      return Object.fromEntries(fields.map((f) => [f.name, jsonValue(get.call(o, f.name))]));
    }
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, jsonValue(x)]));
  }
  return v;
}

export class JsonFormat implements RecordFormat {
  readonly className = JSON_FORMAT_CLASS;
  readonly extension = '.json';
  encode(r: SinkRecord): Buffer {
    return Buffer.from(`${JSON.stringify(jsonValue(r.value))}\n`, 'utf8');
  }
}

export class ByteArrayFormat implements RecordFormat {
  readonly className = BYTE_ARRAY_FORMAT_CLASS;
  constructor(readonly extension: string, private readonly separator: Buffer) {}
  encode(r: SinkRecord): Buffer {
    const v = r.value;
    if (v === null || v === undefined) return this.separator;
    if (!(v instanceof Uint8Array)) throw new DataError(`format.class ByteArrayFormat needs raw bytes (value.converter=org.apache.kafka.connect.converters.ByteArrayConverter), got a ${typeof v} value in ${r.topic}-${r.kafkaPartition}@${r.kafkaOffset}`);
    return Buffer.concat([toBytes(v), this.separator]);
  }
}

/** One line of LosslessJsonFormat. Bytes are base64; null stays null. */
export interface LosslessLine {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number | null;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
}

function bytesOf(v: unknown, what: string, r: SinkRecord, converterKey: string): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return toBytes(v).toString('base64');
  throw new ConnectError(`format.class LosslessJsonFormat keeps records byte for byte and needs ${converterKey}=org.apache.kafka.connect.converters.ByteArrayConverter; the ${what} of ${r.topic}-${r.kafkaPartition}@${r.kafkaOffset} is a ${typeof v}`);
}

export class LosslessJsonFormat implements RecordFormat {
  readonly className = LOSSLESS_FORMAT_CLASS;
  readonly extension = '.ferry.json';
  encode(r: SinkRecord): Buffer {
    const headers: Array<[string, string | null]> = [];
    for (const h of r.headers) headers.push([h.key, bytesOf(h.value, `header ${h.key}`, r, 'header.converter')]);
    const line: LosslessLine = {
      topic: r.originalTopic, partition: r.originalKafkaPartition, offset: r.originalKafkaOffset, timestamp: r.timestamp,
      key: bytesOf(r.key, 'key', r, 'key.converter'), value: bytesOf(r.value, 'value', r, 'value.converter'), headers,
    };
    return Buffer.from(`${JSON.stringify(line)}\n`, 'utf8');
  }
}

export interface DecodedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number | null;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
}

const b64 = (s: string | null): Buffer | null => (s === null ? null : Buffer.from(s, 'base64'));

/** Decodes a LosslessJsonFormat object; throws naming the object and line on anything malformed. */
export function decodeLossless(data: Buffer | string, objectName: string): DecodedRecord[] {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  const out: DecodedRecord[] = [];
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line === '') continue;
    let l: LosslessLine;
    try {
      l = JSON.parse(line) as LosslessLine;
    } catch (e) {
      throw new ConnectError(`Object ${objectName} line ${lineNo} is not LosslessJsonFormat JSON: ${(e as Error).message}`);
    }
    if (typeof l.offset !== 'number' || typeof l.partition !== 'number' || !Array.isArray(l.headers)) {
      throw new ConnectError(`Object ${objectName} line ${lineNo} lacks offset, partition or headers: not LosslessJsonFormat`);
    }
    out.push({
      topic: l.topic, partition: l.partition, offset: l.offset, timestamp: l.timestamp ?? null,
      key: b64(l.key), value: b64(l.value), headers: l.headers.map(([k, v]) => [k, b64(v)]),
    });
  }
  return out;
}

/** Java's escapes in format.bytearray.separator ("\\n" → newline). */
export function unescapeSeparator(s: string): string {
  return s.replace(/\\([nrt\\])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : '\\'));
}

export function createFormat(className: string, opts: { byteArrayExtension: string; byteArraySeparator: string }): RecordFormat {
  switch (FORMAT_ALIASES[className]) {
    case JSON_FORMAT_CLASS: return new JsonFormat();
    case BYTE_ARRAY_FORMAT_CLASS: return new ByteArrayFormat(opts.byteArrayExtension, Buffer.from(unescapeSeparator(opts.byteArraySeparator), 'utf8'));
    case LOSSLESS_FORMAT_CLASS: return new LosslessJsonFormat();
    default: throw new ConnectError(`Unknown format.class ${className}`);
  }
}
