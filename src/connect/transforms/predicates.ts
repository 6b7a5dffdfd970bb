// Built-in predicates: TopicNameMatches (full match of a Java regex), HasHeaderKey, RecordIsTombstone.
import { ConfigDef, NO_DEFAULT, Validators } from '../api/config-def.js';
import type { ConnectRecord } from '../api/records.js';
import type { Predicate, Props } from '../api/connector.js';
import { allOf } from './util.js';
import { compileJavaRegex } from '../api/java-regex.js';
import { regexValidator } from './routers.js';

abstract class BuiltinPredicate implements Predicate {
  abstract configure(props: Props): void;
  abstract test(record: ConnectRecord): boolean;
  abstract config(): ConfigDef;
  close(): void {}
}

export const TOPIC_NAME_MATCHES_CONFIG_DEF = new ConfigDef()
  .define({
    name: 'pattern', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'MEDIUM', validator: allOf(Validators.nonEmptyString(), regexValidator),
    documentation: 'A Java regular expression for matching against the name of a record\'s topic.',
  });

export class TopicNameMatches extends BuiltinPredicate {
  private pattern: RegExp = /$^/;
  // Topic names repeat; cache answers (bounded).
  private memo = new Map<string, boolean>();

  config(): ConfigDef { return TOPIC_NAME_MATCHES_CONFIG_DEF; }

  configure(props: Props): void {
    this.pattern = compileJavaRegex(TOPIC_NAME_MATCHES_CONFIG_DEF.parse(props)['pattern'] as string, true);
    this.memo.clear();
  }

  test(record: ConnectRecord): boolean {
    const topic = record.topic;
    if (topic === null || topic === undefined) return false;
    let r = this.memo.get(topic);
    if (r === undefined) {
      r = this.pattern.test(topic);
      if (this.memo.size >= 1024) this.memo.clear();
      this.memo.set(topic, r);
    }
    return r;
  }

  override close(): void { this.memo.clear(); }
}

export const HAS_HEADER_KEY_CONFIG_DEF = new ConfigDef()
  .define({ name: 'name', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'MEDIUM', validator: Validators.nonEmptyString(), documentation: 'The header name.' });

export class HasHeaderKey extends BuiltinPredicate {
  private name = '';

  config(): ConfigDef { return HAS_HEADER_KEY_CONFIG_DEF; }

  configure(props: Props): void {
    this.name = HAS_HEADER_KEY_CONFIG_DEF.parse(props)['name'] as string;
  }

  test(record: ConnectRecord): boolean {
    return record.headers.lastWithName(this.name) !== undefined;
  }
}

export const RECORD_IS_TOMBSTONE_CONFIG_DEF = new ConfigDef();

export class RecordIsTombstone extends BuiltinPredicate {
  config(): ConfigDef { return RECORD_IS_TOMBSTONE_CONFIG_DEF; }
  configure(_props: Props): void {}
  test(record: ConnectRecord): boolean {
    return record.value === null || record.value === undefined;
  }
}
