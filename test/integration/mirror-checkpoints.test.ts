// Offset translation end to end on real clusters, and interoperability with Apache MirrorMaker 2's records.
//  5. Consumer groups committed at many offsets of a plain topic, a transactional topic (aborted transactions,
//     read_committed mirror) and a compacted topic (superseded values and deleted keys compacted away) get
//     checkpoints that point at the exact next unconsumed record on the target — the test compares record
//     contents (fingerprints), not numbers — and idle target groups get the same offsets (sync.group.offsets).
//     The same commits are translated with MM2's algorithm (mm2-translation.ts), over the syncs Ferry wrote and
//     over the syncs MM2's own writer would have emitted; the records MM2 would re-read are counted and printed.
//  6. MM2 interop: records written in MM2's binary formats (built here from the reference, not with Ferry's
//     encoders) — offset syncs, checkpoints, heartbeats — and Connect offsets in Java's JSON format in
//     mm2-offsets.<source>.internal. Dedicated mode takes over from the "MM2 deployment": it continues after the
//     stored offsets (no record copied twice), translates groups from MM2's syncs where it has no map of its
//     own, replicates MM2 heartbeats byte for byte, and the mirror client / `ferry offsets translate` read
//     MM2-written checkpoints.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { tempDir, waitFor } from '../helpers/connect.js';
import { commitGroupOffsets, createTopics, digestTopic, endOffsets, partitionFingerprints, produceMixed, writeMm2Properties, type FingerprintedRecord } from '../helpers/mirror.js';
import { ClusterAdmin } from '../../src/kafka/cluster-admin.js';
import { createKafka, type ClientProps } from '../../src/kafka/client.js';
import { murmur2Partition } from '../../src/kafka/partitioner.js';
import { readToEnd } from '../../src/kafka/read-to-end.js';
import { readMm2Config, startMirrorMaker } from '../../src/mirror/dedicated.js';
import { MirrorClient, translateOffsets } from '../../src/mirror/client.js';
import { Mm2OffsetSyncEmitter, Mm2OffsetSyncStore } from '../../src/connectors/mirror/mm2-translation.js';
import { loadOffsetMaps, offsetMapsTopicName } from '../../src/connectors/mirror/offset-map-store.js';
import { sleep } from '../../src/backoff.js';

let kafka: KafkaHarness;
const tmp = tempDir('ferry-mirror-checkpoints-');

before(async () => {
  // A quick log cleaner, so the compacted topic is really compacted before mirroring starts.
  kafka = await startKafka({ clusters: ['a', 'b'], brokerProperties: { 'log.cleaner.backoff.ms': '200' } });
});

after(async () => {
  await kafka?.stop();
  tmp.cleanup();
});

const log = (m: string) => process.stderr.write(`# ${m}\n`);

// ---- MM2 binary formats, written out from the reference (big-endian; STRING = INT16 length + UTF-8) ----
const str = (s: string): Buffer => { const b = Buffer.from(s, 'utf8'); const l = Buffer.alloc(2); l.writeInt16BE(b.length); return Buffer.concat([l, b]); };
const i16 = (v: number): Buffer => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
const i32 = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };
const i64 = (v: number): Buffer => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v)); return b; };
const mm2 = {
  offsetSyncKey: (topic: string, partition: number) => Buffer.concat([str(topic), i32(partition)]),
  offsetSyncValue: (upstream: number, downstream: number) => Buffer.concat([i64(upstream), i64(downstream)]),
  checkpointKey: (group: string, topic: string, partition: number) => Buffer.concat([str(group), str(topic), i32(partition)]),
  checkpointValue: (upstream: number, downstream: number, metadata: string) => Buffer.concat([i16(0), i64(upstream), i64(downstream), str(metadata)]),
  heartbeatKey: (source: string, target: string) => Buffer.concat([str(source), str(target)]),
  heartbeatValue: (ts: number) => Buffer.concat([i16(0), i64(ts)]),
};

/** Reads STRING/INT fields in order, refusing trailing bytes (a decoder independent of Ferry's). */
function fields(buf: Buffer, spec: ('s' | 'i16' | 'i32' | 'i64')[]): (string | number)[] {
  let pos = 0;
  const out: (string | number)[] = [];
  for (const f of spec) {
    if (f === 's') { const n = buf.readInt16BE(pos); out.push(buf.toString('utf8', pos + 2, pos + 2 + n)); pos += 2 + n; }
    else if (f === 'i16') { out.push(buf.readInt16BE(pos)); pos += 2; }
    else if (f === 'i32') { out.push(buf.readInt32BE(pos)); pos += 4; }
    else { out.push(Number(buf.readBigInt64BE(pos))); pos += 8; }
  }
  assert.equal(pos, buf.length, 'no trailing bytes');
  return out;
}

