import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataError, Decimal, LogicalSchemas, SchemaBuilder, Schemas, Struct, type Schema } from '../../src/connect/api/index.js';
import { sinkRecord } from '../../src/connect/api/records.js';
import { CastKey, CastValue, castValue, parseCastSpec } from '../../src/connect/transforms/cast.js';

const rec = (value: unknown, valueSchema: Schema | null = null) => sinkRecord({ topic: 't', kafkaPartition: 0, kafkaOffset: 0, value, valueSchema });
function cast(spec: string, extra: Record<string, string> = {}): CastValue {
  const c = new CastValue();
  c.configure({ spec, ...extra });
  return c;
}

describe('Cast spec', () => {
  test('parses field specs and whole-value types case-insensitively', () => {
    assert.deepEqual([...parseCastSpec(['a:int8', ' b : Float64 '])], [['a', 'INT8'], ['b', 'FLOAT64']]);
    assert.deepEqual([...parseCastSpec(['STRING'])], [[null, 'STRING']]);
  });

  test('rejects bad specs with ConfigError', () => {
    assert.throws(() => cast(''), (e: unknown) => e instanceof ConfigError && /Must specify at least one field to cast/.test(e.message));
    assert.throws(() => cast('a:int128'), /Invalid type found in casting spec: int128/);
    assert.throws(() => cast('a:bytes'), /does not support casting to BYTES/);
    assert.throws(() => cast('int32,a:string'), /may only specify a single cast/);
    assert.throws(() => cast('a:b:c'), /Invalid cast mapping/);
    assert.throws(() => new CastValue().configure({}), /Missing required configuration "spec"/);
  });
});

describe('Cast schemaless', () => {
  test('casts listed fields of a map copy', () => {
    const input = { a: '12', b: 3.9, c: 1, d: 'keep', e: true };
    const out = cast('a:int32,b:int16,c:boolean,e:string').apply(rec(input)).value;
    assert.deepEqual(out, { a: 12, b: 3, c: true, d: 'keep', e: 'true' });
    assert.equal(input.a, '12');
  });

  test('whole value casts', () => {
    assert.equal(cast('int64').apply(rec('123456789012')).value, 123456789012);
    assert.equal(cast('string').apply(rec(1.5)).value, '1.5');
    assert.equal(cast('string').apply(rec(10)).value, '10');
    assert.equal(cast('float64').apply(rec('1e3')).value, 1000);
    assert.equal(cast('string').apply(rec(Buffer.from('hi'))).value, 'aGk=');
  });

  test('non-castable values are DataErrors', () => {
    assert.throws(() => cast('int32').apply(rec('abc')), (e: unknown) => e instanceof DataError && /Value \(abc\) was out of range for requested data type/.test(e.message));
    assert.throws(() => cast('int8').apply(rec('300')), /out of range/);
    assert.throws(() => cast('a:int32').apply(rec({ a: [1] })), /does not support casting from ARRAY/);
    assert.throws(() => cast('a:int32').apply(rec({ a: { x: 1 } })), /does not support casting from MAP/);
    assert.throws(() => cast('int32').apply(rec(Buffer.from('x'))), /Unexpected type in Cast transformation/);
    assert.throws(() => cast('a:int32').apply(rec('not a map')), /Only Map objects supported/);
  });

  test('null values and tombstones pass through', () => {
    const r = rec(null);
    assert.equal(cast('int32').apply(r), r);
    assert.deepEqual(cast('a:int32').apply(rec({ a: null })).value, { a: null });
  });
});

