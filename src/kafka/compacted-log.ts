// CompactedLog (Connect's KafkaBasedLog): a compacted topic used as a replicated key/value log. It creates
// the topic when missing (compaction enforced), reads every partition from the beginning without a
// consumer group, keeps tailing it in the background (one callback per record, in offset order per
// partition), and writes through an idempotent acks=all producer. `readToEnd()` waits until everything
// that was in the log when it was called has been passed to the callback — the read-your-writes barrier
// the config, offset and status stores are built on.
import type { Admin } from 'kafkajs';
import { ConfigResourceTypes } from './kafkajs.js';
import { createKafka, createTopicsAndWait, type ClientProps } from './client.js';
import { explainCreateTopicsError, replicationFactorFor } from './replication-factor.js';
import type { InRecord } from './consumer.js';
import { PartitionReader, type TopicPartition } from './partition-reader.js';
import { RecordProducer, type OutRecord, type RecordMetadata } from './producer.js';
import { FencedError } from './transactions.js';
import { logger } from '../observability/logger.js';
import { retry, sleep } from '../backoff.js';

const log = logger('kafka.compacted-log');

export interface TopicSpec {
  /** -1: the broker's num.partitions. */
  partitions: number;
  /** -1: the broker's default.replication.factor. Never reduced: more than the live brokers is an error. */
  replicationFactor: number;
  /** The config key that set replicationFactor, for the error (default: the topic setting with .replication.factor). */
  replicationFactorSetting?: string;
  /** Extra topic configs for creation; cleanup.policy is always compact. */
  configs?: Record<string, string>;
}

export interface CompactedLogOptions {
  topic: string;
  /** Base client properties (bootstrap.servers, security, …). */
  clientProps: ClientProps;
  /** Producer overrides on top of clientProps. */
  producerProps?: ClientProps;
  clientId: string;
  /** Create the topic with this spec when it is missing; null: it must exist. */
  create: TopicSpec | null;
  /** The worker setting that names the topic, for error messages (e.g. config.storage.topic). */
  setting?: string;
  /** Refuse a topic with more than one partition (Connect's config topic). */
  requireSinglePartition?: boolean;
  onRecord: (record: InRecord) => void;
  /** isolation.level=read_committed: records of open or aborted transactions are never passed to onRecord. */
  readCommitted?: boolean;
  /** Broker-side long-poll wait of the tail loop. Default 500 ms. */
  fetchMaxWaitMs?: number;
}

export class TopicConfigError extends Error {}

interface Waiter { ends: Map<string, number>; resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout | null }

const tpKey = (t: string, p: number) => `${t}\u0000${p}`;

export class CompactedLog {
  private reader: PartitionReader | null = null;
  private producer: RecordProducer | null = null;
  private partitions: TopicPartition[] = [];
  private running = false;
  private loop: Promise<void> | null = null;
  private waiters: Waiter[] = [];
  private readonly producerProps: ClientProps;
  /** Set while writes go through a transactional producer (claimTransactionalWrites): one transaction per write. */
  private transactional: RecordProducer | null = null;

  constructor(private readonly opts: CompactedLogOptions) {
    this.producerProps = { ...opts.clientProps, ...opts.producerProps, acks: 'all', 'enable.idempotence': 'true' };
  }

  get topic(): string { return this.opts.topic; }
  partitionCount(): number { return this.partitions.length; }

  /** Ensures the topic, reads it to the end (every record through onRecord), then keeps tailing it. */
  async start(): Promise<void> {
    const count = await ensureCompactedTopic(this.opts.clientProps, this.opts.topic, this.opts.create, this.opts.setting ?? this.opts.topic);
    if (this.opts.requireSinglePartition && count !== 1) {
      throw new TopicConfigError(`Topic '${this.opts.topic}' supplied via the '${this.opts.setting ?? 'config.storage.topic'}' property is required to have a single partition in order to guarantee consistency of connector configurations, but it has ${count} partitions.`);
    }
    this.partitions = Array.from({ length: count }, (_, partition) => ({ topic: this.opts.topic, partition }));
    this.reader = new PartitionReader(this.opts.clientProps, `${this.opts.clientId}-reader`, { maxWaitMs: this.opts.fetchMaxWaitMs ?? 500, readCommitted: this.opts.readCommitted ?? false });
    await this.reader.connect();
    const earliest = await this.reader.listOffsets(this.partitions, 'earliest');
    for (const tp of this.partitions) this.reader.seek(tp, earliest.get(tpKey(tp.topic, tp.partition)) ?? 'earliest');
    this.producer = new RecordProducer(this.producerProps, `${this.opts.clientId}-producer`);
    await this.producer.connect();
    this.running = true;
    this.loop = this.tail();
    await this.readToEnd();
  }

