// Replication factors are never silently reduced (#14): requested vs. live brokers vs. -1 (broker default).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BROKER_DEFAULT_REPLICATION_FACTOR, ReplicationFactorError, explainCreateTopicsError, replicationFactorFor } from '../../src/kafka/replication-factor.js';

test('-1 is passed through as -1 whatever the cluster size (the broker applies default.replication.factor)', () => {
  for (const brokers of [0, 1, 3, 9]) assert.equal(replicationFactorFor('t', -1, brokers, 'replication.factor'), BROKER_DEFAULT_REPLICATION_FACTOR);
});

test('a factor up to the live brokers is kept exactly', () => {
  assert.equal(replicationFactorFor('t', 1, 1), 1);
  assert.equal(replicationFactorFor('t', 2, 3), 2);
  assert.equal(replicationFactorFor('t', 3, 3), 3);
  assert.equal(replicationFactorFor('t', 3, 5, 'config.storage.replication.factor'), 3);
});

test('more than the live brokers throws, naming topic, factor, brokers and the setting', () => {
  assert.throws(() => replicationFactorFor('connect-configs', 3, 1, 'config.storage.replication.factor'), (e: unknown) => {
    assert.ok(e instanceof ReplicationFactorError);
    assert.equal(e.message, "Cannot create topic 'connect-configs' with replication factor 3: only 1 broker is available (set config.storage.replication.factor to 1, or -1 for the broker default)");
    assert.equal(e.topic, 'connect-configs');
    assert.equal(e.replicationFactor, 3);
    assert.equal(e.brokers, 1);
    assert.equal(e.setting, 'config.storage.replication.factor');
    return true;
  });
  assert.throws(() => replicationFactorFor('A.orders', 3, 2, 'replication.factor'),
    { message: "Cannot create topic 'A.orders' with replication factor 3: only 2 brokers are available (set replication.factor to 2 or less, or -1 for the broker default)" });
  assert.throws(() => replicationFactorFor('x', 2, 1),
    { message: "Cannot create topic 'x' with replication factor 2: only 1 broker is available (use a replication factor of 1, or -1 for the broker default)" });
  assert.throws(() => replicationFactorFor('x', 1, 0), /no broker is available/);
});

test('0, other negatives and non-integers are refused, not replaced by a default', () => {
  for (const rf of [0, -2, 1.5, Number.NaN, 40000]) {
    assert.throws(() => replicationFactorFor('dlq', rf, 3, 'errors.deadletterqueue.topic.replication.factor'),
      /Cannot create topic 'dlq' with replication factor .*: a replication factor must be at least 1 \(set errors\.deadletterqueue\.topic\.replication\.factor to a positive number, or -1 for the broker default\)/);
  }
});

test("the broker's INVALID_REPLICATION_FACTOR becomes the same clear error; other errors pass unchanged", () => {
  const kafkajs = Object.assign(new Error('Topic creation errors'), { errors: [{ type: 'INVALID_REPLICATION_FACTOR', topic: 'hb' }] });
  const broker = explainCreateTopicsError(kafkajs, 'hb', -1, 1, 'heartbeats.topic.replication.factor');
  assert.ok(broker instanceof ReplicationFactorError);
  assert.match(broker.message, /^Cannot create topic 'hb' with the broker default replication factor \(-1\): the broker refused it as INVALID_REPLICATION_FACTOR \(the broker's default\.replication\.factor is larger than the 1 broker available; set heartbeats\.topic\.replication\.factor to at most 1\)$/);
  const raced = explainCreateTopicsError(Object.assign(new Error('x'), { type: 'INVALID_REPLICATION_FACTOR' }), 'hb', 2, 1);
  assert.match((raced as Error).message, /with replication factor 2: the broker refused it as INVALID_REPLICATION_FACTOR \(1 broker is available; use a replication factor of at most 1, or -1 for the broker default\)/);
  const other = Object.assign(new Error('Topic creation errors'), { errors: [{ type: 'POLICY_VIOLATION', topic: 'hb' }] });
  assert.equal(explainCreateTopicsError(other, 'hb', 1, 1), other);
});
