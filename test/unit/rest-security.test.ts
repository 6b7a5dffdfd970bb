// REST security without brokers: basic authentication (Kafka's BasicAuthSecurityRestExtension files), HTTPS
// listeners in every store flavour with mutual TLS, CORS / Origin / Host / Content-Type guards, the client
// override policy, connector-name limits and the FileStream allow-list.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/connect/api/errors.js';
import type { Herder } from '../../src/connect/herder/herder.js';
import { createRestServer, type RestHerder, type RestServerOptions } from '../../src/connect/rest/server.js';
import { jaasFileFromEnv, jaasSection, loadBasicAuth, restAuthenticatorFor, BASIC_AUTH_EXTENSION } from '../../src/connect/rest/auth.js';
import { createRestClient, type RestClient } from '../../src/connect/http-client.js';
import { httpsServerOptions, restClientTls } from '../../src/connect/rest/tls.js';
import { advertisedUrl } from '../../src/app/distributed.js';
import { clientOverridePolicy, overridePolicyErrors } from '../../src/connect/runtime/client-override-policy.js';
import { connectorNameProblem, validateConnectorConfig, MAX_CONNECTOR_NAME_LENGTH } from '../../src/connect/herder/validation.js';
import { FileAccess } from '../../src/connectors/file/index.js';
import { builtinPlugins } from '../../src/app/plugins.js';
import { WorkerConfig } from '../../src/connect/runtime/worker-config.js';
import { workerRestSetup } from '../../src/connect/rest/worker-rest.js';
import { tempDir } from '../helpers/connect.js';
import { restTlsMaterial, type RestTlsMaterial } from '../helpers/rest-tls.js';

const tmp = tempDir('ferry-rest-sec-');
after(() => tmp.cleanup());

/** A herder answering the few calls these tests make; anything else is a 500 the tests would notice. */
function fakeHerder(): RestHerder & { calls: string[] } {
  const calls: string[] = [];
  const known: Partial<Herder> & { putTaskConfigs: () => Promise<void> } = {
    ready: () => true,
    connectors: async () => { calls.push('connectors'); return ['a']; },
    restartConnector: async () => { calls.push('restartConnector'); return null; },
    putTaskConfigs: async () => { calls.push('putTaskConfigs'); },
  };
  return new Proxy(known, {
    get(target, prop) {
      if (prop === 'calls') return calls;
      const v = (target as Record<string | symbol, unknown>)[prop];
      if (v !== undefined) return v;
      if (prop === 'then') return undefined;
      return () => { throw new Error(`fake herder: ${String(prop)} not implemented`); };
    },
  }) as unknown as RestHerder & { calls: string[] };
}

