// Filter: drops every record it is applied to; pair it with a predicate to drop selectively.
import { ConfigDef } from '../api/config-def.js';
import type { ConnectRecord } from '../api/records.js';
import type { Props } from '../api/connector.js';
import { BuiltinTransformation } from './util.js';

export const FILTER_CONFIG_DEF = new ConfigDef();

export class Filter extends BuiltinTransformation {
  config(): ConfigDef { return FILTER_CONFIG_DEF; }
  configure(_props: Props): void {}
  apply<R extends ConnectRecord>(_record: R): R | null { return null; }
}
