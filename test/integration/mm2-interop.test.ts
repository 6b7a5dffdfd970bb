// Ferry's records, read by Kafka's own Java code (test/java/FerryInterop.java, compiled with javac against the
// Kafka jars Ferry fetches, at test time). A one-way Ferry flow H1->H2 in dedicated mode:
//  - its heartbeat-only reverse flow H2->H1 emits (MM2's heartbeat connector ignores `enabled`), so Java's
//    MirrorClient on H2 reports upstream cluster H1 at one replication hop;
//  - every record Ferry wrote to mm2-configs/offsets/status, checkpoints, offset-syncs and heartbeats is read
//    back by Connect's KafkaConfigBackingStore/KafkaStatusBackingStore/KafkaOffsetBackingStore (+ the byte-exact
//    OffsetStorageReader lookup a Java MirrorSourceTask resumes with) and MM2's OffsetSync/Checkpoint/Heartbeat
//    classes: Java task class names, committed task configs, RUNNING statuses, offsets a Java task finds;
//  - RemoteClusterUtils.translateOffsets reads Ferry's checkpoints and gets the exact next record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/connect.js';
import { commitGroupOffsets, createTopics, endOffsets, produceMixed, spawnMirrorMaker, waitForEndOffsets } from '../helpers/mirror.js';
import {
  exactTarget, fingerprints, interopFlowFile, useJavaInterop, waitForJavaTranslation,
  type JavaClient, type JavaRecords, type JavaStores,
} from '../helpers/java-interop.js';

const interop = useJavaInterop('ferry-mm2-interop-');
const { kafka, log } = interop;
const P = 3;

