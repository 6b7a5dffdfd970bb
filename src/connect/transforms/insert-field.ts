// InsertField$Key / InsertField$Value: adds record metadata (topic, partition, offset, timestamp)
// and/or a static string to a Struct or schemaless map.
import { ConfigDef } from '../api/config-def.js';
import { ConfigError } from '../api/errors.js';
import { LogicalSchemas, Schemas, Struct, type Schema } from '../api/data.js';
import type { ConnectRecord } from '../api/records.js';
import type { Props } from '../api/connector.js';
import {
  BuiltinTransformation, KEY_SIDE, REPLACE_NULL_WITH_DEFAULT, REPLACE_NULL_WITH_DEFAULT_DOC, SchemaCache, VALUE_SIDE,
  fieldValue, mapCopy, mapSet, requireMap, requireSinkRecord, requireStruct, structBuilderLike, type OperatingSide,
} from './util.js';

const PURPOSE = 'field insertion';
const OPTIONALITY_DOC = 'Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).';

export const INSERT_FIELD_CONFIG_DEF = new ConfigDef()
  .define({ name: 'topic.field', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: `Field name for Kafka topic. ${OPTIONALITY_DOC}` })
  .define({ name: 'partition.field', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: `Field name for Kafka partition. ${OPTIONALITY_DOC}` })
  .define({ name: 'offset.field', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: `Field name for Kafka offset - only applicable to sink connectors.<br/>${OPTIONALITY_DOC}` })
  .define({ name: 'timestamp.field', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: `Field name for record timestamp. ${OPTIONALITY_DOC}` })
  .define({ name: 'static.field', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: `Field name for static data field. ${OPTIONALITY_DOC}` })
  .define({ name: 'static.value', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: 'Static field value, if field name configured.' })
  .define({ name: REPLACE_NULL_WITH_DEFAULT, type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: REPLACE_NULL_WITH_DEFAULT_DOC });

interface InsertionSpec { name: string; optional: boolean }

/** "name!" = required, "name?" or "name" = optional. */
function parseSpec(spec: string | null): InsertionSpec | null {
  if (spec === null || spec === '') return null;
  const last = spec[spec.length - 1];
  if (last === '!') return { name: spec.slice(0, -1), optional: false };
  if (last === '?') return { name: spec.slice(0, -1), optional: true };
  return { name: spec, optional: true };
}

const OPTIONAL_TIMESTAMP = LogicalSchemas.timestamp().optional().build();
const REQUIRED_TIMESTAMP = LogicalSchemas.timestamp().build();

export abstract class InsertField extends BuiltinTransformation {
  private topic: InsertionSpec | null = null;
  private partition: InsertionSpec | null = null;
  private offset: InsertionSpec | null = null;
  private timestamp: InsertionSpec | null = null;
  private staticField: InsertionSpec | null = null;
  private staticValue: string | null = null;
  private replaceNullWithDefault = true;
  private readonly cache = new SchemaCache();

  constructor(private readonly side: OperatingSide) { super(); }

  config(): ConfigDef { return INSERT_FIELD_CONFIG_DEF; }

  configure(props: Props): void {
    const c = INSERT_FIELD_CONFIG_DEF.parse(props);
    this.topic = parseSpec(c['topic.field'] as string | null);
    this.partition = parseSpec(c['partition.field'] as string | null);
    this.offset = parseSpec(c['offset.field'] as string | null);
    this.timestamp = parseSpec(c['timestamp.field'] as string | null);
    this.staticField = parseSpec(c['static.field'] as string | null);
    this.staticValue = c['static.value'] as string | null;
    this.replaceNullWithDefault = c[REPLACE_NULL_WITH_DEFAULT] as boolean;
    if (!this.topic && !this.partition && !this.offset && !this.timestamp && !this.staticField) {
      throw new ConfigError('No field insertion configured');
    }
    if (this.staticField && this.staticValue === null) {
      throw new ConfigError(`No value specified for static field: ${this.staticField.name}`, { 'static.value': [`No value specified for static field: ${this.staticField.name}`] });
    }
    this.cache.clear();
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.side.value(record);
    // Tombstones pass through untouched so that deletes still reach compacted topics.
    if (value === null || value === undefined) return record;
    const schema = this.side.schema(record);
    return schema === null ? this.applySchemaless(record, value) : this.applyWithSchema(record, value);
  }

  private applySchemaless<R extends ConnectRecord>(record: R, value: unknown): R {
    const updated = mapCopy(requireMap(value, PURPOSE));
    if (this.topic) mapSet(updated, this.topic.name, record.topic);
    if (this.partition) mapSet(updated, this.partition.name, record.kafkaPartition);
    if (this.offset) mapSet(updated, this.offset.name, requireSinkRecord(record, PURPOSE).kafkaOffset);
    if (this.timestamp) mapSet(updated, this.timestamp.name, record.timestamp);
    if (this.staticField) mapSet(updated, this.staticField.name, this.staticValue);
    return this.side.update(record, null, updated);
  }

  private applyWithSchema<R extends ConnectRecord>(record: R, value: unknown): R {
    const struct = requireStruct(value, PURPOSE);
    const updatedSchema = this.cache.get(struct.schema) ?? this.cache.set(struct.schema, this.makeUpdatedSchema(struct.schema));
    const updated = new Struct(updatedSchema);
    const inFields = struct.schema.fields!;
    const out = updatedSchema.fields!;
    for (let i = 0; i < inFields.length; i++) updated.put(out[i]!, fieldValue(struct, inFields[i]!, this.replaceNullWithDefault));
    // Inserted fields follow the original ones, in this fixed order.
    let i = inFields.length;
    if (this.topic) updated.put(out[i++]!, record.topic);
    if (this.partition) updated.put(out[i++]!, record.kafkaPartition);
    if (this.offset) updated.put(out[i++]!, requireSinkRecord(record, PURPOSE).kafkaOffset);
    if (this.timestamp) updated.put(out[i++]!, record.timestamp === null ? null : new Date(record.timestamp));
    if (this.staticField) updated.put(out[i]!, this.staticValue);
    return this.side.update(record, updatedSchema, updated);
  }

  private makeUpdatedSchema(schema: Schema): Schema {
    const b = structBuilderLike(schema);
    for (const f of schema.fields!) b.field(f.name, f.schema);
    if (this.topic) b.field(this.topic.name, this.topic.optional ? Schemas.OPTIONAL_STRING : Schemas.STRING);
    if (this.partition) b.field(this.partition.name, this.partition.optional ? Schemas.OPTIONAL_INT32 : Schemas.INT32);
    if (this.offset) b.field(this.offset.name, this.offset.optional ? Schemas.OPTIONAL_INT64 : Schemas.INT64);
    if (this.timestamp) b.field(this.timestamp.name, this.timestamp.optional ? OPTIONAL_TIMESTAMP : REQUIRED_TIMESTAMP);
    if (this.staticField) b.field(this.staticField.name, this.staticField.optional ? Schemas.OPTIONAL_STRING : Schemas.STRING);
    return b.build();
  }

  override close(): void { this.cache.clear(); }
}

export class InsertFieldKey extends InsertField { constructor() { super(KEY_SIDE); } }
export class InsertFieldValue extends InsertField { constructor() { super(VALUE_SIDE); } }
