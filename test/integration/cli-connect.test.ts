// The command-line entry points as users run them: connect-standalone with properties and JSON connector
// files, clear errors for bad worker files, and connect-mirror-maker rejecting a broken mm2.properties.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { tempDir, waitFor } from '../helpers/connect.js';
import { findFreePorts } from '../../src/dev/ports.js';

let kafka: KafkaHarness;
const tmp = tempDir();
const node = process.execPath;
const cli = (name: string) => ['--import', 'tsx', join('src', 'cli', `${name}.ts`)];

before(async () => { kafka = await startKafka({ clusters: ['cli'] }); });
after(async () => { await kafka?.stop(); tmp.cleanup(); });

test('connect-standalone rejects a worker file with missing required keys, naming them', () => {
  const worker = join(tmp.dir, 'bad-worker.properties');
  writeFileSync(worker, `bootstrap.servers=${kafka.clusters[0]!.bootstrap}\noffset.storage.file.filename=${join(tmp.dir, 'o')}\n`);
  const r = spawnSync(node, [...cli('connect-standalone'), worker], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /key\.converter/);
  assert.match(r.stderr, /value\.converter/);
});

test('connect-standalone reports an unknown connector class from a connector file and exits', () => {
  const worker = join(tmp.dir, 'w1.properties');
  writeFileSync(worker, [`bootstrap.servers=${kafka.clusters[0]!.bootstrap}`, 'key.converter=org.apache.kafka.connect.storage.StringConverter',
    'value.converter=org.apache.kafka.connect.storage.StringConverter', `offset.storage.file.filename=${join(tmp.dir, 'o1')}`, 'listeners=http://127.0.0.1:0'].join('\n'));
  const conn = join(tmp.dir, 'bad-connector.properties');
  writeFileSync(conn, 'name=x\nconnector.class=com.example.DoesNotExist\n');
  const r = spawnSync(node, [...cli('connect-standalone'), worker, conn], { encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /com\.example\.DoesNotExist/);
});

test('connect-standalone runs connectors from .properties and .json files and serves REST', async () => {
  const [port] = await findFreePorts(1);
  const worker = join(tmp.dir, 'w2.properties');
  writeFileSync(worker, [`bootstrap.servers=${kafka.clusters[0]!.bootstrap}`, 'key.converter=org.apache.kafka.connect.storage.StringConverter',
    'value.converter=org.apache.kafka.connect.storage.StringConverter', `offset.storage.file.filename=${join(tmp.dir, 'o2')}`,
    `listeners=http://127.0.0.1:${port}`, 'offset.flush.interval.ms=500', `file.allowed.paths=${tmp.dir}`].join('\n'));
  const input = join(tmp.dir, 'cli-in.txt');
  const output = join(tmp.dir, 'cli-out.txt');
  writeFileSync(input, 'alpha\nbeta\n');
  const src = join(tmp.dir, 'src.properties');
  writeFileSync(src, `name=cli-src\nconnector.class=FileStreamSource\nfile=${input}\ntopic=cli-lines\n`);
  const sink = join(tmp.dir, 'sink.json');
  writeFileSync(sink, JSON.stringify({ name: 'cli-sink', config: { 'connector.class': 'FileStreamSink', file: output, topics: 'cli-lines' } }));
  const child = spawn(node, [...cli('connect-standalone'), worker, src, sink], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  try {
    const names = await waitFor('REST lists both connectors', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/connectors`).catch(() => null);
      const body = res && res.ok ? (await res.json()) as string[] : [];
      return body.length === 2 ? body : null;
    }, 60_000);
    assert.deepEqual(names.sort(), ['cli-sink', 'cli-src']);
    await waitFor('lines copied', async () => {
      const { readFileSync, existsSync } = await import('node:fs');
      return existsSync(output) && readFileSync(output, 'utf8') === 'alpha\nbeta\n';
    }, 60_000);
  } finally {
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 0, `graceful shutdown on SIGTERM; stderr: ${stderr.slice(-500)}`);
  }
});

test('connect-mirror-maker rejects an mm2.properties naming an unknown cluster in a flow', () => {
  const mm2 = join(tmp.dir, 'bad-mm2.properties');
  writeFileSync(mm2, `clusters = a, b\na.bootstrap.servers = ${kafka.clusters[0]!.bootstrap}\nb.bootstrap.servers = ${kafka.clusters[0]!.bootstrap}\na->c.enabled = true\n`);
  const r = spawnSync(node, [...cli('connect-mirror-maker'), mm2], { encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /a->c|\bc\b/);
});
