// Partition counts per topic, cached briefly; an admin client fetches them on demand.
import type { Admin } from 'kafkajs';
import { ConfigResourceTypes } from './kafkajs.js';
import { createKafka, createTopicsAndWait, type ClientProps } from './client.js';

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
        // Connect without topic.creation.* relies on the broker's defaults. kafkajs speaks CreateTopics v3,
        // which cannot ask for "broker default" (-1), so read num.partitions/default.replication.factor.
        // Losing a creation race to another task is fine.
        if (attempt === 0) {
          const d = await this.brokerDefaults(admin);
          await createTopicsAndWait(admin, { topics: [{ topic, numPartitions: d.partitions, replicationFactor: d.replicationFactor }] }).catch(() => false);
        }
        else await new Promise((r) => setTimeout(r, 250));
      }
    }
    const count = meta.topics[0]?.partitions.length ?? 0;
    if (count === 0) throw new Error(`Topic ${topic} has no partitions (does it exist?)`);
    this.counts.set(topic, { count, at: Date.now() });
    return count;
  }

  private defaults: { partitions: number; replicationFactor: number } | null = null;

  private async brokerDefaults(admin: Admin): Promise<{ partitions: number; replicationFactor: number }> {
    if (this.defaults) return this.defaults;
    const cluster = await admin.describeCluster();
    const brokerId = cluster.brokers[0]?.nodeId ?? cluster.controller ?? 1;
    const res = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(brokerId), configNames: ['num.partitions', 'default.replication.factor'] }] });
    const entries = res.resources[0]?.configEntries ?? [];
    const get = (n: string, d: number) => Number(entries.find((e) => e.configName === n)?.configValue ?? d) || d;
    this.defaults = { partitions: get('num.partitions', 1), replicationFactor: Math.min(get('default.replication.factor', 1), cluster.brokers.length) };
    return this.defaults;
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