async function produceRaw(props: ClientProps, topic: string, records: { key: Buffer; value: Buffer; partition?: number }[]): Promise<void> {
  const producer = createKafka(props, { clientId: 'fixture-writer' }).producer({ allowAutoTopicCreation: false, idempotent: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: records.map((r) => ({ key: r.key, value: r.value, partition: r.partition ?? 0 })) });
  } finally {
    await producer.disconnect();
  }
}

async function readAll(props: ClientProps, topic: string, partitions = [0]): Promise<{ key: Buffer | null; value: Buffer | null; partition: number; offset: number }[]> {
  const out: { key: Buffer | null; value: Buffer | null; partition: number; offset: number }[] = [];
  await readToEnd(props, topic, partitions, (r) => out.push({ key: r.key, value: r.value, partition: r.partition, offset: r.offset }), { timeoutMs: 20_000 });
  return out;
}

async function admin<T>(props: ClientProps, fn: (a: ClusterAdmin) => Promise<T>): Promise<T> {
  const a = new ClusterAdmin(props, 'checkpoint-test-admin');
  try { return await fn(a); } finally { await a.close(); }
}

interface Checkpoint { group: string; topic: string; partition: number; upstream: number; downstream: number; metadata: string }

async function readCheckpoints(props: ClientProps, topic: string): Promise<Map<string, Checkpoint>> {
  const latest = new Map<string, Checkpoint>();
  for (const r of await readAll(props, topic)) {
    const [group, t, partition] = fields(r.key!, ['s', 's', 'i32']) as [string, string, number];
    const [version, upstream, downstream, metadata] = fields(r.value!, ['i16', 'i64', 'i64', 's']) as [number, number, number, string];
    assert.equal(version, 0);
    latest.set(`${group}|${t}|${partition}`, { group, topic: t, partition, upstream, downstream, metadata });
  }
  return latest;
}

/** Source partition as a consumer sees it (read_committed for the transactional topic) and the target copy. */
interface PartitionView { topic: string; partition: number; end: number; visible: FingerprintedRecord[]; target: FingerprintedRecord[]; targetEnd: number }

/** First visible record at or after g (what the group consumes next), or null at the end. */
function nextRecord(view: PartitionView, g: number): FingerprintedRecord | null {
  return view.visible.find((r) => r.offset >= g) ?? null;
}

/** Target offset holding the copy of a source record (the target is a gap-free, duplicate-free copy here). */
function targetOffsetOf(view: PartitionView, fp: string): number {
  const r = view.target.find((x) => x.fp === fp);
  assert.ok(r, `${view.topic}-${view.partition}: the source record ${fp.slice(0, 8)} is on the target`);
  return r.offset;
}

/** Exact translation of g: the target offset of the next record, or the target end if there is none. */
function exactTranslation(view: PartitionView, g: number): number {
  const next = nextRecord(view, g);
  return next ? targetOffsetOf(view, next.fp) : view.targetEnd;
}

/** Writes 16 transactions of 5 records per partition (2 partitions), every 4th aborted (values say which). */
async function produceTransactions(props: ClientProps, topic: string, id: string): Promise<void> {
  const producer = createKafka(props, { clientId: id }).producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let t = 0; t < 16; t++) {
      const tx = await producer.transaction();
      const aborted = t % 4 === 3;
      await tx.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, key: `t${t}-${i}`, value: `${aborted ? 'ABORTED' : 'committed'}-${t}-${i}` })) });
      if (aborted) await tx.abort(); else await tx.commit();
    }
  } finally {
    await producer.disconnect();
  }
}

interface Scenario {
  source: string;
  target: string;
  layout: { topic: string; partitions: number }[];
  readCommitted: boolean;
  groupPrefix: string;
  file: string;
}

/**
 * Commits groups at many offsets of every partition, runs dedicated mode, waits for a checkpoint of every
 * commit and for the idle target groups to be synced, then checks each checkpoint against record contents:
 * the record at the translated target offset is the next record the group would consume on the source.
 * Returns what the comparison with MM2's algorithm needs.
 */
