// Partition counts per topic, cached briefly; an admin client fetches them on demand.
import type { Admin } from 'kafkajs';
import { createKafka, type ClientProps } from './client.js';

export class TopicMetadataCache {
  private admin: Admin | null = null;
  private connecting: Promise<Admin> | null = null;
  private readonly counts = new Map<string, { count: number; at: number }>();

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
    let meta;
    for (let attempt = 0; ; attempt++) {
      try {
        meta = await admin.fetchTopicMetadata({ topics: [topic] });
        break;
      } catch (e) {
        if (!this.opts.allowAutoTopicCreation || attempt >= 20) throw e;
        // Connect without topic.creation.* relies on the broker's defaults: create with -1/-1 (broker default
        // partitions and replication factor); losing a creation race to another task is fine.
        if (attempt === 0) await admin.createTopics({ topics: [{ topic }], waitForLeaders: true }).catch(() => false);
        else await new Promise((r) => setTimeout(r, 250));
      }
    }
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
