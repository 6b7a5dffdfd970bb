// SQL text per database: identifier quoting, qualified table names, placeholders and the statements the
// source and sink issue. Everything here is pure; values never appear in SQL text (they are bound parameters).
import { ConfigError, DataError, LOGICAL, type Schema } from '../../connect/api/index.js';
import type { DialectName } from './url.js';

/** A table as Confluent's TableId: catalog (PostgreSQL database / MySQL database), schema (PostgreSQL only), name. */
export interface TableId {
  readonly catalog: string | null;
  readonly schema: string | null;
  readonly table: string;
}

export interface ColumnDef {
  name: string;
  sqlType: string;
  optional: boolean;
  /** A literal already rendered for DDL, or undefined. */
  defaultSql?: string;
}

/** The fully-qualified name without quotes, parts joined by '.', as Confluent's source partitions store it. */
export function unquotedName(t: TableId): string {
  return [t.catalog, t.schema, t.table].filter((p): p is string => p !== null && p !== '').join('.');
}

export function sameTable(a: TableId, b: TableId): boolean {
  return a.catalog === b.catalog && a.schema === b.schema && a.table === b.table;
}

/**
 * Splits a possibly-quoted dotted identifier ("a"."b", `a`.`b`, a.b) into its parts. Both quote characters
 * are accepted so task configs written by either dialect (or by the Java connector) can be read back.
 */
export function splitQualifiedName(text: string): string[] {
  const parts: string[] = [];
  let i = 0;
  const s = text.trim();
  if (s === '') return [];
  while (i <= s.length) {
    let part = '';
    const q = s[i];
    if (q === '"' || q === '`') {
      i++;
      for (;;) {
        if (i >= s.length) throw new ConfigError(`Unterminated quoted identifier in "${text}"`);
        const c = s[i]!;
        if (c === q) {
          if (s[i + 1] === q) { part += q; i += 2; continue; }
          i++;
          break;
        }
        part += c;
        i++;
      }
      while (i < s.length && /\s/.test(s[i]!)) i++;
      if (i < s.length && s[i] !== '.') throw new ConfigError(`Unexpected character after quoted identifier in "${text}"`);
    } else {
      const dot = s.indexOf('.', i);
      const end = dot < 0 ? s.length : dot;
      part = s.slice(i, end).trim();
      i = end;
    }
    parts.push(part);
    if (i >= s.length) break;
    i++; // skip '.'
  }
  return parts;
}

