// Standalone herder: one worker, connector configs and statuses in memory (from CLI files or REST),
// source offsets in offset.storage.file.filename. Requests are serialized through one queue so
// concurrent REST calls never interleave a connector's start/stop.
import type { ConfigKeyInfo } from '../api/config-def.js';
import type { Props, SourceConnector, SinkConnector } from '../api/connector.js';
import { AlreadyExistsError, BadRequestError, ConnectError, NotFoundError, errorTrace } from '../api/errors.js';
import { logger } from '../../observability/logger.js';
import { Worker, type TransformerFactory } from '../runtime/worker.js';
import type { PluginRegistry } from '../runtime/plugins.js';
import type { WorkerConfig } from '../runtime/worker-config.js';
import { sinkConnectorConfigDef, sourceConnectorConfigDef } from '../runtime/connector-config.js';
import type { OffsetStore } from '../storage/offset-store.js';
import { MemoryStatusStore } from '../storage/status-store.js';
import { throwIfInvalid, validateConnectorConfig, type TransformValidator } from './validation.js';
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

export const FERRY_VERSION = '0.1.0';

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

  private async startConnectorAndTasks(name: string): Promise<void> {
    const e = this.entry(name);
    const ok = await this.worker.startConnector(name, e.config, e.target, (n) => { void this.reconfigure(n); });
    if (!ok || e.target === 'STOPPED') {
      e.taskConfigs = [];
      return;
    }
    e.taskConfigs = await this.worker.connectorTaskConfigs(name);
    await this.startTasks(name);
  }

  private async startTasks(name: string): Promise<void> {
    const e = this.entry(name);
    const target = e.target === 'PAUSED' ? 'PAUSED' : 'STARTED';
    for (let i = 0; i < e.taskConfigs.length; i++) {
      this.status.putTask(name, i, { state: 'UNASSIGNED', workerId: this.worker.workerId, generation: 0 });
      await this.worker.startTask({ connector: name, task: i }, e.config, e.taskConfigs[i]!, target);
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
      const next = await this.worker.connectorTaskConfigs(name);
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
        const ok = await this.worker.startConnector(name, e.config, e.target, (n) => { void this.reconfigure(n); });
        if (ok && e.target !== 'STOPPED') {
          const next = await this.worker.connectorTaskConfigs(name);
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
    await this.worker.startTask({ connector: name, task }, e.config, taskConfig, e.target === 'PAUSED' ? 'PAUSED' : 'STARTED');
  }

  async connectorOffsets(name: string): Promise<ConnectorOffset[]> {
    const e = this.entry(name);
    if (e.type === 'sink') return this.sinkOffsets(name);
    return this.offsetStore.connectorOffsets(name).map(({ partition, offset }) => ({ partition, offset }));
  }

  private async sinkOffsets(name: string): Promise<ConnectorOffset[]> {
    const { withAdmin } = await import('../../kafka/client.js');
    return withAdmin(this.config.clientProps('admin'), async (admin) => {
      const groups = await admin.fetchOffsets({ groupId: `connect-${name}` });
      const out: ConnectorOffset[] = [];
      for (const t of groups) for (const p of t.partitions) {
        if (Number(p.offset) >= 0) out.push({ partition: { kafka_topic: t.topic, kafka_partition: p.partition }, offset: { kafka_offset: Number(p.offset) } });
      }
      return out;
    });
  }

  private requireStopped(name: string): ConnectorEntry {
    const e = this.entry(name);
    if (e.target !== 'STOPPED') {
      throw new BadRequestError(`Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`);
    }
    return e;
  }

  alterConnectorOffsets(name: string, offsets: ConnectorOffset[]): Promise<string> {
    return this.serial(async () => {
      const e = this.requireStopped(name);
      if (offsets.length === 0) throw new BadRequestError('Partitions / offsets need to be provided for an alter offsets request');
      if (e.type === 'sink') return this.alterSinkOffsets(name, offsets, false);
      const connector = this.worker.instantiateConnector(e.config) as SourceConnector;
      const { canonicalJson } = await import('../storage/offset-store.js');
      let handled = false;
      if (connector.alterOffsets) {
        try {
          handled = await connector.alterOffsets(e.config, new Map(offsets.map((o) => [canonicalJson(o.partition), o.offset])));
        } catch (err) {
          throw new BadRequestError(`Failed to alter offsets for connector ${name}: ${(err as Error).message}`, { cause: err });
        }
      }
      await this.offsetStore.set(offsets.map((o) => ({ connector: name, partition: o.partition, offset: o.offset })));
      return handled
        ? 'The offsets for this connector have been altered successfully'
        : 'The Connect framework-managed offsets for this connector have been altered successfully. However, if this connector manages offsets externally, they will need to be manually altered in the system that the connector uses.';
    });
  }

  resetConnectorOffsets(name: string): Promise<string> {
    return this.serial(async () => {
      const e = this.requireStopped(name);
      if (e.type === 'sink') return this.alterSinkOffsets(name, [], true);
      const current = this.offsetStore.connectorOffsets(name);
      const connector = this.worker.instantiateConnector(e.config) as SourceConnector | SinkConnector;
      const { canonicalJson } = await import('../storage/offset-store.js');
      const handled = connector.alterOffsets ? await connector.alterOffsets(e.config, new Map(current.map((o) => [canonicalJson(o.partition), null]))) : false;
      await this.offsetStore.set(current.map((o) => ({ connector: name, partition: o.partition, offset: null })));
      return handled
        ? 'The offsets for this connector have been reset successfully'
        : 'The Connect framework-managed offsets for this connector have been reset successfully. However, if this connector manages offsets externally, they will need to be manually reset in the system that the connector uses.';
    });
  }

  private async alterSinkOffsets(name: string, offsets: ConnectorOffset[], reset: boolean): Promise<string> {
    const { withAdmin } = await import('../../kafka/client.js');
    const groupId = `connect-${name}`;
    await withAdmin(this.config.clientProps('admin'), async (admin) => {
      if (reset) {
        await admin.deleteGroups([groupId]).catch((err: Error) => {
          if (!/does not exist|GROUP_ID_NOT_FOUND/i.test(err.message)) throw err;
        });
        return;
      }
      const byTopic = new Map<string, { partition: number; offset: string }[]>();
      for (const o of offsets) {
        const topic = o.partition['kafka_topic'];
        const partition = o.partition['kafka_partition'];
        if (typeof topic !== 'string' || typeof partition !== 'number') throw new BadRequestError('Sink connector offsets need "kafka_topic" (string) and "kafka_partition" (integer) in each partition');
        const off = o.offset === null ? null : o.offset['kafka_offset'];
        if (off !== null && (typeof off !== 'number' || off < 0)) throw new BadRequestError('Sink connector offsets need a non-negative integer "kafka_offset"');
        if (off === null) continue; // KIP-875: null removes the partition's committed offset; kafkajs lacks OffsetDelete, so it is left as is.
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset: String(off) }]);
      }
      for (const [topic, partitions] of byTopic) await admin.setOffsets({ groupId, topic, partitions });
    });
    return reset ? 'The offsets for this connector have been reset successfully' : 'The offsets for this connector have been altered successfully';
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
    const kinds = connectorsOnly ? (['source', 'sink'] as const) : undefined;
    return this.registry.list(kinds ? [...kinds] : undefined).map((d) => ({ class: d.className, type: d.kind, version: d.version ?? FERRY_VERSION }));
  }

  pluginConfig(pluginName: string): ConfigKeyInfo[] {
    const d = this.registry.find(pluginName);
    if (!d) throw new NotFoundError(`Unknown plugin ${pluginName}.`);
    const instance = d.create() as { config?: () => { infos(): ConfigKeyInfo[] } };
    const own = instance.config?.().infos() ?? [];
    if (d.kind === 'source') return [...own, ...sourceConnectorConfigDef().infos()];
    if (d.kind === 'sink') return [...own, ...sinkConnectorConfigDef().infos()];
    return own;
  }

  validateConnectorConfig(_pluginName: string | null, config: Record<string, string>): Promise<ConfigInfos> {
    return validateConnectorConfig(this.registry, config, this.transformValidator);
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
