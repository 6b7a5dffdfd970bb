// Helpers shared by the mirror integration tests: deterministic mixed records (keys, headers, timestamps),
// fast batched producing, mm2.properties files for dedicated mode, per-partition digests and fingerprint
// lists, and the loss/duplicate analysis used after crashes.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterAdmin } from '../../src/kafka/cluster-admin.js';
import { createKafka, type ClientProps } from '../../src/kafka/client.js';
import { PartitionReader } from '../../src/kafka/partition-reader.js';
import { digestPartition, recordFingerprint, type PartitionDigest } from '../../src/mirror/ops/partition-digest.js';
import { after } from 'node:test';
import { spawnCli, type CliProcess } from './cli.js';
import { tempDir, waitFor } from './connect.js';
import { useKafka, type TestKafka } from './kafka.js';
import { FAST_INTERVALS, SINGLE_BROKER_REPLICATION } from '../../src/dev/mm2-local.js';

export interface GeneratedRecord {
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
  timestamp: number;
}

// Recent enough that time-based retention (7 days by default) never deletes test data on either cluster.
const BASE_TS = Date.now() - 3_600_000;

/**
 * Record `i` of a run on a topic: deterministic in (run, topic, i) and unique across runs. Null keys every 7th
 * record, a null value every 97th, 0–2 headers (one of them repeated), values of 20–220 bytes, timestamps that are not
 * monotonic across partitions.
 */
export function mixedRecord(run: string, topic: string, i: number, partitions: number): GeneratedRecord {
  const partition = i % partitions;
  const seed = `${run}/${topic}/${i}/`;
  const tombstone = i % 97 === 0;
  // A null value gets a unique key, so records of different runs never look alike.
  const key = tombstone ? Buffer.from(`gone-${seed}`) : i % 7 === 0 ? null : Buffer.from(`k-${i % 1000}`);
  const len = 20 + ((i * 7919) % 200);
  const value = tombstone ? null : Buffer.from((seed + 'x'.repeat(len)).slice(0, Math.max(len, seed.length)));
  const headers: Record<string, Buffer | Buffer[]> = {};
  if (i % 3 >= 1) headers['trace-id'] = Buffer.from(`t${i}`);
  if (i % 3 === 2) headers['hop'] = [Buffer.from('a'), Buffer.from(String(i % 5))];
  const timestamp = BASE_TS + i * 3 + (partition % 2 === 0 ? 0 : 17);
  return { partition, key, value, headers, timestamp };
}

export interface ProduceOptions {
  run: string;
  partitions: number;
  /** Record indexes [from, from + count). */
  from?: number;
  count: number;
  batchSize?: number;
  /** Concurrent sendBatch calls (order within a partition is then what the broker saw, which is what we compare). */
  concurrency?: number;
  make?: (run: string, topic: string, i: number, partitions: number) => GeneratedRecord;
}

/** Produces mixed records to one or more topics with kafkajs batches; returns the number sent. */
export async function produceMixed(props: ClientProps, topics: string[], opts: ProduceOptions): Promise<number> {
  const kafka = createKafka(props, { clientId: 'mirror-test-producer' });
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, maxInFlightRequests: 8 });
  await producer.connect();
  const from = opts.from ?? 0;
  const batch = opts.batchSize ?? 4000;
  const make = opts.make ?? mixedRecord;
  let next = from;
  const end = from + opts.count;
  let sent = 0;
  const worker = async () => {
    while (next < end) {
      const start = next;
      const stop = Math.min(end, start + batch);
      next = stop;
      await producer.sendBatch({
        acks: -1,
        topicMessages: topics.map((topic) => {
          const messages = [];
          for (let i = start; i < stop; i++) {
            const r = make(opts.run, topic, i, opts.partitions);
            messages.push({ partition: r.partition, key: r.key, value: r.value, headers: r.headers, timestamp: String(r.timestamp) });
          }
          return { topic, messages };
        }),
      });
      sent += (stop - start) * topics.length;
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency ?? 3 }, worker));
  } finally {
    await producer.disconnect();
  }
  return sent;
}

export async function createTopics(props: ClientProps, topics: { topic: string; partitions: number; configs?: Record<string, string> }[]): Promise<void> {
  const admin = new ClusterAdmin(props, 'mirror-test-admin');
  try {
    await admin.createTopics(topics.map((t) => ({ ...t, replicationFactor: 1 })));
  } finally {
    await admin.close();
  }
}

/** High watermarks per partition (index = partition). */
export async function endOffsets(props: ClientProps, topic: string): Promise<number[]> {
  const admin = new ClusterAdmin(props, 'mirror-test-admin');
  try {
    return (await admin.watermarks(topic)).map((w) => w.high);
  } catch {
    return [];
  } finally {
    await admin.close();
  }
}