async function serve(opts: RestServerOptions, client: RestClient = createRestClient()): Promise<{ url: string; call: (method: string, path: string, headers?: Record<string, string>, body?: string) => ReturnType<RestClient>; herder: ReturnType<typeof fakeHerder>; stop(): Promise<void> }> {
  const herder = fakeHerder();
  const server = createRestServer(herder, { listeners: 'http://127.0.0.1:0', ...opts });
  const { url } = await server.start();
  return {
    url, herder,
    call: (method, path, headers = {}, body) => client(url + path, { method, headers, body }),
    stop: () => server.stop(),
  };
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function writeJaas(dir: string, users: string): { env: Record<string, string>; jaas: string } {
  mkdirSync(dir, { recursive: true });
  const creds = join(dir, 'credentials.properties');
  writeFileSync(creds, users);
  const jaas = join(dir, 'connect_jaas.conf');
  writeFileSync(jaas, `// Kafka's documented layout\nKafkaServer {\n  org.apache.kafka.common.security.plain.PlainLoginModule required username="x" password="{y}";\n};\nKafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${creds}";\n};\n`);
  return { env: { KAFKA_OPTS: `-Xmx1g -Djava.security.auth.login.config=${jaas} -Dfoo=bar` }, jaas };
}

void describe('basic authentication (BasicAuthSecurityRestExtension)', () => {
  void test('the JAAS file is found in KAFKA_OPTS (last -D wins) or the java.security.auth.login.config variable', () => {
    assert.equal(jaasFileFromEnv({ KAFKA_OPTS: '-Djava.security.auth.login.config=/a -Djava.security.auth.login.config="/b c"' }), '/b c');
    assert.equal(jaasFileFromEnv({ 'java.security.auth.login.config': '/etc/x.conf' }), '/etc/x.conf');
    assert.equal(jaasFileFromEnv({}), null);
    assert.equal(jaasSection('A { x required; };\nKafkaConnect { m required f="}"; };', 'KafkaConnect')?.trim(), 'm required f="}";');
  });

  void test('401 with WWW-Authenticate without or with wrong credentials; 200 with them; inter-worker requests pass', async () => {
    const { env } = writeJaas(join(tmp.dir, 'auth1'), 'alice: alice-secret\nbob=bob:secret\n');
    const s = await serve({ authenticator: loadBasicAuth(env) });
    try {
      const none = await s.call('GET', '/connectors');
      assert.equal(none.status, 401);
      assert.match(none.headers['www-authenticate'] ?? '', /^Basic realm=/);
      assert.deepEqual(JSON.parse(none.body), { error_code: 401, message: 'User cannot access the resource.' });
      assert.equal((await s.call('GET', '/connectors', { authorization: basic('alice', 'wrong') })).status, 401);
      assert.equal((await s.call('GET', '/connectors', { authorization: basic('mallory', 'alice-secret') })).status, 401);
      assert.equal((await s.call('GET', '/connectors', { authorization: 'Bearer abc' })).status, 401);
      assert.equal((await s.call('GET', '/connectors', { authorization: basic('alice', 'alice-secret') })).status, 200);
      // Passwords may contain ':' (everything after the first one).
      assert.equal((await s.call('GET', '/connectors', { authorization: basic('bob', 'bob:secret') })).status, 200);
      assert.equal(s.herder.calls.filter((c) => c === 'connectors').length, 2);
      // Task configs from another worker carry the session-key signature instead of user credentials.
      const internal = await s.call('POST', '/connectors/a/tasks', { 'content-type': 'application/json' }, '[]');
      assert.notEqual(internal.status, 401);
      assert.ok(s.herder.calls.includes('putTaskConfigs'));
    } finally {
      await s.stop();
    }
  });

  void test('start-up errors name what is wrong', () => {
    assert.throws(() => restAuthenticatorFor(['com.example.MyExtension'], {}), (e: unknown) => e instanceof ConfigError && /com\.example\.MyExtension/.test(e.message) && /rest\.extension\.classes/.test(e.message));
    assert.throws(() => restAuthenticatorFor([BASIC_AUTH_EXTENSION], {}), /KAFKA_OPTS/);
    const empty = writeJaas(join(tmp.dir, 'auth-empty'), '# nobody\n');
    assert.throws(() => loadBasicAuth(empty.env), /holds no user/);
    const dir = join(tmp.dir, 'auth-other');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'j.conf'), 'KafkaConnect { com.example.LdapLoginModule required url="ldap://x"; };');
    assert.throws(() => loadBasicAuth({ KAFKA_OPTS: `-Djava.security.auth.login.config=${join(dir, 'j.conf')}` }), /com\.example\.LdapLoginModule/);
    writeFileSync(join(dir, 'k.conf'), 'KafkaServer { a required; };');
    assert.throws(() => loadBasicAuth({ KAFKA_OPTS: `-Djava.security.auth.login.config=${join(dir, 'k.conf')}` }), /no KafkaConnect/);
    assert.equal(restAuthenticatorFor([], {}), null);
    const gone = writeJaas(join(tmp.dir, 'auth-gone'), 'a: b\n');
    rmSync(join(tmp.dir, 'auth-gone', 'credentials.properties'));
    assert.throws(() => loadBasicAuth(gone.env), /credentials file.*credentials\.properties/);
  });

  void test('the credentials file is read as Java reads it: a Latin-1 file with an accented password matches', () => {
    const { env } = writeJaas(join(tmp.dir, 'auth-latin1'), '');
    writeFileSync(join(tmp.dir, 'auth-latin1', 'credentials.properties'), Buffer.from('carol: p\u00e4sswort\n', 'latin1'));
    const auth = loadBasicAuth(env);
    assert.equal(auth.authenticate(basic('carol', 'p\u00e4sswort')), true);
    assert.equal(auth.authenticate(basic('carol', 'passwort')), false);
  });
});

