// GET / (server info), GET /health (KIP-1017) and GET /metrics (Prometheus text, Ferry's addition).
import type { Registry } from 'prom-client';
import type { RestContext } from '../context.js';

export const HEALTHY_MESSAGE = 'Worker has completed startup and is ready to handle requests.';
export const STARTING_MESSAGE = 'Worker is still starting up.';
export const UNHEALTHY_MESSAGE = 'Worker was unable to handle this request and may be unable to handle other requests.';

/** True when `work` resolves within `ms`; its rejection propagates (mapped like any herder error). */
async function settlesWithin(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function registerRootRoutes(ctx: RestContext, opts: { metricsRegistry?: Registry; workerApi?: boolean }): void {
  const { herder, call, route } = ctx;
  const registry = opts.metricsRegistry;
  if (registry) {
    route('GET', '/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  }
  // The process listener of dedicated mode (no worker of its own) serves /metrics only.
  if (opts.workerApi === false) return;

  route('GET', '/', async () => call(() => herder.serverInfo()));

  route('GET', '/health', async (_req, reply) => {
    if (!herder.ready()) return reply.code(503).send({ status: 'starting', message: STARTING_MESSAGE });
    const healthCheck = herder.healthCheck?.bind(herder);
    if (healthCheck && !(await settlesWithin(healthCheck(), ctx.healthCheckTimeoutMs))) {
      // A herder that stopped answering: still starting if it never became ready, else unhealthy.
      if (!herder.ready()) return reply.code(503).send({ status: 'starting', message: STARTING_MESSAGE });
      return reply.code(500).send({ status: 'unhealthy', message: UNHEALTHY_MESSAGE });
    }
    return reply.code(200).send({ status: 'healthy', message: HEALTHY_MESSAGE });
  });
}
