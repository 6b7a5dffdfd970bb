// A reused target alias with a new source alias on the same physical clusters: mirror `t` as n1->cb, stop, then
// run a new mm2.properties that names the same clusters n2->cb. Everything named after the target alias alone
// is shared by both flows (the offset-syncs topic and Ferry's offset-maps topic on the source cluster, the
// reverse heartbeat flow's Connect group and config topic). Whatever that stored state says, the new flow
// must mirror (as Apache MM2 does), never sit RUNNING with nothing copied.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { tempDir } from '../helpers/connect.js';
import { createTopics, digestTopic, endOffsets, produceMixed, spawnMirrorMaker, waitForEndOffsets, writeMm2Properties } from '../helpers/mirror.js';

let kafka: KafkaHarness;
const tmp = tempDir('ferry-alias-reuse-');
const log = (m: string) => process.stderr.write(`# ${m}\n`);
const P = 2;

before(async () => {
  kafka = await startKafka({ clusters: ['a', 'b'] });
});

after(async () => {
  await kafka?.stop();
  tmp.cleanup();
});

function file(name: string, source: string): string {
  return writeMm2Properties(tmp.dir, { [source]: kafka.cluster('a').bootstrap, cb: kafka.cluster('b').bootstrap }, {
    [`${source}->cb.enabled`]: 'true',
    [`${source}->cb.topics`]: 'reuse-t',
  }, name).path;
}

test('n1->cb, then n2->cb on the same clusters: the new flow mirrors everything', { timeout: 170_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  await createTopics(a.props, [{ topic: 'reuse-t', partitions: P }]);
  await produceMixed(a.props, ['reuse-t'], { run: 'reuse', partitions: P, count: 10_000 });
  const ends = await endOffsets(a.props, 'reuse-t');

  const first = spawnMirrorMaker(file('n1.properties', 'n1'));
  try {
    await waitForEndOffsets(b.props, 'n1.reuse-t', ends, 90_000, 'n1.reuse-t');
    // Let the first deployment settle completely: its reverse heartbeat flow cb->n1 configured, emitting into
    // `heartbeats` on the source cluster, and replicated back as n1.heartbeats.
    await waitForEndOffsets(b.props, 'n1.heartbeats', [1], 60_000, 'n1.heartbeats');
  } finally {
    await first.stop();
  }

  const second = spawnMirrorMaker(file('n2.properties', 'n2'), [], { FERRY_LOG_LEVEL: 'info' });
  try {
    try {
      await waitForEndOffsets(b.props, 'n2.reuse-t', ends, 90_000, 'n2.reuse-t');
    } catch (e) {
      const why = second.output().split('\n').filter((l) => /offset maps|"level":(40|50)|FAILED|mirror source task started/.test(l)).slice(-20).join('\n');
      throw new Error(`the n2->cb flow did not mirror reuse-t (it has ${JSON.stringify(await endOffsets(b.props, 'n2.reuse-t'))} of ${JSON.stringify(ends)}); Ferry said:\n${why}`, { cause: e });
    }
  } finally {
    await second.stop();
  }
  const [src, dst] = await Promise.all([digestTopic(a.props, 'reuse-t', P), digestTopic(b.props, 'n2.reuse-t', P)]);
  for (let p = 0; p < P; p++) {
    assert.equal(dst[p]!.count, src[p]!.count, `n2.reuse-t-${p}: every record, once`);
    assert.equal(dst[p]!.sha256, src[p]!.sha256, `n2.reuse-t-${p}: same records in the same order`);
  }
  log(`n2->cb after n1->cb: ${src.reduce((n, d) => n + d.count, 0)} records mirrored to n2.reuse-t, digests equal`);
  const warned = second.output().split('\n').find((l) => /offset maps of another flow/.test(l));
  log(`Ferry's warning: ${warned ?? '(none)'}`);
  assert.ok(warned, 'the stale maps left by n1->cb are reported');
});
