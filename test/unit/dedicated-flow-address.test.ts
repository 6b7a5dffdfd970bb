// Dedicated mode's one listener per process (KIP-710): each flow's inter-worker endpoints under /{source}/{target},
// the URL a flow advertises (the process listener's advertised URL plus that path), and the flow settings refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowPath, flowWorkerProps, processAdvertisedUrl } from '../../src/mirror/dedicated.js';
import type { Mm2Flow } from '../../src/connectors/mirror/mm2-properties.js';
import { createProcessRestServer, type ForwardRequest, type RestHerder } from '../../src/connect/rest/server.js';
import { NotLeaderError } from '../../src/connect/herder/distributed.js';

test('the process listener is advertised as Connect advertises a worker: rest.advertised.*, else its own host', () => {
  assert.equal(processAdvertisedUrl({ listeners: 'http://127.0.0.2:8083' }, false, [41000]), 'http://127.0.0.1:41000/', 'without it: the loopback listener');
  assert.equal(processAdvertisedUrl({ listeners: 'http://10.0.0.5:0' }, true, [8083]), 'http://10.0.0.5:8083/');
  assert.equal(processAdvertisedUrl({ listeners: 'http://localhost:8083' }, true, [8083]), 'http://127.0.0.1:8083/');
  assert.equal(processAdvertisedUrl({ listeners: 'http://0.0.0.0:8083', 'rest.advertised.host.name': 'mm2-1.example' }, true, [8083]), 'http://mm2-1.example:8083/');
  assert.equal(processAdvertisedUrl({ listeners: 'http://:8083', 'rest.advertised.host.name': 'mm2-2', 'rest.advertised.port': '443' }, true, [8083]), 'http://mm2-2:443/');
  assert.equal(processAdvertisedUrl({ listeners: 'http://10.0.0.5:8083,https://10.0.0.5:8443', 'rest.advertised.listener': 'https' }, true, [8083, 8443]), 'https://10.0.0.5:8443/');
  assert.throws(() => processAdvertisedUrl({ listeners: 'http://10.0.0.5:8083', 'rest.advertised.listener': 'https' }, true, [8083]), /rest\.advertised\.listener=https but no listener uses https/);
});

test('a process listener on every interface without rest.advertised.host.name is refused, naming the key', () => {
  assert.throws(() => processAdvertisedUrl({ listeners: 'http://0.0.0.0:8083' }, true, [8083]), /Missing rest\.advertised\.host\.name: the process listener http:\/\/0\.0\.0\.0:8083 binds every interface/);
});

test('a flow lives at /{source}/{target}; settings of a listener of its own are refused, naming them', () => {
  const flow = { source: 'A', target: 'B', worker: { 'group.id': 'A-mm2' } } as unknown as Mm2Flow;
  assert.equal(flowPath(flow), '/A/B');
  assert.equal(flowPath({ source: 'us east', target: 'eu/1' }), '/us%20east/eu%2F1');
  assert.equal(flowWorkerProps(flow)['listeners'], undefined, 'no listener of the flow\'s own');
  const own = { ...flow, worker: { ...flow.worker, listeners: 'http://10.0.0.9:9000', 'rest.advertised.host.name': 'x' } } as Mm2Flow;
  assert.throws(() => flowWorkerProps(own), /B\.listeners, B\.rest\.advertised\.host\.name: in dedicated mode a flow has no REST listener of its own; .* under \/A\/B/);
  assert.throws(() => flowWorkerProps(flow, { 'listeners.https.ssl.keystore.location': '/k' }), /^ConfigError: listeners\.https\.ssl\.keystore\.location: /);
});

/** A flow herder that answers the two inter-worker calls, or says who leads. */
function flowHerder(calls: string[], leaderUrl: string | null): RestHerder {
  const answer = (what: string) => async (connector: string) => {
    if (leaderUrl !== null) throw new NotLeaderError('Cannot do it on a worker that is not the leader', leaderUrl);
    calls.push(`${what} ${connector}`);
  };
  return { putTaskConfigs: answer('tasks'), fenceZombieSourceTasks: answer('fence') } as unknown as RestHerder;
}

test('the process listener serves each flow\'s endpoints under its path, 404 naming an unknown flow, forwards to the leader\'s flow URL', async () => {
  const calls: string[] = [];
  const forwarded: ForwardRequest[] = [];
  const herders = new Map<string, RestHerder>([['/A/B', flowHerder(calls, null)], ['/B/A', flowHerder(calls, 'http://10.0.0.7:8083/B/A/')]]);
  const server = createProcessRestServer({
    listeners: 'http://127.0.0.1:0', internalOnly: true, workers: () => [],
    flows: (source, target) => herders.get(flowPath({ source, target })),
    forwarder: async (req) => { forwarded.push(req); return { status: 204, body: '' }; },
  });
  const { app } = server;
  const json = { 'content-type': 'application/json' };
  assert.equal((await app.inject({ method: 'POST', url: '/A/B/connectors/MirrorSourceConnector/tasks', headers: json, payload: '[{"a":"1"}]' })).statusCode, 204);
  assert.equal((await app.inject({ method: 'PUT', url: '/A/B/connectors/MirrorSourceConnector/fence' })).statusCode, 204);
  assert.deepEqual(calls, ['tasks MirrorSourceConnector', 'fence MirrorSourceConnector']);

  const unknown = await app.inject({ method: 'PUT', url: '/A/C/connectors/MirrorSourceConnector/fence' });
  assert.equal(unknown.statusCode, 404);
  assert.deepEqual(unknown.json(), { error_code: 404, message: "No replication flow found for source 'A' and target 'C'" });
  assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404, 'internal only: no /metrics');

  assert.equal((await app.inject({ method: 'POST', url: '/B/A/connectors/MirrorHeartbeatConnector/tasks', headers: json, payload: '[]' })).statusCode, 204);
  assert.equal(forwarded[0]?.url, 'http://10.0.0.7:8083/B/A/connectors/MirrorHeartbeatConnector/tasks?forward=true', 'the flow path once, from the leader URL');
  await server.stop();
});