describe('Cast with schema', () => {
  const schema = SchemaBuilder.struct().name('Row')
    .field('i64', Schemas.INT64)
    .field('f64', SchemaBuilder.float64().optional().defaultValue(2.5).build())
    .field('s', Schemas.STRING)
    .field('price', LogicalSchemas.decimal(2).build())
    .field('ts', LogicalSchemas.timestamp().build())
    .field('b', Schemas.BOOLEAN)
    .build();
  const row = () => new Struct(schema).put('i64', 300).put('s', '7').put('price', new Decimal(12345n, 2)).put('ts', new Date(86_400_000 + 1000)).put('b', true);

  test('field casts build a new schema (optionality and defaults cast too)', () => {
    const c = cast('i64:int8,f64:int32,s:int16,price:float64,ts:int64,b:int32');
    const out = c.apply(rec(row(), schema));
    const s = out.valueSchema!;
    assert.equal(s.name, 'Row');
    assert.deepEqual(s.fields!.map((f) => [f.name, f.schema.type, f.schema.optional, f.schema.defaultValue]), [
      ['i64', 'INT8', false, undefined], ['f64', 'INT32', true, 2], ['s', 'INT16', false, undefined],
      ['price', 'FLOAT64', false, undefined], ['ts', 'INT64', false, undefined], ['b', 'INT32', false, undefined],
    ]);
    assert.equal(s.fields![3]!.schema.name, undefined);
    const v = out.value as Struct;
    assert.equal(v.get('i64'), 44, 'int64 300 → int8 wraps like Java');
    assert.equal(v.get('f64'), 2, 'null takes the cast default');
    assert.equal(v.get('s'), 7);
    assert.equal(v.get('price'), 123.45);
    assert.equal(v.get('ts'), 86_401_000);
    assert.equal(v.get('b'), 1);
    assert.equal(c.apply(rec(row(), schema)).valueSchema, s, 'schema cached');
  });

  test('to string uses Java text forms', () => {
    const c = cast('i64:string,price:string,ts:string,f64:string');
    const v = c.apply(rec(row().put('f64', 1e7), schema)).value as Struct;
    assert.equal(v.get('i64'), '300');
    assert.equal(v.get('price'), '123.45');
    assert.equal(v.get('ts'), '1970-01-02T00:00:01.000Z');
    assert.equal(v.get('f64'), '1.0E7');
  });

  test('replace.null.with.default=false keeps null', () => {
    const v = cast('f64:int32', { 'replace.null.with.default': 'false' }).apply(rec(row(), schema)).value as Struct;
    assert.equal(v.getWithoutDefault('f64'), null);
  });

  test('whole-value cast of a logical type drops the logical name', () => {
    const out = cast('int64').apply(rec(new Date(5), LogicalSchemas.timestamp().optional().build()));
    assert.equal(out.value, 5);
    assert.equal(out.valueSchema!.type, 'INT64');
    assert.equal(out.valueSchema!.name, undefined);
    assert.equal(out.valueSchema!.optional, true);
    const named = cast('string').apply(rec(5, SchemaBuilder.int32().name('my.Id').build()));
    assert.equal(named.valueSchema!.name, 'my.Id');
    assert.equal(named.value, '5');
  });

  test('struct-only operations reject other values', () => {
    assert.throws(() => cast('a:int32').apply(rec('x', Schemas.STRING)), DataError);
    assert.throws(() => cast('s:int32').apply(rec(new Struct(schema).put('i64', 1).put('s', 'x').put('price', new Decimal(1n, 2)).put('ts', new Date(0)).put('b', false), schema)), /out of range/);
  });

  test('Key variant', () => {
    const c = new CastKey();
    c.configure({ spec: 'int32' });
    const out = c.apply({ ...rec('v'), key: '17', keySchema: Schemas.STRING });
    assert.equal(out.key, 17);
    assert.equal(out.keySchema!.type, 'INT32');
    assert.equal(out.value, 'v');
  });
});

describe('Java conversions', () => {
  test('integral narrowing and floating truncation', () => {
    assert.equal(castValue(Schemas.INT64, 128, 'INT8'), -128);
    assert.equal(castValue(Schemas.INT64, 65536 + 5, 'INT16'), 5);
    assert.equal(castValue(Schemas.FLOAT64, -3.99, 'INT32'), -3);
    assert.equal(castValue(Schemas.FLOAT64, 1e20, 'INT32'), 2147483647);
    assert.equal(castValue(Schemas.FLOAT64, Number.NaN, 'INT64'), 0);
    assert.equal(castValue(Schemas.FLOAT64, 1e300, 'INT64'), 2n ** 63n - 1n);
    assert.equal(castValue(null, 2n ** 40n, 'INT32'), 0);
    assert.equal(castValue(Schemas.STRING, '9223372036854775807', 'INT64'), 9223372036854775807n);
    assert.equal(castValue(Schemas.FLOAT64, 0.5, 'BOOLEAN'), false);
    assert.equal(castValue(Schemas.STRING, 'TRUE', 'BOOLEAN'), true);
    assert.equal(castValue(Schemas.STRING, 'yes', 'BOOLEAN'), false);
    assert.equal(castValue(Schemas.STRING, ' 1.5f ', 'FLOAT32'), 1.5);
    assert.equal(castValue(Schemas.FLOAT64, 0.1, 'FLOAT32'), Math.fround(0.1));
    assert.equal(castValue(LogicalSchemas.date().build(), new Date(3 * 86_400_000), 'INT32'), 3);
  });
});
