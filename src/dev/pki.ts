// Certificates and key stores for local secured clusters: one CA per dev directory (reused by every cluster
// and every later `ferry dev up`), a client certificate for mutual TLS, and per cluster a broker certificate
// for 127.0.0.1/localhost plus a deliberately wrong-host one. Made with openssl (keys, certificates, PKCS12)
// and the JDK's keytool (JKS, and PKCS12 truststores that Java accepts), never over the network.
//
// Every store exists in the three flavours Kafka clients take: JKS, PKCS12 and PEM (file or inline).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { findJava, MissingToolError } from './jars.js';
import { withLock } from './lock.js';
import { which } from './process.js';

const run = promisify(execFile);

/** Bumped when the layout or content of the generated material changes, so old caches are regenerated. */
const PKI_LAYOUT = 2;
const VALID_DAYS = '3650';
/** The user whose certificate the mutual-TLS client presents (principal User:alice with Ferry's mapping rule). */
export const CLIENT_CERT_USER = 'alice';
/** A host name no resolver answers, so a certificate for it never matches the broker's address. */
export const WRONG_HOST = 'wrong-host.ferry.invalid';

/** Files of one truststore (the CA certificate) in every flavour. */
export interface TruststoreFiles {
  jks: string;
  pkcs12: string;
  /** The CA certificate, PEM. */
  pem: string;
  /** Password of the JKS and PKCS12 files (PEM has none). */
  password: string;
}

/** Files of one keystore (private key + certificate chain) in every flavour. */
export interface KeystoreFiles {
  jks: string;
  pkcs12: string;
  /** Unencrypted PKCS#8 key followed by the certificate chain (leaf, CA): Kafka's PEM keystore file. */
  pem: string;
  /** The same with the key encrypted (PKCS#8, PBE-SHA1-3DES: what Java's PEM reader takes) under keyPassword. */
  pemEncrypted: string;
  /** Certificate chain only (leaf, CA), PEM. */
  certChain: string;
  /** Unencrypted PKCS#8 private key, PEM. */
  key: string;
  /** Encrypted PKCS#8 private key, PEM. */
  keyEncrypted: string;
  /** Password of the JKS and PKCS12 files. */
  password: string;
  /** Password of the private key: inside JKS/PKCS12 (same as the store's, as keytool makes them) and of keyEncrypted. */
  keyPassword: string;
}

/** The dev directory's certificate authority and client material, plus the secrets the clusters share. */
export interface DevPki {
  dir: string;
  /** CA certificate (PEM); its key stays in dir and only signs. */
  caCert: string;
  caKey: string;
  /** Trusts the dev CA. */
  truststore: TruststoreFiles;
  /** Trusts an unrelated CA: the "untrusted certificate" case. */
  untrustedTruststore: TruststoreFiles;
  /** CN=alice, signed by the dev CA, for mutual TLS. */
  client: KeystoreFiles;
  /** Passwords of the SASL users (SCRAM and PLAIN), generated once per dev directory. */
  users: Record<string, string>;
}

/** Per-cluster broker stores, all PKCS12 under the dev PKI's store password. */
export interface BrokerStores {
  /** Broker certificate with SAN DNS:localhost, IP:127.0.0.1. */
  keystore: string;
  /** Broker certificate naming only WRONG_HOST (host-name mismatch tests). */
  wrongHostKeystore: string;
  /** The dev CA, to verify client certificates (mutual TLS). */
  truststore: string;
  password: string;
}

interface PkiManifest {
  layout: number;
  storePassword: string;
  keyPassword: string;
  users: Record<string, string>;
}

/** The SASL users every secured cluster has: a super user for tools and a normal user. */
export const SASL_USERS = ['admin', 'alice'] as const;

function secret(): string {
  // Letters and digits only: survives StorageTool's [name=…,password=…] syntax, JAAS quoting and shells.
  return randomBytes(18).toString('base64url').replace(/[-_]/g, 'x');
}

