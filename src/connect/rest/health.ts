// Liveness and readiness for container orchestrators, next to Connect's GET /health (KIP-1017):
//
//   GET /health/live   200 unless the process is wedged: a herder whose request queue does not answer within
//                      the health-check timeout (its "tick" no longer progresses), or an event loop that stalled
//                      longer than `eventLoopStallMs` within the last `stallWindowMs`. 503 otherwise. A worker that
//                      is still starting is live (a slow group join must not get the pod killed).
//   GET /health/ready  200 once every worker of the process has joined its group (distributed) or started
//                      (standalone) and every task assigned to it has been started (RUNNING, PAUSED or FAILED
//                      on this worker; a FAILED task is reported but does not make the worker unready, since a
//                      restart would not help and the REST API is serving). 503 otherwise.
//
// Both are answered without authentication (probes cannot carry a password without putting it in the pod
// spec) and tell only states and counts: no configuration, no stack trace.
import type { RestHerder } from './context.js';

export interface HealthOptions {
  /** A stall of the event loop at least this long fails liveness (default 10 000 ms). */
  eventLoopStallMs?: number;
  /** ... for this long after it happened (default 60 000 ms). */
  stallWindowMs?: number;
  /** How long a herder's request queue may take to answer (default: the server's healthCheckTimeoutMs). */
  herderTimeoutMs?: number;
}

/** A worker of this process whose health the probes report: one in Connect modes, one per flow in dedicated mode. */
export interface HealthTarget {
  /** Shown in the probe's answer: the worker id, or the flow (`A->B`) in dedicated mode. */
  name: string;
  herder: RestHerder;
  /** Connectors this worker's group must have before it is ready (dedicated mode: the flow's three). */
  expectedConnectors?: readonly string[];
}

export interface Check { name: string; ok: boolean; message: string }
export interface ProbeResult { status: 'ok' | 'failing'; checks: Check[] }

/**
 * Watches the event loop: a repeating timer notes how late it fires; a late timer means the loop was blocked
 * for that long. The longest recent stall is kept with when it ended.
 */
export class EventLoopWatchdog {
  private timer: NodeJS.Timeout | null = null;
  private expected = 0;
  private stalls: { at: number; ms: number }[] = [];

  constructor(private readonly intervalMs = 100, private readonly keepMs = 600_000, private readonly minStallMs = 200) {}

  start(): void {
    if (this.timer) return;
    this.expected = Date.now() + this.intervalMs;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    const now = Date.now();
    const late = now - this.expected;
    this.expected = now + this.intervalMs;
    if (late >= this.minStallMs) this.stalls.push({ at: now, ms: late });
    const horizon = now - this.keepMs;
    while (this.stalls.length > 0 && (this.stalls[0]!.at < horizon || this.stalls.length > 1000)) this.stalls.shift();
  }

  /** The longest stall that ended within `windowMs`, including one going on now (the timer is overdue). */
  worstStall(windowMs: number, now = Date.now()): { ms: number; agoMs: number } | null {
    let worst: { ms: number; agoMs: number } | null = null;
    for (const s of this.stalls) if (s.at >= now - windowMs && (!worst || s.ms > worst.ms)) worst = { ms: s.ms, agoMs: now - s.at };
    const overdue = now - this.expected;
    if (this.timer && overdue >= this.minStallMs && (!worst || overdue > worst.ms)) worst = { ms: overdue, agoMs: 0 };
    return worst;
  }
}

