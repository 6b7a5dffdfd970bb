// The distributed failover scenario, shared by the plaintext and the SASL_SSL test files: three worker
// processes, a FileStreamSource fed a line every 10 ms, `kill -9` of the worker running its task; the task
// moves to a survivor within scheduled.rebalance.max.delay.ms + session timeout, no line is lost (source
// offsets live in the offsets topic), and the killed worker, restarted on the same URL, rejoins the group.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { uniqueName } from './kafka.js';
import { waitFor } from './connect.js';
import { describeGroup, distributedProps, readTopic, rest } from './distributed.js';

export const SESSION_TIMEOUT_MS = 6000;
export const MAX_DELAY_MS = 4000;

export interface FailoverScenario {
  /** What the workers connect to (possibly a secured listener). */
  workerBootstrap: string;
  /** Extra worker properties, e.g. security settings for the worker and its producer./consumer. clients. */
  workerExtra?: Record<string, string>;
  /** A plaintext listener of the same cluster, for the test's own checks. */
  checkBootstrap: string;
  dir: string;
  children: Set<ChildProcess>;
  /** Called with each worker's captured output when the scenario ends (e.g. to grep for secrets). */
  onOutput?: (output: string) => void;
  /** FERRY_LOG_LEVEL of the workers (default: the test run's, else warn); `info` logs each worker's configuration. */
  logLevel?: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface WorkerProcess { child: ChildProcess; url: string; workerId: string; port: number }

export function spawnWorker(props: Record<string, string>, port: number, children: Set<ChildProcess>, outputs?: string[], logLevel?: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/distributed-worker.ts', JSON.stringify({ ...props, listeners: `http://127.0.0.1:${port}` })], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FERRY_LOG_LEVEL: logLevel ?? process.env.FERRY_LOG_LEVEL ?? 'warn', KAFKAJS_NO_PARTITIONER_WARNING: '1' },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  const all = { text: '' };
  outputs?.push('');
  const slot = outputs ? outputs.length - 1 : -1;
  const keep = (d: Buffer) => { all.text += d.toString(); if (outputs) outputs[slot] = all.text; };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); keep(d); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in time; stderr: ${stderr}`)), 60_000);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+) (\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, url: m[1]!, workerId: m[2]!, port }); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`worker exited with ${code}; stderr: ${stderr}`)); });
  });
}

type Status = { connector: { state: string; worker_id: string }; tasks: Array<{ id: number; state: string; worker_id: string }> };

export async function runFailoverScenario(s: FailoverScenario): Promise<void> {
  const { children } = s;
  const bootstrap = s.checkBootstrap;
  const outputs: string[] = [];
  const group = uniqueName('failover');
  const props = distributedProps(s.workerBootstrap, group, {
    ...s.workerExtra,
    'session.timeout.ms': String(SESSION_TIMEOUT_MS),
    'scheduled.rebalance.max.delay.ms': String(MAX_DELAY_MS),
    'offset.flush.interval.ms': '200',
  });
  const workers: WorkerProcess[] = [];
  for (let i = 0; i < 3; i++) workers.push(await spawnWorker(props, await freePort(), children, outputs, s.logLevel));

  const file = join(s.dir, 'stream.txt');
  writeFileSync(file, '');
  const topic = uniqueName('stream-out');
  const created = await rest(workers[0]!.url, 'POST', '/connectors', { name: 'stream', config: { 'connector.class': 'FileStreamSource', file, topic, 'tasks.max': '1', 'batch.size': '50' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));

  let written = 0;
  const writer = setInterval(() => { appendFileSync(file, `line-${written}\n`); written++; }, 10);
  try {
    const running = await waitFor('task RUNNING', async () => {
      const r = await rest(workers[1]!.url, 'GET', '/connectors/stream/status');
      const s = r.body as Status;
      return r.status === 200 && s.tasks[0]?.state === 'RUNNING' ? s : null;
    }, 30_000);
    await waitFor('lines flowing', async () => (await readTopic(bootstrap, topic)).length > 100, 20_000);

    const victim = workers.find((w) => w.workerId === running.tasks[0]!.worker_id)!;
    assert.ok(victim, `task owner ${running.tasks[0]!.worker_id} is one of the workers`);
    const survivors = workers.filter((w) => w !== victim);
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');

    const moved = await waitFor('task RUNNING on a survivor', async () => {
      const r = await rest(survivors[0]!.url, 'GET', '/connectors/stream/status');
      const s = r.body as Status;
      return r.status === 200 && s.tasks[0]?.state === 'RUNNING' && s.tasks[0].worker_id !== victim.workerId && s.connector.worker_id !== victim.workerId ? s : null;
    }, SESSION_TIMEOUT_MS + MAX_DELAY_MS + 15_000, 100);
    const failoverMs = Date.now() - killedAt;
    process.stderr.write(`# failover after kill -9: ${failoverMs} ms (session.timeout.ms=${SESSION_TIMEOUT_MS}, scheduled.rebalance.max.delay.ms=${MAX_DELAY_MS})\n`);
    assert.ok(survivors.some((w) => w.workerId === moved.tasks[0]!.worker_id));
    assert.ok(failoverMs <= SESSION_TIMEOUT_MS + MAX_DELAY_MS + 5_000, `failover took ${failoverMs} ms`);

    // the killed worker comes back on the same URL and rejoins
    const restarted = await spawnWorker(props, victim.port, children, outputs, s.logLevel);
    assert.equal(restarted.workerId, victim.workerId);
    await waitFor('three members again', async () => (await describeGroup(bootstrap, group)).members === 3, 30_000);
    const g = await describeGroup(bootstrap, group);
    assert.equal(g.protocolType, 'connect');
    workers.splice(workers.indexOf(victim), 1, restarted);
  } finally {
    clearInterval(writer);
  }

  const expected = Array.from({ length: written }, (_, i) => `line-${i}`);
  const got = await waitFor('every line in the topic', async () => {
    const values = new Set((await readTopic(bootstrap, topic)).map((r) => r.value));
    return expected.every((l) => values.has(l)) ? values : null;
  }, 30_000, 500);
  const all = (await readTopic(bootstrap, topic)).map((r) => r.value);
  process.stderr.write(`# ${written} lines written, ${all.length} records (${all.length - got.size} redelivered after the kill)\n`);
  assert.equal(got.size, written);

  const stop = workers.map((w) => new Promise<void>((resolve) => {
    if (w.child.exitCode !== null) return resolve();
    w.child.once('exit', () => resolve());
    w.child.kill('SIGTERM');
  }));
  await Promise.all(stop);
  s.onOutput?.(outputs.join('\n'));
}
