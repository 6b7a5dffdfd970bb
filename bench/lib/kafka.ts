// Kafka-side helpers for the benchmark: clusters, topics, preloading, Kafka's ProducerPerformance, end-offset
// watching, partition digests and single-record fingerprints. Everything goes through src/kafka and src/dev.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reapOrphans, startEphemeralClusters, type EphemeralKafka } from '../../src/dev/ephemeral.js';
import { findJava } from '../../src/dev/jars.js';
import { ClusterAdmin } from '../../src/kafka/cluster-admin.js';
import type { ClientProps } from '../../src/kafka/client.js';
import { PartitionReader, type TopicPartition } from '../../src/kafka/partition-reader.js';
import { RecordProducer, type OutRecord } from '../../src/kafka/producer.js';
import { digestPartition, recordFingerprint, type PartitionDigest } from '../../src/mirror/ops/partition-digest.js';
import { runToCompletion } from './proc.js';
import { pollUntil } from '../../src/backoff.js';
import { decodeOffsetKey, decodeOffsetValue } from '../../src/connect/storage/internal-formats.js';

export const BENCH_PREFIX = 'ferry-bench-';

export function reapOrphanClusters(): number {
  return reapOrphans(tmpdir(), [BENCH_PREFIX]);
}

/** One single-node cluster in its own temp directory, killed with this process. */
export async function startCluster(name: string, kafkaVersion: string, log: (m: string) => void): Promise<EphemeralKafka> {
  const began = Date.now();
  const k = await startEphemeralClusters({ clusters: [name], kafkaVersion, prefix: BENCH_PREFIX, startTimeoutMs: 180_000, progress: log });
  log(`cluster ${name} up at ${k.cluster(name).bootstrap} in ${((Date.now() - began) / 1000).toFixed(1)}s`);
  return k;
}

export function clientProps(bootstrap: string, clientId = 'ferry-bench'): ClientProps {
  return { 'bootstrap.servers': bootstrap, 'client.id': clientId };
}

export async function createTopics(bootstrap: string, topics: { topic: string; partitions: number }[]): Promise<void> {
  const admin = new ClusterAdmin(clientProps(bootstrap), 'ferry-bench-admin');
  try {
    for (let i = 0; i < topics.length; i += 50) {
      await admin.createTopics(topics.slice(i, i + 50).map((t) => ({ ...t, replicationFactor: 1 })));
    }
  } finally {
    await admin.close();
  }
}

export interface PerfResult { records: number; recordsPerSec: number; mbPerSec: number; avgLatencyMs: number; maxLatencyMs: number; p50Ms?: number; p99Ms?: number; raw: string }

/** Parses ProducerPerformance's final summary line. */
export function parseProducerPerformance(output: string): PerfResult | undefined {
  const lines = output.split('\n').filter((l) => /records sent,.*records\/sec/.test(l));
  const last = lines[lines.length - 1];
  if (!last) return undefined;
  const m = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency(?:, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th)?/.exec(last);
  if (!m) return undefined;
  return {
    records: Number(m[1]), recordsPerSec: Number(m[2]), mbPerSec: Number(m[3]), avgLatencyMs: Number(m[4]), maxLatencyMs: Number(m[5]),
    ...(m[6] !== undefined ? { p50Ms: Number(m[6]) } : {}), ...(m[8] !== undefined ? { p99Ms: Number(m[8]) } : {}),
    raw: last.trim(),
  };
}

/** Runs org.apache.kafka.tools.ProducerPerformance (kafka-tools jar) to completion. */
export async function producerPerformance(libDir: string, bootstrap: string, topic: string, records: number, recordSize: number, producerProps: Record<string, string>): Promise<PerfResult> {
  const props = Object.entries({ 'bootstrap.servers': bootstrap, ...producerProps }).map(([k, v]) => `${k}=${v}`);
  const args = ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-Djava.awt.headless=true', '-cp', join(libDir, '*'), 'org.apache.kafka.tools.ProducerPerformance',
    '--topic', topic, '--num-records', String(records), '--record-size', String(recordSize), '--throughput', '-1', '--producer-props', ...props];
  const r = await runToCompletion(findJava(), args, { marker: 'ProducerPerformance', timeoutMs: 1_800_000 });
  const parsed = parseProducerPerformance(r.output);
  if (r.code !== 0 || !parsed) throw new Error(`ProducerPerformance failed (exit ${r.code}):\n${r.output.slice(-2000)}`);
  return parsed;
}

/** Deterministic value bytes for record i of a partition (for the Node-produced preloads). */
function valueFor(topic: string, partition: number, i: number, size: number): Buffer {
  const b = Buffer.alloc(size, 0x61 + ((i + partition) % 26));
  b.write(`${topic}/${partition}/${i}/`, 0, 'latin1');
  return b;
}

