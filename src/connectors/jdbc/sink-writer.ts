// What the JDBC sink does with one put(): work out each record's table, key and value columns (pk.mode,
// pk.fields, fields.whitelist), create or evolve tables (auto.create / auto.evolve), then write everything in
// one transaction with multi-row statements, keeping record order within a table.
import {
  ConnectError, DataError, Decimal, LOGICAL, Struct, type Field, type PluginLogger, type Schema, type SinkRecord,
} from '../../connect/api/index.js';
import { DEFAULT_KAFKA_PK_NAMES, type SinkSettings } from './config.js';
import { unquotedName, type ColumnDef, type Dialect, type TableId } from './dialect.js';
import type { Session } from './session.js';
import { describeTable, type TableColumn } from './tables.js';
import { formatDate, formatInstant, formatTime } from './time.js';

type KeySource = 'topic' | 'partition' | 'offset' | 'key' | 'keyField' | 'valueField';

export interface PlanField {
  /** Column (= field) name. */
  name: string;
  schema: Schema;
  source: KeySource;
  /** The struct field values are read from (key or value schema), when there is one. */
  field?: Field;
}

/** Which columns a record writes, derived once per (key schema, value schema) pair (Confluent's FieldsMetadata). */
export interface FieldsPlan {
  keyFields: PlanField[];
  valueFields: PlanField[];
  /** Identifies the column set and types, for grouping records into one statement and caching DDL checks. */
  signature: string;
}

const STRING_SCHEMA: Schema = Object.freeze({ type: 'STRING', optional: false });
const INT32_SCHEMA: Schema = Object.freeze({ type: 'INT32', optional: false });
const INT64_SCHEMA: Schema = Object.freeze({ type: 'INT64', optional: false });

function describeSchema(s: Schema): string {
  return `${s.name ?? s.type}${s.optional ? '?' : ''}${s.parameters?.scale !== undefined ? `(${s.parameters.scale})` : ''}`;
}

function recordRef(r: SinkRecord): string {
  return `(topic='${r.topic}',partition=${r.kafkaPartition},offset=${r.kafkaOffset})`;
}

function keySig(p: FieldsPlan): string {
  return p.signature.slice(0, p.signature.indexOf('|'));
}

export function buildFieldsPlan(s: Pick<SinkSettings, 'pkMode' | 'pkFields' | 'fieldsWhitelist'>, tableName: string, keySchema: Schema | null, valueSchema: Schema | null): FieldsPlan {
  if (valueSchema && valueSchema.type !== 'STRUCT') {
    throw new DataError(`Table ${tableName}: the JDBC sink needs Struct record values, but the value schema is ${valueSchema.type}`);
  }
  const keyFields: PlanField[] = [];
  switch (s.pkMode) {
    case 'none':
      break;
    case 'kafka': {
      const names = s.pkFields.length === 0 ? DEFAULT_KAFKA_PK_NAMES : s.pkFields;
      if (names.length !== 3) throw new DataError(`PK mode for table ${tableName} is kafka so there should either be no field names defined for defaults ${DEFAULT_KAFKA_PK_NAMES.join(',')} to be applicable, or exactly 3`);
      keyFields.push({ name: names[0]!, schema: STRING_SCHEMA, source: 'topic' });
      keyFields.push({ name: names[1]!, schema: INT32_SCHEMA, source: 'partition' });
      keyFields.push({ name: names[2]!, schema: INT64_SCHEMA, source: 'offset' });
      break;
    }
    case 'record_key': {
      if (!keySchema) throw new DataError(`PK mode for table ${tableName} is record_key, but record key schema is missing (use a key converter with schemas)`);
      if (keySchema.type === 'STRUCT') {
        const fields = keySchema.fields ?? [];
        const names = s.pkFields.length === 0 ? fields.map((f) => f.name) : s.pkFields;
        for (const n of names) {
          const f = fields.find((x) => x.name === n);
          if (!f) throw new DataError(`PK mode for table ${tableName} is record_key with configured PK fields ${s.pkFields.join(',')}, but record key schema does not contain field: ${n}`);
          keyFields.push({ name: n, schema: f.schema, source: 'keyField', field: f });
        }
      } else if (keySchema.type === 'ARRAY' || keySchema.type === 'MAP') {
        throw new DataError(`PK mode for table ${tableName} is record_key, but the key schema is ${keySchema.type} (needs a primitive or a Struct)`);
      } else {
        if (s.pkFields.length !== 1) {
          throw new DataError(`Need exactly one PK column defined since the key schema for records is a primitive type (table ${tableName}), defined columns are: [${s.pkFields.join(', ')}]`);
        }
        keyFields.push({ name: s.pkFields[0]!, schema: keySchema, source: 'key' });
      }
      break;
    }
    case 'record_value': {
      if (!valueSchema) throw new DataError(`PK mode for table ${tableName} is record_value, but record value schema is missing`);
      const fields = valueSchema.fields ?? [];
      const names = s.pkFields.length === 0 ? fields.map((f) => f.name) : s.pkFields;
      for (const n of names) {
        const f = fields.find((x) => x.name === n);
        if (!f) throw new DataError(`PK mode for table ${tableName} is record_value with configured PK fields ${s.pkFields.join(',')}, but record value schema does not contain field: ${n}`);
        keyFields.push({ name: n, schema: f.schema, source: 'valueField', field: f });
      }
      break;
    }
  }
  const keyNames = new Set(keyFields.map((f) => f.name));
  const valueFields: PlanField[] = [];
  for (const f of valueSchema?.fields ?? []) {
    if (keyNames.has(f.name)) continue;
    if (s.fieldsWhitelist && !s.fieldsWhitelist.has(f.name)) continue;
    valueFields.push({ name: f.name, schema: f.schema, source: 'valueField', field: f });
  }
  if (keyFields.length === 0 && valueFields.length === 0) throw new DataError(`No fields found using key and value schemas for table: ${tableName}`);
  const sig = (fs: PlanField[]): string => fs.map((f) => `${f.name}:${describeSchema(f.schema)}`).join(',');
  return { keyFields, valueFields, signature: `${sig(keyFields)}|${sig(valueFields)}` };
}

