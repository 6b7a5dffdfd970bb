// The requests Ferry encodes itself (Fetch v4, Produce v3..v8) and how they go out on kafkajs's connections.
//
// A body is written once, straight into the framed request (size, api key and version, correlation id, client id,
// body) that goes to the socket; a Produce body is not even copied: its structure and its batches go to the socket
// as they are, in one gathered write. Handing kafkajs a body instead costs three more copies of every batch (its
// Encoder, the request header's Encoder, the size prefix's Encoder), each in a zero-filled buffer grown by
// doubling: at 1 KiB records those copies were a fifth of the mirror's CPU (bench/NOTES.md, 2026-12-07).
import { KafkajsEncoder, type KafkajsBroker } from './kafkajs-internals.js';
import { utf8Bytes } from './utf8-cache.js';

/** A request body Ferry writes itself: its size in bytes, and a writer that fills `buf` from `pos` and returns the end. */
export interface RequestBody {
  readonly size: number;
  write(buf: Buffer, pos: number): number;
  /** The body as buffers to write one after another (the socket gathers them), when that saves a copy. */
  parts?(): Buffer[];
}

/** The body's bytes on their own (tests, and the rare request that goes through kafkajs's own send). */
export function bodyBytes(body: RequestBody): Buffer {
  const buf = Buffer.allocUnsafe(body.size);
  const end = body.write(buf, 0);
  if (end !== body.size) throw new Error(`request body size mismatch (${end} != ${body.size})`);
  return buf;
}

function headerBytes(clientId: Buffer | null): number {
  return 4 + 2 + 2 + 4 + 2 + (clientId?.length ?? 0);
}

/** The int32 size (of header and body) and request header v1 (api key, version, correlation id, client id). */
function writeHeader(buf: Buffer, apiKey: number, apiVersion: number, correlationId: number, clientId: Buffer | null, bodySize: number): number {
  let pos = buf.writeInt32BE(headerBytes(clientId) - 4 + bodySize, 0);
  pos = buf.writeInt16BE(apiKey, pos);
  pos = buf.writeInt16BE(apiVersion, pos);
  pos = buf.writeInt32BE(correlationId, pos);
  pos = buf.writeInt16BE(clientId ? clientId.length : -1, pos);
  if (clientId) pos += clientId.copy(buf, pos);
  return pos;
}

/** Size and header alone, for a body that follows as separate buffers (RequestBody.parts). */
export function requestHead(apiKey: number, apiVersion: number, correlationId: number, clientId: Buffer | null, bodySize: number): Buffer {
  const head = Buffer.allocUnsafe(headerBytes(clientId));
  writeHeader(head, apiKey, apiVersion, correlationId, clientId, bodySize);
  return head;
}

/** A framed request: size, request header v1, body. */
export function frameRequest(apiKey: number, apiVersion: number, correlationId: number, clientId: Buffer | null, body: RequestBody): Buffer {
  const frame = Buffer.allocUnsafe(headerBytes(clientId) + body.size);
  const pos = writeHeader(frame, apiKey, apiVersion, correlationId, clientId, body.size);
  const end = body.write(frame, pos);
  if (end !== frame.length) throw new Error(`request body size mismatch (${end - pos} != ${body.size})`);
  return frame;
}

export interface Request<T> {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  body: RequestBody;
  /** Decodes the response payload (after the correlation id); `clientSideThrottleTime` in it is honoured (KIP-219). */
  decode(payload: Buffer): T | Promise<T>;
  /** False for acks=0 produce requests, which get no answer. */
  expectResponse?: boolean;
  /** On top of the connection's request timeout, e.g. a fetch's max wait. */
  requestTimeout?: number;
}

/**
 * Sends a request on the broker's connection for its api (kafkajs keeps fetches on their own connection) and
 * returns the decoded answer (undefined when none is expected). The frame goes through the connection's request
 * queue, so in-flight limits, timeouts, correlation and disconnects behave as for kafkajs's own requests. A SASL
 * connection that is not authenticated yet (or is due to re-authenticate, KIP-368) takes kafkajs's send instead,
 * which authenticates first.
 */
export async function sendRequest<T>(broker: KafkajsBroker, r: Request<T>): Promise<T | undefined> {
  const connection = await broker.connectionPool.getConnectionByRequest({ request: { apiKey: r.apiKey } });
  const expectResponse = r.expectResponse ?? true;
  if (connection.sasl && !connection.isAuthenticated()) {
    const body = bodyBytes(r.body);
    return await connection.send({
      request: { apiKey: r.apiKey, apiVersion: r.apiVersion, apiName: r.apiName, expectResponse: () => expectResponse, encode: async () => new KafkajsEncoder().writeBuffer(body) },
      response: { decode: async (raw: Buffer) => r.decode(raw), parse: async (d: T) => d },
      requestTimeout: r.requestTimeout ?? null,
    }) as T | undefined;
  }
  connection.failIfNotConnected();
  const correlationId = connection.nextCorrelationId();
  const clientId = utf8Bytes(connection.clientId);
  const parts = r.body.parts?.();
  // With parts: the size and header alone, then the parts, gathered into one write by cork/uncork (writev).
  const frame = parts ? requestHead(r.apiKey, r.apiVersion, correlationId, clientId, r.body.size) : frameRequest(r.apiKey, r.apiVersion, correlationId, clientId, r.body);
  const socket = connection.socket;
  const { payload } = await new Promise<{ payload: Buffer | null }>((resolve, reject) => {
    connection.requestQueue.push({
      entry: { apiKey: r.apiKey, apiName: r.apiName, apiVersion: r.apiVersion, correlationId, resolve, reject },
      expectResponse,
      requestTimeout: r.requestTimeout ?? null,
      sendRequest: () => {
        if (!parts) { socket.write(frame); return; }
        socket.cork();
        socket.write(frame);
        for (const part of parts) socket.write(part);
        socket.uncork();
      },
    });
  });
  if (!expectResponse || payload === null) return undefined;
  const decoded = await r.decode(payload);
  connection.requestQueue.maybeThrottle((decoded as { clientSideThrottleTime?: number } | undefined)?.clientSideThrottleTime);
  return decoded;
}

