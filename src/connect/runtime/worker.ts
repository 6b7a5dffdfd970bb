// Worker: instantiates and runs connectors and tasks on this process. It knows nothing about where
// configs come from (herders decide that); it reports lifecycle changes through a StatusSink.
import { runOwned, type TaskOwner } from './process-guard.js';
import { overridePolicyErrors, workerOverridePolicy } from './client-override-policy.js';
import type { Connector, Converter, HeaderConverter, Props, SinkTask, SourceTask, SinkConnector, SourceConnector } from '../api/connector.js';
import { ConfigError, ConnectError, errorTrace } from '../api/errors.js';
import { compileJavaRegex } from '../api/java-regex.js';
import { logger, type Logger } from '../../observability/logger.js';
import { scrubSecrets } from '../../config/secrets.js';
import { metricsOwnerId, registerTaskErrors, setConnectorInfo, setConnectorState, setTaskState } from '../../observability/metrics.js';
import { RecordProducer } from '../../kafka/producer.js';
import { GroupConsumer } from '../../kafka/consumer.js';
import { withClusterAdmin } from '../../kafka/cluster-admin.js';
import type { State } from '../api/states.js';
import type { OffsetStore } from '../storage/offset-store.js';
import { canonicalJson } from '../storage/offset-store.js';
import { ConnectorOffsetStore, connectorOffsetsTopic, usesWorkerOffsetsTopic } from '../storage/connector-offset-store.js';
import type { KafkaOffsetStore } from '../storage/kafka-offset-store.js';
import type { PluginRegistry } from './plugins.js';
import type { WorkerConfig } from './worker-config.js';
import { DeadLetterQueueReporter, RetryWithToleranceOperator, errorHandlingConfig, type ErrorReporter } from './error-handling.js';
import { SourceTaskRunner, type SourceTransactions } from './source-task-runner.js';
import type { OffsetEntry } from '../storage/offset-store.js';
import type { RecordMetadata } from '../../kafka/producer.js';
import { SinkTaskRunner } from './sink-task-runner.js';
import { sinkConnectorConfigDef, sourceConnectorConfigDef } from './connector-config.js';
import type { RecordTransformer, TaskConverters, TaskId, TaskRunner } from './task-common.js';

export interface StatusSink {
  connector(name: string, state: State, trace?: string): void;
  task(id: TaskId, state: State, trace?: string): void;
  topicUsed?(connector: string, topic: string): void;
}

/**
 * What a distributed worker with exactly.once.source.support=enabled gives its source tasks (KIP-618): each runs
 * a transactional producer with transactional.id `<group.id>-<connector>-<task>`, after the leader fenced the
 * producers of the connector's earlier task generations.
 */
export interface ExactlyOnceSource {
  groupId: string;
  /** The worker's offsets topic: exactly-once tasks write their offsets there, in their transactions. */
  offsetsTopic: string;
  /** Resolves once the producers of the connector's earlier task generations are fenced (the leader does it). */
  fenceZombies(connector: string): Promise<void>;
  /** Offsets a task committed in a transaction (applied to the worker's view at once). */
  offsetsCommitted(entries: readonly OffsetEntry[], metadata: readonly RecordMetadata[]): void;
}

/**
 * Opens (not starts) a connector's own offsets topic (offsets.storage.topic) on the cluster its producer writes to;
 * `connection` holds the connector's producer.override.* connection keys (bootstrap, security), if any.
 */
export type ConnectorOffsetsTopicFactory = (connector: string, topic: string, connection: Record<string, string>) => KafkaOffsetStore;

const taskUser = (id: TaskId): string => `task-${id.task}`;

/** Connect's transactional id of a source task. */
export const taskTransactionalId = (groupId: string, connector: string, task: number): string => `${groupId}-${connector}-${task}`;

export type TransformerFactory = (connectorConfig: Record<string, string>) => RecordTransformer;

interface RunningConnector {
  name: string;
  connector: Connector;
  kind: 'source' | 'sink';
  props: Props;
  state: 'STARTED' | 'PAUSED' | 'STOPPED';
  failed: boolean;
}

