// The record-by-record comparison behind `ferry verify`, over in-memory streams: every kind of difference is
// classified and named, the digests agree exactly when the data does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArrayStream, compareStreams, differingFields } from '../../src/mirror/ops/compare.js';
import type { InRecord } from '../../src/kafka/consumer.js';
import type { OffsetSegment } from '../../src/connectors/mirror/offset-map.js';

const rec = (offset: number, key: string, extra: Partial<InRecord> = {}): InRecord => ({
  topic: 't', partition: 0, offset, key: Buffer.from(key), value: Buffer.from(`value-${key}`), headers: [['h', Buffer.from('x')]], timestamp: 1_000 + offset, ...extra,
});
/** A mirrored copy: same content, another offset, plus Ferry's provenance header. */
const copy = (r: InRecord, offset: number): InRecord => ({ ...r, topic: 'a.t', offset, headers: [...r.headers, ['ferry.provenance', Buffer.from('a')]] });

const params = (runs: OffsetSegment[] | null, over: Partial<{ from: number; to: number; targetLow: number; compacted: boolean }> = {}) => ({
  from: 0, to: 10, targetLow: 0, runs, targetAlias: 'b', compacted: false, ...over,
});

test('identical copies through a 1:1 map match, with equal digests', async () => {
  const src = Array.from({ length: 10 }, (_, i) => rec(i, `k${i}`));
  const dst = src.map((r) => copy(r, r.offset));
  const res = await compareStreams(new ArrayStream(src), new ArrayStream(dst), params([{ upstream: 0, downstream: 0, length: 10 }]));
  assert.equal(res.matched, 10);
  assert.equal(res.sourceRecords, 10);
  assert.equal(res.targetRecords, 10);
  assert.equal(res.sourceSha256, res.targetSha256);
  assert.deepEqual([res.altered, res.missing, res.extra, res.duplicates, res.notMirrored], [0, 0, 0, 0, 0]);
});

test('offset shifts and gaps in the map are followed exactly', async () => {
  // Upstream 0..4 -> downstream 10..14; upstream 5 filtered; upstream 6..9 -> downstream 15..18.
  const src = Array.from({ length: 10 }, (_, i) => rec(i, `k${i}`, i === 5 ? { headers: [['drop', Buffer.from('1')]] } : {}));
  const dst = [...src.slice(0, 5).map((r, i) => copy(r, 10 + i)), ...src.slice(6).map((r, i) => copy(r, 15 + i))];
  const runs = [{ upstream: 0, downstream: 10, length: 5 }, { upstream: 6, downstream: 15, length: 4 }];
  const res = await compareStreams(new ArrayStream(src), new ArrayStream(dst), params(runs));
  assert.equal(res.matched, 9);
  assert.equal(res.notMirrored, 1);
  assert.equal(res.details.notMirrored[0]!.sourceOffset, 5);
  assert.equal(res.sourceSha256, res.targetSha256, 'digests cover what was mirrored');
});

test('altered, missing and extra records are named with offsets, keys and fields', async () => {
  const src = Array.from({ length: 6 }, (_, i) => rec(i, `k${i}`));
  const dst: InRecord[] = [
    copy(src[0]!, 0),
    { ...copy(src[1]!, 1), value: Buffer.from('changed') },
    // downstream 2 (upstream 2) is missing
    copy(src[3]!, 3),
    { ...rec(4, 'intruder'), topic: 'a.t' }, // produced directly to the target: shifts what follows
    copy(src[4]!, 5),
    { ...copy(src[5]!, 6), timestamp: 42 },
  ];
  const runs = [{ upstream: 0, downstream: 0, length: 4 }, { upstream: 4, downstream: 5, length: 2 }];
  const res = await compareStreams(new ArrayStream(src), new ArrayStream(dst), params(runs));
  assert.equal(res.altered, 2);
  assert.deepEqual(res.details.altered.map((r) => [r.sourceOffset, r.targetOffset, r.key, r.fields]), [[1, 1, 'k1', ['value']], [5, 6, 'k5', ['timestamp']]]);
  assert.equal(res.missing, 1);
  assert.deepEqual([res.details.missing[0]!.sourceOffset, res.details.missing[0]!.targetOffset], [2, 2]);
  assert.equal(res.extra, 1);
  assert.deepEqual([res.details.extra[0]!.targetOffset, res.details.extra[0]!.key], [4, 'intruder']);
  assert.notEqual(res.sourceSha256, res.targetSha256);
});