void describe('request guards', () => {
  void test('cross-origin requests are refused unless access.control.allow.origin names the origin', async () => {
    const s = await serve({});
    try {
      const evil = await s.call('POST', '/connectors/a/restart', { origin: 'http://evil.example' });
      assert.equal(evil.status, 403);
      assert.match(JSON.parse(evil.body).message as string, /access\.control\.allow\.origin/);
      assert.ok(!s.herder.calls.includes('restartConnector'));
      // The same origin as the Host is not cross-origin.
      const host = new URL(s.url).host;
      assert.equal((await s.call('GET', '/connectors', { origin: `http://${host}` })).status, 200);
    } finally {
      await s.stop();
    }
    const c = await serve({ accessControlAllowOrigin: 'http://ui.example', accessControlAllowMethods: 'GET,PUT' });
    try {
      const pre = await c.call('OPTIONS', '/connectors', { origin: 'http://ui.example', 'access-control-request-method': 'PUT' });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers['access-control-allow-origin'], 'http://ui.example');
      assert.equal(pre.headers['access-control-allow-methods'], 'GET,PUT');
      const get = await c.call('GET', '/connectors', { origin: 'http://ui.example' });
      assert.equal(get.status, 200);
      assert.equal(get.headers['access-control-allow-origin'], 'http://ui.example');
      assert.equal((await c.call('OPTIONS', '/connectors', { origin: 'http://ui.example', 'access-control-request-method': 'DELETE' })).status, 403);
      assert.equal((await c.call('POST', '/connectors/a/restart', { origin: 'http://ui.example' })).status, 403);
      assert.equal((await c.call('GET', '/connectors', { origin: 'http://other.example' })).status, 403);
    } finally {
      await c.stop();
    }
  });

  void test('a loopback listener answers only requests addressed to this host (DNS rebinding)', async () => {
    const s = await serve({ extraHostNames: ['connect.internal'] });
    try {
      const port = new URL(s.url).port;
      assert.equal((await s.call('GET', '/connectors', { host: `rebind.evil.example:${port}` })).status, 403);
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `connect.internal:${port}`]) {
        assert.equal((await s.call('GET', '/connectors', { host })).status, 200, host);
      }
    } finally {
      await s.stop();
    }
  });

  void test('writes with a non-JSON body are refused with 415 before any route runs', async () => {
    const s = await serve({});
    try {
      for (const ct of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
        const r = await s.call('POST', '/connectors/a/restart', { 'content-type': ct }, 'a=b');
        assert.equal(r.status, 415, ct);
        assert.match(JSON.parse(r.body).message as string, /Content-Type/);
      }
      assert.equal((await s.call('POST', '/connectors/a/restart', {}, 'a=b')).status, 415);
      assert.ok(!s.herder.calls.includes('restartConnector'));
      // curl -X POST …/restart (no body, no type) still works, as with Connect.
      assert.equal((await s.call('POST', '/connectors/a/restart')).status, 204);
    } finally {
      await s.stop();
    }
  });
});

