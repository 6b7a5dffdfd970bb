// Dedicated MirrorMaker mode: `connect-mirror-maker mm2.properties [--clusters A B …]`. Like MM2, one Connect
// herder per ordered cluster pair (replication or heartbeats), each a distributed worker whose group and
// internal topics are MM2's (group `<source>-mm2`, mm2-configs|offsets|status.<source>.internal on the
// target). A Ferry deployment can therefore take over from Apache MM2 with the same mm2.properties and
// continue from the offsets MM2 stored; several Ferry nodes with the same file share the work.
import { parseMm2Properties, type Mm2Config, type Mm2Flow } from '../connectors/mirror/mm2-properties.js';
import { readPropertiesFile } from '../config/properties.js';
import { advertisedUrl, startDistributed, type DistributedHandle } from '../app/distributed.js';
import type { DistributedHerder } from '../connect/herder/distributed.js';
import { logger } from '../observability/logger.js';
import { validateClientSecurity } from '../kafka/security.js';
import { ConfigError } from '../connect/api/errors.js';
import { createHttpForwarder, createProcessRestServer, type RestServerOptions } from '../connect/rest/server.js';
import { createRestClient, type RestClient } from '../connect/http-client.js';
import { restAuthenticatorFor } from '../connect/rest/auth.js';
import { splitList } from '../connect/rest/guards.js';
import { parseListeners } from '../connect/rest/listeners.js';
import { httpsServerOptions, restClientTls } from '../connect/rest/tls.js';
import { resolveOwnReferences } from '../config/config-providers.js';
import { registry as metricsRegistry } from '../observability/metrics.js';

const log = logger('mirror.dedicated');

/** Ferry's defaults for each flow's worker where MM2's would be slow or heavy on a small machine. */
const FLOW_WORKER_DEFAULTS: Record<string, string> = {
  // MM2 inherits Connect's 60 s; a shorter flush bounds re-sent records after a crash.
  'offset.flush.interval.ms': '5000',
  'session.timeout.ms': '10000',
  'heartbeat.interval.ms': '3000',
  'scheduled.rebalance.max.delay.ms': '10000',
};

/**
 * A flow's worker settings for a REST listener of its own, which no flow has: the process's one listener serves
 * every flow's inter-worker endpoints under `/{source}/{target}`.
 */
const FLOW_LISTENER_KEY = /^(?:(?:admin\.)?listeners(?:\.https\..+)?|rest\.(?:advertised\..+|extension\.classes|host\.name|port)|access\.control\..+)$/;

/**
 * Without the process listener (`dedicated.mode.enable.internal.rest = false`) the flows' inter-worker endpoints
 * (task configs to the leader, zombie fencing) are served on loopback only: nodes sharing a flow on one host.
 */
const INTERNAL_ONLY_LISTENERS = 'http://127.0.0.1:0';

export interface FlowHandle { flow: Mm2Flow; worker: DistributedHandle }

