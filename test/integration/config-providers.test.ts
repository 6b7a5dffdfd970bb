// Config providers and secrets against a real broker, with the workers run as users run them (CLI child
// processes, so their logs can be captured): `${file:…}`, `${dir:…}` and `${env:…}` references in worker
// files, connector configs and mm2.properties take effect; REST and the config topic show the references,
// never the secrets; validate shows PASSWORD values as [hidden]; and no log line of any process contains
// a test password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKafka, uniqueName, type KafkaHarness } from '../helpers/kafka.js';
import { spawnCli, type CliProcess } from '../helpers/cli.js';
import { tempDir, waitFor } from '../helpers/connect.js';
import { readTopic, rest } from '../helpers/distributed.js';
import { createTopics, writeMm2Properties } from '../helpers/mirror.js';
import { RecordProducer } from '../../src/kafka/producer.js';
import { findFreePorts } from '../../src/dev/ports.js';

const FILE = 'org.apache.kafka.common.config.provider.FileConfigProvider';
const DIR = 'org.apache.kafka.common.config.provider.DirectoryConfigProvider';
const ENV = 'org.apache.kafka.common.config.provider.EnvVarConfigProvider';

// Distinct, greppable passwords: one read from a file, one from the environment, one sent literally to validate.
const FILE_PASSWORD = `filePw-${Date.now().toString(36)}-Q7x`;
const ENV_PASSWORD = `envPw-${Date.now().toString(36)}-Z9k`;
const LITERAL_PASSWORD = `literalPw-${Date.now().toString(36)}-M3v`;
const PASSWORDS = [FILE_PASSWORD, ENV_PASSWORD, LITERAL_PASSWORD];

let kafka: KafkaHarness;
let bootstrap: string;
const tmp = tempDir('ferry-providers-');
let secretsDir: string;
let secretsFile: string;
const children: CliProcess[] = [];

before(async () => {
  kafka = await startKafka({ clusters: ['providers'] });
  bootstrap = kafka.clusters[0]!.bootstrap;
  secretsDir = join(tmp.dir, 'secrets');
  mkdirSync(join(secretsDir, 'dir'), { recursive: true });
  secretsFile = join(secretsDir, 'connect-secrets.properties');
});

after(async () => {
  for (const c of children) c.kill9();
  await kafka?.stop();
  tmp.cleanup();
});

/** A CLI entry point with debug logging (the most a log can say), its whole output captured. */
function startCli(name: string, args: string[]): CliProcess {
  const proc = spawnCli(name, args, { FERRY_LOG_LEVEL: 'debug', FERRY_TEST_ENV_PASSWORD: ENV_PASSWORD });
  children.push(proc);
  return proc;
}

function assertNoPasswordIn(what: string, text: string): void {
  for (const p of PASSWORDS) assert.ok(!text.includes(p), `${what} contains the test password ${p}:\n${text.split('\n').filter((l) => l.includes(p)).slice(0, 5).join('\n')}`);
}

function providerLines(): string[] {
  return [
    'config.providers=file,dir,env',
    `config.providers.file.class=${FILE}`,
    `config.providers.file.param.allowed.paths=${secretsDir}`,
    `config.providers.dir.class=${DIR}`,
    `config.providers.dir.param.allowed.paths=${secretsDir}`,
    `config.providers.env.class=${ENV}`,
    'config.providers.env.param.allowlist.pattern=FERRY_TEST_.*',
  ];
}

async function restUp(url: string, proc: CliProcess): Promise<void> {
  await waitFor('REST up', async () => {
    if (proc.child.exitCode !== null) throw new Error(`worker exited: ${proc.output().slice(-2000)}`);
    const r = await fetch(`${url}/connectors`).catch(() => null);
    return r?.ok ?? false;
  }, 90_000);
}

type Status = { connector: { state: string; trace?: string }; tasks: Array<{ id: number; state: string; trace?: string }> };

