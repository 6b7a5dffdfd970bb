// MM2 internal-topic wire formats, checked byte for byte against layouts written out by hand from
// connect/mirror-client (Checkpoint, Heartbeat) and connect/mirror (OffsetSync): big-endian, STRING = INT16
// length + UTF-8, a version INT16 header before Checkpoint/Heartbeat values and none for OffsetSync.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  WireFormatError, decodeCheckpoint, decodeCheckpointKey, decodeCheckpointValue, decodeHeartbeat, decodeHeartbeatValue, decodeOffsetSync,
  decodeOffsetSyncKey, decodeOffsetSyncValue, encodeCheckpoint, encodeCheckpointKey, encodeCheckpointValue, encodeHeartbeat, encodeHeartbeatKey,
  encodeHeartbeatValue, encodeOffsetSync, encodeOffsetSyncKey, encodeOffsetSyncValue,
} from '../../src/connectors/mirror/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('OffsetSync wire format', () => {
  // key: topic "topic1" (len 0x0006), partition 2; value: upstream 100, downstream 42 — no version header.
  const KEY = hex('0006 746f70696331 00000002');
  const VALUE = hex('0000000000000064 000000000000002a');

  it('encodes the documented layout', () => {
    assert.deepEqual(encodeOffsetSyncKey('topic1', 2), KEY);
    assert.deepEqual(encodeOffsetSyncValue(100, 42), VALUE);
    const both = encodeOffsetSync({ topic: 'topic1', partition: 2, upstreamOffset: 100, downstreamOffset: 42 });
    assert.deepEqual(both.key, KEY);
    assert.deepEqual(both.value, VALUE);
  });

  it('decodes the documented layout', () => {
    assert.deepEqual(decodeOffsetSync(KEY, VALUE), { topic: 'topic1', partition: 2, upstreamOffset: 100, downstreamOffset: 42 });
  });

  it('round-trips extreme values', () => {
    const s = { topic: 'x'.repeat(32767), partition: 2147483647, upstreamOffset: Number.MAX_SAFE_INTEGER, downstreamOffset: -1 };
    const { key, value } = encodeOffsetSync(s);
    assert.deepEqual(decodeOffsetSync(key, value), s);
    assert.deepEqual(encodeOffsetSyncValue(Number.MAX_SAFE_INTEGER, -1), hex('001fffffffffffff ffffffffffffffff'));
  });

  it('rejects truncated and garbage bytes with the field named', () => {
    assert.throws(() => decodeOffsetSyncKey(KEY.subarray(0, 5)), (e: Error) => e instanceof WireFormatError && /OffsetSync key: truncated reading field 'topic'/.test(e.message));
    assert.throws(() => decodeOffsetSyncKey(KEY.subarray(0, KEY.length - 1)), /field 'partition'/);
    assert.throws(() => decodeOffsetSyncValue(VALUE.subarray(0, 12)), /OffsetSync value: truncated reading field 'offset'/);
    assert.throws(() => decodeOffsetSyncValue(Buffer.concat([VALUE, hex('00')])), /1 unexpected trailing bytes/);
    assert.throws(() => decodeOffsetSyncKey(hex('ffff 00000000')), /negative length -1/);
    assert.throws(() => decodeOffsetSyncKey(hex('0002 c328 00000001')), /not valid UTF-8/);
    assert.throws(() => decodeOffsetSyncValue(hex('7fffffffffffffff 0000000000000000')), /outside the safe integer range/);
    assert.throws(() => decodeOffsetSyncKey(null), /no bytes/);
  });

  it('refuses to encode what the schema cannot hold', () => {
    assert.throws(() => encodeOffsetSyncKey('x'.repeat(32768), 0), /maximum is 32767/);
    assert.throws(() => encodeOffsetSyncKey('t', 2 ** 31), /partition/);
    assert.throws(() => encodeOffsetSyncValue(1.5, 0), /upstreamOffset/);
  });
});

describe('Checkpoint wire format', () => {
  // key: group "g1", topic "A.t", partition 0; value: version 0, upstream 1000, downstream 500, metadata "m".
  const KEY = hex('0002 6731 0003 412e74 00000000');
  const VALUE = hex('0000 00000000000003e8 00000000000001f4 0001 6d');

  it('encodes the documented layout, version header first', () => {
    assert.deepEqual(encodeCheckpointKey('g1', 'A.t', 0), KEY);
    assert.deepEqual(encodeCheckpointValue(1000, 500, 'm'), VALUE);
    assert.deepEqual(encodeCheckpointValue(1000, 500, ''), hex('0000 00000000000003e8 00000000000001f4 0000'));
  });

  it('decodes and round-trips', () => {
    const c = { group: 'g1', topic: 'A.t', partition: 0, upstreamOffset: 1000, downstreamOffset: 500, metadata: 'm' };
    assert.deepEqual(decodeCheckpoint(KEY, VALUE), c);
    const enc = encodeCheckpoint({ ...c, group: 'grüppe', metadata: 'é' });
    assert.deepEqual(enc.value.subarray(-4), hex('0002 c3a9'));
    assert.deepEqual(decodeCheckpoint(enc.key, enc.value), { ...c, group: 'grüppe', metadata: 'é' });
  });

  it('rejects other versions, truncation and trailing bytes', () => {
    assert.throws(() => decodeCheckpointValue(hex('0001 00000000000003e8 00000000000001f4 0000')), /Checkpoint value: unsupported version 1/);
    assert.throws(() => decodeCheckpointValue(VALUE.subarray(0, VALUE.length - 1)), /truncated reading field 'metadata'/);
    assert.throws(() => decodeCheckpointValue(hex('00')), /truncated reading field 'version'/);
    assert.throws(() => decodeCheckpointKey(Buffer.concat([KEY, hex('ff')])), /trailing/);
    assert.throws(() => decodeCheckpointKey(KEY.subarray(0, 4)), /field 'topic'/);
  });
});

describe('Heartbeat wire format', () => {
  // key: source "A", target "B"; value: version 0, timestamp 1700000000000 (0x18bcfe56800).
  const KEY = hex('0001 41 0001 42');
  const VALUE = hex('0000 0000018bcfe56800');

  it('encodes and decodes the documented layout', () => {
    assert.deepEqual(encodeHeartbeatKey('A', 'B'), KEY);
    assert.deepEqual(encodeHeartbeatValue(1700000000000), VALUE);
    assert.deepEqual(decodeHeartbeat(KEY, VALUE), { sourceClusterAlias: 'A', targetClusterAlias: 'B', timestamp: 1700000000000 });
    const h = { sourceClusterAlias: 'us-west', targetClusterAlias: 'us-east', timestamp: 0 };
    const enc = encodeHeartbeat(h);
    assert.deepEqual(decodeHeartbeat(enc.key, enc.value), h);
  });

  it('rejects bad values', () => {
    assert.throws(() => decodeHeartbeatValue(hex('0002 0000018bcfe56800')), /unsupported version 2/);
    assert.throws(() => decodeHeartbeatValue(hex('0000 0000018bcf')), /truncated reading field 'timestamp'/);
    assert.throws(() => decodeHeartbeat(hex('0001 41'), VALUE), /field 'targetClusterAlias'/);
  });
});
