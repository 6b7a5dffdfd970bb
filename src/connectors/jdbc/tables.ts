// Table discovery for the source connector: which tables exist, which the filters select, how they are
// spread over tasks, and the source partitions their offsets are stored under.
import type { SourcePartition } from '../../connect/api/index.js';
import { unquotedName, type Dialect, type TableId } from './dialect.js';
import type { TableFilter } from './config.js';
import type { Session } from './session.js';

const PG_RELKINDS: Record<string, string[]> = {
  // As the PostgreSQL JDBC driver reports them: partitions are TABLEs, their parent a PARTITIONED TABLE.
  TABLE: ['r'],
  'PARTITIONED TABLE': ['p'],
  VIEW: ['v'],
  'MATERIALIZED VIEW': ['m'],
  'FOREIGN TABLE': ['f'],
};

const MYSQL_TYPES: Record<string, string[]> = {
  TABLE: ['BASE TABLE', 'SYSTEM VERSIONED'],
  VIEW: ['VIEW'],
};

const MYSQL_SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

/**
 * Lists tables visible to the connection. PostgreSQL: every schema except the system ones, with the current
 * database as catalog (as the PostgreSQL JDBC driver reports it). MySQL/MariaDB: the connection's database,
 * or the databases matching catalog.pattern.
 */
export async function listTables(session: Session, opts: { tableTypes: string[]; schemaPattern: string | null; catalogPattern: string | null }): Promise<TableId[]> {
  const types = opts.tableTypes.length > 0 ? opts.tableTypes : ['TABLE'];
  if (session.dialect.name === 'postgresql') {
    const kinds = [...new Set(types.flatMap((t) => PG_RELKINDS[t] ?? []))];
    if (kinds.length === 0) return [];
    const r = await session.query(
      `SELECT current_database(), n.nspname, c.relname
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind::text = ANY($1::text[])
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
          AND ($2::text IS NULL OR n.nspname LIKE $2) AND ($3::text IS NULL OR current_database() LIKE $3)
        ORDER BY 1, 2, 3`,
      [kinds, opts.schemaPattern, opts.catalogPattern],
    );
    return r.rows.map((row) => ({ catalog: String(row[0]), schema: String(row[1]), table: String(row[2]) }));
  }
  const kinds = [...new Set(types.flatMap((t) => MYSQL_TYPES[t] ?? []))];
  if (kinds.length === 0) return [];
  const placeholders = kinds.map(() => '?').join(',');
  const sys = MYSQL_SYSTEM_SCHEMAS.map(() => '?').join(',');
  const r = await session.query(
    `SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES
      WHERE TABLE_TYPE IN (${placeholders}) AND TABLE_SCHEMA NOT IN (${sys})
        AND (CASE WHEN ? IS NULL THEN TABLE_SCHEMA = DATABASE() ELSE TABLE_SCHEMA LIKE ? END)
      ORDER BY TABLE_SCHEMA, TABLE_NAME`,
    [...kinds, ...MYSQL_SYSTEM_SCHEMAS, opts.catalogPattern, opts.catalogPattern],
  );
  return r.rows.map((row) => ({ catalog: asString(row[0]), schema: null, table: asString(row[1]) }));
}

function asString(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

/** Applies table.whitelist/blacklist (names, qualified or quoted) and table.include.list/exclude.list (regexes on the qualified name). */
export function filterTables(tables: readonly TableId[], filter: TableFilter, dialect: Dialect): TableId[] {
  const names = (t: TableId): string[] => [unquotedName(t), dialect.qualified(t), t.table];
  return tables.filter((t) => {
    if (filter.whitelist) return names(t).some((n) => filter.whitelist!.has(n));
    if (filter.blacklist) return !names(t).some((n) => filter.blacklist!.has(n));
    const fqn = unquotedName(t);
    if (filter.include) return filter.include.some((r) => r.test(fqn));
    if (filter.exclude) return !filter.exclude.some((r) => r.test(fqn));
    return true;
  });
}

/** Tables whose unqualified names collide (they would share one topic); the connector refuses these, as Confluent's does. */
export function duplicateTableNames(tables: readonly TableId[]): Map<string, TableId[]> {
  const by = new Map<string, TableId[]>();
  for (const t of tables) by.set(t.table, [...(by.get(t.table) ?? []), t]);
  return new Map([...by].filter(([, v]) => v.length > 1));
}

/** Splits items into `groups` contiguous groups, the first ones one larger (Connect's ConnectorUtils.groupPartitions). */
export function groupPartitions<T>(items: readonly T[], groups: number): T[][] {
  if (groups <= 0) throw new Error('Number of groups must be positive.');
  const out: T[][] = [];
  const per = Math.floor(items.length / groups);
  const leftover = items.length % groups;
  let i = 0;
  for (let g = 0; g < groups; g++) {
    const size = per + (g < leftover ? 1 : 0);
    out.push(items.slice(i, i + size));
    i += size;
  }
  return out;
}

// ---- source partitions (OffsetProtocols) ----

export const QUERY_PARTITION: SourcePartition = Object.freeze({ query: 'query' });

/** Protocol 1: fully-qualified unquoted name plus the protocol key (key order as Java's HashMap writes it). */
export function tablePartitionV1(t: TableId): SourcePartition {
  return { protocol: '1', table: unquotedName(t) };
}

/** Protocol 0 (pre-5.x connectors, and bulk mode): the unqualified table name. */
export function tablePartitionV0(t: TableId): SourcePartition {
  return { table: t.table };
}

export interface TableColumn {
  name: string;
  nullable: boolean;
  autoIncrement: boolean;
  dataType: string;
}

/**
 * Columns of a table from the catalog, or null when the table does not exist. A missing catalog / schema means
 * the connection's database / current schema.
 */
export async function describeTable(session: Session, t: TableId): Promise<TableColumn[] | null> {
  if (session.dialect.name === 'postgresql') {
    const r = await session.query(
      `SELECT a.attname, (NOT a.attnotnull)::text,
              (a.attidentity <> '' OR COALESCE(pg_catalog.pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false))::text,
              pg_catalog.format_type(a.atttypid, a.atttypmod)
         FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relname = $1 AND n.nspname = COALESCE($2, current_schema())
        ORDER BY a.attnum`,
      [t.table, t.schema],
    );
    if (r.rows.length === 0) {
      const exists = await session.query(
        `SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relname = $1 AND n.nspname = COALESCE($2, current_schema())`, [t.table, t.schema]);
      return exists.rows.length > 0 ? [] : null;
    }
    return r.rows.map((row) => ({ name: String(row[0]), nullable: row[1] === 'true', autoIncrement: row[2] === 'true', dataType: String(row[3]) }));
  }
  const r = await session.query(
    `SELECT COLUMN_NAME, IS_NULLABLE, EXTRA, COLUMN_TYPE FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [t.catalog, t.table],
  );
  if (r.rows.length === 0) {
    const exists = await session.query('SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?', [t.catalog, t.table]);
    return exists.rows.length > 0 ? [] : null;
  }
  return r.rows.map((row) => ({
    name: asString(row[0]),
    nullable: asString(row[1]).toUpperCase() === 'YES',
    autoIncrement: /auto_increment/i.test(asString(row[2])),
    dataType: asString(row[3]),
  }));
}

/** A column by name: exact match first, then case-insensitive (as Confluent's checks do). */
export function findColumn<T extends { name: string }>(columns: readonly T[], name: string): T | undefined {
  return columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
}
