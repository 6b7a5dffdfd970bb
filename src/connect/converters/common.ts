// Pieces shared by the converters: the converter.type key, error wording, byte views.
import { ConfigDef, NO_DEFAULT, Validators } from '../api/config-def.js';
import type { Schema } from '../api/data.js';
import { Decimal, Struct } from '../api/data.js';
import type { Props } from '../api/connector.js';
import { DataError } from '../api/errors.js';

export const CONVERTER_TYPE_CONFIG = 'converter.type';

/** Adds Connect's ConverterConfig key (set by the framework, not by users). */
export function defineConverterType(def: ConfigDef): ConfigDef {
  return def.define({
    name: CONVERTER_TYPE_CONFIG,
    type: 'STRING',
    defaultValue: NO_DEFAULT,
    validator: Validators.oneOf(['key', 'value', 'header']),
    importance: 'LOW',
    documentation: 'How this converter will be used.',
  });
}

/**
 * Props with converter.type filled in: configure(props, isKey) decides key/value; a header converter
 * is configured with configure(props) and defaults to "header".
 */
export function withConverterType(props: Props, isKey: boolean | undefined): Props {
  if (isKey !== undefined) return { ...props, [CONVERTER_TYPE_CONFIG]: isKey ? 'key' : 'value' };
  if (props[CONVERTER_TYPE_CONFIG] !== undefined) return props;
  return { ...props, [CONVERTER_TYPE_CONFIG]: 'header' };
}

export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Error for bytes a converter cannot read, worded as Connect's converters word it. */
export function deserializationError(topic: string, cause: unknown): DataError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new DataError(`Converting byte[] to Kafka Connect data failed due to serialization error of topic ${topic}: ${why}`, { cause });
}

/** A short description of a JS value's type for error messages. */
export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Buffer.isBuffer(v)) return 'Buffer';
  if (v instanceof Uint8Array) return 'Uint8Array';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Struct) return 'Struct';
  if (v instanceof Decimal) return 'Decimal';
  if (v instanceof Map) return 'Map';
  if (v instanceof Date) return 'Date';
  return typeof v === 'object' ? ((v as object).constructor?.name ?? 'object') : typeof v;
}

export function schemaLabel(schema: Schema): string {
  return schema.name ? `${schema.type} (${schema.name})` : schema.type;
}
