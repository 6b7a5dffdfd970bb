// The secured local clusters checked with Kafka's own Java client (ProducerPerformance, ConsoleConsumer from
// the fetched jars), never Ferry's: every listener and store flavour the harness hands out must work for the
// reference client, and each misconfiguration must be refused quickly. Run by dev-secure.test.ts (default
// Kafka) and dev-secure-kafka3.test.ts (3.9.x).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { STORE_FLAVOURS, oauthAllowedUrlsOption, renderClientProperties, type ClientPropsRequest } from '../../src/dev/security.js';
import { configFileOption, runKafkaTool, toolClass, type KafkaToolResult } from '../../src/dev/tools.js';
import type { ClientProps } from '../../src/kafka/client.js';
import { uniqueName, useKafka } from '../helpers/kafka.js';

const RECORDS = 200;
/** A refused client must fail well before this (max.block.ms is 8 s). */
const REFUSAL_DEADLINE_MS = 30_000;

export function secureClusterSuite(version: string): void {
  // With the authorizer on, every round trip below also proves that each mechanism maps its client to the
  // principal User:alice (SCRAM and PLAIN user, certificate CN, token sub): alice gets ACLs, nobody else does.
  const kafka = useKafka({
    clusters: ['sec'], kafkaVersion: version, security: 'all', acls: true,
    setup: async (k) => {
      for (const resource of [['--topic', '*'], ['--group', '*']]) {
        const r = await runKafkaTool({
          kafkaVersion: version,
          mainClass: toolClass('AclCommand', version),
          args: ['--bootstrap-server', k.cluster('sec').bootstrap, '--add', '--allow-principal', 'User:alice', '--operation', 'All', ...resource],
          timeoutMs: 60_000,
        });
        assert.equal(r.code, 0, `AclCommand failed: ${r.stdout}\n${r.stderr}`);
      }
    },
  });
  let files = 0;

  function propsFile(props: ClientProps): string {
    const clean = Object.fromEntries(Object.entries(props).filter((e): e is [string, string] => e[1] !== undefined));
    const file = join(kafka.devDir, `client-${++files}.properties`);
    writeFileSync(file, renderClientProperties(clean, 'dev-secure test client'));
    return file;
  }

  function describe(r: KafkaToolResult): string {
    return `exit ${r.code ?? r.signal}${r.timedOut ? ' (timed out)' : ''} after ${r.elapsedMs} ms\n--- stdout ---\n${r.stdout.slice(-2000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`;
  }

  // Kafka 4.x clients open only OAuth URLs listed in a JVM property; other clients ignore it.
  function jvmFor(props: ClientProps): string[] {
    const url = props['sasl.oauthbearer.token.endpoint.url'];
    return url ? [oauthAllowedUrlsOption([url])] : [];
  }

  function produce(props: ClientProps, topic: string, records = RECORDS): Promise<KafkaToolResult> {
    return runKafkaTool({
      kafkaVersion: version,
      jvmOptions: jvmFor(props),
      mainClass: toolClass('ProducerPerformance', version),
      args: ['--topic', topic, '--num-records', String(records), '--record-size', '64', '--throughput', '-1',
        configFileOption('producer', version), propsFile(props), '--producer-props', 'acks=all', 'max.block.ms=8000', 'delivery.timeout.ms=20000', 'request.timeout.ms=5000'],
      timeoutMs: 60_000,
    });
  }

  function consume(props: ClientProps, topic: string, records = RECORDS): Promise<KafkaToolResult> {
    return runKafkaTool({
      kafkaVersion: version,
      jvmOptions: jvmFor(props),
      mainClass: toolClass('ConsoleConsumer', version),
      args: ['--bootstrap-server', props['bootstrap.servers']!, '--topic', topic, '--from-beginning', '--max-messages', String(records),
        '--timeout-ms', '30000', configFileOption('consumer', version), propsFile(props)],
      timeoutMs: 60_000,
    });
  }

  // ProducerPerformance exits 0 even when nothing was sent (errors go to its callbacks), so success and failure
  // are read from its summary line, and ConsoleConsumer's count from its own summary.
  const sent = (r: KafkaToolResult): number | undefined => {
    // The final summary has percentiles; interim lines (every 5 s) do not.
    const m = /(\d+) records sent,[^\n]*50th/.exec(r.stdout);
    return m ? Number(m[1]) : undefined;
  };

  async function roundTrip(props: ClientProps, label: string): Promise<void> {
    const topic = uniqueName(`sec-${label.replace(/[^a-zA-Z0-9]/g, '-')}`);
    const p = await produce(props, topic);
    assert.equal(sent(p), RECORDS, `${label}: produce failed: ${describe(p)}`);
    assert.doesNotMatch(p.stderr, /Exception/, `${label}: ${describe(p)}`);
    const c = await consume(props, topic);
    assert.equal(c.code, 0, `${label}: consume failed: ${describe(c)}`);
    assert.match(c.stderr, new RegExp(`Processed a total of ${RECORDS} messages`), `${label}: ${describe(c)}`);
  }

  /** Runs the cases two at a time: two client JVMs keep a 2-core host busy without starving the broker. */
  async function pairwise<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
    for (let i = 0; i < items.length; i += 2) await Promise.all(items.slice(i, i + 2).map(fn));
  }

  async function refused(req: ClientPropsRequest, label: string, cause: RegExp): Promise<void> {
    const r = await produce(kafka.cluster('sec').secure.props(req), uniqueName('sec-refused'), 5);
    assert.ok(r.code !== 0 || sent(r) === 0, `${label}: the broker accepted the client: ${describe(r)}`);
    assert.ok(!r.timedOut && r.elapsedMs < REFUSAL_DEADLINE_MS, `${label}: refusal took too long: ${describe(r)}`);
    assert.match(`${r.stdout}\n${r.stderr}`, cause, `${label}: ${describe(r)}`);
  }

  /** Sends a plaintext ApiVersions v0 request and returns the first bytes of the answer ('closed' when none). */
  function plaintextProbe(port: number): Promise<Buffer | 'closed'> {
    const clientId = Buffer.from('ferry-probe');
    const body = Buffer.alloc(10 + clientId.length);
    body.writeInt16BE(18, 0); // ApiVersions
    body.writeInt16BE(0, 2); // v0: understood by every broker
    body.writeInt32BE(7, 4); // correlation id
    body.writeInt16BE(clientId.length, 8);
    clientId.copy(body, 10);
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length, 0);
    return new Promise((resolve, reject) => {
      const sock = connect({ host: '127.0.0.1', port }, () => sock.write(Buffer.concat([size, body])));
      let got = Buffer.alloc(0);
      const timer = setTimeout(() => { sock.destroy(); reject(new Error(`no answer from port ${port} in 10 s`)); }, 10_000);
      sock.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        if (got.length >= 8) { clearTimeout(timer); sock.destroy(); resolve(got); }
      });
      sock.on('error', () => undefined);
      sock.on('close', () => { clearTimeout(timer); resolve(got.length > 0 ? got : 'closed'); });
    });
  }

  test(`Kafka ${version}: ready-to-use .properties files for every listener and flavour`, () => {
    const c = kafka.cluster('sec');
    const names = readdirSync(c.secure.propertiesDir).sort();
    for (const l of ['sasl_ssl', 'mtls', 'wrong_host', 'oauthbearer']) for (const f of STORE_FLAVOURS) assert.ok(names.includes(`${l}-${f}.properties`), `${l}-${f} in ${names.join(', ')}`);
    assert.ok(names.includes('sasl_plaintext.properties'));
    const text = readFileSync(join(c.secure.propertiesDir, 'sasl_ssl-jks.properties'), 'utf8');
    assert.match(text, new RegExp(`^bootstrap\\.servers=127\\.0\\.0\\.1:${c.secure.ports.sasl_ssl}$`, 'm'));
    assert.match(text, /^security\.protocol=SASL_SSL$/m);
    assert.match(text, /^sasl\.mechanism=SCRAM-SHA-512$/m);
    assert.match(text, /^ssl\.truststore\.type=JKS$/m);
    // The PLAINTEXT props stay for setup and tools.
    assert.equal(c.props['bootstrap.servers'], c.bootstrap);
  });

  test(`Kafka ${version}: SASL_SSL with SCRAM-SHA-512 produces and consumes with JKS, PKCS12, PEM file and inline PEM truststores`, async () => {
    const c = kafka.cluster('sec');
    await pairwise(STORE_FLAVOURS, (f) => roundTrip(c.secure.saslSsl[f], `sasl_ssl/${f}`));
  });

  test(`Kafka ${version}: SASL_SSL also takes SCRAM-SHA-256 and PLAIN, for both users; SASL_PLAINTEXT works; wrong_host works unverified`, async () => {
    const c = kafka.cluster('sec');
    const variants: [string, ClientProps][] = [
      ['SCRAM-SHA-256 admin', c.secure.props({ listener: 'sasl_ssl', store: 'pkcs12', mechanism: 'SCRAM-SHA-256', user: 'admin' })],
      ['PLAIN alice', c.secure.props({ listener: 'sasl_ssl', store: 'pem', mechanism: 'PLAIN', user: 'alice' })],
      ['SASL_PLAINTEXT', c.secure.saslPlaintext],
      // The wrong-host listener is a sound TLS server: only host-name verification objects to it.
      ['wrong_host without host-name verification', { ...c.secure.wrongHost.pkcs12, 'ssl.endpoint.identification.algorithm': '' }],
    ];
    await pairwise(variants, async ([label, props]) => {
      const r = await produce(props, uniqueName('sec-mech'), 20);
      assert.equal(r.code, 0, `${label}: ${describe(r)}`);
    });
  });

  test(`Kafka ${version}: mutual TLS produces and consumes with JKS, PKCS12, encrypted PEM file and inline PEM keystores`, async () => {
    const c = kafka.cluster('sec');
    await pairwise(STORE_FLAVOURS, (f) => roundTrip(c.secure.mtls[f], `mtls/${f}`));
  });

  test(`Kafka ${version}: misconfigured clients are refused within seconds, naming the cause`, async () => {
    const cases: [ClientPropsRequest, string, RegExp][] = [
      [{ listener: 'mtls', store: 'pkcs12', keystore: false }, 'mTLS without a client certificate', /SslAuthenticationException|SSLHandshakeException|bad_certificate|certificate_required|Broken pipe|Connection reset/i],
      [{ listener: 'sasl_ssl', store: 'jks', password: 'not-the-password' }, 'SCRAM wrong password', /SaslAuthenticationException|invalid credentials|Authentication failed/i],
      [{ listener: 'sasl_ssl', store: 'pkcs12', mechanism: 'PLAIN', password: 'not-the-password' }, 'PLAIN wrong password', /SaslAuthenticationException|invalid credentials|Authentication failed/i],
      [{ listener: 'sasl_ssl', store: 'pem', untrusted: true }, 'untrusted CA', /PKIX path|unable to find valid certification path|SSLHandshakeException/i],
      [{ listener: 'wrong_host', store: 'pkcs12' }, 'host-name mismatch', /No subject alternative names matching IP address 127\.0\.0\.1/],
    ];
    await pairwise(cases, ([req, label, cause]) => refused(req, label, cause));
  });

  test(`Kafka ${version}: OAUTHBEARER with client credentials from the token endpoint, and with a file token`, async () => {
    const c = kafka.cluster('sec');
    const before = c.secure.oauth.server.issued.get('alice') ?? 0;
    await roundTrip(c.secure.oauthbearer.pkcs12, 'oauthbearer/pkcs12');
    assert.ok((c.secure.oauth.server.issued.get('alice') ?? 0) > before, 'the Java client fetched its token from the endpoint');
    // What `ferry dev up` writes: a file:// token endpoint with a long-lived token, no server needed.
    const fromFile = readFileSync(join(c.secure.propertiesDir, 'oauthbearer-pem.properties'), 'utf8');
    assert.match(fromFile, /^sasl\.oauthbearer\.token\.endpoint\.url=file:/m);
    const props = Object.fromEntries(fromFile.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const r = await produce(props, uniqueName('sec-oauth-file'), 20);
    assert.equal(sent(r), 20, describe(r));
  });

  test(`Kafka ${version}: OAUTHBEARER with a wrong client secret is refused`, async () => {
    const c = kafka.cluster('sec');
    const refusedBefore = c.secure.oauth.server.refused;
    await refused({ listener: 'oauthbearer', store: 'jks', password: 'not-the-secret' }, 'OAuth wrong secret', /401|invalid_client|LoginException|Unable to retrieve|SaslAuthenticationException/i);
    assert.ok(c.secure.oauth.server.refused > refusedBefore, 'the token endpoint refused the client');
  });

  test(`Kafka ${version}: a plaintext client gets no Kafka answer from the TLS listeners (and one from PLAINTEXT)`, async () => {
    const c = kafka.cluster('sec');
    const plain = await plaintextProbe(c.brokerPort);
    assert.ok(plain !== 'closed' && plain.readInt32BE(4) === 7, 'PLAINTEXT listener answers ApiVersions');
    for (const l of ['sasl_ssl', 'mtls', 'wrong_host', 'oauthbearer'] as const) {
      const r = await plaintextProbe(c.secure.ports[l]!);
      // A TLS server answers bytes that are no ClientHello with an alert record (content type 21) or hangs up.
      assert.ok(r === 'closed' || r[0] === 0x15, `${l}: answered plaintext with ${r === 'closed' ? r : r.subarray(0, 8).toString('hex')}`);
    }
  });
}
