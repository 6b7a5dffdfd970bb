import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, Decimal, LOGICAL, type Schema } from '../../src/connect/api/index.js';
import {
  NUMERIC_TYPE_SCALE_HIGH, RowMapping, converterFor, schemaForColumn, type ColumnMeta, type NumericMapping,
} from '../../src/connectors/jdbc/column-mapping.js';
import { mysqlColumnMeta, pgColumnMeta, pgNumericTypmod } from '../../src/connectors/jdbc/session.js';
import { Zone } from '../../src/connectors/jdbc/time.js';

const col = (c: Partial<ColumnMeta>): ColumnMeta => ({ name: 'c', jdbcType: 'STRING', typeName: 'x', precision: 0, scale: 0, signed: true, nullable: true, ...c });
const kind = (s: Schema | null): string => (s ? `${s.name ?? s.type}${s.optional ? '?' : ''}` : 'skipped');
const map = (c: Partial<ColumnMeta>, m: NumericMapping = 'none'): string => kind(schemaForColumn(col(c), m, 'table t'));

test('integer types follow signedness as the JDBC connector does', () => {
  assert.equal(map({ jdbcType: 'TINYINT' }), 'INT8?');
  assert.equal(map({ jdbcType: 'TINYINT', signed: false }), 'INT16?');
  assert.equal(map({ jdbcType: 'SMALLINT', signed: false, nullable: false }), 'INT32');
  assert.equal(map({ jdbcType: 'INTEGER', signed: false }), 'INT64?');
  assert.equal(map({ jdbcType: 'BIGINT' }), 'INT64?');
  assert.equal(map({ jdbcType: 'REAL' }), 'FLOAT32?');
  assert.equal(map({ jdbcType: 'DOUBLE' }), 'FLOAT64?');
  assert.equal(map({ jdbcType: 'BIT', bits: 1 }), 'INT8?');
  assert.equal(map({ jdbcType: 'BIT', bits: 16 }), 'BYTES?');
  assert.equal(map({ jdbcType: 'BOOLEAN' }), 'BOOLEAN?');
  assert.equal(map({ jdbcType: 'NULL' }), 'skipped');
});

test('numeric.mapping for NUMERIC columns', () => {
  const n = (precision: number, scale: number | null, m: NumericMapping): string => map({ jdbcType: 'NUMERIC', precision, scale }, m);
  assert.equal(n(10, 2, 'none'), `${LOGICAL.DECIMAL}?`);
  assert.equal(n(10, 2, 'best_fit'), 'FLOAT64?');
  assert.equal(n(10, 0, 'best_fit'), 'INT64?');
  assert.equal(n(9, 0, 'best_fit'), 'INT32?');
  assert.equal(n(4, 0, 'precision_only'), 'INT16?');
  assert.equal(n(2, 0, 'precision_only'), 'INT8?');
  assert.equal(n(10, 2, 'precision_only'), `${LOGICAL.DECIMAL}?`);
  assert.equal(n(20, 0, 'best_fit'), `${LOGICAL.DECIMAL}?`);
  assert.equal(n(20, 2, 'best_fit_eager_double'), 'FLOAT64?');
  // Unconstrained numeric: Decimal with the fallback scale whatever the mapping.
  for (const m of ['none', 'best_fit', 'precision_only'] as const) assert.equal(n(0, null, m), `${LOGICAL.DECIMAL}?`);
  const s = schemaForColumn(col({ jdbcType: 'NUMERIC', precision: 0, scale: null }), 'best_fit', 't')!;
  assert.equal(s.parameters?.scale, String(NUMERIC_TYPE_SCALE_HIGH));
  // DECIMAL (as MySQL reports it) is never remapped.
  assert.equal(map({ jdbcType: 'DECIMAL', precision: 10, scale: 2 }, 'best_fit'), `${LOGICAL.DECIMAL}?`);
  const d = schemaForColumn(col({ jdbcType: 'DECIMAL', precision: 10, scale: 2 }), 'none', 't')!;
  assert.deepEqual(d.parameters, { scale: '2', 'connect.decimal.precision': '10' });
});

test('unsupported types name the column and table', () => {
  assert.throws(() => schemaForColumn(col({ name: 'span', jdbcType: 'UNSUPPORTED', typeName: 'interval' }), 'none', 'table test.public.t'),
    (e: Error) => e instanceof ConfigError && e.message.includes('"span"') && e.message.includes('test.public.t') && e.message.includes('interval'));
});

