// Real Kafka clusters for integration tests. Each test file gets its own clusters on free loopback ports in
// a private temp directory, so parallel test files and a developer's running `ferry dev` never collide.
//
//   const kafka = useKafka({ clusters: ['source', 'target'] });   // at file top level: before + after hooks
//   test('…', async () => { const props = kafka.cluster('source').props; … });
//
// or, with full control:  const kafka = await startKafka({ … }); after(() => kafka.stop());
//
// Multi-broker clusters (combined broker + controller nodes in one static quorum; internal topics replicated):
//   const kafka = useKafka({ clusters: ['source', 'target'], brokers: { target: 3 } });
//   kafka.cluster('target').bootstrap          // all three brokers, comma-separated
//   await kafka.cluster('target').broker(2).stop(); … await kafka.cluster('target').broker(2).start();
//
// Secured clusters (src/dev/security.ts) keep the PLAINTEXT `props` for setup and add client properties per
// listener and store flavour:
//   const kafka = useKafka({ clusters: ['source', 'target'], security: ['sasl_ssl', 'mtls'] });   // or 'all'
//   kafka.cluster('source').secure.saslSsl.pkcs12    // SASL_SSL, SCRAM-SHA-512 as alice, PKCS12 truststore
//   kafka.cluster('target').secure.mtls.pem          // mutual TLS, PEM files (encrypted key + ssl.key.password)
//   kafka.cluster('source').secure.props({ listener: 'sasl_ssl', store: 'jks', mechanism: 'PLAIN', user: 'admin' })
//   kafka.cluster('source').secure.oauthbearer.pem   // OAUTHBEARER, client credentials against secure.oauth's endpoint
// Users: admin (super user when acls are on) and alice; every mechanism maps alice to User:alice. Flavours:
// jks, pkcs12, pem (files; mTLS key encrypted, with ssl.key.password), pemInline (inline PEM).
//
// Brokers are stopped when the file ends even on failure: by the after hook, and as a fallback by process
// 'exit'/SIGINT/SIGTERM handlers that SIGKILL them synchronously, and by the next harness start, which reaps
// brokers whose owning test process was SIGKILLed.
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { DEFAULT_KAFKA_VERSION } from '../../src/dev/jars.js';
import { startEphemeralClusters, type EphemeralKafka } from '../../src/dev/ephemeral.js';
import type { LocalCluster } from '../../src/dev/cluster.js';
import { ensureOAuthMaterial, startOAuthServer, type OAuthServer } from '../../src/dev/oauth.js';
import { ensureDevPki, type DevPki } from '../../src/dev/pki.js';
import {
  SECURE_LISTENERS, STORE_FLAVOURS, oauthAllowedUrlsOption, secureClientProperties, securedListenerKinds,
  type ClientPropsRequest, type ClientStoreFlavour, type SecureListener,
} from '../../src/dev/security.js';
import type { ClientProps } from '../../src/kafka/client.js';

export interface KafkaHarnessOptions {
  /** Cluster names (default ['source', 'target']). */
  clusters?: string[];
  /** StandardAuthorizer with super.users=User:ANONYMOUS (and User:admin when secured), so ACL sync can be tested. */
  acls?: boolean;
  /** Default: $FERRY_TEST_KAFKA_VERSION, else the launcher's default. */
  kafkaVersion?: string;
  brokerProperties?: Record<string, string>;
  /** Brokers per cluster name (default 1, at most 5), e.g. { target: 3 }. Secured listeners need single-broker clusters. */
  brokers?: Readonly<Record<string, number>>;
  startTimeoutMs?: number;
  /**
   * Secured listeners each cluster gets besides PLAINTEXT: 'all', or any of sasl_ssl, mtls, sasl_plaintext,
   * wrong_host, oauthbearer (which also starts a token endpoint in this process). Default none.
   */
  security?: readonly SecureListener[] | 'all';
  /**
   * useKafka only: runs in the same before hook right after the clusters are up (ACLs, topics), so it is done
   * before any test, whatever order node:test gives separately registered hooks.
   */
  setup?: (kafka: TestKafka) => Promise<void>;
}

