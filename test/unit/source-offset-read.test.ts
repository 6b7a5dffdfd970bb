// A source task's offset reads wait for the offsets topic to be read to its end first (Connect's offsets backing
// store does the same before every read): a task that moved from another worker resumes from that worker's last
// commit, not from what this worker's tail had read so far. A read that cannot catch up fails the task, naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceTask, type SourceRecord } from '../../src/connect/api/index.js';
import type { SourceOffset } from '../../src/connect/api/records.js';
import { SourceTaskRunner } from '../../src/connect/runtime/source-task-runner.js';
import { RetryWithToleranceOperator, errorHandlingConfig } from '../../src/connect/runtime/error-handling.js';
import { MemoryOffsetStore } from '../../src/connect/storage/offset-store.js';
import { StringConverter } from '../../src/connect/converters/string-converter.js';
import type { RecordProducer } from '../../src/kafka/producer.js';
import type { TaskConverters } from '../../src/connect/runtime/task-common.js';
import { logger } from '../../src/observability/logger.js';
import { pollUntil } from '../../src/backoff.js';

/** A shared store whose tail lags: another worker's last commit becomes visible only when it is read to its end. */
class LaggingStore extends MemoryOffsetStore {
  reads = 0;
  constructor(private readonly unread: { offset: SourceOffset } | null, private readonly fail = false) { super(); }
  /** What this worker's tail has read already. */
  seen(offset: SourceOffset): void { this.apply([{ connector: 'moved', partition: { file: 'f' }, offset }]); }
  async readToEnd(timeoutMs?: number): Promise<void> {
    this.reads++;
    if (this.fail) throw new Error(`Timed out after ${timeoutMs} ms reading connect-offsets to its end`);
    if (this.unread) this.apply([{ connector: 'moved', partition: { file: 'f' }, offset: this.unread.offset }]);
  }
}

/** Reads its position at start, as FileStreamSource does, and polls nothing. */
class ResumingTask extends SourceTask {
  resumedFrom: SourceOffset | null | undefined;
  override version(): string { return '1'; }
  async start(): Promise<void> { this.resumedFrom = await this.context.offsetStorageReader.offset({ file: 'f' }); }
  async stop(): Promise<void> {}
  async poll(): Promise<SourceRecord[] | null> { await new Promise((r) => setTimeout(r, 5)); return null; }
}

async function startTask(store: LaggingStore): Promise<{ task: ResumingTask; running: boolean; failures: unknown[] }> {
  const task = new ResumingTask();
  const failures: unknown[] = [];
  let running = false;
  const log = logger('test.offset-read');
  const string = () => new StringConverter();
  const runner = new SourceTaskRunner({
    id: { connector: 'moved', task: 0 }, task, taskProps: {},
    converters: { key: string(), value: string(), header: string(), keyClass: 'string', valueClass: 'string', headerClass: 'string' } as unknown as TaskConverters,
    transformer: { stages: [], apply: (r: unknown) => r, close: () => undefined } as never,
    producer: { send: async () => [], disconnect: async () => undefined } as unknown as RecordProducer,
    offsetStore: store, errors: new RetryWithToleranceOperator(errorHandlingConfig({}), [], log),
    listener: { onRunning: () => { running = true; }, onPaused: () => undefined, onFailed: (_id, e) => { failures.push(e); }, onStopped: () => undefined },
    log, offsetFlushIntervalMs: 60_000, offsetReadTimeoutMs: 1234,
  });
  runner.start();
  await pollUntil('the task started or failed', () => running || failures.length > 0, { timeoutMs: 5000, intervalMs: 5 });
  await runner.stop(5000);
  return { task, running, failures };
}

test('a moved task resumes from the last offset another worker committed, not from what the tail had read', async () => {
  const store = new LaggingStore({ offset: { position: 4096 } });
  store.seen({ position: 1024 });
  const { task, failures } = await startTask(store);
  assert.deepEqual(failures, []);
  assert.equal(store.reads, 1);
  assert.deepEqual(task.resumedFrom, { position: 4096 });
});

test('an offsets topic that cannot be read to its end fails the task, naming the connector and the topic', async () => {
  const { running, failures } = await startTask(new LaggingStore(null, true));
  assert.equal(running, false);
  assert.equal(failures.length, 1);
  assert.match(String((failures[0] as Error).message), /Failed to fetch offsets for connector moved: Timed out after 1234 ms reading connect-offsets to its end/);
});
