import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InRecord } from '../../src/kafka/consumer.js';
import { verifyTranslation, type RecordWindowReader } from '../../src/connectors/mirror/verified-translation.js';

const rec = (topic: string, offset: number, id: string, headers: Array<[string, Buffer | null]> = []): InRecord =>
  ({ topic, partition: 0, offset, key: Buffer.from(`k${id}`), value: Buffer.from(`v${id}`), headers, timestamp: 1000 + Number(id.replace(/\D/g, '') || 0) });

/** Source: ids 0..n-1 at offsets with the given gaps (markers) before some ids. */
function log(topic: string, ids: string[], gapsBefore: Set<number> = new Set()): InRecord[] {
  let o = 0;
  return ids.map((id, i) => { if (gapsBefore.has(i)) o++; return rec(topic, o++, id); });
}
const reader = (records: InRecord[]): RecordWindowReader => async (_t, _p, from, max) => records.filter((r) => r.offset >= from).slice(0, max);
const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i));

describe('verifyTranslation (MM2-era offsets confirmed against the records)', () => {
  it('finds the exact position in a 1:1 stretch after the anchor', async () => {
    const src = log('t', ids(200));
    const tgt = log('A.t', ids(200)).map((r) => ({ ...r, offset: r.offset + 50 }));
    const r = await verifyTranslation({ sourceTopic: 't', targetTopic: 'A.t', partition: 0, groupOffset: 137, anchor: { upstreamOffset: 100, downstreamOffset: 150 }, readSource: reader(src), readTarget: reader(tgt) });
    assert.deepEqual(r, { exact: true, downstreamOffset: 187 });
  });

  it('finds it below the 1:1 candidate when upstream offsets between the anchor and the group were not copied', async () => {
    const src = log('t', ids(100), new Set([20, 30, 40])); // 3 markers whose syncs MM2 no longer holds
    const tgt = log('A.t', ids(100));
    const g = src[55]!.offset; // 58
    const r = await verifyTranslation({ sourceTopic: 't', targetTopic: 'A.t', partition: 0, groupOffset: g, anchor: { upstreamOffset: 10, downstreamOffset: 10 }, readSource: reader(src), readTarget: reader(tgt) });
    assert.deepEqual(r, { exact: true, downstreamOffset: 55 });
  });

  it('a group inside a gap gets the next copied record; headers named as ignored do not count', async () => {
    const src = log('t', ids(50), new Set([30]));
    const tgt = log('A.t', ids(50)).map((r) => ({ ...r, headers: [['ferry.provenance', Buffer.from('x')]] as Array<[string, Buffer | null]> }));
    const r = await verifyTranslation({ sourceTopic: 't', targetTopic: 'A.t', partition: 0, groupOffset: 30, anchor: { upstreamOffset: 0, downstreamOffset: 0 }, readSource: reader(src), readTarget: reader(tgt), ignoreHeaders: ['ferry.provenance'] });
    assert.deepEqual(r, { exact: true, downstreamOffset: 30 });
  });

  it('refuses (caller keeps MM2\'s answer) when the next record was not copied (filtered)', async () => {
    const src = log('t', ids(60));
    const tgt = log('A.t', ids(60).filter((id) => id !== '40'));
    const r = await verifyTranslation({ sourceTopic: 't', targetTopic: 'A.t', partition: 0, groupOffset: 40, anchor: { upstreamOffset: 0, downstreamOffset: 0 }, readSource: reader(src), readTarget: reader(tgt) });
    assert.equal(r.exact, false);
  });

  it('refuses when a different record sits where the candidate is (content differs)', async () => {
    const src = log('t', ids(60));
    const tgt = log('A.t', ids(60)).map((r) => (r.offset === 40 ? { ...r, timestamp: 1 } : r));
    const r = await verifyTranslation({ sourceTopic: 't', targetTopic: 'A.t', partition: 0, groupOffset: 40, anchor: { upstreamOffset: 0, downstreamOffset: 0 }, readSource: reader(src), readTarget: reader(tgt) });
    assert.equal(r.exact, false);
  });

  it('a group on the anchor is exact without reading; reads only a few records otherwise', async () => {
    let read = 0;
    const counting = (records: InRecord[]): RecordWindowReader => async (t, p, from, max) => { const out = await reader(records)(t, p, from, max); read += out.length; return out; };
    const src = log('t', ids(5000));
    const onSync = await verifyTranslation({ sourceTopic: 't', targetTopic: 'A.t', partition: 0, groupOffset: 100, anchor: { upstreamOffset: 100, downstreamOffset: 100 }, readSource: counting(src), readTarget: counting(src) });
    assert.deepEqual(onSync, { exact: true, downstreamOffset: 100 });
    assert.equal(read, 0);
    const far = await verifyTranslation({ sourceTopic: 't', targetTopic: 'A.t', partition: 0, groupOffset: 4800, anchor: { upstreamOffset: 100, downstreamOffset: 100 }, readSource: counting(src), readTarget: counting(src) });
    assert.deepEqual(far, { exact: true, downstreamOffset: 4800 });
    assert.ok(read <= 30, `read ${read} records`);
  });
});
