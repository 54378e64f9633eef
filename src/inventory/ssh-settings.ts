/**
 * How zkk reaches one host, resolved from the ssh blocks (cluster < host). The transport
 * takes this shape as it is (transport/ssh.ts imports the type: the inventory is data
 * that everyone may import, and it imports nothing of the transport).
 */
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import type { sshSchema } from './schema.js';

export interface SshSettings {
  user?: string;
  port?: number;
  identityFile?: string;
  agent?: boolean;
  config: string | false;
  /** True when `config` is the default ~/.ssh/config (then /etc/ssh/ssh_config is read too, as OpenSSH does without -F). */
  defaultConfig?: boolean;
  knownHosts: string;
  /** Unset: StrictHostKeyChecking from ssh_config, else accept-new. */
  hostKeyPolicy?: 'strict' | 'accept-new' | 'off';
  sudo?: boolean;
  /** Seconds; unset: ConnectTimeout from ssh_config, else 10. */
  connectTimeout?: number;
  connectRetries: number;
  /** Bastions, first hop first ([user@]host[:port]); [] = none; unset: ProxyJump from ssh_config. */
  jump?: string[];
}

type SshInput = z.infer<typeof sshSchema>;

export function resolveSsh(cluster: SshInput | undefined, host: SshInput | undefined, localPath: (p: string) => string): SshSettings {
  const m = { ...(cluster ?? {}), ...(host ?? {}) };
  const sshDir = path.join(os.homedir(), '.ssh');
  return {
    user: m.user,
    port: m.port,
    identityFile: m.identityFile ? localPath(m.identityFile) : undefined,
    agent: m.agent,
    config: m.config === false ? false : m.config ? localPath(m.config) : path.join(sshDir, 'config'),
    ...(m.config === undefined ? { defaultConfig: true } : {}),
    knownHosts: m.knownHosts ? localPath(m.knownHosts) : path.join(sshDir, 'known_hosts'),
    hostKeyPolicy: m.hostKeyPolicy,
    sudo: m.sudo,
    connectTimeout: m.connectTimeout,
    connectRetries: m.connectRetries ?? 2,
    ...(m.jump === undefined ? {} : { jump: (Array.isArray(m.jump) ? m.jump : [m.jump]).filter((j) => j !== 'none') }),
  };
}
