// Pieces shared by the source and sink task runners.
import type { Converter, HeaderConverter, PluginLogger } from '../api/connector.js';
import type { ConnectRecord } from '../api/records.js';
import { Headers } from '../api/records.js';
import type { Logger } from '../../observability/logger.js';
import type { RetryWithToleranceOperator } from './error-handling.js';
import { SKIP } from './error-handling.js';

export type { TaskId } from '../api/states.js';
import type { TaskId } from '../api/states.js';

export interface RecordTransformer {
  /** The configured transformations; none means records pass unchanged (a source task may then write bytes). */
  readonly stages: readonly unknown[];
  apply(record: ConnectRecord): ConnectRecord | null;
  close(): void;
}

export interface TaskConverters {
  key: Converter;
  value: Converter;
  header: HeaderConverter;
  keyClass: string;
  valueClass: string;
  headerClass: string;
}

/** Receives task lifecycle events; the worker turns them into status records and metrics. */
export interface TaskStatusListener {
  onRunning(id: TaskId): void;
  onPaused(id: TaskId): void;
  onFailed(id: TaskId, error: unknown): void;
  /** Still RUNNING, but the last attempt failed with a retriable error (shown as the status trace). */
  onRetrying?(id: TaskId, error: unknown): void;
  onStopped(id: TaskId): void;
}

export interface TaskRunner {
  readonly id: TaskId;
  start(): void;
  pause(): void;
  resume(): void;
  /** Stops the loop, commits what is safe, calls task.stop(). Resolves when done or after the timeout. */
  stop(timeoutMs: number): Promise<void>;
  /** Resolves when the loop has exited (stopped or failed). */
  readonly done: Promise<void>;
}

export function pluginLogger(log: Logger): PluginLogger {
  return {
    debug: (o, m) => log.debug(o as object, m),
    info: (o, m) => log.info(o as object, m),
    warn: (o, m) => log.warn(o as object, m),
    error: (o, m) => log.error(o as object, m),
  };
}

/** Converts Connect headers to Kafka headers with the header converter. Returns SKIP if tolerated failure. */
export function serializeHeaders(
  ops: RetryWithToleranceOperator,
  conv: TaskConverters,
  topic: string,
  headers: Headers,
): Array<[string, Buffer | null]> | typeof SKIP {
  if (headers.size === 0) return [];
  const out: Array<[string, Buffer | null]> = [];
  for (const h of headers) {
    const v = ops.run('HEADER_CONVERTER', conv.headerClass, () => conv.header.fromConnectHeader(topic, h.key, h.schema, h.value));
    if (v === SKIP) return SKIP;
    out.push([h.key, v]);
  }
  return out;
}

export function deserializeHeaders(
  ops: RetryWithToleranceOperator,
  conv: TaskConverters,
  topic: string,
  raw: Array<[string, Buffer | null]>,
): Headers | typeof SKIP {
  const headers = new Headers();
  for (const [k, v] of raw) {
    const sv = ops.run('HEADER_CONVERTER', conv.headerClass, () => conv.header.toConnectHeader(topic, k, v));
    if (sv === SKIP) return SKIP;
    headers.add(k, sv.value, sv.schema);
  }
  return headers;
}

/** A promise with its resolve function exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}
