// `ferry verify | failover | failback | migrate`: the DR and migration operations. Human output on stdout,
// progress on stderr; --json prints one JSON document on stdout (and the human lines on stderr).
// Exit codes: 0 ok; 1 mismatch or a failed/incomplete step; 2 bad input (nothing changed); 3 a precondition
// does not hold (nothing changed by the failing step).
import { writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { OPS_EXIT, OpsError, resolveFlow, selectionPattern, type ClusterSource } from '../mirror/ops/context.js';
import { renderVerifyReport, verifyExitCode, verifyFlow } from '../mirror/ops/verify.js';
import { runFailover } from '../mirror/ops/failover.js';
import { runFailback } from '../mirror/ops/failback.js';
import { migrateCutover, migratePlan, migrateStart, migrateStatus, migrateVerify, renderMigrationPlan, renderMigrationStatus } from '../mirror/ops/migrate.js';
import type { OperationResult } from '../mirror/ops/plan.js';
import { fmtCount, fmtDuration } from '../mirror/ops/format.js';
import { scrubSecrets } from '../config/secrets.js';
import { sleep } from '../backoff.js';

const CONNECTION_HELP = `Clusters:
  --from A --to B          cluster aliases (as in mm2.properties)
  --config FILE            mm2.properties (the file \`ferry mirror\` runs)
  --from-bootstrap H:P     bootstrap servers of A (instead of, or overriding, the config)
  --to-bootstrap H:P       bootstrap servers of B
  --property KEY=VALUE     extra mm2 property (repeatable), e.g. replication.policy.class=…,
                           offset-syncs.topic.location=target
  --topics REGEX           source topics (comma-separated Java regexes, full match; the flow's filter applies)
  --groups REGEX           consumer groups (same syntax; the flow's groups.exclude applies)
  --json                   machine-readable result on stdout`;

export const VERIFY_USAGE = `Usage: ferry verify --from A --to B [options]

Proves that B holds what A has for the flow A->B: per partition, record counts and an order-sensitive sha256
of key, value, headers and timestamp over the mirrored range (aligned through Ferry's exact offset maps),
each differing record named; topic configs, ACLs and (with --groups) consumer-group offsets.

${CONNECTION_HELP}
Options:
  --tail N                 compare only the last N mirrored records of each partition
  --concurrency N          partitions compared at once (default 4)
  --strict                 records not mirrored yet (lag) count as a mismatch
  --allow-duplicates       copies re-sent after a mirror crash are not a mismatch
  --no-configs, --no-acls, --no-data   skip those checks

Exit codes: 0 identical; 1 differences found; 2 bad input; 3 a cluster is unreachable.`;

export const FAILOVER_USAGE = `Usage: ferry failover --from A --to B (--planned | --unplanned) [options]

Moves consumer groups from A to B. Planned: waits until A->B has mirrored everything and the groups stopped on
A, commits their exactly translated offsets on B, optionally pauses the flow, verifies. Unplanned (A is gone):
commits the latest checkpoints (re-translated through the offset maps when they live on B) and reports the
recovery point. Prints the plan first; every step is journaled on B, so a re-run resumes.

${CONNECTION_HELP}
Options:
  --planned | --unplanned  which failover (default --planned)
  --dry-run                print the plan only
  --stop-flow              pause the A->B flow once the groups are moved
  --timeout SECONDS        planned: how long to wait for lag zero (default 120)
  --verify-tail N          planned: verify the last N records per partition (default 1000, 0 = skip)
  --restart                start over even if a previous failover A->B completed`;

export const FAILBACK_USAGE = `Usage: ferry failback --from B --to A [options]

After a failover A->B, once A is back: replicates what was produced on B back to A (reverse flow B->A; what
came from A is not sent back), waits until it has drained and the groups stopped on B, translates the groups'
offsets on B back to A (A.topic on B -> topic on A exactly through the A->B maps; B-local topics -> B.topic on
A through the reverse flow's maps), commits them on A, verifies, stops the reverse flow and resumes A->B.

${CONNECTION_HELP}
Options:
  --dry-run                print the plan only
  --external-flow          do not run the reverse flow here: wait for one run elsewhere (ferry mirror)
  --timeout SECONDS        how long to wait for the reverse flow to drain (default 300)
  --verify-tail N          verify the last N records per partition (default 1000, 0 = skip)
  --no-resume-forward      leave the A->B flow paused at the end
  --restart                start over even if a previous failback completed`;

export const MIGRATE_USAGE = `Usage: ferry migrate <plan|start|status|verify|cutover> --from A --to B [options]

  plan      topics, partitions, configs, ACLs, groups, estimated bytes and time
  start     create the topics (configs, partitions) and ACLs on B, then mirror with group offset sync:
            --run mirrors in this process until Ctrl-C; otherwise prints the mm2.properties to run
  status    per-topic progress with rate and ETA (--watch to refresh)
  verify    as ferry verify, for the migration's topics and groups (--strict: lag is a mismatch)
  cutover   confirm producers stopped on A (end offsets unchanged for --quiet-period), drain, final group
            offset commit, verification, pause the flow

Topic names stay the same on B (IdentityReplicationPolicy) unless the config sets replication.policy.class.
Every step is journaled on B: a re-run after a crash resumes.

${CONNECTION_HELP}
Options:
  --dry-run                start/cutover: print the plan only
  --run                    start: mirror in this process (until SIGINT/SIGTERM)
  --properties-out FILE    start: write the migration's mm2.properties to FILE
  --assume-rate MIB        plan: throughput for the time estimate (default 20 MiB/s)
  --watch SECONDS          status: refresh every SECONDS
  --sample-ms MS           status: rate sampling window (default 2000)
  --quiet-period SECONDS   cutover: end offsets must stay unchanged this long (default 10)
  --timeout SECONDS        cutover: how long to wait for quiet and drain (default 300)
  --verify-tail N          cutover: verify only the last N records per partition (default: everything)
  --allow-duplicates       verify/cutover: copies re-sent after a mirror crash are reported, not a failure
  --tail N, --strict       verify: as for ferry verify
  --restart                start/cutover: start over`;

type Values = Record<string, string | boolean | string[] | undefined>;

const COMMON: NonNullable<ParseArgsConfig['options']> = {
  from: { type: 'string' },
  to: { type: 'string' },
  config: { type: 'string' },
  'from-bootstrap': { type: 'string' },
  'to-bootstrap': { type: 'string' },
  property: { type: 'string', multiple: true },
  topics: { type: 'string' },
  groups: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>, positionals = false): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args, options: { ...COMMON, ...options }, strict: true, allowPositionals: positionals, allowNegative: true } as ParseArgsConfig);
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    throw new OpsError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