/** Splits a comma-separated list of possibly-quoted qualified names, ignoring commas inside quotes. */
export function splitNameList(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      cur += c;
      if (c === quote) {
        if (text[i + 1] === quote) { cur += quote; i++; } else quote = null;
      }
    } else if (c === '"' || c === '`') {
      quote = c;
      cur += c;
    } else if (c === ',') {
      if (cur.trim() !== '') out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

export interface UpsertShape {
  table: TableId;
  keyColumns: readonly string[];
  nonKeyColumns: readonly string[];
  rows: number;
}

export abstract class Dialect {
  abstract readonly name: DialectName;
  abstract readonly displayName: string;
  abstract readonly quoteChar: string;
  /** Statement-parameter limit per statement (both servers: 65 535). */
  readonly maxParameters = 65535;

  quote(identifier: string): string {
    const q = this.quoteChar;
    return q + identifier.split(q).join(q + q) + q;
  }

  qualified(t: TableId): string {
    return [t.catalog, t.schema, t.table].filter((p): p is string => p !== null && p !== '').map((p) => this.quote(p)).join('.');
  }

  /** The 1-based n-th bind placeholder. */
  abstract placeholder(n: number): string;

  /** A table named by the sink's table.name.format result or a task's `tables` entry. */
  abstract parseTableName(name: string): TableId;

  /** SQL returning the database's current time as epoch seconds with a fraction (one row, one column). */
  abstract readonly currentTimeSql: string;

  /** The column type auto.create / auto.evolve use for a field schema. */
  abstract sqlType(schema: Schema, isKey: boolean): string;

  /** INSERT … VALUES (…),(…) … ON CONFLICT / ON DUPLICATE KEY for `rows` rows. */
  abstract upsertSql(s: UpsertShape): string;

  insertSql(table: TableId, columns: readonly string[], rows: number): string {
    return `INSERT INTO ${this.qualified(table)} (${columns.map((c) => this.quote(c)).join(',')}) VALUES ${this.valueRows(columns.length, rows)}`;
  }

  updateSql(table: TableId, keyColumns: readonly string[], nonKeyColumns: readonly string[]): string {
    let n = 0;
    const set = nonKeyColumns.map((c) => `${this.quote(c)} = ${this.placeholder(++n)}`).join(', ');
    const where = keyColumns.map((c) => `${this.quote(c)} = ${this.placeholder(++n)}`).join(' AND ');
    return `UPDATE ${this.qualified(table)} SET ${set} WHERE ${where}`;
  }

  /** DELETE … WHERE (k1,k2) IN ((?,?),(?,?)) for `rows` keys. */
  deleteSql(table: TableId, keyColumns: readonly string[], rows: number): string {
    if (keyColumns.length === 0) throw new ConfigError('Deletes need key columns');
    let n = 0;
    if (keyColumns.length === 1) {
      const ps: string[] = [];
      for (let r = 0; r < rows; r++) ps.push(this.placeholder(++n));
      return `DELETE FROM ${this.qualified(table)} WHERE ${this.quote(keyColumns[0]!)} IN (${ps.join(',')})`;
    }
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++) {
      const ps: string[] = [];
      for (let c = 0; c < keyColumns.length; c++) ps.push(this.placeholder(++n));
      tuples.push(`(${ps.join(',')})`);
    }
    return `DELETE FROM ${this.qualified(table)} WHERE (${keyColumns.map((c) => this.quote(c)).join(',')}) IN (${tuples.join(',')})`;
  }

  protected valueRows(columns: number, rows: number): string {
    const out: string[] = new Array<string>(rows);
    let n = 0;
    for (let r = 0; r < rows; r++) {
      const ps: string[] = new Array<string>(columns);
      for (let c = 0; c < columns; c++) ps[c] = this.placeholder(++n);
      out[r] = `(${ps.join(',')})`;
    }
    return out.join(',');
  }

  createTableSql(table: TableId, columns: readonly ColumnDef[], primaryKey: readonly string[]): string {
    const specs = columns.map((c) => this.columnSpec(c));
    if (primaryKey.length > 0) specs.push(`PRIMARY KEY(${primaryKey.map((k) => this.quote(k)).join(',')})`);
    return `CREATE TABLE ${this.qualified(table)} (\n${specs.join(',\n')})`;
  }

  alterTableSql(table: TableId, columns: readonly ColumnDef[]): string {
    return `ALTER TABLE ${this.qualified(table)} ${columns.map((c) => `ADD ${this.columnSpec(c)}`).join(', ')}`;
  }

  protected columnSpec(c: ColumnDef): string {
    let s = `${this.quote(c.name)} ${c.sqlType}`;
    if (c.defaultSql !== undefined) s += ` DEFAULT ${c.defaultSql}`;
    s += c.optional ? ' NULL' : ' NOT NULL';
    return s;
  }

  /** A DDL literal for a field's default value, or undefined when the type's default cannot be rendered. */
  defaultLiteral(schema: Schema): string | undefined {
    const v = schema.defaultValue;
    if (v === undefined || v === null || schema.name !== undefined) return undefined;
    switch (schema.type) {
      case 'INT8': case 'INT16': case 'INT32': case 'INT64': case 'FLOAT32': case 'FLOAT64':
        if (typeof v === 'bigint') return v.toString();
        if (typeof v === 'number' && Number.isFinite(v)) return String(v);
        return undefined;
      case 'BOOLEAN':
        return typeof v === 'boolean' ? this.booleanLiteral(v) : undefined;
      case 'STRING':
        return typeof v === 'string' ? this.stringLiteral(v) : undefined;
      default:
        return undefined;
    }
  }

  protected booleanLiteral(v: boolean): string { return v ? 'TRUE' : 'FALSE'; }

  protected stringLiteral(v: string): string { return `'${v.replace(/'/g, "''")}'`; }

  /** Name of a logical or primitive schema for messages. */
  protected static describe(schema: Schema): string {
    return schema.name ?? schema.type;
  }
}

export class PostgresDialect extends Dialect {
  readonly name = 'postgresql' as const;
  readonly displayName = 'PostgreSQL';
  readonly quoteChar = '"';
  readonly currentTimeSql = 'SELECT EXTRACT(EPOCH FROM statement_timestamp())::text';

  placeholder(n: number): string { return `$${n}`; }

  parseTableName(name: string): TableId {
    const parts = splitQualifiedName(name);
    if (parts.length === 1) return { catalog: null, schema: null, table: parts[0]! };
    if (parts.length === 2) return { catalog: null, schema: parts[0]!, table: parts[1]! };
    if (parts.length === 3) return { catalog: parts[0]!, schema: parts[1]!, table: parts[2]! };
    throw new ConfigError(`Invalid table name "${name}": expected [database.][schema.]table`);
  }

