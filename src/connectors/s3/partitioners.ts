// Partitioners: where in <topics.dir>/<topic>/ a record's object goes (Confluent's storage partitioners).
// - DefaultPartitioner: partition=<kafka partition>
// - FieldPartitioner: <field>=<value>[/<field>=<value>…] from the record value's fields (partition.field.name)
// - TimeBasedPartitioner (and Hourly/Daily): path.format applied to a timestamp rounded down to
//   partition.duration.ms, in `timezone`, the timestamp taken by timestamp.extractor (Record, RecordField, Wallclock)
import { ConnectError, DataError, type SinkRecord } from '../../connect/api/index.js';

export const DEFAULT_PARTITIONER = 'io.confluent.connect.storage.partitioner.DefaultPartitioner';
export const FIELD_PARTITIONER = 'io.confluent.connect.storage.partitioner.FieldPartitioner';
export const TIME_BASED_PARTITIONER = 'io.confluent.connect.storage.partitioner.TimeBasedPartitioner';
export const HOURLY_PARTITIONER = 'io.confluent.connect.storage.partitioner.HourlyPartitioner';
export const DAILY_PARTITIONER = 'io.confluent.connect.storage.partitioner.DailyPartitioner';

export const PARTITIONER_CLASSES: Readonly<Record<string, string>> = Object.fromEntries(
  [DEFAULT_PARTITIONER, FIELD_PARTITIONER, TIME_BASED_PARTITIONER, HOURLY_PARTITIONER, DAILY_PARTITIONER]
    .flatMap((c) => [[c, c], [c.slice(c.lastIndexOf('.') + 1), c]]),
);

export interface Partitioner {
  /** The path between <topics.dir>/<topic>/ and the object name. */
  encodePartition(record: SinkRecord, nowMs: number): string;
  /** The record's timestamp for rotate.interval.ms (null when the extractor has none). */
  timestampOf?(record: SinkRecord, nowMs: number): number | null;
}

export class DefaultPartitioner implements Partitioner {
  encodePartition(r: SinkRecord): string { return `partition=${r.kafkaPartition}`; }
}

function fieldOf(value: unknown, name: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Map) return value.get(name);
  const get = (value as { get?: (n: string) => unknown }).get;
  const schema = (value as { schema?: { fields?: Array<{ name: string }> } }).schema;
  if (typeof get === 'function' && Array.isArray(schema?.fields)) {
    return schema.fields.some((f) => f.name === name) ? get.call(value, name) : undefined;
  }
  if (typeof value === 'object') return (value as Record<string, unknown>)[name];
  return undefined;
}

export class FieldPartitioner implements Partitioner {
  constructor(private readonly fields: readonly string[], private readonly delim: string) {}
  encodePartition(r: SinkRecord): string {
    return this.fields.map((f) => {
      const v = fieldOf(r.value, f);
      if (v === undefined || v === null || (typeof v === 'object' && !(v instanceof Date))) {
        throw new DataError(`FieldPartitioner: the value of ${r.topic}-${r.kafkaPartition}@${r.kafkaOffset} has no ${v === undefined ? '' : 'primitive '}field '${f}' (partition.field.name)`);
      }
      return `${f}=${v instanceof Date ? v.getTime() : String(v)}`;
    }).join(this.delim);
  }
}

type Token = { lit: string } | { field: 'Y' | 'M' | 'd' | 'H' | 'm' | 's'; width: number };

/** Parses the Joda-style path.format Confluent uses ('year'=YYYY/'month'=MM/…); only the letters below. */
export function parsePathFormat(format: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c === "'") {
      const end = format.indexOf("'", i + 1);
      if (end < 0) throw new Error(`path.format '${format}' has an unterminated quote`);
      out.push({ lit: end === i + 1 ? "'" : format.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (j < format.length && format[j] === c) j++;
      const field = c === 'y' ? 'Y' : c;
      if (!['Y', 'M', 'd', 'H', 'm', 's'].includes(field)) {
        throw new Error(`path.format '${format}' uses '${c}', which Ferry does not format (supported: YYYY or yyyy, MM, dd, HH, mm, ss and quoted text)`);
      }
      out.push({ field: field as 'Y', width: j - i });
      i = j;
    } else {
      out.push({ lit: c });
      i++;
    }
  }
  return out;
}

