// Java charset names (as used by converter.encoding) mapped onto what Node can encode and decode.
// Unmappable characters become '?' on encode and U+FFFD on decode, as Java's String/CharsetEncoder do.
import { ConfigError } from '../api/errors.js';

export interface Charset {
  readonly name: string;
  encode(s: string): Buffer;
  decode(b: Buffer): string;
}

const utf8: Charset = {
  name: 'UTF-8',
  encode: (s) => Buffer.from(s, 'utf8'),
  decode: (b) => b.toString('utf8'),
};

// Code points outside the charset (a surrogate pair counts once, as Java replaces it with one '?').
const NOT_LATIN1 = /[^\p{ASCII}\u0080-\u00ff]/u;
const NOT_LATIN1_ALL = /[^\p{ASCII}\u0080-\u00ff]/gu;
const NOT_ASCII = /\P{ASCII}/u;
const NOT_ASCII_ALL = /\P{ASCII}/gu;

const latin1: Charset = {
  name: 'ISO-8859-1',
  encode: (s) => Buffer.from(NOT_LATIN1.test(s) ? s.replace(NOT_LATIN1_ALL, '?') : s, 'latin1'),
  decode: (b) => b.toString('latin1'),
};

const ascii: Charset = {
  name: 'US-ASCII',
  encode: (s) => Buffer.from(NOT_ASCII.test(s) ? s.replace(NOT_ASCII_ALL, '?') : s, 'latin1'),
  decode: (b) => b.toString('latin1').replace(/[\u0080-\u00ff]/g, '\ufffd'),
};

const utf16le: Charset = {
  name: 'UTF-16LE',
  encode: (s) => Buffer.from(s, 'utf16le'),
  decode: (b) => b.toString('utf16le'),
};

function swap16(b: Buffer): Buffer {
  const out = Buffer.from(b.subarray(0, b.length - (b.length % 2)));
  return out.swap16();
}

const utf16be: Charset = {
  name: 'UTF-16BE',
  encode: (s) => Buffer.from(s, 'utf16le').swap16(),
  decode: (b) => swap16(b).toString('utf16le'),
};

// Java's "UTF-16" writes a big-endian byte order mark and reads either order (big-endian without a mark).
const utf16: Charset = {
  name: 'UTF-16',
  encode: (s) => (s.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be.encode(s)])),
  decode: (b) => {
    if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return utf16le.decode(b.subarray(2));
    if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return utf16be.decode(b.subarray(2));
    return utf16be.decode(b);
  },
};

// Keys are upper-cased with '-' and '_' removed.
const BY_NAME = new Map<string, Charset>([
  ['UTF8', utf8], ['UNICODE11UTF8', utf8],
  ['ISO88591', latin1], ['LATIN1', latin1], ['ISOLATIN1', latin1], ['L1', latin1], ['88591', latin1], ['CP819', latin1],
  ['USASCII', ascii], ['ASCII', ascii], ['ISO646US', ascii], ['ASCII7', ascii],
  ['UTF16LE', utf16le], ['XUTF16LE', utf16le], ['UNICODELITTLEUNMARKED', utf16le],
  ['UTF16BE', utf16be], ['XUTF16BE', utf16be], ['UNICODEBIGUNMARKED', utf16be],
  ['UTF16', utf16], ['UNICODE', utf16],
]);

/** Looks up a Java charset name; throws a ConfigError naming the key when it is not supported. */
export function charsetFor(name: string, key = 'converter.encoding'): Charset {
  const norm = name.trim().toUpperCase().replace(/[-_]/g, '');
  const cs = BY_NAME.get(norm);
  if (!cs) {
    const msg = `Invalid value ${name} for configuration ${key}: unsupported charset (supported: UTF-8, UTF-16, UTF-16BE, UTF-16LE, ISO-8859-1, US-ASCII)`;
    throw new ConfigError(msg, { [key]: [msg] });
  }
  return cs;
}