/** A Connect value -> the bind value the driver gets. Values never reach SQL text. */
export function bindValue(dialect: Dialect, zone: SinkSettings['zone'], schema: Schema, value: unknown, column: string): unknown {
  if (value === null || value === undefined) return null;
  const bad = (): never => {
    throw new DataError(`Value of type ${typeof value} does not match schema ${describeSchema(schema)} for column "${column}"`);
  };
  switch (schema.name) {
    case LOGICAL.DECIMAL: {
      if (value instanceof Decimal) return value.toString();
      if (value instanceof Uint8Array) return Decimal.fromBytes(value, Number(schema.parameters?.scale ?? 0)).toString();
      if (typeof value === 'number' || typeof value === 'string' || typeof value === 'bigint') return String(value);
      return bad();
    }
    case LOGICAL.DATE: return formatDate(value instanceof Date ? value : new Date(Number(value) * 86_400_000));
    case LOGICAL.TIME: return formatTime(value instanceof Date ? value : new Date(Number(value)));
    case LOGICAL.TIMESTAMP: return formatInstant(value instanceof Date ? value : new Date(Number(value)), zone);
  }
  switch (schema.type) {
    case 'INT8': case 'INT16': case 'INT32': case 'FLOAT32': case 'FLOAT64':
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint') return Number(value);
      return bad();
    case 'INT64':
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
      return bad();
    case 'BOOLEAN':
      if (typeof value !== 'boolean') return bad();
      return dialect.name === 'postgresql' ? value : value ? 1 : 0;
    case 'STRING':
      return typeof value === 'string' ? value : bad();
    case 'BYTES':
      if (Buffer.isBuffer(value)) return value;
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      return bad();
    default:
      throw new DataError(`Column "${column}": schema type ${schema.type} is not supported by the JDBC sink`);
  }
}

interface TableState {
  id: TableId;
  /** null: the table does not exist. */
  columns: TableColumn[] | null;
}

interface Batch {
  table: TableId;
  tableName: string;
  plan: FieldsPlan;
  /** Column names as the table spells them, keys first (filled in by the DDL phase). */
  keyColumns: string[];
  valueColumns: string[];
  /** Writes in record order: a row of bind values (key values first), or the key values of a delete. */
  ops: Op[];
  /** Whether any op writes a row (otherwise only key columns are needed). */
  hasRows: boolean;
  hasDeletes: boolean;
}

interface Op { values: unknown[]; del: boolean }

const NULL_KEY = Object.freeze({ type: 'STRUCT', optional: true }) as Schema;

export class SinkWriter {
  private readonly tables = new Map<string, TableState>();
  private readonly tableIds = new Map<string, { id: TableId; name: string; key: string }>();
  private readonly plans = new WeakMap<Schema, WeakMap<Schema, Map<string, FieldsPlan>>>();
  private readonly evolved = new Set<string>();