function requireOpenssl(): string {
  const p = which('openssl');
  if (!p) throw new MissingToolError('openssl', `openssl not found on PATH; secured local clusters need it to make certificates (Debian/Ubuntu: apt-get install -y openssl).`);
  return p;
}

function keytoolPath(): string {
  // keytool sits beside the java that runs the brokers; PATH is the fallback.
  const beside = join(dirname(findJava()), 'keytool');
  if (existsSync(beside)) return beside;
  const p = which('keytool');
  if (!p) throw new MissingToolError('keytool', `keytool not found (beside ${findJava()} or on PATH); it comes with every JDK.`);
  return p;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run(requireOpenssl(), args, { cwd });
  } catch (err) {
    const e = err as { stderr?: string; message?: string };
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message ?? String(err)).trim()}`, { cause: err });
  }
}

async function keytool(args: string[], cwd: string): Promise<void> {
  // A one-shot JVM: C1 only and serial GC start fastest.
  const jvm = ['-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC', '-J-Xshare:auto'];
  try {
    await run(keytoolPath(), [...jvm, ...args], { cwd });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message?: string };
    throw new Error(`keytool ${args[0]} failed: ${`${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || e.message}`, { cause: err });
  }
}

function serial(): string {
  // Positive 63-bit serial: unique per certificate, so browsers and JSSE never see two certs with one serial.
  const b = randomBytes(8);
  b[0] = b[0]! & 0x7f;
  return `0x${b.toString('hex')}`;
}

async function makeCa(dir: string, base: string, subject: string): Promise<void> {
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.pem`, '-days', VALID_DAYS,
    '-subj', subject, '-set_serial', serial(), '-sha256',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-addext', 'subjectKeyIdentifier=hash'], dir);
}

/**
 * A leaf key and certificate signed by the CA in caDir. RSA keys because every reader of stores handles them
 * (some JavaScript PKCS12 readers do not handle EC keys).
 */
async function makeLeaf(opts: { dir: string; caDir: string; base: string; subject: string; san?: string; usage: 'server' | 'client' }): Promise<void> {
  const { dir, base } = opts;
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', opts.subject], dir);
  const ext = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${opts.usage === 'server' ? 'serverAuth,clientAuth' : 'clientAuth'}`,
    'authorityKeyIdentifier=keyid',
    ...(opts.san ? [`subjectAltName=${opts.san}`] : []),
  ].join('\n') + '\n';
  writeFileSync(join(dir, `${base}.ext`), ext);
  await openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', join(opts.caDir, 'ca.pem'), '-CAkey', join(opts.caDir, 'ca.key'), '-set_serial', serial(),
    '-days', VALID_DAYS, '-sha256', '-extfile', `${base}.ext`, '-out', `${base}.crt`], dir);
  rmSync(join(dir, `${base}.csr`), { force: true });
  rmSync(join(dir, `${base}.ext`), { force: true });
  // Chain file: leaf then CA, the order TLS sends them.
  writeFileSync(join(dir, `${base}.chain.pem`), readFileSync(join(dir, `${base}.crt`), 'utf8') + readFileSync(join(opts.caDir, 'ca.pem'), 'utf8'));
}

async function makePkcs12Keystore(dir: string, base: string, caPem: string, password: string): Promise<void> {
  // OpenSSL 3 writes PBES2/AES-256 with a SHA-256 MAC, which Java 8u301+ and 11.0.12+ read.
  await openssl(['pkcs12', '-export', '-in', `${base}.crt`, '-inkey', `${base}.key`, '-certfile', caPem, '-name', base,
    '-out', `${base}.keystore.p12`, '-passout', `pass:${password}`], dir);
}

/** PKCS12 + JKS truststores holding one CA certificate as a trusted entry (keytool marks it trusted for Java). */
async function makeTruststores(dir: string, prefix: string, caPem: string, password: string): Promise<void> {
  await Promise.all((['PKCS12', 'JKS'] as const).map((type) => keytool(['-importcert', '-noprompt', '-alias', 'ferry-dev-ca', '-file', caPem,
    '-keystore', `${prefix}.${type === 'JKS' ? 'jks' : 'p12'}`, '-storetype', type, '-storepass', password], dir)));
}

