// MirrorClient (RemoteClusterUtils) topology queries over topic names, and the `ferry offsets translate` CLI's
// argument parsing, mm2.properties handling and output. The Kafka-backed parts (reading checkpoints written by
// Apache MM2 and by Ferry) are covered in test/integration/mirror-checkpoints.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MirrorClient, mirrorClientProps } from '../../src/mirror/client.js';
import { OFFSETS_USAGE, UsageError, clientPropsFromMm2, formatTranslation, parseOffsetsArgs } from '../../src/cli/offsets.js';

const TOPICS = [
  'orders', 'heartbeats', 'A.heartbeats', 'B.A.heartbeats', 'C.heartbeats', 'A.orders', 'B.A.orders', 'C.payments',
  'A.checkpoints.internal', 'C.checkpoints.internal', 'mm2-offset-syncs.B.internal', '__consumer_offsets', 'mm2-offsets.A.internal',
];

function client(topics: string[], props: Record<string, string> = {}): MirrorClient {
  return new MirrorClient({ 'bootstrap.servers': 'unused:9092', ...props }, { listTopics: async () => [...topics] });
}

test('heartbeatTopics, checkpointTopics, remoteTopics and upstreamClusters from topic names', async () => {
  const c = client(TOPICS);
  assert.deepEqual(await c.heartbeatTopics(), ['A.heartbeats', 'B.A.heartbeats', 'C.heartbeats', 'heartbeats']);
  assert.deepEqual(await c.checkpointTopics(), ['A.checkpoints.internal', 'C.checkpoints.internal']);
  assert.deepEqual(await c.upstreamClusters(), ['A', 'B', 'C']);
  assert.deepEqual(await c.remoteTopics(), ['A.heartbeats', 'A.orders', 'B.A.heartbeats', 'B.A.orders', 'C.heartbeats', 'C.payments']);
  assert.deepEqual(await c.remoteTopics('B'), ['B.A.heartbeats', 'B.A.orders']);
});

test('replicationHops: shortest path over heartbeat topics, -1 when unreachable', async () => {
  const c = client(TOPICS);
  assert.equal(await c.replicationHops('A'), 1);
  assert.equal(await c.replicationHops('B'), 1, 'B.A.heartbeats starts with one hop from B');
  assert.equal(await c.replicationHops('C'), 1);
  assert.equal(await c.replicationHops('D'), -1);
  assert.equal(c.countHopsForTopic('B.A.heartbeats', 'A'), 2);
  assert.equal(c.countHopsForTopic('heartbeats', 'A'), -1);
  // Only B.A.heartbeats leads to A here: two hops.
  assert.equal(await client(['B.A.heartbeats']).replicationHops('A'), 2);
});

test('a cycle in the names (A.B.A.heartbeats) does not loop; custom separators are honoured', async () => {
  const c = client(['A.B.A.heartbeats']);
  assert.equal(await c.replicationHops('A'), 1);
  assert.equal(c.countHopsForTopic('A.B.A.heartbeats', 'C'), -1, 'the loop guard stops at a repeated alias');
  assert.deepEqual(await c.upstreamClusters(), ['A', 'B']);
  const dash = client(['A_heartbeats', 'B_A_heartbeats', 'A_orders', 'A_checkpoints_internal'], { 'replication.policy.separator': '_' });
  assert.equal(await dash.replicationHops('A'), 1);
  assert.equal(await dash.replicationHops('B'), 1);
  assert.deepEqual(await dash.checkpointTopics(), ['A_checkpoints_internal']);
  assert.deepEqual(await dash.remoteTopics('A'), ['A_heartbeats', 'A_orders']);
});

test('IdentityReplicationPolicy: heartbeats are still prefixed, other topics keep their names', async () => {
  const c = client(['orders', 'heartbeats', 'A.heartbeats', 'A.checkpoints.internal'], { 'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy' });
  assert.deepEqual(await c.heartbeatTopics(), ['A.heartbeats', 'heartbeats']);
  assert.equal(await c.replicationHops('A'), 1);
  assert.deepEqual(await c.upstreamClusters(), ['A']);
});

test('remoteConsumerOffsets without a checkpoints topic is empty (no Kafka needed)', async () => {
  assert.deepEqual(await client(['orders']).remoteConsumerOffsets('g', 'A'), []);
});

test('mirrorClientProps: base client settings plus admin./consumer. overrides', () => {
  const props = { 'bootstrap.servers': 'b:9092', 'security.protocol': 'SSL', 'admin.request.timeout.ms': '5000', 'consumer.client.id': 'x', 'producer.acks': '1' };
  assert.deepEqual(mirrorClientProps(props, 'admin'), { 'bootstrap.servers': 'b:9092', 'security.protocol': 'SSL', 'request.timeout.ms': '5000' });
  assert.deepEqual(mirrorClientProps(props, 'consumer'), { 'bootstrap.servers': 'b:9092', 'security.protocol': 'SSL', 'client.id': 'x' });
});

