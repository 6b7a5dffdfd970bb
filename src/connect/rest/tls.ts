// HTTPS for the REST API: the server side of `listeners=https://…` and the client side used when workers
// forward requests to each other. As in Connect (SSLUtils), the `listeners.https.` prefixed keys are used
// all-or-nothing: when any is set, only they apply and the unprefixed `ssl.*` keys are ignored.
import type { ConnectionOptions } from 'node:tls';
import type { ServerOptions } from 'node:https';
import { ConfigError } from '../api/errors.js';
import { KafkaClientConfigError, sslContextOptions } from '../../kafka/security.js';

const PREFIX = 'listeners.https.';
export type ClientAuth = 'required' | 'requested' | 'none';

/** The `ssl.*` view the REST API uses, and how a key is spelled in the worker file (for messages). */
export function restSslProps(props: Readonly<Record<string, string | undefined>>): { props: Record<string, string>; keyName: (k: string) => string } {
  const prefixed = Object.keys(props).some((k) => k.startsWith(PREFIX));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    if (prefixed && k.startsWith(PREFIX)) out[k.slice(PREFIX.length)] = v;
    else if (!prefixed && k.startsWith('ssl.')) out[k] = v;
  }
  return { props: out, keyName: (k) => (prefixed ? PREFIX + k : k) };
}

function configError(err: unknown, keyName: (k: string) => string): never {
  if (err instanceof KafkaClientConfigError) {
    const key = keyName(err.key);
    // Name keys as the worker file spells them (with the listeners.https. prefix when that is in use).
    const message = err.message.replace(/(?<![\w.])ssl\.[a-z.]*[a-z]/g, (k) => keyName(k));
    throw new ConfigError(`REST HTTPS: ${message}`, { [key]: [message] }, { cause: err });
  }
  throw err;
}

/** `ssl.client.auth` (Kafka's key; `ssl.client.authentication` accepted too): none unless set. */
export function clientAuthOf(props: Readonly<Record<string, string>>, keyName: (k: string) => string): ClientAuth {
  const key = props['ssl.client.auth'] !== undefined ? 'ssl.client.auth' : 'ssl.client.authentication';
  const v = (props[key] ?? 'none').trim().toLowerCase();
  if (v === 'required' || v === 'requested' || v === 'none') return v;
  const msg = `Invalid value ${props[key]} for configuration ${keyName(key)}: expected required, requested or none`;
  throw new ConfigError(msg, { [keyName(key)]: [msg] });
}

/** Node https server options for an https listener; a missing keystore is an error naming the key. */
export function httpsServerOptions(workerProps: Readonly<Record<string, string | undefined>>): ServerOptions {
  const { props, keyName } = restSslProps(workerProps);
  let tls: ConnectionOptions;
  try { tls = sslContextOptions(props); } catch (e) { configError(e, keyName); }
  if (!tls.pfx && !(tls.cert && tls.key)) {
    const key = keyName('ssl.keystore.location');
    const msg = `An https listener needs a keystore: set ${key} (or ${keyName('ssl.keystore.certificate.chain')} and ${keyName('ssl.keystore.key')})`;
    throw new ConfigError(msg, { [key]: [msg] });
  }
  const auth = clientAuthOf(props, keyName);
  const out: ServerOptions = {
    minVersion: tls.minVersion, maxVersion: tls.maxVersion,
    requestCert: auth !== 'none',
    // `requested` asks for a certificate but lets clients without one (or with an untrusted one) in, as Jetty's wantClientAuth.
    rejectUnauthorized: auth === 'required',
  };
  if (tls.pfx) out.pfx = tls.pfx;
  if (tls.cert) out.cert = tls.cert;
  if (tls.key) out.key = tls.key;
  if (tls.passphrase !== undefined) out.passphrase = tls.passphrase;
  if (tls.ca) out.ca = tls.ca;
  if (tls.ciphers) out.ciphers = tls.ciphers;
  return out;
}

/**
 * TLS options for requests this worker makes to other workers: trust the configured truststore (not only the
 * system CAs), present the keystore (so `ssl.client.auth=required` groups work), verify host names unless
 * `ssl.endpoint.identification.algorithm` is empty.
 */
export function restClientTls(workerProps: Readonly<Record<string, string | undefined>>): ConnectionOptions {
  const { props, keyName } = restSslProps(workerProps);
  try { return sslContextOptions(props); } catch (e) { configError(e, keyName); }
}
