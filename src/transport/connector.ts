/** What the engine needs from a host connection; ssh is the real one. */
import type { Command } from '../shell/command.js';

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

export interface TransportStats {
  connections: number;
  commands: number;
  bytesUploaded: number;
}

export interface Connector {
  readonly host: string;
  readonly stats: TransportStats;
  /** True when commands run through sudo (non-root login). */
  readonly usesSudo: boolean;
  exec(command: Command, opts?: ExecOptions): Promise<ExecResult>;
  /** Copy a local file to a remote path the login user can write (SFTP). */
  putFile(localPath: string, remotePath: string): Promise<void>;
  close(): Promise<void>;
}
