// Plans and their execution, shared by failover, failback and migrate: an operation is a named list of steps,
// printed first (and only, with --dry-run), then run in order with each step recorded in the journal. A re-run
// of the same operation skips the steps the journal says are done and continues with the first one that is
// not, so an interrupted operation (Ctrl-C, kill -9, a lost connection) ends in the same state as one that ran
// through. Steps are written to be idempotent, since a crash can happen after a step's effect and before its
// journal record.
import type { ClientProps } from '../../kafka/client.js';
import { ferryEnv } from '../../config/ferry-env.js';
import { OPS_EXIT, OpsError } from './context.js';
import { OpsJournal, type OpRecord, type StepRecord, type StepStatus } from './journal.js';
import { fmtDuration } from './format.js';

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
  if (ferryEnv().opsCrashAfter.includes(step)) process.kill(process.pid, 'SIGKILL');
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

// ------------------------------------------------------------------------------------------ where it stands

/** Where an operation stands in the journal before this run. */
interface PriorState {
  op: OpRecord | undefined;
  /** Completed earlier and not restarted: nothing to do. */
  finished: boolean;
  /** Unfinished earlier run to continue. */
  resuming: boolean;
  /** Steps recorded by the earlier run (empty for a new operation). */
  doneSteps: ReadonlyMap<string, StepRecord>;
}

/** Computes whether the plan's operation is finished, resumable or new, and the steps it already did. */
function priorState(journal: OpsJournal, plan: OperationPlan, restart: boolean): PriorState {
  const op = journal.op(plan.opKey);
  const finished = !!op && op.status === 'done' && !restart;
  const resuming = !!op && !finished && !restart && op.status !== 'failed';
  const doneSteps = op && (resuming || finished) ? journal.stepsOf(op.id) : new Map<string, StepRecord>();
  return { op, finished, resuming, doneSteps };
}

/** Computes whether the blockers no longer apply: a resumed operation already passed the step that checked them. */
function pastBlockers(plan: OperationPlan, prior: PriorState): boolean {
  return prior.resuming && plan.blockersCheckedBy !== undefined && prior.doneSteps.get(plan.blockersCheckedBy)?.status === 'done';
}

/** The result of a run before anything happened (a dry run unless the run says otherwise). */
function initialResult(plan: OperationPlan, op: OpRecord | undefined, started: number): OperationResult {
  return {
    kind: plan.kind, opKey: plan.opKey, id: op?.id ?? null, status: 'dry-run', resumed: false, exitCode: OPS_EXIT.ok,
    plan: plan.data, steps: [], elapsedMs: 0, startedAt: new Date(started).toISOString(),
  };
}

/** The summary and details of a recorded step (or outcome), for a step report. */
function reportFields(rec: { summary?: string | undefined; details?: unknown } | undefined): Pick<StepReport, 'summary' | 'details'> {
  return { ...(rec?.summary ? { summary: rec.summary } : {}), ...(rec?.details !== undefined ? { details: rec.details } : {}) };
}

// ---------------------------------------------------------------------------------- finished and dry runs

/** Computes the step reports of an operation that completed earlier. */
function alreadyDoneSteps(plan: OperationPlan, doneSteps: ReadonlyMap<string, StepRecord>): StepReport[] {
  return plan.steps.map((s) => {
    const d = doneSteps.get(s.name);
    return { name: s.name, title: s.title, status: d?.status === 'done' ? 'done' : 'pending', ...reportFields(d) };
  });
}

/** Renders the report of an operation that completed earlier. */
function renderAlreadyDone(plan: OperationPlan, op: OpRecord, steps: readonly StepReport[]): string[] {
  const lines = [`${plan.title}`, `  already completed ${op.updatedAt} (operation ${op.id}); nothing to do. Use --restart to run it again.`];
  for (const s of steps) if (s.summary) lines.push(`  ✓ ${s.name}: ${s.summary}`);
  return lines;
}

/** Fills in the result of an operation that completed earlier (nothing runs). */
function alreadyDoneResult(plan: OperationPlan, prior: PriorState, result: OperationResult): OperationResult {
  const stored = prior.op!.result as { exitCode?: number } | undefined;
  result.status = 'already-done';
  result.exitCode = stored?.exitCode ?? OPS_EXIT.ok;
  result.steps = alreadyDoneSteps(plan, prior.doneSteps);
  return result;
}

/** Renders the closing line of a dry run: where a resume would start, or that nothing changed. */
function renderDryRun(plan: OperationPlan, prior: PriorState): string {
  if (!prior.resuming) return 'Dry run: nothing was changed.';
  const next = plan.steps.find((s) => prior.doneSteps.get(s.name)?.status !== 'done')?.name ?? '-';
  return `Dry run: operation ${prior.op!.id} (started ${prior.op!.startedAt}) would resume at step '${next}'. Nothing was changed.`;
}

