// Time zones and timestamps as the JDBC connector sees them: `db.timezone` interprets zone-less DATETIME /
// TIMESTAMP WITHOUT TIME ZONE values, and offsets keep Java's java.sql.Timestamp shape (epoch millis plus
// nanos-of-second) so Ferry and the Java connector can resume from each other's offsets.
import { ConfigError, DataError } from '../../connect/api/index.js';

/** A point in time with sub-millisecond precision, stored as Java's Timestamp does. */
export interface DbTimestamp {
  /** Milliseconds since the epoch (Timestamp.getTime(): whole seconds * 1000 + millis of the nanos). */
  readonly ms: number;
  /** Nanoseconds within the second, 0..999 999 999. */
  readonly nanos: number;
}

export interface WallClock { y: number; mo: number; d: number; h: number; mi: number; s: number; ms: number }

const MS_PER_DAY = 86_400_000;

export function epochSeconds(t: DbTimestamp): number {
  return Math.floor(t.ms / 1000);
}

export function compareTimestamps(a: DbTimestamp, b: DbTimestamp): number {
  const sa = epochSeconds(a), sb = epochSeconds(b);
  if (sa !== sb) return sa < sb ? -1 : 1;
  return a.nanos === b.nanos ? 0 : a.nanos < b.nanos ? -1 : 1;
}

/** A Timestamp from epoch millis and optional nanos-of-second, as TimestampIncrementingOffset.fromMap does. */
export function timestampFrom(ms: number, nanos?: number | null): DbTimestamp {
  const sec = Math.floor(ms / 1000);
  const n = nanos ?? (ms - sec * 1000) * 1_000_000;
  return { ms: sec * 1000 + Math.floor(n / 1_000_000), nanos: n };
}

export function timestampFromSecondsAndNanos(sec: number, nanos: number): DbTimestamp {
  return { ms: sec * 1000 + Math.floor(nanos / 1_000_000), nanos };
}

/** Parses "1700000000.123456" (epoch seconds with a fraction, as the databases report NOW()). */
export function timestampFromEpochText(text: string): DbTimestamp {
  const m = /^(-?\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new DataError(`Unexpected database time "${text}"`);
  const sec = Number(m[1]);
  const nanos = Number(((m[2] ?? '') + '000000000').slice(0, 9));
  if (m[1]!.startsWith('-') && nanos > 0) return timestampFromSecondsAndNanos(sec - 1, 1_000_000_000 - nanos);
  return timestampFromSecondsAndNanos(sec, nanos);
}

export function addMillis(t: DbTimestamp, delta: number): DbTimestamp {
  const sec = epochSeconds(t);
  const totalNanos = t.nanos + (delta % 1000) * 1_000_000;
  const carry = Math.floor(totalNanos / 1_000_000_000);
  return timestampFromSecondsAndNanos(sec + Math.trunc(delta / 1000) + carry, totalNanos - carry * 1_000_000_000);
}

/** A time zone for db.timezone: UTC, a fixed offset, or an IANA zone id. */
export class Zone {
  private readonly fixedOffsetMs: number | null;
  private readonly fmt: Intl.DateTimeFormat | null;

  private constructor(readonly id: string, fixed: number | null, fmt: Intl.DateTimeFormat | null) {
    this.fixedOffsetMs = fixed;
    this.fmt = fmt;
  }

  static readonly UTC = new Zone('UTC', 0, null);

  /** Accepts Java TimeZone ids: "UTC", "GMT", "Z", "+02:00", "GMT+2", "UTC-05:30", "Europe/Berlin". */
  static of(id: string): Zone {
    const s = id.trim();
    if (/^(UTC|GMT|Z|Etc\/UTC|Etc\/GMT|UCT|Universal|Zulu)$/i.test(s)) return Zone.UTC;
    const off = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(s);
    if (off) {
      const mins = Number(off[2]) * 60 + Number(off[3] ?? 0);
      if (mins > 18 * 60) throw zoneError(id);
      return new Zone(s, (off[1] === '-' ? -1 : 1) * mins * 60_000, null);
    }
    try {
      const fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: s, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', second: '2-digit', era: 'short',
      });
      return new Zone(s, null, fmt);
    } catch {
      throw zoneError(id);
    }
  }

  get isUtc(): boolean { return this.fixedOffsetMs === 0; }

  /** The zone's offset from UTC at an instant, in milliseconds. */
  offsetAt(epochMs: number): number {
    if (this.fixedOffsetMs !== null) return this.fixedOffsetMs;
    const parts = this.fmt!.formatToParts(new Date(epochMs));
    const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
    let y = get('year');
    if (parts.find((p) => p.type === 'era')?.value === 'BC') y = 1 - y;
    const asUtc = Date.UTC(y, get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    const whole = epochMs - (((epochMs % 1000) + 1000) % 1000);
    return asUtc - whole;
  }

  /** Wall-clock time in this zone -> epoch millis (for gaps and overlaps, the earlier offset wins). */
  toEpoch(w: WallClock): number {
    const asUtc = utc(w);
    if (this.fixedOffsetMs !== null) return asUtc - this.fixedOffsetMs;
    const first = asUtc - this.offsetAt(asUtc);
    const second = asUtc - this.offsetAt(first);
    return second;
  }

  wallClock(epochMs: number): WallClock {
    const shifted = new Date(epochMs + this.offsetAt(epochMs));
    return {
      y: shifted.getUTCFullYear(), mo: shifted.getUTCMonth() + 1, d: shifted.getUTCDate(),
      h: shifted.getUTCHours(), mi: shifted.getUTCMinutes(), s: shifted.getUTCSeconds(), ms: shifted.getUTCMilliseconds(),
    };
  }

  /** The offset as "+HH:MM" at an instant (for MySQL's session time_zone when the server lacks zone tables). */
  offsetText(epochMs: number): string {
    const off = this.offsetAt(epochMs) / 60_000;
    const a = Math.abs(off);
    return `${off < 0 ? '-' : '+'}${pad(Math.floor(a / 60), 2)}:${pad(a % 60, 2)}`;
  }
}

