/**
 * Two formats shared by every kind of file: a comment on one line (any control
 * character refused, so a value can never end the comment and start code), and a
 * whole number (myid, ports, sizes).
 */
import { UnsafeValueError, assertWellFormedUnicode, scalarText } from './unsafe-value-error.js';

export function commentText(value: unknown): string {
  const text = scalarText('comment', value);
  assertWellFormedUnicode('comment', text);
  if (/[\x00-\x1f\x7f\u0085\u2028\u2029]/.test(text)) throw new UnsafeValueError('comment', text, 'a control character or line break would end the comment');
  return text;
}

export function wholeNumber(value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw new UnsafeValueError('number', String(value), 'expected a whole number');
}
