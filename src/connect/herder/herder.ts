// The herder is what the REST API and the CLI talk to: one object per worker (standalone) or per worker
// in a group (distributed). Routes map 1:1 onto these calls.
import type { ConfigKeyInfo, ConfigValueInfo } from '../api/config-def.js';
import type { PluginKind } from '../api/connector.js';

export type ConnectorType = 'source' | 'sink' | 'unknown';
export type { State, TargetState } from '../api/states.js';
export type { TaskId as ConnectorTaskId } from '../api/states.js';
import type { State, TargetState, TaskId as ConnectorTaskId } from '../api/states.js';

export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: ConnectorTaskId[];
  type: ConnectorType;
}

export interface InstanceState { state: State; worker_id: string; trace?: string; version?: string }
export interface TaskState extends InstanceState { id: number }

export interface ConnectorStateInfo {
  name: string;
  connector: InstanceState;
  tasks: TaskState[];
  type: ConnectorType;
}

export interface TaskInfo { id: ConnectorTaskId; config: Record<string, string> }

export interface ConfigInfos {
  name: string;
  error_count: number;
  groups: string[];
  configs: { definition: ConfigKeyInfo | null; value: ConfigValueInfo | null }[];
}

export interface PluginInfo { class: string; type: PluginKind; version?: string }

export interface ConnectorOffset { partition: Record<string, unknown>; offset: Record<string, unknown> | null }

export interface ServerInfo { version: string; commit: string; kafka_cluster_id: string | null }

export interface Herder {
  /** True once stores are loaded and the worker may serve requests. */
  ready(): boolean;
  serverInfo(): Promise<ServerInfo>;
  workerId(): string;

  connectors(): Promise<string[]>;
  connectorInfo(name: string): Promise<ConnectorInfo>;
  connectorConfig(name: string): Promise<Record<string, string>>;
  /** Creates or replaces a connector. `created` tells 201 from 200. */
  putConnectorConfig(name: string, config: Record<string, string>, opts: { allowReplace: boolean; initialState?: TargetState }): Promise<{ created: boolean; info: ConnectorInfo }>;
  patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo>;
  deleteConnector(name: string): Promise<void>;

  connectorStatus(name: string): Promise<ConnectorStateInfo>;
  taskStatus(name: string, task: number): Promise<TaskState>;
  taskConfigs(name: string): Promise<TaskInfo[]>;

  pauseConnector(name: string): Promise<void>;
  resumeConnector(name: string): Promise<void>;
  stopConnector(name: string): Promise<void>;
  /** Legacy restart (connector instance only) when both flags are false; otherwise returns the plan's status. */
  restartConnector(name: string, opts: { includeTasks: boolean; onlyFailed: boolean }): Promise<ConnectorStateInfo | null>;
  restartTask(name: string, task: number): Promise<void>;

  connectorOffsets(name: string): Promise<ConnectorOffset[]>;
  /** Returns the user-facing message. */
  alterConnectorOffsets(name: string, offsets: ConnectorOffset[]): Promise<string>;
  resetConnectorOffsets(name: string): Promise<string>;

  connectorActiveTopics(name: string): Promise<string[]>;
  resetConnectorActiveTopics(name: string): Promise<void>;

  plugins(connectorsOnly: boolean): PluginInfo[];
  pluginConfig(pluginName: string): ConfigKeyInfo[];
  validateConnectorConfig(pluginName: string | null, config: Record<string, string>): Promise<ConfigInfos>;

  stop(): Promise<void>;
}

export interface InternalRequestSignature {
  signature: string;
  algorithm: string | null;
  body: string;
}

/**
 * Herder capabilities the REST API uses when present. They are not (yet) part of the Herder contract:
 * - healthCheck: resolves once the herder's main loop answers (GET /health waits up to 10 s for it);
 * - setClusterLoggerLevel: PUT /admin/loggers/{l}?scope=cluster (without it the level is set on this worker);
 * - putTaskConfigs / fenceZombieSourceTasks: the inter-worker endpoints of distributed mode.
 */
export interface HerderRestExtensions {
  healthCheck?(): Promise<void>;
  setClusterLoggerLevel?(namespace: string, level: string): Promise<void>;
  putTaskConfigs?(connector: string, taskConfigs: Record<string, string>[], signature: InternalRequestSignature | null): Promise<void>;
  fenceZombieSourceTasks?(connector: string, signature: InternalRequestSignature | null): Promise<void>;
}
