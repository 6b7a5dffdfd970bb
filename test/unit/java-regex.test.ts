// Every place a user's Java regex is read goes through connect/api/java-regex.ts, so a pattern means the same in
// a transform, a sink's topics.regex, MM2's topic filters, the JDBC table lists and config validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Validators, compileJavaRegex } from '../../src/connect/api/index.js';
import { sinkCrossChecks } from '../../src/connect/runtime/connector-config.js';
import { TopicFilter } from '../../src/connectors/mirror/index.js';

test('Java-only syntax means the same to every caller', () => {
  // \Q…\E quoting and POSIX classes: a raw JS RegExp would read \p{Lower} as the letters "p{Lower}".
  const filter = new TopicFilter({ topics: '\\Qorders.v1\\E, \\p{Lower}+-\\p{Digit}', topicsExclude: '' });
  assert.ok(filter.shouldReplicateTopic('orders.v1'));
  assert.ok(!filter.shouldReplicateTopic('ordersXv1'));
  assert.ok(filter.shouldReplicateTopic('audit-7'));
  assert.ok(compileJavaRegex('(?s)a.b', true).test('a\nb'));
  const dlq = sinkCrossChecks({ 'topics.regex': '\\Qdlq.x\\E', 'errors.deadletterqueue.topic.name': 'dlq.x' });
  assert.ok('errors.deadletterqueue.topic.name' in dlq, 'the DLQ check reads topics.regex as Java does');
});

test('config validation uses the same translator', () => {
  const v = Validators.regex();
  assert.equal(v('topics.regex', '\\Qa.b\\E'), undefined);
  assert.match(String(v('topics.regex', 'a++')), /possessive/);
  assert.match(String(v('topics.regex', '(a+)+')), /exponential time/);
});
