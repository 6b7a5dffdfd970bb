// A real Prometheus server (Debian's `prometheus`) scrapes a mirroring Ferry (dedicated mode, one process listener)
// every second; then every PromQL query of Ferry's Grafana dashboard (config/grafana/ferry-dashboard.json) and of
// Strimzi's MirrorMaker 2 dashboard (strimzi-kafka-mirror-maker-2.json, Kubernetes label matchers dropped) is
// evaluated against it and must return data (its JVM panels show the Node process's figures under the JVM names).
// What the workload itself cannot serve — the kubelet's container CPU, and the forms of the queries whose regexes
// want connector and client names in literal quotes — is listed apart with the reason, and checked to return
// nothing (so that the list is corrected when Ferry starts serving one of them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKafka, uniqueName, type KafkaHarness } from '../helpers/kafka.js';
import { tempDir, waitFor } from '../helpers/connect.js';
import { commitGroupOffsets, createTopics, endOffsets, mixedRecord, produceMixed, sum, writeMm2Properties } from '../helpers/mirror.js';
import { freePort } from '../helpers/distributed-failover.js';
import { readMm2Config, startMirrorMaker, type MirrorMakerHandle } from '../../src/mirror/dedicated.js';
import { sleep } from '../../src/backoff.js';

let kafka: KafkaHarness;
const tmp = tempDir('ferry-prometheus-');
before(async () => { kafka = await startKafka({ clusters: ['a', 'b'] }); });
after(async () => { await kafka?.stop(); tmp.cleanup(); });

/** Grafana's variables as a dashboard user would have them: every Ferry process, a rate window of 10 s. */
function substitute(expr: string): string {
  return expr.replaceAll('$__rate_interval', '10s').replaceAll('$instance', '.*');
}

function dashboardQueries(): { title: string; expr: string }[] {
  const dash = JSON.parse(readFileSync(new URL('../../config/grafana/ferry-dashboard.json', import.meta.url), 'utf8')) as {
    panels: { title: string; type: string; targets?: { expr: string }[] }[];
    templating: { list: { name: string; definition?: string }[] };
  };
  const out: { title: string; expr: string }[] = [];
  for (const p of dash.panels) for (const t of p.targets ?? []) out.push({ title: p.title, expr: substitute(t.expr) });
  // The instance variable's own query (label_values(metric, label) asks for the metric's series).
  const v = dash.templating.list.find((x) => x.name === 'instance');
  const m = /^label_values\((.+), *instance\)$/.exec(v?.definition ?? '');
  assert.ok(m, `instance variable: ${v?.definition}`);
  out.push({ title: 'variable instance', expr: m[1]! });
  return out;
}