async function runScenario(sc: Scenario): Promise<{ views: PartitionView[]; committed: Map<string, number>; syncsTopic: string }> {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const mm2File = writeMm2Properties(tmp.dir, { [sc.source]: a.bootstrap, [sc.target]: b.bootstrap }, {
    [`${sc.source}->${sc.target}.enabled`]: 'true',
    [`${sc.source}->${sc.target}.topics`]: sc.layout.map((l) => l.topic).join(','),
    [`${sc.source}->${sc.target}.groups`]: `${sc.groupPrefix}.*`,
    ...(sc.readCommitted ? { [`${sc.source}.consumer.isolation.level`]: 'read_committed' } : {}),
    'sync.group.offsets.enabled': 'true',
    [`${sc.target}->${sc.source}.emit.heartbeats.enabled`]: 'false',
  }, sc.file);

  // Partition views (the source as a consumer with the mirror's isolation level sees it) and commit points:
  // every other offset of the small partitions (inside transactions, on markers, in aborted ranges and compacted
  // gaps), samples of the big ones.
  const views: PartitionView[] = [];
  for (const { topic, partitions } of sc.layout) {
    const ends = await endOffsets(a.props, topic);
    for (let p = 0; p < partitions; p++) {
      const visible = await partitionFingerprints(a.props, topic, p, { readCommitted: sc.readCommitted });
      views.push({ topic, partition: p, end: ends[p]!, visible, target: [], targetEnd: 0 });
    }
  }
  if (sc.readCommitted) {
    // The mirror reads with the same PartitionReader: if this fails, so does the copy (aborted data replicated).
    for (const v of views) {
      const leaked = v.visible.filter((r) => String(r.value).startsWith('ABORTED')).map((r) => r.offset);
      assert.deepEqual(leaked, [], `${v.topic}-${v.partition}: a read_committed reader sees no aborted record (end ${v.end}, ${v.visible.length} visible)`);
    }
  }
  const commitPoints = (v: PartitionView): number[] => {
    if (v.end > 400) return [...new Set([0, 1, 2, 50, 99, 100, 101, 102, 250, 499, 500, 501, 777, v.end - 2, v.end - 1, v.end])].sort((x, y) => x - y);
    const out: number[] = [];
    for (let g = 0; g <= v.end; g += 2) out.push(g);
    if (out[out.length - 1] !== v.end) out.push(v.end);
    return out;
  };
  const points = views.map(commitPoints);
  const GROUPS = Math.max(...points.map((l) => l.length));
  const groups = Array.from({ length: GROUPS }, (_, j) => `${sc.groupPrefix}${String(j).padStart(2, '0')}`);
  const committed = new Map<string, number>(); // group|topic|partition → g
  for (let j = 0; j < GROUPS; j++) {
    const offsets = views.map((v, i) => ({ topic: v.topic, partition: v.partition, offset: points[i]![j % points[i]!.length]! }));
    await commitGroupOffsets(a.props, groups[j]!, offsets);
    for (const o of offsets) committed.set(`${groups[j]}|${o.topic}|${o.partition}`, o.offset);
  }
  log(`${GROUPS} groups, ${committed.size} committed offsets over ${views.length} partitions`);

  const remote = (t: string) => `${sc.source}.${t}`;
  if (process.env.FERRY_TEST_DEBUG) log(`views: ${views.map((v) => `${v.topic}-${v.partition} end ${v.end} visible ${v.visible.length}`).join('; ')}`);
  const cpTopic = `${sc.source}.checkpoints.internal`;
  const mm = await startMirrorMaker(readMm2Config(mm2File.path));
  let checkpoints = new Map<string, Checkpoint>();
  try {
    for (const v of views) {
      const visibleCount = v.visible.length;
      await waitFor(`${remote(v.topic)}-${v.partition} mirrored`, async () => ((await endOffsets(b.props, remote(v.topic)))[v.partition] ?? 0) >= visibleCount, 60_000, 250);
    }
    // The copy is complete: read the target once, then wait until every checkpoint is the exact one. (A checkpoint
    // taken before the mirror flushed its map is a safe re-delivering one; the exact one follows within a flush.)
    for (const v of views) {
      v.target = await partitionFingerprints(b.props, remote(v.topic), v.partition);
      v.targetEnd = (await endOffsets(b.props, remote(v.topic)))[v.partition]!;
      assert.deepEqual(v.target.map((r) => r.fp), v.visible.map((r) => r.fp), `${remote(v.topic)}-${v.partition} is an exact copy of what consumers see`);
    }
    const exactDownstream = (k: string, g: number): number => {
      const [, topic, partitionText] = k.split('|') as [string, string, string];
      const view = views.find((x) => x.topic === topic && x.partition === Number(partitionText))!;
      const next = nextRecord(view, g);
      return next === null ? view.targetEnd : (view.target.find((r) => r.fp === next.fp)?.offset ?? -1);
    };
    checkpoints = await waitFor('an exact checkpoint for every committed offset', async () => {
      const c = await readCheckpoints(b.props, cpTopic).catch(() => new Map<string, Checkpoint>());
      const missing: string[] = [];
      for (const [k, g] of committed) {
        const [group, topic, partition] = k.split('|') as [string, string, string];
        const got = c.get(`${group}|${remote(topic)}|${partition}`);
        if (got?.upstream !== g || got.downstream !== exactDownstream(k, g)) missing.push(`${k}@${g}${got ? ` (has ${got.upstream}→${got.downstream})` : ''}`);
      }
      if (process.env.FERRY_TEST_DEBUG) log(`checkpoints: ${c.size}, missing ${missing.length}: ${missing.slice(0, 8).join(', ')}`);
      return missing.length === 0 ? c : null;
    }, 90_000, 1000);
    // sync.group.offsets: the idle target groups get the translated offsets.
    await waitFor('target groups synced', async () => admin(b.props, async (ad) => {
      for (const group of groups) {
        const got = new Map((await ad.groupOffsets(group)).map((o) => [`${o.topic}|${o.partition}`, o.offset]));
        for (const v of views) {
          const cp = checkpoints.get(`${group}|${remote(v.topic)}|${v.partition}`)!;
          if (got.get(`${remote(v.topic)}|${v.partition}`) !== cp.downstream) return false;
        }
      }
      return true;
    }), 60_000, 1000);
  } finally {
    await mm.stop();
  }

  // Every checkpoint is the exact next record.
  let exact = 0;
  let atEnd = 0;
  for (const [k, g] of committed) {
    const [group, topic, partitionText] = k.split('|') as [string, string, string];
    const partition = Number(partitionText);
    const view = views.find((x) => x.topic === topic && x.partition === partition)!;
    const cp = checkpoints.get(`${group}|${remote(topic)}|${partition}`)!;
    const next = nextRecord(view, g);
    if (next === null) {
      assert.equal(cp.downstream, view.targetEnd, `${k}: committed at the end → target end`);
      atEnd++;
    } else {
      const at = view.target.find((r) => r.offset === cp.downstream);
      assert.ok(at, `${k}: a record exists at the translated offset ${cp.downstream}`);
      assert.equal(at.fp, next.fp, `${k}: the record at the translated offset is the next record the group would consume (source offset ${next.offset})`);
      exact++;
    }
  }
  log(`Ferry: ${committed.size} checkpoints, all exact (${exact} on the next record, ${atEnd} at the end): 0 records re-read`);
  return { views, committed, syncsTopic: `mm2-offset-syncs.${sc.target}.internal` };
}

