import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogicalSchemas, SchemaBuilder } from '../../src/connect/api/index.js';
import {
  MySqlDialect, PostgresDialect, splitNameList, splitQualifiedName, unquotedName,
} from '../../src/connectors/jdbc/dialect.js';
import { buildQuery, type QuerySpec } from '../../src/connectors/jdbc/querier.js';

const pg = new PostgresDialect();
const my = new MySqlDialect();
const T = { catalog: 'test', schema: 'public', table: 'orders' };

test('identifiers are quoted per dialect with embedded quotes doubled', () => {
  assert.equal(pg.quote('a"b'), '"a""b"');
  assert.equal(my.quote('a`b'), '`a``b`');
  assert.equal(pg.quote('x"; DROP TABLE t; --'), '"x""; DROP TABLE t; --"');
  assert.equal(my.quote('`); DROP TABLE t; --'), '```); DROP TABLE t; --`');
  assert.equal(pg.qualified(T), '"test"."public"."orders"');
  assert.equal(my.qualified({ catalog: 'test', schema: null, table: 'o' }), '`test`.`o`');
  assert.equal(unquotedName(T), 'test.public.orders');
});

test('qualified names parse back, with either quote character and dots inside quotes', () => {
  assert.deepEqual(splitQualifiedName('"te.st"."pub""lic"."t"'), ['te.st', 'pub"lic', 't']);
  assert.deepEqual(splitQualifiedName('`db`.`t``x`'), ['db', 't`x']);
  assert.deepEqual(splitQualifiedName('a.b'), ['a', 'b']);
  assert.deepEqual(splitNameList('"a"."b,c","d",`e`.`f`'), ['"a"."b,c"', '"d"', '`e`.`f`']);
  assert.deepEqual(pg.parseTableName('"test"."public"."orders"'), T);
  assert.deepEqual(pg.parseTableName('sales.orders'), { catalog: null, schema: 'sales', table: 'orders' });
  assert.deepEqual(my.parseTableName('`test`.`o`'), { catalog: 'test', schema: null, table: 'o' });
  assert.deepEqual(my.parseTableName('x"; DROP TABLE t; --'), { catalog: null, schema: null, table: 'x"; DROP TABLE t; --' });
});

const spec = (mode: QuerySpec['mode'], ts: string[] = ['ts'], inc: string | null = 'id'): QuerySpec => ({
  mode, table: T, query: null, incrementingColumn: inc, timestampColumns: ts, suffix: '',
});

test('bulk query', () => {
  assert.deepEqual(buildQuery(pg, spec('bulk')), { sql: 'SELECT * FROM "test"."public"."orders"', params: [] });
});

test('incrementing query', () => {
  assert.deepEqual(buildQuery(pg, spec('incrementing')), {
    sql: 'SELECT * FROM "test"."public"."orders" WHERE "id" > $1 ORDER BY "id" ASC', params: ['lastInc'],
  });
});

test('timestamp query with COALESCE of several columns', () => {
  assert.deepEqual(buildQuery(my, { ...spec('timestamp', ['modified', 'created']), table: { catalog: 'test', schema: null, table: 'o' } }), {
    sql: 'SELECT * FROM `test`.`o` WHERE COALESCE(`modified`,`created`) > ? AND COALESCE(`modified`,`created`) < ? ORDER BY COALESCE(`modified`,`created`) ASC',
    params: ['begin', 'end'],
  });
});

test('timestamp+incrementing query keeps rows sharing a timestamp', () => {
  assert.deepEqual(buildQuery(pg, spec('timestamp+incrementing')), {
    sql: 'SELECT * FROM "test"."public"."orders" WHERE "ts" < $1 AND (("ts" = $2 AND "id" > $3) OR "ts" > $4) ORDER BY "ts","id" ASC',
    params: ['end', 'begin', 'lastInc', 'begin'],
  });
});

test('query mode appends the criteria and the suffix', () => {
  const q = buildQuery(pg, { ...spec('incrementing'), table: null, query: 'SELECT id, name FROM t', suffix: 'FOR SHARE' });
  assert.equal(q.sql, 'SELECT id, name FROM t WHERE "id" > $1 ORDER BY "id" ASC FOR SHARE');
});

