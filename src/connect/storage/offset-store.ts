// Source offsets: (connector, source partition) -> source offset. Keys are compared by canonical JSON
// (Connect compares partition maps by equality, not key order); the serialized form keeps the
// connector's own key order, which the Kafka-topic store needs to match Java Connect byte for byte.
import { mkdirSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SourceOffset, SourcePartition } from '../api/records.js';

export interface OffsetEntry { connector: string; partition: SourcePartition; offset: SourceOffset | null }

/** Canonical identity of a partition map (sorted keys, recursively). */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(v as object).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** Connect's offset-topic key: ["<connector>",{partition}] (JsonConverter, schemas disabled). */
export function offsetKeyJson(connector: string, partition: SourcePartition): string {
  return JSON.stringify([connector, partition]);
}

export interface OffsetStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  get(connector: string, partition: SourcePartition): SourceOffset | null;
  /**
   * A store shared by several workers (an offsets topic): waits until every offset any of them wrote before the
   * call is visible here. A task's offset reads call it first, as Connect's offsets backing store reads its topic
   * to the end before each read, so a task that moved from another worker resumes from that worker's last commit.
   */
  readToEnd?(timeoutMs?: number): Promise<void>;
  /** Every partition with a stored offset for this connector. */
  connectorOffsets(connector: string): { partition: SourcePartition; offset: SourceOffset }[];
  /** Durable when the promise resolves. A null offset removes the partition. */
  set(entries: readonly OffsetEntry[]): Promise<void>;
}

/** In-memory base shared by the file and Kafka-topic stores. */
export class MemoryOffsetStore implements OffsetStore {
  protected readonly data = new Map<string, Map<string, { partition: SourcePartition; offset: SourceOffset }>>();

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  get(connector: string, partition: SourcePartition): SourceOffset | null {
    return this.data.get(connector)?.get(canonicalJson(partition))?.offset ?? null;
  }

  connectorOffsets(connector: string): { partition: SourcePartition; offset: SourceOffset }[] {
    return [...(this.data.get(connector)?.values() ?? [])];
  }

  protected apply(entries: readonly OffsetEntry[]): void {
    for (const e of entries) {
      let m = this.data.get(e.connector);
      if (!m) { m = new Map(); this.data.set(e.connector, m); }
      const k = canonicalJson(e.partition);
      if (e.offset === null) m.delete(k);
      else m.set(k, { partition: e.partition, offset: e.offset });
      if (m.size === 0) this.data.delete(e.connector);
    }
  }

  async set(entries: readonly OffsetEntry[]): Promise<void> {
    this.apply(entries);
  }
}

interface FileFormat { format: 'ferry-offsets'; version: 1; offsets: { key: unknown; value: unknown }[] }

/**
 * Standalone offsets in `offset.storage.file.filename`. Ferry's own JSON format (Java's file is a
 * serialized HashMap, not readable from Node): every write goes to a temp file that is fsynced and then
 * renamed over the old one, so a crash mid-write leaves either the old or the new file, never a torn one.
 */
export class FileOffsetStore extends MemoryOffsetStore {
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly filename: string) {
    super();
  }

  override async start(): Promise<void> {
    let text: string;
    try {
      text = readFileSync(this.filename, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    let parsed: FileFormat;
    try {
      parsed = JSON.parse(text) as FileFormat;
    } catch (e) {
      throw new Error(`Offset file ${this.filename} is not valid JSON (${(e as Error).message}); refusing to start rather than lose offsets`, { cause: e });
    }
    if (parsed.format !== 'ferry-offsets' || !Array.isArray(parsed.offsets)) throw new Error(`Offset file ${this.filename} is not a Ferry offsets file`);
    for (const { key, value } of parsed.offsets) {
      const k = Array.isArray(key) ? { connector: String(key[0]), partition: key[1] as SourcePartition } : null;
      if (k && value && typeof value === 'object') this.apply([{ connector: k.connector, partition: k.partition, offset: value as SourceOffset }]);
    }
  }

  override async set(entries: readonly OffsetEntry[]): Promise<void> {
    this.apply(entries);
    // Serialize writes; each write persists the whole current map, so a write after a failed one (disk full,
    // then freed) stores everything again: a failure must not poison the chain for later writes.
    const write = this.writing.catch(() => undefined).then(() => this.persist());
    this.writing = write;
    await write;
  }

  private persist(): void {
    const offsets: FileFormat['offsets'] = [];
    for (const [connector, m] of this.data) for (const { partition, offset } of m.values()) offsets.push({ key: [connector, partition], value: offset });
    const body: FileFormat = { format: 'ferry-offsets', version: 1, offsets };
    mkdirSync(dirname(this.filename), { recursive: true });
    const tmp = `${this.filename}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, JSON.stringify(body));
      const fd = openSync(tmp, 'r');
      try { fsyncSync(fd); } finally { closeSync(fd); }
      renameSync(tmp, this.filename);
    } catch (e) {
      // A half-written temporary file is useless; the previous offsets file is still intact.
      try { rmSync(tmp, { force: true }); } catch { /* e.g. tmp is a directory: keep the original error */ }
      throw new Error(`Could not write offsets to ${this.filename}: ${(e as Error).message}`, { cause: e });
    }
    try {
      const dfd = openSync(dirname(this.filename), 'r');
      try { fsyncSync(dfd); } finally { closeSync(dfd); }
    } catch { /* directory fsync is best effort on some filesystems */ }
  }
}
