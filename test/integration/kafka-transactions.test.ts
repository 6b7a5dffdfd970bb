// Ferry's transactional producer (transactional.id: InitProducerId, AddPartitionsToTxn, Produce with the
// transactional id, EndTxn) against a real broker: committed transactions are what a read_committed reader sees,
// aborted ones never are (a read_uncommitted reader sees both), and a second producer with the same
// transactional.id fences the first: its open transaction is aborted and its later writes and commit fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordProducer, type OutRecord } from '../../src/kafka/producer.js';
import { FencedError } from '../../src/kafka/transactions.js';
import { uniqueName, useKafka } from '../helpers/kafka.js';
import { createTopics, partitionFingerprints } from '../helpers/mirror.js';

const kafka = useKafka({ clusters: ['txn'] });
const props = () => kafka.cluster('txn').props;
const PARTITIONS = 3;

function records(topic: string, label: string, n: number): OutRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    topic, partition: i % PARTITIONS, key: Buffer.from(`${label}-${i}`), value: Buffer.from(`${label} value ${i}`), headers: [['h', Buffer.from(label)]], timestamp: null,
  }));
}

async function values(topic: string, readCommitted: boolean): Promise<string[]> {
  const out: string[] = [];
  for (let p = 0; p < PARTITIONS; p++) for (const r of await partitionFingerprints(props(), topic, p, { readCommitted })) out.push(r.value!.toString());
  return out.sort();
}

const expected = (label: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${label} value ${i}`);

test('committed transactions are read_committed-visible, aborted ones are not; the records carry the transactional bit', async () => {
  const topic = uniqueName('txn');
  await createTopics(props(), [{ topic, partitions: PARTITIONS }]);
  const producer = new RecordProducer({ ...props(), 'transactional.id': uniqueName('ferry-txn') }, 'txn-test');
  await producer.connect();
  try {
    producer.beginTransaction();
    await producer.send(records(topic, 'first', 100));
    await producer.commitTransaction();

    producer.beginTransaction();
    await producer.send(records(topic, 'aborted', 50));
    await producer.abortTransaction();

    producer.beginTransaction();
    const sends = [producer.send(records(topic, 'second', 30)), producer.send(records(topic, 'third', 20))];
    await producer.commitTransaction(); // waits for both sends
    await Promise.all(sends);

    // Outside a transaction a send is refused, naming the transactional id.
    await assert.rejects(producer.send(records(topic, 'stray', 1)), /send outside a transaction/);
  } finally {
    await producer.disconnect();
  }
  const committed = await values(topic, true);
  assert.deepEqual(committed, [...expected('first', 100), ...expected('second', 30), ...expected('third', 20)].sort());
  const all = await values(topic, false);
  assert.equal(all.length, 200, 'read_uncommitted also sees the aborted records');
  assert.equal(all.filter((v) => v.startsWith('aborted')).length, 50);
});

test('a second producer with the same transactional.id fences the first; the fenced transaction never becomes visible', async () => {
  const topic = uniqueName('txn-fence');
  await createTopics(props(), [{ topic, partitions: PARTITIONS }]);
  const id = uniqueName('ferry-txn-fence');
  const zombie = new RecordProducer({ ...props(), 'transactional.id': id }, 'txn-zombie');
  const successor = new RecordProducer({ ...props(), 'transactional.id': id }, 'txn-successor');
  await zombie.connect();
  try {
    zombie.beginTransaction();
    await zombie.send(records(topic, 'zombie', 40)); // acknowledged, not committed
    await successor.connect(); // InitProducerId: bumps the epoch and aborts the zombie's open transaction
    await assert.rejects(zombie.send(records(topic, 'late', 10)), (e: unknown) => /fenced|PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/i.test((e as Error).message), 'a late write of the zombie is rejected');
    await assert.rejects(zombie.commitTransaction(), (e: unknown) => e instanceof FencedError || /fenced|not committed/i.test((e as Error).message), 'the zombie cannot commit');
    successor.beginTransaction();
    await successor.send(records(topic, 'successor', 25));
    await successor.commitTransaction();
  } finally {
    await Promise.allSettled([zombie.disconnect(), successor.disconnect()]);
  }
  assert.deepEqual(await values(topic, true), expected('successor', 25).sort());
});

test('transactional.id with acks other than all, or with enable.idempotence=false, is refused naming the settings', () => {
  assert.throws(() => new RecordProducer({ ...props(), 'transactional.id': 'x', acks: '1' }, 't'), /transactional\.id=x needs acks=all \(got acks=1\)/);
  assert.throws(() => new RecordProducer({ ...props(), 'transactional.id': 'x', 'enable.idempotence': 'false' }, 't'), /transactional\.id=x needs enable\.idempotence=true/);
  assert.throws(() => new RecordProducer({ ...props(), 'transactional.id': 'x', 'transaction.timeout.ms': 'never' }, 't'), /transaction\.timeout\.ms=never/);
});