export class Worker {
  private readonly connectors = new Map<string, RunningConnector>();
  private readonly tasks = new Map<string, TaskRunner>();
  private readonly log: Logger = logger('connect.worker');
  /** This worker's entries in the process-wide metric state (dedicated mode runs one worker per flow). */
  private readonly metricsOwner = metricsOwnerId();
  /** Connectors' own offsets topics in use here, with who uses each (its tasks, the connector itself). */
  private readonly ownOffsets = new Map<string, { store: ConnectorOffsetStore; users: Set<string>; ready: Promise<void> }>();

  constructor(
    readonly config: WorkerConfig,
    readonly plugins: PluginRegistry,
    readonly offsetStore: OffsetStore,
    private readonly status: StatusSink,
    private readonly transformerFactory: TransformerFactory,
    readonly workerId: string,
    private readonly exactlyOnce: ExactlyOnceSource | null = null,
    private readonly connectorOffsetsTopic: ConnectorOffsetsTopicFactory | null = null,
  ) {}

  /**
   * The offset store a source connector and its tasks use here: the worker's, or — with offsets.storage.topic naming
   * another topic — the connector's own in front of it, shared by its users on this worker and started once.
   */
  private async acquireOffsets(connector: string, props: Readonly<Record<string, string>>, user: string): Promise<OffsetStore> {
    const wanted = connectorOffsetsTopic(props);
    const { topic, connection } = wanted;
    if (!this.connectorOffsetsTopic || usesWorkerOffsetsTopic(wanted, (this.offsetStore as Partial<KafkaOffsetStore>).topic)) return this.offsetStore;
    let entry = this.ownOffsets.get(connector);
    if (!entry || entry.store.topic !== topic) {
      const store = new ConnectorOffsetStore(this.connectorOffsetsTopic(connector, topic, connection), this.offsetStore, this.log.child({ connector }));
      entry = { store, users: new Set(), ready: store.start() };
      this.ownOffsets.set(connector, entry);
    }
    entry.users.add(user);
    try {
      await entry.ready;
    } catch (e) {
      this.releaseOffsets(connector, user);
      throw e;
    }
    return entry.store;
  }

  private releaseOffsets(connector: string, user: string): void {
    const entry = this.ownOffsets.get(connector);
    if (!entry || !entry.users.delete(user) || entry.users.size > 0) return;
    this.ownOffsets.delete(connector);
    void entry.store.stop().catch((e: unknown) => this.log.warn({ connector, err: (e as Error).message }, 'closing the connector\'s offsets topic failed'));
  }

  /** Instantiates a connector plugin by connector.class (ConfigError if unknown). */
  instantiateConnector(props: Readonly<Record<string, string>>): SourceConnector | SinkConnector {
    const cls = props['connector.class'];
    if (!cls) throw new ConfigError('Connector config contains no connector type', { 'connector.class': ['Missing required configuration "connector.class" which has no default value.'] });
    const d = this.plugins.resolve(cls, ['source', 'sink'], 'connector.class');
    return d.create() as SourceConnector | SinkConnector;
  }

  connectorKind(props: Readonly<Record<string, string>>): 'source' | 'sink' {
    return this.instantiateConnector(props).kind;
  }

  isRunning(name: string): boolean {
    return this.connectors.has(name);
  }

  connectorNames(): string[] {
    return [...this.connectors.keys()];
  }

