// Translation precision: with a mirror still running after a throughput run, commit consumer groups on the
// source at random offsets, wait for the tool's checkpoints on the target, and compare each translated
// downstream offset with the exact one. The exact downstream offset of source offset U is the target offset
// of the very record at U; with a fresh target and no filtering the mirror copies partitions 1:1, so it is U,
// confirmed per offset by comparing record fingerprints at U on both clusters.
import { ClusterAdmin } from '../../src/kafka/cluster-admin.js';
import { PartitionReader } from '../../src/kafka/partition-reader.js';
import { decodeCheckpoint } from '../../src/connectors/mirror/checkpoint.js';
import type { TranslationResult } from './context.js';
import { clientProps, commitGroupOffsets, RecordLookup } from './kafka.js';
import { sleep } from './proc.js';
import { seededRandom, spread } from './stats.js';

export interface CommittedOffset { group: string; topic: string; partition: number; offset: number; caughtUp: boolean }

/**
 * Plans the commits: `count` random offsets spread over groups of one offset per non-empty partition (so
 * count / partitions groups), plus one caught-up group at the end offsets. Deterministic in seed.
 */
export function planCommits(prefix: string, topic: string, ends: readonly number[], count: number, seed: number): CommittedOffset[] {
  const rnd = seededRandom(seed);
  const parts = ends.length;
  const nonEmpty = ends.filter((e) => e > 0).length;
  const groups = nonEmpty === 0 ? 0 : Math.ceil(count / nonEmpty);
  const out: CommittedOffset[] = [];
  for (let g = 0; g < groups; g++) {
    for (let p = 0; p < parts && out.length < count; p++) {
      const end = ends[p]!;
      if (end === 0) continue; // nothing to translate in an empty partition
      out.push({ group: `${prefix}g${String(g).padStart(4, '0')}`, topic, partition: p, offset: end > 0 ? Math.floor(rnd() * end) : 0, caughtUp: false });
    }
  }
  for (let p = 0; p < parts; p++) if (ends[p]! > 0) out.push({ group: `${prefix}caughtup`, topic, partition: p, offset: ends[p]!, caughtUp: true });
  return out;
}

export interface ResolvedOffset extends CommittedOffset { exact: number | undefined; translated: number | undefined }

/** Turns (committed, exact, translated) triples into the reported figures. */
export function scoreTranslation(rows: readonly ResolvedOffset[], waitedMs: number): TranslationResult {
  const random = rows.filter((r) => !r.caughtUp);
  const caught = rows.filter((r) => r.caughtUp);
  const score = (list: readonly ResolvedOffset[]) => {
    let exact = 0, reReadsTotal = 0, reReadsMax = 0, skipsTotal = 0, skipped = 0, missing = 0, unverified = 0, checkpointed = 0;
    const reReads: number[] = [];
    for (const r of list) {
      if (r.translated === undefined) { missing++; continue; }
      checkpointed++;
      if (r.exact === undefined) { unverified++; continue; }
      const d = r.exact - r.translated;
      if (d === 0) exact++;
      if (d > 0) { reReadsTotal += d; reReadsMax = Math.max(reReadsMax, d); }
      if (d < 0) { skipsTotal += -d; skipped++; }
      reReads.push(Math.max(0, d));
    }
    return { exact, reReadsTotal, reReadsMax, reReadsMedian: spread(reReads)?.median ?? 0, skipsTotal, skipped, missing, unverified, checkpointed };
  };
  const a = score(random);
  const c = score(caught);
  return {
    offsets: random.length,
    checkpointed: a.checkpointed,
    missing: a.missing,
    exact: a.exact,
    reReadsTotal: a.reReadsTotal,
    reReadsMax: a.reReadsMax,
    reReadsMedian: a.reReadsMedian,
    skipsTotal: a.skipsTotal,
    skipped: a.skipped,
    unverified: a.unverified,
    caughtUp: { offsets: caught.length, exact: c.exact, reReadsTotal: c.reReadsTotal, missing: c.missing },
    waitedMs,
  };
}

const key = (group: string, topic: string, partition: number) => `${group}\u0000${topic}\u0000${partition}`;

