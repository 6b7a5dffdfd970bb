// ReplaceField$Key / ReplaceField$Value: keeps (include), drops (exclude) and renames top-level fields.
// The deprecated `whitelist`/`blacklist` keys (removed in Kafka 4.0) are still accepted as aliases of
// `include`/`exclude`; the new key wins when both are given.
import { ConfigDef, type Validator } from '../api/config-def.js';
import { Struct, type Field, type Schema } from '../api/data.js';
import type { ConnectRecord } from '../api/records.js';
import type { Props } from '../api/connector.js';
import {
  BuiltinTransformation, KEY_SIDE, REPLACE_NULL_WITH_DEFAULT, REPLACE_NULL_WITH_DEFAULT_DOC, SchemaCache, VALUE_SIDE,
  emptyMapLike, fieldValue, forEachEntry, mapSet, requireMap, requireStruct, structBuilderLike, type OperatingSide,
} from './util.js';

const PURPOSE = 'field replacement';

const renamesValidator: Validator = (name, value) => {
  for (const m of value as string[]) {
    if (m.split(':').length !== 2) return `Invalid value ${(value as string[]).join(',')} for configuration ${name}: Invalid rename mapping: ${m}`;
  }
};
renamesValidator.describe = 'list of colon-delimited pairs, e.g. foo:bar,abc:xyz';

export const REPLACE_FIELD_CONFIG_DEF = new ConfigDef()
  .define({ name: 'exclude', type: 'LIST', defaultValue: [], importance: 'MEDIUM', documentation: 'Fields to exclude. This takes precedence over the fields to include.' })
  .define({ name: 'include', type: 'LIST', defaultValue: [], importance: 'MEDIUM', documentation: 'Fields to include. If specified, only these fields will be used.' })
  .define({ name: 'renames', type: 'LIST', defaultValue: [], importance: 'MEDIUM', validator: renamesValidator, documentation: 'Field rename mappings.' })
  .define({ name: 'blacklist', type: 'LIST', defaultValue: null, importance: 'LOW', documentation: 'Deprecated. Use exclude instead.' })
  .define({ name: 'whitelist', type: 'LIST', defaultValue: null, importance: 'LOW', documentation: 'Deprecated. Use include instead.' })
  .define({ name: REPLACE_NULL_WITH_DEFAULT, type: 'BOOLEAN', defaultValue: true, importance: 'MEDIUM', documentation: REPLACE_NULL_WITH_DEFAULT_DOC });

/** The rewritten schema and, per output field, the input field it is copied from. */
interface Plan { schema: Schema; sources: Field[] }

export abstract class ReplaceField extends BuiltinTransformation {
  private exclude = new Set<string>();
  private include = new Set<string>();
  private renames = new Map<string, string>();
  private replaceNullWithDefault = true;
  private readonly cache = new SchemaCache<Plan>();

  constructor(private readonly side: OperatingSide) { super(); }

  config(): ConfigDef { return REPLACE_FIELD_CONFIG_DEF; }

  configure(props: Props): void {
    const c = REPLACE_FIELD_CONFIG_DEF.parse(props);
    const has = (k: string) => props[k] !== undefined;
    const exclude = has('exclude') || !has('blacklist') ? c['exclude'] : c['blacklist'];
    const include = has('include') || !has('whitelist') ? c['include'] : c['whitelist'];
    this.exclude = new Set((exclude as string[] | null) ?? []);
    this.include = new Set((include as string[] | null) ?? []);
    this.renames = new Map();
    for (const m of c['renames'] as string[]) {
      const [from, to] = m.split(':') as [string, string];
      this.renames.set(from, to);
    }
    this.replaceNullWithDefault = c[REPLACE_NULL_WITH_DEFAULT] as boolean;
    this.cache.clear();
  }

  private keep(name: string): boolean {
    return !this.exclude.has(name) && (this.include.size === 0 || this.include.has(name));
  }

  private renamed(name: string): string {
    return this.renames.get(name) ?? name;
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.side.value(record);
    const schema = this.side.schema(record);
    if (schema === null) {
      if (value === null || value === undefined) return record;
      const map = requireMap(value, PURPOSE);
      const updated = emptyMapLike(map);
      forEachEntry(map, (k, v) => { if (this.keep(k)) mapSet(updated, this.renamed(k), v); });
      return this.side.update(record, null, updated);
    }
    if (schema.type !== 'STRUCT') {
      if (value === null || value === undefined) return record;
      requireStruct(value, PURPOSE);
    }
    const keyed = value instanceof Struct ? value.schema : schema;
    const plan = this.cache.get(keyed) ?? this.cache.set(keyed, this.makePlan(keyed));
    if (value === null || value === undefined) return this.side.update(record, plan.schema, null);
    const struct = requireStruct(value, PURPOSE);
    const updated = new Struct(plan.schema);
    const out = plan.schema.fields!;
    for (let i = 0; i < out.length; i++) updated.put(out[i]!, fieldValue(struct, plan.sources[i]!, this.replaceNullWithDefault));
    return this.side.update(record, plan.schema, updated);
  }

  private makePlan(schema: Schema): Plan {
    const b = structBuilderLike(schema);
    const sources: Field[] = [];
    for (const f of schema.fields ?? []) {
      if (!this.keep(f.name)) continue;
      b.field(this.renamed(f.name), f.schema);
      sources.push(f);
    }
    return { schema: b.build(), sources };
  }

  override close(): void { this.cache.clear(); }
}

export class ReplaceFieldKey extends ReplaceField { constructor() { super(KEY_SIDE); } }
export class ReplaceFieldValue extends ReplaceField { constructor() { super(VALUE_SIDE); } }
