// The launcher also runs the Kafka 3.9 line (reload4j logging, no share coordinator): a broker starts,
// serves produce/consume through kafkajs, and answers ACL requests with the authorizer on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { consumerConfig, createKafka, withAdmin } from '../../src/kafka/client.js';
import { uniqueName, useKafka } from '../helpers/kafka.js';

const VERSION = process.env.FERRY_TEST_KAFKA3_VERSION || '3.9.1';
const kafka = useKafka({ clusters: ['k3'], kafkaVersion: VERSION, acls: true });

test(`Kafka ${VERSION}: broker starts and logs through reload4j`, async () => {
  const c = kafka.cluster('k3');
  const info = await withAdmin(c.props, (admin) => admin.describeCluster());
  assert.equal(info.brokers.length, 1);
  assert.equal(`${info.brokers[0]!.host}:${info.brokers[0]!.port}`, c.bootstrap);
  const log = readFileSync(c.local.logFile, 'utf8');
  assert.match(log, /Kafka version: 3\.9|Kafka Server started/);
});

test(`Kafka ${VERSION}: 500 records round trip; ACLs can be created`, async () => {
  const c = kafka.cluster('k3');
  const topic = uniqueName('k3');
  await withAdmin(c.props, (admin) => admin.createTopics({ topics: [{ topic, numPartitions: 2 }] }));
  const client = createKafka(c.props);
  const producer = client.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: 500 }, (_, i) => ({ key: `k${i % 7}`, value: `v${i}` })) });
  await producer.disconnect();

  const values = new Set<string>();
  const consumer = client.consumer(consumerConfig(uniqueName('k3-group'), {}));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${values.size}/500 consumed`)), 60_000);
      consumer.run({
        eachMessage: async ({ message }) => {
          values.add(message.value?.toString() ?? '');
          if (values.size === 500) {
            clearTimeout(timer);
            resolve();
          }
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  assert.equal(values.size, 500);
  assert.ok(values.has('v0') && values.has('v499'));

  await withAdmin(c.props, async (admin) => {
    await admin.createAcls({ acl: [{ resourceType: 2, resourceName: topic, resourcePatternType: 3, principal: 'User:bob', host: '*', operation: 4, permissionType: 3 }] });
    const found = await admin.describeAcls({ resourceType: 2, resourceName: topic, resourcePatternType: 3, operation: 1, permissionType: 1 });
    assert.equal(found.resources[0]?.acls[0]?.principal, 'User:bob');
  });
});
