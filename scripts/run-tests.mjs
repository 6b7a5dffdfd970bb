#!/usr/bin/env node
// Runs the test suite with Node's built-in runner over TypeScript sources (tsx loader).
// Usage: node scripts/run-tests.mjs [unit|integration|scenarios|kafka3] [extra test files…]
// Unit tests run in parallel; integration tests share a machine with real brokers, so they run one file at a time.
// `kafka3` re-runs the files that matter for broker compatibility (security, codecs, the mirror's bulk copy,
// checkpoints and kill -9) against the Kafka 3.9 line; the default run includes it.
// Every file must run all of its tests: a file whose process ended early, or whose results did not all reach the
// runner, fails the run even when Node's own summary passes (test/helpers/run-guard.mjs, checkComplete below).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const GUARD = fileURLToPath(new URL('../test/helpers/run-guard.mjs', import.meta.url));

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
  'test/integration/mirror-checkpoints.test.ts',
];
// mirror-bulk (a million records, then a kill -9) runs on the default Kafka only: its fetch and produce paths on
// 3.9 are those mirror-compression exercises in every codec, and it alone took ~130 s of the matrix.

function run(list, concurrency, extraEnv = {}) {
  // A suite that finds nothing (a renamed file, a run outside the repository root) is a failure, not a pass.
  const missing = list.filter((f) => !existsSync(f));
  if (list.length === 0 || missing.length > 0) {
    console.error(`run-tests: ${list.length === 0 ? 'no test files found' : `missing test files: ${missing.join(' ')}`} (run from the repository root)`);
    return 1;
  }
  // --test-force-exit: a test file whose tests are done must not hang CI because a client somewhere is still
  // retrying a broker the test killed on purpose. It is also what made a file's last results go missing
  // (nodejs/node#64833); the guard preload makes the file's stdout blocking so that they are written before the exit.
  const guardDir = mkdtempSync(join(tmpdir(), 'ferry-run-guard-'));
  const guard = pathToFileURL(GUARD).href;
  const env = { ...process.env, FERRY_LOG_LEVEL: process.env.FERRY_LOG_LEVEL ?? 'warn', ...extraEnv, FERRY_TEST_GUARD_DIR: guardDir };
  // Run from inside a test (test/unit/run-guard.test.ts), the runner must not take itself for a test file's process.
  delete env.NODE_TEST_CONTEXT;
  try {
    const r = spawnSync(process.execPath, [
      '--import', 'tsx', '--import', guard, '--test', '--test-force-exit', `--test-concurrency=${concurrency}`,
      '--test-reporter=spec', '--test-reporter-destination=stdout', `--test-reporter=${guard}`, '--test-reporter-destination=stderr',
      ...list,
    ], { stdio: 'inherit', env });
    printSlowest(list, guardDir);
    printFailures(guardDir);
    const incomplete = checkComplete(list, guardDir);
    if (incomplete.length > 0) {
      console.error(`\nrun-tests: ${incomplete.length} test file${incomplete.length > 1 ? 's' : ''} did not run or report all of ${incomplete.length > 1 ? 'their' : 'its'} tests (the counts above miss them):`);
      for (const line of incomplete) console.error(`  ${line}`);
      return 1;
    }
    return r.status ?? 1;
  } finally {
    rmSync(guardDir, { recursive: true, force: true });
  }
}

/** Prints the files of a run that took longest (wall time of each file's process), to keep the suite's time in view. */
function printSlowest(list, dir, shown = 15) {
  const times = [];
  let names;
  try { names = readdirSync(dir); } catch { return; }
  for (const name of names) {
    if (!name.startsWith('file-')) continue;
    try {
      const record = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      if (typeof record.seconds === 'number') times.push({ file: relative(process.cwd(), record.file), seconds: record.seconds });
    } catch { /* checkComplete reports unreadable records */ }
  }
  if (list.length < 2 || times.length === 0) return;
  times.sort((x, y) => y.seconds - x.seconds);
  const total = times.reduce((s, t) => s + t.seconds, 0);
  console.log(`\n# Slowest files (of ${times.length}, ${total.toFixed(0)} s in all):`);
  for (const t of times.slice(0, shown)) console.log(`#   ${t.seconds.toFixed(0).padStart(5)} s  ${t.file}`);
}

// Every failed test of the whole run, listed again after the suite timings.
const failures = [];