void describe('HTTPS listeners', () => {
  let tls: RestTlsMaterial;
  before(async () => { tls = await restTlsMaterial(tmp.dir); });

  for (const flavour of ['jks', 'pkcs12', 'pem'] as const) {
    void test(`${flavour} keystore and truststore; the inter-worker client trusts the configured truststore`, async () => {
      const props = tls.serverProps(flavour);
      const s = await serve({ listeners: 'https://127.0.0.1:0', https: httpsServerOptions(props) }, createRestClient(restClientTls(props)));
      try {
        assert.match(s.url, /^https:/);
        assert.equal((await s.call('GET', '/connectors')).status, 200);
        // A client without the dev CA refuses the certificate.
        await assert.rejects(createRestClient()(s.url + '/connectors', { method: 'GET' }), /certificate/);
      } finally {
        await s.stop();
      }
    });
  }

  void test('listeners.https.* replace the unprefixed ssl.* keys entirely; errors name the prefixed key', async () => {
    const prefixed = Object.fromEntries(Object.entries(tls.serverProps('pkcs12')).map(([k, v]) => [`listeners.https.${k}`, v]));
    const props = { ...prefixed, 'ssl.keystore.location': '/nonexistent/keystore.jks', 'ssl.keystore.password': 'x' };
    const s = await serve({ listeners: 'https://127.0.0.1:0', https: httpsServerOptions(props) }, createRestClient(restClientTls(props)));
    try {
      assert.equal((await s.call('GET', '/connectors')).status, 200);
    } finally {
      await s.stop();
    }
    assert.throws(() => httpsServerOptions({ ...prefixed, 'listeners.https.ssl.keystore.password': 'bad-pass-123', 'listeners.https.ssl.key.password': 'bad-pass-123' }), (e: unknown) => e instanceof ConfigError && /listeners\.https\.ssl\.keystore\.password/.test(e.message) && !e.message.includes('bad-pass-123'));
    assert.throws(() => httpsServerOptions({}), /keystore/);
    assert.throws(() => createRestServer(fakeHerder(), { listeners: 'https://127.0.0.1:0' }), /https/);
  });

  void test('ssl.client.auth=required needs a trusted client certificate; requested lets others in', async () => {
    const base = tls.serverProps('pkcs12');
    const clientWithCert = createRestClient(restClientTls({
      'ssl.truststore.location': tls.pki.truststore.pem, 'ssl.truststore.type': 'PEM',
      'ssl.keystore.location': tls.pki.client.pkcs12, 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.password': tls.pki.client.password,
    }));
    const clientWithout = createRestClient(restClientTls({ 'ssl.truststore.location': tls.pki.truststore.pem, 'ssl.truststore.type': 'PEM' }));
    const required = await serve({ listeners: 'https://127.0.0.1:0', https: httpsServerOptions({ ...base, 'ssl.client.auth': 'required' }) });
    try {
      assert.equal((await clientWithCert(required.url + '/connectors', { method: 'GET' })).status, 200);
      await assert.rejects(clientWithout(required.url + '/connectors', { method: 'GET' }));
    } finally {
      await required.stop();
    }
    const requested = await serve({ listeners: 'https://127.0.0.1:0', https: httpsServerOptions({ ...base, 'ssl.client.auth': 'requested' }) });
    try {
      assert.equal((await clientWithout(requested.url + '/connectors', { method: 'GET' })).status, 200);
      assert.equal((await clientWithCert(requested.url + '/connectors', { method: 'GET' })).status, 200);
    } finally {
      await requested.stop();
    }
    assert.throws(() => httpsServerOptions({ ...base, 'ssl.client.auth': 'sometimes' }), /ssl\.client\.auth/);
  });

  void test('rest.advertised.listener picks the listener other workers use', () => {
    const props = { listeners: 'http://127.0.0.1:0,https://127.0.0.1:0', 'rest.advertised.listener': 'https', 'rest.advertised.host.name': 'w1.example' };
    assert.equal(advertisedUrl(props, [8083, 8443]), 'https://w1.example:8443/');
    assert.equal(advertisedUrl({ listeners: 'http://127.0.0.1:0' }, [9000]), 'http://127.0.0.1:9000/');
    assert.throws(() => advertisedUrl({ listeners: 'http://127.0.0.1:0', 'rest.advertised.listener': 'https' }, [1]), /rest\.advertised\.listener/);
  });
});

