// OAUTHBEARER with Kafka's client-credentials settings, end to end: a broker listener validating RS256 JWTs
// against the dev JWKS, a local token endpoint, and Ferry's clients — the kafkajs-based admin and the data
// path's producer and reader (both build connections through src/kafka/security.ts). Also Kafka's file-based
// token URL, and a wrong client secret, which fails within seconds naming the endpoint's answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { useKafka, uniqueName } from '../helpers/kafka.js';
import { withAdmin, type ClientProps } from '../../src/kafka/client.js';
import { RecordProducer } from '../../src/kafka/producer.js';
import { PartitionReader } from '../../src/kafka/partition-reader.js';
import { createTopics } from '../helpers/mirror.js';

const kafka = useKafka({ clusters: ['o'], security: ['oauthbearer'] });

async function roundTrip(props: ClientProps, setup: ClientProps, n: number): Promise<string[]> {
  const topic = uniqueName('oauth');
  await createTopics(setup, [{ topic, partitions: 1 }]);
  const producer = new RecordProducer(props, 'oauth-test-producer');
  await producer.connect();
  try {
    const records = Array.from({ length: n }, (_, i) => ({ topic, partition: 0, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), headers: [] as Array<[string, Buffer | null]>, timestamp: Date.now() }));
    const acks = await producer.send(records);
    assert.equal(acks.length, n);
  } finally {
    await producer.disconnect();
  }
  const reader = new PartitionReader(props, 'oauth-test-reader', { maxWaitMs: 100 });
  const got: string[] = [];
  try {
    await reader.connect();
    reader.seek({ topic, partition: 0 }, 0);
    for (let i = 0; i < 100 && got.length < n; i++) for (const f of await reader.poll()) for (const r of f.records) got.push(r.value!.toString());
  } finally {
    await reader.disconnect();
  }
  return got;
}

test('client credentials: a token from the endpoint authenticates the admin, the producer and the reader', { timeout: 90_000 }, async () => {
  const c = kafka.cluster('o');
  const props = c.secure.oauthbearer.pem;
  assert.equal(props['sasl.mechanism'], 'OAUTHBEARER');
  assert.match(props['sasl.oauthbearer.token.endpoint.url']!, /^http:\/\/127\.0\.0\.1:\d+\//);
  const before = c.secure.oauth.server.issued.get('alice') ?? 0;
  const topics = await withAdmin(props, (a) => a.listTopics());
  assert.ok(Array.isArray(topics));
  const got = await roundTrip(props, c.props, 500);
  assert.deepEqual(got, Array.from({ length: 500 }, (_, i) => `v${i}`));
  const fetched = (c.secure.oauth.server.issued.get('alice') ?? 0) - before;
  // One token serves every connection of the process until its refresh point.
  assert.equal(fetched, 1, `tokens fetched from the endpoint: ${fetched}`);
});

test("Kafka's file-based token URL: the token is read from the file", { timeout: 60_000 }, async () => {
  const c = kafka.cluster('o');
  const props = { ...c.secure.oauthbearer.pem };
  const tokenFile = join(c.secure.pki.dir, 'oauth', 'alice.token');
  props['sasl.oauthbearer.token.endpoint.url'] = pathToFileURL(tokenFile).href;
  props['sasl.jaas.config'] = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;';
  const got = await roundTrip(props, c.props, 50);
  assert.equal(got.length, 50);
});

test('a wrong client secret fails within seconds with the endpoint\'s answer, and no secret in the message', { timeout: 60_000 }, async () => {
  const c = kafka.cluster('o');
  const wrong = 'not-the-secret-42';
  const props = c.secure.props({ listener: 'oauthbearer', store: 'pem', password: wrong });
  const t0 = Date.now();
  const err = await withAdmin(props, (a) => a.listTopics()).then(() => null, (e: Error) => e);
  assert.ok(err, 'the admin client must not connect');
  assert.match(err.message, /HTTP 401/);
  assert.ok(!err.message.includes(wrong));
  assert.ok(Date.now() - t0 < 20_000, `failed after ${Date.now() - t0} ms`);
});
