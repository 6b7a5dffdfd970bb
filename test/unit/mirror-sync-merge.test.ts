// Periodic MM2-style sync points merge into the map's sync stream in upstream order, and never around a reset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeSyncs } from '../../src/connectors/mirror/source-task.js';

test('periodic syncs interleave by upstream offset, duplicates collapse', () => {
  const map = [{ upstreamOffset: 0, downstreamOffset: 0 }, { upstreamOffset: 250, downstreamOffset: 240 }];
  const periodic = [{ upstreamOffset: 101, downstreamOffset: 101 }, { upstreamOffset: 250, downstreamOffset: 240 }, { upstreamOffset: 351, downstreamOffset: 341 }];
  assert.deepEqual(mergeSyncs(map, periodic).map((s) => s.upstreamOffset), [0, 101, 250, 351]);
  assert.deepEqual(mergeSyncs(map, []), map);
});

test('a reset marker in the map stream drops periodic points', () => {
  const map = [{ upstreamOffset: 0, downstreamOffset: -1 }, { upstreamOffset: 10, downstreamOffset: 0 }];
  assert.deepEqual(mergeSyncs(map, [{ upstreamOffset: 5, downstreamOffset: 5 }]), map);
});
