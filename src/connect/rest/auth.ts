// REST authentication compatible with Kafka's BasicAuthSecurityRestExtension: the worker names the extension
// in `rest.extension.classes`, and the JVM-style JAAS file (found where Kafka's scripts pass it, in
// KAFKA_OPTS=-Djava.security.auth.login.config=<file>) holds a `KafkaConnect` section with
// PropertyFileLoginModule entries whose `file` option is a .properties file of `user: password` lines.
//
// Differences from Connect, both on the safe side: an empty (or missing) credentials file is a start-up error
// (Connect lets every request through when no user is configured), and a 401 carries `WWW-Authenticate`.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../api/errors.js';
import { parseJaasModules, JaasConfigError } from '../../kafka/jaas.js';
import { readPropertiesFile } from '../../config/properties.js';

export const BASIC_AUTH_EXTENSION = 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension';
export const PROPERTY_FILE_LOGIN_MODULE = 'org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule';
/** The JAAS login context Connect's JaasBasicAuthFilter uses. */
export const CONNECT_LOGIN_CONTEXT = 'KafkaConnect';
const JAAS_PROPERTY = 'java.security.auth.login.config';

/** Connect's JaasBasicAuthFilter answers an unauthenticated request with this message. */
export const UNAUTHORIZED_MESSAGE = 'User cannot access the resource.';
export const WWW_AUTHENTICATE = `Basic realm="${CONNECT_LOGIN_CONTEXT}"`;

export interface RestAuthenticator {
  /** True when the Authorization header value names a configured user with the right password. */
  authenticate(authorization: string | undefined): boolean;
}

interface PropertyFileModule { flag: 'required' | 'requisite' | 'sufficient' | 'optional'; users: Map<string, Buffer> }

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Where the JVM would find the JAAS file: a -D option in KAFKA_OPTS (last one wins, as in Java), else the env var. */
export function jaasFileFromEnv(env: Readonly<Record<string, string | undefined>>): string | null {
  const opts = env['KAFKA_OPTS'] ?? '';
  let found: string | null = null;
  // Values may be quoted in the shell variable; Java's launcher has already split on whitespace.
  const re = /(?:^|\s)-Djava\.security\.auth\.login\.config==?(?:"([^"]*)"|'([^']*)'|(\S+))/g;
  for (let m = re.exec(opts); m; m = re.exec(opts)) found = m[1] ?? m[2] ?? m[3] ?? null;
  if (found !== null) return found;
  const direct = env[JAAS_PROPERTY];
  return direct !== undefined && direct.trim() !== '' ? direct.trim() : null;
}

/**
 * The body of one named section (`Name { … };`) of a JAAS file. Quotes and comments are skipped so a brace
 * inside an option value cannot end the section.
 */
export function jaasSection(text: string, name: string): string | null {
  let i = 0;
  let depth = 0;
  let sectionStart = -1;
  let word = '';
  let inWord = false;
  let current = '';
  while (i < text.length) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') { while (i < text.length && text[i] !== '\n') i++; continue; }
    if (c === '/' && text[i + 1] === '*') { const e = text.indexOf('*/', i + 2); i = e < 0 ? text.length : e + 2; continue; }
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      word = '';
      continue;
    }
    if (c === '{') {
      if (depth === 0) { current = word; sectionStart = i + 1; }
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0 && current === name && sectionStart >= 0) return text.slice(sectionStart, i);
      if (depth < 0) return null;
    }
    if (/[A-Za-z0-9_.$-]/.test(c)) { word = inWord ? word + c : c; inWord = true; } else {
      inWord = false;
      if (!/\s/.test(c)) word = '';
    }
    i++;
  }
  return null;
}

