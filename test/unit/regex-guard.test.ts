// User regexes with nested repetition are refused when the configuration is read, before they can run on the
// event loop (JavaScript's engine backtracks: (a+)+$ on 30 characters takes seconds, on a topic name of 249 the
// age of the universe). Everything else a user writes in Connect and MM2 configs keeps working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertLinearRegex } from '../../src/connect/api/regex-guard.js';
import { ConfigDef, Validators } from '../../src/connect/api/config-def.js';
import { compileJavaRegex } from '../../src/connect/api/java-regex.js';
import { PatternList } from '../../src/connectors/mirror/filters.js';

const CATASTROPHIC = ['(a+)+b', '(\\w+\\.)*end', '(x|x?)*y', '^(([a-z])+.)+[A-Z]([a-z])+$'];
const FINE = ['.*', 'orders\\..*', '(orders|payments)-[0-9]+', 'topic-\\d{1,4}', '.*[\\-\\.]internal', '__.*', 'a{2,5}b+c*', '(?<=x)y+', '\\p{L}+'];

test('nested repetition is refused with a message that says why', () => {
  for (const p of CATASTROPHIC) assert.throws(() => assertLinearRegex(p), /exponential time.*nested repetition/, p);
  for (const p of FINE) assert.doesNotThrow(() => assertLinearRegex(p), p);
});

test('every place a user regex is compiled applies the guard', () => {
  // Connect ConfigDef regex validator (topics.regex) and full-match patterns.
  const def = new ConfigDef().define({ name: 'topics.regex', type: 'STRING', defaultValue: '', importance: 'HIGH', documentation: '', validator: Validators.regex() });
  const errors = (v: string) => def.validateAll({ 'topics.regex': v }).find((x) => x.definition.name === 'topics.regex')!.value.errors;
  assert.match(errors('(a+)+b').join(' '), /Invalid value \(a\+\)\+b for configuration topics\.regex: .*exponential time/);
  assert.deepEqual(errors('orders\\..*'), []);
  assert.throws(() => compileJavaRegex('(a+)+b', true), /exponential time/);
  // Java regexes of transforms and predicates (RegexRouter, TopicNameMatches).
  assert.throws(() => compileJavaRegex('(\\w+\\.)*end', true), /exponential time/);
  assert.ok(compileJavaRegex('(?i)orders.*', true).test('ORDERS-1'));
  // MM2 topic and group lists.
  assert.throws(() => new PatternList(['orders.*', '(a+)+b'], 'topics'), /Invalid value \(a\+\)\+b for configuration topics: .*exponential time/);
  assert.ok(new PatternList(['orders.*'], 'topics').matches('orders.eu'));
});
