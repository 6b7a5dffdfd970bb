// Small formatting helpers for the operations commands' human output.

export function fmtCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${fmtCount(n)} ${n === 1 ? word : many}`;
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '∞';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

export function fmtAge(ms: number | null): string {
  return ms === null ? 'never' : `${fmtDuration(ms)} ago`;
}

/** `[█████▌    ]  55.0%` */
export function progressBar(fraction: number, width = 24): string {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  const partial = rest > 0 ? ' ▏▎▍▌▋▊▉'[rest]! : '';
  const bar = '█'.repeat(full) + partial;
  return `[${bar.padEnd(width)}] ${(f * 100).toFixed(1).padStart(5)}%`;
}

/** A fixed-width text table. */
export function table(rows: string[][], opts: { rightAlign?: number[] } = {}): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((r) => r.map((c, i) => (opts.rightAlign?.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd());
}
