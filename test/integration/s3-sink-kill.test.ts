// S3Sink against a real Kafka and a local s3proxy: 200,000 records over 6 partitions (headers, null keys and
// values) backed up by a connect-standalone child process that is SIGKILLed twice mid-backup. Afterwards every
// record is in S3 exactly once, byte for byte (objects listed and decoded), and every object's name carries its
// first record's offset.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useKafka, uniqueName } from '../helpers/kafka.js';
import { tempDir, waitFor } from '../helpers/connect.js';
import { spawnCli, type CliProcess } from '../helpers/cli.js';
import { createTopics, produceMixed } from '../helpers/mirror.js';
import { blockRecord, byteArrayWorker, headersOf, readBackup, useS3, writeProperties } from '../helpers/s3.js';
import { findFreePorts } from '../../src/dev/ports.js';
import { DEFAULT_NAMING, topicPrefix } from '../../src/connectors/s3/naming.js';

const kafka = useKafka({ clusters: ['main'] });
const s3 = useS3(['backups']);
const tmp = tempDir('ferry-s3-kill-');
after(() => tmp.cleanup());

const RECORDS = 200_000;
const PARTITIONS = 6;
const FLUSH = 1_000;

test('kill -9 twice during a backup: every record in S3 exactly once', { timeout: 180_000 }, async () => {
  const started = Date.now();
  const c = kafka.cluster('main');
  const topic = uniqueName('s3kill');
  const run = uniqueName('run');
  const make = blockRecord(FLUSH);
  await createTopics(c.props, [{ topic, partitions: PARTITIONS }]);
  await produceMixed(c.props, [topic], { run, partitions: PARTITIONS, count: RECORDS, batchSize: 6_000, concurrency: 1, make });
  const producedAt = Date.now();

  const [port] = await findFreePorts(1);
  const worker = writeProperties(join(tmp.dir, 'worker.properties'), byteArrayWorker(c.bootstrap, tmp.dir, port!));
  const connector = writeProperties(join(tmp.dir, 's3-sink.properties'), {
    name: 'backup', 'connector.class': 'io.confluent.connect.s3.S3SinkConnector', 'tasks.max': '2', topics: topic,
    ...s3.connectorProps(), 'format.class': 'LosslessJsonFormat', 'flush.size': String(FLUSH),
  });
  const store = s3.store();
  const prefix = topicPrefix(DEFAULT_NAMING, topic);
  const objects = async () => (await store.list(prefix)).length;
  const children: CliProcess[] = [];
  const start = () => { const p = spawnCli('connect-standalone', [worker, connector], { FERRY_LOG_LEVEL: 'warn' }, 200_000); children.push(p); return p; };
  try {
    for (const killAt of [30, 100]) {
      const w = start();
      await waitFor(`≥ ${killAt} objects before kill -9`, async () => {
        if (w.child.exitCode !== null) throw new Error(`worker exited early:\n${w.output()}`);
        return (await objects()) >= killAt;
      }, 60_000, 50);
      w.kill9();
      await w.exited;
    }
    const w = start();
    const total = RECORDS / FLUSH;
    await waitFor(`all ${total} objects`, async () => {
      if (w.child.exitCode !== null) throw new Error(`worker exited:\n${w.output()}`);
      return (await objects()) >= total;
    }, 90_000, 250);
    await w.stop();
  } finally {
    for (const p of children) p.kill9();
    store.close();
  }

  const verifyStore = s3.store();
  const backup = await readBackup(verifyStore, topic);
  verifyStore.close();
  assert.equal(backup.objects.length, RECORDS / FLUSH, 'one object per flush.size records, no leftovers from killed runs');
  for (const o of backup.objects) assert.equal(o.count, FLUSH, `${o.key} holds flush.size records`);

  // Expected records per partition, in produce order (= offset order).
  const expected = new Map<number, number[]>();
  for (let i = 0; i < RECORDS; i++) {
    const p = make(run, topic, i, PARTITIONS).partition;
    let l = expected.get(p);
    if (!l) expected.set(p, l = []);
    l.push(i);
  }
  let total = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const got = backup.records.get(p) ?? [];
    const want = expected.get(p) ?? [];
    assert.equal(got.length, want.length, `partition ${p}: ${got.length} records in S3, ${want.length} produced`);
    for (let k = 0; k < got.length; k++) {
      const r = got[k]!;
      assert.equal(r.offset, k, `partition ${p}: offsets exactly once and in order`);
      const g = make(run, topic, want[k]!, PARTITIONS);
      if (!(r.key === null ? g.key === null : g.key !== null && r.key.equals(g.key))) assert.fail(`p${p}@${k}: key differs`);
      if (!(r.value === null ? g.value === null : g.value !== null && r.value.equals(g.value))) assert.fail(`p${p}@${k}: value differs`);
      assert.equal(r.timestamp, g.timestamp, `p${p}@${k}: timestamp`);
      const hs = headersOf(g);
      assert.equal(r.headers.length, hs.length, `p${p}@${k}: header count`);
      r.headers.forEach(([hk, hv], j) => { assert.equal(hk, hs[j]![0]); assert.ok(hv !== null && hv.equals(hs[j]![1]), `p${p}@${k}: header ${hk}`); });
    }
    total += got.length;
  }
  assert.equal(total, RECORDS);
  assert.ok([...backup.records.values()].flat().some((r) => r.value === null), 'null values are kept');
  console.log(`s3-sink-kill: produced in ${((producedAt - started) / 1000).toFixed(1)} s, backup with two kill -9 and verify in ${((Date.now() - producedAt) / 1000).toFixed(1)} s`);
});
