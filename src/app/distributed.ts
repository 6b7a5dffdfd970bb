// Starts a distributed worker: herder + REST server (with inter-worker forwarding), the counterpart of
// startStandalone in src/cli/connect.ts. Used by the CLI (`connect-distributed worker.properties`) and tests.
import { hostname } from 'node:os';
import { ConfigError } from '../connect/api/errors.js';
import { createHttpForwarder, createRestServer, DEFAULT_LISTENERS } from '../connect/rest/server.js';
import { workerRestSetup, type WorkerRestSetup } from '../connect/rest/worker-rest.js';
import type { RestClient } from '../connect/http-client.js';
import { WorkerConfig } from '../connect/runtime/worker-config.js';
import { installProcessGuard } from '../connect/runtime/process-guard.js';
import { parseListeners } from '../connect/rest/listeners.js';
import { logger } from '../observability/logger.js';
import { registry as metricsRegistry } from '../observability/metrics.js';
import { builtinPlugins, transformerFactory, transformValidator } from './plugins.js';
import { DistributedHerder } from '../connect/herder/distributed.js';

const log = logger('connect.cli');

export interface DistributedHandle {
  herder: DistributedHerder;
  /** URL of this worker's REST API as reachable from this host. */
  url: string;
  stop(): Promise<void>;
}

/**
 * The URL other workers use, as Connect's RestServer.advertisedUrl: the listener whose protocol is
 * rest.advertised.listener (else the first), with rest.advertised.host.name/port replacing its host/port
 * (wildcards → this host's name). `ports` are the ports the listeners bound, in order.
 */
export function advertisedUrl(props: Readonly<Record<string, string>>, ports: readonly number[]): string {
  const listeners = parseListeners(props['listeners'] ?? DEFAULT_LISTENERS);
  const wanted = props['rest.advertised.listener']?.trim().toLowerCase();
  const index = wanted ? listeners.findIndex((l) => l.protocol === wanted) : 0;
  if (index < 0) {
    const msg = `rest.advertised.listener=${wanted} but no listener uses ${wanted} (listeners=${props['listeners'] ?? DEFAULT_LISTENERS})`;
    throw new ConfigError(msg, { 'rest.advertised.listener': [msg] });
  }
  const chosen = listeners[index]!;
  let host = props['rest.advertised.host.name'] ?? chosen.host;
  if (host === '' || host === '0.0.0.0' || host === '::') host = hostname();
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  const port = props['rest.advertised.port'] !== undefined ? Number(props['rest.advertised.port']) : (ports[index] ?? ports[0] ?? chosen.port);
  return `${chosen.protocol}://${host}:${port}/`;
}

/**
 * Where a herder is served from by a listener it does not own: dedicated mode's process listener mounts each flow
 * under its own path. `url` is what the other workers reach the herder at (that path included), `restClient`
 * how the herder reaches them, `mount` hands the herder to the listener before it joins its group.
 */
export interface ServedAt {
  url: string;
  restClient: RestClient;
  mount(herder: DistributedHerder): void;
}

/**
 * Starts a distributed worker and resolves once it has joined its group and applied its first assignment.
 * The REST server starts first (the herder needs the bound port for its advertised URL) and answers
 * 503 on /health until then. With `servedAt`, the worker opens no listener of its own.
 */
export async function startDistributed(workerProps: Record<string, string>, opts: {
  joinTimeoutMs?: number;
  env?: Readonly<Record<string, string | undefined>>;
  servedAt?: ServedAt;
} = {}): Promise<DistributedHandle> {
  const workerConfig = new WorkerConfig(workerProps);
  installProcessGuard();
  // REST security settings are checked before anything starts (a bad keystore or an unknown extension stops here).
  const restSetup = workerRestSetup(workerConfig, opts.env ?? process.env);
  const plugins = builtinPlugins({ fileAllowedPaths: workerConfig.getList('file.allowed.paths') });
  const pluginPath = workerConfig.getList('plugin.path');
  if (pluginPath.length > 0) await plugins.loadPluginPath(pluginPath);
  // The config built above, not the props again: resolving twice would read every secret twice.
  const herder = new DistributedHerder(workerConfig, {
    registry: plugins, transformerFactory: transformerFactory(plugins), transformValidator: transformValidator(plugins),
    restClient: opts.servedAt?.restClient ?? restSetup.client,
  });
  const rest = opts.servedAt ? null : await startWorkerRest(herder, restSetup);
  try {
    opts.servedAt?.mount(herder);
    await herder.start(rest?.advertisedUrl ?? opts.servedAt!.url);
    await herder.awaitJoined(opts.joinTimeoutMs ?? Math.max(60_000, herder.config.getInt('rebalance.timeout.ms')));
  } catch (e) {
    await herder.stop().catch(() => undefined);
    await rest?.stop();
    throw e;
  }
  const url = rest?.url ?? opts.servedAt!.url;
  log.info({ url, workerId: herder.workerId(), group: herder.config.getString('group.id') }, 'Ferry distributed worker started');
  // Connect prints its DistributedConfig values at start; so does Ferry, secrets hidden (by the logger).
  log.info({ config: herder.workerConfig.originals }, 'worker configuration');
  let stopping: Promise<void> | null = null;
  return {
    herder,
    url,
    stop: () => {
      stopping ??= (async () => {
        await herder.stop();
        await rest?.stop();
      })();
      return stopping;
    },
  };
}

/** The worker's own REST listener, started; `advertisedUrl` is what the herder tells the other workers. */
async function startWorkerRest(herder: DistributedHerder, restSetup: WorkerRestSetup): Promise<{ url: string; advertisedUrl: string; stop(): Promise<void> }> {
  const requestTimeoutMs = Math.min(herder.workerConfig.getLong('rest.request.timeout.ms'), herder.config.getInt('rebalance.timeout.ms'));
  const rest = createRestServer(herder, {
    ...restSetup.server,
    metricsRegistry,
    forwarder: createHttpForwarder({ timeoutMs: requestTimeoutMs, client: restSetup.client }),
    requestTimeoutMs,
  });
  const started = await rest.start();
  const boundPorts = started.urls.map((u) => Number(new URL(u).port));
  if (boundPorts.length === 0 || boundPorts.some((p) => !Number.isInteger(p) || p <= 0)) {
    await rest.stop();
    throw new ConfigError(`Could not tell the REST ports from ${started.urls.join(', ')}`, { listeners: ['no port'] });
  }
  try {
    return { url: started.url, advertisedUrl: advertisedUrl(herder.workerConfig.originals, boundPorts), stop: () => rest.stop() };
  } catch (e) {
    await rest.stop();
    throw e;
  }
}
