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
  knownHosts: string;
  hostKeyPolicy: 'strict' | 'accept-new' | 'off';
  sudo?: boolean;
  connectTimeout: number;
  connectRetries: number;
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
    knownHosts: m.knownHosts ? localPath(m.knownHosts) : path.join(sshDir, 'known_hosts'),
    hostKeyPolicy: m.hostKeyPolicy ?? 'accept-new',
    sudo: m.sudo,
    connectTimeout: m.connectTimeout ?? 10,
    connectRetries: m.connectRetries ?? 2,
  };
}
