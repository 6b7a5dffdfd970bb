// State a client can grow through the API stays bounded: logger levels set through /admin/loggers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoggerLimitError, MAX_LEVEL_NAMESPACES, MAX_LOGGER_NAME_LENGTH, getLevel, setLevel } from '../../src/observability/logger.js';

test('logger levels: at most MAX_LEVEL_NAMESPACES namespaces and MAX_LOGGER_NAME_LENGTH characters; existing ones stay settable', () => {
  assert.throws(() => setLevel('x'.repeat(MAX_LOGGER_NAME_LENGTH + 1), 'DEBUG'), (e: unknown) => e instanceof LoggerLimitError && /at most 500/.test((e as Error).message));
  for (let i = 0; i < MAX_LEVEL_NAMESPACES; i++) setLevel(`fuzz.n${i}`, 'DEBUG');
  assert.throws(() => setLevel('fuzz.one-too-many', 'DEBUG'), (e: unknown) => e instanceof LoggerLimitError && /1000 logger namespaces/.test((e as Error).message));
  // A namespace already set can still change level.
  setLevel('fuzz.n7', 'ERROR');
  assert.equal(getLevel('fuzz.n7')?.level, 'ERROR');
});