function manifestFile(dir: string): string {
  return join(dir, 'pki.json');
}

function readManifest(dir: string): PkiManifest | undefined {
  try {
    const m = JSON.parse(readFileSync(manifestFile(dir), 'utf8')) as PkiManifest;
    return m.layout === PKI_LAYOUT ? m : undefined;
  } catch {
    return undefined;
  }
}

function describePki(dir: string, m: PkiManifest): DevPki {
  const f = (name: string) => join(dir, name);
  const c = CLIENT_CERT_USER;
  return {
    dir,
    caCert: f('ca.pem'),
    caKey: f('ca.key'),
    truststore: { jks: f('truststore.jks'), pkcs12: f('truststore.p12'), pem: f('ca.pem'), password: m.storePassword },
    untrustedTruststore: { jks: f('untrusted-truststore.jks'), pkcs12: f('untrusted-truststore.p12'), pem: f('untrusted-ca.pem'), password: m.storePassword },
    client: {
      jks: f(`${c}.keystore.jks`),
      pkcs12: f(`${c}.keystore.p12`),
      pem: f(`${c}.keystore.pem`),
      pemEncrypted: f(`${c}.keystore-encrypted.pem`),
      certChain: f(`${c}.chain.pem`),
      key: f(`${c}.key`),
      keyEncrypted: f(`${c}.key-encrypted.pem`),
      password: m.storePassword,
      keyPassword: m.keyPassword,
    },
    users: m.users,
  };
}

const inProcess = new Map<string, Promise<DevPki>>();

/**
 * The dev PKI in dir, generated on first use (about a second: a few openssl calls and keytool JVMs run in
 * parallel) and reused afterwards. Safe to call concurrently from several clusters and processes.
 */
export function ensureDevPki(dir: string): Promise<DevPki> {
  let p = inProcess.get(dir);
  if (!p) {
    p = generateDevPki(dir);
    inProcess.set(dir, p);
    p.catch(() => inProcess.delete(dir));
  }
  return p;
}

async function generateDevPki(dir: string): Promise<DevPki> {
  const existing = readManifest(dir);
  if (existing) return describePki(dir, existing);
  mkdirSync(dir, { recursive: true });
  return withLock(join(dir, '.lock'), async () => {
    const again = readManifest(dir);
    if (again) return describePki(dir, again);
    // Leftovers of an older layout or an interrupted run: keytool refuses to import into an existing alias.
    for (const e of readdirSync(dir)) if (e !== '.lock' && e !== 'brokers') rmSync(join(dir, e), { recursive: true, force: true });
    const m: PkiManifest = {
      layout: PKI_LAYOUT,
      storePassword: secret(),
      keyPassword: secret(),
      users: Object.fromEntries(SASL_USERS.map((u) => [u, secret()])),
    };
    const pki = describePki(dir, m);
    const c = CLIENT_CERT_USER;
    await Promise.all([
      makeCa(dir, 'ca', '/O=Ferry/CN=Ferry dev CA'),
      makeCa(dir, 'untrusted-ca', '/O=Elsewhere/CN=Untrusted dev CA'),
    ]);
    await Promise.all([
      makeTruststores(dir, 'truststore', 'ca.pem', m.storePassword),
      makeTruststores(dir, 'untrusted-truststore', 'untrusted-ca.pem', m.storePassword),
      (async () => {
        await makeLeaf({ dir, caDir: dir, base: c, subject: `/CN=${c}`, usage: 'client' });
        await makePkcs12Keystore(dir, c, 'ca.pem', m.storePassword);
        // PBES1 (PKCS#12 PBE, SHA-1 + 3DES): Java 17's EncryptedPrivateKeyInfo, which Kafka's PEM keystore uses,
        // has no PBES2 ("PBES2 SecretKeyFactory not available"); Node reads both.
        await openssl(['pkcs8', '-topk8', '-in', `${c}.key`, '-out', `${c}.key-encrypted.pem`, '-v1', 'PBE-SHA1-3DES', '-passout', `pass:${m.keyPassword}`], dir);
        const chain = readFileSync(pki.client.certChain, 'utf8');
        writeFileSync(pki.client.pem, readFileSync(pki.client.key, 'utf8') + chain);
        writeFileSync(pki.client.pemEncrypted, readFileSync(pki.client.keyEncrypted, 'utf8') + chain);
        await keytool(['-importkeystore', '-noprompt', '-srckeystore', `${c}.keystore.p12`, '-srcstoretype', 'PKCS12', '-srcstorepass', m.storePassword,
          '-destkeystore', `${c}.keystore.jks`, '-deststoretype', 'JKS', '-deststorepass', m.storePassword, '-destkeypass', m.storePassword], dir);
      })(),
    ]);
    // The untrusted CA's key is never needed again: only its certificate sits in truststores.
    rmSync(join(dir, 'untrusted-ca.key'), { force: true });
    // Written last: its presence means every file above is complete.
    writeFileSync(manifestFile(dir), JSON.stringify(m, null, 2) + '\n', { mode: 0o600 });
    return pki;
  }, { timeoutMs: 120_000 });
}

