import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Mm2OffsetSyncStore, OffsetMap, type SyncPoint, type Translation } from '../../src/connectors/mirror/index.js';
import { seededRandom } from '../../bench/lib/stats.js';

// ------------------------------------------------------------------------------------------------ helpers

/**
 * Brute force: the list of (upstream, downstream) pairs the mirror produced, newest copies winning after a
 * rewind, plus how far the mirror processed. T(g) = downstream of the first pair with upstream ≥ g.
 */
class Model {
  pairs: { u: number; d: number }[] = [];
  last: { u: number; d: number } | undefined;
  pos: number | undefined;
  start: number | undefined;

  mirrored(u: number, d: number): void {
    if (this.start !== undefined && u < this.start) this.start = u; // the record exists after all
    if (!this.last) {
      this.start = this.start === undefined ? u : Math.min(this.start, u);
      this.pairs.push({ u, d });
    } else if (d <= this.last.d) {
      this.pairs = [{ u, d }];
      this.start = u;
    } else if (u <= this.last.u) {
      this.pairs = this.pairs.filter((p) => p.u < u);
      if (this.pairs.length === 0) this.start = this.start === undefined ? u : Math.min(this.start, u);
      this.pairs.push({ u, d });
    } else {
      this.pairs.push({ u, d });
    }
    this.last = { u, d };
    this.pos = u + 1;
  }
  skipped(u: number): void {
    if (this.pos === undefined || u >= this.pos) this.pos = u + 1;
  }
  processed(p: number): void {
    if (this.pos === undefined || p > this.pos) this.pos = p;
  }
  truncateBefore(x: number): void {
    if (this.start !== undefined && x <= this.start) return;
    if (!this.last) return;
    this.pairs = this.pairs.filter((p) => p.u >= x);
    this.start = x;
  }
  expected(g: number): Translation | undefined {
    if (!this.last) return undefined;
    if (this.start !== undefined && g < this.start) return { kind: 'before-start', downstreamOffset: this.pairs[0]?.d ?? this.last.d + 1, exact: false };
    const p = this.pairs.find((x) => x.u >= g);
    if (p) return { kind: p.u === g ? 'exact' : 'gap', downstreamOffset: p.d, exact: true };
    const next = this.last.d + 1;
    return this.pos !== undefined && g <= this.pos ? { kind: 'end', downstreamOffset: next, exact: true } : { kind: 'ahead', downstreamOffset: next, exact: false };
  }
}

interface Scenario {
  rewinds?: boolean;
  resets?: boolean;
  truncations?: boolean;
  outOfOrderSkips?: boolean;
  /** The writer is snapshotted and restored (a task restart that reloads its persisted map). */
  snapshots?: boolean;
}

/** Drives writer, model and a streaming reader with a random history; returns all three plus every sync. */
function run(seed: number, steps: number, sc: Scenario = {}) {
  const r = seededRandom(seed);
  let writer = new OffsetMap();
  const reader = new OffsetMap(false);
  const model = new Model();
  const syncs: SyncPoint[] = [];
  let u = Math.floor(r() * 1000);
  let d = Math.floor(r() * 1000);
  const pump = (): void => {
    for (const s of writer.drainSyncs()) {
      syncs.push(s);
      reader.applySync(s);
    }
  };
  for (let i = 0; i < steps; i++) {
    const x = r();
    if (x < 0.55) {
      // mirrored, sometimes after a downstream gap (local writes, target transaction markers)
      if (r() < 0.15) d += 1 + Math.floor(r() * 4);
      writer.recordMirrored(u, d);
      model.mirrored(u, d);
      u++;
      d++;
    } else if (x < 0.7) {
      writer.recordSkipped(u); // filtered
      model.skipped(u);
      u++;
    } else if (x < 0.8) {
      u += 1 + Math.floor(r() * 5); // compacted away / transaction markers: never seen
    } else if (x < 0.85) {
      writer.markProcessedUpTo(u);
      model.processed(u);
    } else if (x < 0.92) {
      writer.flushHead();
    } else if (sc.rewinds && x < 0.95 && model.last) {
      u = Math.max(0, model.last.u - Math.floor(r() * 20)); // task restart from an older committed offset
    } else if (sc.resets && x < 0.96 && model.last) {
      d = Math.max(0, model.last.d - Math.floor(r() * 50)); // target truncated / re-created
    } else if (sc.truncations && x < 0.98 && model.last) {
      const t = (model.start ?? 0) + Math.floor(r() * (u - (model.start ?? 0) + 3));
      writer.truncateBefore(t);
      reader.truncateBefore(t);
      model.truncateBefore(t);
      if (u < t) u = t; // the mirror's consumer resets to the new log start
    } else if (sc.snapshots && x < 0.985) {
      pump();
      writer = r() < 0.5 ? OffsetMap.fromBuffer(writer.toBuffer()) : OffsetMap.fromJSON(JSON.parse(JSON.stringify(writer)));
    } else if (sc.outOfOrderSkips && x < 0.99) {
      const ahead = u + 1 + Math.floor(r() * 3);
      writer.recordSkipped(ahead); // a skip reported before earlier records were acked
      model.skipped(ahead);
    }
    pump();
  }
  writer.flushHead();
  pump();
  return { writer, reader, model, syncs, lo: Math.max(0, (model.start ?? 0) - 5), hi: u + 5 };
}

