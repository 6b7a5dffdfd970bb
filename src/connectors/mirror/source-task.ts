// MirrorSourceTask: copies assigned source partitions to the same partition of the remote topic, keeping
// key, value, headers and timestamp bytes. Reads without a consumer group (PartitionReader), resumes from
// MM2-compatible Connect offsets {"cluster","partition","topic"} -> {"offset"}, and keeps an exact
// upstream->downstream OffsetMap per partition: sync points go to MM2's offset-syncs topic (so MM2 tooling
// keeps working) and full map snapshots to Ferry's compacted offset-maps topic (exact translation).
import { ConnectError, Headers, RetriableError, Schemas, SourceTask, sourceRecord, type Props, type SourceRecord } from '../../connect/api/index.js';
import { FetchError, PartitionReader, type FetchResult, type RawPartition, type RawPartitionResult } from '../../kafka/partition-reader.js';
import { RecordProducer, type EncodedBatch, type EncodedBatchSink, type OutRecord, type Segment } from '../../kafka/producer.js';
import { boolSetting, intSetting } from '../../config/settings.js';
import { SlabPool } from '../../kafka/slab-pool.js';
import { RECORD_BATCH_HEADER_BYTES } from '../../kafka/record-batch.js';
import { rewriteRecordSetAsync, type RewriteResult, type RewrittenBatch } from '../../kafka/batch-rewriter.js';
import { mirrorMetrics, removeMirrorPartition, strimziMirror, type MirrorPartitionLabels } from '../../observability/mirror-metrics.js';
import type { SampledStat } from '../../observability/windowed-stats.js';
import { parseMirrorSourceConfig, sourceConsumerConfig, offsetSyncsClientConfig, targetAdminConfig, TASK_TOPIC_PARTITIONS, OFFSET_MAP_FLUSH_INTERVAL_MS, OFFSET_MAP_TRIM_INTERVAL_MS, type MirrorSourceSettings } from './mirror-config.js';
import { OffsetMap, type SyncPoint } from './offset-map.js';
import { encodeOffsetSync } from './offset-sync.js';
import { PROVENANCE_HEADER, PROVENANCE_HEADER_CONFIG, addsProvenanceHop, chainIncludes, appendHop } from './provenance.js';
import { IdleLagRefresher, recordLag, type Unmirrored } from './idle-lag.js';
import { dropContradictedMaps, loadOffsetMaps, offsetMapsTopicName, encodeOffsetMapRecord } from './offset-map-store.js';

/** Parses `topic-partition` entries (the topic may itself contain dashes). */
export function parseTopicPartitions(value: string | undefined): { topic: string; partition: number }[] {
  if (!value) return [];
  return value.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const i = s.lastIndexOf('-');
    const partition = Number(s.slice(i + 1));
    if (i <= 0 || !Number.isInteger(partition)) throw new Error(`Invalid topic-partition "${s}" in ${TASK_TOPIC_PARTITIONS}`);
    return { topic: s.slice(0, i), partition };
  });
}

/** MM2's Connect source partition, keys in the order Java's HashMap iterates them. */
export function wrapPartition(cluster: string, topic: string, partition: number): Record<string, unknown> {
  return { cluster, partition, topic };
}

type PendingEvent = { kind: 'record'; upstream: number } | { kind: 'skip'; upstream: number } | { kind: 'position'; position: number };

interface PartitionState {
  topic: string;
  partition: number;
  remoteTopic: string;
  map: OffsetMap;
  /** Events in poll order; applied as the records before them are acknowledged. */
  events: PendingEvent[];
  head: number;
  dirty: boolean;
  /** Counters batched into the metrics registry on each flush (per-record label lookups are costly). */
  mirrored: number;
  bytes: number;
  /**
   * MM2-style periodic sync points (every offset.lag.max records inside a run), so that MM2 tooling reading
   * the offset-syncs topic translates at least as precisely as with MM2's own writer. Ferry's exact maps do
   * not need them.
   */
  periodicSyncs: SyncPoint[];
  lastSyncDownstream: number;
  labels: MirrorPartitionLabels;
  /** MM2's series (Strimzi names), tagged with the remote topic as MM2 tags them; recorded per batch or run. */
  remoteLabels: MirrorPartitionLabels;
  lagLabels: { clientid: string; topic: string; partition: string };
  recordStat: SampledStat;
  byteStat: SampledStat;
  ageStat: SampledStat;
  latencyStat: SampledStat;
}

/** One partition of a fetch on the byte path: the rewritten batches and where the partition's position went. */
interface ByteFetch {
  st: PartitionState;
  fetchOffset: number;
  nextOffset: number;
  batches: RewrittenBatch[];
}

// Byte path: fetches whose batches are sent but not yet acknowledged. Several keep fetching overlapped with the
// producer's pipelined sends; the bytes they hold are bounded by the target producer's buffer.memory as well.
const MAX_BYTE_FETCHES_IN_FLIGHT = 4;
// fetch.max.bytes when the user sets none: the generic path decodes every record (objects weigh several times
// their bytes), so it fetches 8 MiB at most; the byte path keeps bytes and takes Java's default.
const GENERIC_FETCH_MAX_BYTES = 8_388_608;
const JAVA_FETCH_MAX_BYTES = 52_428_800;

// kafkajs writes all records for one partition in a send as ONE record batch, which the broker rejects when it
// exceeds max.message.bytes (1 MiB by default). A fetch returns up to max.partition.fetch.bytes per partition
// (and more once decompressed), so each poll hands over at most this many estimated bytes per partition; the
// rest of the fetch goes out with the next polls.
const MAX_BATCH_BYTES_PER_PARTITION = 512 * 1024;
const RECORD_OVERHEAD_BYTES = 24;
const HEADER_OVERHEAD_BYTES = 8;

