// RecordProducer: sends batches of already-serialized records and reports each record's partition and
// offset. Connect's source tasks need per-record metadata (commitRecord, MirrorSource offset syncs), which
// kafkajs reports only per partition (base offset); records to one partition are appended in order within
// a batch, so record offset = base offset + its index among that partition's records.
import type { Producer, Message } from 'kafkajs';
import { acksOf, COMPRESSION, createKafka, producerConfig, type ClientProps } from './client.js';
import { TopicMetadataCache } from './metadata.js';
import { murmur2Partition } from './partitioner.js';

export interface OutRecord {
  topic: string;
  partition: number | null;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
  timestamp: number | null;
}

export interface RecordMetadata { topic: string; partition: number; offset: number }

export class RecordProducer {
  private readonly producer: Producer;
  private readonly metadata: TopicMetadataCache;
  private readonly acks: number;
  private readonly compression: number;
  private readonly timeoutMs: number;
  private readonly roundRobin = new Map<string, number>();
  private connected = false;

  constructor(props: ClientProps, clientId: string, opts: { allowAutoTopicCreation?: boolean } = {}) {
    const kafka = createKafka(props, { clientId });
    this.producer = kafka.producer({ ...producerConfig(props), allowAutoTopicCreation: opts.allowAutoTopicCreation ?? false });
    this.metadata = new TopicMetadataCache(props, { allowAutoTopicCreation: opts.allowAutoTopicCreation ?? false });
    this.acks = acksOf(props);
    this.compression = COMPRESSION[(props['compression.type'] ?? 'none').toLowerCase()] ?? 0;
    this.timeoutMs = Number(props['request.timeout.ms'] ?? 30_000);
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await Promise.allSettled([this.producer.disconnect(), this.metadata.close()]);
  }

  /** Partition a record goes to: explicit, else murmur2 of the key (Java-compatible), else round robin. */
  async partitionFor(topic: string, key: Buffer | null): Promise<number> {
    const count = await this.metadata.partitionCount(topic);
    if (key !== null) return murmur2Partition(key, count);
    const next = ((this.roundRobin.get(topic) ?? -1) + 1) % count;
    this.roundRobin.set(topic, next);
    return next;
  }

  private tail: Promise<unknown> = Promise.resolve();

  /**
   * Sends records; resolves with each record's metadata, in input order, once all are acknowledged.
   * Calls are serialized: kafkajs does not keep concurrent sendBatch calls in call order (each awaits
   * metadata first), and per-partition order across calls is what Connect promises. Callers overlap
   * their next poll with the send in flight instead.
   */
  send(records: readonly OutRecord[]): Promise<RecordMetadata[]> {
    if (records.length === 0) return Promise.resolve([]);
    const run = this.tail.then(() => this.sendNow(records), () => this.sendNow(records));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async sendNow(records: readonly OutRecord[]): Promise<RecordMetadata[]> {
    const partitions = new Array<number>(records.length);
    const groups = new Map<string, { topic: string; partition: number; messages: Message[]; indexes: number[] }>();
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const p = r.partition ?? await this.partitionFor(r.topic, r.key);
      partitions[i] = p;
      const gk = `${r.topic}\u0000${p}`;
      let g = groups.get(gk);
      if (!g) { g = { topic: r.topic, partition: p, messages: [], indexes: [] }; groups.set(gk, g); }
      const headers: Record<string, Buffer | Buffer[]> = {};
      for (const [hk, hv] of r.headers) {
        const v = hv ?? Buffer.alloc(0);
        const prev = headers[hk];
        headers[hk] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      g.messages.push({ key: r.key, value: r.value, partition: p, headers, timestamp: r.timestamp === null ? undefined : String(r.timestamp) });
      g.indexes.push(i);
    }
    const byTopic = new Map<string, Message[]>();
    for (const g of groups.values()) {
      const list = byTopic.get(g.topic) ?? [];
      list.push(...g.messages);
      byTopic.set(g.topic, list);
    }
    const result = await this.producer.sendBatch({
      acks: this.acks,
      timeout: this.timeoutMs,
      compression: this.compression,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    const base = new Map<string, number>();
    for (const m of result) base.set(`${m.topicName}\u0000${m.partition}`, Number(m.baseOffset ?? m.offset ?? -1));
    const out = new Array<RecordMetadata>(records.length);
    for (const [gk, g] of groups) {
      const b = base.get(gk) ?? -1;
      g.indexes.forEach((recIdx, j) => { out[recIdx] = { topic: g.topic, partition: g.partition, offset: b < 0 ? -1 : b + j }; });
    }
    return out;
  }

  invalidate(topic: string): void {
    this.metadata.invalidate(topic);
  }
}