  /**
   * Starts (or starts paused/stopped) a connector from its config as stored: `${provider:…}` references are
   * resolved here, with the worker's config providers, as Connect does at start (the herders keep configs as
   * written). Failures, resolution included, are reported as FAILED status, not thrown.
   */
  async startConnector(name: string, storedProps: Props, targetState: 'STARTED' | 'PAUSED' | 'STOPPED', onReconfigure: (name: string) => void): Promise<boolean> {
    if (this.connectors.has(name)) throw new ConnectError(`Connector ${name} already running on this worker`);
    let props: Props;
    let connector: SourceConnector | SinkConnector;
    try {
      props = this.config.configProviders.transform(storedProps);
      connector = this.instantiateConnector(props);
    } catch (e) {
      this.reportConnector(name, 'FAILED', errorTrace(e));
      return false;
    }
    // As Connect logs a connector's config values at start; the logger hides secret values.
    this.log.info({ connector: name, config: props }, 'starting connector');
    const rc: RunningConnector = { name, connector, kind: connector.kind, props, state: targetState, failed: false };
    this.connectors.set(name, rc);
    setConnectorInfo(name, { connectorClass: props['connector.class'] ?? '', type: connector.kind, version: connector.version() }, this.metricsOwner);
    const clog = logger('connect.connector', { connector: name });
    let offsets: OffsetStore = this.offsetStore;
    if (connector.kind === 'source') {
      try {
        offsets = await this.acquireOffsets(name, props, 'connector');
      } catch (e) {
        rc.failed = true;
        this.reportConnector(name, 'FAILED', errorTrace(e));
        return false;
      }
    }
    connector.initialize({
      requestTaskReconfiguration: () => onReconfigure(name),
      raiseError: (err) => { rc.failed = true; this.reportConnector(name, 'FAILED', errorTrace(err)); },
      logger: clog,
      offsets: async (partitions) => new Map(partitions.map((p) => [canonicalJson(p), offsets.get(name, p)])),
    });
    if (targetState === 'STOPPED') {
      this.reportConnector(name, 'STOPPED');
      return true;
    }
    try {
      await connector.start(props);
    } catch (e) {
      rc.failed = true;
      this.reportConnector(name, 'FAILED', errorTrace(e));
      return false;
    }
    this.reportConnector(name, targetState === 'PAUSED' ? 'PAUSED' : 'RUNNING');
    return true;
  }

  /** Task configs from the running connector (tasks.max enforced as Connect 3.8+ does). */
  async connectorTaskConfigs(name: string): Promise<Props[]> {
    const rc = this.connectors.get(name);
    if (!rc || rc.failed || rc.state === 'STOPPED') return [];
    const maxTasks = Number(rc.props['tasks.max'] ?? '1');
    const configs = await rc.connector.taskConfigs(maxTasks);
    if (configs.length > maxTasks && (rc.props['tasks.max.enforce'] ?? 'true') !== 'false') {
      const err = new ConnectError(`The connector ${name} has generated ${configs.length} tasks, which is greater than ${maxTasks}, the maximum number of tasks it is configured to create.`);
      rc.failed = true;
      this.reportConnector(name, 'FAILED', errorTrace(err));
      return [];
    }
    const taskClass = rc.connector.taskClassName();
    return configs.map((c) => {
      const out: Props = { ...c, 'task.class': taskClass };
      if (rc.kind === 'sink') {
        if (rc.props['topics'] !== undefined) out['topics'] = rc.props['topics'];
        if (rc.props['topics.regex'] !== undefined) out['topics.regex'] = rc.props['topics.regex'];
      }
      return out;
    });
  }

  async stopConnector(name: string): Promise<void> {
    const rc = this.connectors.get(name);
    if (!rc) return;
    this.connectors.delete(name);
    if (rc.state !== 'STOPPED' && !rc.failed) {
      try { await rc.connector.stop(); } catch (e) { this.log.warn({ connector: name, err: (e as Error).message }, 'connector.stop() failed'); }
    }
    this.releaseOffsets(name, 'connector');
    setConnectorState(name, null, this.metricsOwner);
  }

  /** Applies a new target state to a connector and its tasks on this worker. */
  setTargetState(name: string, state: 'STARTED' | 'PAUSED'): void {
    const rc = this.connectors.get(name);
    if (rc) {
      rc.state = state;
      if (!rc.failed) this.reportConnector(name, state === 'PAUSED' ? 'PAUSED' : 'RUNNING');
    }
    for (const [key, t] of this.tasks) {
      if (!key.startsWith(`${name}\u0000`)) continue;
      if (state === 'PAUSED') t.pause();
      else t.resume();
    }
  }

  taskIds(connector?: string): TaskId[] {
    return [...this.tasks.values()].map((t) => t.id).filter((id) => connector === undefined || id.connector === connector);
  }

