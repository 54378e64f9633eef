/**
 * Java properties (zoo.cfg, server.properties), as java.util.Properties.load reads them
 * from a byte stream (ISO-8859-1: everything outside printable ASCII is a \uXXXX escape).
 *
 * Keys escape every character load() treats specially: \ space = : # ! and line breaks.
 * Values escape \ , control characters (so a newline can never start another property)
 * and a leading white-space character (load() skips it). = : # ! are plain inside a value
 * and stay so, which keeps listeners=PLAINTEXT://10.0.0.1:9092 readable. Escaping is
 * per character, so escaped pieces may be concatenated into one value.
 */
import { UnsafeValueError, assertWellFormedUnicode, scalarText } from './unsafe-value-error.js';

const unicodeEscape = (ch: string): string => `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

function escapeCharacter(ch: string): string | undefined {
  switch (ch) {
    case '\\':
      return '\\\\';
    case '\t':
      return '\\t';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\f':
      return '\\f';
  }
  const code = ch.charCodeAt(0);
  // a code point above U+FFFF is two UTF-16 units, each its own \uXXXX (as Java reads it)
  if (code < 0x20 || code > 0x7e) return ch.split('').map(unicodeEscape).join('');
  return undefined;
}

export function propertyKey(value: unknown): string {
  const text = scalarText('properties key', value);
  if (text === '') throw new UnsafeValueError('properties key', text, 'a property needs a name');
  assertWellFormedUnicode('properties key', text);
  let out = '';
  for (const ch of text) {
    const escaped = escapeCharacter(ch);
    if (escaped !== undefined) out += escaped;
    else if (ch === ' ' || ch === '=' || ch === ':' || ch === '#' || ch === '!') out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

export function propertyValue(value: unknown): string {
  const text = scalarText('properties value', value);
  assertWellFormedUnicode('properties value', text);
  let out = '';
  for (const ch of text) {
    const escaped = escapeCharacter(ch);
    if (escaped !== undefined) out += escaped;
    else if (ch === ' ' && out === '') out += '\\ ';
    else out += ch;
  }
  return out;
}
