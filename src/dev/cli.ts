// `ferry dev up|down|stop|status|fetch`: local single-node KRaft clusters from Maven-fetched Kafka jars.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ferryEnv } from '../config/ferry-env.js';
import { setLevel } from '../observability/logger.js';
import { LocalCluster, PortInUseError, type ClusterRecord } from './cluster.js';
import { AlreadyRunningError, DEFAULT_CLUSTERS, devDown, devStatus, devStop, devUp, type ClusterStatus } from './environment.js';
import { DEFAULT_KAFKA_VERSION, MissingToolError, ensureKafkaJars, kafkaDistribution } from './jars.js';
import { CLUSTER_PORT_STRIDE, DEFAULT_BASE_PORT, LOOPBACK } from './ports.js';
import { ensureOAuthMaterial } from './oauth.js';
import { ensureDevPki } from './pki.js';
import {
  LISTENER_INFO, SASL_MECHANISMS, allSecureClientProperties, clientPropertiesFile, flavoursOf, oauthAllowedUrlsOption, parseSecurityList, securedListenerKinds,
  type ClientStoreFlavour, type SecureClientSet, type SecureListener,
} from './security.js';
import { defaultDevDir, readState, stateFile } from './state.js';
import { DEFAULT_S3_PORT, devS3Stop, devS3Up, formatS3Server, readS3Server } from './s3.js';

/** Exit codes of `ferry dev`. */
export const EXIT = {
  ok: 0,
  /** A broker failed to start (ClusterStartError), Maven failed, … */
  failure: 1,
  usage: 2,
  /** up: every requested cluster was already running; status: some recorded cluster is not running, or none exist. */
  notChanged: 3,
  /** java or mvn missing. */
  missingTool: 4,
  /** up: a port is taken by another process. */
  portInUse: 5,
} as const;

export const DEV_USAGE = `Usage: ferry dev <command> [options]

Local single-node KRaft Kafka clusters (combined broker + controller on 127.0.0.1), run from Kafka jars
that Maven fetches once into \${FERRY_CACHE_DIR:-~/.cache/ferry}. The brokers keep running after the
command returns; state lives in \${FERRY_DEV_DIR:-./.ferry/dev}.

Commands:
  up       start the clusters (new ones are created; stopped or crashed ones restart on their data)
  status   show each cluster: running, stopped, or dead (its process is gone)
  stop     stop the clusters, keep their data
  down     stop the clusters and delete their data (the dev CA and passwords in <dev dir>/pki are kept)
  fetch    only download the Kafka jars (CI, offline preparation)

Options:
  --clusters a,b       cluster names for up (default: ${DEFAULT_CLUSTERS.join(',')})
  --base-port N        cluster i (0-based) gets broker port N+i*${CLUSTER_PORT_STRIDE} and controller port N+i*${CLUSTER_PORT_STRIDE}+1
                       (default ${DEFAULT_BASE_PORT}: source 127.0.0.1:${DEFAULT_BASE_PORT}, target 127.0.0.1:${DEFAULT_BASE_PORT + CLUSTER_PORT_STRIDE})
  --kafka-version V    Kafka release (default ${DEFAULT_KAFKA_VERSION}, or $FERRY_KAFKA_VERSION; 3.9.x works too)
  --acls               install the StandardAuthorizer (super.users=User:ANONYMOUS, and User:admin when secured)
  --security LIST      secured listeners besides PLAINTEXT (which stays for tools): all, none, or a comma list of
                         sasl_ssl        SASL_SSL; SCRAM-SHA-512, SCRAM-SHA-256, PLAIN; users admin, alice   broker port+2
                         mtls            SSL with a required client certificate (CN=alice)                  broker port+3
                         sasl_plaintext  SASL_PLAINTEXT, same mechanisms and users                          broker port+4
                         wrong_host      SSL whose certificate names another host (mismatch tests)          broker port+5
                         oauthbearer     SASL_SSL, OAUTHBEARER: RS256 JWTs checked against the dev JWKS      broker port+6
                                         (clients get long-lived tokens via file:// token endpoint URLs)
                       A dev CA, client stores (JKS, PKCS12, PEM) and passwords are made once in <dev dir>/pki;
                       up prints the client properties and writes them to <cluster dir>/clients/*.properties.
                       Default for an existing cluster: what it was created with.
  --s3                 up: also start a local S3 server (s3proxy from Maven Central, filesystem backend) on
                       127.0.0.1:${DEFAULT_S3_PORT} with bucket ferry-backups; stop/down stop it (down deletes its data)
  --s3-port N          its port (default ${DEFAULT_S3_PORT})
  --json               machine-readable output on stdout (progress still goes to stderr)
  -h, --help           this help

Exit codes: 0 ok; 1 failure; 2 usage error; 3 up: already running / status: not all running;
            4 java or mvn missing; 5 a port is in use.`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type DevSubcommand = 'up' | 'down' | 'stop' | 'status' | 'fetch' | 'help';

