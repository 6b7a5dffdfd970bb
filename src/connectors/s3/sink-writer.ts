// Per Kafka partition writer of the S3 sink (as Confluent's TopicPartitionWriter): records go into open objects,
// one per encoded partition, until flush.size records, rotate.interval.ms of record time or a scheduled
// rotation; then every open object of that Kafka partition is written and the offset after its last record
// becomes committable. An object is named by its first record's offset, and the consumer restarts from the
// committed offset, so after a crash the same objects are rebuilt under the same names: an overwrite, not a
// duplicate. An object reaching s3.part.size is uploaded in parts, so memory per open object stays bounded.
import { ConnectError, type SinkRecord } from '../../connect/api/index.js';
import type { RecordFormat } from './formats.js';
import { objectKey, type ObjectNaming } from './naming.js';
import type { Partitioner } from './partitioners.js';

/** The S3 calls a writer makes (ObjectStore, or a fake in unit tests). */
export interface ObjectSink {
  put(key: string, body: Buffer): Promise<void>;
  startMultipart(key: string): Promise<string>;
  uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<string>;
  completeMultipart(key: string, uploadId: string, etags: string[]): Promise<void>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
}

export interface WriterSettings {
  naming: ObjectNaming;
  flushSize: number;
  rotateIntervalMs: number;
  rotateScheduleIntervalMs: number;
  partSize: number;
  nullValues: 'fail' | 'ignore' | 'write';
  /** Time-based partitioners rotate when a record falls into another path (Confluent does the same). */
  timeBasedPartitioner: boolean;
}

interface OpenObject {
  key: string;
  chunks: Buffer[];
  bytes: number;
  uploadId: string | null;
  etags: string[];
  count: number;
  total: number;
}

export interface WrittenObject { key: string; records: number; bytes: number }

export class TopicPartitionWriter {
  private readonly open = new Map<string, OpenObject>();
  private records = 0;
  private baseTimestamp: number | null = null;
  private currentEncoded: string | null = null;
  private lastOffset = -1;
  /** Last record that is in an open object (or skipped before it): what a commit() makes committable. */
  private lastTaken = -1;
  /** Offset after the last record in a written object (or skipped with nothing open): what may be committed. */
  private committable: number | null = null;
  private scheduledAt: number | null = null;
  private bytesOpen = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly s: WriterSettings,
    private readonly format: RecordFormat,
    private readonly partitioner: Partitioner,
    private readonly store: ObjectSink,
    private readonly onWritten: (o: WrittenObject) => void = () => undefined,
  ) {}

  get committableOffset(): number | null { return this.committable; }
  get bufferedRecords(): number { return this.records; }
  get bufferedBytes(): number { return this.bytesOpen; }

  async write(r: SinkRecord, nowMs: number): Promise<void> {
    const offset = r.originalKafkaOffset;
    if (offset <= this.lastOffset) {
      // The consumer went back (a rewind or a reassignment): start again from here, as the objects will.
      await this.discard();
    }
    this.lastOffset = offset;
    if (r.value === null && this.s.nullValues !== 'write') {
      if (this.s.nullValues === 'fail') {
        throw new ConnectError(`Null valued record ${r.topic}-${r.kafkaPartition}@${r.kafkaOffset} cannot be written (behavior.on.null.values=fail; use ignore or write)`);
      }
      if (this.records === 0) this.committable = offset + 1;
      this.lastTaken = offset;
      return;
    }
    const encoded = this.partitioner.encodePartition(r, nowMs);
    if (this.records > 0 && this.s.rotateIntervalMs > 0) {
      const ts = this.partitioner.timestampOf?.(r, nowMs) ?? r.timestamp;
      const rotate = (ts !== null && this.baseTimestamp !== null && ts - this.baseTimestamp >= this.s.rotateIntervalMs)
        || (this.s.timeBasedPartitioner && encoded !== this.currentEncoded);
      if (rotate) await this.commit();
    }
    if (this.records === 0) {
      this.baseTimestamp = this.partitioner.timestampOf?.(r, nowMs) ?? r.timestamp;
      if (this.s.rotateScheduleIntervalMs > 0) this.scheduledAt = nextBoundary(nowMs, this.s.rotateScheduleIntervalMs);
    }
    this.currentEncoded = encoded;
    let obj = this.open.get(encoded);
    if (!obj) {
      obj = { key: objectKey(this.s.naming, r.topic, encoded, r.kafkaPartition ?? this.partition, offset, this.format.extension), chunks: [], bytes: 0, uploadId: null, etags: [], count: 0, total: 0 };
      this.open.set(encoded, obj);
    }
    const bytes = this.format.encode(r);
    obj.chunks.push(bytes);
    obj.bytes += bytes.length;
    obj.total += bytes.length;
    obj.count++;
    this.bytesOpen += bytes.length;
    this.records++;
    this.lastTaken = offset;
    if (obj.bytes >= this.s.partSize) await this.uploadPart(obj);
    if (this.records >= this.s.flushSize) await this.commit();
  }

  /** rotate.schedule.interval.ms: writes the open objects once their wall-clock boundary has passed. */
  async onTick(nowMs: number): Promise<boolean> {
    if (this.records > 0 && this.scheduledAt !== null && nowMs >= this.scheduledAt) {
      await this.commit();
      return true;
    }
    return false;
  }

  private async uploadPart(obj: OpenObject): Promise<void> {
    obj.uploadId ??= await this.store.startMultipart(obj.key);
    const body = Buffer.concat(obj.chunks, obj.bytes);
    obj.etags.push(await this.store.uploadPart(obj.key, obj.uploadId, obj.etags.length + 1, body));
    this.bytesOpen -= obj.bytes;
    obj.chunks = [];
    obj.bytes = 0;
  }

  /** Writes every open object; afterwards everything up to the last record seen is committable. */
  async commit(): Promise<void> {
    for (const obj of this.open.values()) {
      if (obj.uploadId !== null) {
        if (obj.bytes > 0) await this.uploadPart(obj);
        await this.store.completeMultipart(obj.key, obj.uploadId, obj.etags);
      } else {
        await this.store.put(obj.key, Buffer.concat(obj.chunks, obj.bytes));
      }
    }
    for (const obj of this.open.values()) this.onWritten({ key: obj.key, records: obj.count, bytes: obj.total });
    this.open.clear();
    this.records = 0;
    this.bytesOpen = 0;
    this.baseTimestamp = null;
    this.scheduledAt = null;
    this.committable = this.lastTaken + 1;
  }

  /** Drops the open objects (a stop, a rewind): they are rebuilt from the committed offset. */
  async discard(): Promise<void> {
    for (const obj of this.open.values()) if (obj.uploadId !== null) await this.store.abortMultipart(obj.key, obj.uploadId);
    this.open.clear();
    this.records = 0;
    this.bytesOpen = 0;
    this.baseTimestamp = null;
    this.scheduledAt = null;
    this.lastOffset = -1;
  }
}

export function nextBoundary(nowMs: number, intervalMs: number): number {
  return Math.floor(nowMs / intervalMs) * intervalMs + intervalMs;
}
