/**
 * systemd unit values (systemd.syntax(7), systemd.service(5), systemd.exec(5)).
 *
 * Two kinds of setting exist. Most (User=, Group=, PIDFile=, TimeoutStopSec=) take the
 * rest of the line literally: no quotes are removed, so a value is written as is, `%`
 * doubled (specifiers are expanded), and refused if it holds a control character (a
 * newline would start a new setting), starts or ends with white space (trimmed by the
 * parser) or ends with a backslash (a line continuation).
 *
 * Command lines (ExecStart=…) and Environment= are split into words with quotes removed
 * and C escapes decoded. A word is left bare when it is made of plain characters, else
 * double-quoted with \ " and control characters escaped; `%` is always doubled, and in
 * command lines `$` is doubled too (systemd substitutes $VAR there, not in Environment=).
 */
import { UnsafeValueError, assertWellFormedUnicode, scalarText } from './unsafe-value-error.js';

const BARE_UNIT_WORD = /^[A-Za-z0-9_@+=:,./-]+$/;
const CONTROL = /[\x00-\x1f\x7f]/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A setting that takes its value literally (User=, PIDFile=, …). */
export function unitSettingValue(value: unknown): string {
  const text = scalarText('systemd setting', value);
  assertWellFormedUnicode('systemd setting', text);
  if (CONTROL.test(text)) throw new UnsafeValueError('systemd setting', text, 'a control character (a newline would start another setting)');
  if (/^\s|\s$/.test(text)) throw new UnsafeValueError('systemd setting', text, 'leading or trailing white space is dropped by systemd');
  if (text.endsWith('\\')) throw new UnsafeValueError('systemd setting', text, 'a trailing backslash continues the line');
  if (text === '') throw new UnsafeValueError('systemd setting', text, 'an empty value resets the setting');
  return text.replace(/%/g, '%%');
}

function quotedUnitWord(format: string, text: string, dollar: 'literal' | 'doubled'): string {
  if (text.includes('\0')) throw new UnsafeValueError(format, text, 'systemd refuses a NUL byte');
  assertWellFormedUnicode(format, text);
  let out = '';
  for (const ch of text) {
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (CONTROL.test(ch)) out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else if (ch === '%') out += '%%';
    else if (ch === '$' && dollar === 'doubled') out += '$$';
    else out += ch;
  }
  return `"${out}"`;
}

/** One argument of a command line (ExecStart=, ExecStop=, ExecStartPost=). */
export function unitCommandArgument(value: unknown): string {
  const text = scalarText('systemd command argument', value);
  if (BARE_UNIT_WORD.test(text)) return text;
  return quotedUnitWord('systemd command argument', text, 'doubled');
}

/** The program of a command line: an absolute path, so no prefix (@ - : + !) can be smuggled in. */
export function unitCommandProgram(value: unknown): string {
  const text = scalarText('systemd command', value);
  if (!text.startsWith('/')) throw new UnsafeValueError('systemd command', text, 'the program must be an absolute path');
  return unitCommandArgument(text);
}

/** One Environment= assignment NAME=value (quoted when the value needs it; $ is literal there). */
export function unitEnvironmentAssignment(name: unknown, value: unknown): string {
  const key = scalarText('systemd environment', name);
  if (!ENV_NAME.test(key)) throw new UnsafeValueError('systemd environment', key, 'not a variable name');
  const word = `${key}=${scalarText('systemd environment', value)}`;
  if (BARE_UNIT_WORD.test(word)) return word;
  return quotedUnitWord('systemd environment', word, 'literal');
}
