import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterRecord } from '../../src/dev/cluster.js';
import { acquireLock } from '../../src/dev/lock.js';
import { defaultDevDir, readState, stateFile, upsertCluster, writeState } from '../../src/dev/state.js';
import { validateClusterName } from '../../src/dev/environment.js';
import { lastLines, tailFile } from '../../src/dev/process.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'ferry-unit-'));
const rec = (name: string): ClusterRecord => ({
  name, bootstrap: '127.0.0.1:1', brokerPort: 1, controllerPort: 2, kafkaVersion: '4.3.1', clusterId: 'id', dir: `/d/${name}`, dataDir: `/d/${name}/data`, logFile: `/d/${name}/logs/server.log`, acls: false,
});

test('defaultDevDir: FERRY_DEV_DIR, else ./.ferry/dev', () => {
  assert.equal(defaultDevDir({}, '/work'), '/work/.ferry/dev');
  assert.equal(defaultDevDir({ FERRY_DEV_DIR: '/x/y' }, '/work'), '/x/y');
  assert.equal(defaultDevDir({ FERRY_DEV_DIR: 'rel' }, '/work'), '/work/rel');
});

test('state file round-trips and upsert keeps order', () => {
  const dir = tmp();
  try {
    assert.deepEqual(readState(dir), { version: 1, clusters: [] });
    let s = upsertCluster(upsertCluster({ version: 1, clusters: [] }, rec('a')), rec('b'));
    s = upsertCluster(s, { ...rec('a'), pid: 42 });
    writeState(dir, s);
    const back = readState(dir);
    assert.deepEqual(back.clusters.map((c) => [c.name, c.pid]), [['a', 42], ['b', undefined]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt or foreign state file is reported, not silently replaced', () => {
  const dir = tmp();
  try {
    writeFileSync(stateFile(dir), '{nope');
    assert.throws(() => readState(dir), /Cannot read dev state/);
    writeFileSync(stateFile(dir), JSON.stringify({ hello: 1 }));
    assert.throws(() => readState(dir), /not a Ferry dev state file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lock: exclusive while held, released after, stale lock of a dead pid taken over', async () => {
  const dir = tmp();
  const lock = join(dir, 'x.lock');
  try {
    const release = await acquireLock(lock);
    await assert.rejects(acquireLock(lock, { timeoutMs: 300 }), /Timed out .* held by pid/);
    release();
    assert.equal(existsSync(lock), false);
    // A lock left by a process that no longer exists.
    mkdirSync(lock);
    writeFileSync(join(lock, 'owner.json'), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), since: Date.now() }));
    const r2 = await acquireLock(lock, { timeoutMs: 2000 });
    r2();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cluster names must be usable as directory names', () => {
  for (const ok of ['source', 'target', 'dc-1', 'a.b_c']) assert.doesNotThrow(() => validateClusterName(ok));
  for (const bad of ['', '../x', 'a/b', '.hidden', 'sp ace']) assert.throws(() => validateClusterName(bad), /Invalid cluster name/);
});

test('lastLines / tailFile', () => {
  assert.equal(lastLines('a\nb\nc\n\n', 2), 'b\nc');
  const dir = tmp();
  try {
    const f = join(dir, 'log');
    writeFileSync(f, Array.from({ length: 10_000 }, (_, i) => `line ${i}`).join('\n'));
    assert.equal(tailFile(f, 2), 'line 9998\nline 9999');
    assert.equal(tailFile(join(dir, 'missing'), 2), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
