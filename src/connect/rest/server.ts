// Ferry's REST server: Kafka Connect 4.x's REST API over fastify. Routes map 1:1 onto Herder calls; this
// module owns listeners, the error mapper (Connect's {"error_code","message"} body), 404/405 answers,
// request timeouts and forwarding to other workers.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type HTTPMethods } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ConfigError, RestError } from '../api/errors.js';
import { logger as componentLogger } from '../../observability/logger.js';
import { registerBodyParsers } from './body.js';
import { param, type RestContext, type RestHerder, type RouteHandler } from './context.js';
import { errorBody, httpErrorOf, isRequestTargetError, METHOD_NOT_ALLOWED_MESSAGE, NOT_FOUND_MESSAGE, notFound, withTimeout } from './errors.js';
import { planForward, type Forwarder, type ForwardResponse } from './forwarding.js';
import { bindHost, localUrl, parseListeners, type Listener } from './listeners.js';
import { registerConnectorRoutes, registerInternalConnectorRoutes } from './routes/connectors.js';
import { registerLoggerRoutes } from './routes/loggers.js';
import { registerPluginRoutes } from './routes/plugins.js';
import { registerRootRoutes } from './routes/root.js';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import type { RestAuthenticator } from './auth.js';
import { DEFAULT_CORS_METHODS, registerGuards, splitList } from './guards.js';
import { EventLoopWatchdog, resolveHealthOptions, UNAUTHENTICATED_PATHS, type HealthOptions, type HealthTarget } from './health.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerUiRoutes } from './ui/routes.js';

export type { HerderRestExtensions, InternalRequestSignature, RestHerder } from './context.js';
export type { Forwarder, ForwardRequest, ForwardResponse } from './forwarding.js';
export { createHttpForwarder } from './forwarding.js';
export type { RequestTargetError } from './errors.js';
export type { HealthOptions, HealthTarget } from './health.js';
export { isRequestTargetError } from './errors.js';

export interface RestServerOptions {
  /**
   * Connect's `listeners`: comma-separated http(s)://host:port; an empty host binds every interface. Default
   * http://localhost:8083 (Connect's is http://:8083, every interface: Ferry only exposes what is asked for).
   */
  listeners?: string;
  /**
   * Connect's `admin.listeners`: null/undefined serves /admin/* on `listeners`; '' disables it; otherwise
   * /admin/* is served only on these listeners (and nothing else is).
   */
  adminListeners?: string | null;
  /** Served as GET /metrics in Prometheus text format on `listeners`. */
  metricsRegistry?: Registry;
  logger?: Logger;
  /** Herder calls slower than this fail with 500 "Request timed out." Default 90 000 (Connect's). */
  requestTimeoutMs?: number;
  /** How long GET /health waits for herder.healthCheck(). Default 10 000 (Connect's). */
  healthCheckTimeoutMs?: number;
  /** Re-issues requests the herder says belong to another worker (see forwarding.ts). */
  forwarder?: Forwarder;
  /** Largest accepted request body in bytes. Default 32 MiB. */
  bodyLimit?: number;
  /** TLS for https listeners (see tls.ts httpsServerOptions); required when any listener is https. */
  https?: HttpsServerOptions;
  /** Authenticates every request but inter-worker ones (rest.extension.classes); null/undefined = none. */
  authenticator?: RestAuthenticator | null;
  /** `access.control.allow.origin` (comma-separated origins or '*'); empty = same-origin requests only. */
  accessControlAllowOrigin?: string;
  /** `access.control.allow.methods` for cross-origin requests; empty = GET,POST,HEAD. */
  accessControlAllowMethods?: string;
  /** More names a loopback-bound listener answers to in the Host header (e.g. rest.advertised.host.name). */
  extraHostNames?: readonly string[];
  /** Thresholds of GET /health/live (see health.ts). */
  health?: HealthOptions;
  /**
   * The workers GET /health/live, /health/ready and /ui report on; default the server's herder. Dedicated mode
   * passes its flows' workers (a function: flows may still be starting when the listener opens).
   */
  workers?: () => readonly HealthTarget[];
  /**
   * Dedicated mode's flows, looked up at request time: their inter-worker endpoints are served under
   * `/{source}/{target}` (MM2's InternalMirrorResource, KIP-710), e.g. POST /A/B/connectors/{name}/tasks.
   */
  flows?: (source: string, target: string) => RestHerder | undefined;
  /** Serve only the flows' inter-worker endpoints: no /metrics, /health/*, /ui (default false). */
  internalOnly?: boolean;
}

