// BatchSender: the producer's send loop. Record batches (RecordBatch v2, already encoded) queue per partition;
// each target broker gets up to `max.in.flight.requests.per.connection` Produce requests at once, each holding
// at most one batch per partition, so several batches of one partition can be in flight in successive requests
// (a broker handles one connection's requests in order).
//
// With idempotence, Java's rules for retries:
// - sequence numbers are fixed when a batch is queued and kept across resends; producer id, epoch and sequence
//   are written into the batch (and its CRC recomputed) each time it goes out;
// - after a retriable error the partition is "retrying": its failed and returned batches go back to the queue
//   in sequence order, and it sends one batch at a time, once nothing of it is in flight, until one succeeds;
//   a later batch answered OUT_OF_ORDER_SEQUENCE_NUMBER because an earlier one failed is resent, not failed;
// - OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID for the partition's oldest unacknowledged batch means the
//   broker lost the producer's state: when every request in flight has returned, a new producer id is fetched
//   and every queued batch renumbered from 0 (as Java's epoch bump);
// - DUPLICATE_SEQUENCE_NUMBER is success (already written; its offset is unknown);
// - MESSAGE_TOO_LARGE / RECORD_LIST_TOO_LARGE splits the batch in two (same sequence range); one record that is
//   still too large fails with an error naming topic, partition and size;
// - NOT_LEADER_OR_FOLLOWER and other metadata errors refresh metadata, so the resend goes to the new leader;
// - a batch fails after `delivery.timeout.ms` or `retries` resends; a non-retriable error fails the batch and
//   the partition's queued batches, then the producer takes a new producer id, so later sends work again
//   (without it every later batch of that partition would be out of sequence).
import { sealRecordBatch } from './record-batch.js';
import { exponentialBackoff, retry, sleep } from '../backoff.js';

/** One partition's answer in a Produce response. */
export interface PartitionResponse { topic: string; partition: number; errorCode: number; baseOffset: number }

/** What the sender needs from the cluster: metadata, requests, producer ids. Real one in producer.ts. */
export interface ProduceTransport {
  /** Leader of a partition from cached metadata; undefined when unknown. */
  leaderFor(topic: string, partition: number): number | undefined;
  refreshMetadata(): Promise<void>;
  /** Sends one Produce request; resolves with every partition's answer (none with acks=0). */
  produce(nodeId: number, batches: ReadonlyArray<{ topic: string; partition: number; batch: Buffer }>): Promise<PartitionResponse[]>;
  /** Forgets a broker connection after a request failed on it (the next request reconnects). */
  brokerFailed(nodeId: number): void;
  initProducerId(): Promise<{ producerId: number; producerEpoch: number }>;
}

/** Where a batch's records landed: one segment, or two or more when it was split. */
export interface Segment { baseOffset: number; count: number }

export interface SenderOptions {
  idempotent: boolean;
  /**
   * Batches are part of a transaction (transactional.id): stamped transactional, and a lost producer state or
   * a non-retriable error fails the batch without renewing the producer id — the transaction must be aborted,
   * and a new producer id would fence nothing but this producer's own transaction.
   */
  transactional?: boolean;
  acks: number;
  maxInFlight: number;
  maxRequestBytes: number;
  retries: number;
  deliveryTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  /** Byte budget of queued and in-flight batches (buffer.memory): enqueue waits while it is used up. */
  bufferMemory: number;
  /** Splits a batch's records in two batches (first, second, records in first); null for one record. */
  split(batch: Buffer, count: number): [Buffer, Buffer, number] | null;
  /** Error type and retriability of a Kafka error code. */
  describeError(code: number): { type: string; message: string; retriable: boolean };
  onRetry?(info: { topic: string; partition: number; error: string; attempt: number }): void;
}

interface Batch {
  q: PartitionQueue;
  buf: Buffer;
  /** A request carrying this batch failed without an answer: the socket may still hold its bytes. */
  unanswered?: boolean;
  count: number;
  /** Queue order: sequence for idempotent batches, a counter otherwise (split halves take fractions). */
  ord: number;
  seq: number;
  createdAt: number;
  attempts: number;
  settle: (r: Segment[] | Error) => void;
}

interface PartitionQueue {
  topic: string;
  partition: number;
  pending: Batch[];
  inflight: number;
  nextSeq: number;
  /** Sequence after the last acknowledged batch: a batch starting here has nothing unacknowledged before it. */
  ackedSeq: number;
  retrying: boolean;
  backoffUntil: number;
  nextOrd: number;
}

