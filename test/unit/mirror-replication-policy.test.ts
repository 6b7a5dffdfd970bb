import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/connect/api/index.js';
import {
  DefaultReplicationPolicy, IdentityReplicationPolicy, createReplicationPolicy, isCycle, knownReplicationPolicyClasses, replicationChain,
} from '../../src/connectors/mirror/index.js';

describe('DefaultReplicationPolicy', () => {
  const p = new DefaultReplicationPolicy();

  it('names and parses remote topics', () => {
    assert.equal(p.formatRemoteTopic('us-west', 'orders'), 'us-west.orders');
    assert.equal(p.topicSource('us-west.orders'), 'us-west');
    assert.equal(p.upstreamTopic('us-west.orders'), 'orders');
    assert.equal(p.topicSource('orders'), null);
    assert.equal(p.upstreamTopic('orders'), null);
    assert.equal(p.topicSource('B.A.orders'), 'B');
    assert.equal(p.upstreamTopic('B.A.orders'), 'A.orders');
    assert.equal(p.originalTopic('B.A.orders'), 'orders');
    assert.equal(p.originalTopic('orders'), 'orders');
  });

  it('follows Java split semantics at the edges', () => {
    assert.equal(p.topicSource('A.'), null, 'trailing separator only');
    assert.equal(p.topicSource('A..'), null);
    assert.equal(p.topicSource('.foo'), '', 'leading separator: empty source');
    assert.equal(p.topicSource('A..b'), 'A');
    assert.equal(p.upstreamTopic('A..b'), '.b');
  });

  it('names internal topics', () => {
    assert.equal(p.heartbeatsTopic(), 'heartbeats');
    assert.equal(p.offsetSyncsTopic('B'), 'mm2-offset-syncs.B.internal');
    assert.equal(p.checkpointsTopic('A'), 'A.checkpoints.internal');
    assert.ok(p.isHeartbeatsTopic('heartbeats'));
    assert.ok(p.isHeartbeatsTopic('A.heartbeats'));
    assert.ok(p.isHeartbeatsTopic('B.A.heartbeats'));
    assert.ok(!p.isHeartbeatsTopic('A.heartbeats2'));
    assert.ok(p.isCheckpointsTopic('A.checkpoints.internal'));
    assert.ok(p.isMM2InternalTopic('mm2-offset-syncs.B.internal'));
    assert.ok(p.isMM2InternalTopic('A.checkpoints.internal'));
    assert.ok(p.isMM2InternalTopic('mm2-offsets.A.internal'));
    assert.ok(!p.isMM2InternalTopic('orders.internal'));
  });

  it('never replicates internal topics', () => {
    for (const t of ['__consumer_offsets', '.hidden', 'connect-offsets-internal', 'x.internal', 'mm2-configs.A.internal', 'A.checkpoints.internal']) {
      assert.ok(p.isInternalTopic(t), t);
    }
    for (const t of ['orders', 'A.orders', 'internal', 'orders_internal']) assert.ok(!p.isInternalTopic(t), t);
  });

  it('supports a custom separator (KIP-690) and the KIP-949 switch', () => {
    const custom = new DefaultReplicationPolicy({ 'replication.policy.separator': '_' });
    assert.equal(custom.formatRemoteTopic('A', 'orders'), 'A_orders');
    assert.equal(custom.topicSource('A_orders'), 'A');
    assert.equal(custom.topicSource('A.orders'), null);
    assert.equal(custom.offsetSyncsTopic('B'), 'mm2-offset-syncs_B_internal');
    assert.equal(custom.checkpointsTopic('A'), 'A_checkpoints_internal');
    assert.ok(custom.isCheckpointsTopic('A_checkpoints_internal'));
    const legacy = new DefaultReplicationPolicy({ 'replication.policy.separator': '__', 'replication.policy.internal.topic.separator.enabled': 'false' });
    assert.equal(legacy.formatRemoteTopic('A', 'x'), 'A__x');
    assert.equal(legacy.offsetSyncsTopic('B'), 'mm2-offset-syncs.B.internal');
    assert.equal(legacy.checkpointsTopic('A'), 'A.checkpoints.internal');
    const multi = new DefaultReplicationPolicy({ 'replication.policy.separator': '::' });
    assert.equal(multi.upstreamTopic('B::A::t'), 'A::t');
    assert.equal(multi.originalTopic('B::A::t'), 't');
  });

  it('ignores the internal separator flag without a custom separator, as MM2', () => {
    const q = new DefaultReplicationPolicy({ 'replication.policy.internal.topic.separator.enabled': 'false' });
    assert.equal(q.offsetSyncsTopic('B'), 'mm2-offset-syncs.B.internal');
  });
});

