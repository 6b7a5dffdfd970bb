// PartitionReader: reads assigned topic-partitions from given offsets WITHOUT joining a consumer group —
// the equivalent of Java's consumer.assign() + seek(), which kafkajs's public API lacks. MirrorSource
// (no group on the source cluster, like MM2) and the Kafka-backed stores (read a compacted topic to the
// end) use it. Connections, metadata and ListOffsets come from kafkajs's lower-level Cluster/Broker layer;
// the Fetch request and response (and record batches, every codec) are Ferry's own, so that one
// partition's error or undecodable batch neither hides the other partitions' data nor stalls silently.
import { createLowLevelCluster, type ClientProps } from './client.js';
import type { InRecord } from './consumer.js';
import { BatchDecodeError, CommittedBatchFilter, decodeRecordSet, firstRecordTimestamp, type AbortedTransaction } from './record-batch.js';
import { logger } from '../observability/logger.js';
import { fetchRequestBody, sendRequest } from './requests.js';
import { errorCodes, type KafkajsCluster } from './kafkajs-internals.js';
import { exponentialBackoff, retry, sleep } from '../backoff.js';

const log = logger('kafka.reader');

export interface TopicPartition { topic: string; partition: number }
export interface FetchResult {
  topic: string;
  partition: number;
  records: InRecord[];
  /** Offset to fetch next (past control records and compacted gaps). */
  nextOffset: number;
  highWatermark: number;
}

export type OffsetSpec = number | 'earliest' | 'latest';

/** One partition of a fetch response, undecoded (the byte path rewrites it in place; see pollRaw). */
export interface RawPartition {
  topic: string;
  partition: number;
  /**
   * The record set: a view into the response buffer. The reader never reads it again and kafkajs gives every
   * response bytes of its own, so the callback may keep parts of it, and patch them (the byte path forwards
   * batches in place).
   */
  records: Buffer;
  /** The position the fetch was made from (records below it may be in the first batch). */
  fetchOffset: number;
  /** Aborted transactions when reading read_committed, else null. */
  abortedTransactions: readonly AbortedTransaction[] | null;
  highWatermark: number;
}

/** What a pollRaw callback made of a partition: its result, the position after it, and a batch it could not read. */
export interface RawPartitionResult<T> {
  value: T;
  nextOffset: number;
  /** True when nothing is handed over (a failure found in the round is then raised at once). */
  empty: boolean;
  error?: BatchDecodeError | undefined;
}

/**
 * A fetch failure. `retriable` false (undecodable batch, authorization, unsupported compression, corrupt
 * data) means retrying cannot help: callers must fail. `retriable` true is raised only once transient errors
 * (leader changes, network) persisted past the reader's own bounded retries.
 */
