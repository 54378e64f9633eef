/**
 * ssh_config read the way OpenSSH reads it, for the options zkk uses: `Host` patterns
 * (`*`, `?`, `!` negation; matched against the name as given), the first value of an
 * option wins (IdentityFile accumulates), `Include` (globs; relative paths are under
 * ~/.ssh; an Include inside a Host block applies only when the block does), HostName with
 * `%h`, User, Port, IdentityFile, IdentitiesOnly, IdentityAgent, UserKnownHostsFile,
 * GlobalKnownHostsFile, StrictHostKeyChecking, ConnectTimeout, ServerAliveInterval,
 * ServerAliveCountMax, ProxyJump — and warnings for what zkk does not run: `Match`
 * blocks and ProxyCommand. The values are kept as written (like `ssh -G` prints
 * IdentityFile); `expandSshTokens` and `expandSshPath` turn them into paths.
 * Unit-tested against `ssh -G` (test/unit/transport/ssh-config.test.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SshConfigEntry {
  /** HostName (with %h expanded), else the name looked up; lower-cased as OpenSSH does. */
  hostName: string;
  user?: string;
  port?: number;
  /** Every IdentityFile, in order, as written (tokens and ~ unexpanded, as `ssh -G` prints them). */
  identityFiles: string[];
  identitiesOnly?: boolean;
  /** IdentityAgent as written: a path, `SSH_AUTH_SOCK`, `$VAR` or `none`. */
  identityAgent?: string;
  /** UserKnownHostsFile: every file listed, ~ expanded; [] for `none`. */
  userKnownHostsFiles?: string[];
  globalKnownHostsFiles?: string[];
  /** As written, lower-cased: yes | no | off | accept-new | ask. */
  strictHostKeyChecking?: string;
  /** Seconds. */
  connectTimeout?: number;
  /** Seconds; 0 = off. */
  serverAliveInterval?: number;
  serverAliveCountMax?: number;
  /** ProxyJump as written (`none` is left out: no jump). */
  proxyJump?: string;
  proxyCommand?: string;
  /** What zkk does not honour in the lines that applied (Match blocks, ProxyCommand). */
  warnings: string[];
}

/** The ssh_config files OpenSSH reads when no -F is given: the user's, then the system's. */
export const SYSTEM_SSH_CONFIG = '/etc/ssh/ssh_config';

const MAX_INCLUDE_DEPTH = 16;

interface Parse {
  host: string;
  out: Omit<SshConfigEntry, 'hostName'> & { hostName?: string };
  seen: Set<string>;
}

/**
 * Resolve `host` against ssh_config files read in order (`ssh -F file` reads only that
 * file; without -F OpenSSH reads ~/.ssh/config then /etc/ssh/ssh_config). Missing files
 * are skipped, as OpenSSH does.
 */
export function resolveSshConfig(files: readonly string[], host: string): SshConfigEntry {
  const p: Parse = { host, out: { identityFiles: [], warnings: [] }, seen: new Set() };
  for (const f of files) readFileInto(p, f, false, 0, f === SYSTEM_SSH_CONFIG ? '/etc/ssh' : path.join(os.homedir(), '.ssh'));
  const { hostName, ...rest } = p.out;
  return { ...rest, hostName: (hostName ? percent(hostName, { h: host }) : host).toLowerCase() };
}

/** One file's text (tests; `file` names it in warnings). */
export function lookupSshConfig(text: string, host: string, file = 'ssh_config'): SshConfigEntry {
  const p: Parse = { host, out: { identityFiles: [], warnings: [] }, seen: new Set() };
  parseInto(p, text, file, false, 0, path.join(os.homedir(), '.ssh'));
  const { hostName, ...rest } = p.out;
  return { ...rest, hostName: (hostName ? percent(hostName, { h: host }) : host).toLowerCase() };
}

/** The files a target's `ssh.config` setting stands for: false → none; the default → user's + system's. */
export function sshConfigFiles(config: string | false, isDefault: boolean): string[] {
  if (config === false) return [];
  return isDefault ? [config, SYSTEM_SSH_CONFIG] : [config];
}