// ------------------------------------------------------------------------------------------------ examples

describe('OffsetMap translation cases', () => {
  // upstream:   10 11 12 13 14 15 16 17 18 19 20
  // mirrored:    0  1  2  -  -  5  6  -  -  -  -      (13,14 filtered; 17..19 compacted; 20 processed only)
  // downstream: 100 101 102      103 107               (downstream jump before 16)
  function build(): OffsetMap {
    const m = new OffsetMap();
    assert.equal(m.recordMirrored(10, 100), true, 'first record is a sync point');
    assert.equal(m.recordMirrored(11, 101), false);
    assert.equal(m.recordMirrored(12, 102), false);
    m.recordSkipped(13);
    m.recordSkipped(14);
    assert.equal(m.recordMirrored(15, 103), true, 'upstream gap');
    assert.equal(m.recordMirrored(16, 107), true, 'downstream jump');
    m.markProcessedUpTo(20);
    return m;
  }

  it('answers each documented case', () => {
    const m = build();
    const t = (g: number) => m.translateDetailed(g);
    assert.deepEqual(t(9), { kind: 'before-start', downstreamOffset: 100, exact: false });
    assert.deepEqual(t(10), { kind: 'exact', downstreamOffset: 100, exact: true });
    assert.deepEqual(t(12), { kind: 'exact', downstreamOffset: 102, exact: true });
    assert.deepEqual(t(13), { kind: 'gap', downstreamOffset: 103, exact: true }, 'a filtered record: the next mirrored one');
    assert.deepEqual(t(14), { kind: 'gap', downstreamOffset: 103, exact: true });
    assert.deepEqual(t(15), { kind: 'exact', downstreamOffset: 103, exact: true });
    assert.deepEqual(t(16), { kind: 'exact', downstreamOffset: 107, exact: true });
    assert.deepEqual(t(17), { kind: 'end', downstreamOffset: 108, exact: true }, 'last + 1');
    assert.deepEqual(t(20), { kind: 'end', downstreamOffset: 108, exact: true }, 'processed up to 20: nothing follows');
    assert.deepEqual(t(21), { kind: 'ahead', downstreamOffset: 108, exact: false }, 'mirror has not processed 20 yet');
    assert.equal(m.translate(9), undefined);
    assert.equal(m.translate(21), undefined);
    assert.equal(m.translate(13), 103);
    assert.deepEqual(m.segments(), [
      { upstream: 10, downstream: 100, length: 3 },
      { upstream: 15, downstream: 103, length: 1 },
      { upstream: 16, downstream: 107, length: 1 },
    ]);
  });

  it('treats a same-size gap on both sides as a discontinuity (a gap is never translated into itself)', () => {
    const m = new OffsetMap();
    m.recordMirrored(0, 0);
    assert.equal(m.recordMirrored(2, 2), true);
    assert.equal(m.translate(1), 2, 'offset 1 was never mirrored: the next mirrored record is at 2');
    assert.deepEqual(m.drainSyncs(), [
      { upstreamOffset: 0, downstreamOffset: 0 },
      { upstreamOffset: 2, downstreamOffset: 0 }, // G: the run ended at downstream 0, upstream < 2 processed
      { upstreamOffset: 2, downstreamOffset: 2 },
    ]);
  });

  it('is empty until something is mirrored', () => {
    const m = new OffsetMap();
    m.recordSkipped(5);
    assert.equal(m.translateDetailed(5), undefined);
    assert.equal(m.isEmpty, true);
  });

  it('handles an upstream rewind: newest copies win from the rewind point', () => {
    const m = new OffsetMap();
    for (let u = 0; u < 10; u++) m.recordMirrored(u, u);
    assert.equal(m.recordMirrored(5, 10), true);
    m.recordMirrored(6, 11);
    assert.equal(m.translate(4), 4);
    assert.equal(m.translate(5), 10);
    assert.equal(m.translate(6), 11);
    assert.equal(m.translate(7), 12, 'processed only up to 6 after the rewind: 7 is the end');
    assert.equal(m.translate(8), undefined, 'ahead of the re-delivery');
  });

  it('handles a truncated target: everything before is void', () => {
    const m = new OffsetMap();
    for (let u = 0; u < 10; u++) m.recordMirrored(u, 100 + u);
    assert.equal(m.recordMirrored(10, 3), true);
    assert.equal(m.translate(10), 3);
    assert.equal(m.translate(5), undefined, 'before the new start');
    const syncs = m.drainSyncs();
    assert.deepEqual(syncs.slice(-2), [{ upstreamOffset: 0, downstreamOffset: -1 }, { upstreamOffset: 10, downstreamOffset: 3 }]);
  });

  it('truncateBefore trims runs and keeps an anchor for the end', () => {
    const m = new OffsetMap();
    for (let u = 0; u < 10; u++) m.recordMirrored(u, u);
    m.recordMirrored(20, 10);
    m.truncateBefore(5);
    assert.deepEqual(m.segments(), [{ upstream: 5, downstream: 5, length: 5 }, { upstream: 20, downstream: 10, length: 1 }]);
    assert.equal(m.translate(4), undefined);
    assert.equal(m.translate(12), 10);
    m.truncateBefore(100);
    assert.deepEqual(m.segments(), []);
    assert.equal(m.size, 1, 'one zero-length anchor');
    assert.deepEqual(m.translateDetailed(100), { kind: 'ahead', downstreamOffset: 11, exact: false }, 'the mirror has not processed 20..99');
    m.markProcessedUpTo(100);
    assert.deepEqual(m.translateDetailed(100), { kind: 'end', downstreamOffset: 11, exact: true });
    assert.equal(m.recordMirrored(100, 11), true);
    assert.equal(m.translate(100), 11);
    assert.equal(m.translate(101), 12);
  });

  it('validates its inputs', () => {
    const m = new OffsetMap();
    assert.throws(() => m.recordMirrored(-1, 0), RangeError);
    assert.throws(() => m.recordMirrored(0, 1.5), RangeError);
    assert.throws(() => m.applySync({ upstreamOffset: 0, downstreamOffset: -2 }), RangeError);
  });

  it('uses memory proportional to discontinuities only', () => {
    const m = new OffsetMap();
    for (let u = 0; u < 100_000; u++) m.recordMirrored(u, u + 7);
    assert.equal(m.size, 1);
    for (let u = 100_001; u < 200_000; u += 2) m.recordMirrored(u, 100_007 + (u - 100_001) / 2); // every other record filtered
    assert.equal(m.size, 50_001);
    assert.ok(m.toBuffer().length < 50_001 * 4, 'compact encoding');
  });
});

