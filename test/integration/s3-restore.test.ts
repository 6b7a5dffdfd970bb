// Backup → restore into an empty cluster. S3Sink (in a Connect worker) backs up a topic whose first offsets were
// trimmed away (so backed-up and restored offsets differ); `ferry backup groups` snapshots a consumer group to the
// bucket; `ferry restore` (killed with SIGKILL once mid-way, then run again) brings the topic back into a second
// cluster: per-partition digests of key, value, headers and timestamp equal the original's, the offset mapping
// file maps every record, and the group resumes on the restored topic at the exact next record. S3Source (the
// Connect connector) restores the same backup to a renamed topic with the same digests.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useKafka, uniqueName } from '../helpers/kafka.js';
import { startTestWorker, tempDir, waitFor, type TestWorker } from '../helpers/connect.js';
import { runFerry, spawnCli } from '../helpers/cli.js';
import { commitGroupOffsets, createTopics, digestTopic, endOffsets, produceMixed, recordAtOrAfter } from '../helpers/mirror.js';
import { useS3, writeProperties } from '../helpers/s3.js';
import { withAdmin } from '../../src/kafka/client.js';
import { ClusterAdmin } from '../../src/kafka/cluster-admin.js';
import { parseMapping } from '../../src/connectors/s3/restore-job.js';

const kafka = useKafka({ clusters: ['origin', 'dr'] });
const s3 = useS3(['backups']);
const tmp = tempDir('ferry-s3-restore-');
const sourceTmp = tempDir('ferry-s3-source-');
after(() => { tmp.cleanup(); sourceTmp.cleanup(); });

const PARTITIONS = 6;
const RECORDS = 60_000;
const TRIM = 500;
const BYTES = 'org.apache.kafka.connect.converters.ByteArrayConverter';
const bytesWorker = { 'key.converter': BYTES, 'value.converter': BYTES, 'header.converter': BYTES, 'offset.flush.interval.ms': '500' };

