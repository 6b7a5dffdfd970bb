// Exactly-once source settings Ferry cannot honour yet are refused, naming the setting and the value, instead of
// being accepted and ignored: the worker's exactly.once.source.support=preparing|enabled and a source
// connector's exactly.once.support=required. The values Ferry runs (disabled, requested) are accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistributedConfig } from '../../src/connect/herder/distributed-config.js';
import { sourceConnectorConfigDef } from '../../src/connect/runtime/connector-config.js';

const worker = { 'group.id': 'g', 'config.storage.topic': 'c', 'offset.storage.topic': 'o', 'status.storage.topic': 's', 'bootstrap.servers': '127.0.0.1:9092',
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter': 'org.apache.kafka.connect.json.JsonConverter' };

test('worker: exactly.once.source.support other than disabled is refused naming the key; unknown values as Connect words them', () => {
  assert.doesNotThrow(() => new DistributedConfig(worker));
  assert.doesNotThrow(() => new DistributedConfig({ ...worker, 'exactly.once.source.support': 'disabled' }));
  for (const v of ['enabled', 'preparing', 'ENABLED']) {
    assert.throws(() => new DistributedConfig({ ...worker, 'exactly.once.source.support': v }),
      new RegExp(`Invalid value ${v} for configuration exactly\\.once\\.source\\.support: Ferry does not run exactly-once source tasks yet`));
  }
  assert.throws(() => new DistributedConfig({ ...worker, 'exactly.once.source.support': 'on' }), /Invalid value on for configuration exactly\.once\.source\.support: String must be one of: disabled, preparing, enabled/);
});

test('connector: exactly.once.support=required is refused naming the key; requested passes', () => {
  const base = { name: 'c', 'connector.class': 'FileStreamSource' };
  const def = sourceConnectorConfigDef();
  assert.deepEqual(def.parseCollect({ ...base, 'exactly.once.support': 'requested' }).errors['exactly.once.support'] ?? [], []);
  const errors = def.parseCollect({ ...base, 'exactly.once.support': 'required' }).errors['exactly.once.support'] ?? [];
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /Invalid value required for configuration exactly\.once\.support: Ferry cannot deliver this connector's records exactly once yet/);
});
