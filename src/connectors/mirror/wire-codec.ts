// Kafka protocol Struct primitives as MM2 uses them for its internal topics (connect/mirror-client):
// big-endian INT16/INT32/INT64, and STRING = INT16 byte length + UTF-8 bytes (non-nullable, ≤ 32767 bytes).
// Decoding is strict: truncated input, negative lengths, invalid UTF-8 and trailing bytes are errors,
// each naming the record kind and field.
import { DataError } from '../../connect/api/index.js';

/** Raised when bytes read from an MM2 internal topic are not a valid record of the expected kind. */
export class WireFormatError extends DataError {}

const MAX_STRING_BYTES = 32767;
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Bytes needed to write `s` as a STRING field; throws if it is too long for the INT16 length prefix. */
export function stringFieldSize(what: string, field: string, s: string): number {
  const n = Buffer.byteLength(s, 'utf8');
  if (n > MAX_STRING_BYTES) throw new WireFormatError(`${what}: field '${field}' is ${n} bytes long; the maximum is ${MAX_STRING_BYTES}`);
  return 2 + n;
}

function checkInt(what: string, field: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new WireFormatError(`${what}: field '${field}' must be an integer in [${min}, ${max}], got ${String(v)}`);
}

/** Sequential big-endian writer over a buffer allocated to the exact record size. */
export class WireWriter {
  private pos = 0;
  readonly buf: Buffer;
  constructor(size: number, private readonly what: string) {
    this.buf = Buffer.allocUnsafe(size);
  }
  int16(field: string, v: number): this {
    checkInt(this.what, field, v, -32768, 32767);
    this.pos = this.buf.writeInt16BE(v, this.pos);
    return this;
  }
  int32(field: string, v: number): this {
    checkInt(this.what, field, v, -2147483648, 2147483647);
    this.pos = this.buf.writeInt32BE(v, this.pos);
    return this;
  }
  /** INT64 from a JS number; offsets and timestamps must be safe integers. */
  int64(field: string, v: number): this {
    if (!Number.isSafeInteger(v)) throw new WireFormatError(`${this.what}: field '${field}' must be a safe integer, got ${String(v)}`);
    this.pos = this.buf.writeBigInt64BE(BigInt(v), this.pos);
    return this;
  }
  string(field: string, s: string): this {
    const len = Buffer.byteLength(s, 'utf8');
    if (len > MAX_STRING_BYTES) throw new WireFormatError(`${this.what}: field '${field}' is ${len} bytes long; the maximum is ${MAX_STRING_BYTES}`);
    this.pos = this.buf.writeInt16BE(len, this.pos);
    this.pos += this.buf.write(s, this.pos, 'utf8');
    return this;
  }
  done(): Buffer {
    if (this.pos !== this.buf.length) throw new Error(`${this.what}: wrote ${this.pos} of ${this.buf.length} bytes (size computation bug)`);
    return this.buf;
  }
}

/** Sequential big-endian reader; every failure names the record kind, the field and the byte position. */
export class WireReader {
  private pos = 0;
  private readonly view: Buffer;
  constructor(bytes: Uint8Array | null | undefined, private readonly what: string) {
    if (bytes === null || bytes === undefined) throw new WireFormatError(`${what}: no bytes (null record key or value)`);
    this.view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(field: string, n: number): void {
    const left = this.view.length - this.pos;
    if (left < n) throw new WireFormatError(`${this.what}: truncated reading field '${field}' at byte ${this.pos}: need ${n} bytes, ${left} left (record is ${this.view.length} bytes)`);
  }
  int16(field: string): number {
    this.need(field, 2);
    const v = this.view.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(field: string): number {
    this.need(field, 4);
    const v = this.view.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  int64(field: string): number {
    this.need(field, 8);
    const v = this.view.readBigInt64BE(this.pos);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new WireFormatError(`${this.what}: field '${field}' at byte ${this.pos} holds ${v}, outside the safe integer range (garbage bytes?)`);
    }
    this.pos += 8;
    return Number(v);
  }
  string(field: string): string {
    const at = this.pos;
    const len = this.int16(field);
    if (len < 0) throw new WireFormatError(`${this.what}: field '${field}' at byte ${at} has negative length ${len} (STRING is not nullable)`);
    this.need(field, len);
    let s: string;
    try {
      s = utf8Strict.decode(this.view.subarray(this.pos, this.pos + len));
    } catch (e) {
      throw new WireFormatError(`${this.what}: field '${field}' at byte ${at} is not valid UTF-8`, { cause: e });
    }
    this.pos += len;
    return s;
  }
  /** The schema was fully read: anything left over is garbage. */
  end(): void {
    const left = this.view.length - this.pos;
    if (left !== 0) throw new WireFormatError(`${this.what}: ${left} unexpected trailing bytes after byte ${this.pos}`);
  }
}

/** Reads the INT16 version header of an MM2 value and rejects versions other than `expected`. */
export function readVersion(r: WireReader, what: string, expected: number): void {
  const v = r.int16('version');
  if (v !== expected) throw new WireFormatError(`${what}: unsupported version ${v} (only version ${expected} is defined)`);
}
