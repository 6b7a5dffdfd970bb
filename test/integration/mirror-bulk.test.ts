// Bulk mirroring on real clusters, dedicated mode (one herder per flow, MM2's internal topics):
//  1. 1,000,000 records over 3 topics × 8 partitions — mixed null/non-null keys and values, repeated headers,
//     non-monotonic timestamps — mirrored A→B: per-partition counts and order-sensitive sha256 digests of
//     key, value, headers and timestamp are equal on both sides. Throughput is printed.
//  2. kill -9 of a `connect-mirror-maker` child process while it is mirroring a live stream, then a restart:
//     every source record is on the target in order; duplicates may only be contiguous re-sent ranges, and
//     they are counted and printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/connect.js';
import {
  analyseCopy, createTopics, digestTopic, endOffsets, partitionFingerprints, produceMixed, spawnMirrorMaker, sum, useMirrorProcesses, writeMm2Properties,
} from '../helpers/mirror.js';
import { readMm2Config, startMirrorMaker } from '../../src/mirror/dedicated.js';
import { sleep } from '../../src/backoff.js';

const TOTAL = Number(process.env.FERRY_MIRROR_BULK_RECORDS ?? 1_000_000);
const TOPICS = 3;
const PARTITIONS = 8;

const { kafka, tmp, children } = useMirrorProcesses('ferry-mirror-bulk-');

const log = (m: string) => process.stderr.write(`# ${m}\n`);

test(`${TOTAL.toLocaleString('en')} records over ${TOPICS} topics × ${PARTITIONS} partitions: counts and digests match, order kept`, { timeout: 240_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const topics = Array.from({ length: TOPICS }, (_, i) => `bulk-${i}`);
  await createTopics(a.props, topics.map((topic) => ({ topic, partitions: PARTITIONS })));
  const perTopic = Math.ceil(TOTAL / TOPICS);
  const t0 = Date.now();
  let produced = 0;
  for (let i = 0; i < TOPICS; i++) {
    const count = Math.min(perTopic, TOTAL - produced);
    produced += await produceMixed(a.props, [topics[i]!], { run: 'bulk', partitions: PARTITIONS, count, batchSize: 5000, concurrency: 4 });
  }
  const produceMs = Date.now() - t0;
  log(`produced ${produced} records in ${produceMs} ms (${Math.round(produced / (produceMs / 1000))} records/s)`);
  assert.equal(produced, TOTAL);
  const sourceEnds = await Promise.all(topics.map((t) => endOffsets(a.props, t)));

  const mm2 = writeMm2Properties(tmp.dir, { A: a.bootstrap, B: b.bootstrap }, {
    'A->B.enabled': 'true',
    'A->B.topics': 'bulk-.*',
    'B->A.emit.heartbeats.enabled': 'false',
    'tasks.max': '2',
  }, 'bulk.properties');
  const started = Date.now();
  const mm = await startMirrorMaker(readMm2Config(mm2.path));
  let firstSeen = 0;
  try {
    const targets = topics.map((t) => `A.${t}`);
    await waitFor('the whole backlog on the target', async () => {
      const ends = await Promise.all(targets.map((t) => endOffsets(b.props, t)));
      const copied = sum(ends.map(sum));
      if (copied > 0 && firstSeen === 0) firstSeen = Date.now();
      return ends.every((e, i) => e.length === PARTITIONS && e.every((x, p) => x >= sourceEnds[i]![p]!));
    }, 200_000, 250);
    const done = Date.now();
    log(`mirrored ${TOTAL} records in ${done - started} ms from start (${Math.round(TOTAL / ((done - started) / 1000))} records/s), `
      + `${done - firstSeen} ms from the first record on the target (${Math.round(TOTAL / ((done - firstSeen) / 1000))} records/s)`);
  } finally {
    await mm.stop();
  }
  const d0 = Date.now();
  for (let i = 0; i < TOPICS; i++) {
    const [src, dst] = await Promise.all([digestTopic(a.props, topics[i]!, PARTITIONS, 2), digestTopic(b.props, `A.${topics[i]}`, PARTITIONS, 2)]);
    for (let p = 0; p < PARTITIONS; p++) {
      if (dst[p]!.count !== src[p]!.count) log(`mismatch ${topics[i]}-${p}: source ${JSON.stringify(src[p])} target ${JSON.stringify(dst[p])}`);
      assert.equal(dst[p]!.count, src[p]!.count, `${topics[i]}-${p}: count`);
      assert.equal(dst[p]!.sha256, src[p]!.sha256, `${topics[i]}-${p}: digest of key, value, headers, timestamp in order`);
    }
    assert.equal(sum(src.map((d) => d.count)), sum(sourceEnds[i]!));
  }
  log(`verified ${TOTAL} records on both sides in ${Date.now() - d0} ms`);
});

