// Helpers for tests that run a Ferry Connect worker in-process against real brokers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandalone, type ConnectorSpec, type StandaloneHandle } from '../../src/cli/connect.js';
import { pollUntil } from '../../src/backoff.js';

export interface TestWorker extends StandaloneHandle {
  dir: string;
  offsetsFile: string;
  /** fetch() against the worker's REST API; returns status and parsed JSON body (or null). */
  rest(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; headers: Headers }>;
}

export function tempDir(prefix = 'ferry-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startTestWorker(bootstrap: string, opts: { dir: string; extra?: Record<string, string>; connectors?: ConnectorSpec[] }): Promise<TestWorker> {
  const offsetsFile = join(opts.dir, 'connect.offsets');
  const handle = await startStandalone({
    'bootstrap.servers': bootstrap,
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'offset.storage.file.filename': offsetsFile,
    'offset.flush.interval.ms': '500',
    'listeners': 'http://127.0.0.1:0',
    'task.shutdown.graceful.timeout.ms': '10000',
    // FileStream connectors in tests use temp files; the worker refuses every file unless allowed.
    'file.allowed.paths': tmpdir(),
    ...(opts.extra ?? {}),
  }, opts.connectors ?? []);
  return {
    ...handle,
    dir: opts.dir,
    offsetsFile,
    rest: async (method, path, body) => {
      const res = await fetch(handle.url.replace(/\/$/, '') + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      let parsed: unknown;
      try { parsed = text === '' ? null : JSON.parse(text); } catch { parsed = text; }
      return { status: res.status, body: parsed, headers: res.headers };
    },
  };
}

/** Polls until fn returns a truthy value or the timeout passes (then throws with the last value): src/backoff.ts's pollUntil. */
export function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 30_000, intervalMs = 200): Promise<NonNullable<T>> {
  return pollUntil(what, fn, { timeoutMs, intervalMs });
}
