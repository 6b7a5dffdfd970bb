// Header SMTs: InsertHeader (add a literal), DropHeaders (remove by key) and HeaderFrom$Key/$Value
// (copy or move fields into headers). Headers are always copied, never mutated in place.
import { ConfigDef, NO_DEFAULT, Validators } from '../api/config-def.js';
import { ConfigError, DataError } from '../api/errors.js';
import { Struct, type Field, type Schema } from '../api/data.js';
import { Headers, type ConnectRecord } from '../api/records.js';
import type { Props, SchemaAndValue } from '../api/connector.js';
import {
  BuiltinTransformation, KEY_SIDE, REPLACE_NULL_WITH_DEFAULT, REPLACE_NULL_WITH_DEFAULT_DOC, SchemaCache, VALUE_SIDE,
  fieldValue, findField, mapCopy, mapDelete, mapGet, nonEmptyList, requireMap, requireStruct, structBuilderLike,
  withHeaders, type OperatingSide,
} from './util.js';
import { parseValueString } from '../api/values.js';

export const INSERT_HEADER_CONFIG_DEF = new ConfigDef()
  .define({ name: 'header', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH', documentation: 'The name of the header.' })
  .define({ name: 'value.literal', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH', documentation: 'The literal value that is to be set as the header value on all records.' });

/** Adds one header with a literal value (typed as Connect's Values.parseString would, see values.ts). */
export class InsertHeader extends BuiltinTransformation {
  private header = '';
  private literal: SchemaAndValue = { schema: null, value: null };

  config(): ConfigDef { return INSERT_HEADER_CONFIG_DEF; }

  configure(props: Props): void {
    const c = INSERT_HEADER_CONFIG_DEF.parse(props);
    this.header = c['header'] as string;
    this.literal = parseValueString(c['value.literal'] as string);
  }

  apply<R extends ConnectRecord>(record: R): R {
    const headers = record.headers.copy().add(this.header, this.literal.value, this.literal.schema);
    return withHeaders(record, headers);
  }
}

export const DROP_HEADERS_CONFIG_DEF = new ConfigDef()
  .define({ name: 'headers', type: 'LIST', defaultValue: NO_DEFAULT, importance: 'HIGH', validator: nonEmptyList(), documentation: 'The name of the headers to be removed.' });

/** Removes every header whose key is listed. */
export class DropHeaders extends BuiltinTransformation {
  private names = new Set<string>();

  config(): ConfigDef { return DROP_HEADERS_CONFIG_DEF; }

  configure(props: Props): void {
    this.names = new Set(DROP_HEADERS_CONFIG_DEF.parse(props)['headers'] as string[]);
  }

  apply<R extends ConnectRecord>(record: R): R {
    let found = false;
    for (const h of record.headers) if (this.names.has(h.key)) { found = true; break; }
    if (!found) return record;
    const kept = new Headers();
    for (const h of record.headers) if (!this.names.has(h.key)) kept.add(h.key, h.value, h.schema);
    return withHeaders(record, kept);
  }
}

export const HEADER_FROM_CONFIG_DEF = new ConfigDef()
  .define({ name: 'fields', type: 'LIST', defaultValue: NO_DEFAULT, importance: 'HIGH', validator: nonEmptyList(), documentation: 'Field names in the record whose values are to be copied or moved to headers.' })
  .define({ name: 'headers', type: 'LIST', defaultValue: NO_DEFAULT, importance: 'HIGH', validator: nonEmptyList(), documentation: 'Header names, in the same order as the field names listed in the fields configuration property.' })
  .define({
    name: 'operation', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH', validator: Validators.oneOf(['move', 'copy'], false), recommendedValues: ['move', 'copy'],
    documentation: 'Either <code>move</code> if the fields are to be moved to the headers (removed from the key/value), or <code>copy</code> if the fields are to be copied to the headers (retained in the key/value).',
  })
  .define({ name: REPLACE_NULL_WITH_DEFAULT, type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: REPLACE_NULL_WITH_DEFAULT_DOC });

interface MovePlan { schema: Schema; sources: Field[] }

export abstract class HeaderFrom extends BuiltinTransformation {
  private fields: string[] = [];
  private headers: string[] = [];
  private move = false;
  private replaceNullWithDefault = true;
  private readonly moveCache = new SchemaCache<MovePlan>();

  constructor(private readonly side: OperatingSide) { super(); }

  config(): ConfigDef { return HEADER_FROM_CONFIG_DEF; }

  configure(props: Props): void {
    const c = HEADER_FROM_CONFIG_DEF.parse(props);
    this.fields = c['fields'] as string[];
    this.headers = c['headers'] as string[];
    if (this.fields.length !== this.headers.length) {
      const msg = "'fields' config must have the same number of elements as 'headers' config.";
      throw new ConfigError(msg, { fields: [msg] });
    }
    this.move = c['operation'] === 'move';
    this.replaceNullWithDefault = c[REPLACE_NULL_WITH_DEFAULT] as boolean;
    this.moveCache.clear();
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.side.value(record);
    // A tombstone has no fields to lift; pass it through rather than failing the task.
    if (value === null || value === undefined) return record;
    const schema = this.side.schema(record);
    const headers = record.headers.copy();
    if (schema === null) {
      const map = requireMap(value, `header ${this.move ? 'move' : 'copy'}`);
      const updated = this.move ? mapCopy(map) : map;
      for (let i = 0; i < this.fields.length; i++) {
        const f = this.fields[i]!;
        headers.add(this.headers[i]!, mapGet(map, f) ?? null, null);
        if (this.move) mapDelete(updated, f);
      }
      return this.side.update(withHeaders(record, headers), null, updated);
    }
    const struct = requireStruct(value, `header ${this.move ? 'move' : 'copy'}`);
    for (let i = 0; i < this.fields.length; i++) {
      const name = this.fields[i]!;
      const f = findField(struct.schema, name);
      if (!f) throw new DataError(`Field ${name} not found in schema for header ${this.move ? 'move' : 'copy'}`);
      headers.add(this.headers[i]!, fieldValue(struct, f, this.replaceNullWithDefault), f.schema);
    }
    if (!this.move) return withHeaders(record, headers);
    const plan = this.moveCache.get(struct.schema) ?? this.moveCache.set(struct.schema, this.movePlan(struct.schema));
    const updated = new Struct(plan.schema);
    const out = plan.schema.fields!;
    for (let i = 0; i < out.length; i++) updated.put(out[i]!, fieldValue(struct, plan.sources[i]!, this.replaceNullWithDefault));
    return this.side.update(withHeaders(record, headers), plan.schema, updated);
  }

  private movePlan(schema: Schema): MovePlan {
    const drop = new Set(this.fields);
    const b = structBuilderLike(schema);
    const sources: Field[] = [];
    for (const f of schema.fields!) {
      if (drop.has(f.name)) continue;
      b.field(f.name, f.schema);
      sources.push(f);
    }
    return { schema: b.build(), sources };
  }

  override close(): void { this.moveCache.clear(); }
}

export class HeaderFromKey extends HeaderFrom { constructor() { super(KEY_SIDE); } }
export class HeaderFromValue extends HeaderFrom { constructor() { super(VALUE_SIDE); } }
