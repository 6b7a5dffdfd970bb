// `ferry restore`: backed-up topics (S3Sink, LosslessJsonFormat) back into a cluster — same partitions, keys,
// values, headers and timestamps, optionally renamed — exactly once across re-runs, with a progress bar, an offset
// mapping file and `--groups` to commit consumer groups at the exact restored offsets.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../connect/api/errors.js';
import { compileJavaRegex } from '../connect/api/java-regex.js';
import { readPropertiesFile } from '../config/properties.js';
import { ferryEnv } from '../config/ferry-env.js';
import { resolveOwnReferences } from '../config/config-providers.js';
import { FileOffsetStore } from '../connect/storage/offset-store.js';
import { withClusterAdmin } from '../kafka/cluster-admin.js';
import type { ClientProps } from '../kafka/client.js';
import { listBackedUpTopics } from '../connectors/s3/backup-reader.js';
import { s3SourceConfigDef, type StorageSettings } from '../connectors/s3/config.js';
import { formatMapping, runRestore, translateOffset, type OffsetRun } from '../connectors/s3/restore-job.js';
import { ObjectStore } from '../connectors/s3/storage.js';
import { AbstractConfig } from '../connect/api/config-def.js';
import { readGroupSnapshot } from './backup.js';
import { setLevel } from '../observability/logger.js';
import { reportStartupError } from './connect.js';

export const RESTORE_USAGE = `Usage: ferry restore --bootstrap-server H:P --s3-config FILE (--topics A,B | --topics-regex RE) [options]

Restores topics that S3Sink backed up with format.class LosslessJsonFormat into the cluster at --bootstrap-server:
same partitions, keys, values, headers (in order) and timestamps. A re-run after a crash skips exactly what the
target partitions already hold and continues. Writes an offset mapping (backed-up offset → restored offset).

Options:
  --bootstrap-server H:P   target cluster (required)
  --command-config FILE    extra client properties for the target (security)
  --s3-config FILE         .properties with the S3 keys of the backup: s3.bucket.name, store.url, s3.region,
                           aws.access.key.id, aws.secret.access.key (config providers allowed), topics.dir, …
  --bucket B / --store-url URL / --region R / --topics-dir D   override those keys
  --topics A,B             backed-up topics to restore
  --topics-regex RE        or every backed-up topic matching RE (Java regex)
  --rename FMT             target topic name, \${topic} = backed-up name (default \${topic}), e.g. restored.\${topic}
  --partitions N           partitions of a target topic that does not exist (default: as in the backup)
  --replication-factor N   of a created target topic (default -1: the broker's default)
  --name NAME              name the progress is stored under (Connect source offsets; default ferry-restore)
  --offsets-file FILE      Connect standalone offsets file for the progress (default .ferry/restore/NAME.offsets)
  --mapping-file FILE      offset mapping, JSON lines of runs (default NAME-offset-mapping.jsonl)
  --groups RE              commit these consumer groups on the target at the restored offsets; their committed
                           offsets come from --groups-from, else from the group snapshot in S3 (ferry backup groups)
  --groups-from H:P        the original cluster, when it is still reachable
  --no-progress            no progress bar
  --json                   print the result as JSON
  -h, --help               this help`;

export class UsageError extends Error {}

export interface S3CliOptions { 's3-config'?: string; bucket?: string; 'store-url'?: string; region?: string; 'topics-dir'?: string }

export const S3_CLI_OPTIONS = {
  's3-config': { type: 'string' }, bucket: { type: 'string' }, 'store-url': { type: 'string' }, region: { type: 'string' }, 'topics-dir': { type: 'string' },
} as const;

/** The S3 connector keys from --s3-config (config providers resolved) and the flags that override them. */
export function s3ConnectorProps(v: S3CliOptions): Record<string, string> {
  let props: Record<string, string> = {};
  if (v['s3-config'] !== undefined) props = resolveOwnReferences(readPropertiesFile(v['s3-config'])).resolved;
  if (v.bucket !== undefined) props['s3.bucket.name'] = v.bucket;
  if (v['store-url'] !== undefined) props['store.url'] = v['store-url'];
  if (v.region !== undefined) props['s3.region'] = v.region;
  if (v['topics-dir'] !== undefined) props['topics.dir'] = v['topics-dir'];
  if (props['s3.bucket.name'] === undefined) throw new UsageError('the bucket is required: s3.bucket.name in --s3-config, or --bucket');
  return props;
}

