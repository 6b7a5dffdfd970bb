import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DataError, Decimal, LogicalSchemas, SchemaBuilder, Schemas, Struct, ConfigError, valueEquals, schemaEquals,
  type Schema,
} from '../../src/connect/api/index.js';
import { JsonConverter } from '../../src/connect/converters/index.js';

function converter(props: Record<string, string> = {}, isKey = false): JsonConverter {
  const c = new JsonConverter();
  c.configure(props, isKey);
  return c;
}

const enc = (c: JsonConverter, schema: Schema | null, value: unknown): string | null => {
  const b = c.fromConnectData('t', null, schema, value);
  return b === null ? null : b.toString('utf8');
};
const dec = (c: JsonConverter, text: string | null) => c.toConnectData('t', null, text === null ? null : Buffer.from(text, 'utf8'));

function roundTrip(c: JsonConverter, schema: Schema | null, value: unknown): { schema: Schema | null; value: unknown } {
  const b = c.fromConnectData('t', null, schema, value);
  return c.toConnectData('t', null, b);
}

describe('JsonConverter: known bytes', () => {
  it('writes the struct example from the reference exactly', () => {
    const schema = SchemaBuilder.struct().name('my.Rec').field('id', Schemas.INT32).field('name', Schemas.OPTIONAL_STRING).build();
    const value = new Struct(schema).put('id', 1).put('name', 'a');
    assert.equal(
      enc(converter(), schema, value),
      '{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"}],"optional":false,"name":"my.Rec"},"payload":{"id":1,"name":"a"}}',
    );
  });

  it('writes every primitive type name (float/double for FLOAT32/FLOAT64)', () => {
    const c = converter();
    const cases: [Schema, unknown, string][] = [
      [Schemas.BOOLEAN, true, '{"schema":{"type":"boolean","optional":false},"payload":true}'],
      [Schemas.INT8, 12, '{"schema":{"type":"int8","optional":false},"payload":12}'],
      [Schemas.INT16, 12, '{"schema":{"type":"int16","optional":false},"payload":12}'],
      [Schemas.INT32, 12, '{"schema":{"type":"int32","optional":false},"payload":12}'],
      [Schemas.INT64, 12, '{"schema":{"type":"int64","optional":false},"payload":12}'],
      [Schemas.FLOAT32, 12.5, '{"schema":{"type":"float","optional":false},"payload":12.5}'],
      [Schemas.FLOAT64, 12.25, '{"schema":{"type":"double","optional":false},"payload":12.25}'],
      [Schemas.FLOAT64, 3, '{"schema":{"type":"double","optional":false},"payload":3.0}'],
      [Schemas.STRING, 'x"y', '{"schema":{"type":"string","optional":false},"payload":"x\\"y"}'],
      [Schemas.BYTES, Buffer.from('hello'), '{"schema":{"type":"bytes","optional":false},"payload":"aGVsbG8="}'],
      [Schemas.OPTIONAL_STRING, null, '{"schema":{"type":"string","optional":true},"payload":null}'],
    ];
    for (const [schema, value, expected] of cases) assert.equal(enc(c, schema, value), expected);
  });

  it('writes FLOAT32 values with their shortest float text', () => {
    assert.equal(enc(converter({ 'schemas.enable': 'false' }), Schemas.FLOAT32, Math.fround(1.1)), '1.1');
  });

  it('writes array, map and schema metadata in Connect key order', () => {
    const schema = SchemaBuilder.array(Schemas.INT32).optional().name('n').version(2).doc('d').parameter('k', 'v').build();
    assert.equal(
      enc(converter(), schema, [1, 2]),
      '{"schema":{"type":"array","items":{"type":"int32","optional":false},"optional":true,"name":"n","version":2,"doc":"d","parameters":{"k":"v"}},"payload":[1,2]}',
    );
    const map = SchemaBuilder.map(Schemas.STRING, Schemas.INT32).build();
    assert.equal(
      enc(converter(), map, { a: 1, b: 2 }),
      '{"schema":{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":{"a":1,"b":2}}',
    );
  });

  it('writes maps with non-string keys as [key, value] pairs', () => {
    const map = SchemaBuilder.map(Schemas.INT32, Schemas.STRING).build();
    assert.equal(enc(converter({ 'schemas.enable': 'false' }), map, new Map([[1, 'a'], [2, 'b']])), '[[1,"a"],[2,"b"]]');
  });

  it('writes defaults into the schema', () => {
    const schema = SchemaBuilder.int32().defaultValue(7).build();
    assert.equal(enc(converter(), schema, null), '{"schema":{"type":"int32","optional":false,"default":7},"payload":7}');
  });

  it('writes logical types: Decimal (BASE64 and NUMERIC), Date, Time, Timestamp', () => {
    const d = LogicalSchemas.decimal(2).build();
    assert.equal(
      enc(converter(), d, Decimal.parse('12.34')),
      '{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"BNI="}',
    );
    assert.equal(enc(converter({ 'schemas.enable': 'false', 'decimal.format': 'NUMERIC' }), d, Decimal.parse('-12.30')), '-12.30');
    const plain = converter({ 'schemas.enable': 'false' });
    assert.equal(enc(plain, LogicalSchemas.date().build(), new Date(Date.UTC(1970, 0, 3))), '2');
    assert.equal(enc(plain, LogicalSchemas.time().build(), new Date(3_600_000)), '3600000');
    assert.equal(enc(plain, LogicalSchemas.timestamp().build(), new Date(1_700_000_000_123)), '1700000000123');
  });

  it('a null schema and null value is a tombstone; a null schema with a value uses "schema":null', () => {
    assert.equal(enc(converter(), null, null), null);
    assert.equal(enc(converter(), null, { a: 1 }), '{"schema":null,"payload":{"a":1}}');
    assert.deepEqual(dec(converter(), null), { schema: null, value: null });
  });
});

