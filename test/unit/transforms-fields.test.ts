import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataError, Decimal, LOGICAL, LogicalSchemas, SchemaBuilder, Schemas, Struct, type Schema } from '../../src/connect/api/index.js';
import { Headers, sinkRecord, sourceRecord, type SinkRecord } from '../../src/connect/api/records.js';
import { InsertFieldKey, InsertFieldValue } from '../../src/connect/transforms/insert-field.js';
import { ReplaceFieldValue } from '../../src/connect/transforms/replace-field.js';
import { MaskFieldValue } from '../../src/connect/transforms/mask-field.js';
import { ValueToKey } from '../../src/connect/transforms/value-to-key.js';
import { HoistFieldKey, HoistFieldValue } from '../../src/connect/transforms/hoist-field.js';
import { ExtractFieldKey, ExtractFieldValue } from '../../src/connect/transforms/extract-field.js';
import { parseFieldPath } from '../../src/connect/transforms/field-path.js';
import { SetSchemaMetadataKey, SetSchemaMetadataValue } from '../../src/connect/transforms/set-schema-metadata.js';
import { FlattenValue } from '../../src/connect/transforms/flatten.js';
import type { Transformation } from '../../src/connect/api/connector.js';

function configured<T extends Transformation>(t: T, props: Record<string, string>): T {
  t.configure(props);
  return t;
}

const sink = (value: unknown, valueSchema: Schema | null = null, extra: Partial<SinkRecord> = {}): SinkRecord =>
  ({ ...sinkRecord({ topic: 'orders', kafkaPartition: 3, kafkaOffset: 42, timestamp: 1_700_000_000_000, value, valueSchema }), ...extra });

const personSchema = SchemaBuilder.struct().name('Person').version(2)
  .field('id', Schemas.INT32)
  .field('name', Schemas.OPTIONAL_STRING)
  .field('email', SchemaBuilder.string().optional().defaultValue('none@example.com').build())
  .build();

function person(id: number, name: string | null, email: string | null = null): Struct {
  const s = new Struct(personSchema).put('id', id).put('name', name);
  if (email !== null) s.put('email', email);
  return s;
}

