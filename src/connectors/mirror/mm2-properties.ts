// Dedicated MirrorMaker mode: mm2.properties → one herder per ordered cluster pair, with the effective configs
// of its three connectors and of its Connect worker, following MirrorMakerConfig.
//
// Connector config precedence, lowest first:
//   1. top-level keys that are connector keys (MM2/Connect names, plus security/ssl/sasl client keys);
//      `replication.policy*` and `config.providers*` always pass;
//   2. `source.cluster.*` / `target.cluster.*` from `<alias>.*` (keys not starting with consumer/producer/admin),
//      and `source.consumer.*`, `target.producer.*`, … from `<alias>.consumer.*` etc.;
//   3. name, connector.class, source.cluster.alias, target.cluster.alias (unless already set);
//   4. `<src>-><tgt>.*` overrides; `enabled` defaults to false.
// Cluster props `<alias>.*` also get connection/security keys copied to `producer.`/`consumer.`/`admin.`, with
// top-level connection/security keys as fallbacks.
// Worker config: `<target>.*` cluster props, then top-level offset.storage*, config.storage*, status.storage*,
// key/value/header.converter*, task*, worker*, replication.policy*, config.providers*; defaults client.id=A->B,
// group.id=A-mm2, internal topics mm2-{offsets,status,configs}.A.internal (on the target) and
// ByteArrayConverter for keys, values and headers.
// `${provider:path:key}` references are resolved with the file's own `config.providers` (as MirrorMakerConfig
// does) for everything Ferry uses directly — cluster and worker props, the effective connector configs. The
// connector configs as written (`storedConnectors`) keep their references: that is what goes into the config
// topic, and the flow's worker (which gets the same `config.providers`) resolves them when a connector starts.
import { ConfigError } from '../../connect/api/index.js';
import { resolveOwnReferences } from '../../config/config-providers.js';
import { parseProperties } from '../../config/properties.js';
import { validateRegexList, splitList } from './filters.js';
import {
  ENABLED, EMIT_HEARTBEATS_ENABLED, MIRROR_CHECKPOINT_CONNECTOR_CLASS, MIRROR_HEARTBEAT_CONNECTOR_CLASS, MIRROR_SOURCE_CONNECTOR_CLASS,
  SOURCE_CLUSTER_ALIAS, TARGET_CLUSTER_ALIAS, isClientConfigName, mirrorCheckpointConfigDef, mirrorHeartbeatConfigDef, mirrorSourceConfigDef,
  translateDeprecatedKeys, validateMirrorCheckpointProps, validateMirrorSourceProps,
} from './mirror-config.js';
import { PROVENANCE_HEADER_CONFIG, namingShowsCycles } from './provenance.js';
import { DEFAULT_REPLICATION_POLICY_CLASS, REPLICATION_POLICY_CLASS_CONFIG, createReplicationPolicy } from './replication-policy.js';

export const CLUSTERS_CONFIG = 'clusters';
export const BYTE_ARRAY_CONVERTER = 'org.apache.kafka.connect.converters.ByteArrayConverter';

export type MirrorConnectorName = 'MirrorSourceConnector' | 'MirrorCheckpointConnector' | 'MirrorHeartbeatConnector';

const CONNECTORS: readonly { name: MirrorConnectorName; className: string }[] = [
  { name: 'MirrorSourceConnector', className: MIRROR_SOURCE_CONNECTOR_CLASS },
  { name: 'MirrorCheckpointConnector', className: MIRROR_CHECKPOINT_CONNECTOR_CLASS },
  { name: 'MirrorHeartbeatConnector', className: MIRROR_HEARTBEAT_CONNECTOR_CLASS },
];

/** Connect's connector-level keys that a top-level mm2.properties entry may set for every connector. */
const CONNECT_CONNECTOR_KEYS = [
  'name', 'connector.class', 'tasks.max', 'tasks.max.enforce', 'key.converter', 'value.converter', 'header.converter', 'transforms',
  'predicates', 'config.action.reload', 'errors.retry.timeout', 'errors.retry.delay.max.ms', 'errors.tolerance', 'errors.log.enable',
  'errors.log.include.messages',
];

