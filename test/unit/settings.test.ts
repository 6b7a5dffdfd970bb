// Strict reading of Java-style settings, and the mirror source task refusing malformed ones at start (naming
// the key) instead of falling back to a default or, as before, a NaN interval that fired every millisecond.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boolSetting, intSetting } from '../../src/config/settings.js';
import { MirrorSourceTask } from '../../src/connectors/mirror/source-task.js';
import { mirrorSourceConfigDef } from '../../src/connectors/mirror/mirror-config.js';
import type { SourceTaskContext } from '../../src/connect/api/index.js';

test('intSetting and boolSetting: defaults when unset or blank, values as Java reads them, errors naming key and value', () => {
  assert.equal(intSetting({}, 'a.ms', 7), 7);
  assert.equal(intSetting({ 'a.ms': '  ' }, 'a.ms', 7), 7);
  assert.equal(intSetting({ 'a.ms': ' 0 ' }, 'a.ms', 7), 0);
  assert.equal(intSetting({ 'a.ms': '2500' }, 'a.ms', 7, 1), 2500);
  for (const bad of ['abc', '1.5', '-1', '1e400', '0x10z']) assert.throws(() => intSetting({ 'a.ms': bad }, 'a.ms', 7), new RegExp(`^Error: a\\.ms=${bad.replace('.', '\\.')}: expected an integer >= 0$`), bad);
  assert.throws(() => intSetting({ 'a.ms': '0' }, 'a.ms', 7, 1), /a\.ms=0: expected an integer >= 1/);
  assert.equal(boolSetting({}, 'b', true), true);
  assert.equal(boolSetting({ b: 'FALSE' }, 'b', true), false);
  assert.equal(boolSetting({ b: ' true ' }, 'b', false), true);
  assert.throws(() => boolSetting({ b: 'flase' }, 'b', true), /b=flase: expected true or false/);
});

test('MirrorSourceConnector validation reports a malformed offset-map interval on its key', () => {
  const errors = mirrorSourceConfigDef().parseCollect({ 'ferry.offset.map.flush.interval.ms': '0', 'ferry.offset.map.trim.interval.ms': 'hourly' }).errors;
  assert.match(errors['ferry.offset.map.flush.interval.ms']?.[0] ?? '', /Invalid value 0 for configuration ferry\.offset\.map\.flush\.interval\.ms/);
  assert.match(errors['ferry.offset.map.trim.interval.ms']?.[0] ?? '', /Invalid value hourly for configuration ferry\.offset\.map\.trim\.interval\.ms/);
});

test('MirrorSource task: a malformed interval or consumer setting fails the start, naming the key', async () => {
  const base = {
    'source.cluster.alias': 'a', 'target.cluster.alias': 'b',
    'source.cluster.bootstrap.servers': '127.0.0.1:1', 'target.cluster.bootstrap.servers': '127.0.0.1:1',
    'task.assigned.partitions': 't-0',
  };
  for (const [key, value] of [
    ['ferry.offset.map.flush.interval.ms', 'soon'],
    ['ferry.offset.map.trim.interval.ms', '-5'],
    ['source.consumer.check.crcs', 'yes'],
    ['source.consumer.fetch.max.bytes', '50MB'],
  ] as const) {
    const task = new MirrorSourceTask();
    task.initialize({ offsetStorageReader: { offset: async () => null, offsets: async () => new Map() }, logger: console } as unknown as SourceTaskContext);
    const shortKey = key.replace(/^source\.consumer\./, '');
    // Either Connect's wording from the connector's ConfigDef ("Invalid value soon for configuration …") or key=value.
    await assert.rejects(task.start({ ...base, [key]: value }), (e: unknown) => {
      const m = (e as Error).message;
      return m.includes(`${shortKey}=${value}`) || m.includes(`Invalid value ${value} for configuration ${shortKey}`);
    }, key);
    await task.stop();
  }
});