export class FetchError extends Error {
  override readonly name = 'FetchError';
  readonly retriable: boolean;
  readonly topic: string | undefined;
  readonly partition: number | undefined;
  readonly offset: number | undefined;
  readonly codec: string | undefined;
  constructor(message: string, opts: { retriable: boolean; topic?: string; partition?: number; offset?: number; codec?: string; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.retriable = opts.retriable;
    this.topic = opts.topic;
    this.partition = opts.partition;
    this.offset = opts.offset;
    this.codec = opts.codec;
  }
}

const key = (t: string, p: number) => `${t}\u0000${p}`;

// Fetch v4: the oldest version Kafka 4 still serves, and the first with isolation level and aborted
// transactions (read_committed). Layout: request replica_id, max_wait_ms, min_bytes, max_bytes,
// isolation_level, [topic, [partition, fetch_offset, partition_max_bytes]]; response throttle_time_ms,
// [topic, [partition, error_code, high_watermark, last_stable_offset, aborted_transactions, records]].
const FETCH_API_KEY = 1;
const FETCH_VERSION = 4;
const OFFSET_OUT_OF_RANGE = 1;
// Codes that retrying a fetch cannot fix although kafkajs's table calls some retriable (Java's consumer
// raises these to the application too).
const FATAL_FETCH_CODES = new Set([2 /* CORRUPT_MESSAGE */, 29 /* TOPIC_AUTHORIZATION_FAILED */, 31 /* CLUSTER_AUTHORIZATION_FAILED */, 76 /* UNSUPPORTED_COMPRESSION_TYPE */, 87 /* INVALID_RECORD */]);
/** Consecutive transient failures of one partition the reader absorbs before it reports them (see FetchError). */
const MAX_TRANSIENT_FAILURES = 8;

interface FetchPartitionResponse {
  partition: number;
  errorCode: number;
  highWatermark: number;
  abortedTransactions: AbortedTransaction[];
  records: Buffer | null;
}
interface FetchResponse { responses: Array<{ topic: string; partitions: FetchPartitionResponse[] }> }

/** Parses a Fetch v4 response; record sets stay undecoded views into the response buffer. */
export function decodeFetchResponse(buf: Buffer): FetchResponse & { throttleTimeMs: number } {
  let pos = 0;
  const int16 = () => { const v = buf.readInt16BE(pos); pos += 2; return v; };
  const int32 = () => { const v = buf.readInt32BE(pos); pos += 4; return v; };
  const int64 = () => { const v = Number(buf.readBigInt64BE(pos)); pos += 8; return v; };
  const throttleTimeMs = int32();
  const nTopics = int32();
  const responses: FetchResponse['responses'] = [];
  for (let t = 0; t < nTopics; t++) {
    const tl = int16();
    const topic = buf.toString('utf8', pos, pos + tl);
    pos += tl;
    const nParts = int32();
    const partitions: FetchPartitionResponse[] = [];
    for (let i = 0; i < nParts; i++) {
      const partition = int32();
      const errorCode = int16();
      const highWatermark = int64();
      int64(); // last_stable_offset: the broker already stops read_committed fetches there
      const nAborted = int32();
      const abortedTransactions: FetchPartitionResponse['abortedTransactions'] = [];
      for (let a = 0; a < nAborted; a++) abortedTransactions.push({ producerId: int64(), firstOffset: int64() });
      const len = int32();
      let records: Buffer | null = null;
      if (len >= 0) {
        if (pos + len > buf.length) throw new RangeError(`Fetch response truncated: records of ${topic}-${partition} need ${len} bytes, ${buf.length - pos} left`);
        records = buf.subarray(pos, pos + len);
        pos += len;
      }
      partitions.push({ partition, errorCode, highWatermark, abortedTransactions, records });
    }
    responses.push({ topic, partitions });
  }
  return { throttleTimeMs, responses };
}

function errorOf(code: number): { type: string; retriable: boolean; message: string } {
  const e = errorCodes.find((x) => x.code === code);
  if (!e) return { type: `ERROR_CODE_${code}`, retriable: false, message: `Unknown error code ${code}` };
  return { type: e.type, retriable: e.retriable && !FATAL_FETCH_CODES.has(code), message: e.message };
}

const EMPTY_SET = Buffer.alloc(0);
// A peek needs a batch header (61 bytes) and its first record; a larger first batch comes cut, its header enough.
const PEEK_BYTES_PER_PARTITION = 4096;

export class PartitionReader {
  private readonly cluster: KafkajsCluster;
  private readonly positions = new Map<string, { topic: string; partition: number; offset: number }>();
  private readonly pending = new Map<string, { topic: string; partition: number; spec: 'earliest' | 'latest' }>();
  private readonly isolationLevel: 0 | 1;
  private connected = false;
  /** Consecutive transient fetch failures per partition (reset by a successful fetch of it). */
  private readonly failures = new Map<string, number>();
  /** A failure found while other partitions' data was returned: raised by the next poll(). */
  private failure: FetchError | null = null;

