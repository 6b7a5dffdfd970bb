// A transactional producer's side of Kafka's transaction protocol (KIP-98), as Java's TransactionManager runs
// it: the transaction coordinator of a `transactional.id` (FindCoordinator, key type 1), InitProducerId (which
// also fences every older producer of the same id: their epoch is now stale), AddPartitionsToTxn before the
// first write to a partition in a transaction, and EndTxn to commit or abort. Produce requests carry the
// transactional id (requests.produceRequestBody) and the producer id and epoch this manager holds.
//
// Retries follow Java's: a coordinator that moved or is loading (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE,
// COORDINATOR_LOAD_IN_PROGRESS) is looked up again; CONCURRENT_TRANSACTIONS (the previous transaction's markers
// are still being written) is retried after a short backoff; PRODUCER_FENCED / INVALID_PRODUCER_EPOCH mean a
// newer producer took the id over: fatal, a FencedError. Requests go through kafkajs's broker methods (the
// control plane), which Kafka 4.x still serves (InitProducerId, AddPartitionsToTxn and EndTxn v0..v1).

import type { KafkajsBroker, KafkajsCluster } from './kafkajs-internals.js';
import { retry } from '../backoff.js';
import { ConfigResourceTypes } from './kafkajs.js';
import { createLowLevelCluster, withAdmin, type ClientProps } from './client.js';
import { intSetting } from '../config/settings.js';

/** Kafka error codes this module acts on. */
const ERR = {
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  CONCURRENT_TRANSACTIONS: 51,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  PRODUCER_FENCED: 90,
} as const;
const COORDINATOR_MOVED = new Set<number>([ERR.COORDINATOR_LOAD_IN_PROGRESS, ERR.COORDINATOR_NOT_AVAILABLE, ERR.NOT_COORDINATOR]);
const FENCED = new Set<number>([ERR.INVALID_PRODUCER_EPOCH, ERR.PRODUCER_FENCED]);
const TRANSACTION_COORDINATOR = 1;

/** A newer producer with the same transactional.id exists: this one must stop (Java's ProducerFencedException). */
export class FencedError extends Error {
  override readonly name = 'FencedError';
}

