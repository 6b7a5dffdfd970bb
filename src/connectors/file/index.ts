// FileStream connectors, as registry entries.
import type { PluginDescriptor } from '../../connect/api/index.js';
import { FileAccess } from './file-access.js';
import { FILE_STREAM_SINK_CLASS, FileStreamSinkConnector } from './file-stream-sink.js';
import { FILE_STREAM_SOURCE_CLASS, FileStreamSourceConnector } from './file-stream-source.js';

export { FileStreamSourceConnector, FileStreamSourceTask, FILE_STREAM_SOURCE_CLASS } from './file-stream-source.js';
export { FileStreamSinkConnector, FileStreamSinkTask, FILE_STREAM_SINK_CLASS } from './file-stream-sink.js';

export { FileAccess } from './file-access.js';

/**
 * FileStream plugins bound to a worker's `file.allowed.paths` (an empty list refuses every file; see
 * file-access.ts); null leaves them unrestricted.
 */
export function fileStreamPlugins(allowedPaths: readonly string[] | null): PluginDescriptor[] {
  const access = new FileAccess(allowedPaths);
  return [
    {
      className: FILE_STREAM_SOURCE_CLASS,
      aliases: ['FileStreamSourceConnector', 'FileStreamSource'],
      kind: 'source',
      version: '0.1.0',
      create: () => new FileStreamSourceConnector(access),
    },
    {
      className: FILE_STREAM_SINK_CLASS,
      aliases: ['FileStreamSinkConnector', 'FileStreamSink'],
      kind: 'sink',
      version: '0.1.0',
      create: () => new FileStreamSinkConnector(access),
    },
  ];
}

/** The unrestricted set, for embedding outside a worker. */
export const filePlugins: PluginDescriptor[] = fileStreamPlugins(null);
