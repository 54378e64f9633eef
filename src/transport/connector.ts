/** What the engine needs from a host connection; ssh is the real one. */
import type { Command } from '../shell/command.js';
import type { CommandRunner, ExecOptions, ExecResult } from '../shell/command-runner.js';

export type { CommandRunner, ExecOptions, ExecResult } from '../shell/command-runner.js';

export interface TransportStats {
  connections: number;
  commands: number;
  bytesUploaded: number;
}

export interface Connector extends CommandRunner {
  readonly host: string;
  readonly stats: TransportStats;
  /** True when commands run through sudo (non-root login). */
  readonly usesSudo: boolean;
  /** ssh_config lines zkk did not honour for this host (a Match block, a ProxyCommand): shown as warnings. */
  readonly warnings?: readonly string[];
  exec(command: Command, opts?: ExecOptions): Promise<ExecResult>;
  /** Copy a local file to a remote path the login user can write (SFTP). */
  putFile(localPath: string, remotePath: string): Promise<void>;
  close(): Promise<void>;
}