describe('InsertField', () => {
  test('schemaless: inserts topic, partition, offset, timestamp and static values into a copy', () => {
    const t = configured(new InsertFieldValue(), {
      'topic.field': 'topic', 'partition.field': 'part', 'offset.field': 'off!', 'timestamp.field': 'ts', 'static.field': 'src', 'static.value': 'ferry',
    });
    const input = { a: 1 };
    const r = sink(input);
    const out = t.apply(r);
    assert.deepEqual(out.value, { a: 1, topic: 'orders', part: 3, off: 42, ts: 1_700_000_000_000, src: 'ferry' });
    assert.deepEqual(input, { a: 1 }, 'input map untouched');
    assert.equal(r.value, input);
    assert.equal(out.kind, 'sink');
  });

  test('with schema: appends typed fields, optional unless suffixed with !', () => {
    const t = configured(new InsertFieldValue(), { 'topic.field': 'topic!', 'partition.field': 'part?', 'offset.field': 'off', 'timestamp.field': 'ts', 'static.field': 'src!', 'static.value': 'x' });
    const out = t.apply(sink(person(1, 'ann'), personSchema));
    const s = out.valueSchema!;
    assert.equal(s.name, 'Person');
    assert.equal(s.version, 2);
    assert.deepEqual(s.fields!.map((f) => [f.name, f.schema.type, f.schema.optional]), [
      ['id', 'INT32', false], ['name', 'STRING', true], ['email', 'STRING', true],
      ['topic', 'STRING', false], ['part', 'INT32', true], ['off', 'INT64', true], ['ts', 'INT64', true], ['src', 'STRING', false],
    ]);
    assert.equal(s.fields![6]!.schema.name, LOGICAL.TIMESTAMP);
    const v = out.value as Struct;
    assert.equal(v.get('topic'), 'orders');
    assert.equal(v.get('off'), 42);
    assert.deepEqual(v.get('ts'), new Date(1_700_000_000_000));
    assert.equal(v.get('email'), 'none@example.com', 'defaults applied by default');
    v.validate();
  });

  test('schema is cached per input schema', () => {
    const t = configured(new InsertFieldValue(), { 'topic.field': 't' });
    const a = t.apply(sink(person(1, 'a'), personSchema));
    const b = t.apply(sink(person(2, 'b'), personSchema));
    assert.equal(a.valueSchema, b.valueSchema);
  });

  test('replace.null.with.default=false keeps nulls', () => {
    const t = configured(new InsertFieldValue(), { 'topic.field': 't', 'replace.null.with.default': 'false' });
    const v = t.apply(sink(person(1, 'a'), personSchema)).value as Struct;
    assert.equal(v.getWithoutDefault('email'), null);
  });

  test('offset on a source record is a DataError', () => {
    const t = configured(new InsertFieldValue(), { 'offset.field': 'off' });
    const r = sourceRecord({ topic: 't', value: { a: 1 } });
    assert.throws(() => t.apply(r), (e: unknown) => e instanceof DataError && /Only SinkRecord supported for \[field insertion\]/.test(e.message));
  });

  test('tombstones pass through; non-map schemaless value is a DataError', () => {
    const t = configured(new InsertFieldValue(), { 'topic.field': 't' });
    const r = sink(null);
    assert.equal(t.apply(r), r);
    assert.throws(() => t.apply(sink('text')), (e: unknown) => e instanceof DataError && /Only Map objects supported in absence of schema for \[field insertion\], found: string/.test(e.message));
    assert.throws(() => t.apply(sink('text', Schemas.STRING)), /Only Struct objects supported/);
  });

  test('Key variant works on the key', () => {
    const t = configured(new InsertFieldKey(), { 'partition.field': 'p' });
    const out = t.apply({ ...sink({ v: 1 }), key: { k: 1 } });
    assert.deepEqual(out.key, { k: 1, p: 3 });
    assert.deepEqual(out.value, { v: 1 });
  });

  test('config errors', () => {
    assert.throws(() => configured(new InsertFieldValue(), {}), (e: unknown) => e instanceof ConfigError && /No field insertion configured/.test(e.message));
    assert.throws(() => configured(new InsertFieldValue(), { 'static.field': 's' }), /No value specified for static field: s/);
  });
});

describe('ReplaceField', () => {
  test('schemaless include / exclude / renames', () => {
    const t = configured(new ReplaceFieldValue(), { include: 'a,b,c', exclude: 'c', renames: 'a:alpha,b:beta' });
    assert.deepEqual(t.apply(sink({ a: 1, b: 2, c: 3, d: 4 })).value, { alpha: 1, beta: 2 });
  });

  test('with schema: keeps order and schema metadata, renames fields', () => {
    const t = configured(new ReplaceFieldValue(), { exclude: 'email', renames: 'name:full_name' });
    const out = t.apply(sink(person(7, 'bob'), personSchema));
    assert.deepEqual(out.valueSchema!.fields!.map((f) => f.name), ['id', 'full_name']);
    assert.equal(out.valueSchema!.name, 'Person');
    assert.deepEqual((out.value as Struct).values(), { id: 7, full_name: 'bob' });
  });

  test('legacy whitelist/blacklist are aliases; new keys win', () => {
    const legacy = configured(new ReplaceFieldValue(), { whitelist: 'a,b', blacklist: 'b' });
    assert.deepEqual(legacy.apply(sink({ a: 1, b: 2, c: 3 })).value, { a: 1 });
    const both = configured(new ReplaceFieldValue(), { include: 'c', whitelist: 'a' });
    assert.deepEqual(both.apply(sink({ a: 1, b: 2, c: 3 })).value, { c: 3 });
  });

  test('null value with schema keeps null and rewrites the schema', () => {
    const optional = SchemaBuilder.from(personSchema).optional().build();
    const t = configured(new ReplaceFieldValue(), { exclude: 'name' });
    const out = t.apply(sink(null, optional));
    assert.equal(out.value, null);
    assert.deepEqual(out.valueSchema!.fields!.map((f) => f.name), ['id', 'email']);
    assert.equal(out.valueSchema!.optional, true);
  });

  test('invalid rename mapping is a ConfigError', () => {
    assert.throws(() => configured(new ReplaceFieldValue(), { renames: 'a:b:c' }), (e: unknown) => e instanceof ConfigError && /Invalid rename mapping: a:b:c/.test(e.message));
  });

  test('renaming onto an existing name is a DataError', () => {
    const t = configured(new ReplaceFieldValue(), { renames: 'id:name' });
    assert.throws(() => t.apply(sink(person(1, 'x'), personSchema)), DataError);
  });
});