/** Calendar fields of an instant in a time zone (Intl knows the IANA zones). */
function calendarFields(ms: number, fmt: Intl.DateTimeFormat): Record<'Y' | 'M' | 'd' | 'H' | 'm' | 's', number> {
  const parts = fmt.formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? '0');
  return { Y: get('year'), M: get('month'), d: get('day'), H: get('hour') % 24, m: get('minute'), s: get('second') };
}

export function dateTimeFormatFor(timezone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
}

/** Offset of `timezone` from UTC at `ms`, in ms (for rounding to partition.duration.ms in local time). */
function zoneOffsetMs(ms: number, fmt: Intl.DateTimeFormat): number {
  const f = calendarFields(ms, fmt);
  const asUtc = Date.UTC(f.Y, f.M - 1, f.d, f.H, f.m, f.s);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

export type TimestampExtractor = 'Record' | 'RecordField' | 'Wallclock';

export class TimeBasedPartitioner implements Partitioner {
  private readonly tokens: Token[];
  private readonly fmt: Intl.DateTimeFormat;
  constructor(
    pathFormat: string,
    private readonly durationMs: number,
    timezone: string,
    private readonly extractor: TimestampExtractor,
    private readonly timestampField: string,
  ) {
    this.tokens = parsePathFormat(pathFormat);
    this.fmt = dateTimeFormatFor(timezone);
  }

  timestampOf(r: SinkRecord, nowMs: number): number | null {
    if (this.extractor === 'Wallclock') return nowMs;
    if (this.extractor === 'Record') return r.timestamp;
    const v = fieldOf(r.value, this.timestampField);
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof Date) return v.getTime();
    if (typeof v === 'string' && v !== '' && !Number.isNaN(Date.parse(v))) return Date.parse(v);
    return null;
  }

  encodePartition(r: SinkRecord, nowMs: number): string {
    const ts = this.timestampOf(r, nowMs);
    if (ts === null) throw new DataError(`TimeBasedPartitioner: ${r.topic}-${r.kafkaPartition}@${r.kafkaOffset} has no timestamp (timestamp.extractor=${this.extractor}${this.extractor === 'RecordField' ? `, timestamp.field=${this.timestampField}` : ''})`);
    return this.format(ts);
  }

  /** The path for a timestamp, rounded down to partition.duration.ms in the configured time zone. */
  format(ts: number): string {
    const off = zoneOffsetMs(ts, this.fmt);
    const local = ts + off;
    const bucket = local - (((local % this.durationMs) + this.durationMs) % this.durationMs) - off;
    const f = calendarFields(bucket, this.fmt);
    let s = '';
    for (const t of this.tokens) {
      if ('lit' in t) s += t.lit;
      else s += String(f[t.field]).padStart(t.width, '0');
    }
    return s;
  }
}

export interface PartitionerSettings {
  className: string;
  fieldNames: string[];
  pathFormat: string;
  durationMs: number;
  timezone: string;
  extractor: TimestampExtractor;
  timestampField: string;
  directoryDelim: string;
}

export function createPartitioner(s: PartitionerSettings): Partitioner {
  switch (PARTITIONER_CLASSES[s.className]) {
    case DEFAULT_PARTITIONER: return new DefaultPartitioner();
    case FIELD_PARTITIONER: return new FieldPartitioner(s.fieldNames, s.directoryDelim);
    case TIME_BASED_PARTITIONER: return new TimeBasedPartitioner(s.pathFormat, s.durationMs, s.timezone, s.extractor, s.timestampField);
    case HOURLY_PARTITIONER: return new TimeBasedPartitioner("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", 3_600_000, s.timezone, s.extractor, s.timestampField);
    case DAILY_PARTITIONER: return new TimeBasedPartitioner("'year'=YYYY/'month'=MM/'day'=dd", 86_400_000, s.timezone, s.extractor, s.timestampField);
    default: throw new ConnectError(`Unknown partitioner.class ${s.className}`);
  }
}
