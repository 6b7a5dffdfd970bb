// Apache MirrorMaker 2 (Java, started from the Kafka jars Ferry fetches, as connect-mirror-maker.sh would) and
// then Ferry on the same clusters with the same mm2.properties, judged by Kafka's own Java code
// (RemoteClusterUtils.translateOffsets in test/java/FerryInterop.java, compiled with javac at test time):
// MM2 mirrors, stops; Ferry takes over: 0 lost, 0 duplicated (count + sha256 per partition), and groups
// committed before the takeover (data MM2 mirrored, where MM2 itself answers coarsely) and after it translate to
// the exact next record. The reverse direction is mm2-takeover-from-ferry.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { waitFor } from '../helpers/connect.js';
import { commitGroupOffsets, createTopics, endOffsets, produceMixed, spawnMirrorMaker, waitForEndOffsets } from '../helpers/mirror.js';
import {
  assertSameCopy, exactTarget, fingerprints, groupAt, interopFlowFile, javaTranslate, startApacheMirrorMaker, useJavaInterop, waitForJavaTranslation,
  type JavaOffset, type JavaStores,
} from '../helpers/java-interop.js';

const interop = useJavaInterop('ferry-mm2-takeover-');
const { kafka, log } = interop;
const P = 3;
/** Records per produce step (four steps: before, during, between and after the switch). */
const STEP = 1200;

test('MM2 mirrors, stops, Ferry takes over: 0 lost, 0 duplicated, groups before and after translate exactly (Java RemoteClusterUtils)', { timeout: 300_000 }, async () => {
  const kit = interop.kit;
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const topic = 'm2f-orders';
  const remote = `S1.${topic}`;
  await createTopics(a.props, [{ topic, partitions: P }]);
  await produceMixed(a.props, [topic], { run: 'm2f', partitions: P, count: 2 * STEP });
  const file = interopFlowFile(interop.dir, 'mm2-to-ferry.properties', { alias: 'S1', bootstrap: a.bootstrap }, { alias: 'T1', bootstrap: b.bootstrap }, topic, 'm2f-g');

  const mm2 = startApacheMirrorMaker(kit, file, join(interop.dir, 'mm2-to-ferry.mm2.log'));
  let mm2Before: JavaOffset[];
  let before: { topic: string; partition: number; offset: number }[];
  try {
    await waitForEndOffsets(b.props, remote, await endOffsets(a.props, topic), 120_000, `${remote} (MM2)`);
    before = groupAt(topic, await fingerprints(a.props, topic, P), 0.37);
    await commitGroupOffsets(a.props, 'm2f-g-before', before);
    await produceMixed(a.props, [topic], { run: 'm2f', partitions: P, from: 2 * STEP, count: STEP });
    await waitForEndOffsets(b.props, remote, await endOffsets(a.props, topic), 60_000, `${remote} (MM2, more)`);
    mm2Before = await waitFor('MM2\'s checkpoint for m2f-g-before', () => {
      const r = javaTranslate(kit, b.bootstrap, 'S1', ['m2f-g-before'])['m2f-g-before'] ?? [];
      return r.filter((o) => o.topic === remote).length === P ? r : null;
    }, 60_000, 2000);
  } finally {
    const code = await mm2.stop();
    log(`MM2 stopped (${code})`);
  }
  // MM2 is at-least-once: records it wrote after its last offset commit are written again by whoever resumes from
  // that commit. A graceful stop (SIGTERM: the JVM's shutdown hook stops the tasks, which commit their offsets;
  // 143 = 128 + SIGTERM) leaves that window empty, and everything was mirrored before the stop, so MM2's committed
  // offsets must be the last source offset of every partition; 0 duplicates below is then the exact bound (a
  // killed MM2 would leave up to one offset.flush.interval.ms of records to be written twice).
  const mm2Exit = await mm2.exited;
  assert.ok(mm2Exit === 143 || mm2Exit === 0, `MM2 did not stop gracefully (exit ${mm2Exit}):\n${mm2.log().slice(-3000)}`);
  const mm2Ends = await endOffsets(a.props, topic);
  const stored = kit.interop<JavaStores>(['connect-stores', b.bootstrap, 'mm2-configs.S1.internal', 'mm2-offsets.S1.internal', 'mm2-status.S1.internal', 'MirrorSourceConnector']).result.offsets['MirrorSourceConnector'] ?? [];
  const committed = mm2Ends.map((_, p) => stored.find((o) => o.partition['topic'] === topic && Number(o.partition['partition']) === p)?.offset?.['offset']);
  assert.deepEqual(committed, mm2Ends.map((e) => e - 1), `MM2's committed source offsets for ${topic} (mm2-offsets.S1.internal, read by Java) are the last record of each partition it mirrored`);
  await produceMixed(a.props, [topic], { run: 'm2f', partitions: P, from: 3 * STEP, count: STEP });

  const ferry = spawnMirrorMaker(file);
  try {
    await produceMixed(a.props, [topic], { run: 'm2f', partitions: P, from: 4 * STEP, count: STEP });
    const ends = await endOffsets(a.props, topic);
    await waitForEndOffsets(b.props, remote, ends, 120_000, `${remote} (Ferry)`);
    // Ferry resumed exactly where MM2's commit says: nothing written twice (here, before the translations below,
    // which assume one copy of each record; checked again at the end for copies written later).
    await assertSameCopy(a.props, b.props, topic, remote, P, 'MM2 → Ferry, once caught up');
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
    await waitForJavaTranslation(kit, b.bootstrap, 'S1', remote, { 'm2f-g-before': exactBefore, 'm2f-g-after': exact(after), 'm2f-g-late-old': exact(lateOld) });
    log(`MM2 → Ferry: m2f-g-before (MM2 era) Java translation MM2 ${JSON.stringify(mm2Answer)} → Ferry ${JSON.stringify(exactBefore)} (exact; MM2 re-read ${exactBefore.reduce((n, e, p) => n + e - mm2Answer[p]!, 0)} records); m2f-g-late-old and m2f-g-after exact`);
  } finally {
    await ferry.stop();
  }
  log(`MM2 → Ferry: ${await assertSameCopy(a.props, b.props, topic, remote, P, 'MM2 → Ferry')} records, per-partition counts and sha256 digests equal`);
});
