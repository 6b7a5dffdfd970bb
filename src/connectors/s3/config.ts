// S3 sink and source configuration: Confluent's S3 sink key names and defaults, declared once. Keys Confluent
// has but Ferry does not implement are refused by name when set (never accepted and ignored).
import { AbstractConfig, ConfigDef, ConfigError, NO_DEFAULT, Validators, type Props } from '../../connect/api/index.js';
import { FORMAT_ALIASES, LOSSLESS_FORMAT_CLASS } from './formats.js';
import { DEFAULT_PARTITIONER, PARTITIONER_CLASSES, TIME_BASED_PARTITIONER, dateTimeFormatFor, parsePathFormat, type TimestampExtractor } from './partitioners.js';
import type { ObjectNaming } from './naming.js';

export const S3_STORAGE_CLASS = 'io.confluent.connect.s3.storage.S3Storage';
export const DEFAULT_CREDENTIALS_PROVIDER = 'com.amazonaws.auth.DefaultAWSCredentialsProviderChain';
const MIN_PART_SIZE = 5 * 1024 * 1024;

const CONNECTION = 'Connector';
const STORAGE = 'Storage';
const PARTITIONER = 'Partitioner';

/** Keys shared by S3Sink and S3Source: where the objects are and how to reach them. */
function storageKeys(def: ConfigDef): ConfigDef {
  return def
    .define({ name: 's3.bucket.name', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH', group: STORAGE, validator: Validators.nonEmptyString(), documentation: 'The S3 bucket.' })
    .define({ name: 's3.region', type: 'STRING', defaultValue: 'us-west-2', importance: 'MEDIUM', group: STORAGE, documentation: 'The AWS region of the bucket.' })
    .define({ name: 'store.url', type: 'STRING', defaultValue: null, importance: 'HIGH', group: STORAGE, documentation: 'An S3-compatible endpoint (e.g. http://127.0.0.1:9000 for a local server); unset = AWS.' })
    .define({ name: 's3.path.style.access.enabled', type: 'BOOLEAN', defaultValue: true, importance: 'LOW', group: STORAGE, documentation: 'Path-style URLs (endpoint/bucket/key) instead of virtual-hosted ones.' })
    .define({ name: 'aws.access.key.id', type: 'STRING', defaultValue: '', importance: 'HIGH', group: STORAGE, documentation: 'Access key; empty = the standard provider chain (environment, shared config/credentials files, SSO, web identity, container and instance metadata).' })
    .define({ name: 'aws.secret.access.key', type: 'PASSWORD', defaultValue: '', importance: 'HIGH', group: STORAGE, documentation: 'Secret key (use a config provider, e.g. ${file:/etc/ferry/s3.properties:secret}).' })
    .define({ name: 's3.credentials.provider.class', type: 'CLASS', defaultValue: DEFAULT_CREDENTIALS_PROVIDER, importance: 'LOW', group: STORAGE, validator: Validators.oneOf([DEFAULT_CREDENTIALS_PROVIDER], false), documentation: 'Only the default chain (Ferry uses the AWS SDK v3 default provider chain).' })
    .define({ name: 's3.part.retries', type: 'INT', defaultValue: 3, importance: 'LOW', group: STORAGE, validator: Validators.atLeast(0), documentation: 'Retries of a failed S3 request (transient errors) before the task fails.' })
    .define({ name: 's3.retry.backoff.ms', type: 'LONG', defaultValue: 200, importance: 'LOW', group: STORAGE, validator: Validators.atLeast(0), documentation: 'Base backoff between retries.' })
    .define({ name: 'topics.dir', type: 'STRING', defaultValue: 'topics', importance: 'HIGH', group: CONNECTION, documentation: 'Top-level directory of the objects.' })
    .define({ name: 'directory.delim', type: 'STRING', defaultValue: '/', importance: 'LOW', group: CONNECTION, validator: Validators.nonEmptyString(), documentation: 'Directory delimiter.' })
    .define({ name: 'file.delim', type: 'STRING', defaultValue: '+', importance: 'LOW', group: CONNECTION, validator: Validators.nonEmptyString(), documentation: 'Delimiter between topic, partition and start offset in object names.' })
    .define({ name: 'filename.offset.zero.pad.width', type: 'INT', defaultValue: 10, importance: 'LOW', group: CONNECTION, validator: Validators.atLeast(0), documentation: 'Width the start offset is zero-padded to.' });
}

export function s3SinkConfigDef(): ConfigDef {
  return storageKeys(new ConfigDef())
    .define({ name: 'storage.class', type: 'CLASS', defaultValue: S3_STORAGE_CLASS, importance: 'HIGH', group: STORAGE, validator: Validators.oneOf([S3_STORAGE_CLASS], false), documentation: 'Only S3Storage.' })
    .define({ name: 'format.class', type: 'CLASS', defaultValue: NO_DEFAULT, importance: 'HIGH', group: CONNECTION, validator: Validators.oneOf(Object.keys(FORMAT_ALIASES), false), recommendedValues: Object.keys(FORMAT_ALIASES), documentation: `JsonFormat, ByteArrayFormat, or ${LOSSLESS_FORMAT_CLASS} (keys, values, headers, timestamps exactly; what S3Source and ferry restore read).` })
    .define({ name: 'format.bytearray.extension', type: 'STRING', defaultValue: '.bin', importance: 'LOW', group: CONNECTION, documentation: 'ByteArrayFormat: object extension.' })
    .define({ name: 'format.bytearray.separator', type: 'STRING', defaultValue: '\\n', importance: 'LOW', group: CONNECTION, documentation: 'ByteArrayFormat: bytes after each value (Java escapes such as \\n).' })
    .define({ name: 'flush.size', type: 'INT', defaultValue: NO_DEFAULT, importance: 'HIGH', group: CONNECTION, validator: Validators.atLeast(1), documentation: 'Records per Kafka partition before the open objects are written.' })
    .define({ name: 'rotate.interval.ms', type: 'LONG', defaultValue: -1, importance: 'HIGH', group: CONNECTION, documentation: 'Write the open objects when a record\'s timestamp (timestamp.extractor) is this far past the first one\'s; -1 off. Deterministic.' })
    .define({ name: 'rotate.schedule.interval.ms', type: 'LONG', defaultValue: -1, importance: 'MEDIUM', group: CONNECTION, documentation: 'Write the open objects on wall-clock boundaries; -1 off. Not deterministic: a restart may cut objects elsewhere (as in Confluent\'s).' })
    .define({ name: 's3.part.size', type: 'INT', defaultValue: 25 * 1024 * 1024, importance: 'LOW', group: STORAGE, validator: Validators.atLeast(MIN_PART_SIZE), documentation: 'Part size of multipart uploads; an object larger than this is uploaded in parts, so memory stays bounded.' })
    .define({ name: 's3.compression.type', type: 'STRING', defaultValue: 'none', importance: 'LOW', group: STORAGE, validator: Validators.oneOf(['none'], false), documentation: 'Only none.' })
    .define({ name: 'behavior.on.null.values', type: 'STRING', defaultValue: null, importance: 'LOW', group: CONNECTION, validator: Validators.oneOf(['fail', 'ignore', 'write']), documentation: 'fail, ignore or write a record whose value is null; default write for LosslessJsonFormat, fail otherwise (as Confluent).' })
    .define({ name: 'partitioner.class', type: 'CLASS', defaultValue: DEFAULT_PARTITIONER, importance: 'HIGH', group: PARTITIONER, validator: Validators.oneOf(Object.keys(PARTITIONER_CLASSES), false), documentation: 'DefaultPartitioner, FieldPartitioner, TimeBasedPartitioner, HourlyPartitioner or DailyPartitioner.' })
    .define({ name: 'partition.field.name', type: 'LIST', defaultValue: '', importance: 'MEDIUM', group: PARTITIONER, documentation: 'FieldPartitioner: value fields.' })
    .define({ name: 'path.format', type: 'STRING', defaultValue: '', importance: 'MEDIUM', group: PARTITIONER, documentation: "TimeBasedPartitioner: e.g. 'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH." })
    .define({ name: 'partition.duration.ms', type: 'LONG', defaultValue: -1, importance: 'MEDIUM', group: PARTITIONER, documentation: 'TimeBasedPartitioner: bucket duration.' })
    .define({ name: 'locale', type: 'STRING', defaultValue: '', importance: 'LOW', group: PARTITIONER, documentation: 'TimeBasedPartitioner: locale (path.format is numeric, so any locale gives the same path).' })
    .define({ name: 'timezone', type: 'STRING', defaultValue: '', importance: 'MEDIUM', group: PARTITIONER, documentation: 'Time zone (IANA) of path.format and rotate.schedule.interval.ms.' })
    .define({ name: 'timestamp.extractor', type: 'STRING', defaultValue: 'Wallclock', importance: 'MEDIUM', group: PARTITIONER, validator: Validators.oneOf(['Record', 'RecordField', 'Wallclock'], false), documentation: 'Record, RecordField or Wallclock.' })
    .define({ name: 'timestamp.field', type: 'STRING', defaultValue: 'timestamp', importance: 'LOW', group: PARTITIONER, documentation: 'RecordField: the value field.' });
}

/** Confluent S3 sink keys Ferry does not implement: refused when set rather than ignored. */
export const UNSUPPORTED_SINK_KEYS: readonly string[] = [
  's3.sse.customer.key', 's3.ssea.name', 's3.sse.kms.key.id', 's3.acl.canned', 's3.object.tagging', 's3.proxy.url',
  's3.wan.mode', 'schema.compatibility', 'store.kafka.keys', 'store.kafka.headers', 'keys.format.class', 'headers.format.class',
  'parquet.codec', 'avro.codec', 's3.http.send.expect.continue', 's3.object.behavior.on.tagging.error', 'behavior.on.null.keys',
  'format.bytearray.extension.keys', 'aws.sts.role.arn', 's3.elastic.buffer.enable', 'enhanced.avro.schema.support',
];

export interface StorageSettings {
  bucket: string;
  region: string;
  endpoint: string | null;
  pathStyle: boolean;
  accessKeyId: string | null;
  secretAccessKey: string | null;
  retries: number;
  retryBackoffMs: number;
  naming: ObjectNaming;
}

export interface S3SinkSettings extends StorageSettings {
  formatClass: string;
  byteArrayExtension: string;
  byteArraySeparator: string;
  flushSize: number;
  rotateIntervalMs: number;
  rotateScheduleIntervalMs: number;
  partSize: number;
  nullValues: 'fail' | 'ignore' | 'write';
  partitioner: {
    className: string; fieldNames: string[]; pathFormat: string; durationMs: number; timezone: string;
    extractor: TimestampExtractor; timestampField: string; directoryDelim: string;
  };
}

function unsupportedErrors(props: Props, keys: readonly string[]): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const k of keys) {
    if (props[k] !== undefined) errors[k] = [`${k} is a Confluent S3 sink setting that Ferry does not implement; remove it (it would otherwise be ignored).`];
  }
  return errors;
}

