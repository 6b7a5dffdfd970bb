import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataError, LOGICAL, SchemaBuilder, Schemas, Struct, type Schema } from '../../src/connect/api/index.js';
import { Headers, sinkRecord, sourceRecord } from '../../src/connect/api/records.js';
import { RegexRouter } from '../../src/connect/transforms/routers.js';
import { Filter } from '../../src/connect/transforms/filter.js';
import { DropHeaders, HeaderFromKey, HeaderFromValue, InsertHeader } from '../../src/connect/transforms/headers.js';
import { HasHeaderKey, RecordIsTombstone, TopicNameMatches } from '../../src/connect/transforms/predicates.js';
import { JavaReplacement, compileJavaRegex, replaceFirst } from '../../src/connect/api/java-regex.js';
import { parseValueString } from '../../src/connect/api/values.js';

const rec = (topic: string, value: unknown = 'v', valueSchema: Schema | null = null, headers = new Headers()) =>
  sinkRecord({ topic, kafkaPartition: 0, kafkaOffset: 1, value, valueSchema, headers });

function router(regex: string, replacement: string): RegexRouter {
  const r = new RegexRouter();
  r.configure({ regex, replacement });
  return r;
}

describe('Java regex translation', () => {
  test('replacement syntax', () => {
    const re = compileJavaRegex('(?<name>[a-z]+)-(\\d)(\\d)?');
    const repl = (s: string) => replaceFirst('xx abc-12 abc-3', re, new JavaReplacement(s, re));
    assert.equal(repl('$1'), 'xx abc abc-3', 'named groups are numbered too');
    assert.equal(repl('${name}.$2$3'), 'xx abc.12 abc-3');
    assert.equal(repl('\\$0=$0'), 'xx $0=abc-12 abc-3');
    assert.equal(repl('$12'), 'xx abc2 abc-3', '$12 is group 1 then "2" when there is no group 12');
    assert.throws(() => new JavaReplacement('$9', re), /No group 9/);
    assert.throws(() => new JavaReplacement('$x', re), /Illegal group reference/);
    assert.throws(() => new JavaReplacement('${nope}', re), /No group with name/);
    assert.throws(() => new JavaReplacement('abc\\', re), /character to be escaped is missing/);
  });

  test('Java-only constructs are translated or rejected', () => {
    assert.ok(compileJavaRegex('(?i)^ORDERS$').test('orders'));
    assert.ok(compileJavaRegex('\\Qa.b\\E', true).test('a.b'));
    assert.ok(!compileJavaRegex('\\Qa.b\\E', true).test('axb'));
    assert.ok(compileJavaRegex('\\p{Alpha}+\\p{Digit}', true).test('abc1'));
    assert.ok(compileJavaRegex('\\Aab\\z').test('ab'));
    assert.ok(compileJavaRegex('[\\p{Lower}_]+', true).test('a_b'));
    assert.ok(compileJavaRegex('\\p{L}+', true).test('Ærø'));
    assert.ok(compileJavaRegex('a\\hb', true).test('a\u00A0b'));
    assert.throws(() => compileJavaRegex('a++'), /possessive/);
    assert.throws(() => compileJavaRegex('(?>a)'), /atomic/);
    assert.throws(() => compileJavaRegex('a(?i)b'), /inline flags/);
    assert.throws(() => compileJavaRegex('[a-z&&[^e]]'), /nested|intersection/);
  });
});

describe('RegexRouter', () => {
  test('rewrites topics that fully match', () => {
    const r = router('(.*)-(\\d+)', 'mirror.$1.p$2');
    assert.equal(r.apply(rec('orders-7')).topic, 'mirror.orders.p7');
    assert.equal(r.apply(rec('orders-7')).topic, 'mirror.orders.p7', 'memoised answer');
    const unmatched = rec('orders');
    assert.equal(r.apply(unmatched), unmatched, 'no match returns the same record');
  });

  test('requires a full match, then replaces the first match like Java', () => {
    assert.equal(router('ord', 'x').apply(rec('orders')).topic, 'orders');
    // matches() succeeds via backtracking on "ab", but replaceFirst's first match is "a".
    assert.equal(router('a|ab', 'X').apply(rec('ab')).topic, 'Xb');
  });

  test('keeps other record fields', () => {
    const r = router('src\\.(.*)', '$1');
    const out = r.apply(sourceRecord({ topic: 'src.t', value: 1, sourcePartition: { p: 1 }, sourceOffset: { o: 2 } }));
    assert.equal(out.topic, 't');
    assert.deepEqual(out.sourceOffset, { o: 2 });
  });

  test('config errors', () => {
    assert.throws(() => router('(', 'x'), (e: unknown) => e instanceof ConfigError && /regex/.test(e.message));
    assert.throws(() => router('(a)', '$2'), /No group 2/);
    assert.throws(() => new RegexRouter().configure({ regex: 'a' }), /Missing required configuration "replacement"/);
  });
});

describe('Filter', () => {
  test('drops every record', () => {
    const f = new Filter();
    f.configure({});
    assert.equal(f.apply(rec('t')), null);
    assert.equal(f.config().configKeys().length, 0);
  });
});

