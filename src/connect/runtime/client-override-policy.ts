// connector.client.config.override.policy (KIP-458, Allowlist from KIP-1188): which `producer.override.*`,
// `consumer.override.*` and `admin.override.*` keys a connector may set. Checked when a connector is
// validated or created, and again when its tasks start (the worker's policy may have changed since).
import type { WorkerConfig } from './worker-config.js';

export type OverridePolicyName = 'All' | 'None' | 'Principal' | 'Allowlist';

export interface ClientOverridePolicy {
  name: OverridePolicyName;
  /** True when `clientKey` (without its override prefix) may be overridden. */
  allows(clientKey: string): boolean;
}

export const OVERRIDE_PREFIXES = ['producer.override.', 'consumer.override.', 'admin.override.'] as const;
/** What Connect's PrincipalConnectorClientConfigOverridePolicy lets a connector choose: its own identity. */
const PRINCIPAL_KEYS = new Set(['sasl.jaas.config', 'sasl.mechanism', 'security.protocol']);

export function clientOverridePolicy(name: string, allowlist: readonly string[] = []): ClientOverridePolicy {
  // Connect also accepts the class names and the policy's alias in any case.
  const short = name.trim().replace(/^org\.apache\.kafka\.connect\.connector\.policy\./, '').replace(/ConnectorClientConfigOverridePolicy$/, '').toLowerCase();
  switch (short) {
    case 'all': return { name: 'All', allows: () => true };
    case 'none': return { name: 'None', allows: () => false };
    case 'principal': return { name: 'Principal', allows: (k) => PRINCIPAL_KEYS.has(k) };
    case 'allowlist': {
      const allowed = new Set(allowlist.map((k) => k.trim()).filter((k) => k !== ''));
      return { name: 'Allowlist', allows: (k) => allowed.has(k) };
    }
    default: throw new Error(`Unknown connector.client.config.override.policy ${name}`);
  }
}

export function workerOverridePolicy(config: WorkerConfig): ClientOverridePolicy {
  return clientOverridePolicy(config.getString('connector.client.config.override.policy'), config.getList('connector.client.config.override.allowlist'));
}

/** Errors keyed by the full connector key, in Connect's words. */
export function overridePolicyErrors(policy: ClientOverridePolicy, config: Readonly<Record<string, string | null | undefined>>): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const key of Object.keys(config)) {
    const prefix = OVERRIDE_PREFIXES.find((p) => key.startsWith(p));
    if (prefix === undefined) continue;
    const clientKey = key.slice(prefix.length);
    if (!policy.allows(clientKey)) {
      errors[key] = [`The '${policy.name}' policy does not allow '${clientKey}' to be overridden in the connector configuration.`];
    }
  }
  return errors;
}
