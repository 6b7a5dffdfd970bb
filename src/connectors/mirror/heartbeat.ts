// Heartbeat records of the `heartbeats` topic, byte-compatible with MM2.
//   key   = sourceClusterAlias: STRING, targetClusterAlias: STRING
//   value = version: INT16 (= 0), then timestamp: INT64 (ms since epoch)
import { WireReader, WireWriter, readVersion, stringFieldSize } from './wire-codec.js';

export const HEARTBEAT_VERSION = 0;

export interface Heartbeat {
  sourceClusterAlias: string;
  targetClusterAlias: string;
  timestamp: number;
}

const KEY = 'Heartbeat key';
const VALUE = 'Heartbeat value';

export function encodeHeartbeatKey(sourceClusterAlias: string, targetClusterAlias: string): Buffer {
  const size = stringFieldSize(KEY, 'sourceClusterAlias', sourceClusterAlias) + stringFieldSize(KEY, 'targetClusterAlias', targetClusterAlias);
  return new WireWriter(size, KEY).string('sourceClusterAlias', sourceClusterAlias).string('targetClusterAlias', targetClusterAlias).done();
}

export function encodeHeartbeatValue(timestamp: number): Buffer {
  return new WireWriter(10, VALUE).int16('version', HEARTBEAT_VERSION).int64('timestamp', timestamp).done();
}

export function encodeHeartbeat(h: Heartbeat): { key: Buffer; value: Buffer } {
  return { key: encodeHeartbeatKey(h.sourceClusterAlias, h.targetClusterAlias), value: encodeHeartbeatValue(h.timestamp) };
}

export function decodeHeartbeatKey(key: Uint8Array | null | undefined): { sourceClusterAlias: string; targetClusterAlias: string } {
  const r = new WireReader(key, KEY);
  const sourceClusterAlias = r.string('sourceClusterAlias');
  const targetClusterAlias = r.string('targetClusterAlias');
  r.end();
  return { sourceClusterAlias, targetClusterAlias };
}

export function decodeHeartbeatValue(value: Uint8Array | null | undefined): { timestamp: number } {
  const r = new WireReader(value, VALUE);
  readVersion(r, VALUE, HEARTBEAT_VERSION);
  const timestamp = r.int64('timestamp');
  r.end();
  return { timestamp };
}

export function decodeHeartbeat(key: Uint8Array | null | undefined, value: Uint8Array | null | undefined): Heartbeat {
  return { ...decodeHeartbeatKey(key), ...decodeHeartbeatValue(value) };
}
