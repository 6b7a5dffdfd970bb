// A set of local clusters that lives in one dev directory and outlives the process that started it:
// what `ferry dev up|stop|down|status` do. Every change happens under a lock and is recorded in the
// state file at once (a pid is written the moment the JVM exists), so a crash never hides a broker.
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { canConnect } from './net.js';
import { LocalCluster, PortInUseError, type ClusterRecord } from './cluster.js';
import { DEFAULT_KAFKA_VERSION, ensureKafkaJars } from './jars.js';
import { withLock } from './lock.js';
import { DEFAULT_BASE_PORT, isPortFree, portLayout, type ClusterPorts } from './ports.js';
import { LISTENER_INFO, hasSasl, securedListenerKinds, type ClusterSecurity, type SecureListener } from './security.js';
import { readState, removeState, upsertCluster, writeState, type DevState } from './state.js';

export const DEFAULT_CLUSTERS: readonly string[] = ['source', 'target'];

/** running: the recorded JVM is alive; dead: a pid was recorded but that process is gone (crash, kill -9); stopped: stopped on purpose. */
export type ClusterState = 'running' | 'dead' | 'stopped';

export interface ClusterStatus extends ClusterRecord {
  state: ClusterState;
  /** The broker port accepts connections (only probed for running clusters). */
  listening: boolean;
}

export interface UpOptions {
  devDir: string;
  clusters?: readonly string[];
  /** When set, ports follow the layout from this base even for clusters that already have ports on record. */
  basePort?: number;
  /** Explicit ports per cluster (tests, demo); wins over basePort. */
  ports?: ReadonlyMap<string, ClusterPorts>;
  kafkaVersion?: string;
  acls?: boolean;
  brokerProperties?: Record<string, string>;
  /**
   * Secured listeners besides PLAINTEXT, on the broker port + a fixed offset (security.ts LISTENER_INFO).
   * Absent: a cluster keeps what it was created with. An empty list turns security off.
   */
  security?: readonly SecureListener[];
  fastStartup?: boolean;
  startTimeoutMs?: number;
  cacheDir?: string;
  /** Recorded in the state file: the process that kills these clusters when it exits. */
  ownerPid?: number;
  progress?: (message: string) => void;
}

export interface UpResult {
  /** Clusters started by this call. */
  started: ClusterStatus[];
  /** Requested clusters that were already running (left alone). */
  alreadyRunning: ClusterStatus[];
  elapsedMs: number;
}

export class AlreadyRunningError extends Error {
  constructor(readonly clusters: ClusterStatus[]) {
    super(`Local clusters already running: ${clusters.map((c) => `${c.name} ${c.bootstrap} (pid ${c.pid})`).join(', ')}. Use them as they are, or run 'ferry dev down' first.`);
    this.name = 'AlreadyRunningError';
  }
}

const lockDir = (devDir: string) => join(devDir, '.lock');
const lockOpts = (progress?: (m: string) => void) => ({ timeoutMs: 5 * 60_000, onWait: () => progress?.('Waiting for another ferry dev command in this directory…') });

/** Where `ferry dev` keeps the dev CA, client stores and SASL passwords: shared by its clusters, kept by `down`. */
export function devPkiDir(devDir: string): string {
  return join(devDir, 'pki');
}

/** The security record of a cluster whose broker listens on brokerPort: each secured listener at its fixed offset. */
export function devClusterSecurity(devDir: string, clusterDir: string, brokerPort: number, listeners: readonly SecureListener[]): ClusterSecurity | undefined {
  if (listeners.length === 0) return undefined;
  return {
    listeners: Object.fromEntries(listeners.map((l) => [l, brokerPort + LISTENER_INFO[l].portOffset])) as ClusterSecurity['listeners'],
    pkiDir: devPkiDir(devDir),
    storesDir: join(clusterDir, 'tls'),
  };
}

/** The valid cluster-name syntax: it becomes a directory name. */
export function validateClusterName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) {
    throw new Error(`Invalid cluster name '${name}': use letters, digits, '.', '_' or '-' (it names a directory).`);
  }
}

function statusOf(rec: ClusterRecord): ClusterState {
  if (rec.pid === undefined) return 'stopped';
  return LocalCluster.fromRecord(rec).isRunning() ? 'running' : 'dead';
}

/** Status of every recorded cluster (no lock needed: read-only). */
export async function devStatus(devDir: string): Promise<ClusterStatus[]> {
  const state = readState(devDir);
  return Promise.all(state.clusters.map(async (rec) => {
    const st = statusOf(rec);
    return { ...rec, state: st, listening: st === 'running' ? await canConnect(rec.brokerPort) : false };
  }));
}

/**
 * Starts the requested clusters that are not running (new ones are formatted; stopped or dead ones restart on
 * their data). Throws AlreadyRunningError when every requested cluster already runs. If any start fails,
 * the clusters this call started are stopped again and the first error is thrown.
 */
