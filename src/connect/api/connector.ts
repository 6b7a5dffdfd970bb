// What a connector author sees: connectors, tasks, their contexts, converters, transforms, predicates.
import type { ConfigDef } from './config-def.js';
import type { Schema } from './data.js';
import type { ConnectRecord, Headers, SinkRecord, SourceOffset, SourcePartition, SourceRecord } from './records.js';

export type Props = Record<string, string>;

/** Logger handed to plugins (a pino child logger satisfies it). */
export interface PluginLogger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

export interface ConnectorContext {
  /** Ask the framework to call taskConfigs() again (e.g. new tables or topics were discovered). */
  requestTaskReconfiguration(): void;
  /** Report an unrecoverable error; the connector goes FAILED. */
  raiseError(err: Error): void;
  readonly logger: PluginLogger;
  /** Offsets committed by this connector's tasks (source connectors). */
  offsets?(partitions: SourcePartition[]): Promise<Map<string, SourceOffset | null>>;
}

export abstract class Connector {
  protected context!: ConnectorContext;
  initialize(context: ConnectorContext): void { this.context = context; }
  version(): string { return '0.1.0'; }
  abstract config(): ConfigDef;
  abstract start(props: Props): Promise<void> | void;
  abstract taskClass(): TaskFactory;
  /**
   * The `task.class` written into every task config. A Java worker writes the task's Java class name there, and
   * Java workers sharing the config topic load it by that name, so a plugin that stands in for a Java one
   * returns the Java name; the default is the JavaScript class name.
   */
  taskClassName(): string { return this.taskClass().name; }
  abstract taskConfigs(maxTasks: number): Promise<Props[]> | Props[];
  abstract stop(): Promise<void> | void;
  /** Extra validation beyond the ConfigDef; return per-key errors. */
  validate?(props: Props): Record<string, string[]> | Promise<Record<string, string[]>>;
  /** KIP-875: called when a user alters or resets offsets; return true if the connector handled it. */
  alterOffsets?(props: Props, offsets: Map<string, SourceOffset | null>): Promise<boolean> | boolean;
}

export abstract class SourceConnector extends Connector {
  readonly kind = 'source' as const;
  /**
   * KIP-618: whether this connector, so configured, can deliver exactly once (it can re-read its input from
   * the offsets it stored). Connectors that do not say are refused under exactly.once.support=required.
   */
  exactlyOnceSupport?(props: Props): 'SUPPORTED' | 'UNSUPPORTED' | null;
  /** KIP-618: whether the connector can define transaction boundaries itself (transaction.boundary=connector). */
  canDefineTransactionBoundaries?(props: Props): 'SUPPORTED' | 'UNSUPPORTED';
}

export abstract class SinkConnector extends Connector {
  readonly kind = 'sink' as const;
}

export interface OffsetStorageReader {
  offset(partition: SourcePartition): Promise<SourceOffset | null>;
  offsets(partitions: SourcePartition[]): Promise<Map<string, SourceOffset | null>>;
}

export interface SourceTaskContext {
  readonly offsetStorageReader: OffsetStorageReader;
  readonly logger: PluginLogger;
  readonly taskId: number;
  readonly connectorName: string;
}

export interface TopicPartition { topic: string; partition: number }

export interface SinkTaskContext {
  readonly logger: PluginLogger;
  readonly taskId: number;
  readonly connectorName: string;
  /** Rewind consumption of partitions to the given offsets. */
  offset(offsets: Map<TopicPartition, number>): void;
  /** Ask for an offset commit as soon as possible. */
  requestCommit(): void;
  pause(...partitions: TopicPartition[]): void;
  resume(...partitions: TopicPartition[]): void;
  assignment(): TopicPartition[];
  /** Report a bad record (KIP-610) to the DLQ / error log without failing the task. */
  errantRecordReporter?: (record: SinkRecord, error: Error) => Promise<void>;
}

export abstract class Task {
  version(): string { return '0.1.0'; }
  abstract start(props: Props): Promise<void> | void;
  abstract stop(): Promise<void> | void;
}

export abstract class SourceTask extends Task {
  protected context!: SourceTaskContext;
  initialize(context: SourceTaskContext): void { this.context = context; }
  /** Return records, or null/[] when there is nothing now. Should block briefly (≤ ~1 s) rather than spin. */
  abstract poll(signal: AbortSignal): Promise<SourceRecord[] | null>;
  /** Offsets up to those given were durably flushed. */
  commit?(): Promise<void> | void;
  /** The record was acknowledged by Kafka (or filtered out: metadata is null). */
  commitRecord?(record: SourceRecord, metadata: { topic: string; partition: number; offset: number } | null): void;
}

export abstract class SinkTask extends Task {
  protected context!: SinkTaskContext;
  initialize(context: SinkTaskContext): void { this.context = context; }
  abstract put(records: SinkRecord[]): Promise<void> | void;
  /** Flush everything put so far; offsets given are what the framework will commit. */
  flush?(offsets: Map<string, { topic: string; partition: number; offset: number }>): Promise<void> | void;
  /** Offsets to commit (defaults to what was flushed). */
  preCommit?(offsets: Map<string, { topic: string; partition: number; offset: number }>): Promise<Map<string, { topic: string; partition: number; offset: number }>> | Map<string, { topic: string; partition: number; offset: number }>;
  open?(partitions: TopicPartition[]): Promise<void> | void;
  close?(partitions: TopicPartition[]): Promise<void> | void;
}

export type TaskFactory = new () => SourceTask | SinkTask;

// ---- data-plane plugins ----

export interface SchemaAndValue { schema: Schema | null; value: unknown }

export interface Converter {
  configure(props: Props, isKey: boolean): void;
  fromConnectData(topic: string, headers: Headers | null, schema: Schema | null, value: unknown): Buffer | null;
  toConnectData(topic: string, headers: Headers | null, value: Buffer | null): SchemaAndValue;
  config?(): ConfigDef;
}

export interface HeaderConverter {
  configure(props: Props): void;
  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Buffer | null;
  toConnectHeader(topic: string, headerKey: string, value: Buffer | null): SchemaAndValue;
  config?(): ConfigDef;
}

export interface Transformation<R extends ConnectRecord = ConnectRecord> {
  configure(props: Props): void;
  /** Return the transformed record, or null to drop it. */
  apply(record: R): R | null;
  config(): ConfigDef;
  close?(): void;
}

export interface Predicate<R extends ConnectRecord = ConnectRecord> {
  configure(props: Props): void;
  test(record: R): boolean;
  config(): ConfigDef;
  close?(): void;
}

export type PluginKind = 'source' | 'sink' | 'converter' | 'header_converter' | 'transformation' | 'predicate';

/** One registry entry; `aliases` are short names Connect accepts (e.g. FileStreamSource). */
export interface PluginDescriptor {
  className: string;
  aliases?: string[];
  kind: PluginKind;
  version?: string;
  create(): unknown;
}
