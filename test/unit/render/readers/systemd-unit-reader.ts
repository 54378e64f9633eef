/**
 * A systemd unit file read as systemd reads it, written from systemd.syntax(7),
 * systemd.service(5) and systemd.exec(5) for the tests (systemd-analyze verify, where
 * installed, checks the same files for anything this reader does not model):
 * sections, Key=Value lines (value trimmed), # and ; comments, a trailing backslash
 * joining lines; command lines and Environment= split into words with quotes removed
 * and C escapes decoded; then specifiers (%%) and, in command lines, $$ / $VAR.
 * Whatever would be expanded at run time (a specifier, a variable, a lone ;) is reported,
 * so a test can prove a value reached the service exactly as written.
 */
export interface UnitSetting {
  section: string;
  key: string;
  value: string;
}

export function readUnitFile(text: string): UnitSetting[] {
  const out: UnitSetting[] = [];
  let section = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (/^\s*[#;]/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = `${line.slice(0, -1)} `;
      const next = lines[++i]!;
      if (/^\s*[#;]/.test(next)) continue;
      line += next;
    }
    if (line.trim() === '') continue;
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`unit line ${i + 1} is not Key=Value: ${JSON.stringify(line)}`);
    out.push({ section, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() });
  }
  return out;
}

export interface SplitWords {
  words: string[];
  /** Specifiers, variable substitutions or separators systemd would act on. */
  expansions: string[];
}

const C_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'", s: ' ' };

function cUnescape(s: string, at: number): { ch: string; next: number } {
  const e = s[at]!;
  if (e in C_ESCAPES) return { ch: C_ESCAPES[e]!, next: at + 1 };
  if (e === 'x' && /^[0-9a-fA-F]{2}/.test(s.slice(at + 1))) return { ch: String.fromCharCode(parseInt(s.slice(at + 1, at + 3), 16)), next: at + 3 };
  if (/^[0-7]{3}/.test(s.slice(at))) return { ch: String.fromCharCode(parseInt(s.slice(at, at + 3), 8)), next: at + 3 };
  if (e === 'u' && /^[0-9a-fA-F]{4}/.test(s.slice(at + 1))) return { ch: String.fromCodePoint(parseInt(s.slice(at + 1, at + 5), 16)), next: at + 5 };
  if (e === 'U' && /^[0-9a-fA-F]{8}/.test(s.slice(at + 1))) return { ch: String.fromCodePoint(parseInt(s.slice(at + 1, at + 9), 16)), next: at + 9 };
  throw new Error(`invalid escape \\${e}`);
}

/** extract_first_word(EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE) over the whole value. */
function splitQuotedWords(value: string): { words: string[]; separators: number } {
  const words: string[] = [];
  let separators = 0;
  let i = 0;
  while (i < value.length) {
    while (i < value.length && /\s/.test(value[i]!)) i++;
    if (i >= value.length) break;
    if (value[i] === ';' && (i + 1 === value.length || /\s/.test(value[i + 1]!))) {
      separators++;
      i++;
      continue;
    }
    let word = '';
    let quote: string | null = null;
    for (; i < value.length; ) {
      const ch = value[i]!;
      if (ch === '\\') {
        // a C escape, inside quotes or out
        const u = cUnescape(value, i + 1);
        word += u.ch;
        i = u.next;
        continue;
      }
      if (!quote && /\s/.test(ch)) break;
      if (quote && ch === quote) quote = null;
      else if (!quote && (ch === '"' || ch === "'")) quote = ch;
      else word += ch;
      i++;
    }
    if (quote) throw new Error(`unterminated quote in ${JSON.stringify(value)}`);
    words.push(word);
  }
  return { words, separators };
}

function expandSpecifiers(word: string, expansions: string[]): string {
  return word.replace(/%(.)/g, (_m, c: string) => {
    if (c === '%') return '%';
    expansions.push(`specifier %${c}`);
    return `%${c}`;
  });
}

/** A command line: words after specifier expansion, then $$ → $ (any $VAR is reported). */
export function commandLineWords(value: string): SplitWords {
  const expansions: string[] = [];
  const { words, separators } = splitQuotedWords(value);
  if (separators > 0) expansions.push(`${separators} command separator(s)`);
  const out = words.map((w) =>
    expandSpecifiers(w, expansions).replace(/\$(\$|\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)/g, (_m, v: string) => {
      if (v === '$') return '$';
      expansions.push(`variable $${v}`);
      return `$${v}`;
    }),
  );
  return { words: out, expansions };
}

/** Environment=: NAME=value words after specifier expansion ($ has no meaning there). */
export function environmentAssignments(value: string): { vars: Map<string, string>; expansions: string[] } {
  const expansions: string[] = [];
  const vars = new Map<string, string>();
  for (const w of splitQuotedWords(value).words) {
    const word = expandSpecifiers(w, expansions);
    const eq = word.indexOf('=');
    if (eq <= 0) throw new Error(`invalid environment assignment ${JSON.stringify(word)}`);
    vars.set(word.slice(0, eq), word.slice(eq + 1));
  }
  return { vars, expansions };
}

/** A setting taken literally (User=, PIDFile=): only specifiers apply. */
export function literalSetting(value: string): { value: string; expansions: string[] } {
  const expansions: string[] = [];
  return { value: expandSpecifiers(value, expansions), expansions };
}
