// Config providers as Kafka defines them (KIP-297, KIP-421, KIP-887, KIP-993): the one module that turns
// `${provider:path:key}` references into values, for worker files, connector and task configs and
// mm2.properties.
//
//   config.providers=file,env,dir
//   config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
//   config.providers.file.param.allowed.paths=/etc/ferry/secrets
//   config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
//   config.providers.env.param.allowlist.pattern=FERRY_.*
//
// Matching follows ConfigTransformer: `${provider:path:key}` or `${provider:key}`, non-greedy, no part
// containing `}`; one pass (a resolved value is not resolved again). As in Kafka, a reference to a provider
// that is not configured, or to a key the provider does not have, is left as written; a file or directory
// that cannot be read is an error. Where Kafka only logs a warning and leaves the reference (a path outside
// `allowed.paths`, an environment variable outside `allowlist.pattern`), Ferry fails with an error naming
// the reference: an unresolved `${…}` used as a password would otherwise fail much later and obscurely.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { ConfigError } from '../connect/api/errors.js';
import { compileJavaRegex } from '../connect/api/java-regex.js';
import { parseProperties } from './properties.js';
import { rememberSecrets } from './secrets.js';

export const CONFIG_PROVIDERS_CONFIG = 'config.providers';

/** ConfigTransformer.DEFAULT_PATTERN: groups are provider, (path:), path, key. */
const REFERENCE = /\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}/g;

/** True when a value holds at least one `${provider:…}` reference. */
export function hasReference(value: string): boolean {
  REFERENCE.lastIndex = 0;
  const found = REFERENCE.test(value);
  REFERENCE.lastIndex = 0;
  return found;
}

/** A source of config values: what `path` means is the provider's business; keys absent from the result stay unresolved. */
export interface ConfigProvider {
  get(path: string, keys: ReadonlySet<string>): ReadonlyMap<string, string>;
}

/** `allowed.paths` (KIP-993): absolute paths; a path is allowed when, normalised, it is one of them or below one. */
class AllowedPaths {
  private readonly roots: string[];
  constructor(readonly setting: string, value: string) {
    this.roots = value.split(',').map((p) => p.trim()).filter((p) => p !== '').map((p) => {
      if (!isAbsolute(p)) throw new ConfigError(`Invalid value ${p} for configuration ${setting}: Path ${p} is not absolute`, { [setting]: [`Path ${p} is not absolute`] });
      return normalize(p);
    });
  }

  /** The normalised path to read; throws when it lies outside every allowed root (`..` cannot escape). */
  check(path: string, reference: string): string {
    const p = normalize(path);
    const ok = isAbsolute(p) && this.roots.some((r) => p === r || p.startsWith(r.endsWith(sep) ? r : r + sep));
    if (!ok) throw new ConfigError(`Config provider reference ${reference}: path ${path} is not allowed by ${this.setting}=${this.roots.join(',')}`, { [this.setting]: [`path ${path} is not allowed`] });
    return p;
  }
}

/** FileConfigProvider: `${file:/path/to/file.properties:key}` reads the key from a .properties file. */
export class FileConfigProvider implements ConfigProvider {
  constructor(private readonly allowed: AllowedPaths | null, private readonly alias: string) {}