/** Waits until every partition of `topic` has at least the given end offset. */
export async function waitForEndOffsets(props: ClientProps, topic: string, expected: readonly number[], timeoutMs: number, label = topic): Promise<number[]> {
  return waitFor(`${label} to reach end offsets ${JSON.stringify(expected)}`, async () => {
    const ends = await endOffsets(props, topic);
    return ends.length >= expected.length && expected.every((e, p) => (ends[p] ?? 0) >= e) ? ends : null;
  }, timeoutMs, 500);
}

/**
 * digestPartition for every partition, in parallel (bounded), over [low, high) watermarks taken from the admin
 * API first (so a partition whose offsets could not be listed fails loudly instead of digesting as empty).
 */
export async function digestTopic(props: ClientProps, topic: string, partitions: number, parallel = 4): Promise<PartitionDigest[]> {
  const admin = new ClusterAdmin(props, 'mirror-test-admin');
  let marks: { partition: number; low: number; high: number }[];
  try {
    marks = await admin.watermarks(topic);
  } finally {
    await admin.close();
  }
  if (marks.length !== partitions) throw new Error(`${topic} has ${marks.length} partitions, expected ${partitions}`);
  const out: PartitionDigest[] = new Array<PartitionDigest>(partitions);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(parallel, partitions) }, async () => {
    while (next < partitions) {
      const p = next++;
      const m = marks[p]!;
      out[p] = await digestPartition(props, topic, p, { from: m.low, to: m.high }, { clientId: `digest-${p}` });
    }
  }));
  return out;
}

/** Commits offsets for a group without members (one OffsetCommit from outside the group, as Java's admin). */
export async function commitGroupOffsets(props: ClientProps, groupId: string, offsets: readonly { topic: string; partition: number; offset: number }[]): Promise<void> {
  const admin = new ClusterAdmin(props, 'mirror-test-commit');
  try {
    await admin.setGroupOffsets(groupId, offsets);
  } finally {
    await admin.close();
  }
}

export interface FingerprintedRecord { offset: number; fp: string; key?: Buffer | null; value?: Buffer | null }

/** Fingerprints (recordFingerprint, provenance header ignored) of a partition's records in [from, to). */
export async function partitionFingerprints(
  props: ClientProps, topic: string, partition: number, range: { from?: number; to?: number; readCommitted?: boolean } = {},
): Promise<FingerprintedRecord[]> {
  const reader = new PartitionReader(props, 'mirror-test-fp', { maxWaitMs: 100, maxBytesPerPartition: 4 * 1_048_576, readCommitted: range.readCommitted ?? false });
  const out: FingerprintedRecord[] = [];
  try {
    await reader.connect();
    const tp = { topic, partition };
    const k = `${topic}\u0000${partition}`;
    const from = range.from ?? (await reader.listOffsets([tp], 'earliest')).get(k) ?? 0;
    const to = range.to ?? (await reader.listOffsets([tp], 'latest')).get(k) ?? 0;
    if (from >= to) return out;
    reader.seek(tp, from);
    let stuck = 0;
    while ((reader.position(tp) ?? to) < to) {
      const before = reader.position(tp);
      const fetched = await reader.poll();
      for (const f of fetched) for (const r of f.records) if (r.offset < to) out.push({ offset: r.offset, fp: recordFingerprint(r), key: r.key, value: r.value });
      if (reader.position(tp) === before && ++stuck > 200) {
        throw new Error(`${topic}-${partition}: reader stuck at ${String(before)} (reading [${from}, ${to}); last fetch ${JSON.stringify(fetched.map((f) => ({ n: f.records.length, next: f.nextOffset, hw: f.highWatermark })))})`);
      }
    }
    return out;
  } finally {
    await reader.disconnect();
  }
}

/** Reads the single record at `offset` (or the first one after it, if compaction/markers removed it). */
export async function recordAtOrAfter(props: ClientProps, topic: string, partition: number, offset: number): Promise<FingerprintedRecord | null> {
  const end = (await endOffsets(props, topic))[partition] ?? 0;
  if (offset >= end) return null;
  const reader = new PartitionReader(props, 'mirror-test-at', { maxWaitMs: 100, maxBytesPerPartition: 65_536 });
  try {
    await reader.connect();
    const tp = { topic, partition };
    reader.seek(tp, offset);
    while ((reader.position(tp) ?? end) < end) {
      for (const f of await reader.poll()) for (const r of f.records) if (r.offset >= offset) return { offset: r.offset, fp: recordFingerprint(r) };
    }
    return null;
  } finally {
    await reader.disconnect();
  }
}

export interface LossReport {
  sourceCount: number;
  targetCount: number;
  /** Source records not found on the target in order (must be 0). */
  lost: number;
  /** Target records that repeat an earlier stretch of the source. */
  duplicates: number;
  /** Re-sent stretches (each a contiguous range of the source re-delivered after a restart). */
  resends: { at: number; length: number }[];
  /** Target records that are no source record at all (must be 0). */
  foreign: number;
}

/**
 * Aligns a target partition with its source: the target must be the source in order, except that after a
 * crash the mirror may re-send a contiguous range it had already written (the target then jumps back to an
 * earlier source position and continues from there). Anything else (a record missing, out of order, or
 * unknown) counts as lost or foreign.
 */
