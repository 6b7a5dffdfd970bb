// Runs `ferry …` as a child process (as an operator would), for the scenarios and tests that need a real
// process boundary — e.g. to kill -9 Ferry between two steps of an operation.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `ferry <args>` through tsx from the sources (no build needed). */
export function runFerry(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; echo?: boolean } = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/cli/ferry.ts'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, FERRY_LOG_LEVEL: process.env['FERRY_LOG_LEVEL'] ?? 'error', ...(opts.env ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); if (opts.echo) process.stderr.write(d); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

export interface RunningFerry {
  pid: number;
  /** Output so far. */
  output(): string;
  kill(signal: NodeJS.Signals): void;
  done: Promise<CliResult>;
}

/** Starts `ferry <args>` and returns at once (long-running commands such as `migrate start --run`). */
export function spawnFerry(args: string[], opts: { env?: Record<string, string> } = {}): RunningFerry {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/cli/ferry.ts'), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, FERRY_LOG_LEVEL: process.env['FERRY_LOG_LEVEL'] ?? 'error', ...(opts.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
  return { pid: child.pid ?? -1, output: () => stdout + stderr, kill: (s) => { child.kill(s); }, done };
}