export interface DevArgs {
  command: DevSubcommand;
  clusters?: string[];
  basePort?: number;
  kafkaVersion?: string;
  acls: boolean;
  /** Secured listeners for up ([] = none); absent = keep each cluster's own. */
  security?: SecureListener[];
  json: boolean;
  /** up: also start the local S3 server. */
  s3?: boolean;
  s3Port?: number;
}

const SUBCOMMANDS: readonly DevSubcommand[] = ['up', 'down', 'stop', 'status', 'fetch', 'help'];

/** Parses `ferry dev …` arguments; throws UsageError on anything it does not understand. */
export function parseDevArgs(args: readonly string[], env: NodeJS.ProcessEnv = process.env): DevArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        clusters: { type: 'string' },
        'base-port': { type: 'string' },
        'kafka-version': { type: 'string' },
        acls: { type: 'boolean', default: false },
        security: { type: 'string' },
        json: { type: 'boolean', default: false },
        s3: { type: 'boolean', default: false },
        's3-port': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help', acls: false, json: false };
  if (positionals.length === 0) throw new UsageError('missing command (up, down, stop, status or fetch)');
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  const command = positionals[0] as DevSubcommand;
  if (!SUBCOMMANDS.includes(command)) throw new UsageError(`unknown command '${positionals[0]}'`);
  const out: DevArgs = { command, acls: values.acls ?? false, json: values.json ?? false };

  if (values.clusters !== undefined) {
    if (command !== 'up') throw new UsageError(`--clusters applies to 'up' only`);
    const names = values.clusters.split(',').map((s) => s.trim()).filter(Boolean);
    if (names.length === 0) throw new UsageError('--clusters needs at least one name, e.g. --clusters source,target');
    out.clusters = names;
  }
  if (values['base-port'] !== undefined) {
    if (command !== 'up') throw new UsageError(`--base-port applies to 'up' only`);
    const raw = values['base-port'];
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 1024 || n > 65534) throw new UsageError(`--base-port must be an integer between 1024 and 65534, got '${raw}'`);
    out.basePort = n;
  }
  const version = values['kafka-version'] ?? (command === 'up' || command === 'fetch' ? ferryEnv(env).kafkaVersion : undefined);
  if (version !== undefined && version !== '') {
    if (command !== 'up' && command !== 'fetch') throw new UsageError(`--kafka-version applies to 'up' and 'fetch' only`);
    try {
      kafkaDistribution(version);
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    out.kafkaVersion = version;
  }
  if (values.s3 || values['s3-port'] !== undefined) {
    if (command !== 'up') throw new UsageError(`--s3 and --s3-port apply to 'up' only (stop, down and status include a running S3 server)`);
    out.s3 = true;
    if (values['s3-port'] !== undefined) {
      const n = Number(values['s3-port']);
      if (!/^\d+$/.test(values['s3-port']) || n < 1024 || n > 65535) throw new UsageError(`--s3-port must be an integer between 1024 and 65535, got '${values['s3-port']}'`);
      out.s3Port = n;
    }
  }
  if (values.acls && command !== 'up') throw new UsageError(`--acls applies to 'up' only`);
  if (values.security !== undefined) {
    if (command !== 'up') throw new UsageError(`--security applies to 'up' only`);
    if (values.security.trim().toLowerCase() === 'none') out.security = [];
    else {
      try {
        out.security = parseSecurityList(values.security);
      } catch (err) {
        throw new UsageError(err instanceof Error ? err.message : String(err));
      }
    }
  }
  return out;
}

