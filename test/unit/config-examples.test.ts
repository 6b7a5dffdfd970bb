// The example files in config/ (used by the README walkthrough) must stay valid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readPropertiesFile, readConnectorFile } from '../../src/config/properties.js';
import { WorkerConfig } from '../../src/connect/runtime/worker-config.js';
import { validateConnectorConfig } from '../../src/connect/herder/validation.js';
import { builtinPlugins } from '../../src/app/plugins.js';
import { parseMm2Properties } from '../../src/connectors/mirror/mm2-properties.js';
import { distributedConfigDef } from '../../src/connect/herder/distributed-config.js';

const dir = 'config';
const files = readdirSync(dir);

test('worker examples parse and validate', () => {
  for (const f of files.filter((x) => /^connect-(standalone|distributed)\.properties$/.test(x))) {
    const props = readPropertiesFile(join(dir, f));
    const cfg = new WorkerConfig(props);
    assert.ok(cfg.getList('bootstrap.servers').length > 0, f);
    if (f.includes('distributed')) assert.doesNotThrow(() => distributedConfigDef().parse(props), f);
  }
});

test('connector examples are valid connector configs', async () => {
  // As the walkthrough runs them: under the example worker's file.allowed.paths.
  const worker = new WorkerConfig(readPropertiesFile(join(dir, 'connect-standalone.properties')));
  const plugins = builtinPlugins({ fileAllowedPaths: worker.getList('file.allowed.paths') });
  const connectorFiles = files.filter((x) => /^connect-file-/.test(x));
  assert.ok(connectorFiles.length >= 3);
  for (const f of connectorFiles) {
    const c = readConnectorFile(join(dir, f));
    const infos = await validateConnectorConfig(plugins, { ...c.config, name: c.name });
    const errors = infos.configs.flatMap((x) => x.value?.errors ?? []);
    assert.equal(infos.error_count, 0, `${f}: ${errors.join('; ')}`);
  }
});

test('mm2 examples parse into flows', () => {
  for (const f of files.filter((x) => /^mm2.*\.properties$/.test(x))) {
    const cfg = parseMm2Properties(readPropertiesFile(join(dir, f)));
    assert.ok(cfg.enabledFlows().length >= 1, f);
  }
});