  get(path: string, keys: ReadonlySet<string>): ReadonlyMap<string, string> {
    const out = new Map<string, string>();
    if (path === '') return out; // Kafka returns no data for an empty path: the reference stays.
    const file = this.allowed ? this.allowed.check(path, `\${${this.alias}:${path}:…}`) : path;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`Could not read properties from file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {}, { cause: e });
    }
    const props = parseProperties(text, path);
    for (const k of keys) if (Object.prototype.hasOwnProperty.call(props, k)) out.set(k, props[k]!);
    return out;
  }
}

/** DirectoryConfigProvider: `${dir:/path/to/dir:name}` is the content of the regular file `name` in the directory. */
export class DirectoryConfigProvider implements ConfigProvider {
  constructor(private readonly allowed: AllowedPaths | null, private readonly alias: string) {}

  get(path: string, keys: ReadonlySet<string>): ReadonlyMap<string, string> {
    const out = new Map<string, string>();
    if (path === '') return out;
    const dir = this.allowed ? this.allowed.check(path, `\${${this.alias}:${path}:…}`) : path;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      throw new ConfigError(`Could not list directory ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {}, { cause: e });
    }
    // Only direct children that are regular files (symlinks followed, as Kubernetes secret mounts use them);
    // a key naming a subdirectory or a nested path finds nothing and stays unresolved, as in Kafka.
    for (const name of names) {
      if (!keys.has(name)) continue;
      const file = join(dir, name);
      try {
        if (!statSync(file).isFile()) continue;
        out.set(name, readFileSync(file, 'utf8'));
      } catch (e) {
        throw new ConfigError(`Could not read file ${name} in directory ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {}, { cause: e });
      }
    }
    return out;
  }
}

/** EnvVarConfigProvider: `${env:VAR}` (or `${env::VAR}`); paths are not supported. */
export class EnvVarConfigProvider implements ConfigProvider {
  constructor(private readonly env: Readonly<Record<string, string | undefined>>, private readonly allowlist: RegExp | null, private readonly alias: string, private readonly setting: string) {}

  get(path: string, keys: ReadonlySet<string>): ReadonlyMap<string, string> {
    if (path !== '') throw new ConfigError(`Path is not supported for EnvVarConfigProvider, invalid value '${path}' in \${${this.alias}:${path}:…}`);
    const out = new Map<string, string>();
    for (const k of keys) {
      if (this.allowlist && !this.allowlist.test(k)) {
        throw new ConfigError(`Config provider reference \${${this.alias}:${k}}: environment variable ${k} does not match ${this.setting}`, { [this.setting]: [`${k} is not allowed`] });
      }
      const v = this.env[k];
      if (v !== undefined) out.set(k, v);
    }
    return out;
  }
}

type ProviderKind = 'file' | 'directory' | 'env';

// Kafka's class names (what worker files and mm2.properties carry) and their simple names.
const PROVIDER_CLASSES: Readonly<Record<string, ProviderKind>> = {
  'org.apache.kafka.common.config.provider.FileConfigProvider': 'file',
  'org.apache.kafka.common.config.provider.DirectoryConfigProvider': 'directory',
  'org.apache.kafka.common.config.provider.EnvVarConfigProvider': 'env',
  FileConfigProvider: 'file',
  DirectoryConfigProvider: 'directory',
  EnvVarConfigProvider: 'env',
};

export interface ConfigProvidersOptions {
  /** The environment EnvVarConfigProvider reads (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The providers a config declares, and the transformer that applies them. */
export class ConfigProviders {
  private constructor(private readonly providers: ReadonlyMap<string, ConfigProvider>) {}

  static none(): ConfigProviders {
    return new ConfigProviders(new Map());
  }

  /**
   * Instantiates the providers listed in `config.providers` of a config (worker file, mm2.properties).
   * An unknown class, a listed provider without a class, or a bad parameter is a ConfigError naming the key.
   */
  static fromConfig(config: Readonly<Record<string, string | null | undefined>>, opts: ConfigProvidersOptions = {}): ConfigProviders {
    const list = config[CONFIG_PROVIDERS_CONFIG];
    const map = new Map<string, ConfigProvider>();
    if (list === undefined || list === null || list.trim() === '') return new ConfigProviders(map);
    for (const alias of list.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      const classKey = `${CONFIG_PROVIDERS_CONFIG}.${alias}.class`;
      const cls = config[classKey]?.trim();
      if (cls === undefined || cls === '') {
        throw new ConfigError(`Missing required configuration "${classKey}": provider "${alias}" is listed in ${CONFIG_PROVIDERS_CONFIG} but has no class`, { [classKey]: ['missing'] });
      }
      const kind = PROVIDER_CLASSES[cls];
      if (kind === undefined) {
        const known = Object.keys(PROVIDER_CLASSES).filter((k) => k.includes('.')).join(', ');
        throw new ConfigError(`Invalid value ${cls} for configuration ${classKey}: Class ${cls} could not be found (supported: ${known})`, { [classKey]: [`Class ${cls} could not be found`] });
      }
      const paramPrefix = `${CONFIG_PROVIDERS_CONFIG}.${alias}.param.`;
      const param = (name: string): string | undefined => config[paramPrefix + name] ?? undefined;
      if (kind === 'env') {
        const setting = `${paramPrefix}allowlist.pattern`;
        const pattern = param('allowlist.pattern');
        let allowlist: RegExp | null = null;
        if (pattern !== undefined) {
          try {
            allowlist = compileJavaRegex(pattern, true);
          } catch (e) {
            throw new ConfigError(`Invalid value ${pattern} for configuration ${setting}: not a valid regular expression (${(e as Error).message})`, { [setting]: ['invalid regex'] });
          }
        }
        map.set(alias, new EnvVarConfigProvider(opts.env ?? process.env, allowlist, alias, setting));
      } else {
        const setting = `${paramPrefix}allowed.paths`;
        const paths = param('allowed.paths');
        const allowed = paths !== undefined && paths.trim() !== '' ? new AllowedPaths(setting, paths) : null;
        map.set(alias, kind === 'file' ? new FileConfigProvider(allowed, alias) : new DirectoryConfigProvider(allowed, alias));
      }
    }
    return new ConfigProviders(map);
  }

  get names(): string[] {
    return [...this.providers.keys()];
  }

  get isEmpty(): boolean {
    return this.providers.size === 0;
  }

  /**
   * A copy of the config with every reference resolved (ConfigTransformer.transform). Each provider is
   * asked once per path for all the keys wanted there. Secret keys' resolved values are remembered so
   * the log sink can scrub them.
   */
  transform<T extends Readonly<Record<string, string>>>(config: T): Record<string, string> {
    const out: Record<string, string> = { ...config };
    // provider -> path -> keys
    const wanted = new Map<string, Map<string, Set<string>>>();
    for (const value of this.providers.size === 0 ? [] : Object.values(config)) {
      if (typeof value !== 'string' || !value.includes('${')) continue;
      for (const m of value.matchAll(REFERENCE)) {
        const provider = m[1]!;
        if (!this.providers.has(provider)) continue;
        const path = m[3] ?? '';
        let byPath = wanted.get(provider);
        if (!byPath) wanted.set(provider, (byPath = new Map()));
        let keys = byPath.get(path);
        if (!keys) byPath.set(path, (keys = new Set()));
        keys.add(m[4]!);
      }
    }
    if (wanted.size > 0) {
      const found = new Map<string, Map<string, ReadonlyMap<string, string>>>();
      for (const [provider, byPath] of wanted) {
        const p = this.providers.get(provider)!;
        const results = new Map<string, ReadonlyMap<string, string>>();
        for (const [path, keys] of byPath) results.set(path, p.get(path, keys));
        found.set(provider, results);
      }
      for (const [key, value] of Object.entries(config)) {
        if (typeof value !== 'string' || !value.includes('${')) continue;
        out[key] = value.replace(REFERENCE, (whole: string, provider: string, _pathPart: string | undefined, path: string | undefined, k: string) => {
          const v = found.get(provider)?.get(path ?? '')?.get(k);
          return v ?? whole;
        });
      }
    }
    rememberSecrets(out);
    return out;
  }
}

/**
 * Resolves a config against the providers it declares itself (a worker file or mm2.properties, as
 * AbstractConfig does with KIP-421). `config.providers*` keys are kept as written.
 */
export function resolveOwnReferences(config: Readonly<Record<string, string>>, opts: ConfigProvidersOptions = {}): { resolved: Record<string, string>; providers: ConfigProviders } {
  const providers = ConfigProviders.fromConfig(config, opts);
  const resolved = providers.transform(config);
  for (const k of Object.keys(config)) if (k === CONFIG_PROVIDERS_CONFIG || k.startsWith(`${CONFIG_PROVIDERS_CONFIG}.`)) resolved[k] = config[k]!;
  return { resolved, providers };
}

/**
 * Puts the connector's references back into generated task configs (AbstractHerder.reverseTransform): a
 * task config key that the raw connector config sets with a `${…}` reference gets the reference, so the
 * config topic never holds the resolved secret; the task resolves it when it starts.
 */
export function reverseTransform(rawConnectorConfig: Readonly<Record<string, string>>, taskConfigs: readonly Readonly<Record<string, string>>[]): Record<string, string>[] {
  const withReferences = Object.keys(rawConnectorConfig).filter((k) => hasReference(rawConnectorConfig[k]!));
  return taskConfigs.map((tc) => {
    const out = { ...tc };
    for (const k of withReferences) if (Object.prototype.hasOwnProperty.call(out, k)) out[k] = rawConnectorConfig[k]!;
    return out;
  });
}
