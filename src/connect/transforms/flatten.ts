// Flatten$Key / Flatten$Value: flattens nested Structs (or nested maps, schemaless) into one level,
// joining names with `delimiter`. Arrays are kept as they are. A nested field becomes optional when
// any ancestor is optional, and inherits a default from its ancestors' default Struct.
import { ConfigDef } from '../api/config-def.js';
import { DataError } from '../api/errors.js';
import { SchemaBuilder, Struct, type Field, type Schema } from '../api/data.js';
import type { ConnectRecord } from '../api/records.js';
import type { Props } from '../api/connector.js';
import {
  BuiltinTransformation, KEY_SIDE, SchemaCache, VALUE_SIDE, emptyMapLike, forEachEntry, isMapValue, mapSet,
  requireMap, requireStruct, structBuilderLike, typeName, type MapValue, type OperatingSide,
} from './util.js';

const PURPOSE = 'flattening';

export const FLATTEN_CONFIG_DEF = new ConfigDef()
  .define({ name: 'delimiter', type: 'STRING', defaultValue: '.', importance: 'MEDIUM', documentation: 'Delimiter to insert between field names from the input record when generating field names for the output record' });

/** A flattened leaf: the field path through the nested input structs and the output field. */
interface Leaf { path: Field[]; out: Field }
interface Plan { schema: Schema; leaves: Leaf[] }

const LEAF_TYPES = new Set(['INT8', 'INT16', 'INT32', 'INT64', 'FLOAT32', 'FLOAT64', 'BOOLEAN', 'STRING', 'BYTES', 'ARRAY']);

export abstract class Flatten extends BuiltinTransformation {
  private delimiter = '.';
  private readonly cache = new SchemaCache<Plan>();

  constructor(private readonly side: OperatingSide) { super(); }

  config(): ConfigDef { return FLATTEN_CONFIG_DEF; }

  configure(props: Props): void {
    this.delimiter = FLATTEN_CONFIG_DEF.parse(props)['delimiter'] as string;
    this.cache.clear();
  }

  private name(prefix: string, field: string): string {
    return prefix === '' ? field : prefix + this.delimiter + field;
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.side.value(record);
    const schema = this.side.schema(record);
    if (schema === null) {
      if (value === null || value === undefined) return record;
      const map = requireMap(value, PURPOSE);
      const out = emptyMapLike(map);
      this.flattenMap(map, '', out);
      return this.side.update(record, null, out);
    }
    if (value === null || value === undefined) {
      if (schema.type !== 'STRUCT') return record;
      return this.side.update(record, this.plan(schema).schema, null);
    }
    const struct = requireStruct(value, PURPOSE);
    const plan = this.plan(struct.schema);
    const out = new Struct(plan.schema);
    for (const leaf of plan.leaves) {
      let cur: Struct = struct;
      const last = leaf.path.length - 1;
      let ok = true;
      for (let i = 0; i < last; i++) {
        const nested = cur.get(leaf.path[i]!);
        if (nested === null || nested === undefined) { ok = false; break; }
        cur = requireStruct(nested, PURPOSE);
      }
      if (ok) out.put(leaf.out, cur.get(leaf.path[last]!));
    }
    return this.side.update(record, plan.schema, out);
  }

  private flattenMap(map: MapValue, prefix: string, out: MapValue): void {
    forEachEntry(map, (k, v) => {
      const name = this.name(prefix, k);
      if (v === null || v === undefined) mapSet(out, name, null);
      else if (isMapValue(v)) this.flattenMap(v, name, out);
      else if (v instanceof Struct) throw new DataError(`Flatten transformation does not support ${typeName(v)} for record without schemas (for field ${name}).`);
      // Primitives, bytes, arrays and logical values (Date, Decimal) are leaves.
      else mapSet(out, name, v);
    });
  }

  private plan(schema: Schema): Plan {
    const cached = this.cache.get(schema);
    if (cached) return cached;
    const b = structBuilderLike(schema);
    const def = schema.defaultValue instanceof Struct ? schema.defaultValue : null;
    const paths: Field[][] = [];
    this.buildSchema(schema, '', b, schema.optional, def, [], paths);
    const built = b.build();
    const leaves = paths.map((path, i) => ({ path, out: built.fields![i]! }));
    return this.cache.set(schema, { schema: built, leaves });
  }

  private buildSchema(schema: Schema, prefix: string, b: SchemaBuilder, optional: boolean, parentDefault: Struct | null, parents: Field[], paths: Field[][]): void {
    for (const f of schema.fields!) {
      const name = this.name(prefix, f.name);
      const fieldOptional = optional || f.schema.optional;
      let def: unknown = f.schema.defaultValue ?? null;
      if (def === null && parentDefault !== null) def = parentDefault.get(f);
      if (LEAF_TYPES.has(f.schema.type)) {
        const fb = SchemaBuilder.from({ ...f.schema, optional: false, defaultValue: undefined });
        if (fieldOptional) fb.optional();
        if (def !== null && def !== undefined) fb.defaultValue(def);
        b.field(name, fb.build());
        paths.push([...parents, f]);
      } else if (f.schema.type === 'STRUCT') {
        this.buildSchema(f.schema, name, b, fieldOptional, def instanceof Struct ? def : null, [...parents, f], paths);
      } else {
        throw new DataError(`Flatten transformation does not support ${f.schema.type} for record with schemas (for field ${name}).`);
      }
    }
  }

  override close(): void { this.cache.clear(); }
}

export class FlattenKey extends Flatten { constructor() { super(KEY_SIDE); } }
export class FlattenValue extends Flatten { constructor() { super(VALUE_SIDE); } }
