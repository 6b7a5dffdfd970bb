// Runs Ferry's CLI entry points (`src/cli/*.ts` through tsx) as a user would, capturing their output.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { devDown } from '../../src/dev/environment.js';
import { isPortFree } from '../../src/dev/ports.js';
import { readState } from '../../src/dev/state.js';

export interface CliResult { code: number | null; stdout: string; stderr: string }

export const REPO = new URL('../..', import.meta.url).pathname;

/**
 * `ferry <args>` in the repository, with `env` added to (or, for undefined values, removed from) the test's
 * environment. FERRY_LOG_LEVEL is unset unless given, so the CLI picks its own level as for a user.
 */
export function runFerry(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const fullEnv: NodeJS.ProcessEnv = { ...process.env };
    delete fullEnv.FERRY_LOG_LEVEL;
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete fullEnv[k];
      else fullEnv[k] = v;
    }
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ferry.ts', ...args], { cwd: REPO, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface CliProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  kill9(): void;
  /** SIGTERM and wait (SIGKILL after the timeout). */
  stop(timeoutMs?: number): Promise<number | string>;
}

/**
 * A long-running entry point, `node --import tsx src/cli/<name>.ts <args>`, with `env` added to the test's
 * environment and its output captured (only the last `keepChars` when given; by default all of it, so a test
 * can search the whole log).
 */
export function spawnCli(name: string, args: string[], env: Record<string, string> = {}, keepChars?: number): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', `src/cli/${name}.ts`, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => { out += b.toString(); if (keepChars !== undefined && out.length > keepChars) out = out.slice(-Math.floor(keepChars / 2)); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  return {
    child,
    output: () => out,
    exited,
    kill9: () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); },
    stop: async (timeoutMs = 20_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try { return await exited; } finally { clearTimeout(t); }
    },
  };
}

/** The broker pids a `ferry dev` state directory records (none when it has no state). */
export function recordedPids(devDir: string): number[] {
  try {
    return readState(devDir).clusters.flatMap((c) => (c.pid !== undefined ? [c.pid] : []));
  } catch {
    return [];
  }
}

/**
 * `count` temp FERRY_DEV_DIRs for tests that run `ferry dev` through the CLI (call at file top level). The
 * brokers it starts are detached, not children of the test: the after hook runs `devDown` on each directory
 * and removes it, and a process 'exit' handler SIGKILLs what is left if the after hook is never reached.
 */
export function useDevDirs(count: number, prefix = 'ferry-devcli-'): string[] {
  const dirs = Array.from({ length: count }, () => mkdtempSync(join(tmpdir(), prefix)));
  process.on('exit', () => {
    for (const d of dirs) {
      for (const pid of recordedPids(d)) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
  });
  after(async () => {
    for (const d of dirs) {
      await devDown(d).catch(() => undefined);
      rmSync(d, { recursive: true, force: true });
    }
  });
  return dirs;
}

/** A random base port P for `ferry dev up --base-port` with P + each of `offsets` free. */
export async function freeBasePort(offsets: readonly number[]): Promise<number> {
  for (;;) {
    const p = 21000 + Math.floor(Math.random() * 9000);
    if ((await Promise.all(offsets.map((o) => isPortFree(p + o)))).every(Boolean)) return p;
  }
}