test('backup, restore into an empty cluster (with a crash), digests equal, group resumes at the exact next record', { timeout: 240_000 }, async () => {
  const origin = kafka.cluster('origin');
  const dr = kafka.cluster('dr');
  const topic = uniqueName('orders');
  const run = uniqueName('run');
  await createTopics(origin.props, [{ topic, partitions: PARTITIONS }]);
  await produceMixed(origin.props, [topic], { run, partitions: PARTITIONS, count: RECORDS, batchSize: 6_000, concurrency: 1 });
  // Retention took the first records of half the partitions: the backup starts at TRIM there.
  await withAdmin(origin.props, async (a) => { await a.fetchTopicMetadata({ topics: [topic] }); await a.deleteTopicRecords({ topic, partitions: [0, 1, 2].map((partition) => ({ partition, offset: String(TRIM) })) }); });
  const committed = Array.from({ length: PARTITIONS }, (_, p) => ({ topic, partition: p, offset: 3_000 + p * 11 }));
  await commitGroupOffsets(origin.props, 'billing', committed);

  const s3File = writeProperties(join(tmp.dir, 's3.properties'), s3.connectorProps());
  let worker: TestWorker | undefined = await startTestWorker(origin.bootstrap, { dir: tmp.dir, extra: bytesWorker, connectors: [{ name: 'backup', config: {
    'connector.class': 'S3Sink', topics: topic, ...s3.connectorProps(), 'format.class': 'LosslessJsonFormat', 'flush.size': '1000',
    'rotate.schedule.interval.ms': '2000', timezone: 'UTC',
  } }] });
  try {
    // ferry backup status: lag 0 everywhere once the tails were written by the scheduled rotation.
    const status = await waitFor('the backup to catch up (ferry backup status)', async () => {
      const r = await runFerry(['backup', 'status', '--name', 'backup', '--connect', worker!.url, '--bootstrap-server', origin.bootstrap, '--s3-config', s3File, '--json']);
      if (r.code !== 0) throw new Error(r.stderr);
      const s = JSON.parse(r.stdout) as { state: string; topics: Array<{ topic: string; partitions: Array<{ lag: number | null; lastBackedUpOffset: number | null }> }> };
      const t = s.topics.find((x) => x.topic === topic);
      return s.state === 'RUNNING' && t && t.partitions.length === PARTITIONS && t.partitions.every((p) => p.lag === 0) ? s : null;
    }, 60_000, 1_000);
    assert.equal(status.topics[0]!.partitions[0]!.lastBackedUpOffset, RECORDS / PARTITIONS - 1);
  } finally {
    await worker.stop();
    worker = undefined;
  }
  const snap = await runFerry(['backup', 'groups', '--bootstrap-server', origin.bootstrap, '--groups', 'billing', '--s3-config', s3File]);
  assert.equal(snap.code, 0, snap.stderr);

  // The original cluster is not used from here on (the group's offsets come from the S3 snapshot).
  const mapping = join(tmp.dir, 'mapping.jsonl');
  const offsetsFile = join(tmp.dir, 'restore.offsets');
  const args = ['restore', '--bootstrap-server', dr.bootstrap, '--s3-config', s3File, '--topics', topic, '--offsets-file', offsetsFile, '--mapping-file', mapping, '--no-progress'];
  const crashing = spawnCli('ferry', args);
  await waitFor('the first restore to record progress', () => existsSync(offsetsFile) || crashing.child.exitCode !== null, 60_000, 10);
  crashing.kill9();
  await crashing.exited;
  const before = (await endOffsets(dr.props, topic)).reduce((a, b) => a + b, 0);
  assert.ok(before > 0 && before < RECORDS - 3 * TRIM, `killed mid-way (${before} records restored)`);
  const again = await runFerry([...args, '--groups', 'billing', '--json']);
  assert.equal(again.code, 0, again.stderr);
  const result = JSON.parse(again.stdout) as { records: number; alreadyRestored: number; groups: Array<{ group: string; offsets: Array<{ partition: number; offset: number }> }> };
  assert.equal(result.alreadyRestored, before, 'the re-run skipped exactly what the target held');
  assert.equal(result.records + result.alreadyRestored, RECORDS - 3 * TRIM);

  const [a, b] = await Promise.all([digestTopic(origin.props, topic, PARTITIONS), digestTopic(dr.props, topic, PARTITIONS)]);
  for (let p = 0; p < PARTITIONS; p++) {
    assert.equal(b[p]!.count, a[p]!.count, `partition ${p} count`);
    assert.equal(b[p]!.sha256, a[p]!.sha256, `partition ${p}: key, value, headers, timestamp digest`);
  }
  const runs = parseMapping(readFileSync(mapping, 'utf8'));
  for (let p = 0; p < PARTITIONS; p++) {
    const r = runs.filter((x) => x.partition === p);
    assert.deepEqual(r.map((x) => [x.sourceOffset, x.targetOffset, x.count]), [[p < 3 ? TRIM : 0, 0, RECORDS / PARTITIONS - (p < 3 ? TRIM : 0)]]);
  }

  // The group resumes on the restored topic at the record it would have read next on the original.
  const admin = new ClusterAdmin(dr.props, 'test');
  const restoredGroup = await admin.groupOffsets('billing').finally(() => admin.close());
  for (const c of committed) {
    const got = restoredGroup.find((o) => o.partition === c.partition)!;
    assert.equal(got.offset, c.offset - (c.partition < 3 ? TRIM : 0));
    const [was, now] = await Promise.all([recordAtOrAfter(origin.props, topic, c.partition, c.offset), recordAtOrAfter(dr.props, topic, got.offset === undefined ? 0 : c.partition, got.offset)]);
    assert.equal(now?.fp, was?.fp, `partition ${c.partition}: next record`);
  }

  // S3Source, the Connect connector, restores the same backup to a renamed topic.
  const renamed = `restored.${topic}`;
  await createTopics(dr.props, [{ topic: renamed, partitions: PARTITIONS }]);
  worker = await startTestWorker(dr.bootstrap, { dir: sourceTmp.dir, extra: bytesWorker, connectors: [{ name: 'replay', config: {
    'connector.class': 'S3Source', topics: topic, 'topic.rename.format': 'restored.${topic}', ...s3.connectorProps(), 'tasks.max': '2',
  } }] });
  try {
    const ends = a.map((d) => d.count);
    await waitFor('S3Source to replay everything', async () => { const e = await endOffsets(dr.props, renamed); return ends.every((n, p) => e[p] === n); }, 60_000, 500);
    const c = await digestTopic(dr.props, renamed, PARTITIONS);
    for (let p = 0; p < PARTITIONS; p++) assert.equal(c[p]!.sha256, a[p]!.sha256, `S3Source partition ${p}`);
  } finally {
    await worker.stop();
  }
});
