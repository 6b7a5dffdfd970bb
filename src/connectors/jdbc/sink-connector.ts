// JdbcSinkConnector: validates the configuration and hands every task the same settings.
import { SinkConnector, type ConfigDef, type Props, type TaskFactory } from '../../connect/api/index.js';
import { parseSinkConfig, sinkConfigDef, sinkCrossKeyErrors } from './config.js';
import { JdbcSinkTask } from './sink-task.js';

export class JdbcSinkConnector extends SinkConnector {
  private props: Props = {};

  override version(): string { return '10.9.7-ferry'; }

  config(): ConfigDef { return sinkConfigDef(); }

  override validate(props: Props): Record<string, string[]> {
    const { values } = sinkConfigDef().parseCollect(props);
    return sinkCrossKeyErrors(values, props);
  }

  start(props: Props): void {
    parseSinkConfig(props);
    this.props = { ...props };
  }

  taskClass(): TaskFactory { return JdbcSinkTask; }
  /** What a Java worker writes as task.class for this connector. */
  override taskClassName(): string { return 'io.confluent.connect.jdbc.sink.JdbcSinkTask'; }

  taskConfigs(maxTasks: number): Props[] {
    return Array.from({ length: Math.max(1, maxTasks) }, () => ({ ...this.props }));
  }

  stop(): void {}
}