describe('MaskField', () => {
  test('schemaless: type-appropriate empty values, missing fields stay missing', () => {
    const t = configured(new MaskFieldValue(), { fields: 'i,s,b,arr,obj,d,big,dec,missing' });
    const input = { i: 5, s: 'secret', b: true, arr: [1], obj: { x: 1 }, d: new Date(5), big: 9n, dec: new Decimal(123n, 2), keep: 'k' };
    const out = t.apply(sink(input)).value as Record<string, unknown>;
    assert.deepEqual(out, { i: 0, s: '', b: false, arr: [], obj: {}, d: new Date(0), big: 0n, dec: new Decimal(0n, 2), keep: 'k' });
    assert.equal(input.s, 'secret');
  });

  test('with schema and replacement', () => {
    const schema = SchemaBuilder.struct().field('ssn', Schemas.STRING).field('age', Schemas.INT32).field('score', Schemas.FLOAT32)
      .field('price', LogicalSchemas.decimal(2).build()).build();
    const t = configured(new MaskFieldValue(), { fields: 'ssn,age,score,price', replacement: '42' });
    const v = new Struct(schema).put('ssn', '123-45').put('age', 30).put('score', 1.5).put('price', new Decimal(1999n, 2));
    const out = t.apply(sink(v, schema)).value as Struct;
    assert.equal(out.get('ssn'), '42');
    assert.equal(out.get('age'), 42);
    assert.equal(out.get('score'), 42);
    assert.ok((out.get('price') as Decimal).equals(new Decimal(4200n, 2)));
  });

  test('replacement that is not a number for a numeric field is a DataError', () => {
    const t = configured(new MaskFieldValue(), { fields: 'n', replacement: 'xx' });
    assert.throws(() => t.apply(sink({ n: 1 })), (e: unknown) => e instanceof DataError && /Unable to convert xx/.test(e.message));
    const t2 = configured(new MaskFieldValue(), { fields: 'n', replacement: 'xx' });
    assert.throws(() => t2.apply(sink({ n: true })), /Cannot mask value of type boolean with custom replacement/);
  });

  test('config validation: fields required and non-empty, replacement non-empty', () => {
    assert.throws(() => configured(new MaskFieldValue(), {}), /Missing required configuration "fields"/);
    assert.throws(() => configured(new MaskFieldValue(), { fields: '' }), /Empty list/);
    assert.throws(() => configured(new MaskFieldValue(), { fields: 'a', replacement: '' }), /String must be non-empty/);
  });
});

describe('ValueToKey', () => {
  test('schemaless', () => {
    const t = configured(new ValueToKey(), { fields: 'id,region' });
    const out = t.apply(sink({ id: 1, region: 'eu', other: 'x' }));
    assert.deepEqual(out.key, { id: 1, region: 'eu' });
    assert.equal(out.keySchema, null);
  });

  test('with schema builds a key struct from the value fields', () => {
    const t = configured(new ValueToKey(), { fields: 'id' });
    const out = t.apply(sink(person(9, 'z'), personSchema));
    assert.deepEqual(out.keySchema!.fields!.map((f) => [f.name, f.schema.type]), [['id', 'INT32']]);
    assert.equal((out.key as Struct).get('id'), 9);
  });

  test('missing field with schema is a DataError; non-map value is a DataError', () => {
    const t = configured(new ValueToKey(), { fields: 'nope' });
    assert.throws(() => t.apply(sink(person(1, 'a'), personSchema)), /Field does not exist: nope/);
    assert.throws(() => t.apply(sink(null)), DataError);
  });
});

