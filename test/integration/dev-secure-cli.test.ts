// `ferry dev up --security` end to end through the real CLI: the JSON it returns and the .properties files it
// writes work for Kafka's own Java client, a restart keeps the listeners and SCRAM users, and a cluster made
// without SASL users is not silently "secured".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freeBasePort, runFerry, useDevDirs, type CliResult } from '../helpers/cli.js';
import { existsSync, readFileSync } from 'node:fs';
import { configFileOption, runKafkaTool, toolClass } from '../../src/dev/tools.js';
import { testKafkaVersion, uniqueName } from '../helpers/kafka.js';

// CLI-started brokers are detached and not owned by this process: useDevDirs cleans them up.
const [devDir] = useDevDirs(1, 'ferry-devsec-') as [string];
const version = testKafkaVersion();

function ferry(args: string[]): Promise<CliResult> {
  return runFerry(args, { FERRY_DEV_DIR: devDir });
}

// Broker, controller and the five secured-listener ports: P … P+6.
const base = await freeBasePort([0, 1, 2, 3, 4, 5, 6]);

interface UpJson {
  clusters: {
    name: string;
    secureListeners: Record<string, { bootstrap: string; port: number; protocol: string }> | null;
    security: {
      users: Record<string, string>;
      caCertificate: string;
      clientProperties: Record<string, Record<string, Record<string, string>>>;
      propertiesFiles: Record<string, Record<string, string>>;
    } | null;
  }[];
}

async function producedWith(file: string, jvmOptions: string[] = []): Promise<number> {
  const r = await runKafkaTool({
    kafkaVersion: version,
    mainClass: toolClass('ProducerPerformance', version),
    jvmOptions,
    args: ['--topic', uniqueName('devsec'), '--num-records', '20', '--record-size', '32', '--throughput', '-1', configFileOption('producer', version), file,
      '--producer-props', 'max.block.ms=8000'],
  });
  const m = /(\d+) records sent,[^\n]*50th/.exec(r.stdout);
  assert.ok(m, `no summary from ProducerPerformance (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return Number(m[1]);
}

test('a cluster created without SASL users refuses --security sasl_ssl until it is recreated', async () => {
  const plain = await ferry(['dev', 'up', '--clusters', 'solo', '--base-port', String(base), '--kafka-version', version]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal((await ferry(['dev', 'stop'])).code, 0);
  const r = await ferry(['dev', 'up', '--clusters', 'solo', '--security', 'sasl_ssl']);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /created without SASL users; run 'ferry dev down'/);
  assert.equal((await ferry(['dev', 'down'])).code, 0);
});

test('ferry dev up --security all --json returns client properties that Kafka\'s producer uses; a restart keeps them', async () => {
  const r = await ferry(['dev', 'up', '--clusters', 'solo', '--base-port', String(base), '--kafka-version', version, '--security', 'all', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as UpJson;
  const c = out.clusters[0]!;
  assert.deepEqual(Object.fromEntries(Object.entries(c.secureListeners ?? {}).map(([k, v]) => [k, v.port])),
    { sasl_ssl: base + 2, mtls: base + 3, sasl_plaintext: base + 4, wrong_host: base + 5, oauthbearer: base + 6 });
  const sec = c.security!;
  assert.deepEqual(Object.keys(sec.users).sort(), ['admin', 'alice']);
  assert.ok(existsSync(sec.caCertificate));
  const saslJks = sec.clientProperties.sasl_ssl!.jks!;
  assert.equal(saslJks['bootstrap.servers'], `127.0.0.1:${base + 2}`);
  assert.equal(saslJks['sasl.jaas.config'], `org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${sec.users.alice}";`);
  const file = sec.propertiesFiles.sasl_ssl!.pkcs12!;
  assert.match(readFileSync(file, 'utf8'), /^ssl\.truststore\.type=PKCS12$/m);
  assert.equal(await producedWith(file), 20);
  assert.equal(await producedWith(sec.propertiesFiles.mtls!.pemInline!), 20);

  // The text form prints the same properties and names the files.
  assert.equal((await ferry(['dev', 'stop'])).code, 0);
  const again = await ferry(['dev', 'up', '--clusters', 'solo']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /solo {2}127\.0\.0\.1:\d+ +running .* sasl_ssl:\d+ mtls:\d+ sasl_plaintext:\d+ wrong_host:\d+ oauthbearer:\d+/);
  assert.match(again.stdout, new RegExp(`sasl_ssl-pkcs12\\.properties`));
  assert.ok(again.stdout.includes(`sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${sec.users.alice}";`));
  // SCRAM users live in the metadata log: still there after the restart.
  assert.equal(await producedWith(file), 20);
  const oauthFile = sec.propertiesFiles.oauthbearer!.pkcs12!;
  const tokenUrl = sec.clientProperties.oauthbearer!.pkcs12!['sasl.oauthbearer.token.endpoint.url']!;
  assert.equal(await producedWith(oauthFile, [`-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=${tokenUrl}`]), 20);

  const status = JSON.parse((await ferry(['dev', 'status', '--json'])).stdout) as UpJson;
  assert.equal(status.clusters[0]!.security?.propertiesFiles.mtls?.jks, sec.propertiesFiles.mtls!.jks);
});
