// Apache MirrorMaker 2 (Java, started from the Kafka jars Ferry fetches, as connect-mirror-maker.sh would) and
// Ferry on the same clusters with the same mm2.properties, judged by Kafka's own Java code
// (RemoteClusterUtils.translateOffsets in test/java/FerryInterop.java, compiled with javac at test time):
//  - MM2 mirrors, stops; Ferry takes over: 0 lost, 0 duplicated (count + sha256 per partition), and groups
//    committed before the takeover (data MM2 mirrored; MM2 itself answers coarsely) and after it translate to
//    the exact next record;
//  - the reverse: Ferry mirrors, stops; MM2 takes over: 0 lost, 0 duplicated, no ERROR in MM2's log (Ferry's
//    config, offsets, status, checkpoints and syncs are what a Java worker expects), and the groups Ferry
//    checkpointed stay exact under MM2; groups committed at the head translate exactly under MM2 too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { tempDir, waitFor } from '../helpers/connect.js';
import { commitGroupOffsets, createTopics, endOffsets, produceMixed, spawnMirrorMaker, waitForEndOffsets } from '../helpers/mirror.js';
import {
  assertSameCopy, exactTarget, fingerprints, groupAt, interopFlowFile, javaKit, startApacheMirrorMaker, waitForJavaTranslation,
  type JavaKit, type JavaOffset,
} from '../helpers/java-interop.js';

let kafka: KafkaHarness;
let kit: JavaKit;
const tmp = tempDir('ferry-mm2-takeover-');
const log = (m: string) => process.stderr.write(`# ${m}\n`);
const P = 3;
/** Records per produce step (four steps: before, during, between and after the switch). */
const STEP = 1200;

before(async () => {
  kafka = await startKafka({ clusters: ['a', 'b'] });
  kit = await javaKit(kafka.kafkaVersion);
});

after(async () => {
  await kafka?.stop();
  tmp.cleanup();
});

test('MM2 mirrors, stops, Ferry takes over: 0 lost, 0 duplicated, groups before and after translate exactly (Java RemoteClusterUtils)', { timeout: 240_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const topic = 'm2f-orders';
  const remote = `S1.${topic}`;
  await createTopics(a.props, [{ topic, partitions: P }]);
  await produceMixed(a.props, [topic], { run: 'm2f', partitions: P, count: 2 * STEP });
  const file = interopFlowFile(tmp.dir, 'mm2-to-ferry.properties', { alias: 'S1', bootstrap: a.bootstrap }, { alias: 'T1', bootstrap: b.bootstrap }, topic, 'm2f-g');

  const mm2 = startApacheMirrorMaker(kit, file, join(tmp.dir, 'mm2-to-ferry.mm2.log'));
  let mm2Before: JavaOffset[];
  let before: { topic: string; partition: number; offset: number }[];
  try {
    await waitForEndOffsets(b.props, remote, await endOffsets(a.props, topic), 120_000, `${remote} (MM2)`);
    before = groupAt(topic, await fingerprints(a.props, topic, P), 0.37);
    await commitGroupOffsets(a.props, 'm2f-g-before', before);
    await produceMixed(a.props, [topic], { run: 'm2f', partitions: P, from: 2 * STEP, count: STEP });
    await waitForEndOffsets(b.props, remote, await endOffsets(a.props, topic), 60_000, `${remote} (MM2, more)`);
    mm2Before = await waitFor('MM2\'s checkpoint for m2f-g-before', () => {
      const r = kit.interop<JavaOffset[]>(['translate', b.bootstrap, 'S1', 'm2f-g-before']).result;
      return r.filter((o) => o.topic === remote).length === P ? r : null;
    }, 60_000, 2000);
  } finally {
    const code = await mm2.stop();
    log(`MM2 stopped (${code})`);
  }
  await produceMixed(a.props, [topic], { run: 'm2f', partitions: P, from: 3 * STEP, count: STEP });

  const ferry = spawnMirrorMaker(file);
  try {
    await produceMixed(a.props, [topic], { run: 'm2f', partitions: P, from: 4 * STEP, count: STEP });
    const ends = await endOffsets(a.props, topic);
    await waitForEndOffsets(b.props, remote, ends, 120_000, `${remote} (Ferry)`);
    const src = await fingerprints(a.props, topic, P);
    const tgt = await fingerprints(b.props, remote, P);
    // After the takeover: one group in Ferry's era, one committed now at an offset MM2 mirrored.
    const after = groupAt(topic, src, 0.93);
    const lateOld = groupAt(topic, src, 0.12);
    await commitGroupOffsets(a.props, 'm2f-g-after', after);
    await commitGroupOffsets(a.props, 'm2f-g-late-old', lateOld);
    const exact = (g: { partition: number; offset: number }[]) => g.map((o) => exactTarget(src[o.partition]!, tgt[o.partition]!, o.offset, tgt[o.partition]!.length));
    const mm2Answer = before.map((o) => mm2Before.find((m) => m.partition === o.partition)!.offset);
    const exactBefore = exact(before);
    mm2Answer.forEach((m, p) => assert.ok(m <= exactBefore[p]!, `MM2 never skips (partition ${p}: ${m} ≤ ${exactBefore[p]})`));
    await waitForJavaTranslation(kit, b.bootstrap, 'S1', 'm2f-g-before', remote, exactBefore);
    await waitForJavaTranslation(kit, b.bootstrap, 'S1', 'm2f-g-after', remote, exact(after));
    await waitForJavaTranslation(kit, b.bootstrap, 'S1', 'm2f-g-late-old', remote, exact(lateOld));
    log(`MM2 → Ferry: m2f-g-before (MM2 era) Java translation MM2 ${JSON.stringify(mm2Answer)} → Ferry ${JSON.stringify(exactBefore)} (exact; MM2 re-read ${exactBefore.reduce((n, e, p) => n + e - mm2Answer[p]!, 0)} records); m2f-g-late-old and m2f-g-after exact`);
  } finally {
    await ferry.stop();
  }
  log(`MM2 → Ferry: ${await assertSameCopy(a.props, b.props, topic, remote, P, 'MM2 → Ferry')} records, per-partition counts and sha256 digests equal`);
});

