// BatchSender's retry and pipelining rules against an in-memory broker that validates producer sequences the way
// a Kafka broker does (per producer id and partition: the next batch must start at the last sequence + 1, a
// resend of an acknowledged batch is a duplicate, anything else is out of order). Pure logic: the real brokers
// are exercised by the integration suites.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchSender, type PartitionResponse, type ProduceTransport, type SenderOptions } from '../../src/kafka/batch-sender.js';
import { decodeRecordSet, encodeRecordBatch, type BatchRecord } from '../../src/kafka/record-batch.js';
import { sleep } from '../../src/backoff.js';

interface Appended { producerId: number; seq: number; values: string[] }

/** A cluster of fake brokers: partition leaders, a log per partition, scripted errors, concurrency observed. */
class FakeCluster implements ProduceTransport {
  leaders = new Map<string, number>();
  logs = new Map<string, Appended[]>();
  /** Per producer id and partition: next expected sequence and the acknowledged batches (seq → base offset). */
  state = new Map<string, { next: number; acked: Map<number, number> }>();
  nextPid = 1000;
  pidsIssued: number[] = [];
  inflight = new Map<number, number>();
  maxInflight = new Map<number, number>();
  requests = 0;
  outOfOrder = 0;
  /** Called per partition entry before validation: return an error code to answer with instead. */
  inject: (nodeId: number, topic: string, partition: number, seq: number, count: number) => number | undefined = () => undefined;
  failRequest: (nodeId: number) => Error | undefined = () => undefined;
  maxRecordsPerBatch = Infinity;
  delayMs = 2;

  leaderFor(topic: string, partition: number): number | undefined { return this.leaders.get(`${topic}-${partition}`); }
  async refreshMetadata(): Promise<void> { /* leaders are read live */ }
  brokerFailed(): void { /* no connection state */ }
  async initProducerId(): Promise<{ producerId: number; producerEpoch: number }> {
    const pid = this.nextPid++;
    this.pidsIssued.push(pid);
    return { producerId: pid, producerEpoch: 0 };
  }

  async produce(nodeId: number, batches: ReadonlyArray<{ topic: string; partition: number; batch: Buffer }>): Promise<PartitionResponse[]> {
    this.requests++;
    const now = (this.inflight.get(nodeId) ?? 0) + 1;
    this.inflight.set(nodeId, now);
    this.maxInflight.set(nodeId, Math.max(now, this.maxInflight.get(nodeId) ?? 0));
    // Bytes are captured now (the sender may reseal the same buffer for a resend later).
    const copies = batches.map((b) => ({ ...b, batch: Buffer.from(b.batch) }));
    await sleep(this.delayMs);
    this.inflight.set(nodeId, this.inflight.get(nodeId)! - 1);
    const failure = this.failRequest(nodeId);
    if (failure) throw failure;
    return copies.map((b) => ({ topic: b.topic, partition: b.partition, ...this.append(nodeId, b.topic, b.partition, b.batch) }));
  }

  private append(nodeId: number, topic: string, partition: number, batch: Buffer): { errorCode: number; baseOffset: number } {
    const pid = Number(batch.readBigInt64BE(43));
    const seq = batch.readInt32BE(53);
    const count = batch.readInt32BE(57);
    const key = `${topic}-${partition}`;
    const injected = this.inject(nodeId, topic, partition, seq, count);
    if (injected !== undefined) return { errorCode: injected, baseOffset: -1 };
    if (this.leaders.get(key) !== nodeId) return { errorCode: 6, baseOffset: -1 }; // NOT_LEADER_OR_FOLLOWER
    if (count > this.maxRecordsPerBatch) return { errorCode: 10, baseOffset: -1 }; // MESSAGE_TOO_LARGE
    const sk = `${pid}/${key}`;
    let st = this.state.get(sk);
    if (!st) {
      if (seq !== 0) return { errorCode: 59, baseOffset: -1 }; // UNKNOWN_PRODUCER_ID
      st = { next: 0, acked: new Map() };
      this.state.set(sk, st);
    }
    if (st.acked.has(seq)) return { errorCode: 46, baseOffset: -1 }; // DUPLICATE_SEQUENCE_NUMBER
    if (seq !== st.next) { this.outOfOrder++; return { errorCode: 45, baseOffset: -1 }; } // OUT_OF_ORDER_SEQUENCE_NUMBER
    const log = this.logs.get(key) ?? [];
    this.logs.set(key, log);
    const base = log.reduce((n, a) => n + a.values.length, 0);
    const values = decodeRecordSet(batch).batches.flatMap((b) => b.records.map((r) => r.value!.toString()));
    log.push({ producerId: pid, seq, values });
    st.acked.set(seq, base);
    st.next = seq + count;
    return { errorCode: 0, baseOffset: base };
  }

