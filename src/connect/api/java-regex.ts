// Java regular expressions (as written in Connect configs) on top of JS RegExp, plus Java's
// Matcher replacement syntax ($1, ${name}, backslash escapes).
//
// Supported translations: leading inline flags (?i) (?s) (?m) (?u) (?d) and combinations, \Q…\E quoting,
// \A, \z and \Z anchors, \h \H \R \e \a, POSIX classes \p{Lower} \p{Upper} \p{ASCII} \p{Alpha} \p{Digit} \p{Alnum}
// \p{Punct} \p{Graph} \p{Print} \p{Blank} \p{Cntrl} \p{XDigit} \p{Space} (and \P{…}); other \p{…}
// Unicode properties switch on the JS `u` flag. Rejected (a clear error instead of a silent mismatch):
// possessive quantifiers (*+ ++ ?+ {n}+), atomic groups (?>…), inline flags that are not leading,
// character-class intersection (&&), nested classes, \G, \X and the comments flag (?x).
import { assertLinearRegex } from './regex-guard.js';
const POSIX: Record<string, string> = {
  Lower: 'a-z', Upper: 'A-Z', ASCII: '\\x00-\\x7F', Alpha: 'a-zA-Z', Digit: '0-9', Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~', Graph: '!-~', Print: ' -~', Blank: ' \\t', Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F', Space: ' \\t\\n\\x0B\\f\\r',
};

const HSPACE = ' \\t\\xA0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000';

function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** Translates a Java pattern to JS source + flags; throws Error on constructs JS cannot express. */
export function translateJavaRegex(pattern: string): { source: string; flags: string } {
  let flags = '';
  let i = 0;
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'i' || f === 's' || f === 'm') { if (!flags.includes(f)) flags += f; }
      else if (f === 'u' || f === 'd' || f === 'U') { /* unicode case / unix lines: no JS equivalent needed */ }
      else throw new Error(`unsupported inline flag '${f}'`);
    }
    i = lead[0].length;
  }
  let out = '';
  let inClass = 0;
  let unicode = false;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i]!;
    if (c === '\\') {
      const d = pattern[i + 1];
      if (d === undefined) throw new Error('unexpected trailing backslash');
      if (d === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const lit = end < 0 ? pattern.slice(i + 2) : pattern.slice(i + 2, end);
        out += escapeLiteral(lit);
        i = end < 0 ? n : end + 2;
        continue;
      }
      if (d === 'p' || d === 'P') {
        const m = /^\{(\w+)\}/.exec(pattern.slice(i + 2));
        const name = m ? m[1]! : '';
        const posix = POSIX[name];
        if (m && posix !== undefined) {
          const neg = d === 'P';
          out += inClass > 0 ? (neg ? '' : posix) : `[${neg ? '^' : ''}${posix}]`;
          if (inClass > 0 && neg) throw new Error(`\\P{${name}} inside a character class is not supported`);
          i += 2 + m[0].length;
          continue;
        }
        // Other Unicode properties need the u flag; Java's one-letter form \pL becomes \p{L}.
        unicode = true;
        if (m) { out += c + d + m[0]; i += 2 + m[0].length; }
        else { out += `${c}${d}{${pattern[i + 2] ?? ''}}`; i += 3; }
        continue;
      }
      if (d === 'h' || d === 'H') {
        const neg = d === 'H';
        if (inClass > 0 && neg) throw new Error('\\H inside a character class is not supported');
        out += inClass > 0 ? HSPACE : `[${neg ? '^' : ''}${HSPACE}]`;
        i += 2;
        continue;
      }
      if (d === 'e') { out += '\\x1B'; i += 2; continue; }
      if (d === 'a') { out += '\\x07'; i += 2; continue; }
      if (inClass === 0 && d === 'R') { out += '(?:\\r\\n|[\\n\\x0B\\f\\r\\x85\\u2028\\u2029])'; i += 2; continue; }
      if (d === 'G' || d === 'X' || d === 'R') throw new Error(`\\${d} is not supported`);
      if (inClass === 0 && d === 'A') { out += '^'; i += 2; continue; }
      if (inClass === 0 && d === 'z') { out += '$'; i += 2; continue; }
      if (inClass === 0 && d === 'Z') { out += '(?=\\n?$)'; i += 2; continue; }
      out += c + d;
      i += 2;
      continue;
    }
    if (inClass > 0) {
      if (c === '[') throw new Error('nested character classes are not supported');
      if (c === '&' && pattern[i + 1] === '&') throw new Error('character class intersection (&&) is not supported');
      if (c === ']') inClass--;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass++;
      out += c;
      i++;
      // A ']' right after '[' or '[^' is a literal in Java.
      if (pattern[i] === '^') { out += '^'; i++; }
      if (pattern[i] === ']') { out += '\\]'; i++; }
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (rest.startsWith('>')) throw new Error('atomic groups (?>…) are not supported');
      if (/^[a-zA-Z-]+[):]/.test(rest) && !rest.startsWith('<')) throw new Error('inline flags are only supported at the start of the pattern');
    }
    if ((c === '+' || c === '*' || c === '?' || c === '}') && pattern[i + 1] === '+') {
      throw new Error('possessive quantifiers are not supported');
    }
    out += c;
    i++;
  }
  if (unicode) flags += 'u';
  return { source: out, flags };
}

