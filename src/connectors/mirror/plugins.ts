// Registry entries for the three MirrorMaker-2-compatible connectors (full class names and simple aliases).
import type { PluginDescriptor } from '../../connect/api/index.js';
import { MIRROR_CHECKPOINT_CONNECTOR_CLASS, MIRROR_HEARTBEAT_CONNECTOR_CLASS, MIRROR_SOURCE_CONNECTOR_CLASS } from './mirror-config.js';
import { MirrorSourceConnector } from './source-connector.js';
import { MirrorCheckpointConnector } from './checkpoint-connector.js';
import { MirrorHeartbeatConnector } from './heartbeat-connector.js';

export const mirrorPlugins: PluginDescriptor[] = [
  { className: MIRROR_SOURCE_CONNECTOR_CLASS, aliases: ['MirrorSource'], kind: 'source', create: () => new MirrorSourceConnector() },
  { className: MIRROR_CHECKPOINT_CONNECTOR_CLASS, aliases: ['MirrorCheckpoint'], kind: 'source', create: () => new MirrorCheckpointConnector() },
  { className: MIRROR_HEARTBEAT_CONNECTOR_CLASS, aliases: ['MirrorHeartbeat'], kind: 'source', create: () => new MirrorHeartbeatConnector() },
];
