// Exactly-once source settings (KIP-618) as the worker and the validation endpoint read them: the worker key
// takes disabled|preparing|enabled (case-insensitively, as Connect), a standalone worker refuses anything but
// disabled, and a source connector's exactly-once keys are checked against what its worker runs. Every setting
// that cannot be honoured is an error naming it, never accepted and ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistributedConfig } from '../../src/connect/herder/distributed-config.js';
import { sourceConnectorConfigDef, sourceExactlyOnceChecks, type ExactlyOnceCapable } from '../../src/connect/runtime/connector-config.js';
import { StandaloneHerder } from '../../src/connect/herder/standalone.js';
import { WorkerConfig } from '../../src/connect/runtime/worker-config.js';
import { MemoryOffsetStore } from '../../src/connect/storage/offset-store.js';
import { PluginRegistry } from '../../src/connect/runtime/plugins.js';

const worker = { 'group.id': 'g', 'config.storage.topic': 'c', 'offset.storage.topic': 'o', 'status.storage.topic': 's', 'bootstrap.servers': '127.0.0.1:9092',
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter': 'org.apache.kafka.connect.json.JsonConverter' };

test('worker: exactly.once.source.support takes disabled, preparing and enabled (any case); other values are refused as Connect words it', () => {
  assert.equal(new DistributedConfig(worker).exactlyOnceSourceSupport(), 'disabled');
  for (const [v, want] of [['disabled', 'disabled'], ['preparing', 'preparing'], ['enabled', 'enabled'], ['ENABLED', 'enabled']] as const) {
    assert.equal(new DistributedConfig({ ...worker, 'exactly.once.source.support': v }).exactlyOnceSourceSupport(), want);
  }
  assert.throws(() => new DistributedConfig({ ...worker, 'exactly.once.source.support': 'on' }), /Invalid value on for configuration exactly\.once\.source\.support: String must be one of: disabled, preparing, enabled/);
});

test('standalone: exactly.once.source.support other than disabled stops the worker at start, naming the key', () => {
  const standalone = { 'bootstrap.servers': '127.0.0.1:9092', 'offset.storage.file.filename': '/tmp/ferry-never-written.offsets',
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter': 'org.apache.kafka.connect.json.JsonConverter' };
  const make = (eos: string) => new StandaloneHerder(new WorkerConfig({ ...standalone, 'exactly.once.source.support': eos }), new PluginRegistry(), new MemoryOffsetStore(), () => ({ stages: [], apply: (r) => r, close: () => undefined }));
  assert.throws(() => make('enabled'), /exactly\.once\.source\.support=enabled: exactly-once source support runs only in distributed mode/);
  assert.throws(() => make('preparing'), /exactly\.once\.source\.support=preparing/);
  assert.doesNotThrow(() => make('disabled'));
});

const supported: ExactlyOnceCapable = { exactlyOnceSupport: () => 'SUPPORTED' };
const unsupported: ExactlyOnceCapable = { exactlyOnceSupport: () => 'UNSUPPORTED' };
const silent: ExactlyOnceCapable = {};
const base = { name: 'c', 'connector.class': 'FileStreamSource' };

test('connector: exactly.once.support=required needs an enabled worker and a connector that declares support', () => {
  const required = { ...base, 'exactly.once.support': 'required' };
  assert.match(sourceExactlyOnceChecks(required, supported, 'disabled')['exactly.once.support']![0]!, /needs a distributed worker with exactly\.once\.source\.support=enabled/);
  assert.match(sourceExactlyOnceChecks(required, supported, 'preparing')['exactly.once.support']![0]!, /this worker runs exactly\.once\.source\.support=preparing/);
  assert.deepEqual(sourceExactlyOnceChecks(required, supported, 'enabled'), {});
  assert.match(sourceExactlyOnceChecks(required, unsupported, 'enabled')['exactly.once.support']![0]!, /does not support exactly-once semantics with the provided configuration/);
  assert.match(sourceExactlyOnceChecks(required, silent, 'enabled')['exactly.once.support']![0]!, /does not implement the API required for preflight validation/);
  // requested never fails: the tasks run exactly-once where the worker does.
  for (const w of ['disabled', 'preparing', 'enabled'] as const) assert.deepEqual(sourceExactlyOnceChecks({ ...base, 'exactly.once.support': 'requested' }, unsupported, w), {});
  // The value itself is checked by the framework ConfigDef.
  assert.match(sourceConnectorConfigDef().parseCollect({ ...base, 'exactly.once.support': 'always' }).errors['exactly.once.support']![0]!, /String must be one of: requested, required/);
});

test('connector: transaction boundaries are refused where no transaction runs, connector-defined ones where the connector cannot', () => {
  assert.match(sourceExactlyOnceChecks({ ...base, 'transaction.boundary': 'interval' }, supported, 'disabled')['transaction.boundary']![0]!, /applies only to exactly-once source tasks/);
  assert.match(sourceExactlyOnceChecks({ ...base, 'transaction.boundary.interval.ms': '100' }, supported, 'preparing')['transaction.boundary.interval.ms']![0]!, /exactly\.once\.source\.support=preparing/);
  assert.deepEqual(sourceExactlyOnceChecks({ ...base, 'transaction.boundary': 'poll' }, supported, 'disabled'), {}, 'the default, written out, is harmless');
  assert.deepEqual(sourceExactlyOnceChecks({ ...base, 'transaction.boundary': 'interval', 'transaction.boundary.interval.ms': '500' }, supported, 'enabled'), {});
  assert.match(sourceExactlyOnceChecks({ ...base, 'transaction.boundary': 'connector' }, supported, 'enabled')['transaction.boundary']![0]!, /does not support connector-defined transaction boundaries/);
  assert.deepEqual(sourceExactlyOnceChecks({ ...base, 'transaction.boundary': 'connector' }, { canDefineTransactionBoundaries: () => 'SUPPORTED' }, 'enabled'), {});
  assert.match(sourceExactlyOnceChecks({ ...base, 'transaction.boundary.interval.ms': '500' }, supported, 'enabled')['transaction.boundary.interval.ms']![0]!, /only with transaction\.boundary=interval/);
});

test('connector: a per-connector offsets.storage.topic is taken by a distributed worker and refused by a standalone one, naming the key', () => {
  for (const worker of ['disabled', 'preparing', 'enabled'] as const) assert.deepEqual(sourceExactlyOnceChecks({ ...base, 'offsets.storage.topic': 'my-offsets' }, supported, worker), {});
  assert.match(sourceExactlyOnceChecks({ ...base, 'offsets.storage.topic': 'my-offsets' }, supported, 'standalone')['offsets.storage.topic']![0]!, /needs a distributed worker/);
  assert.deepEqual(sourceExactlyOnceChecks(base, supported, 'standalone'), {});
});
