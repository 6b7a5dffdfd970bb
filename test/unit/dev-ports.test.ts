import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { DEFAULT_BASE_PORT, findFreePorts, firstTakenPort, isPortFree, portLayout, portsFor } from '../../src/dev/ports.js';

test('default layout: source 19092/19093, target 20092/20093', () => {
  assert.equal(DEFAULT_BASE_PORT, 19092);
  const l = portLayout(['source', 'target']);
  assert.deepEqual(l.get('source'), { broker: 19092, controller: 19093 });
  assert.deepEqual(l.get('target'), { broker: 20092, controller: 20093 });
  assert.deepEqual(portsFor(2, 30000), { broker: 32000, controller: 32001 });
});

test('layout rejects ports outside 1024-65535', () => {
  assert.throws(() => portLayout(['a', 'b'], 65000), /outside 1024-65535/);
  assert.throws(() => portLayout(['a'], 80), /outside 1024-65535/);
  assert.doesNotThrow(() => portLayout(['a'], 65534));
});

test('findFreePorts returns distinct bindable ports and never repeats within a process', async () => {
  const a = await findFreePorts(6);
  const b = await findFreePorts(6);
  const all = [...a, ...b];
  assert.equal(new Set(all).size, all.length);
  for (const p of all) {
    assert.ok(p >= 21000 && p < 32000, `${p} in range`);
  }
  assert.equal(await isPortFree(a[0]!), true);
});

test('isPortFree / firstTakenPort see a listening socket', async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const addr = srv.address();
  assert.ok(addr && typeof addr === 'object');
  try {
    assert.equal(await isPortFree(addr.port), false);
    const [free] = await findFreePorts(1);
    assert.equal(await firstTakenPort([free!, addr.port]), addr.port);
    assert.equal(await firstTakenPort([free!]), undefined);
  } finally {
    await new Promise((r) => srv.close(r));
  }
});
