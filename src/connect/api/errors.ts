// Error types shared by the framework and plugins. Errors carry a cause; the REST layer maps them to
// Connect's {"error_code","message"} bodies by `statusCode`.

export class ConnectError extends Error {
  readonly statusCode: number = 500;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad data that a converter or transform cannot handle (a "poison record"). */
export class DataError extends ConnectError {}

/** A transient failure: the framework retries within errors.retry.timeout. */
export class RetriableError extends ConnectError {}

/** Invalid configuration; `errors` lists every bad key with its messages. */
export class ConfigError extends ConnectError {
  override readonly statusCode: number = 400;
  constructor(message: string, readonly errors: Readonly<Record<string, readonly string[]>> = {}, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class NotFoundError extends ConnectError {
  override readonly statusCode: number = 404;
}

export class AlreadyExistsError extends ConnectError {
  override readonly statusCode: number = 409;
}

export class BadRequestError extends ConnectError {
  override readonly statusCode: number = 400;
}

/** An error with an explicit HTTP status, as Connect's ConnectRestException. */
export class RestError extends ConnectError {
  constructor(override readonly statusCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A stack that starts with `Name: message` (some libraries' stacks carry only the class name). */
function withMessage(e: Error): string {
  const stack = e.stack;
  if (!stack) return `${e.name}: ${e.message}`;
  const first = stack.split('\n', 1)[0] ?? '';
  return e.message && !first.includes(e.message) ? `${e.name}: ${e.message}\n${stack.slice(first.length + 1)}` : stack;
}

export function errorTrace(err: unknown): string {
  if (err instanceof Error) {
    let s = withMessage(err);
    let c: unknown = err.cause;
    for (let depth = 0; c instanceof Error && depth < 5; depth++, c = c.cause) s += `\nCaused by: ${withMessage(c)}`;
    return s;
  }
  return String(err);
}