export class MirrorSourceTask extends SourceTask {
  private settings!: MirrorSourceSettings;
  private reader!: PartitionReader;
  private syncProducer: RecordProducer | null = null;
  private readonly parts = new Map<string, PartitionState>();
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private offsetMapsTopic = '';
  private emitSyncs = true;
  private sourceAlias = '';
  private sourceBootstrap = '';
  private targetAlias = '';
  /** Append the provenance hop (ferry.provenance.header); false: records keep their headers as they are. */
  private addHop = true;
  private readonly aliasBytes = new Map<string, Buffer>();
  private offsetLagMax = 100;
  /** Fetched partitions whose records were not all handed over yet (see MAX_BATCH_BYTES_PER_PARTITION). */
  private remainder: { f: FetchResult; next: number }[] = [];
  private checkCrcs = true;
  /** Set when the runtime lets the task write encoded batches (useEncodedBatches): the byte path. */
  private sink: EncodedBatchSink | null = null;
  private slabs: SlabPool | undefined;
  /** Acknowledgement handlers of the byte path, in send order (each settles after the previous one). */
  private byteAcks: Promise<void>[] = [];
  /** Bytes of byte-path batches sent and not yet acknowledged (bounded by the sink's buffer.memory). */
  private byteBytesInFlight = 0;
  private fetchMaxBytesSet = false;
  private lastTrim = Date.now();
  private byteAckTail: Promise<void> = Promise.resolve();
  private byteFailure: Error | null = null;
  private readonly topicsUsed = new Set<string>();
  /** Client ids the client-level series are labelled with (Connect's defaults for the task's clients). */
  private consumerClientId = '';
  private producerClientId = '';
  private consumerLabels = { clientid: '' };
  private producerLabels = { clientid: '' };
  /** Record-set bytes fetched since the last poll, added to the consumer byte total once per poll. */
  private fetchedBytes = 0;
  private stopped = false;
  /** Exactly-once: offset syncs and maps go only into the task's transactions (useTransactions). */
  private transactional = false;
  private trimIntervalMs = 60_000;
  /** The source consumer's isolation.level as configured ('' when not set). */
  private isolationLevel = '';
  private newReader!: (readCommitted: boolean) => PartitionReader;
  /** Where reading started per partition (useTransactions may replace the reader before the first poll). */
  private readonly seeks: Array<[{ topic: string; partition: number }, number | 'earliest' | 'latest']> = [];
  private readonly idleLag = new IdleLagRefresher<PartitionState>({
    reader: () => this.reader,
    partitions: () => this.parts.values(),
    unmirrored: (st) => this.unmirrored(st),
    onError: (e) => this.context.logger.debug({ err: (e as Error).message }, 'refreshing the lag of idle partitions failed; will retry'),
  });