/** One line per cluster, aligned. */
export function formatClusters(clusters: readonly (ClusterRecord & { state?: string })[]): string {
  const w = Math.max(4, ...clusters.map((c) => c.name.length));
  return clusters.map((c) => {
    const bits = [`  ${c.name.padEnd(w)}  ${c.bootstrap.padEnd(21)}`];
    if (c.state) bits.push(c.state.padEnd(8));
    bits.push(`kafka ${c.kafkaVersion}`);
    if (c.pid !== undefined && c.state !== 'stopped') bits.push(`pid ${c.pid}`);
    if (c.acls) bits.push('acls');
    if (c.security) bits.push(securedListenerKinds(c.security).map((l) => `${l}:${c.security!.listeners[l]}`).join(' '));
    return bits.join('  ');
  }).join('\n');
}

function jsonCluster(c: ClusterStatus | (ClusterRecord & { state?: string })) {
  return {
    name: c.name,
    bootstrap: c.bootstrap,
    state: c.state ?? 'running',
    brokerPort: c.brokerPort,
    controllerPort: c.controllerPort,
    kafkaVersion: c.kafkaVersion,
    clusterId: c.clusterId,
    pid: c.pid ?? null,
    acls: c.acls,
    secureListeners: c.security ? Object.fromEntries(securedListenerKinds(c.security).map((l) => [l, {
      bootstrap: `127.0.0.1:${c.security!.listeners[l]}`, port: c.security!.listeners[l], listenerName: LISTENER_INFO[l].name, protocol: LISTENER_INFO[l].protocol,
    }])) : null,
    dir: c.dir,
    dataDir: c.dataDir,
    logFile: c.logFile,
  };
}

/** What a secured cluster offers clients: `up` prints it, `up --json` and `status --json` return it. */
export interface SecureClusterReport {
  cluster: string;
  /** The dev CA certificate clients must trust. */
  caCertificate: string;
  /** SASL user → password (admin is the super user when --acls is on). */
  users: Record<string, string>;
  saslMechanisms: readonly string[];
  /** listener → flavour → Java client properties (SASL listeners: SCRAM-SHA-512 as alice). */
  clientProperties: SecureClientSet;
  /** listener → flavour → the same as a .properties file. */
  propertiesFiles: Partial<Record<SecureListener, Partial<Record<ClientStoreFlavour, string>>>>;
}

/** The report for a secured cluster record; undefined when it has no secured listener. */
export async function secureClusterReport(c: ClusterRecord): Promise<SecureClusterReport | undefined> {
  if (!c.security || securedListenerKinds(c.security).length === 0) return undefined;
  const pki = await ensureDevPki(c.security.pkiDir);
  // No token server outlives `ferry dev up`: OAuth clients get long-lived tokens through file:// URLs.
  const oauth = c.security.listeners.oauthbearer !== undefined ? await ensureOAuthMaterial(c.security.pkiDir, pki.users) : undefined;
  const clientProperties = allSecureClientProperties(pki, c.security, LOOPBACK, oauth ? { tokenFiles: oauth.tokenFiles } : undefined);
  const dir = join(c.dir, 'clients');
  const propertiesFiles: SecureClusterReport['propertiesFiles'] = {};
  for (const l of securedListenerKinds(c.security)) propertiesFiles[l] = Object.fromEntries(flavoursOf(l).map((f) => [f, clientPropertiesFile(dir, l, f)]));
  return { cluster: c.name, caCertificate: pki.caCert, users: { ...pki.users }, saslMechanisms: SASL_MECHANISMS, clientProperties, propertiesFiles };
}

/** Inline PEM is many lines; the human listing names it and leaves the text to the file and --json. */
function shortValue(key: string, v: string): string {
  if (!v.includes('-----BEGIN')) return v;
  return `<inline PEM, ${v.split('\n').length} lines: see the file>`;
}

/**
 * Human listing of a secured cluster's client properties: per listener the common lines once, then per store
 * flavour its file and the ssl.* lines that differ.
 */
