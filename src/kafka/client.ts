// The one place that constructs kafkajs clients. Everything else passes Java-style properties
// (bootstrap.servers, client.id, …) and gets kafkajs objects back.
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type ProducerConfig, type ConsumerConfig, type Admin, type Producer, type Consumer } from 'kafkajs';
import { KafkajsClusterClass, kafkajsLoggers, kafkajsSocketFactory, type KafkajsCluster } from './kafkajs-internals.js';
import { logger } from '../observability/logger.js';
import { resolveSecurity, type ConnectionSecurity } from './security.js';

export type { ClientProps } from './security.js';
import type { ClientProps } from './security.js';
import { sleep } from '../backoff.js';

const kafkaLog = logger('kafka.client');
// Ferry partitions keyed records itself (Java-compatible murmur2), so kafkajs's v2 partitioner notice is noise.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const IGNORED = /Limiting retries for the idempotent producer/;

function logCreator() {
  return ({ level, log }: LogEntry) => {
    const { message, ...extra } = log;
    if (IGNORED.test(message)) return;
    // kafkajs logs every retriable broker error at ERROR; keep them at warn so operators see real failures.
    if (level === logLevel.ERROR || level === logLevel.WARN) kafkaLog.warn(extra, message);
    else if (level === logLevel.INFO) kafkaLog.debug(extra, message);
  };
}

