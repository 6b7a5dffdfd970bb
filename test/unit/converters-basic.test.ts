import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataError, Decimal, SchemaBuilder, Schemas, Struct, type Converter, type HeaderConverter } from '../../src/connect/api/index.js';
import {
  BooleanConverter, ByteArrayConverter, DoubleConverter, FloatConverter, IntegerConverter, LongConverter,
  ShortConverter, StringConverter, converterPlugins,
} from '../../src/connect/converters/index.js';
import { JsonNumber, parseJson, skipJsonValue } from '../../src/connect/converters/json-text.js';

describe('StringConverter', () => {
  it('writes toString() of values and reads an optional STRING', () => {
    const c = new StringConverter();
    c.configure({}, false);
    assert.equal(c.fromConnectData('t', null, Schemas.STRING, 'héllo')?.toString('utf8'), 'héllo');
    assert.equal(c.fromConnectData('t', null, Schemas.INT32, 42)?.toString(), '42');
    assert.equal(c.fromConnectData('t', null, Schemas.FLOAT64, 2)?.toString(), '2.0');
    assert.equal(c.fromConnectData('t', null, null, [1, 'a'])?.toString(), '[1, a]');
    assert.equal(c.fromConnectData('t', null, null, { a: 1 })?.toString(), '{a=1}');
    assert.equal(c.fromConnectData('t', null, null, Decimal.parse('1.50'))?.toString(), '1.50');
    const s = SchemaBuilder.struct().field('id', Schemas.INT32).build();
    assert.equal(c.fromConnectData('t', null, s, new Struct(s).put('id', 3))?.toString(), 'Struct{id=3}');
    assert.equal(c.fromConnectData('t', null, null, null), null);
    assert.deepEqual(c.toConnectData('t', null, Buffer.from('x')), { schema: Schemas.OPTIONAL_STRING, value: 'x' });
    assert.deepEqual(c.toConnectData('t', null, null), { schema: Schemas.OPTIONAL_STRING, value: null });
  });

  it('honours converter.encoding', () => {
    const latin = new StringConverter();
    latin.configure({ 'converter.encoding': 'ISO-8859-1' }, true);
    assert.deepEqual([...latin.fromConnectData('t', null, null, 'é€')!], [0xe9, 0x3f]);
    assert.equal(latin.toConnectData('t', null, Buffer.from([0xe9])).value, 'é');
    const u16 = new StringConverter();
    u16.configure({ 'converter.encoding': 'UTF-16BE' }, false);
    assert.deepEqual([...u16.fromConnectData('t', null, null, 'A€')!], [0x00, 0x41, 0x20, 0xac]);
    assert.equal(u16.toConnectData('t', null, Buffer.from([0x00, 0x41, 0x20, 0xac])).value, 'A€');
    const ascii = new StringConverter();
    ascii.configure({ 'converter.encoding': 'US-ASCII' }, false);
    assert.equal(ascii.toConnectData('t', null, Buffer.from([0x41, 0xe9])).value, 'A\ufffd');
    assert.throws(() => new StringConverter().configure({ 'converter.encoding': 'EBCDIC-XYZ' }, false), ConfigError);
  });
});

describe('ByteArrayConverter', () => {
  it('passes bytes through and rejects other schemas or values', () => {
    const c = new ByteArrayConverter();
    c.configure({}, false);
    const b = Buffer.from([1, 2, 3]);
    assert.equal(c.fromConnectData('t', null, Schemas.BYTES, b), b);
    assert.deepEqual(c.fromConnectData('t', null, null, new Uint8Array([9])), Buffer.from([9]));
    assert.equal(c.fromConnectData('t', null, null, null), null);
    assert.deepEqual(c.toConnectData('t', null, b), { schema: Schemas.OPTIONAL_BYTES, value: b });
    assert.throws(() => c.fromConnectData('t', null, Schemas.STRING, 'x'), /Invalid schema type for ByteArrayConverter: STRING/);
    assert.throws(() => c.fromConnectData('t', null, null, 'x'), /not compatible with objects of type string/);
  });
});

