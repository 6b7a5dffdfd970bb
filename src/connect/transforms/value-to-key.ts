// ValueToKey: replaces the record key with a new key built from fields of the value.
import { ConfigDef, NO_DEFAULT } from '../api/config-def.js';
import { DataError } from '../api/errors.js';
import { SchemaBuilder, Struct, type Field, type Schema } from '../api/data.js';
import type { ConnectRecord } from '../api/records.js';
import type { Props } from '../api/connector.js';
import {
  BuiltinTransformation, REPLACE_NULL_WITH_DEFAULT, REPLACE_NULL_WITH_DEFAULT_DOC, SchemaCache, emptyMapLike, fieldValue,
  findField, mapGet, mapSet, nonEmptyList, requireMap, requireStruct, withKey,
} from './util.js';

const PURPOSE = 'copying fields from value to key';

export const VALUE_TO_KEY_CONFIG_DEF = new ConfigDef()
  .define({ name: 'fields', type: 'LIST', defaultValue: NO_DEFAULT, importance: 'HIGH', validator: nonEmptyList(), documentation: 'Field names on the record value to extract as the record key.' })
  .define({ name: REPLACE_NULL_WITH_DEFAULT, type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: REPLACE_NULL_WITH_DEFAULT_DOC });

interface Plan { schema: Schema; sources: Field[] }

export class ValueToKey extends BuiltinTransformation {
  private fields: string[] = [];
  private replaceNullWithDefault = true;
  private readonly cache = new SchemaCache<Plan>();

  config(): ConfigDef { return VALUE_TO_KEY_CONFIG_DEF; }

  configure(props: Props): void {
    const c = VALUE_TO_KEY_CONFIG_DEF.parse(props);
    this.fields = c['fields'] as string[];
    this.replaceNullWithDefault = c[REPLACE_NULL_WITH_DEFAULT] as boolean;
    this.cache.clear();
  }

  apply<R extends ConnectRecord>(record: R): R {
    if (record.valueSchema === null) {
      const value = requireMap(record.value, PURPOSE);
      const key = emptyMapLike(value);
      for (const f of this.fields) mapSet(key, f, mapGet(value, f) ?? null);
      return withKey(record, null, key);
    }
    const value = requireStruct(record.value, PURPOSE);
    const plan = this.cache.get(value.schema) ?? this.cache.set(value.schema, this.makePlan(value.schema));
    const key = new Struct(plan.schema);
    const out = plan.schema.fields!;
    for (let i = 0; i < out.length; i++) key.put(out[i]!, fieldValue(value, plan.sources[i]!, this.replaceNullWithDefault));
    return withKey(record, plan.schema, key);
  }

  private makePlan(valueSchema: Schema): Plan {
    const b = SchemaBuilder.struct();
    const sources: Field[] = [];
    for (const name of this.fields) {
      const f = findField(valueSchema, name);
      if (!f) throw new DataError(`Field does not exist: ${name}`);
      b.field(name, f.schema);
      sources.push(f);
    }
    return { schema: b.build(), sources };
  }

  override close(): void { this.cache.clear(); }
}