test('parseOffsetsArgs: translate with --config or --bootstrap-server', () => {
  assert.deepEqual(parseOffsetsArgs(['translate', '--group', 'g', '--from', 'A', '--to', 'B', '--config', 'mm2.properties', '--json']), {
    group: 'g', from: 'A', to: 'B', config: 'mm2.properties', timeoutMs: 30_000, json: true,
  });
  assert.deepEqual(parseOffsetsArgs(['translate', '--group=g', '--from=A', '--bootstrap-server', 'h:1', '--command-config', 'c.properties', '--timeout-ms', '500']), {
    group: 'g', from: 'A', bootstrapServer: 'h:1', commandConfig: 'c.properties', timeoutMs: 500, json: false,
  });
  assert.equal(parseOffsetsArgs(['--help']), 'help');
  assert.equal(parseOffsetsArgs(['translate', '-h']), 'help');
  assert.match(OFFSETS_USAGE, /ferry offsets translate --group G --from A --to B/);
});

test('parseOffsetsArgs: usage errors name what is wrong', () => {
  const bad: [string[], RegExp][] = [
    [[], /missing subcommand/],
    [['show'], /unknown subcommand 'show'/],
    [['translate', '--from', 'A', '--config', 'x'], /--group is required/],
    [['translate', '--group', 'g', '--config', 'x', '--to', 'B'], /--from is required/],
    [['translate', '--group', 'g', '--from', 'A'], /either --config or --bootstrap-server/],
    [['translate', '--group', 'g', '--from', 'A', '--config', 'x'], /--to is required with --config/],
    [['translate', '--group', 'g', '--from', 'A', '--to', 'B', '--config', 'x', '--bootstrap-server', 'h:1'], /mutually exclusive/],
    [['translate', '--group', 'g', '--from', 'A', '--to', 'B', '--config', 'x', '--command-config', 'c'], /--command-config goes with --bootstrap-server/],
    [['translate', '--group', 'g', '--from', 'A', '--bootstrap-server', 'h:1', '--timeout-ms', '0'], /--timeout-ms must be a positive integer/],
    [['translate', '--group', 'g', '--from', 'A', '--bootstrap-server', 'h:1', '--nope'], /Unknown option '--nope'/],
    [['translate', '--group', 'g', '--from', 'A', '--bootstrap-server', 'h:1', 'extra'], /unexpected argument 'extra'/],
  ];
  for (const [args, re] of bad) assert.throws(() => parseOffsetsArgs(args), (e: Error) => e instanceof UsageError && re.test(e.message), args.join(' '));
});

test('clientPropsFromMm2: the target cluster\'s client settings and the flow\'s replication policy', () => {
  const raw = {
    'clusters': 'A, B', 'A.bootstrap.servers': 'a:9092', 'B.bootstrap.servers': 'b:9092', 'B.security.protocol': 'SSL',
    'A->B.enabled': 'true', 'replication.policy.separator': '_', 'A->B.replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy',
  };
  const props = clientPropsFromMm2(raw, 'A', 'B');
  assert.equal(props['bootstrap.servers'], 'b:9092');
  assert.equal(props['security.protocol'], 'SSL');
  assert.equal(props['replication.policy.separator'], '_');
  assert.equal(props['replication.policy.class'], 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy');
  assert.throws(() => clientPropsFromMm2(raw, 'A', 'C', 'my.properties'), /Cluster "C" \(--to\) is not declared in clusters of my\.properties/);
  assert.throws(() => clientPropsFromMm2(raw, 'X', 'B'), /Cluster "X" \(--from\)/);
  assert.throws(() => clientPropsFromMm2({ ...raw, 'A->B.topics': 'a[' }, 'A', 'B'), /A->B\.topics/);
});

test('formatTranslation: a table, or a clear note when the group has no checkpoints', () => {
  const out = formatTranslation('g', 'A', 'B', 'A.checkpoints.internal', [
    { topic: 'A.orders', partition: 0, offset: 120, upstreamOffset: 130, metadata: '' },
    { topic: 'A.orders', partition: 10, offset: 7, upstreamOffset: 9, metadata: 'm' },
  ]);
  assert.equal(out, [
    'Group g: offsets on B translated from A (checkpoints in A.checkpoints.internal)',
    'TOPIC     PARTITION  UPSTREAM-OFFSET  OFFSET  METADATA',
    'A.orders  0          130              120',
    'A.orders  10         9                7       m',
  ].join('\n'));
  assert.equal(formatTranslation('g', 'A', 'B', 'A.checkpoints.internal', []), 'No checkpoints for group g from A in A.checkpoints.internal on B.');
});
