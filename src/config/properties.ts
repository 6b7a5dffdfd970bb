// Java .properties files (worker configs, connector files, mm2.properties) and connector files in JSON.
//
// Parsing follows java.util.Properties.load: '#'/'!' comment lines, key/value separated by '=', ':'
// or whitespace, escapes \t \n \r \f \uXXXX and \<any char>, a line continued by an odd number of
// trailing backslashes (leading whitespace of the next line dropped), last duplicate wins.
// Files are read as UTF-8 (what people write today); a file that is not valid UTF-8 is read as
// ISO-8859-1, which is what Java's Properties.load(InputStream) assumes.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { ConfigError } from '../connect/api/errors.js';
import { JsonSyntaxError, lineAndColumn, parseJsonStrict } from '../connect/converters/json-text.js';

export type Properties = Record<string, string>;

/** The state a connector is created in (as the herder's TargetState; REST's initial_state RUNNING = STARTED). */
export type InitialState = 'STARTED' | 'PAUSED' | 'STOPPED';

export interface ConnectorFile {
  name: string;
  config: Record<string, string>;
  initialState?: InitialState;
}

function setOwn(obj: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function isWhite(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\f';
}

function isEol(c: string | undefined): boolean {
  return c === '\n' || c === '\r';
}

/**
 * Parses .properties text. `source` (usually the file name) prefixes error messages, which also
 * carry the line number: "worker.properties:12: Malformed \uxxxx encoding in …".
 */
export function parseProperties(text: string, source = '<properties>'): Properties {
  const out: Properties = {};
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;

  // Advances past one line terminator (\n, \r or \r\n) if there is one.
  const skipEol = (): void => {
    if (text[i] === '\r') { i++; if (text[i] === '\n') i++; line++; }
    else if (text[i] === '\n') { i++; line++; }
  };

  while (i < n) {
    while (i < n && isWhite(text[i])) i++;
    if (i >= n) break;
    const c = text[i];
    if (isEol(c)) { skipEol(); continue; }
    if (c === '#' || c === '!') {
      while (i < n && !isEol(text[i])) i++;
      skipEol();
      continue;
    }
    // Collect one logical line, joining continuations.
    const startLine = line;
    let logical = '';
    for (;;) {
      let end = i;
      while (end < n && !isEol(text[end])) end++;
      let slashes = 0;
      while (end - 1 - slashes >= i && text[end - 1 - slashes] === '\\') slashes++;
      const continued = slashes % 2 === 1;
      logical += text.slice(i, continued ? end - 1 : end);
      i = end;
      skipEol();
      if (!continued) break;
      while (i < n && isWhite(text[i])) i++;
      if (i >= n) break;
    }
    const [key, value] = splitKeyValue(logical, source, startLine);
    setOwn(out, key, value);
  }
  return out;
}

function splitKeyValue(logical: string, source: string, line: number): [string, string] {
  const n = logical.length;
  let keyEnd = n;
  let valueStart = n;
  for (let j = 0; j < n; j++) {
    const c = logical[j];
    if (c === '\\') { j++; continue; }
    if (c === '=' || c === ':') {
      keyEnd = j;
      valueStart = j + 1;
      while (valueStart < n && isWhite(logical[valueStart])) valueStart++;
      break;
    }
    if (isWhite(c)) {
      keyEnd = j;
      valueStart = j;
      while (valueStart < n && isWhite(logical[valueStart])) valueStart++;
      if (logical[valueStart] === '=' || logical[valueStart] === ':') {
        valueStart++;
        while (valueStart < n && isWhite(logical[valueStart])) valueStart++;
      }
      break;
    }
  }
  return [unescape(logical.slice(0, keyEnd), source, line), unescape(logical.slice(valueStart), source, line)];
}

function unescape(raw: string, source: string, line: number): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let j = 0; j < raw.length; j++) {
    const c = raw[j]!;
    if (c !== '\\') { out += c; continue; }
    const e = raw[++j];
    switch (e) {
      case undefined: break;
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        const hex = raw.slice(j + 1, j + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          throw new ConfigError(`${source}:${line}: Malformed \\uxxxx encoding ("\\u${hex}") in "${raw}"`);
        }
        out += String.fromCharCode(parseInt(hex, 16));
        j += 4;
        break;
      }
      default: out += e;
    }
  }
  return out;
}