function storageSettings(cfg: AbstractConfig): StorageSettings {
  const endpoint = cfg.getOptionalString('store.url');
  const id = cfg.getString('aws.access.key.id');
  const secret = cfg.getPassword('aws.secret.access.key') ?? '';
  return {
    bucket: cfg.getString('s3.bucket.name'),
    region: cfg.getString('s3.region'),
    endpoint: endpoint === null || endpoint.trim() === '' ? null : endpoint.trim(),
    pathStyle: cfg.getBoolean('s3.path.style.access.enabled'),
    accessKeyId: id === '' ? null : id,
    secretAccessKey: secret === '' ? null : secret,
    retries: cfg.getInt('s3.part.retries'),
    retryBackoffMs: cfg.getLong('s3.retry.backoff.ms'),
    naming: {
      topicsDir: cfg.getString('topics.dir').replace(/\/+$/, ''),
      directoryDelim: cfg.getString('directory.delim'),
      fileDelim: cfg.getString('file.delim'),
      zeroPadWidth: cfg.getInt('filename.offset.zero.pad.width'),
    },
  };
}

/** Cross-key checks: returns per-key errors (empty when fine). */
export function s3SinkErrors(props: Props): Record<string, string[]> {
  const { values, errors } = s3SinkConfigDef().parseCollect(props);
  Object.assign(errors, unsupportedErrors(props, UNSUPPORTED_SINK_KEYS));
  const add = (k: string, m: string) => { (errors[k] ??= []).push(m); };
  const id = values['aws.access.key.id'] as string | undefined;
  const secret = values['aws.secret.access.key'] as string | null | undefined;
  if (id !== undefined && secret !== undefined && (id === '') !== ((secret ?? '') === '')) {
    add(id === '' ? 'aws.access.key.id' : 'aws.secret.access.key', 'aws.access.key.id and aws.secret.access.key go together: set both, or neither to use the standard provider chain.');
  }
  const url = values['store.url'] as string | null | undefined;
  if (url) {
    try {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') add('store.url', `store.url '${url}' must be an http:// or https:// URL`);
    } catch {
      add('store.url', `store.url '${url}' is not a URL (expected e.g. http://127.0.0.1:9000)`);
    }
  }
  const partitioner = PARTITIONER_CLASSES[String(values['partitioner.class'] ?? '')];
  const tz = String(values['timezone'] ?? '');
  const needsTz = partitioner === TIME_BASED_PARTITIONER || partitioner?.endsWith('HourlyPartitioner') || partitioner?.endsWith('DailyPartitioner') || Number(values['rotate.schedule.interval.ms'] ?? -1) > 0;
  if (tz !== '') {
    try { dateTimeFormatFor(tz); } catch { add('timezone', `timezone '${tz}' is not a known time zone (IANA name such as UTC or Europe/Paris)`); }
  } else if (needsTz) {
    add('timezone', `timezone is required with ${Number(values['rotate.schedule.interval.ms'] ?? -1) > 0 ? 'rotate.schedule.interval.ms' : 'partitioner.class ' + String(values['partitioner.class'])}`);
  }
  if (partitioner === TIME_BASED_PARTITIONER) {
    const pf = String(values['path.format'] ?? '');
    if (pf === '') add('path.format', 'path.format is required with TimeBasedPartitioner');
    else { try { parsePathFormat(pf); } catch (e) { add('path.format', (e as Error).message); } }
    if (Number(values['partition.duration.ms'] ?? -1) <= 0) add('partition.duration.ms', 'partition.duration.ms must be > 0 with TimeBasedPartitioner');
  } else if (partitioner === PARTITIONER_CLASSES['FieldPartitioner']) {
    if (((values['partition.field.name'] as string[] | undefined) ?? []).length === 0) add('partition.field.name', 'partition.field.name is required with FieldPartitioner');
  }
  if (partitioner?.endsWith('HourlyPartitioner') || partitioner?.endsWith('DailyPartitioner')) {
    for (const k of ['path.format', 'partition.duration.ms'] as const) {
      if (props[k] !== undefined) add(k, `${k} is fixed by ${String(values['partitioner.class'])}; use TimeBasedPartitioner to choose it`);
    }
  }
  const isTimeBased = partitioner === TIME_BASED_PARTITIONER || partitioner?.endsWith('HourlyPartitioner') || partitioner?.endsWith('DailyPartitioner');
  if (!isTimeBased) {
    for (const k of ['path.format', 'partition.duration.ms', 'timestamp.field'] as const) {
      if (props[k] !== undefined) add(k, `${k} only applies to a time-based partitioner.class (got ${String(values['partitioner.class'])})`);
    }
    if (props['timestamp.extractor'] !== undefined) {
      add('timestamp.extractor', 'timestamp.extractor only applies to a time-based partitioner.class (with other partitioners rotate.interval.ms uses the record timestamp)');
    }
  }
  if (partitioner !== PARTITIONER_CLASSES['FieldPartitioner'] && props['partition.field.name'] !== undefined) {
    add('partition.field.name', 'partition.field.name only applies to FieldPartitioner');
  }
  const fmt = FORMAT_ALIASES[String(values['format.class'] ?? '')];
  if (fmt !== FORMAT_ALIASES['ByteArrayFormat']) {
    for (const k of ['format.bytearray.extension', 'format.bytearray.separator']) if (props[k] !== undefined) add(k, `${k} only applies to format.class ByteArrayFormat`);
  }
  const rot = Number(values['rotate.interval.ms'] ?? -1);
  if (rot === 0 || rot < -1) add('rotate.interval.ms', 'rotate.interval.ms must be -1 (off) or > 0');
  const sched = Number(values['rotate.schedule.interval.ms'] ?? -1);
  if (sched === 0 || sched < -1) add('rotate.schedule.interval.ms', 'rotate.schedule.interval.ms must be -1 (off) or > 0');
  return errors;
}

