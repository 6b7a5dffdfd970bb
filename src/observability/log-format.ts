// How a log line looks: pino's JSON (one object a line, for collectors and for tests that read a child
// process's output) or a short line for people (`12:01:02 WARN  connect.task [stream-0] task failed: boom`).
// Pure functions: the logger (logger.ts) picks the format and hands every finished JSON line here.
//
// The human line carries everything the JSON line does — time, level, logger name, connector/task, message,
// `err`, and every other field as key=value — only shorter: fields a person reads first come first.

export type LogFormat = 'json' | 'pretty';

export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/** pino's level names (FERRY_LOG_LEVEL, --log-level). */
export const LOG_LEVELS: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function isLogFormat(v: string | undefined): v is LogFormat {
  return v !== undefined && (LOG_FORMATS as readonly string[]).includes(v);
}

export interface FormatChoice {
  /** `--log-format` (or a program's own choice), strongest. */
  explicit?: string | undefined;
  /** FERRY_LOG_FORMAT. */
  env?: string | undefined;
  /** What the command prefers when nobody asked (the demo: pretty, whatever stderr is). */
  preferred?: LogFormat | undefined;
  /** Whether stderr is a terminal. */
  isTTY: boolean;
}

/**
 * The format to write: an explicit choice, else FERRY_LOG_FORMAT, else the command's preference, else pretty on
 * a terminal and JSON into a pipe or file (what a collector, `jq` or a test reads). `auto` and unknown values
 * count as not set.
 */
export function chooseLogFormat(c: FormatChoice): LogFormat {
  const explicit = c.explicit?.trim().toLowerCase();
  if (isLogFormat(explicit)) return explicit;
  const env = c.env?.trim().toLowerCase();
  if (isLogFormat(env)) return env;
  if (c.preferred) return c.preferred;
  return c.isTTY ? 'pretty' : 'json';
}

/**
 * The start level: FERRY_LOG_LEVEL when set; otherwise `warn` for people (a terminal shows what needs
 * attention, not every start-up step) and `info` for JSON, as before.
 */
export function defaultLogLevel(format: LogFormat, envLevel: string | undefined): string {
  const lv = envLevel?.trim().toLowerCase();
  if (lv) return lv;
  return format === 'pretty' ? 'warn' : 'info';
}

const LEVEL_LABELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

function levelLabel(level: unknown): string {
  if (typeof level === 'number') return LEVEL_LABELS[level] ?? `L${level}`;
  if (typeof level === 'string') return level.toUpperCase();
  return '?';
}

const ANSI = { reset: '\x1b[0m', dim: '\x1b[2m', red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', magenta: '\x1b[35m' };

function levelColor(level: unknown): string {
  const n = typeof level === 'number' ? level : 30;
  if (n >= 50) return ANSI.red;
  if (n >= 40) return ANSI.yellow;
  if (n >= 30) return ANSI.cyan;
  return ANSI.dim;
}

/** HH:MM:SS in local time (the terminal's clock); the JSON line keeps the full ISO UTC timestamp. */
function clock(time: unknown): string {
  const d = typeof time === 'string' || typeof time === 'number' ? new Date(time) : new Date(Number.NaN);
  if (Number.isNaN(d.getTime())) return typeof time === 'string' ? time : '--:--:--';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A field value on one line: bare when it is a plain word, JSON otherwise (quotes, spaces, newlines, objects). */
export function fieldValue(v: unknown): string {
  if (typeof v === 'string') return v !== '' && /^[^\s"'=\\]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (v === undefined) return 'undefined';
  return JSON.stringify(v);
}

const INDENT = '    ';

/** `err` as pino writes it: a string (a message or an errorTrace, maybe multi-line) or a serialized Error. */
function errorText(err: unknown): { text: string; extra: Array<[string, unknown]> } {
  if (typeof err === 'string') return { text: err, extra: [] };
  if (err && typeof err === 'object' && !Array.isArray(err)) {
    const e = err as Record<string, unknown>;
    const message = typeof e.message === 'string' ? e.message : '';
    const type = typeof e.type === 'string' ? e.type : 'Error';
    const head = type === 'Error' ? message : `${type}: ${message}`;
    // pino's stack starts with "Type: message"; its frames follow the message (an error: they are wanted).
    const stack = typeof e.stack === 'string' ? e.stack : '';
    const frames = stack.startsWith(`${type}: ${message}`) ? stack.slice(`${type}: ${message}`.length) : stack === '' ? '' : `\n${stack}`;
    const text = head + frames;
    const extra = Object.entries(e).filter(([k]) => k !== 'message' && k !== 'type' && k !== 'stack').map(([k, v]): [string, unknown] => [`err.${k}`, v]);
    return { text, extra };
  }
  return { text: fieldValue(err), extra: [] };
}

// Fields shown in the line's fixed places rather than as key=value.
const PLACED = new Set(['time', 'level', 'logger', 'msg', 'err', 'connector', 'task']);

export interface PrettyOptions {
  /** ANSI colours (a terminal that wants them). */
  color?: boolean;
}

/**
 * One pino log object as a line for people:
 * `HH:MM:SS LEVEL logger [connector-task] message: err  key=value …`, an error's further lines (a trace's
 * `Caused by:`, a stack) indented below.
 */
export function formatPretty(obj: Readonly<Record<string, unknown>>, opts: PrettyOptions = {}): string {
  const c = (code: string, s: string) => (opts.color ? `${code}${s}${ANSI.reset}` : s);
  const head = [c(ANSI.dim, clock(obj.time)), c(levelColor(obj.level), levelLabel(obj.level).padEnd(5))];
  if (typeof obj.logger === 'string') head.push(c(ANSI.magenta, obj.logger));
  const ctx = [obj.connector, obj.task].filter((v) => v !== undefined && v !== null).map((v) => (typeof v === 'string' ? v : fieldValue(v)));
  if (ctx.length > 0) head.push(`[${ctx.join('-')}]`);
  const msg = typeof obj.msg === 'string' ? obj.msg : obj.msg === undefined ? '' : fieldValue(obj.msg);
  const fields: Array<[string, unknown]> = Object.entries(obj).filter(([k]) => !PLACED.has(k));
  const [msgFirst = '', ...rest] = msg.split('\n');
  let first = msgFirst;
  if (obj.err !== undefined) {
    const { text, extra } = errorText(obj.err);
    const [errFirst = '', ...errMore] = text.split('\n');
    first = first === '' ? errFirst : `${first.replace(/[:\s]+$/, '')}: ${errFirst}`;
    rest.push(...errMore);
    fields.push(...extra);
  }
  if (first !== '') head.push(first);
  let line = head.join(' ');
  if (fields.length > 0) line += '  ' + fields.map(([k, v]) => `${c(ANSI.dim, `${k}=`)}${fieldValue(v)}`).join(' ');
  for (const r of rest) if (r.trim() !== '') line += `\n${INDENT}${r.trim()}`;
  return line;
}

/** A finished JSON log line (pino's output) rewritten for people; a line that is not JSON passes unchanged. */
export function prettyLine(jsonLine: string, opts: PrettyOptions = {}): string {
  const trimmed = jsonLine.trimEnd();
  let obj: unknown;
  try {
    obj = JSON.parse(trimmed);
  } catch {
    return jsonLine;
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return jsonLine;
  return formatPretty(obj as Record<string, unknown>, opts) + '\n';
}
