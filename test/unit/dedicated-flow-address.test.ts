// Multi-host dedicated mode: where a node's flows listen for the other nodes' internal requests, and the address
// they advertise, derived from the process listener's settings as MM2 reads them (KIP-710).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowAddress, flowWorkerProps } from '../../src/mirror/dedicated.js';
import type { Mm2Flow } from '../../src/connectors/mirror/mm2-properties.js';

test('flows bind the process listener host and advertise rest.advertised.host.name, else that host', () => {
  assert.equal(flowAddress({ listeners: 'http://127.0.0.2:8083' }, false), undefined, 'without the process listener flows stay on loopback');
  assert.deepEqual(flowAddress({ listeners: 'http://10.0.0.5:8083' }, true), { bind: '10.0.0.5', advertised: '10.0.0.5' });
  assert.deepEqual(flowAddress({ listeners: 'http://localhost:8083' }, true), { bind: '127.0.0.1', advertised: '127.0.0.1' });
  assert.deepEqual(flowAddress({ listeners: 'http://0.0.0.0:8083', 'rest.advertised.host.name': 'mm2-1.example' }, true), { bind: '0.0.0.0', advertised: 'mm2-1.example' });
  assert.deepEqual(flowAddress({ listeners: 'http://:8083', 'rest.advertised.host.name': 'mm2-2.example' }, true), { bind: '0.0.0.0', advertised: 'mm2-2.example' });
});

test('a process listener on every interface without rest.advertised.host.name is refused, naming the key', () => {
  assert.throws(() => flowAddress({ listeners: 'http://0.0.0.0:8083' }, true), /Missing rest\.advertised\.host\.name: the process listener http:\/\/0\.0\.0\.0:8083 binds every interface/);
});

test('a flow keeps its own listeners / rest.advertised.host.name (from <target>.*) over the node address', () => {
  const flow = { source: 'A', target: 'B', worker: { 'group.id': 'A-mm2' } } as unknown as Mm2Flow;
  const node = { bind: '10.0.0.5', advertised: 'mm2-1' };
  const props = flowWorkerProps(flow, {}, node);
  assert.equal(props['listeners'], 'http://10.0.0.5:0');
  assert.equal(props['rest.advertised.host.name'], 'mm2-1');
  const own = flowWorkerProps({ ...flow, worker: { ...flow.worker, listeners: 'http://10.0.0.9:9000', 'rest.advertised.host.name': 'x' } } as Mm2Flow, {}, node);
  assert.equal(own['listeners'], 'http://10.0.0.9:9000');
  assert.equal(own['rest.advertised.host.name'], 'x');
  assert.equal(flowWorkerProps(flow)['listeners'], 'http://127.0.0.1:0', 'no node address: loopback, as before');
});
