// `ferry backup start|status|groups`: topics matching a regex to S3 with S3Sink (LosslessJsonFormat, the format
// `ferry restore` reads) on a running Connect worker, its progress (objects, bytes, last offset and lag per
// partition), and snapshots of consumer group offsets into the bucket so a restore can reposition groups when
// the original cluster is gone.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../connect/api/errors.js';
import { compileJavaRegex } from '../connect/api/java-regex.js';
import { readPropertiesFile } from '../config/properties.js';
import { ferryEnv } from '../config/ferry-env.js';
import { withClusterAdmin } from '../kafka/cluster-admin.js';
import type { ClientProps } from '../kafka/client.js';
import type { StorageSettings } from '../connectors/s3/config.js';
import { ObjectStore } from '../connectors/s3/storage.js';
import { LOSSLESS_FORMAT_CLASS } from '../connectors/s3/formats.js';
import { parseObjectKey } from '../connectors/s3/naming.js';
import { decodeLossless } from '../connectors/s3/formats.js';
import { LOSSLESS_EXTENSION } from '../connectors/s3/backup-reader.js';
import { setLevel } from '../observability/logger.js';
import { reportStartupError, startStandalone } from './connect.js';
import { S3_CLI_OPTIONS, UsageError, clientProps, s3ConnectorProps, storageFromProps } from './restore.js';
import { sleep } from '../backoff.js';

export const BACKUP_USAGE = `Usage: ferry backup start|run|status|groups [options]

  start    create (or update) an S3Sink connector on a Connect worker that backs up every topic matching
           --topics-regex to S3 with format.class LosslessJsonFormat (what ferry restore reads)
  run      the same without a Connect worker: runs a standalone worker for it in the foreground (until Ctrl-C),
           on --bootstrap-server, REST on --listeners (default http://127.0.0.1:8083), offsets in --offsets-file
  status   the connector's state, objects and bytes in S3, and per partition the last backed-up offset and lag
  groups   write the committed offsets of consumer groups to the bucket (<topics.dir>/_ferry/consumer-groups.json),
           for ferry restore --groups when the original cluster is gone; --interval-ms repeats it

Options:
  --connect URL              Connect REST URL (start, status; default http://localhost:8083)
  --name NAME                connector name (default ferry-backup)
  --topics-regex RE          topics to back up (start; Java regex)
  --s3-config FILE           .properties with the S3 keys (s3.bucket.name, store.url, s3.region, aws.access.key.id,
                             aws.secret.access.key — config-provider references are passed to the worker as they are)
  --bucket B / --store-url URL / --region R / --topics-dir D   override those keys
  --flush-size N             records per object and partition (start; default 10000)
  --rotate-interval-ms N     also close objects after N ms of record time (start; default off)
  --rotate-schedule-interval-ms N   and on wall-clock boundaries (start; default off; not deterministic)
  --tasks N                  tasks.max (start; default 1)
  --bootstrap-server H:P     the cluster (status: lag; groups: offsets)
  --command-config FILE      extra client properties for it
  --groups RE                groups to snapshot (groups; default .*)
  --interval-ms N            groups: snapshot every N ms until interrupted
  --listeners URL            run: the worker's REST listener (default http://127.0.0.1:8083)
  --offsets-file FILE        run: the worker's offsets file (default .ferry/backup/NAME.offsets)
  --json                     JSON output
  -h, --help                 this help`;

const BYTE_ARRAY = 'org.apache.kafka.connect.converters.ByteArrayConverter';

export interface GroupSnapshot { takenAt: string; groups: Record<string, Array<{ topic: string; partition: number; offset: number }>> }

export function groupSnapshotKey(s: StorageSettings): string {
  const d = s.naming.directoryDelim;
  return `${s.naming.topicsDir === '' ? '' : s.naming.topicsDir + d}_ferry${d}consumer-groups.json`;
}

export async function readGroupSnapshot(s: StorageSettings): Promise<GroupSnapshot | null> {
  const store = new ObjectStore(s);
  try {
    const key = groupSnapshotKey(s);
    if ((await store.list(key)).length === 0) return null;
    return JSON.parse((await store.get(key)).toString('utf8')) as GroupSnapshot;
  } finally { store.close(); }
}

