// HoistField$Key / HoistField$Value: wraps the whole key or value in a single-field Struct (with a
// schema) or a single-entry map (schemaless).
import { ConfigDef, NO_DEFAULT } from '../api/config-def.js';
import { SchemaBuilder, Struct } from '../api/data.js';
import type { ConnectRecord } from '../api/records.js';
import type { Props } from '../api/connector.js';
import { BuiltinTransformation, KEY_SIDE, SchemaCache, VALUE_SIDE, setProp, type OperatingSide } from './util.js';

export const HOIST_FIELD_CONFIG_DEF = new ConfigDef()
  .define({ name: 'field', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'MEDIUM', documentation: 'Field name for the single field that will be created in the resulting Struct or Map.' });

export abstract class HoistField extends BuiltinTransformation {
  private field = '';
  private readonly cache = new SchemaCache();

  constructor(private readonly side: OperatingSide) { super(); }

  config(): ConfigDef { return HOIST_FIELD_CONFIG_DEF; }

  configure(props: Props): void {
    this.field = HOIST_FIELD_CONFIG_DEF.parse(props)['field'] as string;
    this.cache.clear();
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = this.side.schema(record);
    const value = this.side.value(record) ?? null;
    if (schema === null) {
      const wrapped: Record<string, unknown> = {};
      setProp(wrapped, this.field, value);
      return this.side.update(record, null, wrapped);
    }
    const updatedSchema = this.cache.get(schema) ?? this.cache.set(schema, SchemaBuilder.struct().field(this.field, schema).build());
    return this.side.update(record, updatedSchema, new Struct(updatedSchema).put(this.field, value));
  }

  override close(): void { this.cache.clear(); }
}

export class HoistFieldKey extends HoistField { constructor() { super(KEY_SIDE); } }
export class HoistFieldValue extends HoistField { constructor() { super(VALUE_SIDE); } }
