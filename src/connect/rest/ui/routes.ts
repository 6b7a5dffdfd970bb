// GET /ui (the status page), /ui/app.js (its script) and /ui/status.json (its data, see status.ts). Behind the
// same guards as the rest of the API: with basic authentication configured the browser asks for the login once
// and sends it with the page's own requests.
import type { Registry } from 'prom-client';
import type { RestContext } from '../context.js';
import type { HealthTarget } from '../health.js';
import { APP_JS, PAGE_HTML } from './page.js';
import { statusReport } from './status.js';

const CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function registerUiRoutes(ctx: RestContext, targets: () => readonly HealthTarget[], registry: Registry | null): void {
  ctx.route('GET', '/ui', async (_req, reply) => reply
    .type('text/html; charset=utf-8').header('content-security-policy', CSP).header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-store').send(PAGE_HTML));
  ctx.route('GET', '/ui/app.js', async (_req, reply) => reply
    .type('text/javascript; charset=utf-8').header('x-content-type-options', 'nosniff').header('cache-control', 'no-store').send(APP_JS));
  ctx.route('GET', '/ui/status.json', async (_req, reply) => reply
    .header('cache-control', 'no-store').send(await ctx.call(() => statusReport(targets(), registry))));
}
