// Connect's group sub-protocols (ConnectProtocol V0 "default", IncrementalCooperativeConnectProtocol V1
// "compatible" and V2 "sessioned"): the member metadata sent in JoinGroup and the assignment sent in
// SyncGroup, in Kafka's classic binary types (int16/int32/int64 big-endian, STRING = int16 length + UTF-8,
// BYTES = int32 length (-1 null), ARRAY = int32 count (-1 null)).
//
//   metadata   V0: version:int16 url:string configOffset:int64
//              V1/V2: … + allocation:nullable bytes (this member's current assignment, serialized below)
//   assignment V0: version:int16 error:int16 leader:string leaderUrl:string configOffset:int64
//                  assignment:[connector:string tasks:[int32]]   (task -1 = the Connector instance)
//              V1/V2: … + revoked:[same] (nullable) + delay:int32; assignment is nullable too
// V2 is V1 on the wire; choosing it means internal REST requests are signed with the session key.

export type ConnectProtocolName = 'default' | 'compatible' | 'sessioned';
export type ConnectProtocolMode = 'eager' | 'compatible' | 'sessioned';

export const PROTOCOL_VERSIONS: Record<ConnectProtocolName, 0 | 1 | 2> = { default: 0, compatible: 1, sessioned: 2 };
export const CONNECTOR_TASK = -1;
export const NO_ERROR = 0;
export const CONFIG_MISMATCH = 1;

/** A task in the group protocol's assignments. */
export type { TaskId as TaskRef } from '../api/states.js';
import type { TaskId as TaskRef } from '../api/states.js';

export interface ConnectAssignment {
  version: 0 | 1 | 2;
  error: number;
  leader: string;
  leaderUrl: string;
  configOffset: number;
  connectors: string[];
  tasks: TaskRef[];
  /** V1+ only. */
  revokedConnectors: string[];
  revokedTasks: TaskRef[];
  /** V1+ only: ms until the members should rejoin (scheduled rebalance), 0 for none. */
  delay: number;
}

export interface WorkerMetadata {
  version: 0 | 1 | 2;
  url: string;
  configOffset: number;
  /** V1+ only: the member's current assignment (null when it has none). */
  assignment: ConnectAssignment | null;
}

/** Protocols offered in JoinGroup for a `connect.protocol` setting, most preferred first. */
export function offeredProtocols(mode: ConnectProtocolMode): ConnectProtocolName[] {
  if (mode === 'sessioned') return ['sessioned', 'compatible', 'default'];
  if (mode === 'compatible') return ['compatible', 'default'];
  return ['default'];
}

class Writer {
  private readonly parts: Buffer[] = [];
  int16(v: number): this { const b = Buffer.alloc(2); b.writeInt16BE(v); this.parts.push(b); return this; }
  int32(v: number): this { const b = Buffer.alloc(4); b.writeInt32BE(v); this.parts.push(b); return this; }
  int64(v: number): this { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(Math.trunc(v))); this.parts.push(b); return this; }
  string(s: string): this {
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.length > 0x7fff) throw new Error(`String too long for the Connect protocol (${bytes.length} bytes)`);
    return this.int16(bytes.length).raw(bytes);
  }
  nullableBytes(b: Buffer | null): this { return b === null ? this.int32(-1) : this.int32(b.length).raw(b); }
  raw(b: Buffer): this { this.parts.push(b); return this; }
  done(): Buffer { return Buffer.concat(this.parts); }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  remaining(): number { return this.buf.length - this.pos; }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error(`Truncated Connect protocol data (need ${n} bytes at ${this.pos} of ${this.buf.length})`);
  }
  int16(): number { this.need(2); const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v; }
  int32(): number { this.need(4); const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v; }
  int64(): number { this.need(8); const v = this.buf.readBigInt64BE(this.pos); this.pos += 8; return Number(v); }
  string(): string {
    const n = this.int16();
    if (n < 0) throw new Error('Null string in Connect protocol data');
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  nullableBytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) return null;
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

function groupByConnector(connectors: readonly string[], tasks: readonly TaskRef[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const c of connectors) out.set(c, [CONNECTOR_TASK]);
  for (const t of tasks) {
    const list = out.get(t.connector) ?? [];
    list.push(t.task);
    out.set(t.connector, list);
  }
  return out;
}

function writeConnectorTasks(w: Writer, connectors: readonly string[], tasks: readonly TaskRef[]): void {
  const grouped = groupByConnector(connectors, tasks);
  w.int32(grouped.size);
  for (const [connector, ids] of grouped) {
    w.string(connector).int32(ids.length);
    for (const id of ids) w.int32(id);
  }
}

function readConnectorTasks(r: Reader): { connectors: string[]; tasks: TaskRef[] } {
  const connectors: string[] = [];
  const tasks: TaskRef[] = [];
  const n = r.int32();
  for (let i = 0; i < n; i++) {
    const connector = r.string();
    const m = r.int32();
    for (let j = 0; j < m; j++) {
      const task = r.int32();
      if (task === CONNECTOR_TASK) connectors.push(connector);
      else tasks.push({ connector, task });
    }
  }
  return { connectors, tasks };
}

export function encodeAssignment(a: ConnectAssignment): Buffer {
  const w = new Writer().int16(a.version).int16(a.error).string(a.leader).string(a.leaderUrl).int64(a.configOffset);
  writeConnectorTasks(w, a.connectors, a.tasks);
  if (a.version >= 1) {
    writeConnectorTasks(w, a.revokedConnectors, a.revokedTasks);
    w.int32(a.delay);
  }
  return w.done();
}

export function decodeAssignment(buf: Buffer): ConnectAssignment {
  const r = new Reader(buf);
  const rawVersion = r.int16();
  if (rawVersion < 0) throw new Error(`Unsupported Connect assignment version ${rawVersion}`);
  const version = (rawVersion >= 2 ? 2 : rawVersion) as 0 | 1 | 2;
  const error = r.int16();
  const leader = r.string();
  const leaderUrl = r.string();
  const configOffset = r.int64();
  const assigned = readConnectorTasks(r);
  const out: ConnectAssignment = { version, error, leader, leaderUrl, configOffset, ...assigned, revokedConnectors: [], revokedTasks: [], delay: 0 };
  // V1 fields are optional on read (Connect tolerates their absence); later versions may append more.
  if (version >= 1 && r.remaining() >= 4) {
    const revoked = readConnectorTasks(r);
    out.revokedConnectors = revoked.connectors;
    out.revokedTasks = revoked.tasks;
    if (r.remaining() >= 4) out.delay = r.int32();
  }
  return out;
}

export function encodeMetadata(m: WorkerMetadata): Buffer {
  const w = new Writer().int16(m.version).string(m.url).int64(m.configOffset);
  if (m.version >= 1) w.nullableBytes(m.assignment === null ? null : encodeAssignment({ ...m.assignment, version: m.version }));
  return w.done();
}

export function decodeMetadata(buf: Buffer): WorkerMetadata {
  const r = new Reader(buf);
  const rawVersion = r.int16();
  if (rawVersion < 0) throw new Error(`Unsupported Connect subscription version ${rawVersion}`);
  const version = (rawVersion >= 2 ? 2 : rawVersion) as 0 | 1 | 2;
  const url = r.string();
  const configOffset = r.int64();
  let assignment: ConnectAssignment | null = null;
  if (version >= 1 && r.remaining() >= 4) {
    const bytes = r.nullableBytes();
    assignment = bytes === null ? null : decodeAssignment(Buffer.from(bytes));
  }
  return { version, url, configOffset, assignment };
}
