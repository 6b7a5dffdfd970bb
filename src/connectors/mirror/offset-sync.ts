// OffsetSync records of the offset-syncs topic (`mm2-offset-syncs.<alias>.internal`), byte-compatible with MM2.
//   key   = topic: STRING, partition: INT32          (the upstream/source topic-partition)
//   value = upstreamOffset: INT64, offset: INT64     (`offset` is the downstream offset; no version header)
import { WireReader, WireWriter, stringFieldSize } from './wire-codec.js';

export interface OffsetSync {
  /** Upstream (source) topic. */
  topic: string;
  partition: number;
  upstreamOffset: number;
  downstreamOffset: number;
}

const KEY = 'OffsetSync key';
const VALUE = 'OffsetSync value';

export function encodeOffsetSyncKey(topic: string, partition: number): Buffer {
  return new WireWriter(stringFieldSize(KEY, 'topic', topic) + 4, KEY).string('topic', topic).int32('partition', partition).done();
}

export function encodeOffsetSyncValue(upstreamOffset: number, downstreamOffset: number): Buffer {
  return new WireWriter(16, VALUE).int64('upstreamOffset', upstreamOffset).int64('offset', downstreamOffset).done();
}

export function encodeOffsetSync(sync: OffsetSync): { key: Buffer; value: Buffer } {
  return { key: encodeOffsetSyncKey(sync.topic, sync.partition), value: encodeOffsetSyncValue(sync.upstreamOffset, sync.downstreamOffset) };
}

export function decodeOffsetSyncKey(key: Uint8Array | null | undefined): { topic: string; partition: number } {
  const r = new WireReader(key, KEY);
  const topic = r.string('topic');
  const partition = r.int32('partition');
  r.end();
  return { topic, partition };
}

export function decodeOffsetSyncValue(value: Uint8Array | null | undefined): { upstreamOffset: number; downstreamOffset: number } {
  const r = new WireReader(value, VALUE);
  const upstreamOffset = r.int64('upstreamOffset');
  const downstreamOffset = r.int64('offset');
  r.end();
  return { upstreamOffset, downstreamOffset };
}

export function decodeOffsetSync(key: Uint8Array | null | undefined, value: Uint8Array | null | undefined): OffsetSync {
  return { ...decodeOffsetSyncKey(key), ...decodeOffsetSyncValue(value) };
}
