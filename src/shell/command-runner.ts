/**
 * What a role's handlers (converge, verify, status checks) and fact gathering may do on a
 * host: run one command. The engine owns the connection (transport/connector.ts, which
 * extends this) and hands out only this, so nothing below the engine imports transport.
 */
import type { Command } from './command.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface ExecOptions {
  stdin?: string | Buffer;
  /** Throw RemoteCommandError on a non-zero exit (default true). */
  check?: boolean;
  /** Run without sudo even when the connection uses it (default false). */
  noSudo?: boolean;
  timeoutMs?: number;
  hint?: string;
}

export interface CommandRunner {
  /** The host's name, for messages. */
  readonly host: string;
  exec(command: Command, opts?: ExecOptions): Promise<ExecResult>;
}
