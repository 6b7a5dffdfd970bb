// connect-mirror-maker between secured clusters, as production runs it: a SASL_SSL (SCRAM-SHA-512) source
// and a mutual-TLS target, with client stores in PKCS12, JKS and PEM. Every record arrives byte for byte
// (per-partition digests of key, value, headers in order, timestamp), checkpoints translate to the exact next
// record, and no output line carries a password. Then the ways a secured connection goes wrong — a wrong
// password, an untrusted certificate, a host-name mismatch, a plaintext client on a TLS listener, a
// security.protocol that is not one — each end in an error that names the cause within seconds.
import { test, after } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { testKafkaVersion, useKafka, type TestCluster } from '../helpers/kafka.js';
import { DEFAULT_KAFKA_VERSION } from '../../src/dev/jars.js';
import { tempDir, waitFor } from '../helpers/connect.js';
import {
  commitGroupOffsets, createTopics, digestTopic, endOffsets, produceMixed, recordAtOrAfter, spawnMirrorMaker, sum, writeMm2Properties,
  type MirrorProcess,
} from '../helpers/mirror.js';
import { translateOffsets } from '../../src/mirror/client.js';
import type { ClientProps } from '../../src/kafka/client.js';
import { readToEnd } from '../../src/kafka/read-to-end.js';
import { decodeStatusRecord } from '../../src/connect/storage/internal-formats.js';

const kafka = useKafka({ clusters: ['a', 'b'], security: ['sasl_ssl', 'mtls', 'wrong_host'] });
const tmp = tempDir('ferry-mirror-secure-');
const children = new Set<MirrorProcess>();
after(() => { for (const c of children) c.kill9(); tmp.cleanup(); });

const PARTITIONS = 3;
const RECORDS = 6_000;
const log = (m: string) => process.stderr.write(`# ${m}\n`);

/** `<alias>.<key>` entries for mm2.properties from a cluster's client properties. */
function clusterEntries(alias: string, props: ClientProps): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) if (v !== undefined) out[`${alias}.${k}`] = v;
  return out;
}

/** Every secret the harness knows of: SASL passwords and store passwords. */
function secretsOf(...clusters: TestCluster[]): string[] {
  const out = new Set<string>();
  for (const c of clusters) {
    for (const p of Object.values(c.secure.users)) out.add(p);
    for (const [k, v] of Object.entries(c.secure.pki as unknown as Record<string, unknown>)) if (/password/i.test(k) && typeof v === 'string') out.add(v);
    for (const flavour of Object.values(c.secure.mtls)) for (const [k, v] of Object.entries(flavour)) if (/password/.test(k) && v) out.add(v);
    for (const flavour of Object.values(c.secure.saslSsl)) for (const [k, v] of Object.entries(flavour)) if (/password/.test(k) && v) out.add(v);
  }
  return [...out].filter((s) => s.length >= 6);
}

/** `marker` proves the text is the output it should be, so an empty or wrong capture cannot pass. */
function assertNoSecrets(output: string, secrets: readonly string[], what: string, marker: RegExp): void {
  assert.match(output, marker, `${what}: expected output not captured`);
  assert.ok(secrets.length > 0, `${what}: no secrets to look for`);
  for (const s of secrets) assert.ok(!output.includes(s), `${what}: output contains a password (at ${JSON.stringify(output.slice(Math.max(0, output.indexOf(s) - 80), output.indexOf(s)))})`);
}