export function formatSecureClients(r: SecureClusterReport): string {
  const out: string[] = [`${r.cluster}: users ${Object.entries(r.users).map(([u, p]) => `${u}/${p}`).join(', ')}; CA certificate ${r.caCertificate}`];
  for (const [listener, byFlavour] of Object.entries(r.clientProperties) as [SecureListener, Record<ClientStoreFlavour, Record<string, string>>][]) {
    const flavours = flavoursOf(listener);
    const first = byFlavour[flavours[0]!];
    const common = Object.keys(first).filter((k) => flavours.every((f) => byFlavour[f][k] === first[k]));
    out.push(`  ${listener} (${LISTENER_INFO[listener].protocol}):`);
    const tokenUrl = first['sasl.oauthbearer.token.endpoint.url'];
    if (tokenUrl) out.push(`    (Java clients on Kafka 4.x also need the JVM option ${oauthAllowedUrlsOption([tokenUrl])})`);
    for (const k of common) out.push(`      ${k}=${shortValue(k, first[k]!)}`);
    for (const f of flavours) {
      const rest = Object.entries(byFlavour[f]).filter(([k]) => !common.includes(k));
      const file = r.propertiesFiles[listener]?.[f];
      if (flavours.length === 1) {
        if (file) out.push(`    file: ${file}`);
        continue;
      }
      out.push(`    ${f}:${file ? ` ${file}` : ''}`);
      for (const [k, v] of rest) out.push(`      ${k}=${shortValue(k, v)}`);
    }
  }
  return out.join('\n');
}

const progress = (m: string) => console.error(m);

export async function devCommand(args: string[]): Promise<number> {
  let parsed: DevArgs;
  try {
    parsed = parseDevArgs(args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`ferry dev: ${err.message}\n\n${DEV_USAGE}`);
      return EXIT.usage;
    }
    throw err;
  }
  if (parsed.command === 'help') {
    console.log(DEV_USAGE);
    return EXIT.ok;
  }
  // kafkajs reports every connection retry as a warning; while probing a starting broker those are noise
  // (and would interleave with --json output on stdout).
  if (ferryEnv().logLevel === undefined) setLevel('kafka.client', 'ERROR');
  const devDir = defaultDevDir();
  try {
    switch (parsed.command) {
      case 'up': return await up(devDir, parsed);
      case 'status': return await status(devDir, parsed);
      case 'stop': return await stop(devDir, parsed);
      case 'down': return await down(devDir, parsed);
      case 'fetch': return await fetch(parsed);
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (parsed.json) console.log(JSON.stringify({ error: message, ...(err instanceof Error ? { type: err.name } : {}) }));
    console.error(`ferry dev ${parsed.command}: ${message}`);
    if (err instanceof MissingToolError) return EXIT.missingTool;
    if (err instanceof PortInUseError) return EXIT.portInUse;
    return EXIT.failure;
  }
}

/**
 * While `up` waits for brokers, Ctrl-C (or SIGTERM) kills the JVMs this invocation spawned, so an
 * interrupted `up` leaves nothing half-started; their records stay, and the next `up` starts them again.
 */
function killSpawnedOnInterrupt(devDir: string, since: number): () => void {
  const handler = (sig: NodeJS.Signals) => {
    try {
      for (const c of readState(devDir).clusters) {
        if (c.pid !== undefined && c.startedAt && Date.parse(c.startedAt) >= since) LocalCluster.fromRecord(c).kill();
      }
    } catch {
      // state unreadable: nothing we can safely kill
    }
    console.error(`ferry dev up: interrupted (${sig}); stopped the brokers it had started.`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}

async function up(devDir: string, a: DevArgs): Promise<number> {
  const removeHandlers = killSpawnedOnInterrupt(devDir, Date.now());
  try {
    if (a.s3) {
      const s3 = await devS3Up(devDir, a.s3Port, progress);
      if (!a.json) console.log(`Local S3 server ${s3.started ? 'started' : 'already running'}:\n${formatS3Server(s3.server)}`);
    }
    const r = await devUp({
      devDir,
      ...(a.clusters ? { clusters: a.clusters } : {}),
      ...(a.basePort !== undefined ? { basePort: a.basePort } : {}),
      ...(a.kafkaVersion ? { kafkaVersion: a.kafkaVersion } : {}),
      ...(a.acls ? { acls: true } : {}),
      ...(a.security ? { security: a.security } : {}),
      progress,
    });
    const all = [...r.alreadyRunning, ...r.started];
    const secure = await Promise.all(all.map(secureClusterReport));
    if (a.json) {
      console.log(JSON.stringify({ devDir, elapsedMs: r.elapsedMs, started: r.started.map((c) => c.name), alreadyRunning: r.alreadyRunning.map((c) => c.name),
        clusters: all.map((c, i) => ({ ...jsonCluster(c), security: secure[i] ?? null })) }));
    } else {
      console.log(`Started ${r.started.length} local Kafka cluster${r.started.length === 1 ? '' : 's'} in ${(r.elapsedMs / 1000).toFixed(1)}s:`);
      console.log(formatClusters(r.started));
      if (r.alreadyRunning.length > 0) console.log(`Already running:\n${formatClusters(r.alreadyRunning)}`);
      const reports = secure.filter((x): x is SecureClusterReport => x !== undefined);
      if (reports.length > 0) {
        console.log(`Client properties for the secured listeners (PLAINTEXT stays on the broker port; SASL listeners also take SCRAM-SHA-256 and PLAIN, and user admin):`);
        for (const rep of reports) console.log(formatSecureClients(rep));
      }
      console.log(`State: ${stateFile(devDir)}. Stop with 'ferry dev stop' (keep data) or 'ferry dev down' (delete data).`);
    }
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof AlreadyRunningError)) throw err;
    if (a.json) console.log(JSON.stringify({ error: 'already running', devDir, clusters: err.clusters.map(jsonCluster) }));
    else console.log(`Already running (nothing started):\n${formatClusters(err.clusters)}\nRun 'ferry dev down' to delete them, or 'ferry dev stop' to stop them.`);
    return EXIT.notChanged;
  } finally {
    removeHandlers();
  }
}

