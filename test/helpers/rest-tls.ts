// TLS material for REST HTTPS tests: the dev CA (src/dev/pki.ts) signs a server certificate for
// 127.0.0.1/localhost, offered here as a keystore in each flavour Connect takes (JKS, PKCS12, PEM), plus
// truststores and the CN=alice client keystore for mutual TLS.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureBrokerStores, ensureDevPki, type DevPki } from '../../src/dev/pki.js';
import { findJava } from '../../src/dev/jars.js';

export interface RestTlsMaterial {
  pki: DevPki;
  /** Server keystores (CN=rest, SAN localhost/127.0.0.1). */
  keystore: { jks: string; pkcs12: string; pem: string; password: string };
  /** ssl.* keys for a given flavour, as a worker file would set them (unprefixed). */
  serverProps(flavour: 'jks' | 'pkcs12' | 'pem'): Record<string, string>;
}

function keytool(): string {
  try {
    const beside = join(dirname(findJava()), 'keytool');
    if (existsSync(beside)) return beside;
  } catch { /* fall back to PATH */ }
  return 'keytool';
}

export async function restTlsMaterial(dir: string): Promise<RestTlsMaterial> {
  const pki = await ensureDevPki(join(dir, 'pki'));
  const tlsDir = join(dir, 'rest-tls');
  const stores = await ensureBrokerStores(pki, tlsDir, 'rest');
  const password = stores.password;
  const jks = join(tlsDir, 'rest.keystore.jks');
  if (!existsSync(jks)) {
    execFileSync(keytool(), ['-importkeystore', '-noprompt', '-srckeystore', stores.keystore, '-srcstoretype', 'PKCS12', '-srcstorepass', password,
      '-destkeystore', jks, '-deststoretype', 'JKS', '-deststorepass', password, '-destkeypass', password], { stdio: 'pipe' });
  }
  const pem = join(tlsDir, 'rest.keystore.pem');
  writeFileSync(pem, readFileSync(join(tlsDir, 'broker.key'), 'utf8') + readFileSync(join(tlsDir, 'broker.chain.pem'), 'utf8'));
  const keystore = { jks, pkcs12: stores.keystore, pem, password };
  return {
    pki,
    keystore,
    serverProps: (flavour) => {
      const trust: Record<string, string> = flavour === 'pem'
        ? { 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': pki.truststore.pem }
        : { 'ssl.truststore.type': flavour.toUpperCase(), 'ssl.truststore.location': pki.truststore[flavour], 'ssl.truststore.password': pki.truststore.password };
      const key: Record<string, string> = flavour === 'pem'
        ? { 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': pem }
        : { 'ssl.keystore.type': flavour.toUpperCase(), 'ssl.keystore.location': keystore[flavour], 'ssl.keystore.password': password, 'ssl.key.password': password };
      return { ...trust, ...key };
    },
  };
}
