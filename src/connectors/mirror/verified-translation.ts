// Exact translation of offsets in data another mirror (Apache MM2) copied before Ferry took over.
//
// MM2's offset syncs only say "upstream u was written at downstream d" at sparse points, and its "+1 rule"
// answers one past the sync before a group's offset: safe, but up to thousands of records re-read. The data
// itself can say more: from the anchor sync (u, d) the group's next record g' (the first source record at or
// after the group's offset g) is expected at d + (g' - u) when MM2 copied the stretch 1:1, or a little lower
// when records between u and g' were not copied (transaction markers whose sync was thinned away). The
// candidate is confirmed by reading the records themselves: the target record there must equal the source
// record g' (key, value, headers, timestamp) and the target record before it must equal the source record
// before g'. Only a few records are read per group and partition; whenever the check cannot confirm a position
// (filtered or compacted ranges, a window too far off) the caller keeps MM2's conservative answer.
import type { InRecord } from '../../kafka/consumer.js';
import type { SyncPoint } from './offset-map.js';

/** Reads records of one partition at offsets ≥ `from`, at most `max` of them (fewer at the end of the log). */
export type RecordWindowReader = (topic: string, partition: number, from: number, max: number) => Promise<readonly InRecord[]>;

export interface VerifiedTranslationInput {
  /** Source topic-partition and the group's committed offset (next record to consume). */
  sourceTopic: string;
  targetTopic: string;
  partition: number;
  groupOffset: number;
  /** MM2's anchor: the sync its translation used (the latest retained sync with upstream ≤ groupOffset). */
  anchor: SyncPoint;
  readSource: RecordWindowReader;
  readTarget: RecordWindowReader;
  /** Header names left out of the comparison (Ferry's provenance header). */
  ignoreHeaders?: readonly string[];
}

export type VerifiedTranslation =
  | { exact: true; downstreamOffset: number }
  | { exact: false; reason: string };

/** How far before the group offset the source record preceding it is looked for. */
const SOURCE_LOOKBACK = 8;
/** Downstream window below the 1:1 candidate searched for the group's next record. */
const TARGET_LOOKBACK = 16;

export function sameRecord(a: Pick<InRecord, 'key' | 'value' | 'headers' | 'timestamp'>, b: Pick<InRecord, 'key' | 'value' | 'headers' | 'timestamp'>, ignore: ReadonlySet<string>): boolean {
  if (a.timestamp !== b.timestamp || !sameBytes(a.key, b.key) || !sameBytes(a.value, b.value)) return false;
  const ha = a.headers.filter(([k]) => !ignore.has(k));
  const hb = b.headers.filter(([k]) => !ignore.has(k));
  if (ha.length !== hb.length) return false;
  return ha.every(([k, v], i) => hb[i]![0] === k && sameBytes(v, hb[i]![1]));
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}

/** Finds and confirms the exact downstream offset of the group's next record, anchored on an MM2 sync. */
export async function verifyTranslation(input: VerifiedTranslationInput): Promise<VerifiedTranslation> {
  const { anchor, groupOffset: g } = input;
  if (g < anchor.upstreamOffset) return { exact: false, reason: 'group offset before the anchor sync' };
  // A sync is a real (upstream, downstream) pair: a group sitting on it is already exact.
  if (g === anchor.upstreamOffset) return { exact: true, downstreamOffset: anchor.downstreamOffset };
  const ignore = new Set(input.ignoreHeaders ?? []);

  const from = Math.max(anchor.upstreamOffset, g - SOURCE_LOOKBACK);
  const src = await input.readSource(input.sourceTopic, input.partition, from, g - from + 2);
  const prev = [...src].reverse().find((r) => r.offset < g);
  const next = src.find((r) => r.offset >= g);
  if (!next) return { exact: false, reason: 'no source record at or after the group offset' };
  if (!prev) return { exact: false, reason: `no source record within ${SOURCE_LOOKBACK} before the group offset` };

  // Upstream offsets not copied (markers, filtered records) only ever make the downstream position lower.
  const candidate = input.anchor.downstreamOffset + (next.offset - anchor.upstreamOffset);
  const low = Math.max(anchor.downstreamOffset, candidate - TARGET_LOOKBACK - 1);
  const tgt = await input.readTarget(input.targetTopic, input.partition, low, candidate - low + 1);
  // The latest matching pair in the window: after a re-sent stretch the later copy is followed by everything.
  for (let i = tgt.length - 1; i >= 1; i--) {
    const here = tgt[i]!;
    const before = tgt[i - 1]!;
    if (here.offset > candidate) continue;
    if (before.offset !== here.offset - 1) continue;
    if (sameRecord(here, next, ignore) && sameRecord(before, prev, ignore)) return { exact: true, downstreamOffset: here.offset };
  }
  return { exact: false, reason: `no target record in [${low}, ${candidate}] matches the source records at ${prev.offset} and ${next.offset}` };
}
