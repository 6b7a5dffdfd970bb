// Connect's `listeners` / `admin.listeners` values: comma-separated `proto://host:port`, where an empty
// host means every interface (the default is `http://:8083`).
import { ConfigError } from '../api/errors.js';

export interface Listener {
  protocol: 'http' | 'https';
  /** As written; '' means all interfaces. */
  host: string;
  port: number;
  raw: string;
}

// The host may be bracketed (IPv6) or empty; the port is mandatory, as in Connect.
const LISTENER = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(?:\[([0-9a-fA-F:.%a-zA-Z-]*)\]|([0-9a-zA-Z\-%._]*)):([0-9]+)\/?$/;

export function parseListeners(value: string, key = 'listeners'): Listener[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new ConfigError(`Invalid value '${value}' for configuration ${key}: no listener given`, { [key]: ['no listener given'] });
  return items.map((raw) => parseListener(raw, key));
}

function parseListener(raw: string, key: string): Listener {
  const m = LISTENER.exec(raw);
  if (!m) {
    const msg = `Could not parse listener '${raw}': expected protocol://host:port, e.g. http://localhost:8083`;
    throw new ConfigError(`Invalid value ${raw} for configuration ${key}: ${msg}`, { [key]: [msg] });
  }
  const protocol = (m[1] ?? '').toLowerCase();
  const port = Number(m[4]);
  if (protocol !== 'http' && protocol !== 'https') {
    const msg = `Listener protocol must be either "http" or "https", but ${raw} uses ${protocol}`;
    throw new ConfigError(`Invalid value ${raw} for configuration ${key}: ${msg}`, { [key]: [msg] });
  }
  if (port > 65535) {
    const msg = `Listener port ${port} is out of range`;
    throw new ConfigError(`Invalid value ${raw} for configuration ${key}: ${msg}`, { [key]: [msg] });
  }
  return { protocol, host: m[2] ?? m[3] ?? '', port, raw };
}

/** Address to bind: '' → every interface; 'localhost' → the IPv4 loopback (predictable across resolvers). */
export function bindHost(listener: Listener): string {
  if (listener.host === '') return '::';
  if (listener.host.toLowerCase() === 'localhost') return '127.0.0.1';
  return listener.host;
}

/** A URL a local client can reach the bound listener on. */
export function localUrl(listener: Listener, port: number): string {
  const host = listener.host === '' || listener.host.toLowerCase() === 'localhost' ? '127.0.0.1' : listener.host;
  return `${listener.protocol}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
