// A three-worker connect-distributed group on a SASL_SSL (SCRAM-SHA-512) cluster: the config, offset and
// status topics, group membership and the connector's producer all go through the SASL_SSL listener (the
// workers know no other address), and the failover scenario of distributed-failover.test.ts holds there:
// kill -9 of the worker running the task, the task moves, no line is lost, the worker rejoins. The workers
// are configured as Java Connect workers must be: top-level security for the worker's own clients, and the
// same settings under producer. / consumer. for connector clients. No worker output carries a password.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { useKafka } from '../helpers/kafka.js';
import { tempDir } from '../helpers/connect.js';
import { runFailoverScenario } from '../helpers/distributed-failover.js';

const kafka = useKafka({ clusters: ['connect'], security: ['sasl_ssl'] });
const tmp = tempDir('ferry-distributed-secure-');
const children = new Set<ChildProcess>();
after(() => { for (const c of children) c.kill('SIGKILL'); tmp.cleanup(); });

test('three workers on SASL_SSL: stores, membership and task failover after kill -9, nothing lost', { timeout: 180_000 }, async () => {
  const c = kafka.cluster('connect');
  const secure = c.secure.saslSsl.jks;
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(secure)) {
    if (v === undefined || k === 'bootstrap.servers') continue;
    extra[k] = v;
    extra[`producer.${k}`] = v;
    extra[`consumer.${k}`] = v;
  }
  let output = '';
  await runFailoverScenario({
    workerBootstrap: secure['bootstrap.servers']!, workerExtra: extra, checkBootstrap: c.bootstrap, dir: tmp.dir, children,
    // At info each worker logs its configuration, secrets included as keys: the grep below then has something to miss.
    logLevel: 'info', onOutput: (o) => { output = o; },
  });
  const configLines = output.split('\n').filter((l) => l.includes('worker configuration'));
  assert.ok(configLines.length >= 4, `each of the 4 worker starts logged its configuration (got ${configLines.length})`);
  for (const l of configLines) {
    assert.match(l, /"sasl\.jaas\.config":"\[hidden\]"/);
    assert.match(l, /"producer\.ssl\.truststore\.password":"\[hidden\]"/);
  }
  const secrets = [...Object.values(c.secure.users), secure['ssl.truststore.password']].filter((s): s is string => !!s && s.length >= 6);
  assert.ok(secrets.length >= 2);
  for (const s of secrets) assert.ok(!output.includes(s), 'worker output contains a password');
});
