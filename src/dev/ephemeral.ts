// Clusters owned by the current process (test harness, demo): free ports, a private temp directory, both
// clusters started in parallel, and killed with the process — on normal exit, on SIGINT/SIGTERM/SIGHUP,
// and, if the owner was SIGKILLed, by the next owner that starts (reapOrphans).
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster } from './cluster.js';
import { validateClusterName } from './environment.js';
import { DEFAULT_KAFKA_VERSION, cacheRoot, ensureKafkaJars } from './jars.js';
import { ensureDevPki } from './pki.js';
import { findFreePorts } from './ports.js';
import { isAlive } from './process.js';
import { type ClusterSecurity, type SecureListener } from './security.js';
import { readState, upsertCluster, writeState, type DevState } from './state.js';

export interface EphemeralOptions {
  clusters: readonly string[];
  kafkaVersion?: string;
  acls?: boolean;
  brokerProperties?: Record<string, string>;
  /** Secured listeners every cluster gets besides PLAINTEXT. */
  security?: readonly SecureListener[];
  /**
   * Where the CA, client stores and broker stores live. Default: one PKI in the jar cache directory shared by
   * every test process, so only the first secured test run on a machine pays for making certificates.
   */
  pkiDir?: string;
  /** -XX:TieredStopAtLevel=1: faster JVM start, slower steady state. For tests, not benchmarks. */
  fastStartup?: boolean;
  startTimeoutMs?: number;
  /** Temp directory prefix; reapOrphans looks for it. */
  prefix?: string;
  progress?: (message: string) => void;
}

export interface EphemeralKafka {
  devDir: string;
  kafkaVersion: string;
  clusters: LocalCluster[];
  cluster(name: string): LocalCluster;
  /** Stops every cluster (SIGTERM, then SIGKILL) and deletes the temp directory. Idempotent. */
  stop(): Promise<void>;
}

export const EPHEMERAL_PREFIXES = ['ferry-test-', 'ferry-demo-'];

const owned = new Map<LocalCluster, string>(); // cluster → its devDir
let hooksInstalled = false;

/** SIGKILLs every cluster this process owns and deletes their directories. Synchronous: safe in 'exit' handlers. */
export function killOwnedClustersSync(): void {
  const dirs = new Set<string>();
  for (const [c, dir] of owned) {
    c.kill();
    dirs.add(dir);
  }
  owned.clear();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killOwnedClustersSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killOwnedClustersSync();
      // Re-raise so the process ends the way it would have without our handler (exit status 128+n).
      process.kill(process.pid, sig);
    });
  }
}

/**
 * Kills brokers left behind by owners that died without cleaning up (e.g. a test process that was
 * SIGKILLed by a timeout) and deletes their temp directories.
 */
export function reapOrphans(dir = tmpdir(), prefixes: readonly string[] = EPHEMERAL_PREFIXES): number {
  let reaped = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (!prefixes.some((p) => e.startsWith(p))) continue;
    const devDir = join(dir, e);
    let state: DevState;
    try {
      state = readState(devDir);
    } catch {
      continue;
    }
    if (state.ownerPid === undefined) {
      // No state yet: either being set up right now, or abandoned long ago.
      try {
        if (state.clusters.length === 0 && Date.now() - statSync(devDir).mtimeMs > 3_600_000) rmSync(devDir, { recursive: true, force: true });
      } catch {
        // gone
      }
      continue;
    }
    if (isAlive(state.ownerPid)) continue;
    for (const rec of state.clusters) LocalCluster.fromRecord(rec).kill();
    rmSync(devDir, { recursive: true, force: true });
    reaped++;
  }
  return reaped;
}

/** Starts the named clusters on free loopback ports, in parallel, in a new temp directory owned by this process. */
export async function startEphemeralClusters(opts: EphemeralOptions): Promise<EphemeralKafka> {
  const names = [...opts.clusters];
  if (names.length === 0) throw new Error('No clusters requested.');
  names.forEach(validateClusterName);
  if (new Set(names).size !== names.length) throw new Error(`Duplicate cluster names in ${names.join(',')}.`);
  installExitHooks();
  reapOrphans();
  const kafkaVersion = opts.kafkaVersion ?? DEFAULT_KAFKA_VERSION;
  await ensureKafkaJars(kafkaVersion, opts.progress ? { log: opts.progress } : {});

  const devDir = mkdtempSync(join(tmpdir(), opts.prefix ?? 'ferry-test-'));
  let state: DevState = { version: 1, ownerPid: process.pid, clusters: [] };
  const secure = [...new Set(opts.security ?? [])];
  const perCluster = 2 + secure.length;
  const ports = await findFreePorts(names.length * perCluster);
  const pkiDir = opts.pkiDir ?? join(cacheRoot(), 'dev-pki');
  // Made before the brokers start (they need it), once; concurrent cluster starts then only read it.
  if (secure.length > 0) await ensureDevPki(pkiDir);
  const securityFor = (name: string, i: number): ClusterSecurity => ({
    listeners: Object.fromEntries(secure.map((kind, k) => [kind, ports[i * perCluster + 2 + k]!])) as ClusterSecurity['listeners'],
    pkiDir,
    storesDir: join(pkiDir, 'brokers', name),
  });
  const clusters = names.map((name, i) => new LocalCluster({
    name,
    dir: join(devDir, name),
    brokerPort: ports[i * perCluster]!,
    controllerPort: ports[i * perCluster + 1]!,
    kafkaVersion,
    acls: opts.acls ?? false,
    ...(opts.brokerProperties ? { brokerProperties: opts.brokerProperties } : {}),
    ...(secure.length > 0 ? { security: securityFor(name, i) } : {}),
    fastStartup: opts.fastStartup ?? false,
    ...(opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs } : {}),
    // Recorded before readiness, so a reaper can find the JVM even if we die while it starts.
    onSpawned: (c) => { state = upsertCluster(state, c.record()); writeState(devDir, state); },
  }));
  for (const c of clusters) {
    owned.set(c, devDir);
    state = upsertCluster(state, c.record());
  }
  writeState(devDir, state);

  let stopped: Promise<void> | undefined;
  const handle: EphemeralKafka = {
    devDir,
    kafkaVersion,
    clusters,
    cluster(name: string): LocalCluster {
      const c = clusters.find((x) => x.name === name);
      if (!c) throw new Error(`No cluster '${name}' (have ${names.join(', ')}).`);
      return c;
    },
    stop(): Promise<void> {
      stopped ??= (async () => {
        await Promise.all(clusters.map((c) => c.stop(15_000)));
        for (const c of clusters) owned.delete(c);
        rmSync(devDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };

  const results = await Promise.allSettled(clusters.map((c) => c.start()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await handle.stop();
    throw failed.reason;
  }
  return handle;
}
