// docker-compose.yml and the Dockerfile cannot run here (no Docker engine); these checks keep them honest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_KAFKA_VERSION } from '../../src/dev/jars.js';

const root = new URL('../../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8')) as {
  services: Record<string, {
    image?: string;
    build?: { context?: string; dockerfile?: string };
    environment?: Record<string, string | number>;
    ports?: string[];
    depends_on?: Record<string, { condition?: string }>;
    command?: string[];
    healthcheck?: { test?: string[] };
    profiles?: string[];
    volumes?: string[];
  }>;
  volumes?: Record<string, unknown>;
};
const KAFKA_SERVICES = ['kafka-source', 'kafka-target'];

function env(service: string): Record<string, string> {
  const e = compose.services[service]?.environment ?? {};
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]));
}

test('compose has two Kafka clusters and ferry, and a monitoring profile (a mirror, Prometheus, Grafana)', () => {
  assert.deepEqual(Object.keys(compose.services).sort(), ['ferry', 'ferry-mirror', 'grafana', 'kafka-source', 'kafka-target', 'prometheus']);
  for (const s of ['ferry-mirror', 'prometheus', 'grafana']) assert.deepEqual(compose.services[s]?.profiles, ['monitoring'], s);
});

test('Kafka services use the official image at the default Kafka version', () => {
  for (const s of KAFKA_SERVICES) assert.equal(compose.services[s]?.image, `apache/kafka:${DEFAULT_KAFKA_VERSION}`, s);
});

test('Kafka services are single-node KRaft combined mode with consistent listeners', () => {
  const ids = new Set<string>();
  const hostPorts = new Set<string>();
  for (const s of KAFKA_SERVICES) {
    const e = env(s);
    assert.equal(e.KAFKA_PROCESS_ROLES, 'broker,controller', s);
    assert.equal(e.KAFKA_NODE_ID, '1', s);
    assert.equal(e.KAFKA_CONTROLLER_QUORUM_VOTERS, `1@${s}:9093`, s);
    assert.equal(e.KAFKA_CONTROLLER_LISTENER_NAMES, 'CONTROLLER', s);
    assert.equal(e.KAFKA_INTER_BROKER_LISTENER_NAME, 'PLAINTEXT', s);
    assert.equal(e.KAFKA_ZOOKEEPER_CONNECT, undefined, 'no ZooKeeper');

    // Every listener has a protocol mapping; the controller listener is not advertised to clients.
    const listeners = (e.KAFKA_LISTENERS ?? '').split(',').map((l) => l.split('://')[0]);
    const protocolMap = new Map((e.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP ?? '').split(',').map((kv) => kv.split(':') as [string, string]));
    for (const l of listeners) assert.ok(protocolMap.has(l!), `${s}: listener ${l} mapped`);
    assert.ok(listeners.includes('CONTROLLER') && listeners.includes('PLAINTEXT'));
    const advertised = (e.KAFKA_ADVERTISED_LISTENERS ?? '').split(',');
    assert.ok(advertised.includes(`PLAINTEXT://${s}:9092`), `${s}: internal listener advertised by service name`);
    assert.ok(!advertised.some((a) => a.startsWith('CONTROLLER')), `${s}: controller not advertised`);

    // Host-facing listener: advertised as localhost:<port> and published on the same port.
    const host = advertised.find((a) => a.startsWith('HOST://'));
    assert.ok(host, `${s}: host listener`);
    const port = host.split(':').pop()!;
    assert.ok(compose.services[s]?.ports?.includes(`${port}:${port}`), `${s}: port ${port} published`);
    hostPorts.add(port);

    // Single node: internal topics must not ask for more replicas than there are brokers.
    for (const k of ['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR', 'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR', 'KAFKA_TRANSACTION_STATE_LOG_MIN_ISR', 'KAFKA_DEFAULT_REPLICATION_FACTOR']) {
      assert.equal(e[k], '1', `${s}: ${k}`);
    }
    // KRaft cluster id: 16 bytes, URL-safe base64 without padding, canonical.
    const id = e.CLUSTER_ID ?? '';
    assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/, `${s}: CLUSTER_ID`);
    assert.equal(Buffer.from(Buffer.from(id, 'base64url')).toString('base64url'), id);
    ids.add(id);
    assert.ok(compose.services[s]?.healthcheck?.test?.join(' ').includes('kafka-broker-api-versions.sh'), `${s}: healthcheck`);
  }
  assert.equal(ids.size, 2, 'distinct cluster ids');
  assert.deepEqual([...hostPorts].sort(), ['19092', '20092'], 'host ports match the ferry dev layout');
});

test('ferry service is built from the Dockerfile and runs against both clusters once they are healthy', () => {
  const f = compose.services.ferry;
  assert.ok(f);
  assert.equal(f.build?.context, '.');
  assert.equal(f.build?.dockerfile, 'Dockerfile');
  for (const s of KAFKA_SERVICES) assert.equal(f.depends_on?.[s]?.condition, 'service_healthy', s);
  const cmd = f.command ?? [];
  assert.equal(cmd[0], 'demo');
  assert.equal(cmd[cmd.indexOf('--source') + 1], 'kafka-source:9092');
  assert.equal(cmd[cmd.indexOf('--target') + 1], 'kafka-target:9092');
});

test('Dockerfile: node:20, npm ci, npm run build, runs the ferry CLI', () => {
  const df = readFileSync(new URL('Dockerfile', root), 'utf8');
  const from = [...df.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
  assert.ok(from.length >= 1 && from.every((f) => f!.startsWith('node:20')), `FROM lines: ${from.join(', ')}`);
  assert.match(df, /^RUN npm ci\b/m);
  assert.match(df, /^RUN npm run build$/m);
  assert.match(df, /ENTRYPOINT \["node", "dist\/src\/cli\/ferry\.js"\]/);
  // Every COPY source exists (an untracked empty directory would not be in a clean clone).
  for (const m of df.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
    for (const src of m[1]!.split(/\s+/)) assert.ok(existsSync(new URL(src, root)), `COPY ${src}: exists`);
  }
});