  /**
   * Builds and starts a task from its connector's and its own config as stored (references resolved here, as
   * in startConnector). Resolution and construction errors (bad converter class, …) put the task in FAILED.
   */
  async startTask(id: TaskId, storedConnectorProps: Props, storedTaskProps: Props, targetState: 'STARTED' | 'PAUSED'): Promise<void> {
    const key = `${id.connector}\u0000${id.task}`;
    if (this.tasks.has(key)) throw new ConnectError(`Task ${id.connector}-${id.task} already running on this worker`);
    const log = logger('connect.task', { connector: id.connector, task: id.task });
    const listener = {
      onRunning: (t: TaskId) => this.reportTask(t, 'RUNNING'),
      onPaused: (t: TaskId) => this.reportTask(t, 'PAUSED'),
      onFailed: (t: TaskId, e: unknown) => this.reportTask(t, 'FAILED', errorTrace(e)),
      onRetrying: (t: TaskId, e: unknown) => this.reportTask(t, 'RUNNING', `Retrying after a retriable error: ${errorTrace(e)}`),
      onStopped: (t: TaskId) => { if (this.tasks.get(key)) this.reportTask(t, 'UNASSIGNED'); },
    };
    let runner: TaskRunner | null = null;
    // Anything that escapes the task's own error handling (see process-guard.ts) fails this task only.
    const owner: TaskOwner = {
      name: `${id.connector}-${id.task}`,
      fail: (err) => {
        if (!runner || this.tasks.get(key) !== runner) return;
        this.tasks.delete(key);
        this.releaseOffsets(id.connector, taskUser(id));
        this.reportTask(id, 'FAILED', errorTrace(err));
        void runner.stop(this.config.getLong('task.shutdown.graceful.timeout.ms')).catch(() => undefined);
      },
    };
    try {
      const connectorProps = this.config.configProviders.transform(storedConnectorProps);
      const taskProps = this.config.configProviders.transform(storedTaskProps);
      log.debug({ config: taskProps }, 'starting task');
      runner = await runOwned(owner, () => this.buildTask(id, connectorProps, taskProps, targetState, log, listener));
    } catch (e) {
      log.error({ err: errorTrace(e) }, 'task could not be created');
      this.releaseOffsets(id.connector, taskUser(id));
      this.reportTask(id, 'FAILED', errorTrace(e));
      return;
    }
    this.tasks.set(key, runner);
    const started = runner;
    runOwned(owner, () => started.start());
  }

