// Herder operations that do not depend on where configs live, shared by the standalone and distributed
// herders: the offsets API (KIP-875) for source and sink connectors, and the plugin listings.
import type { ConfigKeyInfo } from '../api/config-def.js';
import type { Props, SinkConnector, SourceConnector } from '../api/connector.js';
import { BadRequestError, NotFoundError } from '../api/errors.js';
import type { ClientProps } from '../../kafka/client.js';
import { withClusterAdmin } from '../../kafka/cluster-admin.js';
import { GroupActiveError } from '../../kafka/cluster-admin.js';
import type { PluginRegistry } from '../runtime/plugins.js';
import { sinkConnectorConfigDef, sourceConnectorConfigDef } from '../runtime/connector-config.js';
import { canonicalJson, type OffsetStore } from '../storage/offset-store.js';
import type { ConnectorOffset, PluginInfo } from './herder.js';

export const FERRY_VERSION = '0.1.0';

export function requireStoppedMessage(name: string): string {
  return `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`;
}

function outcome(handled: boolean, verb: 'altered' | 'reset'): string {
  return handled
    ? `The offsets for this connector have been ${verb} successfully`
    : `The Connect framework-managed offsets for this connector have been ${verb} successfully. However, if this connector manages offsets externally, they will need to be manually ${verb} in the system that the connector uses.`;
}

/** A sink connector's offsets are its consumer group's (`connect-<name>`) committed offsets. */
export async function sinkConnectorOffsets(adminProps: ClientProps, name: string): Promise<ConnectorOffset[]> {
  const committed = await withClusterAdmin(adminProps, (admin) => admin.groupOffsets(`connect-${name}`));
  return committed.map((o) => ({ partition: { kafka_topic: o.topic, kafka_partition: o.partition }, offset: { kafka_offset: o.offset } }));
}

/** Alters (or, with reset, deletes) a sink connector's consumer-group offsets. */
export async function alterSinkConnectorOffsets(adminProps: ClientProps, name: string, offsets: ConnectorOffset[], reset: boolean): Promise<string> {
  const groupId = `connect-${name}`;
  if (reset) {
    await withClusterAdmin(adminProps, (admin) => admin.deleteGroups([groupId]));
    return 'The offsets for this connector have been reset successfully';
  }
  const commits: { topic: string; partition: number; offset: number }[] = [];
  for (const o of offsets) {
    const topic = o.partition['kafka_topic'];
    const partition = o.partition['kafka_partition'];
    if (typeof topic !== 'string' || typeof partition !== 'number') throw new BadRequestError('Sink connector offsets need "kafka_topic" (string) and "kafka_partition" (integer) in each partition');
    const off = o.offset === null ? null : o.offset['kafka_offset'];
    if (off !== null && (typeof off !== 'number' || off < 0)) throw new BadRequestError('Sink connector offsets need a non-negative integer "kafka_offset"');
    // KIP-875: null removes the partition's committed offset; kafkajs lacks OffsetDelete, so it is left as is.
    if (off !== null) commits.push({ topic, partition, offset: off });
  }
  try {
    await withClusterAdmin(adminProps, (admin) => admin.setGroupOffsets(groupId, commits), 'ferry-sink-offsets');
  } catch (e) {
    if (e instanceof GroupActiveError) throw new BadRequestError(`The consumer group ${groupId} still has active members; stop the connector first`, { cause: e });
    throw e;
  }
  return 'The offsets for this connector have been altered successfully';
}

/** Alters a source connector's offsets in the store, after letting the connector check them (alterOffsets). */
export async function alterSourceConnectorOffsets(store: OffsetStore, connector: SourceConnector | SinkConnector, config: Props, name: string, offsets: ConnectorOffset[]): Promise<string> {
  let handled = false;
  if (connector.alterOffsets) {
    try {
      handled = await connector.alterOffsets(config, new Map(offsets.map((o) => [canonicalJson(o.partition), o.offset])));
    } catch (err) {
      throw new BadRequestError(`Failed to alter offsets for connector ${name}: ${(err as Error).message}`, { cause: err });
    }
  }
  await store.set(offsets.map((o) => ({ connector: name, partition: o.partition, offset: o.offset })));
  return outcome(handled, 'altered');
}

/** Removes every stored offset of a source connector. */
export async function resetSourceConnectorOffsets(store: OffsetStore, connector: SourceConnector | SinkConnector, config: Props, name: string): Promise<string> {
  const current = store.connectorOffsets(name);
  const handled = connector.alterOffsets ? await connector.alterOffsets(config, new Map(current.map((o) => [canonicalJson(o.partition), null]))) : false;
  await store.set(current.map((o) => ({ connector: name, partition: o.partition, offset: null })));
  return outcome(handled, 'reset');
}

export function pluginInfos(registry: PluginRegistry, connectorsOnly: boolean): PluginInfo[] {
  return registry.list(connectorsOnly ? ['source', 'sink'] : undefined).map((d) => ({ class: d.className, type: d.kind, version: d.version ?? FERRY_VERSION }));
}

/** A plugin's config keys; connectors also list the framework keys (as GET /connector-plugins/{p}/config). */
export function pluginConfigInfos(registry: PluginRegistry, pluginName: string): ConfigKeyInfo[] {
  const d = registry.find(pluginName);
  if (!d) throw new NotFoundError(`Unknown plugin ${pluginName}.`);
  const instance = d.create() as { config?: () => { infos(): ConfigKeyInfo[] } };
  const own = instance.config?.().infos() ?? [];
  if (d.kind === 'source') return [...own, ...sourceConnectorConfigDef().infos()];
  if (d.kind === 'sink') return [...own, ...sinkConnectorConfigDef().infos()];
  return own;
}
