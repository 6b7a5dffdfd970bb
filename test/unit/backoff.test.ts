// The one sleep: waits, or ends early when any of its signals aborts; never rejects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from '../../src/backoff.js';

test('sleep waits its time, ends as soon as any signal aborts, and resolves at once when already aborted or ms <= 0', async () => {
  let t = Date.now();
  await sleep(60);
  assert.ok(Date.now() - t >= 55, 'waited');

  const a = new AbortController();
  const b = new AbortController();
  t = Date.now();
  setTimeout(() => b.abort(), 20);
  await sleep(5_000, a.signal, undefined, b.signal);
  assert.ok(Date.now() - t < 1_000, 'the second signal ended it');

  t = Date.now();
  await sleep(5_000, b.signal);
  await sleep(0);
  await sleep(-1, a.signal);
  assert.ok(Date.now() - t < 100, 'aborted already, or nothing to wait');
});