  constructor(private readonly s: SinkSettings, private readonly dialect: Dialect, private readonly logger: PluginLogger) {}

  /** Forget cached table metadata (after an error, the table may have changed). */
  invalidate(): void {
    this.tables.clear();
    this.evolved.clear();
  }

  tableFor(topic: string): { id: TableId; name: string; key: string } {
    let t = this.tableIds.get(topic);
    if (!t) {
      const name = this.s.tableNameFormat.split('${topic}').join(topic);
      if (name.trim() === '') throw new DataError(`table.name.format ${this.s.tableNameFormat} gives an empty table name for topic ${topic}`);
      const id = this.dialect.parseTableName(name);
      t = { id, name: unquotedName(id), key: this.dialect.qualified(id) };
      this.tableIds.set(topic, t);
    }
    return t;
  }

  private planFor(tk: string, tableName: string, keySchema: Schema | null, valueSchema: Schema | null): FieldsPlan {
    const k = keySchema ?? NULL_KEY;
    const v = valueSchema ?? NULL_KEY;
    let byValue = this.plans.get(k);
    if (!byValue) { byValue = new WeakMap(); this.plans.set(k, byValue); }
    let byTable = byValue.get(v);
    if (!byTable) { byTable = new Map(); byValue.set(v, byTable); }
    let plan = byTable.get(tk);
    if (!plan) {
      plan = buildFieldsPlan(this.s, tableName, keySchema, valueSchema);
      byTable.set(tk, plan);
    }
    return plan;
  }

  /** Splits records into ordered batches per table (a delete after an upsert of the same batch is fine; an upsert after a delete starts a new batch). */
  plan(records: readonly SinkRecord[]): Batch[] {
    const out: Batch[] = [];
    const upsert = this.s.insertMode === 'upsert';
    const open = new Map<string, Batch>();
    for (const r of records) {
      const { id: table, name: tableName, key: tk } = this.tableFor(r.topic);
      const isDelete = r.value === null || r.value === undefined;
      if (isDelete && !this.s.deleteEnabled) {
        throw new DataError(`Sink connector is configured with 'delete.enabled=false' and 'pk.mode=${this.s.pkMode}' and therefore requires records with a non-null Struct value and non-null Struct schema, but found record at ${recordRef(r)} with a null value and ${r.valueSchema ? 'a' : 'null'} value schema.`);
      }
      if (!isDelete) {
        if (!r.valueSchema) {
          throw new DataError(`The JDBC sink needs records with a value schema, but the record at ${recordRef(r)} for table ${tableName} has none (schemaless data). `
            + 'Use a converter that provides schemas, e.g. value.converter=org.apache.kafka.connect.json.JsonConverter with value.converter.schemas.enable=true, or Avro.');
        }
        if (!(r.value instanceof Struct)) {
          throw new DataError(`The JDBC sink needs Struct record values, but the record at ${recordRef(r)} for table ${tableName} has a ${typeof r.value} value with schema type ${r.valueSchema.type}`);
        }
      } else if (r.key === null || r.key === undefined) {
        throw new DataError(`Tombstone record at ${recordRef(r)} for table ${tableName} has a null key; deletes need the record key`);
      }
      const plan = this.planFor(tk, tableName, r.keySchema, isDelete ? null : r.valueSchema);
      let batch = open.get(tk);
      // Upserts and deletes of one column set share a batch: execute() applies each key's net effect.
      // In insert and update mode a write after a delete starts a new batch, so statement order follows record order.
      let compatible = false;
      if (batch) {
        if (isDelete) compatible = keySig(batch.plan) === keySig(plan);
        else if (!batch.hasRows) compatible = keySig(batch.plan) === keySig(plan) && (upsert || !batch.hasDeletes);
        else compatible = batch.plan.signature === plan.signature && (upsert || !batch.hasDeletes);
      }
      if (!batch || !compatible) {
        batch = { table, tableName, plan, keyColumns: [], valueColumns: [], ops: [], hasRows: false, hasDeletes: false };
        open.set(tk, batch);
        out.push(batch);
      }
      const values = plan.keyFields.map((f) => bindValue(this.dialect, this.s.zone, f.schema, keyValue(f, r), f.name));
      if (isDelete) {
        batch.hasDeletes = true;
      } else {
        if (!batch.hasRows) { batch.plan = plan; batch.hasRows = true; }
        const st = r.value as Struct;
        for (const f of plan.valueFields) values.push(bindValue(this.dialect, this.s.zone, f.schema, st.get(f.field ?? f.name), f.name));
      }
      batch.ops.push({ values, del: isDelete });
    }
    return out;
  }

