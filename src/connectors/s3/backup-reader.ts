// Reads what S3Sink wrote with LosslessJsonFormat back, per Kafka partition and in offset order: objects are
// listed once, sorted by the start offset in their names, and read one at a time (memory: one object).
// Shared by S3Source and `ferry restore`.
import { ConnectError } from '../../connect/api/index.js';
import { decodeLossless, type DecodedRecord } from './formats.js';
import { parseObjectKey, topicPrefix, type ObjectNaming } from './naming.js';
import type { ObjectStore } from './storage.js';

export const LOSSLESS_EXTENSION = '.ferry.json';

export interface BackupObject { key: string; partition: number; startOffset: number; size: number }

/** Objects of a backed-up topic by Kafka partition, each list sorted by start offset. */
export async function listBackup(store: ObjectStore, naming: ObjectNaming, topic: string): Promise<Map<number, BackupObject[]>> {
  const out = new Map<number, BackupObject[]>();
  for (const o of await store.list(topicPrefix(naming, topic))) {
    const p = parseObjectKey(naming, o.key, LOSSLESS_EXTENSION);
    if (!p || p.topic !== topic) continue;
    let l = out.get(p.partition);
    if (!l) out.set(p.partition, l = []);
    l.push({ key: o.key, partition: p.partition, startOffset: p.startOffset, size: o.size });
  }
  for (const l of out.values()) l.sort((a, b) => a.startOffset - b.startOffset);
  return out;
}

/** Topics that have objects under topics.dir (directory names). */
export async function listBackedUpTopics(store: ObjectStore, naming: ObjectNaming): Promise<string[]> {
  const prefix = naming.topicsDir === '' ? '' : `${naming.topicsDir}${naming.directoryDelim}`;
  const topics = new Set<string>();
  for (const o of await store.list(prefix)) {
    const rest = o.key.slice(prefix.length);
    const i = rest.indexOf(naming.directoryDelim);
    if (i > 0 && parseObjectKey(naming, o.key, LOSSLESS_EXTENSION)) topics.add(rest.slice(0, i));
  }
  return [...topics].sort();
}

/**
 * Records of one partition after `afterOffset`, object by object, in offset order. Needs objects written with
 * DefaultPartitioner (other partitioners interleave offsets across directories; a record out of order fails).
 */
export class PartitionBackupReader {
  private index = 0;
  private lastOffset: number;

  constructor(
    private readonly store: ObjectStore,
    readonly topic: string,
    readonly partition: number,
    private readonly objects: readonly BackupObject[],
    afterOffset: number,
  ) {
    this.lastOffset = afterOffset;
    // Skip whole objects that end before the resume point: the next object's start is ≤ the resume point + 1.
    while (this.index + 1 < objects.length && objects[this.index + 1]!.startOffset <= afterOffset + 1) this.index++;
  }

  get done(): boolean { return this.index >= this.objects.length; }

  /** The next object's records after the last one returned (empty when done). */
  async next(): Promise<{ records: DecodedRecord[]; object: BackupObject } | null> {
    while (this.index < this.objects.length) {
      const object = this.objects[this.index++]!;
      const all = decodeLossless(await this.store.get(object.key), object.key);
      const records = all.filter((r) => r.offset > this.lastOffset);
      for (let i = 0; i < records.length; i++) {
        const prev = i === 0 ? this.lastOffset : records[i - 1]!.offset;
        if (records[i]!.offset <= prev) throw new ConnectError(`Object ${object.key} is not in offset order at offset ${records[i]!.offset}: restore needs objects written with DefaultPartitioner`);
      }
      if (records.length === 0) continue;
      this.lastOffset = records[records.length - 1]!.offset;
      return { records, object };
    }
    return null;
  }
}
