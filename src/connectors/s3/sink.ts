// S3Sink: Confluent's S3 sink connector (io.confluent.connect.s3.S3SinkConnector) on Ferry's Connect API.
import {
  ConnectError, SinkConnector, SinkTask, type ConfigDef, type Props, type SinkRecord, type SourceOffset, type TaskFactory,
} from '../../connect/api/index.js';
import { parseS3SinkConfig, s3SinkConfigDef, s3SinkErrors, type S3SinkSettings } from './config.js';
import { createFormat, LOSSLESS_FORMAT_CLASS, type RecordFormat } from './formats.js';
import { createPartitioner, PARTITIONER_CLASSES, TIME_BASED_PARTITIONER, type Partitioner } from './partitioners.js';
import { ObjectStore } from './storage.js';
import { TopicPartitionWriter } from './sink-writer.js';

export const S3_SINK_CLASS = 'io.confluent.connect.s3.S3SinkConnector';
export const S3_SINK_TASK_CLASS = 'io.confluent.connect.s3.S3SinkTask';
const VERSION = '0.1.0';
const BYTE_ARRAY_CONVERTER = 'org.apache.kafka.connect.converters.ByteArrayConverter';

export class S3SinkConnector extends SinkConnector {
  private props: Props = {};
  override version(): string { return VERSION; }
  config(): ConfigDef { return s3SinkConfigDef(); }

  override validate(props: Props): Record<string, string[]> {
    const errors = s3SinkErrors(props);
    const fmt = props['format.class'];
    if (fmt !== undefined && (fmt === LOSSLESS_FORMAT_CLASS || fmt === 'LosslessJsonFormat')) {
      for (const k of ['key.converter', 'value.converter', 'header.converter']) {
        const v = props[k];
        if (v !== undefined && v !== BYTE_ARRAY_CONVERTER && v !== 'ByteArrayConverter') {
          (errors[k] ??= []).push(`format.class LosslessJsonFormat stores records byte for byte: ${k} must be ${BYTE_ARRAY_CONVERTER} (got ${v})`);
        }
      }
    }
    return errors;
  }

  start(props: Props): void {
    parseS3SinkConfig(props);
    this.props = { ...props };
  }

  taskClass(): TaskFactory { return S3SinkTask; }
  override taskClassName(): string { return S3_SINK_TASK_CLASS; }
  taskConfigs(maxTasks: number): Props[] {
    return Array.from({ length: Math.max(1, maxTasks) }, () => ({ ...this.props }));
  }
  stop(): void { /* nothing held */ }
  /** Offsets are the consumer group's; the objects follow them. */
  override alterOffsets(_props: Props, _offsets: Map<string, SourceOffset | null>): boolean { return true; }
}

type Offsets = Map<string, { topic: string; partition: number; offset: number }>;

export class S3SinkTask extends SinkTask {
  private settings!: S3SinkSettings;
  private store: ObjectStore | null = null;
  private format!: RecordFormat;
  private partitioner!: Partitioner;
  private readonly writers = new Map<string, TopicPartitionWriter>();
  /** put() and the schedule timer take turns. */
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private failure: Error | null = null;

  override version(): string { return VERSION; }

  async start(props: Props): Promise<void> {
    this.settings = parseS3SinkConfig(props);
    this.format = createFormat(this.settings.formatClass, { byteArrayExtension: this.settings.byteArrayExtension, byteArraySeparator: this.settings.byteArraySeparator });
    this.partitioner = createPartitioner(this.settings.partitioner);
    this.store = new ObjectStore(this.settings);
    await this.store.checkBucket();
    if (this.settings.rotateScheduleIntervalMs > 0) {
      this.timer = setInterval(() => { void this.serial(() => this.tick()); }, Math.min(1_000, this.settings.rotateScheduleIntervalMs));
      this.timer.unref();
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn);
    this.queue = p.catch((e: unknown) => { this.failure ??= e as Error; });
    return p;
  }

  private async tick(): Promise<void> {
    let wrote = false;
    const now = Date.now();
    for (const w of this.writers.values()) if (await w.onTick(now)) wrote = true;
    if (wrote) this.context.requestCommit();
  }

  private writer(r: SinkRecord): TopicPartitionWriter {
    const id = `${r.originalTopic}\u0000${r.originalKafkaPartition}`;
    let w = this.writers.get(id);
    if (!w) {
      const cls = PARTITIONER_CLASSES[this.settings.partitioner.className] ?? '';
      const timeBased = cls === TIME_BASED_PARTITIONER || cls.endsWith('HourlyPartitioner') || cls.endsWith('DailyPartitioner');
      w = new TopicPartitionWriter(r.originalTopic, r.originalKafkaPartition, { ...this.settings, naming: this.settings.naming, timeBasedPartitioner: timeBased }, this.format, this.partitioner, this.store!,
        (o) => this.context.logger.debug({ key: o.key, records: o.records, bytes: o.bytes }, 'object written'));
      this.writers.set(id, w);
    }
    return w;
  }

  async put(records: SinkRecord[]): Promise<void> {
    if (this.failure) throw new ConnectError(`S3 sink failed earlier: ${this.failure.message}`, { cause: this.failure });
    await this.serial(async () => {
      const before = new Map([...this.writers].map(([k, w]) => [k, w.committableOffset]));
      const now = Date.now();
      for (const r of records) await this.writer(r).write(r, now);
      for (const [k, w] of this.writers) if (w.committableOffset !== before.get(k)) { this.context.requestCommit(); break; }
    });
  }

  /** Only what is in S3 is committed: the offset after the last record of each partition's written objects. */
  override preCommit(_offsets: Offsets): Offsets {
    // Only partitions this task holds now: a partition that moved to another task must not get an older offset
    // committed from here (the runtime does not call close() on a rebalance).
    const assigned = new Set(this.context.assignment().map((tp) => `${tp.topic}\u0000${tp.partition}`));
    const out: Offsets = new Map();
    for (const [id, w] of this.writers) {
      const off = w.committableOffset;
      if (off !== null && (assigned.size === 0 || assigned.has(id))) out.set(id, { topic: w.topic, partition: w.partition, offset: off });
    }
    return out;
  }

  override async close(): Promise<void> {
    // Open objects are not written on close: the next owner rebuilds them from the committed offset.
    await this.serial(async () => { for (const w of this.writers.values()) await w.discard(); }).catch(() => undefined);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.queue.catch(() => undefined);
    this.store?.close();
    this.store = null;
  }
}
