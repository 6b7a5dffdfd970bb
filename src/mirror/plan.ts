// Plans and their execution, shared by failover, failback and migrate: an operation is a named list of steps,
// printed first (and only, with --dry-run), then run in order with each step recorded in the journal. A re-run
// of the same operation skips the steps the journal says are done and continues with the first one that is
// not, so an interrupted operation (Ctrl-C, kill -9, a lost connection) ends in the same state as one that ran
// through. Steps are written to be idempotent, since a crash can happen after a step's effect and before its
// journal record.
import type { ClientProps } from '../kafka/client.js';
import { OPS_EXIT, OpsError } from './ops-context.js';
import { OpsJournal, type OpRecord, type StepRecord, type StepStatus } from './ops-journal.js';
import { fmtDuration } from './ops-format.js';

export interface StepOutcome {
  /** One line for the operator. */
  summary?: string;
  /** Stored in the journal; later steps (also after a resume) read it with ctx.details(step). */
  details?: unknown;
  /** Not finished (e.g. a group skipped because it has active members): a re-run runs the step again. */
  incomplete?: boolean;
  /** The step completed but found a problem (verification mismatch): the operation exits non-zero. */
  failed?: boolean;
}

export interface StepContext {
  op: OpRecord;
  journal: OpsJournal;
  /** Details recorded by an earlier step of this operation (this run or a previous one). */
  details<T>(step: string): T | undefined;
  /** Report lines for the operator (stdout). */
  out(line: string): void;
  /** Human progress (stderr). */
  progress(line: string): void;
  signal?: AbortSignal;
}

export interface OpStep {
  name: string;
  /** What the step will do, for the plan. */
  title: string;
  run(ctx: StepContext): Promise<StepOutcome>;
  /** Runs again on a resume even when done (e.g. restart an in-process mirror flow the crash took down). */
  always?: boolean;
}

export interface OperationPlan {
  kind: string;
  /** Journal key: the same operation gets the same key. */
  opKey: string;
  from: string;
  to: string;
  title: string;
  /** The plan, for humans (printed before anything is done). */
  lines: string[];
  /** The plan, for machines (--json). */
  data: unknown;
  steps: OpStep[];
  /** Reasons the operation cannot start; ignored when resuming past `blockersCheckedBy`. */
  blockers: string[];
  /** Step after which the blockers no longer apply (a resumed operation may have caused them itself). */
  blockersCheckedBy?: string;
  /** Cluster holding the journal. */
  journalProps: ClientProps;
  args: unknown;
}

export interface StepReport {
  name: string;
  title: string;
  status: 'done' | 'resumed' | 'incomplete' | 'failed' | 'pending' | 'would-run';
  summary?: string;
  ms?: number;
  details?: unknown;
  error?: string;
}

export interface OperationResult {
  kind: string;
  opKey: string;
  id: string | null;
  status: 'done' | 'partial' | 'failed' | 'dry-run' | 'already-done';
  resumed: boolean;
  exitCode: number;
  plan: unknown;
  steps: StepReport[];
  elapsedMs: number;
  startedAt: string;
}

export interface ExecuteOptions {
  dryRun?: boolean;
  /** Start a new operation even if one with the same key completed (or discard an unfinished one). */
  restart?: boolean;
  /** Plan and step lines for humans (stdout). */
  out?: (line: string) => void;
  progress?: (line: string) => void;
  signal?: AbortSignal;
  /** Use this journal instead of opening the one on plan.journalProps (tests). It is not closed. */
  journal?: OpsJournal;
}

/** Test hook: `FERRY_OPS_CRASH_AFTER=<step>` kills the process (SIGKILL) right after that step is journaled. */
function crashHook(step: string): void {
  const want = process.env['FERRY_OPS_CRASH_AFTER'];
  if (want && want.split(',').includes(step)) process.kill(process.pid, 'SIGKILL');
}