describe('IdentityReplicationPolicy', () => {
  const p = new IdentityReplicationPolicy({ 'source.cluster.alias': 'A' });

  it('keeps names, except heartbeats', () => {
    assert.equal(p.formatRemoteTopic('A', 'orders'), 'orders');
    assert.equal(p.formatRemoteTopic('A', 'heartbeats'), 'A.heartbeats');
    assert.equal(p.topicSource('orders'), 'A');
    assert.equal(p.upstreamTopic('orders'), 'orders');
    assert.equal(p.originalTopic('orders'), 'orders');
    assert.equal(p.topicSource('B.heartbeats'), 'B');
    assert.equal(p.upstreamTopic('B.heartbeats'), 'heartbeats');
    assert.ok(p.isHeartbeatsTopic('B.heartbeats'));
    assert.equal(new IdentityReplicationPolicy().topicSource('orders'), null, 'no alias configured');
  });

  it('cannot see cycles by name (hence the provenance header)', () => {
    assert.equal(isCycle(p, 'orders', 'B'), false);
    assert.equal(isCycle(new IdentityReplicationPolicy({ 'source.cluster.alias': 'B' }), 'orders', 'B'), true, 'only when the alias is the target itself');
    assert.equal(isCycle(p, 'B.heartbeats', 'B'), true);
  });
});

describe('cycle detection', () => {
  const p = new DefaultReplicationPolicy();
  it('stops topics that came from the target, at any depth', () => {
    assert.equal(isCycle(p, 'orders', 'B'), false);
    assert.equal(isCycle(p, 'B.orders', 'B'), true);
    assert.equal(isCycle(p, 'C.B.orders', 'B'), true);
    assert.equal(isCycle(p, 'C.D.orders', 'B'), false);
    assert.deepEqual(replicationChain(p, 'C.B.orders'), ['C', 'B']);
  });
  it('is bounded for policies that never shorten names', () => {
    const loop = { ...p, topicSource: () => 'X', upstreamTopic: (t: string) => t + '.x' } as unknown as DefaultReplicationPolicy;
    assert.equal(isCycle(loop, 'orders', 'B', 10), true, 'gives up (does not replicate) after maxHops');
  });
});

describe('createReplicationPolicy', () => {
  it('resolves class names and aliases', () => {
    assert.ok(createReplicationPolicy({}) instanceof DefaultReplicationPolicy);
    assert.ok(createReplicationPolicy({ 'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy' }) instanceof IdentityReplicationPolicy);
    assert.ok(createReplicationPolicy({}, 'IdentityReplicationPolicy') instanceof IdentityReplicationPolicy);
    assert.ok(createReplicationPolicy({}, 'identity') instanceof IdentityReplicationPolicy);
    assert.ok(knownReplicationPolicyClasses().includes('DefaultReplicationPolicy'));
    const id = createReplicationPolicy({ 'replication.policy.class': 'identity', 'source.cluster.alias': 'A', 'replication.policy.separator': '_' });
    assert.equal(id.topicSource('x'), 'A');
    assert.equal(id.formatRemoteTopic('A', 'heartbeats'), 'A_heartbeats');
  });
  it('names the key for an unknown class', () => {
    assert.throws(() => createReplicationPolicy({ 'replication.policy.class': 'com.example.Nope' }), (e: unknown) => e instanceof ConfigError && 'replication.policy.class' in e.errors && /com\.example\.Nope/.test(e.message));
    assert.throws(() => createReplicationPolicy({ 'replication.policy.separator': '' }), /replication\.policy\.separator/);
  });
});