  /** Writes a put()'s records: DDL first (outside the data transaction), then all rows in one transaction. */
  async write(session: Session, records: readonly SinkRecord[]): Promise<void> {
    const batches = this.plan(records);
    for (const b of batches) await this.prepareTable(session, b);
    await session.begin();
    try {
      for (const b of batches) await this.execute(session, b);
      await session.commit();
    } catch (e) {
      await session.rollback().catch(() => undefined);
      throw e;
    }
  }

  private async state(session: Session, table: TableId, refresh = false): Promise<TableState> {
    const key = this.dialect.qualified(table);
    let st = this.tables.get(key);
    if (!st || refresh) {
      st = { id: table, columns: await describeTable(session, table) };
      this.tables.set(key, st);
    }
    return st;
  }

  /** Resolves column names against the table, creating the table or adding columns where allowed. */
  private async prepareTable(session: Session, b: Batch): Promise<void> {
    const fields = b.hasRows ? [...b.plan.keyFields, ...b.plan.valueFields] : b.plan.keyFields;
    const cacheKey = `${this.dialect.qualified(b.table)}|${b.plan.signature}|${b.hasRows}`;
    let st = await this.state(session, b.table);
    if (st.columns === null) {
      if (!this.s.autoCreate) throw new ConnectError(`Table ${b.tableName} is missing and auto-creation is disabled`);
      const all = [...b.plan.keyFields, ...b.plan.valueFields];
      const defs = all.map((f) => this.columnDef(f, b.plan.keyFields.includes(f)));
      const pk = this.s.pkMode === 'none' ? [] : b.plan.keyFields.map((f) => f.name);
      const sql = this.dialect.createTableSql(b.table, defs, pk);
      this.logger.info({ table: b.tableName, sql }, 'Creating table');
      await this.ddl(session, sql, b.table, () => this.state(session, b.table, true).then((x) => x.columns !== null));
      st = await this.state(session, b.table, true);
      if (st.columns === null) throw new ConnectError(`Table ${b.tableName} could not be created`);
    }
    if (!this.evolved.has(cacheKey)) {
      let missing = fields.filter((f) => !findCol(st.columns!, f.name));
      if (missing.length > 0) {
        if (!this.s.autoEvolve) {
          throw new ConnectError(`Table ${b.tableName} is missing fields (${missing.map((f) => `${f.name}:${describeSchema(f.schema)}`).join(', ')}) and auto-evolution is disabled`);
        }
        for (const f of missing) {
          if (!f.schema.optional && f.schema.defaultValue === undefined) {
            throw new ConnectError(`Cannot ALTER TABLE ${b.tableName} to add missing field ${f.name}:${describeSchema(f.schema)}, as the field is not optional and does not have a default value`);
          }
        }
        const sql = this.dialect.alterTableSql(b.table, missing.map((f) => this.columnDef(f, false)));
        this.logger.info({ table: b.tableName, sql }, 'Amending table to add missing fields');
        await this.ddl(session, sql, b.table, async () => {
          const now = await this.state(session, b.table, true);
          return missing.every((f) => findCol(now.columns ?? [], f.name));
        });
        st = await this.state(session, b.table, true);
        missing = fields.filter((f) => !findCol(st.columns ?? [], f.name));
        if (missing.length > 0) throw new ConnectError(`Table ${b.tableName} still lacks columns ${missing.map((f) => f.name).join(', ')} after ALTER TABLE`);
      }
      this.evolved.add(cacheKey);
    }
    b.keyColumns = b.plan.keyFields.map((f) => findCol(st.columns!, f.name)?.name ?? f.name);
    b.valueColumns = b.plan.valueFields.map((f) => findCol(st.columns!, f.name)?.name ?? f.name);
  }

  /** Runs DDL; if it fails because another task got there first (`done` says so), carries on. */
  private async ddl(session: Session, sql: string, table: TableId, done: () => Promise<boolean>): Promise<void> {
    try {
      await session.query(sql);
    } catch (e) {
      if (await done().catch(() => false)) return;
      this.tables.delete(this.dialect.qualified(table));
      throw e;
    }
  }

  private columnDef(f: PlanField, isKey: boolean): ColumnDef {
    const def: ColumnDef = { name: f.name, sqlType: this.dialect.sqlType(f.schema, isKey), optional: isKey ? false : f.schema.optional };
    const lit = f.schema.defaultValue !== undefined ? this.dialect.defaultLiteral(f.schema) : undefined;
    if (lit !== undefined) def.defaultSql = lit;
    return def;
  }

