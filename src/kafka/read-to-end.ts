// Reads partitions of a topic from the beginning (or given offsets) up to the end offsets captured at call
// time, without a consumer group. Used to load compacted state topics (offset maps, checkpoints, syncs).
// Read committed: state written in transactions (an exactly-once mirror task's syncs and maps) counts only
// once its transaction commits; non-transactional records are all read as before.
import type { ClientProps } from './client.js';
import type { InRecord } from './consumer.js';
import { PartitionReader } from './partition-reader.js';

export async function readToEnd(
  props: ClientProps,
  topic: string,
  partitions: number[],
  onRecord: (r: InRecord) => void,
  opts: { clientId?: string; timeoutMs?: number; from?: Map<number, number> } = {},
): Promise<Map<number, number>> {
  const reader = new PartitionReader(props, opts.clientId ?? 'ferry-state-reader', { maxWaitMs: 100, readCommitted: true });
  try {
    await reader.connect();
    const tps = partitions.map((partition) => ({ topic, partition }));
    const ends = await reader.listOffsets(tps, 'latest');
    const todo = new Set<number>();
    for (const p of partitions) {
      const end = ends.get(`${topic}\u0000${p}`) ?? 0;
      const from = opts.from?.get(p);
      if (end > (from ?? 0)) {
        todo.add(p);
        reader.seek({ topic, partition: p }, from ?? 'earliest');
      }
    }
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    while (todo.size > 0) {
      if (Date.now() > deadline) throw new Error(`Timed out reading ${topic} to its end (${todo.size} partitions left)`);
      for (const f of await reader.poll()) {
        for (const r of f.records) onRecord(r);
        const end = ends.get(`${topic}\u0000${f.partition}`) ?? 0;
        if ((reader.position({ topic, partition: f.partition }) ?? 0) >= end) {
          todo.delete(f.partition);
          reader.unassign({ topic, partition: f.partition });
        }
      }
    }
    const out = new Map<number, number>();
    for (const p of partitions) out.set(p, ends.get(`${topic}\u0000${p}`) ?? 0);
    return out;
  } finally {
    await reader.disconnect();
  }
}