export async function writeGroupSnapshot(s: StorageSettings, bootstrap: ClientProps, pattern: string): Promise<GroupSnapshot> {
  const re = compileJavaRegex(pattern, true);
  const snap: GroupSnapshot = { takenAt: new Date().toISOString(), groups: {} };
  await withClusterAdmin(bootstrap, async (admin) => {
    for (const g of (await admin.consumerGroups()).filter((x) => re.test(x) && !x.startsWith('connect-'))) snap.groups[g] = await admin.groupOffsets(g);
  }, 'ferry-backup-groups');
  const store = new ObjectStore(s);
  try { await store.put(groupSnapshotKey(s), Buffer.from(JSON.stringify(snap, null, 2))); } finally { store.close(); }
  return snap;
}

async function rest(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url.replace(/\/+$/, '')}${path}`, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = text === '' ? null : JSON.parse(text); } catch { /* text */ }
  return { status: res.status, body: parsed };
}

/** The S3Sink config `ferry backup start` creates. */
export function backupConnectorConfig(s3: Record<string, string>, o: { topicsRegex: string; flushSize: number; rotateIntervalMs?: number; rotateScheduleIntervalMs?: number; tasks: number }): Record<string, string> {
  return {
    'connector.class': 'io.confluent.connect.s3.S3SinkConnector', 'tasks.max': String(o.tasks), 'topics.regex': o.topicsRegex,
    'format.class': LOSSLESS_FORMAT_CLASS, 'flush.size': String(o.flushSize),
    ...(o.rotateIntervalMs !== undefined ? { 'rotate.interval.ms': String(o.rotateIntervalMs) } : {}),
    ...(o.rotateScheduleIntervalMs !== undefined ? { 'rotate.schedule.interval.ms': String(o.rotateScheduleIntervalMs), timezone: 'UTC' } : {}),
    'key.converter': BYTE_ARRAY, 'value.converter': BYTE_ARRAY, 'header.converter': BYTE_ARRAY,
    ...s3,
  };
}

export interface BackupStatus {
  connector: string;
  state: string | null;
  tasks: Array<{ id: number; state: string; trace?: string }>;
  topics: Array<{ topic: string; objects: number; bytes: number; partitions: Array<{ partition: number; objects: number; lastBackedUpOffset: number | null; committedOffset: number | null; endOffset: number | null; lag: number | null }> }>;
}

export async function backupStatus(connectUrl: string | null, name: string, storage: StorageSettings, cluster: ClientProps | null): Promise<BackupStatus> {
  let state: string | null = null;
  let tasks: BackupStatus['tasks'] = [];
  if (connectUrl) {
    const st = await rest(connectUrl, 'GET', `/connectors/${encodeURIComponent(name)}/status`).catch(() => null);
    if (st?.status === 200) {
      const b = st.body as { connector: { state: string }; tasks: Array<{ id: number; state: string; trace?: string }> };
      state = b.connector.state;
      tasks = b.tasks.map((t) => ({ id: t.id, state: t.state, ...(t.trace ? { trace: t.trace.split('\n')[0]! } : {}) }));
    }
  }
  const store = new ObjectStore(storage);
  const perTopic = new Map<string, Map<number, { objects: number; bytes: number; lastKey: string; lastStart: number }>>();
  const lastOffsets = new Map<string, number>();
  try {
    const prefix = storage.naming.topicsDir === '' ? '' : storage.naming.topicsDir + storage.naming.directoryDelim;
    for (const o of await store.list(prefix)) {
      const p = parseObjectKey(storage.naming, o.key, LOSSLESS_EXTENSION);
      if (!p) continue;
      let t = perTopic.get(p.topic);
      if (!t) perTopic.set(p.topic, t = new Map());
      const e = t.get(p.partition) ?? { objects: 0, bytes: 0, lastKey: o.key, lastStart: -1 };
      e.objects++;
      if (p.startOffset > e.lastStart) { e.lastStart = p.startOffset; e.lastKey = o.key; }
      e.bytes += o.size;
      t.set(p.partition, e);
    }
    // The last backed-up record of a partition is the last line of its newest object.
    for (const [topic, parts] of perTopic) {
      for (const [partition, e] of parts) {
        const recs = decodeLossless(await store.get(e.lastKey), e.lastKey);
        const last = recs[recs.length - 1];
        if (last) lastOffsets.set(`${topic}\u0000${partition}`, last.offset);
      }
    }
  } finally { store.close(); }
  const committed = new Map<string, number>();
  const ends = new Map<string, number>();
  if (cluster) {
    await withClusterAdmin(cluster, async (admin) => {
      for (const o of await admin.groupOffsets(`connect-${name}`)) { committed.set(`${o.topic}\u0000${o.partition}`, o.offset); if (!perTopic.has(o.topic)) perTopic.set(o.topic, new Map()); }
      for (const t of perTopic.keys()) for (const w of await admin.watermarks(t).catch(() => [])) ends.set(`${t}\u0000${w.partition}`, w.high);
    }, 'ferry-backup-status');
  }
  const topics: BackupStatus['topics'] = [...perTopic].sort((a, b) => a[0].localeCompare(b[0])).map(([topic, parts]) => {
    const ids = new Set([...parts.keys(), ...[...ends.keys()].filter((k) => k.startsWith(`${topic}\u0000`)).map((k) => Number(k.split('\u0000')[1]))]);
    const partitions = [...ids].sort((a, b) => a - b).map((partition) => {
      const k = `${topic}\u0000${partition}`;
      const c = committed.get(k);
      const end = ends.get(k);
      const last = lastOffsets.get(k);
      return { partition, objects: parts.get(partition)?.objects ?? 0, lastBackedUpOffset: last ?? null, committedOffset: c ?? null, endOffset: end ?? null,
        lag: end === undefined ? null : Math.max(0, end - (last === undefined ? (c ?? 0) : last + 1)) };
    });
    return { topic, objects: [...parts.values()].reduce((n, x) => n + x.objects, 0), bytes: [...parts.values()].reduce((n, x) => n + x.bytes, 0), partitions };
  });
  return { connector: name, state, tasks, topics };
}

function formatStatus(s: BackupStatus): string {
  const lines = [`Connector ${s.connector}: ${s.state ?? 'unknown (no --connect, or not found)'}${s.tasks.map((t) => `; task ${t.id} ${t.state}${t.trace ? ` (${t.trace})` : ''}`).join('')}`];
  for (const t of s.topics) {
    lines.push(`${t.topic}: ${t.objects} objects, ${t.bytes.toLocaleString('en-US')} bytes`);
    for (const p of t.partitions) lines.push(`  partition ${p.partition}: ${p.objects} objects, last backed-up offset ${p.lastBackedUpOffset ?? '-'}, committed ${p.committedOffset ?? '-'}, end offset ${p.endOffset ?? '-'}, lag ${p.lag ?? '-'}`);
  }
  return lines.join('\n');
}

export async function backupCommand(args: string[]): Promise<number> {
  const [sub, ...subArgs] = args;
  if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') { console.log(BACKUP_USAGE); return sub === undefined ? 2 : 0; }
  let parsed;
  try {
    parsed = parseArgs({
      args: subArgs, allowPositionals: false, strict: true,
      options: {
        connect: { type: 'string' }, name: { type: 'string' }, 'topics-regex': { type: 'string' }, ...S3_CLI_OPTIONS,
        'flush-size': { type: 'string' }, 'rotate-interval-ms': { type: 'string' }, 'rotate-schedule-interval-ms': { type: 'string' }, tasks: { type: 'string' },
        'bootstrap-server': { type: 'string' }, 'command-config': { type: 'string' }, groups: { type: 'string' }, 'interval-ms': { type: 'string' },
        listeners: { type: 'string' }, 'offsets-file': { type: 'string' },
        json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    console.error(`ferry backup: ${(e as Error).message}\n\n${BACKUP_USAGE}`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) { console.log(BACKUP_USAGE); return 0; }
  // A command's own output is what the operator reads; Ferry's logs only from warnings on (FERRY_LOG_LEVEL overrides).
  if (ferryEnv().logLevel === undefined && sub !== 'run') setLevel('root', 'WARN');
  const int = (k: 'flush-size' | 'rotate-interval-ms' | 'rotate-schedule-interval-ms' | 'tasks' | 'interval-ms'): number | undefined => {
    const raw = v[k];
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`--${k} must be a positive integer, got '${raw}'`);
    return Number(raw);
  };
  const name = v.name ?? 'ferry-backup';
  const connectUrl = v.connect ?? 'http://localhost:8083';
  try {
    switch (sub) {
      case 'start':
      case 'run': {
        if (!v['topics-regex']) throw new UsageError('--topics-regex is required');
        if (sub === 'run' && !v['bootstrap-server']) throw new UsageError('--bootstrap-server is required with run');
        compileJavaRegex(v['topics-regex']);
        // References such as ${file:…} go to the worker unresolved, as any connector config would.
        const raw = v['s3-config'] !== undefined ? readPropertiesFile(v['s3-config']) : {};
        s3ConnectorProps(v);
        const s3: Record<string, string> = { ...raw };
        if (v.bucket !== undefined) s3['s3.bucket.name'] = v.bucket;
        if (v['store-url'] !== undefined) s3['store.url'] = v['store-url'];
        if (v.region !== undefined) s3['s3.region'] = v.region;
        if (v['topics-dir'] !== undefined) s3['topics.dir'] = v['topics-dir'];
        const rot = int('rotate-interval-ms');
        const sched = int('rotate-schedule-interval-ms');
        const config = backupConnectorConfig(s3, { topicsRegex: v['topics-regex'], flushSize: int('flush-size') ?? 10_000, tasks: int('tasks') ?? 1,
          ...(rot !== undefined ? { rotateIntervalMs: rot } : {}), ...(sched !== undefined ? { rotateScheduleIntervalMs: sched } : {}) });
        if (sub === 'run') return await runBackupWorker(name, config, {
          bootstrap: v['bootstrap-server']!, commandConfig: v['command-config'], listeners: v.listeners ?? 'http://127.0.0.1:8083',
          offsetsFile: v['offsets-file'] ?? join('.ferry', 'backup', `${name}.offsets`),
        });
        const r = await rest(connectUrl, 'PUT', `/connectors/${encodeURIComponent(name)}/config`, config);
        if (r.status >= 300) { console.error(`ferry backup start: the worker at ${connectUrl} refused the connector (${r.status}): ${JSON.stringify(r.body)}`); return 1; }
        if (v.json) console.log(JSON.stringify({ connector: name, created: r.status === 201, config: { ...config, 'aws.secret.access.key': config['aws.secret.access.key'] ? '[hidden]' : undefined } }));
        else console.log(`Backup connector ${name} ${r.status === 201 ? 'created' : 'updated'} on ${connectUrl}: topics matching ${v['topics-regex']} → s3://${s3['s3.bucket.name']}/${s3['topics.dir'] ?? 'topics'}/. Check it with 'ferry backup status --name ${name}'.`);
        return 0;
      }
      case 'status': {
        const storage = storageFromProps(s3ConnectorProps(v));
        const cluster = v['bootstrap-server'] ? clientProps(v['bootstrap-server'], v['command-config']) : null;
        const s = await backupStatus(v.connect ?? connectUrl, name, storage, cluster);
        console.log(v.json ? JSON.stringify(s) : formatStatus(s));
        return s.tasks.some((t) => t.state === 'FAILED') || s.state === 'FAILED' ? 1 : 0;
      }
      case 'groups': {
        if (!v['bootstrap-server']) throw new UsageError('--bootstrap-server is required');
        const storage = storageFromProps(s3ConnectorProps(v));
        const cluster = clientProps(v['bootstrap-server'], v['command-config']);
        const every = int('interval-ms');
        for (;;) {
          const snap = await writeGroupSnapshot(storage, cluster, v.groups ?? '.*');
          if (v.json) console.log(JSON.stringify(snap));
          else console.log(`${snap.takenAt}: offsets of ${Object.keys(snap.groups).length} group(s) written to s3://${storage.bucket}/${groupSnapshotKey(storage)}`);
          if (every === undefined) return 0;
          await sleep(every);
        }
      }
      default:
        throw new UsageError(`unknown subcommand '${sub}' (start, run, status or groups)`);
    }
  } catch (e) {
    if (e instanceof UsageError) { console.error(`ferry backup: ${e.message}\n\n${BACKUP_USAGE}`); return 2; }
    if (e instanceof ConfigError) { console.error(`ferry backup: ${e.message}`); return 2; }
    return reportStartupError(e);
  }
}

/** `ferry backup run`: a standalone worker with only the backup connector, until SIGINT/SIGTERM. */
async function runBackupWorker(name: string, config: Record<string, string>, o: { bootstrap: string; commandConfig: string | undefined; listeners: string; offsetsFile: string }): Promise<number> {
  const client = o.commandConfig === undefined ? {} : readPropertiesFile(o.commandConfig);
  const worker = await startStandalone({
    ...client, 'bootstrap.servers': o.bootstrap, 'key.converter': BYTE_ARRAY, 'value.converter': BYTE_ARRAY, 'header.converter': BYTE_ARRAY,
    'offset.storage.file.filename': o.offsetsFile, listeners: o.listeners,
  }, [{ name, config }]);
  console.log(`Backing up topics matching ${config['topics.regex']} to s3://${config['s3.bucket.name']}/${config['topics.dir'] ?? 'topics'}/ with connector ${name} (REST ${worker.url}); Ctrl-C stops.`);
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) return;
      stopping = true;
      worker.stop().then(() => resolve(0), (e: unknown) => { console.error(e); resolve(1); });
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
