// A subset of Java's SimpleDateFormat, always in UTC (Connect sets the UTC zone on every format it
// builds for TimestampConverter and TimestampRouter).
//
// Supported letters: G y M L d D E u a H k K h m s S z Z X, quoted literals ('T', 'at') and '' for a
// quote. Unsupported letters (Y week-year, w W week numbers, F day-of-week-in-month) are rejected
// at configure time; any other ASCII letter is illegal, as in Java.
//
// Parsing follows Java's lenient defaults where they are cheap to honour: out-of-range values roll
// over (month 13 = January next year), text after the last pattern element is ignored, numeric fields
// that abut another numeric field take exactly their width ("yyyyMMdd") and otherwise take all digits,
// "yy" resolves two-digit years into the 80-years-back/20-years-ahead window. Z and X accept ±hh, ±hhmm,
// ±hh:mm (and X accepts "Z"); z accepts UTC/GMT with an optional offset. Day names (E, u) are checked
// but do not move the date.

type Token = { kind: 'literal'; text: string } | { kind: 'field'; letter: string; count: number };

const SUPPORTED = new Set('GyMLdDEuaHkKhmsSzZX');
const KNOWN_UNSUPPORTED = new Set('YwWF');
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const NUMERIC = new Set('yMLdDuHkKhmsS');

function pad(n: number, width: number): string {
  const s = String(Math.abs(n));
  const p = s.length >= width ? s : '0'.repeat(width - s.length) + s;
  return n < 0 ? '-' + p : p;
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let lit = '';
  const flush = () => { if (lit) { tokens.push({ kind: 'literal', text: lit }); lit = ''; } };
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      if (pattern[i + 1] === "'") { lit += "'"; i += 2; continue; }
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw new Error('Unterminated quote');
      // Inside quotes, '' is an escaped quote.
      let j = i + 1;
      for (;;) {
        const q = pattern.indexOf("'", j);
        if (q < 0) throw new Error('Unterminated quote');
        if (pattern[q + 1] === "'") { lit += pattern.slice(j, q) + "'"; j = q + 2; continue; }
        lit += pattern.slice(j, q);
        i = q + 1;
        break;
      }
      continue;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      if (KNOWN_UNSUPPORTED.has(c)) throw new Error(`Unsupported pattern character '${c}'`);
      if (!SUPPORTED.has(c)) throw new Error(`Illegal pattern character '${c}'`);
      let n = 1;
      while (pattern[i + n] === c) n++;
      if (c === 'X' && n > 3) throw new Error('invalid ISO 8601 format: length=' + n);
      flush();
      tokens.push({ kind: 'field', letter: c, count: n });
      i += n;
      continue;
    }
    lit += c;
    i++;
  }
  flush();
  return tokens;
}

function isNumericToken(t: Token | undefined): boolean {
  return t !== undefined && t.kind === 'field' && NUMERIC.has(t.letter) && !((t.letter === 'M' || t.letter === 'L') && t.count >= 3);
}

export class JavaDateFormat {
  private readonly tokens: Token[];

  /** Throws Error (with Java-like wording) for an illegal or unsupported pattern. */
  constructor(readonly pattern: string) {
    this.tokens = tokenize(pattern);
  }

  /** Formats epoch milliseconds in UTC. */
  format(ms: number): string {
    const d = new Date(ms);
    let out = '';
    for (const t of this.tokens) {
      if (t.kind === 'literal') { out += t.text; continue; }
      const n = t.count;
      switch (t.letter) {
        case 'G': out += d.getUTCFullYear() > 0 ? 'AD' : 'BC'; break;
        case 'y': {
          const y = d.getUTCFullYear();
          const yoe = y > 0 ? y : 1 - y;
          out += n === 2 ? pad(yoe % 100, 2) : pad(yoe, n);
          break;
        }
        case 'M': case 'L': {
          const m = d.getUTCMonth();
          out += n >= 4 ? MONTHS[m]! : n === 3 ? MONTHS[m]!.slice(0, 3) : pad(m + 1, n);
          break;
        }
        case 'd': out += pad(d.getUTCDate(), n); break;
        case 'D': out += pad(dayOfYear(d), n); break;
        case 'E': { const w = d.getUTCDay(); out += n >= 4 ? DAYS[w]! : DAYS[w]!.slice(0, 3); break; }
        case 'u': out += pad(d.getUTCDay() === 0 ? 7 : d.getUTCDay(), n); break;
        case 'a': out += d.getUTCHours() < 12 ? 'AM' : 'PM'; break;
        case 'H': out += pad(d.getUTCHours(), n); break;
        case 'k': out += pad(d.getUTCHours() === 0 ? 24 : d.getUTCHours(), n); break;
        case 'K': out += pad(d.getUTCHours() % 12, n); break;
        case 'h': out += pad(d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12, n); break;
        case 'm': out += pad(d.getUTCMinutes(), n); break;
        case 's': out += pad(d.getUTCSeconds(), n); break;
        case 'S': out += pad(d.getUTCMilliseconds(), n); break;
        case 'z': out += n >= 4 ? 'Coordinated Universal Time' : 'UTC'; break;
        case 'Z': out += '+0000'; break;
        case 'X': out += 'Z'; break;
      }
    }
    return out;
  }