function throwIfErrors(errors: Record<string, string[]>): void {
  const lines = Object.values(errors).flat();
  if (lines.length > 0) throw new ConfigError(lines.length === 1 ? lines[0]! : `Invalid S3 configuration (${lines.length} errors):\n${lines.join('\n')}`, errors);
}

export function parseS3SinkConfig(props: Props): S3SinkSettings {
  throwIfErrors(s3SinkErrors(props));
  const cfg = new AbstractConfig(s3SinkConfigDef(), props);
  const formatClass = FORMAT_ALIASES[cfg.getString('format.class')]!;
  const nulls = cfg.getOptionalString('behavior.on.null.values');
  return {
    ...storageSettings(cfg),
    formatClass,
    byteArrayExtension: cfg.getString('format.bytearray.extension'),
    byteArraySeparator: cfg.getString('format.bytearray.separator'),
    flushSize: cfg.getInt('flush.size'),
    rotateIntervalMs: cfg.getLong('rotate.interval.ms'),
    rotateScheduleIntervalMs: cfg.getLong('rotate.schedule.interval.ms'),
    partSize: cfg.getInt('s3.part.size'),
    nullValues: (nulls?.toLowerCase() as 'fail' | 'ignore' | 'write' | undefined) ?? (formatClass === LOSSLESS_FORMAT_CLASS ? 'write' : 'fail'),
    partitioner: {
      className: cfg.getString('partitioner.class'),
      fieldNames: cfg.getList('partition.field.name'),
      pathFormat: cfg.getString('path.format'),
      durationMs: cfg.getLong('partition.duration.ms'),
      timezone: cfg.getString('timezone') || 'UTC',
      extractor: cfg.getString('timestamp.extractor') as TimestampExtractor,
      timestampField: cfg.getString('timestamp.field'),
      directoryDelim: cfg.getString('directory.delim'),
    },
  };
}