  constructor(
    props: ClientProps,
    clientId: string,
    private opts: {
      maxWaitMs?: number; minBytes?: number; maxBytes?: number; maxBytesPerPartition?: number; readCommitted?: boolean;
      /** Verify each batch's CRC32C (Java's check.crcs, default true). */
      checkCrcs?: boolean;
      /** Backoff after a transient fetch failure, doubling per consecutive failure (Java's retry.backoff.ms / .max.ms). */
      retryBackoffMs?: number;
      retryBackoffMaxMs?: number;
    } = {},
  ) {
    this.isolationLevel = opts.readCommitted ? 1 : 0;
    this.cluster = createLowLevelCluster(props, clientId, { isolationLevel: this.isolationLevel });
  }

  /** Changes fetch.max.bytes for the next fetches (the mirror's byte path can afford Java's default). */
  setMaxBytes(maxBytes: number): void {
    this.opts.maxBytes = maxBytes;
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.cluster.connect();
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.cluster.disconnect().catch(() => undefined);
  }

  /** Sets the position of partitions (adds them to the assignment). */
  seek(tp: TopicPartition, offset: OffsetSpec): void {
    const k = key(tp.topic, tp.partition);
    if (typeof offset === 'number' && offset >= 0) {
      this.pending.delete(k);
      this.positions.set(k, { topic: tp.topic, partition: tp.partition, offset });
    } else {
      this.positions.delete(k);
      this.pending.set(k, { topic: tp.topic, partition: tp.partition, spec: offset === 'latest' ? 'latest' : 'earliest' });
    }
  }

  unassign(tp: TopicPartition): void {
    this.positions.delete(key(tp.topic, tp.partition));
    this.pending.delete(key(tp.topic, tp.partition));
  }

