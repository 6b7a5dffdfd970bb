// Distributed worker keys (Connect's DistributedConfig) on top of the common worker keys.
import { AbstractConfig, ConfigDef, NO_DEFAULT, Validators } from '../api/config-def.js';
import { workerConfigDef } from '../runtime/worker-config.js';

export type ExactlyOnceSourceSupport = 'disabled' | 'preparing' | 'enabled';

export function distributedConfigDef(): ConfigDef {
  return new ConfigDef()
    .define({ name: 'group.id', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH', documentation: 'The Connect group this worker belongs to.', validator: Validators.nonEmptyString() })
    .define({ name: 'config.storage.topic', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH', documentation: 'Topic holding connector and task configurations (one partition, compacted).', validator: Validators.nonEmptyString() })
    .define({ name: 'config.storage.replication.factor', type: 'SHORT', defaultValue: 3, importance: 'LOW', documentation: 'Replication factor of the config topic when created (-1: broker default).' })
    .define({ name: 'offset.storage.topic', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH', documentation: 'Topic holding source connector offsets (compacted).', validator: Validators.nonEmptyString() })
    .define({ name: 'offset.storage.partitions', type: 'INT', defaultValue: 25, importance: 'LOW', documentation: 'Partitions of the offsets topic when created (-1: broker default).' })
    .define({ name: 'offset.storage.replication.factor', type: 'SHORT', defaultValue: 3, importance: 'LOW', documentation: 'Replication factor of the offsets topic when created (-1: broker default).' })
    .define({ name: 'status.storage.topic', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH', documentation: 'Topic holding connector and task statuses (compacted).', validator: Validators.nonEmptyString() })
    .define({ name: 'status.storage.partitions', type: 'INT', defaultValue: 5, importance: 'LOW', documentation: 'Partitions of the status topic when created (-1: broker default).' })
    .define({ name: 'status.storage.replication.factor', type: 'SHORT', defaultValue: 3, importance: 'LOW', documentation: 'Replication factor of the status topic when created (-1: broker default).' })
    .define({ name: 'session.timeout.ms', type: 'INT', defaultValue: 10_000, importance: 'HIGH', documentation: 'Group session timeout: a worker silent this long is removed from the group.' })
    .define({ name: 'heartbeat.interval.ms', type: 'INT', defaultValue: 3_000, importance: 'HIGH', documentation: 'Interval between heartbeats to the group coordinator.' })
    .define({ name: 'rebalance.timeout.ms', type: 'INT', defaultValue: 60_000, importance: 'HIGH', documentation: 'Longest time a worker may take to rejoin during a rebalance.' })
    .define({ name: 'scheduled.rebalance.max.delay.ms', type: 'INT', defaultValue: 300_000, importance: 'LOW', documentation: 'How long the work of a departed worker waits for it to return before it is reassigned.', validator: Validators.atLeast(0) })
    .define({ name: 'connect.protocol', type: 'STRING', defaultValue: 'sessioned', importance: 'LOW', documentation: 'Group sub-protocol: eager, compatible or sessioned.', validator: Validators.oneOf(['eager', 'compatible', 'sessioned']) })
    .define({ name: 'worker.sync.timeout.ms', type: 'INT', defaultValue: 3_000, importance: 'MEDIUM', documentation: 'How long a worker waits to catch up with the config topic before it rejoins.' })
    .define({ name: 'worker.unsync.backoff.ms', type: 'INT', defaultValue: 300_000, importance: 'MEDIUM', documentation: 'Back-off after failing to catch up with the config topic (capped at 5 s by Ferry).' })
    .define({ name: 'inter.worker.key.generation.algorithm', type: 'STRING', defaultValue: 'HmacSHA256', importance: 'LOW', documentation: 'Algorithm of the session key (sessioned protocol).' })
    .define({ name: 'inter.worker.key.size', type: 'INT', defaultValue: null, importance: 'LOW', documentation: 'Session key size in bits (default 256).' })
    .define({ name: 'inter.worker.key.ttl.ms', type: 'INT', defaultValue: 3_600_000, importance: 'LOW', documentation: 'Session key rotation interval.' })
    .define({ name: 'inter.worker.signature.algorithm', type: 'STRING', defaultValue: 'HmacSHA256', importance: 'LOW', documentation: 'Algorithm used to sign internal requests.' })
    .define({ name: 'inter.worker.verification.algorithms', type: 'LIST', defaultValue: 'HmacSHA256', importance: 'LOW', documentation: 'Algorithms accepted for internal request signatures.' })
    .define({ name: 'exactly.once.source.support', type: 'STRING', defaultValue: 'disabled', importance: 'HIGH', documentation: 'Exactly-once source support (KIP-618): enabled gives every source task a transactional producer (transactional.id <group.id>-<connector>-<task>) that writes its records and their source offsets in one transaction, and fences the producers of earlier task generations; preparing reads the offsets topic read_committed and answers fencing requests, without transactions of its own (the step of a rolling upgrade from disabled to enabled).', validator: Validators.oneOf(['disabled', 'preparing', 'enabled']) })
    .merge(workerConfigDef());
}

export class DistributedConfig extends AbstractConfig {
  constructor(props: Readonly<Record<string, string>>) {
    super(distributedConfigDef(), props);
  }

  /** exactly.once.source.support, lower-cased (Connect reads it case-insensitively). */
  exactlyOnceSourceSupport(): ExactlyOnceSourceSupport {
    return this.getString('exactly.once.source.support').toLowerCase() as ExactlyOnceSourceSupport;
  }

  /** Topic-level configs given as `<prefix>.<topic config>` (e.g. config.storage.min.insync.replicas). */
  topicSettings(prefix: 'config.storage' | 'offset.storage' | 'status.storage'): Record<string, string> {
    const own = new Set(['topic', 'partitions', 'replication.factor']);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.originalsWithPrefix(`${prefix}.`))) if (!own.has(k)) out[k] = v;
    return out;
  }
}
