// deploy/kubernetes/ferry-mirror-maker.yaml cannot be applied here (no cluster); these checks keep it honest: its
// mm2.properties parses and opens the process listener on the port the probes, Service and ServiceMonitor use, and
// the probe paths are the ones Ferry serves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { parseProperties } from '../../src/config/properties.js';
import { parseMm2Properties } from '../../src/connectors/mirror/mm2-properties.js';
import { processRestOptions } from '../../src/mirror/dedicated.js';
import { LIVE_PATH, READY_PATH } from '../../src/connect/rest/health.js';
import { parseListeners } from '../../src/connect/rest/listeners.js';

type Doc = { kind: string; metadata: { name: string }; data?: Record<string, string>; spec: Record<string, unknown> };
const docs = parseAllDocuments(readFileSync(new URL('../../deploy/kubernetes/ferry-mirror-maker.yaml', import.meta.url), 'utf8')).map((d) => d.toJS() as Doc);
const kind = (k: string) => { const d = docs.find((x) => x.kind === k); assert.ok(d, k); return d; };

test('the example has a ConfigMap, Deployment, Service and ServiceMonitor', () => {
  assert.deepEqual(docs.map((d) => d.kind), ['ConfigMap', 'Deployment', 'Service', 'ServiceMonitor']);
});

test('its mm2.properties parses and opens the process listener on the container port', () => {
  const props = parseProperties(kind('ConfigMap').data!['mm2.properties']!);
  const config = parseMm2Properties(props, { clusters: ['backup'] });
  assert.deepEqual(config.flows.map((f) => `${f.source}->${f.target}`), ['primary->backup']);
  const rest = processRestOptions(props);
  const [listener] = parseListeners(rest!.listeners!);
  const container = ((kind('Deployment').spec['template'] as { spec: { containers: Record<string, unknown>[] } }).spec.containers[0]) as {
    args: string[]; ports: { name: string; containerPort: number }[];
    livenessProbe: { httpGet: { path: string; port: string } }; readinessProbe: { httpGet: { path: string; port: string } }; startupProbe: { httpGet: { path: string } };
  };
  assert.equal(container.ports[0]?.containerPort, listener?.port);
  assert.equal(listener?.host, '0.0.0.0', 'reachable from the kubelet and Prometheus');
  assert.deepEqual(container.args.slice(0, 2), ['mirror', '/etc/ferry/mm2.properties']);
  assert.equal(container.livenessProbe.httpGet.path, LIVE_PATH);
  assert.equal(container.startupProbe.httpGet.path, LIVE_PATH);
  assert.equal(container.readinessProbe.httpGet.path, READY_PATH);
  assert.equal(container.livenessProbe.httpGet.port, container.ports[0]?.name);
});

test('the Service exposes that port and the ServiceMonitor scrapes /metrics on it', () => {
  const svc = kind('Service').spec as { ports: { name: string; targetPort: string }[]; selector: Record<string, string> };
  const mon = kind('ServiceMonitor').spec as { endpoints: { port: string; path: string }[]; selector: { matchLabels: Record<string, string> } };
  assert.equal(svc.ports[0]?.targetPort, 'http');
  assert.equal(mon.endpoints[0]?.port, svc.ports[0]?.name);
  assert.equal(mon.endpoints[0]?.path, '/metrics');
  assert.deepEqual(mon.selector.matchLabels, svc.selector);
});
