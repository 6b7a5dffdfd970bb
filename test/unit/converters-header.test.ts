import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal, LOGICAL, LogicalSchemas, SchemaBuilder, Schemas, Struct, valueEquals, type Schema } from '../../src/connect/api/index.js';
import { SimpleHeaderConverter } from '../../src/connect/converters/index.js';

const c = new SimpleHeaderConverter();
c.configure({});

const write = (schema: Schema | null, value: unknown): string | null => c.fromConnectHeader('t', 'h', schema, value)?.toString('utf8') ?? null;
const read = (text: string | null) => c.toConnectHeader('t', 'h', text === null ? null : Buffer.from(text, 'utf8'));

describe('SimpleHeaderConverter: writing', () => {
  it('writes values as Connect Values text', () => {
    assert.equal(write(Schemas.STRING, 'plain text'), 'plain text');
    assert.equal(write(Schemas.INT32, 42), '42');
    assert.equal(write(Schemas.INT64, 9223372036854775807n), '9223372036854775807');
    assert.equal(write(Schemas.BOOLEAN, false), 'false');
    assert.equal(write(Schemas.FLOAT32, Math.fround(3.14)), '3.14');
    assert.equal(write(Schemas.BYTES, Buffer.from('hi')), 'aGk=');
    assert.equal(write(null, ['a', 1, null, 'q"\\']), '["a",1,null,"q\\"\\\\"]');
    assert.equal(write(null, { k: 'v', n: 2 }), '{"k":"v","n":2}');
    const s = SchemaBuilder.struct().field('id', Schemas.INT32).field('name', Schemas.STRING).build();
    assert.equal(write(s, new Struct(s).put('id', 1).put('name', 'x')), '{"id":1,"name":"x"}');
    assert.equal(write(LogicalSchemas.date().build(), new Date(Date.UTC(2024, 0, 2))), '2024-01-02');
    assert.equal(write(LogicalSchemas.timestamp().build(), new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6))), '2024-01-02T03:04:05.006Z');
    assert.equal(write(LogicalSchemas.time().build(), new Date(3_723_004)), '01:02:03.004Z');
    assert.equal(write(null, null), null);
  });
});

describe('SimpleHeaderConverter: reading infers types', () => {
  it('reads scalars', () => {
    assert.deepEqual(read(null), { schema: null, value: null });
    assert.deepEqual(read(''), { schema: Schemas.STRING, value: '' });
    assert.deepEqual(read('null'), { schema: null, value: null });
    assert.deepEqual(read('true'), { schema: Schemas.BOOLEAN, value: true });
    assert.deepEqual(read('false'), { schema: Schemas.BOOLEAN, value: false });
    assert.deepEqual(read('12'), { schema: Schemas.INT8, value: 12 });
    assert.deepEqual(read('-300'), { schema: Schemas.INT16, value: -300 });
    assert.deepEqual(read('70000'), { schema: Schemas.INT32, value: 70000 });
    assert.deepEqual(read('9223372036854775807'), { schema: Schemas.INT64, value: 9223372036854775807n });
    assert.deepEqual(read('5000000000'), { schema: Schemas.INT64, value: 5000000000 });
    assert.deepEqual(read('1.5'), { schema: Schemas.FLOAT32, value: 1.5 });
    assert.deepEqual(read('1e300'), { schema: Schemas.FLOAT64, value: 1e300 });
    const big = read('123456789012345678901234567890');
    assert.equal(big.schema?.name, LOGICAL.DECIMAL);
    assert.ok(valueEquals(big.value, Decimal.parse('123456789012345678901234567890')));
    assert.deepEqual(read('hello world'), { schema: Schemas.STRING, value: 'hello world' });
    assert.deepEqual(read('12abc'), { schema: Schemas.STRING, value: '12abc' });
    assert.deepEqual(read('true}'), { schema: Schemas.STRING, value: 'true}' });
  });

  it('reads temporal values', () => {
    const d = read('2024-01-02');
    assert.equal(d.schema?.name, LOGICAL.DATE);
    assert.equal((d.value as Date).getTime(), Date.UTC(2024, 0, 2));
    const ts = read('2024-01-02T03:04:05.006Z');
    assert.equal(ts.schema?.name, LOGICAL.TIMESTAMP);
    assert.equal((ts.value as Date).getTime(), Date.UTC(2024, 0, 2, 3, 4, 5, 6));
    const tm = read('01:02:03.004Z');
    assert.equal(tm.schema?.name, LOGICAL.TIME);
    assert.equal((tm.value as Date).getTime(), 3_723_004);
  });

  it('reads arrays and maps with a common schema', () => {
    const ints = read('[1, 2, 300]');
    assert.equal(ints.schema?.type, 'ARRAY');
    assert.equal(ints.schema?.valueSchema?.type, 'INT16');
    assert.deepEqual(ints.value, [1, 2, 300]);
    const mixedNums = read('[1,2.5]');
    assert.equal(mixedNums.schema?.valueSchema?.type, 'FLOAT32');
    const strs = read('["a","b,c"]');
    assert.deepEqual(strs, { schema: { type: 'ARRAY', optional: false, valueSchema: Schemas.STRING }, value: ['a', 'b,c'] });
    const withNull = read('["a",null]');
    assert.equal(withNull.schema?.valueSchema?.optional, true);
    const map = read('{"a":1,"b":2}');
    assert.equal(map.schema?.type, 'MAP');
    assert.equal(map.schema?.keySchema?.type, 'STRING');
    assert.deepEqual(map.value, { a: 1, b: 2 });
    const intKeys = read('{1:"x",2:"y"}');
    assert.equal(intKeys.schema?.keySchema?.type, 'INT8');
    assert.deepEqual(intKeys.value, new Map([[1, 'x'], [2, 'y']]));
    const mixed = read('[1,"a"]');
    assert.equal(mixed.schema, null);
    assert.deepEqual(mixed.value, [1, 'a']);
    const nested = read('{"k":[1,2]}');
    assert.equal(nested.schema?.valueSchema?.type, 'ARRAY');
    const ts = read('[2024-01-02T03:04:05.006Z,2024-01-03T00:00:00.001Z]');
    assert.equal(ts.schema?.valueSchema?.name, LOGICAL.TIMESTAMP);
  });

  it('falls back to a string for text that only looks structured', () => {
    assert.deepEqual(read('[1,2'), { schema: Schemas.STRING, value: '[1,2' });
    assert.deepEqual(read('{a b}'), { schema: Schemas.STRING, value: '{a b}' });
    assert.deepEqual(read('[1,2] trailing'), { schema: Schemas.STRING, value: '[1,2] trailing' });
  });

  it('round-trips what it writes', () => {
    const values: [Schema | null, unknown][] = [
      [Schemas.STRING, 'some text'], [Schemas.BOOLEAN, true], [Schemas.INT8, -5], [Schemas.INT64, 9007199254740993n],
      [Schemas.FLOAT32, Math.fround(0.25)], [null, ['x', 'y']], [null, { a: 'b' }], [null, [[1, 2], [3]]],
      [LogicalSchemas.timestamp().build(), new Date(Date.UTC(2020, 5, 6, 7, 8, 9, 10))],
    ];
    for (const [schema, value] of values) {
      const back = read(write(schema, value));
      assert.ok(valueEquals(back.value, value), `${JSON.stringify(write(schema, value))} -> ${String(back.value)}`);
    }
    const s = SchemaBuilder.struct().field('q', Schemas.STRING).build();
    assert.deepEqual(read(write(s, new Struct(s).put('q', 'a"b'))).value, { q: 'a"b' });
  });
});
