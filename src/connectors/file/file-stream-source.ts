// FileStreamSource: each line of a file (or stdin) becomes a record with a STRING value.
//
// Offsets are byte positions ({"position": n} just after the line terminator) under the source
// partition {"filename": <file as configured>}, so a restart resumes exactly where it left off.
// Lines are split on raw bytes (\n, \r\n or \r) and decoded only once complete, so multi-byte UTF-8
// characters split across reads are decoded correctly. The file is tailed: at its end the task waits
// for more data; an unterminated last line waits for its terminator; a missing file is waited for.
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  AbstractConfig, BadRequestError, ConfigDef, ConnectError, NO_DEFAULT, Schemas, SourceConnector, SourceTask,
  Validators, sourceRecord,
  type Props, type SourceOffset, type SourcePartition, type SourceRecord, type TaskFactory, type Validator,
} from '../../connect/api/index.js';

import { FILE_CONFIG, FileAccess } from './file-access.js';
import { sleep } from '../../backoff.js';

export const FILE_STREAM_SOURCE_CLASS = 'org.apache.kafka.connect.file.FileStreamSourceConnector';
export { FILE_CONFIG } from './file-access.js';
export const TOPIC_CONFIG = 'topic';
export const TASK_BATCH_SIZE_CONFIG = 'batch.size';
export const DEFAULT_TASK_BATCH_SIZE = 2000;
export const FILENAME_FIELD = 'filename';
export const POSITION_FIELD = 'position';

const VERSION = '0.1.0';
const READ_CHUNK_BYTES = 64 * 1024;

const singleTopic: Validator = (name, value) => {
  if (typeof value === 'string' && value.includes(',')) {
    return `Invalid value ${value} for configuration ${name}: '${TOPIC_CONFIG}' in FileStreamSourceConnector configuration requires definition of a single topic`;
  }
};

export function fileStreamSourceConfigDef(): ConfigDef {
  const nonEmpty = Validators.nonEmptyString();
  return new ConfigDef()
    .define({
      name: FILE_CONFIG, type: 'STRING', defaultValue: null, importance: 'HIGH',
      documentation: 'Source filename. If not specified, the standard input will be used',
    })
    .define({
      name: TOPIC_CONFIG, type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH',
      validator: (name, value) => nonEmpty(name, value) ?? singleTopic(name, value),
      documentation: 'The topic to publish data to',
    })
    .define({
      name: TASK_BATCH_SIZE_CONFIG, type: 'INT', defaultValue: DEFAULT_TASK_BATCH_SIZE, importance: 'LOW',
      validator: Validators.atLeast(1),
      documentation: 'The maximum number of records the source task can read from the file each time it is polled',
    });
}

function fileOf(props: Props): string | null {
  const f = props[FILE_CONFIG];
  return f === undefined || f === null || f.trim() === '' ? null : f;
}

export class FileStreamSourceConnector extends SourceConnector {
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
  config(): ConfigDef { return fileStreamSourceConfigDef(); }

  start(props: Props): void {
    new AbstractConfig(fileStreamSourceConfigDef(), props);
    this.access.requireAllowed(props);
    this.props = { ...props };
  }

  taskClass(): TaskFactory { return FileStreamSourceTask; }
  /** What a Java worker writes as task.class for this connector. */
  override taskClassName(): string { return 'org.apache.kafka.connect.file.FileStreamSourceTask'; }

  /** Only one task makes sense: there is one input stream. */
  taskConfigs(_maxTasks: number): Props[] {
    return [{ ...this.props }];
  }

  stop(): void {
    // Nothing to release.
  }

  /** Exactly-once delivery is possible only for a file (stdin cannot be re-read). */
  override exactlyOnceSupport(props: Props): 'SUPPORTED' | 'UNSUPPORTED' {
    return fileOf(props) !== null ? 'SUPPORTED' : 'UNSUPPORTED';
  }

