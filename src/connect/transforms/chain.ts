// Framework glue for SMTs: reads `transforms`, `transforms.<alias>.*`, `predicates`,
// `predicates.<alias>.*` from a connector config, validates them, builds the ordered chain of
// transformation stages, and describes the per-alias keys for REST `config/validate`.
//
// Plugin lookup goes through a resolver so this module does not depend on the runtime's registry.
// The resolver may return a PluginDescriptor-like object ({ create() }), a constructor, or a fresh
// instance; it is called once per instance needed (Connect also makes one predicate per stage), and
// the chain owns and closes every instance it gets. Returning null/undefined or throwing means the
// class is unknown (a thrown message is reported as is).
import { ConfigDef, NO_DEFAULT, parseType, type ConfigKey, type ConfigKeyInfo, type ConfigValueInfo, type RawConfig } from '../api/config-def.js';
import { ConfigError } from '../api/errors.js';
import type { ConnectRecord } from '../api/records.js';
import type { Predicate, Transformation } from '../api/connector.js';

export type PluginResolver = (className: string, kind: 'transformation' | 'predicate') => unknown;

export const TRANSFORMS_CONFIG = 'transforms';
export const PREDICATES_CONFIG = 'predicates';
export const TRANSFORMS_GROUP = 'Transforms';
export const PREDICATES_GROUP = 'Predicates';
export const PREDICATE_CONFIG = 'predicate';
export const NEGATE_CONFIG = 'negate';

function aliasListValidator(name: string, value: unknown): string | void {
  const list = value as string[];
  if (new Set(list).size !== list.length) return `Invalid value ${list.join(',')} for configuration ${name}: Duplicate alias provided.`;
}

/** The connector-level `transforms` and `predicates` keys (groups "Transforms" and "Predicates"). */
export function transformsConfigDef(): ConfigDef {
  return new ConfigDef()
    .define({
      name: TRANSFORMS_CONFIG, type: 'LIST', defaultValue: [], importance: 'LOW', validator: aliasListValidator,
      documentation: 'Aliases for the transformations to be applied to records.', group: TRANSFORMS_GROUP, orderInGroup: 1, width: 'LONG', displayName: 'Transforms',
    })
    .define({
      name: PREDICATES_CONFIG, type: 'LIST', defaultValue: [], importance: 'LOW', validator: aliasListValidator,
      documentation: 'Aliases for the predicates used by transformations.', group: PREDICATES_GROUP, orderInGroup: 1, width: 'LONG', displayName: 'Predicates',
    });
}

/** One configured transformation with its optional predicate. */
export interface TransformationStage<R extends ConnectRecord = ConnectRecord> {
  readonly alias: string;
  /** The class name as configured in `transforms.<alias>.type`. */
  readonly className: string;
  readonly transformation: Transformation<R>;
  readonly predicateAlias: string | null;
  readonly predicate: Predicate<R> | null;
  readonly negate: boolean;
  /** Applies the transformation unless the predicate (xor negate) says to skip it. */
  apply(record: R): R | null;
  close(): void;
}

export interface TransformationChain<R extends ConnectRecord = ConnectRecord> {
  readonly stages: readonly TransformationStage<R>[];
  /** Runs the stages in order; null as soon as one drops the record. */
  apply(record: R): R | null;
  close(): void;
}

export interface ChainOptions {
  /** Class names offered as recommended values for `transforms.<alias>.type` in validate output. */
  recommendedTransformations?: string[];
  /** Class names offered as recommended values for `predicates.<alias>.type`. */
  recommendedPredicates?: string[];
}

export interface TransformsValidation {
  /** Every bad key (full connector-config key, including `transforms`/`predicates`) with its messages. */
  errors: Record<string, string[]>;
  errorCount: number;
  /** The per-alias keys (`transforms.<alias>.type|predicate|negate|<plugin key>`, `predicates.<alias>.*`). */
  configDef: ConfigDef;
  /** "Transforms: <alias>" and "Predicates: <alias>" groups, in configuration order. */
  groups: string[];
  /** REST-shaped entries for the per-alias keys, with `errors` merged in. */
  configs: { definition: ConfigKeyInfo; value: ConfigValueInfo }[];
}

class Stage<R extends ConnectRecord> implements TransformationStage<R> {
  constructor(
    readonly alias: string,
    readonly className: string,
    readonly transformation: Transformation<R>,
    readonly predicateAlias: string | null,
    readonly predicate: Predicate<R> | null,
    readonly negate: boolean,
  ) {}

  apply(record: R): R | null {
    if (this.predicate !== null && this.predicate.test(record) === this.negate) return record;
    return this.transformation.apply(record);
  }