  private async tail(): Promise<void> {
    let backoff = 100;
    while (this.running && this.reader) {
      try {
        const results = await this.reader.poll();
        for (const r of results) {
          for (const rec of r.records) {
            try {
              this.opts.onRecord(rec);
            } catch (e) {
              log.error({ topic: rec.topic, partition: rec.partition, offset: rec.offset, err: (e as Error).message }, 'record callback failed; record skipped');
            }
          }
        }
        backoff = 100;
        this.checkWaiters();
      } catch (e) {
        if (!this.running) break;
        log.warn({ topic: this.opts.topic, err: (e as Error).message }, 'reading the log failed; retrying');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  private reached(ends: Map<string, number>): boolean {
    for (const [k, end] of ends) {
      const [topic, p] = k.split('\u0000') as [string, string];
      const pos = this.reader?.position({ topic, partition: Number(p) });
      if (pos === undefined || pos < end) return false;
    }
    return true;
  }

  private checkWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (this.reached(w.ends)) {
        if (w.timer) clearTimeout(w.timer);
        w.resolve();
      } else still.push(w);
    }
    this.waiters = still;
  }

  /** Resolves once every record written before this call has been passed to onRecord. */
  async readToEnd(timeoutMs?: number): Promise<void> {
    const reader = this.reader;
    if (!reader || !this.running) throw new Error(`Log ${this.opts.topic} is not running`);
    const ends = await reader.listOffsets(this.partitions, 'latest');
    if (this.reached(ends)) return;
    await new Promise<void>((resolve, reject) => {
      const w: Waiter = { ends, resolve, reject, timer: null };
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
        w.timer = setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          reject(new Error(`Timed out after ${timeoutMs} ms reading ${this.opts.topic} to its end`));
        }, timeoutMs);
      }
      this.waiters.push(w);
    });
  }

  /** Writes one record (null value = tombstone); resolves once acknowledged by all in-sync replicas. */
  async send(key: string | Buffer, value: string | Buffer | null, partition: number | null = null): Promise<RecordMetadata> {
    const [md] = await this.write([{
      topic: this.opts.topic,
      partition,
      key: typeof key === 'string' ? Buffer.from(key, 'utf8') : key,
      value: value === null ? null : typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
      headers: [],
      timestamp: null,
    }]);
    return md!;
  }

  /** Writes several records in one batch (keys and partitions as for send). */
  async sendAll(records: ReadonlyArray<{ key: string; value: string | null }>): Promise<RecordMetadata[]> {
    return this.write(records.map((r) => ({
      topic: this.opts.topic, partition: null, key: Buffer.from(r.key, 'utf8'),
      value: r.value === null ? null : Buffer.from(r.value, 'utf8'), headers: [], timestamp: null,
    })));
  }

  private async write(records: OutRecord[]): Promise<RecordMetadata[]> {
    if (!this.running) throw new Error(`Log ${this.opts.topic} is not running`);
    const txn = this.transactional;
    if (!txn) {
      if (!this.producer) throw new Error(`Log ${this.opts.topic} is not running`);
      return this.producer.send(records);
    }
    txn.beginTransaction();
    try {
      const md = await txn.send(records);
      await txn.commitTransaction();
      return md;
    } catch (e) {
      // A fenced producer must not touch the id again (a newer holder owns it); anything else is aborted.
      if (e instanceof FencedError) throw e;
      if (txn.fenced) throw txn.fenced;
      await txn.abortTransaction().catch(() => undefined);
      if (txn.fenced) throw txn.fenced;
      throw e;
    }
  }

  /**
   * From now on every write is its own transaction of a producer with this transactional.id. Its InitProducerId
   * fences whoever held the id before (Connect's leader claims the config topic this way, KIP-618), so a writer
   * that lost the claim can no longer write: its next write fails with a FencedError.
   */
  async claimTransactionalWrites(transactionalId: string): Promise<void> {
    if (!this.running) throw new Error(`Log ${this.opts.topic} is not running`);
    await this.releaseTransactionalWrites();
    const producer = new RecordProducer({ ...this.producerProps, 'transactional.id': transactionalId }, `${this.opts.clientId}-transactional`);
    await producer.connect();
    this.transactional = producer;
  }

  /** Back to the plain idempotent producer (the claim is not released on the broker: the next claimant fences it). */
  async releaseTransactionalWrites(): Promise<void> {
    const txn = this.transactional;
    this.transactional = null;
    await txn?.disconnect().catch(() => undefined);
  }

  /** 'active': writes go through the transactional producer; 'fenced': it lost its id, and every write fails. */
  get transactionalWrites(): 'none' | 'active' | 'fenced' {
    if (!this.transactional) return 'none';
    return this.transactional.fenced ? 'fenced' : 'active';
  }

  async stop(): Promise<void> {
    if (!this.running && !this.reader) return;
    this.running = false;
    for (const w of this.waiters) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(new Error(`Log ${this.opts.topic} stopped`));
    }
    this.waiters = [];
    await this.loop?.catch(() => undefined);
    this.loop = null;
    await Promise.allSettled([this.reader?.disconnect(), this.producer?.disconnect(), this.releaseTransactionalWrites()]);
    this.reader = null;
    this.producer = null;
  }
}

