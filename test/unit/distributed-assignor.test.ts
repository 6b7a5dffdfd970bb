import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignEager, assignIncremental, emptyAssignorState, type AssignorState, type MemberInfo, type WorkSet } from '../../src/connect/herder/assignor.js';

const conf = (connectors: Record<string, number>): WorkSet => ({
  connectors: Object.keys(connectors),
  tasks: Object.entries(connectors).flatMap(([connector, n]) => Array.from({ length: n }, (_, task) => ({ connector, task }))),
});
const none: WorkSet = { connectors: [], tasks: [] };

/** Simulates members applying their plans: owned = owned - revoked + assigned. */
function apply(members: MemberInfo[], plans: ReturnType<typeof assignIncremental>['plans']): MemberInfo[] {
  return members.map((m) => {
    const p = plans.get(m.memberId)!;
    const connectors = m.owned.connectors.filter((c) => !p.revoked.connectors.includes(c)).concat(p.assigned.connectors);
    const tasks = m.owned.tasks.filter((t) => !p.revoked.tasks.some((r) => r.connector === t.connector && r.task === t.task)).concat(p.assigned.tasks);
    return { ...m, owned: { connectors, tasks } };
  });
}

function counts(members: MemberInfo[]): Array<[number, number]> {
  return members.map((m) => [m.owned.connectors.length, m.owned.tasks.length]);
}

function allWork(members: MemberInfo[]): string[] {
  return members.flatMap((m) => [...m.owned.connectors.map((c) => `c:${c}`), ...m.owned.tasks.map((t) => `t:${t.connector}-${t.task}`)]).sort();
}

const member = (id: string, owned: WorkSet = none): MemberInfo => ({ memberId: id, url: `http://${id}/`, owned });

test('new work is spread evenly and runs exactly once', () => {
  let members = [member('a'), member('b'), member('c')];
  const configured = conf({ x: 3, y: 3, z: 0 });
  const r = assignIncremental(members, configured, emptyAssignorState(), 0, 10_000);
  members = apply(members, r.plans);
  assert.deepEqual(counts(members).map(([c]) => c), [1, 1, 1]);
  assert.deepEqual(counts(members).map(([, t]) => t), [2, 2, 2]);
  assert.equal(new Set(allWork(members)).size, allWork(members).length);
  assert.equal(allWork(members).length, 3 + 6);
  for (const p of r.plans.values()) assert.equal(p.delay, 0);
});

test('a departed member: its work waits for the delay, then goes to the survivors', () => {
  let members = [member('a'), member('b'), member('c')];
  const configured = conf({ x: 3, y: 3 });
  let r = assignIncremental(members, configured, emptyAssignorState(), 0, 10_000);
  members = apply(members, r.plans);
  let state: AssignorState = r.state;
  const lostWork = members[2]!.owned;
  const survivors = members.slice(0, 2);
  r = assignIncremental(survivors, configured, state, 1_000, 10_000);
  state = r.state;
  for (const p of r.plans.values()) {
    assert.deepEqual(p.assigned, none, 'nothing reassigned during the delay');
    assert.equal(p.delay, 10_000);
  }
  assert.equal(r.unassigned.connectors.length + r.unassigned.tasks.length, lostWork.connectors.length + lostWork.tasks.length);
  // a rebalance within the delay keeps waiting, with the remaining delay
  r = assignIncremental(survivors, configured, state, 5_000, 10_000);
  state = r.state;
  for (const p of r.plans.values()) assert.equal(p.delay, 6_000);
  // after the delay the lost work is reassigned
  r = assignIncremental(survivors, configured, state, 11_000, 10_000);
  const after = apply(survivors, r.plans);
  assert.equal(allWork(after).length, 2 + 6);
  assert.equal(new Set(allWork(after)).size, 2 + 6);
  for (const p of r.plans.values()) assert.equal(p.delay, 0);
});

test('with scheduled.rebalance.max.delay.ms=0 lost work is reassigned at once', () => {
  let members = [member('a'), member('b')];
  const configured = conf({ x: 2 });
  const r = assignIncremental(members, configured, emptyAssignorState(), 0, 0);
  members = apply(members, r.plans);
  const r2 = assignIncremental([members[0]!], configured, r.state, 1, 0);
  assert.equal(allWork(apply([members[0]!], r2.plans)).length, 3);
});

