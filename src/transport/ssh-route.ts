/**
 * Where and how zkk connects to one host, from the inventory's ssh settings, ~/.ssh/config
 * (resolved as OpenSSH resolves it, see ssh-config.ts) and the command line: the address
 * dialled (HostName), user, port, identities in order, agent, known_hosts files, host-key
 * policy, timeouts, and the chain of bastions (ssh.jump, else ProxyJump). Pure: no
 * connection is made here.
 *
 * Precedence, per option: command line > inventory > ssh_config > zkk's default. The
 * inventory's identityFile is tried before ssh_config's (like `ssh -i`).
 */
import os from 'node:os';
import path from 'node:path';
import type { SshSettings } from '../inventory/ssh-settings.js';
import { ConnectionError } from '../errors/zkk-error.js';
import { expandSshPath, resolveSshConfig, sshConfigFiles, type SshConfigEntry } from './ssh-config.js';
import { hostPattern, SYSTEM_KNOWN_HOSTS } from './known-hosts.js';

export type HostKeyPolicy = 'strict' | 'accept-new' | 'off';

/** One SSH hop: a bastion or the target itself. */
export interface SshEndpoint {
  /** user@host:port, as errors show it. */
  label: string;
  /** The address dialled (or asked of the previous hop): HostName, else the name. */
  host: string;
  port: number;
  user: string;
  /** Identity files in the order they are tried (expanded); `explicit` ones must exist. */
  identities: { file: string; explicit: boolean }[];
  identitiesOnly: boolean;
  /** ssh-agent socket; undefined: no agent. */
  agent?: string;
  /** Known-hosts files read (the first one records accept-new keys), then the global ones. */
  userKnownHosts: string[];
  globalKnownHosts: string[];
  /** Names the host key is looked up (and recorded) under. */
  knownNames: string[];
  hostKeyPolicy: HostKeyPolicy;
  /** Seconds. */
  connectTimeout: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
}

export interface SshRoute {
  target: SshEndpoint;
  /** Bastions, first hop first. */
  jumps: SshEndpoint[];
  /** ssh_config lines zkk does not honour (Match, ProxyCommand). */
  warnings: string[];
}

export interface RouteInput extends Partial<SshSettings> {
  name: string;
  address: string;
  config: string | false;
  knownHosts: string;
}

const DEFAULT_CONNECT_TIMEOUT = 10;
const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'];
export const DEFAULT_KNOWN_HOSTS = path.join(os.homedir(), '.ssh', 'known_hosts');

/** StrictHostKeyChecking → zkk's policy. `no`/`off` still refuse a changed key: zkk never connects to one. */
export function policyFromStrict(v: string | undefined): HostKeyPolicy | undefined {
  if (v === undefined) return undefined;
  if (v === 'yes' || v === 'ask' || v === 'true') return 'strict';
  if (v === 'accept-new' || v === 'no' || v === 'off' || v === 'false') return 'accept-new';
  return undefined;
}

/** `[user@]host[:port]` (also `[v6]:port`). */
export function parseJumpSpec(spec: string): { user?: string; host: string; port?: number } {
  const m = /^(?:ssh:\/\/)?(?:([^@]+)@)?(\[[^\]]+\]|[^:@]+)(?::(\d+))?$/.exec(spec.trim());
  if (!m) throw new ConnectionError('SSH_JUMP', spec, `cannot read the jump host ${JSON.stringify(spec)}: expected [user@]host[:port]`);
  return { user: m[1], host: m[2]!.replace(/^\[(.*)\]$/, '$1'), port: m[3] ? Number(m[3]) : undefined };
}

