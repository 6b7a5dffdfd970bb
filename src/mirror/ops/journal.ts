// The operations journal: a compacted topic (`ferry-ops-journal.internal`) on the cluster an operation moves to,
// recording each operation and each of its steps, so that re-running an interrupted `failover`, `failback` or
// `migrate` resumes where it stopped instead of repeating finished steps.
//
//   key  op:<op key>             value {id, kind, from, to, status, startedAt, updatedAt, args, result}
//   key  step:<op id>:<step>     value {status, at, ms, summary, details, error}
//
// The op key names what is being done (e.g. `failover:A->B`), so a second run of the same command finds the first
// one. Compaction keeps the latest record of each key, which is all the journal needs.
import { randomUUID } from 'node:crypto';
import type { ClientProps } from '../../kafka/client.js';
import { withClusterAdmin } from '../../kafka/cluster-admin.js';
import { RecordProducer } from '../../kafka/producer.js';
import { readToEnd } from '../../kafka/read-to-end.js';
import { ensureTopics } from './context.js';

export const OPS_JOURNAL_TOPIC = 'ferry-ops-journal.internal';

export type OpStatus = 'running' | 'done' | 'partial' | 'failed';
export type StepStatus = 'done' | 'incomplete' | 'failed';

export interface OpRecord {
  key: string;
  id: string;
  kind: string;
  from: string;
  to: string;
  status: OpStatus;
  startedAt: string;
  updatedAt: string;
  args?: unknown;
  result?: unknown;
}

export interface StepRecord {
  step: string;
  status: StepStatus;
  at: string;
  ms: number;
  summary?: string;
  details?: unknown;
  error?: string;
}

export class OpsJournal {
  private readonly ops = new Map<string, OpRecord>();
  private readonly steps = new Map<string, Map<string, StepRecord>>();
  private producer: RecordProducer | null = null;
  private ensured = false;

  private constructor(private readonly props: ClientProps | null, readonly topic: string) {}

  /** A journal kept only in memory (tests, and dry runs that must not touch a cluster). */
  static inMemory(): OpsJournal {
    const j = new OpsJournal(null, OPS_JOURNAL_TOPIC);
    j.ensured = true;
    return j;
  }

  /** Reads the journal (a missing topic is an empty journal; nothing is created until the first write). */
  static async open(props: ClientProps, topic = OPS_JOURNAL_TOPIC): Promise<OpsJournal> {
    const j = new OpsJournal(props, topic);
    const n = await withClusterAdmin(props, async (admin) => (await admin.partitionCounts([topic])).get(topic), 'ferry-ops-journal');
    if (n === undefined) return j;
    j.ensured = true;
    await readToEnd(props, topic, Array.from({ length: n }, (_, i) => i), (r) => {
      if (!r.key) return;
      j.apply(r.key.toString('utf8'), r.value);
    }, { clientId: 'ferry-ops-journal-reader', timeoutMs: 60_000 });
    return j;
  }

  private apply(key: string, value: Buffer | null): void {
    let v: unknown = null;
    if (value !== null) {
      try { v = JSON.parse(value.toString('utf8')); } catch { return; }
    }
    if (key.startsWith('op:')) {
      const k = key.slice(3);
      if (v === null) this.ops.delete(k);
      else this.ops.set(k, v as OpRecord);
    } else if (key.startsWith('step:')) {
      const rest = key.slice(5);
      const i = rest.indexOf(':');
      if (i < 0) return;
      const id = rest.slice(0, i);
      const step = rest.slice(i + 1);
      let m = this.steps.get(id);
      if (!m) this.steps.set(id, (m = new Map()));
      if (v === null) m.delete(step);
      else m.set(step, v as StepRecord);
    }
  }

  private async write(key: string, value: unknown): Promise<void> {
    if (this.props === null) {
      this.apply(key, value === null ? null : Buffer.from(JSON.stringify(value), 'utf8'));
      return;
    }
    if (!this.ensured) {
      await withClusterAdmin(this.props, async (admin) => {
        // No setting names its factor, so the cluster's own default.replication.factor applies (-1), never a capped 3.
        await ensureTopics(admin, [{ topic: this.topic, partitions: 1, replicationFactor: -1, configs: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '3600000' } }]);
      }, 'ferry-ops-journal');
      this.ensured = true;
    }
    if (!this.producer) {
      this.producer = new RecordProducer({ ...this.props, acks: 'all', 'enable.idempotence': 'true' }, 'ferry-ops-journal-writer');
      await this.producer.connect();
    }
    const buf = value === null ? null : Buffer.from(JSON.stringify(value), 'utf8');
    await this.producer.send([{ topic: this.topic, partition: 0, key: Buffer.from(key, 'utf8'), value: buf, headers: [], timestamp: null }]);
    this.apply(key, buf);
  }

  get exists(): boolean {
    return this.ensured;
  }

  op(opKey: string): OpRecord | undefined {
    return this.ops.get(opKey);
  }

  allOps(): OpRecord[] {
    return [...this.ops.values()];
  }

  stepsOf(id: string): Map<string, StepRecord> {
    return this.steps.get(id) ?? new Map();
  }

  step(id: string, step: string): StepRecord | undefined {
    return this.steps.get(id)?.get(step);
  }

  async begin(opKey: string, kind: string, from: string, to: string, args: unknown): Promise<OpRecord> {
    const now = new Date().toISOString();
    const rec: OpRecord = { key: opKey, id: randomUUID(), kind, from, to, status: 'running', startedAt: now, updatedAt: now, args };
    await this.write(`op:${opKey}`, rec);
    return rec;
  }

  async updateOp(rec: OpRecord, patch: Partial<Pick<OpRecord, 'status' | 'result' | 'args'>>): Promise<OpRecord> {
    const next: OpRecord = { ...rec, ...patch, updatedAt: new Date().toISOString() };
    await this.write(`op:${rec.key}`, next);
    return next;
  }

  async recordStep(id: string, rec: StepRecord): Promise<void> {
    await this.write(`step:${id}:${rec.step}`, rec);
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = null;
    await p?.disconnect();
  }
}
