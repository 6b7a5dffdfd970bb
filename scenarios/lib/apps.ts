// Simulated applications for the scenarios and the operations tests: producers that write numbered records
// and remember every acknowledged one, and consumer-group members that remember every record they processed
// and commit exactly what they processed. Comparing the two sides gives "lost" and "re-delivered" counts.
import { createHash } from 'node:crypto';
import type { ClientProps } from '../../src/kafka/client.js';
import { GroupConsumer, type InRecord } from '../../src/kafka/consumer.js';
import { RecordProducer } from '../../src/kafka/producer.js';
import { ClusterAdmin } from '../../src/kafka/cluster-admin.js';
import { ensureTopics } from '../../src/mirror/ops/context.js';
import { sleep } from '../../src/backoff.js';

export interface SeqRecord {
  app: string;
  seq: number;
  /** When the producer created it (ms). */
  at?: number;
}

export function seqKey(app: string, seq: number): string {
  return `${app}-${seq}`;
}

export function encodeSeq(app: string, seq: number, extra = ''): { key: Buffer; value: Buffer; headers: [string, Buffer | null][] } {
  return {
    key: Buffer.from(seqKey(app, seq)),
    value: Buffer.from(JSON.stringify({ app, seq, at: Date.now(), pad: extra })),
    headers: [['app', Buffer.from(app)], ['seq', Buffer.from(String(seq))]],
  };
}

export function decodeSeq(r: Pick<InRecord, 'value'>): SeqRecord | null {
  if (!r.value) return null;
  try {
    const v = JSON.parse(r.value.toString('utf8')) as Partial<SeqRecord>;
    return typeof v.app === 'string' && typeof v.seq === 'number' ? { app: v.app, seq: v.seq, ...(typeof v.at === 'number' ? { at: v.at } : {}) } : null;
  } catch {
    return null;
  }
}

export interface Acked { topic: string; partition: number; offset: number; seq: number }

/** Writes numbered records (`app-N`) and records each acknowledged one. */
export class SeqProducer {
  readonly acked: Acked[] = [];
  private readonly producer: RecordProducer;
  private next = 0;
  private loop: Promise<void> | null = null;
  private running = false;
  errors = 0;

  constructor(props: ClientProps, readonly app: string, readonly topic: string, private readonly opts: { pad?: number; startSeq?: number } = {}) {
    this.producer = new RecordProducer({ ...props, acks: 'all', 'request.timeout.ms': '5000', 'retries.kafkajs': '2' }, `app-${app}`);
    this.next = opts.startSeq ?? 0;
  }

  get nextSeq(): number { return this.next; }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  /** Produces `n` records now (in batches of `batch`). */
  async produce(n: number, batch = 200): Promise<void> {
    const pad = 'x'.repeat(this.opts.pad ?? 0);
    for (let done = 0; done < n;) {
      const k = Math.min(batch, n - done);
      const seqs = Array.from({ length: k }, (_, i) => this.next + i);
      const recs = seqs.map((s) => ({ topic: this.topic, partition: null, ...encodeSeq(this.app, s, pad), timestamp: null }));
      const md = await this.producer.send(recs);
      md.forEach((m, i) => this.acked.push({ topic: m.topic, partition: m.partition, offset: m.offset, seq: seqs[i]! }));
      this.next += k;
      done += k;
    }
  }

