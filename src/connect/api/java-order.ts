// Java HashMap/HashSet iteration order, for output that must match what Java code writes (Connect's internal
// JSON maps, MM2's task assignments built from a HashSet). Lives in the plugin API so connectors and the runtime
// share one implementation.
/** java.lang.String.hashCode(): s[0]*31^(n-1) + … + s[n-1] over UTF-16 code units, 32-bit wrapping. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Bucket count of a HashMap after `size` puts into `new HashMap<>()` (16, doubling past 0.75 load). */
export function javaHashMapCapacity(size: number, initialCapacity = 16): number {
  let cap = 1;
  while (cap < initialCapacity) cap *= 2;
  while (size > cap * 0.75) cap *= 2;
  return cap;
}

/**
 * The order in which a java.util.HashMap<String, ?> filled by put()s in `keys` order iterates its keys:
 * by bucket index ((h ^ (h >>> 16)) & (capacity - 1)), then by insertion order within a bucket (resizes
 * keep the relative order of a bucket's entries). Treeified buckets (8+ collisions in one bucket of a
 * table of 64+) are not modelled.
 */
export function javaHashMapKeyOrder(keys: readonly string[], initialCapacity = 16): string[] {
  const unique = [...new Set(keys)];
  const mask = javaHashMapCapacity(unique.length, initialCapacity) - 1;
  const indexed = unique.map((k, i) => {
    const h = javaStringHashCode(k);
    return { k, i, bucket: (h ^ (h >>> 16)) & mask };
  });
  indexed.sort((a, b) => a.bucket - b.bucket || a.i - b.i);
  return indexed.map((e) => e.k);
}
