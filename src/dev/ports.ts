// Port layout for local clusters and free-port probing.
//
// `ferry dev up` uses a fixed, documented layout so addresses are predictable:
//   cluster i (0-based, in --clusters order) → broker port base + i*1000, controller port base + i*1000 + 1
//   default base 19092: source 127.0.0.1:19092 (controller 19093), target 127.0.0.1:20092 (controller 20093).
// Tests and the demo pick free ports instead (findFreePorts), so they never collide with a running `ferry dev`.
import { createServer } from 'node:net';

export const DEFAULT_BASE_PORT = 19092;
export const CLUSTER_PORT_STRIDE = 1000;
export const LOOPBACK = '127.0.0.1';

export interface ClusterPorts {
  broker: number;
  controller: number;
}

export function portsFor(index: number, basePort = DEFAULT_BASE_PORT): ClusterPorts {
  const broker = basePort + index * CLUSTER_PORT_STRIDE;
  return { broker, controller: broker + 1 };
}

/** Ports for each named cluster; throws when a port falls outside 1024-65535. */
export function portLayout(names: readonly string[], basePort = DEFAULT_BASE_PORT): Map<string, ClusterPorts> {
  const out = new Map<string, ClusterPorts>();
  names.forEach((name, i) => {
    const p = portsFor(i, basePort);
    if (p.broker < 1024 || p.controller > 65535) {
      throw new Error(`Base port ${basePort} puts cluster '${name}' on ports ${p.broker}/${p.controller}, outside 1024-65535; choose a base port between 1024 and ${65535 - 1 - (names.length - 1) * CLUSTER_PORT_STRIDE}.`);
    }
    out.set(name, p);
  });
  return out;
}

/** True when nothing listens on host:port (we can bind it ourselves). */
export function isPortFree(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** The first port in `ports` that is taken, or undefined. */
export async function firstTakenPort(ports: readonly number[], host = LOOPBACK): Promise<number | undefined> {
  for (const p of ports) if (!(await isPortFree(p, host))) return p;
  return undefined;
}

// Below Linux's ephemeral range (32768+), so a port we pick is not handed to some outgoing connection
// between our probe and the broker's bind. Ports in use (e.g. by a running `ferry dev`) fail the probe.
const FREE_MIN = 21000;
const FREE_MAX = 32000;
const claimed = new Set<number>();

/**
 * Picks `count` distinct free loopback ports at random from 21000-31999. Ports handed out by this process
 * are not handed out again, so clusters started in parallel never share one.
 */
export async function findFreePorts(count: number): Promise<number[]> {
  const out: number[] = [];
  for (let attempt = 0; out.length < count; attempt++) {
    if (attempt > 2000) throw new Error(`Could not find ${count} free ports in ${FREE_MIN}-${FREE_MAX - 1}.`);
    const p = FREE_MIN + Math.floor(Math.random() * (FREE_MAX - FREE_MIN));
    if (claimed.has(p) || out.includes(p)) continue;
    if (await isPortFree(p)) out.push(p);
  }
  for (const p of out) claimed.add(p);
  return out;
}
