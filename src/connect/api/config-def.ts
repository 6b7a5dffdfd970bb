// ConfigDef: one declaration of a plugin's config keys, used for parsing, validation, docs and the
// REST config endpoints (GET /connector-plugins/{p}/config, PUT …/config/validate).
import { compileJavaRegex } from './java-regex.js';
import { HIDDEN, isSecretKey, registerSecretKey } from '../../config/secrets.js';
import { ConfigError } from './errors.js';

export type ConfigType = 'BOOLEAN' | 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'LIST' | 'CLASS' | 'PASSWORD';
export type Importance = 'HIGH' | 'MEDIUM' | 'LOW';
export type Width = 'NONE' | 'SHORT' | 'MEDIUM' | 'LONG';

/** Marks a key without a default: it must be supplied. */
export const NO_DEFAULT = Symbol('NO_DEFAULT');

/** Throws (or returns an error message) when a parsed value is unacceptable. */
export type Validator = ((name: string, value: unknown) => string | void) & { describe?: string };

export interface ConfigKey {
  name: string;
  type: ConfigType;
  defaultValue: unknown | typeof NO_DEFAULT;
  importance: Importance;
  documentation: string;
  validator?: Validator;
  group?: string;
  orderInGroup?: number;
  width?: Width;
  displayName?: string;
  dependents?: string[];
  /** Values offered in REST validate responses. */
  recommendedValues?: string[];
  /** Internal keys are accepted and parsed but hidden from docs. */
  internal?: boolean;
}

export interface ConfigKeyInfo {
  name: string;
  type: ConfigType;
  required: boolean;
  default_value: string | null;
  importance: Importance;
  documentation: string;
  group: string | null;
  order: number;
  width: Width;
  display_name: string;
  dependents: string[];
}

export interface ConfigValueInfo {
  name: string;
  value: string | null;
  recommended_values: string[];
  errors: string[];
  visible: boolean;
}

export type RawConfig = Readonly<Record<string, string | null | undefined>>;
export type ParsedConfig = Record<string, unknown>;

export class ConfigDef {
  private readonly keys = new Map<string, ConfigKey>();

  define(key: Omit<ConfigKey, 'importance' | 'documentation'> & Partial<Pick<ConfigKey, 'importance' | 'documentation'>>): this {
    if (this.keys.has(key.name)) throw new Error(`Config key ${key.name} is defined twice`);
    // A PASSWORD key is hidden everywhere its name shows up (logs, traces), not only in validate.
    if (key.type === 'PASSWORD') registerSecretKey(key.name);
    this.keys.set(key.name, { importance: 'MEDIUM', documentation: '', ...key });
    return this;
  }

  /** Adds every key of another ConfigDef (the other's keys win on conflict only if not yet defined). */
  merge(other: ConfigDef): this {
    for (const k of other.configKeys()) if (!this.keys.has(k.name)) this.keys.set(k.name, k);
    return this;
  }

  has(name: string): boolean { return this.keys.has(name); }
  get(name: string): ConfigKey | undefined { return this.keys.get(name); }
  configKeys(): ConfigKey[] { return [...this.keys.values()]; }
  names(): string[] { return [...this.keys.keys()]; }

  /** Parses every defined key; throws ConfigError naming every bad key. */
  parse(raw: RawConfig): ParsedConfig {
    const { values, errors } = this.parseCollect(raw);
    const bad = Object.entries(errors);
    if (bad.length > 0) {
      const lines = bad.flatMap(([, msgs]) => msgs);
      throw new ConfigError(lines.length === 1 ? lines[0]! : `Invalid configuration (${lines.length} errors):\n${lines.join('\n')}`, errors);
    }
    return values;
  }

  /** Parses what it can; returns per-key error messages instead of throwing. */
  parseCollect(raw: RawConfig): { values: ParsedConfig; errors: Record<string, string[]> } {
    const values: ParsedConfig = {};
    const errors: Record<string, string[]> = {};
    for (const key of this.keys.values()) {
      const has = Object.prototype.hasOwnProperty.call(raw, key.name) && raw[key.name] !== undefined;
      const rawValue = has ? raw[key.name] : undefined;
      try {
        if (rawValue === null) throw new Error('Null value can not be supplied as the configuration value.');
        let v: unknown;
        if (rawValue === undefined) {
          if (key.defaultValue === NO_DEFAULT) throw new Error(`Missing required configuration "${key.name}" which has no default value.`);
          v = key.defaultValue === null ? null : parseType(key.name, key.defaultValue, key.type);
        } else {
          v = parseType(key.name, rawValue, key.type);
        }
        if (key.validator && v !== null && v !== undefined) {
          const msg = key.validator(key.name, v);
          if (typeof msg === 'string') throw new Error(msg);
        }
        values[key.name] = v;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        (errors[key.name] ??= []).push(hideSecretIn(msg, key, rawValue));
      }
    }
    return { values, errors };
  }

