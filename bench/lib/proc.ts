// Processes the benchmark starts (mirror tools, perf tools, the rate producer): each runs in its own
// process group, is recorded in a pid file so a later run can reap it if this one was SIGKILLed, and is
// killed (whole group) on exit, SIGINT, SIGTERM and SIGHUP. Also reads CPU time and RSS from /proc.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../../src/backoff.js';

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux (x86, arm64)
const PIDFILE_PREFIX = 'ferry-bench-procs-';

export interface ProcStat { pid: number; ppid: number; pgrp: number; state: string; utime: number; stime: number; cutime: number; cstime: number }

/** Parses /proc/<pid>/stat (the command name may contain spaces and parentheses). */
export function parseStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const pid = Number(text.slice(0, open).trim());
  const f = text.slice(close + 2).trim().split(/\s+/);
  // f[0] is field 3 (state); field n is f[n - 3].
  const n = (i: number) => Number(f[i - 3]);
  return { pid, state: f[0] ?? '?', ppid: n(4), pgrp: n(5), utime: n(14), stime: n(15), cutime: n(16), cstime: n(17) };
}

export function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** kB value of a /proc/<pid>/status line such as VmRSS or VmHWM. */
export function parseStatusKb(text: string, field: string): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

function readStatus(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Every live process whose ancestry leads to root (root included). */
export function processTree(root: number): ProcStat[] {
  const all: ProcStat[] = [];
  let entries: string[];
  try { entries = readdirSync('/proc'); } catch { return []; }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const s = readStat(Number(e));
    if (s) all.push(s);
  }
  const children = new Map<number, ProcStat[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const out: ProcStat[] = [];
  const rootStat = all.find((s) => s.pid === root);
  if (!rootStat) return out;
  const queue = [rootStat];
  while (queue.length > 0) {
    const s = queue.shift()!;
    out.push(s);
    queue.push(...(children.get(s.pid) ?? []));
  }
  return out;
}

/** Samples CPU seconds and RSS of a process tree; keeps the peak values seen. */
export class ProcessSampler {
  peakTreeRssKb = 0;
  peakHwmKb = 0;
  lastCpuSeconds = 0;
  constructor(readonly pid: number) {}

  /** CPU seconds (user + system) of the live tree plus children it already reaped. */
  sample(): { cpuSeconds: number; rssKb: number } {
    const tree = processTree(this.pid);
    let ticks = 0;
    let rss = 0;
    for (const s of tree) {
      ticks += s.utime + s.stime;
      if (s.pid === this.pid) ticks += s.cutime + s.cstime;
      const st = readStatus(s.pid);
      if (st) {
        rss += parseStatusKb(st, 'VmRSS') ?? 0;
        if (s.pid === this.pid) this.peakHwmKb = Math.max(this.peakHwmKb, parseStatusKb(st, 'VmHWM') ?? 0);
      }
    }
    this.peakTreeRssKb = Math.max(this.peakTreeRssKb, rss);
    if (tree.length > 0) this.lastCpuSeconds = ticks / CLK_TCK;
    return { cpuSeconds: this.lastCpuSeconds, rssKb: rss };
  }

  /** Peak RSS in MB: the root's VmHWM or the largest sampled sum over the tree, whichever is larger. */
  peakRssMb(): number {
    return Math.max(this.peakHwmKb, this.peakTreeRssKb) / 1024;
  }
}

// ---- registry of started processes --------------------------------------------------------------

interface Tracked { pid: number; marker: string }
const tracked = new Map<number, Tracked>();
const pidFile = join(tmpdir(), `${PIDFILE_PREFIX}${process.pid}.json`);
let hooks = false;

function savePidFile(): void {
  try {
    if (tracked.size === 0) rmSync(pidFile, { force: true });
    else writeFileSync(pidFile, JSON.stringify({ owner: process.pid, procs: [...tracked.values()] }));
  } catch {
    // best effort
  }
}

function cmdlineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  const s = readStat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** SIGKILLs a process group (and the leader, should it have left the group). Synchronous. */
export function killGroupSync(pid: number): void {
  try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
  try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
}

export function killAllTrackedSync(): void {
  for (const t of tracked.values()) killGroupSync(t.pid);
  tracked.clear();
  savePidFile();
}

function installHooks(): void {
  if (hooks) return;
  hooks = true;
  process.on('exit', killAllTrackedSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAllTrackedSync();
      process.kill(process.pid, sig);
    });
  }
}

