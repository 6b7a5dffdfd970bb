import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, compileJavaRegex } from '../../src/connect/api/index.js';
import {
  DEFAULT_GROUPS_EXCLUDE, DEFAULT_TOPICS_EXCLUDE, DefaultReplicationPolicy, GroupFilter, IdentityReplicationPolicy, TopicFilter,
  shouldReplicateTopic, splitList, validateRegexList,
} from '../../src/connectors/mirror/index.js';

describe('topic filter', () => {
  it('has MM2 defaults: everything but internal-looking topics', () => {
    assert.equal(DEFAULT_TOPICS_EXCLUDE, '.*[\\-\\.]internal, .*\\.replica, __.*');
    const f = new TopicFilter();
    for (const t of ['orders', 'A.orders', 'internal', 'orders_internal']) assert.ok(f.shouldReplicateTopic(t), t);
    for (const t of ['x.internal', 'x-internal', 'orders.replica', '__consumer_offsets', '__anything']) assert.ok(!f.shouldReplicateTopic(t), t);
  });

  it('matches whole names, excludes win, lists are comma-separated', () => {
    const f = new TopicFilter({ topics: 'orders.*, payments', topicsExclude: 'orders\\.test.*' });
    assert.ok(f.shouldReplicateTopic('orders'));
    assert.ok(f.shouldReplicateTopic('orders.eu'));
    assert.ok(f.shouldReplicateTopic('payments'));
    assert.ok(!f.shouldReplicateTopic('payments2'), 'full match, not find');
    assert.ok(!f.shouldReplicateTopic('xpayments'));
    assert.ok(!f.shouldReplicateTopic('orders.test1'));
    assert.ok(!new TopicFilter({ topics: '' }).shouldReplicateTopic('anything'), 'empty include list matches nothing');
  });

  it('reads props with the legacy topics.blacklist alias', () => {
    assert.ok(!TopicFilter.fromProps({ 'topics.blacklist': 'secret.*' }).shouldReplicateTopic('secret1'));
    assert.ok(TopicFilter.fromProps({ 'topics.blacklist': 'secret.*' }).shouldReplicateTopic('x.internal'), 'the alias replaces the default');
    assert.ok(TopicFilter.fromProps({ 'topics.exclude': 'a', 'topics.blacklist': 'b' }).shouldReplicateTopic('b'), 'the new key wins');
    assert.throws(() => TopicFilter.fromProps({ 'topics.blacklist': 'a(' }), (e: unknown) => e instanceof ConfigError && 'topics.blacklist' in e.errors);
  });
});

describe('group filter', () => {
  it('has MM2 defaults', () => {
    assert.equal(DEFAULT_GROUPS_EXCLUDE, 'console-consumer-.*, connect-.*, __.*');
    const f = new GroupFilter();
    assert.ok(f.shouldReplicateGroup('billing'));
    for (const g of ['console-consumer-123', 'connect-mirror', '__internal']) assert.ok(!f.shouldReplicateGroup(g), g);
    assert.ok(GroupFilter.fromProps({ groups: 'billing.*', 'groups.exclude': '' }).shouldReplicateGroup('billing-eu'));
    assert.ok(!GroupFilter.fromProps({ groups: 'billing.*' }).shouldReplicateGroup('audit'));
  });
});

describe('Java regex dialect', () => {
  it('translates what JS can express', () => {
    assert.ok(compileJavaRegex('\\Qa.b\\E', true).test('a.b'));
    assert.ok(!compileJavaRegex('\\Qa.b\\E', true).test('axb'));
    assert.ok(compileJavaRegex('(?i)orders', true).test('ORDERS'));
    assert.ok(compileJavaRegex('\\Aabc\\z', true).test('abc'));
    assert.ok(compileJavaRegex('a|b', true).test('b'));
    assert.ok(!compileJavaRegex('a|b', true).test('ab'), 'alternation is grouped before anchoring');
  });
  it('rejects what it cannot translate faithfully, naming the key', () => {
    assert.throws(() => compileJavaRegex('a++', true), /possessive/);
    assert.throws(() => compileJavaRegex('[a-z&&[^b]]', true), /intersection/);
    assert.throws(() => compileJavaRegex('a(?i)b', true), /inline flags/);
    assert.deepEqual(validateRegexList('topics', 'ok, bad(, a++').length, 2);
    assert.match(validateRegexList('topics', 'bad(')[0]!, /Invalid value bad\( for configuration topics/);
  });
  it('splits lists like Connect', () => {
    assert.deepEqual(splitList(' a , b,,c '), ['a', 'b', 'c']);
    assert.deepEqual(splitList(''), []);
    assert.deepEqual(splitList(undefined), []);
  });
});

describe('shouldReplicateTopic', () => {
  const policy = new DefaultReplicationPolicy();
  const filter = new TopicFilter({ topics: 'orders.*' });
  it('combines filter, heartbeats, internal topics and cycles', () => {
    const sel = { policy, filter, targetAlias: 'B' };
    assert.ok(shouldReplicateTopic('orders', sel));
    assert.ok(!shouldReplicateTopic('payments', sel));
    assert.ok(shouldReplicateTopic('heartbeats', sel), 'heartbeats pass the filter');
    assert.ok(shouldReplicateTopic('C.heartbeats', sel));
    assert.ok(!shouldReplicateTopic('B.heartbeats', sel), 'but not back to where they came from');
    assert.ok(!shouldReplicateTopic('heartbeats', { ...sel, heartbeatsReplicationEnabled: false }));
    assert.ok(!shouldReplicateTopic('B.orders', { ...sel, filter: new TopicFilter() }), 'cycle');
    assert.ok(!shouldReplicateTopic('mm2-offset-syncs.B.internal', { ...sel, filter: new TopicFilter({ topics: '.*', topicsExclude: '' }) }), 'internal');
    assert.ok(shouldReplicateTopic('orders', { ...sel, policy: new IdentityReplicationPolicy({ 'source.cluster.alias': 'A' }) }));
  });
});
