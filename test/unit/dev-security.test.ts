// Secured local clusters: the broker properties, StorageTool SCRAM arguments, client properties per listener
// and store flavour, and the `ferry dev up --security` parsing and listing (src/dev/security.ts, cli.ts).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProperties } from '../../src/config/properties.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, formatSecureClients, parseDevArgs, type SecureClusterReport } from '../../src/dev/cli.js';
import { renderServerProperties } from '../../src/dev/cluster.js';
import type { BrokerStores, DevPki } from '../../src/dev/pki.js';
import {
  STORE_FLAVOURS, allSecureClientProperties, clientJaas, parseSecurityList, renderClientProperties, scramFormatArgs,
  secureBrokerProperties, secureClientProperties, type ClusterSecurity,
} from '../../src/dev/security.js';

/** Generated files are read back with Ferry's own .properties parser (escapes included), as a worker reads them. */
function parse(text: string): Map<string, string> {
  return new Map(Object.entries(parseProperties(text)));
}

const dir = mkdtempSync(join(tmpdir(), 'ferry-unit-sec-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CA = '-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n';
writeFileSync(join(dir, 'ca.pem'), CA);
writeFileSync(join(dir, 'alice.chain.pem'), '-----BEGIN CERTIFICATE-----\nYWxpY2U=\n-----END CERTIFICATE-----\n' + CA);
writeFileSync(join(dir, 'alice.key'), '-----BEGIN PRIVATE KEY-----\na2V5\n-----END PRIVATE KEY-----\n');
const f = (n: string) => join(dir, n);
const pki: DevPki = {
  dir,
  caCert: f('ca.pem'),
  caKey: f('ca.key'),
  truststore: { jks: f('truststore.jks'), pkcs12: f('truststore.p12'), pem: f('ca.pem'), password: 'storepw' },
  untrustedTruststore: { jks: f('u.jks'), pkcs12: f('u.p12'), pem: f('u.pem'), password: 'storepw' },
  client: {
    jks: f('alice.keystore.jks'), pkcs12: f('alice.keystore.p12'), pem: f('alice.keystore.pem'), pemEncrypted: f('alice.keystore-encrypted.pem'),
    certChain: f('alice.chain.pem'), key: f('alice.key'), keyEncrypted: f('alice.key-encrypted.pem'), password: 'storepw', keyPassword: 'keypw',
  },
  users: { admin: 'adminpw', alice: 'alicepw' },
};
const stores: BrokerStores = { keystore: '/c/tls/broker.keystore.p12', wrongHostKeystore: '/c/tls/wrong-host.keystore.p12', truststore: f('truststore.p12'), password: 'storepw' };
const sec: ClusterSecurity = { listeners: { sasl_ssl: 19094, mtls: 19095, sasl_plaintext: 19096, wrong_host: 19097 }, pkiDir: dir, storesDir: '/c/tls' };

test('parseSecurityList: all, lists, aliases, fixed order, errors', () => {
  assert.deepEqual(parseSecurityList('all'), ['sasl_ssl', 'mtls', 'sasl_plaintext', 'wrong_host', 'oauthbearer']);
  assert.deepEqual(parseSecurityList('mtls, SASL_SSL'), ['sasl_ssl', 'mtls']);
  assert.deepEqual(parseSecurityList('sasl-plaintext,mutual_tls'), ['mtls', 'sasl_plaintext']);
  assert.throws(() => parseSecurityList('kerberos'), /unknown --security value 'kerberos'/);
  assert.throws(() => parseSecurityList(' , '), /needs a value/);
});

test('parseDevArgs: --security for up only; none turns it off', () => {
  assert.deepEqual(parseDevArgs(['up', '--security', 'sasl_ssl,mtls'], {}), { command: 'up', acls: false, json: false, security: ['sasl_ssl', 'mtls'] });
  assert.deepEqual(parseDevArgs(['up', '--security=all', '--json'], {}).security, ['sasl_ssl', 'mtls', 'sasl_plaintext', 'wrong_host', 'oauthbearer']);
  assert.deepEqual(parseDevArgs(['up', '--security', 'none'], {}).security, []);
  assert.equal('security' in parseDevArgs(['up'], {}), false);
  assert.throws(() => parseDevArgs(['status', '--security', 'all'], {}), (e: unknown) => e instanceof UsageError && /applies to 'up' only/.test(e.message));
  assert.throws(() => parseDevArgs(['up', '--security', 'gssapi'], {}), (e: unknown) => e instanceof UsageError && /unknown --security value/.test(e.message));
});

test('server.properties: secured listeners beside PLAINTEXT, which stays the inter-broker listener', () => {
  const p = parse(renderServerProperties({ brokerPort: 19092, controllerPort: 19093, dataDir: '/d', kafkaVersion: '4.3.1', security: { config: sec, stores, users: pki.users } }));
  assert.equal(p.get('listeners'), 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093,SASL_SSL://127.0.0.1:19094,MTLS://127.0.0.1:19095,SASL_PLAINTEXT://127.0.0.1:19096,WRONG_HOST://127.0.0.1:19097');
  assert.equal(p.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:19092,SASL_SSL://127.0.0.1:19094,MTLS://127.0.0.1:19095,SASL_PLAINTEXT://127.0.0.1:19096,WRONG_HOST://127.0.0.1:19097');
  assert.equal(p.get('listener.security.protocol.map'), 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,MTLS:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,WRONG_HOST:SSL');
  assert.equal(p.get('inter.broker.listener.name'), 'PLAINTEXT');
  assert.equal(p.get('sasl.enabled.mechanisms'), 'SCRAM-SHA-512,SCRAM-SHA-256,PLAIN');
  assert.equal(p.get('listener.name.mtls.ssl.client.auth'), 'required');
  assert.equal(p.get('ssl.client.auth'), undefined, 'SASL_SSL and wrong_host do not ask for client certificates');
  assert.equal(p.get('ssl.keystore.location'), '/c/tls/broker.keystore.p12');
  assert.equal(p.get('listener.name.wrong_host.ssl.keystore.location'), '/c/tls/wrong-host.keystore.p12');
  assert.equal(p.get('listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config'), 'org.apache.kafka.common.security.scram.ScramLoginModule required;');
  assert.equal(p.get('listener.name.sasl_plaintext.plain.sasl.jaas.config'), 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="adminpw" user_alice="alicepw";');
  assert.equal(p.get('super.users'), undefined);
});

test('broker properties: acls make admin a super user beside ANONYMOUS (PLAINTEXT tools)', () => {
  assert.equal(secureBrokerProperties(sec, stores, pki.users, { acls: true }).get('super.users'), 'User:ANONYMOUS;User:admin');
  const p = parse(renderServerProperties({ brokerPort: 1, controllerPort: 2, dataDir: '/d', kafkaVersion: '3.9.1', acls: true, security: { config: sec, stores, users: pki.users } }));
  assert.equal(p.get('super.users'), 'User:ANONYMOUS;User:admin');
});

test('broker properties: SASL_PLAINTEXT alone needs no key stores', () => {
  const p = secureBrokerProperties({ ...sec, listeners: { sasl_plaintext: 1 } }, stores, pki.users);
  assert.equal(p.get('ssl.keystore.location'), undefined);
  assert.ok(p.has('listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config'));
});

test('scramFormatArgs: every user for both SCRAM mechanisms', () => {
  assert.deepEqual(scramFormatArgs({ admin: 'a1', alice: 'b2' }), [
    '--add-scram', 'SCRAM-SHA-512=[name=admin,password=a1]', '--add-scram', 'SCRAM-SHA-256=[name=admin,password=a1]',
    '--add-scram', 'SCRAM-SHA-512=[name=alice,password=b2]', '--add-scram', 'SCRAM-SHA-256=[name=alice,password=b2]',
  ]);
});

test('clientJaas quotes values', () => {
  assert.equal(clientJaas('PLAIN', 'bob', 'p"w\\x'), 'org.apache.kafka.common.security.plain.PlainLoginModule required username="bob" password="p\\"w\\\\x";');
});

test('client properties: SASL_SSL in each truststore flavour', () => {
  const jks = secureClientProperties(pki, sec, '127.0.0.1', { listener: 'sasl_ssl', store: 'jks' });
  assert.deepEqual(jks, {
    'bootstrap.servers': '127.0.0.1:19094', 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512',
    'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="alicepw";',
    'ssl.truststore.type': 'JKS', 'ssl.truststore.location': f('truststore.jks'), 'ssl.truststore.password': 'storepw',
  });
  const pem = secureClientProperties(pki, sec, '127.0.0.1', { listener: 'sasl_ssl', store: 'pem' });
  assert.equal(pem['ssl.truststore.type'], 'PEM');
  assert.equal(pem['ssl.truststore.location'], f('ca.pem'));
  assert.equal(pem['ssl.truststore.password'], undefined, 'PEM truststores take no password');
  const inline = secureClientProperties(pki, sec, '127.0.0.1', { listener: 'sasl_ssl', store: 'pemInline' });
  assert.equal(inline['ssl.truststore.certificates'], CA.trim());
  assert.equal(inline['ssl.truststore.location'], undefined);
});

test('client properties: mutual TLS keystores in each flavour; PEM file has an encrypted key', () => {
  const p12 = secureClientProperties(pki, sec, '127.0.0.1', { listener: 'mtls', store: 'pkcs12' });
  assert.equal(p12['security.protocol'], 'SSL');
  assert.equal(p12['sasl.mechanism'], undefined);
  assert.equal(p12['ssl.keystore.type'], 'PKCS12');
  assert.equal(p12['ssl.keystore.location'], f('alice.keystore.p12'));
  assert.equal(p12['ssl.keystore.password'], 'storepw');
  assert.equal(p12['ssl.key.password'], 'storepw');
  const pem = secureClientProperties(pki, sec, '127.0.0.1', { listener: 'mtls', store: 'pem' });
  assert.equal(pem['ssl.keystore.type'], 'PEM');
  assert.equal(pem['ssl.keystore.location'], f('alice.keystore-encrypted.pem'));
  assert.equal(pem['ssl.keystore.password'], undefined, 'Kafka rejects a store password on PEM keystores');
  assert.equal(pem['ssl.key.password'], 'keypw');
  const inline = secureClientProperties(pki, sec, '127.0.0.1', { listener: 'mtls', store: 'pemInline' });
  assert.match(inline['ssl.keystore.certificate.chain']!, /YWxpY2U=[\s\S]*Q0E=/);
  assert.match(inline['ssl.keystore.key']!, /BEGIN PRIVATE KEY/);
  const noKeystore = secureClientProperties(pki, sec, '127.0.0.1', { listener: 'mtls', store: 'jks', keystore: false });
  assert.equal(noKeystore['ssl.keystore.location'], undefined);
  assert.equal(noKeystore['ssl.truststore.type'], 'JKS');
});

test('client properties: variants for negative tests; unknown listener and user are errors', () => {
  const wrong = secureClientProperties(pki, sec, '127.0.0.1', { listener: 'sasl_ssl', mechanism: 'PLAIN', user: 'admin', password: 'nope' });
  assert.equal(wrong['sasl.mechanism'], 'PLAIN');
  assert.match(wrong['sasl.jaas.config']!, /PlainLoginModule required username="admin" password="nope";/);
  assert.equal(secureClientProperties(pki, sec, '127.0.0.1', { listener: 'sasl_ssl', untrusted: true })['ssl.truststore.location'], f('u.p12'));
  assert.deepEqual(Object.keys(secureClientProperties(pki, sec, '127.0.0.1', { listener: 'sasl_plaintext', store: 'jks' })).sort(),
    ['bootstrap.servers', 'sasl.jaas.config', 'sasl.mechanism', 'security.protocol']);
  assert.throws(() => secureClientProperties(pki, { ...sec, listeners: { mtls: 1 } }, '127.0.0.1', { listener: 'sasl_ssl' }), /no sasl_ssl listener \(it has mtls\)/);
  assert.throws(() => secureClientProperties(pki, sec, '127.0.0.1', { listener: 'sasl_ssl', user: 'carol' }), /No SASL user 'carol'/);
});

test('renderClientProperties keeps inline PEM on one escaped line', () => {
  const text = renderClientProperties({ 'ssl.truststore.certificates': 'A\nB' }, 'x');
  assert.equal(text, '# x\nssl.truststore.certificates=A\\nB\n');
});

test('formatSecureClients: common lines once per listener, then each flavour with its file', () => {
  const report: SecureClusterReport = {
    cluster: 'source', caCertificate: f('ca.pem'), users: pki.users, saslMechanisms: ['SCRAM-SHA-512'],
    clientProperties: allSecureClientProperties(pki, { ...sec, listeners: { sasl_ssl: 19094 } }, '127.0.0.1'),
    propertiesFiles: { sasl_ssl: Object.fromEntries(STORE_FLAVOURS.map((fl) => [fl, `/c/clients/sasl_ssl-${fl}.properties`])) },
  };
  const out = formatSecureClients(report);
  assert.match(out, /^source: users admin\/adminpw, alice\/alicepw; CA certificate /);
  assert.equal(out.match(/bootstrap\.servers=127\.0\.0\.1:19094/g)?.length, 1);
  assert.match(out, / {4}jks: \/c\/clients\/sasl_ssl-jks\.properties\n {6}ssl\.truststore\.type=JKS/);
  assert.match(out, /ssl\.truststore\.certificates=<inline PEM, 3 lines: see the file>/);
});
