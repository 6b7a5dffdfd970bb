// The request bodies Ferry encodes itself (Fetch v4, Produce v3..v8) and their hand-off to kafkajs's
// connections, which frame them (size, api key and version, correlation id, client id) and match responses.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Encoder: new () => { writeBuffer(b: Buffer): unknown } = require('kafkajs/src/protocol/encoder.js');

/** The `request` a kafkajs connection (broker.connectionPool.send) sends for a body Ferry encoded. */
export function encodedRequest(apiKey: number, apiVersion: number, apiName: string, body: Buffer, expectResponse = true): {
  apiKey: number; apiVersion: number; apiName: string; expectResponse: () => boolean; encode: () => Promise<unknown>;
} {
  return { apiKey, apiVersion, apiName, expectResponse: () => expectResponse, encode: async () => new Encoder().writeBuffer(body) };
}

/**
 * A body ending in the topic array Fetch and Produce share, [topic (int16-length string), [partition entry]]:
 * `headBytes` of leading fields written by `writeHead`, then the array; a partition entry takes `entryBytes(p)`
 * bytes and `writeEntry` returns the position after it.
 */
function encodeTopicsRequest<P>(
  headBytes: number, writeHead: (buf: Buffer) => number,
  topics: ReadonlyMap<string, readonly P[]>,
  entryBytes: (p: P) => number, writeEntry: (buf: Buffer, pos: number, p: P) => number,
): Buffer {
  let size = headBytes + 4;
  const names: Buffer[] = [];
  for (const [topic, parts] of topics) {
    const name = Buffer.from(topic, 'utf8');
    names.push(name);
    size += 2 + name.length + 4;
    for (const p of parts) size += entryBytes(p);
  }
  const buf = Buffer.allocUnsafe(size);
  let pos = writeHead(buf);
  pos = buf.writeInt32BE(topics.size, pos);
  let t = 0;
  for (const parts of topics.values()) {
    const name = names[t++]!;
    pos = buf.writeInt16BE(name.length, pos);
    pos += name.copy(buf, pos);
    pos = buf.writeInt32BE(parts.length, pos);
    for (const p of parts) pos = writeEntry(buf, pos, p);
  }
  if (pos !== size) throw new Error(`request body size mismatch (${pos} != ${size})`);
  return buf;
}

/**
 * Fetch v4 body: replica_id, max_wait_ms, min_bytes, max_bytes, isolation_level, then topics → partitions
 * (partition, fetch_offset, partition_max_bytes).
 */
export function encodeFetchRequest(opts: { maxWaitMs: number; minBytes: number; maxBytes: number; isolationLevel: number }, topics: ReadonlyMap<string, ReadonlyArray<{ partition: number; offset: number; maxBytes: number }>>): Buffer {
  return encodeTopicsRequest(4 * 4 + 1, (buf) => {
    let pos = buf.writeInt32BE(-1, 0); // replica_id: a consumer
    pos = buf.writeInt32BE(opts.maxWaitMs, pos);
    pos = buf.writeInt32BE(opts.minBytes, pos);
    pos = buf.writeInt32BE(opts.maxBytes, pos);
    return buf.writeInt8(opts.isolationLevel, pos);
  }, topics, () => 4 + 8 + 4, (buf, pos, p) => {
    pos = buf.writeInt32BE(p.partition, pos);
    pos = buf.writeBigInt64BE(BigInt(p.offset), pos);
    return buf.writeInt32BE(p.maxBytes, pos);
  });
}

/**
 * Produce request body, versions 3 to 8 (the same layout: transactional id (null), acks, timeout, then topics →
 * partitions → batch bytes; v7 is the first a broker accepts zstd batches in, v8 only adds response fields).
 */
export function encodeProduceRequest(acks: number, timeoutMs: number, topics: ReadonlyMap<string, ReadonlyArray<{ partition: number; batch: Buffer }>>): Buffer {
  return encodeTopicsRequest(2 + 2 + 4, (buf) => {
    let pos = buf.writeInt16BE(-1, 0); // transactional_id: null
    pos = buf.writeInt16BE(acks, pos);
    return buf.writeInt32BE(timeoutMs, pos);
  }, topics, (p) => 4 + 4 + p.batch.length, (buf, pos, p) => {
    pos = buf.writeInt32BE(p.partition, pos);
    pos = buf.writeInt32BE(p.batch.length, pos);
    return pos + p.batch.copy(buf, pos);
  });
}
