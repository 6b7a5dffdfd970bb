// Dedicated MirrorMaker mode: `connect-mirror-maker mm2.properties [--clusters A B …]`. Like MM2, one Connect
// herder per ordered cluster pair (replication or heartbeats), each a distributed worker whose group and
// internal topics are MM2's (group `<source>-mm2`, mm2-configs|offsets|status.<source>.internal on the
// target). A Ferry deployment can therefore take over from Apache MM2 with the same mm2.properties and
// continue from the offsets MM2 stored; several Ferry nodes with the same file share the work.
import { parseMm2Properties, type Mm2Config, type Mm2Flow } from '../connectors/mirror/mm2-properties.js';
import { readPropertiesFile } from '../config/properties.js';
import { startDistributed, type DistributedHandle } from '../connect/herder/distributed-main.js';
import { logger } from '../observability/logger.js';
import { validateClientSecurity } from '../kafka/security.js';
import { ConfigError } from '../connect/api/errors.js';
import { createProcessRestServer, type RestServer, type RestServerOptions } from '../connect/rest/server.js';
import { restAuthenticatorFor } from '../connect/rest/auth.js';
import { splitList } from '../connect/rest/guards.js';
import { parseListeners } from '../connect/rest/listeners.js';
import { httpsServerOptions } from '../connect/rest/tls.js';
import { resolveOwnReferences } from '../config/config-providers.js';
import { registry as metricsRegistry } from '../observability/metrics.js';

const log = logger('mirror.dedicated');

/** Ferry's defaults for each flow's worker where MM2's would be slow or heavy on a small machine. */
const FLOW_WORKER_DEFAULTS: Record<string, string> = {
  // MM2 inherits Connect's 60 s; a shorter flush bounds re-sent records after a crash.
  'offset.flush.interval.ms': '5000',
  'listeners': 'http://127.0.0.1:0',
  'rest.advertised.host.name': '127.0.0.1',
  'session.timeout.ms': '10000',
  'heartbeat.interval.ms': '3000',
  'scheduled.rebalance.max.delay.ms': '10000',
};

export interface FlowHandle { flow: Mm2Flow; worker: DistributedHandle }

export interface MirrorMakerHandle {
  config: Mm2Config;
  flows: FlowHandle[];
  /**
   * The process's REST listener (`dedicated.mode.enable.internal.rest = true`, on `listeners`): GET /metrics,
   * /health/live, /health/ready and /ui for every flow of this process. Null when not enabled.
   */
  restUrl: string | null;
  stop(): Promise<void>;
}

// The top-level properties each config was read from: the process listener's settings live there.
const topLevelProps = new WeakMap<Mm2Config, Readonly<Record<string, string>>>();

export function readMm2Config(file: string, clusters?: string[]): Mm2Config {
  const props = readPropertiesFile(file);
  const config = parseMm2Properties(props, clusters && clusters.length > 0 ? { clusters } : {});
  topLevelProps.set(config, props);
  return config;
}

export const INTERNAL_REST_ENABLE = 'dedicated.mode.enable.internal.rest';
/** Ferry's default for the process listener: loopback only, MM2's port (MM2 binds every interface: http://:8083). */
export const DEFAULT_PROCESS_LISTENERS = 'http://localhost:8083';

/**
 * The process listener's REST settings from mm2.properties' top level, read as MM2 (KIP-710) reads them:
 * `dedicated.mode.enable.internal.rest`, `listeners`, `listeners.https.ssl.*` (or `ssl.*`),
 * `rest.extension.classes`, `access.control.allow.{origin,methods}`, `rest.advertised.host.name`. Null when the
 * listener is not enabled; REST keys set without enabling it are an error rather than silently unused.
 */
