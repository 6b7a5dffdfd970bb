// CRC32C (Castagnoli), the checksum of every RecordBatch v2. It runs over every byte Ferry fetches (check.crcs)
// and writes, so it is on the hot path: a native SSE4.2/ARMv8 implementation (@node-rs/crc32, prebuilt per
// platform through npm's optional dependencies) when it loads, else pure-JavaScript slicing-by-8, about 3×
// kafkajs's byte-at-a-time table. Which one runs is logged once, on first use.
import { createRequire } from 'node:module';
import { ferryEnv } from '../config/ferry-env.js';
import { logger } from '../observability/logger.js';

const POLY = 0x82f63b78; // reflected Castagnoli polynomial

/** 8 tables of 256 entries: table k maps a byte to its CRC contribution k bytes further along. */
const T = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = T[n]!;
  for (let k = 1; k < 8; k++) {
    c = T[c & 0xff]! ^ (c >>> 8);
    T[k * 256 + n] = c;
  }
}

/** Pure-JavaScript CRC32C of `buf[start, end)`, continuing from `crc` (a previous result; 0 to start). */
export function crc32cJs(buf: Uint8Array, start = 0, end = buf.length, crc = 0): number {
  let c = ~crc;
  let i = start;
  // Byte at a time until 8 bytes remain aligned enough to process in slices.
  const stop8 = end - 8;
  while (i <= stop8) {
    const lo = c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
    c = T[0x700 + (lo & 0xff)]! ^ T[0x600 + ((lo >>> 8) & 0xff)]! ^ T[0x500 + ((lo >>> 16) & 0xff)]! ^ T[0x400 + (lo >>> 24)]!
      ^ T[0x300 + buf[i + 4]!]! ^ T[0x200 + buf[i + 5]!]! ^ T[0x100 + buf[i + 6]!]! ^ T[buf[i + 7]!]!;
    i += 8;
  }
  while (i < end) c = T[(c ^ buf[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

type NativeCrc = (input: Buffer, initial?: number) => number;

function loadNative(): NativeCrc | null {
  if (ferryEnv().crc32c === 'js') return null;
  try {
    const mod = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c?: NativeCrc };
    const f = mod.crc32c;
    // Guard against a broken build: the check value of the standard test vector.
    if (typeof f !== 'function' || f(Buffer.from('123456789')) >>> 0 !== 0xe3069283) return null;
    return f;
  } catch {
    return null;
  }
}

const native = loadNative();
/** Which implementation `crc32c` uses: 'native (@node-rs/crc32)' or 'javascript (slicing-by-8)'. */
export const crc32cImplementation = native ? 'native (@node-rs/crc32)' : 'javascript (slicing-by-8)';
let announced = false;

// Below this size the N-API call costs more than the table loop.
const NATIVE_MIN_BYTES = 64;

/** CRC32C of `buf` (unsigned 32-bit). */
export function crc32c(buf: Buffer): number {
  if (!announced) {
    announced = true;
    logger('kafka.crc32c').info({ implementation: crc32cImplementation }, 'CRC32C implementation');
  }
  if (native !== null && buf.length >= NATIVE_MIN_BYTES) return native(buf) >>> 0;
  return crc32cJs(buf, 0, buf.length, 0);
}
