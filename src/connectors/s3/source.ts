// S3Source: replays what S3Sink wrote with LosslessJsonFormat into Kafka — same partition, key, value, headers
// (in order) and timestamp, to the same or a renamed topic (topic.rename.format). Progress is Connect's source
// offset per backed-up partition ({topic, partition} → {offset: last replayed offset}), so a restarted task goes
// on after the last committed record. Like any Connect source without exactly-once delivery, records produced after
// the last offset flush are produced again after a crash; `ferry restore` counts the target's own offsets instead
// and is exact across crashes.
import {
  ConnectError, Headers, Schemas, SourceConnector, SourceTask, sourceRecord,
  type ConfigDef, type Props, type SourceRecord, type TaskFactory,
} from '../../connect/api/index.js';
import { sleep } from '../../backoff.js';
import { listBackup, PartitionBackupReader, type BackupObject } from './backup-reader.js';
import { parseS3SourceConfig, renameTopic, s3SourceConfigDef, s3SourceErrors, type S3SourceSettings } from './config.js';
import { ObjectStore } from './storage.js';

export const S3_SOURCE_CLASS = 'dev.ferry.connect.s3.S3SourceConnector';
const ASSIGNMENT = 'ferry.s3.source.assignment';
const BYTE_ARRAY_CONVERTER = 'org.apache.kafka.connect.converters.ByteArrayConverter';

export class S3SourceConnector extends SourceConnector {
  private props: Props = {};
  private partitions: Array<{ topic: string; partition: number }> = [];

  config(): ConfigDef { return s3SourceConfigDef(); }

  override validate(props: Props): Record<string, string[]> {
    const errors = s3SourceErrors(props);
    for (const k of ['key.converter', 'value.converter', 'header.converter']) {
      const v = props[k];
      if (v !== undefined && v !== BYTE_ARRAY_CONVERTER && v !== 'ByteArrayConverter') (errors[k] ??= []).push(`S3Source writes records byte for byte: ${k} must be ${BYTE_ARRAY_CONVERTER} (got ${v})`);
    }
    return errors;
  }

  async start(props: Props): Promise<void> {
    const s = parseS3SourceConfig(props);
    this.props = { ...props };
    const store = new ObjectStore(s);
    try {
      await store.checkBucket();
      this.partitions = [];
      for (const topic of s.topics) {
        const parts = [...(await listBackup(store, s.naming, topic)).keys()].sort((a, b) => a - b);
        if (parts.length === 0) throw new ConnectError(`No LosslessJsonFormat objects for topic '${topic}' under ${s.naming.topicsDir}/ in bucket ${s.bucket} (topics)`);
        for (const partition of parts) this.partitions.push({ topic, partition });
      }
    } finally {
      store.close();
    }
  }

  taskClass(): TaskFactory { return S3SourceTask; }

  taskConfigs(maxTasks: number): Props[] {
    const n = Math.max(1, Math.min(maxTasks, this.partitions.length));
    const groups: Array<Array<{ topic: string; partition: number }>> = Array.from({ length: n }, () => []);
    this.partitions.forEach((p, i) => groups[i % n]!.push(p));
    return groups.map((g) => ({ ...this.props, [ASSIGNMENT]: JSON.stringify(g) }));
  }

  stop(): void { /* nothing held */ }
}

export class S3SourceTask extends SourceTask {
  private settings!: S3SourceSettings;
  private store: ObjectStore | null = null;
  private readers: PartitionBackupReader[] = [];
  private turn = 0;
  /** Records of the last object read that did not fit in one poll (batch.max.records). */
  private pending: SourceRecord[] = [];

  async start(props: Props): Promise<void> {
    this.settings = parseS3SourceConfig(props);
    const assignment = JSON.parse(props[ASSIGNMENT] ?? '[]') as Array<{ topic: string; partition: number }>;
    this.store = new ObjectStore(this.settings);
    await this.store.checkBucket();
    const byTopic = new Map<string, Map<number, BackupObject[]>>();
    for (const a of assignment) {
      let objects = byTopic.get(a.topic);
      if (!objects) byTopic.set(a.topic, objects = await listBackup(this.store, this.settings.naming, a.topic));
      const off = await this.context.offsetStorageReader.offset({ topic: a.topic, partition: a.partition });
      const after = typeof off?.['offset'] === 'number' ? off['offset'] : -1;
      this.readers.push(new PartitionBackupReader(this.store, a.topic, a.partition, objects.get(a.partition) ?? [], after));
    }
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[] | null> {
    if (this.pending.length > 0) return this.pending.splice(0, this.settings.batchMaxRecords);
    for (let tried = 0; tried < this.readers.length; tried++) {
      const reader = this.readers[this.turn++ % this.readers.length]!;
      if (reader.done) continue;
      const next = await reader.next();
      if (!next) continue;
      const target = renameTopic(this.settings.renameFormat, reader.topic);
      this.pending = next.records.map((r) => {
        const headers = new Headers();
        for (const [k, v] of r.headers) headers.add(k, v, Schemas.OPTIONAL_BYTES);
        return sourceRecord({
          topic: target, kafkaPartition: r.partition, keySchema: Schemas.OPTIONAL_BYTES, key: r.key, valueSchema: Schemas.OPTIONAL_BYTES, value: r.value,
          timestamp: r.timestamp, headers, sourcePartition: { topic: reader.topic, partition: reader.partition }, sourceOffset: { offset: r.offset },
        });
      });
      return this.pending.splice(0, this.settings.batchMaxRecords);
    }
    // Everything replayed: idle until stopped.
    await sleep(1_000, signal);
    return null;
  }

  stop(): void {
    this.store?.close();
    this.store = null;
  }
}
