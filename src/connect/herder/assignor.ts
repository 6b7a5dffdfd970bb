// Incremental cooperative assignment of connectors and tasks to the workers of a Connect group (KIP-415),
// computed by the group leader. Pure logic: the herder feeds it the members' reported assignments and the
// configured connectors/tasks, and keeps the returned state for the next round.
//
// One round:
//   1. revoke what a member runs but should not: deleted connectors/tasks, and duplicates (the same
//      connector or task reported by two members; the previous owner keeps it);
//   2. lost = what the leader assigned last round that nobody reports now;
//      created = configured work that nobody holds and that was not assigned last round;
//   3. lost work whose previous owner's URL is back (a restarted worker) goes straight back to it;
//      other lost work is reassigned at once when no member left the group or the delay is 0, otherwise
//      it stays unassigned for scheduled.rebalance.max.delay.ms (members are told to rejoin when the delay
//      ends) and is then spread like new work;
//   4. new work goes to the least loaded members, connectors and tasks counted separately;
//   5. when nothing is pending, an unbalanced group (a member with 2+ more connectors or tasks than another)
//      gets load-balancing revocations; the revoked work is assigned as new work in the next round, after
//      its members have stopped it (members rejoin at once after any revocation). Two balancing rounds
//      never follow each other directly, so a member that keeps failing cannot cause a revocation loop.
import type { TaskRef } from './distributed-protocol.js';

export interface WorkSet { connectors: string[]; tasks: TaskRef[] }

export interface MemberInfo {
  memberId: string;
  /** The worker's REST URL: a worker that restarts comes back with a new member id but the same URL. */
  url: string;
  /** What the member says it runs (its current assignment). */
  owned: WorkSet;
}

export interface AssignorState {
  /** Full assignment per member id after the last round computed by this leader. */
  previous: Map<string, { url: string; work: WorkSet }>;
  /** Lost work held back until `deadline`, by item key, with the URL of the member that had it. */
  delayed: { deadline: number; lost: Map<string, string> } | null;
  balancedLastRound: boolean;
}

export interface MemberPlan {
  /** Newly assigned work (incremental: members keep what they hold minus `revoked`). */
  assigned: WorkSet;
  revoked: WorkSet;
  /** What the member holds after this round (held − revoked + assigned). */
  total: WorkSet;
  /** ms until the members should rejoin for a scheduled rebalance; 0 for none. */
  delay: number;
}

export interface AssignmentResult {
  plans: Map<string, MemberPlan>;
  state: AssignorState;
  /** Work intentionally left unassigned this round (lost, waiting for the delay). */
  unassigned: WorkSet;
}

export function emptyAssignorState(): AssignorState {
  return { previous: new Map(), delayed: null, balancedLastRound: false };
}

type Item = { kind: 'c'; connector: string } | { kind: 't'; connector: string; task: number };

const keyOf = (i: Item) => (i.kind === 'c' ? `c\u0000${i.connector}` : `t\u0000${i.connector}\u0000${i.task}`);

function items(w: WorkSet): Item[] {
  return [
    ...w.connectors.map((connector): Item => ({ kind: 'c', connector })),
    ...w.tasks.map((t): Item => ({ kind: 't', connector: t.connector, task: t.task })),
  ];
}

function itemFromKey(k: string): Item {
  const parts = k.split('\u0000');
  return parts[0] === 'c' ? { kind: 'c', connector: parts[1]! } : { kind: 't', connector: parts[1]!, task: Number(parts[2]) };
}

function toWorkSet(list: Iterable<Item>): WorkSet {
  const out: WorkSet = { connectors: [], tasks: [] };
  for (const i of list) {
    if (i.kind === 'c') out.connectors.push(i.connector);
    else out.tasks.push({ connector: i.connector, task: i.task });
  }
  out.connectors.sort();
  out.tasks.sort((a, b) => (a.connector < b.connector ? -1 : a.connector > b.connector ? 1 : a.task - b.task));
  return out;
}

function compareItems(a: Item, b: Item): number {
  if (a.kind !== b.kind) return a.kind === 'c' ? -1 : 1;
  if (a.connector !== b.connector) return a.connector < b.connector ? -1 : 1;
  return a.kind === 't' && b.kind === 't' ? a.task - b.task : 0;
}

interface Slot { memberId: string; url: string; held: Map<string, Item>; added: Map<string, Item>; revoked: Map<string, Item> }

function load(s: Slot, kind: 'c' | 't'): number {
  let n = 0;
  for (const i of s.held.values()) if (i.kind === kind) n++;
  for (const i of s.added.values()) if (i.kind === kind) n++;
  return n;
}

