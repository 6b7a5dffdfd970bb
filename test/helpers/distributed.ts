// Helpers for distributed-mode integration tests: worker properties for a test group, REST calls, reading
// a topic from the beginning.
import { after, before } from 'node:test';
import { tmpdir } from 'node:os';
import { PartitionReader } from '../../src/kafka/partition-reader.js';
import { withAdmin } from '../../src/kafka/client.js';
import type { DistributedHandle } from '../../src/app/distributed.js';
import { startKafka, type KafkaHarness } from './kafka.js';
import { tempDir } from './connect.js';

/**
 * A test file's single-broker cluster (`name`), a temp dir and the distributed workers it starts: everything is
 * stopped and removed after the file's tests.
 */
export function useDistributedKafka(name: string, tmpPrefix: string): { readonly bootstrap: string; tmp: ReturnType<typeof tempDir>; handles: DistributedHandle[] } {
  let kafka: KafkaHarness | undefined;
  const tmp = tempDir(tmpPrefix);
  const handles: DistributedHandle[] = [];
  before(async () => { kafka = await startKafka({ clusters: [name] }); });
  after(async () => {
    await Promise.allSettled(handles.map((h) => h.stop()));
    await kafka?.stop();
    tmp.cleanup();
  });
  return {
    get bootstrap(): string {
      if (!kafka) throw new Error('the cluster is not started yet (use bootstrap inside tests and hooks)');
      return kafka.clusters[0]!.bootstrap;
    },
    tmp,
    handles,
  };
}

export function distributedProps(bootstrap: string, group: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'bootstrap.servers': bootstrap,
    'group.id': group,
    'config.storage.topic': `${group}-configs`,
    'offset.storage.topic': `${group}-offsets`,
    'status.storage.topic': `${group}-status`,
    'config.storage.replication.factor': '1',
    'offset.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
    'offset.storage.partitions': '5',
    'status.storage.partitions': '3',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'listeners': 'http://127.0.0.1:0',
    'rest.advertised.host.name': '127.0.0.1',
    'session.timeout.ms': '6000',
    'heartbeat.interval.ms': '500',
    'rebalance.timeout.ms': '20000',
    'scheduled.rebalance.max.delay.ms': '4000',
    'offset.flush.interval.ms': '300',
    'task.shutdown.graceful.timeout.ms': '3000',
    // FileStream connectors in tests use temp files; the worker refuses every file unless allowed.
    'file.allowed.paths': tmpdir(),
    ...extra,
  };
}

export async function rest(baseUrl: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(baseUrl.replace(/\/+$/, '') + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown;
  try { parsed = text === '' ? null : JSON.parse(text); } catch { parsed = text; }
  return { status: res.status, body: parsed };
}

/** Every record value (as UTF-8) of a topic, read from the beginning to its current end. */
export async function readTopic(bootstrap: string, topic: string): Promise<Array<{ key: string | null; value: string | null; partition: number; offset: number }>> {
  const partitions = await withAdmin({ 'bootstrap.servers': bootstrap }, async (a) => (await a.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.length ?? 0);
  const reader = new PartitionReader({ 'bootstrap.servers': bootstrap }, 'test-reader', { maxWaitMs: 100 });
  try {
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
    const ends = await reader.listOffsets(tps, 'latest');
    for (const tp of tps) reader.seek(tp, 'earliest');
    const out: Array<{ key: string | null; value: string | null; partition: number; offset: number }> = [];
    const done = () => tps.every((tp) => (reader.position(tp) ?? -1) >= (ends.get(`${tp.topic}\u0000${tp.partition}`) ?? 0));
    for (let i = 0; i < 500 && !done(); i++) {
      for (const r of await reader.poll()) for (const rec of r.records) {
        out.push({ key: rec.key?.toString('utf8') ?? null, value: rec.value?.toString('utf8') ?? null, partition: rec.partition, offset: rec.offset });
      }
    }
    return out;
  } finally {
    await reader.disconnect();
  }
}

export async function describeGroup(bootstrap: string, group: string): Promise<{ protocolType: string; protocol: string; state: string; members: number }> {
  return withAdmin({ 'bootstrap.servers': bootstrap }, async (a) => {
    const g = (await a.describeGroups([group])).groups[0];
    return { protocolType: g?.protocolType ?? '', protocol: g?.protocol ?? '', state: g?.state ?? '', members: g?.members.length ?? 0 };
  });
}
