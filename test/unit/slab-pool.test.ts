// SlabPool: power-of-two slabs for large output batches, reused once given back, bounded in what it keeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlabPool } from '../../src/kafka/slab-pool.js';

test('slabs: smallest power of two from 64 KiB that fits; small and oversized requests get none', () => {
  const pool = new SlabPool(1_000_000, 8 << 20);
  assert.equal(pool.take(1000), null, 'small batches are allocated as usual');
  assert.equal(pool.take(40_000)?.length, 64 * 1024);
  assert.equal(pool.take(65_537)?.length, 128 * 1024);
  assert.equal(pool.take(1_000_000)?.length, 1 << 20);
  assert.equal(pool.take((1 << 20) + 1), null, 'above the largest batch: none');
});

test('a slab given back is the one taken next for its size; free slabs stay within retainBytes', () => {
  const pool = new SlabPool(1 << 20, 256 * 1024);
  const a = pool.take(100_000)!;
  const b = pool.take(100_000)!;
  const c = pool.take(100_000)!;
  assert.notEqual(a, b);
  pool.give(a);
  pool.give(b);
  pool.give(c); // 3 × 128 KiB > 256 KiB: not kept
  assert.equal(pool.retainedBytes, 256 * 1024);
  const again = pool.take(70_000)!;
  assert.ok(again === a || again === b, 'reused');
  assert.equal(pool.retainedBytes, 128 * 1024);
  pool.give(Buffer.alloc(100_000)); // not a slab size: ignored
  assert.equal(pool.retainedBytes, 128 * 1024);
});