  /**
   * Validates offsets a user writes through the REST API: partitions {"filename": string}, offsets
   * null (a reset) or {"position": non-negative integer}. Whether the position fits the file is
   * checked by the task when it starts.
   */
  override alterOffsets(props: Props, offsets: Map<string, SourceOffset | null>): boolean {
    if (fileOf(props) === null) {
      throw new BadRequestError(`Offsets cannot be modified if the '${FILE_CONFIG}' configuration is unspecified. This is because stdin is used for input and offsets are not tracked.`);
    }
    for (const [partitionKey, offset] of offsets) {
      let partition: unknown;
      try {
        partition = JSON.parse(partitionKey);
      } catch {
        throw new BadRequestError(`Partition ${partitionKey} is not a JSON object`);
      }
      if (typeof partition !== 'object' || partition === null || Array.isArray(partition)) throw new BadRequestError('Partition objects cannot be null');
      const filename = (partition as Record<string, unknown>)[FILENAME_FIELD];
      if (filename === undefined) throw new BadRequestError(`Partition objects should contain the key '${FILENAME_FIELD}'`);
      if (typeof filename !== 'string') throw new BadRequestError(`The value for the '${FILENAME_FIELD}' key in the partition is expected to be a string`);
      // A null offset (tombstone) is always allowed, so stale partitions can be cleaned up.
      if (offset === null || offset === undefined) continue;
      if (!Object.hasOwn(offset, POSITION_FIELD)) throw new BadRequestError(`Offset objects should either be null or contain the key '${POSITION_FIELD}'`);
      const position = offset[POSITION_FIELD];
      if (!((typeof position === 'number' && Number.isSafeInteger(position)) || typeof position === 'bigint')) {
        throw new BadRequestError(`The value for the '${POSITION_FIELD}' key in the offset is expected to be an integer (Long) value, not ${JSON.stringify(position) ?? String(position)}`);
      }
      if (position < 0) throw new BadRequestError(`The value for the '${POSITION_FIELD}' key in the offset should be a non-negative value`);
    }
    return true;
  }
}

const EMPTY = Buffer.alloc(0);

export class FileStreamSourceTask extends SourceTask {
  /** How long poll() waits for more data at the end of the input. */
  static dataWaitMs = 250;
  /** How long poll() waits before looking again for a file that does not exist yet. */
  static missingFileWaitMs = 1000;

  private filename: string | null = null;
  private topic = '';
  private batchSize = DEFAULT_TASK_BATCH_SIZE;
  private partition: SourcePartition | null = null;

  private handle: FileHandle | null = null;
  private opened = false;
  private stopped = false;
  private warnedMissing = false;
  private warnedTruncated = false;
  /** Next byte of the file to read. */
  private readPos = 0;
  /** Bytes read but not yet emitted as lines; pending[0] is at file position pendingPos. */
  private pending: Buffer = EMPTY;
  private pendingPos = 0;

  private stdin: Readable | null = null;
  private stdinChunks: Buffer[] = [];
  private stdinEnded = false;
  private stdinWake: (() => void) | null = null;
  private readonly onStdinData = (chunk: Buffer | string): void => {
    this.stdinChunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    this.wakeStdin();
  };
  private readonly onStdinEnd = (): void => {
    this.stdinEnded = true;
    this.wakeStdin();
  };

  override version(): string { return VERSION; }

  start(props: Props): void {
    const cfg = new AbstractConfig(fileStreamSourceConfigDef(), props);
    this.filename = fileOf(props);
    this.topic = cfg.getString(TOPIC_CONFIG);
    this.batchSize = cfg.getInt(TASK_BATCH_SIZE_CONFIG);
    this.partition = this.filename === null ? null : { [FILENAME_FIELD]: this.filename };
    this.stopped = false;
    if (this.filename === null) {
      const input = this.openStdin();
      this.stdin = input;
      input.on('data', this.onStdinData);
      input.on('end', this.onStdinEnd);
      input.resume();
    }
  }

  /** The stream used when no file is configured (a seam for tests). */
  protected openStdin(): Readable {
    return process.stdin;
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[] | null> {
    if (this.stopped || signal.aborted) return null;
    if (this.filename === null) return this.pollStdin(signal);
    if (!this.opened && !(await this.openFile(signal))) return null;
    let records = await this.readLines();
    if (records.length === 0) {
      await sleep(FileStreamSourceTask.dataWaitMs, signal);
      if (this.stopped || signal.aborted) return null;
      records = await this.readLines();
    }
    return records.length > 0 ? records : null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const h = this.handle;
    this.handle = null;
    this.opened = false;
    if (h) await h.close().catch(() => undefined);
    if (this.stdin) {
      this.stdin.off('data', this.onStdinData);
      this.stdin.off('end', this.onStdinEnd);
      this.stdin.pause();
      this.stdin = null;
    }
    this.wakeStdin();
  }

  // ---- file ----

  private async openFile(signal: AbortSignal): Promise<boolean> {
    const filename = this.filename!;
    let handle: FileHandle;
    try {
      handle = await open(filename, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        const msg = `Couldn't find file ${filename} for FileStreamSourceTask, sleeping to wait for it to be created`;
        if (!this.warnedMissing) this.context.logger.warn({ file: filename }, msg);
        else this.context.logger.debug({ file: filename }, msg);
        this.warnedMissing = true;
        await sleep(FileStreamSourceTask.missingFileWaitMs, signal);
        return false;
      }
      throw new ConnectError(`Error while trying to open file ${filename}: ${(e as Error).message}`, { cause: e });
    }
    if (this.stopped) {
      await handle.close();
      return false;
    }
    try {
      const position = await this.storedPosition();
      this.handle = handle;
      this.opened = true;
      this.warnedMissing = false;
      this.readPos = position;
      this.pendingPos = position;
      this.pending = EMPTY;
      if (position > 0) this.context.logger.info({ file: filename, position }, `Found previous offset, resuming ${filename} at byte ${position}`);
      else this.context.logger.info({ file: filename }, `Opened ${filename} for reading`);
      return true;
    } catch (e) {
      await handle.close().catch(() => undefined);
      throw e;
    }
  }

  private async storedPosition(): Promise<number> {
    const offset = await this.context.offsetStorageReader.offset(this.partition!);
    if (offset === null || offset === undefined) return 0;
    const raw = offset[POSITION_FIELD];
    if (raw === undefined || raw === null) return 0;
    const position = typeof raw === 'bigint' ? Number(raw) : raw;
    if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) {
      throw new ConnectError(`Offset position is the incorrect type: expected a non-negative integer "${POSITION_FIELD}" for ${this.filename}, got ${JSON.stringify(raw) ?? String(raw)}`);
    }
    return position;
  }

