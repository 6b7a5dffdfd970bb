// The runtime's choice of data path for a source task that can write encoded batches: offered only with no
// transform and ByteArrayConverter for key, value and headers; acknowledged offsets reach the offset store
// and stop waits for the task's own sends. On both paths the task's active records (Connect's
// source-record-active-count) rise with what is polled or sent and fall back to 0 once acknowledged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceTask, type SourceRecord } from '../../src/connect/api/index.js';
import { sourceRecord } from '../../src/connect/api/records.js';
import { strimziConnect } from '../../src/observability/metrics.js';
import { SourceTaskRunner } from '../../src/connect/runtime/source-task-runner.js';
import { RetryWithToleranceOperator, errorHandlingConfig } from '../../src/connect/runtime/error-handling.js';
import { MemoryOffsetStore } from '../../src/connect/storage/offset-store.js';
import { ByteArrayConverter } from '../../src/connect/converters/byte-array-converter.js';
import { StringConverter } from '../../src/connect/converters/string-converter.js';
import type { EncodedBatch, EncodedBatchSink, RecordProducer } from '../../src/kafka/producer.js';
import { logger } from '../../src/observability/logger.js';
import type { TaskConverters } from '../../src/connect/runtime/task-common.js';
import { pollUntil, sleep } from '../../src/backoff.js';

class BytesTask extends SourceTask {
  sink: EncodedBatchSink | null = null;
  polls = 0;
  /** Every call of poll, including those that return nothing. */
  calls = 0;
  private pending: Promise<void>[] = [];
  override version(): string { return '1'; }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  useEncodedBatches(sink: EncodedBatchSink): boolean { this.sink = sink; return true; }
  async flushEncoded(): Promise<void> { await Promise.all(this.pending); }
  async poll(): Promise<SourceRecord[] | null> {
    this.calls++;
    await sleep(5);
    if (!this.sink || this.polls >= 3) return null;
    const n = this.polls++;
    const sink = this.sink;
    this.pending.push(sink.send([{ topic: 't', partition: 0, batch: Buffer.alloc(61), count: 10 }]).then((acks) => {
      assert.deepEqual(acks, [[{ baseOffset: n * 10, count: 10 }]]);
      sink.offsetsAcknowledged([{ partition: { p: 0 }, offset: { offset: n * 10 + 9 } }]);
      sink.recordsWritten(10);
    }));
    return [];
  }
}

/** Polls 3 batches of 4 records on the record path (its converters keep the runtime from offering the byte path). */
class RecordsTask extends BytesTask {
  override async poll(): Promise<SourceRecord[] | null> {
    this.calls++;
    await sleep(5);
    if (this.polls >= 3) return null;
    const n = this.polls++;
    return [0, 1, 2, 3].map((i) => sourceRecord({ topic: 't', sourcePartition: { p: 0 }, sourceOffset: { offset: n * 4 + i } }));
  }
}

function fakeProducer(sent: EncodedBatch[]): RecordProducer {
  let next = 0;
  return {
    batchCompression: undefined,
    maxBatchBytes: 1000,
    bufferMemory: 1 << 20,
    sendEncoded: async (batches: readonly EncodedBatch[]) => { sent.push(...batches); await sleep(20); return batches.map((b) => { const base = next; next += b.count; return [{ baseOffset: base, count: b.count }]; }); },
    send: async () => [],
    disconnect: async () => undefined,
  } as unknown as RecordProducer;
}

function converters(cls: 'bytes' | 'string'): TaskConverters {
  const make = () => (cls === 'bytes' ? new ByteArrayConverter() : new StringConverter());
  return { key: make(), value: make(), header: make(), keyClass: cls, valueClass: cls, headerClass: cls } as unknown as TaskConverters;
}

async function run(conv: TaskConverters, stages: unknown[], task = new BytesTask(), connector = 'c'): Promise<{ task: BytesTask; sent: EncodedBatch[]; store: MemoryOffsetStore; failures: unknown[] }> {
  const sent: EncodedBatch[] = [];
  const store = new MemoryOffsetStore();
  const failures: unknown[] = [];
  const log = logger('test.data-path');
  const runner = new SourceTaskRunner({
    id: { connector, task: 0 }, task, taskProps: {}, converters: conv,
    transformer: { stages, apply: (r: unknown) => r, close: () => undefined } as never,
    producer: fakeProducer(sent), offsetStore: store, errors: new RetryWithToleranceOperator(errorHandlingConfig({}), [], log),
    listener: { onRunning: () => undefined, onPaused: () => undefined, onFailed: (_id, e) => { failures.push(e); }, onStopped: () => undefined },
    log, offsetFlushIntervalMs: 60_000,
  });
  runner.start();
  // Until the task has polled its 3 batches, or (byte path not offered) has been polled a few times for nothing.
  await pollUntil('the task polled its batches', () => task.polls >= 3 || (!task.sink && !(task instanceof RecordsTask) && task.calls >= 5), { timeoutMs: 5000, intervalMs: 5 });
  await runner.stop(5000);
  return { task, sent, store, failures };
}

test('no transform and ByteArrayConverters: the task writes encoded batches; stop waits for them and commits their offsets', async () => {
  const { task, sent, store, failures } = await run(converters('bytes'), []);
  assert.deepEqual(failures, []);
  assert.ok(task.sink, 'byte path offered');
  assert.equal(sent.length, 3);
  assert.deepEqual(store.get('c', { p: 0 }), { offset: 29 });
  const active = strimziConnect.sourceRecordActive.series({ connector: 'c', task: '0' });
  assert.equal(active.last, 0);
  // Sends of 10 records each, up to all three unacknowledged at once.
  assert.ok(active.maximum() >= 10 && active.maximum() <= 30, `max ${active.maximum()}`);
});

test('record path: polled records are active until their batch is acknowledged', async () => {
  const { failures } = await run(converters('string'), [], new RecordsTask(), 'records');
  assert.deepEqual(failures, []);
  const active = strimziConnect.sourceRecordActive.series({ connector: 'records', task: '0' });
  assert.equal(active.last, 0);
  // Two batches of 4 in flight at most (maxInFlightBatches 2).
  assert.equal(active.maximum(), 8);
});

test('a transform or another converter keeps the record path', async () => {
  for (const r of [await run(converters('bytes'), [{}]), await run(converters('string'), [])]) {
    assert.equal(r.task.sink, null);
    assert.equal(r.sent.length, 0);
    assert.deepEqual(r.failures, []);
  }
});