/** Produces `perPartition` records of `size` bytes to every partition of the topics (Node, idempotent: retries after NOT_LEADER right after topic creation must not duplicate). */
export async function nodePreload(bootstrap: string, topics: { topic: string; partitions: number }[], perPartition: number, size: number): Promise<number> {
  const producer = new RecordProducer({ ...clientProps(bootstrap, 'ferry-bench-preload'), acks: 'all' }, 'ferry-bench-preload');
  await producer.connect();
  let sent = 0;
  try {
    const tps = topics.flatMap((t) => Array.from({ length: t.partitions }, (_, p) => ({ topic: t.topic, partition: p })));
    const chunk = 500;
    for (let from = 0; from < perPartition; from += chunk) {
      const to = Math.min(perPartition, from + chunk);
      // ~64 partitions per send keeps requests around a few MB.
      for (let g = 0; g < tps.length; g += 64) {
        const batch: OutRecord[] = [];
        for (const tp of tps.slice(g, g + 64)) {
          for (let i = from; i < to; i++) batch.push({ topic: tp.topic, partition: tp.partition, key: null, value: valueFor(tp.topic, tp.partition, i, size), headers: [], timestamp: null });
        }
        await producer.send(batch);
        sent += batch.length;
      }
    }
  } finally {
    await producer.disconnect();
  }
  return sent;
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** End offsets of every partition of the given topics (topic → index = partition). */
export async function endOffsets(bootstrap: string, topics: string[]): Promise<Map<string, number[]>> {
  const admin = new ClusterAdmin(clientProps(bootstrap), 'ferry-bench-admin');
  try {
    const out = new Map<string, number[]>();
    for (const t of topics) out.set(t, (await admin.watermarks(t)).map((w) => w.high));
    return out;
  } finally {
    await admin.close();
  }
}

/**
 * Sums the end offsets of expected partitions on a cluster where they may not exist yet (the mirror creates
 * them). Topics are looked up by listing first, so no metadata request ever auto-creates a topic.
 */
export class EndOffsetWatcher {
  private readonly admin: ClusterAdmin;
  private readonly reader: PartitionReader;
  private readonly existing = new Set<string>();
  private readonly wanted: Map<string, number>;
  lastPerPartition = new Map<string, number>();

  constructor(bootstrap: string, expected: Map<string, number[]>, opts: { readCommitted?: boolean } = {}) {
    this.admin = new ClusterAdmin(clientProps(bootstrap), 'ferry-bench-watch-admin');
    this.reader = new PartitionReader(clientProps(bootstrap), 'ferry-bench-watch', { readCommitted: opts.readCommitted ?? false });
    this.wanted = new Map([...expected].map(([t, ends]) => [t, ends.length]));
  }

  /** Total records present (each partition capped at nothing: raw end offsets), and whether all topics exist. */
  async total(): Promise<{ total: number; topicsPresent: number }> {
    if (this.existing.size < this.wanted.size) {
      const names = new Set(await this.admin.topics());
      for (const t of this.wanted.keys()) if (names.has(t)) this.existing.add(t);
    }
    if (this.existing.size === 0) return { total: 0, topicsPresent: 0 };
    const tps: TopicPartition[] = [];
    for (const t of this.existing) for (let p = 0; p < this.wanted.get(t)!; p++) tps.push({ topic: t, partition: p });
    let offs: Map<string, number>;
    try {
      offs = await this.reader.listOffsets(tps, 'latest');
    } catch {
      return { total: [...this.lastPerPartition.values()].reduce((a, b) => a + b, 0), topicsPresent: this.existing.size };
    }
    this.lastPerPartition = offs;
    let total = 0;
    for (const v of offs.values()) total += v;
    return { total, topicsPresent: this.existing.size };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.admin.close(), this.reader.disconnect()]);
  }
}

/**
 * Records mirrored and committed, read from the mirror's Connect offsets on the target (both tools write
 * MirrorSourceConnector's offsets, {"offset": n} per source partition, to mm2-offsets.<source>.internal). Used
 * for exactly-once runs: their target end offsets also count transaction markers, and records count only once
 * their transaction (which carries these offsets) commits, so the topic is read read_committed.
 */
export class CommittedOffsetsWatcher {
  private readonly admin: ClusterAdmin;
  private reader: PartitionReader | null = null;
  private readonly latest = new Map<string, number>();
  /** The target topics' last stable offsets (read_committed end offsets): committed records plus markers. */
  private readonly stable: EndOffsetWatcher;
  private readonly expected: number;

  constructor(private readonly bootstrap: string, private readonly offsetsTopic: string, ends: Map<string, number[]>) {
    this.admin = new ClusterAdmin(clientProps(bootstrap), 'ferry-bench-committed-admin');
    this.stable = new EndOffsetWatcher(bootstrap, ends, { readCommitted: true });
    this.topics = new Set(ends.keys());
    this.expected = [...ends.values()].reduce((n, e) => n + e.reduce((a, b) => a + b, 0), 0);
  }