// Strimzi's strimzi-kafka-mirror-maker-2.json (packaging/examples/metrics/grafana-dashboards/), each target's expr
// with the matchers its Kubernetes scrape config adds (strimzi_io_kind, strimzi_io_cluster, namespace, pod,
// container) dropped. The regexes with literal quotes ("\".*SourceConnector\"") come from JMX ObjectName quoting of
// names with characters such as `>`; Ferry's names (as Apache MM2's dedicated mode's) are unquoted, so those
// queries are evaluated here without the quotes, and listed as written below.
const STRIMZI_QUERIES = [
  'sum(kafka_connect_worker_connector_count)',
  'sum(kafka_connect_mirror_mirrorsourceconnector_record_rate)',
  'sum(rate(kafka_consumer_incoming_byte_total[1m]))',
  'sum(rate(kafka_producer_outgoing_byte_total[1m]))',
  'sum(kafka_connect_worker_task_count)',
  'sum(kafka_connect_mirror_mirrorsourceconnector_byte_rate)',
  'sum(kafka_connect_connector_task_offset_commit_avg_time_ms{connector=~".*SourceConnector", task=~"[0-9]+"})/count(kafka_connect_connector_task_offset_commit_avg_time_ms{connector=~".*SourceConnector", task=~"[0-9]+"})',
  'sum(kafka_connect_source_task_source_record_active_count{connector=~".*SourceConnector"})',
  'sum(kafka_producer_buffer_available_bytes{clientid=~".*SourceConnector-[0-9]+"})',
  'sum without(area)(jvm_memory_bytes_used)',
  'sum without(gc)(rate(jvm_gc_collection_seconds_sum[5m]))',
  ...['', '_avg', '_min', '_max'].flatMap((s) => [
    `sum(kafka_connect_mirror_mirrorsourceconnector_record_age_ms${s}) by (partition, topic)`,
    `sum(kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms${s}) by (partition, topic)`,
    `sum(kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms${s}) by (source, target)`,
  ]),
  'sum(kafka_consumer_fetch_manager_records_lag{clientid!~"consumer-mirrormaker2-.*"}) by (topic, partition)',
  'sum(kafka_consumer_fetch_manager_records_lag{clientid!~"consumer-mirrormaker2-.*"}) by (partition, topic)',
  // The dashboard's variables: query_result(kafka_connect_worker_connector_count{…}).
  'kafka_connect_worker_connector_count',
];
const STRIMZI_NOT_APPLICABLE: { expr: string; why: string }[] = [
  { expr: 'sum(rate(container_cpu_usage_seconds_total[5m])) by (pod)', why: 'cAdvisor (the kubelet) serves it, not the workload; Ferry\'s own CPU is ferry_process_process_cpu_seconds_total' },
  ...[
    'sum(kafka_connect_source_task_source_record_active_count{connector=~"\\".*SourceConnector\\""})',
    'sum(kafka_producer_buffer_available_bytes{clientid=~"\\".*SourceConnector-[0-9]+\\""})',
    'sum(kafka_connect_connector_task_offset_commit_avg_time_ms{connector=~"\\".*SourceConnector\\"", task=~"[0-9]+"})/count(kafka_connect_connector_task_offset_commit_avg_time_ms{connector=~"\\".*SourceConnector\\"", task=~"[0-9]+"})',
  ].map((expr) => ({ expr, why: 'as written it matches only names in literal quotes (JMX ObjectName quoting of names with characters such as `>`); Ferry\'s are unquoted (connector="MirrorSourceConnector", clientid="connector-producer-MirrorSourceConnector-0"), evaluated above without the quotes' })),
];

// The series served for those panels carry real values: records were active while the target acknowledged them,
// the task producer's buffer has room within buffer.memory (32 MiB), the Node process collected garbage.
const SERVED_VALUES = [
  'kafka_connect_source_task_source_record_active_count_max{connector="MirrorSourceConnector"} > 0',
  'kafka_connect_source_task_source_record_active_count_avg{connector="MirrorSourceConnector"} >= 0',
  'kafka_producer_buffer_available_bytes{clientid="connector-producer-MirrorSourceConnector-0"} > 0 <= 33554432',
  'jvm_memory_bytes_used{area="heap"} > 0',
  'jvm_memory_bytes_used{area="nonheap"} > 0',
  'sum(jvm_gc_collection_seconds_count) > 0',
];

interface QueryResult { status: string; data?: { resultType: string; result: unknown[] | [number, string] }; error?: string }

async function query(base: string, expr: string): Promise<QueryResult> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(5000) });
  return await res.json() as QueryResult;
}

function hasData(r: QueryResult): boolean {
  if (r.status !== 'success' || !r.data) return false;
  if (r.data.resultType === 'scalar' || r.data.resultType === 'string') return true;
  return Array.isArray(r.data.result) && r.data.result.length > 0;
}

