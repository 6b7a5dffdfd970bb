// Response entities, serialised the way Connect's Jackson annotations do (REST/entities/*.java):
// empty `trace` omitted, tasks sorted by id, plugin `version` omitted when "undefined".
import type { ConnectorStateInfo, InstanceState, PluginInfo, TaskState } from '../herder/herder.js';

function instance(s: InstanceState): InstanceState {
  const out: InstanceState = { state: s.state, worker_id: s.worker_id };
  if (s.trace !== undefined && s.trace !== null && s.trace !== '') out.trace = s.trace;
  if (s.version !== undefined && s.version !== null) out.version = s.version;
  return out;
}

export function taskStateEntity(t: TaskState): TaskState {
  return { id: t.id, ...instance(t) };
}

export function connectorStateEntity(s: ConnectorStateInfo): ConnectorStateInfo {
  return {
    name: s.name,
    connector: instance(s.connector),
    tasks: [...s.tasks].sort((a, b) => a.id - b.id).map(taskStateEntity),
    type: s.type,
  };
}

export function pluginEntity(p: PluginInfo): PluginInfo {
  const out: PluginInfo = { class: p.class, type: p.type };
  if (p.version !== undefined && p.version !== null && p.version !== 'undefined') out.version = p.version;
  return out;
}

/** Location of a connector as JAX-RS UriBuilder.path builds it: reserved characters escaped, '/' kept. */
export function connectorLocation(name: string): string {
  const encoded = encodeURIComponent(name).replace(/%(2F|40|3A|21|24|26|27|28|29|2A|2B|2C|3B|3D)/gi, (m) => decodeURIComponent(m));
  return `/connectors/${encoded}`;
}