  /** Parses text to epoch milliseconds; throws Error when the text does not fit the pattern. */
  parse(text: string): number {
    let pos = 0;
    let year = 1970, month = 0, day = 1, dayOfYr = -1, hour = 0, minute = 0, second = 0, milli = 0;
    let pm: boolean | null = null;
    let hour12 = -1;
    let bc = false;
    let offsetMin = 0;
    const fail = (): never => { throw new Error(`Unparseable date: "${text}"`); };
    const toks = this.tokens;
    for (let ti = 0; ti < toks.length; ti++) {
      const t = toks[ti]!;
      if (t.kind === 'literal') {
        if (!text.startsWith(t.text, pos)) fail();
        pos += t.text.length;
        continue;
      }
      if (isNumericToken(t)) {
        const fixed = isNumericToken(toks[ti + 1]);
        let end = pos;
        let neg = false;
        if (t.letter === 'y' && (text[end] === '-' || text[end] === '+') && !fixed) { neg = text[end] === '-'; end++; }
        const start = end;
        const limit = fixed ? start + t.count : text.length;
        while (end < limit && end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
        if (end === start || (fixed && end - start !== t.count)) fail();
        const digits = end - start;
        let v = Number(text.slice(start, end));
        if (neg) v = -v;
        pos = end;
        switch (t.letter) {
          case 'y':
            if (t.count <= 2 && digits === 2 && !neg) v = twoDigitYear(v);
            year = v;
            break;
          case 'M': case 'L': month = v - 1; break;
          case 'd': day = v; break;
          case 'D': dayOfYr = v; break;
          case 'u': break;
          case 'H': hour = v; hour12 = -1; break;
          case 'k': hour = v === 24 ? 0 : v; hour12 = -1; break;
          case 'K': hour12 = v; break;
          case 'h': hour12 = v === 12 ? 0 : v; break;
          case 'm': minute = v; break;
          case 's': second = v; break;
          case 'S': milli = v; break;
        }
        continue;
      }
      switch (t.letter) {
        case 'M': case 'L': {
          const idx = matchName(text, pos, MONTHS);
          if (!idx) fail();
          month = idx![0];
          pos += idx![1];
          break;
        }
        case 'E': {
          const idx = matchName(text, pos, DAYS);
          if (!idx) fail();
          pos += idx![1];
          break;
        }
        case 'a': {
          const s = text.slice(pos, pos + 2).toUpperCase();
          if (s !== 'AM' && s !== 'PM') fail();
          pm = s === 'PM';
          pos += 2;
          break;
        }
        case 'G': {
          const s = text.slice(pos, pos + 2).toUpperCase();
          if (s !== 'AD' && s !== 'BC') fail();
          bc = s === 'BC';
          pos += 2;
          break;
        }
        case 'Z': case 'X': case 'z': {
          const r = parseZone(text, pos, t.letter);
          if (!r) fail();
          offsetMin = r![0];
          pos = r![1];
          break;
        }
      }
    }
    if (hour12 >= 0) hour = hour12 + (pm ? 12 : 0);
    else if (pm !== null && pm && hour < 12) hour += 12;
    if (bc) year = 1 - year;
    const d = new Date(0);
    if (dayOfYr >= 0) d.setUTCFullYear(year, 0, dayOfYr);
    else d.setUTCFullYear(year, month, day);
    d.setUTCHours(hour, minute, second, milli);
    const ms = d.getTime() - offsetMin * 60_000;
    if (Number.isNaN(ms)) fail();
    return ms;
  }
}

function dayOfYear(d: Date): number {
  return Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

/** Java's default two-digit-year window: within 80 years before and 20 years after now. */
function twoDigitYear(v: number): number {
  const start = new Date().getUTCFullYear() - 80;
  let y = Math.floor(start / 100) * 100 + v;
  if (y < start) y += 100;
  return y;
}

/** [index, length] of the longest full or 3-letter name matching at pos (case-insensitive). */
function matchName(text: string, pos: number, names: string[]): [number, number] | null {
  const rest = text.slice(pos).toLowerCase();
  for (let i = 0; i < names.length; i++) if (rest.startsWith(names[i]!.toLowerCase())) return [i, names[i]!.length];
  for (let i = 0; i < names.length; i++) if (rest.startsWith(names[i]!.slice(0, 3).toLowerCase())) return [i, 3];
  return null;
}

/** [offset minutes east of UTC, new position] */
function parseZone(text: string, pos: number, letter: string): [number, number] | null {
  let p = pos;
  if (text[p] === 'Z' && letter !== 'z') return [0, p + 1];
  if (letter === 'z' || letter === 'Z') {
    const name = /^(UTC|GMT|UT|Z)/.exec(text.slice(p));
    if (name) {
      p += name[0].length;
      if (text[p] !== '+' && text[p] !== '-') return [0, p];
    }
  }
  const m = /^([+-])(\d{2}):?(\d{2})?/.exec(text.slice(p));
  if (!m) return null;
  const h = Number(m[2]);
  const mi = m[3] !== undefined ? Number(m[3]) : 0;
  if (h > 23 || mi > 59) return null;
  const off = (h * 60 + mi) * (m[1] === '-' ? -1 : 1);
  return [off, p + m[0].length];
}
