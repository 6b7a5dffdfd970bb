// Field paths for `field.syntax.version` (KIP-821). V1: the whole text is one top-level field name.
// V2: dots separate nested steps; a step wrapped in backticks may contain dots (`a.b`), and a
// backtick followed by a dot inside such a step is kept literally when escaped with a backslash.
import { ConfigError } from '../api/errors.js';
import type { Field, Schema, Struct } from '../api/data.js';
import { fieldValue, findField, mapGet, requireMapOrNull, requireStructOrNull, type MapValue } from './util.js';

export type FieldSyntaxVersion = 'V1' | 'V2';

export const FIELD_SYNTAX_VERSION_CONFIG = 'field.syntax.version';
export const FIELD_SYNTAX_VERSION_DOC = 'Defines the version of the syntax to access fields. If set to `V1`, then the field paths are limited to access the elements at the root level of the struct or map. If set to `V2`, the syntax will support accessing nested elements. To access nested elements, dotted notation is used. If dots are already included in the field name, then backtick pairs can be used to wrap field names containing dots. E.g. to access the subfield `baz` from a field named "foo.bar" in a struct/map the following format can be used to access its elements: "`foo.bar`.baz".';

export function parseFieldPath(path: string, version: FieldSyntaxVersion): string[] {
  if (version === 'V1') return [path];
  const steps: string[] = [];
  const incomplete = (at: number): never => {
    throw new ConfigError(`Incomplete backtick pair in path: [${path}], consider adding a backslash before backtick at position ${at} to escape it`);
  };
  let i = 0;
  while (i < path.length) {
    if (path[i] !== '`') {
      const dot = path.indexOf('.', i);
      if (dot < 0) { steps.push(path.slice(i)); i = path.length; }
      else { steps.push(path.slice(i, dot)); i = dot + 1; }
      continue;
    }
    // Backtick-wrapped step: ends at a backtick that is followed by a dot or ends the path.
    const open = i;
    let step = '';
    let start = i + 1;
    let j = i + 1;
    for (;;) {
      const bt = path.indexOf('`', j);
      if (bt < 0) incomplete(open);
      const escaped = path[bt - 1] === '\\';
      if (bt === path.length - 1) {
        if (escaped) incomplete(open);
        steps.push(step + path.slice(start, bt));
        i = bt + 1;
        break;
      }
      if (path[bt + 1] !== '.') { j = bt + 1; continue; }
      if (escaped) {
        step += path.slice(start, bt - 1) + '`';
        start = j = bt + 1;
        continue;
      }
      steps.push(step + path.slice(start, bt));
      i = bt + 2;
      break;
    }
  }
  if (path.endsWith('.')) steps.push('');
  if (steps.length === 0) steps.push('');
  return steps;
}

export class SingleFieldPath {
  readonly steps: readonly string[];
  constructor(readonly text: string, readonly version: FieldSyntaxVersion) {
    this.steps = parseFieldPath(text, version);
  }

  /** The field at this path in a struct schema, or undefined. */
  fieldFrom(schema: Schema): Field | undefined {
    let current: Schema = schema;
    const last = this.steps.length - 1;
    for (let i = 0; i < last; i++) {
      const f = current.type === 'STRUCT' ? findField(current, this.steps[i]!) : undefined;
      if (!f) return undefined;
      current = f.schema;
    }
    return current.type === 'STRUCT' ? findField(current, this.steps[last]!) : undefined;
  }

  /** The value at this path in a struct, or null when any step is missing or null. */
  valueFromStruct(struct: Struct, replaceNullWithDefault: boolean): unknown {
    let current: Struct | null = struct;
    const last = this.steps.length - 1;
    for (let i = 0; i < last; i++) {
      const f = findField(current.schema, this.steps[i]!);
      if (!f) return null;
      current = requireStructOrNull(current.get(f), 'nested field access');
      if (current === null) return null;
    }
    const f = findField(current.schema, this.steps[last]!);
    return f ? fieldValue(current, f, replaceNullWithDefault) : null;
  }

  /** The value at this path in a schemaless map, or null. */
  valueFromMap(map: MapValue): unknown {
    let current: MapValue | null = map;
    const last = this.steps.length - 1;
    for (let i = 0; i < last; i++) {
      current = requireMapOrNull(mapGet(current, this.steps[i]!), 'nested field access');
      if (current === null) return null;
    }
    return mapGet(current, this.steps[last]!) ?? null;
  }
}
