// The status page's data (GET /ui/status.json): the workers of this process with their connectors and tasks
// (states, errors), and per mirroring flow its state, per-topic lag in records and seconds, checkpoint freshness
// per group and the recovery point. Worker data comes from the herders; mirror data from the metrics registry
// by series name (the same numbers /metrics serves), so the page and Prometheus never disagree.
import type { Registry } from 'prom-client';
import type { HealthTarget } from '../health.js';

export interface TaskView { id: number; state: string; workerId: string; trace: string | null; recordErrors: number | null; recordsSkipped: number | null }
export interface ConnectorView {
  name: string; type: string; state: string; workerId: string; trace: string | null;
  /** The mirror flow (`source->target`) from the connector's cluster aliases; null for other connectors. */
  flow: string | null; source: string | null; target: string | null;
  tasks: TaskView[];
}
export interface WorkerView { name: string; workerId: string; ready: boolean; connectors: ConnectorView[]; error: string | null }
export interface TopicView { topic: string; partitions: number; lagRecords: number; lagSeconds: number; recordsMirrored: number }
export interface CheckpointView { group: string; ageSeconds: number; latencyMs: number | null }
export interface FlowView {
  name: string;
  source: string;
  target: string;
  /** Worst state of the flow's connectors on this process's workers; null when none is known here. */
  state: string | null;
  recoveryPointSeconds: number | null;
  topics: TopicView[];
  checkpoints: CheckpointView[];
}
export interface StatusReport { generatedAt: string; workers: WorkerView[]; flows: FlowView[] }

type Sample = { labels: Record<string, string | number>; value: number };

async function samples(registry: Registry | null, name: string): Promise<Sample[]> {
  const m = registry?.getSingleMetric(name);
  if (!m) return [];
  return (await m.get()).values.map((v) => ({ labels: v.labels as Record<string, string | number>, value: v.value }));
}

const label = (s: Sample, k: string): string => String(s.labels[k] ?? '');

/** Worse states first: a flow shows the worst state among its connectors and tasks. */
const SEVERITY = ['FAILED', 'UNASSIGNED', 'RESTARTING', 'STOPPED', 'PAUSED', 'RUNNING'];
function worst(states: readonly string[]): string | null {
  let best: string | null = null;
  for (const s of states) if (best === null || SEVERITY.indexOf(s) < SEVERITY.indexOf(best)) best = s;
  return best;
}

function firstLine(trace: string | undefined): string | null {
  if (!trace) return null;
  const line = trace.split('\n', 1)[0] ?? '';
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}

async function workerView(t: HealthTarget, errorsByTask: Map<string, { errors: number; skipped: number }>): Promise<WorkerView> {
  const view: WorkerView = { name: t.name, workerId: '', ready: t.herder.ready(), connectors: [], error: null };
  if (!view.ready) return view;
  try {
    view.workerId = t.herder.workerId();
    for (const name of (await t.herder.connectors()).sort()) {
      const [st, cfg] = await Promise.all([t.herder.connectorStatus(name), t.herder.connectorConfig(name).catch(() => ({} as Record<string, string>))]);
      const source = cfg['source.cluster.alias'];
      const target = cfg['target.cluster.alias'];
      view.connectors.push({
        name, type: st.type, state: st.connector.state, workerId: st.connector.worker_id, trace: firstLine(st.connector.trace),
        flow: source && target ? `${source}->${target}` : null, source: source && target ? source : null, target: source && target ? target : null,
        tasks: st.tasks.map((task) => {
          const e = errorsByTask.get(`${name}\u0000${task.id}`);
          return { id: task.id, state: task.state, workerId: task.worker_id, trace: firstLine(task.trace), recordErrors: e?.errors ?? null, recordsSkipped: e?.skipped ?? null };
        }),
      });
    }
  } catch (e) {
    view.error = (e as Error).message;
  }
  return view;
}