  /** REST validate output, one entry per key. */
  validateAll(raw: RawConfig, group?: string): { definition: ConfigKeyInfo; value: ConfigValueInfo }[] {
    const { errors } = this.parseCollect(raw);
    return this.configKeys().filter((k) => !k.internal).map((k) => ({
      definition: keyInfo(k, group),
      value: {
        name: k.name,
        value: shownValue(k, raw[k.name] ?? (k.defaultValue === NO_DEFAULT || k.defaultValue === null ? null : stringify(k.defaultValue))),
        recommended_values: k.recommendedValues ?? [],
        errors: errors[k.name] ?? [],
        visible: true,
      },
    }));
  }

  infos(group?: string): ConfigKeyInfo[] {
    return this.configKeys().filter((k) => !k.internal).map((k) => keyInfo(k, group));
  }
}

function isHidden(k: ConfigKey): boolean {
  return k.type === 'PASSWORD' || isSecretKey(k.name);
}

/** Connect shows a non-null PASSWORD value as "[hidden]" in validate responses. */
function shownValue(k: ConfigKey, value: string | null): string | null {
  return value !== null && isHidden(k) ? HIDDEN : value;
}

// Validators and plugin code write "Invalid value X for configuration Y"; for a secret key X is
// replaced, as Kafka's ConfigException prints "[hidden]" for PASSWORD values.
function hideSecretIn(message: string, k: ConfigKey, rawValue: string | null | undefined): string {
  if (!isHidden(k) || rawValue === null || rawValue === undefined) return message;
  let out = message;
  for (const v of [rawValue, rawValue.trim()]) if (v !== '' && out.includes(v)) out = out.split(v).join(HIDDEN);
  return out;
}

function keyInfo(k: ConfigKey, group?: string): ConfigKeyInfo {
  return {
    name: k.name,
    type: k.type,
    required: k.defaultValue === NO_DEFAULT,
    // Connect prints a PASSWORD default as its Password.toString(): "[hidden]".
    default_value: k.defaultValue === NO_DEFAULT || k.defaultValue === null ? null : k.type === 'PASSWORD' ? HIDDEN : stringify(k.defaultValue),
    importance: k.importance,
    documentation: k.documentation,
    group: k.group ?? group ?? null,
    order: k.orderInGroup ?? -1,
    width: k.width ?? 'NONE',
    display_name: k.displayName ?? k.name,
    dependents: k.dependents ?? [],
  };
}

function stringify(v: unknown): string {
  return Array.isArray(v) ? v.join(',') : String(v);
}

/** Parses a string (or already-typed default) into the declared type, as ConfigDef.parseType. */
export function parseType(name: string, value: unknown, type: ConfigType): unknown {
  const invalid = (why: string): never => {
    const shown = type === 'PASSWORD' || isSecretKey(name) ? HIDDEN : String(value);
    throw new Error(`Invalid value ${shown} for configuration ${name}: ${why}`);
  };
  const s = typeof value === 'string' ? value.trim() : value;
  switch (type) {
    case 'BOOLEAN':
      if (typeof s === 'boolean') return s;
      if (typeof s === 'string' && /^(true|false)$/i.test(s)) return s.toLowerCase() === 'true';
      return invalid('Expected value to be either true or false');
    case 'STRING':
    case 'CLASS':
      return typeof value === 'string' ? value.trim() : String(value);
    case 'PASSWORD':
      return String(value);
    case 'INT':
    case 'SHORT':
    case 'LONG': {
      const n = typeof s === 'number' ? s : typeof s === 'string' && /^[+-]?\d+$/.test(s) ? Number(s) : NaN;
      if (!Number.isSafeInteger(n)) return invalid('Not a number of type ' + type);
      if (type === 'INT' && (n < -2147483648 || n > 2147483647)) return invalid('Not a number of type INT');
      if (type === 'SHORT' && (n < -32768 || n > 32767)) return invalid('Not a number of type SHORT');
      return n;
    }
    case 'DOUBLE': {
      const n = typeof s === 'number' ? s : typeof s === 'string' && s !== '' ? Number(s) : NaN;
      if (Number.isNaN(n)) return invalid('Not a number of type DOUBLE');
      return n;
    }
    case 'LIST':
      if (Array.isArray(s)) return s.map(String);
      if (typeof s !== 'string') return invalid('Expected a comma separated list.');
      return s === '' ? [] : s.split(/\s*,\s*/).filter((x) => x !== '');
  }
}

