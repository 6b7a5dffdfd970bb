// A connector's own offsets topic in front of the worker's (offsets.storage.topic): which store answers a read,
// where writes and removals go, and in which order. Both stores are in-memory stand-ins for the Kafka topics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorOffsetStore, connectorOffsetsTopic, usesWorkerOffsetsTopic } from '../../src/connect/storage/connector-offset-store.js';
import { MemoryOffsetStore, type OffsetEntry } from '../../src/connect/storage/offset-store.js';
import { logger } from '../../src/observability/logger.js';

class Recording extends MemoryOffsetStore {
  readonly writes: string[] = [];
  constructor(readonly name: string, private readonly order: string[], private readonly failing = false) { super(); }
  get topic(): string { return this.name; }
  async readToEnd(timeoutMs?: number): Promise<void> { this.order.push(`${this.name}:read-to-end(${timeoutMs})`); }
  applyWritten(entries: readonly OffsetEntry[]): void { this.apply(entries); }
  override async set(entries: readonly OffsetEntry[]): Promise<void> {
    this.order.push(`${this.name}:${entries.map((e) => (e.offset === null ? 'remove' : 'put')).join(',')}`);
    if (this.failing) throw new Error(`${this.name} is down`);
    this.apply(entries);
  }
}

const p = (file: string) => ({ filename: file });

test('reads take the connector\'s topic first and fall back to the worker\'s; the merged list has each partition once', async () => {
  const order: string[] = [];
  const worker = new Recording('worker', order);
  const own = new Recording('own', order);
  await worker.set([{ connector: 'c', partition: p('a'), offset: { position: 1 } }, { connector: 'c', partition: p('b'), offset: { position: 2 } }]);
  await own.set([{ connector: 'c', partition: p('b'), offset: { position: 20 } }]);
  const store = new ConnectorOffsetStore(own, worker, logger('test'));
  assert.deepEqual(store.get('c', p('a')), { position: 1 }, 'never written to its own topic: the worker\'s');
  assert.deepEqual(store.get('c', p('b')), { position: 20 }, 'its own topic wins');
  assert.equal(store.get('c', p('z')), null);
  assert.deepEqual(store.connectorOffsets('c').map((e) => [e.partition.filename, e.offset.position]).sort(), [['a', 1], ['b', 20]]);
});

test('reading to the end reads both topics, its own and the worker\'s that reads fall back to', async () => {
  const order: string[] = [];
  const store = new ConnectorOffsetStore(new Recording('own', order), new Recording('worker', order), logger('test'));
  await store.readToEnd(500);
  assert.deepEqual(order.sort(), ['own:read-to-end(500)', 'worker:read-to-end(500)']);
});

test('writes go to the connector\'s topic, then a copy to the worker\'s; removals to the worker\'s first', async () => {
  const order: string[] = [];
  const worker = new Recording('worker', order);
  const own = new Recording('own', order);
  const store = new ConnectorOffsetStore(own, worker, logger('test'));
  await store.set([{ connector: 'c', partition: p('a'), offset: { position: 5 } }]);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ['own:put', 'worker:put']);
  assert.deepEqual(worker.get('c', p('a')), { position: 5 });
  order.length = 0;
  await store.set([{ connector: 'c', partition: p('a'), offset: null }]);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ['worker:remove', 'own:remove'], 'a crash between the two never resurrects the offset through the fallback');
  assert.equal(store.get('c', p('a')), null);
});

test('a failed copy to the worker\'s topic does not fail the commit; committed transactions are applied and copied', async () => {
  const order: string[] = [];
  const worker = new Recording('worker', order, true);
  const own = new Recording('own', order);
  const store = new ConnectorOffsetStore(own, worker, logger('test'));
  await store.set([{ connector: 'c', partition: p('a'), offset: { position: 7 } }]);
  store.committed([{ connector: 'c', partition: p('b'), offset: { position: 8 } }], [{ offset: 3 }]);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(store.get('c', p('a')), { position: 7 });
  assert.deepEqual(store.get('c', p('b')), { position: 8 });
  assert.deepEqual(order, ['own:put', 'worker:put', 'worker:put']);
});

test('the topic and its cluster come from offsets.storage.topic and the producer\'s connection overrides', () => {
  const own = connectorOffsetsTopic({ 'offsets.storage.topic': ' mine ', 'producer.override.bootstrap.servers': 'b:9092', 'producer.override.sasl.mechanism': 'PLAIN', 'producer.override.linger.ms': '5' });
  assert.deepEqual(own, { topic: 'mine', connection: { 'bootstrap.servers': 'b:9092', 'sasl.mechanism': 'PLAIN' } });
  assert.equal(usesWorkerOffsetsTopic(connectorOffsetsTopic({}), 'w'), true);
  assert.equal(usesWorkerOffsetsTopic(connectorOffsetsTopic({ 'offsets.storage.topic': 'w' }), 'w'), true, 'the worker\'s own topic, same cluster');
  assert.equal(usesWorkerOffsetsTopic(own, 'w'), false);
  assert.equal(usesWorkerOffsetsTopic({ topic: 'w', connection: { 'bootstrap.servers': 'other:9092' } }, 'w'), false, 'same name on another cluster is another topic');
});