test('sink statements: multi-row upsert per dialect, insert, update, delete', () => {
  const t = { catalog: null, schema: null, table: 'o' };
  assert.equal(pg.upsertSql({ table: t, keyColumns: ['id'], nonKeyColumns: ['a', 'b'], rows: 2 }),
    'INSERT INTO "o" ("id","a","b") VALUES ($1,$2,$3),($4,$5,$6) ON CONFLICT ("id") DO UPDATE SET "a"=EXCLUDED."a","b"=EXCLUDED."b"');
  assert.equal(pg.upsertSql({ table: t, keyColumns: ['id'], nonKeyColumns: [], rows: 1 }), 'INSERT INTO "o" ("id") VALUES ($1) ON CONFLICT ("id") DO NOTHING');
  assert.equal(my.upsertSql({ table: t, keyColumns: ['id'], nonKeyColumns: ['a'], rows: 2 }),
    'INSERT INTO `o` (`id`,`a`) VALUES (?,?),(?,?) ON DUPLICATE KEY UPDATE `a`=VALUES(`a`)');
  assert.equal(pg.insertSql(t, ['a'], 3), 'INSERT INTO "o" ("a") VALUES ($1),($2),($3)');
  assert.equal(pg.updateSql(t, ['k1', 'k2'], ['a']), 'UPDATE "o" SET "a" = $1 WHERE "k1" = $2 AND "k2" = $3');
  assert.equal(my.deleteSql(t, ['id'], 3), 'DELETE FROM `o` WHERE `id` IN (?,?,?)');
  assert.equal(pg.deleteSql(t, ['a', 'b'], 2), 'DELETE FROM "o" WHERE ("a","b") IN (($1,$2),($3,$4))');
});

test('DDL: CREATE TABLE with keys and defaults, ALTER TABLE ADD', () => {
  const t = { catalog: null, schema: null, table: 'o' };
  const str = SchemaBuilder.string().optional().defaultValue("it's \\").build();
  assert.equal(pg.createTableSql(t, [
    { name: 'id', sqlType: pg.sqlType(SchemaBuilder.int64().build(), true), optional: false },
    { name: 'n', sqlType: pg.sqlType(str, false), optional: true, defaultSql: pg.defaultLiteral(str)! },
  ], ['id']), 'CREATE TABLE "o" (\n"id" BIGINT NOT NULL,\n"n" TEXT DEFAULT \'it\'\'s \\\' NULL,\nPRIMARY KEY("id"))');
  assert.equal(my.defaultLiteral(str), "'it''s \\\\'");
  assert.equal(my.alterTableSql(t, [{ name: 'a', sqlType: 'INT', optional: true }, { name: 'b', sqlType: 'TEXT', optional: true }]),
    'ALTER TABLE `o` ADD `a` INT NULL, ADD `b` TEXT NULL');
});

test('column types for auto.create', () => {
  assert.equal(pg.sqlType(LogicalSchemas.decimal(2).build(), false), 'DECIMAL');
  assert.equal(my.sqlType(LogicalSchemas.decimal(2).build(), false), 'DECIMAL(65,2)');
  assert.equal(pg.sqlType(LogicalSchemas.timestamp().build(), false), 'TIMESTAMP');
  assert.equal(my.sqlType(LogicalSchemas.timestamp().build(), false), 'DATETIME(3)');
  assert.equal(pg.sqlType(SchemaBuilder.bytes().build(), false), 'BYTEA');
  assert.equal(my.sqlType(SchemaBuilder.string().build(), true), 'VARCHAR(256)');
  assert.equal(my.sqlType(SchemaBuilder.string().build(), false), 'TEXT');
  assert.equal(pg.sqlType(SchemaBuilder.float64().build(), false), 'DOUBLE PRECISION');
  assert.throws(() => pg.sqlType(SchemaBuilder.array(SchemaBuilder.int32().build()).build(), false), /ARRAY/);
});
