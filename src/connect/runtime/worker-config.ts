// Worker-level keys (WorkerConfig + StandaloneConfig in Connect). Unknown keys are kept (clients take
// `producer.*`, `consumer.*`, `admin.*` and plain client keys) but keys that look like typos of known
// worker keys are reported.
import { AbstractConfig, ConfigDef, NO_DEFAULT, Validators } from '../api/config-def.js';
import { resolveOwnReferences, type ConfigProviders } from '../../config/config-providers.js';
import { securityProtocolOf, validateClientSecurity } from '../../kafka/security.js';
import { logger } from '../../observability/logger.js';

const log = logger('connect.worker-config');
const CLIENT_PREFIX = /^(producer|consumer|admin)\./;

export function workerConfigDef(): ConfigDef {
  return new ConfigDef()
    .define({ name: 'bootstrap.servers', type: 'LIST', defaultValue: 'localhost:9092', importance: 'HIGH', documentation: 'Kafka brokers the worker and its connectors use.' })
    .define({ name: 'key.converter', type: 'CLASS', defaultValue: NO_DEFAULT, importance: 'HIGH', documentation: 'Default converter for record keys.' })
    .define({ name: 'value.converter', type: 'CLASS', defaultValue: NO_DEFAULT, importance: 'HIGH', documentation: 'Default converter for record values.' })
    .define({ name: 'header.converter', type: 'CLASS', defaultValue: 'org.apache.kafka.connect.storage.SimpleHeaderConverter', importance: 'LOW', documentation: 'Default converter for record headers.' })
    .define({ name: 'offset.flush.interval.ms', type: 'LONG', defaultValue: 60_000, importance: 'LOW', documentation: 'Interval at which tasks commit offsets.', validator: Validators.atLeast(1) })
    .define({ name: 'offset.flush.timeout.ms', type: 'LONG', defaultValue: 5_000, importance: 'LOW', documentation: 'Maximum time to wait for records to flush before an offset commit is cancelled.' })
    .define({ name: 'task.shutdown.graceful.timeout.ms', type: 'LONG', defaultValue: 5_000, importance: 'LOW', documentation: 'Time to wait for tasks to stop gracefully.' })
    .define({ name: 'plugin.path', type: 'LIST', defaultValue: null, importance: 'LOW', documentation: 'Directories holding extra plugin JS modules.' })
    .define({ name: 'listeners', type: 'LIST', defaultValue: 'http://localhost:8083', importance: 'LOW', documentation: 'REST listeners, e.g. https://0.0.0.0:8443. Ferry binds loopback only by default (Connect: every interface).' })
    .define({ name: 'admin.listeners', type: 'LIST', defaultValue: null, importance: 'LOW', documentation: 'Listeners for /admin endpoints (empty disables them).' })
    .define({ name: 'rest.advertised.host.name', type: 'STRING', defaultValue: null, importance: 'LOW', documentation: 'Host name other workers use to reach this one.' })
    .define({ name: 'rest.advertised.port', type: 'INT', defaultValue: null, importance: 'LOW', documentation: 'Port other workers use to reach this one.' })
    .define({ name: 'rest.advertised.listener', type: 'STRING', defaultValue: null, importance: 'LOW', documentation: 'Protocol advertised to other workers.' })
    .define({ name: 'topic.tracking.enable', type: 'BOOLEAN', defaultValue: true, importance: 'LOW', documentation: 'Track the topics each connector uses.' })
    .define({ name: 'topic.tracking.allow.reset', type: 'BOOLEAN', defaultValue: true, importance: 'LOW', documentation: 'Allow resetting tracked topics through REST.' })
    .define({ name: 'topic.creation.enable', type: 'BOOLEAN', defaultValue: true, importance: 'LOW', documentation: 'Allow source connectors to create topics (topic.creation.*).' })
    .define({ name: 'rest.extension.classes', type: 'LIST', defaultValue: '', importance: 'LOW', documentation: 'REST extensions; Ferry supports org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension (HTTP basic authentication from the JAAS file in KAFKA_OPTS).' })
    .define({ name: 'access.control.allow.origin', type: 'STRING', defaultValue: '', importance: 'LOW', documentation: 'Origins allowed to make cross-origin (CORS) requests, comma-separated, or *. Empty: same-origin requests only (others are refused).' })
    .define({ name: 'access.control.allow.methods', type: 'STRING', defaultValue: '', importance: 'LOW', documentation: 'Methods allowed for cross-origin requests; empty means GET,POST,HEAD.' })
    .define({ name: 'rest.request.max.bytes', type: 'INT', defaultValue: 32 * 1024 * 1024, importance: 'LOW', documentation: 'Ferry: largest accepted REST request body in bytes (413 above).', validator: Validators.atLeast(1024) })
    .define({ name: 'rest.request.timeout.ms', type: 'LONG', defaultValue: 90_000, importance: 'LOW', documentation: 'Ferry: how long a REST request may take to arrive and to be served (Connect: 90 s, fixed).', validator: Validators.atLeast(1) })
    .define({ name: 'file.allowed.paths', type: 'LIST', defaultValue: '', importance: 'MEDIUM', documentation: 'Ferry: absolute directories FileStream connectors may read or write (below them only). Empty: FileStream connectors may not name a file at all.' })
    .define({ name: 'connector.client.config.override.policy', type: 'STRING', defaultValue: 'All', importance: 'MEDIUM', documentation: 'All, None, Principal or Allowlist: which producer./consumer./admin.override.* keys a connector may set.', validator: Validators.oneOf(['All', 'None', 'Principal', 'Allowlist']) })
    .define({ name: 'connector.client.config.override.allowlist', type: 'LIST', defaultValue: '', importance: 'MEDIUM', documentation: 'With the Allowlist policy: the client configs connectors may override.' })
    .define({ name: 'offset.storage.file.filename', type: 'STRING', defaultValue: null, importance: 'HIGH', documentation: 'Standalone mode: file where source offsets are stored.' });
}

