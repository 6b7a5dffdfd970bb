// SetSchemaMetadata$Key / SetSchemaMetadata$Value: overrides the schema name and/or version; a Struct
// value is rebuilt against the new schema so that value and schema stay consistent.
import { ConfigDef } from '../api/config-def.js';
import { ConfigError } from '../api/errors.js';
import { Struct, type Schema } from '../api/data.js';
import type { ConnectRecord } from '../api/records.js';
import type { Props } from '../api/connector.js';
import {
  BuiltinTransformation, KEY_SIDE, REPLACE_NULL_WITH_DEFAULT, REPLACE_NULL_WITH_DEFAULT_DOC, SchemaCache, VALUE_SIDE,
  fieldValue, requireSchema, type OperatingSide,
} from './util.js';

const PURPOSE = 'updating schema metadata';

export const SET_SCHEMA_METADATA_CONFIG_DEF = new ConfigDef()
  .define({ name: 'schema.name', type: 'STRING', defaultValue: null, importance: 'HIGH', documentation: 'Schema name to set.' })
  .define({ name: 'schema.version', type: 'INT', defaultValue: null, importance: 'HIGH', documentation: 'Schema version to set.' })
  .define({ name: REPLACE_NULL_WITH_DEFAULT, type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: REPLACE_NULL_WITH_DEFAULT_DOC });

export abstract class SetSchemaMetadata extends BuiltinTransformation {
  private schemaName: string | null = null;
  private schemaVersion: number | null = null;
  private replaceNullWithDefault = true;
  private readonly cache = new SchemaCache();

  constructor(private readonly side: OperatingSide) { super(); }

  config(): ConfigDef { return SET_SCHEMA_METADATA_CONFIG_DEF; }

  configure(props: Props): void {
    const c = SET_SCHEMA_METADATA_CONFIG_DEF.parse(props);
    this.schemaName = c['schema.name'] as string | null;
    this.schemaVersion = c['schema.version'] as number | null;
    if (this.schemaName === null && this.schemaVersion === null) throw new ConfigError('Neither schema name nor version configured');
    this.cache.clear();
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = requireSchema(this.side.schema(record), PURPOSE);
    const updated = this.cache.get(schema) ?? this.cache.set(schema, this.updatedSchema(schema));
    const value = this.side.value(record);
    if (value instanceof Struct) {
      const s = new Struct(updated);
      const inFields = value.schema.fields!;
      const outFields = updated.fields!;
      // The Struct's own schema normally is the record schema; copy by position when it is, by name otherwise.
      if (value.schema === schema) {
        for (let i = 0; i < inFields.length; i++) s.put(outFields[i]!, fieldValue(value, inFields[i]!, this.replaceNullWithDefault));
      } else {
        for (const f of inFields) s.put(f.name, fieldValue(value, f, this.replaceNullWithDefault));
      }
      return this.side.update(record, updated, s);
    }
    return this.side.update(record, updated, value);
  }

  private updatedSchema(schema: Schema): Schema {
    const s: { -readonly [K in keyof Schema]: Schema[K] } = { ...schema };
    if (this.schemaName !== null) s.name = this.schemaName;
    if (this.schemaVersion !== null) s.version = this.schemaVersion;
    return Object.freeze(s);
  }

  override close(): void { this.cache.clear(); }
}

export class SetSchemaMetadataKey extends SetSchemaMetadata { constructor() { super(KEY_SIDE); } }
export class SetSchemaMetadataValue extends SetSchemaMetadata { constructor() { super(VALUE_SIDE); } }
