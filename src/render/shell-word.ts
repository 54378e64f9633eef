/**
 * POSIX shell words for rendered scripts (init.d scripts, java.env): a value becomes
 * exactly one word with no expansion — left bare when it is made only of characters no
 * shell treats specially (so /var/lib/zookeeper stays readable), else single-quoted with
 * each ' written as '\''. Inside single quotes every byte is literal, newlines included.
 */
import { UnsafeValueError, assertWellFormedUnicode, scalarText } from './unsafe-value-error.js';

const BARE_SHELL_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellWord(value: unknown): string {
  const text = scalarText('shell word', value);
  if (text.includes('\0')) throw new UnsafeValueError('shell word', text, 'a shell script cannot hold a NUL byte');
  assertWellFormedUnicode('shell word', text);
  if (BARE_SHELL_WORD.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
