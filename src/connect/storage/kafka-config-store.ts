// Connector configs, task configs, target states and restart requests in Connect's config topic
// (KafkaConfigBackingStore): one partition, compacted, read by every worker in order. Task configs are
// buffered until their commit record and applied all at once; a commit that names tasks the log does not
// hold (compaction or a torn write) marks the connector inconsistent until the leader rewrites its tasks.
// The snapshot offset is the position after the last record read: the "config offset" exchanged in the
// group protocol.
import { ConnectError } from '../api/errors.js';
import { CompactedLog } from '../../kafka/compacted-log.js';
import { logger } from '../../observability/logger.js';
import type { TargetState } from '../api/states.js';
import {
  commitKey, connectorKey, decodeConfigRecord, encodeCommit, encodeTaskCount, fencingKey, encodeLoggerLevel, encodeProperties, encodeRestartRequest,
  encodeSessionKey, encodeTargetState, loggerClusterKey, restartKey, SESSION_KEY_KEY, targetStateKey, taskKey,
  type RestartRequestRecord, type SessionKeyRecord,
} from './internal-formats.js';
import type { KafkaStoreOptions } from './kafka-offset-store.js';
import { FencedError } from '../../kafka/transactions.js';

const log = logger('connect.config');

/** A config record too large for the config topic: the REST caller gets 413 with the limits named. */
export class ConfigTooLargeError extends ConnectError {
  override readonly statusCode: number = 413;
}

/** Produce error types of a record over a size limit (broker: MESSAGE_TOO_LARGE; Java client: RECORD_TOO_LARGE). */
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

function tooLarge(connector: string, bytes: number, limit: string, cause?: unknown): ConfigTooLargeError {
  return new ConfigTooLargeError(
    `Connector configuration for '${connector}' is too large to store in the config topic: its record is about ${bytes} bytes, over ${limit}. `
    + 'Shorten the configuration (a large value can come from a config provider) or raise the limits: message.max.bytes on the brokers '
    + '(or max.message.bytes on the config topic) and max.request.size on the workers.',
    cause === undefined ? undefined : { cause },
  );
}

export type Props = Record<string, string>;

export interface ConfigListener {
  onConnectorConfigUpdate?(connector: string): void;
  onConnectorConfigRemove?(connector: string): void;
  onTaskConfigUpdate?(connector: string): void;
  onTargetStateChange?(connector: string): void;
  onRestartRequest?(connector: string, request: RestartRequestRecord): void;
  onSessionKeyUpdate?(key: SessionKeyRecord | null): void;
  onLoggerLevel?(namespace: string, level: string): void;
  /** A write failed because another worker claimed the config topic's transactional id (a newer leader). */
  onWritePrivilegesLost?(err: FencedError): void;
}

/** A consistent view of the config topic up to `offset`. */
export interface ConfigSnapshot {
  offset: number;
  connectors: ReadonlyMap<string, Props>;
  targetStates: ReadonlyMap<string, TargetState>;
  taskConfigs: ReadonlyMap<string, readonly Props[]>;
  taskCounts: ReadonlyMap<string, number>;
  inconsistent: ReadonlySet<string>;
}

export class KafkaConfigStore {
  private readonly log: CompactedLog;
  private offsetValue = -1;
  private readonly connectors = new Map<string, Props>();
  private readonly targetStates = new Map<string, TargetState>();
  private readonly taskConfigs = new Map<string, Props[]>();
  private readonly taskCounts = new Map<string, number>();
  private readonly inconsistent = new Set<string>();
  /** KIP-618: the task count of the last fenced generation, per connector (tasks-fencing-<connector>). */
  private readonly fencedTaskCounts = new Map<string, number>();
  /** Connectors whose latest task configs were committed after their latest task-count record. */
  private readonly pendingFencingSet = new Set<string>();
  private readonly deferred = new Map<string, Map<number, Props>>();
  private sessionKeyValue: SessionKeyRecord | null = null;
  private readonly loggerLevels = new Map<string, string>();
  private started = false;
  private listener: ConfigListener = {};
  private writes: Promise<unknown> = Promise.resolve();
  /** The config-topic producer's max.request.size (Java's default 1 MiB): a larger record is refused up front. */
  private readonly maxRequestSize: number;

  constructor(opts: KafkaStoreOptions) {
    const limit = Number(opts.producerProps?.['max.request.size'] ?? opts.clientProps['max.request.size'] ?? 1_048_576);
    this.maxRequestSize = Number.isFinite(limit) && limit > 0 ? limit : 1_048_576;
    this.log = new CompactedLog({
      topic: opts.topic, clientProps: opts.clientProps, producerProps: opts.producerProps, clientId: opts.clientId,
      create: { ...opts.create, partitions: 1 }, setting: opts.setting, requireSinglePartition: true, readCommitted: opts.readCommitted ?? false,
      onRecord: (r) => {
        this.offsetValue = r.offset + 1;
        if (r.key === null) return;
        const key = r.key.toString('utf8');
        try {
          this.apply(key, r.value);
        } catch (e) {
          log.error({ key, offset: r.offset, err: (e as Error).message }, 'ignoring malformed config record');
        }
      },
    });
  }

