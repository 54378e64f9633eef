/** Small wrappers over @inquirer/prompts, so commands and tests can drive them. */
import { ZkkError, ExitCode } from '../errors/zkk-error.js';

export async function askSecret(message: string): Promise<string> {
  if (!process.stdin.isTTY) throw new ZkkError('USAGE', 'a password prompt needs a terminal', { exitCode: ExitCode.usage, hint: 'run zkk from a terminal, or configure password-less sudo' });
  const { password } = await import('@inquirer/prompts');
  return password({ message, mask: '*' });
}