/** Kills processes recorded by benchmark runs whose owner died (e.g. SIGKILLed) and removes their pid files. */
export function reapOrphanProcesses(): number {
  let n = 0;
  let entries: string[];
  try { entries = readdirSync(tmpdir()); } catch { return 0; }
  for (const e of entries) {
    if (!e.startsWith(PIDFILE_PREFIX)) continue;
    const path = join(tmpdir(), e);
    try {
      const data = JSON.parse(readFileSync(path, 'utf8')) as { owner: number; procs: Tracked[] };
      if (alive(data.owner)) continue;
      for (const p of data.procs) {
        if (alive(p.pid) && (cmdlineOf(p.pid) ?? '').includes(p.marker)) { killGroupSync(p.pid); n++; }
      }
      rmSync(path, { force: true });
    } catch {
      // unreadable: leave it
    }
  }
  return n;
}

export interface Started {
  child: ChildProcess;
  pid: number;
  startedAt: number;
  /** Resolves with the exit code or signal once the process has exited. */
  exited: Promise<number | string>;
  isRunning(): boolean;
  /** SIGTERM to the group, SIGKILL after timeoutMs. */
  stop(timeoutMs?: number): Promise<number | string>;
}

/**
 * Spawns a command in its own process group with stdout/stderr appended to logFile (or piped when
 * logFile is 'pipe'). `marker` must occur in the command line (guards the reaper against pid reuse).
 */
export function startProcess(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; logFile: string | 'pipe'; marker: string }): Started {
  installHooks();
  const out = opts.logFile === 'pipe' ? 'pipe' : openSync(opts.logFile, 'a');
  const spawnOpts: SpawnOptions = { cwd: opts.cwd ?? process.cwd(), env: opts.env ?? process.env, detached: true, stdio: ['ignore', out, out] };
  const startedAt = performance.now();
  const child = spawn(cmd, args, spawnOpts);
  if (typeof out === 'number') closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`Cannot start ${cmd}`);
  tracked.set(pid, { pid, marker: opts.marker });
  savePidFile();
  let done: number | string | undefined;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, sig) => {
      done = code ?? sig ?? -1;
      // The group may still have members (e.g. a JVM's forked helpers): kill them too.
      try { process.kill(-pid, 'SIGKILL'); } catch { /* none */ }
      tracked.delete(pid);
      savePidFile();
      resolve(done);
    });
    child.once('error', () => { done = -1; tracked.delete(pid); savePidFile(); resolve(-1); });
  });
  return {
    child, pid, startedAt, exited,
    isRunning: () => done === undefined,
    stop: async (timeoutMs = 20_000) => {
      if (done !== undefined) return done;
      try { process.kill(-pid, 'SIGTERM'); } catch { /* gone */ }
      const t = setTimeout(() => killGroupSync(pid), timeoutMs);
      try { return await exited; } finally { clearTimeout(t); }
    },
  };
}

/** Runs a command to completion, capturing its output. */
export async function runToCompletion(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; marker: string; timeoutMs: number }): Promise<{ code: number | string; output: string }> {
  const p = startProcess(cmd, args, { ...opts, logFile: 'pipe' });
  let output = '';
  const keep = (b: Buffer) => { output += b.toString('utf8'); if (output.length > 1_000_000) output = output.slice(-500_000); };
  p.child.stdout?.on('data', keep);
  p.child.stderr?.on('data', keep);
  const closed = new Promise<void>((r) => p.child.once('close', () => r()));
  const timer = setTimeout(() => killGroupSync(p.pid), opts.timeoutMs);
  try {
    const code = await p.exited;
    await closed;
    return { code, output };
  } finally {
    clearTimeout(timer);
  }
}

export { sleep };
