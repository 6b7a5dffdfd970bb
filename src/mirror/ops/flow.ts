// Running one replication flow inside the operations process (failback's reverse flow, `migrate start --run`),
// and rendering the mm2.properties to run it elsewhere instead. The flow is Ferry's dedicated mode
// (startMirrorMaker) restricted to one ordered pair, so it coordinates through the same worker topics on the
// target as a `ferry mirror` process with the same file would: a flow started here and later by an operator
// continue from the same offsets.
import { withClusterAdmin } from '../../kafka/cluster-admin.js';
import { writeProperties } from '../../config/properties.js';
import type { Mm2Config } from '../../connectors/mirror/mm2-properties.js';
import { startMirrorMaker, type MirrorMakerHandle } from '../dedicated.js';
import { ensureTopics, OpsError, OPS_EXIT, parseOpsMm2 } from './context.js';

/** mm2 properties with only source→target running (every other pair disabled, heartbeats included). */
export function singleFlowProperties(raw: Readonly<Record<string, string>>, source: string, target: string, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = { ...raw };
  const clusters = (out['clusters'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const c of [source, target]) if (!clusters.includes(c)) clusters.push(c);
  out['clusters'] = clusters.join(', ');
  for (const x of clusters) {
    for (const y of clusters) {
      if (x === y || (x === source && y === target)) continue;
      out[`${x}->${y}.enabled`] = 'false';
      out[`${x}->${y}.emit.heartbeats.enabled`] = 'false';
    }
  }
  out[`${source}->${target}.enabled`] = 'true';
  Object.assign(out, extra);
  return out;
}

/** The properties as a file `ferry mirror` (or Java's MirrorMaker) reads back the same: clusters first, flows last. */
export function renderProperties(props: Readonly<Record<string, string>>, header: string[] = []): string {
  const keys = Object.keys(props).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return writeProperties(keys.map((k): [string, string] => [k, props[k]!]), header.length > 0 ? header.join('\n') : undefined);
}

function rank(k: string): number {
  if (k === 'clusters') return 0;
  if (/^[^.>-]+\.bootstrap\.servers$/.test(k)) return 1;
  if (k.includes('->')) return 3;
  return 2;
}

/** Parses the single-flow properties into the dedicated-mode plan (only the one pair). */
export function singleFlowConfig(props: Record<string, string>, source: string, target: string): Mm2Config {
  const cfg = parseOpsMm2(props);
  const flows = cfg.flows.filter((f) => f.source === source && f.target === target);
  return { ...cfg, flows, enabledFlows: () => flows.filter((f) => f.replicationEnabled) };
}

/**
 * Creates the flow's worker topics on the target one by one before the herder starts (the herder creates its
 * three topics concurrently, which a fresh KRaft broker can answer with a spurious UNKNOWN_TOPIC_OR_PARTITION).
 */
export async function prepareFlowTopics(cfg: Mm2Config): Promise<void> {
  for (const flow of cfg.flows) {
    const w = flow.worker;
    return withClusterAdmin(w, async (admin) => {
      const rf = (k: string) => Number(w[`${k}.replication.factor`] ?? 3);
      await ensureTopics(admin, [
        { topic: w['config.storage.topic']!, partitions: 1, replicationFactor: rf('config.storage'), replicationFactorSetting: 'config.storage.replication.factor', configs: { 'cleanup.policy': 'compact' } },
        { topic: w['offset.storage.topic']!, partitions: Number(w['offset.storage.partitions'] ?? 25), replicationFactor: rf('offset.storage'), replicationFactorSetting: 'offset.storage.replication.factor', configs: { 'cleanup.policy': 'compact' } },
        { topic: w['status.storage.topic']!, partitions: Number(w['status.storage.partitions'] ?? 5), replicationFactor: rf('status.storage'), replicationFactorSetting: 'status.storage.replication.factor', configs: { 'cleanup.policy': 'compact' } },
      ]);
    }, 'ferry-ops-flow-topics');
  }
}

/** Starts source→target in this process. */
export async function startFlowInProcess(props: Record<string, string>, source: string, target: string): Promise<MirrorMakerHandle> {
  const cfg = singleFlowConfig(props, source, target);
  if (cfg.flows.length === 0) throw new OpsError(`no replication flow ${source}->${target} to run`, OPS_EXIT.usage);
  await prepareFlowTopics(cfg);
  return startMirrorMaker(cfg);
}
