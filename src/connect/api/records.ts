// Records that flow through tasks, transforms and converters.
import type { Schema } from './data.js';

export interface Header {
  readonly key: string;
  readonly schema: Schema | null;
  readonly value: unknown;
}

/** Ordered, multi-valued record headers (as Connect's ConnectHeaders). Immutable-by-convention: copy before mutating. */
export class Headers implements Iterable<Header> {
  private readonly list: Header[];

  constructor(headers: Iterable<Header> = []) {
    this.list = [...headers];
  }

  get size(): number { return this.list.length; }
  [Symbol.iterator](): Iterator<Header> { return this.list[Symbol.iterator](); }
  add(key: string, value: unknown, schema: Schema | null = null): this { this.list.push({ key, value, schema }); return this; }
  addString(key: string, value: string | null): this {
    return this.add(key, value, { type: 'STRING', optional: true });
  }
  /** The last header with this key, as Connect's lastWithName. */
  lastWithName(key: string): Header | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.key === key) return this.list[i];
    return undefined;
  }
  allWithName(key: string): Header[] { return this.list.filter((h) => h.key === key); }
  remove(key: string): this {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.key === key) this.list.splice(i, 1);
    return this;
  }
  clear(): this { this.list.length = 0; return this; }
  copy(): Headers { return new Headers(this.list); }
  toArray(): Header[] { return [...this.list]; }
}

export interface ConnectRecordFields {
  topic: string;
  kafkaPartition: number | null;
  keySchema: Schema | null;
  key: unknown;
  valueSchema: Schema | null;
  value: unknown;
  /** Milliseconds since epoch, or null. */
  timestamp: number | null;
  headers: Headers;
}

export type SourcePartition = Record<string, unknown>;
export type SourceOffset = Record<string, unknown>;

export interface SourceRecord extends ConnectRecordFields {
  readonly kind: 'source';
  sourcePartition: SourcePartition | null;
  sourceOffset: SourceOffset | null;
}

export interface SinkRecord extends ConnectRecordFields {
  readonly kind: 'sink';
  kafkaOffset: number;
  timestampType: 'NoTimestampType' | 'CreateTime' | 'LogAppendTime';
  /** Topic/partition/offset before any transform rewrote them (KIP-793). */
  originalTopic: string;
  originalKafkaPartition: number;
  originalKafkaOffset: number;
}

export type ConnectRecord = SourceRecord | SinkRecord;

export function sourceRecord(f: Partial<ConnectRecordFields> & { topic: string; sourcePartition?: SourcePartition | null; sourceOffset?: SourceOffset | null }): SourceRecord {
  return {
    kind: 'source',
    topic: f.topic,
    kafkaPartition: f.kafkaPartition ?? null,
    keySchema: f.keySchema ?? null,
    key: f.key ?? null,
    valueSchema: f.valueSchema ?? null,
    value: f.value ?? null,
    timestamp: f.timestamp ?? null,
    headers: f.headers ?? new Headers(),
    sourcePartition: f.sourcePartition ?? null,
    sourceOffset: f.sourceOffset ?? null,
  };
}

export function sinkRecord(f: Partial<ConnectRecordFields> & { topic: string; kafkaPartition: number; kafkaOffset: number; timestampType?: SinkRecord['timestampType'] }): SinkRecord {
  return {
    kind: 'sink',
    topic: f.topic,
    kafkaPartition: f.kafkaPartition,
    keySchema: f.keySchema ?? null,
    key: f.key ?? null,
    valueSchema: f.valueSchema ?? null,
    value: f.value ?? null,
    timestamp: f.timestamp ?? null,
    headers: f.headers ?? new Headers(),
    kafkaOffset: f.kafkaOffset,
    timestampType: f.timestampType ?? 'CreateTime',
    originalTopic: f.topic,
    originalKafkaPartition: f.kafkaPartition,
    originalKafkaOffset: f.kafkaOffset,
  };
}

/** A copy of a record with some fields replaced (as ConnectRecord.newRecord). Keeps kind-specific fields. */
export function newRecord<R extends ConnectRecord>(r: R, changes: Partial<ConnectRecordFields>): R {
  return { ...r, ...changes };
}