/** Fills in the result of a dry run: which steps would run, and whether a blocker would stop them. */
function dryRunResult(plan: OperationPlan, prior: PriorState, result: OperationResult): OperationResult {
  result.steps = plan.steps.map((s) => ({ name: s.name, title: s.title, status: prior.doneSteps.get(s.name)?.status === 'done' && !s.always ? 'done' : 'would-run' }));
  result.exitCode = plan.blockers.length > 0 && !pastBlockers(plan, prior) ? OPS_EXIT.precondition : OPS_EXIT.ok;
  return result;
}

/** Renders why the operation cannot start. */
function renderBlocked(plan: OperationPlan): string {
  return `${plan.kind} ${plan.from}->${plan.to} cannot start:\n  - ${plan.blockers.join('\n  - ')}\nNothing was changed.`;
}

// --------------------------------------------------------------------------------------------- the run

/** One run of a plan's steps: where it reports, and the result it fills in. */
interface Run {
  plan: OperationPlan;
  journal: OpsJournal;
  op: OpRecord;
  ctx: StepContext;
  out: (line: string) => void;
  result: OperationResult;
  started: number;
}

/** Continues the journaled operation, or begins a new one; returns its record. */
async function beginOrResume(journal: OpsJournal, plan: OperationPlan, prior: PriorState, result: OperationResult, out: (l: string) => void): Promise<OpRecord> {
  let op: OpRecord;
  if (prior.resuming) {
    op = prior.op!;
    out(`Resuming operation ${op.id} started ${op.startedAt}.`);
    result.resumed = true;
  } else {
    op = await journal.begin(plan.opKey, plan.kind, plan.from, plan.to, plan.args);
    out(`Operation ${op.id} started.`);
  }
  result.id = op.id;
  return op;
}

/** The context the steps of an operation run with. */
function stepContext(journal: OpsJournal, op: OpRecord, out: (l: string) => void, progress: (l: string) => void, signal: AbortSignal | undefined): StepContext {
  return {
    op, journal,
    details: <T>(step: string) => journal.step(op.id, step)?.details as T | undefined,
    out: (l: string) => out(`       ${l}`),
    progress,
    ...(signal ? { signal } : {}),
  };
}

/** Renders a step the journal says is done (skipped on a resume). */
function renderStepResumed(i: number, s: OpStep, prev: StepRecord): string {
  return `  ✓ ${i + 1}. ${s.name}: already done ${prev.at}${prev.summary ? ` — ${prev.summary}` : ''}`;
}

/** Renders the start of a step. */
function renderStepStart(i: number, s: OpStep): string {
  return `  → ${i + 1}. ${s.name}: ${s.title}`;
}

/** Renders the end of a step that returned. */
function renderStepEnd(i: number, s: OpStep, outcome: StepOutcome, ms: number): string {
  return `  ${outcome.incomplete ? '…' : outcome.failed ? '✗' : '✓'} ${i + 1}. ${s.name} (${fmtDuration(ms)})${outcome.summary ? `: ${outcome.summary}` : ''}`;
}

/** Renders a step that threw, and how to resume. */
function renderStepFailed(i: number, s: OpStep, ms: number, msg: string): string[] {
  return [`  ✗ ${i + 1}. ${s.name} failed after ${fmtDuration(ms)}: ${msg}`, `Re-run the same command to resume from step '${s.name}'.`];
}

/** Renders the end of an operation that ran all its steps (or stopped at an incomplete one). */
function renderFinished(plan: OperationPlan, result: OperationResult, anyFailed: boolean): string {
  return result.status === 'done'
    ? `${plan.kind} ${plan.from}->${plan.to} completed in ${fmtDuration(result.elapsedMs)}${anyFailed ? ' WITH PROBLEMS (see above)' : ''}.`
    : `${plan.kind} ${plan.from}->${plan.to} is incomplete (see above); re-run the same command to finish it.`;
}

/** Journals a step that threw and fills in the failed result. */
async function recordFailure(run: Run, i: number, s: OpStep, ms: number, e: unknown): Promise<void> {
  const msg = (e as Error).message;
  await run.journal.recordStep(run.op.id, { step: s.name, status: 'failed', at: new Date().toISOString(), ms, error: msg }).catch(() => undefined);
  await run.journal.updateOp(run.op, { status: 'running' }).catch(() => run.op);
  run.result.steps.push({ name: s.name, title: s.title, status: 'failed', ms, error: msg });
  for (const l of renderStepFailed(i, s, ms, msg)) run.out(l);
  run.result.status = 'failed';
  run.result.exitCode = e instanceof OpsError ? e.exitCode : OPS_EXIT.mismatch;
  run.result.elapsedMs = Date.now() - run.started;
}

