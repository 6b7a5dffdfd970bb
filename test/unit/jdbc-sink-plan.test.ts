import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataError, Decimal, LogicalSchemas, SchemaBuilder } from '../../src/connect/api/index.js';
import { parseSinkConfig, parseSourceConfig } from '../../src/connectors/jdbc/config.js';
import { MySqlDialect, PostgresDialect } from '../../src/connectors/jdbc/dialect.js';
import { classifyError } from '../../src/connectors/jdbc/session.js';
import { bindValue, buildFieldsPlan, lastPerKey } from '../../src/connectors/jdbc/sink-writer.js';
import { Zone } from '../../src/connectors/jdbc/time.js';

const KEY = SchemaBuilder.struct().field('id', SchemaBuilder.int64().build()).field('region', SchemaBuilder.string().build()).build();
const VALUE = SchemaBuilder.struct().field('id', SchemaBuilder.int64().build()).field('name', SchemaBuilder.string().optional().build())
  .field('secret', SchemaBuilder.string().optional().build()).build();
const s = (pkMode: 'none' | 'kafka' | 'record_key' | 'record_value', pkFields: string[] = [], whitelist: string[] | null = null) =>
  ({ pkMode, pkFields, fieldsWhitelist: whitelist ? new Set(whitelist) : null });
const names = (fs: { name: string }[]): string[] => fs.map((f) => f.name);

test('pk.mode none and kafka', () => {
  const none = buildFieldsPlan(s('none'), 't', KEY, VALUE);
  assert.deepEqual([names(none.keyFields), names(none.valueFields)], [[], ['id', 'name', 'secret']]);
  const kafka = buildFieldsPlan(s('kafka'), 't', null, VALUE);
  assert.deepEqual(names(kafka.keyFields), ['__connect_topic', '__connect_partition', '__connect_offset']);
  assert.deepEqual(kafka.keyFields.map((f) => f.schema.type), ['STRING', 'INT32', 'INT64']);
});

test('pk.mode record_key with struct and primitive keys', () => {
  const all = buildFieldsPlan(s('record_key'), 't', KEY, VALUE);
  assert.deepEqual([names(all.keyFields), names(all.valueFields)], [['id', 'region'], ['name', 'secret']]);
  const one = buildFieldsPlan(s('record_key', ['id']), 't', KEY, VALUE);
  assert.deepEqual(names(one.keyFields), ['id']);
  const prim = buildFieldsPlan(s('record_key', ['k']), 't', { type: 'INT64', optional: false }, VALUE);
  assert.deepEqual(names(prim.keyFields), ['k']);
  assert.throws(() => buildFieldsPlan(s('record_key'), 't', { type: 'INT64', optional: false }, VALUE), /exactly one PK column/);
  assert.throws(() => buildFieldsPlan(s('record_key'), 't', null, VALUE), /record key schema is missing/);
  assert.throws(() => buildFieldsPlan(s('record_key', ['nope']), 't', KEY, VALUE), /does not contain field: nope/);
});

test('pk.mode record_value and fields.whitelist', () => {
  const p = buildFieldsPlan(s('record_value', ['id'], ['name']), 't', null, VALUE);
  assert.deepEqual([names(p.keyFields), names(p.valueFields)], [['id'], ['name']]);
  assert.throws(() => buildFieldsPlan(s('none'), 't', null, { type: 'STRING', optional: false }), DataError);
});

test('bind values: logical types, int64, booleans per dialect', () => {
  const pg = new PostgresDialect();
  const my = new MySqlDialect();
  const utc = Zone.UTC;
  assert.equal(bindValue(pg, utc, LogicalSchemas.decimal(2).build(), new Decimal(12345n, 2), 'c'), '123.45');
  assert.equal(bindValue(pg, utc, LogicalSchemas.timestamp().build(), new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), 'c'), '2024-01-02 03:04:05.006');
  assert.equal(bindValue(pg, Zone.of('Europe/Berlin'), LogicalSchemas.timestamp().build(), new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), 'c'), '2024-01-02 04:04:05.006');
  assert.equal(bindValue(pg, utc, LogicalSchemas.date().build(), new Date(Date.UTC(2024, 1, 29)), 'c'), '2024-02-29');
  assert.equal(bindValue(pg, utc, LogicalSchemas.time().build(), new Date(3723004), 'c'), '01:02:03.004');
  assert.equal(bindValue(pg, utc, SchemaBuilder.int64().build(), 9007199254740993n, 'c'), '9007199254740993');
  assert.equal(bindValue(pg, utc, SchemaBuilder.bool().build(), true, 'c'), true);
  assert.equal(bindValue(my, utc, SchemaBuilder.bool().build(), true, 'c'), 1);
  assert.equal(bindValue(my, utc, SchemaBuilder.string().build(), "'; DROP TABLE t; --", 'c'), "'; DROP TABLE t; --");
  assert.throws(() => bindValue(pg, utc, SchemaBuilder.string().build(), 5, 'c'), DataError);
  assert.throws(() => bindValue(pg, utc, SchemaBuilder.map(SchemaBuilder.string().build(), SchemaBuilder.string().build()).build(), {}, 'm'), /not supported/);
});

