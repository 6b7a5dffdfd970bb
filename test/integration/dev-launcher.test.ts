// The local-cluster launcher end to end: the real `ferry dev` CLI (separate processes sharing a state file),
// restart with data kept, crash detection, already-running and port-taken errors, `down` cleanup, missing
// tools, a failing Maven, and the test harness's own stop/start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freeBasePort, recordedPids, runFerry, useDevDirs, type CliResult } from '../helpers/cli.js';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withAdmin, createKafka, createTopicsAndWait } from '../../src/kafka/client.js';
import { isAlive, waitForExit } from '../../src/dev/process.js';
import { isPortFree } from '../../src/dev/ports.js';
import { readState } from '../../src/dev/state.js';
import { startKafka, testKafkaVersion, uniqueName } from '../helpers/kafka.js';

// CLI-started brokers are detached and not owned by this process: useDevDirs cleans them up.
const [devDir, otherDevDir] = useDevDirs(2) as [string, string];
const version = testKafkaVersion();

function ferry(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runFerry(args, { FERRY_DEV_DIR: devDir, ...env });
}

function json(r: CliResult): Record<string, unknown> & { clusters?: Array<Record<string, unknown>> } {
  try {
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
}

/** Broker and controller ports of the source (P, P+1) and of the target (P+1000, P+1001). */
const DEV_PORTS = [0, 1, 1000, 1001];
const base = await freeBasePort(DEV_PORTS);
const src = `127.0.0.1:${base}`;
const tgt = `127.0.0.1:${base + 1000}`;
const topic = 'keep-me';

async function highWatermark(bootstrap: string, t: string): Promise<number> {
  return withAdmin({ 'bootstrap.servers': bootstrap }, async (admin) => (await admin.fetchTopicOffsets(t)).reduce((n, p) => n + Number(p.high), 0));
}

test('ferry dev up --json starts source and target and prints their bootstrap addresses', async () => {
  const began = Date.now();
  const r = await ferry(['dev', 'up', '--json', '--base-port', String(base), '--kafka-version', version]);
  assert.equal(r.code, 0, r.stderr);
  const out = json(r);
  assert.deepEqual(out.clusters?.map((c) => [c.name, c.bootstrap, c.state]), [['source', src, 'running'], ['target', tgt, 'running']]);
  process.stderr.write(`# ferry dev up (2 clusters, cold data dirs) took ${Date.now() - began} ms\n`);
  for (const b of [src, tgt]) {
    const brokers = await withAdmin({ 'bootstrap.servers': b }, async (admin) => (await admin.describeCluster()).brokers);
    assert.equal(brokers.length, 1);
    assert.equal(`${brokers[0]!.host}:${brokers[0]!.port}`, b);
  }
  // Something to find again after restarts.
  await withAdmin({ 'bootstrap.servers': src }, (admin) => createTopicsAndWait(admin, { topics: [{ topic, numPartitions: 2 }] }));
  // Idempotent: a retried send right after topic creation must not write duplicates.
  const producer = createKafka({ 'bootstrap.servers': src }).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic, messages: [1, 2, 3, 4, 5].map((i) => ({ key: `k${i}`, value: `v${i}` })) });
  await producer.disconnect();
  assert.equal(await highWatermark(src, topic), 5);
});

test('a second up says the clusters are already running, with their addresses', async () => {
  const human = await ferry(['dev', 'up', '--base-port', String(base)]);
  assert.equal(human.code, 3);
  assert.match(human.stdout, /Already running/);
  assert.ok(human.stdout.includes(src) && human.stdout.includes(tgt), human.stdout);
  const machine = json(await ferry(['dev', 'up', '--json']));
  assert.equal(machine.error, 'already running');
  assert.deepEqual(machine.clusters?.map((c) => c.bootstrap), [src, tgt]);
});

test('status reports running clusters, then a killed broker as dead (not running)', async () => {
  const ok = await ferry(['dev', 'status', '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(json(ok).clusters?.map((c) => [c.name, c.state, c.listening]), [['source', 'running', true], ['target', 'running', true]]);

  const pid = readState(devDir).clusters.find((c) => c.name === 'source')?.pid;
  assert.ok(pid !== undefined);
  process.kill(pid, 'SIGKILL');
  assert.ok(await waitForExit(pid, 10_000));

  const after = await ferry(['dev', 'status', '--json']);
  assert.equal(after.code, 3);
  assert.deepEqual(json(after).clusters?.map((c) => [c.name, c.state]), [['source', 'dead'], ['target', 'running']]);
  const human = await ferry(['dev', 'status']);
  assert.match(human.stdout, /source .* dead/);
  assert.match(human.stdout, /process \d+ is gone/);
});

test('up restarts the dead cluster on its data; stop + up restarts both with data kept', async () => {
  const r = json(await ferry(['dev', 'up', '--json']));
  assert.deepEqual(r.started, ['source']);
  assert.deepEqual(r.alreadyRunning, ['target']);
  assert.equal(await highWatermark(src, topic), 5, 'records survive a crash and restart');

  const stopped = await ferry(['dev', 'stop', '--json']);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.deepEqual(json(stopped).stopped, ['source', 'target']);
  const st = json(await ferry(['dev', 'status', '--json']));
  assert.deepEqual(st.clusters?.map((c) => c.state), ['stopped', 'stopped']);

  const began = Date.now();
  const again = await ferry(['dev', 'up', '--json']);
  assert.equal(again.code, 0, again.stderr);
  process.stderr.write(`# ferry dev up (restart of 2 clusters) took ${Date.now() - began} ms\n`);
  assert.deepEqual(json(again).clusters?.map((c) => c.bootstrap), [src, tgt], 'same ports after restart');
  const topics = await withAdmin({ 'bootstrap.servers': src }, (admin) => admin.listTopics());
  assert.ok(topics.includes(topic));
  assert.equal(await highWatermark(src, topic), 5, 'records survive a graceful restart');
});

test('up fails clearly, naming the port and cluster, when a port is taken', async () => {
  const port = await freeBasePort(DEV_PORTS);
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen(port + 1000, '127.0.0.1', () => r()));
  try {
    const r = await ferry(['dev', 'up', '--base-port', String(port)], { FERRY_DEV_DIR: otherDevDir });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, new RegExp(`cluster 'target': broker port ${port + 1000} on 127\\.0\\.0\\.1 is already in use`));
    assert.deepEqual(recordedPids(otherDevDir), [], 'no broker was started');
    // The taken port is also reported for a running ferry dev environment's ports.
    const clash = await ferry(['dev', 'up', '--base-port', String(base)], { FERRY_DEV_DIR: otherDevDir });
    assert.equal(clash.code, 5);
    assert.match(clash.stderr, new RegExp(`cluster 'source': broker port ${base} `));
  } finally {
    await new Promise((r) => blocker.close(r));
  }
});

