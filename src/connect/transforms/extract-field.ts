// ExtractField$Key / ExtractField$Value: replaces the key or value with one of its fields (nested
// with field.syntax.version=V2). Schemaless: a missing field gives null. With a schema: an unknown
// field is a DataError.
import { ConfigDef, NO_DEFAULT, Validators } from '../api/config-def.js';
import { DataError } from '../api/errors.js';
import type { ConnectRecord } from '../api/records.js';
import type { Props } from '../api/connector.js';
import {
  BuiltinTransformation, KEY_SIDE, REPLACE_NULL_WITH_DEFAULT, REPLACE_NULL_WITH_DEFAULT_DOC, VALUE_SIDE,
  requireMapOrNull, requireStructOrNull, type OperatingSide,
} from './util.js';
import { FIELD_SYNTAX_VERSION_CONFIG, FIELD_SYNTAX_VERSION_DOC, SingleFieldPath, type FieldSyntaxVersion } from './field-path.js';

const PURPOSE = 'field extraction';

export const EXTRACT_FIELD_CONFIG_DEF = new ConfigDef()
  .define({ name: 'field', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'MEDIUM', documentation: 'Field name to extract.' })
  .define({ name: FIELD_SYNTAX_VERSION_CONFIG, type: 'STRING', defaultValue: 'V1', importance: 'HIGH', validator: Validators.oneOf(['V1', 'V2']), documentation: FIELD_SYNTAX_VERSION_DOC })
  .define({ name: REPLACE_NULL_WITH_DEFAULT, type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: REPLACE_NULL_WITH_DEFAULT_DOC });

export abstract class ExtractField extends BuiltinTransformation {
  private path = new SingleFieldPath('', 'V1');
  private replaceNullWithDefault = true;

  constructor(private readonly side: OperatingSide) { super(); }

  config(): ConfigDef { return EXTRACT_FIELD_CONFIG_DEF; }

  configure(props: Props): void {
    const c = EXTRACT_FIELD_CONFIG_DEF.parse(props);
    const version = (c[FIELD_SYNTAX_VERSION_CONFIG] as string).toUpperCase() as FieldSyntaxVersion;
    this.path = new SingleFieldPath(c['field'] as string, version);
    this.replaceNullWithDefault = c[REPLACE_NULL_WITH_DEFAULT] as boolean;
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = this.side.schema(record);
    const value = this.side.value(record);
    if (schema === null) {
      const map = requireMapOrNull(value, PURPOSE);
      return this.side.update(record, null, map === null ? null : this.path.valueFromMap(map));
    }
    const struct = requireStructOrNull(value, PURPOSE);
    const field = this.path.fieldFrom(schema);
    if (!field) throw new DataError(`Unknown field: ${this.path.text}`);
    return this.side.update(record, field.schema, struct === null ? null : this.path.valueFromStruct(struct, this.replaceNullWithDefault));
  }
}

export class ExtractFieldKey extends ExtractField { constructor() { super(KEY_SIDE); } }
export class ExtractFieldValue extends ExtractField { constructor() { super(VALUE_SIDE); } }
