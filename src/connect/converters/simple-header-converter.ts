// SimpleHeaderConverter (Connect's default header converter): header values as UTF-8 text, read
// back with the type inferred from the text (see api/values.ts).
import { ConfigDef } from '../api/config-def.js';
import type { HeaderConverter, Props, SchemaAndValue } from '../api/connector.js';
import { Schemas, type Schema } from '../api/data.js';
import { DataError } from '../api/errors.js';
import { toBuffer } from './common.js';
import { parseValueString, valueToString } from '../api/values.js';

export const SIMPLE_HEADER_CONVERTER_CLASS = 'org.apache.kafka.connect.storage.SimpleHeaderConverter';

export class SimpleHeaderConverter implements HeaderConverter {
  config(): ConfigDef {
    return new ConfigDef();
  }

  configure(_props: Props): void {
    // No settings.
  }

  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Buffer | null {
    if (value === null || value === undefined) return null;
    try {
      return Buffer.from(valueToString(schema, value), 'utf8');
    } catch (e) {
      throw new DataError(`Failed to serialize value for header '${headerKey}' on topic '${topic}': ${(e as Error).message}`, { cause: e });
    }
  }

  toConnectHeader(_topic: string, _headerKey: string, value: Buffer | null): SchemaAndValue {
    if (value === null || value === undefined) return { schema: null, value: null };
    const text = toBuffer(value).toString('utf8');
    if (text === '') return { schema: Schemas.STRING, value: text };
    return parseValueString(text);
  }
}
