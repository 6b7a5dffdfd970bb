// A sink task whose consumer cannot join its group (a SASL user with topic ACLs but no group ACL:
// GROUP_AUTHORIZATION_FAILED) must become FAILED with the cause in its trace, not stay RUNNING consuming
// nothing. The worker's own clients use the PLAINTEXT listener (a super user with the authorizer on).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKafka, uniqueName, type KafkaHarness } from '../helpers/kafka.js';
import { startTestWorker, tempDir, waitFor, type TestWorker } from '../helpers/connect.js';
import { withAdmin } from '../../src/kafka/client.js';

let kafka: KafkaHarness;
const tmp = tempDir('ferry-sink-crash-');
let worker: TestWorker | undefined;

before(async () => {
  kafka = await startKafka({ clusters: ['connect'], security: ['sasl_plaintext'], acls: true });
});

after(async () => {
  await worker?.stop().catch(() => undefined);
  await kafka?.stop();
  tmp.cleanup();
});

test('a sink task whose consumer is refused its group becomes FAILED with GROUP_AUTHORIZATION_FAILED in the trace', async () => {
  const c = kafka.clusters[0]!;
  const topic = uniqueName('crash');
  await withAdmin(c.props, async (admin) => {
    await admin.createTopics({ topics: [{ topic }] });
    // kafkajs enums: resourceType TOPIC=2, patternType LITERAL=3, operation READ=3, permission ALLOW=3. No group ACL.
    await admin.createAcls({ acl: [{ resourceType: 2, resourceName: topic, resourcePatternType: 3, principal: 'User:alice', host: '*', operation: 3, permissionType: 3 }] });
  });
  worker = await startTestWorker(c.bootstrap, { dir: tmp.dir });
  const alice = c.secure.saslPlaintext;
  const overrides = Object.fromEntries(Object.entries(alice).filter(([, v]) => v !== undefined).map(([k, v]) => [`consumer.override.${k}`, v!]));
  const created = await worker.rest('POST', '/connectors', { name: 'crash-sink', config: { 'connector.class': 'FileStreamSink', file: join(tmp.dir, 'out.txt'), topics: topic, ...overrides } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const task = await waitFor('the task to fail', async () => {
    const s = await worker!.rest('GET', '/connectors/crash-sink/status');
    const t = (s.body as { tasks?: Array<{ state: string; trace?: string }> }).tasks?.[0];
    return t?.state === 'FAILED' ? t : null;
  }, 90_000);
  assert.match(task.trace ?? '', /consumer stopped: .*group connect-crash-sink.*GROUP_AUTHORIZATION_FAILED|GROUP_AUTHORIZATION_FAILED|Not authorized to access group/);
  // The worker itself is fine.
  assert.equal((await worker.rest('GET', '/')).status, 200);
});
