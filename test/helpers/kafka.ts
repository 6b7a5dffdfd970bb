// Real Kafka clusters for integration tests. Each test file gets its own clusters on free loopback ports in
// a private temp directory, so parallel test files and a developer's running `ferry dev` never collide.
//
//   const kafka = useKafka({ clusters: ['source', 'target'] });   // at file top level: before + after hooks
//   test('…', async () => { const props = kafka.cluster('source').props; … });
//
// or, with full control:  const kafka = await startKafka({ … }); after(() => kafka.stop());
//
// Brokers are stopped when the file ends even on failure: by the after hook, and as a fallback by process
// 'exit'/SIGINT/SIGTERM handlers that SIGKILL them synchronously, and by the next harness start, which reaps
// brokers whose owning test process was SIGKILLed.
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { DEFAULT_KAFKA_VERSION } from '../../src/dev/jars.js';
import { startEphemeralClusters, type EphemeralKafka } from '../../src/dev/ephemeral.js';
import type { LocalCluster } from '../../src/dev/cluster.js';
import type { ClientProps } from '../../src/kafka/client.js';

export interface KafkaHarnessOptions {
  /** Cluster names (default ['source', 'target']). */
  clusters?: string[];
  /** StandardAuthorizer with super.users=User:ANONYMOUS, so ACL sync can be tested. */
  acls?: boolean;
  /** Default: $FERRY_TEST_KAFKA_VERSION, else the launcher's default. */
  kafkaVersion?: string;
  brokerProperties?: Record<string, string>;
  startTimeoutMs?: number;
}

export interface TestCluster {
  name: string;
  /** 127.0.0.1:port */
  bootstrap: string;
  brokerPort: number;
  controllerPort: number;
  /** Java-style client properties for src/kafka/client.ts. */
  props: ClientProps;
  /** Graceful stop (SIGTERM, then SIGKILL); data kept. */
  stop(): Promise<void>;
  /** Start again on the same data directory and ports. */
  start(): Promise<void>;
  /** SIGKILL (simulated crash); data kept. */
  kill(): void;
  /** Last lines of the broker log, for assertion messages. */
  logExcerpt(): string;
  readonly local: LocalCluster;
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

function wrap(c: LocalCluster): TestCluster {
  return {
    name: c.name,
    bootstrap: c.bootstrap,
    brokerPort: c.brokerPort,
    controllerPort: c.controllerPort,
    props: { 'bootstrap.servers': c.bootstrap },
    stop: () => c.stop(15_000),
    start: () => c.start(),
    kill: () => c.kill(),
    logExcerpt: () => c.logExcerpt(),
    local: c,
  };
}

/** Starts the clusters (in parallel). The caller stops them: `after(() => kafka.stop())`. */
export async function startKafka(opts: KafkaHarnessOptions = {}): Promise<TestKafka> {
  const eph: EphemeralKafka = await startEphemeralClusters({
    clusters: opts.clusters ?? ['source', 'target'],
    kafkaVersion: opts.kafkaVersion ?? testKafkaVersion(),
    fastStartup: true,
    startTimeoutMs: opts.startTimeoutMs ?? 120_000,
    ...(opts.acls ? { acls: true } : {}),
    ...(opts.brokerProperties ? { brokerProperties: opts.brokerProperties } : {}),
    progress: (m) => process.stderr.write(`# ${m}\n`),
  });
  const clusters = eph.clusters.map(wrap);
  return {
    clusters,
    cluster(name: string): TestCluster {
      const c = clusters.find((x) => x.name === name);
      if (!c) throw new Error(`No test cluster '${name}' (have ${clusters.map((x) => x.name).join(', ')}).`);
      return c;
    },
    kafkaVersion: eph.kafkaVersion,
    devDir: eph.devDir,
    stop: () => eph.stop(),
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