/** Lists the tests of a run that failed (file, name, first lines of the error), as the runner received them. */
function printFailures(dir) {
  const mine = [];
  for (const { failure } of runnerResults(dir)) {
    if (!failure) continue;
    const file = failure.file ? relative(process.cwd(), failure.file.startsWith('file:') ? fileURLToPath(failure.file) : failure.file) : '?';
    mine.push(`${file}: "${failure.name}": ${failure.message}`);
  }
  if (mine.length === 0) return;
  console.log(`\n# Failed tests (${mine.length}):`);
  for (const f of mine) console.log(`#   ${f}`);
  failures.push(...mine);
}

/** The results the runner received ({key, failure?} per line of runner.jsonl; none when it wrote nothing). */
function runnerResults(dir) {
  let log = '';
  try { log = readFileSync(join(dir, 'runner.jsonl'), 'utf8'); } catch { /* no result reached the runner */ }
  return log.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
}

/**
 * Compares, per test file, what the file's process wrote (file-<pid>.json, written as it exits) with the results the
 * runner received (runner.jsonl). Returns one line per problem, naming the file and the tests that were missed.
 */
function checkComplete(list, dir) {
  const received = new Map();
  for (const { key } of runnerResults(dir)) received.set(key, (received.get(key) ?? 0) + 1);
  const records = new Map();
  let recordFiles = [];
  try { recordFiles = readdirSync(dir); } catch { /* no record: every file is reported below */ }
  for (const name of recordFiles) {
    if (!name.startsWith('file-')) continue;
    const record = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    const file = resolve(record.file);
    records.set(file, [...(records.get(file) ?? []), record]);
  }
  const names = (tests) => {
    const shown = tests.slice(0, 8).map((t) => `"${t.name}"`).join(', ');
    return tests.length > 8 ? `${shown} and ${tests.length - 8} more` : shown;
  };
  const problems = [];
  for (const f of list) {
    const mine = records.get(resolve(f)) ?? [];
    if (mine.length === 0) {
      problems.push(`${f}: its test process left no record (killed by a signal, or it never loaded ${relative(process.cwd(), GUARD)})`);
      continue;
    }
    for (const record of mine) {
      if (!record.finished) {
        const done = new Map();
        for (const r of record.results) done.set(r.key, (done.get(r.key) ?? 0) + 1);
        const open = record.enqueued.filter((t) => {
          const n = done.get(t.key) ?? 0;
          if (n > 0) done.set(t.key, n - 1);
          return n === 0;
        });
        problems.push(`${f}: its process exited (code ${record.exitCode}) before its test run ended, after ${record.results.length} result${record.results.length === 1 ? '' : 's'}` +
          (open.length > 0 ? `; started or queued but never finished: ${names(open)}` : '') + '; any test declared after that point never ran');
      }
      const lost = record.results.filter((r) => {
        const n = received.get(r.key) ?? 0;
        if (n > 0) received.set(r.key, n - 1);
        return n === 0;
      });
      if (lost.length > 0) {
        problems.push(`${f}: ${lost.length} of the ${record.results.length} results its process wrote never reached the runner: ${names(lost)}`);
      }
    }
  }
  return problems;
}

// Each suite's wall time and outcome, printed again together at the end (CI logs are long).
const timings = [];
function timed(name, fn) {
  const started = Date.now();
  const status = fn();
  const seconds = (Date.now() - started) / 1000;
  timings.push(`${name.padEnd(12)} ${seconds.toFixed(0).padStart(5)} s  ${status === 0 ? 'passed' : 'FAILED'}`);
  console.log(`\n# ${name}: ${seconds.toFixed(0)} s, ${status === 0 ? 'passed' : 'FAILED'}`);
  return status;
}

let status = 0;
if (files.length > 0) status = run(files, 1);
else {
  const want = suites.length > 0 ? suites : ['unit', 'integration', 'scenarios', 'kafka3'];
  if (want.includes('unit')) status ||= timed('unit', () => run(find('test/unit'), 2));
  if (want.includes('integration')) status = timed('integration', () => run(find('test/integration'), 1)) || status;
  if (want.includes('scenarios')) status = timed('scenarios', () => run(find('test/scenarios'), 1)) || status;
  if (want.includes('kafka3')) {
    console.log(`\n# Kafka ${KAFKA3_VERSION} matrix: ${KAFKA3_FILES.join(' ')}`);
    status = timed(`kafka ${KAFKA3_VERSION}`, () => run(KAFKA3_FILES, 1, { FERRY_TEST_KAFKA_VERSION: KAFKA3_VERSION })) || status;
  }
  if (timings.length > 1) console.log(`\n# Suite timings\n${timings.map((t) => `#   ${t}`).join('\n')}`);
  if (timings.length > 1 && failures.length > 0) console.log(`\n# Failed tests of the whole run (${failures.length}):\n${failures.map((f) => `#   ${f}`).join('\n')}`);
}
process.exit(status);
