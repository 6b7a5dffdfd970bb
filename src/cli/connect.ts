// `connect-standalone worker.properties [connector.properties|connector.json …]` and
// `connect-distributed worker.properties` (also `ferry connect standalone|distributed …`).
import { KafkaClientConfigError } from '../kafka/security.js';
import { FileOffsetStore } from '../connect/storage/offset-store.js';
import { WorkerConfig, workerConfigDef } from '../connect/runtime/worker-config.js';
import { installProcessGuard } from '../connect/runtime/process-guard.js';
import { StandaloneHerder } from '../connect/herder/standalone.js';
import { createRestServer } from '../connect/rest/server.js';
import { workerRestSetup } from '../connect/rest/worker-rest.js';
import { ConfigError } from '../connect/api/errors.js';
import type { TargetState } from '../connect/herder/herder.js';
import { readPropertiesFile, readConnectorFile } from '../config/properties.js';
import { logger } from '../observability/logger.js';
import { scrubSecrets } from '../config/secrets.js';
import { registry as metricsRegistry } from '../observability/metrics.js';
import { builtinPlugins, transformerFactory, transformValidator } from '../app/plugins.js';
import { withClusterAdmin } from '../kafka/cluster-admin.js';

const log = logger('connect.cli');

/** Keys that are fine to have in a worker file without being worker keys (client settings, prefixes). */
const PASS_THROUGH = /^(producer|consumer|admin|key\.converter|value\.converter|header\.converter|config\.providers|listeners|ssl|sasl|security|metrics|metric|rest|client|request|retry|reconnect|socket|connections|send|receive|offset|config|status|group|session|heartbeat|rebalance|scheduled|worker|inter|exactly|task|connector|plugin|topic|access|response|admin\.listeners)[.\w-]*$/;

export interface ConnectorSpec { name: string; config: Record<string, string>; initialState?: TargetState }

export interface StandaloneHandle {
  herder: StandaloneHerder;
  url: string;
  stop(): Promise<void>;
}

/** Starts a standalone worker with its REST server; used by the CLI, the demo and the tests. */
export async function startStandalone(workerProps: Record<string, string>, connectors: ConnectorSpec[] = [], opts: { env?: Readonly<Record<string, string | undefined>> } = {}): Promise<StandaloneHandle> {
  const config = new WorkerConfig(workerProps);
  installProcessGuard();
  const unknown = Object.keys(workerProps).filter((k) => !workerConfigDef().has(k) && !PASS_THROUGH.test(k));
  if (unknown.length > 0) log.warn({ keys: unknown }, `unknown worker configuration keys (ignored): ${unknown.join(', ')}`);
  // REST security settings are checked before anything starts (a bad keystore or an unknown extension stops here).
  const restSetup = workerRestSetup(config, opts.env ?? process.env);
  const offsetsFile = config.getOptionalString('offset.storage.file.filename');
  if (!offsetsFile) throw new ConfigError('Missing required configuration "offset.storage.file.filename" which has no default value.', { 'offset.storage.file.filename': ['required in standalone mode'] });
  const plugins = builtinPlugins({ fileAllowedPaths: config.getList('file.allowed.paths') });
  const pluginPath = config.getList('plugin.path');
  if (pluginPath.length > 0) await plugins.loadPluginPath(pluginPath);
  const herder = new StandaloneHerder(
    config, plugins, new FileOffsetStore(offsetsFile), transformerFactory(plugins), transformValidator(plugins),
    () => withClusterAdmin(config.internalClientProps(), async (a) => (await a.clusterInfo()).clusterId),
  );
  await herder.start();
  const rest = createRestServer(herder, { ...restSetup.server, metricsRegistry });
  let url: string;
  try {
    url = (await rest.start()).url;
  } catch (e) {
    await herder.stop();
    throw e;
  }
  log.info({ url, workerId: herder.workerId() }, 'Ferry standalone worker started');
  // Connect prints its StandaloneConfig values at start; so does Ferry, secrets hidden (by the logger).
  log.info({ config: config.originals }, 'worker configuration');
  try {
    for (const c of connectors) {
      await herder.putConnectorConfig(c.name, c.config, { allowReplace: false, ...(c.initialState ? { initialState: c.initialState } : {}) });
    }
  } catch (e) {
    await rest.stop();
    await herder.stop();
    throw e;
  }
  return {
    herder,
    url,
    stop: async () => {
      await rest.stop();
      await herder.stop();
    },
  };
}

function usage(mode: string): string {
  return mode === 'distributed'
    ? 'Usage: connect-distributed worker.properties'
    : 'Usage: connect-standalone worker.properties [connector.properties|connector.json …]';
}

export async function connectCommand(args: string[]): Promise<number> {
  const [mode, ...rest] = args;
  if (mode === 'standalone') return standaloneMain(rest);
  if (mode === 'distributed') return distributedMain(rest);
  console.error('Usage: ferry connect standalone|distributed worker.properties [connector files…]');
  return 2;
}

/** Waits for SIGINT/SIGTERM, then stops gracefully. */
function untilSignal(stop: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal: sig }, 'stopping');
      stop().then(() => resolve(0), (e: unknown) => { console.error(e); resolve(1); });
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

export function reportStartupError(e: unknown): number {
  // Printed outside the logger, so scrubbed here: a client error may quote a resolved secret.
  const message = scrubSecrets(e instanceof Error ? e.message : String(e));
  if (e instanceof ConfigError || e instanceof KafkaClientConfigError) {
    console.error(`Invalid configuration: ${message}`);
    return 2;
  }
  console.error(message);
  return 1;
}

export async function standaloneMain(args: string[]): Promise<number> {
  if (args.length < 1 || args[0] === '--help' || args[0] === '-h') {
    console.error(usage('standalone'));
    return args.length < 1 ? 2 : 0;
  }
  try {
    const workerProps = readPropertiesFile(args[0]!);
    const connectors = args.slice(1).map((f) => readConnectorFile(f));
    const handle = await startStandalone(workerProps, connectors);
    console.log(`Ferry Connect standalone worker listening on ${handle.url}`);
    return await untilSignal(handle.stop);
  } catch (e) {
    return reportStartupError(e);
  }
}

export async function distributedMain(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0] === '--help' || args[0] === '-h') {
    console.error(usage('distributed'));
    return args.length === 1 ? 0 : 2;
  }
  try {
    const { startDistributed } = await import('../app/distributed.js');
    const handle = await startDistributed(readPropertiesFile(args[0]!));
    console.log(`Ferry Connect distributed worker listening on ${handle.url}`);
    return await untilSignal(handle.stop);
  } catch (e) {
    return reportStartupError(e);
  }
}
