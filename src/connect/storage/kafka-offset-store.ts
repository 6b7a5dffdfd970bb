// Source offsets in Connect's offsets topic (KafkaOffsetBackingStore): key ["<connector>",{partition}],
// value {offset} (null = removed), both as Java Connect writes them (maps in Java HashMap order, so Java
// workers sharing the topic find Ferry's offsets and vice versa). Every worker reads the whole topic; a
// write is durable (acks=all) when set() resolves.
import type { SourceOffset, SourcePartition } from '../api/records.js';
import { CompactedLog, type TopicSpec } from '../../kafka/compacted-log.js';
import type { ClientProps } from '../../kafka/client.js';
import { logger } from '../../observability/logger.js';
import { MemoryOffsetStore, canonicalJson, type OffsetEntry } from './offset-store.js';
import { decodeOffsetKey, decodeOffsetValue, encodeOffsetKey, encodeOffsetValue } from './internal-formats.js';

const log = logger('connect.offsets');

export interface KafkaStoreOptions {
  topic: string;
  clientProps: ClientProps;
  producerProps?: ClientProps;
  clientId: string;
  create: TopicSpec;
  /** The worker setting naming the topic (for messages). */
  setting: string;
  /**
   * Read the topic with isolation.level=read_committed (exactly.once.source.support=preparing|enabled): offsets
   * written in a transaction count only once it commits, so a task never resumes from an aborted one.
   */
  readCommitted?: boolean;
}

export class KafkaOffsetStore extends MemoryOffsetStore {
  private readonly log: CompactedLog;
  /** Offsets of this worker's own writes per entry, so a lagging tail never rolls a newer value back. */
  private readonly written = new Map<string, number>();
  private started = false;

  constructor(opts: KafkaStoreOptions) {
    super();
    this.log = new CompactedLog({
      topic: opts.topic, clientProps: opts.clientProps, producerProps: opts.producerProps, clientId: opts.clientId,
      create: opts.create, setting: opts.setting, readCommitted: opts.readCommitted ?? false,
      onRecord: (r) => {
        if (r.key === null) return;
        const key = decodeOffsetKey(r.key);
        if (!key) {
          log.warn({ offset: r.offset, partition: r.partition }, 'ignoring offsets-topic record whose key is not ["<connector>",{partition}]');
          return;
        }
        const id = `${key.connector}\u0000${canonicalJson(key.partition)}`;
        const mine = this.written.get(id);
        if (mine !== undefined) {
          if (r.offset < mine) return;
          this.written.delete(id);
        }
        let offset: Record<string, unknown> | null;
        try {
          offset = decodeOffsetValue(r.value);
        } catch (e) {
          log.warn({ connector: key.connector, err: (e as Error).message }, 'ignoring malformed offset value');
          return;
        }
        this.apply([{ connector: key.connector, partition: key.partition as SourcePartition, offset: offset as SourceOffset | null }]);
      },
    });
  }

  get topic(): string { return this.log.topic; }

  override async start(): Promise<void> {
    if (this.started) return;
    await this.log.start();
    this.started = true;
  }

  override async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.log.stop();
  }

  /** Waits until every offset written before the call (by any worker) is visible here. */
  readToEnd(timeoutMs?: number): Promise<void> {
    return this.log.readToEnd(timeoutMs);
  }

  override async set(entries: readonly OffsetEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const records = entries.map((e) => ({ key: encodeOffsetKey(e.connector, e.partition), value: encodeOffsetValue(e.offset) }));
    this.applyWritten(entries, await this.log.sendAll(records));
  }

  /**
   * Entries another producer wrote to this topic for this worker (an exactly-once task, in its transaction,
   * now committed): applied here at once, and the tail will not roll them back when it reads older records.
   */
  applyWritten(entries: readonly OffsetEntry[], metadata: ReadonlyArray<{ offset: number } | undefined>): void {
    entries.forEach((e, i) => {
      const id = `${e.connector}\u0000${canonicalJson(e.partition)}`;
      const off = metadata[i]?.offset ?? -1;
      if (off >= 0 && off > (this.written.get(id) ?? -1)) this.written.set(id, off);
    });
    this.apply(entries);
  }
}
