// Connector, task and active-topic status in Connect's status topic (KafkaStatusBackingStore). Each worker
// writes the status of what it runs (with the group generation) and reads everybody's; statuses are
// eventually consistent. Writes update the local view at once and go out in order per key; "safe" writes
// (Connect's putSafe) only overwrite a status this worker owns or an older generation's.
import { CompactedLog } from '../../kafka/compacted-log.js';
import { logger } from '../../observability/logger.js';
import {
  decodeStatusRecord, encodeStatus, encodeTopicStatus, statusConnectorKey, statusTaskKey, statusTopicKey,
  type StatusValue, type TopicStatusValue,
} from './internal-formats.js';
import type { KafkaStoreOptions } from './kafka-offset-store.js';

const log = logger('connect.status');

export class KafkaStatusStore {
  private readonly log: CompactedLog;
  private readonly connectors = new Map<string, StatusValue>();
  private readonly tasks = new Map<string, Map<number, StatusValue>>();
  private readonly topics = new Map<string, Map<string, TopicStatusValue>>();
  /** Per key: writes in flight, and the offset of this worker's last write. */
  private readonly pending = new Map<string, number>();
  private readonly written = new Map<string, number>();
  private chains = new Map<string, Promise<void>>();
  private started = false;

  constructor(opts: KafkaStoreOptions) {
    this.log = new CompactedLog({
      topic: opts.topic, clientProps: opts.clientProps, producerProps: opts.producerProps, clientId: opts.clientId,
      create: opts.create, setting: opts.setting,
      onRecord: (r) => {
        if (r.key === null) return;
        const key = r.key.toString('utf8');
        if ((this.pending.get(key) ?? 0) > 0) return;
        const mine = this.written.get(key);
        if (mine !== undefined && r.offset < mine) return;
        try {
          this.applyRecord(key, r.value);
        } catch (e) {
          log.warn({ key, err: (e as Error).message }, 'ignoring malformed status record');
        }
      },
    });
  }

  private applyRecord(key: string, value: Buffer | null): void {
    const rec = decodeStatusRecord(key, value);
    if (rec.kind === 'connector') {
      if (rec.status) this.connectors.set(rec.connector, rec.status);
      else this.connectors.delete(rec.connector);
    } else if (rec.kind === 'task') {
      let m = this.tasks.get(rec.connector);
      if (rec.status) {
        if (!m) { m = new Map(); this.tasks.set(rec.connector, m); }
        m.set(rec.task, rec.status);
      } else if (m) {
        m.delete(rec.task);
        if (m.size === 0) this.tasks.delete(rec.connector);
      }
    } else if (rec.kind === 'topic') {
      let m = this.topics.get(rec.connector);
      if (rec.status) {
        if (!m) { m = new Map(); this.topics.set(rec.connector, m); }
        m.set(rec.topic, rec.status);
      } else if (m) {
        m.delete(rec.topic);
        if (m.size === 0) this.topics.delete(rec.connector);
      }
    }
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.log.start();
    this.started = true;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await Promise.allSettled([...this.chains.values()]);
    await this.log.stop();
  }

  readToEnd(timeoutMs?: number): Promise<void> {
    return this.log.readToEnd(timeoutMs);
  }

  /** Applies locally now; sends after earlier writes of the same key. Resolves when acknowledged. */
  private write(key: string, value: string | null): Promise<void> {
    this.applyRecord(key, value === null ? null : Buffer.from(value, 'utf8'));
    if (!this.started) return Promise.resolve();
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.then(async () => {
      try {
        const md = await this.log.send(key, value);
        if (md.offset >= 0) this.written.set(key, Math.max(md.offset, this.written.get(key) ?? -1));
      } catch (e) {
        log.warn({ key, err: (e as Error).message }, 'could not write status record');
      } finally {
        const n = (this.pending.get(key) ?? 1) - 1;
        if (n <= 0) this.pending.delete(key);
        else this.pending.set(key, n);
      }
    });
    this.chains.set(key, next);
    void next.then(() => { if (this.chains.get(key) === next) this.chains.delete(key); });
    return next;
  }

  private static mayOverwrite(current: StatusValue | undefined, next: StatusValue): boolean {
    return current === undefined || current.workerId === next.workerId || current.generation < next.generation;
  }

  putConnector(name: string, s: StatusValue): Promise<void> {
    return this.write(statusConnectorKey(name), encodeStatus(s));
  }

  /** Writes only over a status from this worker or from an older generation. */
  putConnectorSafe(name: string, s: StatusValue): Promise<void> {
    if (!KafkaStatusStore.mayOverwrite(this.connectors.get(name), s)) return Promise.resolve();
    return this.putConnector(name, s);
  }

  putTask(connector: string, task: number, s: StatusValue): Promise<void> {
    return this.write(statusTaskKey(connector, task), encodeStatus(s));
  }

  putTaskSafe(connector: string, task: number, s: StatusValue): Promise<void> {
    if (!KafkaStatusStore.mayOverwrite(this.tasks.get(connector)?.get(task), s)) return Promise.resolve();
    return this.putTask(connector, task, s);
  }

  deleteTask(connector: string, task: number): Promise<void> {
    if (!this.tasks.get(connector)?.has(task)) return Promise.resolve();
    return this.write(statusTaskKey(connector, task), null);
  }

  /** Tombstones the connector's status and every task status it has. */
  async deleteConnector(name: string): Promise<void> {
    const tasks = [...(this.tasks.get(name)?.keys() ?? [])];
    await Promise.all([
      this.connectors.has(name) ? this.write(statusConnectorKey(name), null) : Promise.resolve(),
      ...tasks.map((t) => this.write(statusTaskKey(name, t), null)),
    ]);
  }

  putTopic(t: TopicStatusValue): Promise<void> {
    if (this.topics.get(t.connector)?.has(t.topic)) return Promise.resolve();
    return this.write(statusTopicKey(t.topic, t.connector), encodeTopicStatus(t));
  }

  async deleteTopics(connector: string): Promise<void> {
    const topics = [...(this.topics.get(connector)?.keys() ?? [])];
    await Promise.all(topics.map((topic) => this.write(statusTopicKey(topic, connector), null)));
  }

  getConnector(name: string): StatusValue | undefined {
    return this.connectors.get(name);
  }

  getTask(connector: string, task: number): StatusValue | undefined {
    return this.tasks.get(connector)?.get(task);
  }

  connectorTasks(connector: string): Array<[number, StatusValue]> {
    return [...(this.tasks.get(connector) ?? new Map<number, StatusValue>())].sort((a, b) => a[0] - b[0]);
  }

  connectorTopics(connector: string): string[] {
    return [...(this.topics.get(connector)?.keys() ?? [])].sort();
  }

  connectorNames(): string[] {
    return [...this.connectors.keys()];
  }
}
