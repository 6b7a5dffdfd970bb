// Topic discovery and active-active on real clusters.
//  3. MirrorSourceConnector inside a Ferry standalone Connect worker (REST-style config, no dedicated mode): a topic
//     created on the source after start appears on the target with its partition count and configs within the
//     refresh interval, its records follow; a partition increase is followed; a topic config change (set and
//     removed) is synced while an override that exists only on the target survives.
//  4. Active-active A↔B in dedicated mode, with the default policy (A.x on B, B.x on A; the topic filter matches
//     the remote names too, so cycle detection is what stops loops) and with IdentityReplicationPolicy (same
//     names both ways; Ferry's provenance header stops loops): each record exists exactly once per cluster.
//     With the default ferry.provenance.header (auto) the mirrored records carry no provenance header under
//     the default policy, and carry the hop under identity naming.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { startTestWorker, tempDir, waitFor, type TestWorker } from '../helpers/connect.js';
import { createTopics, digestTopic, endOffsets, mixedRecord, partitionFingerprints, produceMixed, sum, writeMm2Properties } from '../helpers/mirror.js';
import { recordFingerprint } from '../../src/mirror/ops/partition-digest.js';
import { ClusterAdmin } from '../../src/kafka/cluster-admin.js';
import type { ClientProps } from '../../src/kafka/client.js';
import { readMm2Config, startMirrorMaker } from '../../src/mirror/dedicated.js';
import { MIRROR_SOURCE_CONNECTOR_CLASS } from '../../src/connectors/mirror/mirror-config.js';
import { PROVENANCE_HEADER } from '../../src/connectors/mirror/provenance.js';
import { PartitionReader } from '../../src/kafka/partition-reader.js';
import { sleep } from '../../src/backoff.js';

let kafka: KafkaHarness;
const tmp = tempDir('ferry-mirror-topology-');
const BYTES = 'org.apache.kafka.connect.converters.ByteArrayConverter';

before(async () => {
  kafka = await startKafka({ clusters: ['a', 'b'] });
});

after(async () => {
  await kafka?.stop();
  tmp.cleanup();
});

const log = (m: string) => process.stderr.write(`# ${m}\n`);

async function topicConfig(props: ClientProps, topic: string): Promise<Map<string, { value: string | null; source: string }>> {
  const admin = new ClusterAdmin(props, 'topology-test-admin');
  try {
    const entries = (await admin.topicConfigs([topic])).get(topic) ?? [];
    return new Map(entries.map((e) => [e.name, { value: e.value, source: e.source }]));
  } finally {
    await admin.close();
  }
}

async function withAdmin<T>(props: ClientProps, fn: (a: ClusterAdmin) => Promise<T>): Promise<T> {
  const admin = new ClusterAdmin(props, 'topology-test-admin');
  try { return await fn(admin); } finally { await admin.close(); }
}

async function assertSameDigests(srcProps: ClientProps, srcTopic: string, dstProps: ClientProps, dstTopic: string, partitions: number): Promise<number> {
  const [src, dst] = await Promise.all([digestTopic(srcProps, srcTopic, partitions), digestTopic(dstProps, dstTopic, partitions)]);
  for (let p = 0; p < partitions; p++) {
    assert.equal(dst[p]!.count, src[p]!.count, `${dstTopic}-${p}: count`);
    assert.equal(dst[p]!.sha256, src[p]!.sha256, `${dstTopic}-${p}: digest`);
  }
  return sum(src.map((d) => d.count));
}

