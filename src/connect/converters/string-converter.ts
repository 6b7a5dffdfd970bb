// StringConverter: values as text in a configurable charset; reads always give an optional STRING.
import { AbstractConfig, ConfigDef } from '../api/config-def.js';
import type { Converter, HeaderConverter, Props, SchemaAndValue } from '../api/connector.js';
import { Schemas, type Schema } from '../api/data.js';
import type { Headers } from '../api/records.js';
import { charsetFor, type Charset } from './charsets.js';
import { defineConverterType, toBuffer, withConverterType } from './common.js';
import { javaToString } from '../api/values.js';

export const STRING_CONVERTER_CLASS = 'org.apache.kafka.connect.storage.StringConverter';
export const ENCODING_CONFIG = 'converter.encoding';

export function stringConverterConfigDef(): ConfigDef {
  return defineConverterType(new ConfigDef().define({
    name: ENCODING_CONFIG, type: 'STRING', defaultValue: 'UTF-8', importance: 'HIGH',
    documentation: 'The name of the Java character set to use for encoding strings as byte arrays.',
    group: 'Converter', orderInGroup: 1, width: 'MEDIUM', displayName: 'Encoding',
    validator: (name, value) => {
      try { charsetFor(String(value), name); } catch (e) { return (e as Error).message; }
    },
  }));
}

const CONFIG_DEF = stringConverterConfigDef();

export class StringConverter implements Converter, HeaderConverter {
  private charset: Charset = charsetFor('UTF-8');

  config(): ConfigDef {
    return stringConverterConfigDef();
  }

  configure(props: Props, isKey?: boolean): void {
    const cfg = new AbstractConfig(CONFIG_DEF, withConverterType(props, isKey));
    this.charset = charsetFor(cfg.getString(ENCODING_CONFIG), ENCODING_CONFIG);
  }

  fromConnectData(_topic: string, _headers: Headers | null, schema: Schema | null, value: unknown): Buffer | null {
    if (value === null || value === undefined) return null;
    return this.charset.encode(typeof value === 'string' ? value : javaToString(schema, value));
  }

  toConnectData(_topic: string, _headers: Headers | null, value: Buffer | null): SchemaAndValue {
    return { schema: Schemas.OPTIONAL_STRING, value: value === null || value === undefined ? null : this.charset.decode(toBuffer(value)) };
  }

  fromConnectHeader(topic: string, _headerKey: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, null, schema, value);
  }

  toConnectHeader(topic: string, _headerKey: string, value: Buffer | null): SchemaAndValue {
    return this.toConnectData(topic, null, value);
  }
}
