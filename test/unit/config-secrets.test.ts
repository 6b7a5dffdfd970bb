import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HIDDEN, forgetSecretValues, isSecretKey, redactConfig, rememberSecrets, scrubSecrets } from '../../src/config/secrets.js';
import { ConfigDef, NO_DEFAULT, Validators } from '../../src/connect/api/config-def.js';
import { validateConnectorConfig } from '../../src/connect/herder/validation.js';
import { clientOverridePolicy } from '../../src/connect/runtime/client-override-policy.js';
import { ConfigProviders } from '../../src/config/config-providers.js';
import { builtinPlugins } from '../../src/app/plugins.js';

afterEach(() => forgetSecretValues());

describe('isSecretKey', () => {
  it('knows Kafka client password keys under any prefix', () => {
    for (const k of [
      'sasl.jaas.config', 'producer.sasl.jaas.config', 'producer.override.sasl.jaas.config', 'A.sasl.jaas.config', 'source.cluster.sasl.jaas.config',
      'ssl.keystore.password', 'consumer.ssl.truststore.password', 'admin.ssl.key.password', 'B.producer.ssl.keystore.key', 'ssl.keystore.key',
      'sasl.oauthbearer.client.credentials.client.secret', 'connection.password', 'basic.auth.user.info', 'value.converter.basic.auth.user.info',
      'password', 'db.passwd', 'api_secret', 'SSL.KEYSTORE.PASSWORD',
    ]) assert.equal(isSecretKey(k), true, k);
  });

  it('leaves ordinary keys alone', () => {
    for (const k of ['bootstrap.servers', 'ssl.keystore.location', 'ssl.truststore.type', 'ssl.keystore.certificate.chain', 'sasl.mechanism', 'topic', 'file', 'connection.user', 'key.converter', 'security.protocol', 'ssl.truststore.certificates']) {
      assert.equal(isSecretKey(k), false, k);
    }
  });

  it('includes PASSWORD keys declared by any ConfigDef, under any prefix', () => {
    assert.equal(isSecretKey('transforms.x.ferry.unit.token'), false);
    new ConfigDef().define({ name: 'ferry.unit.token', type: 'PASSWORD', defaultValue: null });
    assert.equal(isSecretKey('ferry.unit.token'), true);
    assert.equal(isSecretKey('transforms.x.ferry.unit.token'), true);
    assert.equal(isSecretKey('xferry.unit.token'), false);
  });
});

describe('redactConfig and scrubSecrets', () => {
  it('redactConfig hides secret values, keeps the rest and nulls, does not mutate', () => {
    const c = { 'bootstrap.servers': 'h:9092', 'sasl.jaas.config': 'x required password="p";', 'ssl.key.password': null, 'producer.ssl.keystore.password': '${file:/s:pw}' };
    const r = redactConfig(c);
    assert.deepEqual(r, { 'bootstrap.servers': 'h:9092', 'sasl.jaas.config': HIDDEN, 'ssl.key.password': null, 'producer.ssl.keystore.password': HIDDEN });
    assert.equal(c['sasl.jaas.config'], 'x required password="p";');
    const plain = { a: '1' };
    assert.equal(redactConfig(plain), plain);
  });

  it('scrubSecrets removes remembered secret values, including those inside JAAS lines, raw and JSON-escaped', () => {
    rememberSecrets({
      'connection.password': 'pw-"quoted"-1234',
      'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="jaas-pass-77";',
      topic: 'not-a-secret',
    });
    assert.equal(scrubSecrets('login failed for jaas-pass-77 on not-a-secret'), `login failed for ${HIDDEN} on not-a-secret`);
    assert.equal(scrubSecrets(JSON.stringify({ msg: 'x pw-"quoted"-1234 y' })), JSON.stringify({ msg: `x ${HIDDEN} y` }));
  });
});

