/**
 * java.util.Properties.load, written from its javadoc for the tests (the JVM check in
 * java-reader.ts is the authority; this one is fast and runs everywhere): natural lines
 * end at \n, \r or \r\n; a line whose first non-blank is # or ! is a comment; a trailing
 * odd backslash joins the next line (its leading blanks dropped); the key ends at the
 * first unescaped = : or blank; escapes \t \n \r \f \uXXXX, and \x is x.
 */
export function readProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const natural = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < natural.length; i++) {
    let line = natural[i]!.replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < natural.length) line = line.slice(0, -1) + natural[++i]!.replace(/^[ \t\f]+/, '');
    if (/(^|[^\\])(\\\\)*\\$/.test(line)) line = line.slice(0, -1);
    let k = 0;
    while (k < line.length && !/[=: \t\f]/.test(line[k]!)) k += line[k] === '\\' ? 2 : 1;
    const key = line.slice(0, k);
    let v = k;
    while (v < line.length && /[ \t\f]/.test(line[v]!)) v++;
    if (v < line.length && /[=:]/.test(line[v]!)) v++;
    while (v < line.length && /[ \t\f]/.test(line[v]!)) v++;
    out.set(unescape(key), unescape(line.slice(v)));
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ t: '\t', n: '\n', r: '\r', f: '\f' } as Record<string, string>)[e] ?? e;
  });
}
