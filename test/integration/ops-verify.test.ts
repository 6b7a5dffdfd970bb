// `ferry verify` on real clusters (with an authorizer, so ACLs are compared too):
//  1. an exact mirror verifies OK (exit 0), with throughput printed;
//  2. deliberately introduced differences are each found and named: a record the mirror altered (a DropHeaders
//     transform on one record), a record it did not mirror (a Filter on one record), records missing on the target
//     (deleted there), a record produced directly to the target, a changed topic config, a missing ACL and a group
//     whose offsets were not synced;
//  3. bad input: an unknown alias, a --topics or --groups pattern matching nothing — exit 2, a clear message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { ClusterAdmin } from '../../src/kafka/cluster-admin.js';
import { RecordProducer } from '../../src/kafka/producer.js';
import { withAdmin } from '../../src/kafka/client.js';
import type { MirrorMakerHandle } from '../../src/mirror/dedicated.js';
import { loadFlowMaps, resolveFlow, topicWatermarks } from '../../src/mirror/ops/context.js';
import { topicPartitionKey } from '../../src/connectors/mirror/offset-map.js';
import { verifyFlow, type VerifyReport } from '../../src/mirror/ops/verify.js';
import { createTopics, SeqConsumer, SeqProducer } from '../../scenarios/lib/apps.js';
import { mm2Properties, startMirror, until, writeProperties } from '../../scenarios/lib/mirror.js';
import { runFerry } from '../../scenarios/lib/cli.js';

let kafka: KafkaHarness;
let mirror: MirrorMakerHandle | null = null;
let props: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'ferry-ops-verify-'));
const file = join(dir, 'mm2.properties');
const log = (m: string) => process.stderr.write(`# ${m}\n`);

before(async () => {
  kafka = await startKafka({ clusters: ['a', 'b'], acls: true });
  props = mm2Properties({ a: kafka.cluster('a').bootstrap, b: kafka.cluster('b').bootstrap }, {
    flows: ['a->b'],
    extra: {
      // One record altered by the mirror, one not mirrored: the kinds of difference a misconfigured flow makes.
      'a->b.transforms': 'tamper, drop',
      'a->b.transforms.tamper.type': 'org.apache.kafka.connect.transforms.DropHeaders',
      'a->b.transforms.tamper.headers': 'tamper',
      'a->b.transforms.tamper.predicate': 'isTampered',
      'a->b.transforms.drop.type': 'org.apache.kafka.connect.transforms.Filter',
      'a->b.transforms.drop.predicate': 'isDropped',
      'a->b.predicates': 'isTampered, isDropped',
      'a->b.predicates.isTampered.type': 'org.apache.kafka.connect.transforms.predicates.HasHeaderKey',
      'a->b.predicates.isTampered.name': 'tamper',
      'a->b.predicates.isDropped.type': 'org.apache.kafka.connect.transforms.predicates.HasHeaderKey',
      'a->b.predicates.isDropped.name': 'drop',
      // Config and ACL changes made during the test must not be synced away before verify sees them.
      'a->b.sync.topic.configs.interval.seconds': '3600',
      'a->b.sync.topic.acls.interval.seconds': '3600',
    },
  });
  writeProperties(file, props);
});