async function status(devDir: string, a: DevArgs): Promise<number> {
  const clusters = await devStatus(devDir);
  const allRunning = clusters.length > 0 && clusters.every((c) => c.state === 'running');
  const s3 = readS3Server(devDir);
  if (s3 && !a.json) console.log(formatS3Server(s3));
  if (a.json) {
    const secure = await Promise.all(clusters.map(secureClusterReport));
    console.log(JSON.stringify({ devDir, clusters: clusters.map((c, i) => ({ ...jsonCluster(c), listening: c.listening, security: secure[i] ?? null })) }));
  } else if (clusters.length === 0) {
    console.log(`No local clusters in ${devDir}. Start them with 'ferry dev up'.`);
  } else {
    console.log(formatClusters(clusters));
    for (const c of clusters) {
      if (c.state === 'dead') console.log(`  ${c.name}: process ${c.pid} is gone; see ${c.logFile}. 'ferry dev up' restarts it on its data.`);
      else if (c.state === 'running' && !c.listening) console.log(`  ${c.name}: process runs but ${c.bootstrap} does not accept connections; see ${c.logFile}.`);
      if (c.security) console.log(`  ${c.name}: client .properties for its secured listeners in ${join(c.dir, 'clients')}`);
    }
  }
  return allRunning ? EXIT.ok : EXIT.notChanged;
}

async function stop(devDir: string, a: DevArgs): Promise<number> {
  const stopped = await devStop(devDir, { progress });
  if (await devS3Stop(devDir, false)) progress('Stopped the local S3 server (data kept).');
  if (a.json) console.log(JSON.stringify({ devDir, stopped: stopped.map((c) => c.name) }));
  else console.log(stopped.length === 0 ? 'No running local clusters.' : `Stopped ${stopped.map((c) => c.name).join(', ')} (data kept; 'ferry dev up' restarts them).`);
  return EXIT.ok;
}

async function down(devDir: string, a: DevArgs): Promise<number> {
  const removed = await devDown(devDir, { progress });
  if (readS3Server(devDir)) { await devS3Stop(devDir, true); progress('Stopped the local S3 server and deleted its data.'); }
  if (a.json) console.log(JSON.stringify({ devDir, removed: removed.map((c) => c.name) }));
  else console.log(removed.length === 0 ? `No local clusters in ${devDir}.` : `Stopped and deleted ${removed.map((c) => c.name).join(', ')}.`);
  return EXIT.ok;
}

async function fetch(a: DevArgs): Promise<number> {
  const version = a.kafkaVersion ?? DEFAULT_KAFKA_VERSION;
  const began = Date.now();
  const lib = await ensureKafkaJars(version, { log: progress });
  if (a.json) console.log(JSON.stringify({ kafkaVersion: version, libDir: lib, elapsedMs: Date.now() - began }));
  else console.log(`Kafka ${version} jars: ${lib}`);
  return EXIT.ok;
}