describe('JsonConverter: round trips', () => {
  const c = converter();

  it('round-trips every primitive schema type', () => {
    const cases: [Schema, unknown][] = [
      [Schemas.BOOLEAN, false], [Schemas.INT8, -128], [Schemas.INT16, 32767], [Schemas.INT32, -2147483648],
      [Schemas.INT64, 42], [Schemas.FLOAT32, Math.fround(3.14)], [Schemas.FLOAT64, 2.718281828459045],
      [Schemas.STRING, 'héllo ✓ 😀'], [Schemas.BYTES, Buffer.from([0, 1, 254, 255])],
      [Schemas.OPTIONAL_INT32, null], [Schemas.FLOAT64, NaN], [Schemas.FLOAT64, -Infinity],
    ];
    for (const [schema, value] of cases) {
      const r = roundTrip(c, schema, value);
      assert.ok(schemaEquals(r.schema, schema), `schema for ${schema.type}`);
      if (typeof value === 'number' && Number.isNaN(value)) assert.ok(Number.isNaN(r.value));
      else assert.ok(valueEquals(r.value, value), `${schema.type}: ${String(r.value)} vs ${String(value)}`);
    }
  });

  it('round-trips INT64 values beyond 2^53 exactly', () => {
    for (const v of [9007199254740993n, 9223372036854775807n, -9223372036854775808n]) {
      const bytes = c.fromConnectData('t', null, Schemas.INT64, v)!;
      assert.ok(bytes.toString().endsWith(`"payload":${v}}`));
      assert.equal(c.toConnectData('t', null, bytes).value, v);
    }
    assert.equal(roundTrip(c, Schemas.INT64, 9007199254740991).value, 9007199254740991);
  });

  it('round-trips arrays, maps and nested structs', () => {
    const inner = SchemaBuilder.struct().name('Inner').field('x', Schemas.FLOAT64).field('tags', SchemaBuilder.array(Schemas.STRING).optional().build()).build();
    const schema = SchemaBuilder.struct().name('Outer').version(3).doc('doc')
      .field('inner', inner)
      .field('byName', SchemaBuilder.map(Schemas.STRING, Schemas.INT64).build())
      .field('byId', SchemaBuilder.map(Schemas.INT32, inner).optional().build())
      .field('raw', Schemas.OPTIONAL_BYTES)
      .build();
    const i1 = new Struct(inner).put('x', 1.5).put('tags', ['a', 'b']);
    const i2 = new Struct(inner).put('x', -2.25).put('tags', null);
    const value = new Struct(schema)
      .put('inner', i1)
      .put('byName', { one: 1, big: 12345678901234567890n % (1n << 62n) })
      .put('byId', new Map([[7, i2]]))
      .put('raw', Buffer.from('xyz'));
    const r = roundTrip(c, schema, value);
    assert.ok(schemaEquals(r.schema, schema));
    assert.ok(valueEquals(r.value, value));
  });

  it('round-trips logical types with both decimal formats', () => {
    for (const format of ['BASE64', 'NUMERIC']) {
      const cv = converter({ 'decimal.format': format });
      const dschema = LogicalSchemas.decimal(4).build();
      for (const text of ['0.0000', '12345678901234567890.1234', '-0.0001', '99.5000']) {
        const r = roundTrip(cv, dschema, Decimal.parse(text, 4));
        assert.ok(schemaEquals(r.schema, dschema));
        assert.ok(valueEquals(r.value, Decimal.parse(text, 4)), `${format} ${text} -> ${String(r.value)}`);
      }
    }
    const cases: [Schema, Date][] = [
      [LogicalSchemas.date().build(), new Date(Date.UTC(2024, 1, 29))],
      [LogicalSchemas.time().build(), new Date(45_296_789)],
      [LogicalSchemas.timestamp().build(), new Date(Date.UTC(2024, 1, 29, 13, 14, 15, 16))],
    ];
    for (const [schema, value] of cases) {
      const r = roundTrip(c, schema, value);
      assert.ok(schemaEquals(r.schema, schema));
      assert.equal((r.value as Date).getTime(), value.getTime());
    }
  });

  it('round-trips schema defaults (including a struct default)', () => {
    const s = SchemaBuilder.struct().field('a', Schemas.INT32).optional().build();
    const dflt = new Struct(s).put('a', 5);
    const schema = SchemaBuilder.struct().field('a', Schemas.INT32).defaultValue(dflt).optional().build();
    const r = roundTrip(c, schema, new Struct(schema).put('a', 1));
    assert.ok(r.schema);
    assert.ok(valueEquals((r.schema.defaultValue as Struct).values(), { a: 5 }));
  });

  it('schemas disabled: writes bare JSON and infers on read', () => {
    const plain = converter({ 'schemas.enable': 'false' });
    assert.equal(enc(plain, Schemas.INT32, 5), '5');
    assert.equal(enc(plain, null, [1, 'a', true, null]), '[1,"a",true,null]');
    const r = dec(plain, '{"i":1,"f":1.5,"big":12345678901234567890,"s":"x","b":false,"n":null,"a":[1,{"x":2}]}');
    assert.equal(r.schema, null);
    assert.deepEqual(r.value, { i: 1, f: 1.5, big: 12345678901234567890n, s: 'x', b: false, n: null, a: [1, { x: 2 }] });
    assert.deepEqual(dec(plain, 'null'), { schema: null, value: null });
    assert.deepEqual(dec(plain, ''), { schema: null, value: null });
  });
});