describe('InsertHeader', () => {
  test('adds a typed header to a copy of the headers', () => {
    const h = new Headers().addString('a', '1');
    const t = new InsertHeader();
    t.configure({ header: 'version', 'value.literal': '42' });
    const out = t.apply(rec('t', 'v', null, h));
    assert.equal(h.size, 1, 'input headers untouched');
    const added = out.headers.lastWithName('version')!;
    assert.equal(added.value, 42);
    assert.equal(added.schema!.type, 'INT8');
    assert.equal(out.headers.size, 2);
  });

  test('literal parsing', () => {
    assert.deepEqual(parseValueString('hello world'), { schema: Schemas.STRING, value: 'hello world' });
    assert.deepEqual(parseValueString('true'), { schema: Schemas.BOOLEAN, value: true });
    assert.deepEqual(parseValueString('40000'), { schema: Schemas.INT32, value: 40000 });
    assert.deepEqual(parseValueString('9007199254740993'), { schema: Schemas.INT64, value: 9007199254740993n });
    assert.deepEqual(parseValueString('1.5'), { schema: Schemas.FLOAT32, value: 1.5 });
    assert.equal(parseValueString('2024-01-02').schema!.name, LOGICAL.DATE);
    assert.equal(parseValueString('2024-01-02T03:04:05.006Z').schema!.name, LOGICAL.TIMESTAMP);
    assert.deepEqual(parseValueString('null'), { schema: null, value: null });
  });

  test('both keys are required', () => {
    assert.throws(() => new InsertHeader().configure({ header: 'h' }), /value.literal/);
  });
});

describe('DropHeaders', () => {
  test('removes all headers with the listed keys, keeps order of the rest', () => {
    const h = new Headers().addString('a', '1').addString('b', '2').addString('a', '3').addString('c', '4');
    const t = new DropHeaders();
    t.configure({ headers: 'a,c' });
    const out = t.apply(rec('t', 'v', null, h));
    assert.deepEqual(out.headers.toArray().map((x) => x.key), ['b']);
    assert.equal(h.size, 4);
    const none = rec('t', 'v', null, new Headers().addString('z', '1'));
    assert.equal(t.apply(none), none);
    assert.throws(() => new DropHeaders().configure({ headers: '' }), /Empty list/);
  });
});

describe('HeaderFrom', () => {
  const schema = SchemaBuilder.struct().field('id', Schemas.INT32).field('tenant', Schemas.STRING).field('body', Schemas.OPTIONAL_STRING).build();
  const value = () => new Struct(schema).put('id', 1).put('tenant', 'acme').put('body', 'hi');

  test('copy with schema keeps the value and adds typed headers', () => {
    const t = new HeaderFromValue();
    t.configure({ fields: 'tenant,id', headers: 'x-tenant,x-id', operation: 'copy' });
    const v = value();
    const out = t.apply(rec('t', v, schema));
    assert.equal(out.value, v);
    assert.deepEqual(out.headers.toArray().map((h) => [h.key, h.value, h.schema?.type]), [['x-tenant', 'acme', 'STRING'], ['x-id', 1, 'INT32']]);
  });

  test('move with schema removes the fields', () => {
    const t = new HeaderFromValue();
    t.configure({ fields: 'tenant', headers: 'tenant', operation: 'move' });
    const out = t.apply(rec('t', value(), schema));
    assert.deepEqual(out.valueSchema!.fields!.map((f) => f.name), ['id', 'body']);
    assert.deepEqual((out.value as Struct).values(), { id: 1, body: 'hi' });
    assert.equal(out.headers.lastWithName('tenant')!.value, 'acme');
  });

  test('schemaless move and copy on the key', () => {
    const t = new HeaderFromKey();
    t.configure({ fields: 'k,missing', headers: 'hk,hm', operation: 'move' });
    const key = { k: 'v1', other: 2 };
    const out = t.apply({ ...rec('t'), key });
    assert.deepEqual(out.key, { other: 2 });
    assert.deepEqual(key, { k: 'v1', other: 2 });
    assert.deepEqual(out.headers.toArray().map((h) => [h.key, h.value]), [['hk', 'v1'], ['hm', null]]);
  });

  test('errors', () => {
    assert.throws(() => new HeaderFromValue().configure({ fields: 'a,b', headers: 'a', operation: 'copy' }), /same number of elements/);
    assert.throws(() => new HeaderFromValue().configure({ fields: 'a', headers: 'a', operation: 'steal' }), /must be one of: move, copy/);
    const t = new HeaderFromValue();
    t.configure({ fields: 'nope', headers: 'h', operation: 'copy' });
    assert.throws(() => t.apply(rec('t', value(), schema)), DataError);
    assert.throws(() => t.apply(rec('t', 'str')), /Only Map objects supported/);
  });
});

describe('Predicates', () => {
  test('TopicNameMatches uses full matches', () => {
    const p = new TopicNameMatches();
    p.configure({ pattern: 'orders-.*' });
    assert.equal(p.test(rec('orders-eu')), true);
    assert.equal(p.test(rec('old-orders-eu')), false);
    assert.throws(() => new TopicNameMatches().configure({ pattern: '' }), /must be non-empty/);
    assert.throws(() => new TopicNameMatches().configure({ pattern: '[' }), ConfigError);
    assert.throws(() => new TopicNameMatches().configure({}), /Missing required configuration "pattern"/);
  });

  test('HasHeaderKey', () => {
    const p = new HasHeaderKey();
    p.configure({ name: 'trace' });
    assert.equal(p.test(rec('t', 'v', null, new Headers().addString('trace', null))), true);
    assert.equal(p.test(rec('t')), false);
  });

  test('RecordIsTombstone', () => {
    const p = new RecordIsTombstone();
    p.configure({});
    assert.equal(p.test(rec('t', null)), true);
    assert.equal(p.test(rec('t', 'v')), false);
  });
});