test('standalone: worker file and connector references resolve at start; REST shows references; validate hides; logs hold no password', async () => {
  const topic = uniqueName('cp-standalone');
  const input = join(tmp.dir, 'standalone-in.txt');
  writeFileSync(input, 'one\ntwo\nthree\n');
  writeFileSync(secretsFile, [`bootstrap=${bootstrap}`, `topic=${topic}`, `password=${FILE_PASSWORD}`].join('\n') + '\n');
  writeFileSync(join(secretsDir, 'dir', 'input-file'), input); // no newline: DirectoryConfigProvider returns content as is
  const [port] = await findFreePorts(1);
  const url = `http://127.0.0.1:${port}`;
  const worker = join(tmp.dir, 'standalone-worker.properties');
  writeFileSync(worker, [
    ...providerLines(),
    `bootstrap.servers=\${file:${secretsFile}:bootstrap}`,
    // Worker-level secrets: resolved at start, logged (as Connect logs its config) only as [hidden].
    `ferry.test.password=\${file:${secretsFile}:password}`,
    'ferry.env.password=${env:FERRY_TEST_ENV_PASSWORD}',
    'key.converter=org.apache.kafka.connect.storage.StringConverter',
    'value.converter=org.apache.kafka.connect.storage.StringConverter',
    `offset.storage.file.filename=${join(tmp.dir, 'standalone.offsets')}`,
    `listeners=http://127.0.0.1:${port}`,
    'offset.flush.interval.ms=500',
    `file.allowed.paths=${tmp.dir}`,
  ].join('\n') + '\n');
  const connectorFile = join(tmp.dir, 'cp-src.properties');
  writeFileSync(connectorFile, [
    'name=cp-src', 'connector.class=FileStreamSource',
    `file=\${dir:${join(secretsDir, 'dir')}:input-file}`,
    `topic=\${file:${secretsFile}:topic}`,
    'connection.password=${env:FERRY_TEST_ENV_PASSWORD}',
  ].join('\n') + '\n');
  const proc = startCli('connect-standalone', [worker, connectorFile]);
  try {
    await restUp(url, proc);
    // The effect: lines of the file named by ${dir:…} land in the topic named by ${file:…}.
    const values = await waitFor('records in the referenced topic', async () => {
      const recs = await readTopic(bootstrap, topic).catch(() => []);
      return recs.length >= 3 ? recs.map((r) => r.value) : null;
    }, 60_000);
    assert.deepEqual(values, ['one', 'two', 'three']);

    const cfg = await rest(url, 'GET', '/connectors/cp-src/config');
    assert.equal(cfg.status, 200);
    const c = cfg.body as Record<string, string>;
    assert.equal(c['topic'], `\${file:${secretsFile}:topic}`);
    assert.equal(c['connection.password'], '${env:FERRY_TEST_ENV_PASSWORD}');
    const tasks = await rest(url, 'GET', '/connectors/cp-src/tasks');
    const taskConfig = (tasks.body as Array<{ config: Record<string, string> }>)[0]!.config;
    assert.equal(taskConfig['topic'], `\${file:${secretsFile}:topic}`, 'task configs keep the reference (reverseTransform)');

    // A JDBC sink whose password comes from a file: its task fails (no database), and the trace does not
    // carry the password.
    const sink = await rest(url, 'POST', '/connectors', { name: 'cp-jdbc', config: {
      'connector.class': 'JdbcSinkConnector', topics: topic, 'connection.url': 'jdbc:postgresql://127.0.0.1:1/nodb',
      'connection.user': 'ferry', 'connection.password': `\${file:${secretsFile}:password}`, 'auto.create': 'true',
    } });
    assert.equal(sink.status, 201, JSON.stringify(sink.body));
    assertNoPasswordIn('POST response', JSON.stringify(sink.body));
    const st = await waitFor('jdbc sink status', async () => {
      const r = await rest(url, 'GET', '/connectors/cp-jdbc/status');
      const s = r.body as Status;
      return r.status === 200 && s.tasks.length > 0 && s.tasks.every((t) => t.state === 'FAILED' || t.state === 'RUNNING') ? s : null;
    }, 60_000);
    assertNoPasswordIn('status', JSON.stringify(st));

    // Validate: PASSWORD values show as [hidden], as Connect does.
    const v = await rest(url, 'PUT', '/connector-plugins/JdbcSinkConnector/config/validate', {
      'connector.class': 'JdbcSinkConnector', name: 'v', topics: 't', 'connection.url': 'jdbc:postgresql://127.0.0.1:1/nodb', 'connection.password': LITERAL_PASSWORD,
    });
    assert.equal(v.status, 200, JSON.stringify(v.body));
    const entries = (v.body as { configs: Array<{ value: { name: string; value: string | null } }> }).configs;
    assert.equal(entries.find((e) => e.value.name === 'connection.password')!.value.value, '[hidden]');
    assertNoPasswordIn('validate response', JSON.stringify(v.body));
  } finally {
    await proc.stop();
  }
  const logs = proc.output();
  // The worker and connector configs were logged, with their secrets hidden (so the grep below means something).
  assert.match(logs, /"ferry\.test\.password":"\[hidden\]"/);
  assert.match(logs, /"connection\.password":"\[hidden\]"/);
  assertNoPasswordIn('standalone worker logs', logs);
});

