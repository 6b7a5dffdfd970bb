// Topic and group selection as MM2's DefaultTopicFilter / DefaultGroupFilter: comma-separated Java regexes,
// each matching the whole name; excludes win over includes; an empty include list matches nothing.
import { ConfigError, compileJavaRegex } from '../../connect/api/index.js';
import { isCycle, type ReplicationPolicy } from './replication-policy.js';

export const TOPICS_CONFIG = 'topics';
export const TOPICS_EXCLUDE_CONFIG = 'topics.exclude';
/** Deprecated alias of topics.exclude (removed in Kafka 4.0; still accepted here). */
export const TOPICS_EXCLUDE_ALIAS_CONFIG = 'topics.blacklist';
export const GROUPS_CONFIG = 'groups';
export const GROUPS_EXCLUDE_CONFIG = 'groups.exclude';
/** Deprecated alias of groups.exclude. */
export const GROUPS_EXCLUDE_ALIAS_CONFIG = 'groups.blacklist';

export const DEFAULT_TOPICS = '.*';
export const DEFAULT_TOPICS_EXCLUDE = '.*[\\-\\.]internal, .*\\.replica, __.*';
export const DEFAULT_GROUPS = '.*';
export const DEFAULT_GROUPS_EXCLUDE = 'console-consumer-.*, connect-.*, __.*';

/** Splits a Connect LIST value (comma-separated, whitespace around items ignored, empty items dropped). */
export function splitList(value: string | readonly string[] | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value !== 'string') return value.map((s) => s.trim()).filter((s) => s !== '');
  const t = value.trim();
  return t === '' ? [] : t.split(/\s*,\s*/).filter((s) => s !== '');
}

/** A full-match predicate over a list of Java regexes (MM2's compilePatternList); [] matches nothing. */
export class PatternList {
  private readonly regexes: RegExp[];
  constructor(readonly patterns: readonly string[], key = 'pattern') {
    this.regexes = patterns.map((p) => {
      try {
        return compileJavaRegex(p, true);
      } catch (e) {
        const msg = `Invalid value ${p} for configuration ${key}: not a valid regular expression (${(e as Error).message})`;
        throw new ConfigError(msg, { [key]: [msg] }, { cause: e });
      }
    });
  }
  matches(name: string): boolean {
    for (const r of this.regexes) if (r.test(name)) return true;
    return false;
  }
}

/** Validates a comma-separated regex list; returns error messages naming `key` (empty when fine). */
export function validateRegexList(key: string, value: string | null | undefined): string[] {
  const errors: string[] = [];
  for (const p of splitList(value)) {
    try {
      compileJavaRegex(p, true);
    } catch (e) {
      errors.push(`Invalid value ${p} for configuration ${key}: not a valid regular expression (${(e as Error).message})`);
    }
  }
  return errors;
}

type Props = Readonly<Record<string, string | null | undefined>>;

function pick(props: Props, key: string, alias: string | null, dflt: string): { key: string; value: string } {
  const v = props[key];
  if (v !== undefined && v !== null) return { key, value: v };
  if (alias) {
    const a = props[alias];
    if (a !== undefined && a !== null) return { key: alias, value: a };
  }
  return { key, value: dflt };
}

export class TopicFilter {
  private readonly include: PatternList;
  private readonly exclude: PatternList;
  constructor(opts: { topics?: string | readonly string[]; topicsExclude?: string | readonly string[] } = {}) {
    this.include = new PatternList(splitList(opts.topics ?? DEFAULT_TOPICS), TOPICS_CONFIG);
    this.exclude = new PatternList(splitList(opts.topicsExclude ?? DEFAULT_TOPICS_EXCLUDE), TOPICS_EXCLUDE_CONFIG);
  }
  /** From connector props: `topics`, `topics.exclude` (or legacy `topics.blacklist`), with MM2's defaults. */
  static fromProps(props: Props): TopicFilter {
    const inc = pick(props, TOPICS_CONFIG, null, DEFAULT_TOPICS);
    const exc = pick(props, TOPICS_EXCLUDE_CONFIG, TOPICS_EXCLUDE_ALIAS_CONFIG, DEFAULT_TOPICS_EXCLUDE);
    return new TopicFilter({ topics: keyed(inc), topicsExclude: keyed(exc) });
  }
  shouldReplicateTopic(topic: string): boolean {
    return this.include.matches(topic) && !this.exclude.matches(topic);
  }
}

export class GroupFilter {
  private readonly include: PatternList;
  private readonly exclude: PatternList;
  constructor(opts: { groups?: string | readonly string[]; groupsExclude?: string | readonly string[] } = {}) {
    this.include = new PatternList(splitList(opts.groups ?? DEFAULT_GROUPS), GROUPS_CONFIG);
    this.exclude = new PatternList(splitList(opts.groupsExclude ?? DEFAULT_GROUPS_EXCLUDE), GROUPS_EXCLUDE_CONFIG);
  }
  /** From connector props: `groups`, `groups.exclude` (or legacy `groups.blacklist`), with MM2's defaults. */
  static fromProps(props: Props): GroupFilter {
    const inc = pick(props, GROUPS_CONFIG, null, DEFAULT_GROUPS);
    const exc = pick(props, GROUPS_EXCLUDE_CONFIG, GROUPS_EXCLUDE_ALIAS_CONFIG, DEFAULT_GROUPS_EXCLUDE);
    return new GroupFilter({ groups: keyed(inc), groupsExclude: keyed(exc) });
  }
  shouldReplicateGroup(group: string): boolean {
    return this.include.matches(group) && !this.exclude.matches(group);
  }
}

// Re-validates with the key the user actually wrote, so errors name e.g. topics.blacklist when that was used.
function keyed(v: { key: string; value: string }): string[] {
  const list = splitList(v.value);
  new PatternList(list, v.key);
  return list;
}

export interface TopicSelection {
  policy: ReplicationPolicy;
  filter: TopicFilter;
  /** This flow's target alias (for the cycle check). */
  targetAlias: string;
  /** `heartbeats.replication.enabled` (default true): heartbeat topics pass even when the filter rejects them. */
  heartbeatsReplicationEnabled?: boolean;
}

/**
 * MirrorSourceConnector.shouldReplicateTopic: (filter accepts OR it is a heartbeats topic) AND not internal
 * AND not a cycle back into the target.
 */
export function shouldReplicateTopic(topic: string, sel: TopicSelection): boolean {
  const wanted = sel.filter.shouldReplicateTopic(topic) || ((sel.heartbeatsReplicationEnabled ?? true) && sel.policy.isHeartbeatsTopic(topic));
  return wanted && !sel.policy.isInternalTopic(topic) && !isCycle(sel.policy, topic, sel.targetAlias);
}
