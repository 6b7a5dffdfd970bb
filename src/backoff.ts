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