export function resolveRoute(t: RouteInput): SshRoute {
  const files = sshConfigFiles(t.config, !!t.defaultConfig);
  // ~/.ssh/config may know the host by its address (what zkk dials) or by its inventory name:
  // the address decides HostName; the name fills the options the address leaves unset.
  const byAddress = resolveSshConfig(files, t.address);
  const byName = t.name !== t.address ? resolveSshConfig(files, t.name) : undefined;
  const cfg = merge(byAddress, byName);
  const target = endpoint(t, cfg, byAddress.hostName, t.address, t.user, t.port, t.identityFile, t.name !== t.address ? [t.name] : []);
  const warnings = [...cfg.warnings];
  const hops = t.jump ?? (cfg.proxyJump ? cfg.proxyJump.split(',').map((s) => s.trim()).filter(Boolean) : []);
  const jumps = hops.map((spec) => {
    const j = parseJumpSpec(spec);
    const hc = resolveSshConfig(files, j.host);
    for (const w of hc.warnings) if (!warnings.includes(w)) warnings.push(w);
    // a jump host's own ProxyJump is not followed (a `Host *` ProxyJump would loop)
    return endpoint(t, hc, hc.hostName, j.host, j.user, j.port, t.identityFile, []);
  });
  return { target, jumps, warnings };
}

function merge(a: SshConfigEntry, b: SshConfigEntry | undefined): SshConfigEntry {
  if (!b) return a;
  const out: SshConfigEntry = { ...b, ...Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) } as SshConfigEntry;
  out.identityFiles = a.identityFiles.length ? a.identityFiles : b.identityFiles;
  out.warnings = [...new Set([...a.warnings, ...b.warnings])];
  return out;
}

function endpoint(
  t: RouteInput,
  cfg: SshConfigEntry,
  hostName: string,
  alias: string,
  user: string | undefined,
  port: number | undefined,
  identityFile: string | undefined,
  extraNames: string[],
): SshEndpoint {
  const p = port ?? cfg.port ?? 22;
  const u = user ?? cfg.user ?? 'root';
  const tokens = { h: hostName, r: u, p, n: alias };
  const identities: SshEndpoint['identities'] = [];
  if (identityFile) identities.push({ file: identityFile, explicit: true });
  const cfgFiles = cfg.identityFiles.length ? cfg.identityFiles : identityFile ? [] : DEFAULT_IDENTITIES.map((f) => `~/.ssh/${f}`);
  for (const f of cfgFiles) {
    const file = expandSshPath(f, tokens);
    if (!identities.some((i) => i.file === file)) identities.push({ file, explicit: false });
  }
  let agent: string | undefined;
  if (t.agent !== false) {
    const ia = cfg.identityAgent;
    if (ia === undefined || ia === 'SSH_AUTH_SOCK') agent = process.env.SSH_AUTH_SOCK || undefined;
    else if (ia.toLowerCase() === 'none') agent = undefined;
    else if (ia.startsWith('$')) agent = process.env[ia.slice(1)] || undefined;
    else agent = expandSshPath(ia, tokens);
  }
  // The inventory's knownHosts, unless it is the default and ssh_config names others.
  const userKnownHosts = t.knownHosts === DEFAULT_KNOWN_HOSTS && cfg.userKnownHostsFiles ? cfg.userKnownHostsFiles.map((f) => expandSshPath(f, tokens)) : [t.knownHosts];
  const names = [...new Set([hostPattern(hostName, p), ...[alias, ...extraNames].filter((n) => n !== hostName).map((n) => hostPattern(n, p))])];
  const interval = cfg.serverAliveInterval;
  return {
    label: `${u}@${hostName}:${p}`,
    host: hostName,
    port: p,
    user: u,
    identities,
    identitiesOnly: !!cfg.identitiesOnly,
    agent,
    userKnownHosts,
    globalKnownHosts: cfg.globalKnownHostsFiles ?? SYSTEM_KNOWN_HOSTS,
    knownNames: names,
    hostKeyPolicy: t.hostKeyPolicy ?? policyFromStrict(cfg.strictHostKeyChecking) ?? 'accept-new',
    connectTimeout: t.connectTimeout ?? cfg.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT,
    keepaliveIntervalMs: interval === undefined || interval === 0 ? 5000 : interval * 1000,
    keepaliveCountMax: cfg.serverAliveCountMax ?? 3,
  };
}
