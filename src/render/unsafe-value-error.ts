/**
 * A value that an output format cannot represent safely (a NUL byte in a shell word, a
 * newline in a systemd setting that takes its value literally, …). Rendering stops with
 * exit 2 rather than write a file whose meaning differs from the inventory's.
 */
import { ExitCode, ZkkError } from '../errors/zkk-error.js';

export class UnsafeValueError extends ZkkError {
  readonly outputFormat: string;
  readonly value: string;
  constructor(format: string, value: string, reason: string) {
    super('UNSAFE_VALUE', `${format}: cannot write ${describeValue(value)}: ${reason}`, {
      exitCode: ExitCode.usage,
      hint: 'zkk validate names the inventory field; use a value without control characters',
    });
    this.name = 'UnsafeValueError';
    this.outputFormat = format;
    this.value = value;
  }
}

/** JSON-quoted and capped, so a hostile value cannot flood or forge the error output. */
export function describeValue(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(shown);
}

/** Formats accept strings, numbers and booleans; anything else is a template bug. */
export function scalarText(format: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  throw new UnsafeValueError(format, String(value), `expected a string, number or boolean, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
}

/** Lone UTF-16 surrogates become U+FFFD when written as UTF-8: the file would not say what the inventory says. */
export function assertWellFormedUnicode(format: string, text: string): void {
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text))
    throw new UnsafeValueError(format, text, 'contains a lone UTF-16 surrogate');
}
