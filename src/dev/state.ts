// The dev state file: which local clusters exist, where their data lives and which pid runs them, so
// `ferry dev status|stop|down` work from any process. Written atomically (temp file + rename).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ferryEnv } from '../config/ferry-env.js';
import type { ClusterRecord } from './cluster.js';

export const STATE_FILE = 'state.json';

export interface DevState {
  version: 1;
  /** pid of the process that owns these clusters and kills them on exit (test harness, demo); absent for `ferry dev`. */
  ownerPid?: number;
  clusters: ClusterRecord[];
}

/** $FERRY_DEV_DIR, else <cwd>/.ferry/dev. */
export function defaultDevDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return resolve(cwd, ferryEnv(env).devDir ?? join('.ferry', 'dev'));
}

export function stateFile(devDir: string): string {
  return join(devDir, STATE_FILE);
}

export function readState(devDir: string): DevState {
  const file = stateFile(devDir);
  if (!existsSync(file)) return { version: 1, clusters: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read dev state ${file}: ${err instanceof Error ? err.message : String(err)}. Delete it (and stop any 'java kafka.Kafka' processes it described) to start over.`, { cause: err });
  }
  if (!isState(parsed)) throw new Error(`Dev state ${file} is not a Ferry dev state file (expected {"version":1,"clusters":[…]}).`);
  return parsed;
}

function isState(v: unknown): v is DevState {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return o.version === 1 && Array.isArray(o.clusters) && o.clusters.every((c) => {
    if (typeof c !== 'object' || c === null) return false;
    const r = c as Record<string, unknown>;
    return typeof r.name === 'string' && typeof r.dir === 'string' && typeof r.brokerPort === 'number' && typeof r.controllerPort === 'number' && typeof r.kafkaVersion === 'string' && typeof r.clusterId === 'string';
  });
}

export function writeState(devDir: string, state: DevState): void {
  mkdirSync(devDir, { recursive: true });
  const file = stateFile(devDir);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
  renameSync(tmp, file);
}

export function removeState(devDir: string): void {
  rmSync(stateFile(devDir), { force: true });
}

/** Replaces (or adds) one cluster's record, keeping the others in their order. */
export function upsertCluster(state: DevState, rec: ClusterRecord): DevState {
  const i = state.clusters.findIndex((c) => c.name === rec.name);
  const clusters = [...state.clusters];
  if (i >= 0) clusters[i] = rec;
  else clusters.push(rec);
  return { ...state, clusters };
}
