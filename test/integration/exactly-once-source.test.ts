// Exactly-once source tasks (KIP-618) on a 3-worker distributed group of real worker processes, against a
// real broker. A FileStreamSource is fed a line every 5 ms while the worker running its task is repeatedly
// killed with SIGKILL (and restarted) or frozen with SIGSTOP until its task runs elsewhere, then thawed: a
// zombie whose producer wakes up with writes in flight. A read_committed reader of the output topic must see
// every line exactly once and in order; the same run without exactly-once re-sends lines after a kill.
// The exactly-once run keeps the connector's offsets in its own topic (offsets.storage.topic), read back through
// REST and reset. Also: a producer holding the task's transactional id before the task starts is fenced by it (its
// late write and its commit are rejected), and the leader records the fenced generation in the config topic; a
// rival claimant of the leader's transactional id (connect-cluster-<group.id>) is fenced back; a cluster that cannot
// run transactions stops an exactly-once worker at start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKafka, uniqueName, type KafkaHarness } from '../helpers/kafka.js';
import { tempDir, waitFor } from '../helpers/connect.js';
import { distributedProps, readTopic, rest } from '../helpers/distributed.js';
import { freePort, spawnWorker, type WorkerProcess } from '../helpers/distributed-failover.js';
import { createTopics, partitionFingerprints } from '../helpers/mirror.js';
import { RecordProducer } from '../../src/kafka/producer.js';
import { sleep } from '../../src/backoff.js';

let kafka: KafkaHarness;
let bootstrap: string;
const tmp = tempDir('ferry-eos-');
const children = new Set<ChildProcess>();

before(async () => {
  kafka = await startKafka({ clusters: ['eos'] });
  bootstrap = kafka.clusters[0]!.bootstrap;
});

after(async () => {
  for (const c of children) { c.kill('SIGCONT'); c.kill('SIGKILL'); }
  await kafka?.stop();
  tmp.cleanup();
});

type Status = { connector: { state: string; worker_id: string }; tasks: Array<{ id: number; state: string; worker_id: string; trace?: string }> };

async function committedLines(topic: string): Promise<string[]> {
  return (await partitionFingerprints({ 'bootstrap.servers': bootstrap }, topic, 0, { readCommitted: true })).map((r) => r.value!.toString());
}

async function taskOwner(workers: WorkerProcess[], exclude: string | null): Promise<Status> {
  return waitFor(`task RUNNING${exclude ? ` away from ${exclude}` : ''}`, async () => {
    for (const w of workers) {
      if (w.child.exitCode !== null || w.workerId === exclude) continue;
      const r = await rest(w.url, 'GET', '/connectors/stream/status').catch(() => null);
      const s = r?.body as Status | undefined;
      if (r?.status === 200 && s?.tasks[0]?.state === 'RUNNING' && s.tasks[0].worker_id !== exclude) return s;
    }
    return null;
  }, 45_000, 100);
}

