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
  type JavaOffset,
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
    await waitForJavaTranslation(kit, b.bootstrap, 'S1', remote, { 'm2f-g-before': exactBefore, 'm2f-g-after': exact(after), 'm2f-g-late-old': exact(lateOld) });
    log(`MM2 → Ferry: m2f-g-before (MM2 era) Java translation MM2 ${JSON.stringify(mm2Answer)} → Ferry ${JSON.stringify(exactBefore)} (exact; MM2 re-read ${exactBefore.reduce((n, e, p) => n + e - mm2Answer[p]!, 0)} records); m2f-g-late-old and m2f-g-after exact`);
  } finally {
    await ferry.stop();
  }
  log(`MM2 → Ferry: ${await assertSameCopy(a.props, b.props, topic, remote, P, 'MM2 → Ferry')} records, per-partition counts and sha256 digests equal`);
});
