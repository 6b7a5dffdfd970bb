// GroupConsumer: a consumer-group member that hands whole fetched batches to one async handler and
// commits only the offsets it is told to (Connect's sink tasks commit after the task flushed).
import type { Consumer, Kafka, KafkaMessage, IHeaders } from 'kafkajs';
import { logger } from '../observability/logger.js';
import { consumerConfig, createKafka, type ClientProps } from './client.js';
// Registers snappy, lz4 and zstd (and Ferry's gzip) with kafkajs, so group consumers decode every codec.
import './codecs.js';
import { sleep } from '../backoff.js';

const log = logger('kafka.consumer');

export interface InRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
  timestamp: number;
}

export interface TopicPartitionOffset { topic: string; partition: number; offset: number }
export interface TopicPartition { topic: string; partition: number }

function splitTp(k: string): TopicPartition {
  const i = k.lastIndexOf(':');
  return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)) };
}

export function headersOf(h: IHeaders | undefined): Array<[string, Buffer | null]> {
  const out: Array<[string, Buffer | null]> = [];
  if (!h) return out;
  for (const [k, v] of Object.entries(h)) {
    if (Array.isArray(v)) for (const x of v) out.push([k, x === undefined ? null : Buffer.isBuffer(x) ? x : Buffer.from(String(x))]);
    else out.push([k, v === undefined || v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(String(v))]);
  }
  return out;
}

export function toInRecord(topic: string, partition: number, m: KafkaMessage): InRecord {
  return {
    topic,
    partition,
    offset: Number(m.offset),
    key: m.key ?? null,
    value: m.value ?? null,
    headers: headersOf(m.headers),
    timestamp: Number(m.timestamp),
  };
}

export class GroupConsumer {
  private readonly consumer: Consumer;
  private readonly kafka: Kafka;
  private running = false;
  private assigned = new Set<string>();

  constructor(props: ClientProps, readonly groupId: string, clientId: string) {
    this.kafka = createKafka(props, { clientId });
    this.consumer = this.kafka.consumer(consumerConfig(groupId, props));
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      const next = new Set<string>();
      for (const [topic, parts] of Object.entries(e.payload.memberAssignment)) for (const p of parts) next.add(`${topic}:${p}`);
      const revoked = [...this.assigned].filter((k) => !next.has(k)).map(splitTp);
      const added = [...next].filter((k) => !this.assigned.has(k)).map(splitTp);
      this.assigned = next;
      if (revoked.length + added.length > 0) for (const l of this.assignmentListeners) l(added, revoked);
    });
    this.fromBeginning = (props['auto.offset.reset'] ?? 'earliest') === 'earliest';
  }

  private readonly fromBeginning: boolean;
  private readonly assignmentListeners: Array<(assigned: TopicPartition[], revoked: TopicPartition[]) => void> = [];

  /**
   * Calls `listener` after each rebalance that changed this member's partitions: those newly assigned and those
   * taken away. kafkajs rebalances eagerly and has no revocation callback, so revoked partitions are reported
   * once the new assignment is known (they already belong to another member by then).
   */
  onAssignmentChange(listener: (assigned: TopicPartition[], revoked: TopicPartition[]) => void): void {
    this.assignmentListeners.push(listener);
  }

  /**
   * Subscribes once the topics exist. kafkajs fails a subscription to a missing topic ("This server does
   * not host this topic-partition"); Java consumers simply wait for it, so we wait too (until `signal`).
   */
  async subscribe(topics: string[] | RegExp, signal?: AbortSignal): Promise<void> {
    await this.consumer.connect();
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      let warned = false;
      for (let delay = 200; !signal?.aborted; delay = Math.min(delay * 2, 5_000)) {
        const existing = await admin.listTopics();
        const ready = Array.isArray(topics) ? topics.every((t) => existing.includes(t)) : existing.some((t) => topics.test(t));
        if (ready) break;
        if (!warned) {
          warned = true;
          log.warn({ group: this.groupId, topics: Array.isArray(topics) ? topics : String(topics) }, 'waiting for topics to exist before subscribing');
        }
        await sleep(delay);
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (signal?.aborted) return;
    if (Array.isArray(topics)) await this.consumer.subscribe({ topics, fromBeginning: this.fromBeginning });
    else await this.consumer.subscribe({ topics: [topics], fromBeginning: this.fromBeginning });
  }

  /**
   * Calls `listener` when the consumer's fetch loop crashes (e.g. GROUP_AUTHORIZATION_FAILED). `restarting` is
   * true when kafkajs restarts the loop itself (retriable errors); otherwise the consumer has stopped for good
   * and its owner must fail, or it would look healthy while consuming nothing.
   */
  onCrash(listener: (error: Error, restarting: boolean) => void): void {
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      let error = e.payload.error instanceof Error ? e.payload.error : new Error(String(e.payload.error));
      // kafkajs drops the broker's FindCoordinator error code (GROUP_AUTHORIZATION_FAILED among others) and
      // reports only "not found"; say which group and the likely cause so the status trace is actionable.
      if (error.name === 'KafkaJSGroupCoordinatorNotFound') {
        error = new Error(`${error.message} for group ${this.groupId}: the broker refused to name one, typically GROUP_AUTHORIZATION_FAILED (the principal lacks READ on the group)`, { cause: error });
      }
      listener(error, Boolean(e.payload.restart));
    });
  }

  /** Runs the fetch loop; `handle` receives each partition batch in order and is awaited (back-pressure). */
  async run(handle: (records: InRecord[], heartbeat: () => Promise<void>) => Promise<void>): Promise<void> {
    this.running = true;
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale()) return;
        const recs = batch.messages.map((m) => toInRecord(batch.topic, batch.partition, m));
        if (recs.length > 0) await handle(recs, heartbeat);
      },
    });
  }

  assignment(): TopicPartitionOffset[] {
    return [...this.assigned].map((k) => {
      const i = k.lastIndexOf(':');
      return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)), offset: -1 };
    });
  }

  /** Commits next-offsets-to-read. */
  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
  }

  seek(o: TopicPartitionOffset): void {
    this.consumer.seek({ topic: o.topic, partition: o.partition, offset: String(o.offset) });
  }

  pause(tps: { topic: string; partition: number }[]): void {
    const byTopic = new Map<string, number[]>();
    for (const t of tps) byTopic.set(t.topic, [...(byTopic.get(t.topic) ?? []), t.partition]);
    this.consumer.pause([...byTopic].map(([topic, partitions]) => ({ topic, partitions })));
  }

  resume(tps: { topic: string; partition: number }[]): void {
    const byTopic = new Map<string, number[]>();
    for (const t of tps) byTopic.set(t.topic, [...(byTopic.get(t.topic) ?? []), t.partition]);
    this.consumer.resume([...byTopic].map(([topic, partitions]) => ({ topic, partitions })));
  }

  async stop(): Promise<void> {
    if (!this.running) {
      await this.consumer.disconnect().catch(() => undefined);
      return;
    }
    this.running = false;
    await this.consumer.disconnect().catch(() => undefined);
  }
}
