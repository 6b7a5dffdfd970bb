import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Mm2OffsetSyncEmitter, Mm2OffsetSyncStore, Mm2PartitionSyncState, OffsetMap } from '../../src/connectors/mirror/index.js';

const sync = (u: number, d: number, topic = 't', partition = 0) => ({ topic, partition, upstreamOffset: u, downstreamOffset: d });

describe('Mm2OffsetSyncStore', () => {
  it('reproduces the reference worked example (OffsetSyncStoreTest.testPastOffsetTranslation)', () => {
    const store = new Mm2OffsetSyncStore();
    let offset = 0;
    for (; offset <= 1000; offset += 10) store.handleSync(sync(offset, offset));
    store.markReadToEnd();
    assert.equal(store.translateDownstream('t', 0, 1000), 1000, 'only the latest startup sync survives the initial read');
    assert.equal(store.translateDownstream('t', 0, 999), -1);
    for (; offset <= 10000; offset += 10) store.handleSync(sync(offset, offset));
    assert.deepEqual(store.retainedUpstreamOffsets('t', 0), [1000, 4840, 6760, 8680, 9160, 9640, 9880, 9940, 9970, 9990, 10000]);
    assert.equal(store.translateDownstream('t', 0, 4839), 1001);
    assert.equal(store.translateDownstream('t', 0, 9989), 9971);
    assert.equal(store.translateDownstream('t', 0, 1000), 1000);
    assert.equal(store.translateDownstream('t', 0, 999), -1, 'too far in the past');
  });

  it('applies the +1 rule', () => {
    const store = new Mm2OffsetSyncStore();
    store.markReadToEnd();
    store.handleSync(sync(100, 50));
    assert.equal(store.translateDownstream('t', 0, 100), 50, 'exactly on the sync');
    assert.equal(store.translateDownstream('t', 0, 150), 51, 'past the sync: one past it');
    assert.equal(store.translateDownstream('t', 0, 99), -1);
  });

  it('refuses to translate before the initial read or for unknown partitions', () => {
    const store = new Mm2OffsetSyncStore();
    store.handleSync(sync(1, 1));
    assert.equal(store.translateDownstream('t', 0, 1), undefined);
    store.markReadToEnd();
    assert.equal(store.readToEnd, true);
    assert.equal(store.translateDownstream('t', 1, 1), undefined);
    assert.equal(store.translateDownstream('other', 0, 1), undefined);
  });

  it('keeps history during the initial read when previous checkpoints were loaded (KAFKA-15905)', () => {
    const store = new Mm2OffsetSyncStore({ keepHistoryDuringLoad: true });
    for (let o = 0; o <= 1000; o += 10) store.handleSync(sync(o, o));
    store.markReadToEnd();
    assert.ok(store.retainedUpstreamOffsets('t', 0).length > 5);
    assert.equal(store.translateDownstream('t', 0, 999), 991, 'the sync at 990 was kept');
  });

  it('clears the history on an upstream rewind', () => {
    const store = new Mm2OffsetSyncStore();
    store.markReadToEnd();
    for (let o = 100; o <= 200; o += 10) store.handleSync(sync(o, o));
    store.handleSync(sync(50, 300));
    assert.deepEqual(store.retainedUpstreamOffsets('t', 0), [50]);
    assert.equal(store.translateDownstream('t', 0, 150), 301);
  });

  it('keeps invariants B and C for arbitrary sync spacing', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const store = new Mm2OffsetSyncStore();
    store.markReadToEnd();
    let u = 0;
    for (let n = 0; n < 5000; n++) {
      u += 1 + Math.floor(rand() ** 3 * 5000);
      store.handleSync(sync(u, u));
      const h = store.history('t', 0).map((s) => s.upstreamOffset);
      assert.equal(h[0], u, 'invariant A');
      for (let i = 0; i < h.length; i++) {
        for (let j = i + 1; j < h.length; j++) {
          if (h[i] === h[j]) continue; // same sync in both slots
          assert.ok(h[i]! <= h[j]! + 2 ** j - 2 ** i, `B violated at ${i},${j}`);
          assert.ok(h[i]! >= h[j]! + 2 ** Math.max(i - 2, 0), `C violated at ${i},${j}`);
        }
      }
    }
  });
});

