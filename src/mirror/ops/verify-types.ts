// The shapes of `ferry verify`: its options, its report (every field is part of the JSON output), and the scope the
// verification steps share (verify.ts runs them; verify-*.ts compute one concern each; verify-render.ts words them).
import type { ClusterAdmin, TopicConfigEntry } from '../../kafka/cluster-admin.js';
import type { AclBinding } from '../../connectors/mirror/topic-config-sync.js';
import type { PatternList } from '../../connectors/mirror/filters.js';
import type { OffsetSegment } from '../../connectors/mirror/offset-map.js';
import type { CompareCounts, CompareResult } from './compare.js';
import type { FlowContext, PartitionEnds } from './context.js';

export interface VerifyOptions {
  topics?: PatternList | null;
  groups?: PatternList | null;
  /** Use these source topics instead of selecting (operations pass their own selection). */
  selectedTopics?: string[];
  selectedGroups?: string[];
  /** Partitions compared at once (default 4). */
  concurrency?: number;
  /** Compare only the last N mirrored records of each partition (0/undefined: everything). */
  tailRecords?: number;
  /** Records the mirror has not processed yet (lag) count as a mismatch. */
  strict?: boolean;
  /** Re-sent copies after a mirror crash do not count as a mismatch. */
  allowDuplicates?: boolean;
  checkData?: boolean;
  checkConfigs?: boolean;
  checkAcls?: boolean;
  onProgress?: (p: VerifyProgress) => void;
}

export interface VerifyProgress {
  partitionsDone: number;
  partitions: number;
  records: number;
  elapsedMs: number;
}

export type PartitionStatus = 'ok' | 'mismatch' | 'lagging' | 'unverified';

export interface PartitionResult {
  topic: string;
  remoteTopic: string;
  partition: number;
  status: PartitionStatus;
  source: PartitionEnds & { from: number; to: number };
  target: PartitionEnds & { from: number; to: number };
  mirror: { start: number | null; processedUpTo: number | null; lastUpstream: number | null; lastDownstream: number | null } | null;
  /** Source records the mirror has not processed yet. */
  lag: number;
  counts: CompareCounts;
  sourceSha256: string | null;
  targetSha256: string | null;
  details: CompareResult['details'] | null;
  /** Safety findings (expired before mirrored, re-created source, …). */
  safety: string[];
  problems: string[];
}

export interface ConfigDifference {
  topic: string;
  remoteTopic: string;
  key: string;
  source: string | null;
  target: string | null;
  kind: 'different' | 'missing-on-target' | 'target-only';
}

export interface TopicResult {
  topic: string;
  remoteTopic: string;
  sourcePartitions: number;
  targetPartitions: number | null;
  configDifferences: ConfigDifference[];
  problems: string[];
}

export interface AclResult {
  checked: boolean;
  reason?: string;
  missingOnTarget: AclBinding[];
  problems: string[];
}

export interface GroupPartitionResult {
  topic: string;
  remoteTopic: string;
  partition: number;
  sourceOffset: number;
  expectedTargetOffset: number | null;
  targetOffset: number | null;
  status: 'ok' | 'not-synced' | 'behind' | 'ahead' | 'untranslatable';
  note?: string;
}

export interface GroupResult {
  group: string;
  ok: boolean;
  partitions: GroupPartitionResult[];
  problems: string[];
}

export interface VerifyReport {
  from: string;
  to: string;
  ok: boolean;
  startedAt: string;
  elapsedMs: number;
  summary: {
    topics: number;
    partitions: number;
    partitionsOk: number;
    sourceRecords: number;
    targetRecords: number;
    matched: number;
    altered: number;
    missing: number;
    extra: number;
    duplicates: number;
    lag: number;
    bytes: number;
    recordsPerSecond: number;
  };
  topics: TopicResult[];
  partitions: PartitionResult[];
  acls: AclResult;
  groups: GroupResult[];
  /** One line per problem, each naming topic, partition, offsets or key precisely. */
  problems: string[];
  warnings: string[];
}

/** What every verification step reads: the flow, the options, both clusters and the selected topics' state. */
export interface VerifyScope {
  flow: FlowContext;
  opts: VerifyOptions;
  src: ClusterAdmin;
  tgt: ClusterAdmin;
  topics: string[];
  /** Source topic → its name on the target. */
  remote: Map<string, string>;
  sourceCounts: Map<string, number>;
  targetCounts: Map<string, number>;
  sourceConfigs: Map<string, TopicConfigEntry[]>;
  targetConfigs: Map<string, TopicConfigEntry[]>;
  /** The remote topics that exist on the target. */
  presentRemote: string[];
}

/** The aliases text names the clusters by. */
export interface ClusterNames { source: string; target: string }

/** What the offset map says about one partition: which ranges to compare, and what it reveals. */
export interface PartitionPlan {
  /**
   * unmapped: the flow's maps are unreadable, the logs are compared by position from their starts;
   * nothing-mirrored / source-recreated: nothing to compare; mapped: the ranges are aligned through the map.
   */
  kind: 'unmapped' | 'nothing-mirrored' | 'source-recreated' | 'mapped';
  runs: OffsetSegment[] | null;
  /** Source range [from, to) and target range [targetFrom, targetTo). */
  from: number;
  to: number;
  targetFrom: number;
  targetTo: number;
  mirror: PartitionResult['mirror'];
  /** Where the mirror has processed the source up to (the source's log start when no map says). */
  processed: number;
  lag: number;
  safety: string[];
}
