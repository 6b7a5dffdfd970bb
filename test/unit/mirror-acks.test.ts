// How the mirror records acknowledged writes in its offset map: runs of a batch the target split for size land
// in their pieces, and records acknowledged without an offset (acks=0, a recognised duplicate) are never taken
// for records that were not mirrored — a translation through them may re-deliver, never skip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anchorUnknown, placeRuns } from '../../src/connectors/mirror/source-task.js';
import { OffsetMap } from '../../src/connectors/mirror/offset-map.js';

test('placeRuns: one segment maps every run by its index in the batch', () => {
  // Runs (upstream, index, length): 100..104 at index 0, then 110..114 at index 5 (an upstream gap).
  assert.deepEqual(placeRuns([100, 0, 5, 110, 5, 5], [{ baseOffset: 40, count: 10 }]), [100, 40, 5, 110, 45, 5]);
});

test('placeRuns: a batch split into pieces that are not contiguous downstream', () => {
  // 10 records, split 4 + 6; another producer wrote 3 records between the pieces (offsets 24..26).
  const segments = [{ baseOffset: 20, count: 4 }, { baseOffset: 27, count: 6 }];
  assert.deepEqual(placeRuns([100, 0, 10], segments), [100, 20, 4, 104, 27, 6]);
  // A run starting inside the second piece, and one crossing the boundary.
  assert.deepEqual(placeRuns([200, 2, 3, 300, 5, 5], segments), [200, 22, 2, 202, 27, 1, 300, 28, 5]);
});

test('placeRuns: a piece without an offset is reported as -1', () => {
  assert.deepEqual(placeRuns([100, 0, 6], [{ baseOffset: -1, count: 3 }, { baseOffset: 9, count: 3 }]), [100, -1, 3, 103, 9, 3]);
});

test('anchorUnknown: known offsets pass; unknown ones follow the last mirrored record; no anchor, no claim', () => {
  const map = new OffsetMap();
  assert.equal(anchorUnknown(map, 7), 7);
  assert.equal(anchorUnknown(map, -1), undefined, 'nothing mirrored yet: nothing to anchor on');
  map.recordMirroredRun(100, 50, 10); // upstream 100..109 → downstream 50..59
  assert.equal(anchorUnknown(map, -1), 60);
});

test('records acknowledged without an offset: translation never points past them (before the fix they counted as skipped)', () => {
  // True layout: upstream 0..9 → 0..9 (acked with offsets), 10..19 → 10..19 (acked without), 20..29 → 20..29.
  const map = new OffsetMap();
  map.recordMirroredRun(0, 0, 10);
  map.recordMirroredRun(10, anchorUnknown(map, -1)!, 10);
  map.recordMirroredRun(20, 20, 10);
  map.markProcessedUpTo(30);
  for (let g = 0; g <= 30; g++) {
    const t = map.translate(g);
    assert.ok(t !== undefined && t <= g, `translate(${g}) = ${String(t)} must not skip records ${g}..`);
  }
  // The old handling: records 10..19 recorded as skipped — a group at 12 would be moved to 20, skipping 12..19.
  const old = new OffsetMap();
  old.recordMirroredRun(0, 0, 10);
  for (let u = 10; u < 20; u++) old.recordSkipped(u);
  old.recordMirroredRun(20, 20, 10);
  assert.equal(old.translate(12), 20, 'the defect this guards against');
});

test('map snapshots stay under the size limit: the oldest runs go, later offsets still translate exactly', async () => {
  const { boundedMapSnapshot } = await import('../../src/connectors/mirror/source-task.js');
  const map = new OffsetMap();
  // One discontinuity per 3 offsets (e.g. a transaction marker after every 2 records): 60k runs.
  for (let i = 0; i < 60_000; i++) { map.recordMirroredRun(i * 3, i * 2, 2); }
  map.markProcessedUpTo(180_000);
  const full = boundedMapSnapshot('t', 0, map, Infinity);
  assert.equal(full.trimmedTo, undefined);
  const limit = Math.floor(full.value.length / 5);
  const bounded = boundedMapSnapshot('t', 0, map, limit);
  assert.ok(bounded.value.length <= limit, `${bounded.value.length} <= ${limit}`);
  assert.ok(bounded.trimmedTo !== undefined && bounded.trimmedTo > 0);
  // Recent offsets: exact; offsets before the new start: refused, never a wrong answer.
  assert.equal(map.translate(179_997), 119_998);
  assert.equal(map.translate(bounded.trimmedTo! - 3), undefined);
  // The snapshot round-trips.
  const restored = OffsetMap.fromBuffer(bounded.value);
  assert.equal(restored.translate(179_997), 119_998);
});
