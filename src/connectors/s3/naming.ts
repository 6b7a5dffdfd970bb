// Object names of Confluent's S3 sink: <topics.dir>/<encoded partition>/<topic>+<kafka partition>+<start offset>.<ext>
// The start offset is the offset of the object's first record, zero-padded (filename.offset.zero.pad.width), so
// a task that restarts from the committed offset rebuilds the same objects under the same names (an overwrite,
// never a duplicate).

export interface ObjectNaming {
  topicsDir: string;
  directoryDelim: string;
  fileDelim: string;
  zeroPadWidth: number;
}

export const DEFAULT_NAMING: ObjectNaming = { topicsDir: 'topics', directoryDelim: '/', fileDelim: '+', zeroPadWidth: 10 };

export function padOffset(offset: number, width: number): string {
  const s = String(offset);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

/** The directory of a topic's objects: <topics.dir>/<topic>. */
export function topicPrefix(n: ObjectNaming, topic: string): string {
  return n.topicsDir === '' ? `${topic}${n.directoryDelim}` : `${n.topicsDir}${n.directoryDelim}${topic}${n.directoryDelim}`;
}

export function objectKey(n: ObjectNaming, topic: string, encodedPartition: string, kafkaPartition: number, startOffset: number, extension: string): string {
  const dir = encodedPartition === '' ? topicPrefix(n, topic) : `${topicPrefix(n, topic)}${encodedPartition}${n.directoryDelim}`;
  return `${dir}${topic}${n.fileDelim}${kafkaPartition}${n.fileDelim}${padOffset(startOffset, n.zeroPadWidth)}${extension}`;
}

export interface ParsedObjectKey { topic: string; partition: number; startOffset: number; extension: string }

/** Reads topic, partition and start offset back from an object name (its last path element); null if it is not one. */
export function parseObjectKey(n: Pick<ObjectNaming, 'directoryDelim' | 'fileDelim'>, key: string, extension: string): ParsedObjectKey | null {
  if (!key.endsWith(extension)) return null;
  const slash = key.lastIndexOf(n.directoryDelim);
  const base = key.slice(slash < 0 ? 0 : slash + n.directoryDelim.length, key.length - extension.length);
  const last = base.lastIndexOf(n.fileDelim);
  if (last <= 0) return null;
  const before = base.lastIndexOf(n.fileDelim, last - 1);
  if (before <= 0) return null;
  const topic = base.slice(0, before);
  const p = base.slice(before + n.fileDelim.length, last);
  const o = base.slice(last + n.fileDelim.length);
  if (!/^\d+$/.test(p) || !/^\d+$/.test(o)) return null;
  return { topic, partition: Number(p), startOffset: Number(o), extension };
}