const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
const DUPLICATE_SEQUENCE_NUMBER = 46;
const UNKNOWN_PRODUCER_ID = 59;
const INVALID_PRODUCER_EPOCH = 47;
const PRODUCER_FENCED = 90;
const MESSAGE_TOO_LARGE = 10;
const RECORD_LIST_TOO_LARGE = 18;
const METADATA_ERRORS = new Set([3 /* UNKNOWN_TOPIC_OR_PARTITION */, 5 /* LEADER_NOT_AVAILABLE */, 6 /* NOT_LEADER_OR_FOLLOWER */, 74 /* FENCED_LEADER_EPOCH */, 75 /* UNKNOWN_LEADER_EPOCH */]);

export class ProduceError extends Error {
  constructor(message: string, readonly type: string, readonly retriable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProduceError';
  }
}

export class BatchSender {
  private readonly queues = new Map<string, PartitionQueue>();
  private readonly inflightRequests = new Map<number, number>();
  private totalInflight = 0;
  private queuedBytes = 0;
  private readonly budgetWaiters: Array<() => void> = [];
  private producerId = -1;
  private producerEpoch = -1;
  private resetNeeded = false;
  private resetting = false;
  private closed: Error | null = null;
  private metadataRefresh: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  /** Batches enqueued and not settled yet, and who waits for that to reach 0 (drain). */
  private unsettled = 0;
  private readonly drainWaiters: Array<() => void> = [];

  constructor(private readonly transport: ProduceTransport, private readonly o: SenderOptions) {}

  /** Gets a producer id (with idempotence); after close(), opens the sender again with fresh sequences. */
  async start(): Promise<void> {
    this.closed = null;
    if (!this.o.idempotent) return;
    const id = await this.transport.initProducerId();
    this.producerId = id.producerId;
    this.producerEpoch = id.producerEpoch;
    for (const q of this.queues.values()) { q.nextSeq = 0; q.ackedSeq = 0; q.retrying = false; }
  }

  /** Producer id and epoch the next batches are stamped with (-1 without idempotence). */
  get producer(): { producerId: number; producerEpoch: number } {
    return { producerId: this.producerId, producerEpoch: this.producerEpoch };
  }

  /** Bytes of batches queued or in flight (counted against buffer.memory until they settle). */
  get bufferedBytes(): number {
    return this.queuedBytes;
  }

  /** Waits until the byte budget has room for `bytes` (always admits into an empty queue). */
  async reserve(bytes: number): Promise<void> {
    while (this.queuedBytes > 0 && this.queuedBytes + bytes > this.o.bufferMemory && this.closed === null) {
      await new Promise<void>((r) => this.budgetWaiters.push(r));
    }
  }

  /**
   * Queues batches (in order; sequence numbers are assigned now) and resolves each with where its records
   * landed, or rejects it with the error that failed it.
   */
  enqueue(batches: ReadonlyArray<{ topic: string; partition: number; batch: Buffer; count: number; release?: (() => void) | undefined }>): Array<Promise<Segment[]>> {
    const now = Date.now();
    const out = batches.map((b) => {
      if (this.closed) return Promise.reject(this.closed);
      const q = this.queue(b.topic, b.partition);
      return new Promise<Segment[]>((resolve, reject) => {
        const seq = this.o.idempotent ? q.nextSeq : -1;
        q.nextSeq += b.count;
        let done = false;
        const batch: Batch = {
          q, buf: b.batch, count: b.count, ord: this.o.idempotent ? seq : q.nextOrd++, seq, createdAt: now, attempts: 0,
          settle: (r) => {
            if (done) return; // settled once, whatever path reports it again
            done = true;
            this.release(b.batch.length);
            this.settled();
            // Its buffer may be reused once no socket can still be writing it: every request that carried it
            // was answered (a request written with acks=0 or left unanswered may still sit in a socket's queue).
            if (b.release && this.o.acks !== 0 && !batch.unanswered) b.release();
            if (r instanceof Error) reject(r); else resolve(r);
          },
        };
        this.unsettled++;
        this.queuedBytes += b.batch.length;
        q.pending.push(batch);
      });
    });
    this.pump();
    return out;
  }

