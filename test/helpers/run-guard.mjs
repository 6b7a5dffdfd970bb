// Guard against tests that are skipped without a failure. scripts/run-tests.mjs loads this file twice over:
//
// - As an `--import` preload of the runner (`node --test`). Node passes its --import flags on to the process
//   it starts for each test file, so the preload runs there too. In a test file's process it
//   1. makes stdout blocking. The file's results travel to the runner as frames on that pipe; with
//      --test-force-exit Node calls process.exit() as soon as the last test ends, and frames that libuv had
//      not yet written (the pipe was full because the runner was busy) were dropped: the runner counted
//      fewer tests, and still passed (nodejs/node#64833). A blocking pipe writes each frame before going on.
//   2. watches the frames the process writes and, when it exits, records in FERRY_TEST_GUARD_DIR which
//      results it wrote and whether its test run reached its end (Node's closing plan, or an exit because
//      nothing was left to do). A file whose process exits midway (process.exit() in a test or in the code it
//      runs, with any status) never gets there.
// - As a reporter in the runner: it appends every result the runner received to FERRY_TEST_GUARD_DIR.
//
// run-tests.mjs then compares the two records per file (see checkComplete there).
import { Buffer } from 'node:buffer';
import { openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize } from 'node:v8';

const DIR = process.env.FERRY_TEST_GUARD_DIR;
const IS_FILE_PROCESS = process.env.NODE_TEST_CONTEXT === 'child-v8';

/** Identifies a test result the same way in the file's process and in the runner. */
export function resultKey(data) {
  return JSON.stringify([data.file ?? null, data.line ?? null, data.column ?? null, data.nesting ?? null, data.name ?? null]);
}

function setStdoutBlocking() {
  // The same call Node makes for TTYs; a pipe's handle has it too. Not there (a file): writes are synchronous.
  process.stdout._handle?.setBlocking?.(true);
}

if (DIR && !IS_FILE_PROCESS) {
  // The runner. Its children inherit this, so a test file's process knows it was started by this runner
  // (and a process a test starts in its turn, which may inherit the preload, does not record anything).
  process.env.FERRY_TEST_GUARD_RUNNER = String(process.pid);
  setStdoutBlocking();
} else if (DIR && IS_FILE_PROCESS && process.env.FERRY_TEST_GUARD_RUNNER === String(process.ppid)) {
  watchFileProcess();
}

function watchFileProcess() {
  setStdoutBlocking();
  const started = Date.now();
  const enqueued = [];
  const results = [];
  const running = []; // names by nesting, as tests are dequeued to run (enqueue events follow them)
  const reported = []; // names by nesting, as results are reported (a result follows its start event)
  let finished = false;
  // Test hook (test/unit/run-guard.test.ts): forward no frame after this many results, as a lossy pipe would.
  const dropAfter = process.env.FERRY_TEST_GUARD_SIMULATE_LOSS_AFTER ? Number(process.env.FERRY_TEST_GUARD_SIMULATE_LOSS_AFTER) : Infinity;

  const observe = (event) => {
    const { type, data } = event ?? {};
    if (!data || typeof data !== 'object') return;
    const nesting = typeof data.nesting === 'number' ? data.nesting : 0;
    const name = (names) => [...names.slice(0, nesting), data.name].join(' > ');
    if (type === 'test:dequeue') running[nesting] = data.name;
    else if (type === 'test:start') reported[nesting] = data.name;
    else if (type === 'test:enqueue') enqueued.push({ key: resultKey(data), name: name(running) });
    else if (type === 'test:pass' || type === 'test:fail') results.push({ key: resultKey(data), name: name(reported) });
    // The root test's plan (nesting 0) is written once every test of the file has ended.
    else if (type === 'test:plan' && nesting === 0) finished = true;
    else if (type === 'test:diagnostic' && nesting === 0 && /^tests \d+$/.test(String(data.message))) finished = true;
  };

  // Node's reporter in this process writes one frame per chunk: 0xFF 0x0F, a 4-byte length, a v8-serialized event.
  const frames = (buf) => {
    const out = [];
    let o = 0;
    while (o + 6 <= buf.length && buf[o] === 0xff && buf[o + 1] === 0x0f) {
      const end = o + 6 + buf.readUInt32BE(o + 2);
      if (end > buf.length) break;
      try { out.push(deserialize(buf.subarray(o + 6, end))); } catch { break; }
      o = end;
    }
    return out;
  };

  const write = process.stdout.write;
  process.stdout.write = function guardedWrite(chunk, encoding, callback) {
    if (chunk instanceof Uint8Array && typeof chunk !== 'string') {
      const before = results.length;
      for (const event of frames(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) observe(event);
      if (before >= dropAfter) {
        const cb = typeof encoding === 'function' ? encoding : callback;
        if (typeof cb === 'function') process.nextTick(cb);
        return true;
      }
    }
    return write.apply(this, arguments);
  };

  // An exit with an empty event loop (no process.exit()) also ends the run: Node's runner then cancels, as
  // failures, any test that has not ended. A file that declares no test at all ends this way without a plan.
  let loopEmptied = false;
  process.on('beforeExit', () => { loopEmptied = true; });

  process.on('exit', (code) => {
    const record = {
      file: process.argv[1], pid: process.pid, exitCode: code, finished: finished || loopEmptied, enqueued, results, seconds: (Date.now() - started) / 1000,
    };
    // A record that cannot be written must not fail the file: the runner reports the missing record instead.
    try { writeFileSync(join(DIR, `file-${process.pid}.json`), JSON.stringify(record)); } catch { /* reported as missing */ }
  });
}

/**
 * Reporter for the runner: appends the key of every result it receives, synchronously (force-exit may end the
 * runner before a stream's pending writes), and yields nothing to its own destination.
 */
// eslint-disable-next-line require-yield -- a reporter is a generator over the events; this one writes on its own
export default async function* runGuardReporter(source) {
  // Nothing written (no directory, a failed write) is not an error here: run-tests.mjs then finds results missing.
  const open = () => { try { return DIR ? openSync(join(DIR, 'runner.jsonl'), 'a') : null; } catch { return null; } };
  let fd = open();
  for await (const event of source) {
    if (fd !== null && (event.type === 'test:pass' || event.type === 'test:fail')) {
      // A failure also carries its file, name and first lines of error, for the summary run-tests.mjs prints last
      // (a CI log's tail is often all there is to read).
      const failure = event.type === 'test:fail' && event.data.details?.error?.failureType !== 'subtestsFailed' ? failureOf(event.data) : undefined;
      try { writeSync(fd, `${JSON.stringify({ key: resultKey(event.data), ...(failure ? { failure } : {}) })}\n`); } catch { fd = null; }
    }
  }
}

/** What the summary shows of a failed test: its file, name and the first lines of its error. */
function failureOf(data) {
  const error = data.details?.error;
  const cause = error?.cause ?? error;
  const message = String(cause?.message ?? cause ?? 'failed').split('\n').filter((l) => l.trim() !== '').slice(0, 4).join(' | ');
  return { file: data.file ?? null, name: data.name ?? null, message: message.length > 400 ? `${message.slice(0, 400)}…` : message };
}