  private async buildTask(
    id: TaskId,
    connectorProps: Props,
    taskProps: Props,
    targetState: 'STARTED' | 'PAUSED',
    log: Logger,
    listener: ConstructorParameters<typeof SourceTaskRunner>[0]['listener'],
  ): Promise<TaskRunner> {
    const connector = this.instantiateConnector(connectorProps);
    const parsed = (connector.kind === 'sink' ? sinkConnectorConfigDef() : sourceConnectorConfigDef()).parse(connectorProps);
    const TaskClass = connector.taskClass();
    const task = new TaskClass();
    const converters = this.converters(connectorProps);
    const transformer = this.transformerFactory(connectorProps);
    const flush = this.config.getLong('offset.flush.interval.ms');
    // The policy is checked again here: it may have been tightened since the connector was created.
    const policyErrors = overridePolicyErrors(workerOverridePolicy(this.config), connectorProps);
    const firstPolicyError = Object.entries(policyErrors)[0];
    if (firstPolicyError) throw new ConfigError(`${firstPolicyError[0]}: ${firstPolicyError[1][0] ?? ''}`, policyErrors);
    const overrides = (prefix: string) => {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(connectorProps)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
      return out;
    };
    const onTopicUsed = (topic: string) => this.status.topicUsed?.(id.connector, topic);
    if (connector.kind === 'source') {
      const producerOverrides = overrides('producer.override.');
      const offsetStore = await this.acquireOffsets(id.connector, connectorProps, taskUser(id));
      const transactions = this.exactlyOnce ? await this.prepareExactlyOnce(id, parsed, producerOverrides, flush, log, offsetStore) : undefined;
      const producerProps = this.config.clientProps('producer', { 'client.id': `connector-producer-${id.connector}-${id.task}`, ...producerOverrides });
      // InitProducerId at connect: with a transactional.id it also fences an older incarnation of this same task.
      const producer = new RecordProducer(producerProps, producerProps['client.id']!, { allowAutoTopicCreation: true });
      await producer.connect();
      const errors = new RetryWithToleranceOperator(errorHandlingConfig(parsed), [], log);
      registerTaskErrors(id.connector, id.task, errors, this.metricsOwner);
      return new SourceTaskRunner({
        id, task: task as SourceTask, taskProps, converters, transformer, producer, offsetStore, errors,
        listener, log, offsetFlushIntervalMs: flush, onTopicUsed, startPaused: targetState === 'PAUSED', transactions,
        offsetReadTimeoutMs: this.config.getLong('offset.flush.timeout.ms') * 10,
      });
    }
    const consumerProps = this.config.clientProps('consumer', { 'client.id': `connector-consumer-${id.connector}-${id.task}`, ...overrides('consumer.override.') });
    const consumerFactory = () => new GroupConsumer(consumerProps, `connect-${id.connector}`, consumerProps['client.id']!);
    const reporters: ErrorReporter[] = [];
    const dlqTopic = String(parsed['errors.deadletterqueue.topic.name'] ?? '').trim();
    if (dlqTopic !== '') {
      await this.ensureTopic(dlqTopic, Number(parsed['errors.deadletterqueue.topic.replication.factor'] ?? 3), 'errors.deadletterqueue.topic.replication.factor');
      const producerProps = this.config.clientProps('producer', { 'client.id': `connector-dlq-producer-${id.connector}-${id.task}`, ...overrides('producer.override.') });
      const dlqProducer = new RecordProducer(producerProps, producerProps['client.id']!);
      await dlqProducer.connect();
      reporters.push(new DeadLetterQueueReporter(dlqProducer, dlqTopic, Boolean(parsed['errors.deadletterqueue.context.headers.enable']), id.connector, id.task));
    }
    const errors = new RetryWithToleranceOperator(errorHandlingConfig(parsed), reporters, log);
    registerTaskErrors(id.connector, id.task, errors, this.metricsOwner);
    const regex = String(parsed['topics.regex'] ?? '').trim();
    const subscription = regex !== '' ? compileJavaRegex(regex, true) : (parsed['topics'] as string[]);
    return new SinkTaskRunner({
      id, task: task as SinkTask, taskProps, converters, transformer, consumerFactory, subscription, errors,
      listener, log, offsetFlushIntervalMs: flush, onTopicUsed, startPaused: targetState === 'PAUSED',
      regexRefreshMs: Number(consumerProps['metadata.max.age.ms'] ?? 300_000),
      listTopics: () => withClusterAdmin(this.config.clientProps('admin'), (a) => a.topics()),
    });
  }

  /**
   * KIP-618's steps before an exactly-once source task's producer exists: the leader fences the producers of the
   * connector's earlier task generations, the offsets topic is read to its end (read_committed), and the task's
   * producer gets its transactional id (idempotent, acks=all). A producer override that contradicts these is
   * refused, naming it, rather than overridden.
   */
  private async prepareExactlyOnce(id: TaskId, parsed: Record<string, unknown>, producerOverrides: Record<string, string>, flushMs: number, log: Logger, offsets: OffsetStore): Promise<SourceTransactions> {
    const eos = this.exactlyOnce!;
    const transactionalId = taskTransactionalId(eos.groupId, id.connector, id.task);
    const wanted: Record<string, string> = { 'transactional.id': transactionalId, 'enable.idempotence': 'true', acks: 'all' };
    const workerProducer = this.config.clientProps('producer');
    for (const [k, v] of Object.entries(wanted)) {
      const given = producerOverrides[k] ?? workerProducer[k];
      const same = given === undefined || given.trim().toLowerCase() === v.toLowerCase() || (k === 'acks' && given.trim() === '-1');
      if (!same) throw new ConfigError(`producer.override.${k}=${given}: an exactly-once source task's producer needs ${k}=${v} (exactly.once.source.support=enabled)`, { [`producer.override.${k}`]: [`must be ${v} for an exactly-once source task`] });
      producerOverrides[k] = v;
    }
    const boundary = String(parsed['transaction.boundary'] ?? 'poll').toLowerCase();
    if (boundary !== 'poll' && boundary !== 'interval') {
      throw new ConfigError(`transaction.boundary=${boundary}: connector ${id.connector} cannot define transaction boundaries; use poll or interval`, { 'transaction.boundary': ['The connector does not support connector-defined transaction boundaries with the given configuration.'] });
    }
    const interval = parsed['transaction.boundary.interval.ms'];
    await eos.fenceZombies(id.connector);
    // The task's offset reads then read the offsets topic(s) to the end, read_committed, after this task's producer
    // fenced its own earlier incarnation: it starts from the last committed transaction (SourceTaskRunner.context).
    // With its own offsets topic, the task's transactions write there; the worker's topic gets a copy after commit.
    const own = offsets instanceof ConnectorOffsetStore ? offsets : null;
    log.info({ transactionalId, boundary, offsetsTopic: own?.topic ?? eos.offsetsTopic }, 'exactly-once source task: records and offsets are written in transactions');
    return {
      boundary, intervalMs: interval === null || interval === undefined ? flushMs : Number(interval),
      offsetsTopic: own?.topic ?? eos.offsetsTopic,
      committed: own ? (entries, metadata) => own.committed(entries, metadata) : (entries, metadata) => eos.offsetsCommitted(entries, metadata),
    };
  }

