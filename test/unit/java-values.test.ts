// Pins connect/api/values.ts to what Java prints: Double.toString, Float.toString, BigDecimal.toString,
// Values.dateFormatFor / convertToString, and the converters and transforms that use them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal, LogicalSchemas, SchemaBuilder, Schemas, Struct } from '../../src/connect/api/index.js';
import {
  castToString, formatTemporal, javaBigDecimalToString, shortestFloat, javaDoubleToString, javaFloatToString, javaToString, valueToString,
} from '../../src/connect/api/values.js';
import { castValue } from '../../src/connect/transforms/cast.js';
import { JsonConverter } from '../../src/connect/converters/json-converter.js';
import { StringConverter } from '../../src/connect/converters/string-converter.js';

describe('Double.toString', () => {
  const cases: [number, string][] = [
    [1e7, '1.0E7'], [1e-4, '1.0E-4'], [0.001, '0.001'], [1234567.0, '1234567.0'], [100.0, '100.0'],
    [1, '1.0'], [-0.001, '-0.001'], [9999999.0, '9999999.0'], [12345678.9, '1.23456789E7'], [1.234e-5, '1.234E-5'],
    [1.5e-7, '1.5E-7'], [1e21, '1.0E21'], [-1e21, '-1.0E21'], [1.7976931348623157e308, '1.7976931348623157E308'],
    [5e-324, '4.9E-324'], [0.1, '0.1'], [0.1 + 0.2, '0.30000000000000004'], [123.456, '123.456'], [-2.5e10, '-2.5E10'],
    [0, '0.0'], [-0, '-0.0'], [Number.NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'],
  ];
  for (const [v, want] of cases) it(`${want}`, () => assert.equal(javaDoubleToString(v), want));
});

describe('Float.toString', () => {
  const cases: [number, string][] = [
    [1.1, '1.1'], [0.1, '0.1'], [3.14159, '3.14159'], [2, '2.0'], [16777216, '1.6777216E7'], [1e7, '1.0E7'],
    [1234567, '1234567.0'], [3.4028235e38, '3.4028235E38'], [1e-4, '1.0E-4'], [0.001, '0.001'], [1.4e-45, '1.4E-45'],
    [-0, '-0.0'], [0, '0.0'], [Number.NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'],
  ];
  for (const [v, want] of cases) it(`${want}`, () => assert.equal(javaFloatToString(Math.fround(v)), want));
});

describe('shortestFloat (JDBC REAL values)', () => {
  it('is the number of the digits Float.toString prints', () => {
    assert.equal(shortestFloat(1.100000023841858), 1.1);
    assert.equal(shortestFloat(Math.fround(3.14159)), 3.14159);
    assert.equal(shortestFloat(16777217), 16777216);
    assert.ok(Object.is(shortestFloat(-0), -0));
    assert.ok(Number.isNaN(shortestFloat(Number.NaN)));
  });
});

describe('BigDecimal.toString', () => {
  it('switches to scientific notation where Java does', () => {
    assert.equal(javaBigDecimalToString(new Decimal(1n, 8)), '1E-8');
    assert.equal(javaBigDecimalToString(new Decimal(1n, 6)), '0.000001');
    assert.equal(javaBigDecimalToString(new Decimal(-12345n, 3)), '-12.345');
    assert.equal(javaBigDecimalToString(new Decimal(5n, -2)), '5E+2');
    assert.equal(javaBigDecimalToString(new Decimal(123n, 0)), '123');
  });
});

describe('Values.dateFormatFor', () => {
  it('picks time, date or timestamp from the value', () => {
    assert.equal(formatTemporal(new Date(3_723_004)), '01:02:03.004Z');
    assert.equal(formatTemporal(new Date(Date.UTC(2024, 0, 2))), '2024-01-02');
    assert.equal(formatTemporal(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6))), '2024-01-02T03:04:05.006Z');
    // Java compares getTime() < one day, so an instant before the epoch prints as a time of day.
    assert.equal(formatTemporal(new Date(-3_600_000)), '23:00:00.000Z');
  });
});

describe('one number text for every caller', () => {
  const doubles = SchemaBuilder.struct().field('d', Schemas.FLOAT64).field('f', Schemas.FLOAT32).build();

  it('Cast to string', () => {
    assert.equal(castValue(Schemas.FLOAT64, 1e7, 'STRING'), '1.0E7');
    assert.equal(castValue(Schemas.FLOAT64, 100, 'STRING'), '100.0');
    assert.equal(castValue(Schemas.FLOAT32, Math.fround(1.1), 'STRING'), '1.1');
    assert.equal(castValue(LogicalSchemas.timestamp().build(), new Date(Date.UTC(2024, 0, 2)), 'STRING'), '2024-01-02');
    assert.equal(castToString(Schemas.BYTES, new Uint8Array([1, 2, 3])), 'AQID');
  });

  it('StringConverter', () => {
    const c = new StringConverter();
    c.configure({}, false);
    const text = (schema: Parameters<typeof c.fromConnectData>[2], v: unknown) => Buffer.from(c.fromConnectData('t', null, schema, v)!).toString();
    assert.equal(text(Schemas.FLOAT64, 1e7), '1.0E7');
    assert.equal(text(Schemas.FLOAT64, 1e-4), '1.0E-4');
    assert.equal(text(Schemas.FLOAT32, Math.fround(1.1)), '1.1');
    assert.equal(text(doubles, new Struct(doubles).put('d', 1e7).put('f', Math.fround(0.5))), 'Struct{d=1.0E7,f=0.5}');
  });

  it('Values.convertToString and toString of collections', () => {
    const arr = SchemaBuilder.array(Schemas.FLOAT64).build();
    assert.equal(valueToString(arr, [1e7, 0.5, 100]), '[1.0E7,0.5,100.0]');
    assert.equal(javaToString(arr, [1e7, 0.5]), '[1.0E7, 0.5]');
    assert.equal(valueToString(null, new Decimal(1n, 8)), '1E-8');
    assert.equal(javaToString(SchemaBuilder.map(Schemas.STRING, Schemas.FLOAT64).build(), { a: 1e-4 }), '{a=1.0E-4}');
  });

  it('JsonConverter writes numbers as Jackson does', () => {
    const c = new JsonConverter();
    c.configure({ 'schemas.enable': 'false' }, false);
    const json = (schema: Parameters<typeof c.fromConnectData>[2], v: unknown) => Buffer.from(c.fromConnectData('t', null, schema, v)!).toString();
    assert.equal(json(Schemas.FLOAT64, 1e7), '1.0E7');
    assert.equal(json(Schemas.FLOAT64, 2.5), '2.5');
    assert.equal(json(Schemas.FLOAT32, Math.fround(1.1)), '1.1');
  });
});
