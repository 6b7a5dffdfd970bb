// scripts/run-tests.mjs refuses a run in which a test file did not run, or did not report, all of its tests
// (test/helpers/run-guard.mjs). The fixtures under test/fixtures/run-guard/ are in no suite.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXITS_MIDWAY = 'test/fixtures/run-guard/exits-midway.ts';
const COMPLETE = 'test/fixtures/run-guard/complete.ts';
const FAILS = 'test/fixtures/run-guard/fails.ts';
const NODE_20 = process.versions.node.startsWith('20.');

interface Run { status: number | null; stdout: string; stderr: string }

function runTests(file: string, extraEnv: Record<string, string> = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  delete env.NODE_TEST_CONTEXT; // this file runs as a test file's process; the runner under test is a runner
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/run-tests.mjs', file], { cwd: ROOT, env, timeout: 30_000 }, (err, stdout, stderr) => {
      const status = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ status, stdout, stderr });
    });
  });
}

describe('run-tests refuses tests skipped without a failure', { timeout: 60_000 }, () => {
  test('a file whose process exits midway through its tests fails the run, naming the file', async () => {
    const r = await runTests(EXITS_MIDWAY);
    // Node's own summary (Node 20) has no failure: without the guard this run passed.
    if (NODE_20) assert.match(r.stdout, /ℹ fail 0/);
    assert.notEqual(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /did not run or report all of its tests/);
    assert.match(r.stderr, new RegExp(`${EXITS_MIDWAY.replace(/\./g, '\\.')}: its process exited \\(code 0\\) before its test run ended`));
    assert.match(r.stderr, /never finished: .*"before the exit > exits the process", "before the exit > never runs"/);
    assert.match(r.stderr, /"after the exit"/);
  });

  test('results a file wrote that never reach the runner fail the run, naming the file and the tests', async () => {
    // Simulates the lost tail of nodejs/node#64833: the file's process forwards nothing after two results.
    const r = await runTests(COMPLETE, { FERRY_TEST_GUARD_SIMULATE_LOSS_AFTER: '2' });
    if (NODE_20) assert.match(r.stdout, /ℹ fail 0/);
    assert.notEqual(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`${COMPLETE.replace(/\./g, '\\.')}: 4 of the 6 results its process wrote never reached the runner`));
    assert.match(r.stderr, /"second > three", "second > four", "second"/);
  });

  test('failed tests are listed last, each with its file, name and the first lines of its error', async () => {
    const r = await runTests(FAILS);
    assert.notEqual(r.status, 0, r.stdout + r.stderr);
    const summary = r.stdout.slice(r.stdout.lastIndexOf('# Failed tests (2):'));
    assert.match(summary, /^# Failed tests \(2\):\n/);
    assert.match(summary, new RegExp(`${FAILS.replace(/\./g, '\\.')}: "compares counts": target has 1999 of 2000 records`));
    assert.match(summary, new RegExp(`${FAILS.replace(/\./g, '\\.')}: "throws": first line \\| second line`));
    assert.doesNotMatch(summary, /"suite"/, 'a suite that failed because of its tests is not listed again');
  });

  test('a file that runs all of its tests passes', async () => {
    const r = await runTests(COMPLETE);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /ℹ tests 4\n/);
    assert.doesNotMatch(r.stderr, /did not run or report/);
    assert.doesNotMatch(r.stdout, /# Failed tests/);
  });
});
