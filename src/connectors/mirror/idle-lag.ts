// A MirrorSource task sets its partitions' lag from each fetch. While it does not fetch (paused, or held back by a
// slow target) those values would go stale and a lag that grows would read as steady: IdleLagRefresher reads the
// source itself every LAG_REFRESH_INTERVAL_MS instead, off the data path.
import type { PartitionReader, TopicPartition } from '../../kafka/partition-reader.js';
import { mirrorMetrics, strimziMirror, type MirrorPartitionLabels } from '../../observability/mirror-metrics.js';

export const LAG_REFRESH_INTERVAL_MS = 1000;

export interface LaggingPartition extends TopicPartition {
  labels: MirrorPartitionLabels;
  lagLabels: { clientid: string; topic: string; partition: string };
}

/** A partition's first record not yet mirrored: its offset, and its timestamp when the task holds the record. */
export interface Unmirrored { offset: number; timestamp?: number }

/**
 * Sets a partition's lag series: the records not yet mirrored and the age of the oldest of them (0 when there are
 * none; left as it was when the age is not known).
 */
export function recordLag(p: LaggingPartition, records: number, ageMs: number | undefined): void {
  mirrorMetrics.lagRecords.set(p.labels, records);
  strimziMirror.recordsLag.set(p.lagLabels, records);
  if (records === 0) mirrorMetrics.lagMs.set(p.labels, 0);
  else if (ageMs !== undefined) mirrorMetrics.lagMs.set(p.labels, Math.max(0, ageMs));
}

const keyOf = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

interface LagSource<P extends LaggingPartition> {
  reader(): PartitionReader;
  partitions(): Iterable<P>;
  unmirrored(p: P): Unmirrored | undefined;
  onError(e: unknown): void;
}

/**
 * Every interval without a fetch: the partitions' latest offsets (one ListOffsets per leader) and, for those behind,
 * the timestamp of the first record not yet mirrored (held by the task, read before, or peeked: one small fetch per
 * leader). One refresh at a time; values a fetch set meanwhile are not overwritten.
 */
export class IdleLagRefresher<P extends LaggingPartition> {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private fetchedAt = Date.now();
  /** Timestamps of first unmirrored records read before: while the task is idle their offsets stay where they are. */
  private readonly known = new Map<string, { offset: number; timestamp: number }>();

  constructor(private readonly source: LagSource<P>, private readonly intervalMs = LAG_REFRESH_INTERVAL_MS) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** The fetch path has just set the lag of every partition it fetched. */
  fetched(now: number): void {
    this.fetchedAt = now;
  }

  /** Stops the timer and waits for a refresh in flight (its reads cut short); nothing is set afterwards. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.running;
  }

  private tick(): void {
    if (this.running || this.abort.signal.aborted || Date.now() - this.fetchedAt < this.intervalMs) return;
    const since = this.fetchedAt;
    this.running = this.refresh(since).catch((e: unknown) => this.source.onError(e)).finally(() => { this.running = null; });
  }

  private async refresh(since: number): Promise<void> {
    const parts: Array<{ p: LaggingPartition; at: Unmirrored }> = [];
    for (const p of this.source.partitions()) {
      const at = this.source.unmirrored(p);
      if (at) parts.push({ p, at });
    }
    const ends = await this.source.reader().listOffsets(parts.map(({ p }) => p), 'latest', this.abort.signal);
    if (this.abort.signal.aborted) return;
    const timestamps = await this.timestamps(parts.filter(({ p, at }) => (ends.get(keyOf(p)) ?? 0) > at.offset));
    if (this.fetchedAt !== since || this.abort.signal.aborted) return;
    const now = Date.now();
    for (const { p, at } of parts) {
      const end = ends.get(keyOf(p));
      const ts = timestamps.get(keyOf(p));
      if (end !== undefined) recordLag(p, Math.max(0, end - at.offset), ts === undefined ? undefined : now - ts);
    }
  }

  /** The timestamps of the partitions' first unmirrored records: held, known from an earlier refresh, or peeked. */
  private async timestamps(behind: ReadonlyArray<{ p: LaggingPartition; at: Unmirrored }>): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const unknown: Array<TopicPartition & { offset: number }> = [];
    for (const { p, at } of behind) {
      const known = this.known.get(keyOf(p));
      const ts = at.timestamp ?? (known?.offset === at.offset ? known.timestamp : undefined);
      if (ts !== undefined) out.set(keyOf(p), ts);
      else unknown.push({ topic: p.topic, partition: p.partition, offset: at.offset });
    }
    const peeked = await this.source.reader().peekTimestamps(unknown);
    for (const u of unknown) {
      const ts = peeked.get(keyOf(u));
      if (ts === undefined) continue;
      out.set(keyOf(u), ts);
      this.known.set(keyOf(u), { offset: u.offset, timestamp: ts });
    }
    return out;
  }
}
