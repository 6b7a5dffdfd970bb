import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MySqlDialect, PostgresDialect } from '../../src/connectors/jdbc/dialect.js';
import { offsetFromMap, offsetToMap } from '../../src/connectors/jdbc/querier.js';
import {
  QUERY_PARTITION, duplicateTableNames, filterTables, groupPartitions, tablePartitionV0, tablePartitionV1,
} from '../../src/connectors/jdbc/tables.js';
import {
  Zone, addMillis, compareTimestamps, formatDbTimestamp, parseDbTimestamp, timestampFrom, timestampFromEpochText,
} from '../../src/connectors/jdbc/time.js';
import { compileJavaRegex } from '../../src/connect/api/index.js';

test('source partitions as the Java connector writes them', () => {
  assert.equal(JSON.stringify(tablePartitionV1({ catalog: 'test', schema: 'public', table: 'orders' })), '{"protocol":"1","table":"test.public.orders"}');
  assert.equal(JSON.stringify(tablePartitionV1({ catalog: 'test', schema: null, table: 't' })), '{"protocol":"1","table":"test.t"}');
  assert.equal(JSON.stringify(tablePartitionV0({ catalog: 'test', schema: null, table: 't' })), '{"table":"t"}');
  assert.equal(JSON.stringify(QUERY_PARTITION), '{"query":"query"}');
});

test('offset maps round-trip with Java HashMap key order and Timestamp nanos', () => {
  const o = { incrementing: 42, timestamp: timestampFrom(1700000000123, 123456789) };
  assert.equal(JSON.stringify(offsetToMap(o)), '{"timestamp_nanos":123456789,"incrementing":42,"timestamp":1700000000123}');
  assert.deepEqual(offsetFromMap(offsetToMap(o)), o);
  assert.equal(JSON.stringify(offsetToMap({ incrementing: 7, timestamp: null })), '{"incrementing":7}');
  // timestamp.initial-style offset without nanos: nanos derive from the millis.
  assert.deepEqual(offsetFromMap({ timestamp: 1500 }).timestamp, { ms: 1500, nanos: 500_000_000 });
  assert.deepEqual(offsetFromMap({ incrementing: '9223372036854775807' }).incrementing, 9223372036854775807n);
  assert.deepEqual(offsetFromMap(null), { incrementing: null, timestamp: null });
});

test('timestamps: parse in db.timezone, keep microseconds, format back', () => {
  const berlin = Zone.of('Europe/Berlin');
  const t = parseDbTimestamp('2024-07-01 12:00:00.123456', berlin);
  assert.deepEqual(t, { ms: Date.UTC(2024, 6, 1, 10, 0, 0, 123), nanos: 123456000 });
  assert.equal(formatDbTimestamp(t, berlin), '2024-07-01 12:00:00.123456');
  assert.equal(formatDbTimestamp(t, Zone.UTC), '2024-07-01 10:00:00.123456');
  assert.deepEqual(parseDbTimestamp('2024-01-01 00:00:00+05:30', Zone.UTC).ms, Date.UTC(2023, 11, 31, 18, 30));
  assert.equal(parseDbTimestamp('1969-12-31 23:59:59.5', Zone.UTC).ms, -500);
  assert.equal(formatDbTimestamp(timestampFrom(-500), Zone.UTC), '1969-12-31 23:59:59.500000');
  assert.equal(Zone.of('+02:00').toEpoch({ y: 2024, mo: 1, d: 1, h: 2, mi: 0, s: 0, ms: 0 }), Date.UTC(2024, 0, 1));
  assert.throws(() => Zone.of('Mars/Olympus'), /db.timezone/);
  assert.throws(() => parseDbTimestamp('infinity', Zone.UTC), /infinity/);
});

test('timestamp arithmetic and comparison at nanosecond precision', () => {
  const a = timestampFromEpochText('1700000000.000001');
  const b = timestampFromEpochText('1700000000.000002');
  assert.equal(compareTimestamps(a, b), -1);
  assert.deepEqual(addMillis(timestampFromEpochText('10.000000'), -1500), { ms: 8500, nanos: 500_000_000 });
});

test('tables are grouped contiguously over tasks', () => {
  assert.deepEqual(groupPartitions([1, 2, 3, 4, 5], 2), [[1, 2, 3], [4, 5]]);
  assert.deepEqual(groupPartitions([1, 2], 2), [[1], [2]]);
});

test('table filters: whitelist by plain, qualified or quoted name; include list by regex on the qualified name', () => {
  const pg = new PostgresDialect();
  const ts = [
    { catalog: 'test', schema: 'public', table: 'a' },
    { catalog: 'test', schema: 'public', table: 'b' },
    { catalog: 'test', schema: 'other', table: 'a' },
  ];
  const none = { whitelist: null, blacklist: null, include: null, exclude: null };
  assert.equal(filterTables(ts, { ...none, whitelist: new Set(['a']) }, pg).length, 2);
  assert.equal(filterTables(ts, { ...none, whitelist: new Set(['test.other.a']) }, pg).length, 1);
  assert.equal(filterTables(ts, { ...none, whitelist: new Set(['"test"."public"."b"']) }, pg).length, 1);
  assert.equal(filterTables(ts, { ...none, blacklist: new Set(['b']) }, pg).length, 2);
  assert.deepEqual(filterTables(ts, { ...none, include: [compileJavaRegex('test\\.public\\..*', true)] }, pg).map((t) => t.table), ['a', 'b']);
  assert.deepEqual(filterTables(ts, { ...none, exclude: [compileJavaRegex('.*\\.a', true)] }, pg).map((t) => t.table), ['b']);
  assert.equal(filterTables([{ catalog: 'test', schema: null, table: 'x' }], { ...none, whitelist: new Set(['`test`.`x`']) }, new MySqlDialect()).length, 1);
  assert.deepEqual([...duplicateTableNames(ts).keys()], ['a']);
});
