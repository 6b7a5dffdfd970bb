// The one place that knows which config keys hold secrets, and how a secret is shown: `[hidden]`,
// as Kafka's ConfigDef shows PASSWORD values. Everything that prints a config — REST validate,
// logs, status traces, error messages, metric labels — goes through here.
//
// A key is secret when
//  - its last segment(s) name a Kafka client/Connect password setting, under any prefix
//    (`producer.override.sasl.jaas.config`, `A.ssl.keystore.password`, `connection.password`), or
//  - some ConfigDef declared it PASSWORD (ConfigDef.define registers it), again under any prefix
//    (`transforms.x.<key>`), because a config map printed in a log does not know its ConfigDef.
// Over-hiding a value costs a debugging detour; under-hiding it leaks a credential, so matching is
// deliberately broad.

export const HIDDEN = '[hidden]';

// Exact trailing key paths that Kafka types PASSWORD (or that carry credentials inline).
const SECRET_SUFFIXES: readonly string[] = [
  'sasl.jaas.config',
  'ssl.keystore.key',
  'ssl.keystore.password',
  'ssl.truststore.password',
  'ssl.key.password',
  'sasl.oauthbearer.client.credentials.client.secret',
  'sasl.oauthbearer.assertion.private.key.passphrase',
  'basic.auth.user.info',
  'bearer.auth.token',
  'connection.password',
  'password',
];

// Last segment words that mean "credential" whatever the plugin calls the key
// (`db.passwd`, `api.secret`, `client_secret`, `key.passphrase`, JAAS `clientSecret`).
const SECRET_LAST_SEGMENT = /(password|passwd|pwd|secret|passphrase)$|password/i;

const declaredPasswordKeys = new Set<string>();

/** Called by ConfigDef for every PASSWORD-type key, so that key is hidden wherever it appears. */
export function registerSecretKey(name: string): void {
  declaredPasswordKeys.add(name.toLowerCase());
}

function endsWithPath(key: string, suffix: string): boolean {
  return key === suffix || (key.endsWith(suffix) && key.charCodeAt(key.length - suffix.length - 1) === 46 /* '.' */);
}

/** True when a config key (with any prefix) holds a secret whose value must never be shown. */
export function isSecretKey(key: string): boolean {
  const k = key.trim().toLowerCase();
  for (const s of SECRET_SUFFIXES) if (endsWithPath(k, s)) return true;
  const dot = k.lastIndexOf('.');
  if (SECRET_LAST_SEGMENT.test(dot < 0 ? k : k.slice(dot + 1))) return true;
  for (const s of declaredPasswordKeys) if (endsWithPath(k, s)) return true;
  return false;
}

/**
 * A copy of a config map with every secret value replaced by `[hidden]` (null and undefined stay,
 * as Connect shows a missing password as null). Non-secret values are kept as they are, including
 * `${provider:…}` references, which name where a secret lives but not the secret.
 */
export function redactConfig<T extends Record<string, unknown>>(c: T): T {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(c)) {
    const v = c[key];
    if (v === null || v === undefined || v === HIDDEN || !isSecretKey(key)) continue;
    out ??= { ...c };
    out[key] = HIDDEN;
  }
  return (out ?? c) as T;
}

// Secret values seen at resolution time (secret keys' values, whatever a provider resolved them
// from). The log sink scrubs these out of every line, which catches a secret that reached a message
// some other way (an exception from a client library quoting its config, a JAAS parse error).
const knownSecretValues = new Set<string>();
// Short values ("a", "1") would scrub ordinary words out of logs; they are not credentials anyway.
const MIN_SCRUBBED_LENGTH = 4;
const MAX_REMEMBERED = 1000;

/** Remembers the values of a config's secret keys so `scrubSecrets` can remove them from text. */
export function rememberSecrets(config: Readonly<Record<string, unknown>>): void {
  for (const key of Object.keys(config)) {
    const v = config[key];
    if (typeof v !== 'string' || !isSecretKey(key)) continue;
    rememberSecretValue(v);
    // A JAAS line holds the password among other options; an error quoting only the password must be
    // scrubbed too.
    if (key.toLowerCase().endsWith('jaas.config')) {
      for (const m of v.matchAll(/([\w.]+)\s*=\s*"((?:[^"\\]|\\.)*)"/g)) if (isSecretKey(m[1]!)) rememberSecretValue(m[2]!);
    }
  }
}

/** Remembers one secret value (e.g. a password found inside a JAAS line). */
export function rememberSecretValue(value: string): void {
  if (value.length < MIN_SCRUBBED_LENGTH || value === HIDDEN || /^\$\{[^}]*\}$/.test(value) || knownSecretValues.has(value)) return;
  // Bounded: every validate request remembers its secrets; the oldest go first (a Set keeps insertion order).
  if (knownSecretValues.size >= MAX_REMEMBERED) knownSecretValues.delete(knownSecretValues.values().next().value!);
  knownSecretValues.add(value);
}

/** True when some secret value is known (lets hot callers skip scrubbing). */
export function hasKnownSecrets(): boolean {
  return knownSecretValues.size > 0;
}

/** Replaces every known secret value (raw or JSON-escaped) in a text with `[hidden]`. */
export function scrubSecrets(text: string): string {
  if (knownSecretValues.size === 0) return text;
  let out = text;
  for (const s of knownSecretValues) {
    if (out.includes(s)) out = out.split(s).join(HIDDEN);
    // In JSON log lines a secret with quotes or backslashes appears escaped.
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s && out.includes(escaped)) out = out.split(escaped).join(HIDDEN);
  }
  return out;
}

/** Forgets remembered secret values (tests). */
export function forgetSecretValues(): void {
  knownSecretValues.clear();
}