/** Client properties for one listener in each store flavour (see ClientStoreFlavour in src/dev/security.ts). */
export type StoreFlavouredProps = Readonly<Record<ClientStoreFlavour, ClientProps>>;

export interface TestOAuth {
  /** http://127.0.0.1:port/token */
  tokenEndpointUrl: string;
  /** http://127.0.0.1:port/jwks (the broker reads the same keys from a file). */
  jwksUrl: string;
  /** The JVM option a Kafka 4.x Java client needs to reach the token endpoint. */
  javaAllowedUrlsOption: string;
  /** Tokens issued (per client id) and refused, for assertions. */
  server: OAuthServer;
}

/** Ways to reach a secured test cluster. A listener the cluster was not started with throws when read. */
export interface SecureTestAccess {
  /** SASL_SSL, SCRAM-SHA-512, user alice; truststore per flavour. */
  readonly saslSsl: StoreFlavouredProps;
  /** SSL with a client certificate (CN=alice → User:alice); truststore + keystore per flavour. */
  readonly mtls: StoreFlavouredProps;
  /** SASL_PLAINTEXT, SCRAM-SHA-512, user alice. */
  readonly saslPlaintext: ClientProps;
  /** One-way SSL to a listener whose certificate names another host: a correct client must refuse it. */
  readonly wrongHost: StoreFlavouredProps;
  /** SASL_SSL with OAUTHBEARER: client credentials (alice) against the harness's token endpoint. */
  readonly oauthbearer: StoreFlavouredProps;
  /** The token endpoint (client-credentials grant) that oauthbearer props use. */
  readonly oauth: TestOAuth;
  /** Any variant: another mechanism or user, a wrong password, an untrusted CA, mTLS without a keystore. */
  props(req: ClientPropsRequest): ClientProps;
  /** SASL user → password (admin is a super user when acls are on; alice is a normal user). */
  readonly users: Readonly<Record<string, string>>;
  /** Secured listener → port. */
  readonly ports: Readonly<Partial<Record<SecureListener, number>>>;
  /** The listeners this cluster has. */
  readonly listeners: readonly SecureListener[];
  /** CA, client stores and their passwords. */
  readonly pki: DevPki;
  /** Directory with ready-to-use <listener>-<flavour>.properties files (Kafka's tools take them). */
  readonly propertiesDir: string;
}

/** One broker (node) of a test cluster. */
export interface TestBroker {
  /** Kafka node id (1..n). */
  nodeId: number;
  /** 127.0.0.1:port of this broker alone. */
  bootstrap: string;
  brokerPort: number;
  controllerPort: number;
  /** Graceful stop (SIGTERM: controlled shutdown, then SIGKILL); data kept. */
  stop(): Promise<void>;
  /** Start again on the same data directory and ports; resolves when the broker is back in the metadata. */
  start(): Promise<void>;
  /** SIGKILL (simulated crash); data kept. */
  kill(): void;
  isRunning(): boolean;
  logExcerpt(): string;
  readonly local: LocalCluster;
}

export interface TestCluster {
  name: string;
  /** 127.0.0.1:port, or for a multi-broker cluster every broker's, comma-separated. */
  bootstrap: string;
  /** The (first) broker's port. */
  brokerPort: number;
  /** The (first) node's controller port. */
  controllerPort: number;
  /** Java-style client properties for src/kafka/client.ts. */
  props: ClientProps;
  /** Every broker, by node id (one for a single-broker cluster). */
  readonly brokers: readonly TestBroker[];
  /** The broker with this node id. */
  broker(nodeId: number): TestBroker;
  /** Graceful stop of every broker (SIGTERM, then SIGKILL); data kept. */
  stop(): Promise<void>;
  /** Start every broker again on the same data directories and ports. */
  start(): Promise<void>;
  /** SIGKILL every broker (simulated crash); data kept. */
  kill(): void;
  /** Last lines of the broker log(s), for assertion messages. */
  logExcerpt(): string;
  /** The cluster, or the first node of a multi-broker cluster. */
  readonly local: LocalCluster;
  /** Client properties for the secured listeners; throws on a cluster started without `security`. */
  readonly secure: SecureTestAccess;
}

