// The dev OAuth pieces (src/dev/oauth.ts): RS256 tokens that verify against the JWKS the broker reads, the
// client-credentials endpoint, and the OAUTHBEARER broker and client properties.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, createVerify, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OAUTH_AUDIENCE, OAUTH_ISSUER, clientCredentials, ensureOAuthMaterial, startOAuthServer } from '../../src/dev/oauth.js';
import type { BrokerStores, DevPki } from '../../src/dev/pki.js';
import { oauthAllowedUrlsOption, secureBrokerProperties, secureClientProperties, type ClusterSecurity } from '../../src/dev/security.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-unit-oauth-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const users = { admin: 'adminpw', alice: 'alicepw' };

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>, payload: JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown> };
}

function verifies(token: string, jwksFile: string): boolean {
  const jwks = JSON.parse(readFileSync(jwksFile, 'utf8')) as { keys: (JsonWebKey & { kid: string })[] };
  const [h, p, sig] = token.split('.');
  const kid = decode(token).header.kid;
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (!jwk) return false;
  return createVerify('RSA-SHA256').update(`${h}.${p}`).verify(createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(sig!, 'base64url'));
}

test('OAuth material: JWKS with an RS256 key; long-lived token files signed by it; made once', async () => {
  const m = await ensureOAuthMaterial(dir, users);
  assert.match(m.jwksUrl, /^file:\/\/.*\/oauth\/jwks\.json$/);
  const token = readFileSync(m.tokenFiles.alice!, 'utf8');
  assert.ok(verifies(token, m.jwksFile));
  const { header, payload } = decode(token);
  assert.deepEqual({ alg: header.alg, kid: header.kid }, { alg: 'RS256', kid: m.kid });
  assert.equal(payload.sub, 'alice');
  assert.equal(payload.iss, OAUTH_ISSUER);
  assert.equal(payload.aud, OAUTH_AUDIENCE);
  assert.ok((payload.exp as number) > Date.now() / 1000 + 365 * 86400);
  const again = await ensureOAuthMaterial(dir, users);
  assert.equal(again.kid, m.kid);
  assert.equal(readFileSync(again.tokenFiles.alice!, 'utf8'), token);
});

test('clientCredentials: HTTP Basic (plain or URL-encoded) or form fields', () => {
  const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
  assert.deepEqual(clientCredentials(basic('alice:pw'), new URLSearchParams()), { id: 'alice', secret: 'pw' });
  assert.deepEqual(clientCredentials(basic('a%3Ab:p%25w'), new URLSearchParams()), { id: 'a:b', secret: 'p%w' });
  assert.deepEqual(clientCredentials(undefined, new URLSearchParams('client_id=alice&client_secret=pw')), { id: 'alice', secret: 'pw' });
  assert.equal(clientCredentials(undefined, new URLSearchParams('grant_type=client_credentials')), undefined);
});

test('token endpoint: client credentials grant; wrong secret is 401 invalid_client', async () => {
  const m = await ensureOAuthMaterial(dir, users);
  const server = await startOAuthServer(m, users);
  try {
    const post = (auth: string, body = 'grant_type=client_credentials&scope=kafka') => fetch(server.tokenEndpointUrl, {
      method: 'POST', headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body,
    });
    const ok = await post('alice:alicepw');
    assert.equal(ok.status, 200);
    const json = await ok.json() as { access_token: string; token_type: string; expires_in: number };
    assert.equal(json.token_type, 'Bearer');
    assert.ok(verifies(json.access_token, m.jwksFile));
    assert.equal(decode(json.access_token).payload.sub, 'alice');
    assert.equal(server.issued.get('alice'), 1);
    const bad = await post('alice:wrong');
    assert.equal(bad.status, 401);
    assert.equal((await bad.json() as { error: string }).error, 'invalid_client');
    assert.equal(server.refused, 1);
    assert.equal((await post('alice:alicepw', 'grant_type=password')).status, 400);
    const jwks = await (await fetch(server.jwksUrl)).json() as { keys: { kid: string }[] };
    assert.equal(jwks.keys[0]!.kid, m.kid);
  } finally {
    await server.close();
  }
});

const stores: BrokerStores = { keystore: '/k.p12', wrongHostKeystore: '/w.p12', truststore: '/t.p12', password: 'pw' };
const sec: ClusterSecurity = { listeners: { oauthbearer: 19098 }, pkiDir: dir, storesDir: '/c/tls' };

test('broker properties: OAUTHBEARER listener validates against the JWKS with issuer and audience', () => {
  const p = secureBrokerProperties(sec, stores, users, { jwksUrl: 'file:///x/jwks.json' });
  assert.equal(p.get('listener.name.oauth.sasl.enabled.mechanisms'), 'OAUTHBEARER');
  assert.equal(p.get('listener.name.oauth.oauthbearer.sasl.server.callback.handler.class'), 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler');
  assert.equal(p.get('sasl.oauthbearer.jwks.endpoint.url'), 'file:///x/jwks.json');
  assert.equal(p.get('sasl.oauthbearer.expected.issuer'), OAUTH_ISSUER);
  assert.equal(p.get('sasl.oauthbearer.expected.audience'), OAUTH_AUDIENCE);
  assert.equal(p.get('ssl.keystore.location'), '/k.p12', 'OAUTHBEARER runs over TLS');
  assert.throws(() => secureBrokerProperties(sec, stores, users), /needs a JWKS URL/);
  assert.equal(oauthAllowedUrlsOption(['http://a/token', 'file:///b']), '-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=http://a/token,file:///b');
});

test('client properties: OAUTHBEARER with a token endpoint (client credentials) or a token file', () => {
  const pki = { users, truststore: { jks: '/t.jks', pkcs12: '/t.p12', pem: '/ca.pem', password: 'pw' } } as unknown as DevPki;
  const http = secureClientProperties(pki, sec, '127.0.0.1', { listener: 'oauthbearer', store: 'pem' }, { tokenEndpointUrl: 'http://127.0.0.1:1/token' });
  assert.deepEqual(http, {
    'bootstrap.servers': '127.0.0.1:19098', 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER',
    'sasl.login.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
    'sasl.oauthbearer.token.endpoint.url': 'http://127.0.0.1:1/token',
    'sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="alice" clientSecret="alicepw" scope="kafka";',
    'ssl.truststore.type': 'PEM', 'ssl.truststore.location': '/ca.pem',
  });
  const file = secureClientProperties(pki, sec, '127.0.0.1', { listener: 'oauthbearer', store: 'pem', user: 'admin' }, { tokenFiles: { admin: '/x/admin.token' } });
  assert.equal(file['sasl.oauthbearer.token.endpoint.url'], 'file:///x/admin.token');
  assert.equal(file['sasl.jaas.config'], 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;');
  assert.throws(() => secureClientProperties(pki, sec, '127.0.0.1', { listener: 'oauthbearer' }), /need a token endpoint/);
});