  assignment(): TopicPartition[] {
    return [...this.positions.values(), ...this.pending.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  position(tp: TopicPartition): number | undefined {
    return this.positions.get(key(tp.topic, tp.partition))?.offset;
  }

  private async refresh(topics: string[]): Promise<void> {
    await this.cluster.addMultipleTargetTopics(topics);
    await this.cluster.refreshMetadataIfNecessary();
  }

  /**
   * refresh() for a fetch round. kafkajs asks for every target topic in one Metadata request and fails it whole
   * when one topic errors (e.g. deleted), which would stop every partition; so after such an error each topic is
   * asked for alone, the ones still failing leave kafkajs's target topics and sit out this round (their
   * partitions count a transient failure), and the rest are read.
   */
  private async refreshForRound(topics: string[]): Promise<Map<string, string>> {
    try {
      await this.refresh(topics);
      return new Map();
    } catch (e) {
      const err = e as Error & { retriable?: boolean; type?: string };
      if (err.retriable !== true && !/UNKNOWN_TOPIC|does not host/i.test(`${err.type ?? ''} ${err.message}`)) throw e;
    }
    const unavailable = new Map<string, string>();
    for (const t of topics) {
      try {
        await this.cluster.metadata({ topics: [t] });
      } catch (e) {
        unavailable.set(t, `topic metadata: ${(e as Error).message}`);
      }
    }
    const targets = this.cluster.targetTopics as Set<string>;
    for (const t of unavailable.keys()) targets.delete(t);
    await this.cluster.refreshMetadata();
    return unavailable;
  }

  /** Earliest or latest offsets of partitions. Retries the transient errors of leadership changes and new topics. */
  async listOffsets(tps: TopicPartition[], spec: 'earliest' | 'latest', signal?: AbortSignal): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (tps.length === 0) return out;
    const byTopic = new Map<string, number[]>();
    for (const tp of tps) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    return retry(async () => {
      await this.refresh([...byTopic.keys()]);
      const res = await this.cluster.fetchTopicsOffset([...byTopic].map(([topic, partitions]) => ({
        topic, partitions: partitions.map((partition) => ({ partition })), fromBeginning: spec === 'earliest',
      })));
      for (const t of res) for (const p of t.partitions) out.set(key(t.topic, p.partition), Number(p.offset));
      return out;
    }, {
      attempts: 21,
      retriable: (e) => {
        const err = e as Error & { retriable?: boolean; type?: string };
        return err.retriable === true || /NOT_LEADER|LEADER_NOT_AVAILABLE|UNKNOWN_TOPIC_OR_PARTITION|does not host/i.test(`${err.type ?? ''} ${err.message}`);
      },
      onRetry: () => this.cluster.refreshMetadata().catch(() => undefined),
      backoffMs: exponentialBackoff(50, 1000),
      signal,
    });
  }

  private async resolvePending(): Promise<void> {
    if (this.pending.size === 0) return;
    for (const spec of ['earliest', 'latest'] as const) {
      const tps = [...this.pending.values()].filter((p) => p.spec === spec);
      if (tps.length === 0) continue;
      const offs = await this.listOffsets(tps, spec);
      for (const tp of tps) {
        const k = key(tp.topic, tp.partition);
        const o = offs.get(k);
        if (o === undefined) continue;
        this.pending.delete(k);
        this.positions.set(k, { topic: tp.topic, partition: tp.partition, offset: o });
      }
    }
  }

  /**
   * One fetch round over every assigned partition (one request per leader). Returns records in offset
   * order per partition and advances positions. Control records (transaction markers) are skipped but
   * still advance the position; with readCommitted, aborted transactional records are dropped.
   *
   * Errors: a partition's transient error (leader change, network) is retried by later polls, up to
   * MAX_TRANSIENT_FAILURES in a row, then a retriable FetchError is thrown. An undecodable batch or a
   * non-retriable error code throws a non-retriable FetchError naming topic, partition, offset (and codec);
   * data of other partitions (and of the same partition before the bad batch) fetched in the same round is
   * returned first, and the error is thrown by the next poll.
   */
  async poll(): Promise<FetchResult[]> {
    return this.round((topic, p) => this.decodePartition(topic, p), (r) => r.records.length === 0);
  }

  /**
   * As poll(), but hands each partition's record set undecoded to `rewrite` (a view into the response buffer,
   * see RawPartition.records), and advances the position to the nextOffset it reports. `rewrite` may
   * return a promise (codec work off the main thread); a rejected one fails the reader without moving the
   * partition's position. Same error rules.
   */
  async pollRaw<T>(rewrite: (part: RawPartition) => RawPartitionResult<T | null> | Promise<RawPartitionResult<T | null>>): Promise<T[]> {
    const empty = new Set<T>();
    return this.round((topic, p) => {
      const pos = this.positions.get(key(topic, p.partition));
      if (!pos) return null; // unassigned while the fetch was in flight
      const settle = (r: RawPartitionResult<T | null>): T | null => {
        if (r.error) this.fail(batchFailure(topic, p.partition, Math.max(r.error.offset, pos.offset), r.error));
        pos.offset = Math.max(pos.offset, r.nextOffset);
        if (r.value === null) return null;
        if (r.empty) empty.add(r.value);
        return r.value;
      };
      const r = rewrite({
        topic, partition: p.partition, records: p.records ?? EMPTY_SET, fetchOffset: pos.offset,
        abortedTransactions: this.isolationLevel === 1 ? p.abortedTransactions : null, highWatermark: p.highWatermark,
      });
      return r instanceof Promise ? r.then(settle) : settle(r);
    }, (v) => empty.has(v));
  }

  private async round<T>(handle: (topic: string, p: FetchPartitionResponse) => T | null | Promise<T | null>, isEmpty: (r: T) => boolean): Promise<T[]> {
    this.raiseFailure();
    await this.connect();
    await this.resolvePending();
    if (this.positions.size === 0) return [];
    const topics = [...new Set([...this.positions.values()].map((p) => p.topic))];
    const unavailable = await this.refreshForRound(topics);
    const perLeader = new Map<number, Map<string, Array<{ partition: number; offset: number; maxBytes: number }>>>();
    const maxPerPartition = this.opts.maxBytesPerPartition ?? 1_048_576;
    const transient: Array<{ tp: TopicPartition; cause: string }> = [];
    for (const pos of this.positions.values()) {
      const missing = unavailable.get(pos.topic);
      if (missing !== undefined) { transient.push({ tp: pos, cause: missing }); continue; }
      const nodeId = this.leaderOf(pos);
      if (typeof nodeId === 'string') {
        transient.push({ tp: pos, cause: nodeId });
        continue;
      }
      const m = perLeader.get(nodeId) ?? new Map<string, Array<{ partition: number; offset: number; maxBytes: number }>>();
      const list = m.get(pos.topic) ?? [];
      list.push({ partition: pos.partition, offset: pos.offset, maxBytes: maxPerPartition });
      m.set(pos.topic, list);
      perLeader.set(nodeId, m);
    }
    const results: T[] = [];
    const outOfRange: TopicPartition[] = [];
    await Promise.all([...perLeader].map(async ([nodeId, topicsMap]) => {
      let response: FetchResponse;
      try {
        response = await this.fetchFrom(nodeId, topicsMap);
      } catch (e) {
        const cause = (e as Error).message;
        for (const [topic, parts] of topicsMap) for (const p of parts) transient.push({ tp: { topic, partition: p.partition }, cause: `broker ${nodeId}: ${cause}` });
        return;
      }
      const handled: Array<T | null | Promise<T | null>> = [];
      const handledTp: TopicPartition[] = [];
      for (const t of response.responses) {
        for (const p of t.partitions) {
          const tp = { topic: t.topic, partition: p.partition };
          if (p.errorCode === OFFSET_OUT_OF_RANGE) { outOfRange.push(tp); continue; }
          if (p.errorCode !== 0) {
            const err = errorOf(p.errorCode);
            if (err.retriable) { transient.push({ tp, cause: `${err.type}: ${err.message}` }); continue; }
            this.fail(new FetchError(`Fetching ${t.topic}-${p.partition} at offset ${this.positions.get(key(t.topic, p.partition))?.offset ?? '?'} failed: ${err.type}: ${err.message}`, {
              retriable: false, topic: t.topic, partition: p.partition, offset: this.positions.get(key(t.topic, p.partition))?.offset,
            }));
            continue;
          }
          this.failures.delete(key(t.topic, p.partition));
          handled.push(handle(t.topic, p));
          handledTp.push(tp);
        }
      }
      // Partitions handed off (codec work off the main thread) finish in any order; results keep the response's.
      // One that failed there kept its position (nothing of it is lost) and fails the reader; the others' results
      // are returned, since their positions moved.
      for (const [i, r] of (await Promise.allSettled(handled)).entries()) {
        if (r.status === 'fulfilled') { if (r.value !== null) results.push(r.value); continue; }
        const tp = handledTp[i]!;
        this.fail(new FetchError(`Rewriting ${tp.topic}-${tp.partition} at offset ${this.positions.get(key(tp.topic, tp.partition))?.offset ?? '?'} failed: ${(r.reason as Error).message}`, {
          retriable: false, topic: tp.topic, partition: tp.partition, offset: this.positions.get(key(tp.topic, tp.partition))?.offset,
        }));
      }
    }));
    if (outOfRange.length > 0) {
      try {
        await this.resetOutOfRange(outOfRange);
      } catch (e) {
        for (const tp of outOfRange) transient.push({ tp, cause: `OFFSET_OUT_OF_RANGE, and listing offsets failed: ${(e as Error).message}` });
      }
    }
    if (transient.length > 0) await this.onTransient(transient);
    // Positions already moved past what `results` holds: a failure found in this round waits for the next
    // poll unless there is nothing to hand over, so no fetched record is dropped.
    if (results.every(isEmpty)) this.raiseFailure();
    return results;
  }

  /** The node id of the partition's leader, or why it is not known. */
  private leaderOf(tp: TopicPartition): number | string {
    let nodeId: number | undefined;
    try {
      const leaders = this.cluster.findLeaderForPartitions(tp.topic, [tp.partition]) as Record<string, number[]>;
      for (const [id, parts] of Object.entries(leaders)) if (parts.includes(tp.partition)) nodeId = Number(id);
    } catch (e) {
      return (e as Error).message;
    }
    return nodeId === undefined || !Number.isInteger(nodeId) || nodeId < 0 ? 'no leader known' : nodeId;
  }

  /**
   * The timestamps of the first records at the given offsets (firstRecordTimestamp), read without moving any
   * position: one fetch per leader that does not wait, PEEK_BYTES_PER_PARTITION each. A partition whose leader or
   * record is not known (an error, nothing there yet) is left out.
   */
  async peekTimestamps(at: ReadonlyArray<TopicPartition & { offset: number }>): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (at.length === 0) return out;
    await this.connect();
    await this.refresh([...new Set(at.map((a) => a.topic))]);
    const perLeader = new Map<number, Map<string, Array<{ partition: number; offset: number; maxBytes: number }>>>();
    for (const a of at) {
      const nodeId = this.leaderOf(a);
      if (typeof nodeId === 'string') continue;
      const m = perLeader.get(nodeId) ?? new Map<string, Array<{ partition: number; offset: number; maxBytes: number }>>();
      m.set(a.topic, [...(m.get(a.topic) ?? []), { partition: a.partition, offset: a.offset, maxBytes: PEEK_BYTES_PER_PARTITION }]);
      perLeader.set(nodeId, m);
    }
    const offsets = new Map(at.map((a) => [key(a.topic, a.partition), a.offset]));
    await Promise.all([...perLeader].map(async ([nodeId, topicsMap]) => {
      const res = await this.fetchFrom(nodeId, topicsMap, { maxWaitMs: 0, maxBytes: PEEK_BYTES_PER_PARTITION * at.length }).catch(() => null);
      for (const t of res?.responses ?? []) {
        for (const p of t.partitions) {
          const k = key(t.topic, p.partition);
          const ts = p.errorCode === 0 && p.records ? firstRecordTimestamp(p.records, offsets.get(k) ?? 0) : undefined;
          if (ts !== undefined) out.set(k, ts);
        }
      }
    }));
    return out;
  }