/** Storage settings from connector keys, with errors naming the key. */
export function storageFromProps(props: Record<string, string>): StorageSettings {
  const def = s3SourceConfigDef();
  const cfg = new AbstractConfig(def, { ...props, topics: props['topics'] ?? 'x' });
  const endpoint = cfg.getOptionalString('store.url');
  const id = cfg.getString('aws.access.key.id');
  const secret = cfg.getPassword('aws.secret.access.key') ?? '';
  return {
    bucket: cfg.getString('s3.bucket.name'), region: cfg.getString('s3.region'), endpoint: endpoint === null || endpoint === '' ? null : endpoint,
    pathStyle: cfg.getBoolean('s3.path.style.access.enabled'), accessKeyId: id === '' ? null : id, secretAccessKey: secret === '' ? null : secret,
    retries: cfg.getInt('s3.part.retries'), retryBackoffMs: cfg.getLong('s3.retry.backoff.ms'),
    naming: { topicsDir: cfg.getString('topics.dir').replace(/\/+$/, ''), directoryDelim: cfg.getString('directory.delim'), fileDelim: cfg.getString('file.delim'), zeroPadWidth: cfg.getInt('filename.offset.zero.pad.width') },
  };
}

export function clientProps(bootstrap: string, commandConfig: string | undefined): ClientProps {
  const extra = commandConfig === undefined ? {} : resolveOwnReferences(readPropertiesFile(commandConfig)).resolved;
  return { ...extra, 'bootstrap.servers': bootstrap };
}

function progressBar(done: number, total: number, records: number, started: number): string {
  const frac = total === 0 ? 1 : Math.min(1, done / total);
  const width = 30;
  const filled = Math.round(frac * width);
  const rate = records / Math.max(0.001, (Date.now() - started) / 1000);
  return `\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${records.toLocaleString('en-US')} records  ${Math.round(rate).toLocaleString('en-US')}/s `;
}