/** Translates the same commits with MM2's algorithm: over Ferry's syncs, and over the syncs MM2's writer would emit. */
async function compareWithMm2(r: { views: PartitionView[]; committed: Map<string, number>; syncsTopic: string }): Promise<void> {
  const a = kafka.cluster('a');
  const ferrySyncs = new Mm2OffsetSyncStore({ keepHistoryDuringLoad: true });
  let syncRecords = 0;
  for (const rec of await readAll(a.props, r.syncsTopic)) {
    const [topic, partition] = fields(rec.key!, ['s', 'i32']) as [string, number];
    const [upstream, downstream] = fields(rec.value!, ['i64', 'i64']) as [number, number];
    ferrySyncs.handleSync({ topic, partition, upstreamOffset: upstream, downstreamOffset: downstream });
    syncRecords++;
  }
  ferrySyncs.markReadToEnd();
  const emitter = new Mm2OffsetSyncEmitter();
  const mm2Syncs = new Mm2OffsetSyncStore({ keepHistoryDuringLoad: true });
  mm2Syncs.markReadToEnd();
  let mm2SyncCount = 0;
  for (const v of r.views) {
    for (let i = 0; i < v.visible.length; i++) {
      emitter.recordCommitted(v.topic, v.partition, v.visible[i]!.offset, v.target[i]!.offset);
      for (const s of emitter.drainPending()) { mm2Syncs.handleSync(s); mm2SyncCount++; }
    }
  }
  emitter.commit(); // one offset flush after everything was copied
  for (const s of emitter.drainPending()) { mm2Syncs.handleSync(s); mm2SyncCount++; }
  const compare = (store: Mm2OffsetSyncStore) => {
    let reread = 0, worst = 0, untranslatable = 0, skipped = 0, exactHits = 0;
    const byTopic: Record<string, number> = {};
    for (const [k, g] of r.committed) {
      const [, topic, partitionText] = k.split('|') as [string, string, string];
      const view = r.views.find((x) => x.topic === topic && x.partition === Number(partitionText))!;
      const t = store.translateDownstream(topic, view.partition, g);
      if (t === undefined || t < 0) { untranslatable++; continue; }
      const want = exactTranslation(view, g);
      if (t > want) { skipped++; continue; }
      reread += want - t;
      worst = Math.max(worst, want - t);
      if (t === want) exactHits++;
      byTopic[topic] = (byTopic[topic] ?? 0) + (want - t);
    }
    return `${reread} records re-read in total (worst ${worst}), ${exactHits}/${r.committed.size} exact, ${untranslatable} untranslatable, ${skipped} skipping; by topic ${JSON.stringify(byTopic)}`;
  };
  const viaFerry = compare(ferrySyncs);
  const viaMm2 = compare(mm2Syncs);
  log(`MM2 algorithm over the ${syncRecords} syncs Ferry wrote: ${viaFerry}`);
  log(`MM2 algorithm over the ${mm2SyncCount} syncs MM2's writer would emit: ${viaMm2}`);
  assert.match(viaFerry, / 0 skipping/, 'Ferry\'s syncs never make an MM2 reader skip a record');
  assert.match(viaMm2, / 0 skipping/);
}

