// Moving group offsets between clusters: forward through exact maps, from checkpoints, and backwards (failback).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OffsetMap, topicPartitionKey } from '../../src/connectors/mirror/offset-map.js';
import { translateForward, translateGroupForward, translateGroupFromCheckpoints, translateInverse } from '../../src/mirror/ops/translate.js';

/** Upstream 0..9 -> 100..109, 10..14 filtered, 15..19 -> 110..114, processed up to 22. */
function sampleMap(): OffsetMap {
  const m = new OffsetMap(false);
  for (let u = 0; u < 10; u++) m.recordMirrored(u, 100 + u);
  for (let u = 10; u < 15; u++) m.recordSkipped(u);
  for (let u = 15; u < 20; u++) m.recordMirrored(u, 110 + (u - 15));
  m.markProcessedUpTo(22);
  return m;
}

test('forward: exact inside runs, gaps and at the end; inexact ahead of the mirror', () => {
  const m = sampleMap();
  assert.deepEqual(translateForward(m, 4), { toOffset: 104, exact: true, redelivered: 0, notMirrored: 0 });
  assert.deepEqual(translateForward(m, 12), { toOffset: 110, exact: true, redelivered: 0, notMirrored: 0 });
  assert.deepEqual(translateForward(m, 21), { toOffset: 115, exact: true, redelivered: 0, notMirrored: 0 });
  const ahead = translateForward(m, 30);
  assert.ok(!('reason' in ahead) && !ahead.exact && ahead.toOffset === 115 && ahead.redelivered === 8);
  assert.ok('reason' in translateForward(undefined, 3));
});

test('inverse: a position on the target maps to the position after the last mirrored record consumed', () => {
  const m = sampleMap();
  assert.deepEqual(translateInverse(m, 104), { toOffset: 4, exact: true, notMirrored: 0 });
  // Consumed all of the first run: resume at 10 on the source; 10..14 were never mirrored (filtered), so they
  // are delivered after failback rather than skipped.
  assert.deepEqual(translateInverse(m, 110), { toOffset: 10, exact: false, notMirrored: 5 });
  assert.deepEqual(translateInverse(m, 112), { toOffset: 17, exact: true, notMirrored: 0 });
  // Consumed everything mirrored: 20..21 were processed but not mirrored.
  assert.deepEqual(translateInverse(m, 115), { toOffset: 20, exact: false, notMirrored: 2 });
  // Nothing consumed yet.
  assert.deepEqual(translateInverse(m, 100), { toOffset: 0, exact: true, notMirrored: 0 });
  assert.deepEqual(translateInverse(m, 50), { toOffset: 0, exact: true, notMirrored: 0 });
});

test('inverse after forward never skips: identity, except that a gap before a run is delivered again', () => {
  const m = sampleMap();
  for (const [g, want] of [[0, 0], [3, 3], [9, 9], [15, 10], [18, 18]] as const) {
    const f = translateForward(m, g);
    assert.ok(!('reason' in f));
    const back = translateInverse(m, f.toOffset);
    assert.ok(!('reason' in back));
    assert.equal(back.toOffset, want, `upstream ${g}`);
    assert.ok(back.toOffset <= g);
  }
});

test('a group is translated per partition; untranslatable partitions fall back to checkpoints or are reported', () => {
  const maps = new Map([[topicPartitionKey('orders', 0), sampleMap()]]);
  const r = translateGroupForward('g', [{ topic: 'orders', partition: 0, offset: 5 }, { topic: 'orders', partition: 1, offset: 7 }, { topic: 'orders', partition: 2, offset: 9 }],
    maps, (t) => `a.${t}`, (t, p) => (p === 2 ? { upstreamOffset: 8, downstreamOffset: 58, timestamp: 0 } : undefined));
  assert.deepEqual(r.moved.map((x) => [x.toTopic, x.partition, x.toOffset, x.exact, x.via]), [['a.orders', 0, 105, true, 'offset-map'], ['a.orders', 2, 58, false, 'checkpoint']]);
  assert.equal(r.moved[1]!.redelivered, 1);
  assert.deepEqual(r.untranslatable.map((u) => [u.partition, u.offset]), [[1, 7]]);
});

test('checkpoints are re-translated through the map when it is readable', () => {
  const maps = new Map([[topicPartitionKey('orders', 0), sampleMap()]]);
  const cps = [{ group: 'g', topic: 'a.orders', partition: 0, upstreamOffset: 12, downstreamOffset: 105, timestamp: Date.now() - 4000 }];
  const withMap = translateGroupFromCheckpoints('g', cps, maps, (t) => t.slice(2));
  assert.equal(withMap[0]!.toOffset, 110);
  assert.equal(withMap[0]!.via, 'checkpoint+offset-map');
  const without = translateGroupFromCheckpoints('g', cps, null, (t) => t.slice(2));
  assert.equal(without[0]!.toOffset, 105);
  assert.match(without[0]!.note!, /checkpoint 4 s old/);
});
