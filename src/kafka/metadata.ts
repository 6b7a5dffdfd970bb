// Partition counts per topic, cached briefly; an admin client fetches them on demand.
import type { Admin } from 'kafkajs';
import { LRUCache } from 'lru-cache';
import { createKafka, createTopicsAndWait, type ClientProps } from './client.js';
import { BROKER_DEFAULT_REPLICATION_FACTOR, explainCreateTopicsError } from './replication-factor.js';
import { retry } from '../backoff.js';

/** Topics whose partition counts one producer keeps (least recently used ones are fetched again). */
export const TOPIC_CACHE_MAX = 10_000;

export class TopicMetadataCache {
  private admin: Admin | null = null;
  private connecting: Promise<Admin> | null = null;
  // Bounded: a task routing records to ever new topic names (e.g. a RegexRouter) must not grow it forever.
  private readonly counts = new LRUCache<string, { count: number; at: number }>({ max: TOPIC_CACHE_MAX });

  constructor(private readonly props: ClientProps, private readonly opts: { ttlMs?: number; allowAutoTopicCreation?: boolean } = {}) {}

  private async client(): Promise<Admin> {
    if (this.admin) return this.admin;
    this.connecting ??= (async () => {
      const a = createKafka(this.props, { clientId: 'ferry-metadata' }).admin();
      await a.connect();
      this.admin = a;
      return a;
    })();
    return this.connecting;
  }

  async partitionCount(topic: string): Promise<number> {
    const cached = this.counts.get(topic);
    if (cached && Date.now() - cached.at < (this.opts.ttlMs ?? 60_000)) return cached.count;
    const admin = await this.client();
    // Connect without topic.creation.* relies on the broker's auto-creation, i.e. its num.partitions and
    // default.replication.factor: -1/-1 in CreateTopics asks for exactly those. Losing a creation race to another
    // task is fine; a default factor the cluster cannot meet is the broker's clear refusal.
    const meta = await retry(() => admin.fetchTopicMetadata({ topics: [topic] }), {
      attempts: 21,
      retriable: () => this.opts.allowAutoTopicCreation === true,
      onRetry: async (_e, attempt) => { if (attempt === 1) await autoCreateTopic(admin, topic); },
      backoffMs: (attempt) => (attempt === 1 ? 0 : 250),
    });
    const count = meta.topics[0]?.partitions.length ?? 0;
    if (count === 0) throw new Error(`Topic ${topic} has no partitions (does it exist?)`);
    this.counts.set(topic, { count, at: Date.now() });
    return count;
  }

  invalidate(topic: string): void {
    this.counts.delete(topic);
  }

  async close(): Promise<void> {
    const a = this.admin;
    this.admin = null;
    this.connecting = null;
    if (a) await a.disconnect().catch(() => undefined);
  }
}

/** Asks the broker to create `topic` with its own defaults; a creation race lost to another task is fine. */
async function autoCreateTopic(admin: Admin, topic: string): Promise<void> {
  await createTopicsAndWait(admin, { topics: [{ topic, numPartitions: -1, replicationFactor: BROKER_DEFAULT_REPLICATION_FACTOR }] }).catch(async (err: unknown) => {
    const brokers = (await admin.describeCluster().catch(() => ({ brokers: [] }))).brokers.length;
    const explained = explainCreateTopicsError(err, topic, BROKER_DEFAULT_REPLICATION_FACTOR, brokers);
    if (explained !== err) throw explained;
  });
}
