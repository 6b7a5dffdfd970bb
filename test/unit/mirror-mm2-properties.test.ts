import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/connect/api/index.js';
import { parseMm2Properties, parseMm2PropertiesText, type Mm2Flow } from '../../src/connectors/mirror/index.js';
import { parseProperties } from '../../src/config/properties.js';

const MM2 = `
# two clusters, one direction replicating
clusters = A, B
A.bootstrap.servers = a1:9092,a2:9092
B.bootstrap.servers = b1:9092
A.security.protocol = SSL
A.consumer.isolation.level = read_committed
B.producer.compression.type = gzip
A->B.enabled = true
A->B.topics = orders.*, payments
topics.exclude = .*\\.tmp
replication.factor = 3
tasks.max = 4
B.offset.storage.replication.factor = 1
offset.flush.interval.ms = 10000
replication.policy.separator = _
unrelated.top.level = ignored
`;

function flow(flows: Mm2Flow[], source: string, target: string): Mm2Flow {
  const f = flows.find((x) => x.source === source && x.target === target);
  assert.ok(f, `flow ${source}->${target}`);
  return f;
}

describe('mm2.properties', () => {
  const cfg = parseMm2PropertiesText(MM2);

  it('creates a herder per pair with replication or heartbeats', () => {
    assert.deepEqual(cfg.clusters, ['A', 'B']);
    assert.deepEqual(cfg.flows.map((f) => `${f.source}->${f.target}:${f.replicationEnabled}:${f.heartbeatsEnabled}`), ['A->B:true:true', 'B->A:false:true']);
    assert.deepEqual(cfg.enabledFlows().map((f) => `${f.source}->${f.target}`), ['A->B']);
  });

  it('builds the connector configs with MM2\'s precedence', () => {
    const src = flow(cfg.flows, 'A', 'B').connectors.MirrorSourceConnector;
    assert.equal(src['name'], 'MirrorSourceConnector');
    assert.equal(src['connector.class'], 'org.apache.kafka.connect.mirror.MirrorSourceConnector');
    assert.equal(src['source.cluster.alias'], 'A');
    assert.equal(src['target.cluster.alias'], 'B');
    assert.equal(src['enabled'], 'true');
    assert.equal(src['topics'], 'orders.*, payments', 'flow override');
    assert.equal(src['topics.exclude'], '.*.tmp', 'top-level default (a single backslash is an escape in .properties)');
    assert.equal(src['replication.factor'], '3');
    assert.equal(src['tasks.max'], '4');
    assert.equal(src['replication.policy.separator'], '_');
    assert.equal(src['source.cluster.bootstrap.servers'], 'a1:9092,a2:9092');
    assert.equal(src['source.cluster.security.protocol'], 'SSL');
    assert.equal(src['source.consumer.isolation.level'], 'read_committed');
    assert.equal(src['source.consumer.security.protocol'], 'SSL', 'client keys copied to consumer/producer/admin');
    assert.equal(src['target.producer.compression.type'], 'gzip');
    assert.equal(src['target.cluster.bootstrap.servers'], 'b1:9092');
    assert.equal(src['unrelated.top.level'], undefined, 'only connector keys pass from the top level');
    assert.equal(src['offset.flush.interval.ms'], undefined);
    const cp = flow(cfg.flows, 'A', 'B').connectors.MirrorCheckpointConnector;
    assert.equal(cp['name'], 'MirrorCheckpointConnector');
    const hb = flow(cfg.flows, 'B', 'A').connectors.MirrorHeartbeatConnector;
    assert.equal(hb['enabled'], 'false', 'disabled flow: heartbeats only');
    assert.equal(hb['source.cluster.alias'], 'B');
  });

  it('builds the worker config of each herder', () => {
    const w = flow(cfg.flows, 'A', 'B').worker;
    assert.equal(w['bootstrap.servers'], 'b1:9092', 'the herder lives on the target');
    assert.equal(w['client.id'], 'A->B');
    assert.equal(w['group.id'], 'A-mm2');
    assert.equal(w['offset.storage.topic'], 'mm2-offsets.A.internal');
    assert.equal(w['status.storage.topic'], 'mm2-status.A.internal');
    assert.equal(w['config.storage.topic'], 'mm2-configs.A.internal');
    assert.equal(w['key.converter'], 'org.apache.kafka.connect.converters.ByteArrayConverter');
    assert.equal(w['value.converter'], 'org.apache.kafka.connect.converters.ByteArrayConverter');
    assert.equal(w['header.converter'], 'org.apache.kafka.connect.converters.ByteArrayConverter');
    assert.equal(w['offset.storage.replication.factor'], '1');
    assert.equal(w['replication.policy.separator'], '_');
    assert.equal(w['producer.compression.type'], 'gzip');
    const back = flow(cfg.flows, 'B', 'A').worker;
    assert.equal(back['bootstrap.servers'], 'a1:9092,a2:9092');
    assert.equal(back['offset.storage.topic'], 'mm2-offsets.B.internal');
    assert.equal(back['security.protocol'], 'SSL');
  });

  it('exposes cluster props for clients', () => {
    const a = cfg.clusterProps('A');
    assert.equal(a['bootstrap.servers'], 'a1:9092,a2:9092');
    assert.equal(a['admin.bootstrap.servers'], 'a1:9092,a2:9092');
    assert.equal(a['consumer.isolation.level'], 'read_committed');
  });

  it('honours heartbeat switches and --clusters', () => {
    const base = { clusters: 'A, B, C', 'A.bootstrap.servers': 'a', 'B.bootstrap.servers': 'b', 'C.bootstrap.servers': 'c', 'A->B.enabled': 'true' };
    assert.equal(parseMm2Properties(base).flows.length, 6);
    const noHb = parseMm2Properties({ ...base, 'emit.heartbeats.enabled': 'false' });
    assert.deepEqual(noHb.flows.map((f) => `${f.source}->${f.target}`), ['A->B']);
    const perPair = parseMm2Properties({ ...base, 'emit.heartbeats.enabled': 'false', 'C->A.emit.heartbeats.enabled': 'true' });
    assert.deepEqual(perPair.flows.map((f) => `${f.source}->${f.target}`), ['A->B', 'C->A']);
    const only = parseMm2Properties(base, { clusters: ['B'] });
    assert.deepEqual(only.flows.map((f) => `${f.source}->${f.target}`), ['A->B', 'C->B']);
  });

  it('ferry.provenance.header is a per-flow MirrorSource key; a bad value names the key the user wrote', () => {
    const c = parseMm2Properties({ clusters: 'A, B', 'A.bootstrap.servers': 'a', 'B.bootstrap.servers': 'b', 'A->B.enabled': 'true', 'B->A.enabled': 'true', 'ferry.provenance.header': 'always', 'B->A.ferry.provenance.header': 'never' });
    assert.equal(flow(c.flows, 'A', 'B').connectors.MirrorSourceConnector['ferry.provenance.header'], 'always');
    assert.equal(flow(c.flows, 'B', 'A').connectors.MirrorSourceConnector['ferry.provenance.header'], 'never');
    const bad = { clusters: 'A, B', 'A.bootstrap.servers': 'a', 'B.bootstrap.servers': 'b', 'A->B.enabled': 'true', 'A->B.ferry.provenance.header': 'off' };
    assert.throws(() => parseMm2Properties(bad), (e: unknown) => e instanceof ConfigError && /Invalid value off for configuration A->B\.ferry\.provenance\.header/.test(e.message));
    const identityNever = { clusters: 'A, B', 'A.bootstrap.servers': 'a', 'B.bootstrap.servers': 'b', 'A->B.enabled': 'true', 'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy', 'A->B.ferry.provenance.header': 'never' };
    assert.throws(() => parseMm2Properties(identityNever), (e: unknown) => e instanceof ConfigError && 'A->B.ferry.provenance.header' in e.errors && /replication\.policy\.class/.test(e.message));
  });

  it('ferry.provenance.header=auto becomes always for a flow whose reverse flow cannot recognise its topics by name', () => {
    const base = { clusters: 'A, B', 'A.bootstrap.servers': 'a', 'B.bootstrap.servers': 'b', 'A->B.enabled': 'true', 'B->A.enabled': 'true' };
    const identityBack = { ...base, 'B->A.replication.policy.class': 'IdentityReplicationPolicy' };
    const c = parseMm2Properties(identityBack);
    assert.equal(flow(c.flows, 'A', 'B').connectors.MirrorSourceConnector['ferry.provenance.header'], 'always');
    assert.equal(flow(c.flows, 'A', 'B').storedConnectors.MirrorSourceConnector['ferry.provenance.header'], 'always');
    assert.equal(flow(c.flows, 'B', 'A').connectors.MirrorSourceConnector['ferry.provenance.header'], undefined, 'identity itself: auto adds the hop');
    // Same naming both ways, or no reverse replication: auto stays auto.
    assert.equal(flow(parseMm2Properties(base).flows, 'A', 'B').connectors.MirrorSourceConnector['ferry.provenance.header'], undefined);
    assert.equal(flow(parseMm2Properties({ ...identityBack, 'B->A.enabled': 'false' }).flows, 'A', 'B').connectors.MirrorSourceConnector['ferry.provenance.header'], undefined);
    assert.throws(
      () => parseMm2Properties({ ...identityBack, 'A->B.ferry.provenance.header': 'never' }),
      (e: unknown) => e instanceof ConfigError && 'A->B.ferry.provenance.header' in e.errors && /reverse flow B->A/.test(e.message) && /IdentityReplicationPolicy/.test(e.message),
    );
  });

  it('handles aliases with dots', () => {
    const c = parseMm2Properties({ clusters: 'us.east, us.west', 'us.east.bootstrap.servers': 'e', 'us.west.bootstrap.servers': 'w', 'us.east->us.west.enabled': 'true', 'us.east->us.west.topics': 't' });
    const f = flow(c.flows, 'us.east', 'us.west');
    assert.equal(f.replicationEnabled, true);
    assert.equal(f.connectors.MirrorSourceConnector['topics'], 't');
    assert.equal(f.connectors.MirrorSourceConnector['source.cluster.bootstrap.servers'], 'e');
  });
});