describe('JsonConverter: reading', () => {
  const c = converter();

  it('reads the envelope with whitespace (e.g. from Python json.dumps) and other key orders', () => {
    const a = dec(c, '{ "schema" : {"type": "int32", "optional": true},\n "payload" : 5 }\n');
    assert.deepEqual(a, { schema: Schemas.OPTIONAL_INT32, value: 5 });
    const b = dec(c, '{"payload":5,"schema":{"type":"int32"}}');
    assert.deepEqual(b, { schema: Schemas.INT32, value: 5 });
  });

  it('treats a missing "optional" as required and a "schema":null as schemaless', () => {
    assert.equal(dec(c, '{"schema":{"type":"string"},"payload":"x"}').schema?.optional, false);
    assert.deepEqual(dec(c, '{"schema":null,"payload":{"a":[1]}}'), { schema: null, value: { a: [1] } });
  });

  it('uses the schema cache: the same schema text gives the same Schema object', () => {
    const t = '{"schema":{"type":"struct","fields":[{"type":"int32","field":"a"}]},"payload":{"a":1}}';
    assert.equal(dec(c, t).schema, dec(c, t).schema);
    const nocache = converter({ 'schemas.cache.size': '0' });
    assert.ok(schemaEquals(dec(nocache, t).schema, dec(nocache, t).schema));
  });

  it('fills missing struct fields with the field default (replace.null.with.default)', () => {
    const t = '{"schema":{"type":"struct","fields":[{"type":"int32","optional":true,"default":9,"field":"a"}]},"payload":{}}';
    assert.equal((dec(c, t).value as Struct).getWithoutDefault('a'), 9);
    const keepNull = converter({ 'replace.null.with.default': 'false' });
    assert.equal((dec(keepNull, t).value as Struct).getWithoutDefault('a'), null);
  });

  it('replace.null.with.default=false writes null instead of the default', () => {
    const schema = SchemaBuilder.struct().field('a', SchemaBuilder.int32().optional().defaultValue(3).build()).build();
    const s = new Struct(schema);
    assert.equal(enc(converter({ 'schemas.enable': 'false' }), schema, s), '{"a":3}');
    assert.equal(enc(converter({ 'schemas.enable': 'false', 'replace.null.with.default': 'false' }), schema, s), '{"a":null}');
  });

  it('reads decimals given as numbers or base64 whatever decimal.format is', () => {
    const schemaJson = '{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}}';
    assert.ok(valueEquals(dec(c, `{"schema":${schemaJson},"payload":1.5}`).value, Decimal.parse('1.50')));
    assert.ok(valueEquals(dec(c, `{"schema":${schemaJson},"payload":"BNI="}`).value, Decimal.parse('12.34')));
    assert.ok(valueEquals(dec(c, `{"schema":${schemaJson},"payload":123456789012345678901234.56}`).value, Decimal.parse('123456789012345678901234.56')));
  });
});