describe('HoistField', () => {
  test('schemaless wraps in a map', () => {
    const t = configured(new HoistFieldValue(), { field: 'line' });
    assert.deepEqual(t.apply(sink('hello')).value, { line: 'hello' });
  });

  test('with schema wraps in a struct', () => {
    const t = configured(new HoistFieldKey(), { field: 'id' });
    const out = t.apply(sink(null, null, { key: 5, keySchema: Schemas.INT64 }));
    assert.equal(out.keySchema!.type, 'STRUCT');
    assert.equal(out.keySchema!.fields![0]!.schema, Schemas.INT64);
    assert.equal((out.key as Struct).get('id'), 5);
  });

  test('field is required', () => {
    assert.throws(() => configured(new HoistFieldValue(), {}), ConfigError);
  });
});

describe('ExtractField', () => {
  const nested = SchemaBuilder.struct()
    .field('id', Schemas.INT32)
    .field('addr', SchemaBuilder.struct().optional().field('city', Schemas.STRING).field('zip.code', Schemas.OPTIONAL_STRING).build())
    .build();
  const addrSchema = nested.fields![1]!.schema;
  const value = new Struct(nested).put('id', 1).put('addr', new Struct(addrSchema).put('city', 'Oslo').put('zip.code', '0150'));

  test('schemaless V1; missing field gives null', () => {
    const t = configured(new ExtractFieldValue(), { field: 'id' });
    assert.equal(t.apply(sink({ id: 4 })).value, 4);
    assert.equal(t.apply(sink({ other: 4 })).value, null);
    assert.equal(t.apply(sink(null)).value, null);
  });

  test('with schema V1 takes the field schema', () => {
    const t = configured(new ExtractFieldValue(), { field: 'id' });
    const out = t.apply(sink(value, nested));
    assert.equal(out.value, 1);
    assert.equal(out.valueSchema, Schemas.INT32);
  });

  test('unknown field with schema is a DataError', () => {
    const t = configured(new ExtractFieldValue(), { field: 'missing' });
    assert.throws(() => t.apply(sink(value, nested)), (e: unknown) => e instanceof DataError && /Unknown field: missing/.test(e.message));
  });

  test('V2 nested paths with backticks, schema and schemaless', () => {
    const t = configured(new ExtractFieldValue(), { field: 'addr.`zip.code`', 'field.syntax.version': 'v2' });
    const out = t.apply(sink(value, nested));
    assert.equal(out.value, '0150');
    assert.equal(out.valueSchema, Schemas.OPTIONAL_STRING);
    assert.equal(t.apply(sink({ addr: { 'zip.code': '1' } })).value, '1');
    assert.equal(t.apply(sink({ addr: null })).value, null);
    const v1 = configured(new ExtractFieldValue(), { field: 'addr.city' });
    assert.equal(v1.apply(sink({ 'addr.city': 'x', addr: { city: 'y' } })).value, 'x');
  });

  test('Key variant', () => {
    const t = configured(new ExtractFieldKey(), { field: 'id' });
    const out = t.apply({ ...sink('v'), key: { id: 'k1' } });
    assert.equal(out.key, 'k1');
    assert.equal(out.value, 'v');
  });

  test('field path parsing rules', () => {
    assert.deepEqual(parseFieldPath('a.b.c', 'V2'), ['a', 'b', 'c']);
    assert.deepEqual(parseFieldPath('a.b.c', 'V1'), ['a.b.c']);
    assert.deepEqual(parseFieldPath('`a.b`.c', 'V2'), ['a.b', 'c']);
    assert.deepEqual(parseFieldPath('`a.b`', 'V2'), ['a.b']);
    assert.deepEqual(parseFieldPath('a.', 'V2'), ['a', '']);
    assert.deepEqual(parseFieldPath('`a\\`.b`.c', 'V2'), ['a`.b', 'c']);
    assert.deepEqual(parseFieldPath('`a`b`.c', 'V2'), ['a`b', 'c']);
    assert.throws(() => parseFieldPath('`a.b', 'V2'), /Incomplete backtick pair/);
    assert.throws(() => configured(new ExtractFieldValue(), { field: 'a', 'field.syntax.version': 'V3' }), ConfigError);
  });
});

