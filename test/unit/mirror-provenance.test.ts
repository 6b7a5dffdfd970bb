import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Headers } from '../../src/connect/api/index.js';
import {
  DefaultReplicationPolicy, IdentityReplicationPolicy, PROVENANCE_HEADER, addHopInPlace, addsProvenanceHop, appendHop, chainIncludes, namingShowsCycles, parseChain,
  provenanceOf, shouldReplicate, withHop,
} from '../../src/connectors/mirror/index.js';

describe('provenance header', () => {
  it('records the clusters a record left, origin first', () => {
    const onA = new Headers().add('app', Buffer.from('x'));
    assert.deepEqual(provenanceOf(onA), []);
    const onB = withHop(onA, 'A');
    assert.deepEqual(provenanceOf(onB), ['A']);
    assert.deepEqual(provenanceOf(onA), [], 'the original headers are untouched');
    const onC = withHop(onB, 'B');
    assert.deepEqual(provenanceOf(onC), ['A', 'B']);
    assert.equal(onC.allWithName(PROVENANCE_HEADER).length, 1, 'a single header, replaced');
    assert.deepEqual(onC.lastWithName(PROVENANCE_HEADER)?.value, Buffer.from('A,B'));
    assert.deepEqual(onC.lastWithName('app')?.value, Buffer.from('x'), 'other headers kept');
  });

  it('stops active-active loops with identical topic names', () => {
    const produced = new Headers();
    assert.equal(shouldReplicate(produced, 'A', 'B'), true);
    const onB = withHop(produced, 'A');
    assert.equal(shouldReplicate(onB, 'B', 'A'), false, 'back to its origin');
    assert.equal(shouldReplicate(onB, 'B', 'C'), true);
    const onC = withHop(onB, 'B');
    assert.equal(shouldReplicate(onC, 'C', 'A'), false);
    assert.equal(shouldReplicate(onC, 'C', 'B'), false);
    assert.equal(shouldReplicate(onC, 'C', 'D'), true);
    assert.equal(shouldReplicate(null, 'A', 'A'), false, 'never to itself');
  });

  it('matches whole aliases only', () => {
    const v = Buffer.from('us-east,us-west-2');
    assert.equal(chainIncludes(v, 'us-east'), true);
    assert.equal(chainIncludes(v, 'us-west-2'), true);
    assert.equal(chainIncludes(v, 'us-west'), false);
    assert.equal(chainIncludes(v, 'east'), false);
    assert.equal(chainIncludes(v, 'us'), false);
    assert.equal(chainIncludes('us-east,us-west-2', 'us-west'), false);
    assert.equal(chainIncludes('us-east,us-west-2', 'us-west-2'), true);
    assert.equal(chainIncludes(undefined, 'A'), false);
    assert.equal(chainIncludes(Buffer.from('Ä,B'), 'Ä'), true, 'UTF-8 aliases');
    assert.equal(chainIncludes(new Uint8Array(Buffer.from('A,B')), 'B'), true);
  });

  it('accepts string header values and keeps the bytes small', () => {
    const h = new Headers().addString(PROVENANCE_HEADER, 'A');
    assert.equal(shouldReplicate(h, 'B', 'A'), false);
    const out = withHop(h, 'B');
    assert.deepEqual(out.lastWithName(PROVENANCE_HEADER)?.value, Buffer.from('A,B'));
    assert.equal(appendHop(null, 'A').length, 1);
    assert.deepEqual(appendHop(Buffer.from('A,B'), 'B'), Buffer.from('A,B'), 'same last hop is not repeated');
    assert.deepEqual(appendHop(Buffer.from('AB'), 'B'), Buffer.from('AB,B'), 'suffix of another alias is not the same hop');
    assert.deepEqual(parseChain(''), []);
    assert.throws(() => appendHop(null, 'A,B'), /Invalid cluster alias/);
  });

  it('can update headers in place', () => {
    const h = new Headers();
    addHopInPlace(h, 'A');
    addHopInPlace(h, 'B');
    assert.deepEqual(provenanceOf(h), ['A', 'B']);
  });
});

describe('ferry.provenance.header: when the hop is added', () => {
  const def = () => new DefaultReplicationPolicy({});
  const identity = () => new IdentityReplicationPolicy({ 'source.cluster.alias': 'A' });

  it('prefixing names show cycles; identity names do not', () => {
    assert.equal(namingShowsCycles(def(), 'A'), true);
    assert.equal(namingShowsCycles(new DefaultReplicationPolicy({ 'replication.policy.separator': '__' }), 'A'), true);
    assert.equal(namingShowsCycles(identity(), 'A'), false);
    // A policy that renames without recording the source (topicSource null) cannot stop cycles by name either.
    const opaque = { formatRemoteTopic: (_s: string, t: string) => `copy-${t}`, topicSource: () => null, upstreamTopic: () => null };
    assert.equal(namingShowsCycles(opaque, 'A'), false);
    // Read by a reverse flow with identity naming (its own alias B), A's prefixed names are not A's.
    assert.equal(namingShowsCycles(def(), 'A', new IdentityReplicationPolicy({ 'source.cluster.alias': 'B' })), false);
    assert.equal(namingShowsCycles(def(), 'A', new DefaultReplicationPolicy({ 'source.cluster.alias': 'B' })), true);
  });

  it('auto adds the hop only with identity-like naming; always and never are what they say', () => {
    assert.equal(addsProvenanceHop('auto', def(), 'A'), false);
    assert.equal(addsProvenanceHop('auto', identity(), 'A'), true);
    assert.equal(addsProvenanceHop('always', def(), 'A'), true);
    assert.equal(addsProvenanceHop('always', identity(), 'A'), true);
    assert.equal(addsProvenanceHop('never', def(), 'A'), false);
    assert.equal(addsProvenanceHop('never', identity(), 'A'), false);
  });
});