  override async start(props: Props): Promise<void> {
    this.settings = parseMirrorSourceConfig(props);
    // Read before anything connects, so a malformed value fails the start naming the key.
    const interval = intSetting(props, OFFSET_MAP_FLUSH_INTERVAL_MS, 1000, 1);
    // How often the offset maps are trimmed to what the source partitions still retain (their log start offsets).
    this.trimIntervalMs = intSetting(props, OFFSET_MAP_TRIM_INTERVAL_MS, 60_000);
    this.sourceAlias = this.settings.sourceClusterAlias;
    this.targetAlias = this.settings.targetClusterAlias;
    this.emitSyncs = this.settings.emitOffsetSyncsEnabled;
    this.offsetLagMax = this.settings.offsetLagMax;
    this.addHop = addsProvenanceHop(this.settings.provenanceHeader, this.settings.replicationPolicy, this.sourceAlias);
    const assigned = parseTopicPartitions(props[TASK_TOPIC_PARTITIONS]);
    const consumerProps = sourceConsumerConfig(props, `task-${this.context.taskId}`);
    this.sourceBootstrap = consumerProps['bootstrap.servers'] ?? '';
    this.consumerClientId = consumerProps['client.id'] ?? 'ferry-mirror-source';
    this.producerClientId = `connector-producer-${this.context.connectorName}-${this.context.taskId}`;
    this.consumerLabels = { clientid: this.consumerClientId };
    this.producerLabels = { clientid: this.producerClientId };
    this.checkCrcs = boolSetting(consumerProps, 'check.crcs', true);
    this.fetchMaxBytesSet = (consumerProps['fetch.max.bytes'] ?? '').trim() !== '';
    this.isolationLevel = (consumerProps['isolation.level'] ?? '').trim().toLowerCase();
    this.newReader = (readCommitted) => new PartitionReader(consumerProps, consumerProps['client.id'] ?? 'ferry-mirror-source', {
      readCommitted,
      checkCrcs: this.checkCrcs,
      retryBackoffMs: intSetting(consumerProps, 'retry.backoff.ms', 100),
      retryBackoffMaxMs: intSetting(consumerProps, 'retry.backoff.max.ms', 1000),
      maxWaitMs: Math.min(this.settings.consumerPollTimeoutMs, 500),
      maxBytesPerPartition: intSetting(consumerProps, 'max.partition.fetch.bytes', 1_048_576, 1),
      maxBytes: intSetting(consumerProps, 'fetch.max.bytes', GENERIC_FETCH_MAX_BYTES, 1),
    });
    this.reader = this.newReader(this.isolationLevel === 'read_committed');
    try {
      await this.reader.connect();
    } catch (e) {
      throw this.sourceUnavailable(e);
    }

    const syncProps = offsetSyncsClientConfig(props, 'producer');
    this.offsetMapsTopic = offsetMapsTopicName(this.settings.offsetSyncsTopicLocation, this.sourceAlias, this.targetAlias);
    const existing = await loadOffsetMaps(offsetSyncsClientConfig(props, 'consumer'), this.offsetMapsTopic, (t, p) => assigned.some((a) => a.topic === t && a.partition === p));
    // The maps topic is named after one alias only: a new source alias reusing a target alias finds the old
    // flow's maps, which claim records its own remote topic never received. Resuming from them would mirror nothing.
    const stale = await dropContradictedMaps(existing, targetAdminConfig(props, 'offset-maps-check'), (t) => this.settings.replicationPolicy.formatRemoteTopic(this.sourceAlias, t));
    if (stale.length > 0) {
      this.context.logger.warn({ maps: this.offsetMapsTopic, partitions: stale.slice(0, 10) }, 'offset maps of another flow (or of a truncated target) ignored: their remote partitions end before the records they claim; mirroring from the stored offsets');
    }
    this.syncProducer = new RecordProducer(syncProps, syncProps['client.id'] ?? 'ferry-offset-syncs');
    await this.syncProducer.connect();

    const stored = await this.context.offsetStorageReader.offsets(assigned.map((a) => wrapPartition(this.sourceAlias, a.topic, a.partition)));
    const earliestOrLatest = (consumerProps['auto.offset.reset'] ?? 'earliest').toLowerCase() === 'latest' ? 'latest' : 'earliest';
    // Where reading starts for partitions without a stored offset (auto.offset.reset), resolved now so that a
    // new map can start there: the offsets between it and the first mirrored record (compacted away, markers)
    // are then known to hold nothing, and groups committed among them translate exactly.
    const unstored = assigned.filter((a) => findStored(stored, this.sourceAlias, a.topic, a.partition) === undefined && !existing.has(`${a.topic}\u0000${a.partition}`));
    let resetTo = new Map<string, number>();
    if (unstored.length > 0) {
      try {
        resetTo = await this.reader.listOffsets(unstored, earliestOrLatest);
      } catch (e) {
        throw this.sourceUnavailable(e);
      }
    }
    for (const a of assigned) {
      const key = `${a.topic}\u0000${a.partition}`;
      const off0 = findStored(stored, this.sourceAlias, a.topic, a.partition);
      const firstRead = off0 !== undefined ? off0 + 1 : resetTo.get(key);
      const map = existing.get(key) ?? (firstRead !== undefined ? OffsetMap.fromJSON({ v: 1, segments: [], start: firstRead }, true) : new OffsetMap(true));
      const remoteTopic = this.settings.replicationPolicy.formatRemoteTopic(this.sourceAlias, a.topic);
      const remoteLabels = { source: this.sourceAlias, target: this.targetAlias, topic: remoteTopic, partition: String(a.partition) };
      const st: PartitionState = {
        topic: a.topic, partition: a.partition, remoteTopic,
        map, events: [], head: 0, dirty: false, mirrored: 0, bytes: 0, periodicSyncs: [], lastSyncDownstream: -1,
        labels: { source: this.sourceAlias, target: this.targetAlias, topic: a.topic, partition: String(a.partition) },
        remoteLabels,
        lagLabels: { clientid: this.consumerClientId, topic: a.topic, partition: String(a.partition) },
        recordStat: strimziMirror.records.series(remoteLabels),
        byteStat: strimziMirror.bytes.series(remoteLabels),
        ageStat: strimziMirror.recordAge.series(remoteLabels),
        latencyStat: strimziMirror.replicationLatency.series(remoteLabels),
      };
      this.parts.set(key, st);
      const off = findStored(stored, this.sourceAlias, a.topic, a.partition);
      // Resume at the stored offset + 1, but never beyond what the persisted map covers: records mirrored
      // after the last map snapshot are mirrored again (duplicates) rather than left out of the map.
      let resume: number | undefined = off !== undefined ? off + 1 : undefined;
      const covered = map.processedUpTo ?? (map.lastMirrored ? map.lastMirrored.upstreamOffset + 1 : undefined);
      if (covered !== undefined) resume = resume === undefined ? covered : Math.min(resume, covered);
      this.seeks.push([a, resume ?? firstRead ?? earliestOrLatest]);
      this.reader.seek(a, resume ?? firstRead ?? earliestOrLatest);
    }
    this.flushTimer = setInterval(() => {
      if (this.transactional) return; // maps and syncs go into the task's transactions (transactionRecords)
      this.flushing = this.flushing.then(async () => {
        await this.maybeTrimMaps();
        await this.flushMaps();
      }).catch(() => undefined);
    }, interval);
    this.flushTimer.unref();
    this.idleLag.start();
    this.context.logger.info({ partitions: assigned.length, [PROVENANCE_HEADER_CONFIG]: `${this.settings.provenanceHeader} (${this.addHop ? 'hop added' : 'no hop'})`, remote: [...this.parts.values()].slice(0, 5).map((p) => p.remoteTopic) }, 'mirror source task started');
  }

  /**
   * The byte path (called by the runtime when the transform chain is empty and every converter is
   * ByteArrayConverter): fetched record sets are rewritten as bytes (batch-rewriter) and sent through `sink`;
   * poll() then returns no records, and offsets, the offset map and syncs advance per acknowledged run.
   */
  useEncodedBatches(sink: EncodedBatchSink): boolean {
    this.sink = sink;
    // Output batches are framed into reused slabs (no allocation per batch), half the byte budget kept free at most.
    this.slabs = new SlabPool(RECORD_BATCH_HEADER_BYTES + sink.maxBatchBytes, Math.floor(sink.bufferMemory / 2));
    if (!this.fetchMaxBytesSet) this.reader.setMaxBytes(JAVA_FETCH_MAX_BYTES);
    return true;
  }