describe('ConfigDef hides PASSWORD values', () => {
  const def = new ConfigDef()
    .define({ name: 'db.password', type: 'PASSWORD', defaultValue: NO_DEFAULT, validator: Validators.oneOf(['only-this']) })
    .define({ name: 'count', type: 'INT', defaultValue: 1 });

  it('validateAll shows [hidden] for a non-null PASSWORD value', () => {
    const out = def.validateAll({ 'db.password': 'hunter2-secret', count: '2' });
    assert.equal(out.find((r) => r.definition.name === 'db.password')!.value.value, HIDDEN);
    assert.equal(out.find((r) => r.definition.name === 'count')!.value.value, '2');
    assert.equal(def.validateAll({}).find((r) => r.definition.name === 'db.password')!.value.value, null);
  });

  it('a PASSWORD default shows as [hidden] in the key info (GET /connector-plugins/{p}/config)', () => {
    const d = new ConfigDef().define({ name: 'ferry.unit.default.password', type: 'PASSWORD', defaultValue: 'changeme-default' });
    assert.equal(d.infos()[0]!.default_value, HIDDEN);
  });

  it('"Invalid value X for configuration Y" prints [hidden] for a password', () => {
    const { errors } = def.parseCollect({ 'db.password': 'hunter2-secret' });
    assert.equal(errors['db.password']!.length, 1);
    assert.match(errors['db.password']![0]!, /Invalid value \[hidden\] for configuration db.password/);
    assert.doesNotMatch(errors['db.password']![0]!, /hunter2/);
    assert.throws(() => def.parse({ 'db.password': 'hunter2-secret' }), (e: unknown) => !(e as Error).message.includes('hunter2'));
  });
});

describe('connector validation', () => {
  it('shows references as written, hides secret keys, and validates resolved values', async () => {
    const providers = ConfigProviders.fromConfig({ 'config.providers': 'env', 'config.providers.env.class': 'org.apache.kafka.common.config.provider.EnvVarConfigProvider' }, { env: { T: 'the-topic', PW: 'env-secret-999' } });
    const infos = await validateConnectorConfig(builtinPlugins(), {
      name: 'v', 'connector.class': 'FileStreamSource', topic: '${env:T}', file: '/tmp/x',
      'producer.override.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="${env:PW}";',
      'producer.override.ssl.key.password': 'literal-secret-777',
    }, undefined, providers, clientOverridePolicy('None'));
    const byName = new Map(infos.configs.map((c) => [c.value?.name, c.value]));
    assert.equal(byName.get('topic')!.value, '${env:T}');
    assert.deepEqual(byName.get('topic')!.errors, []);
    // The None policy puts both override keys in the response (with an error), so their shown values are checked.
    for (const key of ['producer.override.sasl.jaas.config', 'producer.override.ssl.key.password']) {
      const v = byName.get(key);
      assert.ok(v, `${key} is in the response`);
      assert.equal(v.value, HIDDEN, key);
      assert.equal(v.errors.length, 1, key);
    }
    assert.doesNotMatch(JSON.stringify(infos), /env-secret-999|literal-secret-777/);
  });
});

describe('logger', () => {
  it('never writes a secret value: config-shaped objects by key, and remembered values anywhere in a line', () => {
    const logger = fileURLToPath(new URL('../../src/observability/logger.ts', import.meta.url));
    const secrets = fileURLToPath(new URL('../../src/config/secrets.ts', import.meta.url));
    const script = `
      const { logger } = await import(${JSON.stringify(logger)});
      const { rememberSecrets } = await import(${JSON.stringify(secrets)});
      const log = logger('unit.secrets');
      log.info({ config: { 'bootstrap.servers': 'h:1', 'producer.ssl.key.password': 'key-pass-4242' } }, 'starting');
      rememberSecrets({ 'sasl.jaas.config': 'm required username="u" password="jaas-pw-5151";' });
      log.error({ err: 'auth failed with jaas-pw-5151' }, 'message mentions jaas-pw-5151 too');
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, FERRY_LOG_LEVEL: 'info' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /starting/);
    assert.match(r.stderr, /h:1/);
    assert.doesNotMatch(r.stderr, /key-pass-4242/);
    assert.doesNotMatch(r.stderr, /jaas-pw-5151/);
    assert.match(r.stderr, /\[hidden\]/);
  });
});
