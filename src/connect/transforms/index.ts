// Registry entries for the built-in SMTs and predicates, under Kafka Connect's class names, with the
// simple class name (e.g. "InsertField$Value", "RegexRouter") as alias.
import type { PluginDescriptor } from '../api/connector.js';
import { CastKey, CastValue } from './cast.js';
import { DropHeaders, HeaderFromKey, HeaderFromValue, InsertHeader } from './headers.js';
import { ExtractFieldKey, ExtractFieldValue } from './extract-field.js';
import { Filter } from './filter.js';
import { FlattenKey, FlattenValue } from './flatten.js';
import { HoistFieldKey, HoistFieldValue } from './hoist-field.js';
import { InsertFieldKey, InsertFieldValue } from './insert-field.js';
import { MaskFieldKey, MaskFieldValue } from './mask-field.js';
import { HasHeaderKey, RecordIsTombstone, TopicNameMatches } from './predicates.js';
import { RegexRouter, TimestampRouter } from './routers.js';
import { ReplaceFieldKey, ReplaceFieldValue } from './replace-field.js';
import { SetSchemaMetadataKey, SetSchemaMetadataValue } from './set-schema-metadata.js';
import { TimestampConverterKey, TimestampConverterValue } from './timestamp-converter.js';
import { ValueToKey } from './value-to-key.js';
import type { PluginResolver } from './chain.js';

/** Behaviour baseline: these plugins follow Kafka Connect 3.9's built-ins. */
export const BUILTIN_TRANSFORMS_VERSION = '3.9.0';

const TRANSFORMS_PACKAGE = 'org.apache.kafka.connect.transforms.';
const PREDICATES_PACKAGE = 'org.apache.kafka.connect.transforms.predicates.';

function descriptor(pkg: string, simpleName: string, kind: 'transformation' | 'predicate', ctor: new () => unknown): PluginDescriptor {
  return { className: pkg + simpleName, aliases: [simpleName], kind, version: BUILTIN_TRANSFORMS_VERSION, create: () => new ctor() };
}

const t = (name: string, ctor: new () => unknown) => descriptor(TRANSFORMS_PACKAGE, name, 'transformation', ctor);
const p = (name: string, ctor: new () => unknown) => descriptor(PREDICATES_PACKAGE, name, 'predicate', ctor);

export const transformPlugins: PluginDescriptor[] = [
  t('Cast$Key', CastKey), t('Cast$Value', CastValue),
  t('DropHeaders', DropHeaders),
  t('ExtractField$Key', ExtractFieldKey), t('ExtractField$Value', ExtractFieldValue),
  t('Filter', Filter),
  t('Flatten$Key', FlattenKey), t('Flatten$Value', FlattenValue),
  t('HeaderFrom$Key', HeaderFromKey), t('HeaderFrom$Value', HeaderFromValue),
  t('HoistField$Key', HoistFieldKey), t('HoistField$Value', HoistFieldValue),
  t('InsertField$Key', InsertFieldKey), t('InsertField$Value', InsertFieldValue),
  t('InsertHeader', InsertHeader),
  t('MaskField$Key', MaskFieldKey), t('MaskField$Value', MaskFieldValue),
  t('RegexRouter', RegexRouter),
  t('ReplaceField$Key', ReplaceFieldKey), t('ReplaceField$Value', ReplaceFieldValue),
  t('SetSchemaMetadata$Key', SetSchemaMetadataKey), t('SetSchemaMetadata$Value', SetSchemaMetadataValue),
  t('TimestampConverter$Key', TimestampConverterKey), t('TimestampConverter$Value', TimestampConverterValue),
  t('TimestampRouter', TimestampRouter),
  t('ValueToKey', ValueToKey),
];

export const predicatePlugins: PluginDescriptor[] = [
  p('HasHeaderKey', HasHeaderKey),
  p('RecordIsTombstone', RecordIsTombstone),
  p('TopicNameMatches', TopicNameMatches),
];

/**
 * A resolver over descriptor lists (class name or alias). The runtime normally passes its own
 * registry lookup to buildTransformationChain; this one serves tests and tools that only need built-ins.
 */
export function descriptorResolver(descriptors: readonly PluginDescriptor[] = [...transformPlugins, ...predicatePlugins]): PluginResolver {
  const byName = new Map<string, PluginDescriptor>();
  for (const d of descriptors) {
    byName.set(`${d.kind}:${d.className}`, d);
    for (const a of d.aliases ?? []) if (!byName.has(`${d.kind}:${a}`)) byName.set(`${d.kind}:${a}`, d);
  }
  return (className, kind) => byName.get(`${kind}:${className}`) ?? null;
}

export {
  buildTransformationChain, validateTransformations, transformationConfigDef, transformsConfigDef,
  TRANSFORMS_CONFIG, PREDICATES_CONFIG, TRANSFORMS_GROUP, PREDICATES_GROUP,
  type PluginResolver, type TransformationChain, type TransformationStage, type TransformsValidation, type ChainOptions,
} from './chain.js';
export { JavaDateFormat } from '../api/java-date-format.js';
export { compileJavaRegex, JavaReplacement } from '../api/java-regex.js';
