// Connector config validation shared by the standalone and distributed herders (AbstractHerder in Connect):
// framework keys + the connector's ConfigDef + connector.validate() + transforms/predicates + converters.
import { overridePolicyErrors, type ClientOverridePolicy } from '../runtime/client-override-policy.js';
import type { ConfigKeyInfo, ConfigValueInfo } from '../api/config-def.js';
import { BadRequestError, ConfigError } from '../api/errors.js';
import type { SinkConnector, SourceConnector } from '../api/connector.js';
import type { PluginRegistry } from '../runtime/plugins.js';
import { sinkConnectorConfigDef, sinkCrossChecks, sourceConnectorConfigDef, sourceExactlyOnceChecks, type WorkerExactlyOnce } from '../runtime/connector-config.js';
import type { ConfigInfos } from './herder.js';
import { hasReference, type ConfigProviders } from '../../config/config-providers.js';
import { HIDDEN, isSecretKey, redactConfig, scrubSecrets } from '../../config/secrets.js';

export interface ExtraValidation {
  groups: string[];
  configs: { definition: ConfigKeyInfo | null; value: ConfigValueInfo | null }[];
}

/** Validates transforms/predicates (provided by connect/transforms so this module needs no SMT knowledge). */
export type TransformValidator = (config: Readonly<Record<string, string>>) => ExtraValidation;

/**
 * Validates a connector config as it will run: `${provider:…}` references are resolved with the worker's
 * providers first (as AbstractHerder does), but the response shows the values as written, and secret
 * values as "[hidden]".
 */
export async function validateConnectorConfig(
  plugins: PluginRegistry,
  rawConfig: Readonly<Record<string, string>>,
  transformValidator?: TransformValidator,
  providers?: ConfigProviders,
  overridePolicy?: ClientOverridePolicy,
  exactlyOnce: WorkerExactlyOnce | 'standalone' = 'standalone',
): Promise<ConfigInfos> {
  const config: Readonly<Record<string, string>> = providers ? providers.transform(rawConfig) : rawConfig;
  const infos = await validateResolved(plugins, config, transformValidator, overridePolicy, exactlyOnce);
  for (const c of infos.configs) {
    const v = c.value;
    if (!v) continue;
    const raw = rawConfig[v.name];
    if (raw !== undefined && hasReference(raw)) v.value = raw;
    if (v.value !== null && v.value !== HIDDEN && isSecretKey(v.name)) v.value = HIDDEN;
    // A plugin's own messages may quote a resolved secret.
    v.errors = v.errors.map(scrubSecrets);
  }
  return infos;
}

