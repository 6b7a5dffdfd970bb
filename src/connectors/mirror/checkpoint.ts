// Checkpoint records of `<source>.checkpoints.internal` on the target, byte-compatible with MM2.
//   key   = group: STRING, topic: STRING, partition: INT32     (topic = the downstream, possibly renamed, topic)
//   value = version: INT16 (= 0), then upstreamOffset: INT64, offset: INT64, metadata: STRING
import { WireReader, WireWriter, readVersion, stringFieldSize } from './wire-codec.js';

export const CHECKPOINT_VERSION = 0;

export interface Checkpoint {
  group: string;
  /** Downstream topic (e.g. `A.orders` under DefaultReplicationPolicy). */
  topic: string;
  partition: number;
  upstreamOffset: number;
  downstreamOffset: number;
  /** The source group's commit metadata ('' when none). */
  metadata: string;
}

const KEY = 'Checkpoint key';
const VALUE = 'Checkpoint value';

export function encodeCheckpointKey(group: string, topic: string, partition: number): Buffer {
  const size = stringFieldSize(KEY, 'group', group) + stringFieldSize(KEY, 'topic', topic) + 4;
  return new WireWriter(size, KEY).string('group', group).string('topic', topic).int32('partition', partition).done();
}

export function encodeCheckpointValue(upstreamOffset: number, downstreamOffset: number, metadata: string): Buffer {
  const size = 2 + 16 + stringFieldSize(VALUE, 'metadata', metadata);
  return new WireWriter(size, VALUE)
    .int16('version', CHECKPOINT_VERSION)
    .int64('upstreamOffset', upstreamOffset)
    .int64('offset', downstreamOffset)
    .string('metadata', metadata)
    .done();
}

export function encodeCheckpoint(c: Checkpoint): { key: Buffer; value: Buffer } {
  return { key: encodeCheckpointKey(c.group, c.topic, c.partition), value: encodeCheckpointValue(c.upstreamOffset, c.downstreamOffset, c.metadata) };
}

export function decodeCheckpointKey(key: Uint8Array | null | undefined): { group: string; topic: string; partition: number } {
  const r = new WireReader(key, KEY);
  const group = r.string('group');
  const topic = r.string('topic');
  const partition = r.int32('partition');
  r.end();
  return { group, topic, partition };
}

export function decodeCheckpointValue(value: Uint8Array | null | undefined): { upstreamOffset: number; downstreamOffset: number; metadata: string } {
  const r = new WireReader(value, VALUE);
  readVersion(r, VALUE, CHECKPOINT_VERSION);
  const upstreamOffset = r.int64('upstreamOffset');
  const downstreamOffset = r.int64('offset');
  const metadata = r.string('metadata');
  r.end();
  return { upstreamOffset, downstreamOffset, metadata };
}

export function decodeCheckpoint(key: Uint8Array | null | undefined, value: Uint8Array | null | undefined): Checkpoint {
  return { ...decodeCheckpointKey(key), ...decodeCheckpointValue(value) };
}
