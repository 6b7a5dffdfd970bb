// JDBC source and sink connectors (Confluent kafka-connect-jdbc compatible) for PostgreSQL and MySQL/MariaDB.
import type { PluginDescriptor } from '../../connect/api/index.js';
import { JdbcSinkConnector } from './sink-connector.js';
import { JdbcSourceConnector } from './source-connector.js';

export const JDBC_SOURCE_CLASS = 'io.confluent.connect.jdbc.JdbcSourceConnector';
export const JDBC_SINK_CLASS = 'io.confluent.connect.jdbc.JdbcSinkConnector';
const VERSION = '10.9.7-ferry';

export { JdbcSourceConnector } from './source-connector.js';
export { JdbcSourceTask } from './source-task.js';
export { JdbcSinkConnector } from './sink-connector.js';
export { JdbcSinkTask } from './sink-task.js';

export const jdbcPlugins: PluginDescriptor[] = [
  {
    className: JDBC_SOURCE_CLASS,
    aliases: ['JdbcSourceConnector', 'JdbcSource'],
    kind: 'source',
    version: VERSION,
    create: () => new JdbcSourceConnector(),
  },
  {
    className: JDBC_SINK_CLASS,
    aliases: ['JdbcSinkConnector', 'JdbcSink'],
    kind: 'sink',
    version: VERSION,
    create: () => new JdbcSinkConnector(),
  },
];