describe('Mm2PartitionSyncState', () => {
  it('is due on the first record, gaps, staleness and truncation', () => {
    const st = new Mm2PartitionSyncState(100);
    assert.equal(st.update(0, 0), true, 'first record this lifetime');
    st.reset();
    assert.equal(st.update(1, 1), false);
    assert.equal(st.update(3, 2), true, 'upstream skipped');
    st.reset();
    for (let i = 4; i < 102; i++) assert.equal(st.update(i, i - 1), false, `record ${i}`);
    assert.equal(st.update(102, 101), false);
    assert.equal(st.update(103, 102), false);
    assert.equal(st.update(104, 103), true, 'downstream - (lastSync + 1) >= offset.lag.max');
    st.reset();
    assert.equal(st.update(105, 50), true, 'downstream truncated');
    assert.equal(st.update(106, 51), true, 'stays due until reset');
  });
});

describe('Mm2OffsetSyncEmitter', () => {
  it('sends due syncs at once and the others on commit', () => {
    const em = new Mm2OffsetSyncEmitter(100);
    em.recordCommitted('t', 0, 0, 0);
    em.recordCommitted('t', 0, 1, 1);
    em.recordCommitted('t', 0, 2, 2);
    assert.deepEqual(em.drainPending(), [sync(0, 0)]);
    assert.deepEqual(em.drainPending(), []);
    em.commit();
    assert.deepEqual(em.drainPending(), [sync(2, 2)], 'latest delayed sync promoted');
    em.recordCommitted('t', 0, 5, 3);
    em.recordCommitted('u', 1, 0, 0);
    assert.deepEqual(em.drainPending(), [sync(5, 3), sync(0, 0, 'u', 1)]);
  });
});

describe('MM2 translation never overshoots; Ferry is exact', () => {
  it('compares both over random histories with filtered and compacted records', () => {
    let seed = 99;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let mm2Lag = 0;
    let ferryLag = 0;
    for (let trial = 0; trial < 40; trial++) {
      const exact = new OffsetMap();
      const em = new Mm2OffsetSyncEmitter(100);
      const store = new Mm2OffsetSyncStore();
      store.markReadToEnd();
      const pairs: { u: number; d: number }[] = [];
      let u = 0;
      let d = 0;
      for (let i = 0; i < 2000; i++) {
        const x = rand();
        if (x < 0.8) {
          exact.recordMirrored(u, d);
          em.recordCommitted('t', 0, u, d);
          pairs.push({ u, d });
          d++;
        } else if (x < 0.9) exact.recordSkipped(u);
        u++;
        if (i % 250 === 0) em.commit();
        for (const s of em.drainPending()) store.handleSync(s);
      }
      em.commit();
      for (const s of em.drainPending()) store.handleSync(s);
      exact.markProcessedUpTo(u);
      // Both maps start at the first mirrored record (offsets below it are refused by both).
      for (let g = pairs[0]!.u; g <= u; g++) {
        const truth = pairs.find((p) => p.u >= g)?.d ?? d;
        const m = store.translateDownstream('t', 0, g);
        const f = exact.translate(g);
        assert.equal(f, truth, `Ferry exact at g=${g}`);
        if (m !== undefined && m >= 0) {
          assert.ok(m <= truth, `MM2 overshoots at g=${g}: ${m} > ${truth}`);
          mm2Lag += truth - m;
        }
        ferryLag += truth - (f ?? truth);
      }
    }
    assert.equal(ferryLag, 0);
    assert.ok(mm2Lag > 0, 'MM2 re-delivers records that Ferry does not');
  });
});