async function runDisruptions(opts: { eos: boolean; kills: number; freezes: number; offsetsTopic?: string }): Promise<{ written: number; lines: string[]; outputs: string[]; url: string }> {
  const group = uniqueName(opts.eos ? 'eos' : 'alo');
  const props = distributedProps(bootstrap, group, {
    'exactly.once.source.support': opts.eos ? 'enabled' : 'disabled',
    'offset.flush.interval.ms': '100',
  });
  const outputs: string[] = [];
  const workers: WorkerProcess[] = [];
  for (let i = 0; i < 3; i++) workers.push(await spawnWorker(props, await freePort(), children, outputs, 'error'));
  const file = join(tmp.dir, `${group}.txt`);
  writeFileSync(file, '');
  const topic = uniqueName('eos-out');
  await createTopics({ 'bootstrap.servers': bootstrap }, [{ topic, partitions: 1 }]);
  const config: Record<string, string> = { 'connector.class': 'FileStreamSource', file, topic, 'tasks.max': '1', 'batch.size': '100' };
  if (opts.eos) config['exactly.once.support'] = 'required';
  if (opts.offsetsTopic) config['offsets.storage.topic'] = opts.offsetsTopic;
  const created = await rest(workers[0]!.url, 'POST', '/connectors', { name: 'stream', config });
  assert.equal(created.status, 201, JSON.stringify(created.body));

  let written = 0;
  const writer = setInterval(() => { for (let i = 0; i < 5; i++) appendFileSync(file, `line-${written++}\n`); }, 5);
  try {
    let owner = await taskOwner(workers, null);
    const plan = [...Array<string>(opts.kills).fill('kill'), ...Array<string>(opts.freezes).fill('freeze')];
    for (let round = 0; round < plan.length; round++) {
      const before = (await committedLines(topic)).length;
      await waitFor('lines flowing', async () => (await committedLines(topic)).length > before + 100, 30_000, 100);
      const victim = workers.find((w) => w.workerId === owner.tasks[0]!.worker_id)!;
      assert.ok(victim, `the task's worker ${owner.tasks[0]!.worker_id} is one of ours`);
      await sleep(Math.floor(Math.random() * 300));
      if (plan[round] === 'kill') {
        victim.child.kill('SIGKILL');
        owner = await taskOwner(workers, victim.workerId);
        workers.splice(workers.indexOf(victim), 1, await spawnWorker(props, victim.port, children, outputs, 'error'));
      } else {
        // A zombie: frozen while its task is mid-transaction, thawed once the task runs on another worker.
        victim.child.kill('SIGSTOP');
        owner = await taskOwner(workers, victim.workerId);
        victim.child.kill('SIGCONT');
      }
      process.stderr.write(`# ${opts.eos ? 'exactly-once' : 'at-least-once'} round ${round + 1}: ${plan[round]} of ${victim.workerId}; task now on ${owner.tasks[0]!.worker_id}\n`);
    }
  } catch (e) {
    // What the workers said (errors only) explains a stall.
    for (const [i, o] of outputs.entries()) process.stderr.write(`# worker output ${i}:\n${o.slice(-3000)}\n`);
    throw e;
  } finally {
    clearInterval(writer);
  }
  const total = written;
  let seen = 0;
  const lines = await waitFor('every line committed', async () => {
    const got = await committedLines(topic);
    seen = new Set(got).size;
    return seen >= total ? got : null;
  }, 60_000, 300).catch(async (e: unknown) => {
    const status = await Promise.all(workers.map((w) => rest(w.url, 'GET', '/connectors/stream/status').then((r) => JSON.stringify(r.body), () => 'down')));
    for (const [i, o] of outputs.entries()) process.stderr.write(`# worker output ${i}:\n${o.slice(-3000)}\n`);
    process.stderr.write(`# ${seen} of ${total} lines committed; status: ${status.join(' | ').slice(0, 3000)}\n`);
    throw e;
  });
  const stop = () => Promise.all(workers.map((w) => new Promise<void>((resolve) => {
    if (w.child.exitCode !== null) return resolve();
    w.child.once('exit', () => resolve());
    w.child.kill('SIGTERM');
  })));
  if (opts.offsetsTopic) await checkOwnOffsetsTopic(workers[0]!.url, opts.offsetsTopic, group, stop);
  else await stop();
  return { written: total, lines, outputs, url: workers[0]!.url };
}

/**
 * The connector's own offsets topic holds its committed offsets (in committed transactions), the worker's topic a
 * copy, and the REST offsets API reads the connector's; after the run, a reset removes them from both.
 */
