// Clusters owned by the current process (test harness, demo): free ports, a private temp directory, both
// clusters started in parallel, and killed with the process — on normal exit, on SIGINT/SIGTERM/SIGHUP,
// and, if the owner was SIGKILLed, by the next owner that starts (reapOrphans).
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster, describeBrokerIds, generateClusterId } from './cluster.js';
import { validateClusterName } from './environment.js';
import { DEFAULT_KAFKA_VERSION, cacheRoot, ensureKafkaJars } from './jars.js';
import { ensureDevPki } from './pki.js';
import { findFreePorts } from './ports.js';
import { isAlive, sleep } from './process.js';
import { type ClusterSecurity, type SecureListener } from './security.js';
import { readState, upsertCluster, writeState, type DevState } from './state.js';

export interface EphemeralOptions {
  clusters: readonly string[];
  kafkaVersion?: string;
  acls?: boolean;
  brokerProperties?: Record<string, string>;
  /** Secured listeners every cluster gets besides PLAINTEXT (single-broker clusters only). */
  security?: readonly SecureListener[];
  /**
   * Brokers per cluster name (default 1, at most 5): e.g. { target: 3 }. A multi-broker cluster is that many
   * combined broker + controller nodes in one static quorum; its internal topics get replication factor min(3, n).
   */
  brokers?: Readonly<Record<string, number>>;
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
  /** One per cluster name, in order: the cluster, or for a multi-broker cluster its first node. */
  clusters: LocalCluster[];
  /** The cluster, or for a multi-broker cluster its first node (see nodes). */
  cluster(name: string): LocalCluster;
  /** Every node of a cluster (one for a single-broker cluster), by node id. */
  nodes(name: string): readonly LocalCluster[];
  /** Comma-separated host:port of every node of a cluster. */
  bootstrap(name: string): string;
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

function brokerCount(brokers: EphemeralOptions['brokers'], name: string): number {
  const n = brokers?.[name] ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 5) throw new Error(`Cluster '${name}': brokers must be an integer from 1 to 5 (got ${n}).`);
  return n;
}

