// Framework-level connector keys (ConnectorConfig / SinkConnectorConfig / SourceConnectorConfig in Connect).
import { ConfigDef, NO_DEFAULT, Validators } from '../api/config-def.js';
import { compileJavaRegex } from '../api/java-regex.js';
import type { SourceConnector } from '../api/connector.js';

export const COMMON_GROUP = 'Common';
export const ERROR_GROUP = 'Error Handling';

function common(def: ConfigDef): ConfigDef {
  let order = 0;
  return def
    .define({ name: 'name', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH', documentation: 'Globally unique name to use for this connector.', group: COMMON_GROUP, orderInGroup: ++order, validator: Validators.nonEmptyString(), displayName: 'Connector name' })
    .define({ name: 'connector.class', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH', documentation: 'Name or alias of the class for this connector.', group: COMMON_GROUP, orderInGroup: ++order, displayName: 'Connector class' })
    .define({ name: 'tasks.max', type: 'INT', defaultValue: 1, importance: 'HIGH', documentation: 'Maximum number of tasks to use for this connector.', group: COMMON_GROUP, orderInGroup: ++order, validator: Validators.atLeast(1), displayName: 'Tasks max' })
    .define({ name: 'tasks.max.enforce', type: 'BOOLEAN', defaultValue: true, importance: 'LOW', documentation: '(Deprecated) Whether to fail a connector that generates more task configs than tasks.max.', group: COMMON_GROUP, orderInGroup: ++order })
    .define({ name: 'key.converter', type: 'CLASS', defaultValue: null, importance: 'LOW', documentation: 'Converter for record keys; overrides the worker default.', group: COMMON_GROUP, orderInGroup: ++order })
    .define({ name: 'value.converter', type: 'CLASS', defaultValue: null, importance: 'LOW', documentation: 'Converter for record values; overrides the worker default.', group: COMMON_GROUP, orderInGroup: ++order })
    .define({ name: 'header.converter', type: 'CLASS', defaultValue: null, importance: 'LOW', documentation: 'Converter for record headers; overrides the worker default.', group: COMMON_GROUP, orderInGroup: ++order })
    .define({ name: 'transforms', type: 'LIST', defaultValue: [], importance: 'LOW', documentation: 'Aliases for the transformations to apply to records, in order.', group: 'Transforms', orderInGroup: ++order })
    .define({ name: 'predicates', type: 'LIST', defaultValue: [], importance: 'LOW', documentation: 'Aliases for the predicates used by transformations.', group: 'Predicates', orderInGroup: ++order })
    .define({ name: 'config.action.reload', type: 'STRING', defaultValue: 'restart', importance: 'LOW', documentation: 'What to do when external config providers change: none or restart.', group: COMMON_GROUP, orderInGroup: order + 1, validator: Validators.oneOf(['none', 'restart']) })
    .define({ name: 'errors.retry.timeout', type: 'LONG', defaultValue: 0, importance: 'MEDIUM', documentation: 'Maximum duration in milliseconds that a failed operation is retried; 0 = no retries, -1 = forever.', group: ERROR_GROUP, orderInGroup: 1, validator: Validators.atLeast(-1) })
    .define({ name: 'errors.retry.delay.max.ms', type: 'LONG', defaultValue: 60_000, importance: 'MEDIUM', documentation: 'Maximum delay between consecutive retries (backoff starts at 300 ms and doubles).', group: ERROR_GROUP, orderInGroup: 2, validator: Validators.atLeast(1) })
    .define({ name: 'errors.tolerance', type: 'STRING', defaultValue: 'none', importance: 'MEDIUM', documentation: "Behaviour for errors in conversion and transformation: 'none' fails the task, 'all' skips problematic records.", group: ERROR_GROUP, orderInGroup: 3, validator: Validators.oneOf(['none', 'all']) })
    .define({ name: 'errors.log.enable', type: 'BOOLEAN', defaultValue: false, importance: 'MEDIUM', documentation: 'Log each error (and its context) that the tolerance setting skips.', group: ERROR_GROUP, orderInGroup: 4 })
    .define({ name: 'errors.log.include.messages', type: 'BOOLEAN', defaultValue: false, importance: 'MEDIUM', documentation: 'Include the record (topic, partition, offset, key and value metadata) in error logs.', group: ERROR_GROUP, orderInGroup: 5 });
}

export function sourceConnectorConfigDef(): ConfigDef {
  return common(new ConfigDef())
    .define({ name: 'topic.creation.groups', type: 'LIST', defaultValue: [], importance: 'LOW', documentation: 'Groups of topic creation settings beyond topic.creation.default.*.', group: 'Topic Creation' })
    .define({ name: 'exactly.once.support', type: 'STRING', defaultValue: 'requested', importance: 'MEDIUM', documentation: 'requested or required (KIP-618). required: the connector is refused unless the worker runs exactly.once.source.support=enabled and the connector declares exactly-once support for this configuration.', group: COMMON_GROUP, validator: Validators.oneOf(['requested', 'required']) })
    .define({ name: 'transaction.boundary', type: 'STRING', defaultValue: 'poll', importance: 'MEDIUM', documentation: 'Where an exactly-once task ends its transactions: poll (after every batch poll() returns), interval (every transaction.boundary.interval.ms) or connector (where the connector says; only connectors that declare it).', group: COMMON_GROUP, validator: Validators.oneOf(['poll', 'interval', 'connector']) })
    .define({ name: 'transaction.boundary.interval.ms', type: 'LONG', defaultValue: null, importance: 'LOW', documentation: 'With transaction.boundary=interval: how long a transaction stays open (default: the worker\'s offset.flush.interval.ms).', group: COMMON_GROUP, validator: Validators.atLeast(0) })
    .define({ name: 'offsets.storage.topic', type: 'STRING', defaultValue: null, importance: 'LOW', documentation: 'Distributed mode: this connector\'s own source-offsets topic, created when missing on the cluster its producer writes to (producer.override.bootstrap.servers, else the worker\'s). Offsets are read from it first, then from the worker\'s offset.storage.topic; writes go to both. Unset: the worker\'s topic only. Refused by a standalone worker.', group: COMMON_GROUP });
}

export function sinkConnectorConfigDef(): ConfigDef {
  return common(new ConfigDef())
    .define({ name: 'topics', type: 'LIST', defaultValue: [], importance: 'HIGH', documentation: 'Topics to consume. Exactly one of topics or topics.regex is required.', group: COMMON_GROUP, orderInGroup: 4 })
    .define({ name: 'topics.regex', type: 'STRING', defaultValue: '', importance: 'HIGH', documentation: 'Regular expression of topics to consume.', group: COMMON_GROUP, orderInGroup: 4, validator: Validators.regex() })
    .define({ name: 'errors.deadletterqueue.topic.name', type: 'STRING', defaultValue: '', importance: 'MEDIUM', documentation: 'Topic that receives records that failed conversion or transformation (with errors.tolerance=all).', group: ERROR_GROUP, orderInGroup: 6 })
    .define({ name: 'errors.deadletterqueue.topic.replication.factor', type: 'SHORT', defaultValue: 3, importance: 'MEDIUM', documentation: 'Replication factor of the dead letter queue topic when Ferry creates it (-1: the broker default). Never reduced: a factor larger than the live brokers fails the task.', group: ERROR_GROUP, orderInGroup: 7 })
    .define({ name: 'errors.deadletterqueue.context.headers.enable', type: 'BOOLEAN', defaultValue: false, importance: 'MEDIUM', documentation: 'Add __connect.errors.* headers describing the failure to dead-lettered records.', group: ERROR_GROUP, orderInGroup: 8 });
}

/** What the worker offers a source connector: its exactly.once.source.support (standalone workers: disabled). */
export type WorkerExactlyOnce = 'disabled' | 'preparing' | 'enabled';

/** The parts of a source connector KIP-618's pre-flight checks ask. */
export type ExactlyOnceCapable = Pick<SourceConnector, 'exactlyOnceSupport' | 'canDefineTransactionBoundaries'>;

/**
 * KIP-618's pre-flight checks of a source connector's exactly-once keys against what the worker runs, as
 * per-key errors. Ferry refuses rather than ignores: a key that asks for something the worker will not do
 * (required on a worker without exactly-once, a boundary on a worker without transactions) is an error.
 */
export function sourceExactlyOnceChecks(config: Readonly<Record<string, string>>, connector: ExactlyOnceCapable, mode: WorkerExactlyOnce | 'standalone'): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const worker: WorkerExactlyOnce = mode === 'standalone' ? 'disabled' : mode;
  const support = (config['exactly.once.support'] ?? 'requested').trim().toLowerCase();
  const boundary = (config['transaction.boundary'] ?? 'poll').trim().toLowerCase();
  const props = { ...config } as Record<string, string>;
  if (support === 'required') {
    if (worker !== 'enabled') {
      errors['exactly.once.support'] = [`exactly.once.support=required needs a distributed worker with exactly.once.source.support=enabled; this worker runs ${worker === 'disabled' ? 'without exactly-once source support (standalone mode, or exactly.once.source.support=disabled)' : 'exactly.once.source.support=preparing'}. Use requested, or enable it on every worker.`];
    } else {
      const declared = connector.exactlyOnceSupport ? connector.exactlyOnceSupport(props) : undefined;
      if (declared === undefined) errors['exactly.once.support'] = ['The connector does not implement the API required for preflight validation of exactly-once source support. Use exactly.once.support=requested if it is known to be safe.'];
      else if (declared !== 'SUPPORTED') errors['exactly.once.support'] = ['The connector does not support exactly-once semantics with the provided configuration.'];
    }
  }
  if (worker !== 'enabled') {
    for (const key of ['transaction.boundary', 'transaction.boundary.interval.ms'] as const) {
      if (config[key] !== undefined && !(key === 'transaction.boundary' && boundary === 'poll')) {
        errors[key] = [`${key} applies only to exactly-once source tasks, and this worker runs without them (exactly.once.source.support=${worker}); remove it, or enable exactly-once source support on every worker.`];
      }
    }
  } else {
    if (boundary === 'connector' && connector.canDefineTransactionBoundaries?.(props) !== 'SUPPORTED') {
      errors['transaction.boundary'] = ['The connector does not support connector-defined transaction boundaries with the given configuration. Use transaction.boundary=poll or interval.'];
    }
    if (config['transaction.boundary.interval.ms'] !== undefined && boundary !== 'interval') {
      errors['transaction.boundary.interval.ms'] = [`transaction.boundary.interval.ms applies only with transaction.boundary=interval (this connector has transaction.boundary=${boundary}).`];
    }
  }
  const offsetsTopic = config['offsets.storage.topic'];
  if (mode === 'standalone' && offsetsTopic !== undefined && offsetsTopic.trim() !== '') {
    errors['offsets.storage.topic'] = ['A per-connector offsets topic needs a distributed worker; a standalone worker keeps source offsets in offset.storage.file.filename. Remove the key.'];
  }
  return errors;
}

/** Rules that span keys (Connect's SinkConnectorConfig.validate). Returns per-key errors. */
export function sinkCrossChecks(config: Readonly<Record<string, string>>): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const topics = (config['topics'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const regex = (config['topics.regex'] ?? '').trim();
  if (topics.length > 0 && regex !== '') {
    const msg = 'topics and topics.regex are mutually exclusive options, but both are set.';
    errors['topics'] = [msg];
    errors['topics.regex'] = [msg];
  } else if (topics.length === 0 && regex === '') {
    const msg = 'Must configure one of topics or topics.regex';
    errors['topics'] = [msg];
    errors['topics.regex'] = [msg];
  }
  const dlq = (config['errors.deadletterqueue.topic.name'] ?? '').trim();
  if (dlq !== '') {
    if (topics.includes(dlq) || (regex !== '' && fullMatch(regex, dlq))) {
      errors['errors.deadletterqueue.topic.name'] = [`The DLQ topic '${dlq}' may not be included in the list of topics ('topics' or 'topics.regex') to be consumed.`];
    }
  }
  return errors;
}

// A pattern that does not compile is reported against topics.regex by its validator; here it matches nothing.
function fullMatch(pattern: string, name: string): boolean {
  try {
    return compileJavaRegex(pattern, true).test(name);
  } catch {
    return false;
  }
}