/** True when `work` settles within `ms`; false when it does not; its rejection is returned as an Error. */
async function settlesWithin(work: Promise<void>, ms: number): Promise<true | false | Error> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([work.then(() => true as const, (e: unknown) => (e instanceof Error ? e : new Error(String(e)))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function liveness(targets: readonly HealthTarget[], watchdog: EventLoopWatchdog, opts: Required<HealthOptions>): Promise<ProbeResult> {
  const checks: Check[] = [];
  const stall = watchdog.worstStall(opts.stallWindowMs);
  if (stall && stall.ms >= opts.eventLoopStallMs) {
    checks.push({ name: 'event-loop', ok: false, message: `event loop stalled for ${stall.ms} ms, ${Math.round(stall.agoMs / 1000)} s ago (limit ${opts.eventLoopStallMs} ms within ${opts.stallWindowMs / 1000} s)` });
  } else {
    checks.push({ name: 'event-loop', ok: true, message: stall ? `longest recent stall ${stall.ms} ms` : 'no stall' });
  }
  const answers = await Promise.all(targets.map(async (t) => {
    if (!t.herder.ready()) return { name: t.name, ok: true, message: 'starting' };
    const hc = t.herder.healthCheck?.bind(t.herder);
    if (!hc) return { name: t.name, ok: true, message: 'running' };
    const r = await settlesWithin(hc(), opts.herderTimeoutMs);
    if (r === true) return { name: t.name, ok: true, message: 'herder answers' };
    // A herder that is stopping or stopped rejects: the process is going away, not wedged.
    if (r instanceof Error) return { name: t.name, ok: true, message: `herder not running: ${r.message}` };
    return { name: t.name, ok: false, message: `herder did not answer within ${opts.herderTimeoutMs} ms` };
  }));
  checks.push(...answers);
  return { status: checks.every((c) => c.ok) ? 'ok' : 'failing', checks };
}

/** The work the herder has assigned to this worker, when it can tell (distributed herders). */
function assignedWork(herder: RestHerder): { connectors: string[]; tasks: { connector: string; task: number }[] } | null {
  const h = herder as RestHerder & { assignment?: () => { connectors: readonly string[]; tasks: readonly { connector: string; task: number }[] } };
  if (typeof h.assignment !== 'function') return null;
  const a = h.assignment();
  return { connectors: [...a.connectors], tasks: a.tasks.map((t) => ({ connector: t.connector, task: t.task })) };
}

const STARTED = new Set(['RUNNING', 'PAUSED', 'FAILED', 'STOPPED']);

async function targetReadiness(t: HealthTarget, timeoutMs: number): Promise<Check> {
  if (!t.herder.ready()) return { name: t.name, ok: false, message: 'not joined / not started yet' };
  const workerId = t.herder.workerId();
  const read = async (): Promise<Check> => {
    const configured = await t.herder.connectors();
    const missing = (t.expectedConnectors ?? []).filter((c) => !configured.includes(c));
    if (missing.length > 0) return { name: t.name, ok: false, message: `connector(s) not configured yet: ${missing.join(', ')}` };
    const work = assignedWork(t.herder);
    let tasks: { connector: string; task: number }[];
    if (work === null) {
      // Standalone: every connector and task is this worker's.
      tasks = [];
      for (const c of configured) {
        for (const ti of await t.herder.taskConfigs(c).catch(() => [])) tasks.push({ connector: c, task: ti.id.task });
      }
    } else {
      tasks = work.tasks;
      for (const c of work.connectors) {
        const st = await t.herder.connectorStatus(c).catch(() => null);
        if (!st || st.connector.worker_id !== workerId || !STARTED.has(st.connector.state)) return { name: t.name, ok: false, message: `assigned connector ${c} not started yet` };
      }
    }
    let pending = 0;
    let failed = 0;
    for (const task of tasks) {
      const st = await t.herder.taskStatus(task.connector, task.task).catch(() => null);
      if (!st || st.worker_id !== workerId || !STARTED.has(st.state)) pending++;
      else if (st.state === 'FAILED') failed++;
    }
    const started = tasks.length - pending;
    const msg = `${started} of ${tasks.length} assigned task(s) started${failed > 0 ? `, ${failed} failed` : ''}`;
    return { name: t.name, ok: pending === 0, message: msg };
  };
  const answer = await Promise.race([read(), new Promise<Check>((resolve) => { setTimeout(() => resolve({ name: t.name, ok: false, message: `task states not readable within ${timeoutMs} ms` }), timeoutMs).unref(); })]);
  return answer;
}

export async function readiness(targets: readonly HealthTarget[], timeoutMs: number): Promise<ProbeResult> {
  if (targets.length === 0) return { status: 'failing', checks: [{ name: 'workers', ok: false, message: 'no worker started yet' }] };
  const checks = await Promise.all(targets.map((t) => targetReadiness(t, timeoutMs)));
  return { status: checks.every((c) => c.ok) ? 'ok' : 'failing', checks };
}

export const LIVE_PATH = '/health/live';
export const READY_PATH = '/health/ready';
/** Probe paths answered without authentication (GET and HEAD only). */
export const UNAUTHENTICATED_PATHS: ReadonlySet<string> = new Set([LIVE_PATH, READY_PATH]);

export function resolveHealthOptions(opts: HealthOptions | undefined, healthCheckTimeoutMs: number): Required<HealthOptions> {
  return {
    eventLoopStallMs: opts?.eventLoopStallMs ?? 10_000,
    stallWindowMs: opts?.stallWindowMs ?? 60_000,
    herderTimeoutMs: opts?.herderTimeoutMs ?? healthCheckTimeoutMs,
  };
}
