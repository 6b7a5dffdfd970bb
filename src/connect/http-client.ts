// The HTTP(S) client workers use to talk to each other (forwarded requests, task configs to the leader).
// node:http(s) rather than fetch, so that https requests can trust the worker's own truststore and present
// its keystore.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ConnectionOptions } from 'node:tls';

export interface RestClientRequest {
  method: string;
  headers?: Record<string, string>;
  body?: string | undefined;
  timeoutMs?: number;
}

export interface RestClientResponse { status: number; body: string; headers: Record<string, string> }

export type RestClient = (url: string, req: RestClientRequest) => Promise<RestClientResponse>;

/** Largest response body read from another worker; a bigger one is an error rather than unbounded memory. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export function createRestClient(tls?: ConnectionOptions): RestClient {
  const agent = tls ? new HttpsAgent({ ...tls, keepAlive: false }) : undefined;
  return (url, req) => new Promise<RestClientResponse>((resolve, reject) => {
    const u = new URL(url);
    const body = req.body === undefined || req.method === 'GET' || req.method === 'HEAD' ? undefined : req.body;
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) { res.destroy(new Error(`response from ${u.origin} exceeds ${MAX_RESPONSE_BYTES} bytes`)); return; }
        chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 500, body: Buffer.concat(chunks).toString('utf8'), headers: out });
      });
    };
    const opts = { method: req.method, headers, timeout: req.timeoutMs ?? 90_000 };
    const r = u.protocol === 'https:'
      ? httpsRequest(u, { ...opts, ...(agent ? { agent } : {}) }, onResponse)
      : httpRequest(u, opts, onResponse);
    r.on('timeout', () => r.destroy(new Error(`no answer from ${u.origin} within ${opts.timeout} ms`)));
    r.on('error', reject);
    r.end(body);
  });
}