test('lastPerKey keeps the last row of each key in order of last appearance', () => {
  const rows = [[1, 'a'], [2, 'b'], [1, 'c'], [3, 'd']];
  assert.deepEqual(lastPerKey(rows, 1), [[2, 'b'], [1, 'c'], [3, 'd']]);
  assert.equal(lastPerKey([[1, 'x'], [2, 'y']], 1).length, 2);
});

test('sink config: delete.enabled needs record_key, upsert needs a key, kafka needs 0 or 3 pk.fields', () => {
  const base = { 'connection.url': 'jdbc:postgresql://h/db' };
  assert.throws(() => parseSinkConfig({ ...base, 'delete.enabled': 'true' }), (e: Error) => e instanceof ConfigError && /record_key/.test(e.message));
  assert.throws(() => parseSinkConfig({ ...base, 'insert.mode': 'upsert' }), /pk.mode/);
  assert.throws(() => parseSinkConfig({ ...base, 'pk.mode': 'kafka', 'pk.fields': 'a,b' }), /exactly 3/);
  const ok = parseSinkConfig({ ...base, 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'fields.include.list': 'a' });
  assert.deepEqual([ok.batchSize, ok.maxRetries, ok.retryBackoffMs, ok.tableNameFormat, [...ok.fieldsWhitelist!]], [3000, 10, 3000, '${topic}', ['a']]);
  assert.throws(() => parseSinkConfig({ 'connection.url': 'jdbc:oracle:thin:@x' }), /connection.url/);
});

test('source config: mode required, timestamp columns required, exclusive filters', () => {
  const base = { 'connection.url': 'jdbc:mysql://h/db', 'topic.prefix': 'p-' };
  assert.throws(() => parseSourceConfig(base), /mode/);
  assert.throws(() => parseSourceConfig({ ...base, mode: 'timestamp' }), /timestamp.column.name/);
  assert.throws(() => parseSourceConfig({ ...base, mode: 'bulk', 'table.whitelist': 'a', 'table.blacklist': 'b' }), /mutually exclusive/);
  assert.throws(() => parseSourceConfig({ ...base, mode: 'bulk', 'table.whitelist': 'a', query: 'SELECT 1' }), /query cannot be combined/);
  const ok = parseSourceConfig({ ...base, mode: 'timestamp', 'timestamp.column.name': 'a, b', 'numeric.precision.mapping': 'true' });
  assert.deepEqual([ok.timestampColumns, ok.numericMapping, ok.batchMaxRows, ok.pollIntervalMs, ok.tablePollIntervalMs, ok.attempts, ok.backoffMs],
    [['a', 'b'], 'precision_only', 100, 5000, 60000, 3, 10000]);
  assert.throws(() => parseSourceConfig({ ...base, mode: 'bulk', 'db.timezone': 'Nowhere/Land' }), /db.timezone/);
});

test('driver errors are classified for retries', () => {
  assert.equal(classifyError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })), 'connection');
  assert.equal(classifyError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })), 'transient');
  assert.equal(classifyError(Object.assign(new Error('deadlock detected'), { code: '40P01' })), 'transient');
  assert.equal(classifyError(Object.assign(new Error('Deadlock found'), { code: 'ER_LOCK_DEADLOCK', errno: 1213 })), 'transient');
  assert.equal(classifyError(Object.assign(new Error('Connection lost'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true })), 'connection');
  assert.equal(classifyError(Object.assign(new Error('password authentication failed'), { code: '28P01' })), 'auth');
  assert.equal(classifyError(Object.assign(new Error('Access denied'), { code: 'ER_ACCESS_DENIED_ERROR', errno: 1045 })), 'auth');
  assert.equal(classifyError(Object.assign(new Error('duplicate key'), { code: '23505' })), 'fatal');
});
