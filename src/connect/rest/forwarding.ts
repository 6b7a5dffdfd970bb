// Request forwarding between workers (Connect's HerderRequestHandler.completeOrForwardRequest).
//
// When a herder call throws an error carrying `targetUrl` (see isRequestTargetError), the REST layer:
//   - answers 409 when this hop was itself forwarded with ?forward=false (at most two hops), or when no
//     target is known (targetUrl null, typically mid-rebalance);
//   - otherwise asks `opts.forwarder` to re-issue the same method, path, query and body to
//     `<targetUrl><path>?forward=<true on the first hop, false on the second>&<original query>` with the
//     incoming headers, and relays the target's status, body and content-type/location headers verbatim.
// A forwarder returning null declines; the error is then mapped like any other (its statusCode or 500).
// Without a forwarder (standalone mode) nothing is ever forwarded.
import type { FastifyRequest } from 'fastify';
import { RestError } from '../api/errors.js';
import { rawBody, queryOf, booleanParam, type Query } from './body.js';
import type { RequestTargetError } from './errors.js';
import { createRestClient, type RestClient, type RestClientResponse } from '../http-client.js';

export interface ForwardRequest {
  method: string;
  /** Full URL on the target worker, including the hidden `forward` param for the next hop. */
  url: string;
  /** The incoming request's headers minus hop-by-hop ones, so authentication passes through. */
  headers: Record<string, string>;
  /** The incoming body exactly as received, if any. */
  body: string | undefined;
}

export interface ForwardResponse {
  status: number;
  /** Response body as text (JSON from a Connect-compatible worker); empty for 204. */
  body: string;
  headers?: Record<string, string>;
}

export type Forwarder = (req: ForwardRequest, err: RequestTargetError) => Promise<ForwardResponse | null>;

export const NO_KNOWN_LEADER_MESSAGE = 'Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.';
export const CONFLICTING_OPERATION_MESSAGE = 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)';

const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length']);

/** The hidden `forward` query param: null on a user's request, true/false on forwarded hops. */
export function forwardParam(req: FastifyRequest): boolean | null {
  return booleanParam(queryOf(req), 'forward', null);
}

/**
 * What the REST layer does with a RequestTargetError: a 409, or a request to hand to the forwarder. `path` is the
 * request's path relative to the target's URL (default: the request's own path).
 */
export function planForward(req: FastifyRequest, err: RequestTargetError, path = req.url.split('?', 1)[0] ?? '/'): RestError | ForwardRequest {
  const forward = forwardParam(req);
  if (forward === false) return new RestError(409, CONFLICTING_OPERATION_MESSAGE);
  if (err.targetUrl === null) return new RestError(409, NO_KNOWN_LEADER_MESSAGE);
  const params = new URLSearchParams();
  params.append('forward', String(forward === null));
  appendQuery(params, queryOf(req));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k.toLowerCase())) continue;
    headers[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return { method: req.method, url: `${err.targetUrl.replace(/\/+$/, '')}${path}?${params.toString()}`, headers, body: rawBody(req) };
}

function appendQuery(params: URLSearchParams, q: Query): void {
  for (const [k, v] of Object.entries(q)) {
    if (k === 'forward' || v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, item);
  }
}

/**
 * A Forwarder over the inter-worker REST client (HTTPS trusts the worker's truststore). Network failures become
 * 500 "IO Error trying to forward REST request: …", as in Connect's RestClient; any HTTP answer from the
 * target is relayed as is.
 */
export function createHttpForwarder(opts: { timeoutMs?: number; client?: RestClient } = {}): Forwarder {
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const client = opts.client ?? createRestClient();
  return async (req) => {
    let res: RestClientResponse;
    try {
      res = await client(req.url, { method: req.method, headers: req.headers, body: req.body, timeoutMs });
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      throw new RestError(500, `IO Error trying to forward REST request: ${err instanceof Error ? err.message : String(err)}${cause}`, { cause: err });
    }
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'location', 'www-authenticate']) {
      const v = res.headers[name];
      if (v !== undefined) headers[name] = v;
    }
    return { status: res.status, body: res.body, headers };
  };
}
