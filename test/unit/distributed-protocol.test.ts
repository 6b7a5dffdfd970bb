import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeAssignment, decodeMetadata, encodeAssignment, encodeMetadata, offeredProtocols, type ConnectAssignment,
} from '../../src/connect/herder/distributed-protocol.js';

const hex = (b: Buffer) => b.toString('hex');

test('offered protocols follow connect.protocol', () => {
  assert.deepEqual(offeredProtocols('sessioned'), ['sessioned', 'compatible', 'default']);
  assert.deepEqual(offeredProtocols('compatible'), ['compatible', 'default']);
  assert.deepEqual(offeredProtocols('eager'), ['default']);
});

test('V0 metadata: version, url, config offset', () => {
  const b = encodeMetadata({ version: 0, url: 'http://a:8083/', configOffset: 5, assignment: null });
  // 0000 | 000e "http://a:8083/" | 0000000000000005
  assert.equal(hex(b), `0000000e${Buffer.from('http://a:8083/').toString('hex')}0000000000000005`);
  assert.deepEqual(decodeMetadata(b), { version: 0, url: 'http://a:8083/', configOffset: 5, assignment: null });
});

test('V1 metadata without an assignment carries a null allocation', () => {
  const b = encodeMetadata({ version: 1, url: 'u', configOffset: -1, assignment: null });
  assert.equal(hex(b), `00010001${Buffer.from('u').toString('hex')}ffffffffffffffffffffffff`);
  assert.deepEqual(decodeMetadata(b), { version: 1, url: 'u', configOffset: -1, assignment: null });
});

const sample: ConnectAssignment = {
  version: 1, error: 0, leader: 'L', leaderUrl: 'http://l/', configOffset: 42,
  connectors: ['c1'], tasks: [{ connector: 'c1', task: 0 }, { connector: 'c2', task: 1 }],
  revokedConnectors: [], revokedTasks: [{ connector: 'c3', task: 2 }], delay: 1500,
};

test('V1 assignment bytes', () => {
  const b = encodeAssignment(sample);
  const s = (x: string) => `${x.length.toString(16).padStart(4, '0')}${Buffer.from(x).toString('hex')}`;
  const expected = [
    '0001', '0000', s('L'), s('http://l/'), '000000000000002a',
    '00000002', s('c1'), '00000002', 'ffffffff', '00000000', s('c2'), '00000001', '00000001',
    '00000001', s('c3'), '00000001', '00000002',
    '000005dc',
  ].join('');
  assert.equal(hex(b), expected);
  assert.deepEqual(decodeAssignment(b), sample);
});

test('V0 assignment has no revoked list or delay', () => {
  const a: ConnectAssignment = { ...sample, version: 0, revokedTasks: [], delay: 0 };
  const b = encodeAssignment(a);
  assert.deepEqual(decodeAssignment(b), a);
  assert.equal(b.length, encodeAssignment({ ...a, version: 1 }).length - 8);
});

test('V2 (sessioned) is V1 on the wire with version 2, and metadata embeds the assignment', () => {
  const m = encodeMetadata({ version: 2, url: 'http://w:1/', configOffset: 7, assignment: sample });
  const d = decodeMetadata(m);
  assert.equal(d.version, 2);
  assert.deepEqual(d.assignment, { ...sample, version: 2 });
  assert.equal(m.readInt16BE(0), 2);
});

test('V1 assignment with missing trailing fields decodes with defaults; truncated data is rejected', () => {
  const full = encodeAssignment({ ...sample, revokedTasks: [], delay: 0 });
  const withoutTail = full.subarray(0, full.length - 8); // drop revoked (empty array) and delay
  assert.deepEqual(decodeAssignment(withoutTail), { ...sample, revokedTasks: [], delay: 0 });
  assert.throws(() => decodeAssignment(full.subarray(0, 6)));
});