export function analyseCopy(source: readonly string[], target: readonly string[]): LossReport {
  const positions = new Map<string, number[]>();
  source.forEach((fp, i) => { const l = positions.get(fp); if (l) l.push(i); else positions.set(fp, [i]); });
  let expected = 0; // next source index we expect
  let highest = 0; // source records [0, highest) have been seen in order
  let duplicates = 0;
  let foreign = 0;
  let lost = 0;
  const resends: { at: number; length: number }[] = [];
  for (let t = 0; t < target.length; t++) {
    const fp = target[t]!;
    if (expected < source.length && source[expected] === fp) {
      if (expected < highest) { duplicates++; resends[resends.length - 1]!.length++; }
      expected++;
      highest = Math.max(highest, expected);
      continue;
    }
    const cands = positions.get(fp);
    if (!cands) { foreign++; continue; }
    // Jump back (a re-sent range starts) to the latest earlier occurrence; forward jumps are losses.
    const back = [...cands].reverse().find((i) => i < highest);
    if (back !== undefined && back < expected) {
      resends.push({ at: t, length: 1 });
      duplicates++;
      expected = back + 1;
      continue;
    }
    const fwd = cands.find((i) => i >= expected);
    if (fwd === undefined) { foreign++; continue; }
    if (fwd > highest) lost += fwd - highest;
    else if (expected < highest) { duplicates++; resends[resends.length - 1]!.length++; }
    expected = fwd + 1;
    highest = Math.max(highest, expected);
  }
  lost += source.length - highest;
  return { sourceCount: source.length, targetCount: target.length, lost, duplicates, resends, foreign };
}

export interface Mm2File {
  path: string;
  props: Record<string, string>;
}

/**
 * Writes an mm2.properties for dedicated mode on single-broker test clusters: replication factors of 1,
 * short intervals, and the given flows/overrides.
 */
export function writeMm2Properties(dir: string, clusters: Record<string, string>, extra: Record<string, string>, name = 'mm2.properties'): Mm2File {
  const props: Record<string, string> = {
    clusters: Object.keys(clusters).join(', '),
    ...Object.fromEntries(Object.entries(clusters).map(([alias, bs]) => [`${alias}.bootstrap.servers`, bs])),
    ...SINGLE_BROKER_REPLICATION,
    ...FAST_INTERVALS,
    'offset.storage.partitions': '1',
    'status.storage.partitions': '1',
    'sync.topic.acls.enabled': 'false',
    'sync.topic.configs.interval.seconds': '2',
    ...extra,
  };
  // FERRY_TEST_MIRROR_DATA_PATH=records runs the mirror suites on the generic (record) path: a no-op SMT on every
  // flow (RegexRouter whose regex no topic name matches) makes the runtime keep MirrorSource off the byte path.
  if ((process.env['FERRY_TEST_MIRROR_DATA_PATH'] ?? '') === 'records') {
    for (const k of Object.keys(props)) {
      const m = /^(.+->.+)\.enabled$/.exec(k);
      if (!m) continue;
      props[`${m[1]}.transforms`] ??= 'forceRecordPath';
      props[`${m[1]}.transforms.forceRecordPath.type`] = 'org.apache.kafka.connect.transforms.RegexRouter';
      props[`${m[1]}.transforms.forceRecordPath.regex`] = '^$';
      props[`${m[1]}.transforms.forceRecordPath.replacement`] = 'unused';
    }
  }
  const path = join(dir, name);
  writeFileSync(path, Object.entries(props).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n');
  return { path, props };
}

export type MirrorProcess = CliProcess;

/** Spawns `node --import tsx src/cli/connect-mirror-maker.ts <file> [args]` with output captured (the last 100-200 kB). */
export function spawnMirrorMaker(file: string, args: string[] = [], env: Record<string, string> = {}): MirrorProcess {
  return spawnCli('connect-mirror-maker', [file, ...args], { FERRY_LOG_LEVEL: process.env.FERRY_MIRROR_LOG_LEVEL ?? 'warn', ...env }, 200_000);
}

/** sha256 over a list of fingerprints (a compact "checksum" for messages). */
export function listDigest(fps: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of fps) h.update(f);
  return h.digest('hex').slice(0, 16);
}

export function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/**
 * The clusters, temp dir and `connect-mirror-maker` children of a mirror test file: clusters `a` and `b` started
 * before its tests; after them, children still running are killed first, then the clusters stop and the dir goes.
 */
export function useMirrorProcesses(prefix: string): { kafka: TestKafka; tmp: { dir: string; cleanup(): void }; children: Set<MirrorProcess> } {
  const children = new Set<MirrorProcess>();
  after(() => { for (const c of children) c.kill9(); });
  const kafka = useKafka({ clusters: ['a', 'b'] });
  const tmp = tempDir(prefix);
  after(() => tmp.cleanup());
  return { kafka, tmp, children };
}