  /** Resolves once every batch enqueued so far has settled (acknowledged or failed): a transaction's flush. */
  drain(): Promise<void> {
    if (this.unsettled === 0) return Promise.resolve();
    return new Promise<void>((r) => this.drainWaiters.push(r));
  }

  private settled(): void {
    if (--this.unsettled === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  /** Fails everything still queued; batches in flight settle when their requests return. */
  close(reason = 'producer closed'): void {
    this.closed = new ProduceError(reason, 'CLOSED', false);
    for (const q of this.queues.values()) for (const b of q.pending.splice(0)) b.settle(this.closed);
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.budgetWaiters.splice(0)) w();
  }

  private queue(topic: string, partition: number): PartitionQueue {
    const key = `${topic}\u0000${partition}`;
    let q = this.queues.get(key);
    if (!q) {
      q = { topic, partition, pending: [], inflight: 0, nextSeq: 0, ackedSeq: 0, retrying: false, backoffUntil: 0, nextOrd: 0 };
      this.queues.set(key, q);
    }
    return q;
  }

  private release(bytes: number): void {
    this.queuedBytes -= bytes;
    for (const w of this.budgetWaiters.splice(0)) w();
  }

  /** Sends what can be sent now: per broker, requests up to the in-flight limit. */
  private pump(): void {
    if (this.closed || this.resetting) return;
    if (this.resetNeeded) { this.maybeReset(); return; }
    const now = Date.now();
    const byBroker = new Map<number, PartitionQueue[]>();
    let needMetadata = false;
    let wakeAt = Infinity;
    for (const q of this.queues.values()) {
      if (q.pending.length === 0 || (q.retrying && q.inflight > 0)) continue;
      if (q.backoffUntil > now) { wakeAt = Math.min(wakeAt, q.backoffUntil); continue; }
      const leader = this.transport.leaderFor(q.topic, q.partition);
      if (leader === undefined) { needMetadata = true; continue; }
      const list = byBroker.get(leader);
      if (list) list.push(q); else byBroker.set(leader, [q]);
    }
    for (const [nodeId, qs] of byBroker) {
      let ready = qs;
      while (ready.length > 0 && (this.inflightRequests.get(nodeId) ?? 0) < this.o.maxInFlight) {
        const taken: Batch[] = [];
        let bytes = 0;
        for (const q of ready) {
          const b = q.pending[0]!;
          if (taken.length > 0 && bytes + b.buf.length > this.o.maxRequestBytes) continue;
          q.pending.shift();
          q.inflight++;
          taken.push(b);
          bytes += b.buf.length;
        }
        this.send(nodeId, taken);
        ready = ready.filter((q) => q.pending.length > 0 && !q.retrying);
      }
    }
    if (needMetadata) this.refreshMetadata();
    if (wakeAt < Infinity) this.wakeAt(wakeAt);
  }

  private wakeAt(at: number): void {
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => { this.timer = null; this.timerAt = Infinity; this.pump(); }, Math.max(0, at - Date.now()));
  }

  private refreshMetadata(): void {
    if (this.metadataRefresh) return;
    this.metadataRefresh = this.transport.refreshMetadata()
      .catch(() => undefined) // the next pump asks again; the batch's delivery timeout bounds it
      .then(() => sleep(this.o.retryBackoffMs))
      .then(() => { this.metadataRefresh = null; this.pump(); });
  }

  private send(nodeId: number, batches: Batch[]): void {
    this.inflightRequests.set(nodeId, (this.inflightRequests.get(nodeId) ?? 0) + 1);
    this.totalInflight++;
    for (const b of batches) {
      b.attempts++;
      if (this.o.idempotent) sealRecordBatch(b.buf, this.producerId, this.producerEpoch, b.seq, this.o.transactional === true);
      else sealRecordBatch(b.buf, -1, -1, -1);
    }
    let request: Promise<PartitionResponse[]>;
    try {
      request = this.transport.produce(nodeId, batches.map((b) => ({ topic: b.q.topic, partition: b.q.partition, batch: b.buf })));
    } catch (e) {
      request = Promise.reject(e);
    }
    request.then(
      (answers) => this.onResponse(batches, answers),
      (e: unknown) => this.onRequestError(nodeId, batches, e),
    ).catch((e: unknown) => {
      // A bug in the handlers must not leave batches hanging.
      for (const b of batches) b.settle(e instanceof Error ? e : new Error(String(e)));
    }).finally(() => {
      this.inflightRequests.set(nodeId, (this.inflightRequests.get(nodeId) ?? 1) - 1);
      this.totalInflight--;
      this.pump();
    });
  }