describe('JsonConverter: errors', () => {
  const c = converter();

  it('rejects a body that is not an envelope when schemas are enabled', () => {
    for (const t of ['{"a":1}', '[1]', '5', '{"schema":null}', '{"schema":null,"payload":1,"extra":2}', '']) {
      assert.throws(() => dec(c, t), (e: Error) => e instanceof DataError && /requires "schema" and "payload" fields/.test(e.message), t);
    }
  });

  it('reports malformed JSON with the topic and position', () => {
    assert.throws(() => dec(c, '{"schema":null,"payload":[1,}'), (e: Error) =>
      e instanceof DataError && /^Converting byte\[\] to Kafka Connect data failed due to serialization error of topic t: .*position 28/.test(e.message));
    assert.throws(() => dec(converter({ 'schemas.enable': 'false' }), '{"a":'), /serialization error of topic t: Unexpected end of JSON input/);
  });

  it('reports bad schemas clearly', () => {
    assert.throws(() => dec(c, '{"schema":{"optional":true},"payload":1}'), /Schema must contain 'type' field/);
    assert.throws(() => dec(c, '{"schema":{"type":"decimal"},"payload":1}'), /Unknown schema type: decimal/);
    assert.throws(() => dec(c, '{"schema":{"type":"array"},"payload":[]}'), /Array schema did not specify the element type/);
    assert.throws(() => dec(c, '{"schema":{"type":"map","keys":{"type":"string"}},"payload":{}}'), /Map schema did not specify the value type/);
    assert.throws(() => dec(c, '{"schema":{"type":"struct","fields":{}},"payload":{}}'), /"fields" argument is not an array/);
    assert.throws(() => dec(c, '{"schema":{"type":"struct","fields":[{"type":"int32"}]},"payload":{}}'), /field name not specified properly/);
    assert.throws(() => dec(c, '{"schema":{"type":"int32","parameters":{"a":1}},"payload":1}'), /parameters must have string values/);
  });

  it('names the field whose value does not match the schema', () => {
    const t = '{"schema":{"type":"struct","fields":[{"type":"struct","field":"in","fields":[{"type":"array","items":{"type":"int32"},"field":"xs"}]}]},"payload":{"in":{"xs":[1,"two"]}}}';
    assert.throws(() => dec(c, t), (e: Error) => e instanceof DataError && /INT32: found string "two" \(at field "in\.xs\[1\]"\)/.test(e.message));
    assert.throws(() => dec(c, '{"schema":{"type":"int32"},"payload":null}'), /Invalid null value for required INT32 field/);
    assert.throws(() => dec(c, '{"schema":{"type":"int8"},"payload":300}'), /out of range for INT8/);
    assert.throws(() => dec(c, '{"schema":{"type":"bytes"},"payload":"***"}'), /not valid base64/);
    assert.throws(() => dec(c, '{"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}},"payload":[[1]]}'), /expected length 2/);
  });

  it('rejects values that do not match the schema on write', () => {
    assert.throws(() => enc(c, Schemas.INT32, 'x'), /INT32: string/);
    assert.throws(() => enc(c, Schemas.INT32, null), /null value for field that is required/);
    assert.throws(() => enc(c, Schemas.INT16, 40000), /out of range for INT16/);
    const s = SchemaBuilder.struct().field('a', Schemas.INT32).build();
    const other = SchemaBuilder.struct().field('b', Schemas.INT32).build();
    assert.throws(() => enc(c, s, new Struct(other).put('b', 1)), /Mismatching schema/);
    const outer = SchemaBuilder.struct().field('list', SchemaBuilder.array(Schemas.STRING).build()).build();
    const bad = new Struct(outer);
    (bad as unknown as { _values: unknown[] })._values[0] = ['ok', 5];
    assert.throws(() => enc(c, outer, bad), /STRING: number 5 \(at field "list\[1\]"\)/);
  });

  it('rejects an invalid decimal.format', () => {
    assert.throws(() => converter({ 'decimal.format': 'HEX' }), ConfigError);
  });
});

describe('JsonConverter as a header converter', () => {
  it('configures with converter.type=header and round-trips', () => {
    const c = new JsonConverter();
    c.configure({});
    const b = c.fromConnectHeader('t', 'h', Schemas.STRING, 'v');
    assert.equal(b?.toString(), '{"schema":{"type":"string","optional":false},"payload":"v"}');
    assert.deepEqual(c.toConnectHeader('t', 'h', b), { schema: Schemas.STRING, value: 'v' });
  });
});
