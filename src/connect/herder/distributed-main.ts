// Starts a distributed worker: herder + REST server (with inter-worker forwarding), the counterpart of
// startStandalone in src/cli/connect.ts. Used by the CLI (`connect-distributed worker.properties`) and tests.
import { hostname } from 'node:os';
import { ConfigError } from '../api/errors.js';
import { createHttpForwarder, createRestServer } from '../rest/server.js';
import { parseListeners } from '../rest/listeners.js';
import { logger } from '../../observability/logger.js';
import { redactConfig } from '../../config/secrets.js';
import { registry as metricsRegistry } from '../../observability/metrics.js';
import { builtinPlugins, transformerFactory, transformValidator } from '../../plugins.js';
import { DistributedHerder } from './distributed.js';

const log = logger('connect.cli');

export interface DistributedHandle {
  herder: DistributedHerder;
  /** URL of this worker's REST API as reachable from this host. */
  url: string;
  stop(): Promise<void>;
}

/** The URL other workers use: rest.advertised.* when set, else the first listener (wildcards → host name). */
export function advertisedUrl(props: Readonly<Record<string, string>>, boundPort: number): string {
  const first = parseListeners(props['listeners'] ?? 'http://:8083')[0]!;
  const protocol = (props['rest.advertised.listener'] ?? first.protocol).toLowerCase();
  let host = props['rest.advertised.host.name'] ?? first.host;
  if (host === '' || host === '0.0.0.0' || host === '::') host = hostname();
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  const port = props['rest.advertised.port'] !== undefined ? Number(props['rest.advertised.port']) : boundPort;
  return `${protocol}://${host}:${port}/`;
}

/**
 * Starts a distributed worker and resolves once it has joined its group and applied its first assignment.
 * The REST server starts first (the herder needs the bound port for its advertised URL) and answers
 * 503 on /health until then.
 */
export async function startDistributed(workerProps: Record<string, string>, opts: { joinTimeoutMs?: number } = {}): Promise<DistributedHandle> {
  const plugins = builtinPlugins();
  const pluginPath = (workerProps['plugin.path'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (pluginPath.length > 0) await plugins.loadPluginPath(pluginPath);
  const herder = new DistributedHerder(workerProps, { registry: plugins, transformerFactory: transformerFactory(plugins), transformValidator: transformValidator(plugins) });
  const requestTimeoutMs = Math.min(90_000, herder.config.getInt('rebalance.timeout.ms'));
  const rest = createRestServer(herder, {
    listeners: herder.workerConfig.getList('listeners').join(','),
    adminListeners: herder.workerConfig.originals['admin.listeners'] ?? null,
    metricsRegistry,
    forwarder: createHttpForwarder({ timeoutMs: requestTimeoutMs }),
    requestTimeoutMs,
  });
  const started = await rest.start();
  const boundPort = Number(new URL(started.url).port);
  if (!Number.isInteger(boundPort) || boundPort <= 0) {
    await rest.stop();
    throw new ConfigError(`Could not tell the REST port from ${started.url}`, { listeners: ['no port'] });
  }
  try {
    await herder.start(advertisedUrl(herder.workerConfig.originals, boundPort));
    await herder.awaitJoined(opts.joinTimeoutMs ?? Math.max(60_000, herder.config.getInt('rebalance.timeout.ms')));
  } catch (e) {
    await herder.stop().catch(() => undefined);
    await rest.stop();
    throw e;
  }
  log.info({ url: started.url, workerId: herder.workerId(), group: herder.config.getString('group.id') }, 'Ferry distributed worker started');
  // Connect prints its DistributedConfig values at start; so does Ferry, secrets hidden.
  log.info({ config: redactConfig(herder.workerConfig.originals) }, 'worker configuration');
  let stopping: Promise<void> | null = null;
  return {
    herder,
    url: started.url,
    stop: () => {
      stopping ??= (async () => {
        await herder.stop();
        await rest.stop();
      })();
      return stopping;
    },
  };
}