export function renderPlan(plan: OperationPlan, done: ReadonlyMap<string, StepRecord> = new Map()): string[] {
  const out = [plan.title, ...plan.lines.map((l) => `  ${l}`), 'Steps:'];
  plan.steps.forEach((s, i) => {
    const d = done.get(s.name);
    const mark = d?.status === 'done' ? (s.always ? '↻' : '✓') : ' ';
    out.push(`  ${mark} ${i + 1}. ${s.name.padEnd(16)} ${s.title}${d?.status === 'done' ? `  (done ${d.at}${s.always ? '; runs again on resume' : ''})` : d?.status === 'incomplete' ? '  (incomplete: runs again)' : ''}`);
  });
  for (const b of plan.blockers) out.push(`  BLOCKED: ${b}`);
  return out;
}

/** Prints the plan, then (unless dry-run) runs or resumes it. */
export async function executePlan(plan: OperationPlan, opts: ExecuteOptions = {}): Promise<OperationResult> {
  const out = opts.out ?? ((l: string) => console.log(l));
  const progress = opts.progress ?? ((l: string) => process.stderr.write(`${l}\n`));
  const started = Date.now();
  const journal = opts.journal ?? await OpsJournal.open(plan.journalProps);
  try {
    let op = journal.op(plan.opKey);
    const result: OperationResult = {
      kind: plan.kind, opKey: plan.opKey, id: op?.id ?? null, status: 'dry-run', resumed: false, exitCode: OPS_EXIT.ok,
      plan: plan.data, steps: [], elapsedMs: 0, startedAt: new Date(started).toISOString(),
    };
    const finished = op && (op.status === 'done') && !opts.restart;
    const resuming = !!op && !finished && !opts.restart && op.status !== 'failed';
    const doneSteps = op && (resuming || finished) ? journal.stepsOf(op.id) : new Map<string, StepRecord>();

    if (finished) {
      out(`${plan.title}`);
      out(`  already completed ${op!.updatedAt} (operation ${op!.id}); nothing to do. Use --restart to run it again.`);
      const stored = op!.result as { exitCode?: number } | undefined;
      result.status = 'already-done';
      result.exitCode = stored?.exitCode ?? OPS_EXIT.ok;
      result.steps = plan.steps.map((s) => {
        const d = doneSteps.get(s.name);
        return { name: s.name, title: s.title, status: d?.status === 'done' ? 'done' : 'pending', ...(d?.summary ? { summary: d.summary } : {}), ...(d?.details !== undefined ? { details: d.details } : {}) };
      });
      for (const s of result.steps) if (s.summary) out(`  ✓ ${s.name}: ${s.summary}`);
      result.elapsedMs = Date.now() - started;
      return result;
    }

    for (const l of renderPlan(plan, doneSteps)) out(l);
    const pastBlockers = resuming && plan.blockersCheckedBy !== undefined && doneSteps.get(plan.blockersCheckedBy)?.status === 'done';
    if (opts.dryRun) {
      if (resuming) out(`Dry run: operation ${op!.id} (started ${op!.startedAt}) would resume at step '${plan.steps.find((s) => doneSteps.get(s.name)?.status !== 'done')?.name ?? '-'}'. Nothing was changed.`);
      else out('Dry run: nothing was changed.');
      result.steps = plan.steps.map((s) => ({ name: s.name, title: s.title, status: doneSteps.get(s.name)?.status === 'done' && !s.always ? 'done' : 'would-run' }));
      result.exitCode = plan.blockers.length > 0 && !pastBlockers ? OPS_EXIT.precondition : OPS_EXIT.ok;
      result.elapsedMs = Date.now() - started;
      return result;
    }
    if (plan.blockers.length > 0 && !pastBlockers) {
      throw new OpsError(`${plan.kind} ${plan.from}->${plan.to} cannot start:\n  - ${plan.blockers.join('\n  - ')}\nNothing was changed.`, OPS_EXIT.precondition);
    }

    if (resuming) {
      out(`Resuming operation ${op!.id} started ${op!.startedAt}.`);
      result.resumed = true;
    } else {
      op = await journal.begin(plan.opKey, plan.kind, plan.from, plan.to, plan.args);
      out(`Operation ${op.id} started.`);
    }
    result.id = op!.id;
    const ctx: StepContext = {
      op: op!, journal,
      details: <T>(step: string) => journal.step(op!.id, step)?.details as T | undefined,
      out: (l: string) => out(`       ${l}`),
      progress,
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    let anyIncomplete = false;
    let anyFailed = false;
    for (const [i, s] of plan.steps.entries()) {
      const prev = journal.step(op!.id, s.name);
      if (prev?.status === 'done' && !s.always) {
        out(`  ✓ ${i + 1}. ${s.name}: already done ${prev.at}${prev.summary ? ` — ${prev.summary}` : ''}`);
        result.steps.push({ name: s.name, title: s.title, status: 'resumed', ...(prev.summary ? { summary: prev.summary } : {}), ...(prev.details !== undefined ? { details: prev.details } : {}) });
        continue;
      }
      out(`  → ${i + 1}. ${s.name}: ${s.title}`);
      const t0 = Date.now();
      let outcome: StepOutcome;
      try {
        outcome = await s.run(ctx);
      } catch (e) {
        const ms = Date.now() - t0;
        const msg = (e as Error).message;
        await journal.recordStep(op!.id, { step: s.name, status: 'failed', at: new Date().toISOString(), ms, error: msg }).catch(() => undefined);
        op = await journal.updateOp(op!, { status: 'running' }).catch(() => op!);
        result.steps.push({ name: s.name, title: s.title, status: 'failed', ms, error: msg });
        out(`  ✗ ${i + 1}. ${s.name} failed after ${fmtDuration(ms)}: ${msg}`);
        out(`Re-run the same command to resume from step '${s.name}'.`);
        result.status = 'failed';
        result.exitCode = e instanceof OpsError ? e.exitCode : OPS_EXIT.mismatch;
        result.elapsedMs = Date.now() - started;
        return result;
      }
      const ms = Date.now() - t0;
      const status: StepStatus = outcome.incomplete ? 'incomplete' : 'done';
      await journal.recordStep(op!.id, {
        step: s.name, status, at: new Date().toISOString(), ms,
        ...(outcome.summary ? { summary: outcome.summary } : {}), ...(outcome.details !== undefined ? { details: outcome.details } : {}),
      });
      anyIncomplete ||= !!outcome.incomplete;
      anyFailed ||= !!outcome.failed;
      result.steps.push({ name: s.name, title: s.title, status: outcome.incomplete ? 'incomplete' : outcome.failed ? 'failed' : 'done', ms, ...(outcome.summary ? { summary: outcome.summary } : {}), ...(outcome.details !== undefined ? { details: outcome.details } : {}) });
      out(`  ${outcome.incomplete ? '…' : outcome.failed ? '✗' : '✓'} ${i + 1}. ${s.name} (${fmtDuration(ms)})${outcome.summary ? `: ${outcome.summary}` : ''}`);
      crashHook(s.name);
      // Later steps assume this one finished (e.g. stopping a flow once every group moved): stop here.
      if (outcome.incomplete) {
        for (const rest of plan.steps.slice(i + 1)) result.steps.push({ name: rest.name, title: rest.title, status: 'pending' });
        break;
      }
    }
    result.status = anyIncomplete ? 'partial' : 'done';
    result.exitCode = anyFailed || anyIncomplete ? OPS_EXIT.mismatch : OPS_EXIT.ok;
    result.elapsedMs = Date.now() - started;
    await journal.updateOp(op!, { status: result.status === 'partial' ? 'partial' : 'done', result: { exitCode: result.exitCode, elapsedMs: result.elapsedMs } });
    out(result.status === 'done'
      ? `${plan.kind} ${plan.from}->${plan.to} completed in ${fmtDuration(result.elapsedMs)}${anyFailed ? ' WITH PROBLEMS (see above)' : ''}.`
      : `${plan.kind} ${plan.from}->${plan.to} is incomplete (see above); re-run the same command to finish it.`);
    return result;
  } finally {
    if (!opts.journal) await journal.close();
  }
}
