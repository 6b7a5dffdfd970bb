// MaskField$Key / MaskField$Value: replaces field values with the type's "empty" value (0, false, "",
// epoch, empty list/map) or with a configured replacement for numeric and string fields.
import { ConfigDef, NO_DEFAULT, Validators } from '../api/config-def.js';
import { DataError } from '../api/errors.js';
import { Decimal, LOGICAL, Struct, type Schema } from '../api/data.js';
import type { ConnectRecord } from '../api/records.js';
import type { Props } from '../api/connector.js';
import {
  BuiltinTransformation, KEY_SIDE, REPLACE_NULL_WITH_DEFAULT, REPLACE_NULL_WITH_DEFAULT_DOC, VALUE_SIDE,
  fieldValue, isMapValue, mapCopy, mapGet, mapHas, mapSet, nonEmptyList, requireMap, requireStruct, typeName,
  type OperatingSide,
} from './util.js';

const PURPOSE = 'mask fields';

export const MASK_FIELD_CONFIG_DEF = new ConfigDef()
  .define({ name: 'fields', type: 'LIST', defaultValue: NO_DEFAULT, importance: 'HIGH', validator: nonEmptyList(), documentation: 'Names of fields to mask.' })
  .define({ name: 'replacement', type: 'STRING', defaultValue: null, importance: 'LOW', validator: Validators.nonEmptyString(), documentation: 'Custom value replacement, that will be applied to all \'fields\' values (numeric or non-empty string values only).' })
  .define({ name: REPLACE_NULL_WITH_DEFAULT, type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: REPLACE_NULL_WITH_DEFAULT_DOC });

const INT_TYPES = new Set(['INT8', 'INT16', 'INT32', 'INT64']);

export abstract class MaskField extends BuiltinTransformation {
  private fields = new Set<string>();
  private replacement: string | null = null;
  private replaceNullWithDefault = true;

  constructor(private readonly side: OperatingSide) { super(); }

  config(): ConfigDef { return MASK_FIELD_CONFIG_DEF; }

  configure(props: Props): void {
    const c = MASK_FIELD_CONFIG_DEF.parse(props);
    this.fields = new Set(c['fields'] as string[]);
    this.replacement = c['replacement'] as string | null;
    this.replaceNullWithDefault = c[REPLACE_NULL_WITH_DEFAULT] as boolean;
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.side.value(record);
    if (value === null || value === undefined) return record;
    const schema = this.side.schema(record);
    if (schema === null) {
      const map = requireMap(value, PURPOSE);
      const updated = mapCopy(map);
      for (const f of this.fields) if (mapHas(map, f)) mapSet(updated, f, this.masked(mapGet(map, f), null));
      return this.side.update(record, null, updated);
    }
    const struct = requireStruct(value, PURPOSE);
    const updated = new Struct(struct.schema);
    for (const f of struct.schema.fields!) {
      const v = fieldValue(struct, f, this.replaceNullWithDefault);
      updated.put(f, this.fields.has(f.name) ? this.masked(v, f.schema) : v);
    }
    return this.side.update(record, schema, updated);
  }

  private masked(value: unknown, schema: Schema | null): unknown {
    if (value === null || value === undefined) return null;
    return this.replacement === null ? emptyValue(value, schema) : replacementValue(this.replacement, value, schema);
  }
}

function emptyValue(value: unknown, schema: Schema | null): unknown {
  if (typeof value === 'number') return 0;
  if (typeof value === 'bigint') return 0n;
  if (typeof value === 'string') return '';
  if (typeof value === 'boolean') return false;
  if (value instanceof Decimal) return new Decimal(0n, value.scale);
  if (value instanceof Date) return new Date(0);
  if (Array.isArray(value)) return [];
  if (value instanceof Map) return new Map();
  if (isMapValue(value)) return {};
  throw new DataError(`Cannot mask value of type: ${typeName(value)}${schema ? ` (schema type ${schema.type})` : ''}`);
}

function replacementValue(replacement: string, value: unknown, schema: Schema | null): unknown {
  const bad = (): never => { throw new DataError(`Unable to convert ${replacement} (${typeName(value)}) to number`); };
  if (typeof value === 'string') return replacement;
  if (value instanceof Decimal || schema?.name === LOGICAL.DECIMAL) {
    try {
      const d = Decimal.parse(replacement);
      return value instanceof Decimal ? d.rescale(value.scale) : d;
    } catch { return bad(); }
  }
  if (typeof value === 'bigint') {
    if (!/^[+-]?\d+$/.test(replacement.trim())) bad();
    return BigInt(replacement.trim());
  }
  if (typeof value === 'number') {
    const integral = schema ? INT_TYPES.has(schema.type) : Number.isInteger(value);
    const t = replacement.trim();
    if (integral && schema) {
      if (!/^[+-]?\d+$/.test(t)) bad();
    } else if (t === '' || Number.isNaN(Number(t))) bad();
    const n = Number(t);
    if (schema?.type === 'FLOAT32') return Math.fround(n);
    return n;
  }
  throw new DataError(`Cannot mask value of type ${typeName(value)} with custom replacement.`);
}

export class MaskFieldKey extends MaskField { constructor() { super(KEY_SIDE); } }
export class MaskFieldValue extends MaskField { constructor() { super(VALUE_SIDE); } }
