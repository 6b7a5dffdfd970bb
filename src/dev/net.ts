// A TCP probe used for readiness and status checks.
import { connect } from 'node:net';
import { LOOPBACK } from './ports.js';

/** True when host:port accepts a TCP connection within timeoutMs. */
export function canConnect(port: number, host = LOOPBACK, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}