test('new topic, partition increase and config changes follow the source; target-only overrides survive', { timeout: 120_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const REFRESH_S = 2;
  const worker: TestWorker = await startTestWorker(b.bootstrap, {
    dir: tmp.dir,
    extra: { 'key.converter': BYTES, 'value.converter': BYTES, 'header.converter': BYTES },
    connectors: [{
      name: 'mirror-P-Q',
      config: {
        'connector.class': MIRROR_SOURCE_CONNECTOR_CLASS,
        'source.cluster.alias': 'P', 'target.cluster.alias': 'Q',
        'source.cluster.bootstrap.servers': a.bootstrap, 'target.cluster.bootstrap.servers': b.bootstrap,
        'topics': 'dyn-.*', 'tasks.max': '2',
        'refresh.topics.interval.seconds': String(REFRESH_S), 'sync.topic.configs.interval.seconds': String(REFRESH_S),
        'sync.topic.acls.enabled': 'false', 'replication.factor': '1', 'offset-syncs.topic.replication.factor': '1',
      },
    }],
  });
  try {
    await waitFor('connector RUNNING', async () => ((await worker.rest('GET', '/connectors/mirror-P-Q/status')).body as { connector?: { state: string } }).connector?.state === 'RUNNING', 30_000);

    // 1. A topic created after start, with overrides.
    const created = Date.now();
    await createTopics(a.props, [{ topic: 'dyn-1', partitions: 3, configs: { 'retention.ms': '123456789', 'max.message.bytes': '2000000' } }]);
    await produceMixed(a.props, ['dyn-1'], { run: 'dyn', partitions: 3, count: 300 });
    const cfg = await waitFor('P.dyn-1 on the target with its configs', async () => {
      const counts = await withAdmin(b.props, (ad) => ad.partitionCounts(['P.dyn-1']));
      if (counts.get('P.dyn-1') !== 3) return null;
      const c = await topicConfig(b.props, 'P.dyn-1');
      return c.get('retention.ms')?.value === '123456789' && c.get('max.message.bytes')?.value === '2000000' ? c : null;
    }, 30_000, 100);
    const appearedMs = Date.now() - created;
    log(`new topic on the target with its configs ${appearedMs} ms after creation (refresh interval ${REFRESH_S * 1000} ms)`);
    assert.ok(appearedMs <= REFRESH_S * 1000 + 3000, `appeared within the refresh interval (+3 s slack): ${appearedMs} ms`);
    assert.equal(cfg.get('retention.ms')!.source, 'dynamic-topic');
    await waitFor('300 records on P.dyn-1', async () => sum(await endOffsets(b.props, 'P.dyn-1')) >= 300, 30_000, 200);
    assert.equal(await assertSameDigests(a.props, 'dyn-1', b.props, 'P.dyn-1', 3), 300);

    // 2. Partition increase, then records in the new partitions.
    const grown = Date.now();
    await withAdmin(a.props, (ad) => ad.createPartitions('dyn-1', 5));
    await waitFor('P.dyn-1 to have 5 partitions', async () => (await withAdmin(b.props, (ad) => ad.partitionCounts(['P.dyn-1']))).get('P.dyn-1') === 5, 30_000, 100);
    log(`partition increase followed ${Date.now() - grown} ms later`);
    await produceMixed(a.props, ['dyn-1'], { run: 'dyn', partitions: 5, from: 300, count: 500 });
    const srcEnds = await endOffsets(a.props, 'dyn-1');
    assert.ok((srcEnds[3] ?? 0) > 0 && (srcEnds[4] ?? 0) > 0);
    await waitFor('all records, new partitions included', async () => {
      const e = await endOffsets(b.props, 'P.dyn-1');
      return e.length === 5 && e.every((x, p) => x >= srcEnds[p]!);
    }, 40_000, 250);
    assert.equal(await assertSameDigests(a.props, 'dyn-1', b.props, 'P.dyn-1', 5), 800);

    // 3. A target-only override, then a change and a removal on the source.
    await withAdmin(b.props, (ad) => ad.alterTopicConfigs('P.dyn-1', { 'segment.ms': '7200000' }));
    const changed = Date.now();
    await withAdmin(a.props, (ad) => ad.alterTopicConfigs('dyn-1', { 'retention.ms': '987654321', 'max.message.bytes': null }));
    await waitFor('config change synced', async () => {
      const c = await topicConfig(b.props, 'P.dyn-1');
      return c.get('retention.ms')?.value === '987654321' && c.get('max.message.bytes')?.source !== 'dynamic-topic';
    }, 30_000, 200);
    log(`config change and removal synced ${Date.now() - changed} ms later`);
    // A fixed time is the point: two more config sync rounds (sync.topic.configs.interval.seconds) must pass, and the
    // target-only override must still be there after them.
    await sleep(2 * REFRESH_S * 1000 + 500);
    const after = await topicConfig(b.props, 'P.dyn-1');
    assert.equal(after.get('segment.ms')?.value, '7200000', 'the target-only override survives config sync');
    assert.equal(after.get('segment.ms')?.source, 'dynamic-topic');
    assert.equal(after.get('retention.ms')?.value, '987654321');
  } finally {
    await worker.stop();
  }
});

interface Produced { cluster: 'a' | 'b'; topic: string; run: string; count: number }

/** Per-partition fingerprint lists of a topic. */
async function fingerprints(props: ClientProps, topic: string, partitions: number): Promise<string[][]> {
  const out: string[][] = [];
  for (let p = 0; p < partitions; p++) out.push((await partitionFingerprints(props, topic, p)).map((r) => r.fp));
  return out;
}

function assertNoDuplicates(cluster: string, lists: string[][]): number {
  const all = lists.flat();
  const distinct = new Set(all);
  assert.equal(distinct.size, all.length, `${cluster}: every record exists exactly once`);
  return all.length;
}

/** `sub` appears in `full` in the same relative order. */
function isOrderedSubsequence(sub: readonly string[], full: readonly string[], members: ReadonlySet<string>): boolean {
  const filtered = full.filter((f) => members.has(f));
  return filtered.length === sub.length && filtered.every((f, i) => f === sub[i]);
}

