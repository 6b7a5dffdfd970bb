// Connect's internal-topic record formats (config, offsets and status topics), byte-compatible with
// what Java Connect writes: keys are UTF-8 strings (config/status) or compact JSON (offsets); values are
// the compact JSON that Connect's internal JsonConverter (schemas disabled, Jackson) produces.
//
// Two details matter for byte compatibility:
//   - Struct-shaped values (status, target state, commit, …) list their fields in schema order;
//   - map-shaped values (source partitions and offsets) list their keys in the order a java.util.HashMap
//     iterates them, because that is what the Java connector hands to the converter. Offset lookups compare
//     key bytes, so a Java worker finds a Ferry-written offset only if the partition map is in that order.
import type { TargetState, State } from '../api/states.js';

// Java HashMap iteration order: one implementation, in the plugin API (connectors need it too).
export { javaHashMapCapacity, javaHashMapKeyOrder, javaStringHashCode } from '../api/java-order.js';
import { javaHashMapKeyOrder } from '../api/java-order.js';

// ---------------------------------------------------------------------------------------------------
// Compact JSON as Jackson writes it

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

const HEX = '0123456789ABCDEF';

/** A JSON string literal with Jackson's escaping (short forms for \b\t\n\f\r, else \u00XX upper-case). */
export function jacksonString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(start, i);
    start = i + 1;
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x08: out += '\\b'; break;
      case 0x09: out += '\\t'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0d: out += '\\r'; break;
      default: out += `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    }
  }
  return `${out}${s.slice(start)}"`;
}

export type MapOrder = 'insertion' | 'java';

/**
 * Compact JSON (no whitespace). Objects are written in insertion order, or — with `mapOrder: 'java'` —
 * in java.util.HashMap iteration order at every nesting level (what Connect does with Map values).
 * Integral numbers are written without a fraction; Java would write a Double 1.0 as `1.0`, which a JS
 * number cannot tell apart from an integer.
 */
export function jacksonJson(v: unknown, mapOrder: MapOrder = 'insertion'): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string': return jacksonString(v);
    case 'number': return Number.isFinite(v) ? String(v) : jacksonString(String(v));
    case 'bigint': return v.toString();
    case 'boolean': return v ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(v)) return `[${v.map((x) => jacksonJson(x, mapOrder)).join(',')}]`;
      if (v instanceof Map) {
        const entries = [...(v as Map<unknown, unknown>)].map(([k, x]) => [String(k), x] as const);
        const keys = mapOrder === 'java' ? javaHashMapKeyOrder(entries.map(([k]) => k)) : entries.map(([k]) => k);
        const byKey = new Map(entries);
        return `{${keys.map((k) => `${jacksonString(k)}:${jacksonJson(byKey.get(k), mapOrder)}`).join(',')}}`;
      }
      const obj = v as Record<string, unknown>;
      const own = Object.keys(obj).filter((k) => obj[k] !== undefined);
      const keys = mapOrder === 'java' ? javaHashMapKeyOrder(own) : own;
      return `{${keys.map((k) => `${jacksonString(k)}:${jacksonJson(obj[k], mapOrder)}`).join(',')}}`;
    }
    default: return 'null';
  }
}