test('PostgreSQL metadata: typmods, bool and bit', () => {
  assert.deepEqual(pgNumericTypmod(655366), { precision: 10, scale: 2 });
  assert.deepEqual(pgNumericTypmod(-1), { precision: 0, scale: null });
  assert.equal(pgColumnMeta('b', { jdbc: 'BIT', name: 'bit' }, 1, true).jdbcType, 'BOOLEAN');
  assert.equal(pgColumnMeta('b', { jdbc: 'BIT', name: 'bit' }, 4, true).bits, 4);
});

test('MySQL metadata from result fields', () => {
  const f = (columnType: number, flags: number, columnLength: number, decimals = 0, characterSet = 33) => mysqlColumnMeta({ name: 'c', columnType, flags, columnLength, decimals, characterSet });
  assert.equal(f(1, 0, 1).jdbcType, 'BIT');
  assert.deepEqual([f(1, 32, 3).jdbcType, f(1, 32, 3).signed], ['TINYINT', false]);
  assert.equal(f(3, 1, 11).nullable, false);
  assert.deepEqual([f(246, 0, 12, 2).precision, f(246, 0, 12, 2).scale], [10, 2]);
  assert.deepEqual([f(246, 32, 11, 2).precision], [10]);
  assert.equal(f(252, 144, 65535, 0, 63).jdbcType, 'BYTES');
  assert.equal(f(252, 16, 65535, 0, 224).jdbcType, 'STRING');
  assert.equal(f(13, 96, 4).jdbcType, 'DATE');
  assert.equal(f(255, 0, 0).jdbcType, 'UNSUPPORTED');
});

test('value converters', () => {
  const utc = Zone.UTC;
  const conv = (c: Partial<ColumnMeta>, raw: unknown, format: 'pg-text' | 'mysql' = 'pg-text', m: NumericMapping = 'none'): unknown => {
    const cm = col(c);
    return converterFor(cm, schemaForColumn(cm, m, 't')!, format, utc)(raw);
  };
  assert.equal(conv({ jdbcType: 'BOOLEAN' }, 't'), true);
  assert.equal(conv({ jdbcType: 'BIGINT' }, '9007199254740993'), 9007199254740993n);
  assert.equal(conv({ jdbcType: 'BIGINT' }, '42'), 42);
  assert.equal(conv({ jdbcType: 'REAL' }, 1.100000023841858, 'mysql'), 1.1);
  assert.deepEqual(conv({ jdbcType: 'BYTES' }, '\\x00ff'), Buffer.from([0, 255]));
  assert.ok((conv({ jdbcType: 'NUMERIC', precision: 10, scale: 2 }, '1.5') as Decimal).equals(new Decimal(150n, 2)));
  assert.equal(conv({ jdbcType: 'NUMERIC', precision: 5, scale: 0 }, '123', 'pg-text', 'best_fit'), 123);
  assert.equal((conv({ jdbcType: 'DATE' }, '2024-02-29') as Date).toISOString(), '2024-02-29T00:00:00.000Z');
  assert.equal((conv({ jdbcType: 'TIME' }, '01:02:03.5') as Date).getTime(), 3723500);
  assert.equal((conv({ jdbcType: 'TIMESTAMP' }, '2024-01-01 00:00:00.123456+02') as Date).toISOString(), '2023-12-31T22:00:00.123Z');
  assert.equal(conv({ jdbcType: 'BIT', bits: 1 }, Buffer.from([1]), 'mysql'), 1);
  assert.equal((conv({ jdbcType: 'DATE' }, 2024, 'mysql') as Date).toISOString(), '2024-01-01T00:00:00.000Z');
});

test('RowMapping builds a Struct named after the table and rejects NULL in NOT NULL columns', () => {
  const m = new RowMapping([col({ name: 'id', jdbcType: 'INTEGER', nullable: false }), col({ name: 'n' })], {
    schemaName: 'orders', numericMapping: 'none', format: 'pg-text', zone: Zone.UTC, where: 'table x',
  });
  assert.equal(m.schema.name, 'orders');
  assert.deepEqual(m.toStruct(['1', null], 'table x').values(), { id: 1, n: null });
  assert.throws(() => m.toStruct([null, 'a'], 'table x'), /NOT NULL/);
});