after(async () => {
  await mirror?.stop().catch(() => undefined);
  await kafka?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function mirroredUpTo(admin: ClusterAdmin, topic: string, n: number): Promise<void> {
  await until(`${n} records in ${topic}`, async () => (await admin.watermarks(topic).catch(() => [])).reduce((s, w) => s + w.high, 0) >= n, 60_000);
}

/** Waits until the flow's offset maps have processed every record now on A's topics (they are flushed about once a second). */
async function mapsCaughtUp(aadmin: ClusterAdmin, topics: string[]): Promise<void> {
  const flow = resolveFlow({ properties: props }, 'a', 'b');
  const ends = await topicWatermarks(aadmin, topics);
  await until('offset maps caught up with a', async () => {
    const maps = await loadFlowMaps(flow, new Set(topics));
    return [...ends].every(([t, ps]) => ps.every((w, p) => !w || w.high === 0 || (maps?.get(topicPartitionKey(t, p))?.processedUpTo ?? -1) >= w.high));
  }, 30_000, 250);
}

test('an exact mirror verifies OK', { timeout: 180_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  await createTopics(a.props, [{ topic: 'orders', partitions: 3, configs: { 'retention.ms': '86400000' } }, { topic: 'payments', partitions: 2 }]);
  const p1 = new SeqProducer(a.props, 'orders', 'orders', { pad: 100 });
  const p2 = new SeqProducer(a.props, 'payments', 'payments');
  await p1.connect();
  await p2.connect();
  const N = Number(process.env['FERRY_OPS_VERIFY_RECORDS'] ?? 30_000);
  await p1.produce(N, 1000);
  await p2.produce(1000);
  await p1.close();
  await p2.close();
  mirror = await startMirror(props);
  const badmin = new ClusterAdmin(b.props);
  try {
    await mirroredUpTo(badmin, 'a.orders', N);
    await mirroredUpTo(badmin, 'a.payments', 1000);
  } finally {
    await badmin.close();
  }
  const flow = resolveFlow({ properties: props }, 'a', 'b');
  // The offset maps are flushed about every second after the last record.
  const report = await until('a clean verify', async () => {
    const r = await verifyFlow(flow, { strict: true });
    return r.ok ? r : null;
  }, 30_000, 1000);
  assert.equal(report.summary.sourceRecords, N + 1000);
  assert.equal(report.summary.matched, N + 1000);
  for (const p of report.partitions) assert.equal(p.sourceSha256, p.targetSha256, `${p.topic}-${p.partition} digests`);
  log(`verify: ${report.summary.sourceRecords} records in ${report.elapsedMs} ms = ${report.summary.recordsPerSecond} records/s (${report.summary.bytes} bytes)`);

  const cli = await runFerry(['verify', '--config', file, '--from', 'a', '--to', 'b']);
  assert.equal(cli.code, 0, cli.stdout + cli.stderr);
  assert.match(cli.stdout, /RESULT: OK/);
  assert.match(cli.stdout, /orders -> a\.orders\s+3\/3 partitions ok/);
});

test('verify names an altered, a not mirrored, a missing and an extra record, a config, an ACL and a group difference', { timeout: 180_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const producer = new RecordProducer(a.props, 'verify-test');
  const direct = new RecordProducer(b.props, 'verify-intruder');
  await producer.connect();
  await direct.connect();
  const badmin = new ClusterAdmin(b.props);
  const aadmin = new ClusterAdmin(a.props);
  try {
    const before = (await aadmin.watermarks('orders')).map((w) => w.high);
    const rec = (key: string, headers: [string, Buffer][] = [], partition = 1) => ({ topic: 'orders', partition, key: Buffer.from(key), value: Buffer.from(`v-${key}`), headers, timestamp: null });
    const [tampered] = await producer.send([rec('tampered', [['tamper', Buffer.from('yes')]])]);
    const [dropped] = await producer.send([rec('dropped', [['drop', Buffer.from('yes')]])]);
    await producer.send([rec('after-1'), rec('after-2')]);
    await mirroredUpTo(badmin, 'a.orders', before.reduce((s, x) => s + x, 0) + 3);
    // An extra record in the middle of partition 1, then more mirrored records after it.
    await direct.send([{ topic: 'a.orders', partition: 1, key: Buffer.from('intruder'), value: Buffer.from('not from a'), headers: [], timestamp: null }]);
    await producer.send([rec('after-3')]);
    await mirroredUpTo(badmin, 'a.orders', before.reduce((s, x) => s + x, 0) + 5);
    // Records deleted on the target (retention there, or deleteRecords).
    await withAdmin(b.props, async (ad) => {
      await ad.fetchTopicMetadata({ topics: ['a.orders'] });
      await ad.deleteTopicRecords({ topic: 'a.orders', partitions: [{ partition: 2, offset: '5' }] });
    });
    await aadmin.alterTopicConfigs('orders', { 'retention.ms': '3600000' });
    await aadmin.createTopicAcls([{ resourceType: 'TOPIC', resourceName: 'orders', patternType: 'LITERAL', principal: 'User:alice', host: '*', operation: 'READ', permission: 'ALLOW' }]);
    // A group on A whose offsets were never synced to B (group sync is off in this flow).
    const c = new SeqConsumer(a.props, 'billing', ['payments']);
    c.setLimit(10);
    await c.start();
    await c.waitFor(10);
    await c.stop();
    await mapsCaughtUp(aadmin, ['orders', 'payments']);

    const cli = await runFerry(['verify', '--config', file, '--from', 'a', '--to', 'b', '--groups', 'billing', '--json']);
    assert.equal(cli.code, 1, cli.stderr);
    const report = JSON.parse(cli.stdout) as VerifyReport;
    const problems = report.problems.join('\n');
    log(`verify found ${report.problems.length} problems:\n${report.problems.map((p) => `#   ${p}`).join('\n')}`);
    assert.match(problems, new RegExp(`a\\.orders-1: record at source offset ${tampered!.offset}, target offset \\d+, key 'tampered' differs in headers`));
    assert.match(problems, new RegExp(`orders-1: record not mirrored: source offset ${dropped!.offset}, key 'dropped'`));
    assert.match(problems, /a\.orders-1: extra record on b: target offset \d+, key 'intruder' — no source record maps to it/);
    assert.match(problems, /a\.orders-2: 5 records missing on b: source offsets 0\.\.4, target offsets 0\.\.4, keys '[^']+' … '[^']+' — deleted on the target \(its log starts at 5\)/);
    assert.match(problems, /config retention\.ms of a\.orders: a=3600000 b=86400000/);
    assert.match(problems, /ACL missing on b: ALLOW READ on topic a\.orders for User:alice@\*/);
    assert.match(problems, /group billing on a\.payments-\d \(source offset \d+\) has no commit on the target/);
    assert.equal(report.summary.extra, 1);
    assert.equal(report.summary.altered, 1);
    assert.equal(report.summary.missing, 5);
    // Untouched topic stays clean.
    assert.ok(report.partitions.filter((p) => p.topic === 'payments').every((p) => p.status === 'ok'));

    const human = await runFerry(['verify', '--config', file, '--from', 'a', '--to', 'b', '--topics', 'orders']);
    assert.equal(human.code, 1);
    assert.match(human.stdout, /RESULT: MISMATCH/);
    assert.match(human.stdout, /Topic configs: 1 difference/);
  } finally {
    await Promise.all([producer.disconnect(), direct.disconnect(), badmin.close(), aadmin.close()]);
  }
});

test('bad input: unknown alias, patterns matching nothing — exit 2 with a clear message', { timeout: 60_000 }, async () => {
  const unknown = await runFerry(['verify', '--config', file, '--from', 'a', '--to', 'c']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown cluster alias 'c'.*declares clusters a, b/);
  const topics = await runFerry(['verify', '--config', file, '--from', 'a', '--to', 'b', '--topics', 'nothing-like-this']);
  assert.equal(topics.code, 2);
  assert.match(topics.stderr, /--topics matches no topic the flow a->b replicates on a/);
  const groups = await runFerry(['verify', '--config', file, '--from', 'a', '--to', 'b', '--groups', 'no-such-group']);
  assert.equal(groups.code, 2);
  assert.match(groups.stderr, /--groups matches no consumer group on a/);
});
