// JSON text helpers shared by the converters: a parser that keeps numbers JavaScript cannot hold
// exactly (INT64 beyond 2^53, long decimals), a value skipper used to find the envelope's schema
// text without parsing it, and Java-like number formatting.
//
// JSON.parse is native and fast, so it is used whenever the text cannot contain a number with more
// than 15 significant digits; only then does the (slower) lossless parser run.

/** A JSON number whose text does not survive a round trip through a JS number. */
export class JsonNumber {
  constructor(readonly text: string) {}

  /** True for literals without fraction or exponent (Jackson's "integral number"). */
  get integral(): boolean {
    const t = this.text;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === 0x2e || c === 0x65 || c === 0x45) return false;
    }
    return true;
  }

  toNumber(): number { return Number(this.text); }
  toString(): string { return this.text; }
  /** Keeps big numbers distinguishable from strings when a parsed tree is re-serialized as a cache key. */
  toJSON(): string { return '\u0000n:' + this.text; }
}

/** The result of parsing: null, boolean, number, JsonNumber, string, arrays and plain objects. */
export type JsonNode = null | boolean | number | string | JsonNumber | JsonNode[] | { [key: string]: JsonNode };

export class JsonSyntaxError extends SyntaxError {
  constructor(message: string, readonly position: number) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

// Any number with 16+ significant digits contains a run of 16 characters from [0-9.] starting with a digit.
const MAYBE_LONG_NUMBER = /\d[\d.]{15}/;

/**
 * Whether the last parseJson call used the lossless parser (so its result may hold JsonNumber).
 * A module-level flag rather than a wrapper object keeps the per-record path allocation-free.
 */
export let lastParseWasLossless = false;

/** Parses JSON text; numbers that would lose precision come back as JsonNumber. */
export function parseJson(text: string): JsonNode {
  if (!MAYBE_LONG_NUMBER.test(text)) {
    try {
      const v = JSON.parse(text) as JsonNode;
      lastParseWasLossless = false;
      return v;
    } catch {
      // Fall through: the lossless parser reports the error with a position.
    }
  }
  lastParseWasLossless = true;
  return new LosslessParser(text).parseDocument();
}

/** Parses with the lossless parser only (used when an exact error position is wanted). */
export function parseJsonStrict(text: string): JsonNode {
  return new LosslessParser(text).parseDocument();
}

/** Line and column (1-based) of a character position, for error messages. */
export function lineAndColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(position, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 0x0a) { line++; lineStart = i + 1; }
  }
  return { line, column: end - lineStart + 1 };
}

function setOwn(obj: Record<string, JsonNode>, key: string, value: JsonNode): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

class LosslessParser {
  private pos = 0;
  constructor(private readonly s: string) {}

  parseDocument(): JsonNode {
    this.ws();
    const v = this.value();
    this.ws();
    if (this.pos < this.s.length) this.fail();
    return v;
  }

