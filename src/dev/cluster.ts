// One local single-node KRaft cluster (combined broker + controller) run from the Maven-fetched jars:
// server.properties → `kafka.tools.StorageTool format` → `java kafka.Kafka`, detached so it outlives the
// process that started it (`ferry dev up` returns while the broker keeps running).
// A LocalCluster can also be one node of a multi-broker cluster (`quorum`): every node is a combined
// broker + controller, the nodes form a static quorum, and internal topics are replicated across them.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeProperties } from '../config/properties.js';
import { withClusterAdmin } from '../kafka/cluster-admin.js';
import { logger } from '../observability/logger.js';
import { ensureKafkaJars, kafkaDistribution, projectFile, requireJava, type KafkaDistribution } from './jars.js';
import { canConnect } from './net.js';
import { ensureOAuthMaterial, type OAuthMaterial } from './oauth.js';
import { ensureBrokerStores, ensureDevPki, type BrokerStores, type DevPki } from './pki.js';
import { LOOPBACK, firstTakenPort } from './ports.js';
import { isAlive, lastLines, processMatches, signal, sleep, tailFile, terminate } from './process.js';
import {
  allSecureClientProperties, hasSasl, oauthAllowedUrlsOption, scramFormatArgs, secureBrokerProperties, secureListenerEntries, securedListenerKinds,
  writeClientPropertyFiles, type ClusterSecurity, type OAuthClientContext, type SecureClientSet,
} from './security.js';

const log = logger('dev.cluster');

/** What a cluster is; enough to find, stop or restart it from another process (stored in the dev state file). */
export interface ClusterRecord {
  name: string;
  /** host:port of the PLAINTEXT listener. */
  bootstrap: string;
  brokerPort: number;
  controllerPort: number;
  kafkaVersion: string;
  clusterId: string;
  /** Working directory: server.properties, data/, logs/. */
  dir: string;
  dataDir: string;
  /** The broker's log4j log. */
  logFile: string;
  acls: boolean;
  brokerProperties?: Record<string, string>;
  /** Secured listeners (SASL_SSL, mutual TLS, …) and where their certificates live; absent: PLAINTEXT only. */
  security?: ClusterSecurity;
  /** pid of the running broker JVM, if started. */
  pid?: number;
  startedAt?: string;
  /** Set when this is one node of a multi-broker cluster. */
  quorum?: QuorumMembership;
}

/** One node's place in a multi-broker cluster: every node is a combined broker + controller (static voters). */
export interface QuorumMembership {
  nodeId: number;
  /** Every node of the cluster (this one included): node id → controller port on 127.0.0.1. */
  voters: readonly { nodeId: number; controllerPort: number }[];
}

export interface LocalClusterOptions {
  name: string;
  /** Working directory for this cluster (created). */
  dir: string;
  brokerPort: number;
  controllerPort: number;
  kafkaVersion: string;
  /** Install StandardAuthorizer with User:ANONYMOUS as super user, so ACL RPCs work over PLAINTEXT. */
  acls?: boolean;
  /** Extra or overriding broker properties. */
  brokerProperties?: Record<string, string>;
  /** Secured listeners besides PLAINTEXT (src/dev/security.ts). */
  security?: ClusterSecurity;
  /** One node of a multi-broker cluster (all nodes share clusterId); absent: a single-node cluster. */
  quorum?: QuorumMembership;
  clusterId?: string;
  /** Tests only: -XX:TieredStopAtLevel=1 starts the JVM faster but runs it slower. Never for benchmarks. */
  fastStartup?: boolean;
  /** Extra JVM options, appended after Ferry's. */
  jvmOptions?: string[];
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  /** Jar cache root (default: $FERRY_CACHE_DIR or ~/.cache/ferry). */
  cacheDir?: string;
  /** Progress messages for humans. */
  progress?: (message: string) => void;
  /** Called as soon as the broker JVM has a pid (before it is ready), e.g. to record it in the state file. */
  onSpawned?: (cluster: LocalCluster) => void;
}