  sqlType(schema: Schema, _isKey: boolean): string {
    switch (schema.name) {
      case LOGICAL.DECIMAL: return 'DECIMAL';
      case LOGICAL.DATE: return 'DATE';
      case LOGICAL.TIME: return 'TIME';
      case LOGICAL.TIMESTAMP: return 'TIMESTAMP';
    }
    switch (schema.type) {
      case 'INT8': case 'INT16': return 'SMALLINT';
      case 'INT32': return 'INT';
      case 'INT64': return 'BIGINT';
      case 'FLOAT32': return 'REAL';
      case 'FLOAT64': return 'DOUBLE PRECISION';
      case 'BOOLEAN': return 'BOOLEAN';
      case 'STRING': return 'TEXT';
      case 'BYTES': return 'BYTEA';
      default:
        throw new DataError(`No PostgreSQL column type for schema type ${Dialect.describe(schema)}`);
    }
  }

  upsertSql(s: UpsertShape): string {
    const cols = [...s.keyColumns, ...s.nonKeyColumns];
    let sql = `${this.insertSql(s.table, cols, s.rows)} ON CONFLICT (${s.keyColumns.map((c) => this.quote(c)).join(',')})`;
    if (s.nonKeyColumns.length === 0) return sql + ' DO NOTHING';
    sql += ' DO UPDATE SET ' + s.nonKeyColumns.map((c) => `${this.quote(c)}=EXCLUDED.${this.quote(c)}`).join(',');
    return sql;
  }
}

export class MySqlDialect extends Dialect {
  readonly name = 'mysql' as const;
  readonly displayName = 'MySQL/MariaDB';
  readonly quoteChar = '`';
  readonly currentTimeSql = 'SELECT CAST(UNIX_TIMESTAMP(NOW(6)) AS CHAR)';

  placeholder(_n: number): string { return '?'; }

  parseTableName(name: string): TableId {
    const parts = splitQualifiedName(name);
    if (parts.length === 1) return { catalog: null, schema: null, table: parts[0]! };
    if (parts.length === 2) return { catalog: parts[0]!, schema: null, table: parts[1]! };
    throw new ConfigError(`Invalid table name "${name}": expected [database.]table`);
  }

  sqlType(schema: Schema, isKey: boolean): string {
    switch (schema.name) {
      case LOGICAL.DECIMAL: return `DECIMAL(65,${Number(schema.parameters?.scale ?? 0)})`;
      case LOGICAL.DATE: return 'DATE';
      case LOGICAL.TIME: return 'TIME(3)';
      case LOGICAL.TIMESTAMP: return 'DATETIME(3)';
    }
    switch (schema.type) {
      case 'INT8': return 'TINYINT';
      case 'INT16': return 'SMALLINT';
      case 'INT32': return 'INT';
      case 'INT64': return 'BIGINT';
      case 'FLOAT32': return 'FLOAT';
      case 'FLOAT64': return 'DOUBLE';
      case 'BOOLEAN': return 'TINYINT';
      // TEXT/BLOB columns cannot be keys without a prefix length.
      case 'STRING': return isKey ? 'VARCHAR(256)' : 'TEXT';
      case 'BYTES': return isKey ? 'VARBINARY(256)' : 'BLOB';
      default:
        throw new DataError(`No MySQL column type for schema type ${Dialect.describe(schema)}`);
    }
  }

  upsertSql(s: UpsertShape): string {
    const cols = [...s.keyColumns, ...s.nonKeyColumns];
    // With no non-key columns a no-op assignment keeps the statement valid (INSERT IGNORE would hide errors).
    const updates = (s.nonKeyColumns.length > 0 ? s.nonKeyColumns : s.keyColumns.slice(0, 1))
      .map((c) => `${this.quote(c)}=VALUES(${this.quote(c)})`).join(',');
    return `${this.insertSql(s.table, cols, s.rows)} ON DUPLICATE KEY UPDATE ${updates}`;
  }

  protected override booleanLiteral(v: boolean): string { return v ? '1' : '0'; }

  // MySQL treats backslash as an escape inside string literals unless NO_BACKSLASH_ESCAPES is set.
  protected override stringLiteral(v: string): string {
    return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\0/g, '\\0')}'`;
  }
}

export function dialectFor(name: DialectName): Dialect {
  return name === 'postgresql' ? new PostgresDialect() : new MySqlDialect();
}