  values(topic: string, partition: number): string[] {
    return (this.logs.get(`${topic}-${partition}`) ?? []).flatMap((a) => a.values);
  }
}

const ERRORS: Record<number, { type: string; retriable: boolean }> = {
  6: { type: 'NOT_LEADER_OR_FOLLOWER', retriable: true },
  7: { type: 'REQUEST_TIMED_OUT', retriable: true },
  10: { type: 'MESSAGE_TOO_LARGE', retriable: false },
  29: { type: 'TOPIC_AUTHORIZATION_FAILED', retriable: false },
  45: { type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', retriable: false },
  59: { type: 'UNKNOWN_PRODUCER_ID', retriable: false },
};

function encode(records: BatchRecord[]): Buffer {
  return encodeRecordBatch(records, { producerId: -1, producerEpoch: -1, baseSequence: -1 });
}

function options(over: Partial<SenderOptions> = {}): SenderOptions {
  return {
    idempotent: true, acks: -1, maxInFlight: 5, maxRequestBytes: 1 << 20, retries: 2_147_483_647, deliveryTimeoutMs: 10_000,
    retryBackoffMs: 1, retryBackoffMaxMs: 5, bufferMemory: 32 << 20,
    split: (batch, count) => {
      if (count < 2) return null;
      const recs = decodeRecordSet(batch).batches.flatMap((b) => b.records).map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp }));
      const n = Math.ceil(count / 2);
      return [encode(recs.slice(0, n)), encode(recs.slice(n)), n];
    },
    describeError: (code) => ({ type: ERRORS[code]?.type ?? `CODE_${code}`, message: `error ${code}`, retriable: ERRORS[code]?.retriable ?? false }),
    ...over,
  };
}

/** `batches` batches of `per` records for partition p: values p:0, p:1, … in order. */
function batchesFor(topic: string, p: number, batches: number, per: number, from = 0): Array<{ topic: string; partition: number; batch: Buffer; count: number }> {
  const out = [];
  let v = from;
  for (let i = 0; i < batches; i++) {
    const recs: BatchRecord[] = [];
    for (let j = 0; j < per; j++) recs.push({ key: null, value: Buffer.from(`${p}:${v++}`), headers: [], timestamp: 1_700_000_000_000 + v });
    out.push({ topic, partition: p, batch: encode(recs), count: per });
  }
  return out;
}

const expected = (p: number, n: number): string[] => Array.from({ length: n }, (_, i) => `${p}:${i}`);

async function started(cluster: FakeCluster, over: Partial<SenderOptions> = {}): Promise<BatchSender> {
  const s = new BatchSender(cluster, options(over));
  await s.start();
  return s;
}

/** The broker writes the second request's batches but its answer is lost (a request timeout). */
function loseSecondAnswer(c: FakeCluster): void {
  let requests = 0;
  const realProduce = c.produce.bind(c);
  c.produce = async (nodeId, batches) => {
    const r = await realProduce(nodeId, batches);
    if (++requests === 2) throw Object.assign(new Error('Request Produce timed out'), { name: 'KafkaJSRequestTimeoutError' });
    return r;
  };
}

