// `task.class` in the task configs Ferry writes to Connect's config topic is what a Java worker writes there:
// the Java class name of the task (Worker adds taskClass.getName()), so Apache Connect/MM2 workers sharing the
// topic can load it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MirrorSourceConnector } from '../../src/connectors/mirror/source-connector.js';
import { MirrorCheckpointConnector } from '../../src/connectors/mirror/checkpoint-connector.js';
import { MirrorHeartbeatConnector } from '../../src/connectors/mirror/heartbeat-connector.js';
import { FileStreamSourceConnector } from '../../src/connectors/file/file-stream-source.js';
import { FileStreamSinkConnector } from '../../src/connectors/file/file-stream-sink.js';
import { JdbcSourceConnector } from '../../src/connectors/jdbc/source-connector.js';
import { JdbcSinkConnector } from '../../src/connectors/jdbc/sink-connector.js';

describe('task.class names', () => {
  it('are the Java task classes Connect writes', () => {
    const expected: [{ taskClassName(): string }, string][] = [
      [new MirrorSourceConnector(), 'org.apache.kafka.connect.mirror.MirrorSourceTask'],
      [new MirrorCheckpointConnector(), 'org.apache.kafka.connect.mirror.MirrorCheckpointTask'],
      [new MirrorHeartbeatConnector(), 'org.apache.kafka.connect.mirror.MirrorHeartbeatTask'],
      [new FileStreamSourceConnector(), 'org.apache.kafka.connect.file.FileStreamSourceTask'],
      [new FileStreamSinkConnector(), 'org.apache.kafka.connect.file.FileStreamSinkTask'],
      [new JdbcSourceConnector(), 'io.confluent.connect.jdbc.source.JdbcSourceTask'],
      [new JdbcSinkConnector(), 'io.confluent.connect.jdbc.sink.JdbcSinkTask'],
    ];
    for (const [connector, cls] of expected) assert.equal(connector.taskClassName(), cls);
  });
});