// Store formats are read by Ferry, not by the broker: the Kafka 3.9 matrix (FERRY_TEST_KAFKA_VERSION) runs one of
// them (pkcs12, which also takes its secrets through config providers); the default Kafka runs all three.
const FLAVOURS = testKafkaVersion() === DEFAULT_KAFKA_VERSION ? (['pkcs12', 'jks', 'pem'] as const) : (['pkcs12'] as const);
for (const flavour of FLAVOURS) {
  test(`SASL_SSL (SCRAM-SHA-512) source → mTLS target, ${flavour} stores: every record byte for byte, exact checkpoints`, { timeout: 180_000 }, async () => {
    const a = kafka.cluster('a');
    const b = kafka.cluster('b');
    const topic = `secure-${flavour}`;
    const group = `g-${flavour}`;
    await createTopics(a.props, [{ topic, partitions: PARTITIONS }]);
    assert.equal(await produceMixed(a.props, [topic], { run: flavour, partitions: PARTITIONS, count: RECORDS, batchSize: 1000, concurrency: 2 }), RECORDS);
    const sourceEnds = await endOffsets(a.props, topic);
    // A consumer group part-way through each partition, to be checkpointed.
    const committed = sourceEnds.map((end, partition) => ({ topic, partition, offset: Math.floor(end / (partition + 2)) }));
    await commitGroupOffsets(a.props, group, committed);

    let source: ClientProps = a.secure.saslSsl[flavour];
    let target: ClientProps = b.secure.mtls[flavour];
    const env: Record<string, string> = { FERRY_LOG_LEVEL: 'info' };
    const providers: Record<string, string> = {};
    if (flavour === 'pkcs12') {
      // Secrets through config providers, as production files keep them: the JAAS line from a file, the
      // keystore password from the environment.
      const secrets = join(tmp.dir, 'secrets.properties');
      writeFileSync(secrets, `a.jaas=${source['sasl.jaas.config']!.replace(/\\/g, '\\\\')}\n`);
      env['FERRY_TEST_KEYSTORE_PASSWORD'] = target['ssl.keystore.password']!;
      source = { ...source, 'sasl.jaas.config': `\${file:${secrets}:a.jaas}` };
      target = { ...target, 'ssl.keystore.password': '${env:FERRY_TEST_KEYSTORE_PASSWORD}' };
      Object.assign(providers, {
        'config.providers': 'file,env',
        'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
        'config.providers.env.class': 'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
      });
    }
    assert.equal(source['security.protocol'], 'SASL_SSL');
    assert.equal(target['security.protocol'], 'SSL');
    const mm2 = writeMm2Properties(tmp.dir, { A: source['bootstrap.servers']!, B: target['bootstrap.servers']! }, {
      ...clusterEntries('A', source),
      ...clusterEntries('B', target),
      ...providers,
      'A->B.enabled': 'true',
      'A->B.topics': topic,
      'A->B.groups': group,
      'B->A.emit.heartbeats.enabled': 'false',
      'tasks.max': '2',
    }, `secure-${flavour}.properties`);
    const mm = spawnMirrorMaker(mm2.path, [], env);
    children.add(mm);
    const remote = `A.${topic}`;
    try {
      await waitFor('every record on the mTLS target', async () => {
        if (mm.child.exitCode !== null) throw new Error(`connect-mirror-maker exited:\n${mm.output().slice(-3000)}`);
        const ends = await endOffsets(b.props, remote).catch(() => [] as number[]);
        return ends.length === PARTITIONS && ends.every((e, p) => e >= sourceEnds[p]!);
      }, 90_000, 250).catch((e: Error) => { throw new Error(`${e.message}\n--- mirror output ---\n${mm.output().slice(-4000)}`, { cause: e }); });

      // Checkpoints, read with MM2's client over the target's plaintext setup listener.
      let translated: Awaited<ReturnType<typeof translateOffsets>> = [];
      await waitFor('a checkpoint for every committed partition', async () => {
        translated = await translateOffsets(b.props, 'A', group).catch(() => []);
        return committed.every((c) => translated.some((t) => t.topic === remote && t.partition === c.partition && t.upstreamOffset === c.offset));
      }, 60_000, 500);
      for (const c of committed) {
        const t = translated.find((x) => x.topic === remote && x.partition === c.partition)!;
        const want = await recordAtOrAfter(a.props, topic, c.partition, c.offset);
        const got = await recordAtOrAfter(b.props, remote, c.partition, t.offset);
        assert.ok(want && got, `records at ${topic}-${c.partition}@${c.offset} and ${remote}-${c.partition}@${t.offset}`);
        assert.equal(got.fp, want.fp, `checkpoint ${topic}-${c.partition}@${c.offset} → ${t.offset} lands on the same record`);
      }
    } finally {
      await mm.stop();
      children.delete(mm);
    }
    const [src, dst] = await Promise.all([digestTopic(a.props, topic, PARTITIONS), digestTopic(b.props, remote, PARTITIONS)]);
    for (let p = 0; p < PARTITIONS; p++) {
      assert.equal(dst[p]!.count, src[p]!.count, `${topic}-${p}: count`);
      assert.equal(dst[p]!.sha256, src[p]!.sha256, `${topic}-${p}: digest of key, value, headers, timestamp in order`);
    }
    log(`${flavour}: ${sum(src.map((d) => d.count))} records mirrored SASL_SSL → mTLS, ${committed.length} exact checkpoints`);
    assertNoSecrets(mm.output(), secretsOf(a, b), `connect-mirror-maker (${flavour})`, /MirrorMaker running|flow started/);
    if (flavour === 'pkcs12') {
      // The connector configs stored on the target keep the references, never the secrets.
      const stored: string[] = [];
      await readToEnd(b.props, 'mm2-configs.A.internal', [0], (r) => { if (r.value) stored.push(r.value.toString()); }, { timeoutMs: 10_000 });
      const all = stored.join('\n');
      assert.match(all, /\$\{file:[^}]*:a\.jaas\}/);
      assert.match(all, /\$\{env:FERRY_TEST_KEYSTORE_PASSWORD\}/);
      // Literal values of mm2.properties are stored as written (as MM2 does; the dev stores share one password,
      // so the truststore's literal one is there); the SASL password, given by reference, is not.
      assertNoSecrets(all, [a.secure.users['alice']!], 'mm2-configs.A.internal', /sasl\.jaas\.config/);
    }
  });
}

