// Process helpers for the local-cluster launcher: liveness that sees through zombies and pid reuse,
// graceful stop with a SIGKILL fallback, and locating executables on PATH.
import { accessSync, closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { sleep } from '../backoff.js';

/** True when pid is a live (non-zombie) process. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A child that exited but was not reaped yet still answers kill(0); /proc shows it as Z.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS): kill(0) is all we have
  }
}

/**
 * True when pid is alive and its command line contains every marker. Guards against signalling an
 * unrelated process that reused a pid recorded in an old state file. Without /proc, liveness only.
 */
export function processMatches(pid: number, markers: readonly string[]): boolean {
  if (!isAlive(pid)) return false;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return true;
  }
  return markers.every((m) => cmdline.includes(m));
}

/** Sends a signal, ignoring "no such process". Safe to call from a synchronous 'exit' handler. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Waits until pid is gone; false on timeout. */
export async function waitForExit(pid: number, timeoutMs: number, pollMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(pollMs);
  }
  return true;
}

/** SIGTERM, wait up to timeoutMs, then SIGKILL. Resolves once the process is gone. */
export async function terminate(pid: number, timeoutMs: number): Promise<'term' | 'kill' | 'gone'> {
  if (!isAlive(pid)) return 'gone';
  signal(pid, 'SIGTERM');
  if (await waitForExit(pid, timeoutMs)) return 'term';
  signal(pid, 'SIGKILL');
  await waitForExit(pid, 10_000);
  return 'kill';
}

/** Absolute path of an executable found on PATH, or undefined. */
export function which(cmd: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/** The last n lines of a text (for error messages that quote a log). */
export function lastLines(text: string, n: number): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-n).join('\n');
}

/** The last n lines of a file, or '' when it does not exist. Reads at most the last 64 KiB. */
export function tailFile(path: string, n: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 65_536);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return lastLines(buf.toString('utf8'), n);
  } finally {
    closeSync(fd);
  }
}

export { sleep };
