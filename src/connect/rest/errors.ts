// Maps anything a route or the herder throws onto Connect's error body {"error_code": N, "message": "…"}
// (Connect's ConnectExceptionMapper): ConnectError → its statusCode, framework errors → their status,
// everything else → 500 with the error's message.
import { ConnectError, RestError } from '../api/errors.js';
import { scrubSecrets } from '../../config/secrets.js';

export interface ErrorBody { error_code: number; message: string | null }

/** Connect's plain Jersey messages for routing failures ("HTTP 404 Not Found"). */
export const NOT_FOUND_MESSAGE = 'HTTP 404 Not Found';
export const METHOD_NOT_ALLOWED_MESSAGE = 'HTTP 405 Method Not Allowed';

export const REQUEST_TIMED_OUT_MESSAGE = 'Request timed out.';

export function errorBody(status: number, message: string | null): ErrorBody {
  // A client library's or plugin's message may quote a resolved secret; responses never carry one.
  return { error_code: status, message: message === null ? null : scrubSecrets(message) };
}

export function badRequest(message: string): RestError {
  return new RestError(400, message);
}

export function notFound(message: string = NOT_FOUND_MESSAGE): RestError {
  return new RestError(404, message);
}

/** Status and message for any thrown value. */
export function httpErrorOf(err: unknown): { status: number; message: string | null } {
  if (err instanceof ConnectError) return { status: validStatus(err.statusCode), message: err.message };
  if (err instanceof Error) {
    // fastify's own errors (body too large, bad URL, schema validation) carry a statusCode.
    const code = (err as { statusCode?: unknown }).statusCode;
    const status = typeof code === 'number' ? validStatus(code) : 500;
    return { status, message: err.message };
  }
  return { status: 500, message: err === undefined || err === null ? null : String(err) };
}

function validStatus(code: number): number {
  return Number.isInteger(code) && code >= 400 && code <= 599 ? code : 500;
}

/**
 * A herder error saying another worker must serve the request (Connect's RequestTargetException:
 * NotLeaderException, NotAssignedException). Recognised by a `targetUrl` property so the herder does not
 * need to import anything from rest/; `targetUrl` is null when no leader is known (mid-rebalance).
 */
export type RequestTargetError = Error & { targetUrl: string | null };

export function isRequestTargetError(err: unknown): err is RequestTargetError {
  if (!(err instanceof Error) || !('targetUrl' in err)) return false;
  const url = (err as { targetUrl: unknown }).targetUrl;
  return typeof url === 'string' || url === null;
}

/**
 * Runs one herder call with Connect's REST timeout: when it does not settle in `timeoutMs` the request
 * fails with 500 "Request timed out." (the herder call itself keeps running; its late result is dropped).
 */
export function withTimeout<T>(work: () => T | Promise<T>, timeoutMs: number): Promise<T> {
  let pending: Promise<T>;
  try {
    pending = Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return pending;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RestError(500, REQUEST_TIMED_OUT_MESSAGE)), timeoutMs);
    pending.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (err: unknown) => { clearTimeout(timer); reject(err instanceof Error ? err : new Error(String(err))); },
    );
  });
}
