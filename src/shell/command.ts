/**
 * Command values: a command is built from parts; literal parts are quoted for a POSIX
 * shell, secret parts are sent as their real value but print as ***. Nothing outside
 * this module concatenates user values into shell text.
 */
export class Secret {
  constructor(readonly value: string) {}
  toString(): string {
    return '***';
  }
  toJSON(): string {
    return '***';
  }
}

/** Quote one word for a POSIX shell. */
export function quote(word: string): string {
  if (word === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface Command {
  /** What is sent to the host. */
  readonly text: string;
  /** What may be printed (secrets masked). */
  readonly display: string;
  /**
   * The whole command as `zkk plan --commands` prints it, secrets masked: a script's full
   * body (scripts are plain text built with quote(), they hold no Secret), else display.
   */
  readonly listing?: string;
}

type Part = string | Secret | Raw;

/** Shell text inserted as is (operators, redirections, already-built scripts). */
export class Raw {
  constructor(readonly text: string) {}
}
export const raw = (text: string): Raw => new Raw(text);

/** Build a command from words: strings are quoted, Raw goes verbatim, Secret is masked in display. */
export function cmd(...parts: Part[]): Command {
  const text: string[] = [];
  const display: string[] = [];
  for (const p of parts) {
    if (p instanceof Raw) {
      text.push(p.text);
      display.push(p.text);
    } else if (p instanceof Secret) {
      text.push(quote(p.value));
      display.push('***');
    } else {
      text.push(quote(p));
      display.push(quote(p));
    }
  }
  return { text: text.join(' '), display: display.join(' '), listing: display.join(' ') };
}

/** A shell script (several lines) as one command; display is the first line plus a count. */
export function script(body: string, label?: string): Command {
  const first = label ?? body.trim().split('\n')[0] ?? '';
  const n = body.trim().split('\n').length;
  return { text: body, display: n > 1 ? `${first} … (${n} lines)` : first, listing: body.trim() };
}

/** Replace every occurrence of the given secret values in free text (stderr, logs). */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}