export async function restoreCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: false, strict: true,
      options: {
        'bootstrap-server': { type: 'string' }, 'command-config': { type: 'string' }, ...S3_CLI_OPTIONS,
        topics: { type: 'string' }, 'topics-regex': { type: 'string' }, rename: { type: 'string' }, partitions: { type: 'string' },
        'replication-factor': { type: 'string' }, name: { type: 'string' }, 'offsets-file': { type: 'string' }, 'mapping-file': { type: 'string' },
        groups: { type: 'string' }, 'groups-from': { type: 'string' }, 'no-progress': { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    console.error(`ferry restore: ${(e as Error).message}\n\n${RESTORE_USAGE}`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) { console.log(RESTORE_USAGE); return 0; }
  // A command's own output is what the operator reads; Ferry's logs only from warnings on (FERRY_LOG_LEVEL overrides).
  if (ferryEnv().logLevel === undefined) setLevel('root', 'WARN');
  try {
    if (!v['bootstrap-server']) throw new UsageError('--bootstrap-server is required');
    if ((v.topics === undefined) === (v['topics-regex'] === undefined)) throw new UsageError('give exactly one of --topics and --topics-regex');
    const num = (k: 'partitions' | 'replication-factor', min: number): number | undefined => {
      const raw = v[k];
      if (raw === undefined) return undefined;
      if (!/^-?\d+$/.test(raw) || Number(raw) < min) throw new UsageError(`--${k} must be an integer ≥ ${min}, got '${raw}'`);
      return Number(raw);
    };
    const partitions = num('partitions', 1);
    const replicationFactor = num('replication-factor', -1);
    const storage = storageFromProps(s3ConnectorProps(v));
    const target = clientProps(v['bootstrap-server'], v['command-config']);
    const rename = v.rename ?? '${topic}';
    const name = v.name ?? 'ferry-restore';
    let topics: string[];
    if (v.topics !== undefined) topics = v.topics.split(',').map((t) => t.trim()).filter(Boolean);
    else {
      const re = compileJavaRegex(v['topics-regex']!, true);
      const store = new ObjectStore(storage);
      try { topics = (await listBackedUpTopics(store, storage.naming)).filter((t) => re.test(t)); } finally { store.close(); }
      if (topics.length === 0) throw new UsageError(`no backed-up topic under ${storage.naming.topicsDir}/ matches --topics-regex ${v['topics-regex']}`);
    }
    if (topics.length > 1 && !rename.includes('${topic}')) throw new UsageError('--rename must contain ${topic} when several topics are restored');
    const offsetsFile = v['offsets-file'] ?? join('.ferry', 'restore', `${name}.offsets`);
    const mappingFile = v['mapping-file'] ?? `${name}-offset-mapping.jsonl`;
    const offsets = new FileOffsetStore(offsetsFile);
    await offsets.start();
    const started = Date.now();
    const showProgress = !v['no-progress'] && !v.json;
    const result = await runRestore({
      storage, topics, renameFormat: rename, target, name, offsets,
      ...(partitions !== undefined ? { partitions } : {}), ...(replicationFactor !== undefined ? { replicationFactor } : {}),
      onProgress: showProgress ? (p) => process.stderr.write(progressBar(p.bytesDone, p.bytesTotal, p.records, started)) : undefined,
    });
    if (showProgress) process.stderr.write('\n');
    mkdirSync(dirname(mappingFile) || '.', { recursive: true });
    writeFileSync(mappingFile, formatMapping(result.runs));
    let groups: Array<{ group: string; offsets: Array<{ topic: string; partition: number; offset: number }> }> = [];
    if (v.groups !== undefined) groups = await restoreGroups(v.groups, v['groups-from'], storage, target, result.runs, result.ends);
    const summary = { topics: topics.map((t) => ({ topic: t, target: rename.split('${topic}').join(t) })), records: result.records, alreadyRestored: result.skipped,
      elapsedMs: Date.now() - started, mappingFile, offsetsFile, groups };
    if (v.json) console.log(JSON.stringify(summary));
    else {
      console.log(`Restored ${result.records.toLocaleString('en-US')} records (${result.skipped.toLocaleString('en-US')} were already in place) of ${topics.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
      console.log(`Offset mapping: ${mappingFile}. Progress (Connect offsets, name ${name}): ${offsetsFile}.`);
      for (const g of groups) console.log(`Group ${g.group}: committed ${g.offsets.map((o) => `${o.topic}-${o.partition}@${o.offset}`).join(', ')}`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) { console.error(`ferry restore: ${e.message}\n\n${RESTORE_USAGE}`); return 2; }
    if (e instanceof ConfigError) { console.error(`ferry restore: ${e.message}`); return 2; }
    return reportStartupError(e);
  }
}

/** Commits each matching group on the target at the restored offsets of what it had committed on the original. */
export async function restoreGroups(
  pattern: string, groupsFrom: string | undefined, storage: StorageSettings, target: ClientProps, runs: readonly OffsetRun[], ends: ReadonlyMap<string, number>,
): Promise<Array<{ group: string; offsets: Array<{ topic: string; partition: number; offset: number }> }>> {
  const re = compileJavaRegex(pattern, true);
  let committed: Map<string, Array<{ topic: string; partition: number; offset: number }>>;
  if (groupsFrom !== undefined) {
    committed = new Map();
    await withClusterAdmin({ 'bootstrap.servers': groupsFrom }, async (admin) => {
      for (const g of (await admin.consumerGroups()).filter((x) => re.test(x))) committed.set(g, await admin.groupOffsets(g));
    }, 'ferry-restore-groups');
  } else {
    const snap = await readGroupSnapshot(storage);
    if (!snap) throw new UsageError(`--groups needs the groups' offsets: --groups-from the original cluster, or a snapshot in S3 (ferry backup groups); none found in ${storage.bucket}`);
    committed = new Map(Object.entries(snap.groups).filter(([g]) => re.test(g)));
  }
  const restoredTopics = new Map<string, string>();
  for (const r of runs) restoredTopics.set(r.topic, r.targetTopic);
  const out: Array<{ group: string; offsets: Array<{ topic: string; partition: number; offset: number }> }> = [];
  await withClusterAdmin(target, async (admin) => {
    for (const [group, offs] of committed) {
      const translated = offs.filter((o) => restoredTopics.has(o.topic)).map((o) => {
        const t = restoredTopics.get(o.topic)!;
        return { topic: t, partition: o.partition, offset: translateOffset(runs, o.topic, o.partition, o.offset, ends.get(`${t}\u0000${o.partition}`) ?? 0) };
      });
      if (translated.length === 0) continue;
      await admin.setGroupOffsets(group, translated);
      out.push({ group, offsets: translated });
    }
  }, 'ferry-restore-groups');
  return out;
}
