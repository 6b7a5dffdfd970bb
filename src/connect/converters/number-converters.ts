// Boolean/Short/Integer/Long/Float/Double converters: fixed-width big-endian encodings, as Kafka's
// BooleanSerializer, ShortSerializer, IntegerSerializer, LongSerializer, FloatSerializer, DoubleSerializer.
import { AbstractConfig, ConfigDef } from '../api/config-def.js';
import type { Converter, HeaderConverter, Props, SchemaAndValue } from '../api/connector.js';
import { Schemas, type Schema } from '../api/data.js';
import { DataError } from '../api/errors.js';
import type { Headers } from '../api/records.js';
import { defineConverterType, toBuffer, typeOf, withConverterType } from './common.js';

const PACKAGE = 'org.apache.kafka.connect.converters.';

export function numberConverterConfigDef(): ConfigDef {
  return defineConverterType(new ConfigDef());
}

const CONFIG_DEF = numberConverterConfigDef();

/** Thrown by a codec for a value it cannot encode; reworded by the converter. */
class EncodeError extends Error {}

abstract class NumberConverter implements Converter, HeaderConverter {
  protected constructor(
    /** Connect's type name in messages (e.g. "integer"). */
    private readonly typeName: string,
    private readonly deserializer: string,
    readonly schema: Schema,
    private readonly size: number,
  ) {}

  protected abstract encode(value: unknown): Buffer;
  protected abstract decode(bytes: Buffer): unknown;

  config(): ConfigDef {
    return numberConverterConfigDef();
  }

  configure(props: Props, isKey?: boolean): void {
    new AbstractConfig(CONFIG_DEF, withConverterType(props, isKey));
  }

  fromConnectData(_topic: string, _headers: Headers | null, _schema: Schema | null, value: unknown): Buffer | null {
    if (value === null || value === undefined) return null;
    try {
      return this.encode(value);
    } catch (e) {
      if (!(e instanceof EncodeError)) throw e;
      throw new DataError(`Failed to serialize to ${this.typeName} (was ${typeOf(value)}${typeof value === 'number' || typeof value === 'bigint' ? ` ${value}` : ''}): ${e.message}`, { cause: e });
    }
  }

  toConnectData(_topic: string, _headers: Headers | null, value: Buffer | null): SchemaAndValue {
    if (value === null || value === undefined) return { schema: this.schema, value: null };
    const bytes = toBuffer(value);
    if (bytes.length !== this.size) {
      throw new DataError(`Failed to deserialize ${this.typeName}: Size of data received by ${this.deserializer} is not ${this.size}`);
    }
    return { schema: this.schema, value: this.decode(bytes) };
  }

  fromConnectHeader(topic: string, _headerKey: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, null, schema, value);
  }

  toConnectHeader(topic: string, _headerKey: string, value: Buffer | null): SchemaAndValue {
    return this.toConnectData(topic, null, value);
  }
}

function integer(value: unknown, min: number, max: number): number {
  if (typeof value === 'bigint') value = Number(value);
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new EncodeError('value is not an integer');
  if (value < min || value > max) throw new EncodeError(`value is out of range [${min}, ${max}]`);
  return value;
}

export class BooleanConverter extends NumberConverter {
  static readonly CLASS = PACKAGE + 'BooleanConverter';
  constructor() { super('boolean', 'BooleanDeserializer', Schemas.OPTIONAL_BOOLEAN, 1); }
  protected encode(value: unknown): Buffer {
    if (typeof value !== 'boolean') throw new EncodeError('value is not a boolean');
    return Buffer.from([value ? 1 : 0]);
  }
  protected decode(bytes: Buffer): unknown {
    const b = bytes[0];
    if (b === 0) return false;
    if (b === 1) return true;
    throw new DataError(`Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: ${b}`);
  }
}

export class ShortConverter extends NumberConverter {
  static readonly CLASS = PACKAGE + 'ShortConverter';
  constructor() { super('short', 'ShortDeserializer', Schemas.OPTIONAL_INT16, 2); }
  protected encode(value: unknown): Buffer {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(integer(value, -32768, 32767));
    return b;
  }
  protected decode(bytes: Buffer): unknown { return bytes.readInt16BE(0); }
}

export class IntegerConverter extends NumberConverter {
  static readonly CLASS = PACKAGE + 'IntegerConverter';
  constructor() { super('integer', 'IntegerDeserializer', Schemas.OPTIONAL_INT32, 4); }
  protected encode(value: unknown): Buffer {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(integer(value, -2147483648, 2147483647));
    return b;
  }
  protected decode(bytes: Buffer): unknown { return bytes.readInt32BE(0); }
}

const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;

export class LongConverter extends NumberConverter {
  static readonly CLASS = PACKAGE + 'LongConverter';
  constructor() { super('long', 'LongDeserializer', Schemas.OPTIONAL_INT64, 8); }
  protected encode(value: unknown): Buffer {
    let v: bigint;
    if (typeof value === 'bigint') v = value;
    else if (typeof value === 'number' && Number.isInteger(value)) v = BigInt(value);
    else throw new EncodeError('value is not an integer');
    if (v < LONG_MIN || v > LONG_MAX) throw new EncodeError('value is out of the 64-bit range');
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(v);
    return b;
  }
  protected decode(bytes: Buffer): unknown {
    const v = bytes.readBigInt64BE(0);
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v;
  }
}

export class FloatConverter extends NumberConverter {
  static readonly CLASS = PACKAGE + 'FloatConverter';
  constructor() { super('float', 'FloatDeserializer', Schemas.OPTIONAL_FLOAT32, 4); }
  protected encode(value: unknown): Buffer {
    if (typeof value !== 'number') throw new EncodeError('value is not a number');
    const b = Buffer.allocUnsafe(4);
    b.writeFloatBE(value);
    return b;
  }
  protected decode(bytes: Buffer): unknown { return bytes.readFloatBE(0); }
}

export class DoubleConverter extends NumberConverter {
  static readonly CLASS = PACKAGE + 'DoubleConverter';
  constructor() { super('double', 'DoubleDeserializer', Schemas.OPTIONAL_FLOAT64, 8); }
  protected encode(value: unknown): Buffer {
    if (typeof value !== 'number') throw new EncodeError('value is not a number');
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleBE(value);
    return b;
  }
  protected decode(bytes: Buffer): unknown { return bytes.readDoubleBE(0); }
}