/** Compatibility: one file (or none), one host. */
export async function readSshConfig(file: string | false, host: string): Promise<SshConfigEntry> {
  return resolveSshConfig(file ? [file] : [], host);
}

function readFileInto(p: Parse, file: string, neverMatch: boolean, depth: number, relDir: string): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return; // a missing config file is no error for OpenSSH either
  }
  parseInto(p, text, file, neverMatch, depth, relDir);
}

function parseInto(p: Parse, text: string, file: string, neverMatch: boolean, depth: number, relDir: string): void {
  let active = !neverMatch; // lines before the first Host apply to every host
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const args = splitArgs(lines[i]!);
    if (!args.length) continue;
    let keyword = args[0]!;
    let rest = args.slice(1);
    // `Key=value` and `Key = value`
    const eq = keyword.indexOf('=');
    if (eq > 0) {
      rest = [keyword.slice(eq + 1), ...rest].filter((a) => a !== '');
      keyword = keyword.slice(0, eq);
    } else if (rest[0]?.startsWith('=')) {
      rest = [rest[0].slice(1), ...rest.slice(1)].filter((a) => a !== '');
    }
    const key = keyword.toLowerCase();
    const where = `${file}:${i + 1}`;
    if (key === 'host') {
      active = !neverMatch && hostMatches(rest, p.host);
      continue;
    }
    if (key === 'match') {
      active = false;
      warnOnce(p, `${where}: a Match block is not interpreted by zkk; its options are ignored (use Host blocks)`);
      continue;
    }
    if (key === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH) {
        warnOnce(p, `${where}: Include nested too deeply; ignored`);
        continue;
      }
      for (const pattern of rest) {
        const abs = expandSshPath(pattern, {});
        const full = path.isAbsolute(abs) ? abs : path.join(relDir, abs);
        for (const f of glob(full)) readFileInto(p, f, neverMatch || !active, depth + 1, relDir);
      }
      continue;
    }
    if (!active || rest.length === 0) continue;
    apply(p, key, rest, where);
  }
}

function apply(p: Parse, key: string, rest: string[], where: string): void {
  const o = p.out;
  const v = rest[0]!;
  const first = <K extends keyof typeof o>(k: K, value: (typeof o)[K]) => {
    if (o[k] === undefined) o[k] = value;
  };
  const num = (s: string) => (/^\d+$/.test(s) ? Number(s) : undefined);
  switch (key) {
    case 'hostname':
      return first('hostName', v);
    case 'user':
      return first('user', v);
    case 'port':
      return first('port', num(v));
    case 'identityfile':
      if (!o.identityFiles.includes(v)) o.identityFiles.push(v);
      return;
    case 'identitiesonly':
      return first('identitiesOnly', yes(v));
    case 'identityagent':
      return first('identityAgent', v);
    case 'userknownhostsfile':
      return first('userKnownHostsFiles', v.toLowerCase() === 'none' ? [] : rest.map((f) => expandSshPath(f, {})));
    case 'globalknownhostsfile':
      return first('globalKnownHostsFiles', v.toLowerCase() === 'none' ? [] : rest.map((f) => expandSshPath(f, {})));
    case 'stricthostkeychecking':
      return first('strictHostKeyChecking', v.toLowerCase());
    case 'connecttimeout':
      return first('connectTimeout', v.toLowerCase() === 'none' ? undefined : num(v));
    case 'serveraliveinterval':
      return first('serverAliveInterval', num(v));
    case 'serveralivecountmax':
      return first('serverAliveCountMax', num(v));
    case 'proxyjump':
      // ProxyJump and ProxyCommand exclude each other: the first one set wins
      if (o.proxyJump === undefined && o.proxyCommand === undefined) {
        if (v.toLowerCase() === 'none') o.proxyJump = '';
        else o.proxyJump = v;
      }
      return;
    case 'proxycommand':
      if (o.proxyJump === undefined && o.proxyCommand === undefined) {
        if (v.toLowerCase() === 'none') o.proxyCommand = '';
        else {
          o.proxyCommand = rest.join(' ');
          warnOnce(p, `${where}: ProxyCommand is not run by zkk; it connects directly (use ProxyJump, or ssh.jump in the inventory)`);
        }
      }
      return;
    default:
      return;
  }
}

