// Security settings → TLS/SASL options: protocol parsing, JAAS, JKS/PKCS12/PEM stores (made with the JDK's
// keytool and openssl), host-name verification through a real loopback TLS handshake.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type ConnectionOptions } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { parseJaasConfig, parseJaasModules } from '../../src/kafka/jaas.js';
import { resolveSecurity, securityProtocolOf, validateClientSecurity, KafkaClientConfigError } from '../../src/kafka/security.js';
import { unsecuredToken } from '../../src/kafka/oauth.js';

const SECRET = 'S3cret-pw-9f2';
let dir = '';
const f = (n: string) => join(dir, n);
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: dir, stdio: 'pipe' });

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-sec-'));
  // CA, a server certificate for 127.0.0.1/localhost and one for another host, a client key pair.
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ferry-test-ca']);
  for (const [name, san] of [['server', 'DNS:localhost,IP:127.0.0.1'], ['wronghost', 'DNS:elsewhere.example']] as const) {
    run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    writeFileSync(f(`${name}.ext`), `subjectAltName=${san}\n`);
    run('openssl', ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
  }
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=client']);
  run('openssl', ['x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2']);
  // PEM keystore with an encrypted PKCS#8 key; PKCS12 keystore; JKS keystore (key password differs).
  run('openssl', ['pkcs8', '-topk8', '-in', 'client.key', '-out', 'client.enc.key', '-v2', 'aes-256-cbc', '-passout', `pass:${SECRET}`]);
  writeFileSync(f('client.keystore.pem'), readFileSync(f('client.enc.key'), 'utf8') + readFileSync(f('client.pem'), 'utf8'));
  run('openssl', ['pkcs12', '-export', '-in', 'client.pem', '-inkey', 'client.key', '-name', 'client', '-out', 'client.p12', '-passout', `pass:${SECRET}`]);
  run('keytool', ['-importkeystore', '-srckeystore', 'client.p12', '-srcstoretype', 'PKCS12', '-srcstorepass', SECRET, '-destkeystore', 'client.jks', '-deststoretype', 'JKS', '-deststorepass', SECRET, '-destkeypass', `${SECRET}-key`, '-noprompt']);
  run('keytool', ['-importcert', '-noprompt', '-alias', 'ca', '-file', 'ca.pem', '-keystore', 'trust.jks', '-storetype', 'JKS', '-storepass', SECRET]);
  run('keytool', ['-importcert', '-noprompt', '-alias', 'ca', '-file', 'ca.pem', '-keystore', 'trust.p12', '-storetype', 'PKCS12', '-storepass', SECRET]);
});
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

/** The error thrown by fn; asserts it names `key` and never contains the test password. */
function configError(fn: () => unknown, key: string): KafkaClientConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof KafkaClientConfigError, `expected KafkaClientConfigError, got ${String(e)}`);
    assert.equal(e.key, key);
    assert.ok(e.message.includes(key), `message names ${key}: ${e.message}`);
    assert.ok(!e.message.includes(SECRET), `message leaks the password: ${e.message}`);
    return e;
  }
  assert.fail(`expected an error naming ${key}`);
}

describe('security.protocol', () => {
  test('case-insensitive and trimmed, as .properties files keep trailing spaces', () => {
    assert.equal(securityProtocolOf({ 'security.protocol': 'SASL_SSL ' }), 'SASL_SSL');
    assert.equal(securityProtocolOf({ 'security.protocol': 'sasl_ssl' }), 'SASL_SSL');
    assert.equal(securityProtocolOf({ 'security.protocol': ' ssl' }), 'SSL');
    assert.equal(securityProtocolOf({}), 'PLAINTEXT');
  });
  test('anything else is an error naming key and value, never plaintext', () => {
    const e = configError(() => resolveSecurity({ 'security.protocol': 'TLS' }), 'security.protocol');
    assert.match(e.message, /"TLS"/);
    configError(() => resolveSecurity({ 'security.protocol': 'SASL-SSL' }), 'security.protocol');
  });
});