async function checkOwnOffsetsTopic(url: string, offsetsTopic: string, group: string, stop: () => Promise<unknown>): Promise<void> {
  const props = { 'bootstrap.servers': bootstrap };
  // offset.storage.partitions=5 (distributedProps): the connector's one source partition is in one of them.
  const readAll = async (topic: string) => (await Promise.all([0, 1, 2, 3, 4].map((p) => partitionFingerprints(props, topic, p, { readCommitted: true })))).flat();
  const own = await readAll(offsetsTopic);
  assert.ok(own.length > 0, `${offsetsTopic} holds the connector's offsets`);
  assert.ok(own.every((r) => r.key?.toString().startsWith('["stream",')), 'only the connector\'s own offsets are in its topic');
  const last = JSON.parse(own.at(-1)!.value!.toString()) as { position: number };
  const api = await rest(url, 'GET', '/connectors/stream/offsets');
  const reported = (api.body as { offsets: { offset: { position: number } }[] }).offsets[0]?.offset.position;
  assert.equal(reported, last.position, 'GET /connectors/stream/offsets reads the connector\'s own topic');
  const workerTopic = `${group}-offsets`;
  await waitFor('the worker\'s offsets topic has a copy', async () => {
    const copy = await readAll(workerTopic).catch(() => []);
    return copy.some((r) => r.key?.toString().startsWith('["stream",') && (JSON.parse(r.value!.toString()) as { position: number }).position === last.position);
  }, 30_000, 300);
  process.stderr.write(`# offsets.storage.topic=${offsetsTopic}: ${own.length} offset records, last position ${last.position}; REST and the worker's copy agree\n`);
  assert.equal((await rest(url, 'PUT', '/connectors/stream/stop')).status, 204);
  await waitFor('connector stopped', async () => ((await rest(url, 'GET', '/connectors/stream/status')).body as Status).connector.state === 'STOPPED', 30_000, 200);
  const reset = await rest(url, 'DELETE', '/connectors/stream/offsets');
  assert.equal(reset.status, 200, JSON.stringify(reset.body));
  assert.deepEqual((await rest(url, 'GET', '/connectors/stream/offsets')).body, { offsets: [] }, 'reset removes the offsets from both topics');
  await stop();
}

test('exactly-once FileStreamSource across SIGKILL and SIGSTOP/SIGCONT of its worker, offsets in its own topic: each line once, in order', async () => {
  // The connector keeps its offsets in its own topic (offsets.storage.topic): its transactions write there.
  const { written, lines, outputs } = await runDisruptions({ eos: true, kills: 1, freezes: 2, offsetsTopic: uniqueName('stream-offsets') });
  const expected = Array.from({ length: written }, (_, i) => `line-${i}`);
  const dupes = lines.length - new Set(lines).size;
  process.stderr.write(`# exactly-once: ${written} lines written, ${lines.length} committed records, ${dupes} duplicates\n`);
  assert.equal(dupes, 0, 'no line committed twice');
  assert.deepEqual(lines, expected, 'every line exactly once, in file order');
  const fenced = outputs.join('\n').match(/fenced|PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/g)?.length ?? 0;
  process.stderr.write(`# zombie writes or commits rejected as fenced (worker logs): ${fenced}\n`);
});

test('without exactly-once the same kills re-send lines (what the transactions prevent)', async () => {
  const { written, lines } = await runDisruptions({ eos: false, kills: 1, freezes: 0 });
  const unique = new Set(lines);
  process.stderr.write(`# at-least-once: ${written} lines written, ${lines.length} records, ${lines.length - unique.size} duplicates\n`);
  assert.equal(unique.size, written, 'nothing lost');
  assert.ok(lines.length > unique.size, 'a kill -9 of an at-least-once task re-sends the lines after its last offset commit');
});

