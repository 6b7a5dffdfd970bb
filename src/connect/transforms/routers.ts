// Topic routers: RegexRouter (rename topics matching a Java regex) and TimestampRouter (topic name
// from a format with ${topic} and ${timestamp}).
import { ConfigDef, NO_DEFAULT, type Validator } from '../api/config-def.js';
import { ConfigError, DataError } from '../api/errors.js';
import type { ConnectRecord } from '../api/records.js';
import type { Props } from '../api/connector.js';
import { BuiltinTransformation, withTopic } from './util.js';
import { JavaReplacement, compileJavaRegex, javaRegexError, replaceFirst } from '../api/java-regex.js';
import { JavaDateFormat } from '../api/java-date-format.js';

export const regexValidator: Validator = (name, value) => {
  const err = javaRegexError(String(value));
  if (err !== undefined) return `Invalid value ${String(value)} for configuration ${name}: not a valid regular expression: ${err}`;
};
regexValidator.describe = 'valid regex';

export const REGEX_ROUTER_CONFIG_DEF = new ConfigDef()
  .define({ name: 'regex', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH', validator: regexValidator, documentation: 'Regular expression to use for matching.' })
  .define({ name: 'replacement', type: 'STRING', defaultValue: NO_DEFAULT, importance: 'HIGH', documentation: 'Replacement string.' });

/** Rewrites the topic when the whole topic name matches `regex`; `replacement` may use $1 / ${name}. */
export class RegexRouter extends BuiltinTransformation {
  private full: RegExp = /$^/;
  private first: RegExp = /$^/;
  private replacement: JavaReplacement | null = null;
  // Topic names repeat endlessly; remember recent answers (bounded, cleared when full).
  private memo = new Map<string, string>();

  config(): ConfigDef { return REGEX_ROUTER_CONFIG_DEF; }

  configure(props: Props): void {
    const c = REGEX_ROUTER_CONFIG_DEF.parse(props);
    const regex = c['regex'] as string;
    const replacementText = c['replacement'] as string;
    this.full = compileJavaRegex(regex, true);
    this.first = compileJavaRegex(regex, false);
    try {
      this.replacement = new JavaReplacement(replacementText, this.first);
    } catch (e) {
      const msg = `Invalid value ${replacementText} for configuration replacement: ${(e as Error).message}`;
      throw new ConfigError(msg, { replacement: [msg] }, { cause: e });
    }
    this.memo.clear();
  }

  /** The routed topic name (unchanged when the regex does not match the whole name). */
  route(topic: string): string {
    let out = this.memo.get(topic);
    if (out !== undefined) return out;
    out = this.full.test(topic) ? replaceFirst(topic, this.first, this.replacement!) : topic;
    if (this.memo.size >= 1024) this.memo.clear();
    this.memo.set(topic, out);
    return out;
  }

  apply<R extends ConnectRecord>(record: R): R {
    const topic = this.route(record.topic);
    return topic === record.topic ? record : withTopic(record, topic);
  }

  override close(): void { this.memo.clear(); }
}

export const TIMESTAMP_ROUTER_CONFIG_DEF = new ConfigDef()
  .define({ name: 'topic.format', type: 'STRING', defaultValue: '${topic}-${timestamp}', importance: 'HIGH', documentation: 'Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as placeholders for the topic and timestamp, respectively.' })
  .define({ name: 'timestamp.format', type: 'STRING', defaultValue: 'yyyyMMdd', importance: 'HIGH', documentation: 'Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>.' });

type FormatPart = 0 | 1 | string; // 0 = ${topic}, 1 = ${timestamp}

/** Routes each record to topic.format with ${topic} and ${timestamp} (record timestamp in UTC) filled in. */
export class TimestampRouter extends BuiltinTransformation {
  private parts: FormatPart[] = [];
  private format = new JavaDateFormat('yyyyMMdd');
  private usesTimestamp = true;
  // Consecutive records usually share the formatted timestamp; remember the last one.
  private lastMs = NaN;
  private lastFormatted = '';

  config(): ConfigDef { return TIMESTAMP_ROUTER_CONFIG_DEF; }

  configure(props: Props): void {
    const c = TIMESTAMP_ROUTER_CONFIG_DEF.parse(props);
    const tf = c['timestamp.format'] as string;
    try {
      this.format = new JavaDateFormat(tf);
    } catch (e) {
      const msg = `Invalid value ${tf} for configuration timestamp.format: ${(e as Error).message}`;
      throw new ConfigError(msg, { 'timestamp.format': [msg] }, { cause: e });
    }
    this.parts = [];
    const text = c['topic.format'] as string;
    let i = 0;
    let lit = '';
    while (i < text.length) {
      if (text.startsWith('${topic}', i)) { if (lit) this.parts.push(lit); lit = ''; this.parts.push(0); i += 8; }
      else if (text.startsWith('${timestamp}', i)) { if (lit) this.parts.push(lit); lit = ''; this.parts.push(1); i += 12; }
      else { lit += text[i]; i++; }
    }
    if (lit) this.parts.push(lit);
    this.usesTimestamp = this.parts.includes(1);
    this.lastMs = NaN;
  }

  apply<R extends ConnectRecord>(record: R): R {
    const ts = record.timestamp;
    if (ts === null || ts === undefined) throw new DataError(`Timestamp missing on record: topic=${record.topic} partition=${String(record.kafkaPartition)}`);
    let formatted = '';
    if (this.usesTimestamp) {
      if (ts !== this.lastMs) { this.lastFormatted = this.format.format(ts); this.lastMs = ts; }
      formatted = this.lastFormatted;
    }
    let topic = '';
    for (const p of this.parts) topic += p === 0 ? record.topic : p === 1 ? formatted : p;
    return withTopic(record, topic);
  }
}
