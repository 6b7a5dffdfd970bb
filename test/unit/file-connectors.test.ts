import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import {
  ConfigError, SchemaBuilder, Schemas, Struct, sinkRecord,
  type OffsetStorageReader, type PluginLogger, type SourceOffset, type SourcePartition, type SourceRecord,
} from '../../src/connect/api/index.js';
import {
  FileStreamSinkConnector, FileStreamSinkTask, FileStreamSourceConnector, FileStreamSourceTask, filePlugins, fileStreamPlugins,
} from '../../src/connectors/file/index.js';

interface Logged { level: string; msg: string | undefined }

function fakeLogger(log: Logged[]): PluginLogger {
  const at = (level: string) => (_obj: unknown, msg?: string) => { log.push({ level, msg }); };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** An in-memory offset reader keyed by the partition's JSON. */
function fakeReader(stored: Record<string, SourceOffset> = {}): OffsetStorageReader {
  return {
    offset: async (p: SourcePartition) => stored[JSON.stringify(p)] ?? null,
    offsets: async (ps: SourcePartition[]) => new Map(ps.map((p) => [JSON.stringify(p), stored[JSON.stringify(p)] ?? null])),
  };
}

function sourceTask(props: Record<string, string>, stored: Record<string, SourceOffset> = {}, log: Logged[] = []): FileStreamSourceTask {
  const task = new FileStreamSourceTask();
  task.initialize({ offsetStorageReader: fakeReader(stored), logger: fakeLogger(log), taskId: 0, connectorName: 'file-source' });
  task.start(props);
  return task;
}

const signal = (): AbortSignal => new AbortController().signal;
const lines = (rs: SourceRecord[] | null): unknown[] => (rs ?? []).map((r) => r.value);
const positions = (rs: SourceRecord[] | null): unknown[] => (rs ?? []).map((r) => r.sourceOffset?.['position']);

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-file-'));
  FileStreamSourceTask.dataWaitMs = 5;
  FileStreamSourceTask.missingFileWaitMs = 5;
});
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const newFile = (content?: string | Buffer): string => {
  const p = join(dir, `f${n++}.txt`);
  if (content !== undefined) writeFileSync(p, content);
  return p;
};

