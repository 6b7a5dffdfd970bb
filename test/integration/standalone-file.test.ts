// File → Kafka → file through a real broker with Ferry's standalone worker, including a worker restart
// mid-stream: output must be byte-identical and the topic must hold every line exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { startTestWorker, tempDir, waitFor } from '../helpers/connect.js';
import { withAdmin } from '../../src/kafka/client.js';
import type { ConnectorSpec } from '../../src/cli/connect.js';

let kafka: KafkaHarness;
let bootstrap: string;
const tmp = tempDir();

before(async () => {
  kafka = await startKafka({ clusters: ['connect'] });
  bootstrap = kafka.clusters[0]!.bootstrap;
});

after(async () => {
  await kafka?.stop();
  tmp.cleanup();
});

async function topicCount(topic: string): Promise<number> {
  return withAdmin({ 'bootstrap.servers': bootstrap }, async (admin) => {
    const offs = await admin.fetchTopicOffsets(topic);
    return offs.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  });
}

function lineCount(file: string): number {
  if (!existsSync(file)) return 0;
  const buf = readFileSync(file);
  let n = 0;
  for (const b of buf) if (b === 10) n++;
  return n;
}

test('100,000 lines round trip byte-identical across a worker restart; no duplicates from the file source', async () => {
  const input = join(tmp.dir, 'input.txt');
  const output = join(tmp.dir, 'output.txt');
  const lines: string[] = [];
  // Multi-byte UTF-8 on purpose: resume is by byte position.
  for (let i = 0; i < 100_000; i++) lines.push(`line ${i} ünïcødé ✓ 🚀 ${'x'.repeat(i % 17)}`);
  writeFileSync(input, lines.join('\n') + '\n');
  const connectors: ConnectorSpec[] = [
    { name: 'file-source', config: { 'connector.class': 'FileStreamSource', file: input, topic: 'lines', 'batch.size': '500' } },
    { name: 'file-sink', config: { 'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector', file: output, topics: 'lines' } },
  ];
  // One partition: the file order is only kept within a partition.
  await withAdmin({ 'bootstrap.servers': bootstrap }, (a) => a.createTopics({ topics: [{ topic: 'lines', numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true }));
  let worker = await startTestWorker(bootstrap, { dir: tmp.dir, connectors });
  try {
    await waitFor('part of the stream to arrive', () => lineCount(output) >= 20_000, 60_000);
    await worker.stop();
    const midway = lineCount(output);
    assert.ok(midway < 100_000 || statSync(output).size > 0);
    worker = await startTestWorker(bootstrap, { dir: tmp.dir, connectors });
    await waitFor('all lines in the output file', () => lineCount(output) >= 100_000, 120_000);
    // The source has nothing more to send (so a duplicate, if any, is already in the topic) once its committed
    // position is the end of the input: offsets are committed only for records the broker acknowledged.
    const inputSize = statSync(input).size;
    await waitFor(`file-source's committed position to reach the end of the input (${inputSize} bytes)`, async () => {
      const r = await worker.rest('GET', '/connectors/file-source/offsets');
      const offsets = (r.body as { offsets?: { offset: { position?: unknown } }[] } | null)?.offsets ?? [];
      return offsets.some((o) => Number(o.offset.position) === inputSize);
    }, 30_000);
    assert.equal(await topicCount('lines'), 100_000, 'topic holds each line exactly once');
    const outLines = readFileSync(output, 'utf8').split('\n');
    const firstDiff = lines.findIndex((l, i) => outLines[i] !== l);
    assert.equal(firstDiff, -1, `first differing line ${firstDiff}: expected ${JSON.stringify(lines[firstDiff])}, got ${JSON.stringify(outLines[firstDiff])} (output has ${outLines.length - 1} lines)`);
    const a = createHash('sha256').update(readFileSync(input)).digest('hex');
    const b = createHash('sha256').update(readFileSync(output)).digest('hex');
    assert.equal(b, a, 'output file is byte-identical to the input');
  } finally {
    await worker.stop();
  }
});