  close(): void {
    try { this.transformation.close?.(); } finally { this.predicate?.close?.(); }
  }
}

class Chain<R extends ConnectRecord> implements TransformationChain<R> {
  constructor(readonly stages: readonly TransformationStage<R>[]) {}

  apply(record: R): R | null {
    const stages = this.stages;
    let r: R | null = record;
    for (let i = 0; i < stages.length; i++) {
      r = stages[i]!.apply(r);
      if (r === null) return null;
    }
    return r;
  }

  close(): void {
    let first: unknown = null;
    for (const s of this.stages) {
      try { s.close(); } catch (e) { first ??= e; }
    }
    if (first !== null) throw first;
  }
}

// ---- plugin instantiation ----

type Kind = 'transformation' | 'predicate';

function instantiate(resolved: unknown): unknown {
  if (resolved === null || resolved === undefined) return null;
  if (typeof resolved === 'function') return new (resolved as new () => unknown)();
  if (typeof resolved === 'object' && typeof (resolved as { create?: unknown }).create === 'function') {
    return (resolved as { create(): unknown }).create();
  }
  return resolved;
}

function hasMethods(o: unknown, ...names: string[]): boolean {
  return typeof o === 'object' && o !== null && names.every((n) => typeof (o as Record<string, unknown>)[n] === 'function');
}

function isKind(o: unknown, kind: Kind): boolean {
  return kind === 'transformation' ? hasMethods(o, 'configure', 'apply', 'config') : hasMethods(o, 'configure', 'test', 'config');
}

function closeQuietly(o: unknown): void {
  try { (o as { close?: () => void } | null)?.close?.(); } catch { /* validation-only instance */ }
}

// ---- analysis shared by build and validate ----

interface Analysis<R extends ConnectRecord> {
  errors: Record<string, string[]>;
  def: ConfigDef;
  groups: string[];
  stages: Stage<R>[];
}

function listOf(raw: string | undefined): string[] {
  if (raw === undefined || raw === null) return [];
  return String(raw).trim() === '' ? [] : String(raw).split(/\s*,\s*/).map((s) => s.trim()).filter((s) => s !== '');
}

function stripPrefix(config: RawConfig, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(config)) {
    const v = config[k];
    if (k.startsWith(prefix) && v !== undefined && v !== null) out[k.slice(prefix.length)] = v;
  }
  return out;
}

function prefixedKey(k: ConfigKey, prefix: string, group: string, order: number): ConfigKey {
  return { ...k, name: prefix + k.name, group, orderInGroup: order, dependents: k.dependents?.map((d) => prefix + d) };
}

