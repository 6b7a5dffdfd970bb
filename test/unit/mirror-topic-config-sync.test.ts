import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigPropertyFilter, DEFAULT_CONFIG_PROPERTIES_EXCLUDE, filterTopicConfigs, newTopicConfigs, targetTopicAcls, topicConfigAlterOps,
  type AclBinding, type TopicConfigEntry,
} from '../../src/connectors/mirror/index.js';

describe('filterTopicConfigs', () => {
  it('drops MM2\'s default exclusions', () => {
    assert.match(DEFAULT_CONFIG_PROPERTIES_EXCLUDE, /min\\\.insync\\\.replicas/);
    const out = filterTopicConfigs({
      'cleanup.policy': 'compact',
      'retention.ms': '1000',
      'min.insync.replicas': '2',
      'unclean.leader.election.enable': 'true',
      'message.timestamp.type': 'LogAppendTime',
      'message.timestamp.difference.max.ms': '10',
      'leader.replication.throttled.replicas': '*',
      'follower.replication.throttled.replicas': '*',
    });
    assert.deepEqual(out, { 'cleanup.policy': 'compact', 'retention.ms': '1000' });
  });

  it('takes custom regexes and describeConfigs entries', () => {
    const entries: TopicConfigEntry[] = [{ name: 'retention.ms', value: '1' }, { name: 'segment.bytes', value: '2' }];
    assert.deepEqual(filterTopicConfigs(entries, 'segment\\..*'), [{ name: 'retention.ms', value: '1' }]);
    assert.deepEqual(filterTopicConfigs({ 'a.b': '1', axb: '2' }, ['a\\.b']), { axb: '2' }, 'regexes, full match');
  });
});

describe('topic config sync', () => {
  const entries: TopicConfigEntry[] = [
    { name: 'cleanup.policy', value: 'compact', source: 'DYNAMIC_TOPIC_CONFIG' },
    { name: 'retention.ms', value: '604800000', isDefault: true, source: 'DEFAULT_CONFIG' },
    { name: 'min.insync.replicas', value: '2', source: 'DYNAMIC_TOPIC_CONFIG' },
    { name: 'sasl.secret', value: 'x', isSensitive: true },
    { name: 'log.dir', value: '/x', isReadOnly: true },
    { name: 'compression.type', value: 'gzip', source: 'STATIC_BROKER_CONFIG' },
  ];
  it('creates remote topics with the non-default, syncable configs', () => {
    assert.deepEqual(newTopicConfigs(entries), { 'cleanup.policy': 'compact' });
  });
  it('sets overrides and deletes target overrides of source defaults', () => {
    assert.deepEqual(topicConfigAlterOps(entries), [
      { name: 'cleanup.policy', op: 'SET', value: 'compact' },
      { name: 'retention.ms', op: 'DELETE' },
    ]);
  });
  it('writes source defaults explicitly with use.defaults.from=source', () => {
    const f = ConfigPropertyFilter.fromProps({ 'use.defaults.from': 'source' });
    assert.deepEqual(topicConfigAlterOps(entries, f), [
      { name: 'cleanup.policy', op: 'SET', value: 'compact' },
      { name: 'retention.ms', op: 'SET', value: '604800000' },
    ]);
    assert.throws(() => ConfigPropertyFilter.fromProps({ 'use.defaults.from': 'both' }), /use\.defaults\.from/);
    assert.ok(!ConfigPropertyFilter.fromProps({ 'config.properties.blacklist': 'cleanup\\..*' }).shouldReplicateConfigProperty('cleanup.policy'));
  });
});

describe('ACL sync', () => {
  const acl = (o: Partial<AclBinding>): AclBinding => ({
    resourceType: 'TOPIC', resourceName: 'orders', patternType: 'LITERAL', principal: 'User:alice', host: '*', operation: 'READ', permissionType: 'ALLOW', ...o,
  });
  const ctx = { shouldReplicateTopic: (t: string) => t !== 'secret', formatRemoteTopic: (t: string) => `A.${t}` };

  it('copies literal topic ACLs to the remote topic, read-only', () => {
    const out = targetTopicAcls([
      acl({}),
      acl({ operation: 'WRITE' }), // dropped: only the mirror writes remote topics
      acl({ operation: 'ALL' }), // downgraded to READ (duplicate of the first, so merged)
      acl({ operation: 'ALL', principal: 'User:bob' }),
      acl({ operation: 'WRITE', permissionType: 'DENY' }), // kept
      acl({ operation: 'DESCRIBE' }),
      acl({ patternType: 'PREFIXED' }), // not literal
      acl({ resourceType: 'GROUP' }), // not a topic
      acl({ resourceName: 'secret' }), // not replicated
    ], ctx);
    assert.deepEqual(out, [
      acl({ resourceName: 'A.orders' }),
      acl({ resourceName: 'A.orders', operation: 'READ', principal: 'User:bob' }),
      acl({ resourceName: 'A.orders', operation: 'WRITE', permissionType: 'DENY' }),
      acl({ resourceName: 'A.orders', operation: 'DESCRIBE' }),
    ]);
  });
});