/** Compiles a Java regex. `full` anchors it so test() behaves like Matcher.matches(). Throws Error. */
export function compileJavaRegex(pattern: string, full = false): RegExp {
  const { source, flags } = translateJavaRegex(pattern);
  assertLinearRegex(source);
  return new RegExp(full ? `^(?:${source})$` : source, flags);
}

/** A config validator message for a pattern, or undefined if it compiles. */
export function javaRegexError(pattern: string): string | undefined {
  try {
    compileJavaRegex(pattern);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

type ReplacementPart = string | number | { name: string };

/** A parsed Java replacement string (Matcher.appendReplacement syntax) bound to a regex's groups. */
export class JavaReplacement {
  private readonly parts: ReplacementPart[];
  private readonly literal: string | null;

  constructor(readonly text: string, regex: RegExp) {
    const probe = new RegExp(`(?:${regex.source})|`, regex.flags.replace('g', '')).exec('')!;
    const groupCount = probe.length - 1;
    const names = new Set(Object.keys(probe.groups ?? {}));
    const parts: ReplacementPart[] = [];
    let lit = '';
    let i = 0;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '\\') {
        if (i + 1 >= text.length) throw new Error('character to be escaped is missing');
        lit += text[i + 1];
        i += 2;
      } else if (c === '$') {
        if (i + 1 >= text.length) throw new Error('Illegal group reference: group index is missing');
        const d = text[i + 1]!;
        if (d === '{') {
          const end = text.indexOf('}', i + 2);
          const name = end < 0 ? '' : text.slice(i + 2, end);
          if (end < 0 || !/^[a-zA-Z][a-zA-Z0-9]*$/.test(name)) throw new Error("named capturing group is missing trailing '}' or has an invalid name");
          if (!names.has(name)) throw new Error(`No group with name {${name}}`);
          if (lit) parts.push(lit);
          lit = '';
          parts.push({ name });
          i = end + 1;
        } else if (d >= '0' && d <= '9') {
          let num = d.charCodeAt(0) - 48;
          if (num > groupCount) throw new Error(`No group ${num}`);
          i += 2;
          // Java keeps consuming digits while the number stays a valid group index.
          while (i < text.length) {
            const e = text[i]!;
            if (e < '0' || e > '9') break;
            const next = num * 10 + (e.charCodeAt(0) - 48);
            if (next > groupCount) break;
            num = next;
            i++;
          }
          if (lit) parts.push(lit);
          lit = '';
          parts.push(num);
        } else {
          throw new Error('Illegal group reference');
        }
      } else {
        lit += c;
        i++;
      }
    }
    if (lit) parts.push(lit);
    this.parts = parts;
    this.literal = parts.every((p) => typeof p === 'string') ? parts.join('') : null;
  }

  /** Expands the replacement for a match (unmatched groups expand to nothing, as in Java). */
  expand(m: RegExpExecArray): string {
    if (this.literal !== null) return this.literal;
    let s = '';
    for (const p of this.parts) {
      if (typeof p === 'string') s += p;
      else if (typeof p === 'number') s += m[p] ?? '';
      else s += m.groups?.[p.name] ?? '';
    }
    return s;
  }
}

/** Java's String/Matcher.replaceFirst with a pre-parsed replacement. `regex` must not be global or sticky. */
export function replaceFirst(input: string, regex: RegExp, replacement: JavaReplacement): string {
  const m = regex.exec(input);
  if (!m) return input;
  return input.slice(0, m.index) + replacement.expand(m) + input.slice(m.index + m[0].length);
}
