// A local S3 server (s3proxy, src/dev/s3.ts) per test file, and helpers to list and decode what the S3 sink
// wrote: every object of a topic, decoded with LosslessJsonFormat, checked for exactly-once coverage.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { startS3Server, type S3Server } from '../../src/dev/s3.js';
import { findFreePorts } from '../../src/dev/ports.js';
import { ObjectStore } from '../../src/connectors/s3/storage.js';
import { decodeLossless, type DecodedRecord } from '../../src/connectors/s3/formats.js';
import { DEFAULT_NAMING, parseObjectKey, topicPrefix } from '../../src/connectors/s3/naming.js';
import type { StorageSettings } from '../../src/connectors/s3/config.js';
import { mixedRecord, type GeneratedRecord } from './mirror.js';

export interface TestS3 {
  server: S3Server;
  bucket: string;
  /** Connector keys that reach the server (store.url, bucket, keys). */
  connectorProps(): Record<string, string>;
  store(): ObjectStore;
  /** SIGKILLs the server (the endpoint becomes unreachable). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Creates a bucket (a directory of the filesystem backend). */
  createBucket(name: string): void;
}

export function useS3(buckets: string[] = ['backups']): TestS3 {
  let server: S3Server | undefined;
  let dir = '';
  let port = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-s3-'));
    port = (await findFreePorts(1))[0]!;
    server = await startS3Server({ dir, port, buckets });
  });
  after(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const get = () => { if (!server) throw new Error('S3 server not started'); return server; };
  return {
    get server() { return get(); },
    bucket: buckets[0]!,
    connectorProps: () => ({ 'store.url': get().endpoint, 's3.bucket.name': buckets[0]!, 's3.region': 'us-east-1', 'aws.access.key.id': get().accessKey, 'aws.secret.access.key': get().secretKey }),
    store: () => new ObjectStore(storageSettings(get(), buckets[0]!)),
    kill: async () => { get().kill(); await get().stop(); },
    restart: async () => { server = await startS3Server({ dir, port, buckets }); },
    createBucket: (name) => { mkdirSync(join(dir, 'data', name), { recursive: true }); },
  };
}

export function storageSettings(s: { endpoint: string; accessKey: string; secretKey: string }, bucket: string): StorageSettings {
  return { bucket, region: 'us-east-1', endpoint: s.endpoint, pathStyle: true, accessKeyId: s.accessKey, secretAccessKey: s.secretKey, retries: 2, retryBackoffMs: 100, naming: DEFAULT_NAMING };
}

export interface BackupContents {
  objects: Array<{ key: string; partition: number; startOffset: number; count: number }>;
  /** Per partition: records in offset order (duplicates kept, so a test can see them). */
  records: Map<number, DecodedRecord[]>;
}

/** Lists and decodes every LosslessJsonFormat object of a topic. */
export async function readBackup(store: ObjectStore, topic: string): Promise<BackupContents> {
  const listed = await store.list(topicPrefix(DEFAULT_NAMING, topic));
  const objects: BackupContents['objects'] = [];
  const records = new Map<number, DecodedRecord[]>();
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < listed.length) {
      const o = listed[next++]!;
      const parsed = parseObjectKey(DEFAULT_NAMING, o.key, '.ferry.json');
      if (!parsed) throw new Error(`unexpected object ${o.key}`);
      const recs = decodeLossless(await store.get(o.key), o.key);
      if (recs[0]?.offset !== parsed.startOffset) throw new Error(`${o.key} starts at offset ${recs[0]?.offset}, not at the offset in its name`);
      objects.push({ key: o.key, partition: parsed.partition, startOffset: parsed.startOffset, count: recs.length });
      let list = records.get(parsed.partition);
      if (!list) records.set(parsed.partition, list = []);
      list.push(...recs);
    }
  }));
  for (const list of records.values()) list.sort((a, b) => a.offset - b.offset);
  return { objects, records };
}

/** Record i goes to partition floor(i / block) % partitions, so every partition gets whole blocks. */
export function blockRecord(block: number) {
  return (run: string, topic: string, i: number, partitions: number): GeneratedRecord => ({
    ...mixedRecord(run, topic, i, partitions), partition: Math.floor(i / block) % partitions,
  });
}

export function headersOf(r: GeneratedRecord): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  for (const [k, v] of Object.entries(r.headers)) for (const b of Array.isArray(v) ? v : [v]) out.push([k, b]);
  return out;
}

export function writeProperties(path: string, props: Record<string, string>): string {
  writeFileSync(path, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return path;
}

export function byteArrayWorker(bootstrap: string, dir: string, port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'bootstrap.servers': bootstrap,
    'key.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
    'value.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
    'header.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
    'offset.storage.file.filename': join(dir, 'standalone.offsets'),
    'offset.flush.interval.ms': '1000',
    listeners: `http://127.0.0.1:${port}`,
    'consumer.session.timeout.ms': '6000',
    'consumer.heartbeat.interval.ms': '1000',
    ...extra,
  };
}