void describe('connector checks', () => {
  void test('connector.client.config.override.policy: None, Principal, All, Allowlist', async () => {
    const cfg = { 'consumer.override.bootstrap.servers': 'evil:9092', 'producer.override.sasl.jaas.config': 'x', 'admin.override.client.id': 'c', 'consumer.max.poll.records': '1' };
    assert.deepEqual(Object.keys(overridePolicyErrors(clientOverridePolicy('None'), cfg)).sort(), ['admin.override.client.id', 'consumer.override.bootstrap.servers', 'producer.override.sasl.jaas.config']);
    assert.deepEqual(Object.keys(overridePolicyErrors(clientOverridePolicy('Principal'), cfg)).sort(), ['admin.override.client.id', 'consumer.override.bootstrap.servers']);
    assert.deepEqual(overridePolicyErrors(clientOverridePolicy('All'), cfg), {});
    assert.deepEqual(Object.keys(overridePolicyErrors(clientOverridePolicy('Allowlist', ['client.id', 'sasl.jaas.config']), cfg)), ['consumer.override.bootstrap.servers']);
    assert.deepEqual(Object.keys(overridePolicyErrors(clientOverridePolicy('Allowlist'), cfg)).length, 3);
    assert.equal(clientOverridePolicy('org.apache.kafka.connect.connector.policy.NoneConnectorClientConfigOverridePolicy').name, 'None');
    const msg = overridePolicyErrors(clientOverridePolicy('None'), cfg)['consumer.override.bootstrap.servers']?.[0];
    assert.equal(msg, "The 'None' policy does not allow 'bootstrap.servers' to be overridden in the connector configuration.");
    // Enforced by validation (create and PUT …/config/validate).
    const infos = await validateConnectorConfig(builtinPlugins(), { name: 'x', 'connector.class': 'FileStreamSink', topics: 't', 'consumer.override.bootstrap.servers': 'evil:9092' }, undefined, undefined, clientOverridePolicy('None'));
    assert.equal(infos.error_count, 1);
    assert.match(JSON.stringify(infos.configs), /consumer\.override\.bootstrap\.servers/);
  });

  void test('connector names: no control characters, at most 512 characters', () => {
    assert.equal(connectorNameProblem('ok name/with-üñí'), null);
    assert.match(connectorNameProblem('a\nb') ?? '', /control sequences.*10/);
    assert.match(connectorNameProblem('a\u0085') ?? '', /133/);
    assert.equal(connectorNameProblem('x'.repeat(MAX_CONNECTOR_NAME_LENGTH)), null);
    assert.match(connectorNameProblem('..') ?? '', /URL/);
    assert.equal(connectorNameProblem('...'), null);
    assert.match(connectorNameProblem('x'.repeat(MAX_CONNECTOR_NAME_LENGTH + 1)) ?? '', /at most 512/);
  });

  void test('FileStream files must be below file.allowed.paths (.. and symlinks resolved); none allowed by default', () => {
    const root = join(tmp.dir, 'files');
    mkdirSync(join(root, 'in'), { recursive: true });
    symlinkSync('/etc', join(root, 'in', 'etc-link'));
    assert.match(new FileAccess([]).problem('/etc/passwd') ?? '', /file\.allowed\.paths is empty/);
    const access = new FileAccess([root]);
    assert.equal(access.problem(join(root, 'in', 'a.txt')), null);
    assert.equal(access.problem(join(root, 'new-dir', 'b.txt')), null);
    assert.match(access.problem('/etc/passwd') ?? '', /not below/);
    assert.match(access.problem(join(root, 'in', '..', '..', 'x')) ?? '', /not below/);
    assert.match(access.problem(join(root, 'in', 'etc-link', 'passwd')) ?? '', /not below/);
    assert.match(access.problem(`${root}-sibling/x`) ?? '', /not below/);
    assert.match(new FileAccess(['relative/dir']).problem('/x') ?? '', /absolute/);
  });
});

void describe('worker REST settings', () => {
  const base = { 'bootstrap.servers': 'localhost:9092', 'key.converter': 'org.apache.kafka.connect.storage.StringConverter', 'value.converter': 'org.apache.kafka.connect.storage.StringConverter' };

  void test('no listeners → loopback only; admin.listeners, CORS and limits reach the server in every mode', async () => {
    const dflt = workerRestSetup(new WorkerConfig(base), {});
    assert.equal(dflt.server.listeners, 'http://localhost:8083');
    assert.equal(dflt.server.adminListeners, null);
    assert.equal(dflt.server.authenticator, null);
    const set = workerRestSetup(new WorkerConfig({
      ...base, listeners: 'http://127.0.0.1:0', 'admin.listeners': '', 'access.control.allow.origin': 'http://ui.example',
      'rest.request.max.bytes': '4096', 'rest.request.timeout.ms': '1500',
    }), {});
    assert.equal(set.server.adminListeners, '');
    assert.equal(set.server.accessControlAllowOrigin, 'http://ui.example');
    assert.equal(set.server.bodyLimit, 4096);
    assert.equal(set.server.requestTimeoutMs, 1500);
    // admin.listeners='' disables /admin (standalone included: startStandalone passes these options through).
    const s = await serve(set.server);
    try {
      assert.equal((await s.call('GET', '/admin/loggers')).status, 404);
      assert.equal((await s.call('POST', '/connectors', { 'content-type': 'application/json' }, JSON.stringify({ name: 'x', pad: 'p'.repeat(8192) }))).status, 413);
    } finally {
      await s.stop();
    }
    assert.throws(() => workerRestSetup(new WorkerConfig({ ...base, 'rest.extension.classes': 'com.example.Other' }), {}), /com\.example\.Other/);
    assert.throws(() => workerRestSetup(new WorkerConfig({ ...base, listeners: 'https://127.0.0.1:0' }), {}), /keystore/);
    assert.throws(() => new WorkerConfig({ ...base, 'connector.client.config.override.policy': 'Sometimes' }), /connector\.client\.config\.override\.policy/);
  });
});
