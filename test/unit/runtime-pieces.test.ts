// Unit tests for runtime building blocks: Java-compatible partitioning, the standalone offsets file,
// plugin resolution (aliases, plugin.path) and connector config validation messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { murmur2, murmur2Partition } from '../../src/kafka/partitioner.js';
import { FileOffsetStore, canonicalJson, offsetKeyJson } from '../../src/connect/storage/offset-store.js';
import { PluginRegistry } from '../../src/connect/runtime/plugins.js';
import { builtinPlugins } from '../../src/app/plugins.js';
import { validateConnectorConfig, throwIfInvalid } from '../../src/connect/herder/validation.js';
import { ConfigError } from '../../src/connect/api/errors.js';

const require = createRequire(import.meta.url);

test('murmur2 partitioning matches kafkajs\'s Java-compatible implementation', () => {
  const kjs = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (k: Buffer) => number;
  for (let i = 0; i < 2000; i++) {
    const key = Buffer.from(`key-${i}-${'x'.repeat(i % 13)}`);
    assert.equal(murmur2(key), kjs(key), `key ${key.toString()}`);
  }
  assert.equal(murmur2Partition(Buffer.from('a'), 1), 0);
  for (let i = 0; i < 100; i++) {
    const p = murmur2Partition(Buffer.from(String(i)), 8);
    assert.ok(p >= 0 && p < 8);
  }
});

test('file offset store persists, reloads and refuses a corrupt file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-offsets-'));
  try {
    const file = join(dir, 'sub', 'connect.offsets');
    const a = new FileOffsetStore(file);
    await a.start();
    await a.set([{ connector: 'c', partition: { filename: '/x' }, offset: { position: 12 } }]);
    await a.set([{ connector: 'c', partition: { topic: 't', partition: 1, cluster: 'A' }, offset: { offset: 99 } }]);
    const b = new FileOffsetStore(file);
    await b.start();
    assert.deepEqual(b.get('c', { filename: '/x' }), { position: 12 });
    // Lookup is by value, not key order.
    assert.deepEqual(b.get('c', { cluster: 'A', partition: 1, topic: 't' }), { offset: 99 });
    await b.set([{ connector: 'c', partition: { filename: '/x' }, offset: null }]);
    const c = new FileOffsetStore(file);
    await c.start();
    assert.equal(c.get('c', { filename: '/x' }), null);
    assert.equal(c.connectorOffsets('c').length, 1);
    // A leftover temp file from a crash mid-write does not matter; a torn main file is refused loudly.
    writeFileSync(`${file}.tmp-123`, '{"format":"ferry-off');
    const d = new FileOffsetStore(file);
    await d.start();
    assert.equal(d.connectorOffsets('c').length, 1);
    writeFileSync(file, '{"format":"ferry-offsets","version":1,"offsets":[{"key":');
    await assert.rejects(new FileOffsetStore(file).start(), /not valid JSON/);
    assert.ok(existsSync(file));
    assert.match(readFileSync(file, 'utf8'), /ferry-offsets/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('offset keys use Connect\'s ["connector",{partition}] form; canonical JSON ignores key order', () => {
  assert.equal(offsetKeyJson('fs', { filename: 'a.txt' }), '["fs",{"filename":"a.txt"}]');
  assert.equal(canonicalJson({ b: 1, a: { d: 2, c: 3 } }), canonicalJson({ a: { c: 3, d: 2 }, b: 1 }));
});

test('an invalid topics.regex is one error on the key, and the DLQ cross-check does not throw on it', async () => {
  const r = builtinPlugins();
  for (const regex of ['(', '[']) {
    const infos = await validateConnectorConfig(r, { name: 'x', 'connector.class': 'FileStreamSink', 'topics.regex': regex, 'errors.deadletterqueue.topic.name': 'dlq' });
    const errors = infos.configs.filter((c) => (c.value?.errors.length ?? 0) > 0).map((c) => [c.value!.name, c.value!.errors.length]);
    assert.deepEqual(errors, [['topics.regex', 1]], regex);
    assert.equal(infos.error_count, 1, regex);
  }
});

test('plugins resolve by full class name, simple name and name without the Connector suffix', () => {
  const r = builtinPlugins();
  for (const name of ['org.apache.kafka.connect.file.FileStreamSourceConnector', 'FileStreamSourceConnector', 'FileStreamSource']) {
    assert.equal(r.find(name, ['source'])?.className, 'org.apache.kafka.connect.file.FileStreamSourceConnector', name);
  }
  assert.equal(r.find('MirrorSourceConnector', ['source'])?.className, 'org.apache.kafka.connect.mirror.MirrorSourceConnector');
  assert.equal(r.find('JsonConverter', ['converter'])?.className, 'org.apache.kafka.connect.json.JsonConverter');
  assert.throws(() => r.resolve('com.acme.Missing', ['source', 'sink'], 'connector.class'), (e: unknown) => e instanceof ConfigError && /com\.acme\.Missing/.test(e.message));
});

test('plugin.path loads JS modules that export plugin descriptors, and rejects bad ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-plugins-'));
  try {
    writeFileSync(join(dir, 'echo.mjs'), `export const plugins = [{ className: 'com.acme.EchoConnector', kind: 'source', create: () => ({ kind: 'source' }) }];\n`);
    const r = new PluginRegistry();
    const loaded = await r.loadPluginPath([dir]);
    assert.equal(loaded.length, 1);
    assert.equal(r.find('Echo', ['source'])?.className, 'com.acme.EchoConnector');
    writeFileSync(join(dir, 'bad.mjs'), `export default { nope: true };\n`);
    await assert.rejects(new PluginRegistry().loadPluginPath([dir]), /not a plugin descriptor/);
    await assert.rejects(new PluginRegistry().loadPluginPath([join(dir, 'missing')]), /cannot be read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('validation lists every bad key in Connect\'s message', async () => {
  const r = builtinPlugins();
  const infos = await validateConnectorConfig(r, { name: 'x', 'connector.class': 'FileStreamSink', 'tasks.max': '-1', 'errors.tolerance': 'maybe' });
  assert.equal(infos.name, 'FileStreamSink');
  assert.throws(() => throwIfInvalid(infos), (e: unknown) => {
    const msg = (e as Error).message;
    return e instanceof ConfigError && /contains the following 4 error\(s\)/.test(msg) && /tasks\.max/.test(msg) && /errors\.tolerance/.test(msg) && /topics/.test(msg);
  });
  await assert.rejects(validateConnectorConfig(r, { name: 'x' }), /contains no connector type/);
  await assert.rejects(validateConnectorConfig(r, { name: 'x', 'connector.class': 'Nope' }), /Nope/);
  // FileStream connectors may only use files under the worker's file.allowed.paths.
  const refused = await validateConnectorConfig(r, { name: 'x', 'connector.class': 'FileStreamSink', topics: 't', file: '/tmp/x' });
  assert.equal(refused.error_count, 1);
  const ok = await validateConnectorConfig(builtinPlugins({ fileAllowedPaths: ['/tmp'] }), { name: 'x', 'connector.class': 'FileStreamSink', topics: 't', file: '/tmp/x' });
  assert.equal(ok.error_count, 0);
});