  private fail(expected?: string): never {
    if (this.pos >= this.s.length) throw new JsonSyntaxError('Unexpected end of JSON input', this.pos);
    const ch = this.s[this.pos]!;
    const shown = ch.charCodeAt(0) < 0x20 ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}` : ch;
    throw new JsonSyntaxError(`Unexpected character '${shown}' at position ${this.pos}${expected ? ` (expected ${expected})` : ''}`, this.pos);
  }

  private ws(): void {
    const s = this.s;
    let p = this.pos;
    for (;;) {
      const c = s.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  private value(): JsonNode {
    const c = this.s.charCodeAt(this.pos);
    switch (c) {
      case 0x7b: return this.object();
      case 0x5b: return this.array();
      case 0x22: return this.string();
      case 0x74: return this.literal('true', true);
      case 0x66: return this.literal('false', false);
      case 0x6e: return this.literal('null', null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
        return this.fail('a JSON value');
    }
  }

  private literal<T extends JsonNode>(word: string, v: T): T {
    if (!this.s.startsWith(word, this.pos)) {
      // Point at the first character that differs.
      for (let i = 0; i < word.length; i++) {
        if (this.s.charCodeAt(this.pos + i) !== word.charCodeAt(i)) { this.pos += i; break; }
      }
      this.fail(`'${word}'`);
    }
    this.pos += word.length;
    return v;
  }

  private object(): JsonNode {
    this.pos++;
    const out: Record<string, JsonNode> = {};
    this.ws();
    if (this.s.charCodeAt(this.pos) === 0x7d) { this.pos++; return out; }
    for (;;) {
      this.ws();
      if (this.s.charCodeAt(this.pos) !== 0x22) this.fail('a property name');
      const key = this.string();
      this.ws();
      if (this.s.charCodeAt(this.pos) !== 0x3a) this.fail("':'");
      this.pos++;
      this.ws();
      setOwn(out, key, this.value());
      this.ws();
      const c = this.s.charCodeAt(this.pos);
      if (c === 0x2c) { this.pos++; continue; }
      if (c === 0x7d) { this.pos++; return out; }
      this.fail("',' or '}'");
    }
  }

  private array(): JsonNode {
    this.pos++;
    const out: JsonNode[] = [];
    this.ws();
    if (this.s.charCodeAt(this.pos) === 0x5d) { this.pos++; return out; }
    for (;;) {
      this.ws();
      out.push(this.value());
      this.ws();
      const c = this.s.charCodeAt(this.pos);
      if (c === 0x2c) { this.pos++; continue; }
      if (c === 0x5d) { this.pos++; return out; }
      this.fail("',' or ']'");
    }
  }

  private string(): string {
    const s = this.s;
    const start = ++this.pos;
    let p = start;
    // Fast scan for the common case without escapes.
    for (;;) {
      const c = s.charCodeAt(p);
      if (c === 0x22) { this.pos = p + 1; return s.slice(start, p); }
      if (c === 0x5c) break;
      if (c < 0x20 || Number.isNaN(c)) { this.pos = p; this.fail(); }
      p++;
    }
    let out = s.slice(start, p);
    for (;;) {
      const c = s.charCodeAt(p);
      if (c === 0x22) { this.pos = p + 1; return out; }
      if (c < 0x20 || Number.isNaN(c)) { this.pos = p; this.fail(); }
      if (c !== 0x5c) {
        // Copy a run of ordinary characters at once.
        let q = p + 1;
        for (;;) {
          const d = s.charCodeAt(q);
          if (d === 0x22 || d === 0x5c || d < 0x20 || Number.isNaN(d)) break;
          q++;
        }
        out += s.slice(p, q);
        p = q;
        continue;
      }
      const e = s[p + 1];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = s.slice(p + 2, p + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) { this.pos = p; throw new JsonSyntaxError(`Bad Unicode escape at position ${p}`, p); }
          out += String.fromCharCode(parseInt(hex, 16));
          p += 4;
          break;
        }
        default:
          this.pos = p + 1;
          this.fail('an escape character');
      }
      p += 2;
    }
  }

  private number(): JsonNode {
    const s = this.s;
    const start = this.pos;
    let p = start;
    if (s.charCodeAt(p) === 0x2d) p++;
    let digits = 0;
    const c0 = s.charCodeAt(p);
    if (c0 === 0x30) { p++; digits++; }
    else if (c0 >= 0x31 && c0 <= 0x39) { while (isDigit(s.charCodeAt(p))) { p++; digits++; } }
    else { this.pos = p; this.fail('a digit'); }
    let float = false;
    if (s.charCodeAt(p) === 0x2e) {
      float = true;
      p++;
      if (!isDigit(s.charCodeAt(p))) { this.pos = p; this.fail('a digit'); }
      while (isDigit(s.charCodeAt(p))) { p++; digits++; }
    }
    const e = s.charCodeAt(p);
    if (e === 0x65 || e === 0x45) {
      float = true;
      p++;
      const sign = s.charCodeAt(p);
      if (sign === 0x2b || sign === 0x2d) p++;
      if (!isDigit(s.charCodeAt(p))) { this.pos = p; this.fail('a digit'); }
      while (isDigit(s.charCodeAt(p))) p++;
    }
    this.pos = p;
    const text = s.slice(start, p);
    const n = Number(text);
    if (float) return digits <= 15 && Number.isFinite(n) ? n : new JsonNumber(text);
    // An integer literal parsed to a safe integer is exact (rounding is monotonic around 2^53).
    return Number.isSafeInteger(n) ? n : new JsonNumber(text);
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Index just after the JSON value starting at `i` (whitespace already skipped), or -1 if the text
 * there is obviously not a complete value. Structure only: callers still parse what they keep.
 */
export function skipJsonValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 0x22) return skipJsonString(s, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let p = i; p < s.length; p++) {
      const ch = s.charCodeAt(p);
      if (ch === 0x22) {
        const end = skipJsonString(s, p);
        if (end < 0) return -1;
        p = end - 1;
      } else if (ch === 0x7b || ch === 0x5b) {
        depth++;
      } else if (ch === 0x7d || ch === 0x5d) {
        if (--depth === 0) return p + 1;
      }
    }
    return -1;
  }
  let p = i;
  for (; p < s.length; p++) {
    const ch = s.charCodeAt(p);
    if (ch === 0x2c || ch === 0x7d || ch === 0x5d || ch === 0x20 || ch === 0x0a || ch === 0x0d || ch === 0x09) break;
  }
  return p > i ? p : -1;
}

function skipJsonString(s: string, i: number): number {
  for (let p = i + 1; p < s.length; p++) {
    const ch = s.charCodeAt(p);
    if (ch === 0x5c) p++;
    else if (ch === 0x22) return p + 1;
  }
  return -1;
}

export function skipWhitespace(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/** Jackson writes non-finite floating point numbers as quoted strings. */
export function nonFiniteName(n: number): string {
  return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
}