function zoneError(id: string): ConfigError {
  return new ConfigError(`Invalid value ${id} for configuration db.timezone: Invalid time zone identifier`, {
    'db.timezone': [`Invalid time zone identifier ${id}`],
  });
}

function utc(w: WallClock): number {
  const d = new Date(0);
  d.setUTCFullYear(w.y, w.mo - 1, w.d);
  d.setUTCHours(w.h, w.mi, w.s, w.ms);
  return d.getTime();
}

export function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

function yearText(y: number): string {
  return y < 0 ? '-' + pad(-y, 4) : pad(y, 4);
}

const TS_RE = /^(-?\d{4,})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?( BC)?$/;

/**
 * Parses a DATETIME / TIMESTAMP text as the drivers return it ("2024-01-02 03:04:05.123456", optionally with
 * "+02" / "+05:30" / "Z", PostgreSQL's " BC" suffix). Zone-less values are wall-clock time in `zone`.
 */
export function parseDbTimestamp(text: string, zone: Zone): DbTimestamp {
  const m = TS_RE.exec(text.trim());
  if (!m) {
    if (/^-?infinity$/i.test(text.trim())) throw new DataError(`Timestamp value "${text}" (infinity) cannot be represented as a Connect Timestamp`);
    throw new DataError(`Unparseable timestamp "${text}"`);
  }
  let y = Number(m[1]);
  if (m[9]) y = 1 - y;
  const frac = m[7] ?? '';
  const nanos = frac === '' ? 0 : Number((frac + '000000000').slice(0, 9));
  const w: WallClock = { y, mo: Number(m[2]), d: Number(m[3]), h: Number(m[4] ?? 0), mi: Number(m[5] ?? 0), s: Number(m[6] ?? 0), ms: 0 };
  let sec: number;
  const off = m[8];
  if (off !== undefined) {
    let offMs = 0;
    if (off !== 'Z') {
      const digits = off.slice(1).replace(/:/g, '');
      offMs = (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || 0) * 60 + Number(digits.slice(4, 6) || 0)) * 1000;
      if (off[0] === '-') offMs = -offMs;
    }
    sec = (utc(w) - offMs) / 1000;
  } else {
    sec = zone.toEpoch(w) / 1000;
  }
  return timestampFromSecondsAndNanos(sec, nanos);
}

/** Formats an instant as wall-clock text in `zone` with microseconds, the form both databases accept as a literal. */
export function formatDbTimestamp(t: DbTimestamp, zone: Zone, fractionDigits = 6): string {
  const sec = epochSeconds(t);
  const w = zone.wallClock(sec * 1000);
  let s = `${yearText(w.y)}-${pad(w.mo, 2)}-${pad(w.d, 2)} ${pad(w.h, 2)}:${pad(w.mi, 2)}:${pad(w.s, 2)}`;
  if (fractionDigits > 0) s += '.' + pad(t.nanos, 9).slice(0, fractionDigits);
  return s;
}

/** "YYYY-MM-DD" (optionally with " BC") -> a Connect Date (UTC midnight). */
export function parseDbDate(text: string): Date {
  const m = /^(-?\d{4,})-(\d{1,2})-(\d{1,2})( BC)?$/.exec(text.trim());
  if (!m) {
    if (/^-?infinity$/i.test(text.trim())) throw new DataError(`Date value "${text}" (infinity) cannot be represented as a Connect Date`);
    throw new DataError(`Unparseable date "${text}"`);
  }
  let y = Number(m[1]);
  if (m[4]) y = 1 - y;
  return new Date(utc({ y, mo: Number(m[2]), d: Number(m[3]), h: 0, mi: 0, s: 0, ms: 0 }));
}

/** "HH:MM:SS[.ffffff][+HH[:MM]]" -> a Connect Time (milliseconds since midnight, on 1970-01-01 UTC). */
export function parseDbTime(text: string): Date {
  const m = /^(-)?(\d{1,3}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:[+-]\d{2}(?::?\d{2}){0,2})?$/.exec(text.trim());
  if (!m) throw new DataError(`Unparseable time "${text}"`);
  const ms = (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0)) * 1000 + Number(((m[5] ?? '') + '000').slice(0, 3));
  if (m[1] || ms > MS_PER_DAY) throw new DataError(`Time value "${text}" is outside a day and cannot be represented as a Connect Time`);
  // PostgreSQL allows 24:00:00; Connect's Time does not.
  return new Date(ms === MS_PER_DAY ? MS_PER_DAY - 1 : ms);
}

export function formatDate(d: Date): string {
  return `${yearText(d.getUTCFullYear())}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

export function formatTime(d: Date): string {
  const ms = ((d.getTime() % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
  const h = Math.floor(ms / 3_600_000), mi = Math.floor(ms / 60_000) % 60, s = Math.floor(ms / 1000) % 60;
  return `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms % 1000, 3)}`;
}

/** A Connect Timestamp (Date) as wall-clock text in `zone`, with milliseconds. */
export function formatInstant(d: Date, zone: Zone): string {
  return formatDbTimestamp(timestampFrom(d.getTime()), zone, 3);
}