  /** Waits until every batch sent on the byte path is acknowledged (or failed) and its offsets applied. */
  async flushEncoded(): Promise<void> {
    await this.byteAckTail;
  }

  override async poll(): Promise<SourceRecord[] | null> {
    if (this.sink) return this.pollBytes(this.sink);
    // Finish the previous fetch before fetching again: records of one partition stay in order.
    if (this.remainder.length === 0) {
      let fetched: FetchResult[];
      try {
        fetched = await this.reader.poll();
      } catch (e) {
        throw this.readFailure(e);
      }
      if (fetched.length === 0) return null;
      this.remainder = fetched.map((f) => ({ f, next: 0 }));
    }
    const out: SourceRecord[] = [];
    const now = Date.now();
    const left: { f: FetchResult; next: number }[] = [];
    for (const part of this.remainder) {
      part.next = this.convert(part.f, part.next, out, now);
      if (part.next < part.f.records.length) left.push(part);
    }
    this.remainder = left;
    return out.length > 0 ? out : [];
  }

  private async pollBytes(sink: EncodedBatchSink): Promise<SourceRecord[] | null> {
    if (this.byteFailure) throw this.byteFailure;
    while (this.byteAcks.length >= MAX_BYTE_FETCHES_IN_FLIGHT || (this.byteAcks.length > 0 && this.byteBytesInFlight >= sink.bufferMemory)) await this.byteAcks[0];
    if (this.byteFailure) throw this.byteFailure;
    let fetched: ByteFetch[];
    try {
      fetched = await this.reader.pollRaw((part) => this.rewrite(part, sink));
    } catch (e) {
      throw this.readFailure(e);
    }
    this.flushFetchedBytes();
    if (fetched.length === 0) return null;
    const batches: EncodedBatch[] = [];
    let bytes = 0;
    for (const f of fetched) {
      for (const b of f.batches) {
        const slab = b.slab;
        const slabs = this.slabs;
        batches.push({ topic: f.st.remoteTopic, partition: f.st.partition, batch: b.batch, count: b.count, release: slab && slabs ? () => slabs.give(slab) : undefined });
        bytes += b.batch.length;
      }
      if (f.batches.length > 0 && !this.topicsUsed.has(f.st.remoteTopic)) { this.topicsUsed.add(f.st.remoteTopic); sink.topicUsed(f.st.remoteTopic); }
    }
    const sent = batches.length > 0 ? sink.send(batches) : Promise.resolve([]);
    sent.catch(() => undefined); // observed below, in order
    // Acks are applied in send order: a fetch with nothing to send still waits for the sends before it.
    const ack = this.byteAckTail.then(() => sent).then(
      (acks) => {
        if (this.byteFailure) return; // a failed earlier send: later acks must not move offsets past it
        try {
          this.applyByteAcks(fetched, acks, sink);
          if (bytes > 0 && !this.stopped) strimziMirror.producerOutgoingBytes.inc(this.producerLabels, bytes);
        } catch (e) {
          this.byteFailure = new ConnectError(`Recording mirrored offsets failed: ${(e as Error).message}`, { cause: e });
        }
      },
      (e: unknown) => {
        // Name what was being written (remote partition ← upstream offsets), e.g. for a record too large for the target.
        const what = fetched.filter((f) => f.batches.length > 0).slice(0, 5)
          .map((f) => `${f.st.remoteTopic}-${f.st.partition} (upstream ${f.st.topic}-${f.st.partition} offsets ${f.fetchOffset}..${f.nextOffset - 1})`).join(', ');
        this.byteFailure ??= new ConnectError(`Writing to target cluster ${this.targetAlias} failed for ${what}: ${(e as Error).message}`, { cause: e });
      },
    ).finally(() => { void this.byteAcks.shift(); this.byteBytesInFlight -= bytes; });
    this.byteBytesInFlight += bytes;
    this.byteAckTail = ack;
    this.byteAcks.push(ack);
    return [];
  }

  /**
   * Rewrites one fetched partition inside the reader's poll (a promise when large batches' codec work went off
   * the main thread) and updates the lag metrics.
   */
  private rewrite(part: RawPartition, sink: EncodedBatchSink): RawPartitionResult<ByteFetch | null> | Promise<RawPartitionResult<ByteFetch | null>> {
    const st = this.parts.get(`${part.topic}\u0000${part.partition}`);
    if (!st) return { value: null, nextOffset: part.fetchOffset, empty: true };
    const r = rewriteRecordSetAsync(part.records, {
      fetchOffset: part.fetchOffset, abortedTransactions: part.abortedTransactions, checkCrc: this.checkCrcs,
      provenanceHeader: PROVENANCE_HEADER, sourceAlias: this.sourceAlias, targetAlias: this.targetAlias, addHop: this.addHop,
      compression: sink.compression, maxBatchBytes: sink.maxBatchBytes, forwardInPlace: true, slabs: this.slabs,
    });
    return r instanceof Promise ? r.then((done) => this.rewritten(st, part, done)) : this.rewritten(st, part, r);
  }

