// Shared scaffolding for the scenario scripts: clusters (local ones, or the caller's), a step logger that prints
// what an operator would see, and the final report table.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientProps } from '../../src/kafka/client.js';
import { fmtDuration, table } from '../../src/mirror/ops/format.js';
import { startClusters } from './mirror.js';

export interface StoryCluster {
  name: string;
  bootstrap: string;
  props: ClientProps;
  kill(): void;
  start(): Promise<void>;
}

export interface StoryClusters {
  cluster(name: string): StoryCluster;
  stop(): Promise<void>;
}

export interface StoryOptions {
  /** Use these clusters (e.g. the test harness's) instead of starting local ones. */
  clusters?: StoryClusters;
  /** Smaller volumes and shorter waits (the test suite). */
  small?: boolean;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export async function clustersFor(names: string[], opts: StoryOptions): Promise<{ clusters: StoryClusters; owned: boolean }> {
  if (opts.clusters) return { clusters: opts.clusters, owned: false };
  const eph = await startClusters(names, opts.log ?? ((m) => process.stderr.write(`# ${m}\n`)));
  return {
    owned: true,
    clusters: {
      cluster(name: string): StoryCluster {
        const c = eph.cluster(name);
        return { name, bootstrap: c.bootstrap, props: { 'bootstrap.servers': c.bootstrap }, kill: () => c.kill(), start: () => c.start() };
      },
      stop: () => eph.stop(),
    },
  };
}

export class Story {
  private readonly t0 = Date.now();
  readonly dir = mkdtempSync(join(tmpdir(), 'ferry-scenario-'));
  constructor(readonly name: string, private readonly logLine: (line: string) => void = (l) => process.stderr.write(`${l}\n`)) {}

  step(what: string): void {
    this.logLine(`[${fmtDuration(Date.now() - this.t0).padStart(9)}] ${what}`);
  }

  /** Echoes an operator command and its output (indented). */
  command(cmd: string, output: string): void {
    this.logLine(`  $ ${cmd}`);
    for (const l of output.trimEnd().split('\n')) this.logLine(`    ${l}`);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function renderReport(title: string, header: string[], rows: string[][], notes: string[] = []): string {
  return [title, ...table([header, ...rows], { rightAlign: header.map((_, i) => i).slice(1) }).map((l) => `  ${l}`), ...notes.map((n) => `  ${n}`)].join('\n');
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