export function bootstrapList(props: ClientProps): string[] {
  const raw = props['bootstrap.servers'];
  if (!raw || raw.trim() === '') throw new Error('Missing required configuration "bootstrap.servers" which has no default value.');
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Builds a kafkajs client from Java-style client properties. */
export function createKafka(props: ClientProps, defaults: { clientId?: string } = {}): Kafka {
  const cfg: KafkaConfig = {
    brokers: bootstrapList(props),
    clientId: props['client.id'] ?? defaults.clientId ?? 'ferry',
    connectionTimeout: num(props['socket.connection.setup.timeout.ms'], 10_000),
    requestTimeout: num(props['request.timeout.ms'], 30_000),
    logLevel: logLevel.WARN,
    logCreator,
    retry: { retries: num(props['retries.kafkajs'], 8), initialRetryTime: num(props['retry.backoff.ms'], 100), maxRetryTime: num(props['retry.backoff.max.ms'], 1000) },
  };
  const sec = resolveSecurity(props);
  if (sec.tls) cfg.ssl = sec.tls;
  if (sec.sasl) cfg.sasl = sec.sasl as KafkaConfig['sasl'];
  const kafka = new Kafka(cfg);
  // Every client's connect() explains the security mismatches a bare "Closed connection" hides.
  const hint = <T extends { connect(): Promise<void> }>(c: T): T => withConnectionHints(c, sec, cfg.brokers as string[]);
  const admin = kafka.admin.bind(kafka);
  const producer = kafka.producer.bind(kafka);
  const consumer = kafka.consumer.bind(kafka);
  kafka.admin = (c) => hint(admin(c));
  kafka.producer = (c) => hint(producer(c));
  kafka.consumer = (c) => hint(consumer(c));
  return kafka;
}

/**
 * Adds to a connection error what it most likely means given the client's security settings: a PLAINTEXT
 * client on a TLS or SASL listener sees only "Closed connection"; a TLS client on a plaintext listener sees an
 * OpenSSL record error. The message keeps the original text and names protocol, mechanism and principal (never
 * a secret).
 */
function explainConnectionError(e: unknown, sec: ConnectionSecurity, brokers: readonly string[]): void {
  if (!(e instanceof Error) || (e as { ferryExplained?: boolean }).ferryExplained) return;
  const msg = `${e.message} ${String((e as { cause?: { message?: string } }).cause?.message ?? '')}`;
  let why: string | undefined;
  if (!sec.tls && /Closed connection|ECONNRESET|socket hang up|Connection timeout|timed out|KafkaJSConnectionClosedError/i.test(msg)) {
    why = `the broker closed the connection or did not answer: if ${brokers.join(',')} is a TLS or SASL listener, set security.protocol (this client uses ${sec.protocol})`;
  } else if (sec.tls && /wrong version number|packet length too long|unknown protocol|EPROTO|record layer failure/i.test(msg)) {
    why = `the listener at ${brokers.join(',')} does not speak TLS: is it a PLAINTEXT or SASL_PLAINTEXT listener? (this client uses ${sec.protocol})`;
  } else if (!sec.sasl && /UNSUPPORTED_SASL_MECHANISM|ILLEGAL_SASL_STATE|SASL authentication/i.test(msg)) {
    why = `the listener at ${brokers.join(',')} expects SASL: set security.protocol=SASL_SSL or SASL_PLAINTEXT and sasl.mechanism (this client uses ${sec.protocol})`;
  } else if (/SASL|[Aa]uthentication|certificate|altnames|self[- ]signed|handshake/.test(msg)) {
    why = `connecting to ${brokers.join(',')} as ${sec.summary}`;
  }
  if (!why) return;
  // Status traces put the message in front of a stack that lacks it (errorTrace in connect/api/errors.ts).
  e.message = `${e.message} (${why})`;
  (e as { ferryExplained?: boolean }).ferryExplained = true;
}

function withConnectionHints<T extends { connect(): Promise<void> }>(client: T, sec: ConnectionSecurity, brokers: readonly string[]): T {
  const connect = client.connect.bind(client);
  client.connect = async () => {
    try {
      await connect();
    } catch (e) {
      explainConnectionError(e, sec, brokers);
      throw e;
    }
  };
  return client;
}

function num(v: string | undefined, d: number): number {
  if (v === undefined || v.trim() === '') return d;
  const n = Number(v);
  return Number.isFinite(n) ? n : d;
}

/** Producer settings from Java-style producer properties (acks, idempotence, in-flight). */
export function producerConfig(props: ClientProps): ProducerConfig {
  const idempotent = (props['enable.idempotence'] ?? 'true') === 'true';
  return {
    allowAutoTopicCreation: false,
    idempotent,
    maxInFlightRequests: idempotent ? 1 : num(props['max.in.flight.requests.per.connection'], 5),
    transactionTimeout: num(props['transaction.timeout.ms'], 60_000),
  };
}

/** acks as kafkajs expects it: all/-1 -> -1. */
export function acksOf(props: ClientProps): number {
  const a = (props['acks'] ?? 'all').toLowerCase();
  return a === 'all' ? -1 : Number(a);
}

export function consumerConfig(groupId: string, props: ClientProps): ConsumerConfig {
  return {
    groupId,
    sessionTimeout: num(props['session.timeout.ms'], 45_000),
    heartbeatInterval: num(props['heartbeat.interval.ms'], 3_000),
    rebalanceTimeout: num(props['max.poll.interval.ms'], 300_000),
    maxBytesPerPartition: num(props['max.partition.fetch.bytes'], 1_048_576),
    maxBytes: num(props['fetch.max.bytes'], 52_428_800),
    maxWaitTimeInMs: num(props['fetch.max.wait.ms'], 500),
    minBytes: num(props['fetch.min.bytes'], 1),
    allowAutoTopicCreation: false,
    retry: { retries: 10 },
  };
}

export type { Admin, Producer, Consumer, Kafka };

/** Connects an admin client, runs fn, always disconnects. */
export async function withAdmin<T>(props: ClientProps, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createKafka(props, { clientId: 'ferry-admin' }).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

type CreateTopicsArgs = Parameters<Admin['createTopics']>[0];

/**
 * createTopics that returns only once every new topic has a leader in the broker's metadata. kafkajs's own
 * `waitForLeaders` retries LEADER_NOT_AVAILABLE but fails on the UNKNOWN_TOPIC_OR_PARTITION that a KRaft
 * broker answers for a moment after creation, so this polls metadata itself. Returns true if it created
 * anything; an existing topic is not an error.
 */
export async function createTopicsAndWait(admin: Admin, args: Omit<CreateTopicsArgs, 'waitForLeaders'>, timeoutMs = 30_000): Promise<boolean> {
  let created: boolean;
  try {
    created = await admin.createTopics({ ...args, waitForLeaders: false });
  } catch (e) {
    const err = e as Error & { type?: string; errors?: { type?: string }[] };
    const all = [err.type, ...(err.errors ?? []).map((x) => x.type)];
    if (!all.includes('TOPIC_ALREADY_EXISTS') && !/already exists/i.test(err.message)) throw e;
    created = false;
  }
  const topics = args.topics.map((t) => t.topic);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics });
      if (meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return created;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline) throw new Error(`Topics ${topics.join(', ')} have no leader after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** A kafkajs Cluster object for low-level requests (fetch, listOffsets, group coordinator RPCs). */
export function createLowLevelCluster(props: ClientProps, clientId: string, opts: { isolationLevel?: 0 | 1 } = {}): KafkajsCluster {
  const kjsLogger = kafkajsLoggers.createLogger({
    level: kafkajsLoggers.LEVELS.WARN,
    logCreator: () => ({ namespace, log: entry }: { namespace: string; log: { message: string } & Record<string, unknown> }) => {
      const { message, ...rest } = entry;
      kafkaLog.debug({ namespace, ...rest }, message);
    },
  });
  const sec = resolveSecurity(props);
  const brokers = bootstrapList(props);
  const cluster = new KafkajsClusterClass({
    ssl: sec.tls,
    sasl: sec.sasl,
    logger: kjsLogger,
    socketFactory: kafkajsSocketFactory(),
    brokers,
    clientId,
    connectionTimeout: Number(props['socket.connection.setup.timeout.ms'] ?? 10_000),
    requestTimeout: Number(props['request.timeout.ms'] ?? 30_000),
    enforceRequestTimeout: true,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 },
    allowAutoTopicCreation: false,
    isolationLevel: opts.isolationLevel ?? 0,
  });
  return withConnectionHints(cluster, sec, brokers);
}