test('checkpoints land on the exact next record, in plain, transactional and compacted topics; MM2 would re-read', { timeout: 180_000 }, async () => {
  const a = kafka.cluster('a');
  await createTopics(a.props, [{ topic: 'cp-plain', partitions: 2 }, { topic: 'cp-txn', partitions: 2 }]);
  await produceMixed(a.props, ['cp-plain'], { run: 'cp', partitions: 2, count: 2000 });
  await produceTransactions(a.props, 'cp-txn', 'cp-txn-producer');

  // Compacted topic: values superseded and keys deleted (tombstones), compacted before the mirror starts.
  const SEGMENT_MS = 300;
  await createTopics(a.props, [{ topic: 'cp-compact', partitions: 1, configs: { 'cleanup.policy': 'compact', 'segment.ms': String(SEGMENT_MS), 'min.cleanable.dirty.ratio': '0.01', 'min.compaction.lag.ms': '0' } }]);
  const cprod = createKafka(a.props, { clientId: 'cp-compact' }).producer({ allowAutoTopicCreation: false, idempotent: false });
  await cprod.connect();
  try {
    const round = async (msgs: { key: string; value: string | null }[]) => {
      await cprod.send({ topic: 'cp-compact', acks: -1, messages: msgs.map((m) => ({ partition: 0, key: m.key, value: m.value })) });
      // A fixed time is the point: once segment.ms has elapsed, the next write rolls the segment.
      await sleep(SEGMENT_MS + 100);
    };
    await round(Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `v1-${i}` })));
    await round(Array.from({ length: 35 }, (_, i) => ({ key: `k${i}`, value: i < 25 ? `v2-${i}` : null })));
    await round(Array.from({ length: 15 }, (_, i) => ({ key: `k${35 + i}`, value: `v3-${35 + i}` })));
    await round(Array.from({ length: 5 }, (_, i) => ({ key: `n${i}`, value: `v4-${i}` })));
  } finally {
    await cprod.disconnect();
  }
  await waitFor('cp-compact to be compacted (every first-round value superseded)', async () => (await partitionFingerprints(a.props, 'cp-compact', 0)).length === 55, 60_000, 500);
  // Stop the cleaner from touching the topic again, so the source the test compares against cannot change under
  // the mirror (a later cleaning pass would remove records the mirror already copied), then wait until two reads agree.
  const cadmin = new ClusterAdmin(a.props, 'cp-compact-freeze');
  try {
    await cadmin.alterTopicConfigs('cp-compact', { 'min.cleanable.dirty.ratio': '0.99', 'segment.ms': '604800000' });
  } finally {
    await cadmin.close();
  }
  await waitFor('cp-compact stable', async () => {
    const x = JSON.stringify(await partitionFingerprints(a.props, 'cp-compact', 0));
    // A fixed time is the point (stability window): several cleaner backoffs (log.cleaner.backoff.ms 200) without a change.
    await sleep(1500);
    return x === JSON.stringify(await partitionFingerprints(a.props, 'cp-compact', 0));
  }, 30_000, 100);
  log('source topics ready: cp-plain, cp-txn (markers, aborted transactions), cp-compact (compacted)');

  // The mirror reads read_uncommitted here (MM2's default): markers are the gaps in cp-txn, aborted records are copied.
  const r = await runScenario({
    source: 'A', target: 'B', readCommitted: false, groupPrefix: 'cp-g', file: 'checkpoints.properties',
    layout: [{ topic: 'cp-plain', partitions: 2 }, { topic: 'cp-txn', partitions: 2 }, { topic: 'cp-compact', partitions: 1 }],
  });
  await compareWithMm2(r);
});

test('read_committed mirror: aborted transactions are not copied, checkpoints stay exact', { timeout: 150_000 }, async () => {
  const a = kafka.cluster('a');
  await createTopics(a.props, [{ topic: 'rc-txn', partitions: 2 }]);
  await produceTransactions(a.props, 'rc-txn', 'rc-txn-producer');
  const r = await runScenario({ source: 'C', target: 'D', readCommitted: true, groupPrefix: 'rc-g', file: 'read-committed.properties', layout: [{ topic: 'rc-txn', partitions: 2 }] });
  await compareWithMm2(r);
});