const WORKER_PREFIXES = ['offset.storage', 'config.storage', 'status.storage', 'key.converter', 'value.converter', 'header.converter', 'task', 'worker', 'replication.policy', 'config.providers', 'exactly.once.source.support'];

const REGEX_KEYS = ['topics', 'topics.exclude', 'topics.blacklist', 'groups', 'groups.exclude', 'groups.blacklist', 'config.properties.exclude', 'config.properties.blacklist'];

let knownConnectorKeys: Set<string> | undefined;
function isConnectorKey(k: string): boolean {
  knownConnectorKeys ??= new Set([
    ...mirrorSourceConfigDef().names(), ...mirrorCheckpointConfigDef().names(), ...mirrorHeartbeatConfigDef().names(), ...CONNECT_CONNECTOR_KEYS,
  ]);
  return knownConnectorKeys.has(k) || isClientConfigName(k);
}

export interface Mm2Flow {
  source: string;
  target: string;
  /** The connectors' effective `enabled` (normally from `A->B.enabled`): the source and checkpoint connectors
   * replicate. Otherwise the herder exists for heartbeats only. */
  replicationEnabled: boolean;
  heartbeatsEnabled: boolean;
  /** Worker (herder) config for this pair; its internal topics live on the target cluster. */
  worker: Record<string, string>;
  /** Effective connector configs, keyed by connector name (config provider references resolved). */
  connectors: Record<MirrorConnectorName, Record<string, string>>;
  /** The same configs with `${provider:…}` references as written: what a herder stores. */
  storedConnectors: Record<MirrorConnectorName, Record<string, string>>;
}

export interface Mm2Config {
  clusters: string[];
  /** One entry per herder: every ordered pair with replication or heartbeats enabled (filtered by --clusters). */
  flows: Mm2Flow[];
  /** Replication flows only (`A->B.enabled = true`). */
  enabledFlows(): Mm2Flow[];
  /** `<alias>.*` cluster props with client fallbacks, e.g. for MirrorClient/admin connections. */
  clusterProps(alias: string): Record<string, string>;
}

export interface Mm2Options {
  /** `--clusters`: only herders whose target is one of these run in this process. */
  clusters?: readonly string[];
}

function parseBool(v: string | undefined): boolean {
  return v !== undefined && v.trim().toLowerCase() === 'true';
}

