// Checks every request passes before any route runs, in this order:
//   1. Host: on a loopback-bound listener the Host header must name this host (DNS-rebinding protection:
//      a web page's own host name resolving to 127.0.0.1 must not reach the API with the browser's help);
//   2. Origin / CORS (`access.control.allow.origin`, `access.control.allow.methods`): a cross-origin request
//      from an origin that is not allowed is refused (Connect only omits the CORS headers, which leaves
//      "simple" cross-site POSTs working); preflights from allowed origins are answered here;
//   3. authentication (rest.extension.classes, see auth.ts), except inter-worker requests;
//   4. writes (POST/PUT/PATCH) carrying a body must say Content-Type: application/json, so an HTML form
//      (x-www-form-urlencoded, multipart, text/plain) can never drive the API.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.js';
import { isInternalRequest, UNAUTHORIZED_MESSAGE, WWW_AUTHENTICATE, type RestAuthenticator } from './auth.js';

export interface RestGuardOptions {
  authenticator: RestAuthenticator | null;
  /** `access.control.allow.origin`: origins (scheme://host[:port]) or '*'; empty = same-origin only. */
  allowedOrigins: readonly string[];
  /** `access.control.allow.methods` for cross-origin requests; Jetty's default GET,POST,HEAD when unset. */
  allowedMethods: readonly string[];
  /** Host names accepted in the Host header; null turns the check off (listener not bound to loopback). */
  allowedHosts: ReadonlySet<string> | null;
  /** Paths answered to GET/HEAD without authentication (the orchestrator probes, see health.ts). */
  publicPaths?: ReadonlySet<string>;
}

/** Connect (Jetty's CrossOriginFilter) allows these methods when access.control.allow.methods is empty. */
export const DEFAULT_CORS_METHODS = ['GET', 'POST', 'HEAD'];
const CORS_ALLOWED_HEADERS = 'X-Requested-With,Content-Type,Accept,Origin,Authorization';
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);

export function splitList(value: string | null | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('application/json').send(errorBody(status, message));
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The host name of a Host header value ("[::1]:8083" → "::1", "Example.com:80" → "example.com"). */
export function hostNameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, Math.max(1, h.indexOf(']')));
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

function originAllowed(origin: string, allowed: readonly string[]): boolean {
  const o = origin.toLowerCase().replace(/\/+$/, '');
  return allowed.some((a) => a === '*' || a.toLowerCase().replace(/\/+$/, '') === o);
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host.toLowerCase() === host.trim().toLowerCase();
  } catch {
    return false;
  }
}

function hasBody(req: FastifyRequest): boolean {
  const len = header(req, 'content-length');
  return (len !== undefined && len.trim() !== '0') || header(req, 'transfer-encoding') !== undefined;
}

export function registerGuards(app: FastifyInstance, opts: RestGuardOptions): void {
  const methods = opts.allowedMethods.map((m) => m.toUpperCase());
  app.addHook('onRequest', async (req, reply) => {
    const host = header(req, 'host');
    if (opts.allowedHosts && host !== undefined && !opts.allowedHosts.has(hostNameOf(host))) {
      return refuse(reply, 403, `Host '${host}' is not allowed: this listener is bound to the loopback interface and only answers requests addressed to this host (set listeners or rest.advertised.host.name to serve other names)`);
    }

    const origin = header(req, 'origin');
    if (origin !== undefined && !sameOrigin(origin, host)) {
      if (!originAllowed(origin, opts.allowedOrigins)) {
        return refuse(reply, 403, `Origin '${origin}' is not allowed: cross-origin requests need the origin in access.control.allow.origin`);
      }
      void reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
      const preflight = req.method === 'OPTIONS' ? header(req, 'access-control-request-method') : undefined;
      if (preflight !== undefined) {
        if (!methods.includes(preflight.toUpperCase())) return refuse(reply, 403, `Method ${preflight} is not allowed for cross-origin requests (access.control.allow.methods=${methods.join(',')})`);
        return reply.code(204)
          .header('access-control-allow-methods', methods.join(','))
          .header('access-control-allow-headers', CORS_ALLOWED_HEADERS)
          .header('access-control-max-age', '1800')
          .send();
      }
      if (!methods.includes(req.method.toUpperCase()) && req.method !== 'OPTIONS') {
        return refuse(reply, 403, `Method ${req.method} is not allowed for cross-origin requests (access.control.allow.methods=${methods.join(',')})`);
      }
    }

    const path = (req.url.split('?', 1)[0] ?? '/').replace(/(.)\/+$/, '$1');
    const publicProbe = (req.method === 'GET' || req.method === 'HEAD') && opts.publicPaths?.has(path) === true;
    if (opts.authenticator && !publicProbe && !isInternalRequest(req.method, path) && !opts.authenticator.authenticate(header(req, 'authorization'))) {
      void reply.header('www-authenticate', WWW_AUTHENTICATE);
      return refuse(reply, 401, UNAUTHORIZED_MESSAGE);
    }

    if (WRITE_METHODS.has(req.method)) {
      const ct = header(req, 'content-type');
      const media = ct?.split(';', 1)[0]?.trim().toLowerCase();
      if (ct !== undefined && media !== 'application/json') {
        return refuse(reply, 415, `Unsupported Content-Type '${ct}': request bodies must be JSON (Content-Type: application/json)`);
      }
      if (ct === undefined && hasBody(req)) {
        return refuse(reply, 415, 'A request body needs Content-Type: application/json (no Content-Type was given)');
      }
    }
    return undefined;
  });
}