test('MM2 interop: takeover from an MM2 deployment (Java Connect offsets, MM2 syncs, checkpoints, heartbeats)', { timeout: 150_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const P = 2;
  // The source topic with gaps (transaction markers), so upstream and downstream offsets differ.
  await createTopics(a.props, [{ topic: 'legacy', partitions: P }]);
  const tx = createKafka(a.props, { clientId: 'legacy' }).producer({ transactionalId: 'legacy-producer', idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await tx.connect();
  try {
    for (let t = 0; t < 30; t++) {
      const x = await tx.transaction();
      await x.send({ topic: 'legacy', acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ partition: i % P, key: `l${t}-${i}`, value: `legacy-${t}-${i}` })) });
      await x.commit();
    }
  } finally {
    await tx.disconnect();
  }
  const source: FingerprintedRecord[][] = [];
  for (let p = 0; p < P; p++) source.push(await partitionFingerprints(a.props, 'legacy', p));

  // ---- What "Apache MM2" left behind: the first 200 records of each partition copied to N's M.legacy, its
  // offset syncs (MM2's writer algorithm, MM2 bytes), its Connect offsets (Java JSON), a checkpoint, heartbeats.
  const COPIED = 200;
  await createTopics(b.props, [{ topic: 'M.legacy', partitions: P }]);
  const copier = createKafka(b.props, { clientId: 'mm2-copier' }).producer({ allowAutoTopicCreation: false, idempotent: false });
  const recs = await Promise.all(Array.from({ length: P }, async (_, p) => {
    const out: { key: Buffer | null; value: Buffer | null; timestamp: number; offset: number }[] = [];
    await readToEnd(a.props, 'legacy', [p], (r) => { if (out.length < COPIED) out.push({ key: r.key, value: r.value, timestamp: r.timestamp, offset: r.offset }); });
    return out;
  }));
  await copier.connect();
  const emitter = new Mm2OffsetSyncEmitter();
  const syncRecords: { key: Buffer; value: Buffer }[] = [];
  try {
    for (let p = 0; p < P; p++) {
      await copier.send({ topic: 'M.legacy', acks: -1, messages: recs[p]!.map((r) => ({ partition: p, key: r.key, value: r.value, timestamp: String(r.timestamp) })) });
      recs[p]!.forEach((r, i) => {
        emitter.recordCommitted('legacy', p, r.offset, i);
        for (const s of emitter.drainPending()) syncRecords.push({ key: mm2.offsetSyncKey(s.topic, s.partition), value: mm2.offsetSyncValue(s.upstreamOffset, s.downstreamOffset) });
      });
    }
  } finally {
    await copier.disconnect();
  }
  emitter.commit();
  for (const s of emitter.drainPending()) syncRecords.push({ key: mm2.offsetSyncKey(s.topic, s.partition), value: mm2.offsetSyncValue(s.upstreamOffset, s.downstreamOffset) });
  await createTopics(a.props, [{ topic: 'mm2-offset-syncs.N.internal', partitions: 1, configs: { 'cleanup.policy': 'compact' } }]);
  await produceRaw(a.props, 'mm2-offset-syncs.N.internal', syncRecords);
  // Connect offsets as Java's JsonConverter (schemas.enable=false) writes them, partitioned as the Java producer does.
  await createTopics(b.props, [{ topic: 'mm2-offsets.M.internal', partitions: 25, configs: { 'cleanup.policy': 'compact' } }]);
  await produceRaw(b.props, 'mm2-offsets.M.internal', Array.from({ length: P }, (_, p) => {
    const key = Buffer.from(`["MirrorSourceConnector",{"cluster":"M","partition":${p},"topic":"legacy"}]`);
    return { key, value: Buffer.from(`{"offset":${recs[p]![COPIED - 1]!.offset}}`), partition: murmur2Partition(key, 25) };
  }));
  // An MM2 checkpoint for a group Ferry will not see on the source, and MM2 heartbeats upstream of M.
  await createTopics(b.props, [{ topic: 'M.checkpoints.internal', partitions: 1, configs: { 'cleanup.policy': 'compact' } }]);
  await produceRaw(b.props, 'M.checkpoints.internal', [{ key: mm2.checkpointKey('legacy-fixture', 'M.legacy', 1), value: mm2.checkpointValue(150, 137, 'from-mm2') }]);
  await createTopics(a.props, [{ topic: 'heartbeats', partitions: 1, configs: { 'cleanup.policy': 'compact' } }]);
  const hbTs = Date.now() - 1000;
  await produceRaw(a.props, 'heartbeats', [{ key: mm2.heartbeatKey('L', 'M'), value: mm2.heartbeatValue(hbTs) }]);

  // A group inside MM2's era (committed once Ferry has a map of its own for the partition): translated from
  // MM2's syncs (MM2 itself answers one past the sync before it, 5 records back inside a transaction), then confirmed exact against the records.
  const gOld = source[0]![125]!.offset;
  const fixtureStore = new Mm2OffsetSyncStore({ keepHistoryDuringLoad: true });
  for (const r of syncRecords) {
    const [topic, partition] = fields(r.key, ['s', 'i32']) as [string, number];
    const [u, d] = fields(r.value, ['i64', 'i64']) as [number, number];
    fixtureStore.handleSync({ topic, partition, upstreamOffset: u, downstreamOffset: d });
  }
  fixtureStore.markReadToEnd();
  const expectedOld = fixtureStore.translateDownstream('legacy', 0, gOld)!;

  const file = writeMm2Properties(tmp.dir, { M: a.bootstrap, N: b.bootstrap }, {
    'M->N.enabled': 'true',
    'M->N.topics': 'legacy',
    'M->N.groups': 'legacy-.*',
    'N->M.emit.heartbeats.enabled': 'false',
    'offset.storage.partitions': '25',
  }, 'interop.properties');
  const mm = await startMirrorMaker(readMm2Config(file.path));
  try {
    await waitFor('M.legacy complete', async () => {
      const e = await endOffsets(b.props, 'M.legacy');
      return e.length === P && e.every((x, p) => x >= source[p]!.length);
    }, 60_000, 250);
    const gNew = source[0]![250]!.offset;
    await commitGroupOffsets(a.props, 'legacy-old', [{ topic: 'legacy', partition: 0, offset: gOld }]);
    await commitGroupOffsets(a.props, 'legacy-new', [{ topic: 'legacy', partition: 0, offset: gNew }]);
    const target0 = await partitionFingerprints(b.props, 'M.legacy', 0);
    const nextOld = source[0]!.find((r) => r.offset >= gOld)!;
    const exactOld = target0.findIndex((r) => r.fp === nextOld.fp);
    const cps = await waitFor('checkpoints for both groups', async () => {
      const c = await readCheckpoints(b.props, 'M.checkpoints.internal');
      const o = c.get('legacy-old|M.legacy|0');
      const n = c.get('legacy-new|M.legacy|0');
      return o?.upstream === gOld && o.downstream === exactOld && n?.upstream === gNew ? { o, n, all: c } : null;
    }, 60_000, 1000);
    // Ferry's own map covers its era exactly; MM2's era is anchored on MM2's syncs and confirmed against the
    // records (verified-translation.ts), where MM2 itself answers one past the sync before the group.
    assert.equal(target0[cps.n.downstream]!.fp, source[0]!.find((r) => r.offset >= gNew)!.fp, 'legacy-new: exact next record');
    assert.equal(cps.o.downstream, exactOld, 'legacy-old (MM2 era): the exact next record, confirmed against the records');
    assert.ok(expectedOld <= exactOld, 'MM2\'s own answer never skips the next record');
    log(`takeover: legacy-old (MM2 era) → ${cps.o.downstream}, exact (MM2's syncs alone give ${expectedOld}: ${exactOld - expectedOld} re-read); legacy-new (Ferry era) → ${cps.n.downstream}, exact`);

    // Ferry's records on N decode with the reference layouts.
    const hb = await waitFor('a Ferry heartbeat on N', async () => (await readAll(b.props, 'heartbeats')).find((r) => r.key && fields(r.key, ['s', 's']).join('->') === 'M->N'), 30_000, 500);
    const [version, ts] = fields(hb.value!, ['i16', 'i64']) as [number, number];
    assert.equal(version, 0);
    assert.ok(Math.abs(ts - Date.now()) < 120_000);
    // MM2's heartbeat, replicated by Ferry byte for byte.
    const replicated = await waitFor('M.heartbeats on N', async () => (await readAll(b.props, 'M.heartbeats').catch(() => [])).find((r) => r.key?.equals(mm2.heartbeatKey('L', 'M'))), 30_000, 500);
    assert.deepEqual(replicated.value, mm2.heartbeatValue(hbTs));
  } finally {
    await mm.stop();
  }

  // Continued from MM2's Connect offsets: nothing copied twice, nothing missing.
  const [src, dst] = await Promise.all([digestTopic(a.props, 'legacy', P), digestTopic(b.props, 'M.legacy', P)]);
  for (let p = 0; p < P; p++) {
    assert.equal(dst[p]!.count, src[p]!.count, `M.legacy-${p}: no record copied twice after the takeover`);
    assert.equal(dst[p]!.sha256, src[p]!.sha256, `M.legacy-${p}: same records in the same order`);
  }

  // The mirror client reads MM2-written checkpoints, heartbeats topics and remote topics on N.
  const clientProps = { 'bootstrap.servers': b.bootstrap };
  assert.deepEqual(await translateOffsets(clientProps, 'M', 'legacy-fixture'), [{ topic: 'M.legacy', partition: 1, offset: 137, upstreamOffset: 150, metadata: 'from-mm2' }]);
  const client = new MirrorClient(clientProps);
  try {
    assert.equal(await client.replicationHops('M'), 1);
    assert.equal(await client.replicationHops('L'), -1, 'L is only inside a heartbeat record, not in a topic name');
    assert.ok((await client.heartbeatTopics()).includes('M.heartbeats'));
    assert.ok((await client.checkpointTopics()).includes('M.checkpoints.internal'));
    assert.ok((await client.upstreamClusters()).includes('M'));
    const remote = await client.remoteTopics('M');
    assert.ok(remote.includes('M.legacy') && remote.includes('M.heartbeats'), JSON.stringify(remote));
    const ferryNew = await client.remoteConsumerOffsets('legacy-new', 'M');
    assert.equal(ferryNew[0]?.upstreamOffset, source[0]![250]!.offset);
  } finally {
    await client.close();
  }

  // `ferry offsets translate` with the same mm2.properties.
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/ferry.ts', 'offsets', 'translate', '--group', 'legacy-fixture', '--from', 'M', '--to', 'N', '--config', file.path, '--json'], { encoding: 'utf8', env: { ...process.env, FERRY_LOG_LEVEL: 'error' } });
  assert.equal(cli.status, 0, cli.stderr);
  const out = JSON.parse(cli.stdout) as { offsets: unknown[]; checkpointsTopic: string };
  assert.equal(out.checkpointsTopic, 'M.checkpoints.internal');
  assert.deepEqual(out.offsets, [{ topic: 'M.legacy', partition: 1, offset: 137, upstreamOffset: 150, metadata: 'from-mm2' }]);
  const human = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/ferry.ts', 'offsets', 'translate', '--group', 'legacy-fixture', '--from', 'M', '--bootstrap-server', b.bootstrap], { encoding: 'utf8', env: { ...process.env, FERRY_LOG_LEVEL: 'error' } });
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, /M\.legacy\s+1\s+150\s+137\s+from-mm2/);
});

