// Replication factors are never silently reduced (#14): a factor larger than the live brokers is a clear
// error naming the topic, the factor and the setting that asked for it; -1 asks the broker for its
// default.replication.factor (sent as -1 in CreateTopics, which KRaft brokers accept even at v3, the
// newest version kafkajs speaks).

/** The replication factor that means "the broker's default.replication.factor". */
export const BROKER_DEFAULT_REPLICATION_FACTOR = -1;

export class ReplicationFactorError extends Error {
  override readonly name = 'ReplicationFactorError';
  constructor(message: string, readonly topic: string, readonly replicationFactor: number, readonly brokers: number | null, readonly setting?: string) {
    super(message);
  }
}

function fix(setting: string | undefined, brokers: number): string {
  const most = brokers === 1 ? '1' : `${brokers} or less`;
  return setting !== undefined
    ? `set ${setting} to ${most}, or -1 for the broker default`
    : `use a replication factor of ${most}, or -1 for the broker default`;
}

/**
 * The replication factor to send in CreateTopics for `requested` on a cluster of `brokers` live brokers:
 * -1 stays -1 (the broker applies its default), 1..brokers as asked; anything else throws.
 * `setting` is the configuration key that set the factor, when the caller knows it.
 */
export function replicationFactorFor(topic: string, requested: number, brokers: number, setting?: string): number {
  if (requested === BROKER_DEFAULT_REPLICATION_FACTOR) return requested;
  if (!Number.isInteger(requested) || requested < 1 || requested > 32767) {
    const how = setting !== undefined ? `set ${setting} to a positive number, or -1 for the broker default` : 'use a positive number, or -1 for the broker default';
    throw new ReplicationFactorError(`Cannot create topic '${topic}' with replication factor ${requested}: a replication factor must be at least 1 (${how})`, topic, requested, brokers, setting);
  }
  if (requested > brokers) {
    const only = brokers === 1 ? 'only 1 broker is available' : brokers === 0 ? 'no broker is available' : `only ${brokers} brokers are available`;
    throw new ReplicationFactorError(`Cannot create topic '${topic}' with replication factor ${requested}: ${only} (${fix(setting, Math.max(1, brokers))})`, topic, requested, brokers, setting);
  }
  return requested;
}

/**
 * Turns the broker's INVALID_REPLICATION_FACTOR answer to CreateTopics (e.g. -1 where the broker default
 * exceeds the live brokers, or a broker lost between the check and the request) into the same clear error;
 * other errors are returned unchanged.
 */
export function explainCreateTopicsError(e: unknown, topic: string, requested: number, brokers: number, setting?: string): unknown {
  const err = e as Error & { type?: string; errors?: { type?: string; topic?: string }[] };
  const invalid = err.type === 'INVALID_REPLICATION_FACTOR' || (err.errors ?? []).some((x) => x.type === 'INVALID_REPLICATION_FACTOR' && (x.topic === undefined || x.topic === topic));
  if (!invalid) return e;
  const what = requested === BROKER_DEFAULT_REPLICATION_FACTOR ? 'the broker default replication factor (-1)' : `replication factor ${requested}`;
  const plural = brokers === 1 ? '1 broker is' : `${brokers} brokers are`;
  const hint = setting !== undefined ? `set ${setting} to at most ${Math.max(1, brokers)}` : `use a replication factor of at most ${Math.max(1, brokers)}`;
  const extra = requested === BROKER_DEFAULT_REPLICATION_FACTOR ? ` (the broker's default.replication.factor is larger than the ${plural.replace(/ (is|are)$/, '')} available; ${hint})` : ` (${plural} available; ${hint}, or -1 for the broker default)`;
  const out = new ReplicationFactorError(`Cannot create topic '${topic}' with ${what}: the broker refused it as INVALID_REPLICATION_FACTOR${extra}`, topic, requested, brokers, setting);
  (out as Error & { cause?: unknown }).cause = e;
  return out;
}
