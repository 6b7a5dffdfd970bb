// PluginRegistry: resolves `connector.class`, converter, transform and predicate class names — by full
// class name or alias — to factories, the way Connect resolves plugins. Extra plugins are JS modules in
// `plugin.path` directories exporting `plugins` (an array of PluginDescriptor) or a default export of one.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PluginDescriptor, PluginKind } from '../api/connector.js';
import { ConfigError } from '../api/errors.js';

export class PluginRegistry {
  private readonly byName = new Map<string, PluginDescriptor>();
  private readonly all: PluginDescriptor[] = [];

  register(...descriptors: PluginDescriptor[]): this {
    for (const d of descriptors) {
      this.all.push(d);
      for (const name of aliasesOf(d)) if (!this.byName.has(name)) this.byName.set(name, d);
    }
    return this;
  }

  /** Finds a plugin by full class name or alias; `kinds` restricts the match. */
  find(name: string, kinds?: readonly PluginKind[]): PluginDescriptor | undefined {
    const d = this.byName.get(name.trim());
    if (d && (!kinds || kinds.includes(d.kind))) return d;
    if (kinds) {
      // The same alias may name plugins of different kinds (rare); search them all.
      return this.all.find((x) => kinds.includes(x.kind) && aliasesOf(x).includes(name.trim()));
    }
    return undefined;
  }

  /** Like find, but throws a ConfigError naming the key and listing close matches. */
  resolve(name: string, kinds: readonly PluginKind[], key: string): PluginDescriptor {
    const d = this.find(name, kinds);
    if (d) return d;
    const known = this.list(kinds).map((p) => p.className);
    throw new ConfigError(
      `Failed to find any class that implements ${kinds.join('/')} and which name matches ${name} (${key}). Available: ${known.join(', ')}`,
      { [key]: [`Class ${name} could not be found.`] },
    );
  }

  list(kinds?: readonly PluginKind[]): PluginDescriptor[] {
    return this.all.filter((d) => !kinds || kinds.includes(d.kind));
  }

  /** Loads every .js/.mjs module under the given directories (non-recursive per dir, plus one level of subdirs). */
  async loadPluginPath(paths: readonly string[]): Promise<string[]> {
    const loaded: string[] = [];
    for (const dir of paths) {
      const root = resolve(dir.trim());
      let entries: string[];
      try {
        entries = readdirSync(root);
      } catch (e) {
        throw new ConfigError(`plugin.path entry ${root} cannot be read: ${(e as Error).message}`, { 'plugin.path': [`${root} cannot be read`] });
      }
      const files: string[] = [];
      for (const e of entries) {
        const p = join(root, e);
        if (statSync(p).isDirectory()) {
          for (const f of readdirSync(p)) if (/\.(m?js)$/.test(f)) files.push(join(p, f));
        } else if (/\.(m?js)$/.test(e)) files.push(p);
      }
      for (const f of files) {
        const mod = (await import(pathToFileURL(f).href)) as { plugins?: unknown; default?: unknown };
        const list = Array.isArray(mod.plugins) ? mod.plugins : mod.default ? (Array.isArray(mod.default) ? mod.default : [mod.default]) : [];
        for (const d of list) {
          if (!isDescriptor(d)) throw new ConfigError(`Plugin module ${f} exports something that is not a plugin descriptor ({className, kind, create})`);
          this.register(d);
        }
        loaded.push(f);
      }
    }
    return loaded;
  }
}

function isDescriptor(d: unknown): d is PluginDescriptor {
  const x = d as Partial<PluginDescriptor> | null;
  return !!x && typeof x.className === 'string' && typeof x.kind === 'string' && typeof x.create === 'function';
}

/** Full name, explicit aliases, simple class name, and simple name minus a `Connector` suffix. */
export function aliasesOf(d: PluginDescriptor): string[] {
  const simple = d.className.slice(d.className.lastIndexOf('.') + 1);
  const names = new Set([d.className, simple, ...(d.aliases ?? [])]);
  if (simple.endsWith('Connector') && simple.length > 'Connector'.length) names.add(simple.slice(0, -'Connector'.length));
  return [...names];
}
