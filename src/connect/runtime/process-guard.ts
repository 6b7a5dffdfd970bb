// A process-wide last line of defence: an exception or rejection that escapes a task's own error handling
// (a plugin's stray timer, a forgotten promise) is logged and fails the task it came from, instead of
// taking the whole worker down. Ownership travels with the async context (AsyncLocalStorage): everything a
// task starts inside `runOwned` carries its owner into both process handlers.
import { AsyncLocalStorage } from 'node:async_hooks';
import { errorTrace } from '../api/errors.js';
import { logger } from '../../observability/logger.js';

export interface TaskOwner {
  /** For logs, e.g. "my-connector-0". */
  readonly name: string;
  fail(err: unknown): void;
}

const owners = new AsyncLocalStorage<TaskOwner>();
const log = logger('connect.process-guard');
let installed = false;

/** Runs `fn` (and everything it schedules) as belonging to `owner`. */
export function runOwned<T>(owner: TaskOwner, fn: () => T): T {
  return owners.run(owner, fn);
}

function handle(kind: 'uncaughtException' | 'unhandledRejection', err: unknown): void {
  const owner = owners.getStore();
  if (owner) {
    log.error({ kind, task: owner.name, err: errorTrace(err) }, `${kind} in task ${owner.name}; failing the task`);
    try {
      owner.fail(err);
    } catch (e) {
      log.error({ err: errorTrace(e) }, 'failing the task after an escaped error failed too');
    }
    return;
  }
  // Nothing owns it: the worker keeps serving its other connectors, and the error is on record.
  log.error({ kind, err: errorTrace(err) }, `${kind} outside any task; the worker keeps running`);
}

/** Installs the handlers once per process (workers call it at start; idempotent). */
export function installProcessGuard(): void {
  if (installed) return;
  installed = true;
  process.on('uncaughtException', (err) => handle('uncaughtException', err));
  process.on('unhandledRejection', (reason) => handle('unhandledRejection', reason));
}
