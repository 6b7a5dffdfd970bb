import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/connect/api/index.js';
import { ConfigProviders, hasReference, resolveOwnReferences, reverseTransform } from '../../src/config/config-providers.js';
import { WorkerConfig } from '../../src/connect/runtime/worker-config.js';
import { DistributedHerder } from '../../src/connect/herder/distributed.js';
import { builtinPlugins, transformerFactory } from '../../src/app/plugins.js';
import { parseMm2Properties } from '../../src/connectors/mirror/mm2-properties.js';
import { flowContext } from '../../src/mirror/ops/context.js';
import { readMm2Config } from '../../src/mirror/dedicated.js';

const FILE = 'org.apache.kafka.common.config.provider.FileConfigProvider';
const DIR = 'org.apache.kafka.common.config.provider.DirectoryConfigProvider';
const ENV = 'org.apache.kafka.common.config.provider.EnvVarConfigProvider';

let root: string;
let secrets: string;
let other: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'ferry-providers-'));
  secrets = join(root, 'secrets');
  other = join(root, 'other');
  mkdirSync(secrets);
  mkdirSync(other);
  writeFileSync(join(secrets, 'db.properties'), 'user=alice\npassword=s3cr3t-Pa55\n# comment\nurl = jdbc\\:postgresql://h/db\n');
  writeFileSync(join(other, 'x.properties'), 'password=outside\n');
  mkdirSync(join(secrets, 'dir'));
  writeFileSync(join(secrets, 'dir', 'token'), 'tok-123\n');
  mkdirSync(join(secrets, 'dir', 'sub'));
  writeFileSync(join(secrets, 'dir', 'sub', 'nested'), 'deep');
  symlinkSync(join(secrets, 'dir', 'token'), join(secrets, 'dir', 'linked'));
});

after(() => rmSync(root, { recursive: true, force: true }));

function providers(extra: Record<string, string> = {}, env: Record<string, string> = {}): ConfigProviders {
  return ConfigProviders.fromConfig({
    'config.providers': 'file,dir,env',
    'config.providers.file.class': FILE,
    'config.providers.dir.class': DIR,
    'config.providers.env.class': ENV,
    ...extra,
  }, { env });
}

describe('ConfigProviders: references', () => {
  it('FileConfigProvider reads a key from a .properties file (parsed as Java does)', () => {
    const f = join(secrets, 'db.properties');
    const out = providers().transform({ a: `\${file:${f}:password}`, b: `jdbc user \${file:${f}:user}!`, c: `\${file:${f}:url}` });
    assert.deepEqual(out, { a: 's3cr3t-Pa55', b: 'jdbc user alice!', c: 'jdbc:postgresql://h/db' });
  });

  it('DirectoryConfigProvider returns the content of a file in the directory, as is', () => {
    const d = join(secrets, 'dir');
    const out = providers().transform({ t: `\${dir:${d}:token}`, l: `\${dir:${d}:linked}` });
    assert.deepEqual(out, { t: 'tok-123\n', l: 'tok-123\n' });
  });

  it('DirectoryConfigProvider ignores subdirectories and nested paths (reference stays)', () => {
    const d = join(secrets, 'dir');
    const out = providers().transform({ s: `\${dir:${d}:sub}`, n: `\${dir:${d}:sub/nested}` });
    assert.deepEqual(out, { s: `\${dir:${d}:sub}`, n: `\${dir:${d}:sub/nested}` });
  });

  it('EnvVarConfigProvider: ${env:VAR} and ${env::VAR}; a path is an error', () => {
    const p = providers({}, { FERRY_PW: 'env-pw', HOME_X: 'h' });
    assert.deepEqual(p.transform({ a: '${env:FERRY_PW}', b: '${env::FERRY_PW}', c: 'x${env:HOME_X}y' }), { a: 'env-pw', b: 'env-pw', c: 'xhy' });
    assert.throws(() => p.transform({ a: '${env:/some/path:FERRY_PW}' }), /Path is not supported for EnvVarConfigProvider/);
  });

  it('several references in one value, non-greedy, one pass', () => {
    const p = providers({}, { A: 'x', B: '${env:A}' });
    assert.equal(p.transform({ v: '${env:A}-${env:B}}' }).v, 'x-${env:A}}');
  });

  it('an unknown provider, a missing key or an unset variable leaves the reference as written (as Kafka)', () => {
    const f = join(secrets, 'db.properties');
    const out = providers().transform({ a: '${vault:secret/x:pw}', b: `\${file:${f}:nope}`, c: '${env:FERRY_UNSET_VAR}', d: 'plain ${ not a ref', e: '${file::k}' });
    assert.deepEqual(out, { a: '${vault:secret/x:pw}', b: `\${file:${f}:nope}`, c: '${env:FERRY_UNSET_VAR}', d: 'plain ${ not a ref', e: '${file::k}' });
  });

  it('a file that cannot be read is an error naming it', () => {
    const missing = join(secrets, 'missing.properties');
    assert.throws(() => providers().transform({ a: `\${file:${missing}:k}` }), (e: unknown) => e instanceof ConfigError && e.message.includes(`Could not read properties from file ${missing}`));
    assert.throws(() => providers().transform({ a: `\${dir:${join(root, 'nodir')}:k}` }), /Could not list directory/);
  });

  it('without config.providers nothing is resolved', () => {
    assert.deepEqual(ConfigProviders.none().transform({ a: '${env:PATH}' }), { a: '${env:PATH}' });
    assert.equal(ConfigProviders.fromConfig({}).isEmpty, true);
  });

  it('hasReference', () => {
    assert.equal(hasReference('${file:/a:b}'), true);
    assert.equal(hasReference('${env:X}'), true);
    assert.equal(hasReference('$env:X}'), false);
    assert.equal(hasReference('${nocolon}'), false);
  });
});