  /**
   * Creates the DLQ topic if missing. The replication factor is never reduced: more than the live brokers
   * fails the task with a message naming the topic, the factor and the setting; -1 is the broker default.
   */
  private async ensureTopic(topic: string, replicationFactor: number, setting: string): Promise<void> {
    await withClusterAdmin(this.config.clientProps('admin'), async (admin) => {
      await admin.createTopics([{ topic, partitions: 1, replicationFactor, replicationFactorSetting: setting }]);
    });
  }

  converters(connectorProps: Readonly<Record<string, string>>): TaskConverters {
    const make = (key: 'key.converter' | 'value.converter' | 'header.converter') => {
      const fromConnector = connectorProps[key];
      const cls = fromConnector ?? this.config.getString(key);
      const d = this.plugins.resolve(cls, [key === 'header.converter' ? 'header_converter' : 'converter'], key);
      // Converter props: `<key>.*` from the connector when it overrides the class, else from the worker.
      const source = fromConnector !== undefined ? connectorProps : this.config.originals;
      const props: Record<string, string> = {};
      for (const [k, v] of Object.entries(source)) if (k.startsWith(`${key}.`)) props[k.slice(key.length + 1)] = v;
      return { instance: d.create(), cls: d.className, props };
    };
    const k = make('key.converter');
    const v = make('value.converter');
    const h = make('header.converter');
    const key = k.instance as Converter;
    const value = v.instance as Converter;
    const header = h.instance as HeaderConverter;
    key.configure({ ...k.props, 'converter.type': 'key' }, true);
    value.configure({ ...v.props, 'converter.type': 'value' }, false);
    header.configure({ ...h.props, 'converter.type': 'header' });
    return { key, value, header, keyClass: k.cls, valueClass: v.cls, headerClass: h.cls };
  }

  async stopTask(id: TaskId): Promise<void> {
    const key = `${id.connector}\u0000${id.task}`;
    const t = this.tasks.get(key);
    if (!t) return;
    this.tasks.delete(key);
    await t.stop(this.config.getLong('task.shutdown.graceful.timeout.ms'));
    this.releaseOffsets(id.connector, taskUser(id));
    setTaskState(id.connector, id.task, null, this.metricsOwner);
  }

  async stopTasks(connector: string): Promise<void> {
    await Promise.all(this.taskIds(connector).map((id) => this.stopTask(id)));
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.taskIds().map((id) => this.stopTask(id)));
    await Promise.all(this.connectorNames().map((n) => this.stopConnector(n)));
  }

  // Traces go to the status store and REST; a client library's message may quote a resolved secret.
  private reportConnector(name: string, state: State, trace?: string): void {
    setConnectorState(name, state, this.metricsOwner);
    this.status.connector(name, state, trace === undefined ? undefined : scrubSecrets(trace));
  }

  private reportTask(id: TaskId, state: State, trace?: string): void {
    setTaskState(id.connector, id.task, state, this.metricsOwner);
    this.status.task(id, state, trace === undefined ? undefined : scrubSecrets(trace));
  }
}
