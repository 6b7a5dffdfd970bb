// The layer rules of eslint.config.js bite: a deliberately wrong import in each layer is an error naming the rule,
// and the imports each layer may make pass. Linted as text under the path the file would have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
// @ts-expect-error -- eslint.config.js is plain JavaScript without type declarations
import { layerRules, opsFunctionLength } from '../../eslint.config.js';

const linter = new Linter({ configType: 'flat', cwd: process.cwd() });
const config = [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...(layerRules() as Linter.Config[])];

function importErrors(file: string, source: string): string[] {
  return linter.verify(`${source}\nexport const used = 1;\n`, config, { filename: file })
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

const bad: Array<[string, string, RegExp]> = [
  ['src/connect/herder/wiring.ts', "import { builtinPlugins } from '../../app/plugins.js';", /composition root/],
  ['src/connect/runtime/worker-x.ts', "import { MirrorSourceConnector } from '../../connectors/mirror/source-connector.js';", /never imports connectors/],
  ['src/connect/runtime/worker-x.ts', "import type { State } from '../herder/herder.js';", /below the herders/],
  ['src/connect/storage/store-x.ts', "import { createRestServer } from '../rest/server.js';", /below the herders/],
  ['src/connect/herder/herder-x.ts', "import { createRestServer } from '../rest/server.js';", /below the REST API/],
  ['src/connectors/file/source-x.ts', "import { Worker } from '../../connect/runtime/worker.js';", /Connectors are plugins/],
  ['src/connectors/mirror/task-x.ts', "import { verifyFlow } from '../../mirror/verify.js';", /never import operations/],
  ['src/mirror/op-x.ts', "import { Kafka } from 'kafkajs';", /Only src\/kafka\/ imports kafkajs/],
  ['src/cli/cmd-x.ts', "import { Kafka } from 'kafkajs/src/index.js';", /Only src\/kafka\/ imports kafkajs/],
  ['src/connect/herder/x-admin.ts', "import { withAdmin } from '../../kafka/client.js';", /use withClusterAdmin/],
  ['bench/lib/x-admin.ts', "import { createKafka } from '../../src/kafka/client.js';", /return kafkajs objects/],
];

for (const [file, source, message] of bad) {
  test(`lint refuses ${source} in ${file}`, () => {
    const errors = importErrors(file, source);
    assert.equal(errors.length, 1, `expected one no-restricted-imports error, got ${JSON.stringify(errors)}`);
    assert.match(errors[0]!, message);
  });
}

test('the imports each layer may make pass', () => {
  const good: Array<[string, string]> = [
    ['src/connect/herder/x.ts', "import { Worker } from '../runtime/worker.js';"],
    ['src/connect/rest/x.ts', "import type { Herder } from '../herder/herder.js';"],
    ['src/connect/runtime/x.ts', "import type { State } from '../api/states.js';"],
    ['src/connectors/mirror/x.ts', "import type { SourceTask } from '../../connect/api/connector.js';"],
    ['src/connectors/mirror/x.ts', "import { RecordProducer } from '../../kafka/producer.js';"],
    ['src/app/x.ts', "import { mirrorPlugins } from '../connectors/mirror/plugins.js';"],
    ['src/kafka/x.ts', "import { Kafka } from 'kafkajs';"],
    ['src/connect/herder/x.ts', "import { withClusterAdmin } from '../../kafka/cluster-admin.js';"],
    ['src/connect/herder/x.ts', "import type { ClientProps } from '../../kafka/client.js';"],
  ];
  for (const [file, source] of good) assert.deepEqual(importErrors(file, source), [], `${file}: ${source}`);
});

test('a function over 60 lines in the operations package is refused; the same elsewhere is not', () => {
  const body = Array.from({ length: 61 }, (_, i) => `  const v${i} = ${i};`).join('\n');
  const source = `export function long(): number {\n${body}\n  return v0;\n}\n`;
  const lengthErrors = (file: string) => linter.verify(source, [config[0]!, opsFunctionLength as Linter.Config], { filename: file }).filter((m) => m.ruleId === 'max-lines-per-function');
  assert.equal(lengthErrors('src/mirror/ops/long-step.ts').length, 1);
  assert.match(lengthErrors('src/mirror/ops/long-step.ts')[0]!.message, /too many lines \(6\d\)\. Maximum allowed is 60/);
  assert.equal(lengthErrors('src/connect/runtime/long.ts').length, 0);
});
