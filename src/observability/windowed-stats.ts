// Kafka's sampled statistics (Rate, Avg, Min, Max over metrics.num.samples windows of metrics.sample.window.ms),
// so that `*_rate` and `*_avg/_min/_max` series mean what the same names mean on a Java worker: values of the
// last ~60 s by default, not of the process's lifetime. Series are exposed as prom-client gauges computed at
// scrape time; recording touches a few numbers in preallocated arrays (no allocation), so callers on hot paths
// hold a SeriesStat and record once per batch or run.
import { Gauge, type Registry } from 'prom-client';

export interface WindowConfig {
  /** metrics.sample.window.ms (Kafka's default 30 000). */
  windowMs: number;
  /** metrics.num.samples (Kafka's default 2). */
  samples: number;
  /** Clock in ms; tests pass a fake one. */
  now: () => number;
}

export const DEFAULT_WINDOW: WindowConfig = { windowMs: 30_000, samples: 2, now: () => Date.now() };

/** One series' samples: a ring of `samples` windows, each with its event count, total, min and max. */
export class SampledStat {
  private readonly start: Float64Array;
  private readonly count: Float64Array;
  private readonly total: Float64Array;
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private current = 0;
  /** Last recorded value (MM2's plain `record-age-ms`, `replication-latency-ms`), NaN before any. */
  last = Number.NaN;
  /** When the last value was recorded (the window clock, epoch ms), NaN before any. */
  lastAt = Number.NaN;
  /** Lifetime sums (cumulative counts such as MM2's record-count). */
  lifetimeTotal = 0;
  lifetimeCount = 0;

  constructor(private readonly cfg: WindowConfig = DEFAULT_WINDOW) {
    const n = Math.max(1, cfg.samples);
    this.start = new Float64Array(n);
    this.count = new Float64Array(n);
    this.total = new Float64Array(n);
    this.min = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    this.max = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    this.start[0] = cfg.now();
    // The other samples start "long ago": obsolete until the ring reaches them.
    for (let i = 1; i < n; i++) this.start[i] = Number.NEGATIVE_INFINITY;
  }

  /**
   * Records `value` for `weight` events (a batch of records sharing one measurement counts as that many events
   * for the average; min and max see the value once).
   */
  record(value: number, weight = 1, now = this.cfg.now()): void {
    let i = this.current;
    if (now - this.start[i]! >= this.cfg.windowMs) {
      i = (i + 1) % this.start.length;
      this.current = i;
      this.resetSample(i, now);
    }
    this.count[i]! += weight;
    this.total[i]! += value * weight;
    if (value < this.min[i]!) this.min[i] = value;
    if (value > this.max[i]!) this.max[i] = value;
    this.last = value;
    this.lastAt = now;
    this.lifetimeTotal += value * weight;
    this.lifetimeCount += weight;
  }

  /** Adds `amount` to the windowed and lifetime sums (for rates of counts: records, bytes). */
  add(amount: number, now = this.cfg.now()): void {
    this.record(amount, 1, now);
  }

  /** Per-second rate of the recorded sums over the retained windows (Kafka's Rate with a WindowedSum). */
  rate(now = this.cfg.now()): number {
    this.purge(now);
    let sum = 0;
    let oldest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.start.length; i++) {
      sum += this.total[i]!;
      if (this.start[i]! < oldest) oldest = this.start[i]!;
    }
    let elapsed = now - oldest;
    // As Kafka does: a young stat is measured over at least samples-1 full windows, so a first burst does not
    // read as a huge rate.
    const full = Math.floor(elapsed / this.cfg.windowMs);
    const minFull = this.start.length - 1;
    if (full < minFull) elapsed += (minFull - full) * this.cfg.windowMs;
    return sum / (Math.max(elapsed, 1) / 1000);
  }

  /** Mean of the retained events; NaN when there are none (as Kafka's Avg). */
  avg(now = this.cfg.now()): number {
    this.purge(now);
    let c = 0, t = 0;
    for (let i = 0; i < this.start.length; i++) { c += this.count[i]!; t += this.total[i]!; }
    return c === 0 ? Number.NaN : t / c;
  }

  minimum(now = this.cfg.now()): number {
    this.purge(now);
    let m = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.start.length; i++) if (this.count[i]! > 0 && this.min[i]! < m) m = this.min[i]!;
    return m === Number.POSITIVE_INFINITY ? Number.NaN : m;
  }

  maximum(now = this.cfg.now()): number {
    this.purge(now);
    let m = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.start.length; i++) if (this.count[i]! > 0 && this.max[i]! > m) m = this.max[i]!;
    return m === Number.NEGATIVE_INFINITY ? Number.NaN : m;
  }

  /** Samples older than samples × window are reset (Kafka's purgeObsoleteSamples). */
  private purge(now: number): void {
    const expire = this.start.length * this.cfg.windowMs;
    for (let i = 0; i < this.start.length; i++) if (now - this.start[i]! >= expire) this.resetSample(i, now);
  }

  private resetSample(i: number, now: number): void {
    this.start[i] = now;
    this.count[i] = 0;
    this.total[i] = 0;
    this.min[i] = Number.POSITIVE_INFINITY;
    this.max[i] = Number.NEGATIVE_INFINITY;
  }
}