describe('number converters', () => {
  const cases: [Converter & HeaderConverter, unknown, number[]][] = [
    [new BooleanConverter(), true, [1]],
    [new ShortConverter(), -2, [0xff, 0xfe]],
    [new IntegerConverter(), 0x01020304, [1, 2, 3, 4]],
    [new LongConverter(), 9223372036854775807n, [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
    [new LongConverter(), 258, [0, 0, 0, 0, 0, 0, 1, 2]],
    [new FloatConverter(), 1.5, [0x3f, 0xc0, 0, 0]],
    [new DoubleConverter(), -2, [0xc0, 0, 0, 0, 0, 0, 0, 0]],
  ];

  it('encode big-endian as Kafka serializers and decode back', () => {
    for (const [c, value, bytes] of cases) {
      c.configure({}, false);
      const out = c.fromConnectData('t', null, null, value)!;
      assert.deepEqual([...out], bytes, `${c.constructor.name} ${String(value)}`);
      assert.equal(c.toConnectData('t', null, out).value, value);
      assert.equal(c.toConnectData('t', null, null).value, null);
      assert.equal(c.fromConnectData('t', null, null, null), null);
    }
    assert.equal(new IntegerConverter().toConnectData('t', null, Buffer.from([0, 0, 0, 1])).schema, Schemas.OPTIONAL_INT32);
  });

  it('reports bad sizes and bad values', () => {
    assert.throws(() => new IntegerConverter().toConnectData('t', null, Buffer.from([1, 2])), /Size of data received by IntegerDeserializer is not 4/);
    assert.throws(() => new BooleanConverter().toConnectData('t', null, Buffer.from([7])), /Unexpected byte received by BooleanDeserializer: 7/);
    assert.throws(() => new ShortConverter().fromConnectData('t', null, null, 70000), (e: Error) => e instanceof DataError && /Failed to serialize to short/.test(e.message));
    assert.throws(() => new DoubleConverter().fromConnectData('t', null, null, 'x'), /Failed to serialize to double \(was string\)/);
  });
});

describe('json-text', () => {
  it('parses big numbers losslessly and small ones natively', () => {
    const v = parseJson('[12345678901234567890, 1.2345678901234567890, 5, 0.5, -9007199254740993]') as unknown[];
    assert.ok(v[0] instanceof JsonNumber && v[0].text === '12345678901234567890' && v[0].integral);
    assert.ok(v[1] instanceof JsonNumber && !v[1].integral);
    assert.deepEqual(v.slice(2, 4), [5, 0.5]);
    assert.ok(v[4] instanceof JsonNumber);
    assert.deepEqual(parseJson('{"s":"a\\u00e9\\n\\"1234567890123456\\"","__proto__":1}'), JSON.parse('{"s":"a\\u00e9\\n\\"1234567890123456\\"","__proto__":1}'));
  });

  it('rejects what JSON.parse rejects, with positions', () => {
    for (const bad of ['{"a":1,}', '[1 2]', '01', '"\\x"', 'tru', '{"a" 1}', '[1234567890123456789', '"abc']) {
      assert.throws(() => parseJson(bad), SyntaxError, bad);
    }
    assert.throws(() => parseJson('[1234567890123456789 2]'), /position 21/);
  });

  it('skips JSON values structurally', () => {
    const s = '{"schema":{"a":"}]\\"x",["b"]},"payload":1}';
    assert.equal(s.slice(10, skipJsonValue(s, 10)), '{"a":"}]\\"x",["b"]}');
    assert.equal(skipJsonValue('null,', 0), 4);
    assert.equal(skipJsonValue('{"a":1', 0), -1);
  });
});

describe('converterPlugins', () => {
  it('lists each converter for both kinds, and SimpleHeaderConverter as a header converter', () => {
    const byKind = (kind: string) => converterPlugins.filter((p) => p.kind === kind).map((p) => p.className);
    for (const cls of [
      'org.apache.kafka.connect.json.JsonConverter', 'org.apache.kafka.connect.storage.StringConverter',
      'org.apache.kafka.connect.converters.ByteArrayConverter', 'org.apache.kafka.connect.converters.LongConverter',
      'org.apache.kafka.connect.converters.BooleanConverter', 'org.apache.kafka.connect.converters.DoubleConverter',
    ]) {
      assert.ok(byKind('converter').includes(cls), cls);
      assert.ok(byKind('header_converter').includes(cls), cls);
    }
    assert.ok(byKind('header_converter').includes('org.apache.kafka.connect.storage.SimpleHeaderConverter'));
    const json = converterPlugins.find((p) => p.kind === 'converter' && p.className.endsWith('JsonConverter'))!;
    assert.deepEqual(json.aliases, ['JsonConverter', 'Json']);
    for (const p of converterPlugins) {
      const inst = p.create() as { config(): { names(): string[] } };
      assert.ok(Array.isArray(inst.config().names()));
    }
  });
});