function str(v: Values, k: string): string | undefined {
  const x = v[k];
  return typeof x === 'string' ? x : undefined;
}

function int(v: Values, k: string, dflt: number, min = 0): number {
  const x = str(v, k);
  if (x === undefined) return dflt;
  if (!/^\d+$/.test(x) || Number(x) < min) throw new OpsError(`--${k} must be an integer ≥ ${min}, got '${x}'`);
  return Number(x);
}

function clusterSource(v: Values): { src: ClusterSource; from: string; to: string } {
  const from = str(v, 'from');
  const to = str(v, 'to');
  if (!from || !to) throw new OpsError('--from and --to are required (cluster aliases)');
  const overrides: Record<string, string> = {};
  for (const p of (v['property'] as string[] | undefined) ?? []) {
    const i = p.indexOf('=');
    if (i <= 0) throw new OpsError(`--property expects KEY=VALUE, got '${p}'`);
    overrides[p.slice(0, i).trim()] = p.slice(i + 1).trim();
  }
  const bootstrap: Record<string, string> = {};
  if (str(v, 'from-bootstrap')) bootstrap[from] = str(v, 'from-bootstrap')!;
  if (str(v, 'to-bootstrap')) bootstrap[to] = str(v, 'to-bootstrap')!;
  const src: ClusterSource = { bootstrap, overrides };
  if (str(v, 'config')) src.configFile = str(v, 'config')!;
  return { src, from, to };
}

