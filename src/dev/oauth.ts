// OAUTHBEARER for local clusters: an RS256 signing key and its JWKS (a file the broker's validator reads, so a
// broker never depends on a running Node process), and a small client-credentials token endpoint for tests,
// the way an identity provider answers Kafka's OAuthBearerLoginCallbackHandler.
//
// Clients are the SASL users: client id = user name, client secret = that user's password; a token's `sub` is
// the client id, so the principal is User:<client id> as with SCRAM and mutual TLS.
import { createHash, createPrivateKey, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { withLock } from './lock.js';
import { jwtExpiry } from '../kafka/oauth.js';
import { LOOPBACK } from './ports.js';

/** Claims the broker checks (sasl.oauthbearer.expected.issuer / expected.audience). */
export const OAUTH_ISSUER = 'ferry-dev-oauth';
export const OAUTH_AUDIENCE = 'kafka';
export const OAUTH_SCOPE = 'kafka';
/** Lifetime of tokens from the endpoint: short enough that a long test sees a refresh. */
const TOKEN_LIFETIME_S = 3600;

export interface OAuthMaterial {
  dir: string;
  /** JWKS document with the public signing key; the broker's sasl.oauthbearer.jwks.endpoint.url points here. */
  jwksFile: string;
  jwksUrl: string;
  kid: string;
  /** A long-lived token per client id, each in a file: a file:// token endpoint URL for Java clients without an HTTP endpoint. */
  tokenFiles: Record<string, string>;
  signingKey: KeyObject;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Signs an RS256 JWT with the dev key. */
export function signJwt(m: Pick<OAuthMaterial, 'signingKey' | 'kid'>, claims: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: m.kid }));
  const payload = b64url(JSON.stringify(claims));
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(m.signingKey);
  return `${header}.${payload}.${b64url(signature)}`;
}

/** The claims of a token for a client id, valid from now for lifetimeS seconds. */
export function tokenClaims(clientId: string, lifetimeS: number, scope = OAUTH_SCOPE): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: OAUTH_ISSUER, aud: OAUTH_AUDIENCE, sub: clientId, scope, iat: now, nbf: now - 5, exp: now + lifetimeS, jti: createHash('sha256').update(`${clientId}${process.hrtime.bigint()}`).digest('hex').slice(0, 16) };
}

/**
 * The signing key, JWKS and long-lived token files in <pkiDir>/oauth, made once. The clients are the given
 * users. Quick: one RSA key, no JVM.
 */
export async function ensureOAuthMaterial(pkiDir: string, users: Readonly<Record<string, string>>): Promise<OAuthMaterial> {
  const dir = join(pkiDir, 'oauth');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Test processes share the PKI: one of them makes the key, the others wait and read it.
  return withLock(join(dir, '.lock'), async () => makeOAuthMaterial(dir, users), { timeoutMs: 60_000 });
}

function makeOAuthMaterial(dir: string, users: Readonly<Record<string, string>>): OAuthMaterial {
  const keyFile = join(dir, 'signing-key.pem');
  const jwksFile = join(dir, 'jwks.json');
  if (!existsSync(keyFile) || !existsSync(jwksFile)) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    // RFC 7638 thumbprint as the key id: stable for the key, distinct from any other key.
    const kid = createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n })).digest('base64url');
    const tmp = `${jwksFile}.tmp-${process.pid}`;
    writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    writeFileSync(tmp, JSON.stringify({ keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] }, null, 2) + '\n');
    renameSync(tmp, jwksFile);
  }
  const signingKey = createPrivateKey(readFileSync(keyFile));
  const jwks = JSON.parse(readFileSync(jwksFile, 'utf8')) as { keys: { kid: string }[] };
  const kid = jwks.keys[0]!.kid;
  const tokenFiles: Record<string, string> = {};
  for (const user of Object.keys(users)) {
    const file = join(dir, `${user}.token`);
    if (!tokenStillGood(file)) writeFileSync(file, signJwt({ signingKey, kid }, tokenClaims(user, 10 * 365 * 86400)), { mode: 0o600 });
    tokenFiles[user] = file;
  }
  return { dir, jwksFile, jwksUrl: pathToFileURL(jwksFile).href, kid, tokenFiles, signingKey };
}

function tokenStillGood(file: string): boolean {
  if (!existsSync(file)) return false;
  return (jwtExpiry(readFileSync(file, 'utf8').trim()) ?? 0) > Date.now() + 30 * 86_400_000;
}

export interface OAuthServer {
  /** http://127.0.0.1:port/token: OAuth 2 client-credentials grant. */
  tokenEndpointUrl: string;
  /** http://127.0.0.1:port/jwks: the same keys as the JWKS file. */
  jwksUrl: string;
  port: number;
  /** Tokens issued so far, per client id (tests check that a client really fetched one). */
  issued: Map<string, number>;
  /** Requests refused (bad client or secret), for assertions. */
  refused: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
      if (body.length > 65_536) req.destroy(new Error('request body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** Client id and secret from HTTP Basic (URL-encoded or not, as Kafka's sasl.oauthbearer.header.urlencode decides) or the form. */
export function clientCredentials(authorization: string | undefined, form: URLSearchParams): { id: string; secret: string } | undefined {
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return undefined;
    const unescape = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    return { id: unescape(decoded.slice(0, i)), secret: unescape(decoded.slice(i + 1)) };
  }
  const id = form.get('client_id');
  const secret = form.get('client_secret');
  return id !== null && secret !== null ? { id, secret } : undefined;
}

/**
 * Starts the token endpoint on 127.0.0.1 (port 0: any free port). Clients are the users; a wrong id or secret
 * gets 401 invalid_client, as an identity provider answers.
 */
export async function startOAuthServer(m: OAuthMaterial, users: Readonly<Record<string, string>>, opts: { port?: number } = {}): Promise<OAuthServer> {
  const issued = new Map<string, number>();
  const state = { refused: 0 };
  const jwks = readFileSync(m.jwksFile, 'utf8');
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/jwks') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(jwks);
        return;
      }
      if (req.method !== 'POST' || path !== '/token') {
        send(res, 404, { error: 'not_found' });
        return;
      }
      const form = new URLSearchParams(await readBody(req));
      if (form.get('grant_type') !== 'client_credentials') {
        send(res, 400, { error: 'unsupported_grant_type' });
        return;
      }
      const creds = clientCredentials(req.headers.authorization, form);
      if (!creds || users[creds.id] === undefined || users[creds.id] !== creds.secret) {
        state.refused++;
        send(res, 401, { error: 'invalid_client', error_description: 'unknown client or wrong secret' });
        return;
      }
      const token = signJwt(m, tokenClaims(creds.id, TOKEN_LIFETIME_S, form.get('scope') ?? OAUTH_SCOPE));
      issued.set(creds.id, (issued.get(creds.id) ?? 0) + 1);
      send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_S, scope: form.get('scope') ?? OAUTH_SCOPE });
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: 'server_error', error_description: err instanceof Error ? err.message : String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: opts.port ?? 0 }, () => resolve());
  });
  server.unref(); // a test file's end must not wait for it
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('OAuth server has no TCP address');
  const base = `http://${LOOPBACK}:${address.port}`;
  return {
    tokenEndpointUrl: `${base}/token`,
    jwksUrl: `${base}/jwks`,
    port: address.port,
    issued,
    get refused() { return state.refused; },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