function parseJson(bytes: Buffer | string | null): unknown {
  if (bytes === null) return null;
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  return JSON.parse(text) as unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------------
// Config topic

export const CONNECTOR_PREFIX = 'connector-';
export const TASK_PREFIX = 'task-';
export const COMMIT_PREFIX = 'commit-';
export const TARGET_STATE_PREFIX = 'target-state-';
export const RESTART_PREFIX = 'restart-connector-';
export const FENCING_PREFIX = 'tasks-fencing-';
export const SESSION_KEY_KEY = 'session-key';
export const LOGGER_CLUSTER_PREFIX = 'logger-cluster-';

export interface SessionKeyRecord { key: string; algorithm: string; creationTimestamp: number }
export interface RestartRequestRecord { includeTasks: boolean; onlyFailed: boolean }

/** A decoded config-topic record. `value: null` in a variant means the record was a tombstone. */
export type ConfigRecord =
  | { kind: 'connector'; connector: string; properties: Record<string, string> | null }
  | { kind: 'task'; connector: string; task: number; properties: Record<string, string> | null }
  | { kind: 'commit'; connector: string; tasks: number | null }
  | { kind: 'target-state'; connector: string; state: TargetState | null }
  | { kind: 'restart'; connector: string; request: RestartRequestRecord | null }
  | { kind: 'fencing'; connector: string; taskCount: number | null }
  | { kind: 'session-key'; sessionKey: SessionKeyRecord | null }
  | { kind: 'logger-level'; namespace: string; level: string | null }
  | { kind: 'unknown'; key: string };

export const connectorKey = (name: string) => `${CONNECTOR_PREFIX}${name}`;
export const taskKey = (name: string, task: number) => `${TASK_PREFIX}${name}-${task}`;
export const commitKey = (name: string) => `${COMMIT_PREFIX}${name}`;
export const targetStateKey = (name: string) => `${TARGET_STATE_PREFIX}${name}`;
export const restartKey = (name: string) => `${RESTART_PREFIX}${name}`;
export const loggerClusterKey = (namespace: string) => `${LOGGER_CLUSTER_PREFIX}${namespace}`;
/** KIP-618's task-count record: the number of tasks of the generation whose producers were last fenced. */
export const fencingKey = (name: string) => `${FENCING_PREFIX}${name}`;

/** Splits `<connector>-<n>`: the task number is the last `-` segment (connector names may contain `-`). */
export function splitTaskName(rest: string): { connector: string; task: number } | null {
  const dash = rest.lastIndexOf('-');
  if (dash <= 0) return null;
  const n = rest.slice(dash + 1);
  if (!/^\d+$/.test(n)) return null;
  return { connector: rest.slice(0, dash), task: Number(n) };
}

function stringMap(v: unknown): Record<string, string> | null {
  if (!isObject(v)) return null;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || x === undefined) continue; // Connect allows null config values; Ferry's Props cannot hold them
    out[k] = typeof x === 'string' ? x : typeof x === 'object' ? JSON.stringify(x) : String(x);
  }
  return out;
}

function propertiesOf(value: unknown, what: string): Record<string, string> {
  if (!isObject(value)) throw new Error(`${what}: value is not a JSON object`);
  const props = stringMap(value['properties']);
  if (!props) throw new Error(`${what}: no "properties" object`);
  return props;
}

/** Decodes a config-topic record; throws on a malformed value (callers log and skip it, as Connect does). */
export function decodeConfigRecord(key: string, value: Buffer | string | null): ConfigRecord {
  const v = parseJson(value);
  const tomb = value === null;
  if (key.startsWith(CONNECTOR_PREFIX)) {
    const connector = key.slice(CONNECTOR_PREFIX.length);
    return { kind: 'connector', connector, properties: tomb ? null : propertiesOf(v, key) };
  }
  if (key.startsWith(TASK_PREFIX)) {
    const id = splitTaskName(key.slice(TASK_PREFIX.length));
    if (!id) return { kind: 'unknown', key };
    return { kind: 'task', ...id, properties: tomb ? null : propertiesOf(v, key) };
  }
  if (key.startsWith(COMMIT_PREFIX)) {
    const connector = key.slice(COMMIT_PREFIX.length);
    if (tomb) return { kind: 'commit', connector, tasks: null };
    const tasks = isObject(v) ? v['tasks'] : undefined;
    if (typeof tasks !== 'number' || !Number.isInteger(tasks) || tasks < 0) throw new Error(`${key}: "tasks" is not a non-negative integer`);
    return { kind: 'commit', connector, tasks };
  }
  if (key.startsWith(TARGET_STATE_PREFIX)) {
    const connector = key.slice(TARGET_STATE_PREFIX.length);
    if (tomb) return { kind: 'target-state', connector, state: null };
    if (!isObject(v)) throw new Error(`${key}: value is not a JSON object`);
    // Readers prefer state.v2 (it can say STOPPED); `state` is what pre-3.5 workers understand.
    const raw = v['state.v2'] ?? v['state'];
    if (raw !== 'STARTED' && raw !== 'PAUSED' && raw !== 'STOPPED') throw new Error(`${key}: unknown target state ${JSON.stringify(raw)}`);
    return { kind: 'target-state', connector, state: raw };
  }
  if (key.startsWith(RESTART_PREFIX)) {
    const connector = key.slice(RESTART_PREFIX.length);
    if (tomb) return { kind: 'restart', connector, request: null };
    if (!isObject(v)) throw new Error(`${key}: value is not a JSON object`);
    return { kind: 'restart', connector, request: { includeTasks: v['include-tasks'] === true, onlyFailed: v['only-failed'] === true } };
  }
  if (key.startsWith(FENCING_PREFIX)) {
    const connector = key.slice(FENCING_PREFIX.length);
    const n = isObject(v) ? v['task-count'] : null;
    return { kind: 'fencing', connector, taskCount: typeof n === 'number' ? n : null };
  }
  if (key === SESSION_KEY_KEY) {
    if (tomb) return { kind: 'session-key', sessionKey: null };
    if (!isObject(v) || typeof v['key'] !== 'string') throw new Error(`${key}: no "key"`);
    return {
      kind: 'session-key',
      sessionKey: { key: v['key'], algorithm: typeof v['algorithm'] === 'string' ? v['algorithm'] : 'HmacSHA256', creationTimestamp: Number(v['creation-timestamp'] ?? 0) },
    };
  }
  if (key.startsWith(LOGGER_CLUSTER_PREFIX)) {
    const namespace = key.slice(LOGGER_CLUSTER_PREFIX.length);
    const level = isObject(v) && typeof v['level'] === 'string' ? v['level'] : null;
    return { kind: 'logger-level', namespace, level };
  }
  return { kind: 'unknown', key };
}