function stripped(raw: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

function prefixed(raw: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (k.startsWith(prefix)) out[k] = v;
  return out;
}

/** Splits `A->B.rest` into the pair and the rest, using the declared aliases (which may contain dots). */
function splitFlowKey(key: string, clusters: readonly string[]): { source: string; target: string; rest: string } | { error: string } | null {
  const arrow = key.indexOf('->');
  if (arrow < 0) return null;
  const source = key.slice(0, arrow);
  const after = key.slice(arrow + 2);
  let target: string | undefined;
  for (const c of clusters) if (after.startsWith(c + '.') && (target === undefined || c.length > target.length)) target = c;
  if (!clusters.includes(source)) {
    const t = target ?? after.split('.')[0] ?? '';
    return { error: `Unknown cluster "${source}" in replication flow ${source}->${t} (declared clusters: ${clusters.join(', ')})` };
  }
  if (target === undefined) {
    const guess = after.split('.')[0] ?? after;
    return { error: `Unknown cluster "${guess}" in replication flow ${source}->${guess} (declared clusters: ${clusters.join(', ')})` };
  }
  if (source === target) return { error: `Replication flow ${source}->${target} goes from a cluster to itself` };
  return { source, target, rest: after.slice(target.length + 1) };
}

/** MirrorMakerConfig.clusterProps. */
function clusterPropsOf(raw: Readonly<Record<string, string>>, alias: string): Record<string, string> {
  const props = stripped(raw, alias + '.');
  for (const [k, v] of Object.entries({ ...props })) {
    if (!isClientConfigName(k)) continue;
    props[`producer.${k}`] ??= v;
    props[`consumer.${k}`] ??= v;
    props[`admin.${k}`] ??= v;
  }
  for (const [k, v] of Object.entries(raw)) {
    if (!isClientConfigName(k)) continue;
    props[`producer.${k}`] ??= v;
    props[`consumer.${k}`] ??= v;
    props[`admin.${k}`] ??= v;
    props[k] ??= v;
  }
  return props;
}

const CLIENT_PREFIXED = /^(consumer|producer|admin)/;

function connectorBaseConfig(raw: Readonly<Record<string, string>>, source: string, target: string, connector: { name: string; className: string }): Record<string, string> {
  const props: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (isConnectorKey(k)) props[k] = v;
  Object.assign(props, prefixed(raw, 'config.providers'), prefixed(raw, 'replication.policy'));
  for (const [side, alias] of [['source', source], ['target', target]] as const) {
    const cp = clusterPropsOf(raw, alias);
    for (const [k, v] of Object.entries(cp)) {
      if (CLIENT_PREFIXED.test(k)) props[`${side}.${k}`] = v;
      else props[`${side}.cluster.${k}`] = v;
    }
  }
  props['name'] ??= connector.name;
  props['connector.class'] ??= connector.className;
  props[SOURCE_CLUSTER_ALIAS] ??= source;
  props[TARGET_CLUSTER_ALIAS] ??= target;
  Object.assign(props, stripped(raw, `${source}->${target}.`));
  props[ENABLED] ??= 'false';
  return props;
}

function workerConfig(raw: Readonly<Record<string, string>>, source: string, target: string): Record<string, string> {
  const props = clusterPropsOf(raw, target);
  for (const p of WORKER_PREFIXES) Object.assign(props, prefixed(raw, p));
  props['client.id'] ??= `${source}->${target}`;
  props['group.id'] ??= `${source}-mm2`;
  props['offset.storage.topic'] ??= `mm2-offsets.${source}.internal`;
  props['status.storage.topic'] ??= `mm2-status.${source}.internal`;
  props['config.storage.topic'] ??= `mm2-configs.${source}.internal`;
  props['key.converter'] ??= BYTE_ARRAY_CONVERTER;
  props['value.converter'] ??= BYTE_ARRAY_CONVERTER;
  props['header.converter'] ??= BYTE_ARRAY_CONVERTER;
  return props;
}

/**
 * ferry.provenance.header across a pair: when the reverse flow (target->source) replicates and its replication
 * policy cannot tell by name that this flow's remote topics came from `source` (e.g. identity naming on that
 * side only), only this flow's provenance hop stops records from going back. `auto` then resolves to
 * `always` in this flow's connector config (stored so too); `never` is refused naming both settings.
 */
function reverseFlowProvenance(
  raw: Readonly<Record<string, string>>, source: string, target: string, props: Record<string, string>, stored: Record<string, string>,
  fail: (key: string, msg: string) => void,
): void {
  if (!parseBool(props[ENABLED])) return;
  const setting = (props[PROVENANCE_HEADER_CONFIG] ?? 'auto').trim();
  if (setting === 'always') return;
  const reverse = connectorBaseConfig(raw, target, source, { name: 'MirrorSourceConnector', className: MIRROR_SOURCE_CONNECTOR_CLASS });
  if (!parseBool(reverse[ENABLED])) return;
  try {
    const forwardPolicy = createReplicationPolicy(props, props[REPLICATION_POLICY_CLASS_CONFIG]);
    // This flow's own identity naming: auto adds the hop anyway, never is refused by the connector's validation.
    if (!namingShowsCycles(forwardPolicy, source)) return;
    if (namingShowsCycles(forwardPolicy, source, createReplicationPolicy(reverse, reverse[REPLICATION_POLICY_CLASS_CONFIG]))) return;
  } catch {
    return; // an unknown policy class is reported by its own key
  }
  if (setting === 'auto') {
    props[PROVENANCE_HEADER_CONFIG] = 'always';
    stored[PROVENANCE_HEADER_CONFIG] = 'always';
  } else if (setting === 'never') {
    const key = `${source}->${target}.${PROVENANCE_HEADER_CONFIG}`;
    fail(raw[key] !== undefined ? key : PROVENANCE_HEADER_CONFIG, `Invalid value never for configuration ${raw[key] !== undefined ? key : PROVENANCE_HEADER_CONFIG}: the reverse flow ${target}->${source} (${REPLICATION_POLICY_CLASS_CONFIG} ${reverse[REPLICATION_POLICY_CLASS_CONFIG] ?? DEFAULT_REPLICATION_POLICY_CLASS}) cannot recognise ${source}'s topics on ${target} by name, so only the provenance header can stop records from looping back; use auto or always`);
  }
}

/**
 * Builds the dedicated-mode plan from parsed mm2.properties. Throws ConfigError naming every bad key: missing
 * `clusters`, a flow key naming an unknown cluster or a cluster to itself, a cluster without
 * `<alias>.bootstrap.servers`, invalid regexes and invalid connector values.
 */
export function parseMm2Properties(input: Readonly<Record<string, string | null | undefined>>, opts: Mm2Options = {}): Mm2Config {
  const written: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) if (v !== undefined && v !== null) written[k] = v;
  // Everything below reads resolved values; `written` only feeds the stored connector configs.
  const raw = resolveOwnReferences(written).resolved;
  const errors: Record<string, string[]> = {};
  const fail = (key: string, msg: string): void => { (errors[key] ??= []).push(msg); };

  const clusters = splitList(raw[CLUSTERS_CONFIG]);
  if (clusters.length === 0) {
    fail(CLUSTERS_CONFIG, `Missing required configuration "${CLUSTERS_CONFIG}" which has no default value.`);
    throw new ConfigError(errors[CLUSTERS_CONFIG]![0]!, errors);
  }
  const seen = new Set<string>();
  for (const c of clusters) {
    if (seen.has(c)) fail(CLUSTERS_CONFIG, `Cluster alias "${c}" is listed twice in ${CLUSTERS_CONFIG}`);
    seen.add(c);
    if (c.includes('->') || /\s/.test(c)) fail(CLUSTERS_CONFIG, `Invalid cluster alias "${c}" in ${CLUSTERS_CONFIG}: aliases may not contain "->" or whitespace`);
  }

  const flowOverrides = new Map<string, Set<string>>(); // "A->B" → keys overridden for that flow
  for (const key of Object.keys(raw)) {
    const parsed = splitFlowKey(key, clusters);
    if (parsed === null) continue;
    if ('error' in parsed) {
      fail(key, `Invalid configuration ${key}: ${parsed.error}`);
      continue;
    }
    const pair = `${parsed.source}->${parsed.target}`;
    let s = flowOverrides.get(pair);
    if (!s) flowOverrides.set(pair, (s = new Set()));
    s.add(parsed.rest);
  }

  const only = opts.clusters ? [...opts.clusters] : undefined;
  for (const c of only ?? []) if (!clusters.includes(c)) fail('--clusters', `Unknown cluster "${c}" given with --clusters (declared clusters: ${clusters.join(', ')})`);

  const globalHeartbeats = raw[EMIT_HEARTBEATS_ENABLED] === undefined ? true : parseBool(raw[EMIT_HEARTBEATS_ENABLED]);
  const flows: Mm2Flow[] = [];
  const used = new Set<string>();
  for (const source of clusters) {
    for (const target of clusters) {
      if (source === target) continue;
      const prefix = `${source}->${target}.`;
      const pairEnabled = parseBool(raw[prefix + ENABLED]);
      const hbKey = prefix + EMIT_HEARTBEATS_ENABLED;
      const heartbeatsEnabled = raw[hbKey] === undefined ? globalHeartbeats : parseBool(raw[hbKey]);
      if (!pairEnabled && !heartbeatsEnabled) continue;
      if (only && !only.includes(target)) continue;
      used.add(source);
      used.add(target);
      const connectors = {} as Record<MirrorConnectorName, Record<string, string>>;
      const storedConnectors = {} as Record<MirrorConnectorName, Record<string, string>>;
      for (const c of CONNECTORS) {
        connectors[c.name] = connectorBaseConfig(raw, source, target, c);
        storedConnectors[c.name] = connectorBaseConfig(written, source, target, c);
      }
      reverseFlowProvenance(raw, source, target, connectors.MirrorSourceConnector, storedConnectors.MirrorSourceConnector, fail);
      // The herder exists per MM2's pair rule; whether it replicates is what its connectors end up with
      // (a top-level `enabled = true` reaches every connector, as in MM2).
      const effective = parseBool(connectors.MirrorSourceConnector[ENABLED]);
      flows.push({ source, target, replicationEnabled: effective, heartbeatsEnabled, worker: workerConfig(raw, source, target), connectors, storedConnectors });
    }
  }

  for (const c of used) {
    const bs = clusterPropsOf(raw, c)['bootstrap.servers'];
    if (bs === undefined || bs.trim() === '') fail(`${c}.bootstrap.servers`, `Missing required configuration "${c}.bootstrap.servers": cluster ${c} takes part in a replication flow but has no bootstrap servers`);
  }

  // Values: check each effective connector config, reporting the key the user wrote (flow override or top level).
  const originKey = (flow: Mm2Flow, key: string): string => (flowOverrides.get(`${flow.source}->${flow.target}`)?.has(key) ? `${flow.source}->${flow.target}.${key}` : key);
  for (const key of REGEX_KEYS) if (raw[key] !== undefined) for (const m of validateRegexList(key, raw[key])) fail(key, m);
  for (const flow of flows) {
    const checks: [Record<string, string>, ReturnType<typeof mirrorSourceConfigDef>, ((p: Record<string, string>) => Record<string, string[]>) | undefined][] = [
      [flow.connectors.MirrorSourceConnector, mirrorSourceConfigDef(), flow.replicationEnabled ? validateMirrorSourceProps : undefined],
      [flow.connectors.MirrorCheckpointConnector, mirrorCheckpointConfigDef(), flow.replicationEnabled ? validateMirrorCheckpointProps : undefined],
      [flow.connectors.MirrorHeartbeatConnector, mirrorHeartbeatConfigDef(), undefined],
    ];
    for (const [props, def, extra] of checks) {
      const translated = translateDeprecatedKeys(props);
      const { errors: errs } = def.parseCollect(translated);
      if (extra) for (const [k, m] of Object.entries(extra(translated))) (errs[k] ??= []).push(...m);
      for (const [k, msgs] of Object.entries(errs)) {
        const where = originKey(flow, k);
        for (const m of msgs) {
          const text = where === k ? m : m.replace(`configuration ${k}`, `configuration ${where}`);
          if (!(errors[where] ?? []).includes(text)) fail(where, text);
        }
      }
    }
  }

  const bad = Object.entries(errors);
  if (bad.length > 0) {
    const lines = bad.flatMap(([, m]) => m);
    throw new ConfigError(lines.length === 1 ? lines[0]! : `Invalid mm2.properties (${lines.length} errors):\n${lines.join('\n')}`, errors);
  }

  return {
    clusters,
    flows,
    enabledFlows: () => flows.filter((f) => f.replicationEnabled),
    clusterProps: (alias: string) => clusterPropsOf(raw, alias),
  };
}

/** parseProperties (config/properties.ts, the one .properties reader) + parseMm2Properties. */
export function parseMm2PropertiesText(text: string, opts: Mm2Options = {}): Mm2Config {
  return parseMm2Properties(parseProperties(text, 'mm2.properties'), opts);
}