test('offset maps are trimmed to what the source still retains (ferry.offset.map.trim.interval.ms)', { timeout: 90_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const topic = 'trim-src';
  await createTopics(a.props, [{ topic, partitions: 1 }]);
  await produceRaw(a.props, topic, Array.from({ length: 100 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) })));
  const file = writeMm2Properties(tmp.dir, { ta: a.bootstrap, tb: b.bootstrap }, {
    'ta->tb.enabled': 'true',
    'ta->tb.topics': topic,
    'ta->tb.ferry.offset.map.trim.interval.ms': '500',
    'tb->ta.emit.heartbeats.enabled': 'false',
  }, 'trim.properties');
  const mm = await startMirrorMaker(readMm2Config(file.path));
  try {
    await waitFor('100 records mirrored', async () => ((await endOffsets(b.props, `ta.${topic}`))[0] ?? 0) >= 100, 60_000, 250);
    const maps = async () => (await loadOffsetMaps(a.props, offsetMapsTopicName('source', 'ta', 'tb'))).get(`${topic}\u00000`);
    const before = await waitFor('the offset map snapshot', async () => { const m = await maps(); return m && m.translate(99) === 99 ? m : null; }, 30_000, 250);
    assert.equal(before.translate(10), 10, 'before: every offset translates');
    // Retention (here: DeleteRecords) moves the source's log start to 60.
    const k = createKafka(a.props, { clientId: 'trim-admin' }).admin();
    await k.connect();
    try {
      await k.fetchTopicMetadata({ topics: [topic] }); // kafkajs's deleteTopicRecords needs the topic's metadata loaded
      await k.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '60' }] });
    } finally {
      await k.disconnect();
    }
    const after = await waitFor('the snapshot trimmed to the log start', async () => { const m = await maps(); return m && m.translate(10) === undefined ? m : null; }, 30_000, 250);
    assert.equal(after.translate(60), 60, 'offsets the source still holds translate exactly');
    assert.equal(after.translate(99), 99);
    log(`offset map trimmed: translate(10) refused, translate(60) = ${String(after.translate(60))}`);
  } finally {
    await mm.stop();
  }
});