/** Reads the JAAS file and every credentials file it names; any problem is a start-up error naming the file. */
export function loadBasicAuth(env: Readonly<Record<string, string | undefined>>): RestAuthenticator {
  const key = 'rest.extension.classes';
  const fail = (msg: string): never => { throw new ConfigError(`${BASIC_AUTH_EXTENSION} in ${key}: ${msg}`, { [key]: [msg] }); };
  const file = jaasFileFromEnv(env);
  if (file === null) fail(`no JAAS file: set KAFKA_OPTS="-D${JAAS_PROPERTY}=<file>" with a ${CONNECT_LOGIN_CONTEXT} section`);
  let text = '';
  try { text = readFileSync(file!, 'utf8'); } catch (e) { fail(`cannot read the JAAS file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`); }
  const body = jaasSection(text, CONNECT_LOGIN_CONTEXT);
  if (body === null) fail(`the JAAS file ${file} has no ${CONNECT_LOGIN_CONTEXT} { … }; section`);
  let modules: ReturnType<typeof parseJaasModules> = [];
  try { modules = parseJaasModules(body!); } catch (e) { fail(`${file}: ${e instanceof JaasConfigError ? e.message : String(e)}`); }
  if (modules.length === 0) fail(`the ${CONNECT_LOGIN_CONTEXT} section of ${file} has no login module`);
  const loaded: PropertyFileModule[] = modules.map((m) => {
    if (m.loginModule !== PROPERTY_FILE_LOGIN_MODULE) fail(`login module ${m.loginModule} in ${file} is not supported; Ferry supports ${PROPERTY_FILE_LOGIN_MODULE}`);
    const credentials = m.options['file'];
    if (credentials === undefined || credentials.trim() === '') fail(`${PROPERTY_FILE_LOGIN_MODULE} in ${file} has no 'file' option (the credentials file)`);
    let props: Record<string, string> = {};
    // Read as Java's Properties.load reads it (Latin-1 when not UTF-8): a password with an accented letter must match.
    try { props = readPropertiesFile(credentials!); } catch (e) { fail(`the credentials file of ${PROPERTY_FILE_LOGIN_MODULE}: ${(e as Error).message}`); }
    const users = new Map(Object.entries(props).map(([u, p]) => [u, digest(p)] as const));
    // Connect authenticates everyone when the file holds no user; Ferry refuses to start instead.
    if (users.size === 0) fail(`the credentials file ${credentials} holds no user`);
    return { flag: m.flag, users };
  });
  return { authenticate: (header) => authenticate(loaded, header) };
}

function credentialsOf(header: string | undefined): { user: string; password: string } | null {
  if (header === undefined) return null;
  const m = /^\s*basic\s+(\S+)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function moduleAccepts(m: PropertyFileModule, user: string, password: string): boolean {
  const expected = m.users.get(user);
  // Compare digests in constant time, and do the work even for unknown users.
  const given = digest(password);
  return timingSafeEqual(expected ?? digest(`\u0000${password}`), given) && expected !== undefined;
}

/** JAAS control flags over the modules: required/requisite must all pass; otherwise one sufficient/optional pass. */
function authenticate(modules: readonly PropertyFileModule[], header: string | undefined): boolean {
  const creds = credentialsOf(header);
  if (!creds) return false;
  let anyPassed = false;
  for (const m of modules) {
    const ok = moduleAccepts(m, creds.user, creds.password);
    if (ok) anyPassed = true;
    if (!ok && (m.flag === 'required' || m.flag === 'requisite')) return false;
    if (ok && m.flag === 'sufficient' && !modules.some((x) => x.flag === 'required' || x.flag === 'requisite')) return true;
  }
  return anyPassed;
}

/**
 * `rest.extension.classes`: Ferry implements only the basic-auth extension; anything else names a Java class
 * it cannot load, so the worker refuses to start rather than run without the protection it asked for.
 */
export function restAuthenticatorFor(extensionClasses: readonly string[], env: Readonly<Record<string, string | undefined>>): RestAuthenticator | null {
  let auth: RestAuthenticator | null = null;
  for (const cls of extensionClasses) {
    if (cls === BASIC_AUTH_EXTENSION) auth ??= loadBasicAuth(env);
    else {
      const msg = `REST extension ${cls} is not supported by Ferry (supported: ${BASIC_AUTH_EXTENSION})`;
      throw new ConfigError(`Invalid value ${cls} for configuration rest.extension.classes: ${msg}`, { 'rest.extension.classes': [msg] });
    }
  }
  return auth;
}

/**
 * Requests workers make to each other carry their own proof (the session-key signature checked by the
 * herder), as in Connect's JaasBasicAuthFilter, so they pass without user credentials. Dedicated mode's process
 * listener serves them under a flow's `/{source}/{target}` (MM2's InternalMirrorResource).
 */
export function isInternalRequest(method: string, path: string): boolean {
  if (method === 'POST') return /^(?:\/[^/]+\/[^/]+)?\/?connectors\/[^/]+\/tasks\/?$/.test(path);
  if (method === 'PUT') return /^(?:\/[^/]+\/[^/]+)?\/?connectors\/[^/]+\/fence\/?$/.test(path);
  return false;
}