/** Decodes file bytes: UTF-8 when valid, else ISO-8859-1 (Java's default for .properties). */
function decodeFile(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

function readText(path: string): string {
  try {
    return decodeFile(readFileSync(path));
  } catch (e) {
    throw new ConfigError(`Cannot read ${path}: ${(e as Error).message}`, {}, { cause: e });
  }
}

/** Reads and parses a .properties file; errors name the file (and line). */
export function readPropertiesFile(path: string): Properties {
  return parseProperties(readText(path), path);
}

// ---- writing ----

// Escapes only what Java's Properties.load would otherwise read differently, so generated files stay readable
// ("bootstrap.servers=host:9092", not "host\\:9092" as Properties.store writes): backslashes and line breaks
// anywhere; separators and spaces in keys; a key's leading '#' or '!'; a value's leading space; and anything
// outside printable ASCII as \uXXXX, which Java's ISO-8859-1 loader (Kafka's own tools) reads back too.
function escapeProp(s: string, isKey: boolean): string {
  let out = '';
  for (let j = 0; j < s.length; j++) {
    const c = s[j]!;
    const code = c.charCodeAt(0);
    switch (c) {
      case '\\': out += '\\\\'; continue;
      case '\t': out += '\\t'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\f': out += '\\f'; continue;
      case '=': case ':': out += isKey ? '\\' + c : c; continue;
      case '#': case '!': out += isKey && j === 0 ? '\\' + c : c; continue;
      case ' ': out += isKey || j === 0 ? '\\ ' : ' '; continue;
      default:
        out += code < 0x20 || code > 0x7e ? '\\u' + code.toString(16).toUpperCase().padStart(4, '0') : c;
    }
  }
  return out;
}

/**
 * Renders .properties text that Java's Properties.load (and parseProperties) reads back as the same map: a map
 * in insertion order or entries in the order given, one "key=value" a line, escaped as Properties.store does.
 */
export function writeProperties(props: Readonly<Record<string, string>> | Iterable<readonly [string, string]>, comment?: string): string {
  let out = '';
  if (comment !== undefined) for (const l of comment.split(/\r\n|\r|\n/)) out += '# ' + l + '\n';
  const entries = Symbol.iterator in props ? props as Iterable<readonly [string, string]> : Object.entries(props);
  for (const [k, v] of entries) out += escapeProp(k, true) + '=' + escapeProp(v, false) + '\n';
  return out;
}

// ---- connector files ----

const INITIAL_STATES: Readonly<Record<string, InitialState>> = { RUNNING: 'STARTED', STARTED: 'STARTED', PAUSED: 'PAUSED', STOPPED: 'STOPPED' };

function configValue(path: string, key: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new ConfigError(`Connector configuration file '${path}': the value of '${key}' must be a string, number or boolean, not ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
}

function toConfig(path: string, obj: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) setOwn(out, k, configValue(path, k, v));
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses connector file text; `path` names the file in errors and picks the format by extension. */
export function parseConnectorFile(text: string, path: string): ConnectorFile {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const ext = extname(path).toLowerCase();
  const json = ext === '.json' || (ext !== '.properties' && /^\s*\{/.test(body));
  if (!json) {
    const config = parseProperties(body, path);
    const name = config['name'];
    if (name === undefined || name.trim() === '') throw new ConfigError(`Connector configuration at '${path}' is missing the mandatory 'name' configuration`, { name: ['missing'] });
    return { name, config };
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    try {
      parseJsonStrict(body);
    } catch (e) {
      if (e instanceof JsonSyntaxError) {
        const { line, column } = lineAndColumn(body, e.position);
        throw new ConfigError(`Unable to parse connector configuration file '${path}': ${e.message} (line ${line}, column ${column})`, {}, { cause: e });
      }
      throw new ConfigError(`Unable to parse connector configuration file '${path}': ${(e as Error).message}`, {}, { cause: e });
    }
    throw new ConfigError(`Unable to parse connector configuration file '${path}'`);
  }
  if (!isObject(parsed)) throw new ConfigError(`Connector configuration file '${path}' must contain a JSON object`);

  // POST /connectors shape: {"name": …, "config": {…}, "initial_state"?: …}
  if (isObject(parsed['config'])) {
    const unknown = Object.keys(parsed).filter((k) => k !== 'name' && k !== 'config' && k !== 'initial_state');
    if (unknown.length > 0) {
      throw new ConfigError(`Connector configuration file '${path}' has unrecognized field(s) ${unknown.map((k) => `'${k}'`).join(', ')}; expected 'name', 'config' and optionally 'initial_state'`);
    }
    const config = toConfig(path, parsed['config']);
    const rawName = parsed['name'];
    if (rawName !== undefined && rawName !== null && typeof rawName !== 'string') throw new ConfigError(`Connector configuration file '${path}': 'name' must be a string`);
    const name = (rawName ?? config['name']) as string | undefined;
    if (name === undefined || name.trim() === '') throw new ConfigError(`Connector configuration at '${path}' is missing the mandatory 'name' field`, { name: ['missing'] });
    if (config['name'] !== undefined && config['name'] !== name) {
      throw new ConfigError(`Connector name configuration in 'config' doesn't match the one specified in 'name' at '${path}'`);
    }
    setOwn(config, 'name', name);
    const result: ConnectorFile = { name, config };
    const state = parsed['initial_state'];
    if (state !== undefined && state !== null) {
      const s = typeof state === 'string' ? INITIAL_STATES[state.trim().toUpperCase()] : undefined;
      if (!s) throw new ConfigError(`Connector configuration file '${path}': invalid initial_state ${JSON.stringify(state)}; expected RUNNING, PAUSED or STOPPED`);
      result.initialState = s;
    }
    return result;
  }

  // A flat map of connector config keys.
  const config = toConfig(path, parsed);
  const name = config['name'];
  if (name === undefined || name.trim() === '') throw new ConfigError(`Connector configuration at '${path}' is missing the mandatory 'name' configuration`, { name: ['missing'] });
  return { name, config };
}

/** Reads a connector file: .properties, a flat JSON map, or POST /connectors-shaped JSON. */
export function readConnectorFile(path: string): ConnectorFile {
  return parseConnectorFile(readText(path), path);
}