function analyze<R extends ConnectRecord>(config: RawConfig, resolve: PluginResolver, build: boolean, opts: ChainOptions): Analysis<R> {
  const errors: Record<string, string[]> = {};
  const addError = (key: string, msg: string) => {
    const list = (errors[key] ??= []);
    if (!list.includes(msg)) list.push(msg);
  };
  const def = new ConfigDef();
  const groups: string[] = [];
  const stages: Stage<R>[] = [];

  const transforms = listOf(config[TRANSFORMS_CONFIG] ?? undefined);
  const predicates = listOf(config[PREDICATES_CONFIG] ?? undefined);
  const dup = (key: string, list: string[]) => { const m = aliasListValidator(key, list); if (m) addError(key, m); };
  dup(TRANSFORMS_CONFIG, transforms);
  dup(PREDICATES_CONFIG, predicates);
  const predicateSet = new Set(predicates);

  /** Resolves `<prefix>type`, registers the alias' keys, checks the plugin's own ConfigDef; returns the class name if usable. */
  const examine = (alias: string, prefix: string, kind: Kind, group: string, implicit: ConfigKey[]): { className: string; make: () => unknown } | null => {
    groups.push(group);
    const typeKey = `${prefix}type`;
    const noun = kind === 'transformation' ? 'transformation' : 'predicate';
    def.define({
      name: typeKey, type: 'CLASS', defaultValue: NO_DEFAULT, importance: 'HIGH', documentation: `Class for the '${alias}' ${noun}.`,
      group, orderInGroup: 0, width: 'LONG', displayName: `${kind === 'transformation' ? 'Transformation' : 'Predicate'} type for ${alias}`,
      recommendedValues: kind === 'transformation' ? opts.recommendedTransformations : opts.recommendedPredicates,
    });
    let order = 1;
    for (const k of implicit) def.define({ ...k, group, orderInGroup: order++ });
    const className = config[typeKey]?.trim();
    if (className === undefined || className === '') {
      addError(typeKey, className === undefined
        ? `Missing required configuration "${typeKey}" which has no default value.`
        : `Invalid value  for configuration ${typeKey}: Class name must not be empty`);
      return null;
    }
    const make = () => instantiate(resolve(className, kind));
    let probe: unknown;
    try {
      probe = make();
    } catch (e) {
      addError(typeKey, `Invalid value ${className} for configuration ${typeKey}: ${(e as Error).message}`);
      return null;
    }
    if (probe === null) {
      addError(typeKey, `Invalid value ${className} for configuration ${typeKey}: Class ${className} could not be found.`);
      return null;
    }
    if (!isKind(probe, kind)) {
      addError(typeKey, `Invalid value ${className} for configuration ${typeKey}: Not a ${kind === 'transformation' ? 'Transformation' : 'Predicate'}`);
      closeQuietly(probe);
      return null;
    }
    let pluginDef: ConfigDef;
    try {
      pluginDef = (probe as { config(): ConfigDef }).config();
    } catch (e) {
      addError(typeKey, `Invalid value ${className} for configuration ${typeKey}: config() failed: ${(e as Error).message}`);
      return null;
    } finally {
      closeQuietly(probe);
    }
    const implicitNames = new Set(implicit.map((k) => k.name));
    const aliasDef = new ConfigDef();
    for (const k of pluginDef.configKeys()) {
      // The implicit type/predicate/negate keys mask plugin keys of the same name.
      if (implicitNames.has(prefix + k.name) || def.has(prefix + k.name)) continue;
      const pk = prefixedKey(k, prefix, group, order++);
      aliasDef.define(pk);
      def.define(pk);
    }
    // Parsing the prefixed keys against the full config gives the same messages REST validate shows.
    const { errors: pluginErrors } = aliasDef.parseCollect(config);
    let ok = true;
    for (const [k, msgs] of Object.entries(pluginErrors)) {
      ok = false;
      for (const m of msgs) addError(k, m);
    }
    return ok ? { className, make } : null;
  };

  /** Instantiates and configures; on failure records errors under the alias' keys and returns null. */
  const configure = <T>(make: () => unknown, prefix: string, props: Record<string, string>): T | null => {
    let instance: { configure(p: Record<string, string>): void } | null = null;
    try {
      instance = make() as { configure(p: Record<string, string>): void };
      instance.configure(props);
      return instance as T;
    } catch (e) {
      const keyed = e instanceof ConfigError ? Object.entries(e.errors) : [];
      if (keyed.length > 0) {
        for (const [k, msgs] of keyed) for (const m of msgs) addError(prefix + k, m.split(`configuration ${k}`).join(`configuration ${prefix + k}`));
      } else {
        addError(`${prefix}type`, (e as Error).message);
      }
      closeQuietly(instance);
      return null;
    }
  };

  // Transforms first, then predicates: the order Connect lists the enriched groups and keys in.
  interface Pending { alias: string; prefix: string; className: string; make: () => unknown; predicateAlias: string | null; negate: boolean; ok: boolean }
  const pending: Pending[] = [];
  for (const alias of new Set(transforms)) {
    const prefix = `${TRANSFORMS_CONFIG}.${alias}.`;
    const implicit: ConfigKey[] = [
      { name: prefix + PREDICATE_CONFIG, type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: 'The alias of a predicate used to determine whether to apply this transformation.', displayName: 'Predicate' },
      { name: prefix + NEGATE_CONFIG, type: 'BOOLEAN', defaultValue: false, importance: 'MEDIUM', documentation: 'Whether the configured predicate should be negated.', displayName: 'Negate' },
    ];
    const r = examine(alias, prefix, 'transformation', `Transforms: ${alias}`, implicit);

    const predicateKey = prefix + PREDICATE_CONFIG;
    const negateKey = prefix + NEGATE_CONFIG;
    const predicateAlias = config[predicateKey]?.trim() || null;
    const negateRaw = config[negateKey];
    let negate = false;
    let ok = r !== null;
    if (negateRaw !== undefined && negateRaw !== null) {
      try { negate = parseType(negateKey, negateRaw, 'BOOLEAN') as boolean; } catch (e) { addError(negateKey, (e as Error).message); ok = false; }
      if (predicateAlias === null) {
        addError(negateKey, `Config '${negateKey}' was provided to a transform without also providing '${predicateKey}'`);
        ok = false;
      }
    }
    if (predicateAlias !== null && !predicateSet.has(predicateAlias)) {
      addError(predicateKey, `Invalid value ${predicateAlias} for configuration ${predicateKey}: Transform's predicate alias '${predicateAlias}' is not defined in '${PREDICATES_CONFIG}'`);
      ok = false;
    }
    if (r) pending.push({ alias, prefix, className: r.className, make: r.make, predicateAlias, negate, ok });
  }

  const predicateInfo = new Map<string, { make: () => unknown; props: Record<string, string> }>();
  for (const alias of new Set(predicates)) {
    const prefix = `${PREDICATES_CONFIG}.${alias}.`;
    const r = examine(alias, prefix, 'predicate', `Predicates: ${alias}`, []);
    if (!r) continue;
    const props = stripPrefix(config, prefix);
    predicateInfo.set(alias, { make: r.make, props });
    // Cross-key checks live in configure(); run them once even for predicates no stage uses.
    closeQuietly(configure<Predicate<R>>(r.make, prefix, props));
  }

  for (const p of pending) {
    const props = stripPrefix(config, p.prefix);
    delete props[PREDICATE_CONFIG];
    delete props[NEGATE_CONFIG];
    const transformation = configure<Transformation<R>>(p.make, p.prefix, props);
    if (transformation === null) continue;
    if (!build || !p.ok) {
      closeQuietly(transformation);
      continue;
    }
    let predicate: Predicate<R> | null = null;
    if (p.predicateAlias !== null) {
      const info = predicateInfo.get(p.predicateAlias);
      // Each stage gets its own predicate instance, as Connect does.
      predicate = info ? configure<Predicate<R>>(info.make, `${PREDICATES_CONFIG}.${p.predicateAlias}.`, info.props) : null;
      if (predicate === null) {
        closeQuietly(transformation);
        continue;
      }
    }
    stages.push(new Stage<R>(p.alias, p.className, transformation, p.predicateAlias, predicate, p.negate));
  }
  return { errors, def, groups, stages };
}

