#!/usr/bin/env node
// Runs the test suite with Node's built-in runner over TypeScript sources (tsx loader).
// Usage: node scripts/run-tests.mjs [unit|integration|scenarios|kafka3] [extra test files…]
// Unit tests run in parallel; integration tests share a machine with real brokers, so they run one file at a time.
// `kafka3` re-runs the files that matter for broker compatibility (security, codecs, the mirror's bulk copy,
// checkpoints and kill -9) against the Kafka 3.9 line; the default run includes it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const suites = args.filter((a) => ['unit', 'integration', 'scenarios', 'kafka3'].includes(a));
const files = args.filter((a) => !suites.includes(a));

function find(dir) {
  let out = [];
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const KAFKA3_VERSION = process.env.FERRY_TEST_KAFKA3_VERSION || '3.9.1';
// dev-secure runs on 3.9 in the main pass already (dev-secure-kafka3.test.ts).
const KAFKA3_FILES = [
  'test/integration/mirror-secure.test.ts',
  'test/integration/kafka-oauth.test.ts',
  'test/integration/distributed-secure.test.ts',
  'test/integration/mirror-compression.test.ts',
  'test/integration/mirror-bulk.test.ts',
  'test/integration/mirror-checkpoints.test.ts',
];

function run(list, concurrency, extraEnv = {}) {
  // A suite that finds nothing (a renamed file, a run outside the repository root) is a failure, not a pass.
  const missing = list.filter((f) => !existsSync(f));
  if (list.length === 0 || missing.length > 0) {
    console.error(`run-tests: ${list.length === 0 ? 'no test files found' : `missing test files: ${missing.join(' ')}`} (run from the repository root)`);
    return 1;
  }
  // --test-force-exit: a test file whose tests are done must not hang CI because a client somewhere is still
  // retrying a broker the test killed on purpose.
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-force-exit', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...list], {
    stdio: 'inherit',
    env: { ...process.env, FERRY_LOG_LEVEL: process.env.FERRY_LOG_LEVEL ?? 'warn', ...extraEnv },
  });
  return r.status ?? 1;
}

let status = 0;
if (files.length > 0) status = run(files, 1);
else {
  const want = suites.length > 0 ? suites : ['unit', 'integration', 'scenarios', 'kafka3'];
  if (want.includes('unit')) status ||= run(find('test/unit'), 2);
  if (want.includes('integration')) status = run(find('test/integration'), 1) || status;
  if (want.includes('scenarios')) status = run(find('test/scenarios'), 1) || status;
  if (want.includes('kafka3')) {
    console.log(`\n# Kafka ${KAFKA3_VERSION} matrix: ${KAFKA3_FILES.join(' ')}`);
    status = run(KAFKA3_FILES, 1, { FERRY_TEST_KAFKA_VERSION: KAFKA3_VERSION }) || status;
  }
}
process.exit(status);