describe('sasl.jaas.config parser', () => {
  test('quoted values with escapes, several options, trailing ;', () => {
    const m = parseJaasConfig('org.apache.kafka.common.security.scram.ScramLoginModule required username="al ice" password="p\\"w;=\\\\x" extra=bare-word_1;');
    assert.equal(m.loginModule, 'org.apache.kafka.common.security.scram.ScramLoginModule');
    assert.equal(m.flag, 'required');
    assert.deepEqual(m.options, { username: 'al ice', password: 'p"w;=\\x', extra: 'bare-word_1' });
  });
  test('comments, newlines and flags in any case', () => {
    const m = parseJaasConfig('// c\n  org.apache.kafka.common.security.plain.PlainLoginModule  REQUIRED /* note */\n username="u"\n password="p" ;');
    assert.equal(m.flag, 'required');
    assert.deepEqual(m.options, { username: 'u', password: 'p' });
  });
  test('errors name the problem without echoing values', () => {
    assert.throws(() => parseJaasConfig('x.LoginModule required username="u" password="p"'), /not terminated by ';'/);
    assert.throws(() => parseJaasConfig('x.LoginModule username="u";'), /control flag/);
    assert.throws(() => parseJaasConfig('x.LoginModule required password="unterminated;'), (e: Error) => /unterminated/.test(e.message) && !e.message.includes('unterminated;'));
    assert.throws(() => parseJaasConfig('a.A required; b.B optional;'), /exactly one login module, found 2/);
    assert.equal(parseJaasModules('a.A required; b.B optional x=1;').length, 2);
  });
});

