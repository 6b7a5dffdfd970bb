// The one mm2.properties both tools get for a run. Aliases are unique per run (src<N>, tgt<N>), so every
// run starts with fresh MM2 state: its own Connect group and internal topics on the target, its own
// offset-syncs topic on the source, its own checkpoints topic. IdentityReplicationPolicy keeps topic names.
import { SINGLE_BROKER_REPLICATION } from '../../src/dev/mm2-local.js';

export interface ProducerSettings {
  acks: string;
  batchSize: number;
  lingerMs: number;
  compression: string;
  bufferMemory: number;
}

export interface MirrorRunConfig {
  sourceAlias: string;
  targetAlias: string;
  sourceBootstrap: string;
  targetBootstrap: string;
  /** Java regex for the topics to mirror. */
  topics: string;
  /** Java regex for the consumer groups to checkpoint. */
  groups: string;
  tasksMax: number;
  producer: ProducerSettings;
  emitCheckpointsIntervalSeconds: number;
  syncGroupOffsets: boolean;
  refreshGroupsIntervalSeconds: number;
  refreshTopicsIntervalSeconds: number;
  /** Anything else, appended last (wins). */
  extra?: Record<string, string>;
}

export const IDENTITY_POLICY = 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy';

export function mm2Properties(c: MirrorRunConfig): Record<string, string> {
  const s = c.sourceAlias;
  const t = c.targetAlias;
  const props: Record<string, string> = {
    'clusters': `${s}, ${t}`,
    [`${s}.bootstrap.servers`]: c.sourceBootstrap,
    [`${t}.bootstrap.servers`]: c.targetBootstrap,
    [`${s}->${t}.enabled`]: 'true',
    [`${s}->${t}.topics`]: c.topics,
    [`${s}->${t}.groups`]: c.groups,
    [`${t}->${s}.enabled`]: 'false',
    // Otherwise MM2 still runs a reverse herder just for heartbeats.
    [`${t}->${s}.emit.heartbeats.enabled`]: 'false',
    'replication.policy.class': IDENTITY_POLICY,
    'tasks.max': String(c.tasksMax),
    ...SINGLE_BROKER_REPLICATION,
    // No authorizer on the benchmark clusters.
    'sync.topic.acls.enabled': 'false',
    'refresh.topics.interval.seconds': String(c.refreshTopicsIntervalSeconds),
    'refresh.groups.interval.seconds': String(c.refreshGroupsIntervalSeconds),
    'emit.checkpoints.interval.seconds': String(c.emitCheckpointsIntervalSeconds),
    'sync.group.offsets.enabled': String(c.syncGroupOffsets),
    'sync.group.offsets.interval.seconds': String(c.emitCheckpointsIntervalSeconds),
    // Producer of the mirrored records (the worker's producer.* config, from <target>.producer.*).
    [`${t}.producer.acks`]: c.producer.acks,
    [`${t}.producer.batch.size`]: String(c.producer.batchSize),
    [`${t}.producer.linger.ms`]: String(c.producer.lingerMs),
    [`${t}.producer.compression.type`]: c.producer.compression,
    [`${t}.producer.buffer.memory`]: String(c.producer.bufferMemory),
    ...c.extra,
  };
  return props;
}

/** Renders properties in file order, escaping backslashes as java.util.Properties expects. */
export function renderProperties(props: Record<string, string>, header = 'Written by bench/run.ts for one benchmark run.'): string {
  const esc = (v: string) => v.replace(/\\/g, '\\\\');
  return `# ${header}\n` + Object.entries(props).map(([k, v]) => `${k} = ${esc(v)}`).join('\n') + '\n';
}

/** Java regex matching exactly the given topic names. */
export function exactTopicsRegex(topics: readonly string[]): string {
  return topics.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}