test('a worker that comes back (same URL, new member id) gets its work back', () => {
  let members = [member('a'), member('b'), member('c')];
  const configured = conf({ x: 3, y: 3 });
  let r = assignIncremental(members, configured, emptyAssignorState(), 0, 60_000);
  members = apply(members, r.plans);
  const cWork = allWork([members[2]!]);
  r = assignIncremental(members.slice(0, 2), configured, r.state, 1_000, 60_000);
  const restarted: MemberInfo = { memberId: 'c-2', url: 'http://c/', owned: none };
  r = assignIncremental([...members.slice(0, 2), restarted], configured, r.state, 2_000, 60_000);
  const back = apply([restarted], new Map([[restarted.memberId, r.plans.get('c-2')!]]));
  assert.deepEqual(allWork(back), cWork);
  for (const p of r.plans.values()) assert.equal(p.delay, 0);
});

test('a new empty member gets load through revoke-then-assign', () => {
  let members = [member('a'), member('b')];
  const configured = conf({ x: 4, y: 4 });
  let r = assignIncremental(members, configured, emptyAssignorState(), 0, 10_000);
  members = apply(members, r.plans);
  members.push(member('c'));
  // round 1: revocations only, nothing assigned to the newcomer yet
  r = assignIncremental(members, configured, r.state, 1, 10_000);
  const revoked = [...r.plans.values()].reduce((n, p) => n + p.revoked.connectors.length + p.revoked.tasks.length, 0);
  assert.ok(revoked > 0);
  assert.deepEqual(r.plans.get('c')!.assigned, none);
  members = apply(members, r.plans);
  // round 2: the revoked work goes to the newcomer
  r = assignIncremental(members, configured, r.state, 2, 10_000);
  members = apply(members, r.plans);
  const tasks = counts(members).map(([, t]) => t);
  assert.ok(Math.max(...tasks) - Math.min(...tasks) <= 1, `balanced tasks ${tasks}`);
  assert.equal(new Set(allWork(members)).size, 2 + 8);
  assert.equal(allWork(members).length, 2 + 8);
  // round 3: stable, nothing moves
  r = assignIncremental(members, configured, r.state, 3, 10_000);
  for (const p of r.plans.values()) {
    assert.deepEqual(p.assigned, none);
    assert.deepEqual(p.revoked, none);
  }
});

test('deleted connectors and duplicates are revoked', () => {
  const configured = conf({ x: 1 });
  const members = [
    member('a', { connectors: ['x', 'gone'], tasks: [{ connector: 'x', task: 0 }, { connector: 'gone', task: 0 }] }),
    member('b', { connectors: ['x'], tasks: [] }),
  ];
  const r = assignIncremental(members, configured, emptyAssignorState(), 0, 10_000);
  assert.deepEqual(r.plans.get('a')!.revoked, { connectors: ['gone'], tasks: [{ connector: 'gone', task: 0 }] });
  assert.deepEqual(r.plans.get('b')!.revoked, { connectors: ['x'], tasks: [] });
  const after = apply(members, r.plans);
  assert.deepEqual(allWork(after), ['c:x', 't:x-0']);
});

test('tasks dropped by a live member (new task configs) are handed out again at once', () => {
  let members = [member('a'), member('b')];
  const configured = conf({ x: 2 });
  const r = assignIncremental(members, configured, emptyAssignorState(), 0, 10_000);
  members = apply(members, r.plans).map((m) => ({ ...m, owned: { connectors: m.owned.connectors, tasks: [] } }));
  const r2 = assignIncremental(members, configured, r.state, 1, 10_000);
  for (const p of r2.plans.values()) assert.equal(p.delay, 0);
  assert.equal(allWork(apply(members, r2.plans)).length, 3);
});

test('eager assignment hands out everything, balanced', () => {
  const plan = assignEager([{ memberId: 'b', url: 'u2' }, { memberId: 'a', url: 'u1' }], conf({ x: 3, y: 1 }));
  const a = plan.get('a')!, b = plan.get('b')!;
  assert.equal(a.connectors.length + b.connectors.length, 2);
  assert.equal(a.tasks.length + b.tasks.length, 4);
  assert.equal(Math.abs(a.tasks.length - b.tasks.length), 0);
});