/** The broker's num.partitions (read from one broker's config) and the number of live brokers. */
async function brokerDefaults(admin: Admin): Promise<{ partitions: number; brokers: number }> {
  const cluster = await admin.describeCluster();
  const brokers = cluster.brokers.length;
  const first = cluster.brokers[0];
  let partitions = 1;
  if (first) {
    try {
      const res = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.BROKER, name: String(first.nodeId), configNames: ['num.partitions'] }],
      });
      for (const e of res.resources[0]?.configEntries ?? []) {
        if (e.configName === 'num.partitions') partitions = Number(e.configValue) || 1;
      }
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'could not read the broker default num.partitions; assuming 1');
    }
  }
  return { partitions, brokers };
}

/**
 * Creates the topic (compacted) when missing, then checks that it is compacted. Returns its partition
 * count. A replication factor of -1 is sent as -1 (the broker applies default.replication.factor).
 */
export async function ensureCompactedTopic(props: ClientProps, topic: string, spec: TopicSpec | null, setting: string): Promise<number> {
  const admin = createKafka(props, { clientId: 'ferry-internal-topics' }).admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      if (!spec) throw new TopicConfigError(`Topic '${topic}' supplied via the '${setting}' property does not exist`);
      const defaults = await brokerDefaults(admin);
      const partitions = spec.partitions > 0 ? spec.partitions : defaults.partitions;
      // Never reduced: too few brokers is a start-up error naming the topic, the factor and its setting.
      const rfSetting = spec.replicationFactorSetting ?? setting.replace(/\.topic$/, '.replication.factor');
      const rf = replicationFactorFor(topic, spec.replicationFactor, defaults.brokers, rfSetting);
      const configs = { ...(spec.configs ?? {}) };
      if (configs['cleanup.policy'] !== undefined && configs['cleanup.policy'] !== 'compact') {
        log.warn({ topic, value: configs['cleanup.policy'] }, `ignoring cleanup.policy for ${setting}: internal topics are always compacted`);
      }
      configs['cleanup.policy'] = 'compact';
      const created = await createTopicsAndWait(admin, {
        topics: [{ topic, numPartitions: partitions, replicationFactor: rf, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
      }).catch((e: Error & { type?: string }) => {
        if (e.type === 'TOPIC_ALREADY_EXISTS' || /already exists/i.test(e.message)) return false;
        throw explainCreateTopicsError(e, topic, rf, defaults.brokers, rfSetting);
      });
      if (created) log.info({ topic, partitions, replicationFactor: rf === -1 ? 'broker default' : rf }, `created ${setting} topic`);
    }
    // Metadata of a just-created topic reaches each broker's cache a moment after CreateTopics returns; on a
    // multi-broker cluster DescribeConfigs may reach a broker that does not know the topic yet either.
    const whenKnown = <T>(call: () => Promise<T>, retriable: (e: unknown) => boolean = () => true): Promise<T> =>
      retry(call, { attempts: 41, retriable, backoffMs: () => 250 });
    const meta = await whenKnown(() => admin.fetchTopicMetadata({ topics: [topic] }));
    const count = meta.topics[0]?.partitions.length ?? 0;
    if (count === 0) throw new TopicConfigError(`Topic '${topic}' has no partitions`);
    const cfg = await whenKnown(() => admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }] }),
      (e) => (e as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION');
    const policy = cfg.resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue ?? 'delete';
    const policies = policy.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    if (policies.length !== 1 || policies[0] !== 'compact') {
      throw new TopicConfigError(`Topic '${topic}' supplied via the '${setting}' property must have 'cleanup.policy=compact' so that compaction keeps the latest value of every key, but it has 'cleanup.policy=${policy}'. Use a compacted topic (or let the worker create it).`);
    }
    return count;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