/** `{"properties":{…}}` — a connector or task config (properties in the given order). */
export function encodeProperties(props: Readonly<Record<string, string>>): string {
  return `{"properties":${jacksonJson(props)}}`;
}

/** `{"tasks":N}` */
export function encodeCommit(tasks: number): string {
  return `{"tasks":${tasks}}`;
}

/** STOPPED is written as state PAUSED + state.v2 STOPPED so pre-3.5 workers at least pause. */
/** {"task-count": n}, as Connect's KafkaConfigBackingStore writes it. */
export function encodeTaskCount(taskCount: number): string {
  return JSON.stringify({ 'task-count': taskCount });
}

export function encodeTargetState(state: TargetState): string {
  const legacy = state === 'STOPPED' ? 'PAUSED' : state;
  return `{"state":${jacksonString(legacy)},"state.v2":${jacksonString(state)}}`;
}

export function encodeRestartRequest(r: RestartRequestRecord): string {
  return `{"include-tasks":${r.includeTasks},"only-failed":${r.onlyFailed}}`;
}

export function encodeSessionKey(k: SessionKeyRecord): string {
  return `{"key":${jacksonString(k.key)},"algorithm":${jacksonString(k.algorithm)},"creation-timestamp":${Math.trunc(k.creationTimestamp)}}`;
}

export function encodeLoggerLevel(level: string): string {
  return `{"level":${jacksonString(level)}}`;
}

// ---------------------------------------------------------------------------------------------------
// Status topic

export const STATUS_CONNECTOR_PREFIX = 'status-connector-';
export const STATUS_TASK_PREFIX = 'status-task-';
export const STATUS_TOPIC_PREFIX = 'status-topic-';

export interface StatusValue {
  state: State;
  trace: string | null;
  workerId: string;
  generation: number;
  /** Connect 4.1+ adds the plugin version; kept when read, written only when set. */
  version?: string;
}

export interface TopicStatusValue { topic: string; connector: string; task: number; discoverTimestamp: number }

export type StatusRecordDecoded =
  | { kind: 'connector'; connector: string; status: StatusValue | null }
  | { kind: 'task'; connector: string; task: number; status: StatusValue | null }
  | { kind: 'topic'; connector: string; topic: string; status: TopicStatusValue | null }
  | { kind: 'unknown'; key: string };

export const statusConnectorKey = (name: string) => `${STATUS_CONNECTOR_PREFIX}${name}`;
export const statusTaskKey = (name: string, task: number) => `${STATUS_TASK_PREFIX}${name}-${task}`;
export const statusTopicKey = (topic: string, connector: string) => `${STATUS_TOPIC_PREFIX}${topic}:connector-${connector}`;

const STATES: readonly string[] = ['UNASSIGNED', 'RUNNING', 'PAUSED', 'FAILED', 'RESTARTING', 'STOPPED', 'DESTROYED'];

/** `{"state":…,"trace":…,"worker_id":…,"generation":…}` in the schema's field order. */
export function encodeStatus(s: StatusValue): string {
  const version = s.version !== undefined ? `,"version":${jacksonString(s.version)}` : '';
  return `{"state":${jacksonString(s.state)},"trace":${s.trace === null ? 'null' : jacksonString(s.trace)},"worker_id":${jacksonString(s.workerId)},"generation":${Math.trunc(s.generation)}${version}}`;
}

