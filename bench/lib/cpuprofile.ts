// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per module, so the report can
// say where Ferry's CPU goes without opening DevTools.
import { readFileSync } from 'node:fs';

interface CpuNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface CpuProfile { nodes: CpuNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

export interface ProfileBreakdown {
  totalMs: number;
  /** Sampled time minus (idle): what the percentages below are relative to. */
  busyMs: number;
  topFunctions: { name: string; url: string; selfMs: number; pct: number }[];
  byModule: { module: string; selfMs: number; pct: number }[];
}

/** Groups a script URL into a readable module: a package name, a Ferry source dir, node internals, or a pseudo-frame. */
export function moduleOf(url: string, functionName: string): string {
  if (!url) return `(${functionName || 'native'})`.replace(/^\(\((.*)\)\)$/, '($1)');
  if (url.startsWith('node:')) return 'node:' + (url.slice(5).split('/')[0] ?? '');
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    const pkg = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0] ?? '?';
    // kafkajs is the data path: keep its top-level area (protocol, network, …) visible.
    if (pkg === 'kafkajs') return `kafkajs/${rest.slice(2, rest.length - 1).slice(0, 2).join('/') || rest[rest.length - 1]}`;
    return pkg;
  }
  const src = url.indexOf('/src/');
  if (src >= 0) {
    const rest = url.slice(src + 1).split('/');
    return rest.slice(0, Math.min(3, rest.length - 1)).join('/') + '/' + (rest[rest.length - 1] ?? '');
  }
  return url.replace(/^file:\/\//, '');
}

export function summarizeProfile(profile: CpuProfile, top = 25): ProfileBreakdown {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  let total = 0;
  const fn = new Map<string, { name: string; url: string; us: number }>();
  const mod = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    total += us;
    const { functionName, url, lineNumber } = n.callFrame;
    const name = functionName || '(anonymous)';
    const short = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/');
    const k = `${name}@${short}:${lineNumber + 1}`;
    const e = fn.get(k) ?? { name, url: `${short}:${lineNumber + 1}`, us: 0 };
    e.us += us;
    fn.set(k, e);
    const m = moduleOf(url, functionName);
    mod.set(m, (mod.get(m) ?? 0) + us);
  }
  const idle = mod.get('(idle)') ?? 0;
  const busy = total - idle;
  mod.delete('(idle)');
  for (const [k, e] of fn) if (e.name === '(idle)') fn.delete(k);
  const pct = (us: number) => Math.round((us / Math.max(1, busy)) * 1000) / 10;
  return {
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    topFunctions: [...fn.values()].sort((a, b) => b.us - a.us).slice(0, top).map((e) => ({ name: e.name, url: e.url, selfMs: Math.round(e.us / 1000), pct: pct(e.us) })),
    byModule: [...mod].sort((a, b) => b[1] - a[1]).slice(0, top).map(([module, us]) => ({ module, selfMs: Math.round(us / 1000), pct: pct(us) })),
  };
}

export function summarizeProfileFile(path: string, top = 25): ProfileBreakdown {
  return summarizeProfile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, top);
}