  private onResponse(batches: Batch[], answers: PartitionResponse[]): void {
    if (this.o.acks === 0) {
      for (const b of batches) { b.q.inflight--; this.succeeded(b, -1); }
      return;
    }
    const byKey = new Map<string, PartitionResponse>();
    for (const a of answers) byKey.set(`${a.topic}\u0000${a.partition}`, a);
    for (const b of batches) {
      b.q.inflight--;
      const a = byKey.get(`${b.q.topic}\u0000${b.q.partition}`);
      if (!a) { this.failed(b, new ProduceError(`Produce response had no answer for ${b.q.topic}-${b.q.partition}`, 'MISSING_PARTITION', true)); continue; }
      if (a.errorCode === 0) this.succeeded(b, a.baseOffset);
      else if (a.errorCode === DUPLICATE_SEQUENCE_NUMBER) this.succeeded(b, -1);
      else this.failed(b, null, a.errorCode);
    }
  }

  private onRequestError(nodeId: number, batches: Batch[], e: unknown): void {
    this.transport.brokerFailed(nodeId);
    const err = e as Error & { retriable?: boolean; type?: string; name?: string };
    const retriable = err.retriable === true || /Connection|Timeout|ECONNREFUSED|ECONNRESET|EPIPE|socket|closed/i.test(`${err.name ?? ''} ${err.type ?? ''} ${err.message}`);
    const pe = new ProduceError(err.message, err.type ?? err.name ?? 'REQUEST_FAILED', retriable, { cause: e });
    for (const b of batches) { b.q.inflight--; b.unanswered = true; this.failed(b, pe); }
    this.refreshMetadata();
  }

  private succeeded(b: Batch, baseOffset: number): void {
    const q = b.q;
    if (this.o.idempotent && b.seq >= 0) q.ackedSeq = Math.max(q.ackedSeq, b.seq + b.count);
    q.retrying = false;
    b.settle([{ baseOffset, count: b.count }]);
  }

  /** A batch came back with an error (`code` from the broker, or `err` for the whole request). */
  private failed(b: Batch, err: ProduceError | null, code?: number): void {
    const q = b.q;
    const d = code !== undefined ? this.o.describeError(code) : { type: err!.type, message: err!.message, retriable: err!.retriable };
    const where = `${q.topic}-${q.partition}`;
    if (this.closed) { b.settle(this.closed); return; }
    if (code === MESSAGE_TOO_LARGE || code === RECORD_LIST_TOO_LARGE) {
      const halves = this.o.split(b.buf, b.count);
      if (!halves) {
        this.fatal(b, new ProduceError(`${d.type}: a record of ${b.buf.length} bytes (batch) is too large for ${where} (the target's message.max.bytes or max.message.bytes): ${d.message}`, d.type, false));
        return;
      }
      this.splitBatch(b, halves);
      return;
    }
    if (this.o.transactional && (code === OUT_OF_ORDER_SEQUENCE_NUMBER || code === UNKNOWN_PRODUCER_ID || code === INVALID_PRODUCER_EPOCH || code === PRODUCER_FENCED)) {
      // Inside a transaction these end it: the caller aborts (or, fenced, stops), as Java's abortable and fatal errors.
      const fenced = code === PRODUCER_FENCED || code === INVALID_PRODUCER_EPOCH;
      const why = fenced ? 'PRODUCER_FENCED: fenced by a newer producer with the same transactional.id' : `${d.type}: ${d.message}`;
      this.fatal(b, new ProduceError(`Producing to ${where} in a transaction failed: ${why}`, fenced ? 'PRODUCER_FENCED' : d.type, false));
      return;
    }
    if (this.o.idempotent && (code === OUT_OF_ORDER_SEQUENCE_NUMBER || code === UNKNOWN_PRODUCER_ID) && b.seq <= q.ackedSeq) {
      // Nothing unacknowledged before this batch: the broker lost this producer's state (e.g. the log was
      // truncated or deleted). Java bumps the epoch; a new producer id does the same for a non-transactional one.
      this.resetNeeded = true;
      this.requeue(b, 0);
      return;
    }
    const retriable = d.retriable || code === OUT_OF_ORDER_SEQUENCE_NUMBER || code === UNKNOWN_PRODUCER_ID;
    const expired = Date.now() - b.createdAt >= this.o.deliveryTimeoutMs;
    if (!retriable || expired || b.attempts > this.o.retries) {
      const why = !retriable ? '' : expired ? ` (delivery.timeout.ms=${this.o.deliveryTimeoutMs} expired after ${b.attempts} attempt(s))` : ` (retries=${this.o.retries} exhausted)`;
      this.fatal(b, new ProduceError(`Producing to ${where} failed: ${d.type}: ${d.message}${why}`, d.type, d.retriable, err ? { cause: err } : undefined));
      return;
    }
    if (code !== undefined && METADATA_ERRORS.has(code)) this.refreshMetadata();
    const backoff = Math.min(this.o.retryBackoffMs * 2 ** Math.max(0, b.attempts - 1), this.o.retryBackoffMaxMs);
    this.o.onRetry?.({ topic: q.topic, partition: q.partition, error: `${d.type}: ${d.message}`, attempt: b.attempts });
    this.requeue(b, backoff);
  }