describe('OffsetMap sync stream', () => {
  it('emits syncs only at discontinuities and on flush', () => {
    const m = new OffsetMap();
    for (let u = 0; u < 1000; u++) m.recordMirrored(u, u);
    assert.deepEqual(m.drainSyncs(), [{ upstreamOffset: 0, downstreamOffset: 0 }]);
    assert.equal(m.flushHead(), true);
    assert.deepEqual(m.drainSyncs(), [{ upstreamOffset: 999, downstreamOffset: 999 }]);
    assert.equal(m.flushHead(), false, 'nothing new');
    m.recordSkipped(1000);
    m.markProcessedUpTo(1005);
    assert.equal(m.flushHead(), true);
    assert.deepEqual(m.drainSyncs(), [{ upstreamOffset: 1005, downstreamOffset: 999 }], 'G: processed to 1005');
    m.recordMirrored(1005, 1000);
    assert.deepEqual(m.drainSyncs(), [{ upstreamOffset: 1005, downstreamOffset: 1000 }], 'gap already announced: S only');
  });

  it('a reader rebuilds the exact map', () => {
    const w = new OffsetMap();
    w.recordMirrored(10, 100);
    w.recordMirrored(11, 101);
    w.recordSkipped(12);
    w.recordMirrored(13, 102);
    w.recordMirrored(14, 110);
    w.recordMirrored(15, 111);
    w.flushHead();
    const m = OffsetMap.loadFromSyncs(w.drainSyncs());
    assert.deepEqual(m.state(), w.state());
    for (let g = 10; g <= 17; g++) assert.deepEqual(m.translateDetailed(g), w.translateDetailed(g), `g=${g}`);
  });

  it('ignores duplicate, replayed and stale points', () => {
    const stream = [
      { upstreamOffset: 0, downstreamOffset: 0 },
      { upstreamOffset: 5, downstreamOffset: 5 },
      { upstreamOffset: 8, downstreamOffset: 5 }, // G: 6, 7 not mirrored
      { upstreamOffset: 8, downstreamOffset: 6 },
      { upstreamOffset: 9, downstreamOffset: 7 },
    ];
    const m = OffsetMap.loadFromSyncs(stream);
    const once = m.state();
    for (const s of stream) m.applySync(s); // the whole topic read again
    m.applySync({ upstreamOffset: 5, downstreamOffset: 5 });
    assert.deepEqual(m.state(), once);
    assert.deepEqual(once.segments, [{ upstream: 0, downstream: 0, length: 6 }, { upstream: 8, downstream: 6, length: 2 }]);
    m.applySync({ upstreamOffset: 0, downstreamOffset: -1 }); // reset marker
    m.applySync({ upstreamOffset: 20, downstreamOffset: 2 });
    assert.deepEqual(m.segments(), [{ upstream: 20, downstream: 2, length: 1 }]);
    assert.equal(m.translate(3), undefined, 'older offsets are not guessed');
  });

  it('a writer restored from an older snapshot does not disturb readers', () => {
    const w = new OffsetMap();
    for (let u = 0; u < 10; u++) w.recordMirrored(u, u);
    w.flushHead();
    const snapshot = w.toBuffer();
    for (let u = 10; u < 20; u++) w.recordMirrored(u, u);
    w.flushHead();
    const reader = OffsetMap.loadFromSyncs(w.drainSyncs());
    const restored = OffsetMap.fromBuffer(snapshot);
    restored.flushHead(); // re-sends its (older) head: stale for the reader
    for (let u = 10; u < 13; u++) restored.recordMirrored(u, u + 10); // the task re-delivers from its committed offset
    restored.flushHead();
    for (const s of restored.drainSyncs()) reader.applySync(s);
    assert.deepEqual(reader.state(), restored.state());
    assert.equal(reader.translate(5), 5);
    assert.equal(reader.translate(10), 20, 'the newest copies win');
    assert.equal(reader.translate(13), 23);
  });
});

