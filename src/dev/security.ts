// Secured listeners for local clusters and the client properties that reach them.
//
// A secured cluster keeps its PLAINTEXT listener (tools, admin, setup, and the contrast for "plaintext client
// on a TLS port" tests) and the controller on PLAINTEXT, and adds any of:
//   sasl_ssl        SASL_SSL, mechanisms SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN, users admin (super user) and alice
//   mtls            SSL with ssl.client.auth=required; the client certificate's CN is the principal (User:alice)
//   sasl_plaintext  SASL_PLAINTEXT, same mechanisms and users (credentials in clear: for contrast tests)
//   wrong_host      SSL, one-way, serving a certificate for another host name (host-name mismatch tests)
//   oauthbearer     SASL_SSL with OAUTHBEARER only: JWTs (RS256) checked against the dev JWKS (src/dev/oauth.ts)
// SCRAM users are written into the metadata log when the storage is formatted (StorageTool --add-scram), so
// they exist before the first client connects. Inter-broker traffic stays on PLAINTEXT: a single node has none.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeProperties } from '../config/properties.js';
import { OAUTH_AUDIENCE, OAUTH_ISSUER, OAUTH_SCOPE } from './oauth.js';
import { CLIENT_CERT_USER, WRONG_HOST, type BrokerStores, type DevPki } from './pki.js';

export const SECURE_LISTENERS = ['sasl_ssl', 'mtls', 'sasl_plaintext', 'wrong_host', 'oauthbearer'] as const;
export type SecureListener = (typeof SECURE_LISTENERS)[number];

export const SASL_MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/**
 * How a client holds its TLS material:
 *   jks, pkcs12  store files with passwords;
 *   pem          PEM files: the CA certificate, and for mTLS a key file (key encrypted, ssl.key.password) + chain;
 *   pemInline    the same PEM text inline (ssl.truststore.certificates, ssl.keystore.certificate.chain/key), key unencrypted.
 */
export const STORE_FLAVOURS = ['jks', 'pkcs12', 'pem', 'pemInline'] as const;
export type ClientStoreFlavour = (typeof STORE_FLAVOURS)[number];

/** Broker listener name and security protocol of each kind, and its port offset in `ferry dev up`'s layout. */
export const LISTENER_INFO: Record<SecureListener, { name: string; protocol: 'SASL_SSL' | 'SSL' | 'SASL_PLAINTEXT'; portOffset: number }> = {
  sasl_ssl: { name: 'SASL_SSL', protocol: 'SASL_SSL', portOffset: 2 },
  mtls: { name: 'MTLS', protocol: 'SSL', portOffset: 3 },
  sasl_plaintext: { name: 'SASL_PLAINTEXT', protocol: 'SASL_PLAINTEXT', portOffset: 4 },
  wrong_host: { name: 'WRONG_HOST', protocol: 'SSL', portOffset: 5 },
  oauthbearer: { name: 'OAUTH', protocol: 'SASL_SSL', portOffset: 6 },
};

const OAUTH_MODULE = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';
/** Kafka's JVM property listing the OAuth URLs (token and JWKS endpoints) a client or broker may open; 4.x allows none by default. */
export const OAUTH_ALLOWED_URLS_PROPERTY = 'org.apache.kafka.sasl.oauthbearer.allowed.urls';

/** The -D option a Java client or broker needs to reach these OAuth URLs (harmless on 3.9). */
export function oauthAllowedUrlsOption(urls: readonly string[]): string {
  return `-D${OAUTH_ALLOWED_URLS_PROPERTY}=${urls.join(',')}`;
}

/** What a secured cluster has; stored in its ClusterRecord. */
export interface ClusterSecurity {
  /** Port of each secured listener. */
  listeners: Partial<Record<SecureListener, number>>;
  /** The dev PKI directory: CA, client stores, user passwords (shared by the clusters of one dev dir). */
  pkiDir: string;
  /** This cluster's broker stores. */
  storesDir: string;
}

/** Parses a `--security` value: a comma list of listener kinds, or `all`. Throws with the accepted words. */
export function parseSecurityList(raw: string): SecureListener[] {
  const words = raw.split(',').map((s) => s.trim().toLowerCase().replace(/-/g, '_')).filter(Boolean);
  if (words.length === 0) throw new Error(`--security needs a value: all, or a comma list of ${SECURE_LISTENERS.join(', ')}`);
  const out = new Set<SecureListener>();
  for (const w of words) {
    if (w === 'all') SECURE_LISTENERS.forEach((l) => out.add(l));
    else if (w === 'mutual_tls' || w === 'ssl') out.add('mtls');
    else if ((SECURE_LISTENERS as readonly string[]).includes(w)) out.add(w as SecureListener);
    else throw new Error(`unknown --security value '${w}': use all, or a comma list of ${SECURE_LISTENERS.join(', ')}`);
  }
  // Fixed order, so records and output do not depend on how the user listed them.
  return SECURE_LISTENERS.filter((l) => out.has(l));
}