  /** Back into the partition's queue at its place in sequence order; the partition sends one at a time. */
  private requeue(b: Batch, backoffMs: number): void {
    const q = b.q;
    let i = 0;
    while (i < q.pending.length && q.pending[i]!.ord < b.ord) i++;
    q.pending.splice(i, 0, b);
    q.retrying = true;
    if (backoffMs > 0) q.backoffUntil = Math.max(q.backoffUntil, Date.now() + backoffMs);
  }

  private splitBatch(b: Batch, [first, second, n]: [Buffer, Buffer, number]): void {
    const q = b.q;
    const results: Segment[][] = [];
    let failed = false;
    // The parts keep b's place: same sequence range, or (without idempotence) orders between b and the next batch.
    const nextOrd = q.pending.find((x) => x.ord > b.ord)?.ord ?? b.ord + 1;
    const part = (buf: Buffer, count: number, seq: number, ord: number, idx: number): Batch => ({
      q, buf, count, ord, seq, createdAt: b.createdAt, attempts: 0,
      settle: (r) => {
        if (failed) return;
        if (r instanceof Error) { failed = true; b.settle(r); return; }
        results[idx] = r;
        if (results[0] && results[1]) b.settle([...results[0], ...results[1]]);
      },
    });
    const seq2 = b.seq < 0 ? -1 : b.seq + n;
    this.requeue(part(second, b.count - n, seq2, this.o.idempotent ? seq2 : (b.ord + nextOrd) / 2, 1), 0);
    this.requeue(part(first, n, b.seq, b.ord, 0), 0);
  }

  /** Fails a batch and its partition's queued batches (they are out of sequence now), then renews the producer id. */
  private fatal(b: Batch, err: ProduceError): void {
    const q = b.q;
    b.settle(err);
    for (const x of q.pending.splice(0)) x.settle(new ProduceError(`Not sent to ${q.topic}-${q.partition}: an earlier batch failed (${err.message})`, err.type, false, { cause: err }));
    q.retrying = false;
    if (this.o.idempotent && !this.o.transactional) this.resetNeeded = true;
  }

  /** Once no request is in flight: a new producer id, and every queued batch renumbered from sequence 0. */
  private maybeReset(): void {
    if (!this.resetNeeded || this.resetting || this.totalInflight > 0 || this.closed) return;
    this.resetting = true;
    this.resetNeeded = false;
    const renew = async (): Promise<void> => {
      const id = await retry(() => this.transport.initProducerId(), {
        attempts: 5,
        retriable: () => this.closed === null,
        backoffMs: exponentialBackoff(this.o.retryBackoffMs * 2, this.o.retryBackoffMaxMs),
      });
      this.producerId = id.producerId;
      this.producerEpoch = id.producerEpoch;
    };
    renew().then(() => {
      for (const q of this.queues.values()) {
        q.pending.sort((x, y) => x.ord - y.ord);
        let seq = 0;
        for (const x of q.pending) { x.seq = seq; x.ord = seq; seq += x.count; }
        q.nextSeq = seq;
        q.ackedSeq = 0;
        q.retrying = false;
      }
    }, (e: unknown) => {
      const err = new ProduceError(`Could not get a new producer id: ${(e as Error).message}`, 'INIT_PRODUCER_ID_FAILED', false, { cause: e });
      for (const q of this.queues.values()) for (const x of q.pending.splice(0)) x.settle(err);
    }).finally(() => {
      this.resetting = false;
      this.pump();
    });
  }
}
