// Waiting between attempts: one `sleep` for the whole code base (tasks, connectors, operations, tools).

/**
 * Resolves after `ms`, or as soon as one of the signals aborts (never rejects: the caller checks its signal).
 * An already aborted signal, or `ms` <= 0, resolves at once.
 */
export function sleep(ms: number, ...signals: Array<AbortSignal | undefined>): Promise<void> {
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  return new Promise((resolve) => {
    if (ms <= 0 || live.some((s) => s.aborted)) { resolve(); return; }
    const done = (): void => {
      clearTimeout(timer);
      for (const s of live) s.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of live) s.addEventListener('abort', done, { once: true });
  });
}

/** How `retry` tries again. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default: no bound but the deadline). */
  attempts?: number;
  /** Date.now() after which a failure is final. */
  deadline?: number;
  /** Whether a failure may be tried again (default: every failure). */
  retriable?: (e: unknown, attempt: number) => boolean;
  /** The wait after failed attempt number `attempt` (1-based). */
  backoffMs: (attempt: number, e: unknown) => number;
  /** Runs after a failure that will be retried, before the wait (refresh metadata, log it). */
  onRetry?: (e: unknown, attempt: number) => unknown;
  /** Aborting makes the current failure final and cuts the wait short. */
  signal?: AbortSignal;
}

/**
 * Runs `fn` until it succeeds or a failure is final (not retriable, attempts used up, deadline passed, signal
 * aborted); a final failure is rethrown as it was.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, p: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      const final = (p.attempts !== undefined && attempt >= p.attempts) || (p.deadline !== undefined && Date.now() >= p.deadline) || p.signal?.aborted === true;
      if (final || !(p.retriable?.(e, attempt) ?? true)) throw e;
      await p.onRetry?.(e, attempt);
      const wait = p.backoffMs(attempt, e);
      await sleep(p.deadline !== undefined ? Math.min(wait, Math.max(0, p.deadline - Date.now())) : wait, p.signal);
    }
  }
}

/** Exponential backoff: `initialMs` after the first failure, doubling, at most `maxMs`. */
export function exponentialBackoff(initialMs: number, maxMs: number): (attempt: number) => number {
  return (attempt) => Math.min(initialMs * 2 ** (attempt - 1), maxMs);
}

/**
 * Calls `fn` every `intervalMs` until it returns a truthy value, which is returned; after `timeoutMs` it throws an
 * error naming `what`, the last value and the last error. Errors thrown by `fn` count as "not yet". The one
 * condition wait of tests, scenarios and tools.
 */
export async function pollUntil<T>(what: string, fn: () => Promise<T> | T, opts: { timeoutMs: number; intervalMs: number; signal?: AbortSignal }): Promise<NonNullable<T>> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: T | undefined;
  let lastErr: unknown;
  for (;;) {
    try {
      last = await fn();
      if (last) return last as NonNullable<T>;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() >= deadline || opts.signal?.aborted) break;
    await sleep(Math.min(opts.intervalMs, Math.max(0, deadline - Date.now())), opts.signal);
  }
  const lastValue = last === undefined ? '' : `; last value: ${JSON.stringify(last)}`;
  const lastError = lastErr === undefined ? '' : `; last error: ${(lastErr as Error).message}`;
  throw new Error(`Timed out after ${opts.timeoutMs} ms waiting for ${what}${lastValue}${lastError}`);
}
