// Operations input handling without clusters: aliases, flow settings from mm2.properties, topic and group
// selection, single-flow properties, CLI argument errors, formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowContext, OpsError, OPS_EXIT, resolveRawProperties, selectGroups, selectionPattern, selectTopics } from '../../src/mirror/ops/context.js';
import { singleFlowConfig, singleFlowProperties } from '../../src/mirror/ops/flow.js';
import { fmtDuration, progressBar } from '../../src/mirror/ops/format.js';
import { failoverCommand, migrateCommand, verifyCommand } from '../../src/cli/ops.js';

const base = { clusters: 'a, b', 'a.bootstrap.servers': 'h1:9092', 'b.bootstrap.servers': 'h2:9092', 'a->b.enabled': 'true' };

test('unknown aliases, missing bootstrap servers and a flow to itself are refused with a clear message', () => {
  assert.throws(() => resolveRawProperties({ properties: base }, 'a', 'c'), (e: OpsError) => e.exitCode === OPS_EXIT.usage && /unknown cluster alias 'c': the configuration declares clusters a, b/.test(e.message));
  assert.throws(() => resolveRawProperties({ properties: { clusters: 'a, b', 'a.bootstrap.servers': 'x:1' } }, 'a', 'b'), /no bootstrap servers for cluster 'b'/);
  assert.throws(() => resolveRawProperties({}, 'a', 'b'), /pass --config mm2\.properties, or --from-bootstrap and --to-bootstrap/);
  assert.throws(() => resolveRawProperties({ bootstrap: { a: 'x:1' } }, 'a', 'a'), /same cluster/);
  const raw = resolveRawProperties({ bootstrap: { a: 'x:1', b: 'y:2' }, overrides: { 'replication.policy.class': 'IdentityReplicationPolicy' } }, 'a', 'b');
  assert.equal(raw['clusters'], 'a, b');
  assert.equal(raw['b.bootstrap.servers'], 'y:2');
});

test('the flow context names the state topics as MM2 and Ferry do', () => {
  const src = flowContext({ ...base }, 'a', 'b');
  assert.equal(src.mapsLocation, 'source');
  assert.equal(src.mapsTopic, 'ferry-offset-maps.b.internal');
  assert.equal(src.mapsProps['bootstrap.servers'], 'h1:9092');
  assert.equal(src.checkpointsTopic, 'a.checkpoints.internal');
  assert.equal(src.remoteHeartbeatsTopic, 'a.heartbeats');
  assert.deepEqual(src.workerTopics, { config: 'mm2-configs.a.internal', status: 'mm2-status.a.internal', offsets: 'mm2-offsets.a.internal' });
  assert.equal(src.remoteTopic('orders'), 'a.orders');
  const dr = flowContext({ ...base, 'a->b.offset-syncs.topic.location': 'target' }, 'a', 'b');
  assert.equal(dr.mapsTopic, 'ferry-offset-maps.a.internal');
  assert.equal(dr.mapsProps['bootstrap.servers'], 'h2:9092');
  const id = flowContext({ ...base, 'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy' }, 'a', 'b');
  assert.equal(id.remoteTopic('orders'), 'orders');
  const rc = flowContext({ ...base, 'a.consumer.isolation.level': 'read_committed' }, 'a', 'b');
  assert.equal(rc.readCommitted, true);
});

test('topic selection follows the flow: no internal topics, no cycles, heartbeats only when asked for', () => {
  const flow = flowContext({ ...base, 'a->b.topics': 'orders.*, payments, heartbeats' }, 'a', 'b');
  const onA = ['orders', 'orders-eu', 'payments', 'other', 'b.orders', '__consumer_offsets', 'mm2-offsets.b.internal', 'heartbeats'];
  assert.deepEqual(selectTopics(flow, onA, null), ['orders', 'orders-eu', 'payments']);
  assert.deepEqual(selectTopics(flow, onA, selectionPattern('orders', '--topics')), ['orders']);
  assert.deepEqual(selectTopics(flow, onA, selectionPattern('heart.*', '--topics')), ['heartbeats']);
  assert.deepEqual(selectGroups(flow, ['billing', 'connect-x', 'console-consumer-1'], null), ['billing']);
  assert.throws(() => selectionPattern('orders(', '--topics'), /Invalid value orders\( for configuration --topics/);
  assert.throws(() => selectionPattern(' , ', '--groups'), /--groups is empty/);
});

test('a single-flow configuration runs only that pair', () => {
  const props = singleFlowProperties({ clusters: 'a, b, c', 'a.bootstrap.servers': 'x:1', 'b.bootstrap.servers': 'y:1', 'c.bootstrap.servers': 'z:1', 'a->b.enabled': 'true', 'a->c.enabled': 'true' }, 'b', 'a', { 'b->a.topics': 'orders' });
  const cfg = singleFlowConfig(props, 'b', 'a');
  assert.deepEqual(cfg.flows.map((f) => `${f.source}->${f.target}`), ['b->a']);
  assert.equal(cfg.flows[0]!.replicationEnabled, true);
  assert.equal(cfg.flows[0]!.connectors.MirrorSourceConnector['topics'], 'orders');
});

test('formatting helpers', () => {
  assert.equal(progressBar(0.5, 10), '[█████     ]  50.0%');
  assert.equal(progressBar(1, 4), '[████] 100.0%');
  assert.equal(fmtDuration(950), '950 ms');
  assert.equal(fmtDuration(61_000), '1 min 1 s');
});

test('CLI: bad arguments exit 2 with a message, before touching any cluster', async () => {
  const errors: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => { errors.push(String(chunk)); return true; }) as typeof process.stderr.write;
  try {
    assert.equal(await verifyCommand(['--from', 'a']), 2);
    assert.equal(await failoverCommand(['--from', 'a', '--to', 'b', '--planned', '--unplanned', '--from-bootstrap', 'x:1', '--to-bootstrap', 'y:1']), 2);
    assert.equal(await verifyCommand(['--from', 'a', '--to', 'b', '--bogus']), 2);
    assert.equal(await migrateCommand(['explode', '--from', 'a', '--to', 'b', '--from-bootstrap', 'x:1', '--to-bootstrap', 'y:1']), 2);
    assert.equal(await verifyCommand(['--from', 'a', '--to', 'b', '--from-bootstrap', 'x:1', '--to-bootstrap', 'y:1', '--tail', 'many']), 2);
  } finally {
    process.stderr.write = orig;
  }
  const text = errors.join('');
  assert.match(text, /--from and --to are required/);
  assert.match(text, /--planned and --unplanned exclude each other/);
  assert.match(text, /Unknown option '--bogus'/);
  assert.match(text, /unknown migrate command 'explode'/);
  assert.match(text, /--tail must be an integer/);
});