export async function statusReport(targets: readonly HealthTarget[], registry: Registry | null, now = Date.now()): Promise<StatusReport> {
  const [lagRecords, lagMs, mirrored, ckptAge, ckptLatency, recovery, taskErrors, taskSkipped] = await Promise.all([
    samples(registry, 'ferry_mirror_lag_records'),
    samples(registry, 'ferry_mirror_lag_ms'),
    samples(registry, 'ferry_mirror_record_count'),
    samples(registry, 'ferry_mirror_checkpoint_age_seconds'),
    samples(registry, 'ferry_mirror_checkpoint_latency_ms'),
    samples(registry, 'ferry_mirror_recovery_point_seconds'),
    samples(registry, 'kafka_connect_task_error_total_record_errors'),
    samples(registry, 'kafka_connect_task_error_total_records_skipped'),
  ]);
  const errorsByTask = new Map<string, { errors: number; skipped: number }>();
  for (const s of taskErrors) errorsByTask.set(`${label(s, 'connector')}\u0000${label(s, 'task')}`, { errors: s.value, skipped: 0 });
  for (const s of taskSkipped) {
    const k = `${label(s, 'connector')}\u0000${label(s, 'task')}`;
    errorsByTask.set(k, { errors: errorsByTask.get(k)?.errors ?? 0, skipped: s.value });
  }
  const workers = await Promise.all(targets.map((t) => workerView(t, errorsByTask)));

  const flows = new Map<string, FlowView & { topicMap: Map<string, TopicView> }>();
  const flow = (source: string, target: string) => {
    const name = `${source}->${target}`;
    let f = flows.get(name);
    if (!f) {
      f = { name, source, target, state: null, recoveryPointSeconds: null, topics: [], checkpoints: [], topicMap: new Map() };
      flows.set(name, f);
    }
    return f;
  };
  // Dedicated mode names its workers after their flows, and mirror connectors name theirs in their config: a
  // flow shows even before its first metric.
  for (const w of workers) {
    const m = /^(.+)->(.+)$/.exec(w.name);
    if (m) flow(m[1]!, m[2]!);
    for (const c of w.connectors) if (c.source !== null && c.target !== null) flow(c.source, c.target);
  }
  const topic = (s: Sample) => {
    const f = flow(label(s, 'source'), label(s, 'target'));
    const name = label(s, 'topic');
    let t = f.topicMap.get(name);
    if (!t) { t = { topic: name, partitions: 0, lagRecords: 0, lagSeconds: 0, recordsMirrored: 0 }; f.topicMap.set(name, t); }
    return t;
  };
  for (const s of lagRecords) { const t = topic(s); t.partitions++; t.lagRecords += Math.max(0, s.value); }
  for (const s of lagMs) { const t = topic(s); t.lagSeconds = Math.max(t.lagSeconds, Math.max(0, s.value) / 1000); }
  for (const s of mirrored) topic(s).recordsMirrored += s.value;
  for (const s of recovery) flow(label(s, 'source'), label(s, 'target')).recoveryPointSeconds = s.value;
  const latency = new Map(ckptLatency.map((s) => [`${label(s, 'source')}\u0000${label(s, 'target')}\u0000${label(s, 'group')}`, s.value]));
  for (const s of ckptAge) {
    const key = `${label(s, 'source')}\u0000${label(s, 'target')}\u0000${label(s, 'group')}`;
    flow(label(s, 'source'), label(s, 'target')).checkpoints.push({ group: label(s, 'group'), ageSeconds: s.value, latencyMs: latency.get(key) ?? null });
  }
  for (const f of flows.values()) {
    const states: string[] = [];
    for (const w of workers) {
      for (const c of w.connectors) {
        if (c.flow !== f.name && !(c.flow === null && w.name === f.name)) continue;
        states.push(c.state, ...c.tasks.map((t) => t.state));
      }
    }
    f.state = worst(states);
  }
  return {
    generatedAt: new Date(now).toISOString(),
    workers,
    flows: [...flows.values()].sort((a, b) => a.name.localeCompare(b.name)).map(({ topicMap, ...f }) => ({
      ...f,
      topics: [...topicMap.values()].sort((a, b) => a.topic.localeCompare(b.topic)),
      checkpoints: f.checkpoints.sort((a, b) => a.group.localeCompare(b.group)),
    })),
  };
}
