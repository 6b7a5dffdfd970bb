// A directory lock (mkdir is atomic on every local filesystem) so two processes never download the same
// jars or edit the same dev state at once. The owner's pid and start time live inside; a lock whose owner
// died, or that is older than staleMs, is taken over.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { isAlive, sleep } from './process.js';

export interface LockOptions {
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** A lock older than this is considered abandoned even if its pid looks alive (pid reuse). */
  staleMs?: number;
  /** Called once when we start waiting for another holder. */
  onWait?: (owner: LockOwner | undefined) => void;
}

export interface LockOwner {
  pid: number;
  host: string;
  since: number;
}

function readOwner(dir: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

function isStale(dir: string, staleMs: number): boolean {
  const owner = readOwner(dir);
  let age: number;
  try {
    age = Date.now() - statSync(dir).mtimeMs;
  } catch {
    return false; // vanished: not stale, just retry
  }
  if (!owner) return age > 5_000; // owner file not written yet, or the writer crashed between mkdir and write
  if (owner.host === hostname() && !isAlive(owner.pid)) return true;
  return Date.now() - owner.since > staleMs;
}

/** Acquires the lock at `dir`; returns its release function. */
export async function acquireLock(dir: string, opts: LockOptions = {}): Promise<() => void> {
  const timeoutMs = opts.timeoutMs ?? 15 * 60_000;
  const staleMs = opts.staleMs ?? 30 * 60_000;
  const deadline = Date.now() + timeoutMs;
  let waited = false;
  mkdirSync(dirname(dir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(dir);
      const owner: LockOwner = { pid: process.pid, host: hostname(), since: Date.now() };
      writeFileSync(join(dir, 'owner.json'), JSON.stringify(owner));
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(dir, { recursive: true, force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (isStale(dir, staleMs)) {
      // Rename first so two processes breaking the same stale lock don't delete each other's fresh lock.
      const grave = `${dir}.stale-${process.pid}-${Date.now()}`;
      try {
        renameSync(dir, grave);
        rmSync(grave, { recursive: true, force: true });
      } catch {
        // someone else broke it first
      }
      continue;
    }
    if (!waited) {
      waited = true;
      opts.onWait?.(readOwner(dir));
    }
    if (Date.now() >= deadline) {
      const owner = readOwner(dir);
      throw new Error(`Timed out after ${Math.round(timeoutMs / 1000)}s waiting for lock ${dir}` + (owner ? ` held by pid ${owner.pid} on ${owner.host}` : '') + '. Remove the directory if no such process is running.');
    }
    await sleep(250);
  }
}

/** Runs fn while holding the lock at dir. */
export async function withLock<T>(dir: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const release = await acquireLock(dir, opts);
  try {
    return await fn();
  } finally {
    release();
  }
}