  /** Keeps producing about `perSecond` records per second until stop() (errors are counted, not thrown). */
  start(perSecond: number, batch = 20): void {
    this.running = true;
    const interval = Math.max(10, Math.round((1000 * batch) / perSecond));
    this.loop = (async () => {
      while (this.running) {
        const t = Date.now();
        try {
          await this.produce(batch, batch);
        } catch {
          this.errors++;
          if (!this.running) break;
        }
        await sleep(Math.max(0, interval - (Date.now() - t)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.loop = null;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.producer.disconnect();
  }
}

export interface Consumed { topic: string; partition: number; offset: number; key: string; seq: number | null; app: string | null; fingerprint: string; sentAt: number | null; receivedAt: number }

/** A consumer-group member that processes records one by one and commits exactly what it processed. */
export class SeqConsumer {
  readonly records: Consumed[] = [];
  private readonly consumer: GroupConsumer;
  private limit = Infinity;
  private running: Promise<void> | null = null;
  private stopped = false;
  /** How many of `records` the group has committed (a batch is committed after it is processed). */
  private committedCount = 0;

  constructor(props: ClientProps, readonly group: string, readonly topics: string[], clientId = `app-${group}`) {
    this.consumer = new GroupConsumer({ ...props, 'auto.offset.reset': 'earliest', 'session.timeout.ms': '10000', 'heartbeat.interval.ms': '1000', 'fetch.max.wait.ms': '200' }, group, clientId);
  }

  /** Stop processing (and committing) after this many records in total. */
  setLimit(n: number): void {
    this.limit = n;
  }

  async start(): Promise<void> {
    await this.consumer.subscribe(this.topics);
    this.running = this.consumer.run(async (recs) => {
      if (this.stopped) return;
      let last = -1;
      for (const r of recs) {
        if (this.records.length >= this.limit || this.stopped) break;
        const s = decodeSeq(r);
        this.records.push({
          topic: r.topic, partition: r.partition, offset: r.offset, key: r.key?.toString('utf8') ?? '', seq: s?.seq ?? null, app: s?.app ?? null,
          fingerprint: fingerprint(r), sentAt: s?.at ?? null, receivedAt: Date.now(),
        });
        last = r.offset;
      }
      const first = recs[0];
      const processed = this.records.length;
      if (first && last >= 0) await this.consumer.commit([{ topic: first.topic, partition: first.partition, offset: last + 1 }]);
      this.committedCount = Math.max(this.committedCount, processed);
    });
  }

  /** Waits until `n` records were processed and their offsets committed. */
  async waitFor(n: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.committedCount < n) {
      if (Date.now() > deadline) throw new Error(`consumer ${this.group} got ${this.records.length} of ${n} records (${this.committedCount} committed) within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** Waits until no record arrived for `quietMs`. */
  async waitQuiet(quietMs = 2000, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let n = this.records.length;
    let since = Date.now();
    while (Date.now() - since < quietMs) {
      if (Date.now() > deadline) return;
      await sleep(100);
      if (this.records.length !== n) { n = this.records.length; since = Date.now(); }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer.stop();
    await this.running?.catch(() => undefined);
  }
}

/** Key, value and the app headers of a record (what a consumer sees as its content). */
export function fingerprint(r: Pick<InRecord, 'key' | 'value' | 'headers'>): string {
  const h = createHash('sha256');
  h.update(r.key ?? Buffer.alloc(0));
  h.update('\u0000');
  h.update(r.value ?? Buffer.alloc(0));
  for (const [k, v] of r.headers) if (k === 'app' || k === 'seq') { h.update(k); h.update(v ?? Buffer.alloc(0)); }
  return h.digest('hex').slice(0, 16);
}

export interface DeliveryReport {
  produced: number;
  consumed: number;
  distinct: number;
  lost: number;
  redelivered: number;
  lostSeqs: number[];
}

/** Compares what producers had acknowledged with what consumers processed (by app and sequence number). */
export function deliveryReport(acked: Iterable<{ seq: number; app?: string }>, consumed: Iterable<{ seq: number | null; app: string | null }>, app?: string): DeliveryReport {
  const want = new Set<string>();
  for (const a of acked) want.add(`${a.app ?? app ?? ''}#${a.seq}`);
  const seen = new Map<string, number>();
  let consumedN = 0;
  for (const c of consumed) {
    if (c.seq === null) continue;
    const k = `${c.app ?? ''}#${c.seq}`;
    if (app !== undefined && c.app !== app) continue;
    consumedN++;
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  const lostSeqs: number[] = [];
  for (const k of want) if (!seen.has(k)) lostSeqs.push(Number(k.slice(k.indexOf('#') + 1)));
  let redelivered = 0;
  for (const n of seen.values()) if (n > 1) redelivered += n - 1;
  return { produced: want.size, consumed: consumedN, distinct: seen.size, lost: lostSeqs.length, redelivered, lostSeqs: lostSeqs.sort((a, b) => a - b).slice(0, 50) };
}

export async function createTopics(props: ClientProps, topics: { topic: string; partitions: number; configs?: Record<string, string> }[]): Promise<void> {
  const admin = new ClusterAdmin(props, 'scenario-admin');
  try {
    await ensureTopics(admin, topics.map((t) => ({ ...t, replicationFactor: 1 })));
  } finally {
    await admin.close();
  }
}