describe('ConfigProviders: allowed.paths and allowlist.pattern', () => {
  it('allowed.paths admits files under it and refuses others, including ../ escapes', () => {
    const p = providers({ 'config.providers.file.param.allowed.paths': secrets, 'config.providers.dir.param.allowed.paths': `${other}, ${secrets}` });
    assert.equal(p.transform({ a: `\${file:${join(secrets, 'db.properties')}:user}` }).a, 'alice');
    assert.throws(() => p.transform({ a: `\${file:${join(other, 'x.properties')}:password}` }),
      (e: unknown) => e instanceof ConfigError && e.message.includes('is not allowed by config.providers.file.param.allowed.paths'));
    assert.throws(() => p.transform({ a: `\${file:${secrets}/../other/x.properties:password}` }), /is not allowed/);
    // A sibling whose name merely starts with the allowed path is outside it.
    assert.throws(() => p.transform({ a: `\${file:${secrets}-evil/x:password}` }), /is not allowed/);
    assert.equal(p.transform({ t: `\${dir:${join(secrets, 'dir')}:token}` }).t, 'tok-123\n');
  });

  it('allowed.paths must be absolute', () => {
    assert.throws(() => providers({ 'config.providers.file.param.allowed.paths': 'relative/dir' }), /config.providers.file.param.allowed.paths: Path relative\/dir is not absolute/);
  });

  it('allowlist.pattern admits matching variables (whole name) and refuses others', () => {
    const p = providers({ 'config.providers.env.param.allowlist.pattern': 'FERRY_.*' }, { FERRY_PW: 'ok', SECRET: 'no', XFERRY_A: 'no' });
    assert.equal(p.transform({ a: '${env:FERRY_PW}' }).a, 'ok');
    assert.throws(() => p.transform({ a: '${env:SECRET}' }), /environment variable SECRET does not match config.providers.env.param.allowlist.pattern/);
    assert.throws(() => p.transform({ a: '${env:XFERRY_A}' }), /XFERRY_A does not match/);
  });
});

describe('ConfigProviders: declaration errors', () => {
  it('an unknown class names the key and the value', () => {
    assert.throws(() => ConfigProviders.fromConfig({ 'config.providers': 'vault', 'config.providers.vault.class': 'com.example.VaultConfigProvider' }),
      (e: unknown) => e instanceof ConfigError && e.message.includes('Invalid value com.example.VaultConfigProvider for configuration config.providers.vault.class'));
  });

  it('a listed provider without a class is an error', () => {
    assert.throws(() => ConfigProviders.fromConfig({ 'config.providers': 'file' }), /config.providers.file.class/);
  });

  it('an invalid allowlist regex is an error', () => {
    assert.throws(() => providers({ 'config.providers.env.param.allowlist.pattern': '(' }), /config.providers.env.param.allowlist.pattern/);
  });
});

