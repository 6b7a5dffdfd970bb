// Restore's offset mapping: runs of backed-up → restored offsets, group translation, the mapping file, and the
// CLI's S3 options and backup connector config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMapping, parseMapping, translateOffset, type OffsetRun } from '../../src/connectors/s3/restore-job.js';
import { backupConnectorConfig, groupSnapshotKey } from '../../src/cli/backup.js';
import { storageFromProps } from '../../src/cli/restore.js';
import { S3SinkConnector } from '../../src/connectors/s3/sink.js';

const runs: OffsetRun[] = [
  { topic: 't', partition: 0, targetTopic: 'r.t', sourceOffset: 500, targetOffset: 0, count: 100 },
  // A gap (compaction, transaction markers): 600..609 are not in the backup.
  { topic: 't', partition: 0, targetTopic: 'r.t', sourceOffset: 610, targetOffset: 100, count: 50 },
  { topic: 't', partition: 1, targetTopic: 'r.t', sourceOffset: 0, targetOffset: 0, count: 10 },
];

test('a group offset maps to the restored offset of the first backed-up record at or after it', () => {
  assert.equal(translateOffset(runs, 't', 0, 500, 150), 0);
  assert.equal(translateOffset(runs, 't', 0, 550, 150), 50);
  assert.equal(translateOffset(runs, 't', 0, 100, 150), 0, 'before the backup: its first record');
  assert.equal(translateOffset(runs, 't', 0, 605, 150), 100, 'inside a gap: the next backed-up record');
  assert.equal(translateOffset(runs, 't', 0, 659, 150), 149);
  assert.equal(translateOffset(runs, 't', 0, 660, 150), 150, 'past the backup: the end');
  assert.equal(translateOffset(runs, 't', 1, 3, 10), 3);
  assert.equal(translateOffset(runs, 't', 2, 3, 0), 0, 'a partition without records');
});

test('mapping file round trip', () => {
  assert.deepEqual(parseMapping(formatMapping(runs)), runs);
  assert.equal(formatMapping([]), '');
});

test('ferry backup start builds a lossless S3Sink config that validates; S3 keys from the CLI are checked', () => {
  const cfg = backupConnectorConfig({ 's3.bucket.name': 'b', 'store.url': 'http://127.0.0.1:9000' }, { topicsRegex: 'orders.*', flushSize: 5000, tasks: 2 });
  assert.equal(cfg['format.class'], 'dev.ferry.connect.s3.format.LosslessJsonFormat');
  assert.deepEqual(new S3SinkConnector().validate(cfg), {});
  const s = storageFromProps({ 's3.bucket.name': 'b', 'topics.dir': 'backups/' });
  assert.equal(s.naming.topicsDir, 'backups');
  assert.equal(groupSnapshotKey(s), 'backups/_ferry/consumer-groups.json');
  assert.throws(() => storageFromProps({ 's3.bucket.name': 'b', 's3.part.retries': '-1' }), /s3.part.retries/);
});

test('ferry dev up --s3 [--s3-port N]; the S3 flags apply to up only', async () => {
  const { parseDevArgs } = await import('../../src/dev/cli.js');
  assert.deepEqual({ s3: parseDevArgs(['up', '--s3']).s3, port: parseDevArgs(['up', '--s3-port', '20333']).s3Port }, { s3: true, port: 20333 });
  assert.throws(() => parseDevArgs(['stop', '--s3']), /apply to 'up' only/);
  assert.throws(() => parseDevArgs(['up', '--s3-port', '80']), /--s3-port/);
  const { renderS3ProxyConf } = await import('../../src/dev/s3.js');
  assert.match(renderS3ProxyConf({ port: 1234, dataDir: '/d', accessKey: 'a', secretKey: 's' }), /s3proxy.endpoint=http:\/\/127.0.0.1:1234\n[\s\S]*jclouds.provider=filesystem\njclouds.filesystem.basedir=\/d/);
});

test('backup reader: objects in start-offset order, a resume point skips whole objects and the records before it', async () => {
  const { PartitionBackupReader } = await import('../../src/connectors/s3/backup-reader.js');
  const { LosslessJsonFormat } = await import('../../src/connectors/s3/formats.js');
  const { sinkRecord } = await import('../../src/connect/api/index.js');
  const fmt = new LosslessJsonFormat();
  const body = (from: number, to: number) => Buffer.concat(Array.from({ length: to - from }, (_, i) => fmt.encode(sinkRecord({ topic: 't', kafkaPartition: 0, kafkaOffset: from + i, value: Buffer.from('v') }))));
  const objects = new Map([['a', body(0, 100)], ['b', body(100, 200)], ['c', body(205, 300)]]);
  let gets = 0;
  const store = { get: async (k: string) => { gets++; return objects.get(k)!; } } as unknown as import('../../src/connectors/s3/storage.js').ObjectStore;
  const list = [{ key: 'a', partition: 0, startOffset: 0, size: 1 }, { key: 'b', partition: 0, startOffset: 100, size: 1 }, { key: 'c', partition: 0, startOffset: 205, size: 1 }];
  const read = async (after: number) => {
    const r = new PartitionBackupReader(store, 't', 0, list, after);
    const offsets: number[] = [];
    for (let n = await r.next(); n; n = await r.next()) offsets.push(...n.records.map((x) => x.offset));
    return offsets;
  };
  assert.equal((await read(-1)).length, 295);
  gets = 0;
  const resumed = await read(150);
  assert.deepEqual([resumed[0], resumed.length], [151, 49 + 95]);
  assert.equal(gets, 2, 'object a is not read again');
  assert.deepEqual((await read(203)).slice(0, 1), [205], 'a gap in offsets');
  assert.deepEqual(await read(299), []);
});
