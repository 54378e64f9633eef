/**
 * Secrets named by the inventory (a file or an environment variable), read on the control
 * node when a run needs them. The value is never part of an error message.
 */
import { readFile } from 'node:fs/promises';
import { ExitCode, ZkkError } from '../../errors/zkk-error.js';
import { controlNodePath } from '../../inventory/merge.js';
import type { SecretSource } from './settings.js';

/**
 * The secret's text: a file's first line (a trailing newline dropped) or the variable's value.
 * Refused when empty, longer than 256, or holding a quote, a backslash or a control character
 * (it is written into a JAAS config string).
 */
export async function readSecret(source: SecretSource, inventoryDir: string, field: string): Promise<string> {
  let value: string | undefined;
  let where: string;
  if (source.file !== undefined) {
    where = controlNodePath(inventoryDir, source.file);
    try {
      value = (await readFile(where, 'utf8')).replace(/\r?\n$/, '');
    } catch (e) {
      throw new ZkkError('SECRET', `${field}: cannot read ${where}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { exitCode: ExitCode.usage, hint: 'create the file with the password on one line (chmod 600)' });
    }
  } else {
    where = `environment variable ${source.env}`;
    value = process.env[source.env!];
    if (value === undefined) throw new ZkkError('SECRET', `${field}: ${where} is not set`, { exitCode: ExitCode.usage, hint: `export ${source.env}=… before running zkk` });
  }
  const problem = secretProblem(value);
  if (problem) throw new ZkkError('SECRET', `${field}: the secret in ${where} ${problem}`, { exitCode: ExitCode.usage });
  return value;
}

export function secretProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.length > 256) return 'is longer than 256 characters';
  if (/[\u0000-\u001F\u007F"\\]/.test(value)) return 'holds a quote, a backslash, a line break or a control character';
  if (value.length < 8) return 'is shorter than 8 characters';
  return undefined;
}