export interface StartedRestServer {
  /** A URL reaching the first of `listeners` from this host (wildcard and localhost binds → 127.0.0.1). */
  url: string;
  urls: string[];
  adminUrls: string[];
}

export interface RestServer {
  /** The application behind the first of `listeners` (use app.inject() in tests). */
  app: FastifyInstance;
  /** The application behind the first admin listener when admin.listeners names its own; otherwise null. */
  adminApp: FastifyInstance | null;
  start(): Promise<StartedRestServer>;
  stop(): Promise<void>;
}

interface Roles { connect: boolean; admin: boolean }

export function createRestServer(herder: RestHerder, opts: RestServerOptions = {}): RestServer {
  return createServer(herder, opts);
}

/**
 * A listener for the process rather than one worker: GET /metrics, /health/live, /health/ready and /ui over
 * `opts.workers` (unless `internalOnly`), each of `opts.flows` inter-worker endpoints under its `/{source}/{target}`,
 * and none of Connect's worker API. Dedicated mode serves it on mm2.properties' `listeners`.
 */
export function createProcessRestServer(opts: RestServerOptions & { workers: () => readonly HealthTarget[] }): RestServer {
  return createServer(null, { ...opts, adminListeners: '' });
}

function createServer(herder: RestHerder | null, opts: RestServerOptions): RestServer {
  const log = opts.logger ?? componentLogger('connect.rest');
  const mainListeners = parseListeners(opts.listeners ?? DEFAULT_LISTENERS, 'listeners');
  const adminSetting = opts.adminListeners;
  const adminMode = adminSetting === null || adminSetting === undefined ? 'shared' : adminSetting.trim() === '' ? 'disabled' : 'separate';
  const adminListeners = adminMode === 'separate' ? parseListeners(adminSetting ?? '', 'admin.listeners') : [];
  for (const l of [...mainListeners, ...adminListeners]) {
    if (l.protocol === 'https' && !opts.https) {
      const msg = `Listener ${l.raw} uses https but no keystore is configured (listeners.https.ssl.keystore.location or ssl.keystore.location)`;
      throw new ConfigError(msg, { listeners: [msg] });
    }
  }

  const watchdog = new EventLoopWatchdog();
  const instances: { app: FastifyInstance; listener: Listener; admin: boolean }[] = [
    ...mainListeners.map((listener) => ({ app: buildApp(herder, opts, log, { connect: true, admin: adminMode === 'shared' && herder !== null }, listener, watchdog), listener, admin: false })),
    ...adminListeners.map((listener) => ({ app: buildApp(herder, opts, log, { connect: false, admin: true }, listener, watchdog), listener, admin: true })),
  ];
  const first = instances[0];
  if (!first) throw new ConfigError('No REST listener configured', { listeners: ['no listener given'] });

  let started = false;
  let stopping: Promise<void> | null = null;

  return {
    app: first.app,
    adminApp: instances.find((i) => i.admin)?.app ?? null,

    async start() {
      if (started) throw new Error('REST server already started');
      started = true;
      watchdog.start();
      const urls: string[] = [];
      const adminUrls: string[] = [];
      try {
        for (const inst of instances) {
          const port = await listen(inst.app, inst.listener);
          const url = localUrl(inst.listener, port);
          (inst.admin ? adminUrls : urls).push(url);
          log.info({ listener: inst.listener.raw, url, admin: inst.admin || adminMode === 'shared' }, 'REST listener started');
        }
      } catch (err) {
        watchdog.stop();
        await Promise.allSettled(instances.map((i) => i.app.close()));
        throw err;
      }
      return { url: urls[0] ?? adminUrls[0] ?? '', urls, adminUrls };
    },

    stop() {
      watchdog.stop();
      stopping ??= Promise.all(instances.map((i) => i.app.close())).then(() => undefined);
      return stopping;
    },
  };
}