/** Waits until a multi-broker cluster's metadata lists all of its nodes (each node waited only for itself). */
async function awaitAllBrokers(bootstrap: string, count: number, name: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const ids = await describeBrokerIds(bootstrap);
      if (ids.length >= count) return;
      last = `brokers ${ids.join(',') || 'none'}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(200);
  }
  throw new Error(`Cluster '${name}' (${bootstrap}): metadata did not list ${count} brokers within ${timeoutMs / 1000}s (last: ${last}).`);
}

/** Starts the named clusters on free loopback ports, in parallel, in a new temp directory owned by this process. */
export async function startEphemeralClusters(opts: EphemeralOptions): Promise<EphemeralKafka> {
  const names = [...opts.clusters];
  if (names.length === 0) throw new Error('No clusters requested.');
  names.forEach(validateClusterName);
  if (new Set(names).size !== names.length) throw new Error(`Duplicate cluster names in ${names.join(',')}.`);
  const unknown = Object.keys(opts.brokers ?? {}).filter((n) => !names.includes(n));
  if (unknown.length > 0) throw new Error(`brokers names cluster(s) ${unknown.join(', ')} that are not started (have ${names.join(', ')}).`);
  installExitHooks();
  reapOrphans();
  const kafkaVersion = opts.kafkaVersion ?? DEFAULT_KAFKA_VERSION;
  await ensureKafkaJars(kafkaVersion, opts.progress ? { log: opts.progress } : {});

  const devDir = mkdtempSync(join(tmpdir(), opts.prefix ?? 'ferry-test-'));
  let state: DevState = { version: 1, ownerPid: process.pid, clusters: [] };
  const secure = [...new Set(opts.security ?? [])];
  const nodeCounts = names.map((name) => brokerCount(opts.brokers, name));
  if (secure.length > 0 && nodeCounts.some((n) => n > 1)) throw new Error('Secured listeners are only supported on single-broker clusters.');
  const perNode = 2 + secure.length;
  const ports = await findFreePorts(nodeCounts.reduce((a, b) => a + b, 0) * perNode);
  const pkiDir = opts.pkiDir ?? join(cacheRoot(), 'dev-pki');
  // Made before the brokers start (they need it), once; concurrent cluster starts then only read it.
  if (secure.length > 0) await ensureDevPki(pkiDir);
  const securityFor = (name: string, first: number): ClusterSecurity => ({
    listeners: Object.fromEntries(secure.map((kind, k) => [kind, ports[first + 2 + k]!])) as ClusterSecurity['listeners'],
    pkiDir,
    storesDir: join(pkiDir, 'brokers', name),
  });
  const common = {
    kafkaVersion,
    acls: opts.acls ?? false,
    ...(opts.brokerProperties ? { brokerProperties: opts.brokerProperties } : {}),
    fastStartup: opts.fastStartup ?? false,
    ...(opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs } : {}),
    // Recorded before readiness, so a reaper can find the JVM even if we die while it starts.
    onSpawned: (c: LocalCluster) => { state = upsertCluster(state, c.record()); writeState(devDir, state); },
  };
  let nextPort = 0;
  const groups = new Map<string, LocalCluster[]>();
  names.forEach((name, i) => {
    const n = nodeCounts[i]!;
    const first = nextPort;
    nextPort += n * perNode;
    if (n === 1) {
      groups.set(name, [new LocalCluster({
        ...common, name, dir: join(devDir, name), brokerPort: ports[first]!, controllerPort: ports[first + 1]!,
        ...(secure.length > 0 ? { security: securityFor(name, first) } : {}),
      })]);
      return;
    }
    // n combined broker + controller nodes: a static quorum of n, so one node can stop while the others serve.
    const voters = Array.from({ length: n }, (_, k) => ({ nodeId: k + 1, controllerPort: ports[first + k * perNode + 1]! }));
    const clusterId = generateClusterId();
    groups.set(name, voters.map((v, k) => new LocalCluster({
      ...common, name: `${name}.node${v.nodeId}`, dir: join(devDir, name, `node${v.nodeId}`),
      brokerPort: ports[first + k * perNode]!, controllerPort: v.controllerPort, clusterId, quorum: { nodeId: v.nodeId, voters },
    })));
  });
  const allNodes = [...groups.values()].flat();
  const clusters = names.map((name) => groups.get(name)![0]!);
  for (const c of allNodes) {
    owned.set(c, devDir);
    state = upsertCluster(state, c.record());
  }
  writeState(devDir, state);
  const nodesOf = (name: string): LocalCluster[] => {
    const g = groups.get(name);
    if (!g) throw new Error(`No cluster '${name}' (have ${names.join(', ')}).`);
    return g;
  };

  let stopped: Promise<void> | undefined;
  const handle: EphemeralKafka = {
    devDir,
    kafkaVersion,
    clusters,
    cluster: (name: string): LocalCluster => nodesOf(name)[0]!,
    nodes: (name: string): readonly LocalCluster[] => nodesOf(name),
    bootstrap: (name: string): string => nodesOf(name).map((c) => c.bootstrap).join(','),
    stop(): Promise<void> {
      stopped ??= (async () => {
        // The data is thrown away: a multi-node cluster need not wait for controlled shutdowns that lose the quorum.
        await Promise.all(allNodes.map((c) => c.stop(c.quorum ? 5_000 : 15_000)));
        for (const c of allNodes) owned.delete(c);
        rmSync(devDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };

  const results = await Promise.allSettled(allNodes.map((c) => c.start()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await handle.stop();
    throw failed.reason;
  }
  try {
    for (const name of names) if (nodesOf(name).length > 1) await awaitAllBrokers(handle.bootstrap(name), nodesOf(name).length, name);
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}
