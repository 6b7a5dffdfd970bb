// ByteArrayConverter: raw bytes through unchanged; only BYTES (or no) schema is accepted on write.
import { AbstractConfig, ConfigDef } from '../api/config-def.js';
import type { Converter, HeaderConverter, Props, SchemaAndValue } from '../api/connector.js';
import { Schemas, type Schema } from '../api/data.js';
import { DataError } from '../api/errors.js';
import type { Headers } from '../api/records.js';
import { defineConverterType, toBuffer, typeOf, withConverterType } from './common.js';

export const BYTE_ARRAY_CONVERTER_CLASS = 'org.apache.kafka.connect.converters.ByteArrayConverter';

export function byteArrayConverterConfigDef(): ConfigDef {
  return defineConverterType(new ConfigDef());
}

const CONFIG_DEF = byteArrayConverterConfigDef();

export class ByteArrayConverter implements Converter, HeaderConverter {
  config(): ConfigDef {
    return byteArrayConverterConfigDef();
  }

  configure(props: Props, isKey?: boolean): void {
    new AbstractConfig(CONFIG_DEF, withConverterType(props, isKey));
  }

  fromConnectData(_topic: string, _headers: Headers | null, schema: Schema | null, value: unknown): Buffer | null {
    if (schema !== null && schema.type !== 'BYTES') throw new DataError(`Invalid schema type for ByteArrayConverter: ${schema.type}`);
    if (value === null || value === undefined) return null;
    if (!(value instanceof Uint8Array)) throw new DataError(`ByteArrayConverter is not compatible with objects of type ${typeOf(value)}`);
    return toBuffer(value);
  }

  toConnectData(_topic: string, _headers: Headers | null, value: Buffer | null): SchemaAndValue {
    return { schema: Schemas.OPTIONAL_BYTES, value: value ?? null };
  }

  fromConnectHeader(topic: string, _headerKey: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, null, schema, value);
  }

  toConnectHeader(topic: string, _headerKey: string, value: Buffer | null): SchemaAndValue {
    return this.toConnectData(topic, null, value);
  }
}
