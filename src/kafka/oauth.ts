// OAUTHBEARER tokens for Kafka connections, as Kafka's Java client gets them:
// - client credentials (KIP-768, `sasl.oauthbearer.token.endpoint.url` + clientId/clientSecret/scope in the
//   JAAS options): POST grant_type=client_credentials with HTTP Basic auth, cached until the refresh window
//   (`sasl.login.refresh.window.factor` of the token's lifetime) and shared by every client with the same
//   endpoint and credentials;
// - the unsecured development token (OAuthBearerUnsecuredLoginCallbackHandler): an `alg: none` JWT built
//   from `unsecuredLogin*` JAAS options.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { logger } from '../observability/logger.js';
import { sleep } from '../backoff.js';

const log = logger('kafka.oauth');

export const UNSECURED_LOGIN_MODULE_OPTIONS = /^unsecuredLogin(StringClaim_|NumberClaim_|ListClaim_|Extension_|PrincipalClaimName$|LifetimeSeconds$|ScopeClaimName$)/;

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

export function unsecuredToken(options: Readonly<Record<string, string>>, nowMs = Date.now()): string {
  const principalClaim = options['unsecuredLoginPrincipalClaimName'] ?? 'sub';
  const lifetime = Number(options['unsecuredLoginLifetimeSeconds'] ?? 3600);
  const claims: Record<string, unknown> = { iat: Math.floor(nowMs / 1000), exp: Math.floor(nowMs / 1000) + lifetime };
  for (const [k, v] of Object.entries(options)) {
    if (k.startsWith('unsecuredLoginStringClaim_')) claims[k.slice(26)] = v;
    else if (k.startsWith('unsecuredLoginNumberClaim_')) claims[k.slice(26)] = Number(v);
    else if (k.startsWith('unsecuredLoginListClaim_')) {
      // The first character is the separator (",a,b" → ["a","b"]), as Kafka documents it.
      const sep = v.charAt(0);
      claims[k.slice(24)] = v.slice(1).split(sep).filter((x) => x !== '');
    }
  }
  if (claims[principalClaim] === undefined) throw new Error(`OAUTHBEARER unsecured token: no ${principalClaim} claim (set unsecuredLoginStringClaim_${principalClaim})`);
  return `${b64url(JSON.stringify({ alg: 'none' }))}.${b64url(JSON.stringify(claims))}.`;
}

export interface OAuthClientCredentials {
  url: URL;
  clientId: string;
  clientSecret: string;
  scope: string | undefined;
  refreshWindowFactor: number;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  tls: ConnectionOptions | undefined;
}

export class OAuthTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OAuthTokenError';
  }
}

const sources = new Map<string, OAuthTokenSource>();

export class OAuthTokenSource {
  private current: { value: string; refreshAt: number; expiresAt: number } | undefined;
  private inflight: Promise<string> | undefined;

  private constructor(private readonly cfg: OAuthClientCredentials) {}

  /** One source per endpoint + credentials, so every client of a process shares the token. */
  static for(cfg: OAuthClientCredentials): OAuthTokenSource {
    const key = JSON.stringify([cfg.url.href, cfg.clientId, cfg.clientSecret, cfg.scope ?? '']);
    let s = sources.get(key);
    if (!s) { s = new OAuthTokenSource(cfg); sources.set(key, s); }
    return s;
  }

  async token(): Promise<string> {
    const now = Date.now();
    if (this.current && now < this.current.refreshAt) return this.current.value;
    if (!this.inflight) {
      this.inflight = this.fetchWithRetry().finally(() => { this.inflight = undefined; });
    }
    try {
      return await this.inflight;
    } catch (e) {
      // A token still valid is better than none while the endpoint is down.
      if (this.current && Date.now() < this.current.expiresAt) return this.current.value;
      throw e;
    }
  }