export function processRestOptions(raw: Readonly<Record<string, string>>, env: Readonly<Record<string, string | undefined>> = process.env): RestServerOptions | null {
  const props = resolveOwnReferences(raw).resolved;
  const enabled = (props[INTERNAL_REST_ENABLE] ?? 'false').trim().toLowerCase();
  if (enabled !== 'true' && enabled !== 'false') {
    const msg = `Expected true or false, got '${props[INTERNAL_REST_ENABLE]}'`;
    throw new ConfigError(`Invalid value ${props[INTERNAL_REST_ENABLE]} for configuration ${INTERNAL_REST_ENABLE}: ${msg}`, { [INTERNAL_REST_ENABLE]: [msg] });
  }
  const restKeys = Object.keys(props).filter((k) => k === 'listeners' || k.startsWith('listeners.https.') || k === 'rest.extension.classes' || k.startsWith('access.control.'));
  if (enabled === 'false') {
    if (restKeys.length > 0) {
      const msg = `${restKeys.join(', ')} only apply with ${INTERNAL_REST_ENABLE}=true (the process's REST listener: /metrics, /health/live, /health/ready, /ui)`;
      throw new ConfigError(msg, Object.fromEntries(restKeys.map((k) => [k, [msg]])));
    }
    return null;
  }
  const listeners = props['listeners'] ?? DEFAULT_PROCESS_LISTENERS;
  const anyHttps = parseListeners(listeners, 'listeners').some((l) => l.protocol === 'https');
  const advertisedHost = props['rest.advertised.host.name'];
  return {
    listeners,
    authenticator: restAuthenticatorFor(splitList(props['rest.extension.classes']), env),
    accessControlAllowOrigin: props['access.control.allow.origin'] ?? '',
    accessControlAllowMethods: props['access.control.allow.methods'] ?? '',
    ...(anyHttps ? { https: httpsServerOptions(props) } : {}),
    ...(advertisedHost ? { extraHostNames: [advertisedHost] } : {}),
  };
}

/** The worker properties Ferry runs a flow's herder with. */
export function flowWorkerProps(flow: Mm2Flow, overrides: Record<string, string> = {}, nodeAddress?: FlowAddress): Record<string, string> {
  const props = { ...FLOW_WORKER_DEFAULTS, ...flow.worker, ...overrides };
  // The flow's internal listener (task configs and zombie fencing between nodes) on the node's own address, unless
  // the flow's worker settings (`<target>.listeners`, `<target>.rest.advertised.host.name`) say otherwise.
  if (nodeAddress) {
    if (flow.worker['listeners'] === undefined && overrides['listeners'] === undefined) props['listeners'] = `http://${nodeAddress.bind}:0`;
    if (flow.worker['rest.advertised.host.name'] === undefined && overrides['rest.advertised.host.name'] === undefined) props['rest.advertised.host.name'] = nodeAddress.advertised;
  }
  return props;
}

/** Where a node's flows listen for each other's internal requests, and the host the other nodes reach them at. */
export interface FlowAddress { bind: string; advertised: string }

/**
 * Multi-host dedicated mode: with `dedicated.mode.enable.internal.rest = true`, every flow's internal listener binds
 * the host of the process listener (`listeners`) and advertises `rest.advertised.host.name`, else that host, so
 * that nodes on other hosts reach it (MM2 reads the same keys, KIP-710). A listener bound to every interface needs
 * `rest.advertised.host.name`: no address reachable by the other nodes can be guessed. Without the process
 * listener, flows stay on loopback (nodes on one host only), as before.
 */
export function flowAddress(raw: Readonly<Record<string, string>>, restEnabled: boolean): FlowAddress | undefined {
  if (!restEnabled) return undefined;
  const props = resolveOwnReferences(raw).resolved;
  const first = parseListeners(props['listeners'] ?? DEFAULT_PROCESS_LISTENERS, 'listeners')[0]!;
  const host = first.host === 'localhost' ? '127.0.0.1' : first.host;
  const advertised = props['rest.advertised.host.name']?.trim() || '';
  const wildcard = host === '' || host === '0.0.0.0' || host === '::';
  if (wildcard && advertised === '') {
    const msg = `the process listener ${first.raw} binds every interface, so the address other nodes reach this node's flows at must be given as rest.advertised.host.name`;
    throw new ConfigError(`Missing rest.advertised.host.name: ${msg}`, { 'rest.advertised.host.name': [msg] });
  }
  return { bind: wildcard ? (host === '::' ? '::' : '0.0.0.0') : host, advertised: advertised || host };
}

/** Writes the flow's connector configs when this node leads the flow's group (MM2 does the same). */
async function configureConnectors(flow: Mm2Flow, worker: DistributedHandle): Promise<boolean> {
  const herder = worker.herder;
  if (!herder.isLeader()) return false;
  // As written: `${provider:…}` references stay in the config topic; the flow's worker resolves them.
  for (const [name, config] of Object.entries(flow.storedConnectors)) {
    const existing = await herder.connectorConfig(name).catch(() => null);
    if (existing && JSON.stringify(existing) === JSON.stringify({ ...config, name })) continue;
    await herder.putConnectorConfig(name, config, { allowReplace: true });
    log.info({ flow: `${flow.source}->${flow.target}`, connector: name }, existing ? 'connector reconfigured' : 'connector configured');
  }
  return true;
}