test('pipelines up to max.in.flight requests per broker; every batch lands once, in order, with its offset', async () => {
  const c = new FakeCluster();
  for (let p = 0; p < 4; p++) c.leaders.set(`t-${p}`, p % 2);
  const s = await started(c);
  const acks = [];
  for (let p = 0; p < 4; p++) acks.push(...s.enqueue(batchesFor('t', p, 12, 10)));
  const results = await Promise.all(acks);
  for (let p = 0; p < 4; p++) assert.deepEqual(c.values('t', p), expected(p, 120));
  assert.equal(c.maxInflight.get(0), 5, 'broker 0 saw 5 requests at once');
  assert.equal(c.maxInflight.get(1), 5);
  // Batch k of a partition landed at offset 10·k.
  for (let p = 0; p < 4; p++) for (let k = 0; k < 12; k++) assert.deepEqual(results[p * 12 + k], [{ baseOffset: 10 * k, count: 10 }]);
});

test('max.in.flight = 1 keeps one request at a time per broker', async () => {
  const c = new FakeCluster();
  c.leaders.set('t-0', 0);
  const s = await started(c, { maxInFlight: 1 });
  await Promise.all(s.enqueue(batchesFor('t', 0, 8, 5)));
  assert.equal(c.maxInflight.get(0), 1);
  assert.deepEqual(c.values('t', 0), expected(0, 40));
});

test('NOT_LEADER mid-pipeline: later batches come back out of sequence, all are resent in sequence order to the new leader', async () => {
  const c = new FakeCluster();
  c.leaders.set('t-0', 0);
  const s = await started(c);
  let moved = false;
  c.inject = (nodeId, _t, _p, seq) => {
    // The leader moves to broker 1 while batches from sequence 30 on are in flight.
    if (!moved && nodeId === 0 && seq === 30) { moved = true; c.leaders.set('t-0', 1); return 6; }
    return undefined;
  };
  const results = await Promise.all(s.enqueue(batchesFor('t', 0, 20, 10)));
  assert.ok(moved);
  assert.deepEqual(c.values('t', 0), expected(0, 200), 'no loss, no duplicate, order kept');
  // Only the batches already in flight behind the failed one (at most 4) are refused; the resends go in order.
  assert.ok(c.outOfOrder <= 4, `${c.outOfOrder} out-of-sequence answers`);
  assert.deepEqual(results.map((r) => r[0]!.baseOffset), Array.from({ length: 20 }, (_, k) => 10 * k));
});

test('a lost acknowledgement (request timeout) is resent and recognised as a duplicate: written once', async () => {
  const c = new FakeCluster();
  c.leaders.set('t-0', 0);
  const s = await started(c);
  loseSecondAnswer(c);
  const results = await Promise.all(s.enqueue(batchesFor('t', 0, 6, 10)));
  assert.deepEqual(c.values('t', 0), expected(0, 60));
  assert.equal(results[1]![0]!.baseOffset, -1, 'a duplicate resend reports no offset');
  assert.equal(results[2]![0]!.baseOffset, 20);
});

test('UNKNOWN_PRODUCER_ID for the oldest unacknowledged batch: a new producer id, batches renumbered from 0', async () => {
  const c = new FakeCluster();
  c.leaders.set('t-0', 0);
  const s = await started(c);
  await Promise.all(s.enqueue(batchesFor('t', 0, 3, 10)));
  // The broker forgets the producer (e.g. its state expired with retention).
  c.state.clear();
  const results = await Promise.all(s.enqueue(batchesFor('t', 0, 3, 10, 30)));
  assert.deepEqual(c.values('t', 0), expected(0, 60));
  assert.equal(c.pidsIssued.length, 2, 'one new producer id');
  assert.deepEqual(results.map((r) => r[0]!.baseOffset), [30, 40, 50]);
  assert.equal(s.producer.producerId, c.pidsIssued[1]);
});