export function securedListenerKinds(sec: ClusterSecurity): SecureListener[] {
  return SECURE_LISTENERS.filter((l) => sec.listeners[l] !== undefined);
}

/** True when the cluster has a listener with SCRAM users (they must be created when the storage is formatted). */
export function hasSasl(sec: ClusterSecurity | undefined): boolean {
  return sec !== undefined && (sec.listeners.sasl_ssl !== undefined || sec.listeners.sasl_plaintext !== undefined);
}

/** Quotes a JAAS option value: backslash and double quote escaped. */
export function jaasQuote(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const SCRAM_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule';
const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';

/** The client's sasl.jaas.config for a mechanism and user. */
export function clientJaas(mechanism: SaslMechanism, username: string, password: string): string {
  const module = mechanism === 'PLAIN' ? PLAIN_MODULE : SCRAM_MODULE;
  return `${module} required username=${jaasQuote(username)} password=${jaasQuote(password)};`;
}

/** The listener entries (name://host:port) and protocol-map entries the secured listeners add. */
export function secureListenerEntries(sec: ClusterSecurity, host: string): { listeners: string[]; protocolMap: string[] } {
  const listeners: string[] = [];
  const protocolMap: string[] = [];
  for (const kind of securedListenerKinds(sec)) {
    const info = LISTENER_INFO[kind];
    listeners.push(`${info.name}://${host}:${sec.listeners[kind]}`);
    protocolMap.push(`${info.name}:${info.protocol}`);
  }
  return { listeners, protocolMap };
}

/** Broker properties for the secured listeners (listeners themselves come from secureListenerEntries). */
export function secureBrokerProperties(sec: ClusterSecurity, stores: BrokerStores, users: Readonly<Record<string, string>>, opts: { acls?: boolean; jwksUrl?: string } = {}): Map<string, string> {
  const kinds = securedListenerKinds(sec);
  const p = new Map<string, string>();
  if (kinds.some((k) => LISTENER_INFO[k].protocol !== 'SASL_PLAINTEXT')) {
    p.set('ssl.keystore.type', 'PKCS12');
    p.set('ssl.keystore.location', stores.keystore);
    p.set('ssl.keystore.password', stores.password);
    p.set('ssl.key.password', stores.password);
    p.set('ssl.truststore.type', 'PKCS12');
    p.set('ssl.truststore.location', stores.truststore);
    p.set('ssl.truststore.password', stores.password);
    // Client certificates name users by CN only (CN=alice → User:alice), like most production mappings.
    p.set('ssl.principal.mapping.rules', 'RULE:^CN=([^,]+)(,.*)?$/$1/,DEFAULT');
  }
  if (kinds.includes('mtls')) p.set('listener.name.mtls.ssl.client.auth', 'required');
  if (kinds.includes('wrong_host')) {
    p.set('listener.name.wrong_host.ssl.keystore.type', 'PKCS12');
    p.set('listener.name.wrong_host.ssl.keystore.location', stores.wrongHostKeystore);
    p.set('listener.name.wrong_host.ssl.keystore.password', stores.password);
    p.set('listener.name.wrong_host.ssl.key.password', stores.password);
  }
  const saslKinds = kinds.filter((k) => LISTENER_INFO[k].protocol.startsWith('SASL_') && k !== 'oauthbearer');
  if (saslKinds.length > 0) {
    p.set('sasl.enabled.mechanisms', SASL_MECHANISMS.join(','));
    const plainUsers = Object.entries(users).map(([u, pw]) => `user_${u}=${jaasQuote(pw)}`).join(' ');
    for (const kind of saslKinds) {
      const l = LISTENER_INFO[kind].name.toLowerCase();
      p.set(`listener.name.${l}.scram-sha-512.sasl.jaas.config`, `${SCRAM_MODULE} required;`);
      p.set(`listener.name.${l}.scram-sha-256.sasl.jaas.config`, `${SCRAM_MODULE} required;`);
      p.set(`listener.name.${l}.plain.sasl.jaas.config`, `${PLAIN_MODULE} required ${plainUsers};`);
    }
  }
  if (kinds.includes('oauthbearer')) {
    if (!opts.jwksUrl) throw new Error('The oauthbearer listener needs a JWKS URL (src/dev/oauth.ts).');
    p.set('listener.name.oauth.sasl.enabled.mechanisms', 'OAUTHBEARER');
    p.set('listener.name.oauth.oauthbearer.sasl.jaas.config', `${OAUTH_MODULE} required;`);
    p.set('listener.name.oauth.oauthbearer.sasl.server.callback.handler.class', 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler');
    p.set('sasl.oauthbearer.jwks.endpoint.url', opts.jwksUrl);
    p.set('sasl.oauthbearer.expected.audience', OAUTH_AUDIENCE);
    p.set('sasl.oauthbearer.expected.issuer', OAUTH_ISSUER);
    if (!p.has('sasl.enabled.mechanisms')) p.set('sasl.enabled.mechanisms', 'OAUTHBEARER');
  }
  if (opts.acls) p.set('super.users', 'User:ANONYMOUS;User:admin');
  return p;
}

/** StorageTool arguments that create every SASL user for both SCRAM mechanisms at format time. */
export function scramFormatArgs(users: Readonly<Record<string, string>>): string[] {
  const args: string[] = [];
  for (const [name, password] of Object.entries(users)) {
    for (const mech of ['SCRAM-SHA-512', 'SCRAM-SHA-256']) args.push('--add-scram', `${mech}=[name=${name},password=${password}]`);
  }
  return args;
}

export interface ClientPropsRequest {
  listener: SecureListener;
  /** Default pkcs12. Ignored for sasl_plaintext. */
  store?: ClientStoreFlavour;
  /** Default SCRAM-SHA-512. SASL listeners only. */
  mechanism?: SaslMechanism;
  /** Default alice. */
  user?: string;
  /** Default: the user's real password. */
  password?: string;
  /** Trust an unrelated CA instead of the dev CA ("untrusted certificate" tests). */
  untrusted?: boolean;
  /** mtls only: false leaves the keystore out (the broker must refuse). Default true. */
  keystore?: boolean;
}

/**
 * Where OAUTHBEARER clients get tokens: an HTTP client-credentials endpoint (tests: startOAuthServer), or
 * long-lived token files used through file:// token endpoint URLs (`ferry dev up`, no server running).
 */
export type OAuthClientContext = { tokenEndpointUrl: string } | { tokenFiles: Readonly<Record<string, string>> };

/** Java-style client properties for one way of reaching a secured listener. */
export function secureClientProperties(pki: DevPki, sec: ClusterSecurity, host: string, req: ClientPropsRequest, oauth?: OAuthClientContext): Record<string, string> {
  const port = sec.listeners[req.listener];
  if (port === undefined) throw new Error(`This cluster has no ${req.listener} listener (it has ${securedListenerKinds(sec).join(', ') || 'none'}).`);
  const info = LISTENER_INFO[req.listener];
  const out: Record<string, string> = { 'bootstrap.servers': `${host}:${port}`, 'security.protocol': info.protocol };
  if (req.listener === 'oauthbearer') {
    const user = req.user ?? 'alice';
    const secret = req.password ?? pki.users[user];
    if (secret === undefined) throw new Error(`No OAuth client '${user}' (clients: ${Object.keys(pki.users).join(', ')}); pass a secret for unknown clients.`);
    if (!oauth) throw new Error('OAUTHBEARER client properties need a token endpoint (an OAuth server or the token files).');
    out['sasl.mechanism'] = 'OAUTHBEARER';
    out['sasl.login.callback.handler.class'] = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler';
    if ('tokenEndpointUrl' in oauth) {
      out['sasl.oauthbearer.token.endpoint.url'] = oauth.tokenEndpointUrl;
      out['sasl.jaas.config'] = `${OAUTH_MODULE} required clientId=${jaasQuote(user)} clientSecret=${jaasQuote(secret)} scope=${jaasQuote(OAUTH_SCOPE)};`;
    } else {
      const file = oauth.tokenFiles[user];
      if (!file) throw new Error(`No token file for OAuth client '${user}'.`);
      out['sasl.oauthbearer.token.endpoint.url'] = pathToFileURL(file).href;
      out['sasl.jaas.config'] = `${OAUTH_MODULE} required;`;
    }
  } else if (info.protocol.startsWith('SASL_')) {
    const mechanism = req.mechanism ?? 'SCRAM-SHA-512';
    const user = req.user ?? 'alice';
    const password = req.password ?? pki.users[user];
    if (password === undefined) throw new Error(`No SASL user '${user}' (users: ${Object.keys(pki.users).join(', ')}); pass a password for unknown users.`);
    out['sasl.mechanism'] = mechanism;
    out['sasl.jaas.config'] = clientJaas(mechanism, user, password);
  }
  if (info.protocol === 'SASL_PLAINTEXT') return out;

  const flavour = req.store ?? 'pkcs12';
  const trust = req.untrusted ? pki.untrustedTruststore : pki.truststore;
  switch (flavour) {
    case 'jks':
    case 'pkcs12':
      out['ssl.truststore.type'] = flavour === 'jks' ? 'JKS' : 'PKCS12';
      out['ssl.truststore.location'] = trust[flavour];
      out['ssl.truststore.password'] = trust.password;
      break;
    case 'pem':
      out['ssl.truststore.type'] = 'PEM';
      out['ssl.truststore.location'] = trust.pem;
      break;
    case 'pemInline':
      out['ssl.truststore.type'] = 'PEM';
      out['ssl.truststore.certificates'] = readFileSync(trust.pem, 'utf8').trim();
      break;
  }
  if (req.listener === 'mtls' && req.keystore !== false) {
    const ks = pki.client;
    switch (flavour) {
      case 'jks':
      case 'pkcs12':
        out['ssl.keystore.type'] = flavour === 'jks' ? 'JKS' : 'PKCS12';
        out['ssl.keystore.location'] = ks[flavour];
        out['ssl.keystore.password'] = ks.password;
        out['ssl.key.password'] = ks.password;
        break;
      case 'pem':
        // A PEM keystore file needs an encrypted key (Kafka requires ssl.key.password for it).
        out['ssl.keystore.type'] = 'PEM';
        out['ssl.keystore.location'] = ks.pemEncrypted;
        out['ssl.key.password'] = ks.keyPassword;
        break;
      case 'pemInline':
        out['ssl.keystore.type'] = 'PEM';
        out['ssl.keystore.certificate.chain'] = readFileSync(ks.certChain, 'utf8').trim();
        out['ssl.keystore.key'] = readFileSync(ks.key, 'utf8').trim();
        break;
    }
  }
  return out;
}

/** Client properties per listener and store flavour: what `ferry dev up --security` prints and tests use. */
export type SecureClientSet = Partial<Record<SecureListener, Record<ClientStoreFlavour, Record<string, string>>>>;

/** Every listener × flavour with the defaults (alice; SCRAM-SHA-512 on SASL listeners). */
export function allSecureClientProperties(pki: DevPki, sec: ClusterSecurity, host: string, oauth?: OAuthClientContext): SecureClientSet {
  const out: SecureClientSet = {};
  for (const listener of securedListenerKinds(sec)) {
    if (listener === 'oauthbearer' && !oauth) continue;
    const byFlavour = {} as Record<ClientStoreFlavour, Record<string, string>>;
    for (const store of STORE_FLAVOURS) byFlavour[store] = secureClientProperties(pki, sec, host, { listener, store }, oauth);
    out[listener] = byFlavour;
  }
  return out;
}

/** Renders client properties as a .properties file (inline PEM values escaped onto one line). */
export function renderClientProperties(props: Readonly<Record<string, string>>, comment: string): string {
  return writeProperties(props, comment);
}

/** Where writeClientPropertyFiles puts one listener's properties for one flavour. */
export function clientPropertiesFile(dir: string, listener: SecureListener, flavour: ClientStoreFlavour): string {
  return join(dir, listener === 'sasl_plaintext' ? `${listener}.properties` : `${listener}-${flavour}.properties`);
}

/** Flavours that differ for a listener: every one, except on SASL_PLAINTEXT, which has no stores. */
export function flavoursOf(listener: SecureListener): readonly ClientStoreFlavour[] {
  return listener === 'sasl_plaintext' ? ['pkcs12'] : STORE_FLAVOURS;
}

/**
 * Writes <dir>/<listener>-<flavour>.properties for every secured listener and flavour (one file for
 * sasl_plaintext, which has no stores). Returns listener → flavour → file.
 */
export function writeClientPropertyFiles(dir: string, set: SecureClientSet, clusterName: string): Partial<Record<SecureListener, Partial<Record<ClientStoreFlavour, string>>>> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files: Partial<Record<SecureListener, Partial<Record<ClientStoreFlavour, string>>>> = {};
  for (const listener of SECURE_LISTENERS) {
    const byFlavour = set[listener];
    if (!byFlavour) continue;
    const flavours = flavoursOf(listener);
    const written: Partial<Record<ClientStoreFlavour, string>> = {};
    for (const flavour of flavours) {
      const file = clientPropertiesFile(dir, listener, flavour);
      const what = listener === 'sasl_plaintext' ? '' : ` with ${flavour} stores`;
      const user = listener === 'mtls' || listener === 'wrong_host' ? `certificate CN=${CLIENT_CERT_USER}` : listener === 'oauthbearer' ? 'OAuth client alice' : `user alice`;
      const tokenUrl = byFlavour[flavour]['sasl.oauthbearer.token.endpoint.url'];
      const note = listener === 'wrong_host' ? ` (its certificate names ${WRONG_HOST}: host-name verification must fail)`
        : tokenUrl ? `\n# Java clients on Kafka 4.x also need the JVM option ${oauthAllowedUrlsOption([tokenUrl])}` : '';
      writeFileSync(file, renderClientProperties(byFlavour[flavour], `ferry dev: cluster '${clusterName}', ${listener} listener${what}, ${user}${note}`), { mode: 0o600 });
      written[flavour] = file;
    }
    files[listener] = written;
  }
  return files;
}
