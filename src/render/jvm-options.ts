/**
 * jvmFlags as the start scripts consume them: zkServer.sh and kafka-run-class.sh expand
 * SERVER_JVMFLAGS / KAFKA_OPTS unquoted, i.e. split on white space. The inventory gives a
 * list of tokens (or one string, split on white space); a token that itself holds white
 * space cannot survive that split and is refused rather than silently cut in two.
 */
import { UnsafeValueError } from './unsafe-value-error.js';

export function jvmOptionTokens(flags: string | readonly string[] | undefined): string[] {
  if (flags === undefined) return [];
  const tokens = typeof flags === 'string' ? flags.split(/\s+/).filter((t) => t !== '') : [...flags];
  for (const token of tokens) {
    if (token === '') throw new UnsafeValueError('jvmFlags', token, 'an empty token');
    if (/[\s\x00-\x1f\x7f]/.test(token)) throw new UnsafeValueError('jvmFlags', token, 'a token with white space or a control character would be split by the start script');
  }
  return tokens;
}

/** The value of SERVER_JVMFLAGS / KAFKA_OPTS: the tokens, one space apart. */
export function jvmOptionsValue(flags: string | readonly string[] | undefined): string {
  return jvmOptionTokens(flags).join(' ');
}