function errorLines(errors: Record<string, string[]>): string[] {
  const lines: string[] = [];
  for (const [key, msgs] of Object.entries(errors)) for (const m of msgs) lines.push(m.includes(key) ? m : `${key}: ${m}`);
  return lines;
}

/**
 * Builds the transformation chain of a connector config. Throws ConfigError (with per-key `errors`)
 * when any alias, class, predicate reference or plugin config is invalid; nothing is left open then.
 */
export function buildTransformationChain<R extends ConnectRecord = ConnectRecord>(
  connectorConfig: Readonly<Record<string, string>>,
  resolve: PluginResolver,
  opts: ChainOptions = {},
): TransformationChain<R> {
  const a = analyze<R>(connectorConfig, resolve, true, opts);
  const lines = errorLines(a.errors);
  if (lines.length > 0) {
    for (const s of a.stages) { try { s.close(); } catch { /* already failing */ } }
    throw new ConfigError(
      `Connector configuration is invalid and contains the following ${lines.length} error(s):\n${lines.join('\n')}`,
      a.errors,
    );
  }
  return new Chain<R>(a.stages);
}

/** Validation for REST `config/validate`: per-key errors plus the enriched per-alias key definitions. */
export function validateTransformations(
  connectorConfig: Readonly<Record<string, string>>,
  resolve: PluginResolver,
  opts: ChainOptions = {},
): TransformsValidation {
  const a = analyze(connectorConfig, resolve, false, opts);
  const configs = a.def.validateAll(connectorConfig).map((c) => {
    const extra = a.errors[c.value.name] ?? [];
    const merged = [...c.value.errors];
    for (const m of extra) if (!merged.includes(m)) merged.push(m);
    // Parse errors found by validateAll belong in the error map too.
    if (merged.length > 0) a.errors[c.value.name] = merged;
    return { definition: c.definition, value: { ...c.value, errors: merged } };
  });
  // Errors on the connector-level `transforms`/`predicates` keys (duplicate aliases) get entries too,
  // so a caller merging by key name can attach them to its own definitions of those keys.
  const base = transformsConfigDef();
  for (const entry of base.validateAll(connectorConfig)) {
    const errs = a.errors[entry.value.name];
    if (errs && errs.length > 0) configs.push({ definition: entry.definition, value: { ...entry.value, errors: [...errs] } });
  }
  const errorCount = Object.values(a.errors).reduce((n, l) => n + l.length, 0);
  return { errors: a.errors, errorCount, configDef: a.def, groups: a.groups, configs };
}

/** Just the enriched per-alias ConfigDef and groups (e.g. for documentation), ignoring errors. */
export function transformationConfigDef(
  connectorConfig: Readonly<Record<string, string>>,
  resolve: PluginResolver,
  opts: ChainOptions = {},
): { configDef: ConfigDef; groups: string[] } {
  const a = analyze(connectorConfig, resolve, false, opts);
  return { configDef: a.def, groups: a.groups };
}
