// What the benchmark ran on: cores, memory, load, versions, and the Ferry commit measured.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem, release, type as osType } from 'node:os';
import { findJava } from '../../src/dev/jars.js';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memGiB: number;
  os: string;
  node: string;
  java: string;
  loadAvgAtStart: number[];
  ferryCommit: string;
  ferryDirtyFiles: number;
}

export function loadAvg(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

function javaVersion(): string {
  try {
    const r = spawnSync(findJava(), ['-version'], { encoding: 'utf8' });
    return (`${r.stderr ?? ''}${r.stdout ?? ''}`.split('\n').find((l) => /version/.test(l)) ?? 'unknown').trim();
  } catch {
    return 'unknown';
  }
}

function git(args: string[]): string {
  // Read-only git queries (no state change).
  const r = spawnSync('git', args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cores: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
    java: javaVersion(),
    loadAvgAtStart: loadAvg(),
    ferryCommit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    ferryDirtyFiles: git(['status', '--porcelain', '--untracked-files=no']).split('\n').filter(Boolean).length,
  };
}