describe('resolveOwnReferences, reverseTransform, WorkerConfig, mm2.properties', () => {
  it('a worker file resolves its own references but keeps config.providers.* as written', () => {
    const f = join(secrets, 'db.properties');
    const { resolved } = resolveOwnReferences({
      'config.providers': 'file', 'config.providers.file.class': FILE, 'config.providers.file.param.allowed.paths': secrets,
      'producer.ssl.key.password': `\${file:${f}:password}`,
    });
    assert.equal(resolved['producer.ssl.key.password'], 's3cr3t-Pa55');
    assert.equal(resolved['config.providers.file.param.allowed.paths'], secrets);
  });

  it('WorkerConfig resolves with its providers and exposes them for connectors', () => {
    const f = join(secrets, 'db.properties');
    const wc = new WorkerConfig({
      'config.providers': 'file', 'config.providers.file.class': FILE,
      'bootstrap.servers': `\${file:${f}:user}:9092`, 'key.converter': 'x', 'value.converter': 'y',
    });
    assert.deepEqual(wc.getList('bootstrap.servers'), ['alice:9092']);
    assert.equal(wc.configProviders.transform({ p: `\${file:${f}:password}` }).p, 's3cr3t-Pa55');
    assert.throws(() => new WorkerConfig({ 'config.providers': 'x', 'config.providers.x.class': 'Nope', 'key.converter': 'x', 'value.converter': 'y' }), /config.providers.x.class/);
  });

  it('a distributed worker resolves its file once: the herder takes the WorkerConfig already built', () => {
    const f = join(root, 'once.properties');
    writeFileSync(f, 'group=g-once\n');
    const wc = new WorkerConfig({
      'config.providers': 'file', 'config.providers.file.class': FILE, 'group.id': `\${file:${f}:group}`,
      'config.storage.topic': 'c', 'offset.storage.topic': 'o', 'status.storage.topic': 's', 'key.converter': 'x', 'value.converter': 'y',
    });
    rmSync(f); // resolving again would now fail
    const plugins = builtinPlugins();
    const herder = new DistributedHerder(wc, { registry: plugins, transformerFactory: transformerFactory(plugins) });
    assert.equal(herder.workerConfig, wc);
    assert.equal(herder.config.getString('group.id'), 'g-once');
  });

  it('reverseTransform puts references back into generated task configs', () => {
    const raw = { 'connection.password': '${file:/s:pw}', topic: '${env:T}', other: 'v' };
    const tasks: Record<string, string>[] = [{ 'connection.password': 'resolved', topic: 't1', other: 'v', 'task.class': 'X' }, { other: 'v' }];
    assert.deepEqual(reverseTransform(raw, tasks), [{ 'connection.password': '${file:/s:pw}', topic: '${env:T}', other: 'v', 'task.class': 'X' }, { other: 'v' }]);
  });

  it('mm2.properties: references resolve for use and stay in the stored connector configs', () => {
    const f = join(secrets, 'mm2.properties');
    writeFileSync(f, 'bs=localhost:19092\ntopics=orders.*\n');
    const cfg = parseMm2Properties({
      'clusters': 'A, B',
      'config.providers': 'file', 'config.providers.file.class': FILE,
      'A.bootstrap.servers': `\${file:${f}:bs}`, 'B.bootstrap.servers': 'localhost:29092',
      'A->B.enabled': 'true', 'A->B.topics': `\${file:${f}:topics}`,
    });
    const flow = cfg.flows.find((x) => x.source === 'A' && x.target === 'B')!;
    assert.equal(cfg.clusterProps('A')['bootstrap.servers'], 'localhost:19092');
    assert.equal(flow.connectors.MirrorSourceConnector['source.cluster.bootstrap.servers'], 'localhost:19092');
    assert.equal(flow.connectors.MirrorSourceConnector['topics'], 'orders.*');
    assert.equal(flow.storedConnectors.MirrorSourceConnector['source.cluster.bootstrap.servers'], `\${file:${f}:bs}`);
    assert.equal(flow.storedConnectors.MirrorSourceConnector['topics'], `\${file:${f}:topics}`);
    assert.equal(flow.worker['config.providers.file.class'], FILE);
  });

  it('ferry verify|failover|failback|migrate (ops context) connect with resolved mm2.properties values', () => {
    const f = join(secrets, 'ops.properties');
    writeFileSync(f, 'bs=localhost:19092\njaas=org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p4ss-ops";\n');
    const ctx = flowContext({
      'clusters': 'A, B',
      'config.providers': 'file', 'config.providers.file.class': FILE,
      'A.bootstrap.servers': `\${file:${f}:bs}`, 'B.bootstrap.servers': 'localhost:29092',
      'A.sasl.jaas.config': `\${file:${f}:jaas}`,
    }, 'A', 'B');
    assert.equal(ctx.sourceProps['bootstrap.servers'], 'localhost:19092');
    assert.match(ctx.sourceProps['sasl.jaas.config'] ?? '', /password="p4ss-ops"/);
  });

  it('readMm2Config reads the file as every .properties file (Latin-1 fallback); a missing file is a ConfigError', () => {
    const f = join(root, 'latin1-mm2.properties');
    writeFileSync(f, Buffer.from('clusters=A, B\nA.bootstrap.servers=x:1\nB.bootstrap.servers=y:1\nA.sasl.jaas.config=m required password="p\u00e4ss";\n', 'latin1'));
    assert.match(readMm2Config(f).clusterProps('A')['sasl.jaas.config'] ?? '', /p\u00e4ss/);
    assert.throws(() => readMm2Config(join(root, 'no-such-mm2.properties')), (e: unknown) => e instanceof ConfigError && /no-such-mm2\.properties/.test(e.message));
  });

  it('mm2.properties with an unknown provider class fails naming the key', () => {
    assert.throws(() => parseMm2Properties({ 'clusters': 'A, B', 'A.bootstrap.servers': 'x:1', 'B.bootstrap.servers': 'y:1', 'config.providers': 'v', 'config.providers.v.class': 'Vault' }), /config.providers.v.class/);
  });
});
