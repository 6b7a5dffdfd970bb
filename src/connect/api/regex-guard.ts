// User regexes (topics.regex, MM2 topic/group lists, RegexRouter, TopicNameMatches, allowlist patterns) run on the
// event loop against names from the cluster. JavaScript's engine backtracks, so a pattern with nested repetition
// such as (a+)+ or (\w+\.)* can take exponential time on a short name and stall the whole worker. Patterns are
// checked when a configuration is read, with safe-regex2 (fastify's star-height analysis): a repeated group that
// itself contains a repetition is refused, with this message, before it can run.
import { createRequire } from 'node:module';
import safeRegex from 'safe-regex2';

// ret (safe-regex2's parser) is CommonJS; its module.exports is the tokenizer itself.
const tokenizer = createRequire(import.meta.url)('ret') as (source: string) => unknown;

// safe-regex2 also counts repetitions (25 by default); long alternations of simple names are fine, so only the
// nesting decides here.
const REPETITION_LIMIT = 1000;

/** Throws an Error naming the problem when `source` (a JavaScript pattern) could backtrack exponentially. */
export function assertLinearRegex(source: string): void {
  // safe-regex2 also answers "unsafe" for what its parser (ret) cannot read, e.g. lookbehind; such a pattern has
  // compiled as a RegExp already, so only a pattern ret can read is judged.
  try { tokenizer(source); } catch { return; }
  if (!safeRegex(source, { limit: REPETITION_LIMIT })) {
    throw new Error('it may take exponential time to match (a repeated group that itself repeats, e.g. (a+)+ or (\\w+\\.)*); rewrite it without nested repetition');
  }
}