export interface TestKafka {
  clusters: TestCluster[];
  cluster(name: string): TestCluster;
  kafkaVersion: string;
  devDir: string;
  /** Stops every cluster and deletes the temp directory. Idempotent. */
  stop(): Promise<void>;
}

/** Alias used by other test files. */
export type KafkaHarness = TestKafka;

export function testKafkaVersion(): string {
  return process.env.FERRY_TEST_KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
}

function resolveSecurity(opt: KafkaHarnessOptions['security']): SecureListener[] {
  return opt === 'all' ? [...SECURE_LISTENERS] : [...(opt ?? [])];
}

function secureAccess(c: LocalCluster, pki: DevPki | undefined, oauth: TestOAuth | undefined): SecureTestAccess {
  const sec = c.security;
  const need = (): { sec: NonNullable<LocalCluster['security']>; pki: DevPki } => {
    if (!sec || !pki) throw new Error(`Test cluster '${c.name}' has no secured listeners: start it with useKafka({ security: [...] }).`);
    return { sec, pki };
  };
  const props = (req: ClientPropsRequest): ClientProps => {
    const n = need();
    return secureClientProperties(n.pki, n.sec, c.bootstrap.split(':')[0]!, req, oauth ? { tokenEndpointUrl: oauth.tokenEndpointUrl } : undefined);
  };
  const flavoured = (listener: SecureListener): StoreFlavouredProps =>
    Object.fromEntries(STORE_FLAVOURS.map((store) => [store, props({ listener, store })])) as unknown as StoreFlavouredProps;
  return {
    get saslSsl() { return flavoured('sasl_ssl'); },
    get mtls() { return flavoured('mtls'); },
    get saslPlaintext() { return props({ listener: 'sasl_plaintext' }); },
    get wrongHost() { return flavoured('wrong_host'); },
    get oauthbearer() { return flavoured('oauthbearer'); },
    get oauth() {
      if (!oauth) throw new Error(`Test cluster '${c.name}' has no oauthbearer listener: start it with useKafka({ security: ['oauthbearer', ...] }).`);
      return oauth;
    },
    props,
    get users() { return need().pki.users; },
    get ports() { return need().sec.listeners; },
    get listeners() { return sec ? securedListenerKinds(sec) : []; },
    get pki() { return need().pki; },
    get propertiesDir() { need(); return c.clientPropertiesDir; },
  };
}

function wrapBroker(c: LocalCluster): TestBroker {
  return {
    nodeId: c.nodeId,
    bootstrap: c.bootstrap,
    brokerPort: c.brokerPort,
    controllerPort: c.controllerPort,
    stop: () => c.stop(15_000),
    start: () => c.start(),
    kill: () => c.kill(),
    isRunning: () => c.isRunning(),
    logExcerpt: () => c.logExcerpt(),
    local: c,
  };
}

