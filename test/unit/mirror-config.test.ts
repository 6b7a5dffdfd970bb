import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/connect/api/index.js';
import {
  IdentityReplicationPolicy, mirrorCheckpointConfigDef, mirrorHeartbeatConfigDef, mirrorSourceConfigDef, offsetSyncsClientConfig,
  parseMirrorCheckpointConfig, parseMirrorHeartbeatConfig, parseMirrorSourceConfig, sourceConsumerConfig, targetAdminConfig, targetProducerConfig,
  validateMirrorCheckpointProps,
} from '../../src/connectors/mirror/index.js';

const defaults = (def: ReturnType<typeof mirrorSourceConfigDef>): Record<string, string | null> =>
  Object.fromEntries(def.infos().map((i) => [i.name, i.default_value]));

describe('mirror connector ConfigDefs', () => {
  it('MirrorSourceConnector keys and defaults match MM2', () => {
    const d = defaults(mirrorSourceConfigDef());
    assert.deepEqual(
      {
        topics: d['topics'], 'topics.exclude': d['topics.exclude'], 'config.properties.exclude': d['config.properties.exclude'],
        'replication.factor': d['replication.factor'], 'refresh.topics.enabled': d['refresh.topics.enabled'], 'refresh.topics.interval.seconds': d['refresh.topics.interval.seconds'],
        'sync.topic.configs.enabled': d['sync.topic.configs.enabled'], 'sync.topic.configs.interval.seconds': d['sync.topic.configs.interval.seconds'],
        'sync.topic.acls.enabled': d['sync.topic.acls.enabled'], 'sync.topic.acls.interval.seconds': d['sync.topic.acls.interval.seconds'],
        'offset-syncs.topic.location': d['offset-syncs.topic.location'], 'offset-syncs.topic.replication.factor': d['offset-syncs.topic.replication.factor'],
        'offset.lag.max': d['offset.lag.max'], 'emit.offset-syncs.enabled': d['emit.offset-syncs.enabled'], 'replication.policy.class': d['replication.policy.class'],
        'replication.policy.separator': d['replication.policy.separator'], 'target.cluster.alias': d['target.cluster.alias'], 'admin.timeout.ms': d['admin.timeout.ms'],
        'consumer.poll.timeout.ms': d['consumer.poll.timeout.ms'], 'heartbeats.replication.enabled': d['heartbeats.replication.enabled'],
      },
      {
        topics: '.*', 'topics.exclude': '.*[\\-\\.]internal, .*\\.replica, __.*',
        'config.properties.exclude': 'follower\\.replication\\.throttled\\.replicas, leader\\.replication\\.throttled\\.replicas, message\\.timestamp\\.difference\\.max\\.ms, message\\.timestamp\\.type, unclean\\.leader\\.election\\.enable, min\\.insync\\.replicas',
        'replication.factor': '2', 'refresh.topics.enabled': 'true', 'refresh.topics.interval.seconds': '30', // Ferry default (MM2: 600)
        'sync.topic.configs.enabled': 'true', 'sync.topic.configs.interval.seconds': '600',
        'sync.topic.acls.enabled': 'true', 'sync.topic.acls.interval.seconds': '600',
        'offset-syncs.topic.location': 'source', 'offset-syncs.topic.replication.factor': '3',
        'offset.lag.max': '100', 'emit.offset-syncs.enabled': 'true', 'replication.policy.class': 'org.apache.kafka.connect.mirror.DefaultReplicationPolicy',
        'replication.policy.separator': '.', 'target.cluster.alias': 'target', 'admin.timeout.ms': '60000',
        'consumer.poll.timeout.ms': '1000', 'heartbeats.replication.enabled': 'true',
      },
    );
    assert.equal(mirrorSourceConfigDef().infos().find((i) => i.name === 'source.cluster.alias')?.required, true);
  });

  it('MirrorCheckpointConnector keys and defaults match MM2', () => {
    const d = defaults(mirrorCheckpointConfigDef());
    assert.equal(d['groups'], '.*');
    assert.equal(d['groups.exclude'], 'console-consumer-.*, connect-.*, __.*');
    assert.equal(d['emit.checkpoints.enabled'], 'true');
    assert.equal(d['emit.checkpoints.interval.seconds'], '5'); // Ferry default (MM2: 60)
    assert.equal(d['sync.group.offsets.enabled'], 'false');
    assert.equal(d['sync.group.offsets.interval.seconds'], '5'); // Ferry default (MM2: 60)
    assert.equal(d['refresh.groups.enabled'], 'true');
    assert.equal(d['refresh.groups.interval.seconds'], '30'); // Ferry default (MM2: 600)
    assert.equal(d['checkpoints.topic.replication.factor'], '3');
  });

  it('MirrorHeartbeatConnector keys and defaults match MM2', () => {
    const d = defaults(mirrorHeartbeatConfigDef());
    assert.equal(d['emit.heartbeats.enabled'], 'true');
    assert.equal(d['emit.heartbeats.interval.seconds'], '1');
    assert.equal(d['heartbeats.topic.replication.factor'], '3');
  });
});

