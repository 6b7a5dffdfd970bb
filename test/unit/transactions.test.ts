// TransactionManager's retry rules against a scripted coordinator (pure logic; the real protocol runs in
// test/integration/kafka-transactions.test.ts): a moved coordinator is looked up again, CONCURRENT_TRANSACTIONS
// is retried, fencing is a FencedError at once, other errors a TransactionError naming request and id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FencedError, TransactionError, TransactionManager, type TransactionCluster } from '../../src/kafka/transactions.js';
import type { KafkajsBroker } from '../../src/kafka/kafkajs-internals.js';

const kafkaError = (code: number, message: string): Error => Object.assign(new Error(message), { code });

function fakeCluster(answers: Array<Error | 'ok'>): { cluster: TransactionCluster; lookups: number; refreshes: number; calls: number } {
  const state = { lookups: 0, refreshes: 0, calls: 0 };
  const broker = {
    initProducerId: async () => {
      state.calls++;
      const a = answers.shift() ?? 'ok';
      if (a instanceof Error) throw a;
      return { producerId: 42, producerEpoch: 3 };
    },
  } as unknown as KafkajsBroker;
  const cluster: TransactionCluster = {
    findGroupCoordinator: async () => { state.lookups++; return broker; },
    refreshMetadata: async () => { state.refreshes++; },
  };
  return Object.assign(state, { cluster });
}

const opts = { transactionalId: 'tx-1', transactionTimeoutMs: 60_000, retryBackoffMs: 1, retryBackoffMaxMs: 5, maxBlockMs: 2_000 };

test('NOT_COORDINATOR and CONCURRENT_TRANSACTIONS are retried (coordinator looked up again, metadata refreshed when it moved)', async () => {
  const f = fakeCluster([kafkaError(16, 'This is not the correct coordinator'), kafkaError(51, 'concurrent'), 'ok']);
  const m = new TransactionManager(f.cluster, opts);
  assert.deepEqual(await m.init(), { producerId: 42, producerEpoch: 3 });
  assert.equal(f.calls, 3);
  assert.equal(f.lookups, 3, 'looked up again after each failure');
  assert.equal(f.refreshes, 1, 'metadata refreshed only when the coordinator moved');
});

test('fencing is final and a FencedError; another error is a TransactionError naming the request and the id', async () => {
  const fenced = fakeCluster([kafkaError(90, 'There is a newer producer with the same transactionalId')]);
  await assert.rejects(new TransactionManager(fenced.cluster, opts).init(), (e: unknown) => e instanceof FencedError && /InitProducerId for transactional\.id tx-1: fenced/.test((e as Error).message));
  assert.equal(fenced.calls, 1);
  const denied = fakeCluster([kafkaError(53, 'Transactional Id authorization failed')]);
  await assert.rejects(new TransactionManager(denied.cluster, opts).init(), (e: unknown) => e instanceof TransactionError && e.code === 53 && /InitProducerId for transactional\.id tx-1 failed: Transactional Id authorization failed$/.test((e as Error).message));
  const stuck = fakeCluster(Array.from({ length: 1000 }, () => kafkaError(15, 'coordinator not available')));
  await assert.rejects(new TransactionManager(stuck.cluster, { ...opts, maxBlockMs: 50 }).init(), /still failing after \d+ attempts, max\.block\.ms=50/);
});

test('begin, add and end keep Java\'s order: no add or end without a transaction, no EndTxn when nothing was written', async () => {
  const f = fakeCluster([]);
  const m = new TransactionManager(f.cluster, opts);
  assert.throws(() => m.begin(), /begin before init/);
  await m.init();
  await assert.rejects(m.addPartitions([{ topic: 't', partition: 0 }]), /no open transaction/);
  m.begin();
  assert.throws(() => m.begin(), /already open/);
  await m.end(true); // nothing added: no request
  assert.equal(m.active, false);
});
