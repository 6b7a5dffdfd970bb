// Loop prevention beyond MM2: a record header listing the clusters a record has already been on, origin first.
// With IdentityReplicationPolicy topic names are identical on every cluster, so MM2's name-based cycle check
// cannot stop A→B→A loops; the header can. Value = UTF-8 aliases joined by ',' (aliases come from the
// comma-separated `clusters` list, so they never contain a comma).
//
// Convention: when a record is copied from `source` to `target`, the chain gains `source` (the cluster it is
// leaving). So a record produced on A and mirrored to B carries "A" on B; mirrored on to C it carries "A,B".
// The cluster a record currently sits on is never in its own chain.
import { Headers, Schemas } from '../../connect/api/index.js';
import { isCycle } from './replication-policy.js';
import { utf8Bytes } from '../../kafka/utf8-cache.js';

export const PROVENANCE_HEADER = 'ferry.provenance';

const COMMA = 0x2c;

type HeaderValue = Uint8Array | string | null | undefined;

function asHeaderValue(v: unknown): HeaderValue {
  if (v === null || v === undefined || typeof v === 'string' || v instanceof Uint8Array) return v;
  return String(v);
}

/** True when the raw header value lists `alias`; scans bytes in place (no split, no string decoding). */
export function chainIncludes(value: HeaderValue, alias: string): boolean {
  if (value === null || value === undefined || alias === '') return false;
  if (typeof value === 'string') {
    let start = 0;
    for (;;) {
      const end = value.indexOf(',', start);
      const stop = end < 0 ? value.length : end;
      if (stop - start === alias.length && value.startsWith(alias, start)) return true;
      if (end < 0) return false;
      start = end + 1;
    }
  }
  const a = utf8Bytes(alias);
  const n = value.length;
  let start = 0;
  while (start <= n) {
    let stop = start;
    while (stop < n && value[stop] !== COMMA) stop++;
    if (stop - start === a.length) {
      let i = 0;
      while (i < a.length && value[start + i] === a[i]) i++;
      if (i === a.length) return true;
    }
    start = stop + 1;
  }
  return false;
}

/** Decodes a raw header value into the alias chain, origin first. */
export function parseChain(value: HeaderValue): string[] {
  if (value === null || value === undefined) return [];
  const s = typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  return s === '' ? [] : s.split(',');
}

/** The raw header value with `alias` appended (unchanged content if `alias` is already the last hop). */
export function appendHop(value: HeaderValue, alias: string): Buffer {
  if (alias === '' || alias.includes(',')) throw new Error(`Invalid cluster alias for ${PROVENANCE_HEADER}: ${JSON.stringify(alias)}`);
  const a = utf8Bytes(alias);
  if (value === null || value === undefined || value.length === 0) return Buffer.from(a);
  const prev = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (prev.length >= a.length && (prev.length === a.length || prev[prev.length - a.length - 1] === COMMA) && prev.subarray(prev.length - a.length).equals(a)) {
    return Buffer.from(prev);
  }
  const out = Buffer.allocUnsafe(prev.length + 1 + a.length);
  prev.copy(out, 0);
  out[prev.length] = COMMA;
  a.copy(out, prev.length + 1);
  return out;
}

function rawProvenance(headers: Headers | null | undefined): HeaderValue {
  if (!headers) return undefined;
  const h = headers.lastWithName(PROVENANCE_HEADER);
  return h ? asHeaderValue(h.value) : undefined;
}

/** Clusters this record has already been on, origin first; [] for a record produced locally. */
export function provenanceOf(headers: Headers | null | undefined): string[] {
  return parseChain(rawProvenance(headers));
}

/**
 * False when copying the record from `sourceAlias` to `targetAlias` would bring it back to a cluster it has
 * already been on (or `targetAlias` is the source itself).
 */
export function shouldReplicate(headers: Headers | null | undefined, sourceAlias: string, targetAlias: string): boolean {
  if (sourceAlias === targetAlias) return false;
  return !chainIncludes(rawProvenance(headers), targetAlias);
}

/** A copy of `headers` whose provenance header records that the record is leaving `alias`. */
export function withHop(headers: Headers | null | undefined, alias: string): Headers {
  const out = headers ? headers.copy() : new Headers();
  return addHopInPlace(out, alias);
}

/** As withHop, but updates `headers` itself (for the per-record hot path when the headers are already a copy). */
export function addHopInPlace(headers: Headers, alias: string): Headers {
  const value = appendHop(rawProvenance(headers), alias);
  headers.remove(PROVENANCE_HEADER);
  headers.add(PROVENANCE_HEADER, value, Schemas.OPTIONAL_BYTES);
  return headers;
}

// ---- when the hop is added (ferry.provenance.header) ------------------------------------------------------

/** Ferry's MirrorSource key choosing when the provenance hop is added. */
export const PROVENANCE_HEADER_CONFIG = 'ferry.provenance.header';
export const PROVENANCE_HEADER_POLICIES = ['auto', 'always', 'never'] as const;
export type ProvenanceHeaderPolicy = typeof PROVENANCE_HEADER_POLICIES[number];

/** The naming side of a replication policy that the decision needs (ReplicationPolicy satisfies it). */
export interface CycleNaming {
  formatRemoteTopic(sourceClusterAlias: string, topic: string): string;
  topicSource(topic: string): string | null;
  upstreamTopic(topic: string): string | null;
}

/**
 * True when the remote topic names of a flow leaving `sourceAlias` reveal where they came from, so that MM2's
 * name-based cycle check (replication-policy.isCycle) keeps a reverse flow from mirroring them back: the remote
 * name differs from the topic's and, read with the reverse flow's policy (`reverse`; by default the same
 * naming), its topicSource chain leads to `sourceAlias`. False for identity naming on either side.
 */
export function namingShowsCycles(policy: CycleNaming, sourceAlias: string, reverse: CycleNaming = policy): boolean {
  const probe = 'ferry-provenance-probe';
  const remote = policy.formatRemoteTopic(sourceAlias, probe);
  // The reverse flow's own cycle check, applied to this flow's remote name.
  return remote !== probe && isCycle(reverse, remote, sourceAlias);
}

/**
 * Whether a flow leaving `sourceAlias` appends its hop to the provenance header. `auto` adds it exactly where
 * the topic names cannot stop a record from coming back (identity-like naming); with a prefixing policy every
 * reverse flow, `ferry failback`'s included, skips the remote topics by name and never needs the header. (In
 * dedicated mode a reverse flow with other naming is taken into account when mm2.properties is read:
 * mm2-properties resolves `auto` to `always` for the flow whose remote topics it could not recognise.)
 */
export function addsProvenanceHop(setting: ProvenanceHeaderPolicy, policy: CycleNaming, sourceAlias: string): boolean {
  if (setting === 'always') return true;
  if (setting === 'never') return false;
  return !namingShowsCycles(policy, sourceAlias);
}