/** With --json, human lines go to stderr so stdout carries only the JSON. */
function printers(json: boolean): { out: (l: string) => void; progress: (l: string) => void } {
  return {
    out: json ? (l) => process.stderr.write(`${l}\n`) : (l) => process.stdout.write(`${l}\n`),
    progress: (l) => process.stderr.write(`${l}\n`),
  };
}

async function guarded(fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof OpsError) {
      process.stderr.write(`ferry: ${scrubSecrets(e.message)}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

function emitResult(json: boolean, r: OperationResult): number {
  if (json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  return r.exitCode;
}

export async function verifyCommand(args: string[]): Promise<number> {
  return guarded(async () => {
    const { values: v } = parse(args, {
      tail: { type: 'string' }, concurrency: { type: 'string' }, strict: { type: 'boolean' }, 'allow-duplicates': { type: 'boolean' },
      configs: { type: 'boolean' }, acls: { type: 'boolean' }, data: { type: 'boolean' },
    });
    if (v['help']) { console.log(VERIFY_USAGE); return 0; }
    const { src, from, to } = clusterSource(v);
    const json = v['json'] === true;
    const flow = resolveFlow(src, from, to);
    const tty = process.stderr.isTTY;
    const report = await verifyFlow(flow, {
      topics: selectionPattern(str(v, 'topics'), '--topics'), groups: selectionPattern(str(v, 'groups'), '--groups'),
      tailRecords: int(v, 'tail', 0), concurrency: int(v, 'concurrency', 4, 1), strict: v['strict'] === true, allowDuplicates: v['allow-duplicates'] === true,
      checkConfigs: v['configs'] !== false, checkAcls: v['acls'] !== false, checkData: v['data'] !== false,
      onProgress: (p) => {
        const rate = p.elapsedMs > 0 ? Math.round((p.records * 1000) / p.elapsedMs) : 0;
        const line = `verify: ${p.partitionsDone}/${p.partitions} partitions, ${fmtCount(p.records)} records, ${fmtCount(rate)} records/s, ${fmtDuration(p.elapsedMs)}`;
        process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
      },
    });
    if (tty) process.stderr.write('\n');
    if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(`${renderVerifyReport(report)}\n`);
    return verifyExitCode(report);
  });
}

export async function failoverCommand(args: string[]): Promise<number> {
  return guarded(async () => {
    const { values: v } = parse(args, {
      planned: { type: 'boolean' }, unplanned: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, 'stop-flow': { type: 'boolean' },
      timeout: { type: 'string' }, 'verify-tail': { type: 'string' }, restart: { type: 'boolean' },
    });
    if (v['help']) { console.log(FAILOVER_USAGE); return 0; }
    if (v['planned'] && v['unplanned']) throw new OpsError('--planned and --unplanned exclude each other');
    const { src, from, to } = clusterSource(v);
    const json = v['json'] === true;
    const p = printers(json);
    const r = await runFailover(src, {
      from, to, mode: v['unplanned'] ? 'unplanned' : 'planned',
      topics: selectionPattern(str(v, 'topics'), '--topics'), groups: selectionPattern(str(v, 'groups'), '--groups'),
      stopFlow: v['stop-flow'] === true, timeoutMs: int(v, 'timeout', 120) * 1000, verifyTail: int(v, 'verify-tail', 1000),
    }, { dryRun: v['dry-run'] === true, restart: v['restart'] === true, ...p });
    return emitResult(json, r);
  });
}

export async function failbackCommand(args: string[]): Promise<number> {
  return guarded(async () => {
    const { values: v } = parse(args, {
      'dry-run': { type: 'boolean' }, 'external-flow': { type: 'boolean' }, timeout: { type: 'string' }, 'verify-tail': { type: 'string' },
      'resume-forward': { type: 'boolean' }, restart: { type: 'boolean' },
    });
    if (v['help']) { console.log(FAILBACK_USAGE); return 0; }
    const { src, from, to } = clusterSource(v);
    const json = v['json'] === true;
    const p = printers(json);
    const r = await runFailback(src, {
      from, to, topics: selectionPattern(str(v, 'topics'), '--topics'), groups: selectionPattern(str(v, 'groups'), '--groups'),
      runFlow: v['external-flow'] !== true, timeoutMs: int(v, 'timeout', 300) * 1000, verifyTail: int(v, 'verify-tail', 1000),
      resumeForward: v['resume-forward'] !== false,
    }, { dryRun: v['dry-run'] === true, restart: v['restart'] === true, ...p });
    return emitResult(json, r);
  });
}

export async function migrateCommand(args: string[]): Promise<number> {
  return guarded(async () => {
    const { values: v, positionals } = parse(args, {
      'dry-run': { type: 'boolean' }, run: { type: 'boolean' }, 'properties-out': { type: 'string' }, 'assume-rate': { type: 'string' },
      watch: { type: 'string' }, 'sample-ms': { type: 'string' }, 'quiet-period': { type: 'string' }, timeout: { type: 'string' },
      'verify-tail': { type: 'string' }, restart: { type: 'boolean' }, tail: { type: 'string' }, 'allow-duplicates': { type: 'boolean' }, strict: { type: 'boolean' },
    }, true);
    if (v['help'] || positionals.length === 0) { console.log(MIGRATE_USAGE); return v['help'] ? 0 : OPS_EXIT.usage; }
    const sub = positionals[0]!;
    if (positionals.length > 1) throw new OpsError(`unexpected argument '${positionals[1]}'`);
    const { src, from, to } = clusterSource(v);
    const json = v['json'] === true;
    const p = printers(json);
    const sel = { topics: selectionPattern(str(v, 'topics'), '--topics'), groups: selectionPattern(str(v, 'groups'), '--groups'), topicsText: str(v, 'topics'), groupsText: str(v, 'groups') };
    switch (sub) {
      case 'plan': {
        const plan = await migratePlan(src, { from, to, ...sel, assumeRateMiBps: int(v, 'assume-rate', 20, 1) });
        if (json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
        else process.stdout.write(`${renderMigrationPlan(plan)}\n`);
        return 0;
      }
      case 'start': {
        const r = await migrateStart(src, { from, to, ...sel, run: v['run'] === true }, {
          dryRun: v['dry-run'] === true, restart: v['restart'] === true, ...p,
          onProperties: (text: string) => {
            const file = str(v, 'properties-out');
            if (file) { writeFileSync(file, text); p.out(`Wrote the migration's mm2.properties to ${file}; run it with: ferry mirror ${file}`); }
            else if (v['run'] !== true) p.out(`\nmm2.properties for this migration (run it with \`ferry mirror <file>\`):\n${text}`);
          },
        });
        return emitResult(json, r);
      }
      case 'status': {
        const watch = int(v, 'watch', 0);
        for (;;) {
          const st = await migrateStatus(src, { from, to, sampleMs: int(v, 'sample-ms', 2000) });
          if (json) process.stdout.write(`${JSON.stringify(st, null, 2)}\n`);
          else process.stdout.write(`${watch > 0 && process.stdout.isTTY ? '\u001b[2J\u001b[H' : ''}${renderMigrationStatus(st)}\n`);
          if (watch <= 0 || st.phase === 'completed') return 0;
          await sleep(watch * 1000);
        }
      }
      case 'verify': {
        const report = await migrateVerify(src, { from, to, tailRecords: int(v, 'tail', 0), allowDuplicates: v['allow-duplicates'] === true, strict: v['strict'] === true });
        if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else process.stdout.write(`${renderVerifyReport(report)}\n`);
        return verifyExitCode(report);
      }
      case 'cutover': {
        const r = await migrateCutover(src, {
          from, to, quietPeriodMs: int(v, 'quiet-period', 10) * 1000, timeoutMs: int(v, 'timeout', 300) * 1000, verifyTail: int(v, 'verify-tail', 0),
          allowDuplicates: v['allow-duplicates'] === true,
        }, { dryRun: v['dry-run'] === true, restart: v['restart'] === true, ...p });
        return emitResult(json, r);
      }
      default:
        throw new OpsError(`unknown migrate command '${sub}' (plan, start, status, verify, cutover)`);
    }
  });
}
