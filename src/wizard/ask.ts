/**
 * Small wrappers over @inquirer/prompts, so commands and tests can drive them. The
 * interview talks to an Asker; inquirerAsker is the terminal one, tests pass a scripted
 * one. Ctrl-C in a prompt becomes a ZkkError with exit code 130 (interrupted).
 */
import { ZkkError, ExitCode } from '../errors/zkk-error.js';
import type { HostEntry } from './answers.js';
import type { HostListStep } from './validate.js';

export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
  checked?: boolean;
}

export interface TextQuestion {
  message: string;
  default?: string;
  /** true, or the reason the answer is refused (shown; the question is asked again). */
  validate?: (value: string) => true | string;
}

export interface SelectQuestion<T> {
  message: string;
  choices: Choice<T>[];
  default?: T;
}

export interface CheckboxQuestion<T> {
  message: string;
  choices: Choice<T>[];
  validate?: (values: T[]) => true | string;
}

export interface ConfirmQuestion {
  message: string;
  default?: boolean;
}

export interface HostListQuestion {
  message: string;
  help?: string;
  applyLine: (accepted: readonly HostEntry[], line: string) => HostListStep;
}

/** What the interview needs from a user. */
export interface Asker {
  text(q: TextQuestion): Promise<string>;
  select<T>(q: SelectQuestion<T>): Promise<T>;
  checkbox<T>(q: CheckboxQuestion<T>): Promise<T[]>;
  confirm(q: ConfirmQuestion): Promise<boolean>;
  hostList(q: HostListQuestion): Promise<HostEntry[]>;
  /** A line of information between questions (a warning, a decision made for the user). */
  note(text: string): void;
}

export async function askSecret(message: string): Promise<string> {
  if (!process.stdin.isTTY) throw new ZkkError('USAGE', 'a password prompt needs a terminal', { exitCode: ExitCode.usage, hint: 'run zkk from a terminal, or configure password-less sudo' });
  const { password } = await import('@inquirer/prompts');
  return interruptible(() => password({ message, mask: '*' }));
}

export async function askText(q: TextQuestion): Promise<string> {
  const { input } = await import('@inquirer/prompts');
  return interruptible(() => input({ message: q.message, default: q.default || undefined, validate: q.validate }));
}

export async function askSelect<T>(q: SelectQuestion<T>): Promise<T> {
  const { select } = await import('@inquirer/prompts');
  return interruptible(() => select<T>({ message: q.message, choices: q.choices, default: q.default, loop: false }));
}

export async function askCheckbox<T>(q: CheckboxQuestion<T>): Promise<T[]> {
  const { checkbox } = await import('@inquirer/prompts');
  const validate = q.validate;
  return interruptible(() =>
    checkbox<T>({
      message: q.message,
      choices: q.choices,
      loop: false,
      pageSize: 12,
      validate: validate ? (chosen) => validate(chosen.map((c) => c.value)) : undefined,
    }),
  );
}

export async function askConfirm(q: ConfirmQuestion): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return interruptible(() => confirm({ message: q.message, default: q.default }));
}

export async function askHostList(q: HostListQuestion): Promise<HostEntry[]> {
  const { hostListPrompt } = await import('./host-list-prompt.js');
  return interruptible(() => hostListPrompt({ message: q.message, help: q.help, applyLine: q.applyLine }));
}

/** The terminal asker (stdin/stdout must be a TTY). */
export const inquirerAsker: Asker = {
  text: askText,
  select: askSelect,
  checkbox: askCheckbox,
  confirm: askConfirm,
  hostList: askHostList,
  note: (text) => process.stdout.write(`${text}\n`),
};

async function interruptible<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if ((e as Error)?.name === 'ExitPromptError') {
      throw new ZkkError('INTERRUPTED', 'interrupted', { exitCode: ExitCode.interrupted });
    }
    throw e;
  }
}