export class WorkerConfig extends AbstractConfig {
  /** The worker's config providers: connector and task configs are resolved with these when they start. */
  readonly configProviders: ConfigProviders;

  /** `props` as written; `${provider:…}` references among them are resolved with the file's own providers. */
  constructor(props: Readonly<Record<string, string>>) {
    const { resolved, providers } = resolveOwnReferences(props);
    super(workerConfigDef(), resolved);
    this.configProviders = providers;
    // A security setting Ferry cannot honour stops the worker here, naming the key, before any connection.
    validateClientSecurity(this.internalClientProps(), 'worker');
    for (const kind of ['producer', 'consumer', 'admin'] as const) validateClientSecurity(this.clientProps(kind), `worker ${kind} clients (${kind}.*)`, kind);
  }

  /**
   * Client properties for the worker's own clients (config/offset/status stores, group membership, the
   * herder's admin): every top-level key, as Connect passes the worker's originals to them.
   */
  internalClientProps(overrides: Record<string, string> = {}): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.originals)) if (v !== undefined && !CLIENT_PREFIX.test(k)) out[k] = String(v);
    out['bootstrap.servers'] = this.getList('bootstrap.servers').join(',');
    return Object.assign(out, overrides);
  }

  /**
   * Client properties for a connector's clients, as Connect builds them (Worker.baseProducerConfigs /
   * baseConsumerConfigs / adminConfigs): producers and consumers inherit only bootstrap.servers from the top
   * level, then `producer.` / `consumer.` keys, then the connector's overrides; admin clients inherit every
   * top-level key, then `admin.` keys. So a secured worker needs `producer.security.protocol` etc., exactly
   * as a Java worker does; a task client left on PLAINTEXT under a secured worker is reported.
   */
  clientProps(prefix: 'producer' | 'consumer' | 'admin', overrides: Record<string, string> = {}): Record<string, string> {
    const out: Record<string, string> = prefix === 'admin'
      ? this.internalClientProps()
      : { 'bootstrap.servers': this.getList('bootstrap.servers').join(',') };
    Object.assign(out, this.originalsWithPrefix(`${prefix}.`), overrides);
    this.warnIfWeaker(prefix, out);
    return out;
  }

  private readonly warned = new Set<string>();
  private warnIfWeaker(prefix: string, props: Record<string, string>): void {
    let worker: string;
    let client: string;
    try {
      worker = securityProtocolOf(this.internalClientProps());
      client = securityProtocolOf(props);
    } catch {
      return; // an invalid security.protocol fails where the client is built, with the key named
    }
    if (worker === 'PLAINTEXT' || client !== 'PLAINTEXT' || this.warned.has(prefix)) return;
    this.warned.add(prefix);
    log.warn({ worker, client: prefix }, `The worker connects with security.protocol=${worker} but connector ${prefix} clients have none: Connect does not pass top-level security settings to them; set ${prefix}.security.protocol (and the ${prefix}.ssl.* / ${prefix}.sasl.* keys)`);
  }

  workerId(): string {
    const listener = this.getList('listeners')[0] ?? 'http://localhost:8083';
    const m = /^(\w+):\/\/([^:/]*):(\d+)/.exec(listener);
    const host = this.getOptionalString('rest.advertised.host.name') ?? (m?.[2] || 'localhost');
    const port = (this.values['rest.advertised.port'] as number | null) ?? Number(m?.[3] ?? 8083);
    return `${host}:${port}`;
  }
}
