/**
 * XML attribute values and character data (logback.xml): the five markup characters as
 * entities, tab/newline/CR as character references (an attribute would otherwise
 * normalise them to spaces), and characters XML 1.0 cannot hold at all refused.
 */
import { UnsafeValueError, assertWellFormedUnicode, scalarText } from './unsafe-value-error.js';

const NOT_XML_10 = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };

export function xmlText(value: unknown): string {
  const text = scalarText('XML', value);
  assertWellFormedUnicode('XML', text);
  if (NOT_XML_10.test(text)) throw new UnsafeValueError('XML', text, 'a character XML 1.0 cannot represent');
  return text.replace(/[&<>"'\t\n\r]/g, (ch) => ENTITIES[ch]!);
}