/** Runs one step and journals its outcome; returns the outcome, or null when the step threw (recorded as failed). */
async function runStep(run: Run, i: number, s: OpStep): Promise<StepOutcome | null> {
  run.out(renderStepStart(i, s));
  const t0 = Date.now();
  let outcome: StepOutcome;
  try {
    outcome = await s.run(run.ctx);
  } catch (e) {
    await recordFailure(run, i, s, Date.now() - t0, e);
    return null;
  }
  const ms = Date.now() - t0;
  const status: StepStatus = outcome.incomplete ? 'incomplete' : 'done';
  await run.journal.recordStep(run.op.id, { step: s.name, status, at: new Date().toISOString(), ms, ...reportFields(outcome) });
  run.result.steps.push({ name: s.name, title: s.title, status: outcome.incomplete ? 'incomplete' : outcome.failed ? 'failed' : 'done', ms, ...reportFields(outcome) });
  run.out(renderStepEnd(i, s, outcome, ms));
  crashHook(s.name);
  return outcome;
}

/** Runs the steps in order, skipping those the journal has done; returns what they found, or null when one threw. */
async function runSteps(run: Run): Promise<{ anyIncomplete: boolean; anyFailed: boolean } | null> {
  let anyIncomplete = false;
  let anyFailed = false;
  for (const [i, s] of run.plan.steps.entries()) {
    const prev = run.journal.step(run.op.id, s.name);
    if (prev?.status === 'done' && !s.always) {
      run.out(renderStepResumed(i, s, prev));
      run.result.steps.push({ name: s.name, title: s.title, status: 'resumed', ...reportFields(prev) });
      continue;
    }
    const outcome = await runStep(run, i, s);
    if (!outcome) return null;
    anyIncomplete ||= !!outcome.incomplete;
    anyFailed ||= !!outcome.failed;
    // Later steps assume this one finished (e.g. stopping a flow once every group moved): stop here.
    if (outcome.incomplete) {
      for (const rest of run.plan.steps.slice(i + 1)) run.result.steps.push({ name: rest.name, title: rest.title, status: 'pending' });
      break;
    }
  }
  return { anyIncomplete, anyFailed };
}

/** Fills in the final result and journals the operation as done (or partial). */
async function finishRun(run: Run, anyIncomplete: boolean, anyFailed: boolean): Promise<void> {
  const { result } = run;
  result.status = anyIncomplete ? 'partial' : 'done';
  result.exitCode = anyFailed || anyIncomplete ? OPS_EXIT.mismatch : OPS_EXIT.ok;
  result.elapsedMs = Date.now() - run.started;
  await run.journal.updateOp(run.op, { status: result.status === 'partial' ? 'partial' : 'done', result: { exitCode: result.exitCode, elapsedMs: result.elapsedMs } });
  run.out(renderFinished(run.plan, result, anyFailed));
}

/** Prints the plan, then (unless dry-run) runs or resumes it. */
export async function executePlan(plan: OperationPlan, opts: ExecuteOptions = {}): Promise<OperationResult> {
  const out = opts.out ?? ((l: string) => console.log(l));
  const progress = opts.progress ?? ((l: string) => process.stderr.write(`${l}\n`));
  const started = Date.now();
  const journal = opts.journal ?? await OpsJournal.open(plan.journalProps);
  try {
    const prior = priorState(journal, plan, !!opts.restart);
    const result = initialResult(plan, prior.op, started);
    if (prior.finished) {
      alreadyDoneResult(plan, prior, result);
      for (const l of renderAlreadyDone(plan, prior.op!, result.steps)) out(l);
      result.elapsedMs = Date.now() - started;
      return result;
    }
    for (const l of renderPlan(plan, prior.doneSteps)) out(l);
    if (opts.dryRun) {
      out(renderDryRun(plan, prior));
      dryRunResult(plan, prior, result);
      result.elapsedMs = Date.now() - started;
      return result;
    }
    if (plan.blockers.length > 0 && !pastBlockers(plan, prior)) throw new OpsError(renderBlocked(plan), OPS_EXIT.precondition);
    const op = await beginOrResume(journal, plan, prior, result, out);
    const run: Run = { plan, journal, op, ctx: stepContext(journal, op, out, progress, opts.signal), out, result, started };
    const found = await runSteps(run);
    if (found) await finishRun(run, found.anyIncomplete, found.anyFailed);
    return result;
  } finally {
    if (!opts.journal) await journal.close();
  }
}
