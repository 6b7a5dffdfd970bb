import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CheckpointTracker, DefaultReplicationPolicy, IdentityReplicationPolicy, Mm2OffsetSyncStore, OffsetMap, TopicFilter, checkpointTopic,
  computeCheckpoints, mm2Translator, offsetMapTranslator, planGroupOffsetSync, topicPartitionKey, type Checkpoint,
} from '../../src/connectors/mirror/index.js';

function mapFor(pairs: [number, number][], processedUpTo?: number): OffsetMap {
  const m = new OffsetMap(false);
  for (const [u, d] of pairs) m.recordMirrored(u, d);
  if (processedUpTo !== undefined) m.markProcessedUpTo(processedUpTo);
  return m;
}

describe('computeCheckpoints', () => {
  const policy = new DefaultReplicationPolicy();
  const maps = new Map([
    [topicPartitionKey('orders', 0), mapFor([[10, 0], [11, 1], [13, 2]], 20)],
    [topicPartitionKey('orders', 1), mapFor([[0, 0]])],
    [topicPartitionKey('B.orders', 0), mapFor([[5, 5]])],
  ]);
  const ctx = { sourceAlias: 'A', targetAlias: 'B', policy, translate: offsetMapTranslator(maps), topicFilter: new TopicFilter() };

  it('translates each partition and renames the topic for the target', () => {
    const cps = computeCheckpoints('g', [
      { topic: 'orders', partition: 0, offset: 12, metadata: 'meta' },
      { topic: 'orders', partition: 1, offset: 1 },
    ], ctx);
    assert.deepEqual(cps, [
      { group: 'g', topic: 'A.orders', partition: 0, upstreamOffset: 12, downstreamOffset: 2, metadata: 'meta' },
      { group: 'g', topic: 'A.orders', partition: 1, upstreamOffset: 1, downstreamOffset: 1, metadata: '' },
    ]);
  });

  it('renames topics that came from the target back to their original name', () => {
    assert.equal(checkpointTopic(policy, 'A', 'B', 'B.orders'), 'orders');
    assert.equal(checkpointTopic(policy, 'A', 'B', 'C.orders'), 'A.C.orders');
    assert.equal(checkpointTopic(new IdentityReplicationPolicy({ 'source.cluster.alias': 'A' }), 'A', 'B', 'orders'), 'orders');
    const cps = computeCheckpoints('g', [{ topic: 'B.orders', partition: 0, offset: 5 }], ctx);
    assert.equal(cps[0]?.topic, 'orders');
  });

  it('skips untranslatable offsets, filtered topics and missing commits', () => {
    const cps = computeCheckpoints('g', [
      { topic: 'orders', partition: 0, offset: 5 }, // before the map starts
      { topic: 'orders', partition: 0, offset: 25 }, // the mirror has not processed that far
      { topic: 'orders', partition: 2, offset: 1 }, // no map
      { topic: 'x.internal', partition: 0, offset: 1 }, // filtered
      { topic: 'orders', partition: 1, offset: -1 }, // no committed offset
    ], ctx);
    assert.deepEqual(cps, []);
    const ahead = computeCheckpoints('g', [{ topic: 'orders', partition: 0, offset: 25 }], { ...ctx, translate: offsetMapTranslator(maps, { allowAhead: true }) });
    assert.equal(ahead[0]?.downstreamOffset, 3, 'safe guess when allowed: last mirrored + 1');
  });

  it('can translate the way Apache MM2 does', () => {
    const store = new Mm2OffsetSyncStore();
    store.markReadToEnd();
    store.handleSync({ topic: 'orders', partition: 0, upstreamOffset: 10, downstreamOffset: 0 });
    const cps = computeCheckpoints('g', [{ topic: 'orders', partition: 0, offset: 12 }, { topic: 'orders', partition: 0, offset: 9 }], { ...ctx, translate: mm2Translator(store) });
    assert.deepEqual(cps.map((c) => c.downstreamOffset), [1], '+1 rule; -1 dropped');
  });
});

describe('CheckpointTracker', () => {
  const cp = (up: number, down: number): Checkpoint => ({ group: 'g', topic: 'A.t', partition: 0, upstreamOffset: up, downstreamOffset: down, metadata: '' });
  it('emits the first, forward moves and upstream rewinds only', () => {
    const t = new CheckpointTracker();
    assert.deepEqual(t.select([cp(10, 5)]), [cp(10, 5)]);
    assert.deepEqual(t.select([cp(10, 5)]), [], 'repeat');
    assert.deepEqual(t.select([cp(11, 5)]), [], 'downstream did not move');
    assert.deepEqual(t.select([cp(20, 8)]), [cp(20, 8)]);
    assert.deepEqual(t.select([cp(15, 9)]), [cp(15, 9)], 'upstream rewind of the group');
    assert.equal(t.last('g', 'A.t', 0)?.downstreamOffset, 9);
    assert.deepEqual(t.groups(), ['g']);
    assert.equal(t.forGroup('g').length, 1);
    t.forgetGroup('g');
    assert.equal(t.isMoreRecent(cp(1, 1)), true);
  });
});

describe('planGroupOffsetSync', () => {
  const translated = [
    { topic: 'A.t', partition: 0, offset: 100 },
    { topic: 'A.t', partition: 1, offset: 50 },
    { topic: 'A.t', partition: 2, offset: 7, metadata: 'm' },
  ];
  it('only moves target offsets forward', () => {
    const plan = planGroupOffsetSync({
      group: 'g',
      translated,
      targetCommitted: [{ topic: 'A.t', partition: 0, offset: 90 }, { topic: 'A.t', partition: 1, offset: 60 }],
      hasActiveMembers: false,
    });
    assert.deepEqual(plan.commit, [{ topic: 'A.t', partition: 0, offset: 100 }, { topic: 'A.t', partition: 2, offset: 7, metadata: 'm' }]);
    assert.deepEqual(plan.skipped, [{ topic: 'A.t', partition: 1, offset: 50, current: 60, reason: 'not-ahead' }]);
  });
  it('never touches groups with active members', () => {
    const plan = planGroupOffsetSync({ group: 'g', translated, targetCommitted: [], hasActiveMembers: true });
    assert.deepEqual(plan.commit, []);
    assert.equal(plan.skippedGroup, 'active-members');
  });
  it('writes everything for a group new on the target; equal offsets are no-ops', () => {
    assert.equal(planGroupOffsetSync({ group: 'g', translated, targetCommitted: [], hasActiveMembers: false }).commit.length, 3);
    const same = planGroupOffsetSync({ group: 'g', translated, targetCommitted: translated, hasActiveMembers: false });
    assert.deepEqual(same.commit, []);
  });
  it('moves backwards only when explicitly allowed', () => {
    const plan = planGroupOffsetSync({ group: 'g', translated, targetCommitted: [{ topic: 'A.t', partition: 1, offset: 60 }], hasActiveMembers: false, allowBackwards: true });
    assert.equal(plan.commit.length, 3);
    const bad = planGroupOffsetSync({ group: 'g', translated: [{ topic: 'A.t', partition: 0, offset: -1 }], targetCommitted: [], hasActiveMembers: false });
    assert.equal(bad.skipped[0]?.reason, 'invalid-offset');
  });
});