// ---- validators (messages follow Connect's wording) ----

export const Validators = {
  atLeast(min: number): Validator {
    const v: Validator = (name, value) => {
      if (typeof value === 'number' && value < min) return `Invalid value ${value} for configuration ${name}: Value must be at least ${min}`;
    };
    v.describe = `[${min},...]`;
    return v;
  },
  between(min: number, max: number): Validator {
    const v: Validator = (name, value) => {
      if (typeof value !== 'number') return;
      if (value < min) return `Invalid value ${value} for configuration ${name}: Value must be at least ${min}`;
      if (value > max) return `Invalid value ${value} for configuration ${name}: Value must be no more than ${max}`;
    };
    v.describe = `[${min},...,${max}]`;
    return v;
  },
  oneOf(values: readonly string[], caseInsensitive = true): Validator {
    const set = new Set(values.map((x) => (caseInsensitive ? x.toLowerCase() : x)));
    const v: Validator = (name, value) => {
      const s = String(value);
      if (!set.has(caseInsensitive ? s.toLowerCase() : s)) return `Invalid value ${s} for configuration ${name}: String must be one of: ${values.join(', ')}`;
    };
    v.describe = `[${values.join(', ')}]`;
    return v;
  },
  /**
   * One of `known` (Connect's values), of which only `supported` are honoured: another known value is refused
   * with `reason`, so a setting Ferry cannot honour is never accepted and ignored.
   */
  oneOfSupported(known: readonly string[], supported: readonly string[], reason: string): Validator {
    const all = Validators.oneOf(known);
    const ok = new Set(supported.map((x) => x.toLowerCase()));
    const v: Validator = (name, value) => {
      const bad = all(name, value);
      if (bad) return bad;
      if (!ok.has(String(value).toLowerCase())) return `Invalid value ${String(value)} for configuration ${name}: ${reason}`;
    };
    v.describe = `[${known.join(', ')}] (${supported.join(', ')} supported)`;
    return v;
  },
  nonEmptyString(): Validator {
    const v: Validator = (name, value) => {
      if (typeof value === 'string' && value.trim() === '') return `Invalid value  for configuration ${name}: String must be non-empty`;
    };
    v.describe = 'non-empty string';
    return v;
  },
  regex(): Validator {
    const v: Validator = (name, value) => {
      const items = Array.isArray(value) ? value : [value];
      for (const item of items) {
        try { compileJavaRegex(String(item)); } catch (e) {
          return `Invalid value ${String(item)} for configuration ${name}: not a valid regular expression (${(e as Error).message})`;
        }
      }
    };
    v.describe = 'valid regex';
    return v;
  },
  nonNullList(): Validator {
    const v: Validator = () => undefined;
    return v;
  },
};

/** Parsed view with typed getters. */
export class AbstractConfig {
  readonly values: ParsedConfig;
  constructor(readonly def: ConfigDef, readonly originals: Readonly<Record<string, string>>) {
    this.values = def.parse(originals);
  }
  getString(k: string): string { return this.values[k] as string; }
  getOptionalString(k: string): string | null { return (this.values[k] as string | null | undefined) ?? null; }
  getInt(k: string): number { return this.values[k] as number; }
  getLong(k: string): number { return this.values[k] as number; }
  getDouble(k: string): number { return this.values[k] as number; }
  getBoolean(k: string): boolean { return this.values[k] as boolean; }
  getList(k: string): string[] { return (this.values[k] as string[] | null) ?? []; }
  getPassword(k: string): string | null { return (this.values[k] as string | null) ?? null; }
  /** Original keys starting with prefix, with the prefix removed. */
  originalsWithPrefix(prefix: string, strip = true): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.originals)) if (k.startsWith(prefix)) out[strip ? k.slice(prefix.length) : k] = v;
    return out;
  }
}