describe('typed connector settings', () => {
  it('parses a MirrorSourceConnector config', () => {
    const s = parseMirrorSourceConfig({ 'source.cluster.alias': 'A', 'target.cluster.alias': 'B', topics: 'orders.*', 'sync.topic.acls.enabled': 'false' });
    assert.equal(s.offsetSyncsTopic, 'mm2-offset-syncs.B.internal', 'named after the other cluster');
    assert.equal(s.syncTopicAclsIntervalMs, null);
    assert.equal(s.refreshTopicsIntervalMs, 30_000);
    assert.ok(s.topicFilter.shouldReplicateTopic('orders1'));
    assert.ok(!s.topicFilter.shouldReplicateTopic('payments'));
    assert.equal(s.replicationPolicy.formatRemoteTopic('A', 'orders'), 'A.orders');
    const t = parseMirrorSourceConfig({ 'source.cluster.alias': 'A', 'target.cluster.alias': 'B', 'offset-syncs.topic.location': 'target', 'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy' });
    assert.equal(t.offsetSyncsTopic, 'mm2-offset-syncs.A.internal');
    assert.ok(t.replicationPolicy instanceof IdentityReplicationPolicy);
    assert.equal(t.replicationPolicy.topicSource('x'), 'A', 'source.cluster.alias reaches the policy');
  });

  it('honours the legacy *.blacklist keys', () => {
    const s = parseMirrorSourceConfig({ 'source.cluster.alias': 'A', 'topics.blacklist': 'secret.*' });
    assert.ok(!s.topicFilter.shouldReplicateTopic('secret1'));
    assert.ok(s.topicFilter.shouldReplicateTopic('x.internal'));
    assert.equal(s.values['topics.exclude']?.toString(), 'secret.*');
  });

  it('ferry.provenance.header: auto by default, one of auto|always|never, never refused with identity naming', () => {
    assert.equal(parseMirrorSourceConfig({ 'source.cluster.alias': 'A' }).provenanceHeader, 'auto');
    for (const v of ['auto', 'always', 'never'] as const) assert.equal(parseMirrorSourceConfig({ 'source.cluster.alias': 'A', 'ferry.provenance.header': v }).provenanceHeader, v);
    assert.throws(
      () => parseMirrorSourceConfig({ 'source.cluster.alias': 'A', 'ferry.provenance.header': 'sometimes' }),
      (e: unknown) => e instanceof ConfigError && /Invalid value sometimes for configuration ferry\.provenance\.header: String must be one of: auto, always, never/.test(e.message),
    );
    for (const cls of ['org.apache.kafka.connect.mirror.IdentityReplicationPolicy', 'identity']) {
      assert.throws(
        () => parseMirrorSourceConfig({ 'source.cluster.alias': 'A', 'ferry.provenance.header': 'never', 'replication.policy.class': cls }),
        (e: unknown) => e instanceof ConfigError && 'ferry.provenance.header' in e.errors
          && /ferry\.provenance\.header.*replication\.policy\.class/.test(e.message) && e.message.includes(cls),
      );
      assert.equal(parseMirrorSourceConfig({ 'source.cluster.alias': 'A', 'ferry.provenance.header': 'always', 'replication.policy.class': cls }).provenanceHeader, 'always');
    }
    // An unknown policy class is reported by its own key only.
    assert.throws(
      () => parseMirrorSourceConfig({ 'source.cluster.alias': 'A', 'ferry.provenance.header': 'never', 'replication.policy.class': 'com.example.Nope' }),
      (e: unknown) => e instanceof ConfigError && !('ferry.provenance.header' in e.errors),
    );
  });

  it('reports every bad key', () => {
    assert.throws(() => parseMirrorSourceConfig({}), (e: unknown) => e instanceof ConfigError && 'source.cluster.alias' in e.errors);
    assert.throws(
      () => parseMirrorSourceConfig({ 'source.cluster.alias': 'A', topics: 'a(', 'replication.factor': 'x', 'offset-syncs.topic.location': 'middle' }),
      (e: unknown) => e instanceof ConfigError && ['topics', 'replication.factor', 'offset-syncs.topic.location'].every((k) => k in e.errors),
    );
    assert.throws(
      () => parseMirrorSourceConfig({ 'source.cluster.alias': 'A', 'emit.offset-syncs.enabled': 'false', 'offset-syncs.topic.location': 'target' }),
      (e: unknown) => e instanceof ConfigError && 'offset-syncs.topic.location' in e.errors,
    );
  });

  it('parses checkpoint and heartbeat configs', () => {
    const c = parseMirrorCheckpointConfig({ 'source.cluster.alias': 'A', 'target.cluster.alias': 'B', 'sync.group.offsets.enabled': 'true', 'replication.policy.separator': '_' });
    assert.equal(c.checkpointsTopic, 'A_checkpoints_internal');
    assert.equal(c.offsetSyncsTopic, 'mm2-offset-syncs_B_internal');
    assert.equal(c.emitCheckpointsIntervalMs, 5_000);
    assert.equal(c.syncGroupOffsetsIntervalMs, 5_000);
    assert.ok(!c.groupFilter.shouldReplicateGroup('console-consumer-1'));
    assert.deepEqual(validateMirrorCheckpointProps({ 'emit.checkpoints.enabled': 'false', 'sync.group.offsets.enabled': 'false' }), {
      'emit.checkpoints.enabled': ["MirrorCheckpointConnector can't run with both emit.checkpoints.enabled and sync.group.offsets.enabled set to false"],
    });
    assert.throws(() => parseMirrorCheckpointConfig({ 'source.cluster.alias': 'A', 'emit.offset-syncs.enabled': 'false' }), /without offset syncs/);
    const h = parseMirrorHeartbeatConfig({ 'source.cluster.alias': 'A', 'emit.heartbeats.interval.seconds': '5' });
    assert.equal(h.emitHeartbeatsIntervalMs, 5000);
    assert.equal(h.heartbeatsTopic, 'heartbeats');
    assert.equal(parseMirrorHeartbeatConfig({ 'source.cluster.alias': 'A', 'emit.heartbeats.enabled': 'false' }).emitHeartbeatsIntervalMs, null);
  });
});