test('every query of Ferry\'s dashboard and of Strimzi\'s MM2 dashboard returns data from a Prometheus scraping Ferry', { timeout: 90_000 }, async () => {
  assert.ok(existsSync('/usr/bin/prometheus'), '/usr/bin/prometheus is missing: apt-get install prometheus (.ci/run installs it)');
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const topic = uniqueName('pq');
  const group = uniqueName('pq-g');
  await createTopics(a.props, [{ topic, partitions: 2 }]);
  await commitGroupOffsets(a.props, group, [{ topic, partition: 0, offset: 0 }]);
  const ferryPort = await freePort();
  const file = writeMm2Properties(tmp.dir, { A: a.bootstrap, B: b.bootstrap }, {
    'A->B.enabled': 'true', 'A->B.topics': topic, 'A->B.groups': group, 'B->A.enabled': 'false',
    'dedicated.mode.enable.internal.rest': 'true', 'listeners': `http://127.0.0.1:${ferryPort}`,
  });
  const promPort = await freePort();
  writeFileSync(join(tmp.dir, 'prometheus.yml'), [
    'global:', '  scrape_interval: 1s', '  evaluation_interval: 1s',
    'scrape_configs:', '  - job_name: ferry', '    metrics_path: /metrics',
    `    static_configs: [{ targets: ["127.0.0.1:${ferryPort}"] }]`, '',
  ].join('\n'));
  let prom: ChildProcess | null = null;
  let promLog = '';
  let mm: MirrorMakerHandle | null = null;
  let producing = true;
  let producer: Promise<void> = Promise.resolve();
  try {
    mm = await startMirrorMaker(readMm2Config(file.path, ['B']));
    prom = spawn('/usr/bin/prometheus', [
      `--config.file=${join(tmp.dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(tmp.dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => { promLog = (promLog + d.toString()).slice(-4000); };
    prom.stdout?.on('data', keep);
    prom.stderr?.on('data', keep);
    const base = `http://127.0.0.1:${promPort}`;

    // Steady produce while Prometheus scrapes, and one group commit that moves (a checkpoint to emit).
    let i = 0;
    producer = (async () => {
      while (producing) {
        await produceMixed(a.props, [topic], { run: 'pq', partitions: 2, from: i, count: 200, make: (r, t, n, p) => ({ ...mixedRecord(r, t, n, p), timestamp: Date.now() }) });
        i += 200;
        await sleep(300);
      }
    })();
    await waitFor('records mirrored', async () => sum(await endOffsets(b.props, `A.${topic}`)) >= 400, 30_000, 200);
    await commitGroupOffsets(a.props, group, [{ topic, partition: 0, offset: 100 }, { topic, partition: 1, offset: 100 }]);
    await waitFor('Prometheus scraping Ferry', async () => {
      const r = await query(base, 'up{job="ferry"} == 1').catch(() => null);
      return r !== null && hasData(r);
    }, 30_000, 250).catch((e: Error) => { throw new Error(`${e.message}\n${promLog}`); });

    const mustHaveData = [
      ...dashboardQueries().map((q) => ({ from: `Ferry: ${q.title}`, expr: q.expr })),
      ...STRIMZI_QUERIES.map((expr) => ({ from: 'Strimzi MM2', expr })),
      ...SERVED_VALUES.map((expr) => ({ from: 'served value', expr })),
    ];
    const missing = new Map(mustHaveData.map((q) => [q.expr, q]));
    const lastAnswer = new Map<string, string>();
    await waitFor('every dashboard query to return data', async () => {
      for (const q of [...missing.values()]) {
        const r = await query(base, q.expr);
        assert.equal(r.status, 'success', `${q.from}: ${q.expr} is not valid PromQL: ${r.error}`);
        if (hasData(r)) missing.delete(q.expr); else lastAnswer.set(q.expr, JSON.stringify(r.data));
      }
      return missing.size === 0;
    }, 45_000, 1000).catch(() => {
      throw new Error(`queries without data:\n${[...missing.values()].map((q) => `  ${q.from}: ${q.expr} -> ${lastAnswer.get(q.expr)}`).join('\n')}`);
    });
    assert.ok(mustHaveData.length >= 40, `${mustHaveData.length} queries evaluated`);

    for (const q of STRIMZI_NOT_APPLICABLE) {
      const r = await query(base, q.expr);
      assert.equal(r.status, 'success', q.expr);
      assert.equal(hasData(r), false, `${q.expr} now returns data: move it to the queries that must (${q.why})`);
    }
  } finally {
    producing = false;
    await producer.catch(() => undefined);
    if (prom && prom.exitCode === null) {
      const exited = new Promise((r) => prom!.once('exit', r));
      prom.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (prom.exitCode === null) prom.kill('SIGKILL');
    }
    await (mm as MirrorMakerHandle | null)?.stop();
  }
});
