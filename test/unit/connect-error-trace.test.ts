// errorTrace: what a FAILED status shows. Some libraries (kafkajs) build stacks whose first line is the class
// name alone, and Ferry appends hints to messages after the stack was taken; the trace must carry the message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorTrace } from '../../src/connect/api/errors.js';

test('a stack without its message gets "Name: message" in front; causes too', () => {
  const cause = new Error('Closed connection');
  cause.name = 'KafkaJSConnectionClosedError';
  cause.stack = 'KafkaJSConnectionClosedError\n    at Socket.onEnd (connection.js:197:13)';
  const e = new Error('Closed connection', { cause });
  e.name = 'KafkaJSNonRetriableError';
  e.stack = 'KafkaJSNonRetriableError\n    at retry (retry.js:1:1)';
  e.message += ' (set security.protocol)';
  const trace = errorTrace(e);
  assert.equal(trace.split('\n')[0], 'KafkaJSNonRetriableError: Closed connection (set security.protocol)');
  assert.match(trace, /^ {4}at retry/m);
  assert.match(trace, /\nCaused by: KafkaJSConnectionClosedError: Closed connection\n {4}at Socket\.onEnd/);
});

test('an ordinary stack is kept as it is', () => {
  const e = new Error('boom');
  assert.equal(errorTrace(e), e.stack);
  assert.equal(errorTrace('plain'), 'plain');
});
