// A source connector's own offsets topic (offsets.storage.topic, KIP-618) in front of the worker's global one.
// Reads: the connector's topic first, the worker's for partitions it has never written (a connector that moved to
// its own topic resumes where the global topic left it). Writes: to the connector's topic, then to the worker's
// (so tools and a later config without the key still find them). Removals go to the worker's topic first, so a
// crash between the two writes never brings a removed offset back through the fallback.
import type { SourceOffset, SourcePartition } from '../api/records.js';
import type { Logger } from '../../observability/logger.js';
import { canonicalJson, type OffsetEntry, type OffsetStore } from './offset-store.js';
import type { KafkaOffsetStore } from './kafka-offset-store.js';

/** Keys of a producer override that decide which cluster, and how, the connector's offsets topic is reached. */
const CONNECTION_KEY = /^(bootstrap\.servers|security\.protocol|ssl\..+|sasl\..+|client\.dns\.lookup)$/;

/**
 * A source connector's offsets.storage.topic (trimmed; '' when unset) and the connection keys of its producer
 * overrides: the topic lives on the cluster the connector's producer writes to.
 */
export function connectorOffsetsTopic(props: Readonly<Record<string, string>>): { topic: string; connection: Record<string, string> } {
  const connection: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) {
    const key = k.startsWith('producer.override.') ? k.slice('producer.override.'.length) : null;
    if (key !== null && CONNECTION_KEY.test(key)) connection[key] = v;
  }
  return { topic: (props['offsets.storage.topic'] ?? '').trim(), connection };
}

/** True when the connector's offsets go to the worker's own offsets topic (no separate topic, same cluster). */
export function usesWorkerOffsetsTopic(own: { topic: string; connection: Record<string, string> }, workerTopic: string | undefined): boolean {
  return own.topic === '' || (own.topic === workerTopic && Object.keys(own.connection).length === 0);
}

/** What the connector's own topic store must do (a KafkaOffsetStore). */
export type OwnOffsetsTopic = Pick<KafkaOffsetStore, 'topic' | 'start' | 'stop' | 'readToEnd' | 'get' | 'connectorOffsets' | 'set' | 'applyWritten'>;

export class ConnectorOffsetStore implements OffsetStore {
  constructor(readonly own: OwnOffsetsTopic, private readonly worker: OffsetStore, private readonly log: Logger) {}

  get topic(): string { return this.own.topic; }

  start(): Promise<void> { return this.own.start(); }

  stop(): Promise<void> { return this.own.stop(); }

  /**
   * Waits until what was written before the call is visible, in the connector's topic (read_committed with
   * exactly-once) and in the worker's, which reads fall back to.
   */
  async readToEnd(timeoutMs?: number): Promise<void> {
    await Promise.all([this.own.readToEnd(timeoutMs), this.worker.readToEnd?.(timeoutMs)]);
  }

  get(connector: string, partition: SourcePartition): SourceOffset | null {
    return this.own.get(connector, partition) ?? this.worker.get(connector, partition);
  }

  connectorOffsets(connector: string): { partition: SourcePartition; offset: SourceOffset }[] {
    const merged = new Map<string, { partition: SourcePartition; offset: SourceOffset }>();
    for (const e of this.worker.connectorOffsets(connector)) merged.set(canonicalJson(e.partition), e);
    for (const e of this.own.connectorOffsets(connector)) merged.set(canonicalJson(e.partition), e);
    return [...merged.values()];
  }

  async set(entries: readonly OffsetEntry[]): Promise<void> {
    const removals = entries.filter((e) => e.offset === null);
    if (removals.length > 0) await this.worker.set(removals);
    await this.own.set(entries);
    const updates = entries.filter((e) => e.offset !== null);
    if (updates.length > 0) this.copyToWorker(updates);
  }

  /** An exactly-once task's transaction wrote these to the connector's topic and committed. */
  committed(entries: readonly OffsetEntry[], metadata: ReadonlyArray<{ offset: number } | undefined>): void {
    this.own.applyWritten(entries, metadata);
    this.copyToWorker(entries);
  }

  /** The worker's copy is a convenience, not the record: a failed write is logged, and the next commit rewrites it. */
  private copyToWorker(entries: readonly OffsetEntry[]): void {
    this.worker.set(entries).catch((e: unknown) => {
      this.log.warn({ topic: this.own.topic, err: (e as Error).message }, 'source offsets were committed to the connector\'s offsets topic but not copied to the worker\'s');
    });
  }
}