/** Every cluster's client settings, as each client kind sees them, must be ones Ferry can honour: checked at start. */
export function validateClusterSecurity(config: Mm2Config): void {
  for (const alias of config.clusters) {
    const props = config.clusterProps(alias);
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(props)) if (!/^(producer|consumer|admin)\./.test(k)) base[k] = v;
    validateClientSecurity(base, `mm2.properties cluster ${alias} (${alias}.*)`);
    for (const kind of ['producer', 'consumer', 'admin'] as const) {
      const own: Record<string, string> = { ...base };
      for (const [k, v] of Object.entries(props)) if (k.startsWith(`${kind}.`)) own[k.slice(kind.length + 1)] = v;
      validateClientSecurity(own, `mm2.properties cluster ${alias} ${kind} clients (${alias}.${kind}.*)`, kind);
    }
  }
}

export interface StartMirrorMakerOptions {
  workerOverrides?: Record<string, string>;
  /** mm2.properties' top level (default: what readMm2Config read for this config). */
  topLevelProps?: Readonly<Record<string, string>>;
  /** Where KAFKA_OPTS (the JAAS file of basic authentication) is read; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export async function startMirrorMaker(config: Mm2Config, opts: StartMirrorMakerOptions = {}): Promise<MirrorMakerHandle> {
  validateClusterSecurity(config);
  const top = opts.topLevelProps ?? topLevelProps.get(config) ?? {};
  const restOptions = processRestOptions(top, opts.env ?? process.env);
  const nodeAddress = flowAddress(top, restOptions !== null);
  const flows: FlowHandle[] = [];
  const timers: NodeJS.Timeout[] = [];
  let rest: RestServer | null = null;
  const stopAll = async () => {
    for (const t of timers) clearInterval(t);
    await Promise.all(flows.map((f) => f.worker.stop().catch((e: Error) => log.warn({ err: e.message }, 'flow stop failed'))));
    await rest?.stop();
  };
  let restUrl: string | null = null;
  try {
    // One listener for the process, opened first so that probes see the flows start (ready once all joined).
    if (restOptions) {
      rest = createProcessRestServer({ ...restOptions, metricsRegistry, workers: () => flows.map((f) => ({
        name: `${f.flow.source}->${f.flow.target}`, herder: f.worker.herder, expectedConnectors: Object.keys(f.flow.storedConnectors),
      })) });
      restUrl = (await rest.start()).url;
      log.info({ url: restUrl }, 'process REST listener started (/metrics, /health/live, /health/ready, /ui)');
    }
    // Sequential start keeps two JVM-free but CPU-hungry joins from contending on a small machine.
    for (const flow of config.flows) {
      // With the process listener, it is the one scrape endpoint: the flows' internal listeners serve no /metrics.
      const worker = await startDistributed(flowWorkerProps(flow, opts.workerOverrides, nodeAddress), { serveMetrics: restOptions === null });
      const handle = { flow, worker };
      flows.push(handle);
      let configured = await configureConnectors(flow, worker);
      // Leadership can move (another node joins or leaves); whoever leads keeps the configs current.
      const t = setInterval(() => {
        void configureConnectors(flow, worker).then((ok) => { configured ||= ok; }).catch((e: Error) => log.debug({ err: e.message }, 'configure connectors deferred'));
      }, 10_000);
      t.unref();
      timers.push(t);
      log.info({ flow: `${flow.source}->${flow.target}`, replication: flow.replicationEnabled, heartbeats: flow.heartbeatsEnabled, leader: worker.herder.isLeader(), configured }, 'flow started');
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  return { config, flows, restUrl, stop: stopAll };
}

export function usage(): string {
  return 'Usage: connect-mirror-maker mm2.properties [--clusters A B …]';
}

/** Parses `mm2.properties [--clusters A B …]`. */
export function parseArgs(args: string[]): { file: string; clusters: string[] } | null {
  const file = args[0];
  if (!file || file.startsWith('-')) return null;
  const clusters: string[] = [];
  for (let i = 1; i < args.length; i++) {
    if (args[i] === '--clusters') {
      while (i + 1 < args.length && !args[i + 1]!.startsWith('--')) clusters.push(...args[++i]!.split(',').filter(Boolean));
    } else return null;
  }
  return { file, clusters };
}