async function listen(app: FastifyInstance, listener: Listener): Promise<number> {
  const host = bindHost(listener);
  try {
    await app.listen({ host, port: listener.port });
  } catch (err) {
    // '::' (every interface, dual stack) fails on hosts without IPv6; fall back to every IPv4 interface.
    const code = (err as { code?: unknown }).code;
    if (host !== '::' || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw err;
    await app.listen({ host: '0.0.0.0', port: listener.port });
  }
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : listener.port;
}

function routePattern(path: string): RegExp {
  const segments = path.split('/').map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')));
  return new RegExp(`^${segments.join('/')}/?$`);
}

export const DEFAULT_LISTENERS = 'http://localhost:8083';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/** Host names a loopback-bound listener answers to; null when the listener is reachable from other hosts. */
function allowedHostsFor(listener: Listener, extra: readonly string[]): Set<string> | null {
  const bind = bindHost(listener);
  const loopback = bind === '::1' || /^127\./.test(bind);
  if (!loopback) return null;
  return new Set([...LOOPBACK_NAMES, listener.host.toLowerCase(), ...extra.map((h) => h.toLowerCase())].filter((h) => h !== ''));
}

function buildApp(herder: RestHerder | null, opts: RestServerOptions, log: Logger, roles: Roles, listener: Listener, watchdog: EventLoopWatchdog): FastifyInstance {
  const requestTimeoutMs = opts.requestTimeoutMs ?? 90_000;
  const app = Fastify({
    logger: false,
    requestIdHeader: false,
    bodyLimit: opts.bodyLimit ?? 32 * 1024 * 1024,
    // A client that never finishes sending its request is cut off rather than holding a socket forever.
    requestTimeout: requestTimeoutMs > 0 ? requestTimeoutMs : 0,
    // Connect names may be long; Strimzi calls /admin/loggers/ with a trailing slash.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 8192 },
    frameworkErrors: (err, _req, reply) => { sendError(reply, err, log); },
    ...(listener.protocol === 'https' && opts.https ? { https: opts.https } : {}),
  }) as unknown as FastifyInstance;
  registerBodyParsers(app);
  const methods = splitList(opts.accessControlAllowMethods);
  registerGuards(app, {
    authenticator: opts.authenticator ?? null,
    allowedOrigins: splitList(opts.accessControlAllowOrigin),
    allowedMethods: methods.length > 0 ? methods : DEFAULT_CORS_METHODS,
    allowedHosts: allowedHostsFor(listener, opts.extraHostNames ?? []),
    publicPaths: UNAUTHENTICATED_PATHS,
  });

  const known: { method: HTTPMethods; pattern: RegExp }[] = [];
  const ctx: RestContext = {
    herder: herder ?? noHerder(),
    call: (work) => withTimeout(work, requestTimeoutMs),
    route: (method: HTTPMethods, path: string, handler: RouteHandler) => {
      app.route({ method, url: path, handler });
      known.push({ method, pattern: routePattern(path) });
    },
    healthCheckTimeoutMs: opts.healthCheckTimeoutMs ?? 10_000,
    log,
  };
  if (roles.connect) {
    // The worker id is known once a distributed herder started: read it at request time.
    const targets = opts.workers ?? (herder ? () => [{ name: herder.workerId(), herder }] : () => []);
    if (opts.internalOnly !== true) {
      registerRootRoutes(ctx, { ...(opts.metricsRegistry ? { metricsRegistry: opts.metricsRegistry } : {}), workerApi: herder !== null });
      registerHealthRoutes(ctx, targets, watchdog, resolveHealthOptions(opts.health, ctx.healthCheckTimeoutMs));
      registerUiRoutes(ctx, targets, opts.metricsRegistry ?? null);
    }
    if (herder) {
      registerConnectorRoutes(ctx);
      registerPluginRoutes(ctx);
    } else if (opts.flows) registerFlowRoutes(ctx, opts.flows);
  }
  if (roles.admin) registerLoggerRoutes(ctx);

  app.setErrorHandler<FastifyError | Error>(async (err, req, reply) => {
    let error: unknown = err;
    if (isRequestTargetError(err)) {
      const plan = planForward(req, err, flowLocalPath(req));
      if (plan instanceof RestError) error = plan;
      else if (opts.forwarder) {
        try {
          log.debug({ method: plan.method, url: plan.url }, 'forwarding REST request');
          const res = await opts.forwarder(plan, err);
          if (res !== null) return relay(reply, res);
        } catch (forwardErr) {
          error = forwardErr;
        }
      }
    }
    return sendError(reply, error, log, req);
  });

  // Unknown paths are 404, known paths with another method 405, in Jersey's words.
  app.setNotFoundHandler((req, reply) => {
    const path = (req.url.split('?', 1)[0] ?? '/').replace(/(.)\/+$/, '$1');
    const allowed = new Set<string>();
    for (const r of known) if (r.pattern.test(path)) allowed.add(r.method);
    if (allowed.size === 0) return reply.code(404).send(errorBody(404, NOT_FOUND_MESSAGE));
    if (allowed.has('GET')) allowed.add('HEAD');
    allowed.add('OPTIONS');
    const allow = [...allowed].sort().join(',');
    if (req.method === 'OPTIONS') return reply.code(200).header('allow', allow).send();
    return reply.code(405).header('allow', allow).send(errorBody(405, METHOD_NOT_ALLOWED_MESSAGE));
  });

  app.addHook('onResponse', async (req, reply) => {
    const fields = { method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    // Connect logs every request; reads are kept at debug so health probes do not flood the log.
    if (req.method === 'GET' || req.method === 'HEAD') log.debug(fields, 'REST request');
    else log.info(fields, 'REST request');
  });

  return app;
}

/** Where a flow's endpoints are mounted on the process listener (MM2's InternalMirrorResource path). */
export const FLOW_PATH_PREFIX = '/:source/:target';

function registerFlowRoutes(ctx: RestContext, flows: (source: string, target: string) => RestHerder | undefined): void {
  registerInternalConnectorRoutes(ctx, FLOW_PATH_PREFIX, (req) => {
    const source = param(req, 'source');
    const target = param(req, 'target');
    const herder = flows(source, target);
    if (!herder) throw notFound(`No replication flow found for source '${source}' and target '${target}'`);
    return herder;
  });
}

/**
 * A flow route's path without its `/{source}/{target}`: the leader's advertised URL a request is forwarded to
 * carries the flow's prefix already. Undefined for any other route (forwarded with its path as is).
 */
function flowLocalPath(req: FastifyRequest): string | undefined {
  if (req.routeOptions.url?.startsWith(`${FLOW_PATH_PREFIX}/`) !== true) return undefined;
  return `/${(req.url.split('?', 1)[0] ?? '/').split('/').slice(3).join('/')}`;
}

/** The process listener has no herder: routes that would need one are not registered, so this is never called. */
function noHerder(): RestHerder {
  return new Proxy({}, { get: (_t, prop) => { throw new Error(`no worker API on the process listener (${String(prop)})`); } }) as RestHerder;
}

function sendError(reply: FastifyReply, err: unknown, log: Logger, req?: FastifyRequest): FastifyReply {
  const { status, message } = httpErrorOf(err);
  if (status >= 500) log.error({ err, method: req?.method, url: req?.url }, 'REST request failed');
  else log.debug({ method: req?.method, url: req?.url, status, message }, 'REST request rejected');
  return reply.code(status).type('application/json').send(errorBody(status, message));
}

function relay(reply: FastifyReply, res: ForwardResponse): FastifyReply {
  reply.code(res.status);
  for (const [k, v] of Object.entries(res.headers ?? {})) reply.header(k, v);
  if (res.body === '' || res.status === 204) return reply.send();
  if (!res.headers || !Object.keys(res.headers).some((k) => k.toLowerCase() === 'content-type')) reply.type('application/json');
  return reply.send(res.body);
}