test('kill -9 of connect-mirror-maker mid-stream, then restart: nothing lost, duplicates counted', { timeout: 150_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const topic = 'crash';
  const partitions = 4;
  await createTopics(a.props, [{ topic, partitions }]);
  const mm2 = writeMm2Properties(tmp.dir, { S: a.bootstrap, T: b.bootstrap }, {
    'S->T.enabled': 'true',
    'S->T.topics': 'crash',
    'T->S.emit.heartbeats.enabled': 'false',
    // MM2 reads worker settings for a flow from `<target>.*`.
    'T.offset.flush.interval.ms': '2000',
    'tasks.max': '2',
  }, 'crash.properties');

  // A live stream: 40 batches of 1,500 records spread over ~15 s.
  const BATCHES = 40;
  const PER_BATCH = 1500;
  let producedCount = 0;
  const producing = (async () => {
    for (let k = 0; k < BATCHES; k++) {
      producedCount += await produceMixed(a.props, [topic], { run: 'crash', partitions, from: k * PER_BATCH, count: PER_BATCH, batchSize: 500, concurrency: 1 });
      await sleep(250); // pacing: spreads the stream over ~15 s
    }
  })();

  const first = spawnMirrorMaker(mm2.path);
  children.add(first);
  // Kill it while it is copying (the target grows) and the producer is still writing.
  let seen = 0;
  await waitFor('first mirror process to be busy copying', async () => {
    const now = sum(await endOffsets(b.props, 'S.crash'));
    const busy = now >= 20_000 && now > seen;
    seen = now;
    return busy;
  }, 90_000, 150)
    .catch((e: Error) => { throw new Error(`${e.message}\n--- mirror output ---\n${first.output().slice(-4000)}`, { cause: e }); });
  first.kill9();
  const sig = await first.exited;
  children.delete(first);
  const atKill = sum(await endOffsets(b.props, 'S.crash'));
  log(`killed the mirror (${String(sig)}) with ${atKill} records on the target, ${producedCount} produced so far`);
  assert.ok(producedCount < BATCHES * PER_BATCH, 'the kill happened mid-stream');

  const second = spawnMirrorMaker(mm2.path);
  children.add(second);
  await producing;
  const sourceEnds = await endOffsets(a.props, topic);
  try {
    await waitFor('restarted mirror to copy every record', async () => {
      const ends = await endOffsets(b.props, 'S.crash');
      // The target may hold more (duplicates): wait until each partition's last source record is there.
      if (ends.length < partitions) return false;
      for (let p = 0; p < partitions; p++) {
        const src = await partitionFingerprints(a.props, topic, p, { from: sourceEnds[p]! - 1 });
        const tail = await partitionFingerprints(b.props, 'S.crash', p, { from: Math.max(0, ends[p]! - 1) });
        if (src[0]?.fp !== tail[0]?.fp) return false;
      }
      return true;
    }, 90_000, 500);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- mirror output ---\n${second.output().slice(-4000)}`, { cause: e });
  } finally {
    await second.stop();
    children.delete(second);
  }
  let duplicates = 0;
  const ranges: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const src = (await partitionFingerprints(a.props, topic, p)).map((r) => r.fp);
    const dst = (await partitionFingerprints(b.props, 'S.crash', p)).map((r) => r.fp);
    const report = analyseCopy(src, dst);
    if (report.lost > 0) {
      const dstSet = new Set(dst);
      const missing = src.map((fp, i) => (dstSet.has(fp) ? -1 : i)).filter((i) => i >= 0);
      log(`partition ${p}: source ${src.length}, target ${dst.length}, missing source offsets ${missing[0]}..${missing[missing.length - 1]} (${missing.length})`);
    }
    assert.equal(report.lost, 0, `partition ${p}: every source record is on the target in order`);
    assert.equal(report.foreign, 0, `partition ${p}: no unknown records on the target`);
    assert.ok(report.resends.length <= 1, `partition ${p}: duplicates form at most one re-sent range (${JSON.stringify(report.resends)})`);
    assert.equal(report.targetCount, report.sourceCount + report.duplicates);
    duplicates += report.duplicates;
    ranges.push(`p${p}:${report.resends.map((r) => r.length).join('+') || 0}`);
  }
  log(`kill -9 + restart: ${sum(sourceEnds)} source records, 0 lost, ${duplicates} duplicates (${ranges.join(' ')})`);
});
