/**
 * The one error type zkk shows to users. A user mistake or a remote failure is a
 * ZkkError with a code, the exit code it maps to, the host it happened on, the failing
 * command (masked), the relevant stderr lines and a hint. Anything else that reaches the
 * CLI is a bug and is printed with its stack.
 */
export const ExitCode = {
  ok: 0,
  hostFailed: 1,
  degraded: 1,
  usage: 2,
  connection: 3,
  changesPending: 4,
  down: 5,
  interrupted: 130,
} as const;

export interface ZkkErrorOptions {
  exitCode?: number;
  host?: string;
  hint?: string;
  command?: string;
  stderr?: string;
  cause?: unknown;
}

export class ZkkError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly host?: string;
  readonly hint?: string;
  readonly command?: string;
  readonly stderr?: string;

  constructor(code: string, message: string, opts: ZkkErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ZkkError';
    this.code = code;
    this.exitCode = opts.exitCode ?? ExitCode.hostFailed;
    this.host = opts.host;
    this.hint = opts.hint;
    this.command = opts.command;
    this.stderr = opts.stderr;
  }

  /** One readable block: "host: message", the command, the last stderr lines, the hint. */
  format(): string {
    const lines = [this.host ? `${this.host}: ${this.message}` : this.message];
    if (this.command) lines.push(`  command: ${this.command}`);
    if (this.stderr) {
      const tail = lastLines(this.stderr, 8);
      if (tail) lines.push(...tail.split('\n').map((l) => `  | ${l}`));
    }
    if (this.hint) lines.push(`  hint: ${this.hint}`);
    return lines.join('\n');
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      exitCode: this.exitCode,
      host: this.host,
      hint: this.hint,
      command: this.command,
      stderr: this.stderr ? lastLines(this.stderr, 8) : undefined,
    };
  }
}

/** A mistake in the inventory or the command line: exit 2. */
export class InventoryError extends ZkkError {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly field?: string;

  constructor(
    message: string,
    where: { file?: string; line?: number; column?: number; field?: string; hint?: string } = {},
  ) {
    const at = where.file ? `${where.file}${where.line ? `:${where.line}${where.column ? `:${where.column}` : ''}` : ''}: ` : '';
    const field = where.field ? `${where.field}: ` : '';
    super('INVENTORY', `${at}${field}${message}`, { exitCode: ExitCode.usage, hint: where.hint });
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.field = where.field;
  }
}

/** Several inventory mistakes at once, so the user fixes them in one go. */
export class InventoryErrors extends ZkkError {
  readonly errors: InventoryError[];
  constructor(errors: InventoryError[]) {
    super('INVENTORY', errors.map((e) => e.format()).join('\n'), { exitCode: ExitCode.usage });
    this.errors = errors;
  }
  override format(): string {
    return this.errors.map((e) => e.format()).join('\n');
  }
}

/** Unreachable host, authentication failure, host key refused: exit 3. */
export class ConnectionError extends ZkkError {
  constructor(code: string, host: string, message: string, opts: Omit<ZkkErrorOptions, 'host' | 'exitCode'> = {}) {
    super(code, message, { ...opts, host, exitCode: ExitCode.connection });
  }
}

/** A remote command exited non-zero (or a remote step failed): the host failed, exit 1. */
export class RemoteCommandError extends ZkkError {
  readonly exitStatus: number | null;
  constructor(host: string, command: string, exitStatus: number | null, stderr: string, hint?: string) {
    super('REMOTE_COMMAND', `command failed with exit ${exitStatus ?? 'signal'}`, {
      host,
      command,
      stderr,
      hint,
      exitCode: ExitCode.hostFailed,
    });
    this.exitStatus = exitStatus;
  }
}

export function lastLines(text: string, n: number): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-n).join('\n');
}

export function isZkkError(e: unknown): e is ZkkError {
  return e instanceof ZkkError;
}
