// What every route module receives: the herder (plus the optional capabilities the REST API can use), a
// way to call it under the REST timeout, and route registration that also feeds 404/405 answers.
import type { FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { Logger } from 'pino';
import type { Herder } from '../herder/herder.js';
import { notFound } from './errors.js';

/** An internal request's signature headers (X-Connect-Authorization and its algorithm), with the signed body. */
export type { HerderRestExtensions, InternalRequestSignature } from '../herder/herder.js';
import type { HerderRestExtensions } from '../herder/herder.js';

export type RestHerder = Herder & HerderRestExtensions;

export type RouteHandler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export interface RestContext {
  herder: RestHerder;
  /** Runs a herder call under the REST request timeout (500 "Request timed out." when exceeded). */
  call<T>(work: () => T | Promise<T>): Promise<T>;
  route(method: HTTPMethods, path: string, handler: RouteHandler): void;
  healthCheckTimeoutMs: number;
  log: Logger;
}

/** A decoded path param (fastify decodes %XX, including %2F, after matching). */
export function param(req: FastifyRequest, name: string): string {
  const v = (req.params as Record<string, string | undefined>)[name];
  if (v === undefined) throw notFound();
  return v;
}