function wrap(name: string, nodes: readonly LocalCluster[], pki: DevPki | undefined, oauth: TestOAuth | undefined): TestCluster {
  const c = nodes[0]!;
  const brokers = nodes.map(wrapBroker);
  const bootstrap = nodes.map((n) => n.bootstrap).join(',');
  return {
    name,
    bootstrap,
    brokerPort: c.brokerPort,
    controllerPort: c.controllerPort,
    props: { 'bootstrap.servers': bootstrap },
    brokers,
    broker(nodeId: number): TestBroker {
      const b = brokers.find((x) => x.nodeId === nodeId);
      if (!b) throw new Error(`Test cluster '${name}' has no broker ${nodeId} (have ${brokers.map((x) => x.nodeId).join(', ')}).`);
      return b;
    },
    stop: async () => { await Promise.all(brokers.map((b) => b.stop())); },
    start: async () => { await Promise.all(brokers.map((b) => b.start())); },
    kill: () => { for (const b of brokers) b.kill(); },
    logExcerpt: () => (brokers.length === 1 ? c.logExcerpt() : brokers.map((b) => `=== broker ${b.nodeId} ===\n${b.logExcerpt()}`).join('\n')),
    local: c,
    secure: secureAccess(c, pki, oauth),
  };
}

/** Starts the clusters (in parallel). The caller stops them: `after(() => kafka.stop())`. */
export async function startKafka(opts: KafkaHarnessOptions = {}): Promise<TestKafka> {
  const security = resolveSecurity(opts.security);
  const eph: EphemeralKafka = await startEphemeralClusters({
    clusters: opts.clusters ?? ['source', 'target'],
    kafkaVersion: opts.kafkaVersion ?? testKafkaVersion(),
    fastStartup: true,
    startTimeoutMs: opts.startTimeoutMs ?? 120_000,
    ...(opts.acls ? { acls: true } : {}),
    ...(opts.brokerProperties ? { brokerProperties: opts.brokerProperties } : {}),
    ...(opts.brokers ? { brokers: opts.brokers } : {}),
    ...(security.length > 0 ? { security } : {}),
    progress: (m) => process.stderr.write(`# ${m}\n`),
  });
  const pkiDir = eph.clusters[0]?.security?.pkiDir;
  let oauth: TestOAuth | undefined;
  let pki: DevPki | undefined;
  try {
    pki = pkiDir ? await ensureDevPki(pkiDir) : undefined;
    if (pki && pkiDir && security.includes('oauthbearer')) {
      // One token endpoint for all clusters of the file; the brokers validate with the JWKS file, not this server.
      const server = await startOAuthServer(await ensureOAuthMaterial(pkiDir, pki.users), pki.users);
      oauth = { tokenEndpointUrl: server.tokenEndpointUrl, jwksUrl: server.jwksUrl, javaAllowedUrlsOption: oauthAllowedUrlsOption([server.tokenEndpointUrl, server.jwksUrl]), server };
    }
  } catch (err) {
    await eph.stop();
    throw err;
  }
  const names = opts.clusters ?? ['source', 'target'];
  const clusters = names.map((name) => wrap(name, eph.nodes(name), pki, oauth));
  return {
    clusters,
    cluster(name: string): TestCluster {
      const c = clusters.find((x) => x.name === name);
      if (!c) throw new Error(`No test cluster '${name}' (have ${clusters.map((x) => x.name).join(', ')}).`);
      return c;
    },
    kafkaVersion: eph.kafkaVersion,
    devDir: eph.devDir,
    stop: async () => {
      await oauth?.server.close();
      await eph.stop();
    },
  };
}

/**
 * Registers node:test before/after hooks at the current level (call it at file top level or inside a
 * describe) and returns a handle usable from tests once `before` has run.
 */
export function useKafka(opts: KafkaHarnessOptions = {}): TestKafka {
  let kafka: TestKafka | undefined;
  const get = (): TestKafka => {
    if (!kafka) throw new Error('Kafka test clusters are not started yet (useKafka handles work inside tests and later hooks).');
    return kafka;
  };
  before(async () => {
    kafka = await startKafka(opts);
    await opts.setup?.(kafka);
  });
  after(async () => {
    await kafka?.stop();
  });
  return {
    get clusters() { return get().clusters; },
    cluster: (name: string) => get().cluster(name),
    get kafkaVersion() { return get().kafkaVersion; },
    get devDir() { return get().devDir; },
    stop: async () => { await kafka?.stop(); },
  };
}

/** A topic or group name unique to this run, so tests never see each other's data. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
