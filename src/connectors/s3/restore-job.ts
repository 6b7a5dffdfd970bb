// `ferry restore`: brings backed-up topics (LosslessJsonFormat objects) back into a cluster with the same
// partitions, keys, values, headers and timestamps, optionally under another name, and exactly once across
// crashes: what a partition already holds is counted from the target's own offsets (restored records are the
// only ones in it), so a re-run skips exactly those and goes on. Progress is also kept as Connect source offsets
// (connector name → {topic, partition} → {offset}), the same store S3Source resumes from. The result is an
// offset mapping (runs of backed-up offset → restored offset) used to reposition consumer groups exactly.
import { ConnectError, type SourceOffset, type SourcePartition } from '../../connect/api/index.js';
import { ClusterAdmin } from '../../kafka/cluster-admin.js';
import type { ClientProps } from '../../kafka/client.js';
import { PartitionReader } from '../../kafka/partition-reader.js';
import { RecordProducer, type OutRecord } from '../../kafka/producer.js';
import { listBackup, PartitionBackupReader, type BackupObject } from './backup-reader.js';
import { renameTopic, type StorageSettings } from './config.js';
import type { DecodedRecord } from './formats.js';
import { ObjectStore } from './storage.js';

/** Where restore progress lives: Connect's offset store (file or topic) in the CLI, a map in tests. */
export interface RestoreOffsetStore {
  get(connector: string, partition: SourcePartition): SourceOffset | null;
  set(entries: ReadonlyArray<{ connector: string; partition: SourcePartition; offset: SourceOffset | null }>): Promise<void>;
}

/** A run of consecutive backed-up offsets restored to consecutive target offsets. */
export interface OffsetRun { topic: string; partition: number; targetTopic: string; sourceOffset: number; targetOffset: number; count: number }

export interface RestoreOptions {
  storage: StorageSettings;
  topics: string[];
  /** ${topic} is the backed-up name. */
  renameFormat: string;
  target: ClientProps;
  /** Connector name the offsets are stored under. */
  name: string;
  offsets: RestoreOffsetStore;
  /** Partitions for a target topic that does not exist (default: highest backed-up partition + 1). */
  partitions?: number;
  replicationFactor?: number;
  onProgress?: (p: { bytesDone: number; bytesTotal: number; records: number }) => void;
  log?: (m: string) => void;
  signal?: AbortSignal;
}

export interface RestoreResult {
  records: number;
  skipped: number;
  runs: OffsetRun[];
  /** Per target topic-partition: offset after the last restored record. */
  ends: Map<string, number>;
}

function sameRecord(a: DecodedRecord, b: { key: Buffer | null; value: Buffer | null; headers: Array<[string, Buffer | null]>; timestamp: number }): boolean {
  const eq = (x: Buffer | null, y: Buffer | null) => (x === null ? y === null : y !== null && x.equals(y));
  return eq(a.key, b.key) && eq(a.value, b.value) && (a.timestamp ?? -1) === b.timestamp && a.headers.length === b.headers.length
    && a.headers.every(([k, v], i) => b.headers[i]![0] === k && eq(v, b.headers[i]![1]));
}

async function firstRecordAt(props: ClientProps, topic: string, partition: number, offset: number) {
  const reader = new PartitionReader(props, 'ferry-restore-check', { maxWaitMs: 200 });
  await reader.connect();
  try {
    reader.seek({ topic, partition }, offset);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      for (const f of await reader.poll()) { const r = f.records.find((x) => x.offset >= offset); if (r) return r; }
    }
    return null;
  } finally {
    await reader.disconnect();
  }
}

