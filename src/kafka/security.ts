// Security settings of a Kafka connection, resolved once from Java-style client properties — the only place
// that reads `security.protocol`, `ssl.*` and `sasl.*`. Every client Ferry builds (kafkajs clients and the
// low-level clusters of the data path) gets its TLS and SASL options from `resolveSecurity`.
//
// Rules, as a Java client applies them:
// - security.protocol is PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL, case-insensitive, trimmed; anything
//   else is an error, never a silent plaintext.
// - A setting Ferry cannot honour (a GSSAPI login, a custom SSL engine factory, an unknown store type) is an
//   error that names the key. Values of secret keys are never put in a message.
import { readFileSync, statSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext, type ConnectionOptions } from 'node:tls';
import { createRequire } from 'node:module';
import forge from 'node-forge';
import { parseJaasConfig, type JaasLoginModule } from './jaas.js';
import { OAuthTokenSource, UNSECURED_LOGIN_MODULE_OPTIONS, fileTokenSource, unsecuredToken } from './oauth.js';
import { fileURLToPath } from 'node:url';
import { logger } from '../observability/logger.js';
import { compressionSettings } from './codecs.js';

const require = createRequire(import.meta.url);
const jks = require('jks-js') as {
  toPem(store: Buffer, storePassword: string, keyPassword?: string): Record<string, { ca?: string; cert?: string; key?: string }>;
};

const log = logger('kafka.security');

export type ClientProps = Readonly<Record<string, string | undefined>>;
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
export const SECURITY_PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

/** A client setting that cannot be honoured; names the key, and the value only when it is not a secret. */
export class KafkaClientConfigError extends Error {
  constructor(readonly key: string, message: string) {
    super(message);
    this.name = 'KafkaClientConfigError';
  }
}

/** SASL settings in the shape kafkajs takes. */
export type SaslOptions =
  | { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string }
  | { mechanism: 'oauthbearer'; oauthBearerProvider: () => Promise<{ value: string; extensions?: Record<string, string> }> };

export interface ConnectionSecurity {
  protocol: SecurityProtocol;
  /** Node TLS options for every broker connection; undefined for PLAINTEXT and SASL_PLAINTEXT. */
  tls?: ConnectionOptions;
  sasl?: SaslOptions;
  /** For logs: protocol, mechanism and principal, no secrets. */
  summary: string;
}

const str = (props: ClientProps, key: string): string | undefined => {
  const v = props[key];
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
};

export function securityProtocolOf(props: ClientProps): SecurityProtocol {
  const raw = props['security.protocol'];
  if (raw === undefined || raw.trim() === '') return 'PLAINTEXT';
  const p = raw.trim().toUpperCase();
  if ((SECURITY_PROTOCOLS as readonly string[]).includes(p)) return p as SecurityProtocol;
  throw new KafkaClientConfigError('security.protocol', `Invalid value ${JSON.stringify(raw)} for configuration security.protocol: expected one of ${SECURITY_PROTOCOLS.join(', ')}`);
}

// ---------------------------------------------------------------- TLS

/** Java's names for the TLS versions Node can negotiate. */
const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
type TlsVersion = (typeof TLS_VERSIONS)[number];

/**
 * Java (IANA) cipher suite names → OpenSSL names, which Node takes. TLS 1.3 suites keep their names. A suite
 * not in this table is refused at start rather than dropped.
 */
const CIPHER_SUITES: Record<string, string> = {
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: 'DHE-RSA-AES128-GCM-SHA256',
  TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: 'DHE-RSA-AES256-GCM-SHA384',
  TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'DHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384: 'ECDHE-ECDSA-AES256-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384: 'ECDHE-RSA-AES256-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_256_CBC_SHA256: 'AES256-SHA256',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
};

