// Built-in converters and header converters, as registry entries. Classes that Connect lets serve
// both as a converter and as a header converter are listed once for each kind.
import type { PluginDescriptor, PluginKind } from '../api/connector.js';
import { BYTE_ARRAY_CONVERTER_CLASS, ByteArrayConverter } from './byte-array-converter.js';
import { JSON_CONVERTER_CLASS, JsonConverter } from './json-converter.js';
import {
  BooleanConverter, DoubleConverter, FloatConverter, IntegerConverter, LongConverter, ShortConverter,
} from './number-converters.js';
import { SIMPLE_HEADER_CONVERTER_CLASS, SimpleHeaderConverter } from './simple-header-converter.js';
import { STRING_CONVERTER_CLASS, StringConverter } from './string-converter.js';

export { JsonConverter, jsonConverterConfigDef, JSON_CONVERTER_CLASS } from './json-converter.js';
export { StringConverter, STRING_CONVERTER_CLASS } from './string-converter.js';
export { ByteArrayConverter, BYTE_ARRAY_CONVERTER_CLASS } from './byte-array-converter.js';
export { BooleanConverter, ShortConverter, IntegerConverter, LongConverter, FloatConverter, DoubleConverter } from './number-converters.js';
export { SimpleHeaderConverter, SIMPLE_HEADER_CONVERTER_CLASS } from './simple-header-converter.js';
export { parseValueString, valueToString } from '../api/values.js';

/** Simple class name, plus the name without its "Converter"/"HeaderConverter" suffix (Connect's pruned alias). */
function aliasesFor(className: string, kind: PluginKind): string[] {
  const simple = className.slice(className.lastIndexOf('.') + 1);
  const suffix = kind === 'header_converter' ? 'HeaderConverter' : 'Converter';
  const out = [simple];
  if (simple.endsWith(suffix) && simple.length > suffix.length) out.push(simple.slice(0, -suffix.length));
  return out;
}

function both(className: string, create: () => unknown): PluginDescriptor[] {
  return (['converter', 'header_converter'] as const).map((kind) => ({ className, kind, aliases: aliasesFor(className, kind), create }));
}

export const converterPlugins: PluginDescriptor[] = [
  ...both(JSON_CONVERTER_CLASS, () => new JsonConverter()),
  ...both(STRING_CONVERTER_CLASS, () => new StringConverter()),
  ...both(BYTE_ARRAY_CONVERTER_CLASS, () => new ByteArrayConverter()),
  ...both(BooleanConverter.CLASS, () => new BooleanConverter()),
  ...both(ShortConverter.CLASS, () => new ShortConverter()),
  ...both(IntegerConverter.CLASS, () => new IntegerConverter()),
  ...both(LongConverter.CLASS, () => new LongConverter()),
  ...both(FloatConverter.CLASS, () => new FloatConverter()),
  ...both(DoubleConverter.CLASS, () => new DoubleConverter()),
  {
    className: SIMPLE_HEADER_CONVERTER_CLASS,
    kind: 'header_converter',
    aliases: aliasesFor(SIMPLE_HEADER_CONVERTER_CLASS, 'header_converter'),
    create: () => new SimpleHeaderConverter(),
  },
];