// ---- S3Source ----

export function s3SourceConfigDef(): ConfigDef {
  return storageKeys(new ConfigDef())
    .define({ name: 'format.class', type: 'CLASS', defaultValue: LOSSLESS_FORMAT_CLASS, importance: 'HIGH', group: CONNECTION, validator: Validators.oneOf([LOSSLESS_FORMAT_CLASS, 'LosslessJsonFormat'], false), documentation: 'Only LosslessJsonFormat: the other formats do not keep keys, headers and timestamps.' })
    .define({ name: 'topics', type: 'LIST', defaultValue: NO_DEFAULT, importance: 'HIGH', group: CONNECTION, validator: Validators.nonNullList(), documentation: 'Backed-up topics to restore (directories under topics.dir).' })
    .define({ name: 'topic.rename.format', type: 'STRING', defaultValue: '${topic}', importance: 'MEDIUM', group: CONNECTION, documentation: 'Target topic name; ${topic} is the backed-up name (e.g. restored.${topic}).' })
    .define({ name: 'batch.max.records', type: 'INT', defaultValue: 2000, importance: 'LOW', group: CONNECTION, validator: Validators.atLeast(1), documentation: 'Records per poll.' });
}

export interface S3SourceSettings extends StorageSettings {
  topics: string[];
  renameFormat: string;
  batchMaxRecords: number;
}

export function s3SourceErrors(props: Props): Record<string, string[]> {
  const { values, errors } = s3SourceConfigDef().parseCollect(props);
  const rename = values['topic.rename.format'];
  if (typeof rename === 'string' && !rename.includes('${topic}') && ((values['topics'] as string[] | undefined)?.length ?? 0) > 1) {
    (errors['topic.rename.format'] ??= []).push('topic.rename.format must contain ${topic} when several topics are restored (they would all go to one topic)');
  }
  return errors;
}

export function parseS3SourceConfig(props: Props): S3SourceSettings {
  throwIfErrors(s3SourceErrors(props));
  const cfg = new AbstractConfig(s3SourceConfigDef(), props);
  return {
    ...storageSettings(cfg),
    topics: cfg.getList('topics').map((t) => t.trim()).filter((t) => t !== ''),
    renameFormat: cfg.getString('topic.rename.format'),
    batchMaxRecords: cfg.getInt('batch.max.records'),
  };
}

export function renameTopic(format: string, topic: string): string {
  return format.split('${topic}').join(topic);
}