test('MESSAGE_TOO_LARGE splits the batch (same sequence range) until it fits; the caller gets its segments', async () => {
  const c = new FakeCluster();
  c.leaders.set('t-0', 0);
  c.maxRecordsPerBatch = 3;
  const s = await started(c);
  const [first, second] = await Promise.all(s.enqueue(batchesFor('t', 0, 2, 10)));
  assert.deepEqual(c.values('t', 0), expected(0, 20));
  assert.equal(first!.reduce((n, seg) => n + seg.count, 0), 10);
  assert.ok(first!.length >= 4, `split into ${first!.length} pieces`);
  assert.equal(first![0]!.baseOffset, 0);
  assert.equal(second![0]!.baseOffset, 10);
});

test('one record too large fails with topic, partition and size named; later sends still work', async () => {
  const c = new FakeCluster();
  c.leaders.set('t-0', 0);
  c.maxRecordsPerBatch = 0;
  const s = await started(c);
  await assert.rejects(s.enqueue(batchesFor('t', 0, 1, 1))[0]!, /MESSAGE_TOO_LARGE.*too large for t-0/);
  c.maxRecordsPerBatch = Infinity;
  await Promise.all(s.enqueue(batchesFor('t', 0, 2, 5)));
  assert.deepEqual(c.values('t', 0), expected(0, 10));
});

test('a non-retriable error fails the batch and the partition\'s queued batches; the producer takes a new id and the next writes succeed', async () => {
  const c = new FakeCluster();
  c.leaders.set('t-0', 0);
  c.leaders.set('t-1', 0);
  const s = await started(c);
  let denied = true;
  c.inject = (_n, _t, p, seq) => (denied && p === 0 && seq === 20 ? 29 : undefined);
  const acks = [...s.enqueue(batchesFor('t', 0, 5, 10)), ...s.enqueue(batchesFor('t', 1, 5, 10))];
  const settled = await Promise.allSettled(acks);
  assert.deepEqual(settled.slice(0, 2).map((r) => r.status), ['fulfilled', 'fulfilled']);
  assert.equal(settled[2]!.status, 'rejected');
  assert.match(String((settled[2] as PromiseRejectedResult).reason), /t-0 failed: TOPIC_AUTHORIZATION_FAILED/);
  assert.ok(settled.slice(5).every((r) => r.status === 'fulfilled'), 'the other partition is unaffected');
  denied = false;
  // Before the fix for issue #14 every later batch of the partition was out of sequence forever.
  await Promise.all(s.enqueue(batchesFor('t', 0, 2, 10, 100)));
  assert.deepEqual(c.values('t', 0).slice(-20), Array.from({ length: 20 }, (_, i) => `0:${100 + i}`));
  assert.ok(c.pidsIssued.length >= 2);
});

test('retriable errors stop at delivery.timeout.ms with a message naming it', async () => {
  const c = new FakeCluster();
  c.leaders.set('t-0', 0);
  c.inject = () => 7; // REQUEST_TIMED_OUT, forever
  const s = await started(c, { deliveryTimeoutMs: 80 });
  await assert.rejects(s.enqueue(batchesFor('t', 0, 1, 1))[0]!, /t-0 failed: REQUEST_TIMED_OUT.*delivery\.timeout\.ms=80 expired/);
});

test('a connection failure retries the request on a fresh connection; nothing lost or duplicated', async () => {
  const c = new FakeCluster();
  c.leaders.set('t-0', 0);
  const s = await started(c);
  let failures = 3;
  c.failRequest = () => (failures-- > 0 ? Object.assign(new Error('Connection error: ECONNRESET'), { name: 'KafkaJSConnectionError' }) : undefined);
  await Promise.all(s.enqueue(batchesFor('t', 0, 8, 10)));
  assert.deepEqual(c.values('t', 0), expected(0, 80));
});