describe('client configs from prefixes', () => {
  const props = {
    name: 'MirrorSourceConnector',
    'source.cluster.alias': 'A',
    'target.cluster.alias': 'B',
    'source.cluster.bootstrap.servers': 'a:9092',
    'source.cluster.security.protocol': 'SSL',
    'source.cluster.ssl.truststore.location': '/ts',
    'source.cluster.not.a.client.key': 'x',
    'target.cluster.bootstrap.servers': 'b:9092',
    'consumer.isolation.level': 'read_committed',
    'consumer.poll.timeout.ms': '500',
    'source.consumer.max.poll.records': '1000',
    'target.producer.compression.type': 'gzip',
    'producer.client.id': 'mine',
  };
  it('follows MM2\'s precedence and defaults', () => {
    assert.deepEqual(sourceConsumerConfig(props, 'replication-consumer'), {
      'bootstrap.servers': 'a:9092',
      'security.protocol': 'SSL',
      'ssl.truststore.location': '/ts',
      'isolation.level': 'read_committed',
      'max.poll.records': '1000',
      'enable.auto.commit': 'false',
      'auto.offset.reset': 'earliest',
      'client.id': 'A->B|MirrorSourceConnector|replication-consumer',
    });
    assert.deepEqual(targetProducerConfig(props), { 'bootstrap.servers': 'b:9092', 'compression.type': 'gzip', 'client.id': 'mine|A->B|MirrorSourceConnector' });
    assert.equal(targetAdminConfig(props)['bootstrap.servers'], 'b:9092');
    assert.equal(offsetSyncsClientConfig(props, 'producer')['bootstrap.servers'], 'a:9092', 'offset syncs live on the source by default');
    assert.equal(offsetSyncsClientConfig({ ...props, 'offset-syncs.topic.location': 'target' }, 'admin')['bootstrap.servers'], 'b:9092');
    assert.equal(sourceConsumerConfig({ ...props, 'source.consumer.auto.offset.reset': 'latest' })['auto.offset.reset'], 'latest');
  });
});