/** A transaction request failed for good (authorization, invalid state, retries used up). */
export class TransactionError extends Error {
  override readonly name = 'TransactionError';
  constructor(message: string, readonly code: number | undefined, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** What the manager needs of a kafkajs cluster (a subset of KafkajsCluster, so tests can stand in for it). */
export type TransactionCluster = Pick<KafkajsCluster, 'findGroupCoordinator' | 'refreshMetadata'>;

export interface TransactionOptions {
  transactionalId: string;
  /** transaction.timeout.ms: the coordinator aborts a transaction left open longer. */
  transactionTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  /** How long one operation (init, add partitions, commit, abort) keeps retrying: max.block.ms in Java. */
  maxBlockMs: number;
}

export class TransactionManager {
  private producerId = -1;
  private producerEpoch = -1;
  private inTransaction = false;
  private readonly added = new Set<string>();
  private coordinator: KafkajsBroker | null = null;

  constructor(private readonly cluster: TransactionCluster, private readonly o: TransactionOptions) {}

  get transactionalId(): string { return this.o.transactionalId; }
  get producer(): { producerId: number; producerEpoch: number } { return { producerId: this.producerId, producerEpoch: this.producerEpoch }; }
  get active(): boolean { return this.inTransaction; }

  /**
   * InitProducerId for the transactional id: the coordinator aborts (or completes) whatever transaction the
   * id had open and bumps its epoch, so every older producer of the id is fenced from now on.
   */
  async init(): Promise<{ producerId: number; producerEpoch: number }> {
    const r = await this.call('InitProducerId', (b) => b.initProducerId({ transactionalId: this.o.transactionalId, transactionTimeout: this.o.transactionTimeoutMs }));
    this.producerId = Number(r.producerId);
    this.producerEpoch = Number(r.producerEpoch);
    this.inTransaction = false;
    this.added.clear();
    return this.producer;
  }

  begin(): void {
    if (this.producerId < 0) throw new TransactionError(`transactional.id ${this.o.transactionalId}: begin before init`, undefined);
    if (this.inTransaction) throw new TransactionError(`transactional.id ${this.o.transactionalId}: a transaction is already open`, ERR.INVALID_TXN_STATE);
    this.inTransaction = true;
    this.added.clear();
  }

  /** Adds the partitions not yet in the open transaction; call before producing to them. */
  async addPartitions(partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<void> {
    if (!this.inTransaction) throw new TransactionError(`transactional.id ${this.o.transactionalId}: no open transaction to add partitions to`, ERR.INVALID_TXN_STATE);
    const byTopic = new Map<string, number[]>();
    const keys: string[] = [];
    for (const { topic, partition } of partitions) {
      const k = `${topic}\u0000${partition}`;
      if (this.added.has(k) || keys.includes(k)) continue;
      keys.push(k);
      const list = byTopic.get(topic);
      if (list) list.push(partition); else byTopic.set(topic, [partition]);
    }
    if (keys.length === 0) return;
    const topics = [...byTopic].map(([topic, parts]) => ({ topic, partitions: parts }));
    await this.call('AddPartitionsToTxn', (b) => b.addPartitionsToTxn({ transactionalId: this.o.transactionalId, ...this.producer, topics }));
    for (const k of keys) this.added.add(k);
  }

  /** EndTxn: commit (true) or abort (false). Every write of the transaction must be acknowledged before a commit. */
  async end(commit: boolean): Promise<void> {
    if (!this.inTransaction) throw new TransactionError(`transactional.id ${this.o.transactionalId}: no open transaction to ${commit ? 'commit' : 'abort'}`, ERR.INVALID_TXN_STATE);
    // Nothing written (no partition added): no EndTxn, as Java's producer.
    if (this.added.size > 0) {
      await this.call(commit ? 'EndTxn(commit)' : 'EndTxn(abort)', (b) => b.endTxn({ transactionalId: this.o.transactionalId, ...this.producer, transactionResult: commit }));
    }
    this.inTransaction = false;
    this.added.clear();
  }

  /** One request to the coordinator, with Java's retries; errors name the request and the transactional id. */
  private async call<T>(what: string, request: (b: KafkajsBroker) => Promise<T>): Promise<T> {
    let attempts = 0;
    try {
      return await retry(async (attempt) => {
        attempts = attempt;
        this.coordinator ??= await this.cluster.findGroupCoordinator({ groupId: this.o.transactionalId, coordinatorType: TRANSACTION_COORDINATOR });
        return await request(this.coordinator);
      }, {
        deadline: Date.now() + this.o.maxBlockMs,
        retriable: (e) => retriable(e),
        onRetry: async (e) => {
          this.coordinator = null; // looked up again: it may have moved, or its connection broke
          const code = codeOf(e);
          if (code !== undefined && COORDINATOR_MOVED.has(code)) await this.cluster.refreshMetadata().catch(() => undefined);
        },
        // CONCURRENT_TRANSACTIONS clears within milliseconds (Java retries it after 20 ms); others back off.
        backoffMs: (attempt, e) => (codeOf(e) === ERR.CONCURRENT_TRANSACTIONS ? 20 : Math.min(this.o.retryBackoffMs * 2 ** (attempt - 1), this.o.retryBackoffMaxMs)),
      });
    } catch (e) {
      const code = codeOf(e);
      const message = (e as Error).message;
      if (code !== undefined && FENCED.has(code)) {
        throw new FencedError(`${what} for transactional.id ${this.o.transactionalId}: fenced by a newer producer with the same transactional.id (${message})`, { cause: e });
      }
      const why = retriable(e) ? ` (still failing after ${attempts} attempts, max.block.ms=${this.o.maxBlockMs})` : '';
      throw new TransactionError(`${what} for transactional.id ${this.o.transactionalId} failed: ${message}${why}`, code, { cause: e });
    }
  }
}

function codeOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Coordinator moves and loads, concurrent transactions and broken connections are retried; fencing never is. */
function retriable(e: unknown): boolean {
  const code = codeOf(e);
  if (code !== undefined) return code === ERR.CONCURRENT_TRANSACTIONS || COORDINATOR_MOVED.has(code);
  return /Connection|Timeout|ECONNREFUSED|ECONNRESET|EPIPE|socket|closed|BrokerNotFound/i.test(`${(e as Error).name} ${(e as Error).message}`);
}

/**
 * Fences every producer of these transactional ids (Java's Admin.fenceProducers): an InitProducerId for each
 * bumps its epoch, so a zombie still holding an older epoch can neither write nor commit, and the coordinator
 * aborts whatever transaction the id had open. Used by the Connect leader before a new generation of
 * exactly-once source tasks starts (KIP-618).
 */
export async function fenceProducers(props: ClientProps, transactionalIds: readonly string[], opts: { clientId: string; maxBlockMs?: number }): Promise<void> {
  if (transactionalIds.length === 0) return;
  const cluster = createLowLevelCluster(props, opts.clientId);
  await cluster.connect();
  try {
    for (const transactionalId of transactionalIds) {
      await new TransactionManager(cluster, {
        transactionalId,
        transactionTimeoutMs: 60_000,
        retryBackoffMs: intSetting(props, 'retry.backoff.ms', 100),
        retryBackoffMaxMs: intSetting(props, 'retry.backoff.max.ms', 1000),
        maxBlockMs: opts.maxBlockMs ?? 60_000,
      }).init();
    }
  } finally {
    await cluster.disconnect().catch(() => undefined);
  }
}

/**
 * Whether the cluster can run transactions at all: a transaction coordinator is found for `probeId` (FindCoordinator,
 * key type 1 — which also makes the broker create __transaction_state when it is missing). Nothing is initialized, so
 * no producer is fenced. Returns null when a coordinator answers, else why not, in words that name the broker
 * setting at fault when it is the usual one: a transaction.state.log.replication.factor above the live brokers (the
 * coordinator then stays unavailable for ever), or a principal without access to transactional ids.
 */
export async function transactionsUnavailable(props: ClientProps, opts: { clientId: string; probeId: string; timeoutMs: number }): Promise<string | null> {
  const cluster = createLowLevelCluster(props, opts.clientId);
  let last: unknown;
  try {
    await cluster.connect();
    await retry(async () => cluster.findGroupCoordinator({ groupId: opts.probeId, coordinatorType: TRANSACTION_COORDINATOR }), {
      deadline: Date.now() + opts.timeoutMs,
      retriable: (e) => { last = e; return retriable(e) || /coordinator/i.test((e as Error).message); },
      onRetry: async () => { await cluster.refreshMetadata().catch(() => undefined); },
      backoffMs: (attempt) => Math.min(200 * 2 ** (attempt - 1), 2000),
    });
    return null;
  } catch (e) {
    last = e;
  } finally {
    await cluster.disconnect().catch(() => undefined);
  }
  const code = codeOf(last) ?? codeOf((last as { cause?: unknown }).cause);
  const message = (last as Error).message;
  if (code === ERR.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || /authoriz/i.test(message)) {
    return `the cluster refuses this client access to transactional ids (${message}): grant the worker's principal WRITE and DESCRIBE on TransactionalId resources`;
  }
  const explanation = await transactionLogShortfall(props, opts.clientId).catch(() => null);
  return `no transaction coordinator answered within ${opts.timeoutMs} ms (${message})${explanation ? `: ${explanation}` : ''}`;
}

/** "transaction.state.log.replication.factor=3 but the cluster has 1 broker" when that is so, else null. */
async function transactionLogShortfall(props: ClientProps, clientId: string): Promise<string | null> {
  return withAdmin({ ...props, 'client.id': `${clientId}-check` }, async (admin) => {
    const { brokers } = await admin.describeCluster();
    const broker = brokers[0];
    if (!broker) return null;
    const res = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: String(broker.nodeId), configNames: ['transaction.state.log.replication.factor'] }],
    });
    const rf = Number(res.resources[0]?.configEntries.find((c) => c.configName === 'transaction.state.log.replication.factor')?.configValue);
    if (!Number.isFinite(rf) || rf <= brokers.length) return null;
    return `the brokers' transaction.state.log.replication.factor=${rf} but the cluster has ${brokers.length} broker${brokers.length === 1 ? '' : 's'}, so the transaction log (__transaction_state) cannot be created; lower it to at most ${brokers.length} on the brokers, or add brokers`;
  });
}
