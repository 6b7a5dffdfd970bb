// OffsetMap.recordMirroredRun (the byte path's per-run ack) gives the same map and the same sync stream as
// recordMirrored for each record of the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OffsetMap } from '../../src/connectors/mirror/offset-map.js';

test('recordMirroredRun equals recordMirrored per record', () => {
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 48271) % 2147483647; return seed % n; };
  for (let iter = 0; iter < 200; iter++) {
    const a = new OffsetMap(true);
    const b = new OffsetMap(true);
    let u = rnd(100), d = rnd(100);
    for (let r = 0; r < 30; r++) {
      const n = 1 + rnd(20);
      const qa = a.recordMirroredRun(u, d, n);
      let qb = false;
      for (let k = 0; k < n; k++) qb = b.recordMirrored(u + k, d + k) || qb;
      assert.equal(qa, qb);
      const kind = rnd(6);
      u += n + (kind === 0 ? 1 + rnd(5) : 0);
      d += n + (kind === 1 ? 1 + rnd(5) : 0);
      if (kind === 2) { a.markProcessedUpTo(u + 3); b.markProcessedUpTo(u + 3); u += 3; }
      if (kind === 3) { u -= rnd(5); } // rewind
      if (kind === 4 && rnd(4) === 0) { d = Math.max(0, d - 50); } // truncated target
      if (rnd(3) === 0) { a.flushHead(); b.flushHead(); }
      assert.deepEqual(a.drainSyncs(), b.drainSyncs());
      assert.deepEqual(a.state(), b.state());
    }
  }
});