  private rewritten(st: PartitionState, part: RawPartition, r: RewriteResult): RawPartitionResult<ByteFetch | null> {
    const now = Date.now();
    const last = r.batches.length > 0 ? r.batches[r.batches.length - 1]!.maxTimestamp : undefined;
    if (last !== undefined) mirrorMetrics.recordAgeMs.set(st.labels, Math.max(0, now - last));
    // MM2's record-age-ms per batch: the batch's newest timestamp, weighted by its records (a lower bound for the older ones).
    for (const b of r.batches) st.ageStat.record(Math.max(0, now - b.maxTimestamp), b.count, now);
    this.fetchedBytes += part.records.length;
    recordLag(st, Math.max(0, part.highWatermark - r.nextOffset), last === undefined ? undefined : now - last);
    this.idleLag.fetched(now);
    return { value: { st, fetchOffset: part.fetchOffset, nextOffset: r.nextOffset, batches: r.batches }, nextOffset: r.nextOffset, empty: r.batches.length === 0, error: r.error };
  }

  /** Applies the acknowledgement of one byte-path send: map runs, periodic syncs, Connect offsets, metrics. */
  private applyByteAcks(fetched: readonly ByteFetch[], acks: readonly Segment[][], sink: EncodedBatchSink): void {
    const offsets: Array<{ partition: Record<string, unknown>; offset: Record<string, unknown> }> = [];
    let written = 0;
    let k = 0;
    const now = Date.now();
    for (const f of fetched) {
      const st = f.st;
      let placed = true;
      let runCount = 0, runBytes = 0;
      for (const b of f.batches) {
        const placed3 = placeRuns(b.runs, acks[k++] ?? [{ baseOffset: -1, count: b.count }]);
        for (let r = 0; r < placed3.length; r += 3) {
          const d = anchorUnknown(st.map, placed3[r + 1]!);
          if (d === undefined) { placed = false; continue; }
          this.recordRun(st, placed3[r]!, d, placed3[r + 2]!);
        }
        st.mirrored += b.count;
        st.bytes += b.bytes;
        written += b.count;
        runCount += b.count;
        runBytes += b.bytes;
        const latency = Math.max(0, now - b.maxTimestamp);
        mirrorMetrics.replicationLatencyMs.observe({ source: this.sourceAlias, target: this.targetAlias }, latency);
        st.latencyStat.record(latency, b.count, now);
      }
      if (runCount > 0) { st.recordStat.add(runCount, now); st.byteStat.add(runBytes, now); }
      // Records written at an unknown place are not "processed without being mirrored": the map stops short.
      if (placed) st.map.markProcessedUpTo(f.nextOffset);
      st.dirty = true;
      // Resuming at nextOffset is right whatever the last offsets held (compacted, markers, loop-prevented).
      if (f.nextOffset > f.fetchOffset) offsets.push({ partition: wrapPartition(this.sourceAlias, st.topic, st.partition), offset: { offset: f.nextOffset - 1 } });
    }
    if (offsets.length > 0) sink.offsetsAcknowledged(offsets);
    if (written > 0) sink.recordsWritten(written);
  }

  /** A run of records mirrored contiguously; MM2-style periodic syncs every offset.lag.max records, as commitRecord. */
  private recordRun(st: PartitionState, upstream: number, downstream: number, length: number): void {
    const newRun = st.map.recordMirroredRun(upstream, downstream, length);
    let last = st.lastSyncDownstream;
    let m = downstream;
    if (newRun) { last = downstream; m = downstream + 1; }
    if (this.emitSyncs) {
      // The per-record rule "sync when m - last - 1 >= offset.lag.max", solved for the run's records.
      const end = downstream + length - 1;
      m = Math.max(m, last + 1 + this.offsetLagMax);
      while (m <= end) {
        st.periodicSyncs.push({ upstreamOffset: upstream + (m - downstream), downstreamOffset: m });
        last = m;
        m = last + 1 + this.offsetLagMax;
      }
    }
    st.lastSyncDownstream = last;
  }

  /**
   * A fetch failure that retrying cannot fix (an undecodable batch, authorization, unsupported compression)
   * fails the task, its trace naming topic, partition, offset (and codec); anything else is the source
   * being unavailable (below).
   */
  private readFailure(e: unknown): Error {
    if (e instanceof FetchError && !e.retriable) {
      return new ConnectError(`Cannot mirror from source cluster ${this.sourceAlias}: ${e.message}`, { cause: e });
    }
    return this.sourceUnavailable(e);
  }

  /**
   * Failures of the source reader (broker down, metadata unavailable) are transient: a RetriableError naming
   * the source cluster makes the runtime retry poll() with the task RUNNING and the cause in its status,
   * until the source is back (positions are kept, so nothing is skipped).
   */
  private sourceUnavailable(e: unknown): RetriableError {
    let cause: unknown = e;
    while (cause instanceof Error && cause.cause instanceof Error && cause.message.trim() === cause.name) cause = cause.cause;
    const detail = cause instanceof Error ? cause.message || cause.name : String(cause);
    const bootstrap = this.sourceBootstrap || 'unknown bootstrap servers';
    return new RetriableError(`Cannot read from source cluster ${this.sourceAlias} (${bootstrap}): ${detail}`, { cause: e });
  }

  private hopBytes(alias: string): Buffer {
    let b = this.aliasBytes.get(alias);
    if (!b) { b = Buffer.from(alias); this.aliasBytes.set(alias, b); }
    return b;
  }