describe('mm2.properties validation', () => {
  const ok = { clusters: 'A, B', 'A.bootstrap.servers': 'a', 'B.bootstrap.servers': 'b', 'A->B.enabled': 'true' };
  const errorsOf = (props: Record<string, string>, opts = {}): Record<string, readonly string[]> => {
    try {
      parseMm2Properties(props, opts);
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      return e.errors;
    }
    assert.fail('expected a ConfigError');
  };

  it('requires clusters', () => {
    assert.ok('clusters' in errorsOf({}));
  });
  it('names flow keys with unknown clusters or self-flows', () => {
    const e = errorsOf({ ...ok, 'A->X.enabled': 'true', 'Y->B.topics': 'x', 'A->A.enabled': 'true' });
    assert.match(e['A->X.enabled']![0]!, /Unknown cluster "X"/);
    assert.match(e['Y->B.topics']![0]!, /Unknown cluster "Y"/);
    assert.match(e['A->A.enabled']![0]!, /from a cluster to itself/);
  });
  it('requires bootstrap servers for every cluster in use', () => {
    const e = errorsOf({ clusters: 'A, B', 'A.bootstrap.servers': 'a', 'A->B.enabled': 'true' });
    assert.deepEqual(Object.keys(e), ['B.bootstrap.servers']);
  });
  it('names the key of a bad regex, top-level or per flow', () => {
    assert.ok('topics' in errorsOf({ ...ok, topics: 'a(' }));
    const e = errorsOf({ ...ok, 'A->B.groups.exclude': '[z-a]' });
    assert.deepEqual(Object.keys(e), ['A->B.groups.exclude']);
    assert.match(e['A->B.groups.exclude']![0]!, /configuration A->B\.groups\.exclude/);
  });
  it('names bad connector values and --clusters', () => {
    assert.ok('A->B.replication.factor' in errorsOf({ ...ok, 'A->B.replication.factor': 'three' }));
    assert.ok('--clusters' in errorsOf(ok, { clusters: ['Z'] }));
    assert.ok('clusters' in errorsOf({ ...ok, clusters: 'A, A, B' }));
  });
});

describe('Java properties text', () => {
  it('parses separators, comments, continuations and escapes', () => {
    const p = parseProperties([
      '# comment',
      '! also a comment',
      'a=1',
      'b : 2',
      'c 3',
      '   d=spaced value  ',
      'e = multi \\',
      '    line',
      'f=tab\\tand\\u0041',
      'g\\=key = v',
      'h=',
      'path=C:\\\\dir',
    ].join('\n'));
    assert.deepEqual(p, { a: '1', b: '2', c: '3', d: 'spaced value  ', e: 'multi line', f: 'tab\tandA', 'g=key': 'v', h: '', path: 'C:\\dir' });
  });
});