export interface MirrorMakerHandle {
  config: Mm2Config;
  flows: FlowHandle[];
  /**
   * The process's REST listener (`dedicated.mode.enable.internal.rest = true`, on `listeners`): GET /metrics,
   * /health/live, /health/ready and /ui for every flow of this process, and each flow's inter-worker endpoints under
   * /{source}/{target}. Null when not enabled (those endpoints are then on a loopback listener of their own).
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
  const restKeys = Object.keys(props).filter((k) => k === 'listeners' || k.startsWith('listeners.https.') || k === 'rest.extension.classes' || k.startsWith('access.control.') || k.startsWith('rest.advertised.'));
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

/** The worker properties Ferry runs a flow's herder with; settings of a listener of the flow's own are refused. */
export function flowWorkerProps(flow: Mm2Flow, overrides: Record<string, string> = {}): Record<string, string> {
  const props = { ...FLOW_WORKER_DEFAULTS, ...flow.worker, ...overrides };
  const own = Object.keys(props).filter((k) => FLOW_LISTENER_KEY.test(k));
  if (own.length > 0) {
    const names = own.map((k) => (k in overrides ? k : `${flow.target}.${k}`));
    const msg = `${names.join(', ')}: in dedicated mode a flow has no REST listener of its own; the process listener (top-level listeners with ${INTERNAL_REST_ENABLE}=true) serves the ${flow.source}->${flow.target} flow under ${flowPath(flow)}`;
    throw new ConfigError(msg, Object.fromEntries(names.map((k) => [k, [msg]])));
  }
  return props;
}

/** Where a flow's inter-worker endpoints live on the process listener: `/{source}/{target}`, as MM2's (KIP-710). */
export function flowPath(flow: Pick<Mm2Flow, 'source' | 'target'>): string {
  return `/${encodeURIComponent(flow.source)}/${encodeURIComponent(flow.target)}`;
}

/**
 * The URL the other nodes reach this process's listener at, as Connect advertises a worker (rest.advertised.listener,
 * rest.advertised.host.name, rest.advertised.port; `ports` are the ports bound). A listener on every interface
 * needs rest.advertised.host.name: no address reachable by the other nodes can be guessed. Without the process
 * listener, the loopback one's URL.
 */
export function processAdvertisedUrl(raw: Readonly<Record<string, string>>, restEnabled: boolean, ports: readonly number[]): string {
  if (!restEnabled) return advertisedUrl({ listeners: INTERNAL_ONLY_LISTENERS }, ports);
  const props = resolveOwnReferences(raw).resolved;
  const wanted = props['rest.advertised.listener']?.trim().toLowerCase();
  const chosen = parseListeners(props['listeners'] ?? DEFAULT_PROCESS_LISTENERS, 'listeners').find((l) => !wanted || l.protocol === wanted);
  const advertisedHost = props['rest.advertised.host.name']?.trim() ?? '';
  if (chosen && advertisedHost === '') {
    if (chosen.host === '' || chosen.host === '0.0.0.0' || chosen.host === '::') {
      const msg = `the process listener ${chosen.raw} binds every interface, so the address other nodes reach this node's flows at must be given as rest.advertised.host.name`;
      throw new ConfigError(`Missing rest.advertised.host.name: ${msg}`, { 'rest.advertised.host.name': [msg] });
    }
    // localhost is bound as 127.0.0.1 (listeners.ts); advertised as such, not as a name that may resolve to ::1.
    if (chosen.host.toLowerCase() === 'localhost') return advertisedUrl({ ...props, 'rest.advertised.host.name': '127.0.0.1' }, ports);
  }
  return advertisedUrl(props, ports);
}

/** How this process reaches the other nodes: over HTTPS when its listener or rest.advertised.listener is https. */
function processRestClient(raw: Readonly<Record<string, string>>, restEnabled: boolean): RestClient {
  if (!restEnabled) return createRestClient();
  const props = resolveOwnReferences(raw).resolved;
  const https = parseListeners(props['listeners'] ?? DEFAULT_PROCESS_LISTENERS, 'listeners').some((l) => l.protocol === 'https')
    || props['rest.advertised.listener']?.trim().toLowerCase() === 'https';
  return createRestClient(https ? restClientTls(props) : undefined);
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
  const restClient = processRestClient(top, restOptions !== null);
  const flows: FlowHandle[] = [];
  const mounted = new Map<string, DistributedHerder>();
  const timers: NodeJS.Timeout[] = [];
  // The process's one listener, opened first so that probes see the flows start (ready once all joined).
  const rest = createProcessRestServer({
    ...(restOptions ?? { listeners: INTERNAL_ONLY_LISTENERS, internalOnly: true }),
    metricsRegistry,
    workers: () => flows.map((f) => ({ name: flowName(f.flow), herder: f.worker.herder, expectedConnectors: Object.keys(f.flow.storedConnectors) })),
    flows: (source, target) => mounted.get(flowPath({ source, target })),
    forwarder: createHttpForwarder({ client: restClient }),
  });
  const stopAll = async () => {
    for (const t of timers) clearInterval(t);
    await Promise.all(flows.map((f) => f.worker.stop().catch((e: Error) => log.warn({ err: e.message }, 'flow stop failed'))));
    await rest.stop();
  };
  let restUrl: string | null = null;
  try {
    const started = await rest.start();
    const baseUrl = processAdvertisedUrl(top, restOptions !== null, started.urls.map((u) => Number(new URL(u).port))).replace(/\/+$/, '');
    if (restOptions) restUrl = started.url;
    log.info({ url: started.url, advertised: baseUrl, internalOnly: restOptions === null }, restOptions ? 'process REST listener started (/metrics, /health/live, /health/ready, /ui, /{source}/{target}/connectors/…)' : 'internal REST listener started on loopback (/{source}/{target}/connectors/…)');
    // Sequential start keeps two JVM-free but CPU-hungry joins from contending on a small machine.
    for (const flow of config.flows) {
      const path = flowPath(flow);
      const worker = await startDistributed(flowWorkerProps(flow, opts.workerOverrides), {
        servedAt: { url: `${baseUrl}${path}/`, restClient, mount: (herder) => mounted.set(path, herder) },
      });
      flows.push({ flow, worker });
      const configured = await configureConnectors(flow, worker);
      timers.push(keepConnectorsConfigured(flow, worker));
      log.info({ flow: flowName(flow), replication: flow.replicationEnabled, heartbeats: flow.heartbeatsEnabled, leader: worker.herder.isLeader(), configured, url: worker.url }, 'flow started');
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  return { config, flows, restUrl, stop: stopAll };
}

function flowName(flow: Mm2Flow): string {
  return `${flow.source}->${flow.target}`;
}

/** Leadership can move (another node joins or leaves): whoever leads keeps the flow's connector configs current. */
function keepConnectorsConfigured(flow: Mm2Flow, worker: DistributedHandle): NodeJS.Timeout {
  const t = setInterval(() => {
    void configureConnectors(flow, worker).catch((e: Error) => log.debug({ err: e.message }, 'configure connectors deferred'));
  }, 10_000);
  t.unref();
  return t;
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
