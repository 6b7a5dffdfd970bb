// GET /health/live and GET /health/ready: probes for container orchestrators (see ../health.ts). The body is
// JSON ({"status":"ok"|"failing","checks":[…]}); the status code is what a probe reads.
import type { RestContext } from '../context.js';
import { LIVE_PATH, READY_PATH, liveness, readiness, type EventLoopWatchdog, type HealthOptions, type HealthTarget } from '../health.js';

export function registerHealthRoutes(ctx: RestContext, targets: () => readonly HealthTarget[], watchdog: EventLoopWatchdog, opts: Required<HealthOptions>): void {
  ctx.route('GET', LIVE_PATH, async (_req, reply) => {
    const r = await liveness(targets(), watchdog, opts);
    return reply.code(r.status === 'ok' ? 200 : 503).header('cache-control', 'no-store').send(r);
  });
  ctx.route('GET', READY_PATH, async (_req, reply) => {
    const r = await readiness(targets(), opts.herderTimeoutMs);
    return reply.code(r.status === 'ok' ? 200 : 503).header('cache-control', 'no-store').send(r);
  });
}