function yes(v: string): boolean {
  return v.toLowerCase() === 'yes' || v.toLowerCase() === 'true';
}

function warnOnce(p: Parse, message: string): void {
  if (p.seen.has(message)) return;
  p.seen.add(message);
  p.out.warnings.push(message);
}

/** OpenSSH's argv_split: whitespace-separated, "double" and 'single' quotes, \ escapes, # starts a comment. */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length || line[i] === '#') break;
    let arg = '';
    let quote: string | undefined;
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (!quote && /\s/.test(c)) break;
      if (c === '\\' && i + 1 < line.length && (quote ? line[i + 1] === quote || line[i + 1] === '\\' : true)) {
        arg += line[++i];
      } else if (quote && c === quote) quote = undefined;
      else if (!quote && (c === '"' || c === "'")) quote = c;
      else arg += c;
    }
    out.push(arg);
  }
  return out;
}

/** A Host line's pattern list: a matching negation excludes the host, else any positive match. */
export function hostMatches(patterns: readonly string[], host: string): boolean {
  let matched = false;
  for (const p of patterns) {
    const neg = p.startsWith('!');
    if (wildcard(neg ? p.slice(1) : p).test(host)) {
      if (neg) return false;
      matched = true;
    }
  }
  return matched;
}

function wildcard(p: string): RegExp {
  return new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/** Include's glob: `*`, `?` and `[…]` in any path component, matches in sorted order. */
function glob(pattern: string): string[] {
  const parts = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  let bases = [parts[0] === '' ? '/' : '.'];
  for (const part of parts.slice(parts[0] === '' ? 1 : 0)) {
    const next: string[] = [];
    for (const b of bases) {
      if (!/[*?[]/.test(part)) {
        next.push(path.join(b, part));
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(b).sort();
      } catch {
        continue;
      }
      const re = new RegExp(`^${part.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
      for (const n of names) if (!n.startsWith('.') || part.startsWith('.')) if (re.test(n)) next.push(path.join(b, n));
    }
    bases = next;
  }
  return bases.filter((f) => {
    try {
      return statSync(f).isFile();
    } catch {
      return false;
    }
  });
}

export interface SshTokens {
  /** %h: the remote host name (after HostName). */
  h?: string;
  /** %r: the remote user. */
  r?: string;
  /** %p: the port. */
  p?: number;
  /** %n: the name as given (alias). */
  n?: string;
}

/** OpenSSH's percent_expand for the tokens zkk knows; %d, %u, %i, %l, %L and %% always. */
export function expandSshTokens(s: string, t: SshTokens): string {
  return percent(s, {
    ...(t.h !== undefined ? { h: t.h } : {}),
    ...(t.r !== undefined ? { r: t.r } : {}),
    ...(t.p !== undefined ? { p: String(t.p) } : {}),
    ...(t.n !== undefined ? { n: t.n } : {}),
    d: os.homedir(),
    u: os.userInfo().username,
    i: String(os.userInfo().uid),
    l: os.hostname(),
    L: os.hostname().split('.')[0]!,
  });
}

/** ~ and ~/ (the user's home), `${VAR}` from the environment, then the %-tokens. */
export function expandSshPath(s: string, t: SshTokens): string {
  let out = s === '~' ? os.homedir() : s.startsWith('~/') ? path.join(os.homedir(), s.slice(2)) : s;
  out = out.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, v: string) => process.env[v] ?? '');
  return expandSshTokens(out, t);
}

function percent(s: string, vars: Record<string, string>): string {
  return s.replace(/%(.)/g, (m, c: string) => (c === '%' ? '%' : vars[c] ?? m));
}
