/**
 * The parts of ~/.ssh/config zkk honours: HostName, User, Port, IdentityFile,
 * UserKnownHostsFile. First match wins, as in OpenSSH.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface SshConfigEntry {
  hostName?: string;
  user?: string;
  port?: number;
  identityFile?: string;
  /** UserKnownHostsFile: every file listed (OpenSSH reads them all, records into the first); [] for `none`. */
  userKnownHostsFiles?: string[];
}

export async function readSshConfig(file: string | false, host: string): Promise<SshConfigEntry> {
  if (!file) return {};
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {};
  }
  return lookupSshConfig(text, host);
}

export function lookupSshConfig(text: string, host: string): SshConfigEntry {
  const out: SshConfigEntry = {};
  let active = true; // lines before the first Host apply to all
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+)\s*=?\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.replace(/^"(.*)"$/, '$1');
    if (key === 'host') {
      active = matchesHost(value.split(/\s+/), host);
      continue;
    }
    if (key === 'match') {
      active = false; // Match blocks are not interpreted
      continue;
    }
    if (!active) continue;
    const expand = (p: string) => (p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p.replace(/%h/g, host));
    if (key === 'hostname' && out.hostName === undefined) out.hostName = value.replace(/%h/g, host);
    else if (key === 'user' && out.user === undefined) out.user = value;
    else if (key === 'port' && out.port === undefined) out.port = Number(value);
    else if (key === 'identityfile' && out.identityFile === undefined) out.identityFile = expand(value);
    else if (key === 'userknownhostsfile' && out.userKnownHostsFiles === undefined)
      out.userKnownHostsFiles = value.toLowerCase() === 'none' ? [] : value.split(/\s+/).filter(Boolean).map(expand);
  }
  return out;
}

function matchesHost(patterns: string[], host: string): boolean {
  let matched = false;
  for (const p of patterns) {
    const neg = p.startsWith('!');
    const re = new RegExp(`^${(neg ? p.slice(1) : p).replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    if (re.test(host)) {
      if (neg) return false;
      matched = true;
    }
  }
  return matched;
}