describe('OffsetMap persistence', () => {
  it('round-trips through Buffer and JSON', () => {
    const { writer } = run(7, 3000, { truncations: true });
    const b = writer.toBuffer();
    const fromB = OffsetMap.fromBuffer(b);
    const fromJ = OffsetMap.fromJSON(JSON.parse(JSON.stringify(writer)));
    assert.deepEqual(fromB.state(), writer.state());
    assert.deepEqual(fromJ.state(), writer.state());
    assert.deepEqual(fromB.toBuffer(), b);
  });

  it('rejects corrupt snapshots', () => {
    const m = new OffsetMap();
    m.recordMirrored(1, 1);
    m.recordMirrored(5, 2);
    const b = m.toBuffer();
    assert.throws(() => OffsetMap.fromBuffer(b.subarray(0, b.length - 1)), /truncated/);
    assert.throws(() => OffsetMap.fromBuffer(Buffer.concat([b, Buffer.from([0])])), /trailing/);
    assert.throws(() => OffsetMap.fromBuffer(Buffer.from('xx')), /magic/);
    assert.throws(() => OffsetMap.fromJSON({ v: 1, segments: [[5, 5, 2], [6, 9, 1]] }), /overlaps/);
    assert.throws(() => OffsetMap.fromJSON({ v: 2, segments: [] }), /version/);
  });

  it('normalises adjacent runs with the same delta when loading', () => {
    const m = OffsetMap.fromJSON({ v: 1, segments: [[0, 10, 5], [5, 15, 5]] });
    assert.deepEqual(m.segments(), [{ upstream: 0, downstream: 10, length: 10 }]);
  });
});

