// Every kafkajs internal Ferry uses, typed once. kafkajs 2.2.4's public API lacks what Ferry needs (assign without
// a group, the Connect group protocol, produce with several requests in flight), so src/kafka/ drives its Cluster,
// Broker and Connection objects directly; these interfaces name exactly the members it calls, with the shapes
// kafkajs 2.2.4 has (src/cluster/index.js, src/broker/index.js, src/network/connection.js). Nothing outside
// src/kafka/ imports this module.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// ---- network -----------------------------------------------------------------------------------------------

export interface KafkajsQueueEntry {
  apiKey: number; apiName: string; apiVersion: number; correlationId: number;
  resolve(r: { payload: Buffer | null }): void;
  reject(e: unknown): void;
}

export interface KafkajsConnection {
  readonly clientId: string;
  readonly sasl?: unknown;
  isAuthenticated(): boolean;
  failIfNotConnected(): void;
  nextCorrelationId(): number;
  readonly requestQueue: {
    push(r: { entry: KafkajsQueueEntry; expectResponse: boolean; requestTimeout: number | null; sendRequest(): void }): void;
    maybeThrottle(clientSideThrottleTime: number | null | undefined): void;
  };
  readonly socket: { write(b: Buffer): boolean; cork(): void; uncork(): void };
  send(p: { request: unknown; response: unknown; requestTimeout?: number | null }): Promise<unknown>;
}

// ---- broker --------------------------------------------------------------------------------------------------

export interface KafkajsJoinGroupResponse {
  generationId: number; memberId: string; leaderId: string; groupProtocol: string;
  members?: Array<{ memberId: string; memberMetadata?: Buffer | null }>;
}

export interface KafkajsBroker {
  readonly nodeId?: number;
  /** ApiVersions of the broker: api key → supported range. */
  readonly versions?: Record<number, { minVersion: number; maxVersion: number }>;
  readonly connectionPool: { getConnectionByRequest(p: { request: { apiKey: number } }): Promise<KafkajsConnection> };
  // Transactions (transactions.ts).
  initProducerId(r: { transactionalId?: string; transactionTimeout: number }): Promise<{ producerId: unknown; producerEpoch: unknown }>;
  addPartitionsToTxn(r: { transactionalId: string; producerId: number; producerEpoch: number; topics: Array<{ topic: string; partitions: number[] }> }): Promise<unknown>;
  endTxn(r: { transactionalId: string; producerId: number; producerEpoch: number; transactionResult: boolean }): Promise<unknown>;
  // Group membership (group-membership.ts) and commits (cluster-admin.ts).
  joinGroup(r: {
    groupId: string; sessionTimeout: number; rebalanceTimeout: number; memberId: string; protocolType: string;
    groupProtocols: Array<{ name: string; metadata: Buffer }>;
  }): Promise<KafkajsJoinGroupResponse>;
  syncGroup(r: { groupId: string; generationId: number; memberId: string; groupAssignment: Array<{ memberId: string; memberAssignment: Buffer }> }): Promise<{ memberAssignment?: Buffer | null }>;
  heartbeat(r: { groupId: string; groupGenerationId: number; memberId: string }): Promise<unknown>;
  leaveGroup(r: { groupId: string; memberId: string }): Promise<unknown>;
  offsetCommit(r: {
    groupId: string; groupGenerationId: number; memberId: string; retentionTime: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string; metadata: string | null }> }>;
  }): Promise<unknown>;
}

// ---- cluster -------------------------------------------------------------------------------------------------

export interface KafkajsTopicMetadata { topic: string; partitionMetadata: Array<{ partitionId: number; leader: number }> }

export interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  /** Fetches metadata for the given topics (adds them to the cluster's targets). */
  metadata(r: { topics: string[] }): Promise<unknown>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  readonly targetTopics: Set<string>;
  findBroker(r: { nodeId: number }): Promise<KafkajsBroker>;
  findGroupCoordinator(r: { groupId: string; coordinatorType?: number }): Promise<KafkajsBroker>;
  /** Leader node id → partitions, for the partitions of a topic in cached metadata. */
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  fetchTopicsOffset(topics: Array<{ topic: string; partitions: Array<{ partition: number; timestamp?: string }>; fromBeginning?: boolean }>): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
  readonly brokerPool?: { metadata?: { topicMetadata?: KafkajsTopicMetadata[] } };
  readonly rootLogger: unknown;
  readonly requestTimeout?: number;
}

export const KafkajsClusterClass = require('kafkajs/src/cluster/index.js') as new (opts: Record<string, unknown>) => KafkajsCluster;
export const kafkajsSocketFactory = require('kafkajs/src/network/socketFactory.js') as () => unknown;
export const kafkajsLoggers = require('kafkajs/src/loggers/index.js') as { createLogger: (o: Record<string, unknown>) => unknown; LEVELS: Record<string, number> };

// ---- protocol ------------------------------------------------------------------------------------------------

/** kafkajs's protocol Encoder: what its connection's send expects `encode()` to return. */
export const KafkajsEncoder = require('kafkajs/src/protocol/encoder.js') as new () => { writeBuffer(b: Buffer): unknown };

/** Kafka error codes as kafkajs describes them (type, message, retriable). */
export const { createErrorFromCode, errorCodes } = require('kafkajs/src/protocol/error.js') as {
  createErrorFromCode(code: number): { type: string; message: string; retriable: boolean };
  errorCodes: Array<{ type: string; code: number; retriable: boolean; message: string }>;
};

/** Produce response decoders, v3..v7: every partition's error code and base offset. */
export interface KafkajsProduceResponse { topics: Array<{ topicName: string; partitions: Array<{ partition: number; errorCode: number; baseOffset: string }> }> }
export const produceResponseDecoders: Record<number, { decode(payload: Buffer): Promise<KafkajsProduceResponse> }> = {
  3: require('kafkajs/src/protocol/requests/produce/v3/response.js'),
  4: require('kafkajs/src/protocol/requests/produce/v4/response.js'),
  5: require('kafkajs/src/protocol/requests/produce/v5/response.js'),
  6: require('kafkajs/src/protocol/requests/produce/v6/response.js'),
  7: require('kafkajs/src/protocol/requests/produce/v7/response.js'),
};

/** kafkajs's idempotent-producer state (producer id and epoch from InitProducerId, non-transactional). */
export interface KafkajsEosManager { initProducerId(): Promise<void>; getProducerId(): unknown; getProducerEpoch(): unknown }
export const createEosManager = require('kafkajs/src/producer/eosManager/index.js') as (o: { logger: unknown; cluster: KafkajsCluster; transactional: boolean }) => KafkajsEosManager;

/** kafkajs's shared codec table (id → codec); codecs.ts fills it so kafkajs readers decode every codec. */
export interface KafkajsCodec { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> }
export const kafkajsCompression = require('kafkajs/src/protocol/message/compression/index.js') as { Codecs: Record<number, () => KafkajsCodec> };