test('without idempotence, batches go out with no producer id and no producer id is fetched', async () => {
  const c = new FakeCluster();
  c.leaders.set('t-0', 0);
  const s = await started(c, { idempotent: false });
  let stamped: number | undefined;
  c.produce = async (_nodeId, batches) => {
    stamped = Number(batches[0]!.batch.readBigInt64BE(43));
    return batches.map((b) => ({ topic: b.topic, partition: b.partition, errorCode: 0, baseOffset: 7 }));
  };
  const [r] = await Promise.all(s.enqueue(batchesFor('t', 0, 1, 3)));
  assert.equal(stamped, -1);
  assert.deepEqual(r, [{ baseOffset: 7, count: 3 }]);
  assert.equal(c.pidsIssued.length, 0);
});

test('the byte budget (buffer.memory) makes reserve wait until acknowledged batches free it', async () => {
  const c = new FakeCluster();
  c.leaders.set('t-0', 0);
  c.delayMs = 30;
  const s = await started(c, { bufferMemory: 1 });
  const batches = batchesFor('t', 0, 1, 10);
  const first = s.enqueue(batches);
  assert.equal(s.bufferedBytes, batches.reduce((n, b) => n + b.batch.length, 0), 'queued bytes count against buffer.memory');
  let admitted = false;
  const waiting = s.reserve(100).then(() => { admitted = true; });
  await sleep(10);
  assert.equal(admitted, false, 'no room while the first batch is unacknowledged');
  await Promise.all(first);
  await waiting;
  assert.equal(admitted, true);
  assert.equal(s.bufferedBytes, 0, 'acknowledged batches free their bytes');
});

test('close() fails queued batches with a clear error', async () => {
  const c = new FakeCluster();
  const s = await started(c); // no leader known: batches wait in the queue
  const acks = s.enqueue(batchesFor('t', 0, 2, 1));
  s.close();
  for (const a of acks) await assert.rejects(a, /producer closed/);
});

test('start() after close() opens the sender again: a new producer id, sequences from 0', async () => {
  const c = new FakeCluster();
  c.leaders.set('t-0', 0);
  const s = await started(c);
  await Promise.all(s.enqueue(batchesFor('t', 0, 2, 5)));
  s.close();
  await s.start();
  await Promise.all(s.enqueue(batchesFor('t', 0, 2, 5, 10)));
  assert.deepEqual(c.values('t', 0), expected(0, 20));
  assert.equal(c.pidsIssued.length, 2);
});

test('RecordProducer refuses a record over max.request.size before sending it (as Java), naming size and limit', async () => {
  const { RecordProducer } = await import('../../src/kafka/producer.js');
  // Never connected: the check happens before anything reaches a broker.
  const p = new RecordProducer({ 'bootstrap.servers': '127.0.0.1:9', 'max.request.size': '1000' }, 'too-large-test');
  await assert.rejects(p.send([{ topic: 'big', partition: 0, key: null, value: Buffer.alloc(2000), headers: [], timestamp: null }]),
    /The record for big is \d+ bytes when serialized, which is larger than max\.request\.size \(1000\)/);
});

test('release: called once a batch is acknowledged; never for a batch a request carried without an answer, nor with acks=0', async () => {
  const c = new FakeCluster();
  c.leaders.set('t-0', 0);
  const s = await started(c);
  loseSecondAnswer(c);
  const released: number[] = [];
  const batches = batchesFor('t', 0, 4, 5).map((b, i) => ({ ...b, release: () => released.push(i) }));
  await Promise.all(s.enqueue(batches));
  assert.deepEqual(c.values('t', 0), expected(0, 20));
  // The second request (batch 1) lost its answer: its bytes may still sit in a socket, so it is not reused.
  assert.deepEqual(released.sort(), [0, 2, 3]);

  const fireAndForget = new BatchSender(c, options({ acks: 0, idempotent: false }));
  await fireAndForget.start();
  const none: number[] = [];
  await Promise.all(fireAndForget.enqueue(batchesFor('t', 0, 2, 1, 20).map((b, i) => ({ ...b, release: () => none.push(i) }))));
  assert.deepEqual(none, [], 'acks=0: written, never answered, never released');
});
