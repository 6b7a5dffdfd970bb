// The step runner shared by failover, failback and migrate: plan first, dry-run, resume after an interruption,
// refuse when blocked, re-run incomplete steps, and say "already completed" instead of repeating.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpsJournal } from '../../src/mirror/ops/journal.js';
import { executePlan, type OperationPlan, type OpStep } from '../../src/mirror/ops/plan.js';
import { OPS_EXIT, OpsError } from '../../src/mirror/ops/context.js';

function planOf(steps: OpStep[], over: Partial<OperationPlan> = {}): OperationPlan {
  return { kind: 'test', opKey: 'test:a->b', from: 'a', to: 'b', title: 'Test a -> b', lines: ['line'], data: {}, steps, blockers: [], journalProps: {}, args: {}, ...over };
}

function counter(name: string, calls: string[], outcome: () => Promise<Record<string, unknown>> | Record<string, unknown> = () => ({})): OpStep {
  return { name, title: `do ${name}`, run: async () => { calls.push(name); return await outcome(); } };
}

test('dry run prints the plan and runs nothing', async () => {
  const journal = OpsJournal.inMemory();
  const calls: string[] = [];
  const out: string[] = [];
  const r = await executePlan(planOf([counter('one', calls), counter('two', calls)]), { dryRun: true, journal, out: (l) => out.push(l) });
  assert.equal(r.status, 'dry-run');
  assert.deepEqual(calls, []);
  assert.equal(journal.op('test:a->b'), undefined);
  assert.ok(out.some((l) => /1\. one\s+do one/.test(l)));
  assert.ok(out.some((l) => /Dry run: nothing was changed/.test(l)));
});

test('a failed step is resumed by the next run; finished steps are not repeated', async () => {
  const journal = OpsJournal.inMemory();
  const calls: string[] = [];
  let fail = true;
  const steps = [
    counter('one', calls, () => ({ details: { n: 1 } })),
    counter('two', calls, () => { if (fail) throw new Error('connection lost'); return {}; }),
    { name: 'three', title: 'uses one', run: async (ctx) => { calls.push('three'); assert.deepEqual(ctx.details('one'), { n: 1 }); return {}; } } as OpStep,
  ];
  const out: string[] = [];
  const first = await executePlan(planOf(steps), { journal, out: (l) => out.push(l) });
  assert.equal(first.status, 'failed');
  assert.equal(first.exitCode, OPS_EXIT.mismatch);
  assert.ok(out.some((l) => /Re-run the same command to resume from step 'two'/.test(l)));
  fail = false;
  const second = await executePlan(planOf(steps), { journal, out: () => undefined });
  assert.equal(second.status, 'done');
  assert.equal(second.resumed, true);
  assert.deepEqual(calls, ['one', 'two', 'two', 'three']);
  const third = await executePlan(planOf(steps), { journal, out: () => undefined });
  assert.equal(third.status, 'already-done');
  assert.deepEqual(calls, ['one', 'two', 'two', 'three']);
  const restarted = await executePlan(planOf(steps), { journal, restart: true, out: () => undefined });
  assert.equal(restarted.status, 'done');
  assert.notEqual(restarted.id, second.id);
});

test('blockers stop a new operation with exit 3, but not one resumed past the step that checked them', async () => {
  const journal = OpsJournal.inMemory();
  const calls: string[] = [];
  const steps = [counter('check', calls), counter('change', calls, () => { throw new OpsError('later', OPS_EXIT.precondition); })];
  await assert.rejects(executePlan(planOf(steps, { blockers: ['the flow is paused'] }), { journal, out: () => undefined }), (e: OpsError) => e.exitCode === OPS_EXIT.precondition && /the flow is paused[\s\S]*Nothing was changed/.test(e.message));
  assert.deepEqual(calls, []);
  // Without blockers the op starts, passes 'check', then fails.
  const r = await executePlan(planOf(steps), { journal, out: () => undefined });
  assert.equal(r.exitCode, OPS_EXIT.precondition);
  // Now blocked (e.g. it paused the flow itself) — the resume goes on.
  const resumed = await executePlan(planOf(steps, { blockers: ['the flow is paused'], blockersCheckedBy: 'check' }), { journal, out: () => undefined });
  assert.equal(resumed.resumed, true);
  assert.deepEqual(calls, ['check', 'change', 'change']);
});

test('an incomplete step leaves the operation partial; the re-run repeats it and continues', async () => {
  const journal = OpsJournal.inMemory();
  let incomplete = true;
  const calls: string[] = [];
  const steps = [counter('commit', calls, () => ({ incomplete, summary: incomplete ? '1 group skipped' : 'all committed' })), counter('after', calls)];
  const first = await executePlan(planOf(steps), { journal, out: () => undefined });
  assert.equal(first.status, 'partial');
  assert.equal(first.exitCode, OPS_EXIT.mismatch);
  assert.deepEqual(calls, ['commit'], 'steps after an incomplete one wait for the re-run');
  incomplete = false;
  const second = await executePlan(planOf(steps), { journal, out: () => undefined });
  assert.equal(second.status, 'done');
  assert.deepEqual(calls, ['commit', 'commit', 'after']);
});
