// FileStreamSink: appends each record value's text form plus "\n" to a file (or stdout).
// flush() fsyncs the file, so what the framework commits afterwards is on disk.
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import {
  AbstractConfig, ConfigDef, ConnectError, SinkConnector, SinkTask, javaToString,
  type Props, type SinkRecord, type SourceOffset, type TaskFactory,
} from '../../connect/api/index.js';

import { FILE_CONFIG, FileAccess } from './file-access.js';

export const FILE_STREAM_SINK_CLASS = 'org.apache.kafka.connect.file.FileStreamSinkConnector';
export { FILE_CONFIG } from './file-access.js';

const VERSION = '0.1.0';

export function fileStreamSinkConfigDef(): ConfigDef {
  return new ConfigDef().define({
    name: FILE_CONFIG, type: 'STRING', defaultValue: null, importance: 'HIGH',
    documentation: 'Destination filename. If not specified, the standard output will be used',
  });
}

export class FileStreamSinkConnector extends SinkConnector {
  private props: Props = {};

  /** `access` applies the worker's file.allowed.paths; the default (a connector built outside a worker) is unrestricted. */
  constructor(private readonly access: FileAccess = new FileAccess(null)) {
    super();
  }

  /** A file outside the worker's allow-list is a config error on `file`. */
  override validate(props: Props): Record<string, string[]> {
    return this.access.validate(props);
  }

  override version(): string { return VERSION; }
  config(): ConfigDef { return fileStreamSinkConfigDef(); }

  start(props: Props): void {
    new AbstractConfig(fileStreamSinkConfigDef(), props);
    this.access.requireAllowed(props);
    this.props = { ...props };
  }

  taskClass(): TaskFactory { return FileStreamSinkTask; }
  /** What a Java worker writes as task.class for this connector. */
  override taskClassName(): string { return 'org.apache.kafka.connect.file.FileStreamSinkTask'; }

  /** Every task gets the same config, so all of them append to the same file. */
  taskConfigs(maxTasks: number): Props[] {
    return Array.from({ length: Math.max(1, maxTasks) }, () => ({ ...this.props }));
  }

  stop(): void {
    // Nothing to release.
  }

  /** Sink offsets are plain consumer offsets; the file holds no state of its own. */
  override alterOffsets(_props: Props, _offsets: Map<string, SourceOffset | null>): boolean {
    return true;
  }
}

const NEWLINE = Buffer.from('\n');

export class FileStreamSinkTask extends SinkTask {
  private filename: string | null = null;
  private handle: FileHandle | null = null;
  private out: Writable | null = null;

  override version(): string { return VERSION; }

  async start(props: Props): Promise<void> {
    const cfg = new AbstractConfig(fileStreamSinkConfigDef(), props);
    const file = cfg.getOptionalString(FILE_CONFIG);
    this.filename = file === null || file.trim() === '' ? null : file;
    if (this.filename === null) {
      this.out = this.openStdout();
      return;
    }
    try {
      this.handle = await open(this.filename, 'a');
    } catch (e) {
      throw new ConnectError(`Couldn't find or create file '${this.filename}' for FileStreamSinkTask: ${(e as Error).message}`, { cause: e });
    }
  }

  /** The stream used when no file is configured (a seam for tests). */
  protected openStdout(): Writable {
    return process.stdout;
  }

  async put(records: SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    // One write per batch: raw bytes stay raw, everything else is its text form.
    const parts: Buffer[] = [];
    let text = '';
    for (const r of records) {
      if (r.value instanceof Uint8Array) {
        if (text !== '') { parts.push(Buffer.from(text, 'utf8')); text = ''; }
        parts.push(Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength), NEWLINE);
      } else {
        text += javaToString(r.valueSchema, r.value) + '\n';
      }
    }
    const data = parts.length === 0 ? Buffer.from(text, 'utf8') : Buffer.concat(text === '' ? parts : [...parts, Buffer.from(text, 'utf8')]);
    await this.write(data);
  }

  private async write(data: Buffer): Promise<void> {
    if (this.handle) {
      try {
        await this.handle.write(data);
      } catch (e) {
        throw new ConnectError(`Error writing to ${this.filename}: ${(e as Error).message}`, { cause: e });
      }
      return;
    }
    const out = this.out;
    if (!out) throw new ConnectError('FileStreamSinkTask is not started');
    if (!out.write(data)) await new Promise<void>((resolve) => out.once('drain', resolve));
  }

  override async flush(): Promise<void> {
    if (this.handle) await this.handle.sync();
  }

  async stop(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    this.out = null;
    if (h) {
      try { await h.sync(); } finally { await h.close(); }
    }
  }
}