export class PortInUseError extends Error {
  constructor(readonly cluster: string, readonly port: number, readonly role: string) {
    super(`Cannot start cluster '${cluster}': ${role} port ${port} on ${LOOPBACK} is already in use (another Kafka, or a running 'ferry dev' cluster?). Stop that process or choose other ports (ferry dev up --base-port N).`);
    this.name = 'PortInUseError';
  }
}

export class ClusterStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterStartError';
  }
}

/** A Kafka cluster id: 16 random bytes, URL-safe base64 without padding, never starting with '-' (CLI-safe). */
export function generateClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Renders server.properties for a single combined-mode node tuned for a small (2-core) host. */
export function renderServerProperties(opts: {
  brokerPort: number;
  controllerPort: number;
  dataDir: string;
  kafkaVersion: string;
  acls?: boolean;
  brokerProperties?: Record<string, string>;
  host?: string;
  /** Secured listeners, with the broker stores and SASL users they need. */
  security?: { config: ClusterSecurity; stores: BrokerStores; users: Readonly<Record<string, string>>; jwksUrl?: string };
  /** One node of a multi-broker cluster; absent: node 1 of a single-node cluster. */
  quorum?: QuorumMembership;
}): string {
  const dist = kafkaDistribution(opts.kafkaVersion);
  const host = opts.host ?? LOOPBACK;
  const secure = opts.security ? secureListenerEntries(opts.security.config, host) : { listeners: [], protocolMap: [] };
  const voters = opts.quorum?.voters ?? [{ nodeId: 1, controllerPort: opts.controllerPort }];
  // Internal topics survive one broker being down only when replicated; 3 is Kafka's production default.
  const rf = String(Math.min(3, voters.length));
  const minIsr = voters.length > 1 ? '2' : '1';
  const props = new Map<string, string>([
    ['process.roles', 'broker,controller'],
    ['node.id', String(opts.quorum?.nodeId ?? 1)],
    // Static voters: identical on 3.9 and 4.x, and formatting needs no --standalone.
    ['controller.quorum.voters', voters.map((v) => `${v.nodeId}@${host}:${v.controllerPort}`).join(',')],
    ['listeners', [`PLAINTEXT://${host}:${opts.brokerPort}`, `CONTROLLER://${host}:${opts.controllerPort}`, ...secure.listeners].join(',')],
    ['advertised.listeners', [`PLAINTEXT://${host}:${opts.brokerPort}`, ...secure.listeners].join(',')],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['controller.listener.names', 'CONTROLLER'],
    ['listener.security.protocol.map', ['CONTROLLER:PLAINTEXT', 'PLAINTEXT:PLAINTEXT', ...secure.protocolMap].join(',')],
    ['log.dirs', opts.dataDir],
    ['num.partitions', '1'],
    ['default.replication.factor', rf],
    ['min.insync.replicas', '1'],
    ['offsets.topic.replication.factor', rf],
    // Defaults are 50 partitions each; 5 makes the first group join and transaction much faster.
    ['offsets.topic.num.partitions', '5'],
    ['transaction.state.log.replication.factor', rf],
    ['transaction.state.log.min.isr', minIsr],
    ['transaction.state.log.num.partitions', '5'],
    ['group.initial.rebalance.delay.ms', '0'],
    // After a crash (kill -9) the restarted node is refused as a duplicate registration until the old
    // session expires: 9 s by default, ~4 s with these.
    ['broker.heartbeat.interval.ms', '1000'],
    ['broker.session.timeout.ms', '4500'],
    ['auto.create.topics.enable', 'true'],
    // Small-host tuning: two brokers, a Connect runtime and tests share 2 cores.
    ['num.network.threads', '2'],
    ['num.io.threads', '2'],
    ['background.threads', '2'],
    ['num.recovery.threads.per.data.dir', '1'],
    ['num.replica.fetchers', '1'],
    // The default 128 MiB dedupe buffer is heap-allocated at start.
    ['log.cleaner.dedupe.buffer.size', '16777216'],
    ['log.cleaner.threads', '1'],
  ]);
  if (dist.major >= 4) {
    props.set('share.coordinator.state.topic.replication.factor', rf);
    props.set('share.coordinator.state.topic.min.isr', minIsr);
    props.set('share.coordinator.state.topic.num.partitions', '5');
  }
  if (opts.acls) {
    // StandardAuthorizer is the KRaft authorizer; over PLAINTEXT every client is User:ANONYMOUS.
    props.set('authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    props.set('super.users', 'User:ANONYMOUS');
  }
  if (opts.security) {
    const { config, stores, users, jwksUrl } = opts.security;
    for (const [k, v] of secureBrokerProperties(config, stores, users, { acls: opts.acls ?? false, ...(jwksUrl ? { jwksUrl } : {}) })) props.set(k, v);
  }
  for (const [k, v] of Object.entries(opts.brokerProperties ?? {})) props.set(k, v);
  return writeProperties(props, 'Written by ferry dev (src/dev/cluster.ts); rewritten on every start.');
}

/** JVM flags for one broker on a small host. */
export function brokerJvmOptions(opts: { fastStartup?: boolean; extra?: string[] } = {}): string[] {
  const flags = ['-Xms256m', '-Xmx512m', '-XX:MaxDirectMemorySize=256m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent', '-Djava.awt.headless=true', '-XX:+ExitOnOutOfMemoryError'];
  if (opts.fastStartup) flags.push('-XX:TieredStopAtLevel=1');
  return [...flags, ...(opts.extra ?? [])];
}

/** System properties that point Kafka's logging at a per-cluster file (kafka/log4j2.properties or log4j.properties). */
export function loggingOptions(dist: KafkaDistribution, logFile: string, logsDir: string): string[] {
  const common = [`-Dferry.kafka.log.file=${logFile}`, `-Dkafka.logs.dir=${logsDir}`];
  if (dist.logging === 'log4j2') return [`-Dlog4j2.configurationFile=${projectFile('kafka/log4j2.properties')}`, ...common];
  return [`-Dlog4j.configuration=file:${projectFile('kafka/log4j.properties')}`, ...common];
}

interface SecureMaterial {
  config: ClusterSecurity;
  pki: DevPki;
  stores: BrokerStores;
  oauth?: OAuthMaterial;
}

/** OAuth clients of client property files: the long-lived token files (no token server outlives `ferry dev up`). */
function fileTokens(m: SecureMaterial): OAuthClientContext | undefined {
  return m.oauth ? { tokenFiles: m.oauth.tokenFiles } : undefined;
}

export class LocalCluster {
  readonly name: string;
  readonly dir: string;
  readonly brokerPort: number;
  readonly controllerPort: number;
  readonly kafkaVersion: string;
  readonly clusterId: string;
  readonly acls: boolean;
  readonly security: ClusterSecurity | undefined;
  /** This node's id: 1 in a single-node cluster. */
  readonly nodeId: number;
  readonly quorum: QuorumMembership | undefined;
  private readonly opts: LocalClusterOptions;
  private currentPid: number | undefined;
  private startedAt: string | undefined;
  /** Exit of the JVM this process spawned last (per spawn: a previous JVM's late 'exit' event must not count). */
  private spawned: { pid: number | undefined; exit?: { code: number | null; signal: NodeJS.Signals | null } } | undefined;

  constructor(opts: LocalClusterOptions) {
    kafkaDistribution(opts.kafkaVersion); // validate early
    this.opts = opts;
    this.name = opts.name;
    this.dir = opts.dir;
    this.brokerPort = opts.brokerPort;
    this.controllerPort = opts.controllerPort;
    this.kafkaVersion = opts.kafkaVersion;
    this.clusterId = opts.clusterId ?? generateClusterId();
    this.acls = opts.acls ?? false;
    this.security = opts.security;
    this.quorum = opts.quorum;
    this.nodeId = opts.quorum?.nodeId ?? 1;
    if (opts.quorum && !opts.quorum.voters.some((v) => v.nodeId === this.nodeId && v.controllerPort === opts.controllerPort)) {
      throw new Error(`Cluster node '${opts.name}': node ${this.nodeId} on controller port ${opts.controllerPort} is not among its voters.`);
    }
  }

  /** Rebuilds a cluster handle from a state-file record (possibly written by another process). */
  static fromRecord(rec: ClusterRecord, extra: Partial<LocalClusterOptions> = {}): LocalCluster {
    const c = new LocalCluster({
      ...extra,
      name: rec.name,
      dir: rec.dir,
      brokerPort: rec.brokerPort,
      controllerPort: rec.controllerPort,
      kafkaVersion: rec.kafkaVersion,
      clusterId: rec.clusterId,
      acls: rec.acls,
      ...(rec.brokerProperties ? { brokerProperties: rec.brokerProperties } : {}),
      ...(rec.security ? { security: rec.security } : {}),
      ...(rec.quorum ? { quorum: rec.quorum } : {}),
    });
    c.currentPid = rec.pid;
    c.startedAt = rec.startedAt;
    return c;
  }

  get bootstrap(): string {
    return `${LOOPBACK}:${this.brokerPort}`;
  }
  get dataDir(): string {
    return join(this.dir, 'data');
  }
  get logsDir(): string {
    return join(this.dir, 'logs');
  }
  /** The broker's log4j log. */
  get logFile(): string {
    return join(this.logsDir, 'server.log');
  }
  /** JVM stdout/stderr (errors before logging is up, e.g. a bad classpath). */
  get stdoutFile(): string {
    return join(this.logsDir, 'stdout.log');
  }
  get propertiesFile(): string {
    return join(this.dir, 'server.properties');
  }
  get pid(): number | undefined {
    return this.currentPid;
  }

  /** Command-line fragments that identify this cluster's JVM (guards against pid reuse). */
  private markers(): string[] {
    return ['kafka.Kafka', this.propertiesFile];
  }

  /** True when the recorded broker process is alive and is really this cluster's JVM. */
  isRunning(): boolean {
    return this.currentPid !== undefined && processMatches(this.currentPid, this.markers());
  }

  record(): ClusterRecord {
    return {
      name: this.name,
      bootstrap: this.bootstrap,
      brokerPort: this.brokerPort,
      controllerPort: this.controllerPort,
      kafkaVersion: this.kafkaVersion,
      clusterId: this.clusterId,
      dir: this.dir,
      dataDir: this.dataDir,
      logFile: this.logFile,
      acls: this.acls,
      ...(this.opts.brokerProperties ? { brokerProperties: this.opts.brokerProperties } : {}),
      ...(this.security ? { security: this.security } : {}),
      ...(this.quorum ? { quorum: this.quorum } : {}),
      ...(this.currentPid !== undefined ? { pid: this.currentPid } : {}),
      ...(this.startedAt ? { startedAt: this.startedAt } : {}),
    };
  }

  /**
   * Formats the data dir if new, starts the broker JVM detached and waits until it answers a metadata request.
   * An existing data dir is kept (restart). On failure the JVM is killed and the error quotes the broker log.
   */
  async start(): Promise<void> {
    if (this.isRunning()) throw new ClusterStartError(`Cluster '${this.name}' is already running (pid ${this.currentPid}, ${this.bootstrap}).`);
    const dist = kafkaDistribution(this.kafkaVersion);
    const java = requireJava(dist);
    for (const [port, role] of [[this.brokerPort, 'broker'], [this.controllerPort, 'controller']] as const) {
      if ((await firstTakenPort([port])) !== undefined) throw new PortInUseError(this.name, port, role);
    }
    const libDir = await ensureKafkaJars(this.kafkaVersion, { ...(this.opts.cacheDir ? { cacheDir: this.opts.cacheDir } : {}), ...(this.opts.progress ? { log: this.opts.progress } : {}) });
    for (const [kind, port] of Object.entries(this.security?.listeners ?? {})) {
      if ((await firstTakenPort([port])) !== undefined) throw new PortInUseError(this.name, port, kind);
    }
    mkdirSync(this.logsDir, { recursive: true });
    const secured = await this.secureMaterial();
    writeFileSync(this.propertiesFile, renderServerProperties({
      brokerPort: this.brokerPort, controllerPort: this.controllerPort, dataDir: this.dataDir, kafkaVersion: this.kafkaVersion,
      acls: this.acls, ...(this.opts.brokerProperties ? { brokerProperties: this.opts.brokerProperties } : {}),
      ...(secured ? { security: { config: secured.config, stores: secured.stores, users: secured.pki.users, ...(secured.oauth ? { jwksUrl: secured.oauth.jwksUrl } : {}) } } : {}),
      ...(this.quorum ? { quorum: this.quorum } : {}),
    }), { mode: 0o600 });
    const classpath = join(libDir, '*');
    const logging = loggingOptions(dist, this.logFile, this.logsDir);
    const began = Date.now();
    if (!existsSync(join(this.dataDir, 'meta.properties'))) {
      await this.format(java, classpath, logging, hasSasl(this.security) && secured ? scramFormatArgs(secured.pki.users) : []);
    }
    const formatted = Date.now();

    const out = openSync(this.stdoutFile, 'a');
    let pid: number | undefined;
    try {
      // Kafka 4.x opens no OAuth URL that this property does not list (3.9 ignores it).
      const oauthJvm = secured?.oauth ? [oauthAllowedUrlsOption([secured.oauth.jwksUrl])] : [];
      const args = [...brokerJvmOptions({ fastStartup: this.opts.fastStartup ?? false, extra: [...oauthJvm, ...(this.opts.jvmOptions ?? [])] }), ...logging,
        `-Dferry.cluster=${this.name}`, '-cp', classpath, 'kafka.Kafka', this.propertiesFile];
      // detached: own process group, so a terminal's Ctrl-C reaches only the CLI, which then stops brokers itself.
      const child = spawn(java, args, { cwd: this.dir, detached: true, stdio: ['ignore', out, out] });
      const run: NonNullable<LocalCluster['spawned']> = { pid: child.pid };
      this.spawned = run;
      child.once('exit', (code, sig) => { run.exit = { code, signal: sig }; });
      child.once('error', () => { run.exit = { code: -1, signal: null }; });
      child.unref();
      pid = child.pid;
    } finally {
      closeSync(out);
    }
    if (pid === undefined) throw new ClusterStartError(`Cannot launch ${java} for cluster '${this.name}'.\n${tailFile(this.stdoutFile, 10)}`);
    this.currentPid = pid;
    this.startedAt = new Date().toISOString();
    this.opts.onSpawned?.(this);
    try {
      await this.waitReady(this.opts.startTimeoutMs ?? 90_000);
    } catch (err) {
      this.kill();
      throw err;
    }
    if (secured) writeClientPropertyFiles(this.clientPropertiesDir, allSecureClientProperties(secured.pki, secured.config, LOOPBACK, fileTokens(secured)), this.name);
    log.debug({ cluster: this.name, pid, formatMs: formatted - began, startMs: Date.now() - formatted }, 'local cluster started');
  }

  /** The dev PKI and this cluster's broker stores (made on first start, then reused); undefined when not secured. */
  private async secureMaterial(): Promise<SecureMaterial | undefined> {
    const config = this.security;
    if (!config || securedListenerKinds(config).length === 0) return undefined;
    const pki = await ensureDevPki(config.pkiDir);
    const stores = await ensureBrokerStores(pki, config.storesDir, this.name);
    const oauth = config.listeners.oauthbearer !== undefined ? await ensureOAuthMaterial(config.pkiDir, pki.users) : undefined;
    return { config, pki, stores, ...(oauth ? { oauth } : {}) };
  }

  /** Where `start` writes ready-to-use client .properties files for the secured listeners. */
  get clientPropertiesDir(): string {
    return join(this.dir, 'clients');
  }

  /** Client properties for every secured listener and store flavour (empty when not secured). */
  async secureClientProperties(): Promise<SecureClientSet> {
    const m = await this.secureMaterial();
    return m ? allSecureClientProperties(m.pki, m.config, LOOPBACK, fileTokens(m)) : {};
  }

  private async format(java: string, classpath: string, logging: string[], extra: string[]): Promise<void> {
    // A short-lived tool: C1 only and serial GC start fastest.
    const args = ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Djava.awt.headless=true', ...logging, '-cp', classpath,
      'kafka.tools.StorageTool', 'format', '-t', this.clusterId, '-c', this.propertiesFile, '--ignore-formatted', ...extra];
    const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(java, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (c: Buffer) => { text += c.toString('utf8'); });
      child.stderr.on('data', (c: Buffer) => { text += c.toString('utf8'); });
      child.on('error', (err) => resolve({ code: -1, text: `${text}${err.message}` }));
      child.on('close', (code) => resolve({ code, text }));
    });
    if (output.code !== 0) {
      throw new ClusterStartError(`Formatting the storage of cluster '${this.name}' failed (exit ${output.code}): java … kafka.tools.StorageTool format -t ${this.clusterId} -c ${this.propertiesFile}\n${lastLines(output.text, 20)}\n${tailFile(this.logFile, 10)}`);
    }
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError = 'no answer yet';
    while (Date.now() < deadline) {
      const exit = this.spawned?.pid === this.currentPid ? this.spawned?.exit : undefined;
      if (exit || (this.currentPid !== undefined && !isAlive(this.currentPid))) {
        const how = exit ? (exit.signal ?? `exit code ${exit.code}`) : 'exited';
        throw new ClusterStartError(`Kafka broker for cluster '${this.name}' (${this.bootstrap}) died during startup (${how}).\n${this.logExcerpt()}`);
      }
      if (await canConnect(this.brokerPort)) {
        try {
          // This node must be listed: in a multi-broker cluster its port may answer with the others only.
          const ids = await describeBrokerIds(this.bootstrap);
          if (ids.includes(this.nodeId)) return;
          lastError = ids.length === 0 ? 'metadata lists no brokers' : `metadata lists brokers ${ids.join(',')} but not node ${this.nodeId}`;
        } catch (err) {
          lastError = err instanceof Error ? err.message : String(err);
        }
      }
      await sleep(200);
    }
    throw new ClusterStartError(`Kafka broker for cluster '${this.name}' (${this.bootstrap}) did not answer a metadata request within ${Math.round(timeoutMs / 1000)}s (last: ${lastError}).\n${this.logExcerpt()}`);
  }

  /** The last lines of the broker log and JVM output, for error messages. */
  logExcerpt(lines = 30): string {
    const parts: string[] = [];
    const logTail = tailFile(this.logFile, lines);
    if (logTail) parts.push(`--- last lines of ${this.logFile} ---\n${logTail}`);
    const outTail = tailFile(this.stdoutFile, 15);
    if (outTail) parts.push(`--- last lines of ${this.stdoutFile} ---\n${outTail}`);
    return parts.join('\n') || `(no broker output in ${this.logsDir})`;
  }

  /** SIGTERM (controlled shutdown), then SIGKILL after the timeout. Data is kept. */
  async stop(timeoutMs = this.opts.stopTimeoutMs ?? 30_000): Promise<void> {
    const pid = this.currentPid;
    if (pid !== undefined && processMatches(pid, this.markers())) {
      const how = await terminate(pid, timeoutMs);
      log.debug({ cluster: this.name, pid, how }, 'local cluster stopped');
    }
    this.currentPid = undefined;
    this.startedAt = undefined;
  }

  /** SIGKILL now, synchronously (exit handlers, simulated crashes). Data is kept. */
  kill(): void {
    const pid = this.currentPid;
    if (pid !== undefined && processMatches(pid, this.markers())) signal(pid, 'SIGKILL');
  }

  /** Stops the broker and deletes the cluster's directory (data, logs, properties). */
  async destroy(timeoutMs?: number): Promise<void> {
    await this.stop(timeoutMs);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Number of brokers a metadata request reports; throws when the broker does not answer. */
export async function describeBrokers(bootstrap: string): Promise<number> {
  return (await describeBrokerIds(bootstrap)).length;
}

/** Node ids of the brokers a metadata request reports, ascending; throws when the broker does not answer. */
export async function describeBrokerIds(bootstrap: string): Promise<number[]> {
  const props = { 'bootstrap.servers': bootstrap, 'client.id': 'ferry-dev-probe', 'retries.kafkajs': '0', 'request.timeout.ms': '5000', 'socket.connection.setup.timeout.ms': '2000' };
  return withClusterAdmin(props, (admin) => admin.brokerIds());
}
