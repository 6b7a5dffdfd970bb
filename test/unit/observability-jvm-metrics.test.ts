// The Node process's figures under the JMX exporter's JVM names, and the producer's buffer-available-bytes as
// registered producers report it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registry, registerProducerBuffer } from '../../src/observability/metrics.js';
import { sleep } from '../../src/backoff.js';

async function values(name: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const v of (await registry.getSingleMetric(name)!.get()).values) {
    const m = v as { metricName?: string; labels: Record<string, string | number>; value: number };
    out.set(`${m.metricName ?? name}${JSON.stringify(m.labels)}`, m.value);
  }
  return out;
}

test('jvm_memory_bytes_used: heap is V8\'s heap in use, nonheap the external memory (Buffers)', async () => {
  const held = Buffer.alloc(8 << 20, 1);
  const v = await values('jvm_memory_bytes_used');
  const heap = v.get('jvm_memory_bytes_used{"area":"heap"}') ?? 0;
  const nonheap = v.get('jvm_memory_bytes_used{"area":"nonheap"}') ?? 0;
  assert.ok(heap > 0 && heap <= process.memoryUsage().heapTotal, `heap ${heap}`);
  assert.ok(nonheap >= held.length, `nonheap ${nonheap} holds the 8 MiB buffer`);
});

test('jvm_gc_collection_seconds counts every V8 collection, by kind', async () => {
  let keep: object[] = [];
  for (let i = 0; i < 3e6; i++) { keep.push({ i }); if (keep.length > 2e5) keep = []; }
  await sleep(20); // GC entries are delivered after the collection
  const v = await values('jvm_gc_collection_seconds');
  const minor = v.get('jvm_gc_collection_seconds_count{"gc":"minor"}') ?? 0;
  assert.ok(minor > 1, `minor collections ${minor}`);
  assert.ok((v.get('jvm_gc_collection_seconds_sum{"gc":"minor"}') ?? 0) > 0);
});

test('kafka_producer_buffer_available_bytes: per client id, the least room among its producers; gone once closed', async () => {
  const a = registerProducerBuffer('connector-producer-c-0', () => 1000);
  const b = registerProducerBuffer('connector-producer-c-0', () => 400);
  assert.equal((await values('kafka_producer_buffer_available_bytes')).get('kafka_producer_buffer_available_bytes{"clientid":"connector-producer-c-0"}'), 400);
  b();
  assert.equal((await values('kafka_producer_buffer_available_bytes')).get('kafka_producer_buffer_available_bytes{"clientid":"connector-producer-c-0"}'), 1000);
  a();
  assert.equal((await values('kafka_producer_buffer_available_bytes')).size, 0);
});