export async function runRestore(o: RestoreOptions): Promise<RestoreResult> {
  const store = new ObjectStore(o.storage);
  const admin = new ClusterAdmin(o.target, 'ferry-restore');
  const producer = new RecordProducer(o.target, 'ferry-restore');
  const runs: OffsetRun[] = [];
  const ends = new Map<string, number>();
  let records = 0;
  let skippedTotal = 0;
  try {
    await store.checkBucket();
    const plans: Array<{ topic: string; target: string; partition: number; objects: BackupObject[] }> = [];
    for (const topic of o.topics) {
      const byPartition = await listBackup(store, o.storage.naming, topic);
      if (byPartition.size === 0) throw new ConnectError(`No LosslessJsonFormat objects for topic '${topic}' under ${o.storage.naming.topicsDir}/ in bucket ${o.storage.bucket}`);
      const target = renameTopic(o.renameFormat, topic);
      const needed = Math.max(...byPartition.keys()) + 1;
      await admin.createTopics([{ topic: target, partitions: o.partitions ?? needed, replicationFactor: o.replicationFactor ?? -1 }]);
      const counts = await admin.partitionCounts([target]);
      const have = counts.get(target) ?? 0;
      if (have < needed) throw new ConnectError(`Target topic '${target}' has ${have} partitions; the backup of '${topic}' has partition ${needed - 1}`);
      for (const [partition, objects] of [...byPartition].sort((a, b) => a[0] - b[0])) plans.push({ topic, target, partition, objects });
    }
    const bytesTotal = plans.reduce((n, p) => n + p.objects.reduce((m, x) => m + x.size, 0), 0);
    let bytesDone = 0;
    await producer.connect();
    for (const plan of plans) {
      if (o.signal?.aborted) break;
      const sp: SourcePartition = { topic: plan.topic, partition: plan.partition };
      const stored = o.offsets.get(o.name, sp);
      const mark = (await admin.watermarks(plan.target)).find((w) => w.partition === plan.partition) ?? { low: 0, high: 0 };
      const base = typeof stored?.['base'] === 'number' ? stored['base'] : mark.low;
      let already = mark.high - base;
      if (already < 0) throw new ConnectError(`Target ${plan.target}-${plan.partition} starts at ${mark.low}, after the restore's first offset ${base}`);
      if (stored === null && already > 0) {
        // No progress recorded, yet records present: a run that crashed before its first offset write, or a
        // partition that held other data. Only the former may continue.
        const first = await firstRecordAt(o.target, plan.target, plan.partition, base);
        const reader = new PartitionBackupReader(store, plan.topic, plan.partition, plan.objects, -1);
        const firstBackup = (await reader.next())?.records[0];
        if (!first || !firstBackup || !sameRecord(firstBackup, first)) {
          throw new ConnectError(`Target ${plan.target}-${plan.partition} is not empty (offsets ${mark.low}..${mark.high}) and was not written by restore '${o.name}'; restore into an empty topic (or another name with --rename)`);
        }
      }
      const reader = new PartitionBackupReader(store, plan.topic, plan.partition, plan.objects, -1);
      let position = 0;
      let run: OffsetRun | null = null;
      const extend = (src: number) => {
        const tgt = base + position;
        if (run && run.sourceOffset + run.count === src && run.targetOffset + run.count === tgt) run.count++;
        else { run = { topic: plan.topic, partition: plan.partition, targetTopic: plan.target, sourceOffset: src, targetOffset: tgt, count: 1 }; runs.push(run); }
        position++;
      };
      let lastSource = -1;
      for (;;) {
        if (o.signal?.aborted) break;
        const next = await reader.next();
        if (!next) break;
        const out: OutRecord[] = [];
        for (const r of next.records) {
          if (already > 0) { already--; skippedTotal++; extend(r.offset); lastSource = r.offset; continue; }
          out.push({ topic: plan.target, partition: plan.partition, key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp });
          extend(r.offset);
          lastSource = r.offset;
        }
        if (out.length > 0) {
          const meta = await producer.send(out);
          const lastMeta = meta[meta.length - 1];
          if (lastMeta && lastMeta.offset !== base + position - 1) {
            throw new ConnectError(`Target ${plan.target}-${plan.partition} got offset ${lastMeta.offset} for restored record ${position - 1} (expected ${base + position - 1}): something else writes to it`);
          }
          records += out.length;
          await o.offsets.set([{ connector: o.name, partition: sp, offset: { offset: lastSource, base, position } }]);
        }
        bytesDone += next.object.size;
        o.onProgress?.({ bytesDone, bytesTotal, records });
      }
      if (already > 0) throw new ConnectError(`Target ${plan.target}-${plan.partition} holds ${already} more records than the backup of ${plan.topic}-${plan.partition}`);
      ends.set(`${plan.target}\u0000${plan.partition}`, base + position);
      await o.offsets.set([{ connector: o.name, partition: sp, offset: { offset: lastSource, base, position } }]);
    }
    return { records, skipped: skippedTotal, runs, ends };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.close();
    store.close();
  }
}

/**
 * Where a group committed at `offset` (the next record to read) on the backed-up topic resumes on the restored
 * one: the restored offset of the first backed-up record at or after it, or the end when there is none.
 */
export function translateOffset(runs: readonly OffsetRun[], topic: string, partition: number, offset: number, end: number): number {
  let best: number | null = null;
  for (const r of runs) {
    if (r.topic !== topic || r.partition !== partition) continue;
    if (offset >= r.sourceOffset && offset < r.sourceOffset + r.count) return r.targetOffset + (offset - r.sourceOffset);
    if (r.sourceOffset >= offset && (best === null || r.targetOffset < best)) best = r.targetOffset;
  }
  return best ?? end;
}

/** One JSON line per run: the offset mapping file. */
export function formatMapping(runs: readonly OffsetRun[]): string {
  return runs.map((r) => JSON.stringify(r)).join('\n') + (runs.length > 0 ? '\n' : '');
}

export function parseMapping(text: string): OffsetRun[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as OffsetRun);
}