test('one-way Ferry flow: heartbeats upstream (Java MirrorClient: 1 hop), Ferry\'s internal records read by Kafka\'s Java classes', { timeout: 150_000 }, async () => {
  const kit = interop.kit;
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  await createTopics(a.props, [{ topic: 'hb-orders', partitions: P }]);
  const sent = await produceMixed(a.props, ['hb-orders'], { run: 'hb', partitions: P, count: 900 });
  const file = interopFlowFile(interop.dir, 'one-way.properties', { alias: 'H1', bootstrap: a.bootstrap }, { alias: 'H2', bootstrap: b.bootstrap }, 'hb-orders', 'hb-g');
  const ferry = spawnMirrorMaker(file);
  try {
    const ends = await endOffsets(a.props, 'hb-orders');
    await waitForEndOffsets(b.props, 'H1.hb-orders', ends, 90_000);
    await commitGroupOffsets(a.props, 'hb-g1', [0, 1, 2].map((p) => ({ topic: 'hb-orders', partition: p, offset: Math.floor(ends[p]! / 2) })));
    // MM2 only emits heartbeats for H2->H1 because its heartbeat connector ignores `enabled`: so must Ferry.
    const client = await waitFor('Java MirrorClient on H2 to see H1 upstream', () => {
      const r = kit.interop<JavaClient>(['client', b.bootstrap, 'H1']).result;
      return r.upstreamClusters.includes('H1') && r.replicationHops['H1'] === 1 ? r : null;
    }, 60_000, 2000);
    log(`Java MirrorClient on H2: upstreamClusters=${JSON.stringify(client.upstreamClusters)} replicationHops(H1)=${client.replicationHops['H1']}`);
    const upstreamHb = kit.interop<Record<string, JavaRecords>>(['mirror-records', a.bootstrap, 'heartbeats:heartbeats']).result['heartbeats']!;
    assert.deepEqual(upstreamHb.failures, []);
    assert.ok(upstreamHb.records.some((r) => r['sourceClusterAlias'] === 'H2' && r['targetClusterAlias'] === 'H1'), 'the heartbeat-only flow H2->H1 writes heartbeats on H1');

    // Checkpoints (Ferry's, read by RemoteClusterUtils) for the group; then every internal record by Java's readers.
    const src = await fingerprints(a.props, 'hb-orders', P);
    const tgt = await fingerprints(b.props, 'H1.hb-orders', P);
    const expected = [0, 1, 2].map((p) => exactTarget(src[p]!, tgt[p]!, Math.floor(ends[p]! / 2), tgt[p]!.length));
    await waitForJavaTranslation(kit, b.bootstrap, 'H1', 'H1.hb-orders', { 'hb-g1': expected });

    const mirror = kit.interop<Record<string, JavaRecords>>(['mirror-records', b.bootstrap, 'checkpoints:H1.checkpoints.internal', 'heartbeats:heartbeats', 'heartbeats:H1.heartbeats']).result;
    const syncs = kit.interop<Record<string, JavaRecords>>(['mirror-records', a.bootstrap, 'offset-syncs:mm2-offset-syncs.H2.internal']).result;
    for (const [topic, r] of Object.entries({ ...mirror, ...syncs })) {
      assert.deepEqual(r.failures, [], `${topic}: every record deserializes with Kafka's ${r.kind} class`);
      assert.ok(r.records.length > 0, `${topic} has records`);
    }
    assert.ok(mirror['H1.checkpoints.internal']!.records.some((c) => c['group'] === 'hb-g1' && c['topic'] === 'H1.hb-orders'));
    assert.ok(mirror['heartbeats']!.records.some((h) => h['sourceClusterAlias'] === 'H1' && h['targetClusterAlias'] === 'H2'));
    assert.ok(mirror['H1.heartbeats']!.records.some((h) => h['sourceClusterAlias'] === 'H2' && h['targetClusterAlias'] === 'H1'), 'H1\'s heartbeats replicated to H2');
    assert.ok(syncs['mm2-offset-syncs.H2.internal']!.records.every((s) => s['topic'] === 'hb-orders' || s['topic'] === 'heartbeats'));

    // Connect's internal topics of the forward flow (on H2) and of the heartbeat-only reverse flow (on H1).
    const stores = await waitFor('Ferry\'s task configs and statuses, as Java reads them', () => {
      const r = kit.interop<JavaStores>(['connect-stores', b.bootstrap, 'mm2-configs.H1.internal', 'mm2-offsets.H1.internal', 'mm2-status.H1.internal', 'MirrorSourceConnector', 'MirrorHeartbeatConnector']);
      const s = r.result;
      if (process.env.FERRY_INTEROP_DEBUG) log(`stores: ${JSON.stringify({ status: s.status, tasks: Object.fromEntries(Object.entries(s.connectors).map(([k, v]) => [k, v.taskCount])) })}`);
      const running = ['MirrorSourceConnector', 'MirrorCheckpointConnector', 'MirrorHeartbeatConnector'].every((c) => s.status[c]?.state === 'RUNNING' && (s.status[c]?.tasks.length ?? 0) > 0 && s.status[c]!.tasks.every((t) => t.state === 'RUNNING'));
      return running && s.connectors['MirrorCheckpointConnector']?.taskCount ? r : null;
    }, 60_000, 2000);
    const s = stores.result;
    assert.deepEqual(s.inconsistentConnectors, []);
    const taskClass: Record<string, string> = {
      MirrorSourceConnector: 'org.apache.kafka.connect.mirror.MirrorSourceTask',
      MirrorCheckpointConnector: 'org.apache.kafka.connect.mirror.MirrorCheckpointTask',
      MirrorHeartbeatConnector: 'org.apache.kafka.connect.mirror.MirrorHeartbeatTask',
    };
    for (const [name, cls] of Object.entries(taskClass)) {
      const c = s.connectors[name];
      assert.ok(c, `${name} in the config topic`);
      assert.equal(c.config['connector.class'], `org.apache.kafka.connect.mirror.${name}`);
      assert.equal(c.targetState, 'STARTED');
      assert.ok(c.taskCount > 0 && c.tasks.length === c.taskCount, `${name}: committed task configs`);
      for (const t of c.tasks) assert.equal(t['task.class'], cls, `${name}: task.class is the Java class`);
    }
    assert.equal(s.sessionKey?.algorithm, 'HmacSHA256');
    assert.ok((s.sessionKey?.keyBytes ?? 0) > 0);
    // The offsets a Java MirrorSourceTask would resume from: found by Java's byte-exact lookup, one per partition.
    // (The `heartbeats` topic of H1 is always replicated too, so it has an offset of its own.)
    const offsets = s.offsets['MirrorSourceConnector']!.filter((o) => o.partition['topic'] === 'hb-orders');
    assert.ok(s.offsets['MirrorSourceConnector']!.some((o) => o.partition['topic'] === 'heartbeats' && o.offset !== null));
    assert.equal(offsets.length, P, JSON.stringify(offsets));
    for (const row of offsets) {
      assert.equal(row.partition['cluster'], 'H1');
      assert.equal(row.partition['topic'], 'hb-orders');
      assert.equal(row.offset?.['offset'], ends[Number(row.partition['partition'])]! - 1, `offset of ${JSON.stringify(row.partition)}`);
    }
    assert.equal(stores.log.match(/ERROR/g)?.length ?? 0, 0, stores.log);
    // The heartbeat-only reverse flow's worker on H1: a heartbeat task, no replication.
    const reverse = await waitFor('the reverse flow\'s heartbeat task, as Java reads it', () => {
      const r = kit.interop<JavaStores>(['connect-stores', a.bootstrap, 'mm2-configs.H2.internal', 'mm2-offsets.H2.internal', 'mm2-status.H2.internal', 'MirrorHeartbeatConnector']).result;
      return r.status['MirrorHeartbeatConnector']?.tasks.some((t) => t.state === 'RUNNING') ? r : null;
    }, 30_000, 2000);
    assert.equal(reverse.connectors['MirrorHeartbeatConnector']?.tasks[0]?.['task.class'], 'org.apache.kafka.connect.mirror.MirrorHeartbeatTask');
    assert.equal(reverse.connectors['MirrorSourceConnector']?.taskCount ?? 0, 0, 'the reverse flow replicates nothing');
    log(`Java read ${sent} mirrored records' Connect state: ${Object.keys(s.connectors).length} connectors, ${Object.values(s.connectors).reduce((n, c) => n + c.taskCount, 0)} tasks, offsets ${JSON.stringify(offsets.map((o) => o.offset))}`);
  } finally {
    await ferry.stop();
  }
});