/** Commits, waits for checkpoints (all arrived, or none new for quietMs after the first, or timeout), scores. */
export async function measureTranslation(o: {
  sourceBootstrap: string; targetBootstrap: string; sourceAlias: string; topic: string; ends: readonly number[]; targetEnds: readonly number[];
  count: number; seed: number; groupPrefix: string; timeoutMs: number; settleMs: number; quietMs: number; log: (m: string) => void;
}): Promise<TranslationResult> {
  const commits = planCommits(o.groupPrefix, o.topic, o.ends, o.count, o.seed);
  const byGroup = new Map<string, { topic: string; partition: number; offset: number }[]>();
  for (const c of commits) byGroup.set(c.group, [...(byGroup.get(c.group) ?? []), { topic: c.topic, partition: c.partition, offset: c.offset }]);
  const committing = Date.now();
  await commitGroupOffsets(o.sourceBootstrap, byGroup);
  o.log(`committed ${commits.length} offsets in ${byGroup.size} groups in ${((Date.now() - committing) / 1000).toFixed(1)} s; waiting for checkpoints`);
  const wanted = new Map(commits.map((c) => [key(c.group, c.topic, c.partition), c]));
  const translated = new Map<string, number>();
  const targetAdmin = new ClusterAdmin(clientProps(o.targetBootstrap), 'ferry-bench-ckpt-admin');
  const reader = new PartitionReader(clientProps(o.targetBootstrap, 'ferry-bench-ckpt'), 'ferry-bench-ckpt', { maxWaitMs: 200 });
  const began = Date.now();
  let complete = 0;
  let lastNew = 0;
  let topic: string | undefined;
  try {
    while (Date.now() - began < o.timeoutMs) {
      if (!topic) {
        topic = (await targetAdmin.topics()).find((t) => t === `${o.sourceAlias}.checkpoints.internal`);
        if (!topic) { await sleep(500); continue; }
        reader.seek({ topic, partition: 0 }, 'earliest');
      }
      const before = translated.size;
      for (const f of await reader.poll()) {
        for (const r of f.records) {
          try {
            const c = decodeCheckpoint(r.key, r.value);
            const k = key(c.group, c.topic, c.partition);
            const w = wanted.get(k);
            if (w && c.upstreamOffset === w.offset) translated.set(k, c.downstreamOffset);
          } catch {
            // not a checkpoint
          }
        }
      }
      if (translated.size > before) lastNew = Date.now();
      // Done when every offset has a checkpoint (then a short settle for later corrections), or when some
      // arrived but none for a while: a tool may legitimately never checkpoint some offsets.
      if (translated.size === wanted.size) {
        complete ||= Date.now();
        if (Date.now() - complete >= o.settleMs) break;
      } else if (translated.size > 0 && Date.now() - lastNew >= o.quietMs) {
        break;
      }
      await sleep(200);
    }
  } finally {
    await Promise.allSettled([reader.disconnect(), targetAdmin.close()]);
  }
  const waitedMs = (complete || lastNew || Date.now()) - began;
  o.log(`checkpoints for ${translated.size}/${wanted.size} offsets after ${(waitedMs / 1000).toFixed(1)} s; verifying exact positions`);

  // Exact downstream offsets: U itself when the records at U match on both clusters (4 lookups in parallel).
  const rows: ResolvedOffset[] = new Array<ResolvedOffset>(commits.length);
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    const src = new RecordLookup(o.sourceBootstrap);
    const tgt = new RecordLookup(o.targetBootstrap);
    try {
      while (next < commits.length) {
        const i = next++;
        const c = commits[i]!;
        let exact: number | undefined;
        if (c.caughtUp) exact = o.targetEnds[c.partition] === c.offset ? c.offset : undefined;
        else {
          const [a, b] = await Promise.all([src.fingerprint(c.topic, c.partition, c.offset), tgt.fingerprint(c.topic, c.partition, c.offset)]);
          exact = a !== undefined && a === b ? c.offset : undefined;
        }
        rows[i] = { ...c, exact, translated: translated.get(key(c.group, c.topic, c.partition)) };
      }
    } finally {
      await Promise.allSettled([src.close(), tgt.close()]);
    }
  }));
  return { ...scoreTranslation(rows, waitedMs), complete: translated.size === wanted.size };
}
