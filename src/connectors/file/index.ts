// FileStream connectors, as registry entries.
import type { PluginDescriptor } from '../../connect/api/index.js';
import { FILE_STREAM_SINK_CLASS, FileStreamSinkConnector } from './file-stream-sink.js';
import { FILE_STREAM_SOURCE_CLASS, FileStreamSourceConnector } from './file-stream-source.js';

export { FileStreamSourceConnector, FileStreamSourceTask, FILE_STREAM_SOURCE_CLASS } from './file-stream-source.js';
export { FileStreamSinkConnector, FileStreamSinkTask, FILE_STREAM_SINK_CLASS } from './file-stream-sink.js';

export const filePlugins: PluginDescriptor[] = [
  {
    className: FILE_STREAM_SOURCE_CLASS,
    aliases: ['FileStreamSourceConnector', 'FileStreamSource'],
    kind: 'source',
    version: '0.1.0',
    create: () => new FileStreamSourceConnector(),
  },
  {
    className: FILE_STREAM_SINK_CLASS,
    aliases: ['FileStreamSinkConnector', 'FileStreamSink'],
    kind: 'sink',
    version: '0.1.0',
    create: () => new FileStreamSinkConnector(),
  },
];
