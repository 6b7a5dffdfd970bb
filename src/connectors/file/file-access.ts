// Which files FileStream connectors may touch. A worker's REST API can create connectors, so a FileStream
// connector naming /etc/passwd must not read it: the worker's `file.allowed.paths` lists directories, and a
// file is accepted only below one of them, after resolving `..` and symlinks (of the file or any parent
// that exists). An empty list accepts no file at all; stdin/stdout (no `file`) stay available.
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve, sep } from 'node:path';
import { ConnectError, type Props } from '../../connect/api/index.js';

/** The key both FileStream connectors name their file with (absent or blank: stdin/stdout). */
export const FILE_CONFIG = 'file';

/** Resolves symlinks of the longest existing prefix of `path`; the rest is appended as written. */
function realPathOf(path: string): string {
  let head = resolve(path);
  const tail: string[] = [];
  for (;;) {
    try {
      return tail.length === 0 ? realpathSync(head) : resolve(realpathSync(head), ...tail.reverse());
    } catch {
      const parent = dirname(head);
      if (parent === head) return resolve(path);
      tail.push(basename(head));
      head = parent;
    }
  }
}

export class FileAccess {
  /** Null: no restriction (a connector constructed directly, outside a worker). */
  private readonly roots: string[] | null;
  private readonly invalidRoots: string[];

  constructor(roots: readonly string[] | null, readonly setting = 'file.allowed.paths') {
    const listed = roots?.map((r) => r.trim()).filter((r) => r !== '') ?? [];
    this.roots = roots === null ? null : listed.map((r) => realPathOf(r));
    this.invalidRoots = listed.filter((r) => !isAbsolute(r));
  }

  /** Why `file` may not be used, or null when it may. */
  problem(file: string): string | null {
    if (this.roots === null) return null;
    if (this.invalidRoots.length > 0) return `The worker setting ${this.setting} must list absolute directories, not ${this.invalidRoots.join(', ')}`;
    if (this.roots.length === 0) {
      return `File ${file} is not allowed: this worker's ${this.setting} is empty, so FileStream connectors may not use files (set ${this.setting} on the worker to the directories they may use)`;
    }
    const real = realPathOf(file);
    const ok = this.roots.some((r) => real === r || real.startsWith(r.endsWith(sep) ? r : r + sep));
    return ok ? null : `File ${file} is not allowed: it is not below any of ${this.setting}=${this.roots.join(',')}`;
  }

  /** Connector.validate for a FileStream connector: a `file` outside the allow-list is an error on that key. */
  validate(props: Props): Record<string, string[]> {
    const f = props[FILE_CONFIG];
    const problem = f === undefined || f === null || f.trim() === '' ? null : this.problem(f);
    return problem === null ? {} : { [FILE_CONFIG]: [problem] };
  }

  /** Connector.start: the same check, as an error that fails the connector. */
  requireAllowed(props: Props): void {
    const problem = this.validate(props)[FILE_CONFIG]?.[0];
    if (problem !== undefined) throw new ConnectError(problem);
  }
}