  /** Throws the pending failure; a retriable one is thrown once (the next poll tries again). */
  private raiseFailure(): void {
    const f = this.failure;
    if (!f) return;
    if (f.retriable) this.failure = null;
    throw f;
  }

  /**
   * Records a non-retriable failure (it replaces a pending retriable one); later ones are only logged, the first
   * is what the task reports.
   */
  private fail(e: FetchError): void {
    if (this.failure && !this.failure.retriable) log.error({ err: e.message }, 'another fetch failure');
    else this.failure = e;
  }

  private async fetchFrom(
    nodeId: number, topicsMap: Map<string, Array<{ partition: number; offset: number; maxBytes: number }>>,
    limits = { maxWaitMs: this.opts.maxWaitMs ?? 500, maxBytes: this.opts.maxBytes ?? 52_428_800 },
  ): Promise<FetchResponse> {
    const broker = await this.cluster.findBroker({ nodeId });
    const { maxWaitMs, maxBytes } = limits;
    const response = await sendRequest(broker, {
      apiKey: FETCH_API_KEY, apiVersion: FETCH_VERSION, apiName: 'Fetch',
      body: fetchRequestBody({ maxWaitMs, minBytes: this.opts.minBytes ?? 1, maxBytes, isolationLevel: this.isolationLevel }, topicsMap),
      decode: decodeFetchResponse,
      // A fetch may block for max wait on the broker; the request timeout comes on top of that.
      requestTimeout: maxWaitMs + Number(this.cluster.requestTimeout ?? 30_000),
    });
    if (!response) throw new Error('Fetch got no response');
    return response;
  }

