#!/usr/bin/env node
// Runs the test suite with Node's built-in runner over TypeScript sources (tsx loader).
// Usage: node scripts/run-tests.mjs [unit|integration|scenarios] [extra test files…]
// Unit tests run in parallel; integration tests share a machine with real brokers, so they run one file at a time.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const suites = args.filter((a) => ['unit', 'integration', 'scenarios'].includes(a));
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

function run(list, concurrency) {
  if (list.length === 0) return 0;
  // --test-force-exit: a test file whose tests are done must not hang CI because a client somewhere is still
  // retrying a broker the test killed on purpose.
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-force-exit', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...list], {
    stdio: 'inherit',
    env: { ...process.env, FERRY_LOG_LEVEL: process.env.FERRY_LOG_LEVEL ?? 'warn' },
  });
  return r.status ?? 1;
}

let status = 0;
if (files.length > 0) status = run(files, 1);
else {
  const want = suites.length > 0 ? suites : ['unit', 'integration', 'scenarios'];
  if (want.includes('unit')) status ||= run(find('test/unit'), 2);
  if (want.includes('integration')) status = run(find('test/integration'), 1) || status;
  if (want.includes('scenarios')) status = run(find('test/scenarios'), 1) || status;
}
process.exit(status);