test('a producer already holding the task\'s transactional id is fenced when the task starts; the leader writes the task-count record', async () => {
  const group = uniqueName('eos-fence');
  const props = distributedProps(bootstrap, group, { 'exactly.once.source.support': 'enabled' });
  const worker = await spawnWorker(props, await freePort(), children, undefined, 'error');
  const topic = uniqueName('eos-fence-out');
  await createTopics({ 'bootstrap.servers': bootstrap }, [{ topic, partitions: 1 }]);
  const file = join(tmp.dir, `${group}.txt`);
  writeFileSync(file, Array.from({ length: 50 }, (_, i) => `line-${i}\n`).join(''));

  // The zombie: an earlier incarnation of task stream-0, its transaction open with a write acknowledged.
  const zombie = new RecordProducer({ 'bootstrap.servers': bootstrap, 'transactional.id': `${group}-stream-0` }, 'zombie');
  await zombie.connect();
  try {
    zombie.beginTransaction();
    await zombie.send([{ topic, partition: 0, key: null, value: Buffer.from('zombie-before'), headers: [], timestamp: null }]);
    const created = await rest(worker.url, 'POST', '/connectors', { name: 'stream', config: { 'connector.class': 'FileStreamSource', file, topic, 'tasks.max': '1', 'exactly.once.support': 'required' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await waitFor('50 lines committed', async () => (await committedLines(topic)).length >= 50, 30_000);
    await assert.rejects(zombie.send([{ topic, partition: 0, key: null, value: Buffer.from('zombie-late'), headers: [], timestamp: null }]), /fenced|PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/i, 'the zombie\'s late write is rejected');
    await assert.rejects(zombie.commitTransaction(), 'the zombie cannot commit');
  } finally {
    await zombie.disconnect().catch(() => undefined);
  }
  const lines = await committedLines(topic);
  assert.deepEqual(lines, Array.from({ length: 50 }, (_, i) => `line-${i}`), 'only the task\'s lines are committed; the zombie\'s never are');
  const config = await readTopic(bootstrap, `${group}-configs`);
  const fencing = config.filter((r) => r.key === 'tasks-fencing-stream').map((r) => JSON.parse(r.value ?? 'null') as unknown);
  assert.deepEqual(fencing, [{ 'task-count': 1 }], 'the leader wrote one task-count record for the first generation');
  // The offsets the task committed are in the offsets topic, in its transactions: read_committed sees them.
  const offsets = (await readTopic(bootstrap, `${group}-offsets`)).filter((r) => r.key?.startsWith('["stream"'));
  assert.ok(offsets.length > 0, 'source offsets written');
  assert.match(offsets[offsets.length - 1]!.value ?? '', /"position":\d+/);
  await new Promise<void>((resolve) => { worker.child.once('exit', () => resolve()); worker.child.kill('SIGTERM'); });
});

test('the leader writes the config topic in transactions of connect-cluster-<group.id>: a newer claimant fences it, it rejoins and fences the claimant back', async () => {
  const group = uniqueName('eos-leader');
  const props = distributedProps(bootstrap, group, { 'exactly.once.source.support': 'enabled' });
  const outputs: string[] = [];
  const worker = await spawnWorker(props, await freePort(), children, outputs, 'info');
  const file = join(tmp.dir, `${group}.txt`);
  writeFileSync(file, 'one\n');
  // Another would-be leader (a worker that thinks it leads, or a zombie): it takes the id over and opens a transaction
  // with a connector config of its own in the config topic.
  const rival = new RecordProducer({ 'bootstrap.servers': bootstrap, 'transactional.id': `connect-cluster-${group}` }, 'rival-leader');
  await rival.connect();
  try {
    rival.beginTransaction();
    const ghost = JSON.stringify({ properties: { 'connector.class': 'FileStreamSource', file, topic: 'ghost-out', name: 'ghost' } });
    await rival.send([{ topic: `${group}-configs`, partition: 0, key: Buffer.from('connector-ghost'), value: Buffer.from(ghost), headers: [], timestamp: null }]);
    // The worker's first config write is fenced; it rejoins, claims the id back (fencing the rival, whose open
    // transaction the coordinator aborts), and a retried request succeeds.
    const config = { 'connector.class': 'FileStreamSource', file, topic: uniqueName('eos-leader-out'), 'tasks.max': '1' };
    const first = await rest(worker.url, 'POST', '/connectors', { name: 'stream', config });
    assert.notEqual(first.status, 201, 'a write with a fenced producer must not succeed');
    assert.match(JSON.stringify(first.body), /fenced/i, `the error says why: ${JSON.stringify(first.body)}`);
    await waitFor('the connector is created after the leader reclaimed the config topic', async () => {
      const r = await rest(worker.url, 'POST', '/connectors', { name: 'stream', config });
      return r.status === 201 || r.status === 409;
    }, 30_000, 500);
    await assert.rejects(rival.commitTransaction(), 'the rival cannot commit once fenced');
  } finally {
    await rival.disconnect().catch(() => undefined);
  }
  assert.deepEqual((await rest(worker.url, 'GET', '/connectors')).body, ['stream'], 'the rival\'s connector never appears');
  assert.match(outputs.join('\n'), /config topic writes fenced by a newer leader|another worker claimed the config topic/);
  await new Promise<void>((resolve) => { worker.child.once('exit', () => resolve()); worker.child.kill('SIGTERM'); });
});

test('validation: exactly.once.support=required and transaction boundaries are checked against the worker', async () => {
  const group = uniqueName('eos-validate');
  const disabled = await spawnWorker(distributedProps(bootstrap, group), await freePort(), children, undefined, 'error');
  const file = join(tmp.dir, 'validate.txt');
  writeFileSync(file, '');
  const validate = async (url: string, extra: Record<string, string>) => {
    const r = await rest(url, 'PUT', '/connector-plugins/FileStreamSource/config/validate', { 'connector.class': 'FileStreamSource', name: 'v', file, topic: 't', ...extra });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const body = r.body as { error_count: number; configs: Array<{ value: { name: string; errors: string[] } }> };
    return Object.fromEntries(body.configs.filter((c) => c.value.errors.length > 0).map((c) => [c.value.name, c.value.errors]));
  };
  assert.match((await validate(disabled.url, { 'exactly.once.support': 'required' }))['exactly.once.support']?.[0] ?? '', /needs a distributed worker with exactly\.once\.source\.support=enabled/);
  const refused = await rest(disabled.url, 'POST', '/connectors', { name: 'v', config: { 'connector.class': 'FileStreamSource', file, topic: 't', 'exactly.once.support': 'required' } });
  assert.equal(refused.status, 400);
  assert.match(JSON.stringify(refused.body), /exactly\.once\.support/);
  await new Promise<void>((resolve) => { disabled.child.once('exit', () => resolve()); disabled.child.kill('SIGTERM'); });

  const enabled = await spawnWorker(distributedProps(bootstrap, uniqueName('eos-validate'), { 'exactly.once.source.support': 'enabled' }), await freePort(), children, undefined, 'error');
  assert.deepEqual(await validate(enabled.url, { 'exactly.once.support': 'required', 'transaction.boundary': 'interval', 'transaction.boundary.interval.ms': '200' }), {});
  assert.match((await validate(enabled.url, { 'transaction.boundary': 'connector' }))['transaction.boundary']?.[0] ?? '', /connector-defined transaction boundaries/);
  // stdin cannot be re-read: the connector declares no exactly-once support without a file.
  const stdin = await rest(enabled.url, 'PUT', '/connector-plugins/FileStreamSource/config/validate', { 'connector.class': 'FileStreamSource', name: 'v', topic: 't', 'exactly.once.support': 'required' });
  assert.match(JSON.stringify(stdin.body), /does not support exactly-once semantics/);
  await new Promise<void>((resolve) => { enabled.child.once('exit', () => resolve()); enabled.child.kill('SIGTERM'); });
});

test('a cluster that cannot run transactions stops an exactly-once worker at start, naming the setting and the cause', async () => {
  // One broker whose transaction log wants three replicas (Kafka's default): no transaction coordinator, ever.
  const notxn = await startKafka({ clusters: ['notxn'], brokerProperties: { 'transaction.state.log.replication.factor': '3' } });
  try {
    const started = Date.now();
    // worker.sync.timeout.ms bounds the check (5 × it, at least 10 s).
    const props = distributedProps(notxn.clusters[0]!.bootstrap, uniqueName('eos-notxn'), { 'exactly.once.source.support': 'enabled', 'worker.sync.timeout.ms': '1000' });
    const err = await spawnWorker(props, await freePort(), children, undefined, 'error').then(
      (w) => { w.child.kill('SIGKILL'); return null; },
      (e: unknown) => e as Error,
    );
    assert.ok(err, 'the worker started although its cluster cannot run transactions');
    assert.match(err.message, /exactly\.once\.source\.support=enabled needs transactions/);
    assert.match(err.message, /transaction\.state\.log\.replication\.factor=3 but the cluster has 1 broker/);
    console.log(`# refused after ${Date.now() - started} ms: ${/exactly\.once[^\n]*/.exec(err.message)?.[0]}`);
    // The same worker without exactly-once starts on that cluster.
    const plain = await spawnWorker({ ...props, 'exactly.once.source.support': 'disabled' }, await freePort(), children, undefined, 'error');
    await new Promise<void>((resolve) => { plain.child.once('exit', () => resolve()); plain.child.kill('SIGTERM'); });
  } finally {
    await notxn.stop();
  }
});
