// Standalone herder: one worker, connector configs and statuses in memory (from CLI files or REST),
// source offsets in offset.storage.file.filename. Requests are serialized through one queue so
// concurrent REST calls never interleave a connector's start/stop.
import { workerOverridePolicy } from '../runtime/client-override-policy.js';
import type { ConfigKeyInfo } from '../api/config-def.js';
import type { Props } from '../api/connector.js';
import { AlreadyExistsError, BadRequestError, ConfigError, ConnectError, NotFoundError, errorTrace } from '../api/errors.js';
import { logger } from '../../observability/logger.js';
import { reverseTransform } from '../../config/config-providers.js';
import { Worker, type TransformerFactory } from '../runtime/worker.js';
import type { PluginRegistry } from '../runtime/plugins.js';
import type { WorkerConfig } from '../runtime/worker-config.js';
import type { OffsetStore } from '../storage/offset-store.js';
import { MemoryStatusStore } from '../storage/status-store.js';
import { throwIfInvalid, validateConnectorConfig, type TransformValidator } from './validation.js';
import {
  FERRY_VERSION, alterSinkConnectorOffsets, alterSourceConnectorOffsets, pluginConfigInfos, pluginInfos, requireStoppedMessage, resetSourceConnectorOffsets, sinkConnectorOffsets,
} from './offsets-and-plugins.js';

export { FERRY_VERSION };
import type {
  ConfigInfos, ConnectorInfo, ConnectorOffset, ConnectorStateInfo, ConnectorType, Herder, PluginInfo, ServerInfo, State, TargetState, TaskInfo, TaskState,
} from './herder.js';

interface ConnectorEntry {
  config: Props;
  target: TargetState;
  taskConfigs: Props[];
  type: ConnectorType;
  topics: Set<string>;
}

export class StandaloneHerder implements Herder {
  private readonly entries = new Map<string, ConnectorEntry>();
  private readonly status = new MemoryStatusStore();
  readonly worker: Worker;
  private queue: Promise<unknown> = Promise.resolve();
  private started = false;
  private readonly log = logger('connect.herder');
  private clusterId: string | null = null;

  constructor(
    readonly config: WorkerConfig,
    readonly registry: PluginRegistry,
    readonly offsetStore: OffsetStore,
    transformerFactory: TransformerFactory,
    private readonly transformValidator?: TransformValidator,
    private readonly fetchClusterId?: () => Promise<string | null>,
  ) {
    const eos = config.originals['exactly.once.source.support'];
    if (eos !== undefined && eos.trim().toLowerCase() !== 'disabled') {
      throw new ConfigError(`exactly.once.source.support=${eos}: exactly-once source support runs only in distributed mode (connect-distributed, or connect-mirror-maker), where the offsets topic, the task transactions and zombie fencing live; a standalone worker cannot honour it. Remove the key or set it to disabled.`, { 'exactly.once.source.support': ['only distributed workers support exactly-once source tasks'] });
    }
    const workerId = config.workerId();
    this.worker = new Worker(config, registry, offsetStore, {
      connector: (name, state, trace) => this.status.putConnector(name, { state, ...(trace ? { trace } : {}), workerId, generation: 0 }),
      task: (id, state, trace) => {
        if (state === 'UNASSIGNED' && !this.entries.has(id.connector)) return;
        this.status.putTask(id.connector, id.task, { state, ...(trace ? { trace } : {}), workerId, generation: 0 });
      },
      topicUsed: (connector, topic) => { this.entries.get(connector)?.topics.add(topic); },
    }, transformerFactory, workerId);
  }

