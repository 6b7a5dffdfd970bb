// Order-sensitive digests of a partition's records (key, value, headers, timestamp), streamed with bounded
// memory. Mirroring adds Ferry's provenance header on the target, so headers named in `ignoreHeaders` are
// left out of the digest. Used by `ferry verify`, migration verification and the tests.
import { createHash, type Hash } from 'node:crypto';
import type { ClientProps } from '../../kafka/client.js';
import type { InRecord } from '../../kafka/consumer.js';
import { PartitionReader } from '../../kafka/partition-reader.js';

export const PROVENANCE_HEADER_NAME = 'ferry.provenance';

export interface PartitionDigest {
  topic: string;
  partition: number;
  /** First and (exclusive) last offset read. */
  from: number;
  to: number;
  count: number;
  /** sha256 over the records in offset order. */
  sha256: string;
}

export interface DigestOptions {
  ignoreHeaders?: readonly string[];
  /** Stop after this many records (counted from `from`). */
  maxRecords?: number;
  onProgress?: (records: number) => void;
  clientId?: string;
  /** Also return each record's digest entry (tests; memory grows with the range). */
  keepRecords?: boolean;
}

const LEN = Buffer.alloc(4);

function put(h: Hash, b: Buffer | null): void {
  if (b === null) { LEN.writeInt32BE(-1); h.update(LEN); return; }
  LEN.writeInt32BE(b.length);
  h.update(LEN);
  h.update(b);
}

/** Feeds one record into a hash; length-prefixed fields so different records never collide by concatenation. */
export function hashRecord(h: Hash, r: Pick<InRecord, 'key' | 'value' | 'headers' | 'timestamp'>, ignore: ReadonlySet<string>): void {
  put(h, r.key);
  put(h, r.value);
  const headers = ignore.size === 0 ? r.headers : r.headers.filter(([k]) => !ignore.has(k));
  LEN.writeInt32BE(headers.length);
  h.update(LEN);
  for (const [k, v] of headers) { put(h, Buffer.from(k, 'utf8')); put(h, v); }
  h.update(String(r.timestamp));
}

export function recordFingerprint(r: Pick<InRecord, 'key' | 'value' | 'headers' | 'timestamp'>, ignoreHeaders: readonly string[] = [PROVENANCE_HEADER_NAME]): string {
  const h = createHash('sha256');
  hashRecord(h, r, new Set(ignoreHeaders));
  return h.digest('hex');
}

/**
 * Digest of partition records in [from, to). `to` defaults to the end offset at call time. Records that
 * compaction or transaction markers removed are simply absent: count is what exists.
 */
export async function digestPartition(
  props: ClientProps, topic: string, partition: number, range: { from?: number | 'earliest'; to?: number } = {}, opts: DigestOptions = {},
): Promise<PartitionDigest & { records?: string[] }> {
  const reader = new PartitionReader(props, opts.clientId ?? 'ferry-verify', { maxWaitMs: 100, maxBytesPerPartition: 4 * 1_048_576 });
  const ignore = new Set(opts.ignoreHeaders ?? [PROVENANCE_HEADER_NAME]);
  const h = createHash('sha256');
  const records: string[] | undefined = opts.keepRecords ? [] : undefined;
  try {
    await reader.connect();
    const tp = { topic, partition };
    const key = `${topic}\u0000${partition}`;
    const from = range.from === undefined || range.from === 'earliest' ? ((await reader.listOffsets([tp], 'earliest')).get(key) ?? 0) : range.from;
    const to = range.to ?? ((await reader.listOffsets([tp], 'latest')).get(key) ?? 0);
    let count = 0;
    if (from < to) {
      reader.seek(tp, from);
      const limit = opts.maxRecords ?? Infinity;
      outer: while ((reader.position(tp) ?? to) < to) {
        for (const f of await reader.poll()) {
          for (const r of f.records) {
            if (r.offset >= to || count >= limit) break outer;
            hashRecord(h, r, ignore);
            if (records) records.push(recordFingerprint(r, [...ignore]));
            count++;
          }
          opts.onProgress?.(count);
        }
      }
    }
    return { topic, partition, from, to, count, sha256: h.digest('hex'), ...(records ? { records } : {}) };
  } finally {
    await reader.disconnect();
  }
}
