// Bad input for dedicated MirrorMaker mode:
//  - invalid mm2.properties (a flow naming an unknown cluster, a cluster without bootstrap servers, a bad topic
//    regex) makes `connect-mirror-maker` exit non-zero at start with a message naming the offending key;
//  - a source cluster that goes away (its broker is stopped) makes the mirror tasks retry and show the problem
//    in their status; once the broker is back they resume, and no record is lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { tempDir, waitFor } from '../helpers/connect.js';
import { analyseCopy, createTopics, endOffsets, partitionFingerprints, produceMixed, spawnMirrorMaker, sum, writeMm2Properties } from '../helpers/mirror.js';
import { readMm2Config, startMirrorMaker } from '../../src/mirror/dedicated.js';
import type { TaskState } from '../../src/connect/herder/herder.js';

let kafka: KafkaHarness;
const tmp = tempDir('ferry-mirror-bad-');

before(async () => {
  kafka = await startKafka({ clusters: ['s', 't'] });
});

after(async () => {
  await kafka?.stop();
  tmp.cleanup();
});

const log = (m: string) => process.stderr.write(`# ${m}\n`);

const BASE = ['clusters = A, B', 'A.bootstrap.servers = 127.0.0.1:1', 'B.bootstrap.servers = 127.0.0.1:1'];

const CASES: { name: string; lines: string[]; key: RegExp }[] = [
  { name: 'a flow naming an unknown cluster', lines: [...BASE, 'A->C.enabled = true'], key: /A->C\.enabled/ },
  { name: 'a cluster in a flow without bootstrap servers', lines: ['clusters = A, B', 'A.bootstrap.servers = 127.0.0.1:1', 'A->B.enabled = true'], key: /B\.bootstrap\.servers/ },
  { name: 'an invalid topics regex', lines: [...BASE, 'A->B.enabled = true', 'topics = orders, (unclosed'], key: /\btopics\b/ },
  { name: 'an invalid per-flow regex', lines: [...BASE, 'A->B.enabled = true', 'A->B.groups.exclude = [a-'], key: /A->B\.groups\.exclude/ },
];

test('invalid mm2.properties: connect-mirror-maker exits non-zero, naming the key', { timeout: 60_000 }, async () => {
  const runs = CASES.map((c, i) => {
    const file = join(tmp.dir, `bad-${i}.properties`);
    writeFileSync(file, c.lines.join('\n') + '\n');
    const p = spawnMirrorMaker(file);
    return { c, p };
  });
  for (const { c, p } of runs) {
    const code = await Promise.race([p.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 30_000))]);
    if (code === 'still running') await p.stop(1000);
    assert.notEqual(code, 0, `${c.name}: exit code`);
    assert.notEqual(code, 'still running', `${c.name}: the process must fail at start`);
    assert.match(p.output(), c.key, `${c.name}: the message names the key; output was:\n${p.output()}`);
    log(`${c.name}: exit ${String(code)}: ${p.output().trim().split('\n')[0]}`);
  }
});

test('source cluster goes away: tasks retry and report it in status, then resume without loss', { timeout: 150_000 }, async () => {
  const s = kafka.cluster('s');
  const t = kafka.cluster('t');
  const topic = 'outage';
  const partitions = 3;
  await createTopics(s.props, [{ topic, partitions }]);
  await produceMixed(s.props, [topic], { run: 'outage', partitions, count: 3000 });
  const mm2 = writeMm2Properties(tmp.dir, { S: s.bootstrap, T: t.bootstrap }, {
    'S->T.enabled': 'true',
    'S->T.topics': topic,
    'T->S.emit.heartbeats.enabled': 'false',
    'S->T.emit.checkpoints.enabled': 'false',
    'T.offset.flush.interval.ms': '1000',
  }, 'outage.properties');
  const mm = await startMirrorMaker(readMm2Config(mm2.path));
  try {
    const herder = mm.flows[0]!.worker.herder;
    await waitFor('first 3000 records on the target', async () => sum(await endOffsets(t.props, `S.${topic}`)) >= 3000, 60_000, 250);

    await s.stop();
    const stoppedAt = Date.now();
    let problem: TaskState | undefined;
    await waitFor('the source task to report the outage in its status', async () => {
      const st = await herder.connectorStatus('MirrorSourceConnector');
      problem = st.tasks.find((x) => x.state !== 'RUNNING' || (x.trace ?? '') !== '');
      return problem;
    }, 60_000, 500);
    const cause = (problem!.trace ?? '').split('\n').find((l) => /RetriableError/.test(l)) ?? problem!.trace ?? '';
    log(`status ${Date.now() - stoppedAt} ms after the broker stopped: ${problem!.state}: ${cause}`);
    assert.match(cause, new RegExp(`Cannot read from source cluster S \\(${s.bootstrap.replace(/\./g, '\\.')}\\)`), 'the status names the source cluster');

    await s.start();
    const restartedAt = Date.now();
    await produceMixed(s.props, [topic], { run: 'outage', partitions, from: 3000, count: 3000 });
    await waitFor('the source task to run again', async () => {
      const st = await herder.connectorStatus('MirrorSourceConnector');
      return st.tasks.length > 0 && st.tasks.every((x) => x.state === 'RUNNING' && !x.trace);
    }, 90_000, 500);
    log(`tasks RUNNING again ${Date.now() - restartedAt} ms after the broker came back`);
    await waitFor('all 6000 records on the target', async () => sum(await endOffsets(t.props, `S.${topic}`)) >= 6000, 90_000, 250);
  } finally {
    await mm.stop();
  }
  let duplicates = 0;
  for (let p = 0; p < partitions; p++) {
    const src = (await partitionFingerprints(s.props, topic, p)).map((r) => r.fp);
    const dst = (await partitionFingerprints(t.props, `S.${topic}`, p)).map((r) => r.fp);
    const r = analyseCopy(src, dst);
    assert.equal(r.lost, 0, `partition ${p}: nothing lost`);
    assert.equal(r.foreign, 0, `partition ${p}: nothing unknown`);
    duplicates += r.duplicates;
  }
  log(`source outage: 6000 records, 0 lost, ${duplicates} duplicates`);
});
