// Parsing of JDBC connection URLs (`jdbc:postgresql://…`, `jdbc:mysql://…`, `jdbc:mariadb://…`) into what
// the Node drivers need. Only the URL shapes the PostgreSQL and MySQL/MariaDB drivers document are accepted.
import { ConfigError } from '../../connect/api/index.js';

export type DialectName = 'postgresql' | 'mysql';

export interface JdbcHost { host: string; port: number }

export interface JdbcUrl {
  dialect: DialectName;
  /** The sub-protocol as written: postgresql, mysql or mariadb. */
  subprotocol: string;
  hosts: JdbcHost[];
  /** Database (PostgreSQL) or default schema/database (MySQL); null when the URL names none. */
  database: string | null;
  /** Query-string properties (user, password, sslmode, …), decoded. */
  params: Record<string, string>;
  /** user[:password]@ given before the host (MySQL Connector/J and MariaDB accept it). */
  user?: string;
  password?: string;
}

const DEFAULT_PORTS: Record<DialectName, number> = { postgresql: 5432, mysql: 3306 };

function bad(url: string, why: string): never {
  throw new ConfigError(`Invalid value ${redactUrl(url)} for configuration connection.url: ${why}`, {
    'connection.url': [`Invalid JDBC URL: ${why}`],
  });
}

/** The URL with any password parameter or user-info password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return url
    .replace(/([?&;]password=)[^&;]*/gi, '$1****')
    .replace(/(\/\/[^/@:]*:)[^/@]*@/, '$1****@');
}

function decode(url: string, s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return bad(url, `cannot decode "${s}"`);
  }
}

function parseHosts(url: string, text: string, dialect: DialectName): JdbcHost[] {
  if (text === '') return [{ host: 'localhost', port: DEFAULT_PORTS[dialect] }];
  return text.split(',').map((part) => {
    const p = part.trim();
    let host: string;
    let portText: string | undefined;
    const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(p);
    if (v6) {
      host = v6[1]!;
      portText = v6[2];
    } else {
      const i = p.lastIndexOf(':');
      if (i >= 0) {
        host = p.slice(0, i);
        portText = p.slice(i + 1);
      } else host = p;
    }
    if (host === '') host = 'localhost';
    let port = DEFAULT_PORTS[dialect];
    if (portText !== undefined && portText !== '') {
      if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) bad(url, `invalid port "${portText}"`);
      port = Number(portText);
    }
    return { host, port };
  });
}

/** Parses a JDBC URL; throws ConfigError naming connection.url when it is not a PostgreSQL or MySQL/MariaDB URL. */
export function parseJdbcUrl(url: string): JdbcUrl {
  const trimmed = url.trim();
  const m = /^jdbc:([a-zA-Z0-9]+)(?::([a-zA-Z]+))?:(.*)$/s.exec(trimmed);
  if (!m) return bad(url, 'expected jdbc:postgresql://host:port/database, jdbc:mysql://host:port/database or jdbc:mariadb://host:port/database');
  const sub = m[1]!.toLowerCase();
  let dialect: DialectName;
  if (sub === 'postgresql' || sub === 'postgres' || sub === 'pgsql') dialect = 'postgresql';
  else if (sub === 'mysql' || sub === 'mariadb') dialect = 'mysql';
  else return bad(url, `unsupported database "${m[1]!}" (supported: postgresql, mysql, mariadb)`);
  // jdbc:mysql:loadbalance://… / jdbc:mysql:replication://… : connect to the first host.
  let rest = m[3]!;
  const params: Record<string, string> = {};
  const q = rest.search(/[?]/);
  let query = '';
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  // PostgreSQL also allows properties after ';' in older URLs; MySQL allows none. Accept '&' and ';'.
  for (const pair of query.split(/[&;]/)) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const k = decode(url, eq >= 0 ? pair.slice(0, eq) : pair);
    params[k] = eq >= 0 ? decode(url, pair.slice(eq + 1)) : '';
  }
  let hosts: JdbcHost[];
  let database: string | null = null;
  let user: string | undefined;
  let password: string | undefined;
  if (rest.startsWith('//')) {
    let authority = rest.slice(2);
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      const db = authority.slice(slash + 1);
      database = db === '' ? null : decode(url, db);
      authority = authority.slice(0, slash);
    }
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      const info = authority.slice(0, at);
      authority = authority.slice(at + 1);
      const c = info.indexOf(':');
      user = decode(url, c >= 0 ? info.slice(0, c) : info);
      if (c >= 0) password = decode(url, info.slice(c + 1));
    }
    hosts = parseHosts(url, authority, dialect);
  } else if (dialect === 'postgresql' && rest !== '' && !rest.includes('/')) {
    // jdbc:postgresql:database — local server, default port.
    hosts = [{ host: 'localhost', port: DEFAULT_PORTS.postgresql }];
    database = decode(url, rest);
  } else {
    return bad(url, 'expected //host[:port]/database after the sub-protocol');
  }
  if (database !== null && database.includes('/')) bad(url, `invalid database name "${database}"`);
  const out: JdbcUrl = { dialect, subprotocol: sub, hosts, database, params };
  if (user !== undefined) out.user = user;
  if (password !== undefined) out.password = password;
  return out;
}

/** Maps Confluent's `dialect.name` values to a dialect, or null for "derive from the URL". */
export function dialectFromName(name: string | null | undefined): DialectName | null {
  if (!name) return null;
  const n = name.trim().toLowerCase();
  if (n === '') return null;
  if (n === 'postgresqldatabasedialect' || n === 'postgresql' || n === 'postgres') return 'postgresql';
  if (n === 'mysqldatabasedialect' || n === 'mysql' || n === 'mariadb') return 'mysql';
  throw new ConfigError(`Invalid value ${name} for configuration dialect.name: supported dialects are PostgreSqlDatabaseDialect and MySqlDatabaseDialect`, {
    'dialect.name': [`Unsupported dialect ${name}`],
  });
}
