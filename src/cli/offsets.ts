// `ferry offsets translate --group G --from A --to B [--config mm2.properties] [--json]`: where consumer group G,
// which committed offsets on cluster A, should resume on cluster B — read from the checkpoints the mirror
// (Ferry or Apache MirrorMaker 2) wrote to `A.checkpoints.internal` on B. RemoteClusterUtils.translateOffsets
// as a command.
import { parseArgs } from 'node:util';
import { ConfigError } from '../connect/api/errors.js';
import { readPropertiesFile } from '../config/properties.js';
import { resolveOwnReferences } from '../config/config-providers.js';
import { parseMm2Properties } from '../connectors/mirror/mm2-properties.js';
import { MirrorClient, type TranslatedOffset } from '../mirror/client.js';
import { reportStartupError } from './connect.js';

export const OFFSETS_USAGE = `Usage: ferry offsets translate --group G --from A --to B [--config mm2.properties] [options]

Translates the offsets consumer group G committed on cluster A into offsets on cluster B, from the
checkpoints the mirror wrote to A.checkpoints.internal on B (as MM2's RemoteClusterUtils.translateOffsets).

Options:
  --group G                  consumer group (required)
  --from A                   alias of the cluster the group committed on (required)
  --to B                     alias of the cluster to translate to (required with --config)
  --config FILE              mm2.properties: B's connection settings (B.bootstrap.servers, B.security.*, …)
                             and the replication policy (replication.policy.class / .separator)
  --bootstrap-server H:P     B's bootstrap servers, instead of --config
  --command-config FILE      extra client properties for B (security, replication.policy.*), with --bootstrap-server
  --timeout-ms N             give up reading the checkpoints topic after N ms (default 30000)
  --json                     print JSON
  -h, --help                 this help`;

export interface OffsetsArgs {
  group: string;
  from: string;
  to?: string;
  config?: string;
  bootstrapServer?: string;
  commandConfig?: string;
  timeoutMs: number;
  json: boolean;
}

export class UsageError extends Error {}

export function parseOffsetsArgs(args: readonly string[]): OffsetsArgs | 'help' {
  const [sub, ...rest] = args;
  if (sub === undefined) throw new UsageError('missing subcommand (translate)');
  if (sub === '--help' || sub === '-h' || sub === 'help') return 'help';
  if (sub !== 'translate') throw new UsageError(`unknown subcommand '${sub}' (expected translate)`);
  let parsed: ReturnType<typeof parseTranslate>;
  try {
    parsed = parseTranslate(rest);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`);
  if (!v.group) throw new UsageError('--group is required');
  if (!v.from) throw new UsageError('--from is required');
  if (v.config === undefined && v['bootstrap-server'] === undefined) throw new UsageError('either --config or --bootstrap-server is required');
  if (v.config !== undefined && v['bootstrap-server'] !== undefined) throw new UsageError('--config and --bootstrap-server are mutually exclusive');
  if (v.config !== undefined && !v.to) throw new UsageError('--to is required with --config');
  if (v['command-config'] !== undefined && v['bootstrap-server'] === undefined) throw new UsageError('--command-config goes with --bootstrap-server');
  let timeoutMs = 30_000;
  if (v['timeout-ms'] !== undefined) {
    if (!/^\d+$/.test(v['timeout-ms']) || Number(v['timeout-ms']) < 1) throw new UsageError(`--timeout-ms must be a positive integer, got '${v['timeout-ms']}'`);
    timeoutMs = Number(v['timeout-ms']);
  }
  return {
    group: v.group, from: v.from, timeoutMs, json: v.json ?? false,
    ...(v.to ? { to: v.to } : {}),
    ...(v.config !== undefined ? { config: v.config } : {}),
    ...(v['bootstrap-server'] !== undefined ? { bootstrapServer: v['bootstrap-server'] } : {}),
    ...(v['command-config'] !== undefined ? { commandConfig: v['command-config'] } : {}),
  };
}

function parseTranslate(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      group: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, config: { type: 'string' },
      'bootstrap-server': { type: 'string' }, 'command-config': { type: 'string' }, 'timeout-ms': { type: 'string' },
      json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
}

/**
 * The MirrorClient properties for cluster `to` from an mm2.properties: its `<to>.*` client settings, the top-level
 * replication policy settings and the `<from>-><to>.replication.policy*` overrides (what the flow's connectors use).
 */
export function clientPropsFromMm2(raw: Readonly<Record<string, string>>, from: string, to: string, file = 'mm2.properties'): Record<string, string> {
  const config = parseMm2Properties(raw);
  for (const [flag, alias] of [['--from', from], ['--to', to]] as const) {
    if (!config.clusters.includes(alias)) {
      throw new ConfigError(`Cluster "${alias}" (${flag}) is not declared in clusters of ${file} (declared: ${config.clusters.join(', ')})`, { clusters: [`${alias} not declared`] });
    }
  }
  const props = config.clusterProps(to);
  for (const [k, v] of Object.entries(raw)) if (k.startsWith('replication.policy')) props[k] = v;
  const flow = `${from}->${to}.`;
  for (const [k, v] of Object.entries(raw)) if (k.startsWith(flow + 'replication.policy')) props[k.slice(flow.length)] = v;
  return props;
}

export function formatTranslation(group: string, from: string, to: string, topic: string, offsets: readonly TranslatedOffset[]): string {
  if (offsets.length === 0) return `No checkpoints for group ${group} from ${from} in ${topic} on ${to}.`;
  const rows = [['TOPIC', 'PARTITION', 'UPSTREAM-OFFSET', 'OFFSET', 'METADATA'], ...offsets.map((o) => [o.topic, String(o.partition), String(o.upstreamOffset), String(o.offset), o.metadata])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
  return [`Group ${group}: offsets on ${to} translated from ${from} (checkpoints in ${topic})`, ...lines].join('\n');
}

export async function offsetsCommand(args: string[]): Promise<number> {
  let opts: OffsetsArgs | 'help';
  try {
    opts = parseOffsetsArgs(args);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`ferry offsets: ${e.message}\n\n${OFFSETS_USAGE}`);
      return 2;
    }
    throw e;
  }
  if (opts === 'help') {
    console.log(OFFSETS_USAGE);
    return 0;
  }
  let client: MirrorClient | null = null;
  try {
    const to = opts.to ?? 'target';
    const props = opts.config !== undefined
      ? clientPropsFromMm2(readPropertiesFile(opts.config), opts.from, to, opts.config)
      // A --command-config file may use config providers, as Kafka's tools' client configs do (KIP-421).
      : { ...(opts.commandConfig !== undefined ? resolveOwnReferences(readPropertiesFile(opts.commandConfig)).resolved : {}), 'bootstrap.servers': opts.bootstrapServer! };
    client = new MirrorClient({ 'client.id': 'ferry-offsets-translate', ...props });
    const topic = client.replicationPolicy().checkpointsTopic(opts.from);
    const offsets = await client.remoteConsumerOffsets(opts.group, opts.from, { timeoutMs: opts.timeoutMs });
    if (opts.json) console.log(JSON.stringify({ group: opts.group, from: opts.from, to, checkpointsTopic: topic, offsets }, null, 2));
    else console.log(formatTranslation(opts.group, opts.from, to, topic, offsets));
    return 0;
  } catch (e) {
    return reportStartupError(e);
  } finally {
    await client?.close();
  }
}
