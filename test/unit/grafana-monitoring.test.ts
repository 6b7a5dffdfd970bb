// config/grafana/ and the monitoring profile of docker-compose.yml cannot run here (no Docker engine); these checks
// keep them consistent: every file a service mounts exists, Prometheus scrapes the port the mirror's mm2.properties
// opens, Grafana's provisioning points at the mounted dashboard, and the dashboard is well formed. Its PromQL is
// evaluated against a real Prometheus in test/integration/prometheus-dashboards.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseProperties } from '../../src/config/properties.js';
import { parseMm2Properties } from '../../src/connectors/mirror/mm2-properties.js';
import { processRestOptions } from '../../src/mirror/dedicated.js';
import { parseListeners } from '../../src/connect/rest/listeners.js';

const root = new URL('../../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');
const compose = parse(read('docker-compose.yml')) as { services: Record<string, { command?: string[]; volumes?: string[]; ports?: string[]; environment?: Record<string, string> }> };

function mounts(service: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of compose.services[service]?.volumes ?? []) {
    const [src, dst] = v.split(':');
    if (src?.startsWith('./')) out.set(dst!, src.slice(2));
  }
  return out;
}

test('every file the monitoring services mount exists', () => {
  for (const s of ['ferry-mirror', 'prometheus', 'grafana']) {
    for (const src of mounts(s).values()) assert.ok(existsSync(new URL(src, root)), `${s}: ./${src}`);
  }
});

test('Prometheus scrapes the mirror\'s process listener, which its mm2.properties opens', () => {
  const mirror = compose.services['ferry-mirror']!;
  const mm2File = mounts('ferry-mirror').get(mirror.command![1]!);
  assert.ok(mm2File, 'the mm2.properties named on the command line is mounted');
  const props = parseProperties(read(mm2File));
  assert.deepEqual(parseMm2Properties(props, { clusters: [mirror.command![3]!] }).flows.map((f) => `${f.source}->${f.target}`), ['source->target']);
  const port = parseListeners(processRestOptions(props)!.listeners!)[0]!.port;
  assert.ok(mirror.ports?.includes(`${port}:${port}`));
  const prom = parse(read(mounts('prometheus').get('/etc/prometheus/prometheus.yml')!)) as { scrape_configs: { metrics_path: string; static_configs: { targets: string[] }[] }[] };
  assert.equal(prom.scrape_configs[0]?.metrics_path, '/metrics');
  assert.deepEqual(prom.scrape_configs[0]?.static_configs[0]?.targets, [`ferry-mirror:${port}`]);
});

test('Grafana provisions the Prometheus data source and the mounted Ferry dashboard', () => {
  const m = mounts('grafana');
  assert.equal(m.get('/etc/grafana/provisioning'), 'config/grafana/provisioning');
  const ds = parse(read('config/grafana/provisioning/datasources/prometheus.yml')) as { datasources: { type: string; url: string }[] };
  assert.equal(ds.datasources[0]?.type, 'prometheus');
  assert.equal(ds.datasources[0]?.url, 'http://prometheus:9090');
  const provider = parse(read('config/grafana/provisioning/dashboards/ferry.yml')) as { providers: { options: { path: string } }[] };
  const dir = provider.providers[0]!.options.path;
  const mounted = [...m.entries()].find(([dst]) => dst.startsWith(`${dir}/`));
  assert.equal(mounted?.[1], 'config/grafana/ferry-dashboard.json');
  assert.equal(compose.services['grafana']?.environment?.['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH'], mounted?.[0]);
});

test('the dashboard: unique panel ids, every non-row panel has a query on the selected data source and instances', () => {
  const d = JSON.parse(read('config/grafana/ferry-dashboard.json')) as { uid: string; panels: { id: number; type: string; title: string; targets?: { expr: string; datasource: { uid: string } }[] }[]; templating: { list: { name: string }[] } };
  assert.equal(d.uid, 'ferry-overview');
  assert.deepEqual(d.templating.list.map((v) => v.name), ['datasource', 'instance']);
  assert.equal(new Set(d.panels.map((p) => p.id)).size, d.panels.length);
  for (const p of d.panels.filter((x) => x.type !== 'row')) {
    assert.ok(p.targets && p.targets.length > 0, p.title);
    for (const t of p.targets) {
      assert.equal(t.datasource.uid, '${datasource}', p.title);
      assert.match(t.expr, /\{[^}]*instance=~"\$instance"/, `${p.title}: filtered by the instance variable`);
    }
  }
  const exprs = d.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr).join('\n');
  // What the issue asks the dashboard to show: lag in records and seconds, recovery point, checkpoint freshness,
  // translation precision, data path, MM2's rates and latencies, task states.
  for (const m of ['ferry_mirror_lag_records', 'ferry_mirror_lag_ms', 'ferry_mirror_recovery_point_seconds', 'ferry_mirror_checkpoint_age_seconds',
    'ferry_mirror_translation_redelivery_records', 'ferry_source_task_data_path', 'kafka_connect_mirror_mirrorsourceconnector_record_rate',
    'kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max', 'kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms_max',
    'kafka_connect_connector_task_status']) assert.ok(exprs.includes(m), m);
});