async function listRemoteLoops(props: ClientProps, pattern: RegExp): Promise<string[]> {
  return (await withAdmin(props, (ad) => ad.topics())).filter((t) => pattern.test(t));
}

/** Records of a topic by the value of their provenance header ('' for records without one). */
async function provenanceChains(props: ClientProps, topic: string, partitions: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const reader = new PartitionReader(props, 'topology-test-provenance', { maxWaitMs: 100, maxBytesPerPartition: 4 * 1_048_576 });
  try {
    await reader.connect();
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
    const ends = await reader.listOffsets(tps, 'latest');
    for (const tp of tps) reader.seek(tp, 'earliest');
    for (let polls = 0; tps.some((tp) => (reader.position(tp) ?? 0) < (ends.get(`${topic}\u0000${tp.partition}`) ?? 0)); polls++) {
      if (polls > 2000) throw new Error(`${topic}: reader stuck`);
      for (const f of await reader.poll()) {
        for (const r of f.records) {
          let chain = '';
          for (const [k, v] of r.headers) if (k === PROVENANCE_HEADER) chain = v?.toString() ?? 'null';
          out.set(chain, (out.get(chain) ?? 0) + 1);
        }
      }
    }
    return out;
  } finally {
    await reader.disconnect();
  }
}

test('active-active A↔B with the default policy: no loops, each record once per cluster', { timeout: 120_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const P = 3;
  await Promise.all([createTopics(a.props, [{ topic: 'orders', partitions: P }]), createTopics(b.props, [{ topic: 'orders', partitions: P }])]);
  const mm2 = writeMm2Properties(tmp.dir, { A: a.bootstrap, B: b.bootstrap }, {
    'A->B.enabled': 'true', 'B->A.enabled': 'true',
    // Matches the remote topics as well (A.orders, B.orders, B.A.orders…): cycle detection must stop them.
    'topics': '.*orders',
  }, 'aa-default.properties');
  const mm = await startMirrorMaker(readMm2Config(mm2.path));
  const produced: Produced[] = [{ cluster: 'a', topic: 'orders', run: 'aa-A', count: 1500 }, { cluster: 'b', topic: 'orders', run: 'aa-B', count: 1500 }];
  try {
    // Live traffic on both sides while both flows run.
    await Promise.all(produced.map((x) => produceMixed(kafka.cluster(x.cluster).props, [x.topic], { run: x.run, partitions: P, count: x.count, batchSize: 100, concurrency: 1 })));
    const endsA = await endOffsets(a.props, 'orders');
    const endsB = await endOffsets(b.props, 'orders');
    await waitFor('both directions copied', async () => {
      const [ba, ab] = await Promise.all([endOffsets(b.props, 'A.orders'), endOffsets(a.props, 'B.orders')]);
      return ba.length === P && ab.length === P && ba.every((x, p) => x >= endsA[p]!) && ab.every((x, p) => x >= endsB[p]!);
    }, 60_000, 250);
    // A fixed time is the point (no loop may appear): two topic refreshes and plenty of polls.
    await sleep(2 * Number(mm2.props['refresh.topics.interval.seconds']) * 1000 + 1000);
    const loopsA = await listRemoteLoops(a.props, /^(A|B)\.(A|B)\./);
    const loopsB = await listRemoteLoops(b.props, /^(A|B)\.(A|B)\./);
    assert.deepEqual([...loopsA, ...loopsB], [], 'no A.B.x / B.A.x topics');
    assert.deepEqual(await endOffsets(a.props, 'orders'), endsA, 'nothing came back into A\'s local topic');
    assert.deepEqual(await endOffsets(b.props, 'orders'), endsB, 'nothing came back into B\'s local topic');
  } finally {
    await mm.stop();
  }
  assert.equal(await assertSameDigests(a.props, 'orders', b.props, 'A.orders', P), 1500);
  assert.equal(await assertSameDigests(b.props, 'orders', a.props, 'B.orders', P), 1500);
  const onA = assertNoDuplicates('A', [...await fingerprints(a.props, 'orders', P), ...await fingerprints(a.props, 'B.orders', P)]);
  const onB = assertNoDuplicates('B', [...await fingerprints(b.props, 'orders', P), ...await fingerprints(b.props, 'A.orders', P)]);
  // ferry.provenance.header=auto: the names stop cycles, so no hop was added (and the local records had none).
  assert.deepEqual([...await provenanceChains(b.props, 'A.orders', P)], [['', 1500]], 'A.orders on B: no provenance header');
  assert.deepEqual([...await provenanceChains(a.props, 'B.orders', P)], [['', 1500]], 'B.orders on A: no provenance header');
  log(`default policy active-active: ${onA} records on A, ${onB} on B, each exactly once, digests equal, no provenance header`);
  assert.equal(onA, 3000);
  assert.equal(onB, 3000);
});