/** FAILED connector and task statuses in a flow's status topic (on the target), latest per key. */
async function failedStatuses(props: ClientProps, topic: string): Promise<{ key: string; trace: string }[]> {
  const latest = new Map<string, { state: string; trace: string }>();
  await readToEnd(props, topic, [0], (r) => {
    const key = r.key?.toString() ?? '';
    if (!key.startsWith('status-')) return;
    const d = decodeStatusRecord(key, r.value);
    if (d.kind !== 'connector' && d.kind !== 'task') return;
    if (d.status) latest.set(key, { state: d.status.state, trace: d.status.trace ?? '' });
  }, { timeoutMs: 10_000 });
  return [...latest].filter(([, v]) => v.state === 'FAILED').map(([key, v]) => ({ key, trace: v.trace }));
}

/**
 * Runs connect-mirror-maker on a flow whose source uses `source` props, and waits until the failure shows as
 * Connect shows it: a FAILED connector or task in the flow's status topic whose trace matches `expect` (or a
 * start-up error if the process exits). Returns the mirror's output and the time it took.
 */
async function failingMirror(name: string, source: ClientProps, expect: RegExp): Promise<{ output: string; trace: string; ms: number; exitCode: number | null }> {
  const b = kafka.cluster('b');
  const target = b.secure.mtls.pkcs12;
  const mm2 = writeMm2Properties(tmp.dir, { [name]: source['bootstrap.servers']!, B: target['bootstrap.servers']! }, {
    ...clusterEntries(name, source),
    ...clusterEntries('B', target),
    [`${name}->B.enabled`]: 'true',
    [`${name}->B.topics`]: 'secure-.*',
    [`B->${name}.emit.heartbeats.enabled`]: 'false',
  }, `${name}.properties`);
  const t0 = Date.now();
  const mm = spawnMirrorMaker(mm2.path);
  children.add(mm);
  let trace = '';
  try {
    await waitFor(`${name}: a FAILED status or start-up error naming the cause`, async () => {
      if (mm.child.exitCode !== null) { trace = mm.output(); return expect.test(trace); }
      const failed = await failedStatuses(b.props, `mm2-status.${name}.internal`).catch(() => []);
      const hit = failed.find((f) => expect.test(f.trace));
      if (hit) trace = hit.trace;
      return hit !== undefined;
    }, 60_000, 500).catch((e: Error) => { throw new Error(`${e.message}\n--- mirror output ---\n${mm.output().slice(-4000)}`, { cause: e }); });
    return { output: mm.output(), trace, ms: Date.now() - t0, exitCode: mm.child.exitCode };
  } finally {
    await mm.stop(5_000);
    children.delete(mm);
  }
}

test('a wrong SASL password fails with an authentication error naming the mechanism, not the password', { timeout: 90_000 }, async () => {
  const a = kafka.cluster('a');
  const wrong = 'Wr0ng-Passw0rd-123';
  const { output, trace, ms } = await failingMirror('wrongpw', a.secure.props({ listener: 'sasl_ssl', store: 'pkcs12', password: wrong }), /SASL|[Aa]uthentication failed/);
  assert.match(trace, /SCRAM-SHA-512/);
  assert.ok(!output.includes(wrong) && !trace.includes(wrong), 'the wrong password is not echoed');
  log(`wrong password reported after ${ms} ms`);
});

test('an untrusted broker certificate fails naming the certificate problem', { timeout: 90_000 }, async () => {
  const a = kafka.cluster('a');
  const { ms } = await failingMirror('untrusted', a.secure.props({ listener: 'sasl_ssl', store: 'pem', untrusted: true }), /self[- ]signed certificate|unable to verify|unable to get local issuer/i);
  log(`untrusted certificate reported after ${ms} ms`);
});

test('a host-name mismatch fails naming the host and the certificate', { timeout: 90_000 }, async () => {
  const a = kafka.cluster('a');
  const { ms } = await failingMirror('wronghost', a.secure.wrongHost.jks, /altnames|is not in the cert's list|Hostname\/IP does not match/i);
  log(`host-name mismatch reported after ${ms} ms`);
});

test('a plaintext client on the TLS listener fails and says so, instead of retrying silently', { timeout: 90_000 }, async () => {
  const a = kafka.cluster('a');
  const tls = a.secure.saslSsl.pkcs12;
  const { ms } = await failingMirror('plainontls', { 'bootstrap.servers': tls['bootstrap.servers']! }, /security\.protocol/);
  log(`plaintext client on the TLS listener reported after ${ms} ms`);
});

test('security.protocol that is not one (TLS) is refused at start, naming key and value', { timeout: 60_000 }, async () => {
  const a = kafka.cluster('a');
  const props = { ...a.secure.saslSsl.pkcs12, 'security.protocol': 'TLS' };
  const { output, exitCode } = await failingMirror('badproto', props, /security\.protocol/);
  assert.match(output, /"TLS"/);
  assert.equal(exitCode, 2, 'a configuration error stops connect-mirror-maker at start');
});