test('standalone: a reference outside allowed.paths is refused; a reference that cannot be resolved at start fails the connector with a trace', async () => {
  const [port] = await findFreePorts(1);
  const url = `http://127.0.0.1:${port}`;
  const outside = join(tmp.dir, 'outside.properties');
  writeFileSync(outside, `password=${FILE_PASSWORD}\n`);
  const worker = join(tmp.dir, 'standalone-worker2.properties');
  writeFileSync(worker, [...providerLines(), `bootstrap.servers=${bootstrap}`, 'key.converter=org.apache.kafka.connect.storage.StringConverter',
    'value.converter=org.apache.kafka.connect.storage.StringConverter', `offset.storage.file.filename=${join(tmp.dir, 'standalone2.offsets')}`,
    `listeners=http://127.0.0.1:${port}`, `file.allowed.paths=${tmp.dir}`].join('\n') + '\n');
  const proc = startCli('connect-standalone', [worker]);
  try {
    await restUp(url, proc);
    const r = await rest(url, 'POST', '/connectors', { name: 'cp-outside', config: {
      'connector.class': 'FileStreamSource', file: join(tmp.dir, 'none.txt'), topic: 'cp-outside', 'connection.password': `\${file:${outside}:password}`,
    } });
    // Validation resolves the config first: the refused path is reported as an error, and nothing is created.
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match((r.body as { message: string }).message, /is not allowed by config\.providers\.file\.param\.allowed\.paths/);

    // Resolution happens again at every start: a secrets file gone by then fails the connector, naming the file.
    const vanishing = join(secretsDir, 'vanishing.properties');
    writeFileSync(vanishing, `password=${FILE_PASSWORD}\n`);
    const ok = await rest(url, 'POST', '/connectors', { name: 'cp-vanishing', config: {
      'connector.class': 'FileStreamSource', file: join(tmp.dir, 'none.txt'), topic: uniqueName('cp-vanishing'), 'connection.password': `\${file:${vanishing}:password}`,
    } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    rmSync(vanishing);
    assert.equal((await rest(url, 'POST', '/connectors/cp-vanishing/restart')).status < 300, true);
    const failed = await waitFor('connector FAILED after restart', async () => {
      const s = (await rest(url, 'GET', '/connectors/cp-vanishing/status')).body as Status;
      return s.connector.state === 'FAILED' ? s : null;
    }, 30_000);
    assert.match(failed.connector.trace ?? '', /Could not read properties from file .*vanishing\.properties/);
    assertNoPasswordIn('status', JSON.stringify(failed));
  } finally {
    await proc.stop();
  }
  // The log has the worker's configuration and the connector's, password key hidden (so the grep below means something).
  assert.match(proc.output(), /worker configuration/);
  assert.match(proc.output(), /"connection\.password":"\[hidden\]"/);
  assertNoPasswordIn('standalone worker logs', proc.output());
});

test('distributed: connector references resolve at start; the config topic and REST hold the references; logs hold no password', async () => {
  const group = uniqueName('cp-dist');
  const topic = uniqueName('cp-dist-topic');
  const input = join(tmp.dir, 'dist-in.txt');
  writeFileSync(input, 'alpha\nbeta\n');
  const distSecrets = join(secretsDir, 'dist.properties');
  writeFileSync(distSecrets, [`bootstrap=${bootstrap}`, `topic=${topic}`, `password=${FILE_PASSWORD}`, `input=${input}`].join('\n') + '\n');
  const [port] = await findFreePorts(1);
  const url = `http://127.0.0.1:${port}`;
  const worker = join(tmp.dir, 'dist-worker.properties');
  writeFileSync(worker, [
    ...providerLines(),
    `bootstrap.servers=\${file:${distSecrets}:bootstrap}`,
    `ferry.test.password=\${file:${distSecrets}:password}`,
    `group.id=${group}`, `config.storage.topic=${group}-configs`, `offset.storage.topic=${group}-offsets`, `status.storage.topic=${group}-status`,
    'config.storage.replication.factor=1', 'offset.storage.replication.factor=1', 'status.storage.replication.factor=1',
    'offset.storage.partitions=2', 'status.storage.partitions=1',
    'key.converter=org.apache.kafka.connect.storage.StringConverter', 'value.converter=org.apache.kafka.connect.storage.StringConverter',
    `listeners=http://127.0.0.1:${port}`, 'rest.advertised.host.name=127.0.0.1', 'offset.flush.interval.ms=300', `file.allowed.paths=${tmp.dir}`,
    'session.timeout.ms=6000', 'heartbeat.interval.ms=500', 'rebalance.timeout.ms=20000', 'scheduled.rebalance.max.delay.ms=3000',
  ].join('\n') + '\n');
  const proc = startCli('connect-distributed', [worker]);
  try {
    await restUp(url, proc);
    const created = await waitFor('connector created', async () => {
      const r = await rest(url, 'POST', '/connectors', { name: 'cp-dist-src', config: {
        'connector.class': 'FileStreamSource', file: `\${file:${distSecrets}:input}`, topic: `\${file:${distSecrets}:topic}`,
        'connection.password': `\${file:${distSecrets}:password}`, 'ferry.test.password': '${env:FERRY_TEST_ENV_PASSWORD}',
      } });
      return r.status === 201 ? r : null;
    }, 60_000);
    assertNoPasswordIn('POST response', JSON.stringify(created.body));
    const values = await waitFor('records in the referenced topic', async () => {
      const recs = await readTopic(bootstrap, topic).catch(() => []);
      return recs.length >= 2 ? recs.map((r) => r.value) : null;
    }, 90_000);
    assert.deepEqual(values, ['alpha', 'beta']);

    const cfg = (await rest(url, 'GET', '/connectors/cp-dist-src/config')).body as Record<string, string>;
    assert.equal(cfg['topic'], `\${file:${distSecrets}:topic}`);
    assert.equal(cfg['connection.password'], `\${file:${distSecrets}:password}`);

    // The config topic: the connector record and the task record hold the references, never a secret.
    const records = await readTopic(bootstrap, `${group}-configs`);
    const all = records.map((r) => `${r.key ?? ''} ${r.value ?? ''}`).join('\n');
    assertNoPasswordIn('config topic', all);
    const connectorRecord = records.find((r) => r.key === 'connector-cp-dist-src' && r.value !== null);
    assert.ok(connectorRecord, `no connector record in ${all}`);
    assert.ok(connectorRecord.value!.includes(`\${file:${distSecrets}:topic}`), connectorRecord.value!);
    const taskRecord = records.find((r) => r.key === 'task-cp-dist-src-0' && r.value !== null);
    assert.ok(taskRecord, `no task record in ${all}`);
    assert.ok(taskRecord.value!.includes(`\${file:${distSecrets}:topic}`), taskRecord.value!);
    assert.ok(!taskRecord.value!.includes(`"${topic}"`), `task record holds the resolved topic: ${taskRecord.value!}`);

    const st = (await rest(url, 'GET', '/connectors/cp-dist-src/status')).body as Status;
    assert.equal(st.connector.state, 'RUNNING');
  } finally {
    await proc.stop();
  }
  assert.match(proc.output(), /"ferry\.test\.password":"\[hidden\]"/);
  assert.match(proc.output(), /"connection\.password":"\[hidden\]"/);
  assertNoPasswordIn('distributed worker logs', proc.output());
});

test('connect-mirror-maker: mm2.properties with ${file:…} for bootstrap servers and topics mirrors; stored configs keep references', async () => {
  const topic = uniqueName('cpmm');
  const mmSecrets = join(secretsDir, 'mm2-secrets.properties');
  writeFileSync(mmSecrets, [`a.bootstrap=${bootstrap}`, `topics=${topic}`, `password=${FILE_PASSWORD}`].join('\n') + '\n');
  await createTopics({ 'bootstrap.servers': bootstrap }, [{ topic, partitions: 1 }]);
  const producer = new RecordProducer({ 'bootstrap.servers': bootstrap }, 'cp-test');
  await producer.connect();
  await producer.send(Array.from({ length: 5 }, (_, i) => ({ topic, partition: 0, key: null, value: Buffer.from(`m${i}`), headers: [], timestamp: null })));
  await producer.disconnect();
  // One broker plays both clusters: A->B writes A.<topic> next to <topic>; the topics filter is exact.
  const mm2 = writeMm2Properties(tmp.dir, { A: `\${file:${mmSecrets}:a.bootstrap}`, B: bootstrap }, {
    'config.providers': 'file,env',
    'config.providers.file.class': FILE,
    'config.providers.file.param.allowed.paths': secretsDir,
    'config.providers.env.class': ENV,
    'A->B.enabled': 'true',
    'B->A.enabled': 'false',
    'emit.heartbeats.enabled': 'false',
    'topics': `\${file:${mmSecrets}:topics}`,
    'groups': 'none-cp',
    'A->B.ferry.test.password': `\${file:${mmSecrets}:password}`,
    'A->B.ferry.env.password': '${env:FERRY_TEST_ENV_PASSWORD}',
  }, 'mm2-providers.properties');
  const proc = startCli('connect-mirror-maker', [mm2.path]);
  try {
    const mirrored = await waitFor('records mirrored to A.<topic>', async () => {
      if (proc.child.exitCode !== null) throw new Error(`mirror maker exited: ${proc.output().slice(-3000)}`);
      const recs = await readTopic(bootstrap, `A.${topic}`).catch(() => []);
      return recs.length >= 5 ? recs.map((r) => r.value).sort() : null;
    }, 120_000);
    assert.deepEqual(mirrored, ['m0', 'm1', 'm2', 'm3', 'm4']);
    const records = await readTopic(bootstrap, 'mm2-configs.A.internal');
    const all = records.map((r) => r.value ?? '').join('\n');
    assertNoPasswordIn('mm2 config topic', all);
    const source = records.find((r) => r.key === 'connector-MirrorSourceConnector' && r.value !== null);
    assert.ok(source, 'MirrorSourceConnector config stored');
    assert.ok(source.value!.includes(`\${file:${mmSecrets}:topics}`), source.value!);
    assert.ok(source.value!.includes(`\${file:${mmSecrets}:a.bootstrap}`), source.value!);
  } finally {
    await proc.stop();
  }
  assert.match(proc.output(), /"ferry\.test\.password":"\[hidden\]"/);
  assertNoPasswordIn('mirror maker logs', proc.output());
});

test('connect-distributed refuses an unknown config provider class at start, naming the key and value', async () => {
  const worker = join(tmp.dir, 'bad-provider.properties');
  writeFileSync(worker, ['config.providers=vault', 'config.providers.vault.class=com.example.VaultConfigProvider', `bootstrap.servers=${bootstrap}`,
    'group.id=x', 'config.storage.topic=x-c', 'offset.storage.topic=x-o', 'status.storage.topic=x-s',
    'key.converter=org.apache.kafka.connect.storage.StringConverter', 'value.converter=org.apache.kafka.connect.storage.StringConverter'].join('\n') + '\n');
  const proc = startCli('connect-distributed', [worker]);
  // Bounded: a worker that starts after all is stopped (SIGTERM, then SIGKILL) and fails the exit-code check.
  const timer = setTimeout(() => { void proc.stop(5_000); }, 60_000);
  const code = await proc.exited.finally(() => clearTimeout(timer));
  assert.equal(code, 2, proc.output());
  assert.match(proc.output(), /config\.providers\.vault\.class/);
  assert.match(proc.output(), /com\.example\.VaultConfigProvider/);
});