// ------------------------------------------------------------------------------------------------ properties

function checkAgainstModel(seed: number, steps: number, sc: Scenario): void {
  const { writer, reader, model, syncs, lo, hi } = run(seed, steps, sc);
  const mm2 = new Mm2OffsetSyncStore();
  mm2.markReadToEnd();
  for (const s of syncs) mm2.handleSync({ topic: 't', partition: 0, ...s });
  for (let g = lo; g <= hi; g++) {
    const want = model.expected(g);
    assert.deepEqual(writer.translateDetailed(g), want, `seed ${seed} g=${g}: writer vs brute force`);
    if (reader.startOffset !== undefined && g >= reader.startOffset) {
      assert.deepEqual(reader.translateDetailed(g), want, `seed ${seed} g=${g}: reader (from ${syncs.length} syncs) vs brute force`);
    }
    // Ferry's sync points are safe for an Apache MM2 reader: its +1 rule never lands after the exact answer.
    if (want && want.kind !== 'before-start') {
      const got = mm2.translateDownstream('t', 0, g);
      if (got !== undefined && got >= 0) assert.ok(got <= want.downstreamOffset, `seed ${seed} g=${g}: MM2 reading Ferry syncs overshoots (${got} > ${want.downstreamOffset})`);
    }
  }
  assert.equal(reader.processedUpTo, writer.processedUpTo, `seed ${seed}: reader position`);
  if (!sc.truncations) assert.deepEqual(reader.state(), writer.state(), `seed ${seed}: reader state`);
  const back = OffsetMap.fromBuffer(writer.toBuffer());
  for (let g = lo; g <= hi; g += 7) assert.deepEqual(back.translateDetailed(g), writer.translateDetailed(g));
}

describe('OffsetMap properties (random gaps, filters, jumps)', () => {
  it('translates exactly like the brute-force model; readers of the sync stream agree', () => {
    for (let seed = 1; seed <= 150; seed++) checkAgainstModel(seed, 400, {});
  });

  it('still agrees with rewinds (task restarts) and truncated targets', () => {
    for (let seed = 1000; seed < 1150; seed++) checkAgainstModel(seed, 400, { rewinds: true, resets: true });
  });

  it('still agrees with source log truncation and out-of-order skip reports', () => {
    for (let seed = 2000; seed < 2150; seed++) checkAgainstModel(seed, 400, { truncations: true, outOfOrderSkips: true, rewinds: true });
  });

  it('still agrees when the writer is restored from snapshots mid-stream', () => {
    for (let seed = 4000; seed < 4150; seed++) checkAgainstModel(seed, 400, { snapshots: true, rewinds: true, truncations: true });
    for (let seed = 4500; seed < 4600; seed++) checkAgainstModel(seed, 1200, { snapshots: true, rewinds: true, resets: true, outOfOrderSkips: true });
    checkAgainstModel(81907, 1200, { snapshots: true, rewinds: true, resets: true }); // once found a contiguous record sent silently after a restore
  });

  it('never skips and never re-delivers a mirrored record for any committed offset', () => {
    // Consumer-level statement of exactness: starting the target consumer at translate(g) yields, among mirrored
    // records, exactly those with upstream ≥ g, in order.
    for (let seed = 3000; seed < 3060; seed++) {
      const { writer, model, lo, hi } = run(seed, 300, {});
      const byDownstream = [...model.pairs].sort((a, b) => a.d - b.d);
      for (let g = lo; g <= hi; g++) {
        const t = writer.translate(g);
        if (t === undefined) continue;
        const delivered = byDownstream.filter((p) => p.d >= t).map((p) => p.u);
        const expected = model.pairs.filter((p) => p.u >= g).map((p) => p.u);
        assert.deepEqual(delivered, expected, `seed ${seed} g=${g}`);
      }
    }
  });
});