  private async fetchWithRetry(): Promise<string> {
    let backoff = this.cfg.retryBackoffMs;
    const deadline = Date.now() + Math.max(this.cfg.retryBackoffMaxMs, 1000) * 3;
    for (;;) {
      try {
        return await this.fetchOnce();
      } catch (e) {
        const err = e as OAuthTokenError & { retriable?: boolean };
        if (err.retriable === false || Date.now() + backoff > deadline) throw e;
        log.warn({ endpoint: this.cfg.url.origin + this.cfg.url.pathname, err: err.message }, 'OAuth token request failed; retrying');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, this.cfg.retryBackoffMaxMs);
      }
    }
  }

  private fetchOnce(): Promise<string> {
    const { url } = this.cfg;
    const body = new URLSearchParams({ grant_type: 'client_credentials', ...(this.cfg.scope ? { scope: this.cfg.scope } : {}) }).toString();
    const basic = Buffer.from(`${encodeURIComponent(this.cfg.clientId)}:${encodeURIComponent(this.cfg.clientSecret)}`).toString('base64');
    const where = `${url.origin}${url.pathname}`;
    return new Promise<string>((resolve, reject) => {
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${basic}`, 'content-length': Buffer.byteLength(body) },
        timeout: this.cfg.connectTimeoutMs,
        ...(this.cfg.tls ?? {}),
      }, (res) => {
        const chunks: Buffer[] = [];
        res.setTimeout(this.cfg.readTimeoutMs, () => res.destroy(new OAuthTokenError(`OAuth token endpoint ${where}: no response within sasl.login.read.timeout.ms`)));
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            // 4xx: the credentials or request are wrong; retrying will not help.
            reject(Object.assign(new OAuthTokenError(`OAuth token endpoint ${where} answered HTTP ${status}${status === 401 ? ' (wrong clientId/clientSecret?)' : ''}`), { retriable: status >= 500 || status === 429 }));
            return;
          }
          let parsed: { access_token?: unknown; expires_in?: unknown };
          try { parsed = JSON.parse(text) as typeof parsed; } catch { reject(Object.assign(new OAuthTokenError(`OAuth token endpoint ${where}: response is not JSON`), { retriable: false })); return; }
          if (typeof parsed.access_token !== 'string' || parsed.access_token === '') { reject(Object.assign(new OAuthTokenError(`OAuth token endpoint ${where}: no access_token in the response`), { retriable: false })); return; }
          const token = parsed.access_token;
          const now = Date.now();
          const exp = jwtExpiry(token) ?? (typeof parsed.expires_in === 'number' ? now + parsed.expires_in * 1000 : now + 3_600_000);
          this.current = { value: token, expiresAt: exp, refreshAt: now + Math.max(1000, (exp - now) * this.cfg.refreshWindowFactor) };
          resolve(token);
        });
      });
      req.on('timeout', () => req.destroy(new OAuthTokenError(`OAuth token endpoint ${where}: no connection within sasl.login.connect.timeout.ms`)));
      req.on('error', (e) => reject(e instanceof OAuthTokenError ? e : new OAuthTokenError(`OAuth token endpoint ${where}: ${e.message}`)));
      req.end(body);
    });
  }
}

/**
 * A token kept in a file (Kafka's `file:` token endpoint URL): read at first use and again once the token is
 * past its refresh point (80 % of its lifetime) or expired, so a rotated file is picked up.
 */
export function fileTokenSource(path: string, refreshWindowFactor = 0.8): () => string {
  let cached: { value: string; refreshAt: number } | undefined;
  return () => {
    const now = Date.now();
    if (cached && now < cached.refreshAt) return cached.value;
    let value: string;
    try {
      value = readFileSync(path, 'utf8').trim();
    } catch (e) {
      throw new OAuthTokenError(`OAuth token file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (value === '') throw new OAuthTokenError(`OAuth token file ${path} is empty`);
    const exp = jwtExpiry(value);
    cached = { value, refreshAt: exp === undefined ? now + 60_000 : now + Math.max(1000, (exp - now) * refreshWindowFactor) };
    return value;
  };
}

/** The `exp` claim of a JWT in epoch milliseconds, if it has one (the signature is not checked). */
export function jwtExpiry(token: string): number | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