/**
 * A body ending in the topic array Fetch and Produce share, [topic (int16-length string), [partition entry]]:
 * `headBytes` of leading fields written by `writeHead`, then the array; a partition entry takes `entryBytes(p)`
 * bytes and `writeEntry` returns the position after it.
 */
function topicsRequestBody<P>(
  headBytes: number, writeHead: (buf: Buffer, pos: number) => number,
  topics: ReadonlyMap<string, readonly P[]>,
  entryBytes: (p: P) => number, writeEntry: (buf: Buffer, pos: number, p: P) => number,
): RequestBody {
  let size = headBytes + 4;
  const names: Buffer[] = [];
  for (const [topic, parts] of topics) {
    const name = Buffer.from(topic, 'utf8');
    names.push(name);
    size += 2 + name.length + 4;
    for (const p of parts) size += entryBytes(p);
  }
  return {
    size,
    write(buf, start) {
      let pos = writeHead(buf, start);
      pos = buf.writeInt32BE(topics.size, pos);
      let t = 0;
      for (const parts of topics.values()) {
        const name = names[t++]!;
        pos = buf.writeInt16BE(name.length, pos);
        pos += name.copy(buf, pos);
        pos = buf.writeInt32BE(parts.length, pos);
        for (const p of parts) pos = writeEntry(buf, pos, p);
      }
      return pos;
    },
  };
}

/**
 * Fetch v4 body: replica_id, max_wait_ms, min_bytes, max_bytes, isolation_level, then topics → partitions
 * (partition, fetch_offset, partition_max_bytes).
 */
export function fetchRequestBody(opts: { maxWaitMs: number; minBytes: number; maxBytes: number; isolationLevel: number }, topics: ReadonlyMap<string, ReadonlyArray<{ partition: number; offset: number; maxBytes: number }>>): RequestBody {
  return topicsRequestBody(4 * 4 + 1, (buf, pos) => {
    pos = buf.writeInt32BE(-1, pos); // replica_id: a consumer
    pos = buf.writeInt32BE(opts.maxWaitMs, pos);
    pos = buf.writeInt32BE(opts.minBytes, pos);
    pos = buf.writeInt32BE(opts.maxBytes, pos);
    return buf.writeInt8(opts.isolationLevel, pos);
  }, topics, () => 4 + 8 + 4, (buf, pos, p) => {
    pos = buf.writeInt32BE(p.partition, pos);
    pos = buf.writeBigInt64BE(BigInt(p.offset), pos);
    return buf.writeInt32BE(p.maxBytes, pos);
  });
}

/**
 * Produce request body, versions 3 to 8 (the same layout: transactional id (null unless transactional), acks, timeout, then topics →
 * partitions → batch bytes; v7 is the first a broker accepts zstd batches in, v8 only adds response fields).
 * The structure (everything but the batches) is written into one small buffer; `parts` hands the socket that
 * buffer's pieces and the batches themselves, so a batch is not copied into a request at all.
 */
export function produceRequestBody(acks: number, timeoutMs: number, topics: ReadonlyMap<string, ReadonlyArray<{ partition: number; batch: Buffer }>>, transactionalId: string | null = null): RequestBody {
  const txnId = transactionalId === null ? null : Buffer.from(transactionalId, 'utf8');
  const headBytes = 2 + (txnId?.length ?? 0) + 2 + 4;
  const structure = bodyBytes(topicsRequestBody(headBytes, (buf, pos) => {
    pos = buf.writeInt16BE(txnId ? txnId.length : -1, pos); // transactional_id (null: not transactional)
    if (txnId) pos += txnId.copy(buf, pos);
    pos = buf.writeInt16BE(acks, pos);
    return buf.writeInt32BE(timeoutMs, pos);
  }, topics, () => 4 + 4, (buf, pos, p) => {
    pos = buf.writeInt32BE(p.partition, pos);
    return buf.writeInt32BE(p.batch.length, pos);
  }));
  // Where each batch goes in the structure: after its partition's index and length.
  const cuts: number[] = [];
  const batches: Buffer[] = [];
  let at = headBytes + 4;
  let size = structure.length;
  for (const [topic, parts] of topics) {
    at += 2 + Buffer.byteLength(topic, 'utf8') + 4;
    for (const p of parts) {
      at += 4 + 4;
      cuts.push(at);
      batches.push(p.batch);
      size += p.batch.length;
    }
  }
  const parts = (): Buffer[] => {
    const out: Buffer[] = [];
    let from = 0;
    for (let i = 0; i < cuts.length; i++) {
      out.push(structure.subarray(from, cuts[i]), batches[i]!);
      from = cuts[i]!;
    }
    if (from < structure.length) out.push(structure.subarray(from));
    return out;
  };
  return {
    size,
    parts,
    write(buf, start) {
      let pos = start;
      for (const part of parts()) pos += part.copy(buf, pos);
      return pos;
    },
  };
}