describe('FileStreamSourceTask', () => {
  it('emits one record per line with byte-position offsets under {"filename"}', async () => {
    const file = newFile('alpha\nbeta\r\ngamma\rdelta\n');
    const task = sourceTask({ file, topic: 'lines' });
    const rs = await task.poll(signal());
    assert.deepEqual(lines(rs), ['alpha', 'beta', 'gamma', 'delta']);
    assert.deepEqual(positions(rs), [6, 12, 18, 24]);
    const r = rs![0]!;
    assert.equal(r.topic, 'lines');
    assert.equal(r.valueSchema, Schemas.STRING);
    assert.equal(r.key, null);
    assert.equal(r.kafkaPartition, null);
    assert.deepEqual(r.sourcePartition, { filename: file });
    assert.equal(typeof r.timestamp, 'number');
    assert.equal(await task.poll(signal()), null);
    await task.stop();
  });

  it('counts positions in bytes, not characters', async () => {
    const file = newFile('é€😀\nx\n');
    const task = sourceTask({ file, topic: 't' });
    const rs = await task.poll(signal());
    assert.deepEqual(lines(rs), ['é€😀', 'x']);
    assert.deepEqual(positions(rs), [10, 12]);
    await task.stop();
  });

  it('decodes multi-byte UTF-8 split across reads (chunk boundary and a growing file)', async () => {
    // 65535 ASCII bytes put '€' (3 bytes) across the 64 KiB read boundary.
    const long = 'a'.repeat(65535) + '€';
    const file = newFile(long + '\n');
    const task = sourceTask({ file, topic: 't' });
    const rs = await task.poll(signal());
    assert.deepEqual(lines(rs), [long]);
    assert.deepEqual(positions(rs), [65539]);

    // A writer that has flushed only part of a character.
    const euro = Buffer.from('€😀', 'utf8');
    appendFileSync(file, Buffer.concat([Buffer.from('b'), euro.subarray(0, 2)]));
    assert.equal(await task.poll(signal()), null);
    appendFileSync(file, euro.subarray(2, 5));
    assert.equal(await task.poll(signal()), null);
    appendFileSync(file, Buffer.concat([euro.subarray(5), Buffer.from('\n')]));
    const more = await task.poll(signal());
    assert.deepEqual(lines(more), ['b€😀']);
    assert.deepEqual(positions(more), [65539 + 1 + 7 + 1]);
    await task.stop();
  });

  it('waits for the end of a partial last line, then emits it whole', async () => {
    const file = newFile('one\ntw');
    const task = sourceTask({ file, topic: 't' });
    assert.deepEqual(lines(await task.poll(signal())), ['one']);
    assert.equal(await task.poll(signal()), null);
    appendFileSync(file, 'o\nthr');
    const rs = await task.poll(signal());
    assert.deepEqual(lines(rs), ['two']);
    assert.deepEqual(positions(rs), [8]);
    appendFileSync(file, 'ee\n');
    assert.deepEqual(lines(await task.poll(signal())), ['three']);
    await task.stop();
  });

  it('waits after a trailing \\r to see whether \\n follows', async () => {
    const file = newFile('a\r');
    const task = sourceTask({ file, topic: 't' });
    assert.equal(await task.poll(signal()), null);
    appendFileSync(file, '\nb\r');
    const rs = await task.poll(signal());
    assert.deepEqual(lines(rs), ['a']);
    assert.deepEqual(positions(rs), [3]);
    appendFileSync(file, 'c\n');
    const rs2 = await task.poll(signal());
    assert.deepEqual(lines(rs2), ['b', 'c']);
    assert.deepEqual(positions(rs2), [5, 7]);
    await task.stop();
  });

  it('resumes from the stored byte position', async () => {
    const file = newFile('ünï\ncødé\nlast\n');
    const first = sourceTask({ file, topic: 't' });
    const rs = await first.poll(signal());
    await first.stop();
    const afterFirst = rs![0]!.sourceOffset!;
    assert.deepEqual(afterFirst, { position: 6 });
    const log: Logged[] = [];
    const second = sourceTask({ file, topic: 't' }, { [JSON.stringify({ filename: file })]: afterFirst }, log);
    const rest = await second.poll(signal());
    assert.deepEqual(lines(rest), ['cødé', 'last']);
    assert.deepEqual(positions(rest), [13, 18]);
    assert.ok(log.some((l) => l.level === 'info' && /byte 6/.test(l.msg ?? '')));
    await second.stop();
  });

  it('fails clearly on a stored position of the wrong type', async () => {
    const file = newFile('x\n');
    const task = sourceTask({ file, topic: 't' }, { [JSON.stringify({ filename: file })]: { position: 'abc' } });
    await assert.rejects(task.poll(signal()), /Offset position is the incorrect type/);
    await task.stop();
  });

  it('honours batch.size', async () => {
    const file = newFile('1\n2\n3\n4\n5\n');
    const task = sourceTask({ file, topic: 't', 'batch.size': '2' });
    assert.deepEqual(lines(await task.poll(signal())), ['1', '2']);
    assert.deepEqual(lines(await task.poll(signal())), ['3', '4']);
    assert.deepEqual(lines(await task.poll(signal())), ['5']);
    await task.stop();
  });

  it('waits with a warning for a file that does not exist yet', async () => {
    const file = newFile();
    const log: Logged[] = [];
    const task = sourceTask({ file, topic: 't' }, {}, log);
    assert.equal(await task.poll(signal()), null);
    assert.equal(await task.poll(signal()), null);
    assert.equal(log.filter((l) => l.level === 'warn' && /Couldn't find file/.test(l.msg ?? '')).length, 1);
    writeFileSync(file, 'now\n');
    assert.deepEqual(lines(await task.poll(signal())), ['now']);
    await task.stop();
  });

  it('returns promptly when the poll signal aborts', async () => {
    FileStreamSourceTask.dataWaitMs = 60_000;
    try {
      const task = sourceTask({ file: newFile(''), topic: 't' });
      const ac = new AbortController();
      const started = Date.now();
      const p = task.poll(ac.signal);
      setTimeout(() => ac.abort(), 20);
      assert.equal(await p, null);
      assert.ok(Date.now() - started < 5_000);
      await task.stop();
    } finally {
      FileStreamSourceTask.dataWaitMs = 5;
    }
  });

  it('reads stdin when no file is set, without offsets', async () => {
    const input = new PassThrough();
    class StdinTask extends FileStreamSourceTask {
      protected override openStdin(): Readable { return input; }
    }
    const task = new StdinTask();
    task.initialize({ offsetStorageReader: fakeReader(), logger: fakeLogger([]), taskId: 0, connectorName: 'c' });
    task.start({ topic: 't' });
    const bytes = Buffer.from('hé\nnext', 'utf8');
    input.write(bytes.subarray(0, 2)); // 'h' and the first byte of 'é'
    assert.equal(await task.poll(signal()), null);
    input.write(bytes.subarray(2));
    const rs = await task.poll(signal());
    assert.deepEqual(lines(rs), ['hé']);
    assert.equal(rs![0]!.sourcePartition, null);
    assert.equal(rs![0]!.sourceOffset, null);
    input.end();
    assert.deepEqual(lines(await task.poll(signal())), ['next']);
    await task.stop();
  });
});

describe('FileStreamSourceConnector', () => {
  it('declares its config and creates exactly one task', () => {
    const c = new FileStreamSourceConnector();
    assert.deepEqual(c.config().names(), ['file', 'topic', 'batch.size']);
    c.start({ file: '/tmp/x', topic: 't', 'tasks.max': '4' });
    assert.deepEqual(c.taskConfigs(4), [{ file: '/tmp/x', topic: 't', 'tasks.max': '4' }]);
    assert.equal(c.taskClass(), FileStreamSourceTask);
    assert.equal(c.exactlyOnceSupport({ file: '/tmp/x' }), 'SUPPORTED');
    assert.equal(c.exactlyOnceSupport({}), 'UNSUPPORTED');
  });

  it('rejects a missing, empty or multi-topic topic and a bad batch.size', () => {
    const c = new FileStreamSourceConnector();
    assert.throws(() => c.start({ file: 'x' }), (e: Error) => e instanceof ConfigError && /Missing required configuration "topic"/.test(e.message));
    assert.throws(() => c.start({ topic: '' }), /String must be non-empty/);
    assert.throws(() => c.start({ topic: 'a,b' }), /requires definition of a single topic/);
    assert.throws(() => c.start({ topic: 't', 'batch.size': '0' }), /batch\.size: Value must be at least 1/);
  });

  it('validates altered offsets', () => {
    const c = new FileStreamSourceConnector();
    const props = { file: '/data/in.txt', topic: 't' };
    const key = JSON.stringify({ filename: '/data/in.txt' });
    assert.equal(c.alterOffsets(props, new Map([[key, { position: 30 }]])), true);
    assert.equal(c.alterOffsets(props, new Map([[key, null]])), true);
    assert.throws(() => c.alterOffsets({ topic: 't' }, new Map([[key, { position: 1 }]])), /stdin is used for input/);
    assert.throws(() => c.alterOffsets(props, new Map([[key, { pos: 1 }]])), /contain the key 'position'/);
    assert.throws(() => c.alterOffsets(props, new Map([[key, { position: '5' }]])), /expected to be an integer/);
    assert.throws(() => c.alterOffsets(props, new Map([[key, { position: 1.5 }]])), /expected to be an integer/);
    assert.throws(() => c.alterOffsets(props, new Map([[key, { position: -1 }]])), /non-negative/);
    assert.throws(() => c.alterOffsets(props, new Map([[JSON.stringify({ file: 'x' }), { position: 1 }]])), /contain the key 'filename'/);
    assert.throws(() => c.alterOffsets(props, new Map([[JSON.stringify({ filename: 3 }), { position: 1 }]])), /'filename' key in the partition is expected to be a string/);
  });
});

describe('FileStreamSink', () => {
  let out: string;
  beforeEach(() => { out = newFile(); });

  const sinkTask = async (props: Record<string, string>): Promise<FileStreamSinkTask> => {
    const t = new FileStreamSinkTask();
    await t.start(props);
    return t;
  };
  const rec = (value: unknown, valueSchema: SchemaBuilder | null = null, offset = 0) =>
    sinkRecord({ topic: 't', kafkaPartition: 0, kafkaOffset: offset, value, valueSchema: valueSchema?.build() ?? null });

  it('appends each value and a newline, and flush() syncs', async () => {
    const t = await sinkTask({ file: out });
    const s = SchemaBuilder.struct().field('id', Schemas.INT32).build();
    await t.put([
      rec('plain'), rec(42), rec(2, SchemaBuilder.float64()), rec(null), rec(new Struct(s).put('id', 7)),
      rec(Buffer.from('raw bytes')), rec({ a: 1 }), rec([1, 'x']), rec('ünï'),
    ]);
    await t.flush();
    assert.equal(readFileSync(out, 'utf8'), 'plain\n42\n2.0\nnull\nStruct{id=7}\nraw bytes\n{a=1}\n[1, x]\nünï\n');
    await t.put([rec('more')]);
    await t.stop();
    const again = await sinkTask({ file: out });
    await again.put([rec('appended')]);
    await again.stop();
    assert.equal(readFileSync(out, 'utf8').split('\n').slice(-3).join('|'), 'more|appended|');
  });

  it('writes to stdout when no file is set', async () => {
    const chunks: Buffer[] = [];
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => chunks.push(c));
    class StdoutTask extends FileStreamSinkTask {
      protected override openStdout(): Writable { return stream; }
    }
    const t = new StdoutTask();
    await t.start({});
    await t.put([rec('a'), rec('b')]);
    await t.stop();
    assert.equal(Buffer.concat(chunks).toString(), 'a\nb\n');
  });

  it('connector gives every task the same config and accepts any offsets', () => {
    const c = new FileStreamSinkConnector();
    c.start({ file: out, topics: 't' });
    assert.deepEqual(c.taskConfigs(3), [{ file: out, topics: 't' }, { file: out, topics: 't' }, { file: out, topics: 't' }]);
    assert.deepEqual(c.config().names(), ['file']);
    assert.equal(c.alterOffsets({}, new Map([['{"kafka_topic":"t","kafka_partition":0}', { kafka_offset: 5 }]])), true);
  });
});

describe('filePlugins', () => {
  it('registers both connectors with their aliases', () => {
    assert.deepEqual(filePlugins.map((p) => [p.className, p.kind, p.aliases]), [
      ['org.apache.kafka.connect.file.FileStreamSourceConnector', 'source', ['FileStreamSourceConnector', 'FileStreamSource']],
      ['org.apache.kafka.connect.file.FileStreamSinkConnector', 'sink', ['FileStreamSinkConnector', 'FileStreamSink']],
    ]);
    assert.ok(filePlugins[0]!.create() instanceof FileStreamSourceConnector);
    assert.ok(filePlugins[1]!.create() instanceof FileStreamSinkConnector);
  });

  it('bound to file.allowed.paths, both connectors refuse a file outside it in validate() and start()', () => {
    const root = mkdtempSync(join(tmpdir(), 'ferry-file-allowed-'));
    try {
      for (const plugin of fileStreamPlugins([root])) {
        const c = plugin.create() as FileStreamSourceConnector | FileStreamSinkConnector;
        const props = { file: '/etc/passwd', topic: 't', topics: 't' };
        assert.match(String((c.validate(props) as Record<string, string[]>)['file']?.[0]), /not below/, plugin.className);
        assert.throws(() => c.start(props), /not below/, plugin.className);
        assert.deepEqual(c.validate({ ...props, file: join(root, 'x.txt') }), {}, plugin.className);
        assert.deepEqual(c.validate({ topic: 't', topics: 't' }), {}, `${plugin.className}: stdin/stdout stay available`);
        c.start({ ...props, file: join(root, 'x.txt') });
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