  private readonly topics: ReadonlySet<string>;

  /**
   * Progress for the throughput window: what read_committed consumers of the target can read (its last stable
   * offsets, which also count one marker per partition and transaction), but never the whole until the
   * mirror's committed source offsets say every record is in (committed()).
   */
  async total(): Promise<{ total: number; topicsPresent: number }> {
    const [stable, committed] = await Promise.all([this.stable.total(), this.committed()]);
    if (committed.total >= this.expected) return committed;
    return { total: Math.min(stable.total, this.expected - 1), topicsPresent: stable.topicsPresent };
  }

  /** Records whose source offsets the mirror committed (in the same transactions as the records). */
  async committed(): Promise<{ total: number; topicsPresent: number }> {
    if (!this.reader) {
      if (!(await this.admin.topics().catch(() => [] as string[])).includes(this.offsetsTopic)) return { total: 0, topicsPresent: 0 };
      const count = (await this.admin.partitionCounts([this.offsetsTopic])).get(this.offsetsTopic) ?? 0;
      if (count === 0) return { total: 0, topicsPresent: 0 };
      this.reader = new PartitionReader(clientProps(this.bootstrap), 'ferry-bench-committed', { maxWaitMs: 50, readCommitted: true });
      await this.reader.connect();
      for (let p = 0; p < count; p++) this.reader.seek({ topic: this.offsetsTopic, partition: p }, 'earliest');
    }
    for (const f of await this.reader.poll().catch(() => [])) {
      for (const r of f.records) {
        if (!r.key || !r.value) continue;
        const key = decodeOffsetKey(r.key);
        if (key?.connector !== 'MirrorSourceConnector') continue;
        const { topic, partition } = key.partition as { topic?: unknown; partition?: unknown };
        let offset: unknown;
        try { offset = decodeOffsetValue(r.value)?.['offset']; } catch { continue; }
        if (typeof topic !== 'string' || !this.topics.has(topic) || typeof offset !== 'number') continue;
        this.latest.set(`${topic}\u0000${String(partition)}`, offset + 1);
      }
    }
    let total = 0;
    for (const v of this.latest.values()) total += v;
    return { total, topicsPresent: this.latest.size > 0 ? this.topics.size : 0 };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.admin.close(), this.reader?.disconnect(), this.stable.close()]);
  }
}

export async function digest(bootstrap: string, topic: string, partition: number): Promise<PartitionDigest> {
  return digestPartition(clientProps(bootstrap, 'ferry-bench-digest'), topic, partition, {}, { clientId: 'ferry-bench-digest' });
}

/** Fingerprints single records by offset (for checking offset correspondence). */
export class RecordLookup {
  private readonly reader: PartitionReader;
  constructor(bootstrap: string) {
    this.reader = new PartitionReader(clientProps(bootstrap, 'ferry-bench-lookup'), 'ferry-bench-lookup', { maxWaitMs: 100, maxBytesPerPartition: 32_768 });
  }

  /** Fingerprint of the record at exactly `offset`, or undefined when there is none. */
  async fingerprint(topic: string, partition: number, offset: number): Promise<string | undefined> {
    const tp = { topic, partition };
    this.reader.seek(tp, offset);
    try {
      for (let i = 0; i < 20; i++) {
        const res = await this.reader.poll();
        for (const f of res) {
          for (const r of f.records) {
            if (r.offset === offset) return recordFingerprint(r);
            if (r.offset > offset) return undefined;
          }
          if (f.nextOffset > offset && f.records.length === 0) return undefined;
          if (f.highWatermark <= offset) return undefined;
        }
      }
      return undefined;
    } finally {
      this.reader.unassign(tp);
    }
  }

  async close(): Promise<void> {
    await this.reader.disconnect();
  }
}

/** Commits offsets for groups without members (ClusterAdmin: one OffsetCommit per group from outside it). */
export async function commitGroupOffsets(bootstrap: string, commits: Map<string, { topic: string; partition: number; offset: number }[]>): Promise<void> {
  const admin = new ClusterAdmin(clientProps(bootstrap, 'ferry-bench-commit'), 'ferry-bench-commit');
  try {
    for (const [groupId, offsets] of commits) await admin.setGroupOffsets(groupId, offsets);
  } finally {
    await admin.close();
  }
}

/** Polls fn every intervalMs until it returns a value (0 and '' count), or throws after timeoutMs: src/backoff.ts's pollUntil. */
export async function waitUntil<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs: number, intervalMs = 250): Promise<T> {
  const found = await pollUntil(what, async () => {
    const v = await fn();
    return v !== undefined && v !== null && v !== false ? { v } : null;
  }, { timeoutMs, intervalMs });
  return found.v;
}
