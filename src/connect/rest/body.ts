// Request decoding: JSON bodies, Connect's (Jackson/Jersey) coercions of config maps and query params,
// and the raw body kept for forwarding and request signatures.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from './errors.js';

/** A body that arrived with a content type other than JSON; only routes that need a body reject it. */
export class NonJsonBody {
  constructor(readonly contentType: string) {}
}

const rawBodies = new WeakMap<FastifyRequest, string>();

/** The body exactly as received (UTF-8), or undefined when the request had none. */
export function rawBody(req: FastifyRequest): string | undefined {
  return rawBodies.get(req);
}

/**
 * JSON is parsed here rather than by fastify's default parser so that an empty body is allowed (clients
 * POST /restart with a JSON content type and no body) and parse failures carry Connect's error shape.
 * Ferry deliberately answers malformed JSON with 400, where Connect (Jackson behind Jersey) answers 500.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    rawBodies.set(req, text);
    if (text.trim() === '') { done(null, undefined); return; }
    try {
      done(null, JSON.parse(text) as unknown);
    } catch (err) {
      done(badRequest(`Malformed JSON request body: ${err instanceof Error ? err.message : String(err)}`), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    if (buf.length > 0) rawBodies.set(req, buf.toString('utf8'));
    done(null, new NonJsonBody(String(req.headers['content-type'] ?? '')));
  });
}

export type JsonObject = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The body as a JSON object, or 400 naming what was wrong with it. */
export function objectBody(req: FastifyRequest, what: string): JsonObject {
  const body: unknown = req.body;
  if (body instanceof NonJsonBody) {
    throw badRequest(body.contentType === ''
      ? `Request body must be JSON (Content-Type: application/json) but no Content-Type was given`
      : `Unsupported Content-Type '${body.contentType}': the request body must be JSON (application/json)`);
  }
  if (body === undefined) throw badRequest(`Request body is missing: expected ${what} as a JSON object`);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`Request body must be ${what} as a JSON object, but it is ${describe(body)}`);
  }
  return body as JsonObject;
}

/** Jackson's String coercion: strings pass, numbers and booleans become their text, null stays null. */
export function stringOrNull(value: unknown, field: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw badRequest(`Invalid value for '${field}': expected a string but got ${describe(value)}`);
}

/** A flat {key: string|null} map (connector configs and patches). Built with fromEntries: no __proto__ tricks. */
export function stringMap(obj: JsonObject, what: string): Record<string, string | null> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, stringOrNull(v, `${what} key ${k}`)]));
}

export type Query = Record<string, string | string[] | undefined>;

export function queryOf(req: FastifyRequest): Query {
  return (req.query ?? {}) as Query;
}

/** All values of a repeatable query param (undefined when absent). */
export function queryValues(q: Query, key: string): string[] | undefined {
  if (!Object.hasOwn(q, key)) return undefined;
  const v = q[key];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v : [v];
}

/** The first value of a query param, as JAX-RS binds a single-valued @QueryParam. */
export function queryValue(q: Query, key: string): string | undefined {
  return queryValues(q, key)?.[0];
}

/**
 * JAX-RS Boolean binding: absent or empty → the default; otherwise true iff the text is "true" in any case
 * (Boolean.valueOf), so "yes" is false rather than an error.
 */
export function booleanParam(q: Query, key: string, dflt: boolean): boolean;
export function booleanParam(q: Query, key: string, dflt: null): boolean | null;
export function booleanParam(q: Query, key: string, dflt: boolean | null): boolean | null {
  const v = queryValue(q, key);
  if (v === undefined || v === '') return dflt;
  return v.toLowerCase() === 'true';
}

/** Connect binds task ids as Java Integer path params: anything else is a 404 before the resource runs. */
export function taskIdParam(text: string): number {
  if (!/^[+-]?\d{1,10}$/.test(text)) throw notFound();
  const n = Number(text);
  if (n > 2147483647 || n < -2147483648) throw notFound();
  return n;
}