  setListener(listener: ConfigListener): void {
    this.listener = listener;
  }

  private apply(key: string, value: Buffer | null): void {
    const rec = decodeConfigRecord(key, value);
    const notify = this.started;
    switch (rec.kind) {
      case 'connector': {
        if (rec.properties === null) {
          const existed = this.connectors.delete(rec.connector);
          this.targetStates.delete(rec.connector);
          this.taskConfigs.delete(rec.connector);
          this.taskCounts.delete(rec.connector);
          this.fencedTaskCounts.delete(rec.connector);
          this.pendingFencingSet.delete(rec.connector);
          this.deferred.delete(rec.connector);
          this.inconsistent.delete(rec.connector);
          if (existed && notify) this.listener.onConnectorConfigRemove?.(rec.connector);
        } else {
          this.connectors.set(rec.connector, rec.properties);
          if (notify) this.listener.onConnectorConfigUpdate?.(rec.connector);
        }
        return;
      }
      case 'task': {
        let m = this.deferred.get(rec.connector);
        if (!m) { m = new Map(); this.deferred.set(rec.connector, m); }
        if (rec.properties === null) m.delete(rec.task);
        else m.set(rec.task, rec.properties);
        return;
      }
      case 'commit': {
        if (rec.tasks === null) return;
        const pending = this.deferred.get(rec.connector) ?? new Map<number, Props>();
        const configs: Props[] = [];
        for (let i = 0; i < rec.tasks; i++) {
          const c = pending.get(i);
          if (!c) break;
          configs.push(c);
        }
        if (configs.length === rec.tasks) {
          this.taskConfigs.set(rec.connector, configs);
          this.inconsistent.delete(rec.connector);
        } else {
          log.warn({ connector: rec.connector, committed: rec.tasks, found: configs.length }, 'task commit names task configs missing from the config topic; connector marked inconsistent');
          this.inconsistent.add(rec.connector);
        }
        this.taskCounts.set(rec.connector, rec.tasks);
        this.pendingFencingSet.add(rec.connector);
        this.deferred.delete(rec.connector);
        if (notify) this.listener.onTaskConfigUpdate?.(rec.connector);
        return;
      }
      case 'target-state': {
        if (rec.state === null) this.targetStates.delete(rec.connector);
        else this.targetStates.set(rec.connector, rec.state);
        if (notify) this.listener.onTargetStateChange?.(rec.connector);
        return;
      }
      case 'restart':
        if (rec.request && notify) this.listener.onRestartRequest?.(rec.connector, rec.request);
        return;
      case 'fencing':
        if (rec.taskCount === null) {
          this.fencedTaskCounts.delete(rec.connector);
        } else {
          this.fencedTaskCounts.set(rec.connector, rec.taskCount);
          this.pendingFencingSet.delete(rec.connector);
        }
        return;
      case 'session-key':
        this.sessionKeyValue = rec.sessionKey;
        if (notify) this.listener.onSessionKeyUpdate?.(rec.sessionKey);
        return;
      case 'logger-level':
        if (rec.level === null) this.loggerLevels.delete(rec.namespace);
        else {
          this.loggerLevels.set(rec.namespace, rec.level);
          if (notify) this.listener.onLoggerLevel?.(rec.namespace, rec.level);
        }
        return;
      default:
        return;
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
    await this.writes.catch(() => undefined);
    await this.log.stop();
  }

  readToEnd(timeoutMs?: number): Promise<void> {
    return this.log.readToEnd(timeoutMs);
  }

  offset(): number { return this.offsetValue; }
  sessionKey(): SessionKeyRecord | null { return this.sessionKeyValue; }
  loggerLevelRecords(): ReadonlyMap<string, string> { return this.loggerLevels; }

  snapshot(): ConfigSnapshot {
    return {
      offset: this.offsetValue,
      connectors: new Map(this.connectors),
      targetStates: new Map(this.targetStates),
      taskConfigs: new Map(this.taskConfigs),
      taskCounts: new Map(this.taskCounts),
      inconsistent: new Set(this.inconsistent),
    };
  }

  contains(connector: string): boolean { return this.connectors.has(connector); }
  connectorNames(): string[] { return [...this.connectors.keys()].sort(); }
  connectorConfig(connector: string): Props | undefined { return this.connectors.get(connector); }
  /** The target state (STARTED when none was written). */
  targetState(connector: string): TargetState { return this.targetStates.get(connector) ?? 'STARTED'; }
  /** Committed task configs; none while the connector is inconsistent. */
  tasks(connector: string): readonly Props[] {
    if (this.inconsistent.has(connector)) return [];
    return this.taskConfigs.get(connector) ?? [];
  }
  taskCount(connector: string): number { return this.inconsistent.has(connector) ? 0 : (this.taskConfigs.get(connector)?.length ?? 0); }
  isInconsistent(connector: string): boolean { return this.inconsistent.has(connector); }
  /**
   * KIP-618: true when the connector's latest task configs were committed after its latest task-count record,
   * so the producers of an earlier generation of its tasks may still be alive and must be fenced first.
   */
  pendingFencing(connector: string): boolean { return this.pendingFencingSet.has(connector); }
  /** The task count of the generation last fenced (tasks-fencing-<connector>), or undefined when none was written. */
  fencedTaskCount(connector: string): number | undefined { return this.fencedTaskCounts.get(connector); }
  inconsistentConnectors(): string[] { return [...this.inconsistent]; }

  /** Serializes writes so that records of one logical change are never interleaved with another's. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const guarded = () => fn().catch((e: unknown) => {
      if (e instanceof FencedError) this.listener.onWritePrivilegesLost?.(e);
      throw e;
    });
    const next = this.writes.then(guarded, guarded);
    this.writes = next.catch(() => undefined);
    return next;
  }

  /**
   * target-state (optional, first) then connector-<name>; returns once read back. A connector record over
   * this worker's max.request.size is refused before anything is written (as Java's producer does); one the
   * broker refuses as too large takes the new connector's target-state record back, and both are a
   * ConfigTooLargeError (413) naming the limits.
   */
  putConnectorConfig(connector: string, props: Props, targetState?: TargetState): Promise<void> {
    return this.serial(async () => {
      const key = connectorKey(connector);
      const value = encodeProperties(props);
      const bytes = Buffer.byteLength(key) + Buffer.byteLength(value);
      if (bytes > this.maxRequestSize) throw tooLarge(connector, bytes, `this worker's max.request.size (${this.maxRequestSize} bytes)`);
      if (targetState) await this.log.send(targetStateKey(connector), encodeTargetState(targetState));
      try {
        await this.log.send(key, value);
      } catch (e) {
        if (!TOO_LARGE.has(String((e as { type?: unknown }).type))) throw e;
        if (targetState) {
          await this.log.send(targetStateKey(connector), null)
            .catch((err: unknown) => log.warn({ connector, err: (err as Error).message }, 'could not take back the target state of a refused connector'));
        }
        throw tooLarge(connector, bytes, "the broker's message.max.bytes (or the config topic's max.message.bytes)", e);
      }
      await this.log.readToEnd();
    });
  }

  /** Tombstones connector-<name> and target-state-<name>. */
  removeConnectorConfig(connector: string): Promise<void> {
    return this.serial(async () => {
      await this.log.send(connectorKey(connector), null);
      await this.log.send(targetStateKey(connector), null);
      await this.log.readToEnd();
    });
  }

  /** task-<name>-<i> records, read to end, then commit-<name>, read to end. */
  putTaskConfigs(connector: string, configs: readonly Props[]): Promise<void> {
    return this.serial(async () => {
      for (let i = 0; i < configs.length; i++) await this.log.send(taskKey(connector, i), encodeProperties(configs[i]!));
      await this.log.readToEnd();
      await this.log.send(commitKey(connector), encodeCommit(configs.length));
      await this.log.readToEnd();
    });
  }

  /** KIP-618's task-count record, written by the leader once the previous generation's producers are fenced. */
  putTaskCountRecord(connector: string, taskCount: number): Promise<void> {
    return this.serial(async () => {
      await this.log.send(fencingKey(connector), encodeTaskCount(taskCount));
      await this.log.readToEnd();
    });
  }

  putTargetState(connector: string, state: TargetState): Promise<void> {
    return this.serial(async () => {
      await this.log.send(targetStateKey(connector), encodeTargetState(state));
      await this.log.readToEnd();
    });
  }

  putRestartRequest(connector: string, request: RestartRequestRecord): Promise<void> {
    return this.serial(async () => {
      await this.log.send(restartKey(connector), encodeRestartRequest(request));
      await this.log.readToEnd();
    });
  }

  putSessionKey(key: SessionKeyRecord): Promise<void> {
    return this.serial(async () => {
      await this.log.send(SESSION_KEY_KEY, encodeSessionKey(key));
      await this.log.readToEnd();
    });
  }

  /**
   * KIP-618: the leader of an exactly-once group writes the config topic only in transactions of the producer
   * `connect-cluster-<group.id>`; claiming it fences the previous leader's, so a leader that lost the group (a
   * zombie) can no longer write task configs or fencing records: its writes fail with a FencedError.
   */
  claimWritePrivileges(transactionalId: string): Promise<void> {
    return this.serial(() => this.log.claimTransactionalWrites(transactionalId));
  }

  /** No longer the leader: writes go through the plain producer again. */
  releaseWritePrivileges(): Promise<void> {
    return this.serial(() => this.log.releaseTransactionalWrites());
  }

  /** 'active' while this worker holds the leader's transactional id; 'fenced' once a newer leader took it. */
  get writePrivileges(): 'none' | 'active' | 'fenced' { return this.log.transactionalWrites; }

  putLoggerLevel(namespace: string, level: string): Promise<void> {
    return this.serial(async () => {
      await this.log.send(loggerClusterKey(namespace), encodeLoggerLevel(level));
      await this.log.readToEnd();
    });
  }
}