describe('SASL', () => {
  const scram = (mech: string, extra: Record<string, string> = {}) => ({
    'security.protocol': 'SASL_PLAINTEXT',
    'sasl.mechanism': mech,
    'sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${SECRET}";`,
    ...extra,
  });
  test('SCRAM-SHA-512 and -256, PLAIN', () => {
    assert.deepEqual(resolveSecurity(scram('SCRAM-SHA-512')).sasl, { mechanism: 'scram-sha-512', username: 'alice', password: SECRET });
    assert.deepEqual(resolveSecurity(scram('scram-sha-256')).sasl, { mechanism: 'scram-sha-256', username: 'alice', password: SECRET });
    const plain = resolveSecurity({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="bob" password="${SECRET}";` });
    assert.deepEqual(plain.sasl, { mechanism: 'plain', username: 'bob', password: SECRET });
    assert.ok(plain.tls, 'SASL_SSL gets TLS');
    assert.ok(!plain.summary.includes(SECRET));
  });
  test('GSSAPI (also the default mechanism) and AWS IAM are refused at start', () => {
    assert.match(configError(() => resolveSecurity(scram('GSSAPI')), 'sasl.mechanism').message, /not supported/);
    const noMech: Record<string, string> = scram('X');
    delete noMech['sasl.mechanism'];
    assert.match(configError(() => resolveSecurity(noMech), 'sasl.mechanism').message, /GSSAPI/);
    assert.match(configError(() => resolveSecurity(scram('AWS_MSK_IAM')), 'sasl.mechanism').message, /not supported/);
  });
  test('missing or mismatched JAAS, and Java-only classes', () => {
    configError(() => resolveSecurity({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN' }), 'sasl.jaas.config');
    assert.match(configError(() => resolveSecurity({ ...scram('PLAIN') }), 'sasl.jaas.config').message, /PlainLoginModule/);
    configError(() => resolveSecurity(scram('SCRAM-SHA-512', { 'sasl.client.callback.handler.class': 'com.example.X' })), 'sasl.client.callback.handler.class');
  });
  test('OAUTHBEARER: client credentials need an endpoint; unsecured tokens carry the claims', async () => {
    const cc = resolveSecurity({
      'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'OAUTHBEARER',
      'sasl.login.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
      'sasl.oauthbearer.token.endpoint.url': 'http://127.0.0.1:1/token',
      'sasl.jaas.config': `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="ferry" clientSecret="${SECRET}" scope="kafka";`,
    });
    assert.equal(cc.sasl?.mechanism, 'oauthbearer');
    configError(() => resolveSecurity({
      'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'OAUTHBEARER', 'sasl.oauthbearer.token.endpoint.url': 'http://127.0.0.1:1/token',
      'sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="ferry";',
    }), 'sasl.jaas.config');
    const token = unsecuredToken({ unsecuredLoginStringClaim_sub: 'alice', unsecuredLoginListClaim_scope: ',a,b' }, 1_700_000_000_000);
    const [h, p, sig] = token.split('.');
    assert.deepEqual(JSON.parse(Buffer.from(h!, 'base64url').toString()), { alg: 'none' });
    assert.deepEqual(JSON.parse(Buffer.from(p!, 'base64url').toString()), { iat: 1_700_000_000, exp: 1_700_003_600, sub: 'alice', scope: ['a', 'b'] });
    assert.equal(sig, '');
  });
});

describe('TLS stores', () => {
  const caPem = () => readFileSync(f('ca.pem'), 'utf8').trim();
  const hasCa = (tls: ConnectionOptions | undefined) => {
    const ca = (tls?.ca ?? []) as string[];
    const want = caPem().replace(/\s/g, '');
    assert.ok(ca.some((c) => c.replace(/\s/g, '') === want), 'truststore yields the CA certificate');
  };
  test('truststore JKS, PKCS12, PEM file and inline PEM', () => {
    hasCa(resolveSecurity({ 'security.protocol': 'SSL', 'ssl.truststore.location': f('trust.jks'), 'ssl.truststore.password': SECRET }).tls);
    hasCa(resolveSecurity({ 'security.protocol': 'SSL', 'ssl.truststore.location': f('trust.p12'), 'ssl.truststore.password': SECRET, 'ssl.truststore.type': 'pkcs12' }).tls);
    hasCa(resolveSecurity({ 'security.protocol': 'SSL', 'ssl.truststore.location': f('ca.pem'), 'ssl.truststore.type': 'PEM' }).tls);
    hasCa(resolveSecurity({ 'security.protocol': 'SSL', 'ssl.truststore.certificates': caPem(), 'ssl.truststore.type': 'PEM' }).tls);
  });
  test('wrong store passwords, missing files and unknown types name the key', () => {
    configError(() => resolveSecurity({ 'security.protocol': 'SSL', 'ssl.truststore.location': f('trust.jks'), 'ssl.truststore.password': 'nope-nope' }), 'ssl.truststore.password');
    configError(() => resolveSecurity({ 'security.protocol': 'SSL', 'ssl.truststore.location': f('trust.p12'), 'ssl.truststore.password': 'nope-nope', 'ssl.truststore.type': 'PKCS12' }), 'ssl.truststore.password');
    configError(() => resolveSecurity({ 'security.protocol': 'SSL', 'ssl.truststore.location': f('absent.jks') }), 'ssl.truststore.location');
    configError(() => resolveSecurity({ 'security.protocol': 'SSL', 'ssl.truststore.location': f('trust.jks'), 'ssl.truststore.type': 'BCFKS' }), 'ssl.truststore.type');
    configError(() => resolveSecurity({ 'security.protocol': 'SSL', 'ssl.truststore.location': f('ca.pem'), 'ssl.truststore.type': 'PEM', 'ssl.truststore.password': SECRET }), 'ssl.truststore.password');
  });
  test('keystores: JKS with its own key password, PKCS12, PEM file with an encrypted key, inline PEM', () => {
    const jksTls = resolveSecurity({ 'security.protocol': 'SSL', 'ssl.keystore.location': f('client.jks'), 'ssl.keystore.password': SECRET, 'ssl.key.password': `${SECRET}-key` }).tls!;
    assert.match(String(jksTls.key), /PRIVATE KEY/);
    assert.match(String(jksTls.cert), /BEGIN CERTIFICATE/);
    configError(() => resolveSecurity({ 'security.protocol': 'SSL', 'ssl.keystore.location': f('client.jks'), 'ssl.keystore.password': SECRET, 'ssl.key.password': 'wrong-key-pw' }), 'ssl.key.password');
    const p12 = resolveSecurity({ 'security.protocol': 'SSL', 'ssl.keystore.location': f('client.p12'), 'ssl.keystore.password': SECRET, 'ssl.keystore.type': 'PKCS12' }).tls!;
    assert.ok(Buffer.isBuffer(p12.pfx));
    configError(() => resolveSecurity({ 'security.protocol': 'SSL', 'ssl.keystore.location': f('client.p12'), 'ssl.keystore.password': 'bad-bad-bad', 'ssl.keystore.type': 'PKCS12' }), 'ssl.keystore.password');
    const pem = resolveSecurity({ 'security.protocol': 'SSL', 'ssl.keystore.location': f('client.keystore.pem'), 'ssl.keystore.type': 'PEM', 'ssl.key.password': SECRET }).tls!;
    assert.equal(pem.passphrase, SECRET);
    configError(() => resolveSecurity({ 'security.protocol': 'SSL', 'ssl.keystore.location': f('client.keystore.pem'), 'ssl.keystore.type': 'PEM', 'ssl.key.password': 'bad-bad' }), 'ssl.key.password');
    configError(() => resolveSecurity({ 'security.protocol': 'SSL', 'ssl.keystore.location': f('client.keystore.pem'), 'ssl.keystore.type': 'PEM' }), 'ssl.key.password');
    const inline = resolveSecurity({ 'security.protocol': 'SSL', 'ssl.keystore.type': 'PEM', 'ssl.keystore.certificate.chain': readFileSync(f('client.pem'), 'utf8'), 'ssl.keystore.key': readFileSync(f('client.key'), 'utf8') }).tls!;
    assert.match(String(inline.key), /PRIVATE KEY/);
    configError(() => resolveSecurity({ 'security.protocol': 'SSL', 'ssl.keystore.type': 'PEM', 'ssl.keystore.certificate.chain': readFileSync(f('client.pem'), 'utf8') }), 'ssl.keystore.key');
  });
  test('protocol versions, cipher suites and Java-only settings', () => {
    const t = resolveSecurity({ 'security.protocol': 'SSL', 'ssl.protocol': 'TLSv1.2' }).tls!;
    assert.equal(t.minVersion, 'TLSv1.2');
    assert.equal(t.maxVersion, 'TLSv1.2');
    const t13 = resolveSecurity({ 'security.protocol': 'SSL', 'ssl.enabled.protocols': 'TLSv1.3' }).tls!;
    assert.deepEqual([t13.minVersion, t13.maxVersion], ['TLSv1.3', 'TLSv1.3']);
    configError(() => resolveSecurity({ 'security.protocol': 'SSL', 'ssl.enabled.protocols': 'SSLv3' }), 'ssl.enabled.protocols');
    assert.equal(resolveSecurity({ 'security.protocol': 'SSL', 'ssl.cipher.suites': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256' }).tls!.ciphers, 'ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256');
    configError(() => resolveSecurity({ 'security.protocol': 'SSL', 'ssl.cipher.suites': 'TLS_MADE_UP' }), 'ssl.cipher.suites');
    configError(() => resolveSecurity({ 'security.protocol': 'SSL', 'ssl.engine.factory.class': 'x.Y' }), 'ssl.engine.factory.class');
    configError(() => resolveSecurity({ 'security.protocol': 'SSL', 'ssl.endpoint.identification.algorithm': 'ldap' }), 'ssl.endpoint.identification.algorithm');
  });
});

describe('TLS handshake against a loopback server', () => {
  async function handshake(serverCert: string, clientProps: Record<string, string>): Promise<string> {
    const server = createServer({ key: readFileSync(f(`${serverCert}.key`)), cert: readFileSync(f(`${serverCert}.pem`)) }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const tls = resolveSecurity({ 'security.protocol': 'SSL', ...clientProps }).tls!;
      return await new Promise<string>((resolve) => {
        const sock = connect({ host: '127.0.0.1', port, ...tls }, () => { sock.destroy(); resolve('ok'); });
        sock.on('error', (e) => resolve(e.message));
      });
    } finally {
      server.close();
    }
  }
  test('a trusted certificate for 127.0.0.1 connects', async () => {
    assert.equal(await handshake('server', { 'ssl.truststore.location': f('ca.pem'), 'ssl.truststore.type': 'PEM' }), 'ok');
  });
  test('the host name is verified by default, and not when the algorithm is empty', async () => {
    const props = { 'ssl.truststore.location': f('ca.pem'), 'ssl.truststore.type': 'PEM' };
    assert.match(await handshake('wronghost', props), /altnames|IP: 127\.0\.0\.1 is not in the cert's list/i);
    assert.equal(await handshake('wronghost', { ...props, 'ssl.endpoint.identification.algorithm': '' }), 'ok');
  });
  test('an untrusted certificate is refused', async () => {
    assert.match(await handshake('server', {}), /self[- ]signed|unable to (get|verify)/i);
  });
});

describe('start-up validation of a client configuration', () => {
  test('names where the setting came from; producer compression is checked too', () => {
    const e = configError(() => validateClientSecurity({ 'security.protocol': 'SASL_SSL ', 'sasl.mechanism': 'GSSAPI' }, 'mm2.properties cluster A (A.*)'), 'sasl.mechanism');
    assert.match(e.message, /^mm2\.properties cluster A \(A\.\*\): /);
    configError(() => validateClientSecurity({ 'compression.type': 'brotli' }, 'worker producer clients (producer.*)', 'producer'), 'compression.type');
    configError(() => validateClientSecurity({ 'compression.type': 'lz4', 'compression.lz4.level': '4' }, 'cluster B producer clients', 'producer'), 'compression.lz4.level');
    validateClientSecurity({ 'compression.type': 'brotli' }, 'consumer clients', 'consumer');
  });
});
