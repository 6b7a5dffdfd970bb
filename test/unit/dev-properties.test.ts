import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProperties } from '../../src/config/properties.js';
import { brokerJvmOptions, generateClusterId, renderServerProperties } from '../../src/dev/cluster.js';
import { DEFAULT_KAFKA_VERSION, kafkaDistribution, mavenArgs, parseJavaVersion } from '../../src/dev/jars.js';

/** Generated files are read back with Ferry's own .properties parser (escapes included), as a worker reads them. */
function parse(text: string): Map<string, string> {
  return new Map(Object.entries(parseProperties(text)));
}

const base = { brokerPort: 19092, controllerPort: 19093, dataDir: '/tmp/x/data', kafkaVersion: '4.3.1' };

test('server.properties: single combined KRaft node with static voter on loopback', () => {
  const p = parse(renderServerProperties(base));
  assert.equal(p.get('process.roles'), 'broker,controller');
  assert.equal(p.get('node.id'), '1');
  assert.equal(p.get('controller.quorum.voters'), '1@127.0.0.1:19093');
  assert.equal(p.get('listeners'), 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
  assert.equal(p.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:19092');
  assert.equal(p.get('controller.listener.names'), 'CONTROLLER');
  assert.equal(p.get('inter.broker.listener.name'), 'PLAINTEXT');
  assert.equal(p.get('listener.security.protocol.map'), 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT');
  assert.equal(p.get('log.dirs'), '/tmp/x/data');
});

test('server.properties: small-host tuning', () => {
  const p = parse(renderServerProperties(base));
  assert.equal(p.get('offsets.topic.num.partitions'), '5');
  assert.equal(p.get('offsets.topic.replication.factor'), '1');
  assert.equal(p.get('transaction.state.log.num.partitions'), '5');
  assert.equal(p.get('transaction.state.log.replication.factor'), '1');
  assert.equal(p.get('transaction.state.log.min.isr'), '1');
  assert.equal(p.get('group.initial.rebalance.delay.ms'), '0');
  assert.equal(p.get('num.network.threads'), '2');
  assert.equal(p.get('num.io.threads'), '2');
  assert.equal(p.get('background.threads'), '2');
  assert.equal(p.get('log.cleaner.dedupe.buffer.size'), '16777216');
  assert.equal(p.get('default.replication.factor'), '1');
});

test('server.properties: share coordinator settings on 4.x only', () => {
  const v4 = parse(renderServerProperties(base));
  assert.equal(v4.get('share.coordinator.state.topic.replication.factor'), '1');
  assert.equal(v4.get('share.coordinator.state.topic.min.isr'), '1');
  const v3 = parse(renderServerProperties({ ...base, kafkaVersion: '3.9.1' }));
  assert.equal(v3.has('share.coordinator.state.topic.replication.factor'), false);
});

test('server.properties: acls installs StandardAuthorizer with ANONYMOUS as super user', () => {
  const off = parse(renderServerProperties(base));
  assert.equal(off.has('authorizer.class.name'), false);
  const on = parse(renderServerProperties({ ...base, acls: true }));
  assert.equal(on.get('authorizer.class.name'), 'org.apache.kafka.metadata.authorizer.StandardAuthorizer');
  assert.equal(on.get('super.users'), 'User:ANONYMOUS');
});

test('server.properties: extra broker properties add and override', () => {
  const p = parse(renderServerProperties({ ...base, brokerProperties: { 'auto.create.topics.enable': 'false', 'log.retention.ms': '60000' } }));
  assert.equal(p.get('auto.create.topics.enable'), 'false');
  assert.equal(p.get('log.retention.ms'), '60000');
  const text = renderServerProperties({ ...base, brokerProperties: { 'auto.create.topics.enable': 'false' } });
  assert.equal(text.split('\n').filter((l) => l.startsWith('auto.create.topics.enable=')).length, 1, 'no duplicate keys');
});

test('server.properties values are escaped as Java reads them: backslashes, line breaks, a leading space', () => {
  const extra = { 'log.dirs': 'C:\\data', multi: 'a\nb', lead: ' x', 'listeners.x': 'PLAINTEXT://h:1' };
  const text = renderServerProperties({ ...base, brokerProperties: extra });
  for (const line of ['log.dirs=C:\\\\data', 'multi=a\\nb', 'lead=\\ x', 'listeners.x=PLAINTEXT://h:1']) assert.ok(text.includes(`\n${line}\n`), line);
  const p = parse(text);
  for (const [k, v] of Object.entries(extra)) assert.equal(p.get(k), v);
});

test('JVM options: small heap, G1, exit on OOM; C1-only only when asked', () => {
  const normal = brokerJvmOptions();
  for (const f of ['-Xms256m', '-Xmx512m', '-XX:MaxDirectMemorySize=256m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', '-XX:+ExitOnOutOfMemoryError']) {
    assert.ok(normal.includes(f), f);
  }
  assert.equal(normal.includes('-XX:TieredStopAtLevel=1'), false);
  assert.ok(brokerJvmOptions({ fastStartup: true }).includes('-XX:TieredStopAtLevel=1'));
  assert.deepEqual(brokerJvmOptions({ extra: ['-Dx=1'] }).slice(-1), ['-Dx=1']);
});

test('cluster ids are 22-char URL-safe base64 of 16 bytes, never starting with a dash', () => {
  for (let i = 0; i < 500; i++) {
    const id = generateClusterId();
    assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    assert.equal(Buffer.from(id, 'base64url').length, 16);
  }
});

test('kafkaDistribution picks the Maven profile and log4j2 version per release line', () => {
  assert.deepEqual(
    [kafkaDistribution('4.0.1'), kafkaDistribution('4.1.1'), kafkaDistribution('4.2.0'), kafkaDistribution('4.3.1')].map((d) => [d.profile, d.log4j2Version]),
    [['kafka4', '2.24.3'], ['kafka4', '2.24.3'], ['kafka4', '2.25.3'], ['kafka4', '2.25.4']],
  );
  const v3 = kafkaDistribution('3.9.1');
  assert.equal(v3.profile, 'kafka3');
  assert.equal(v3.log4j2Version, undefined);
  assert.equal(v3.logging, 'reload4j');
  assert.equal(kafkaDistribution('4.3.1').minJava, 17);
  assert.equal(kafkaDistribution(DEFAULT_KAFKA_VERSION).profile, 'kafka4');
  assert.throws(() => kafkaDistribution('2.8.2'), /Unsupported Kafka version/);
  assert.throws(() => kafkaDistribution('4.3'), /Invalid Kafka version/);
  assert.throws(() => kafkaDistribution('latest'), /Invalid Kafka version/);
});

test('mavenArgs runs copy-dependencies with the version, profile and log4j2 version', () => {
  const args = mavenArgs(kafkaDistribution('4.3.1'), '/p/pom.xml', '/out');
  assert.ok(args.includes('dependency:copy-dependencies'));
  assert.ok(args.includes('-Dkafka.version=4.3.1'));
  assert.ok(args.includes('-Dlog4j2.version=2.25.4'));
  assert.ok(args.includes('-Pkafka4'));
  assert.ok(args.includes('-DincludeScope=runtime'));
  assert.ok(args.includes('-DoutputDirectory=/out'));
  assert.deepEqual(args.slice(args.indexOf('-f'), args.indexOf('-f') + 2), ['-f', '/p/pom.xml']);
  const v3 = mavenArgs(kafkaDistribution('3.9.1'), '/p/pom.xml', '/out');
  assert.ok(v3.includes('-Pkafka3'));
  assert.equal(v3.some((a) => a.startsWith('-Dlog4j2.version')), false);
});

test('parseJavaVersion reads modern and legacy version strings', () => {
  assert.equal(parseJavaVersion('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment'), 17);
  assert.equal(parseJavaVersion('java version "1.8.0_392"'), 8);
  assert.equal(parseJavaVersion('openjdk version "21" 2023-09-19'), 21);
  assert.equal(parseJavaVersion('nonsense'), undefined);
});
