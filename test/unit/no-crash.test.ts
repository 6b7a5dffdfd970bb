// Faults that used to take the worker down or leave it lying: a failing DLQ produce (unhandled rejection),
// a standalone offset file that stayed broken after one failed write, errors escaping a task's own handling,
// and a sink task whose consumer stopped for good while the task still said RUNNING.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { ConnectError } from '../../src/connect/api/errors.js';
import { SinkTask } from '../../src/connect/api/connector.js';
import type { Props } from '../../src/connect/api/index.js';
import { RetryWithToleranceOperator, SKIP, type ErrorReporter } from '../../src/connect/runtime/error-handling.js';
import { FileOffsetStore } from '../../src/connect/storage/offset-store.js';
import { SinkTaskRunner } from '../../src/connect/runtime/sink-task-runner.js';
import type { GroupConsumer, InRecord } from '../../src/kafka/consumer.js';
import { tempDir } from '../helpers/connect.js';
import { sleep } from '../../src/backoff.js';

const log = pino({ level: 'silent' });

test('a failing DLQ produce is not an unhandled rejection; the next flush (before a commit) fails with the cause', async () => {
  const failing: ErrorReporter = { report: () => new Promise((_, reject) => setImmediate(() => reject(new Error('TOPIC_AUTHORIZATION_FAILED')))) };
  const ops = new RetryWithToleranceOperator({ retryTimeoutMs: 0, retryDelayMaxMs: 0, tolerance: 'all', logEnable: false, logIncludeMessages: false }, [failing], log);
  const unhandled: unknown[] = [];
  const onUnhandled = (r: unknown) => { unhandled.push(r); };
  process.on('unhandledRejection', onUnhandled);
  try {
    const consumed: InRecord = { topic: 't', partition: 0, offset: 1, key: null, value: Buffer.from('x'), headers: [], timestamp: 0 };
    const out = ops.run('VALUE_CONVERTER', 'C', () => { throw new Error('bad record'); }, consumed);
    assert.equal(out, SKIP);
    await sleep(50);
    assert.deepEqual(unhandled, []);
    await assert.rejects(ops.flushReports(), (e: unknown) => e instanceof ConnectError && /dead letter queue.*TOPIC_AUTHORIZATION_FAILED/.test(e.message));
    // Reported once: the next flush has nothing left to fail on.
    await ops.flushReports();
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('the standalone offset file recovers after a failed write', async () => {
  const tmp = tempDir('ferry-offsets-');
  try {
    const file = join(tmp.dir, 'connect.offsets');
    const store = new FileOffsetStore(file);
    await store.start();
    await store.set([{ connector: 'c', partition: { f: 'a' }, offset: { position: 1 } }]);
    // The write target is blocked (as by a full disk): the write fails and says where.
    const blocker = `${file}.tmp-${process.pid}`;
    mkdirSync(blocker);
    await assert.rejects(store.set([{ connector: 'c', partition: { f: 'b' }, offset: { position: 2 } }]), /Could not write offsets to/);
    rmSync(blocker, { recursive: true });
    await store.set([{ connector: 'c', partition: { f: 'c' }, offset: { position: 3 } }]);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { offsets: Array<{ key: [string, Record<string, string>]; value: { position: number } }> };
    assert.deepEqual(saved.offsets.map((o) => [o.key[1].f, o.value.position]).sort(), [['a', 1], ['b', 2], ['c', 3]]);
  } finally {
    tmp.cleanup();
  }
});

test('an error escaping a task fails that task and leaves the worker process running', () => {
  const script = `
    import { installProcessGuard, runOwned } from './src/connect/runtime/process-guard.ts';
    installProcessGuard();
    const failed = [];
    runOwned({ name: 'conn-0', fail: (e) => failed.push('conn-0:' + e.message) }, () => {
      setTimeout(() => { throw new Error('stray timer'); }, 5);
      void (async () => { await new Promise((r) => setTimeout(r, 10)); throw new Error('forgotten promise'); })();
    });
    runOwned({ name: 'conn-1', fail: (e) => failed.push('conn-1:' + e.message) }, () => {
      setTimeout(() => { Promise.reject(new Error('late rejection')); }, 15);
    });
    setTimeout(() => { Promise.reject(new Error('unowned')); }, 20);
    setTimeout(() => { console.log(JSON.stringify(failed)); }, 100);
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 30_000, env: { ...process.env, FERRY_LOG_LEVEL: 'silent' } });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(JSON.parse(lines[lines.length - 1]!), ['conn-0:stray timer', 'conn-0:forgotten promise', 'conn-1:late rejection']);
});

test('a sink task whose consumer stopped for good becomes FAILED with the cause', async () => {
  let crash: ((e: Error, restarting: boolean) => void) | null = null;
  const consumer = {
    subscribe: async () => undefined,
    onCrash: (l: (e: Error, restarting: boolean) => void) => { crash = l; },
    onAssignmentChange: () => undefined,
    run: async () => undefined,
    stop: async () => undefined,
    commit: async () => undefined,
    assignment: () => [],
    pause: () => undefined,
    resume: () => undefined,
  } as unknown as GroupConsumer;
  class NoopSink extends SinkTask {
    override version(): string { return '1'; }
    start(_props: Props): void { /* nothing */ }
    put(): void { /* nothing */ }
    stop(): void { /* nothing */ }
  }
  const events: string[] = [];
  let failure: unknown;
  const runner = new SinkTaskRunner({
    id: { connector: 'c', task: 0 },
    task: new NoopSink(),
    taskProps: {},
    converters: null as never,
    transformer: { apply: (r: unknown) => r, close: () => undefined } as never,
    consumerFactory: () => consumer,
    subscription: ['t'],
    errors: new RetryWithToleranceOperator({ retryTimeoutMs: 0, retryDelayMaxMs: 0, tolerance: 'none', logEnable: false, logIncludeMessages: false }, [], log),
    listener: {
      onRunning: () => events.push('RUNNING'),
      onPaused: () => events.push('PAUSED'),
      onFailed: (_id, e) => { events.push('FAILED'); failure = e; },
      onStopped: () => events.push('STOPPED'),
    },
    log,
    offsetFlushIntervalMs: 60_000,
  });
  runner.start();
  for (let i = 0; i < 100 && !crash; i++) await sleep(10);
  assert.ok(crash, 'the runner listens for consumer crashes');
  const notify = crash as (e: Error, restarting: boolean) => void;
  notify(new Error('retriable blip'), true);
  assert.ok(!events.includes('FAILED'), 'a consumer that restarts itself does not fail the task');
  notify(Object.assign(new Error('Not authorized to access group: connect-c'), { type: 'GROUP_AUTHORIZATION_FAILED' }), false);
  assert.ok(events.includes('FAILED'));
  assert.match(String((failure as Error).message), /consumer stopped: Not authorized to access group/);
  await runner.stop(1000);
});
