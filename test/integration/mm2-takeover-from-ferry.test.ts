// Ferry, then Apache MirrorMaker 2 (Java, started from the Kafka jars Ferry fetches, as connect-mirror-maker.sh
// would) on the same clusters with the same mm2.properties: Ferry mirrors, stops; MM2 takes over: 0 lost,
// 0 duplicated (count + sha256 per partition), no ERROR in MM2's log (Ferry's Connect config, offsets, status,
// checkpoints and syncs are what a Java worker expects), the groups Ferry checkpointed stay exact under MM2
// (RemoteClusterUtils.translateOffsets, test/java/FerryInterop.java), and groups committed at the head translate
// exactly under MM2 too. The other direction is mm2-takeover.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { waitFor } from '../helpers/connect.js';
import { commitGroupOffsets, createTopics, endOffsets, produceMixed, spawnMirrorMaker, waitForEndOffsets } from '../helpers/mirror.js';
import {
  assertSameCopy, exactTarget, fingerprints, groupAt, interopFlowFile, javaTranslate, startApacheMirrorMaker, useJavaInterop, waitForJavaTranslation,
  type JavaStores,
} from '../helpers/java-interop.js';

const interop = useJavaInterop('ferry-mm2-from-ferry-');
const { kafka, log } = interop;
const P = 3;
/** Records per produce step (four steps: before, during, between and after the switch). */
const STEP = 1200;