test('down stops every broker and deletes the data', async () => {
  const pids = recordedPids(devDir);
  assert.equal(pids.length, 2);
  const dirs = readState(devDir).clusters.map((c) => c.dir);
  const r = await ferry(['dev', 'down', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(json(r).removed, ['source', 'target']);
  for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} gone`);
  for (const d of dirs) assert.equal(existsSync(d), false, `${d} deleted`);
  assert.equal(existsSync(join(devDir, 'state.json')), false);
  assert.equal(await isPortFree(base), true);
  const st = await ferry(['dev', 'status']);
  assert.equal(st.code, 3);
  assert.match(st.stdout, /No local clusters/);
  const again = await ferry(['dev', 'down']);
  assert.equal(again.code, 0);
});

test('missing java or mvn is named up front, with how to install it', async () => {
  const emptyCache = mkdtempSync(join(tmpdir(), 'ferry-cache-'));
  try {
    const noJava = await ferry(['dev', 'fetch', '--kafka-version', '4.2.0'], { PATH: '/nonexistent', JAVA_HOME: '', FERRY_CACHE_DIR: emptyCache });
    assert.equal(noJava.code, 4);
    assert.match(noJava.stderr, /Java not found .*apt-get install -y openjdk-17-jdk-headless/);
    const javaHome = readFileSync('/proc/self/status', 'utf8') && (process.env.JAVA_HOME || '/usr/lib/jvm/java-17-openjdk-amd64');
    const noMvn = await ferry(['dev', 'fetch', '--kafka-version', '4.2.0'], { PATH: '/nonexistent', JAVA_HOME: javaHome, FERRY_CACHE_DIR: emptyCache });
    if (existsSync(join(javaHome, 'bin', 'java'))) {
      assert.equal(noMvn.code, 4, noMvn.stderr);
      assert.match(noMvn.stderr, /Maven not found .*apt-get install -y maven/);
    }
  } finally {
    rmSync(emptyCache, { recursive: true, force: true });
  }
});

test('a Maven failure shows the tail of its output', async () => {
  const emptyCache = mkdtempSync(join(tmpdir(), 'ferry-cache-'));
  try {
    const r = await ferry(['dev', 'fetch', '--kafka-version', '4.3.99'], { FERRY_CACHE_DIR: emptyCache });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Maven failed .*--- last lines of Maven output ---/s);
    assert.match(r.stderr, /4\.3\.99/);
    assert.equal(existsSync(join(emptyCache, 'kafka-4.3.99', 'lib')), false, 'no partial lib dir');
  } finally {
    rmSync(emptyCache, { recursive: true, force: true });
  }
});

test('harness: ACL-enabled cluster, stop/start keeps data, stop() leaves nothing behind', async () => {
  const began = Date.now();
  const kafka = await startKafka({ clusters: ['solo'], acls: true });
  process.stderr.write(`# harness start (1 cluster, fast JVM) took ${Date.now() - began} ms\n`);
  try {
    const c = kafka.cluster('solo');
    const t = uniqueName('acl');
    await withAdmin(c.props, async (admin) => {
      await admin.createTopics({ topics: [{ topic: t }] });
      // kafkajs enums: resourceType TOPIC=2, patternType LITERAL=3, operation READ=3, permission ALLOW=3.
      await admin.createAcls({ acl: [{ resourceType: 2, resourceName: t, resourcePatternType: 3, principal: 'User:alice', host: '*', operation: 3, permissionType: 3 }] });
      const found = await admin.describeAcls({ resourceType: 2, resourceName: t, resourcePatternType: 3, operation: 1, permissionType: 1 });
      assert.equal(found.resources.length, 1);
      assert.equal(found.resources[0]!.acls[0]!.principal, 'User:alice');
    });
    const pid = c.local.pid;
    await c.stop();
    assert.ok(pid !== undefined && !isAlive(pid));
    await c.start();
    await withAdmin(c.props, async (admin) => {
      assert.ok((await admin.listTopics()).includes(t), 'topic kept across restart');
      const found = await admin.describeAcls({ resourceType: 2, resourceName: t, resourcePatternType: 3, operation: 1, permissionType: 1 });
      assert.equal(found.resources.length, 1, 'ACL kept across restart');
    });
  } finally {
    const pid = kafka.cluster('solo').local.pid;
    await kafka.stop();
    assert.equal(existsSync(kafka.devDir), false);
    assert.ok(pid === undefined || !isAlive(pid));
  }
});