  private async execute(session: Session, b: Batch): Promise<void> {
    const nk = b.keyColumns.length;
    if (this.s.insertMode === 'upsert') {
      // Net effect per key, in one DELETE and one upsert: a key deleted anywhere in the batch is deleted first
      // (so a later upsert re-creates the row as the record sequence would), then each key's last row is upserted.
      const last = new Map<string, Op>();
      const deleted = new Map<string, unknown[]>();
      for (const op of b.ops) {
        const k = keyString(op.values, nk);
        last.delete(k); // re-insert so Map order follows each key's last write
        last.set(k, op);
        if (op.del && !deleted.has(k)) deleted.set(k, op.values.slice(0, nk));
      }
      await this.deleteKeys(session, b, [...deleted.values()]);
      const rows: unknown[][] = [];
      for (const op of last.values()) if (!op.del) rows.push(op.values);
      await this.writeRows(session, b, rows);
      return;
    }
    // insert / update: the batch holds writes followed by deletes.
    const rows = b.ops.filter((o) => !o.del).map((o) => o.values);
    if (this.s.insertMode === 'update') {
      if (b.valueColumns.length > 0) {
        const sql = this.dialect.updateSql(b.table, b.keyColumns, b.valueColumns);
        for (const row of rows) await session.query(sql, [...row.slice(nk), ...row.slice(0, nk)]);
      }
    } else {
      await this.writeRows(session, b, rows);
    }
    await this.deleteKeys(session, b, lastPerKey(b.ops.filter((o) => o.del).map((o) => o.values), nk));
  }

  private async writeRows(session: Session, b: Batch, rows: unknown[][]): Promise<void> {
    const d = this.dialect;
    const cols = b.keyColumns.length + b.valueColumns.length;
    const perStmt = Math.max(1, Math.min(this.s.batchSize, Math.floor(d.maxParameters / Math.max(1, cols))));
    for (let i = 0; i < rows.length; i += perStmt) {
      const chunk = rows.slice(i, i + perStmt);
      const sql = this.s.insertMode === 'upsert'
        ? d.upsertSql({ table: b.table, keyColumns: b.keyColumns, nonKeyColumns: b.valueColumns, rows: chunk.length })
        : d.insertSql(b.table, [...b.keyColumns, ...b.valueColumns], chunk.length);
      await session.query(sql, chunk.flat());
    }
  }

  private async deleteKeys(session: Session, b: Batch, keys: unknown[][]): Promise<void> {
    const d = this.dialect;
    const perStmt = Math.max(1, Math.min(this.s.batchSize, Math.floor(d.maxParameters / Math.max(1, b.keyColumns.length))));
    for (let i = 0; i < keys.length; i += perStmt) {
      const chunk = keys.slice(i, i + perStmt);
      await session.query(d.deleteSql(b.table, b.keyColumns, chunk.length), chunk.flat());
    }
  }
}

function keyValue(f: PlanField, r: SinkRecord): unknown {
  switch (f.source) {
    case 'topic': return r.topic;
    case 'partition': return r.kafkaPartition;
    case 'offset': return r.kafkaOffset;
    case 'key': return r.key;
    case 'keyField': {
      if (!(r.key instanceof Struct)) throw new DataError(`Record at ${recordRef(r)} needs a Struct key for PK field ${f.name}`);
      return r.key.get(f.field ?? f.name);
    }
    case 'valueField': {
      if (!(r.value instanceof Struct)) throw new DataError(`Record at ${recordRef(r)} needs a Struct value for PK field ${f.name}`);
      return r.value.get(f.field ?? f.name);
    }
  }
}

function findCol(columns: readonly TableColumn[], name: string): TableColumn | undefined {
  return columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
}

function keyString(row: readonly unknown[], n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const v = row[i];
    s += v === null ? '\u0000' : Buffer.isBuffer(v) ? 'b' + v.toString('hex') : typeof v + ':' + String(v);
    s += '\u0001';
  }
  return s;
}

/**
 * Keeps the last row per key. Within a batch upserts come before deletes and carry whole rows, so only the
 * last write of each key matters — and PostgreSQL refuses one statement touching a row twice.
 */
export function lastPerKey(rows: unknown[][], keyColumns: number): unknown[][] {
  if (keyColumns === 0 || rows.length < 2) return rows;
  const last = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) last.set(keyString(rows[i]!, keyColumns), i);
  if (last.size === rows.length) return rows;
  const keep = [...last.values()].sort((a, b) => a - b);
  return keep.map((i) => rows[i]!);
}