/** Computes one round. `members` is every member of the new generation (order is only a tie-breaker). */
export function assignIncremental(
  members: readonly MemberInfo[],
  configured: WorkSet,
  prior: AssignorState,
  now: number,
  maxDelayMs: number,
): AssignmentResult {
  const sorted = [...members].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const configuredKeys = new Map(items(configured).map((i) => [keyOf(i), i]));
  const slots: Slot[] = sorted.map((m) => ({ memberId: m.memberId, url: m.url, held: new Map(), added: new Map(), revoked: new Map() }));
  const slotOf = new Map(slots.map((s) => [s.memberId, s]));
  const previousOwner = new Map<string, { memberId: string; url: string }>();
  for (const [memberId, p] of prior.previous) for (const i of items(p.work)) previousOwner.set(keyOf(i), { memberId, url: p.url });

  // 1. Revocations: deleted work and duplicates.
  const holder = new Map<string, Slot>();
  let revocations = false;
  for (const m of sorted) {
    const slot = slotOf.get(m.memberId)!;
    for (const i of items(m.owned)) {
      const k = keyOf(i);
      if (!configuredKeys.has(k)) { slot.revoked.set(k, i); revocations = true; continue; }
      const other = holder.get(k);
      if (other) {
        // Keep it where the leader put it last round; otherwise on the first member in order.
        const prevId = previousOwner.get(k)?.memberId;
        const keepNew = prevId === slot.memberId && other.memberId !== prevId;
        const loser = keepNew ? other : slot;
        loser.held.delete(k);
        loser.revoked.set(k, i);
        revocations = true;
        if (keepNew) { slot.held.set(k, i); holder.set(k, slot); }
        continue;
      }
      slot.held.set(k, i);
      holder.set(k, slot);
    }
  }

  // 2. Lost and created work.
  const departed = [...prior.previous.keys()].filter((id) => !slotOf.has(id));
  const lost = new Map<string, string>(); // key -> url of the member that had it
  const created: Item[] = [];
  for (const [k, i] of configuredKeys) {
    if (holder.has(k)) continue;
    const prev = previousOwner.get(k);
    const delayedUrl = prior.delayed?.lost.get(k);
    if (prev && !slotOf.has(prev.memberId)) lost.set(k, prev.url);
    else if (delayedUrl !== undefined) lost.set(k, delayedUrl);
    else if (prev && slotOf.has(prev.memberId)) lost.set(k, prev.url); // assigned last round but not reported: hand out again
    else created.push(i);
  }

  // 3. Lost work: back to a returning worker, now, or after the delay.
  const toAssign: Item[] = [...created];
  let delayed: AssignorState['delayed'] = prior.delayed && prior.delayed.deadline > now ? { deadline: prior.delayed.deadline, lost: new Map() } : null;
  const expired = prior.delayed !== null && prior.delayed.deadline <= now;
  for (const [k, url] of lost) {
    const item = configuredKeys.get(k)!;
    const prev = previousOwner.get(k);
    const owner = prev && slotOf.get(prev.memberId);
    const returning = owner ?? slots.find((s) => s.url === url);
    if (returning) { returning.added.set(k, item); continue; }
    if (maxDelayMs <= 0 || expired || (departed.length === 0 && !delayed)) { toAssign.push(item); continue; }
    delayed ??= { deadline: now + maxDelayMs, lost: new Map() };
    delayed.lost.set(k, url);
  }
  if (delayed && delayed.lost.size === 0) delayed = null;

  // 4. New work to the least loaded members.
  toAssign.sort(compareItems);
  for (const i of toAssign) {
    let best: Slot | null = null;
    for (const s of slots) if (!best || load(s, i.kind) < load(best, i.kind)) best = s;
    best?.added.set(keyOf(i), i);
  }

  // 5. Load-balancing revocations.
  let balanced = false;
  if (!delayed && !revocations && !prior.balancedLastRound && slots.length > 1) {
    for (const kind of ['c', 't'] as const) {
      const total = slots.reduce((n, s) => n + load(s, kind), 0);
      const loads = slots.map((s) => load(s, kind));
      if (Math.max(...loads) - Math.min(...loads) <= 1) continue;
      const floor = Math.floor(total / slots.length);
      let extra = total % slots.length; // this many members may keep floor + 1
      const byLoad = [...slots].sort((a, b) => load(b, kind) - load(a, kind));
      for (const s of byLoad) {
        const target = floor + (extra > 0 ? 1 : 0);
        if (extra > 0) extra--;
        let excess = load(s, kind) - target;
        if (excess <= 0) continue;
        const candidates = [...s.held.entries()].filter(([, i]) => i.kind === kind).sort((a, b) => compareItems(b[1], a[1]));
        for (const [k, i] of candidates) {
          if (excess <= 0) break;
          s.held.delete(k);
          s.revoked.set(k, i);
          excess--;
          balanced = true;
        }
      }
    }
  }

  const delay = delayed ? Math.max(1, delayed.deadline - now) : 0;
  const plans = new Map<string, MemberPlan>();
  const previous = new Map<string, { url: string; work: WorkSet }>();
  for (const s of slots) {
    const total = toWorkSet([...s.held.values(), ...s.added.values()]);
    plans.set(s.memberId, { assigned: toWorkSet(s.added.values()), revoked: toWorkSet(s.revoked.values()), total, delay });
    previous.set(s.memberId, { url: s.url, work: total });
  }
  return {
    plans,
    state: { previous, delayed, balancedLastRound: balanced },
    unassigned: toWorkSet([...(delayed?.lost.keys() ?? [])].map(itemFromKey)),
  };
}

/** Eager (protocol V0) assignment: everything is handed out from scratch, balanced, every round. */
export function assignEager(members: readonly { memberId: string; url: string }[], configured: WorkSet): Map<string, WorkSet> {
  const sorted = [...members].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : a.memberId < b.memberId ? -1 : 1));
  const slots: Slot[] = sorted.map((m) => ({ memberId: m.memberId, url: m.url, held: new Map(), added: new Map(), revoked: new Map() }));
  for (const i of items(configured).sort(compareItems)) {
    let best: Slot | null = null;
    for (const s of slots) if (!best || load(s, i.kind) < load(best, i.kind)) best = s;
    best?.added.set(keyOf(i), i);
  }
  return new Map(slots.map((s) => [s.memberId, toWorkSet(s.added.values())]));
}