  /** Counts transient failures; past the bound they become a retriable FetchError that poll() raises. */
  private async onTransient(list: Array<{ tp: TopicPartition; cause: string }>): Promise<void> {
    let worst = 0;
    for (const { tp, cause } of list) {
      const k = key(tp.topic, tp.partition);
      const n = (this.failures.get(k) ?? 0) + 1;
      this.failures.set(k, n);
      worst = Math.max(worst, n);
      if (n > MAX_TRANSIENT_FAILURES && !this.failure) {
        this.failure = new FetchError(`Fetching ${tp.topic}-${tp.partition} at offset ${this.positions.get(k)?.offset ?? '?'} failed ${n} times in a row: ${cause}`, {
          retriable: true, topic: tp.topic, partition: tp.partition, offset: this.positions.get(k)?.offset,
        });
      }
    }
    log.warn({ partitions: list.slice(0, 5).map((x) => `${x.tp.topic}-${x.tp.partition}`), count: list.length, err: list[0]!.cause, attempt: worst }, 'fetch failed; refreshing metadata');
    await this.cluster.refreshMetadata().catch(() => undefined);
    // The failure counts stay after a report, so the next failing poll reports again.
    await sleep(Math.min((this.opts.retryBackoffMs ?? 100) * 2 ** (worst - 1), this.opts.retryBackoffMaxMs ?? 1000));
  }