describe('SetSchemaMetadata', () => {
  test('renames and versions the schema; struct value is rebuilt on it', () => {
    const t = configured(new SetSchemaMetadataValue(), { 'schema.name': 'com.acme.Person', 'schema.version': '7' });
    const out = t.apply(sink(person(1, 'a'), personSchema));
    assert.equal(out.valueSchema!.name, 'com.acme.Person');
    assert.equal(out.valueSchema!.version, 7);
    assert.equal((out.value as Struct).schema, out.valueSchema);
    assert.equal((out.value as Struct).get('id'), 1);
  });

  test('primitive schemas keep their value; only version may be set', () => {
    const t = configured(new SetSchemaMetadataKey(), { 'schema.version': '3' });
    const out = t.apply({ ...sink(null), key: 'k', keySchema: Schemas.STRING });
    assert.equal(out.keySchema!.version, 3);
    assert.equal(out.keySchema!.name, undefined);
    assert.equal(out.key, 'k');
  });

  test('schemaless is a DataError; nothing configured is a ConfigError', () => {
    const t = configured(new SetSchemaMetadataValue(), { 'schema.name': 'x' });
    assert.throws(() => t.apply(sink({ a: 1 })), /Schema required for \[updating schema metadata\]/);
    assert.throws(() => configured(new SetSchemaMetadataValue(), {}), /Neither schema name nor version configured/);
    assert.throws(() => configured(new SetSchemaMetadataValue(), { 'schema.version': 'x' }), ConfigError);
  });
});

describe('Flatten', () => {
  test('schemaless nested maps with a custom delimiter; arrays kept', () => {
    const t = configured(new FlattenValue(), { delimiter: '_' });
    const out = t.apply(sink({ a: 1, b: { c: 'x', d: { e: [1, 2] } }, n: null }));
    assert.deepEqual(out.value, { a: 1, b_c: 'x', b_d_e: [1, 2], n: null });
  });

  test('with schema: nested optionality and defaults propagate; null nested struct leaves nulls', () => {
    const inner = SchemaBuilder.struct().optional().field('x', Schemas.INT32).field('y', SchemaBuilder.string().defaultValue('dy').build()).build();
    const schema = SchemaBuilder.struct().name('Outer').field('id', Schemas.INT64).field('in', inner).field('tags', SchemaBuilder.array(Schemas.STRING).build()).build();
    const t = configured(new FlattenValue(), {});
    const v = new Struct(schema).put('id', 1).put('in', new Struct(inner).put('x', 5).put('y', 'yy')).put('tags', ['a']);
    const out = t.apply(sink(v, schema));
    const s = out.valueSchema!;
    assert.equal(s.name, 'Outer');
    assert.deepEqual(s.fields!.map((f) => [f.name, f.schema.type, f.schema.optional, f.schema.defaultValue]), [
      ['id', 'INT64', false, undefined], ['in.x', 'INT32', true, undefined], ['in.y', 'STRING', true, 'dy'], ['tags', 'ARRAY', false, undefined],
    ]);
    assert.deepEqual((out.value as Struct).values(), { id: 1, 'in.x': 5, 'in.y': 'yy', tags: ['a'] });
    const noInner = new Struct(schema).put('id', 2).put('tags', []);
    assert.deepEqual((t.apply(sink(noInner, schema)).value as Struct).values(), { id: 2, 'in.x': null, 'in.y': null, tags: [] });
  });

  test('MAP with schema is a DataError; tombstones pass', () => {
    const schema = SchemaBuilder.struct().field('m', SchemaBuilder.map(Schemas.STRING, Schemas.STRING).build()).build();
    const t = configured(new FlattenValue(), {});
    assert.throws(() => t.apply(sink(new Struct(schema).put('m', {}), schema)), /Flatten transformation does not support MAP for record with schemas \(for field m\)/);
    const r = sink(null);
    assert.equal(t.apply(r), r);
  });

  test('headers and other record fields are preserved', () => {
    const h = new Headers().addString('h', 'v');
    const t = configured(new FlattenValue(), {});
    const out = t.apply({ ...sink({ a: { b: 1 } }), headers: h });
    assert.equal(out.headers, h);
    assert.equal(out.kafkaOffset, 42);
  });
});