  /**
   * Converts the records of one fetched partition from index `from`, up to MAX_BATCH_BYTES_PER_PARTITION
   * (at least one record); returns the index to continue from. The fetch's position event is queued only
   * once all of its records are converted.
   */
  private convert(f: FetchResult, from: number, out: SourceRecord[], now: number): number {
    const st = this.parts.get(`${f.topic}\u0000${f.partition}`);
    if (!st) return f.records.length;
    const sourcePartition = wrapPartition(this.sourceAlias, f.topic, f.partition);
    let bytes = 0;
    let i = from;
    for (; i < f.records.length; i++) {
      if (bytes >= MAX_BATCH_BYTES_PER_PARTITION) { this.fetchedBytes += bytes; return i; }
      const r = f.records[i]!;
      let provenance: Buffer | null = null;
      const headers = new Headers();
      bytes += RECORD_OVERHEAD_BYTES + (r.key?.length ?? 0) + (r.value?.length ?? 0);
      for (const [k, v] of r.headers) {
        bytes += HEADER_OVERHEAD_BYTES + k.length + (v?.length ?? 0);
        // With the hop, every provenance header is replaced by one at the end; without, headers stay as they are.
        if (k === PROVENANCE_HEADER) provenance = v;
        if (k !== PROVENANCE_HEADER || !this.addHop) headers.add(k, v, Schemas.OPTIONAL_BYTES);
      }
      if (provenance && chainIncludes(provenance, this.targetAlias)) {
        // The record has already been on the target cluster: sending it back would loop.
        st.events.push({ kind: 'skip', upstream: r.offset });
        continue;
      }
      if (this.addHop) headers.add(PROVENANCE_HEADER, provenance ? appendHop(provenance, this.sourceAlias) : this.hopBytes(this.sourceAlias), Schemas.OPTIONAL_BYTES);
      st.events.push({ kind: 'record', upstream: r.offset });
      out.push(sourceRecord({
        topic: st.remoteTopic,
        kafkaPartition: f.partition,
        keySchema: Schemas.OPTIONAL_BYTES, key: r.key,
        valueSchema: Schemas.OPTIONAL_BYTES, value: r.value,
        timestamp: r.timestamp, headers,
        sourcePartition, sourceOffset: { offset: r.offset },
      }));
    }
    st.events.push({ kind: 'position', position: f.nextOffset });
    const last = f.records[f.records.length - 1];
    if (last) {
      mirrorMetrics.recordAgeMs.set(st.labels, Math.max(0, now - last.timestamp));
      st.ageStat.record(Math.max(0, now - last.timestamp), f.records.length - from, now);
    }
    this.fetchedBytes += bytes;
    this.flushFetchedBytes();
    recordLag(st, Math.max(0, f.highWatermark - f.nextOffset), last ? now - last.timestamp : undefined);
    this.idleLag.fetched(now);
    this.applyLeadingEvents(st);
    return i;
  }

  /** Applies skip/position events at the head of the queue (those not waiting for a record's ack). */
  private applyLeadingEvents(st: PartitionState): void {
    while (st.head < st.events.length) {
      const e = st.events[st.head]!;
      if (e.kind === 'record') break;
      if (e.kind === 'skip') st.map.recordSkipped(e.upstream);
      else st.map.markProcessedUpTo(e.position);
      st.head++;
      st.dirty = true;
    }
    if (st.head > 1024 && st.head * 2 > st.events.length) {
      st.events = st.events.slice(st.head);
      st.head = 0;
    }
  }

  override commitRecord(record: SourceRecord, metadata: { topic: string; partition: number; offset: number } | null): void {
    const sp = record.sourcePartition as { topic: string; partition: number } | null;
    if (!sp) return;
    const st = this.parts.get(`${sp.topic}\u0000${sp.partition}`);
    if (!st) return;
    const e = st.events[st.head];
    const upstream = Number((record.sourceOffset as { offset: number }).offset);
    if (e && e.kind === 'record' && e.upstream === upstream) st.head++;
    // An ack without an offset (acks=0, a recognised duplicate): written, at an unknown place; see anchorUnknown.
    const downstream = metadata ? anchorUnknown(st.map, metadata.offset) ?? -1 : undefined;
    if (downstream !== undefined && downstream < 0) {
      // Nothing mirrored to anchor it: not recorded (and not claimed as skipped); translations stay refused.
      st.mirrored++;
    } else if (downstream !== undefined) {
      const newRun = st.map.recordMirrored(upstream, downstream);
      if (newRun) st.lastSyncDownstream = downstream;
      else if (this.emitSyncs && downstream - st.lastSyncDownstream - 1 >= this.offsetLagMax) {
        st.periodicSyncs.push({ upstreamOffset: upstream, downstreamOffset: downstream });
        st.lastSyncDownstream = downstream;
      }
      st.mirrored++;
      st.bytes += (Buffer.isBuffer(record.key) ? record.key.length : 0) + (Buffer.isBuffer(record.value) ? record.value.length : 0);
      // Latency is sampled (1 in 64) to keep histogram updates off the per-record path.
      if ((st.mirrored & 63) === 0 && record.timestamp !== null) {
        const latency = Math.max(0, Date.now() - record.timestamp);
        mirrorMetrics.replicationLatencyMs.observe({ source: this.sourceAlias, target: this.targetAlias }, latency);
        st.latencyStat.record(latency, 64);
      }
    } else {
      // Dropped by a transform or a tolerated error: a gap in the mapping.
      st.map.recordSkipped(upstream);
    }
    st.dirty = true;
    this.applyLeadingEvents(st);
  }

  /** Writes sync points (MM2 format) and map snapshots (Ferry format) of partitions that changed. */
  private async flushMaps(): Promise<void> {
    const producer = this.syncProducer;
    if (!producer || this.transactional) return;
    const records = this.mapRecords(producer.maxBatchBytes);
    if (records.length === 0) return;
    try {
      await producer.send(records);
    } catch (e) {
      // Mark everything dirty again so the next flush rewrites the snapshots.
      for (const st of this.parts.values()) st.dirty = true;
      this.context.logger.warn({ err: (e as Error).message }, 'writing offset syncs / offset maps failed; will retry');
    }
  }

