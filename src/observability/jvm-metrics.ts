// The Node process's memory and GC figures under the names the JMX exporter's JVM collectors give a Java
// worker's (jvm_memory_bytes_used, jvm_gc_collection_seconds), so that an MM2 dashboard's JVM panels (Strimzi's)
// show Ferry's process. The mapping, JVM → V8:
// - area="heap": V8's heap in use (JS objects, code and V8's own metadata: process.memoryUsage().heapUsed);
// - area="nonheap": memory outside V8's heap held by JS objects (`external`: every Buffer and ArrayBuffer, where
//   Ferry's record batches live; `arrayBuffers` is part of it, so not added again). Java's nonheap is its
//   metaspace and code cache, which V8 keeps in its heap; the closest separate figure is the off-heap one.
// - jvm_gc_collection_seconds{gc}: V8's collections by kind (minor, major, incremental, weakcb), from Node's GC
//   performance entries. prom-client's nodejs_gc_duration_seconds records only the first entry of each list its
//   observer is handed (Node delivers several at once under GC pressure), so every entry is counted here.
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { Gauge, Summary, type Registry } from 'prom-client';

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

function gcKind(entry: PerformanceEntry): string {
  const kind = (entry as PerformanceEntry & { detail?: { kind?: number } | null }).detail?.kind;
  return (kind !== undefined ? GC_KINDS[kind] : undefined) ?? 'unknown';
}

/** Registers the JVM-named series on `registry`; the GC observer lives as long as the process (it holds no ref). */
export function registerJvmMetrics(registry: Registry): void {
  new Gauge({
    name: 'jvm_memory_bytes_used', help: 'Used bytes of a memory area: heap = V8 heap used, nonheap = external memory (Buffers, ArrayBuffers)',
    labelNames: ['area'] as const, registers: [registry],
    collect() {
      const m = process.memoryUsage();
      this.set({ area: 'heap' }, m.heapUsed);
      this.set({ area: 'nonheap' }, m.external);
    },
  });
  const gc = new Summary({
    name: 'jvm_gc_collection_seconds', help: 'Time spent in V8 garbage collections, by kind (gc)',
    labelNames: ['gc'] as const, percentiles: [], registers: [registry],
  });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gc.observe({ gc: gcKind(e) }, e.duration / 1000);
  }).observe({ entryTypes: ['gc'] });
}
