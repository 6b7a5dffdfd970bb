// `ferry verify`, topics and configs: each selected topic exists on the target with at least as many partitions,
// and carries the configs the mirror would sync (excluded properties ignored; target-only settings noted).
import type { TopicConfigEntry } from '../../kafka/cluster-admin.js';
import { newTopicConfigs } from '../../connectors/mirror/topic-config-sync.js';
import { toPolicyEntries } from '../../connectors/mirror/source-connector.js';
import { renderTopicProblems } from './verify-render.js';
import type { ConfigDifference, TopicResult, VerifyScope } from './verify-types.js';

/** The result of every selected topic, its problems worded. */
export function checkTopics(scope: VerifyScope): TopicResult[] {
  return scope.topics.map((t) => {
    const tr = topicResult(scope, t);
    tr.problems.push(...renderTopicProblems(scope.flow, tr));
    return tr;
  });
}

/** One topic's partition counts on both sides and (when present on the target and checked) its config differences. */
function topicResult(scope: VerifyScope, t: string): TopicResult {
  const r = scope.remote.get(t)!;
  const tr: TopicResult = { topic: t, remoteTopic: r, sourcePartitions: scope.sourceCounts.get(t) ?? 0, targetPartitions: scope.targetCounts.get(r) ?? null, configDifferences: [], problems: [] };
  if (tr.targetPartitions !== null && scope.opts.checkConfigs !== false) {
    tr.configDifferences = configDifferences(scope, t, r, scope.sourceConfigs.get(t) ?? [], scope.targetConfigs.get(r) ?? []);
  }
  return tr;
}

/** The configs the mirror would set that the target lacks or differs in, then the replicable ones set only on the target. */
function configDifferences(scope: VerifyScope, t: string, r: string, sourceEntries: TopicConfigEntry[], actualEntries: TopicConfigEntry[]): ConfigDifference[] {
  const filter = scope.flow.sourceSettings.configPropertyFilter;
  const expected = newTopicConfigs(toPolicyEntries(sourceEntries), filter);
  const actual = new Map(actualEntries.map((e) => [e.name, e]));
  const out: ConfigDifference[] = [];
  for (const [k, v] of Object.entries(expected)) {
    const a = actual.get(k);
    if (!a || a.source !== 'dynamic-topic') out.push({ topic: t, remoteTopic: r, key: k, source: v, target: a?.value ?? null, kind: 'missing-on-target' });
    else if (a.value !== v) out.push({ topic: t, remoteTopic: r, key: k, source: v, target: a.value, kind: 'different' });
  }
  for (const a of actualEntries) {
    if (a.source !== 'dynamic-topic' || a.name in expected || !filter.shouldReplicateConfigProperty(a.name)) continue;
    const sv = sourceEntries.find((e) => e.name === a.name)?.value ?? null;
    out.push({ topic: t, remoteTopic: r, key: a.name, source: sv, target: a.value, kind: 'target-only' });
  }
  return out;
}
