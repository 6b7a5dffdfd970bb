// The one sleep: waits, or ends early when any of its signals aborts; never rejects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exponentialBackoff, pollUntil, retry, sleep } from '../../src/backoff.js';

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

test('retry: tries until success, a non-retriable failure, the attempt bound, the deadline or an abort; the final failure is rethrown as it was', async () => {
  const calls: number[] = [];
  const seen: number[] = [];
  assert.equal(await retry(async (a) => { calls.push(a); if (a < 3) throw new Error(`fail ${a}`); return 'ok'; }, { backoffMs: () => 1, onRetry: (_e, a) => { seen.push(a); } }), 'ok');
  assert.deepEqual(calls, [1, 2, 3]);
  assert.deepEqual(seen, [1, 2], 'onRetry after each failure that is retried');

  let n = 0;
  await assert.rejects(retry(async () => { n++; throw new Error('always'); }, { attempts: 4, backoffMs: () => 1 }), /always/);
  assert.equal(n, 4);

  n = 0;
  const fatal = Object.assign(new Error('fatal'), { retriable: false });
  await assert.rejects(retry(async () => { n++; throw fatal; }, { backoffMs: () => 1, retriable: (e) => (e as { retriable?: boolean }).retriable !== false }), (e) => e === fatal);
  assert.equal(n, 1);

  const t = Date.now();
  await assert.rejects(retry(async () => { throw new Error('late'); }, { deadline: Date.now() + 80, backoffMs: () => 30 }), /late/);
  assert.ok(Date.now() - t < 1_000, 'the deadline ends it');

  const ac = new AbortController();
  setTimeout(() => ac.abort(), 20);
  await assert.rejects(retry(async () => { throw new Error('stopped'); }, { signal: ac.signal, backoffMs: () => 10_000 }), /stopped/);
  assert.deepEqual([1, 2, 3, 4].map(exponentialBackoff(100, 500)), [100, 200, 400, 500]);
});

test('pollUntil: returns the first truthy value, counts thrown errors as "not yet", and names what, the last value and error on timeout', async () => {
  let n = 0;
  assert.equal(await pollUntil('third call', () => (++n >= 3 ? 'done' : null), { timeoutMs: 1000, intervalMs: 1 }), 'done');
  assert.equal(n, 3);
  let m = 0;
  assert.deepEqual(await pollUntil('after an error', () => { if (++m === 1) throw new Error('not ready'); return { ok: true }; }, { timeoutMs: 1000, intervalMs: 1 }), { ok: true });
  const started = Date.now();
  await assert.rejects(pollUntil('never', () => 0, { timeoutMs: 50, intervalMs: 10 }), /^Error: Timed out after 50 ms waiting for never; last value: 0$/);
  assert.ok(Date.now() - started < 1000, 'the timeout bounds the wait');
  await assert.rejects(pollUntil('failing', () => { throw new Error('broker down'); }, { timeoutMs: 30, intervalMs: 10 }), /waiting for failing; last error: broker down/);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 20);
  const aborted = Date.now();
  await assert.rejects(pollUntil('aborted', () => false, { timeoutMs: 10_000, intervalMs: 5_000, signal: ac.signal }), /waiting for aborted/);
  assert.ok(Date.now() - aborted < 2000, 'an abort ends the wait');
});