test('copies re-sent after a mirror crash are recognised as duplicates', async () => {
  // Upstream 0..4 copied to 0..4; the mirror crashed after copying 3..4 but before its map knew, restarted at 3
  // and copied 3..4 again to 5..6. The map: run 0..2 -> 0..2, run 3..4 -> 5..6.
  const src = Array.from({ length: 5 }, (_, i) => rec(i, `k${i}`));
  const dst = [...src.map((r) => copy(r, r.offset)), copy(src[3]!, 5), copy(src[4]!, 6)];
  const runs = [{ upstream: 0, downstream: 0, length: 3 }, { upstream: 3, downstream: 5, length: 2 }];
  const res = await compareStreams(new ArrayStream(src), new ArrayStream(dst), params(runs, { to: 5 }));
  assert.equal(res.matched, 5);
  assert.equal(res.extra, 0);
  assert.equal(res.duplicates, 2);
  assert.deepEqual(res.details.duplicates.map((d) => [d.targetOffset, d.sourceOffset]), [[3, 3], [4, 4]]);
});

test('records below the target log start are missing "deleted on the target"; loop-prevented records are expected', async () => {
  const src = [rec(0, 'k0'), rec(1, 'k1'), rec(2, 'from-b', { headers: [['ferry.provenance', Buffer.from('b')]] }), rec(3, 'k3')];
  const dst = [copy(src[1]!, 1), copy(src[3]!, 2)];
  const runs = [{ upstream: 0, downstream: 0, length: 2 }, { upstream: 3, downstream: 2, length: 1 }];
  const res = await compareStreams(new ArrayStream(src), new ArrayStream(dst), params(runs, { to: 4, targetLow: 1 }));
  assert.equal(res.missing, 1);
  assert.match(res.details.missing[0]!.reason!, /deleted on the target \(its log starts at 1\)/);
  assert.equal(res.loopPrevented, 1);
  assert.equal(res.notMirrored, 0);
  assert.equal(res.matched, 2);
});

test('compacted topics: records compacted away on one side only are not differences', async () => {
  const src = [rec(0, 'k0'), rec(2, 'k2'), rec(3, 'k3')]; // offset 1 compacted on the source after mirroring
  const dst = [copy(src[0]!, 0), copy(rec(1, 'k1'), 1), copy(src[2]!, 3)]; // offset 2 compacted on the target
  const runs = [{ upstream: 0, downstream: 0, length: 4 }];
  const res = await compareStreams(new ArrayStream(src), new ArrayStream(dst), params(runs, { to: 4, compacted: true }));
  assert.equal(res.compactedOnSource, 1);
  assert.equal(res.compactedOnTarget, 1);
  assert.deepEqual([res.altered, res.missing, res.extra], [0, 0, 0]);
});

test('without an offset map records are paired in order', async () => {
  const src = [rec(5, 'a'), rec(6, 'b'), rec(7, 'c')];
  const dst = [copy(src[0]!, 0), copy(src[1]!, 1)];
  const res = await compareStreams(new ArrayStream(src), new ArrayStream(dst), params(null, { from: 5, to: 8 }));
  assert.equal(res.matched, 2);
  assert.equal(res.missing, 1);
});

test('differingFields ignores only the provenance header', () => {
  const a = rec(0, 'k');
  assert.deepEqual(differingFields(a, copy(a, 9)), []);
  assert.deepEqual(differingFields(a, { ...a, headers: [['h', Buffer.from('y')]] }), ['headers']);
  assert.deepEqual(differingFields(a, { ...a, key: null }), ['key']);
});