test('Ferry mirrors, stops, MM2 takes over: 0 lost, 0 duplicated, no ERROR in MM2\'s log, Ferry\'s exact checkpoints stand', { timeout: 300_000 }, async () => {
  const kit = interop.kit;
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const topic = 'f2m-orders';
  const remote = `S2.${topic}`;
  await createTopics(a.props, [{ topic, partitions: P }]);
  await produceMixed(a.props, [topic], { run: 'f2m', partitions: P, count: 2 * STEP });
  const file = interopFlowFile(interop.dir, 'ferry-to-mm2.properties', { alias: 'S2', bootstrap: a.bootstrap }, { alias: 'T2', bootstrap: b.bootstrap }, topic, 'f2m-g');

  // Every group exists before Ferry starts, so the checkpoint task configs Ferry writes are the ones MM2 computes
  // when it takes over. (A group set that changed while nobody ran makes MM2 replace its checkpoint tasks right
  // after start; stopping a task whose stores are still loading is logged as an ERROR by MM2 itself,
  // ConcurrentModificationException in MirrorCheckpointTask — an MM2 race, not about the records it reads.)
  for (const g of ['f2m-g-before', 'f2m-g-after', 'f2m-g-mid']) await commitGroupOffsets(a.props, g, Array.from({ length: P }, (_, p) => ({ topic, partition: p, offset: 0 })));
  const ferry = spawnMirrorMaker(file);
  let exactBefore: number[];
  let before: { topic: string; partition: number; offset: number }[];
  let ferryExit: number | string;
  try {
    await waitForEndOffsets(b.props, remote, await endOffsets(a.props, topic), 120_000, `${remote} (Ferry)`);
    const src = await fingerprints(a.props, topic, P);
    const tgt = await fingerprints(b.props, remote, P);
    before = groupAt(topic, src, 0.41);
    await commitGroupOffsets(a.props, 'f2m-g-before', before);
    exactBefore = before.map((o) => exactTarget(src[o.partition]!, tgt[o.partition]!, o.offset, tgt[o.partition]!.length));
    await waitForJavaTranslation(kit, b.bootstrap, 'S2', remote, { 'f2m-g-before': exactBefore });
    await produceMixed(a.props, [topic], { run: 'f2m', partitions: P, from: 2 * STEP, count: STEP });
    await waitForEndOffsets(b.props, remote, await endOffsets(a.props, topic), 60_000, `${remote} (Ferry, more)`);
  } finally {
    const stopping = Date.now();
    ferryExit = await ferry.stop(30_000);
    log(`Ferry stopped (${ferryExit}) in ${Date.now() - stopping} ms`);
  }
  // A graceful stop leaves the Connect group, so MM2's workers take the work over at once. A Ferry killed after
  // the timeout instead leaves a member whose work MM2 holds for scheduled.rebalance.max.delay.ms (5 minutes).
  assert.equal(ferryExit, 0, `Ferry did not stop gracefully within 30 s (exit ${ferryExit}):\n${ferry.output().slice(-3000)}`);
  await produceMixed(a.props, [topic], { run: 'f2m', partitions: P, from: 3 * STEP, count: STEP });

  // What Ferry left in the config topic, as Java reads it; compared below with what MM2 leaves there.
  const storesArgs = ['connect-stores', b.bootstrap, 'mm2-configs.S2.internal', 'mm2-offsets.S2.internal', 'mm2-status.S2.internal'];
  const ferryConfigs = kit.interop<JavaStores>(storesArgs).result.connectors;
  const mm2 = startApacheMirrorMaker(kit, file, join(interop.dir, 'ferry-to-mm2.mm2.log'));
  try {
    await produceMixed(a.props, [topic], { run: 'f2m', partitions: P, from: 4 * STEP, count: STEP });
    const ends = await endOffsets(a.props, topic);
    await waitForEndOffsets(b.props, remote, ends, 120_000, `${remote} (MM2)`);
    const src = await fingerprints(a.props, topic, P);
    const tgt = await fingerprints(b.props, remote, P);
    // Committed after the takeover at the end of the log: MM2 answers these exactly (one past its last sync).
    const atEnd = ends.map((e, p) => ({ topic, partition: p, offset: e }));
    await commitGroupOffsets(a.props, 'f2m-g-after', atEnd);
    // A group MM2 alone translates, mid-log: MM2's own (coarse) answer, reported for the record.
    const mid = groupAt(topic, src, 0.66);
    await commitGroupOffsets(a.props, 'f2m-g-mid', mid);
    // Ferry's exact checkpoints are not rewound by MM2 (it emits only checkpoints that move forward).
    await waitForJavaTranslation(kit, b.bootstrap, 'S2', remote, { 'f2m-g-after': atEnd.map((o) => tgt[o.partition]!.length), 'f2m-g-before': exactBefore });
    const mm2Mid = await waitFor('MM2 checkpoint for f2m-g-mid', () => {
      const r = javaTranslate(kit, b.bootstrap, 'S2', ['f2m-g-mid'])['f2m-g-mid'] ?? [];
      return r.length === P ? r : null;
    }, 60_000, 1000);
    const exactMid = mid.map((o) => exactTarget(src[o.partition]!, tgt[o.partition]!, o.offset, tgt[o.partition]!.length));
    mid.forEach((o) => assert.ok(mm2Mid.find((m) => m.partition === o.partition)!.offset <= exactMid[o.partition]!, 'MM2 never skips'));
    log(`Ferry → MM2: f2m-g-before stays exact ${JSON.stringify(exactBefore)}; f2m-g-after exact; f2m-g-mid MM2 ${JSON.stringify(mm2Mid.map((m) => m.offset))} vs exact ${JSON.stringify(exactMid)}`);
  } finally {
    await mm2.stop();
  }
  const mm2Configs = kit.interop<JavaStores>(storesArgs).result.connectors;
  // The comparison below walks these maps: both must hold the flow's three connectors, or it proves nothing.
  const connectors = ['MirrorCheckpointConnector', 'MirrorHeartbeatConnector', 'MirrorSourceConnector'];
  assert.deepEqual(Object.keys(ferryConfigs).sort(), connectors, 'Ferry wrote the three connectors');
  assert.deepEqual(Object.keys(mm2Configs).sort(), connectors, 'the config topic after MM2 holds the same three');
  const rewritten: string[] = [];
  for (const [name, c] of Object.entries(mm2Configs)) {
    const f = ferryConfigs[name];
    const keys = new Set([...Object.keys(c.config), ...Object.keys(f?.config ?? {})]);
    for (const k of keys) if (c.config[k] !== f?.config[k]) rewritten.push(`${name} config ${k}: Ferry ${JSON.stringify(f?.config[k])} MM2 ${JSON.stringify(c.config[k])}`);
    if (JSON.stringify(c.tasks) !== JSON.stringify(f?.tasks)) rewritten.push(`${name} tasks: Ferry ${f?.taskCount} ${JSON.stringify(f?.tasks.map((t) => t['task.assigned.groups'] ?? t['task.assigned.partitions'] ?? ''))} MM2 ${c.taskCount} ${JSON.stringify(c.tasks.map((t) => t['task.assigned.groups'] ?? t['task.assigned.partitions'] ?? ''))}`);
  }
  log(`MM2 rewrote ${rewritten.length === 0 ? 'nothing Ferry wrote' : `:\n${rewritten.join('\n')}`}`);
  // Ferry's connector and task configs are the ones a Java MM2 computes for the same mm2.properties.
  assert.deepEqual(rewritten, [], 'MM2 keeps the connector and task configs Ferry wrote');
  // MM2's log file was written (INFO and above), so an empty error list means something.
  assert.match(mm2.log(), /MirrorSourceConnector/, `MM2's log ${mm2.logFile}`);
  // Except MM2's own stop race: while a checkpoint task stops (the SIGTERM above), its scheduler can still query a
  // group through the admin client the task is closing ("Cannot accept new calls when AdminClient is closing", an
  // ERROR from MirrorCheckpointTask.refreshIdleConsumerGroupOffset): about MM2 stopping, not what it read from Ferry.
  const errors = mm2.errors().filter((e) => !/Cannot accept new calls when AdminClient is closing/.test(e));
  assert.deepEqual(errors, [], `MM2 logged errors after taking over from Ferry:\n${errors.join('\n')}`);
  assert.doesNotMatch(mm2.log(), /could not be found|Failed to start task|Failed to deserialize|Failed to convert/i);
  log(`Ferry → MM2: ${await assertSameCopy(a.props, b.props, topic, remote, P, 'Ferry → MM2')} records, per-partition counts and sha256 digests equal`);
});
