// A parser for `sasl.jaas.config` values, following the grammar Java's JAAS ConfigFile and Kafka's JaasConfig
// accept (a java.io.StreamTokenizer over the text):
//
//   <LoginModuleClass> <flag> [<option>=<value>]* ;   (repeated; Kafka clients require exactly one module)
//
// flag is required | requisite | sufficient | optional (case-insensitive); a value is a bare word or a
// double-quoted string in which StreamTokenizer's escapes apply (\" \\ \n \t \r \b \f \a \v and octal);
// `//`, `/* */` comments are skipped. Errors name the position, never a value (values hold passwords).

export type JaasFlag = 'required' | 'requisite' | 'sufficient' | 'optional';

export interface JaasLoginModule {
  loginModule: string;
  flag: JaasFlag;
  options: Record<string, string>;
}

export class JaasConfigError extends Error {
  constructor(message: string) {
    super(`Invalid sasl.jaas.config: ${message}`);
    this.name = 'JaasConfigError';
  }
}

const FLAGS = new Set<JaasFlag>(['required', 'requisite', 'sufficient', 'optional']);

type Token = { kind: 'word'; text: string } | { kind: 'quoted'; text: string } | { kind: 'char'; text: string };

function isWordChar(c: string): boolean {
  // StreamTokenizer as JAAS sets it up: letters, digits and these symbols make words; '=' ';' '"' are ordinary.
  return /[A-Za-z0-9_.$\-/:@+*?!#%&~^|,[\]<>()']/.test(c) || c.charCodeAt(0) > 127;
}

const ESCAPES: Record<string, string> = { a: '\u0007', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\u000b' };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new JaasConfigError('unterminated /* comment');
      i = end + 2;
      continue;
    }
    if (c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length || text[i] === '\n') throw new JaasConfigError('unterminated quoted value');
        const d = text[i]!;
        if (d === '"') { i++; break; }
        if (d === '\\' && i + 1 < text.length) {
          const e = text[i + 1]!;
          if (/[0-7]/.test(e)) {
            // Up to three octal digits (StreamTokenizer: at most \377).
            let j = i + 1;
            let v = 0;
            const max = e <= '3' ? 3 : 2;
            while (j < text.length && j - i - 1 < max && /[0-7]/.test(text[j]!)) v = v * 8 + Number(text[j++]);
            s += String.fromCharCode(v);
            i = j;
          } else {
            s += ESCAPES[e] ?? e;
            i += 2;
          }
          continue;
        }
        s += d;
        i++;
      }
      out.push({ kind: 'quoted', text: s });
      continue;
    }
    if (isWordChar(c)) {
      let j = i;
      while (j < text.length && isWordChar(text[j]!) && !(text[j] === '/' && (text[j + 1] === '/' || text[j + 1] === '*'))) j++;
      out.push({ kind: 'word', text: text.slice(i, j) });
      i = j;
      continue;
    }
    out.push({ kind: 'char', text: c });
    i++;
  }
  return out;
}

/** Parses every login module of a JAAS configuration text. */
export function parseJaasModules(text: string): JaasLoginModule[] {
  const tokens = tokenize(text);
  const modules: JaasLoginModule[] = [];
  let i = 0;
  const at = () => tokens[i];
  while (i < tokens.length) {
    const cls = at();
    if (!cls || cls.kind !== 'word') throw new JaasConfigError(`expected a login module class name (module ${modules.length + 1})`);
    i++;
    const flagTok = at();
    if (!flagTok || flagTok.kind !== 'word' || !FLAGS.has(flagTok.text.toLowerCase() as JaasFlag)) {
      throw new JaasConfigError(`login module ${cls.text} must be followed by a control flag (required, requisite, sufficient or optional)`);
    }
    i++;
    const options: Record<string, string> = {};
    for (;;) {
      const t = at();
      if (!t) throw new JaasConfigError(`login module ${cls.text} is not terminated by ';'`);
      if (t.kind === 'char' && t.text === ';') { i++; break; }
      if (t.kind !== 'word') throw new JaasConfigError(`expected an option name in login module ${cls.text}`);
      const name = t.text;
      i++;
      const eq = at();
      if (!eq || eq.kind !== 'char' || eq.text !== '=') throw new JaasConfigError(`option ${name} of login module ${cls.text} has no '=' value`);
      i++;
      const v = at();
      if (!v || v.kind === 'char') throw new JaasConfigError(`option ${name} of login module ${cls.text} has no value`);
      options[name] = v.text;
      i++;
    }
    modules.push({ loginModule: cls.text, flag: flagTok.text.toLowerCase() as JaasFlag, options });
  }
  return modules;
}

/** A client's `sasl.jaas.config`: Kafka requires exactly one login module. */
export function parseJaasConfig(text: string): JaasLoginModule {
  const modules = parseJaasModules(text);
  if (modules.length !== 1) throw new JaasConfigError(`must contain exactly one login module, found ${modules.length}`);
  return modules[0]!;
}
