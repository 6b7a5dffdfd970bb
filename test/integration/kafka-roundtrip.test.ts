// Produce and consume through a real local broker with kafkajs (via src/kafka/client.ts): every record
// arrives once, with its key, value, headers and per-partition order intact. Also pins the kafkajs
// behaviours against Kafka 4.x that the rest of the code relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { acksOf, consumerConfig, createKafka, producerConfig, withAdmin } from '../../src/kafka/client.js';
import { uniqueName, useKafka } from '../helpers/kafka.js';
import { pollUntil } from '../../src/backoff.js';

const kafka = useKafka({ clusters: ['roundtrip'] });
const props = () => kafka.cluster('roundtrip').props;

const COUNT = 2000;

function recordFor(i: number) {
  // Mixed sizes, multi-byte UTF-8, a binary header, and a null-key minority.
  const body = `order ${i} ✓ ${'x'.repeat(i % 97)} ünïcødé`;
  return {
    key: i % 10 === 0 ? null : `key-${i % 50}`,
    value: JSON.stringify({ i, body }),
    headers: { seq: String(i), bin: Buffer.from([i & 0xff, (i >> 8) & 0xff, 0, 255]) },
  };
}

test(`produces and consumes ${COUNT} records with content, headers and per-partition order intact`, async () => {
  const topic = uniqueName('roundtrip');
  await withAdmin(props(), (admin) => admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true }));
  const client = createKafka(props(), { clientId: 'roundtrip-test' });

  const producer = client.producer(producerConfig({}));
  await producer.connect();
  try {
    for (let start = 0; start < COUNT; start += 250) {
      const messages = [];
      for (let i = start; i < Math.min(COUNT, start + 250); i++) messages.push(recordFor(i));
      await producer.send({ topic, acks: acksOf({}), messages });
    }
  } finally {
    await producer.disconnect();
  }

  const offsets = await withAdmin(props(), (admin) => admin.fetchTopicOffsets(topic));
  assert.equal(offsets.reduce((n, p) => n + Number(p.high), 0), COUNT, 'high watermarks add up to the records produced');

  const seen = new Map<number, { key: string | null; value: string; partition: number; offset: bigint; headers: Record<string, Buffer> }>();
  const lastOffset = new Map<number, bigint>();
  const lastSeqForKey = new Map<string, number>();
  const consumer = client.consumer(consumerConfig(uniqueName('roundtrip-group'), {}));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen.size}/${COUNT} records consumed in 60s`)), 60_000);
      consumer.run({
        eachMessage: async ({ partition, message }) => {
          const headers: Record<string, Buffer> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) if (Buffer.isBuffer(v)) headers[k] = v;
          const seq = Number(headers.seq?.toString());
          const offset = BigInt(message.offset);
          const prev = lastOffset.get(partition);
          if (prev !== undefined) assert.ok(offset > prev, `offsets increase within partition ${partition}`);
          lastOffset.set(partition, offset);
          const key = message.key ? message.key.toString() : null;
          if (key !== null) {
            const prevSeq = lastSeqForKey.get(key);
            if (prevSeq !== undefined) assert.ok(seq > prevSeq, `records of ${key} arrive in produce order`);
            lastSeqForKey.set(key, seq);
          }
          assert.ok(!seen.has(seq), `record ${seq} delivered once`);
          seen.set(seq, { key, value: message.value?.toString() ?? '', partition, offset, headers });
          if (seen.size === COUNT) {
            clearTimeout(timer);
            resolve();
          }
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }

  assert.equal(seen.size, COUNT);
  const sent = createHash('sha256');
  const received = createHash('sha256');
  for (let i = 0; i < COUNT; i++) {
    const want = recordFor(i);
    const got = seen.get(i);
    assert.ok(got, `record ${i} received`);
    assert.equal(got.key, want.key);
    assert.equal(got.value, want.value);
    assert.deepEqual(got.headers.bin, want.headers.bin);
    sent.update(`${want.key}\t${want.value}\n`);
    received.update(`${got.key}\t${got.value}\n`);
  }
  assert.equal(received.digest('hex'), sent.digest('hex'));
  // Keyed records of one key share a partition (murmur2 default partitioner).
  const partitionOfKey = new Map<string, number>();
  for (const r of seen.values()) {
    if (r.key === null) continue;
    const p = partitionOfKey.get(r.key);
    if (p !== undefined) assert.equal(r.partition, p, `${r.key} always in one partition`);
    partitionOfKey.set(r.key, r.partition);
  }
});

test('kafkajs quirk: subscribing to a topic that does not exist yet fails once, then works after auto-creation', async () => {
  // kafkajs#1563: on KRaft the first metadata round for an unknown topic answers UNKNOWN_TOPIC_OR_PARTITION
  // even with allowAutoTopicCreation; the request still triggers creation, so a retry succeeds.
  // Ferry code must pre-create topics or retry.
  const topic = uniqueName('not-yet');
  const client = createKafka(props(), { clientId: 'quirk-test' });
  const consumer = client.consumer({ groupId: uniqueName('quirk-group'), allowAutoTopicCreation: true });
  await consumer.connect();
  try {
    let firstError: string | undefined;
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
    } catch (err) {
      firstError = err instanceof Error ? err.message : String(err);
    }
    if (firstError !== undefined) {
      assert.match(firstError, /does not host this topic-partition/);
      await pollUntil('subscribe to succeed once the auto-created topic exists', () => consumer.subscribe({ topic, fromBeginning: true }).then(() => true, () => false), { timeoutMs: 5000, intervalMs: 250 });
    }
    const topics = await withAdmin(props(), (admin) => admin.listTopics());
    assert.ok(topics.includes(topic), 'the metadata request auto-created the topic');
  } finally {
    await consumer.disconnect();
  }
});