export function decodeStatusValue(value: Buffer | string): StatusValue | null {
  const v = parseJson(value);
  if (!isObject(v)) throw new Error('status value is not a JSON object');
  const state = v['state'];
  if (typeof state !== 'string' || !STATES.includes(state)) throw new Error(`unknown status state ${JSON.stringify(state)}`);
  if (state === 'DESTROYED') return null;
  const out: StatusValue = {
    state: state as State,
    trace: typeof v['trace'] === 'string' ? v['trace'] : null,
    workerId: typeof v['worker_id'] === 'string' ? v['worker_id'] : '',
    generation: typeof v['generation'] === 'number' ? v['generation'] : -1,
  };
  if (typeof v['version'] === 'string') out.version = v['version'];
  return out;
}

/** `{"topic":{"name":…,"connector":…,"task":…,"discoverTimestamp":…}}` */
export function encodeTopicStatus(t: TopicStatusValue): string {
  return `{"topic":{"name":${jacksonString(t.topic)},"connector":${jacksonString(t.connector)},"task":${Math.trunc(t.task)},"discoverTimestamp":${Math.trunc(t.discoverTimestamp)}}}`;
}

export function decodeStatusRecord(key: string, value: Buffer | string | null): StatusRecordDecoded {
  if (key.startsWith(STATUS_CONNECTOR_PREFIX)) {
    const connector = key.slice(STATUS_CONNECTOR_PREFIX.length);
    return { kind: 'connector', connector, status: value === null ? null : decodeStatusValue(value) };
  }
  if (key.startsWith(STATUS_TASK_PREFIX)) {
    const id = splitTaskName(key.slice(STATUS_TASK_PREFIX.length));
    if (!id) return { kind: 'unknown', key };
    return { kind: 'task', ...id, status: value === null ? null : decodeStatusValue(value) };
  }
  if (key.startsWith(STATUS_TOPIC_PREFIX)) {
    const rest = key.slice(STATUS_TOPIC_PREFIX.length);
    const sep = rest.indexOf(':connector-'); // topic names cannot contain ':'
    if (sep < 0) return { kind: 'unknown', key };
    const topic = rest.slice(0, sep);
    const connector = rest.slice(sep + ':connector-'.length);
    if (value === null) return { kind: 'topic', connector, topic, status: null };
    const v = parseJson(value);
    const t = isObject(v) && isObject(v['topic']) ? v['topic'] : null;
    if (!t) throw new Error(`${key}: no "topic" object`);
    return {
      kind: 'topic', connector, topic,
      status: {
        topic: typeof t['name'] === 'string' ? t['name'] : topic,
        connector: typeof t['connector'] === 'string' ? t['connector'] : connector,
        task: typeof t['task'] === 'number' ? t['task'] : 0,
        discoverTimestamp: typeof t['discoverTimestamp'] === 'number' ? t['discoverTimestamp'] : 0,
      },
    };
  }
  return { kind: 'unknown', key };
}

// ---------------------------------------------------------------------------------------------------
// Offsets topic

/** `["<connector>",{partition}]` with the partition map in Java HashMap order. */
export function encodeOffsetKey(connector: string, partition: Readonly<Record<string, unknown>>): string {
  return `[${jacksonString(connector)},${jacksonJson(partition, 'java')}]`;
}

/** The source offset map in Java HashMap order; null stays null (a tombstone). */
export function encodeOffsetValue(offset: Readonly<Record<string, unknown>> | null): string | null {
  return offset === null ? null : jacksonJson(offset, 'java');
}

/** Parses an offsets-topic key; null for anything but a `[String, Map]` pair (Connect ignores those). */
export function decodeOffsetKey(key: Buffer | string): { connector: string; partition: Record<string, unknown> } | null {
  let v: unknown;
  try {
    v = parseJson(key);
  } catch {
    return null;
  }
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || !isObject(v[1])) return null;
  return { connector: v[0], partition: v[1] };
}

export function decodeOffsetValue(value: Buffer | string | null): Record<string, unknown> | null {
  if (value === null) return null;
  const v = parseJson(value);
  if (v === null) return null;
  if (!isObject(v)) throw new Error('offset value is not a JSON object');
  return v;
}
