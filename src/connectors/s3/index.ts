// S3 connectors, as registry entries.
import type { PluginDescriptor } from '../../connect/api/index.js';
import { S3_SINK_CLASS, S3SinkConnector } from './sink.js';
import { S3_SOURCE_CLASS, S3SourceConnector } from './source.js';

export { S3SinkConnector, S3SinkTask, S3_SINK_CLASS } from './sink.js';
export { S3SourceConnector, S3SourceTask, S3_SOURCE_CLASS } from './source.js';

export const s3Plugins: PluginDescriptor[] = [
  { className: S3_SINK_CLASS, aliases: ['S3SinkConnector', 'S3Sink'], kind: 'sink', version: '0.1.0', create: () => new S3SinkConnector() },
  { className: S3_SOURCE_CLASS, aliases: ['S3SourceConnector', 'S3Source'], kind: 'source', version: '0.1.0', create: () => new S3SourceConnector() },
];