  private decodePartition(topic: string, p: FetchPartitionResponse): FetchResult | null {
    const partition = p.partition;
    const k = key(topic, partition);
    const pos = this.positions.get(k);
    if (!pos) return null; // unassigned while the fetch was in flight
    const start = pos.offset;
    const { batches, error } = p.records ? decodeRecordSet(p.records, { checkCrc: this.opts.checkCrcs !== false }) : { batches: [] };
    const committed = new CommittedBatchFilter(this.isolationLevel === 1 ? p.abortedTransactions : null);
    const records: InRecord[] = [];
    let next = start;
    for (const b of batches) {
      if (b.lastOffset + 1 > next) next = b.lastOffset + 1;
      if (!committed.delivers(b.lastOffset, b.isControl, b.isTransactional, b.producerId)) continue;
      for (const r of b.records) {
        if (r.offset < start) continue; // a batch may start before the fetch offset
        records.push({ topic, partition, offset: r.offset, key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp });
      }
    }
    if (error) this.fail(batchFailure(topic, partition, Math.max(error.offset, start), error));
    // Batch boundaries (not record offsets) decide the next position: compaction and control batches leave gaps.
    pos.offset = Math.max(pos.offset, next);
    return { topic, partition, records, nextOffset: pos.offset, highWatermark: p.highWatermark };
  }

  /**
   * Out of range means retention removed data (reset to earliest, as MM2's auto.offset.reset=earliest) or the
   * position is past the end (reset to latest).
   */
  private async resetOutOfRange(tps: TopicPartition[]): Promise<void> {
    const earliest = await this.listOffsets(tps, 'earliest');
    const latest = await this.listOffsets(tps, 'latest');
    for (const tp of tps) {
      const k = key(tp.topic, tp.partition);
      const pos = this.positions.get(k);
      if (!pos) continue;
      const lo = earliest.get(k) ?? 0, hi = latest.get(k) ?? 0;
      if (pos.offset < lo) { log.warn({ ...tp, from: pos.offset, to: lo }, 'fetch offset below log start (retention); resetting to earliest'); pos.offset = lo; }
      else if (pos.offset > hi) { log.warn({ ...tp, from: pos.offset, to: hi }, 'fetch offset past log end; resetting to latest'); pos.offset = hi; }
    }
  }
}

function batchFailure(topic: string, partition: number, offset: number, e: BatchDecodeError): FetchError {
  return new FetchError(`Cannot decode the record batch of ${topic}-${partition} at offset ${offset} (compression codec ${e.codec}): ${e.detail}`, {
    retriable: false, topic, partition, offset, codec: e.codec, cause: e,
  });
}