  /**
   * Exactly-once (called by the runtime after start()): offset syncs and map snapshots are written only in the
   * task's transactions (transactionRecords), so they commit with the records they describe and the Connect
   * offsets: after any crash, the stored map, the syncs, the offsets and the target's committed records agree.
   * That needs them on the target cluster, where the transactions are.
   */
  async useTransactions(): Promise<void> {
    if (this.settings.offsetSyncsTopicLocation !== 'target') {
      throw new ConnectError(`Exactly-once mirroring writes MM2's offset syncs and Ferry's offset maps in the target cluster's transactions, so it needs offset-syncs.topic.location=target (this flow has ${this.settings.offsetSyncsTopicLocation}); set it for the ${this.sourceAlias}->${this.targetAlias} flow (MirrorCheckpointConnector reads them there too), or run the workers with exactly.once.source.support=disabled`);
    }
    // Records of aborted source transactions must never reach the target as committed ones: the source is
    // read read_committed (MM2 declares exactly-once support only then; Ferry sets it unless told otherwise).
    if (this.isolationLevel === 'read_uncommitted') {
      throw new ConnectError(`Exactly-once mirroring cannot read the source with isolation.level=read_uncommitted (consumer.isolation.level / source.consumer.isolation.level of the ${this.sourceAlias}->${this.targetAlias} flow): records of aborted source transactions would be committed on the target. Remove the setting or set read_committed.`);
    }
    if (this.isolationLevel !== 'read_committed') {
      const old = this.reader;
      this.reader = this.newReader(true);
      await old.disconnect();
      await this.reader.connect();
      if (this.sink && !this.fetchMaxBytesSet) this.reader.setMaxBytes(JAVA_FETCH_MAX_BYTES);
      for (const [tp, at] of this.seeks) this.reader.seek(tp, at);
      this.context.logger.info({}, 'exactly-once mirroring: reading the source with isolation.level=read_committed');
    }
    this.transactional = true;
  }

  /** The sync points and map snapshots of the transaction about to commit (every record of it acknowledged). */
  async transactionRecords(): Promise<OutRecord[]> {
    await this.flushing;
    await this.maybeTrimMaps();
    return this.mapRecords(this.sink?.maxBatchBytes ?? this.syncProducer?.maxBatchBytes ?? 1_048_576);
  }

  /** Sync points and snapshots of the partitions that changed since the last call (and the metric counts). */
  private mapRecords(maxBatchBytes: number): OutRecord[] {
    const records: OutRecord[] = [];
    for (const st of this.parts.values()) {
      if (st.mirrored > 0 && !this.stopped) {
        mirrorMetrics.recordCount.inc(st.labels, st.mirrored);
        mirrorMetrics.byteCount.inc(st.labels, st.bytes);
        // The byte path records MM2's counts per acknowledged batch (applyByteAcks); the record path here.
        if (!this.sink) {
          st.recordStat.add(st.mirrored);
          st.byteStat.add(st.bytes);
          strimziMirror.producerOutgoingBytes.inc(this.producerLabels, st.bytes);
        }
        st.mirrored = 0;
        st.bytes = 0;
      }
      if (!st.dirty) continue;
      st.dirty = false;
      st.map.flushHead();
      const syncs = mergeSyncs(st.map.drainSyncs(), st.periodicSyncs);
      st.periodicSyncs = [];
      if (this.emitSyncs) {
        for (const s of syncs) {
          const { key, value } = encodeOffsetSync({ topic: st.topic, partition: st.partition, upstreamOffset: s.upstreamOffset, downstreamOffset: s.downstreamOffset });
          records.push({ topic: this.settings.offsetSyncsTopic, partition: 0, key, value, headers: [], timestamp: null });
        }
      }
      const snap = this.boundedSnapshot(st, maxBatchBytes * 0.8);
      records.push({ topic: this.offsetMapsTopic, partition: null, key: snap.key, value: snap.value, headers: [], timestamp: null });
    }
    return records;
  }

  /** The partition's map snapshot under `limit` bytes (see boundedMapSnapshot); a trim is logged. */
  private boundedSnapshot(st: PartitionState, limit: number): { key: Buffer; value: Buffer } {
    const r = boundedMapSnapshot(st.topic, st.partition, st.map, limit);
    if (r.trimmedTo !== undefined) {
      this.context.logger.warn({ topic: st.topic, partition: st.partition, bytes: r.bytesBefore, limit: Math.floor(limit), newStart: r.trimmedTo },
        'offset map snapshot too large for the offset-maps topic: dropped its oldest runs; offsets before the new start no longer translate exactly');
    }
    return r;
  }

  /** Every ferry.offset.map.trim.interval.ms: truncateMaps; a failure is logged and retried at the next interval. */
  private async maybeTrimMaps(): Promise<void> {
    if (Date.now() - this.lastTrim < this.trimIntervalMs) return;
    this.lastTrim = Date.now();
    await this.truncateMaps().catch((e: unknown) => this.context.logger.warn({ err: (e as Error).message }, 'reading the source log start offsets to trim the offset maps failed; will retry'));
  }

  /** Bounds map memory to what the source still retains. */
  async truncateMaps(): Promise<void> {
    const tps = [...this.parts.values()].map((p) => ({ topic: p.topic, partition: p.partition }));
    const earliest = await this.reader.listOffsets(tps, 'earliest');
    for (const st of this.parts.values()) {
      const lo = earliest.get(`${st.topic}\u0000${st.partition}`);
      if (lo !== undefined && lo > 0 && (st.map.startOffset ?? 0) < lo) {
        st.map.truncateBefore(lo);
        st.dirty = true;
      }
    }
  }