export type Measure = 'rate' | 'avg' | 'min' | 'max' | 'last' | 'total';

function measure(s: SampledStat, m: Measure, now: number): number {
  switch (m) {
    case 'rate': return s.rate(now);
    case 'avg': return s.avg(now);
    case 'min': return s.minimum(now);
    case 'max': return s.maximum(now);
    case 'last': return s.last;
    case 'total': return s.lifetimeTotal;
  }
}

type Labels<L extends string> = Record<L, string>;

/**
 * A family of windowed series sharing label names, exposed as one gauge per output (metric name → measure),
 * e.g. `{ x_record_age_ms: 'last', x_record_age_ms_avg: 'avg', … }`. `series(labels)` hands out the stat to
 * record into (kept by the caller); `remove(labels)` drops the series from every output.
 */
export class WindowedMetric<L extends string> {
  private readonly stats = new Map<string, { labels: Labels<L>; stat: SampledStat }>();
  private readonly gauges: Array<{ gauge: Gauge<L>; m: Measure }> = [];

  constructor(opts: { outputs: Record<string, Measure>; help: string; labelNames: readonly L[]; registry: Registry; window?: WindowConfig }) {
    this.labelNames = opts.labelNames;
    this.window = opts.window ?? DEFAULT_WINDOW;
    for (const [name, m] of Object.entries(opts.outputs)) {
      const family = this.stats;
      const window = this.window;
      const gauge: Gauge<L> = new Gauge<L>({
        name, help: `${opts.help} (${m === 'last' ? 'last value' : m === 'total' ? 'cumulative' : `${m} over the sample windows`})`,
        labelNames: opts.labelNames, registers: [opts.registry],
        collect() {
          const now = window.now();
          this.reset();
          for (const { labels, stat } of family.values()) this.set(labels, measure(stat, m, now));
        },
      });
      this.gauges.push({ gauge, m });
    }
  }

  private readonly labelNames: readonly L[];
  private readonly window: WindowConfig;

  private key(labels: Labels<L>): string {
    return this.labelNames.map((l) => labels[l]).join('\u0000');
  }

  /** The stat of a label set, created on first use. */
  series(labels: Labels<L>): SampledStat {
    const k = this.key(labels);
    let e = this.stats.get(k);
    if (!e) { e = { labels: { ...labels }, stat: new SampledStat(this.window) }; this.stats.set(k, e); }
    return e.stat;
  }

  remove(labels: Labels<L>): void {
    this.stats.delete(this.key(labels));
    for (const { gauge } of this.gauges) gauge.remove(labels);
  }

  /** Drops every series whose labels match `partial` (e.g. all series of a connector). */
  removeMatching(partial: Partial<Labels<L>>): void {
    for (const [k, e] of this.stats) {
      if ((Object.keys(partial) as L[]).every((l) => e.labels[l] === partial[l])) {
        this.stats.delete(k);
        for (const { gauge } of this.gauges) gauge.remove(e.labels);
      }
    }
  }

  /** The series with their stats (read by derived gauges and the status page). */
  entries(): { labels: Readonly<Labels<L>>; stat: SampledStat }[] {
    return [...this.stats.values()];
  }

  /** Label sets currently exposed (tests). */
  labelSets(): Labels<L>[] {
    return [...this.stats.values()].map((e) => e.labels);
  }
}
