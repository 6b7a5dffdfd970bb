import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataError, LOGICAL, LogicalSchemas, SchemaBuilder, Schemas, Struct, type Schema } from '../../src/connect/api/index.js';
import { sinkRecord, sourceRecord } from '../../src/connect/api/records.js';
import { TimestampConverterKey, TimestampConverterValue } from '../../src/connect/transforms/timestamp-converter.js';
import { TimestampRouter } from '../../src/connect/transforms/routers.js';
import { JavaDateFormat } from '../../src/connect/api/java-date-format.js';

const TS = Date.UTC(2024, 2, 5, 13, 4, 5, 678); // 2024-03-05T13:04:05.678Z
const DAY = 86_400_000;
const rec = (value: unknown, valueSchema: Schema | null = null, timestamp: number | null = TS) =>
  sinkRecord({ topic: 'events', kafkaPartition: 1, kafkaOffset: 9, value, valueSchema, timestamp });

function converter(props: Record<string, string>): TimestampConverterValue {
  const t = new TimestampConverterValue();
  t.configure(props);
  return t;
}

describe('JavaDateFormat', () => {
  test('formats the common letters in UTC', () => {
    assert.equal(new JavaDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").format(TS), '2024-03-05T13:04:05.678Z');
    assert.equal(new JavaDateFormat('yyyyMMdd').format(TS), '20240305');
    assert.equal(new JavaDateFormat('yy/M/d H:m:s.S Z').format(TS), '24/3/5 13:4:5.678 +0000');
    assert.equal(new JavaDateFormat('EEE, d MMM yyyy hh:mm a z').format(TS), 'Tue, 5 Mar 2024 01:04 PM UTC');
    assert.equal(new JavaDateFormat("EEEE MMMM D 'o''clock' k K ''").format(TS), "Tuesday March 65 o'clock 13 1 '");
  });

  test('parses with offsets, abutting fields and text', () => {
    assert.equal(new JavaDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").parse('2024-03-05T15:04:05.678+02:00'), TS);
    assert.equal(new JavaDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSX").parse('2024-03-05T13:04:05.678Z'), TS);
    assert.equal(new JavaDateFormat('yyyy-MM-dd HH:mm:ss.SSS Z').parse('2024-03-05 08:04:05.678 -0500'), TS);
    assert.equal(new JavaDateFormat('yyyyMMddHHmmssSSS').parse('20240305130405678'), TS);
    assert.equal(new JavaDateFormat('dd MMM yyyy hh:mm:ss.SSS a').parse('05 mar 2024 01:04:05.678 PM'), TS);
    assert.equal(new JavaDateFormat('yyyy-MM-dd').parse('2024-03-05'), Date.UTC(2024, 2, 5));
    // lenient like SimpleDateFormat: month 13 rolls over, trailing text is ignored
    assert.equal(new JavaDateFormat('yyyy-MM-dd').parse('2023-13-05 trailing'), Date.UTC(2024, 0, 5));
    assert.throws(() => new JavaDateFormat('yyyy-MM-dd').parse('2024/03/05'), /Unparseable date/);
  });

  test('rejects illegal and unsupported letters', () => {
    assert.throws(() => new JavaDateFormat('yyyy-bb'), /Illegal pattern character 'b'/);
    assert.throws(() => new JavaDateFormat('YYYY-ww'), /Unsupported pattern character 'Y'/);
    assert.throws(() => new JavaDateFormat("yyyy 'unterminated"), /Unterminated quote/);
  });
});

describe('TimestampConverter', () => {
  test('schemaless whole value: unix → string → Timestamp → Date → Time', () => {
    const fmt = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
    assert.equal(converter({ 'target.type': 'string', format: fmt }).apply(rec(TS)).value, '2024-03-05T13:04:05.678Z');
    assert.deepEqual(converter({ 'target.type': 'Timestamp', format: fmt }).apply(rec('2024-03-05T13:04:05.678Z')).value, new Date(TS));
    assert.equal(converter({ 'target.type': 'unix' }).apply(rec(new Date(TS))).value, TS);
    assert.deepEqual(converter({ 'target.type': 'Date' }).apply(rec(TS)).value, new Date(Date.UTC(2024, 2, 5)));
    assert.deepEqual(converter({ 'target.type': 'Time' }).apply(rec(TS)).value, new Date(TS % DAY));
    assert.deepEqual(converter({ 'target.type': 'Date' }).apply(rec(-1)).value, new Date(-DAY), 'pre-epoch floors to the day');
  });

  test('unix.precision', () => {
    assert.equal(converter({ 'target.type': 'unix', 'unix.precision': 'seconds' }).apply(rec(new Date(TS))).value, Math.trunc(TS / 1000));
    assert.equal(converter({ 'target.type': 'unix', 'unix.precision': 'microseconds' }).apply(rec(new Date(TS))).value, TS * 1000);
    assert.equal(converter({ 'target.type': 'unix', 'unix.precision': 'nanoseconds' }).apply(rec(new Date(TS))).value, BigInt(TS) * 1_000_000n);
    assert.deepEqual(converter({ 'target.type': 'Timestamp', 'unix.precision': 'nanoseconds' }).apply(rec(BigInt(TS) * 1_000_000n + 999n)).value, new Date(TS));
    assert.deepEqual(converter({ 'target.type': 'Timestamp', 'unix.precision': 'seconds' }).apply(rec(1700000000)).value, new Date(1_700_000_000_000));
  });

  test('schemaless field in a map', () => {
    const t = converter({ field: 'at', 'target.type': 'string', format: 'yyyy-MM-dd' });
    const input = { at: TS, other: 1 };
    assert.deepEqual(t.apply(rec(input)).value, { at: '2024-03-05', other: 1 });
    assert.equal(input.at, TS);
    assert.deepEqual(t.apply(rec({ other: 1 })).value, { other: 1 });
  });

  test('with schema: whole value schema follows target type and optionality', () => {
    const out = converter({ 'target.type': 'Timestamp' }).apply(rec(TS, Schemas.OPTIONAL_INT64));
    assert.equal(out.valueSchema!.name, LOGICAL.TIMESTAMP);
    assert.equal(out.valueSchema!.optional, true);
    assert.deepEqual(out.value, new Date(TS));
    const str = converter({ 'target.type': 'string', format: 'yyyyMMdd' }).apply(rec(new Date(TS), LogicalSchemas.timestamp().build()));
    assert.equal(str.valueSchema, Schemas.STRING);
    assert.equal(str.value, '20240305');
  });

  test('with schema: struct field converted, other fields kept, schema cached', () => {
    const schema = SchemaBuilder.struct().name('Ev').field('id', Schemas.INT32).field('at', SchemaBuilder.string().optional().build()).build();
    const t = converter({ field: 'at', 'target.type': 'Date', format: 'yyyy-MM-dd HH:mm' });
    const out = t.apply(rec(new Struct(schema).put('id', 1).put('at', '2024-03-05 13:04'), schema));
    const s = out.valueSchema!;
    assert.equal(s.name, 'Ev');
    assert.equal(s.fields![1]!.schema.name, LOGICAL.DATE);
    assert.equal(s.fields![1]!.schema.optional, true);
    assert.deepEqual((out.value as Struct).get('at'), new Date(Date.UTC(2024, 2, 5)));
    assert.equal(t.apply(rec(new Struct(schema).put('id', 2), schema)).valueSchema, s);
    assert.equal((t.apply(rec(new Struct(schema).put('id', 2), schema)).value as Struct).get('at'), null);
    const tomb = t.apply(rec(null, SchemaBuilder.from(schema).optional().build()));
    assert.equal(tomb.value, null);
  });

  test('errors: unparseable strings, wrong input types, unknown schemas', () => {
    const t = converter({ 'target.type': 'unix', format: 'yyyy-MM-dd' });
    assert.throws(() => t.apply(rec('05/03/2024')), (e: unknown) => e instanceof DataError && /Could not parse timestamp: value \(05\/03\/2024\) does not match pattern \(yyyy-MM-dd\)/.test(e.message));
    assert.throws(() => t.apply(rec(true)), /does not support boolean objects as timestamps/);
    assert.throws(() => t.apply(rec(5, Schemas.INT32)), /does not correspond to a known timestamp type format/);
    assert.throws(() => t.apply(rec(5, Schemas.STRING)), /Expected string timestamp to be a String/);
  });

  test('config errors', () => {
    assert.throws(() => converter({ 'target.type': 'string' }), (e: unknown) => e instanceof ConfigError && /requires format option/.test(e.message));
    assert.throws(() => converter({ 'target.type': 'timestamp' }), /String must be one of: string, unix, Date, Time, Timestamp/);
    assert.throws(() => converter({ 'target.type': 'unix', 'unix.precision': 'minutes' }), ConfigError);
    assert.throws(() => converter({ 'target.type': 'string', format: 'yyyy-qq' }), /SimpleDateFormat-compatible pattern/);
    assert.throws(() => converter({}), /Missing required configuration "target.type"/);
  });

  test('Key variant', () => {
    const t = new TimestampConverterKey();
    t.configure({ 'target.type': 'unix' });
    const out = t.apply({ ...rec('v'), key: new Date(TS), keySchema: LogicalSchemas.timestamp().build() });
    assert.equal(out.key, TS);
    assert.equal(out.keySchema, Schemas.INT64);
  });
});

describe('TimestampRouter', () => {
  test('default format', () => {
    const t = new TimestampRouter();
    t.configure({});
    assert.equal(t.apply(rec('v')).topic, 'events-20240305');
  });

  test('custom topic and timestamp formats', () => {
    const t = new TimestampRouter();
    t.configure({ 'topic.format': 'archive.${topic}.${timestamp}.${topic}', 'timestamp.format': 'yyyy-MM' });
    const out = t.apply(sourceRecord({ topic: 'a', value: 1, timestamp: TS }));
    assert.equal(out.topic, 'archive.a.2024-03.a');
    assert.equal(out.kind, 'source');
  });

  test('missing timestamp is a DataError; bad format a ConfigError', () => {
    const t = new TimestampRouter();
    t.configure({});
    assert.throws(() => t.apply(rec('v', null, null)), (e: unknown) => e instanceof DataError && /Timestamp missing on record/.test(e.message));
    assert.throws(() => new TimestampRouter().configure({ 'timestamp.format': 'yyyy-ee' }), ConfigError);
  });
});