  async start(): Promise<void> {
    await this.offsetStore.start();
    try {
      this.clusterId = (await this.fetchClusterId?.()) ?? null;
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'could not read the Kafka cluster id');
    }
    this.started = true;
  }

  ready(): boolean { return this.started; }
  workerId(): string { return this.worker.workerId; }

  async serverInfo(): Promise<ServerInfo> {
    return { version: FERRY_VERSION, commit: 'ferry', kafka_cluster_id: this.clusterId };
  }

  /** Runs herder mutations one at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private entry(name: string): ConnectorEntry {
    const e = this.entries.get(name);
    if (!e) throw new NotFoundError(`Connector ${name} not found`);
    return e;
  }

  async connectors(): Promise<string[]> {
    return [...this.entries.keys()].sort();
  }

  async connectorInfo(name: string): Promise<ConnectorInfo> {
    const e = this.entry(name);
    return { name, config: { ...e.config }, tasks: e.taskConfigs.map((_, task) => ({ connector: name, task })), type: e.type };
  }

  async connectorConfig(name: string): Promise<Record<string, string>> {
    return { ...this.entry(name).config };
  }

  putConnectorConfig(name: string, config: Record<string, string>, opts: { allowReplace: boolean; initialState?: TargetState }): Promise<{ created: boolean; info: ConnectorInfo }> {
    return this.serial(async () => {
      const existing = this.entries.get(name);
      if (existing && !opts.allowReplace) throw new AlreadyExistsError(`Connector ${name} already exists`);
      const full: Props = { ...config, name };
      throwIfInvalid(await this.validateConnectorConfig(null, full));
      const type = this.worker.connectorKind(full);
      if (existing) await this.stopConnectorAndTasks(name);
      const target = existing ? existing.target : opts.initialState ?? 'STARTED';
      const entry: ConnectorEntry = { config: full, target, taskConfigs: existing && target === 'STOPPED' ? [] : [], type, topics: existing?.topics ?? new Set() };
      this.entries.set(name, entry);
      await this.startConnectorAndTasks(name);
      this.log.info({ connector: name, created: !existing }, existing ? 'connector reconfigured' : 'connector created');
      return { created: !existing, info: await this.connectorInfo(name) };
    });
  }

  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    const current = this.entry(name).config;
    const next: Record<string, string> = { ...current };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    if (next['name'] !== undefined && next['name'] !== name) throw new BadRequestError(`Connector name configuration (${next['name']}) doesn't match connector name in the URL (${name})`);
    return (await this.putConnectorConfig(name, next, { allowReplace: true })).info;
  }

  deleteConnector(name: string): Promise<void> {
    return this.serial(async () => {
      this.entry(name);
      await this.stopConnectorAndTasks(name);
      this.entries.delete(name);
      this.status.removeConnector(name);
      this.log.info({ connector: name }, 'connector deleted');
    });
  }

  // Configs are kept as written (`${provider:…}` references and all); the worker resolves them with its
  // config providers when a connector or task starts, as Connect does.
  private startConnectorAsStored(name: string, e: ConnectorEntry): Promise<boolean> {
    return this.worker.startConnector(name, e.config, e.target, (n) => { void this.reconfigure(n); });
  }

  /** The connector's task configs as stored: the references it copied from its config put back. */
  private async generateTaskConfigs(name: string, e: ConnectorEntry): Promise<Props[]> {
    return reverseTransform(e.config, await this.worker.connectorTaskConfigs(name));
  }

  private startTaskAsStored(name: string, task: number, e: ConnectorEntry, taskConfig: Props): Promise<void> {
    return this.worker.startTask({ connector: name, task }, e.config, taskConfig, e.target === 'PAUSED' ? 'PAUSED' : 'STARTED');
  }

  private async startConnectorAndTasks(name: string): Promise<void> {
    const e = this.entry(name);
    const ok = await this.startConnectorAsStored(name, e);
    if (!ok || e.target === 'STOPPED') {
      e.taskConfigs = [];
      return;
    }
    e.taskConfigs = await this.generateTaskConfigs(name, e);
    await this.startTasks(name);
  }

  private async startTasks(name: string): Promise<void> {
    const e = this.entry(name);
    for (let i = 0; i < e.taskConfigs.length; i++) {
      this.status.putTask(name, i, { state: 'UNASSIGNED', workerId: this.worker.workerId, generation: 0 });
      await this.startTaskAsStored(name, i, e, e.taskConfigs[i]!);
    }
  }

  private async stopConnectorAndTasks(name: string): Promise<void> {
    await this.worker.stopTasks(name);
    await this.worker.stopConnector(name);
    for (const [id] of this.status.connectorTasks(name)) this.status.removeTask(name, id);
  }

  /** Connector asked for new task configs: restart tasks only if they changed. */
  private reconfigure(name: string): Promise<void> {
    return this.serial(async () => {
      const e = this.entries.get(name);
      if (!e || e.target === 'STOPPED' || !this.worker.isRunning(name)) return;
      const next = await this.generateTaskConfigs(name, e);
      if (JSON.stringify(next) === JSON.stringify(e.taskConfigs)) return;
      await this.worker.stopTasks(name);
      for (const [id] of this.status.connectorTasks(name)) this.status.removeTask(name, id);
      e.taskConfigs = next;
      await this.startTasks(name);
    }).catch((err: unknown) => this.log.error({ connector: name, err: errorTrace(err) }, 'task reconfiguration failed'));
  }

  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    const e = this.entries.get(name);
    const c = this.status.getConnector(name);
    if (!e || !c) throw new NotFoundError(`No status found for connector ${name}`);
    const tasks: TaskState[] = this.status.connectorTasks(name).map(([id, s]) => ({ id, state: s.state, worker_id: s.workerId, ...(s.trace ? { trace: s.trace } : {}) }));
    return { name, connector: { state: c.state, worker_id: c.workerId, ...(c.trace ? { trace: c.trace } : {}) }, tasks, type: e.type };
  }

  async taskStatus(name: string, task: number): Promise<TaskState> {
    const s = this.status.getTask(name, task);
    if (!s) throw new NotFoundError(`No status found for task ${name}-${task}`);
    return { id: task, state: s.state, worker_id: s.workerId, ...(s.trace ? { trace: s.trace } : {}) };
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    return this.entry(name).taskConfigs.map((config, task) => ({ id: { connector: name, task }, config: { ...config } }));
  }

  pauseConnector(name: string): Promise<void> {
    return this.serial(async () => {
      const e = this.entry(name);
      if (e.target === 'STOPPED') {
        // Paused from stopped: Connect starts the connector (and its tasks) in the paused state.
        e.target = 'PAUSED';
        await this.stopConnectorAndTasks(name);
        await this.startConnectorAndTasks(name);
        return;
      }
      e.target = 'PAUSED';
      this.worker.setTargetState(name, 'PAUSED');
    });
  }

  resumeConnector(name: string): Promise<void> {
    return this.serial(async () => {
      const e = this.entry(name);
      if (e.target === 'STOPPED') {
        e.target = 'STARTED';
        await this.stopConnectorAndTasks(name);
        await this.startConnectorAndTasks(name);
        return;
      }
      e.target = 'STARTED';
      this.worker.setTargetState(name, 'STARTED');
    });
  }

  stopConnector(name: string): Promise<void> {
    return this.serial(async () => {
      const e = this.entry(name);
      if (e.target === 'STOPPED') return;
      await this.stopConnectorAndTasks(name);
      e.target = 'STOPPED';
      e.taskConfigs = [];
      await this.worker.startConnector(name, e.config, 'STOPPED', () => undefined);
    });
  }

  restartConnector(name: string, opts: { includeTasks: boolean; onlyFailed: boolean }): Promise<ConnectorStateInfo | null> {
    return this.serial(async () => {
      const e = this.entry(name);
      const legacy = !opts.includeTasks && !opts.onlyFailed;
      const before = await this.connectorStatus(name);
      const restartConnector = !opts.onlyFailed || before.connector.state === 'FAILED';
      const restartTasks = opts.includeTasks ? before.tasks.filter((t) => !opts.onlyFailed || t.state === 'FAILED').map((t) => t.id) : [];
      const plan: ConnectorStateInfo = {
        ...before,
        connector: restartConnector ? { ...before.connector, state: 'RESTARTING' as State } : before.connector,
        tasks: before.tasks.map((t) => (restartTasks.includes(t.id) ? { ...t, state: 'RESTARTING' as State } : t)),
      };
      if (restartConnector) {
        // Connector restart in standalone regenerates task configs; tasks keep running unless they change or are in the plan.
        await this.worker.stopConnector(name);
        const ok = await this.startConnectorAsStored(name, e);
        if (ok && e.target !== 'STOPPED') {
          const next = await this.generateTaskConfigs(name, e);
          if (JSON.stringify(next) !== JSON.stringify(e.taskConfigs)) {
            await this.worker.stopTasks(name);
            for (const [id] of this.status.connectorTasks(name)) this.status.removeTask(name, id);
            e.taskConfigs = next;
            await this.startTasks(name);
            return legacy ? null : plan;
          }
        }
      }
      for (const id of restartTasks) await this.restartTaskNow(name, id);
      return legacy ? null : plan;
    });
  }

  restartTask(name: string, task: number): Promise<void> {
    return this.serial(async () => {
      if (!this.entries.has(name)) throw new NotFoundError(`Unknown connector: ${name}`);
      await this.restartTaskNow(name, task);
    });
  }

  private async restartTaskNow(name: string, task: number): Promise<void> {
    const e = this.entry(name);
    const taskConfig = e.taskConfigs[task];
    if (!taskConfig) throw new NotFoundError(`Unknown task: ${name}-${task}`);
    await this.worker.stopTask({ connector: name, task });
    this.status.putTask(name, task, { state: 'RESTARTING', workerId: this.worker.workerId, generation: 0 });
    await this.startTaskAsStored(name, task, e, taskConfig);
  }

  async connectorOffsets(name: string): Promise<ConnectorOffset[]> {
    const e = this.entry(name);
    if (e.type === 'sink') return sinkConnectorOffsets(this.config.clientProps('admin'), name);
    return this.offsetStore.connectorOffsets(name).map(({ partition, offset }) => ({ partition, offset }));
  }

  private requireStopped(name: string): ConnectorEntry {
    const e = this.entry(name);
    if (e.target !== 'STOPPED') {
      throw new BadRequestError(requireStoppedMessage(name));
    }
    return e;
  }

  alterConnectorOffsets(name: string, offsets: ConnectorOffset[]): Promise<string> {
    return this.serial(async () => {
      const e = this.requireStopped(name);
      if (offsets.length === 0) throw new BadRequestError('Partitions / offsets need to be provided for an alter offsets request');
      if (e.type === 'sink') return alterSinkConnectorOffsets(this.config.clientProps('admin'), name, offsets, false);
      return alterSourceConnectorOffsets(this.offsetStore, this.worker.instantiateConnector(e.config), e.config, name, offsets);
    });
  }

  resetConnectorOffsets(name: string): Promise<string> {
    return this.serial(async () => {
      const e = this.requireStopped(name);
      if (e.type === 'sink') return alterSinkConnectorOffsets(this.config.clientProps('admin'), name, [], true);
      return resetSourceConnectorOffsets(this.offsetStore, this.worker.instantiateConnector(e.config), e.config, name);
    });
  }

  async connectorActiveTopics(name: string): Promise<string[]> {
    this.topicTracking();
    return [...this.entry(name).topics].sort();
  }

  async resetConnectorActiveTopics(name: string): Promise<void> {
    this.topicTracking();
    if (!this.config.getBoolean('topic.tracking.allow.reset')) throw new ConnectErrorWithStatus(403, 'Topic tracking reset is disabled.');
    this.entry(name).topics.clear();
  }

  private topicTracking(): void {
    if (!this.config.getBoolean('topic.tracking.enable')) throw new ConnectErrorWithStatus(403, 'Topic tracking is disabled.');
  }

  plugins(connectorsOnly: boolean): PluginInfo[] {
    return pluginInfos(this.registry, connectorsOnly);
  }

  pluginConfig(pluginName: string): ConfigKeyInfo[] {
    return pluginConfigInfos(this.registry, pluginName);
  }

  validateConnectorConfig(_pluginName: string | null, config: Record<string, string>): Promise<ConfigInfos> {
    return validateConnectorConfig(this.registry, config, this.transformValidator, this.config.configProviders, workerOverridePolicy(this.config));
  }

  async stop(): Promise<void> {
    await this.serial(async () => {
      await this.worker.stopAll();
      await this.offsetStore.stop();
    });
  }
}

class ConnectErrorWithStatus extends ConnectError {
  constructor(override readonly statusCode: number, message: string) {
    super(message);
  }
}