  /** Reads until a batch of complete lines is available or the end of the file is reached. */
  private async readLines(): Promise<SourceRecord[]> {
    const records: SourceRecord[] = [];
    this.extractLines(records, false);
    while (records.length < this.batchSize) {
      const n = await this.readChunk();
      if (n === 0) break;
      this.extractLines(records, false);
    }
    return records;
  }

  private async readChunk(): Promise<number> {
    const handle = this.handle;
    if (!handle) return 0;
    const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(chunk, 0, READ_CHUNK_BYTES, this.readPos));
    } catch (e) {
      if (this.stopped) return 0;
      throw new ConnectError(`Error while trying to read from file ${this.filename}: ${(e as Error).message}`, { cause: e });
    }
    if (bytesRead === 0) {
      await this.checkTruncation(handle);
      return 0;
    }
    this.readPos += bytesRead;
    const data = chunk.subarray(0, bytesRead);
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    return bytesRead;
  }

  private async checkTruncation(handle: FileHandle): Promise<void> {
    if (this.warnedTruncated) return;
    try {
      const { size } = await handle.stat();
      if (size < this.readPos) {
        this.warnedTruncated = true;
        this.context.logger.warn({ file: this.filename, size, position: this.readPos },
          `File ${this.filename} is shorter (${size} bytes) than the position to read from (${this.readPos}); it may have been truncated. Waiting for it to grow past that position.`);
      }
    } catch {
      // Best effort only.
    }
  }

  // ---- stdin ----

  private wakeStdin(): void {
    const w = this.stdinWake;
    this.stdinWake = null;
    if (w) w();
  }

  private async pollStdin(signal: AbortSignal): Promise<SourceRecord[] | null> {
    const records: SourceRecord[] = [];
    this.drainStdin(records);
    if (records.length === 0 && !this.stdinEnded) {
      await Promise.race([
        new Promise<void>((resolve) => { this.stdinWake = resolve; }),
        sleep(FileStreamSourceTask.dataWaitMs, signal),
      ]);
      this.stdinWake = null;
      if (this.stopped || signal.aborted) return null;
      this.drainStdin(records);
    }
    return records.length > 0 ? records : null;
  }

  private drainStdin(records: SourceRecord[]): void {
    if (this.stdinChunks.length > 0) {
      this.pending = Buffer.concat(this.pending.length === 0 ? this.stdinChunks : [this.pending, ...this.stdinChunks]);
      this.stdinChunks = [];
    }
    // stdin cannot grow after it ends, so an unterminated last line is emitted then.
    this.extractLines(records, this.stdinEnded);
  }

  // ---- lines ----

  /**
   * Moves complete lines from `pending` into records (up to the batch size). A '\r' at the very end
   * is left pending until the next byte shows whether it starts a "\r\n".
   */
  private extractLines(records: SourceRecord[], atEof: boolean): void {
    const buf = this.pending;
    const now = Date.now();
    let start = 0;
    let cr = buf.indexOf(0x0d);
    while (records.length < this.batchSize && start < buf.length) {
      if (cr !== -1 && cr < start) cr = buf.indexOf(0x0d, start);
      const lf = buf.indexOf(0x0a, start);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 < buf.length) next = buf[cr + 1] === 0x0a ? cr + 2 : cr + 1;
        else if (atEof) next = cr + 1;
        else break;
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else if (atEof) {
        end = buf.length;
        next = buf.length;
      } else {
        break;
      }
      records.push(this.record(buf.toString('utf8', start, end), this.pendingPos + next, now));
      start = next;
    }
    if (start > 0) {
      this.pending = start >= buf.length ? EMPTY : buf.subarray(start);
      this.pendingPos += start;
    }
  }

  private record(line: string, positionAfter: number, timestamp: number): SourceRecord {
    return sourceRecord({
      topic: this.topic,
      valueSchema: Schemas.STRING,
      value: line,
      timestamp,
      sourcePartition: this.partition,
      sourceOffset: this.partition === null ? null : { [POSITION_FIELD]: positionAfter },
    });
  }
}