test('Ferry mirrors, stops, MM2 takes over: 0 lost, 0 duplicated, no ERROR in MM2\'s log, Ferry\'s exact checkpoints stand', { timeout: 240_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const topic = 'f2m-orders';
  const remote = `S2.${topic}`;
  await createTopics(a.props, [{ topic, partitions: P }]);
  await produceMixed(a.props, [topic], { run: 'f2m', partitions: P, count: 2 * STEP });
  const file = interopFlowFile(tmp.dir, 'ferry-to-mm2.properties', { alias: 'S2', bootstrap: a.bootstrap }, { alias: 'T2', bootstrap: b.bootstrap }, topic, 'f2m-g');

  const ferry = spawnMirrorMaker(file);
  let exactBefore: number[];
  let before: { topic: string; partition: number; offset: number }[];
  try {
    await waitForEndOffsets(b.props, remote, await endOffsets(a.props, topic), 120_000, `${remote} (Ferry)`);
    const src = await fingerprints(a.props, topic, P);
    const tgt = await fingerprints(b.props, remote, P);
    before = groupAt(topic, src, 0.41);
    await commitGroupOffsets(a.props, 'f2m-g-before', before);
    exactBefore = before.map((o) => exactTarget(src[o.partition]!, tgt[o.partition]!, o.offset, tgt[o.partition]!.length));
    await waitForJavaTranslation(kit, b.bootstrap, 'S2', 'f2m-g-before', remote, exactBefore);
    await produceMixed(a.props, [topic], { run: 'f2m', partitions: P, from: 2 * STEP, count: STEP });
    await waitForEndOffsets(b.props, remote, await endOffsets(a.props, topic), 60_000, `${remote} (Ferry, more)`);
  } finally {
    await ferry.stop();
  }
  await produceMixed(a.props, [topic], { run: 'f2m', partitions: P, from: 3 * STEP, count: STEP });

  const mm2 = startApacheMirrorMaker(kit, file, join(tmp.dir, 'ferry-to-mm2.mm2.log'));
  try {
    await produceMixed(a.props, [topic], { run: 'f2m', partitions: P, from: 4 * STEP, count: STEP });
    const ends = await endOffsets(a.props, topic);
    await waitForEndOffsets(b.props, remote, ends, 120_000, `${remote} (MM2)`);
    const src = await fingerprints(a.props, topic, P);
    const tgt = await fingerprints(b.props, remote, P);
    // Committed after the takeover at the end of the log: MM2 answers these exactly (one past its last sync).
    const atEnd = ends.map((e, p) => ({ topic, partition: p, offset: e }));
    await commitGroupOffsets(a.props, 'f2m-g-after', atEnd);
    await waitForJavaTranslation(kit, b.bootstrap, 'S2', 'f2m-g-after', remote, atEnd.map((o) => tgt[o.partition]!.length), 90_000);
    // Ferry's exact checkpoints are not rewound by MM2 (it emits only checkpoints that move forward).
    const stillExact = kit.interop<JavaOffset[]>(['translate', b.bootstrap, 'S2', 'f2m-g-before']).result;
    assert.deepEqual(before.map((o) => stillExact.find((s) => s.partition === o.partition)?.offset), exactBefore);
    // A group MM2 alone translates, mid-log: MM2's own (coarse) answer, reported for the record.
    const mid = groupAt(topic, src, 0.66);
    await commitGroupOffsets(a.props, 'f2m-g-mid', mid);
    const mm2Mid = await waitFor('MM2 checkpoint for f2m-g-mid', () => {
      const r = kit.interop<JavaOffset[]>(['translate', b.bootstrap, 'S2', 'f2m-g-mid']).result;
      return r.length === P ? r : null;
    }, 60_000, 2000);
    const exactMid = mid.map((o) => exactTarget(src[o.partition]!, tgt[o.partition]!, o.offset, tgt[o.partition]!.length));
    mid.forEach((o) => assert.ok(mm2Mid.find((m) => m.partition === o.partition)!.offset <= exactMid[o.partition]!, 'MM2 never skips'));
    log(`Ferry → MM2: f2m-g-before stays exact ${JSON.stringify(exactBefore)}; f2m-g-after exact; f2m-g-mid MM2 ${JSON.stringify(mm2Mid.map((m) => m.offset))} vs exact ${JSON.stringify(exactMid)}`);
  } finally {
    await mm2.stop();
  }
  const errors = mm2.errors();
  assert.deepEqual(errors, [], `MM2 logged errors after taking over from Ferry:\n${errors.join('\n')}`);
  assert.doesNotMatch(mm2.log(), /could not be found|Failed to start task|Failed to deserialize|Failed to convert/i);
  log(`Ferry → MM2: ${await assertSameCopy(a.props, b.props, topic, remote, P, 'Ferry → MM2')} records, per-partition counts and sha256 digests equal`);
});