/** The broker's PKCS12 stores for one cluster in dir (cluster dir/tls), made once from the dev CA. */
export async function ensureBrokerStores(pki: DevPki, dir: string, clusterName: string): Promise<BrokerStores> {
  const password = pki.truststore.password;
  const stores: BrokerStores = {
    keystore: join(dir, 'broker.keystore.p12'),
    wrongHostKeystore: join(dir, 'wrong-host.keystore.p12'),
    truststore: pki.truststore.pkcs12,
    password,
  };
  const marker = join(dir, 'stores.json');
  if (storesValid(marker, pki, stores)) return stores;
  mkdirSync(dir, { recursive: true });
  // Test processes share one PKI in the cache directory, so two of them may make the same cluster's stores.
  return withLock(join(dir, '.lock'), async () => {
    if (storesValid(marker, pki, stores)) return stores;
    await makeBrokerStores(pki, dir, clusterName, password);
    writeFileSync(marker, JSON.stringify({ layout: PKI_LAYOUT, ca: readFileSync(pki.caCert, 'utf8') }) + '\n');
    return stores;
  }, { timeoutMs: 60_000 });
}

function storesValid(marker: string, pki: DevPki, stores: BrokerStores): boolean {
  try {
    const m = JSON.parse(readFileSync(marker, 'utf8')) as { layout: number; ca: string };
    // Valid only if made from this very CA (a dev dir recreated around an old cluster dir gets new ones).
    return m.layout === PKI_LAYOUT && m.ca === readFileSync(pki.caCert, 'utf8') && existsSync(stores.keystore) && existsSync(stores.wrongHostKeystore);
  } catch {
    return false; // missing or unreadable: make them
  }
}

async function makeBrokerStores(pki: DevPki, dir: string, clusterName: string, password: string): Promise<void> {
  const caPem = pki.caCert;
  await Promise.all([
    (async () => {
      await makeLeaf({ dir, caDir: pki.dir, base: 'broker', subject: `/O=Ferry/CN=${clusterName}`, san: 'DNS:localhost,IP:127.0.0.1', usage: 'server' });
      await makePkcs12Keystore(dir, 'broker', caPem, password);
    })(),
    (async () => {
      await makeLeaf({ dir, caDir: pki.dir, base: 'wrong-host', subject: `/O=Ferry/CN=${WRONG_HOST}`, san: `DNS:${WRONG_HOST}`, usage: 'server' });
      await makePkcs12Keystore(dir, 'wrong-host', caPem, password);
    })(),
  ]);
}