export async function devUp(opts: UpOptions): Promise<UpResult> {
  const began = Date.now();
  const names = [...(opts.clusters ?? DEFAULT_CLUSTERS)];
  if (names.length === 0) throw new Error('No clusters requested.');
  names.forEach(validateClusterName);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`Cluster '${dup}' is listed twice.`);
  const layout = portLayout(names, opts.basePort ?? DEFAULT_BASE_PORT);

  return withLock(lockDir(opts.devDir), async () => {
    let state: DevState = readState(opts.devDir);
    if (opts.ownerPid !== undefined) state = { ...state, ownerPid: opts.ownerPid };
    const alreadyRunning: ClusterStatus[] = [];
    const toStart: LocalCluster[] = [];
    for (const name of names) {
      const rec = state.clusters.find((c) => c.name === name);
      if (rec && statusOf(rec) === 'running') {
        alreadyRunning.push({ ...rec, state: 'running', listening: await canConnect(rec.brokerPort) });
        continue;
      }
      const version = opts.kafkaVersion ?? rec?.kafkaVersion ?? DEFAULT_KAFKA_VERSION;
      if (rec && rec.kafkaVersion !== version && existsSync(rec.dataDir)) {
        throw new Error(`Cluster '${name}' has data formatted by Kafka ${rec.kafkaVersion}; run 'ferry dev down' to delete it before starting Kafka ${version}.`);
      }
      const ports = opts.ports?.get(name) ?? (rec && opts.basePort === undefined ? { broker: rec.brokerPort, controller: rec.controllerPort } : layout.get(name));
      if (!ports) throw new Error(`No ports for cluster '${name}'.`);
      const brokerProperties = opts.brokerProperties ?? rec?.brokerProperties;
      const dir = rec?.dir ?? join(opts.devDir, name);
      const listeners = opts.security ?? (rec?.security ? securedListenerKinds(rec.security) : []);
      const security = devClusterSecurity(opts.devDir, dir, ports.broker, listeners);
      if (rec && existsSync(join(rec.dataDir, 'meta.properties')) && hasSasl(security) && !hasSasl(rec.security)) {
        // SCRAM users are written when the storage is formatted; this cluster was formatted without them.
        throw new Error(`Cluster '${name}' was created without SASL users; run 'ferry dev down' to delete it before starting it with --security ${listeners.join(',')}.`);
      }
      toStart.push(new LocalCluster({
        name,
        dir,
        brokerPort: ports.broker,
        controllerPort: ports.controller,
        kafkaVersion: version,
        acls: opts.acls ?? rec?.acls ?? false,
        ...(brokerProperties ? { brokerProperties } : {}),
        ...(security ? { security } : {}),
        ...(rec ? { clusterId: rec.clusterId } : {}),
        fastStartup: opts.fastStartup ?? false,
        ...(opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs } : {}),
        ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
        ...(opts.progress ? { progress: opts.progress } : {}),
        onSpawned: (c) => { state = upsertCluster(state, c.record()); writeState(opts.devDir, state); },
      }));
    }
    if (toStart.length === 0) throw new AlreadyRunningError(alreadyRunning);

    // All ports before any JVM, so a conflict fails cleanly instead of leaving half an environment up.
    const seen = new Map<number, string>();
    for (const c of toStart) {
      const roles: [number, string][] = [[c.brokerPort, 'broker'], [c.controllerPort, 'controller']];
      for (const [kind, port] of Object.entries(c.security?.listeners ?? {})) roles.push([port, `${kind} listener`]);
      for (const [port, role] of roles) {
        const other = seen.get(port);
        if (other) throw new Error(`Clusters '${other}' and '${c.name}' would both use port ${port}.`);
        seen.set(port, c.name);
        if (!(await isPortFree(port))) throw new PortInUseError(c.name, port, role);
      }
    }
    // Fetch once up front; parallel starts would otherwise queue on the download lock.
    for (const v of new Set(toStart.map((c) => c.kafkaVersion))) {
      await ensureKafkaJars(v, { ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}), ...(opts.progress ? { log: opts.progress } : {}) });
    }
    for (const c of toStart) state = upsertCluster(state, c.record());
    writeState(opts.devDir, state);

    opts.progress?.(`Starting ${toStart.map((c) => `${c.name} (${c.bootstrap})`).join(', ')} with Kafka ${[...new Set(toStart.map((c) => c.kafkaVersion))].join(', ')}…`);
    const results = await Promise.allSettled(toStart.map((c) => c.start()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(toStart.map((c) => c.stop()));
    }
    for (const c of toStart) state = upsertCluster(state, c.record());
    writeState(opts.devDir, state);
    if (failed) throw failed.reason;
    return {
      started: toStart.map((c) => ({ ...c.record(), state: 'running' as const, listening: true })),
      alreadyRunning,
      elapsedMs: Date.now() - began,
    };
  }, lockOpts(opts.progress));
}

/** Stops every recorded cluster (SIGTERM, then SIGKILL), keeping data: a later `up` restarts them. */
export async function devStop(devDir: string, opts: { timeoutMs?: number; progress?: (m: string) => void } = {}): Promise<ClusterRecord[]> {
  if (!existsSync(devDir)) return [];
  return withLock(lockDir(devDir), async () => {
    let state = readState(devDir);
    const stopped: ClusterRecord[] = [];
    await Promise.all(state.clusters.map(async (rec) => {
      const c = LocalCluster.fromRecord(rec);
      if (c.isRunning()) stopped.push(rec);
      await c.stop(opts.timeoutMs);
      state = upsertCluster(state, c.record());
    }));
    writeState(devDir, state);
    return stopped;
  }, lockOpts(opts.progress));
}

/** Stops every recorded cluster and deletes its directory (data, logs) and the state file. */
export async function devDown(devDir: string, opts: { timeoutMs?: number; progress?: (m: string) => void } = {}): Promise<ClusterRecord[]> {
  if (!existsSync(devDir)) return [];
  const removed = await withLock(lockDir(devDir), async () => {
    const state = readState(devDir);
    await Promise.all(state.clusters.map(async (rec) => {
      const c = LocalCluster.fromRecord(rec);
      await c.stop(opts.timeoutMs);
      // Only ever delete inside the dev directory, whatever a (hand-edited) state file says.
      if (isInside(devDir, rec.dir)) rmSync(rec.dir, { recursive: true, force: true });
    }));
    removeState(devDir);
    return state.clusters;
  }, lockOpts(opts.progress));
  try {
    if (readdirSync(devDir).length === 0) rmdirSync(devDir);
  } catch {
    // not empty or already gone: leave it
  }
  return removed;
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