async function validateResolved(
  plugins: PluginRegistry,
  config: Readonly<Record<string, string>>,
  transformValidator?: TransformValidator,
  overridePolicy?: ClientOverridePolicy,
  exactlyOnce: WorkerExactlyOnce | 'standalone' = 'standalone',
): Promise<ConfigInfos> {
  const cls = config['connector.class'];
  if (cls === undefined || cls.trim() === '') throw new BadRequestError(`Connector config ${JSON.stringify(redactConfig(config))} contains no connector type`);
  const d = plugins.find(cls, ['source', 'sink']);
  if (!d) {
    const available = plugins.list(['source', 'sink']).map((p) => p.className).join(', ');
    throw new BadRequestError(`Failed to find any class that implements Connector and which name matches ${cls}, available connectors are: ${available}`);
  }
  const connector = d.create() as SourceConnector | SinkConnector;
  const frameworkDef = connector.kind === 'sink' ? sinkConnectorConfigDef() : sourceConnectorConfigDef();
  const results = frameworkDef.validateAll(config);
  const groups = new Set<string>(['Common']);
  for (const r of results) if (r.definition.group) groups.add(r.definition.group);
  const pluginDef = connector.config();
  const pluginResults = pluginDef.validateAll(config).filter((r) => !frameworkDef.has(r.definition.name));
  for (const r of pluginResults) if (r.definition.group) groups.add(r.definition.group);
  const all: ConfigInfos['configs'] = [...results, ...pluginResults];
  const byName = new Map(all.map((c) => [c.value?.name ?? c.definition?.name ?? '', c]));
  const addErrors = (errs: Record<string, readonly string[]>) => {
    for (const [k, msgs] of Object.entries(errs)) {
      const existing = byName.get(k);
      if (existing?.value) existing.value.errors.push(...msgs.filter((m) => !existing.value!.errors.includes(m)));
      else {
        const entry = { definition: null, value: { name: k, value: config[k] ?? null, recommended_values: [], errors: [...msgs], visible: true } };
        all.push(entry);
        byName.set(k, entry);
      }
    }
  };
  if (connector.kind === 'sink') {
    // An invalid topics.regex is already reported on the key by its validator (the rule the task subscribes
    // with); the DLQ cross-check matches against the regex, so it is skipped then rather than throwing.
    const regexValid = (byName.get('topics.regex')?.value?.errors.length ?? 0) === 0;
    addErrors(sinkCrossChecks(regexValid ? config : { ...config, 'errors.deadletterqueue.topic.name': '' }));
  }
  else addErrors(sourceExactlyOnceChecks(config, connector, exactlyOnce));
  if (overridePolicy) addErrors(overridePolicyErrors(overridePolicy, config));
  const nameProblem = connectorNameProblem(config['name']);
  if (nameProblem !== null) addErrors({ name: [nameProblem] });
  for (const [k, v] of Object.entries(config)) {
    if (v === null) addErrors({ [k]: ['Null value can not be supplied as the configuration value.'] });
  }
  // Converter overrides must name known converters.
  for (const [key, kind] of [['key.converter', 'converter'], ['value.converter', 'converter'], ['header.converter', 'header_converter']] as const) {
    const v = config[key];
    if (v !== undefined && v.trim() !== '' && !plugins.find(v, [kind])) addErrors({ [key]: [`Invalid value ${v} for configuration ${key}: Class ${v} could not be found.`] });
  }
  if (transformValidator) {
    const extra = transformValidator(config);
    for (const g of extra.groups) groups.add(g);
    for (const c of extra.configs) {
      const name = c.value?.name ?? c.definition?.name ?? '';
      if (byName.has(name)) { if (c.value?.errors.length) addErrors({ [name]: c.value.errors }); }
      else { all.push(c); byName.set(name, c); }
    }
  }
  if (connector.validate) {
    try {
      addErrors(await connector.validate({ ...config } as Record<string, string>));
    } catch (e) {
      addErrors({ 'connector.class': [`Connector validation failed: ${(e as Error).message}`] });
    }
  }
  const errorCount = all.reduce((n, c) => n + (c.value?.errors.length ?? 0), 0);
  return { name: cls, error_count: errorCount, groups: [...groups], configs: all };
}

/**
 * Longest connector name, in code points. Every name must be usable in a URL (/connectors/{name}/…): at
 * most 12 bytes per code point once percent-encoded keeps it under the router's 8 KiB path-parameter limit.
 */
export const MAX_CONNECTOR_NAME_LENGTH = 512;

/** Connect's NonEmptyStringWithoutControlChars (Java's ISO control characters), plus Ferry's length limit. */
export function connectorNameProblem(name: string | undefined): string | null {
  if (name === undefined) return null;
  const controls = [...name].filter((c) => { const n = c.codePointAt(0)!; return n <= 0x1f || (n >= 0x7f && n <= 0x9f); });
  if (controls.length > 0) {
    const shown = name.length > 100 ? `${name.slice(0, 100)}…` : name;
    return `Invalid value ${JSON.stringify(shown)} for configuration name: String may not contain control sequences but had the following ASCII chars: ${controls.map((c) => c.codePointAt(0)).join(', ')}`;
  }
  // HTTP clients resolve "." and ".." path segments (even percent-encoded) before sending: such a connector could never be addressed.
  if (name.trim() === '.' || name.trim() === '..') return `Invalid value ${name} for configuration name: "." and ".." cannot be used in a URL path`;
  const length = [...name].length;
  if (length > MAX_CONNECTOR_NAME_LENGTH) {
    return `Invalid value for configuration name: a connector name may have at most ${MAX_CONNECTOR_NAME_LENGTH} characters, this one has ${length}`;
  }
  return null;
}

/** Throws Connect's 400 "Connector configuration is invalid and contains the following N error(s)" when invalid. */
export function throwIfInvalid(infos: ConfigInfos): void {
  if (infos.error_count === 0) return;
  const lines: string[] = [];
  const perKey: Record<string, string[]> = {};
  for (const c of infos.configs) {
    for (const e of c.value?.errors ?? []) {
      lines.push(e);
      (perKey[c.value!.name] ??= []).push(e);
    }
  }
  throw new ConfigError(
    `Connector configuration is invalid and contains the following ${lines.length} error(s):\n${lines.join('\n')}\n` +
      'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`',
    perKey,
  );
}