function list(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** Settings that take a Java class or provider Ferry cannot load; set means "refuse", unset means default. */
const UNSUPPORTED_WHEN_SET = ['ssl.engine.factory.class', 'ssl.providers', 'ssl.secure.random.implementation'];
const JAVA_DEFAULTS: Record<string, string[]> = {
  'ssl.keymanager.algorithm': ['SunX509', 'PKIX', 'NewSunX509'],
  'ssl.trustmanager.algorithm': ['PKIX', 'SunX509'],
};

/** What a JKS store holds, as PEM: trusted certificates, and the first private key entry with its chain. */
interface Pem { ca: string[]; cert?: string; key?: string }

function readStoreFile(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new KafkaClientConfigError(key, `Cannot read ${key} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function storeType(props: ClientProps, key: 'ssl.truststore.type' | 'ssl.keystore.type'): 'JKS' | 'PKCS12' | 'PEM' {
  const raw = str(props, key) ?? 'JKS';
  const t = raw.toUpperCase();
  if (t === 'JKS' || t === 'PKCS12' || t === 'PEM') return t;
  if (t === 'P12' || t === 'PFX') return 'PKCS12';
  throw new KafkaClientConfigError(key, `Invalid value ${raw} for configuration ${key}: Ferry reads JKS, PKCS12 and PEM stores`);
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
function pemBlocks(text: string, kinds: RegExp): string[] {
  return [...text.matchAll(PEM_BLOCK)].filter((m) => kinds.test(m[1]!)).map((m) => m[0]);
}

/**
 * The certificates of a PKCS12 truststore (Java's keytool default since JDK 9), through node-forge: Node's own
 * `pfx` option needs a private key, which a Java truststore does not hold. PKCS12 keystores go to OpenSSL.
 */
function readPkcs12Certificates(path: string, password: string | undefined): string[] {
  const der = readStoreFile('ssl.truststore.location', path).toString('binary');
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der), false, password ?? '');
  } catch (e) {
    const why = (e as Error).message;
    throw new KafkaClientConfigError('ssl.truststore.password', `Cannot open PKCS12 store ${path} (ssl.truststore.location): ${/mac|password|decrypt|invalid/i.test(why) ? 'wrong ssl.truststore.password or corrupt store' : why}`);
  }
  const certBag = (forge.pki.oids as Record<string, string>)['certBag']!;
  // forge parses RSA certificates only; others (EC) come back as raw ASN.1, converted to PEM unparsed.
  return (p12.getBags({ bagType: certBag })[certBag] ?? []).flatMap((b) => {
    if (b.cert) return [forge.pki.certificateToPem(b.cert)];
    if (b.asn1) return [derToPem(Buffer.from(forge.asn1.toDer(b.asn1).getBytes(), 'binary'))];
    return [];
  });
}

function derToPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

function readJks(key: string, path: string, password: string | undefined, keyPassword: string | undefined): Pem {
  const buf = readStoreFile(key, path);
  let entries: Record<string, { ca?: string; cert?: string; key?: string }>;
  try {
    entries = jks.toPem(buf, password ?? '', keyPassword ?? password ?? '');
  } catch (e) {
    const why = (e as Error).message;
    const which = /recover key/i.test(why) ? 'ssl.key.password' : key.replace(/location$/, 'password');
    throw new KafkaClientConfigError(which, `Cannot open JKS store ${path} (${key}): ${/password|recover|verification/i.test(why) ? `wrong ${which} or corrupt store` : why}`);
  }
  const out: Pem = { ca: [] };
  for (const e of Object.values(entries)) {
    if (e.ca) out.ca.push(e.ca);
    if (e.key && !out.key) { out.key = e.key; out.cert = e.cert; }
    else if (e.cert) out.ca.push(e.cert);
  }
  return out;
}

function trustMaterial(props: ClientProps): string[] | undefined {
  const inline = str(props, 'ssl.truststore.certificates');
  const location = str(props, 'ssl.truststore.location');
  const type = storeType(props, 'ssl.truststore.type');
  if (inline !== undefined) {
    if (type !== 'PEM') throw new KafkaClientConfigError('ssl.truststore.certificates', 'ssl.truststore.certificates requires ssl.truststore.type=PEM');
    if (location !== undefined) throw new KafkaClientConfigError('ssl.truststore.certificates', 'Set either ssl.truststore.location or ssl.truststore.certificates, not both');
    const certs = pemBlocks(inline, /CERTIFICATE/);
    if (certs.length === 0) throw new KafkaClientConfigError('ssl.truststore.certificates', 'ssl.truststore.certificates holds no PEM certificate');
    return certs;
  }
  if (location === undefined) {
    if (str(props, 'ssl.truststore.password') !== undefined) log.warn('ssl.truststore.password is set without ssl.truststore.location; the system CAs are used');
    return undefined;
  }
  const password = props['ssl.truststore.password'];
  if (type === 'PEM') {
    if (password !== undefined && password !== '') throw new KafkaClientConfigError('ssl.truststore.password', 'ssl.truststore.password cannot be set for a PEM truststore');
    const certs = pemBlocks(readStoreFile('ssl.truststore.location', location).toString('utf8'), /CERTIFICATE/);
    if (certs.length === 0) throw new KafkaClientConfigError('ssl.truststore.location', `Truststore ${location} holds no PEM certificate`);
    return certs;
  }
  let certs: string[];
  if (type === 'PKCS12') certs = readPkcs12Certificates(location, password);
  else {
    const pem = readJks('ssl.truststore.location', location, password, undefined);
    certs = [...pem.ca, ...(pem.cert ? pemBlocks(pem.cert, /CERTIFICATE/) : [])];
  }
  if (certs.length === 0) throw new KafkaClientConfigError('ssl.truststore.location', `Truststore ${location} holds no certificate`);
  return certs;
}

type KeyMaterial = { cert: string; key: string; passphrase?: string } | { pfx: Buffer; passphrase: string };

function keyMaterial(props: ClientProps): KeyMaterial | undefined {
  const chain = str(props, 'ssl.keystore.certificate.chain');
  const inlineKey = str(props, 'ssl.keystore.key');
  const location = str(props, 'ssl.keystore.location');
  const type = storeType(props, 'ssl.keystore.type');
  const password = props['ssl.keystore.password'];
  const keyPassword = props['ssl.key.password'];
  if (chain !== undefined || inlineKey !== undefined) {
    if (type !== 'PEM') throw new KafkaClientConfigError('ssl.keystore.key', 'ssl.keystore.certificate.chain and ssl.keystore.key require ssl.keystore.type=PEM');
    if (chain === undefined || inlineKey === undefined) throw new KafkaClientConfigError(chain === undefined ? 'ssl.keystore.certificate.chain' : 'ssl.keystore.key', 'ssl.keystore.certificate.chain and ssl.keystore.key must be set together');
    if (location !== undefined) throw new KafkaClientConfigError('ssl.keystore.location', 'Set either ssl.keystore.location or ssl.keystore.certificate.chain/ssl.keystore.key, not both');
    return pemKeyPair('ssl.keystore.key', chain, inlineKey, keyPassword);
  }
  if (location === undefined) return undefined;
  if (type === 'PEM') {
    if (password !== undefined && password !== '') throw new KafkaClientConfigError('ssl.keystore.password', 'ssl.keystore.password cannot be set for a PEM keystore; use ssl.key.password for an encrypted key');
    const text = readStoreFile('ssl.keystore.location', location).toString('utf8');
    return pemKeyPair('ssl.keystore.location', text, text, keyPassword);
  }
  if (type === 'PKCS12') {
    // OpenSSL reads PKCS12 keystores of any key type natively; opening it here turns a wrong password into a
    // start-up error instead of a failing handshake.
    const pfx = readStoreFile('ssl.keystore.location', location);
    // The store password opens a PKCS12 file (its MAC); keytool gives its keys the same one.
    const passphrase = password ?? keyPassword ?? '';
    try {
      createSecureContext({ pfx, passphrase });
    } catch (e) {
      const why = (e as Error).message;
      throw new KafkaClientConfigError('ssl.keystore.password', `Cannot open PKCS12 keystore ${location} (ssl.keystore.location): ${/mac|password|decrypt/i.test(why) ? 'wrong ssl.keystore.password or corrupt store' : why}`);
    }
    return { pfx, passphrase };
  }
  const pem = readJks('ssl.keystore.location', location, password, keyPassword);
  if (!pem.key || !pem.cert) throw new KafkaClientConfigError('ssl.keystore.location', `Keystore ${location} holds no private key entry`);
  return { cert: pem.cert, key: pem.key };
}

function pemKeyPair(key: string, chainText: string, keyText: string, keyPassword: string | undefined): { cert: string; key: string; passphrase?: string } {
  const certs = pemBlocks(chainText, /CERTIFICATE/);
  const keys = pemBlocks(keyText, /PRIVATE KEY/);
  if (certs.length === 0) throw new KafkaClientConfigError(key, `${key}: no PEM certificate chain found`);
  if (keys.length !== 1) throw new KafkaClientConfigError(key, `${key}: expected one PEM private key, found ${keys.length}`);
  const k = keys[0]!;
  const encrypted = /ENCRYPTED/.test(k);
  if (encrypted && (keyPassword === undefined || keyPassword === '')) throw new KafkaClientConfigError('ssl.key.password', `${key} holds an encrypted private key; set ssl.key.password`);
  try {
    createPrivateKey(encrypted ? { key: k, passphrase: keyPassword } : { key: k });
  } catch {
    throw new KafkaClientConfigError(encrypted ? 'ssl.key.password' : key, encrypted ? `Cannot decrypt the private key of ${key}: wrong ssl.key.password` : `${key}: the private key cannot be read`);
  }
  return encrypted ? { cert: certs.join('\n'), key: k, passphrase: keyPassword } : { cert: certs.join('\n'), key: k };
}

function tlsOptions(props: ClientProps): ConnectionOptions {
  for (const k of UNSUPPORTED_WHEN_SET) {
    if (str(props, k) !== undefined) throw new KafkaClientConfigError(k, `${k} is a Java-only setting Ferry cannot honour; remove it`);
  }
  for (const [k, ok] of Object.entries(JAVA_DEFAULTS)) {
    const v = str(props, k);
    if (v !== undefined && !ok.includes(v)) throw new KafkaClientConfigError(k, `Invalid value ${v} for configuration ${k}: Ferry supports ${ok.join(', ')}`);
  }
  const opts: ConnectionOptions = { rejectUnauthorized: true };
  const ca = trustMaterial(props);
  if (ca) opts.ca = ca;
  const kp = keyMaterial(props);
  if (kp && 'pfx' in kp) { opts.pfx = kp.pfx; opts.passphrase = kp.passphrase; }
  else if (kp) { opts.cert = kp.cert; opts.key = kp.key; if (kp.passphrase !== undefined) opts.passphrase = kp.passphrase; }

  const ident = props['ssl.endpoint.identification.algorithm'];
  if (ident !== undefined) {
    const v = ident.trim();
    if (v === '') opts.checkServerIdentity = () => undefined;
    else if (v.toLowerCase() !== 'https') throw new KafkaClientConfigError('ssl.endpoint.identification.algorithm', `Invalid value ${ident} for configuration ssl.endpoint.identification.algorithm: expected https or empty`);
  }

  // ssl.enabled.protocols bounds the versions; ssl.protocol (the SSLContext's protocol) caps them, as in Java:
  // with ssl.protocol=TLSv1.2 the client never uses TLSv1.3.
  const enabled = list(props['ssl.enabled.protocols'] ?? 'TLSv1.2,TLSv1.3');
  for (const p of enabled) {
    if (!(TLS_VERSIONS as readonly string[]).includes(p)) throw new KafkaClientConfigError('ssl.enabled.protocols', `Invalid value ${p} in ssl.enabled.protocols: Ferry supports ${TLS_VERSIONS.join(', ')}`);
  }
  const idx = enabled.map((p) => TLS_VERSIONS.indexOf(p as TlsVersion)).sort();
  if (idx.length === 0) throw new KafkaClientConfigError('ssl.enabled.protocols', 'ssl.enabled.protocols is empty');
  for (let i = 1; i < idx.length; i++) {
    if (idx[i]! !== idx[i - 1]! + 1 && idx[i] !== idx[i - 1]) throw new KafkaClientConfigError('ssl.enabled.protocols', `ssl.enabled.protocols ${enabled.join(',')} has a gap; Node negotiates a contiguous range of versions`);
  }
  let max = idx[idx.length - 1]!;
  const ctx = str(props, 'ssl.protocol');
  if (ctx !== undefined && ctx.toUpperCase() !== 'TLS') {
    const cap = TLS_VERSIONS.indexOf(ctx as TlsVersion);
    if (cap < 0) throw new KafkaClientConfigError('ssl.protocol', `Invalid value ${ctx} for configuration ssl.protocol: expected TLS or one of ${TLS_VERSIONS.join(', ')}`);
    max = Math.min(max, cap);
    if (max < idx[0]!) throw new KafkaClientConfigError('ssl.protocol', `ssl.protocol ${ctx} is below every version in ssl.enabled.protocols`);
  }
  opts.minVersion = TLS_VERSIONS[idx[0]!];
  opts.maxVersion = TLS_VERSIONS[max];

  const suites = list(props['ssl.cipher.suites']);
  if (suites.length > 0) {
    const names = suites.map((s) => {
      const n = CIPHER_SUITES[s];
      if (!n) throw new KafkaClientConfigError('ssl.cipher.suites', `Cipher suite ${s} in ssl.cipher.suites is not one Ferry can map to OpenSSL; supported: ${Object.keys(CIPHER_SUITES).join(', ')}`);
      return n;
    });
    opts.ciphers = names.join(':');
  }
  return opts;
}

// ---------------------------------------------------------------- SASL

const LOGIN_MODULES: Record<string, string[]> = {
  PLAIN: ['org.apache.kafka.common.security.plain.PlainLoginModule'],
  'SCRAM-SHA-256': ['org.apache.kafka.common.security.scram.ScramLoginModule'],
  'SCRAM-SHA-512': ['org.apache.kafka.common.security.scram.ScramLoginModule'],
  OAUTHBEARER: ['org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule'],
};
const OAUTH_LOGIN_HANDLERS = [
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler',
];

function saslOptions(props: ClientProps): { sasl: SaslOptions; principal: string; mechanism: string } {
  const mechRaw = str(props, 'sasl.mechanism');
  // Java's default mechanism is GSSAPI; so is a SASL client without sasl.mechanism.
  const mechanism = (mechRaw ?? 'GSSAPI').toUpperCase();
  if (mechanism === 'GSSAPI') throw new KafkaClientConfigError('sasl.mechanism', `sasl.mechanism ${mechRaw ?? '(unset, Kafka\'s default GSSAPI)'}: Kerberos (GSSAPI) is not supported by Ferry; use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER`);
  if (mechanism === 'AWS_MSK_IAM' || mechanism === 'AWS') throw new KafkaClientConfigError('sasl.mechanism', `sasl.mechanism ${mechRaw}: AWS IAM authentication is not supported by Ferry; use SCRAM or OAUTHBEARER`);
  const modules = LOGIN_MODULES[mechanism];
  if (!modules) throw new KafkaClientConfigError('sasl.mechanism', `Invalid value ${mechRaw} for configuration sasl.mechanism: Ferry supports PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER`);
  for (const k of ['sasl.login.class', 'sasl.client.callback.handler.class']) {
    if (str(props, k) !== undefined) throw new KafkaClientConfigError(k, `${k} names a Java class Ferry cannot load; remove it`);
  }
  const jaasText = str(props, 'sasl.jaas.config');
  if (jaasText === undefined) throw new KafkaClientConfigError('sasl.jaas.config', `sasl.jaas.config is required for sasl.mechanism ${mechanism} (Ferry has no static JAAS file)`);
  let jaas: JaasLoginModule;
  try {
    jaas = parseJaasConfig(jaasText);
  } catch (e) {
    throw new KafkaClientConfigError('sasl.jaas.config', (e as Error).message);
  }
  if (!modules.includes(jaas.loginModule)) {
    throw new KafkaClientConfigError('sasl.jaas.config', `sasl.jaas.config names login module ${jaas.loginModule}, but sasl.mechanism ${mechanism} needs ${modules.join(' or ')}`);
  }
  if (mechanism === 'OAUTHBEARER') return { sasl: oauthOptions(props, jaas), principal: jaas.options['clientId'] ?? jaas.options['unsecuredLoginStringClaim_sub'] ?? '(token)', mechanism };
  const username = jaas.options['username'];
  const password = jaas.options['password'];
  if (username === undefined || password === undefined) throw new KafkaClientConfigError('sasl.jaas.config', `sasl.jaas.config for ${mechanism} must set username and password`);
  if (jaas.options['tokenauth'] === 'true') throw new KafkaClientConfigError('sasl.jaas.config', 'SCRAM delegation-token login (tokenauth=true) is not supported by Ferry');
  const mech = mechanism.toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512';
  return { sasl: { mechanism: mech, username, password }, principal: username, mechanism };
}

function oauthOptions(props: ClientProps, jaas: JaasLoginModule): SaslOptions {
  const endpoint = str(props, 'sasl.oauthbearer.token.endpoint.url');
  const handler = str(props, 'sasl.login.callback.handler.class');
  const extensions: Record<string, string> = {};
  for (const [k, v] of Object.entries(jaas.options)) if (k.startsWith('extension_')) extensions[k.slice('extension_'.length)] = v;
  const ext = Object.keys(extensions).length > 0 ? extensions : undefined;
  if (endpoint === undefined) {
    if (handler !== undefined) throw new KafkaClientConfigError('sasl.login.callback.handler.class', `sasl.login.callback.handler.class ${handler} needs sasl.oauthbearer.token.endpoint.url`);
    // Kafka's default OAUTHBEARER login: an unsecured JWT built from the JAAS options (development setups).
    const unknown = Object.keys(jaas.options).filter((k) => !k.startsWith('extension_') && !UNSECURED_LOGIN_MODULE_OPTIONS.test(k));
    if (unknown.length > 0) throw new KafkaClientConfigError('sasl.jaas.config', `OAUTHBEARER without sasl.oauthbearer.token.endpoint.url builds an unsecured token; option(s) ${unknown.join(', ')} are not understood (set sasl.oauthbearer.token.endpoint.url for client credentials)`);
    if (jaas.options['unsecuredLoginStringClaim_sub'] === undefined) throw new KafkaClientConfigError('sasl.jaas.config', 'OAUTHBEARER: set sasl.oauthbearer.token.endpoint.url (client credentials) or unsecuredLoginStringClaim_sub (unsecured token)');
    return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: unsecuredToken(jaas.options), ...(ext ? { extensions: ext } : {}) }) };
  }
  if (handler !== undefined && !OAUTH_LOGIN_HANDLERS.includes(handler)) throw new KafkaClientConfigError('sasl.login.callback.handler.class', `sasl.login.callback.handler.class ${handler} is not supported; Ferry implements ${OAUTH_LOGIN_HANDLERS[0]}`);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new KafkaClientConfigError('sasl.oauthbearer.token.endpoint.url', `Invalid value ${endpoint} for configuration sasl.oauthbearer.token.endpoint.url: not a URL`);
  }
  if (url.protocol === 'file:') {
    // Kafka's file-based "endpoint": a file holding a JWT issued by the provider, re-read when it nears expiry.
    const file = fileTokenSource(fileURLToPath(url), num(props, 'sasl.login.refresh.window.factor', 0.8));
    return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: file(), ...(ext ? { extensions: ext } : {}) }) };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new KafkaClientConfigError('sasl.oauthbearer.token.endpoint.url', `sasl.oauthbearer.token.endpoint.url must be an http(s) or file URL, got ${url.protocol}`);
  const clientId = jaas.options['clientId'];
  const clientSecret = jaas.options['clientSecret'];
  if (clientId === undefined || clientSecret === undefined) throw new KafkaClientConfigError('sasl.jaas.config', 'OAUTHBEARER client credentials need clientId and clientSecret in sasl.jaas.config');
  const source = OAuthTokenSource.for({
    url,
    clientId,
    clientSecret,
    scope: jaas.options['scope'],
    refreshWindowFactor: num(props, 'sasl.login.refresh.window.factor', 0.8),
    connectTimeoutMs: num(props, 'sasl.login.connect.timeout.ms', 10_000),
    readTimeoutMs: num(props, 'sasl.login.read.timeout.ms', 10_000),
    retryBackoffMs: num(props, 'sasl.login.retry.backoff.ms', 100),
    retryBackoffMaxMs: num(props, 'sasl.login.retry.backoff.max.ms', 10_000),
    // An https endpoint is trusted like the brokers: through the client's ssl.* settings.
    tls: url.protocol === 'https:' ? tlsOptions(props) : undefined,
  });
  return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: await source.token(), ...(ext ? { extensions: ext } : {}) }) };
}

function num(props: ClientProps, key: string, d: number): number {
  const v = str(props, key);
  if (v === undefined) return d;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new KafkaClientConfigError(key, `Invalid value ${v} for configuration ${key}: expected a number`);
  return n;
}

// ---------------------------------------------------------------- resolution

interface CacheEntry { sig: string; value: ConnectionSecurity }
const cache = new Map<string, CacheEntry>();

/** Files whose content the result depends on, with their mtimes: a rotated store is picked up by new clients. */
function fileSignature(props: ClientProps): string {
  const parts: string[] = [];
  for (const k of ['ssl.truststore.location', 'ssl.keystore.location']) {
    const p = str(props, k);
    if (p === undefined) continue;
    try { parts.push(`${p}@${statSync(p).mtimeMs}`); } catch { parts.push(`${p}@missing`); }
  }
  return parts.join('|');
}

function relevantKeys(props: ClientProps): string {
  const keys = Object.keys(props).filter((k) => k === 'security.protocol' || k.startsWith('ssl.') || k.startsWith('sasl.')).sort();
  return JSON.stringify(keys.map((k) => [k, props[k]]));
}

/**
 * TLS and SASL settings of a connection. Throws KafkaClientConfigError naming the key for anything Ferry
 * cannot honour. Results are cached per distinct settings (and store file mtimes), so building many clients
 * reads each store once.
 */
export function resolveSecurity(props: ClientProps): ConnectionSecurity {
  const protocol = securityProtocolOf(props);
  const k = relevantKeys(props);
  const sig = fileSignature(props);
  const hit = cache.get(k);
  if (hit && hit.sig === sig) return hit.value;
  const value = resolveUncached(props, protocol);
  cache.set(k, { sig, value });
  return value;
}

function resolveUncached(props: ClientProps, protocol: SecurityProtocol): ConnectionSecurity {
  const tlsOn = protocol === 'SSL' || protocol === 'SASL_SSL';
  const saslOn = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const out: ConnectionSecurity = { protocol, summary: protocol };
  if (tlsOn) out.tls = tlsOptions(props);
  else {
    const stray = Object.keys(props).filter((k) => /^ssl\.(truststore|keystore)\.(location|certificates|certificate\.chain|key)$/.test(k) && str(props, k) !== undefined);
    if (stray.length > 0) warnOnce(`plain:${stray.join(',')}`, { protocol, keys: stray }, `security.protocol is ${protocol}: the TLS settings ${stray.join(', ')} are not used`);
  }
  if (saslOn) {
    const s = saslOptions(props);
    out.sasl = s.sasl;
    out.summary = `${protocol}/${s.mechanism} as ${s.principal}`;
  } else if (str(props, 'sasl.jaas.config') !== undefined) {
    warnOnce(`nosasl:${protocol}`, { protocol }, `security.protocol is ${protocol}: sasl.jaas.config is not used`);
  }
  if (out.tls?.cert) out.summary += ` with client certificate ${subjectOf(out.tls.cert as string)}`;
  else if (out.tls?.pfx) out.summary += ' with a PKCS12 client certificate';
  return out;
}

function subjectOf(pem: string): string {
  try {
    return new X509Certificate(pemBlocks(pem, /CERTIFICATE/)[0] ?? pem).subject.replace(/\n/g, ',');
  } catch {
    return '(unreadable)';
  }
}

const warned = new Set<string>();
function warnOnce(key: string, obj: Record<string, unknown>, msg: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  log.warn(obj, msg);
}

/**
 * Start-up check of one client configuration: resolves it (reading the stores, parsing the JAAS text; for a
 * producer, its compression settings) and, on a setting Ferry cannot honour, throws the error with `where` in front, e.g. "cluster A (A.producer.*)".
 */
export function validateClientSecurity(props: ClientProps, where: string, kind?: 'producer' | 'consumer' | 'admin'): void {
  try {
    resolveSecurity(props);
    if (kind === 'producer') {
      try {
        compressionSettings(props);
      } catch (e) {
        throw new KafkaClientConfigError(/compression\.(\w+\.level)/.exec((e as Error).message)?.[0] ?? 'compression.type', (e as Error).message);
      }
    }
  } catch (e) {
    if (e instanceof KafkaClientConfigError) throw new KafkaClientConfigError(e.key, `${where}: ${e.message}`);
    throw e;
  }
}

/**
 * Node TLS options (trust and key material, versions, ciphers) from `ssl.*`-style properties, read with
 * the same rules as for Kafka clients. Used by the Connect REST server and its inter-worker client; Kafka
 * clients keep going through resolveSecurity.
 */
export function sslContextOptions(props: ClientProps): ConnectionOptions {
  return tlsOptions(props);
}