  /**
   * Where the partition's first record not yet mirrored is, for the idle lag: the first record of a fetch not yet
   * handed over (record path), else the read position. Paused, nothing is in flight (the runner drained it); held
   * back by the target, records sent but not acknowledged are not counted.
   */
  private unmirrored(st: PartitionState): Unmirrored | undefined {
    const held = this.remainder.find((r) => r.f.topic === st.topic && r.f.partition === st.partition);
    const record = held?.f.records[held.next];
    if (record) return { offset: record.offset, timestamp: record.timestamp };
    const offset = this.reader.position(st);
    return offset === undefined ? undefined : { offset };
  }

  override async stop(): Promise<void> {
    await this.idleLag.stop();
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    await this.flushing;
    // Under exactly-once the last transaction carried the state of every committed record; anything newer
    // belongs to a transaction that did not commit and must not be written.
    await this.flushMaps().catch(() => undefined);
    await this.syncProducer?.disconnect();
    this.syncProducer = null;
    await this.reader?.disconnect();
    // The partitions are no longer this process's to report: their series go (a reassignment starts a new task).
    this.stopped = true;
    for (const st of this.parts.values()) removeMirrorPartition(st.labels, st.remoteTopic, this.consumerClientId);
    strimziMirror.consumerIncomingBytes.remove(this.consumerLabels);
    strimziMirror.producerOutgoingBytes.remove(this.producerLabels);
  }

  private flushFetchedBytes(): void {
    if (this.fetchedBytes > 0 && !this.stopped) strimziMirror.consumerIncomingBytes.inc(this.consumerLabels, this.fetchedBytes);
    this.fetchedBytes = 0;
  }
}

/**
 * A map snapshot record under `limit` bytes: a snapshot over the offset-maps topic's max.message.bytes would fail
 * every flush, forever. When it is larger (after trimming to the source's retention) the oldest half of the runs
 * is dropped until it fits; translations of offsets before the new start are then refused, as MM2 refuses
 * offsets older than its syncs. `trimmedTo` is the new start when anything was dropped.
 */
export function boundedMapSnapshot(topic: string, partition: number, map: OffsetMap, limit: number): { key: Buffer; value: Buffer; trimmedTo?: number; bytesBefore: number } {
  let snap = encodeOffsetMapRecord(topic, partition, map);
  const bytesBefore = snap.value.length;
  let trimmedTo: number | undefined;
  while (snap.value.length > limit) {
    const runs = map.segments();
    if (runs.length < 2) break;
    trimmedTo = runs[Math.floor(runs.length / 2)]!.upstream;
    map.truncateBefore(trimmedTo);
    snap = encodeOffsetMapRecord(topic, partition, map);
  }
  return { ...snap, ...(trimmedTo !== undefined ? { trimmedTo } : {}), bytesBefore };
}

/**
 * Where the rewriter's runs (upstream offset, index in the batch, length) landed, given the segments the target
 * reported for the batch (one, or several for a batch split for size): (upstream, downstream, length) triples,
 * downstream -1 for a segment without an offset.
 */
export function placeRuns(runs: readonly number[], segments: readonly Segment[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < runs.length; r += 3) {
    let u = runs[r]!, idx = runs[r + 1]!, len = runs[r + 2]!;
    let segStart = 0;
    for (const seg of segments) {
      const segEnd = segStart + seg.count;
      if (len > 0 && idx < segEnd) {
        const n = Math.min(len, segEnd - idx);
        out.push(u, seg.baseOffset < 0 ? -1 : seg.baseOffset + (idx - segStart), n);
        u += n; idx += n; len -= n;
      }
      segStart = segEnd;
    }
  }
  return out;
}

/**
 * The downstream offset to record for records acknowledged at `downstream` (-1: the target reported none, e.g.
 * acks=0). An unknown place is taken as right after the last mirrored record: a partition's records land in
 * order, so their true offsets are at or beyond it and a translation through them re-delivers rather than
 * skips. With nothing mirrored yet there is no anchor: undefined (nothing is recorded, and the records are not
 * claimed as skipped either, so translations past them stay refused).
 */
export function anchorUnknown(map: OffsetMap, downstream: number): number | undefined {
  if (downstream >= 0) return downstream;
  const last = map.lastMirrored;
  return last ? last.downstreamOffset + 1 : undefined;
}

/**
 * Merges the map's sync points with the periodic ones in upstream order (MM2 readers treat an upstream rewind
 * as a reset). Around a reset marker (downstream -1: the target was truncated) periodic points are dropped.
 */
export function mergeSyncs(mapSyncs: SyncPoint[], periodic: SyncPoint[]): SyncPoint[] {
  if (periodic.length === 0) return mapSyncs;
  if (mapSyncs.some((p) => p.downstreamOffset < 0)) return mapSyncs;
  const out: SyncPoint[] = [];
  let i = 0, j = 0;
  while (i < mapSyncs.length || j < periodic.length) {
    const a = mapSyncs[i], b = periodic[j];
    if (b === undefined || (a !== undefined && a.upstreamOffset <= b.upstreamOffset)) {
      out.push(a!);
      if (b !== undefined && a!.upstreamOffset === b.upstreamOffset) j++;
      i++;
    } else {
      out.push(b);
      j++;
    }
  }
  return out;
}

function findStored(stored: Map<string, Record<string, unknown> | null>, cluster: string, topic: string, partition: number): number | undefined {
  for (const [k, v] of stored) {
    if (!v) continue;
    let p: { cluster?: unknown; topic?: unknown; partition?: unknown };
    try { p = JSON.parse(k) as typeof p; } catch { continue; }
    if (p.cluster === cluster && p.topic === topic && Number(p.partition) === partition) {
      const o = Number(v['offset']);
      return Number.isFinite(o) ? o : undefined;
    }
  }
  return undefined;
}
