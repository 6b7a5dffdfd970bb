// A hand-written SVG chart (no dependency): grouped bars with min–max whiskers for throughput (with the
// broker ceiling as a dashed line) and for latency percentiles.
import type { Spread } from './stats.js';

export interface BarGroup { label: string; ceiling?: number | undefined; values: { tool: string; s: Spread | undefined }[] }
export interface ChartData { throughput: BarGroup[]; latency: BarGroup[] }

const COLORS: Record<string, string> = { Ferry: '#1f77b4', MM2: '#d62728' };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A "nice" axis maximum and tick step for values up to max. */
export function niceScale(max: number, ticks = 5): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.2 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  return { top: Math.ceil(max / step) * step, step };
}

function short(x: number): string {
  if (x > 0 && x < 1) return x.toFixed(x < 0.1 ? 3 : 2);
  if (x >= 1e6) return `${(x / 1e6).toFixed(x >= 1e7 ? 0 : 1)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(x >= 1e4 ? 0 : 1)}k`;
  if (x >= 10) return x.toFixed(0);
  return x.toFixed(1);
}

/** Decades covering [min, max] for a log axis (at least one). */
export function logScale(min: number, max: number): { lo: number; hi: number } {
  const lo = 10 ** Math.floor(Math.log10(Math.max(min, 1e-3)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(max, lo * 10)));
  return { lo, hi: hi <= lo ? lo * 10 : hi };
}

function panel(title: string, unit: string, groups: readonly BarGroup[], x0: number, y0: number, w: number, h: number, log = false): string {
  const parts: string[] = [];
  const left = 56, bottom = 58, top = 30;
  const pw = w - left - 10, ph = h - top - bottom;
  const ox = x0 + left, oy = y0 + top + ph;
  parts.push(`<text x="${x0 + w / 2}" y="${y0 + 16}" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  const all = groups.flatMap((g) => [...g.values.map((v) => v.s?.max ?? 0), g.ceiling ?? 0]);
  let y: (v: number) => number;
  let ticks: number[];
  if (log) {
    const positive = groups.flatMap((g) => g.values.map((v) => v.s?.min ?? 0)).filter((x) => x > 0);
    const { lo, hi } = logScale(positive.length ? Math.min(...positive) : 1, Math.max(1, ...all));
    y = (v: number) => oy - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * ph;
    ticks = [];
    for (let v = lo; v <= hi * 1.0001; v *= 10) ticks.push(v);
  } else {
    const { top: ymax, step } = niceScale(Math.max(0, ...all));
    y = (v: number) => oy - (v / ymax) * ph;
    ticks = [];
    for (let v = 0; v <= ymax + 1e-9; v += step) ticks.push(v);
  }
  for (const v of ticks) {
    parts.push(`<line x1="${ox}" x2="${ox + pw}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${ox - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11">${short(v)}</text>`);
  }
  parts.push(`<text transform="translate(${x0 + 14},${y0 + top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="11">${esc(unit)}</text>`);
  parts.push(`<line x1="${ox}" x2="${ox + pw}" y1="${oy}" y2="${oy}" stroke="#333"/>`);
  if (groups.length === 0) {
    parts.push(`<text x="${ox + pw / 2}" y="${oy - ph / 2}" text-anchor="middle" font-size="12" fill="#888">no data yet</text>`);
    return parts.join('\n');
  }
  const gw = pw / groups.length;
  groups.forEach((g, gi) => {
    const n = Math.max(1, g.values.length);
    const bw = Math.min(44, (gw * 0.7) / n);
    const gx = ox + gi * gw + (gw - bw * n) / 2;
    g.values.forEach((v, vi) => {
      const bx = gx + vi * bw;
      if (!v.s) {
        parts.push(`<text x="${(bx + bw / 2).toFixed(1)}" y="${oy - 4}" text-anchor="middle" font-size="10" fill="#888">n/a</text>`);
        return;
      }
      const color = COLORS[v.tool] ?? '#555';
      parts.push(`<rect x="${(bx + 1).toFixed(1)}" y="${y(v.s.median).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(oy - y(v.s.median)).toFixed(1)}" fill="${color}"><title>${esc(`${v.tool} ${g.label}: median ${short(v.s.median)} (min ${short(v.s.min)}, max ${short(v.s.max)}, n=${v.s.n})`)}</title></rect>`);
      if (v.s.max > v.s.min) {
        const cx = (bx + bw / 2).toFixed(1);
        parts.push(`<line x1="${cx}" x2="${cx}" y1="${y(v.s.min).toFixed(1)}" y2="${y(v.s.max).toFixed(1)}" stroke="#000"/>`);
        parts.push(`<line x1="${(bx + bw / 2 - 4).toFixed(1)}" x2="${(bx + bw / 2 + 4).toFixed(1)}" y1="${y(v.s.max).toFixed(1)}" y2="${y(v.s.max).toFixed(1)}" stroke="#000"/>`);
        parts.push(`<line x1="${(bx + bw / 2 - 4).toFixed(1)}" x2="${(bx + bw / 2 + 4).toFixed(1)}" y1="${y(v.s.min).toFixed(1)}" y2="${y(v.s.min).toFixed(1)}" stroke="#000"/>`);
      }
      parts.push(`<text x="${(bx + bw / 2).toFixed(1)}" y="${(y(v.s.max) - 4).toFixed(1)}" text-anchor="middle" font-size="10">${short(v.s.median)}</text>`);
    });
    if (g.ceiling) {
      parts.push(`<line x1="${(ox + gi * gw + 4).toFixed(1)}" x2="${(ox + (gi + 1) * gw - 4).toFixed(1)}" y1="${y(g.ceiling).toFixed(1)}" y2="${y(g.ceiling).toFixed(1)}" stroke="#2ca02c" stroke-dasharray="5,3" stroke-width="2"><title>broker ceiling ${short(g.ceiling)}</title></line>`);
    }
    const words = g.label.split(/(?<=:)\s|,\s/);
    words.forEach((line, li) => parts.push(`<text x="${(ox + gi * gw + gw / 2).toFixed(1)}" y="${oy + 15 + li * 12}" text-anchor="middle" font-size="10">${esc(line)}</text>`));
  });
  return parts.join('\n');
}

export function renderChart(d: ChartData): string {
  const W = 980, H = 380;
  const legend = Object.entries(COLORS).map(([tool, color], i) => `<rect x="${20 + i * 80}" y="${H - 18}" width="12" height="12" fill="${color}"/><text x="${36 + i * 80}" y="${H - 8}" font-size="12">${tool}</text>`).join('');
  const ceilingLegend = `<line x1="190" x2="215" y1="${H - 12}" y2="${H - 12}" stroke="#2ca02c" stroke-dasharray="5,3" stroke-width="2"/><text x="220" y="${H - 8}" font-size="12">broker ceiling (ProducerPerformance)</text><text x="${W - 10}" y="${H - 8}" text-anchor="end" font-size="11" fill="#555">bars: median; whiskers: min–max over runs</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    panel('Throughput (records/s, higher is better)', 'records/s', d.throughput, 0, 0, W * 0.55, H - 24),
    panel('End-to-end latency (ms, log scale, lower is better)', 'ms', d.latency, W * 0.55, 0, W * 0.45, H - 24, true),
    legend, ceilingLegend,
    '</svg>',
  ].join('\n') + '\n';
}