test('active-active X↔Y with IdentityReplicationPolicy (identical names): no loops, each record once per cluster', { timeout: 120_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const P = 3;
  await Promise.all([createTopics(a.props, [{ topic: 'shared', partitions: P }]), createTopics(b.props, [{ topic: 'shared', partitions: P }])]);
  const mm2 = writeMm2Properties(tmp.dir, { X: a.bootstrap, Y: b.bootstrap }, {
    'X->Y.enabled': 'true', 'Y->X.enabled': 'true',
    'topics': 'shared',
    'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy',
  }, 'aa-identity.properties');
  const mm = await startMirrorMaker(readMm2Config(mm2.path));
  const N = 1500;
  try {
    // Produce to both sides while mirroring; remember what each side produced (its own records only).
    const runA = produceMixed(a.props, ['shared'], { run: 'id-X', partitions: P, count: N, batchSize: 100, concurrency: 1 });
    const runB = produceMixed(b.props, ['shared'], { run: 'id-Y', partitions: P, count: N, batchSize: 100, concurrency: 1 });
    await Promise.all([runA, runB]);
    await waitFor('both clusters to hold every record', async () => {
      const [ea, eb] = await Promise.all([endOffsets(a.props, 'shared'), endOffsets(b.props, 'shared')]);
      return sum(ea) >= 2 * N && sum(eb) >= 2 * N;
    }, 60_000, 250);
    // A fixed time is the point (nothing may loop back): two topic refreshes and plenty of polls.
    await sleep(2 * Number(mm2.props['refresh.topics.interval.seconds']) * 1000 + 1000);
    const [ea, eb] = await Promise.all([endOffsets(a.props, 'shared'), endOffsets(b.props, 'shared')]);
    assert.equal(sum(ea), 2 * N, 'X holds its records and Y\'s, nothing looped back');
    assert.equal(sum(eb), 2 * N, 'Y holds its records and X\'s, nothing looped back');
  } finally {
    await mm.stop();
  }
  const onA = await fingerprints(a.props, 'shared', P);
  const onB = await fingerprints(b.props, 'shared', P);
  assertNoDuplicates('X', onA);
  assertNoDuplicates('Y', onB);
  // Which records originated where: regenerate the fingerprints of what each side produced.
  const srcA: string[][] = onA.map(() => []);
  const srcB: string[][] = onB.map(() => []);
  const fpOf = (run: string, i: number) => {
    const r = mixedRecord(run, 'shared', i, P);
    const headers: Array<[string, Buffer | null]> = [];
    for (const [k, v] of Object.entries(r.headers)) for (const x of Array.isArray(v) ? v : [v]) headers.push([k, x]);
    return { p: r.partition, fp: recordFingerprint({ key: r.key, value: r.value, headers, timestamp: r.timestamp }) };
  };
  for (let i = 0; i < N; i++) {
    const x = fpOf('id-X', i); srcA[x.p]!.push(x.fp);
    const y = fpOf('id-Y', i); srcB[y.p]!.push(y.fp);
  }
  for (let p = 0; p < P; p++) {
    const expected = new Set([...srcA[p]!, ...srcB[p]!]);
    assert.deepEqual(new Set(onA[p]), expected, `X partition ${p}: exactly X's and Y's records`);
    assert.deepEqual(new Set(onB[p]), expected, `Y partition ${p}: exactly X's and Y's records`);
    // Order of each origin's records is kept on the other cluster.
    assert.ok(isOrderedSubsequence(onA[p]!.filter((f) => new Set(srcA[p]).has(f)), onB[p]!, new Set(srcA[p])), `X's records in order on Y (partition ${p})`);
    assert.ok(isOrderedSubsequence(onB[p]!.filter((f) => new Set(srcB[p]).has(f)), onA[p]!, new Set(srcB[p])), `Y's records in order on X (partition ${p})`);
  }
  // ferry.provenance.header=auto with identity naming: every mirrored record carries the hop (its origin).
  assert.deepEqual(new Map([...await provenanceChains(a.props, 'shared', P)].sort()), new Map([['', N], ['Y', N]]), 'X: its own records bare, Y\'s with "Y"');
  assert.deepEqual(new Map([...await provenanceChains(b.props, 'shared', P)].sort()), new Map([['', N], ['X', N]]), 'Y: its own records bare, X\'s with "X"');
  log(`identity active-active: ${sum(onA.map((l) => l.length))} records on X, ${sum(onB.map((l) => l.length))} on Y, each exactly once, same sets per partition`);
});
