/**
 * `zookeeper.reconfig: true` — ZooKeeper's dynamic reconfiguration (3.5.3+), the pure parts.
 *
 * Files. ZooKeeper runs with <confDir>/dynamic/zoo.cfg, in a directory its own account owns:
 * on every new configuration (the first leader's, each reconfig) it writes
 * zoo.cfg.dynamic.<version> beside it and rewrites that zoo.cfg itself (Properties order, no
 * comments, dynamicConfigFile pointing at the new file: QuorumPeer.setQuorumVerifier,
 * QuorumPeerConfig.editStaticConfig). So zkk compares that zoo.cfg by its properties (not its
 * text), keeps ZooKeeper's dynamicConfigFile pointer, and writes a dynamic file only for a
 * server that has none it can boot from (new, or a joiner that never got in). The membership
 * is read from the servers (`conf` four-letter word: "membership:" and version=), never from
 * the files. <confDir> itself stays root's (java.env is read by the service scripts).
 *
 * Authentication. reconfig needs write access to /zookeeper/config: zkk uses a digest super
 * user, `zkk-super`, whose password is generated once and kept 0600 beside the inventory
 * (<cluster>.zookeeper-super). The servers get only its SHA-1 digest
 * (-Dzookeeper.DigestAuthenticationProvider.superDigest); zkCli.sh on a member gets the
 * password on its stdin (addauth), never on a command line. skipACL would let any client
 * that reaches port 2181 change the ensemble: not used.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, ZkkError } from '../../errors/zkk-error.js';
import type { Inventory, ResolvedZookeeper } from '../../inventory/resolve.js';
import type { Probe } from '../../facts/probes.js';
import { quote } from '../../shell/command.js';
import { fourLetterWordScript } from './health.js';

export const SUPER_USER = 'zkk-super';

/** The directory ZooKeeper's own config lives in with reconfig (owned by its account). */
export const dynamicDir = (s: ResolvedZookeeper): string => `${s.confDir}/dynamic`;
/** The static config ZooKeeper runs with (and rewrites) with reconfig. */
export const dynamicZooCfg = (s: ResolvedZookeeper): string => `${dynamicDir(s)}/zoo.cfg`;
/** The first dynamic file zkk writes for a server with none (version 0: ZooKeeper renames it to .dynamic.<version>). */
export const initialDynamicFile = (s: ResolvedZookeeper): string => `${dynamicZooCfg(s)}.dynamic`;

export function superSecretFile(inv: Inventory): string {
  return path.join(inv.dir, `${inv.cluster}.zookeeper-super`);
}

/** The super user's password: read; created (0600) only when `create` (deploy), else undefined (a first plan). */
export async function loadSuperSecret(inv: Inventory, create: boolean): Promise<string | undefined> {
  const file = superSecretFile(inv);
  try {
    const pw = (await readFile(file, 'utf8')).trim();
    if (!/^[A-Za-z0-9_-]{32,}$/.test(pw)) throw new ZkkError('ZK_SUPER', `${file} does not hold zkk's ZooKeeper super user password`, { exitCode: ExitCode.usage, hint: 'restore it from a backup (the servers hold its digest in java.env); never edit it' });
    return pw;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (!create) return undefined;
  const pw = randomBytes(32).toString('base64url');
  await writeFile(file, `${pw}\n`, { flag: 'wx', mode: 0o600 });
  return pw;
}

/** DigestAuthenticationProvider.generateDigest: user:base64(sha1(user:password)). */
export function superDigest(password: string): string {
  return `${SUPER_USER}:${createHash('sha1').update(`${SUPER_USER}:${password}`).digest('base64')}`;
}

export const superDigestFlag = (password: string): string => `-Dzookeeper.DigestAuthenticationProvider.superDigest=${superDigest(password)}`;

export interface MemberSpec {
  id: number;
  /** Everything after "server.N=": host:quorumPort:electionPort:role;clientAddress */
  spec: string;
  observer: boolean;
}

export interface Membership {
  /** The configuration version (hex, as ZooKeeper prints it). */
  version?: string;
  servers: MemberSpec[];
}

/** The membership part of a `conf` answer (or a dynamic file): server.N= lines and version=. */
export function parseMembership(text: string): Membership | undefined {
  const at = text.indexOf('membership:');
  const body = at >= 0 ? text.slice(at + 'membership:'.length) : text;
  const servers: MemberSpec[] = [];
  let version: string | undefined;
  for (const line of body.split('\n')) {
    const m = /^\s*server\.(\d+)\s*=\s*(\S+)\s*$/.exec(line);
    if (m) servers.push({ id: Number(m[1]), spec: m[2]!, observer: /:observer(;|$)/.test(m[2]!) });
    const v = /^\s*version\s*=\s*([0-9a-f]+)\s*$/i.exec(line);
    if (v) version = v[1];
  }
  if (servers.length === 0) return undefined;
  return { version, servers: servers.sort((a, b) => a.id - b.id) };
}

export const voters = (m: Membership): number[] => m.servers.filter((s) => !s.observer).map((s) => s.id);

/** server.N spec of an inventory server: a participant, its client port on every address. */
export function memberSpec(address: string, s: Pick<ResolvedZookeeper, 'quorumPort' | 'electionPort' | 'clientPort'>): string {
  return `${address}:${s.quorumPort}:${s.electionPort}:participant;${s.clientPort}`;
}

/** The server's own `conf` answer: its membership and version as it runs them. */
export function confProbe(port: number): Probe<Membership | undefined> {
  // the answer ends without a newline (version=…): one is added, so the next probe's marker starts a line
  return { key: `zookeeper-conf:${port}`, script: `${fourLetterWordScript('conf', port)}
echo`, parse: parseMembership };
}

export interface DynamicFiles {
  /** The zoo.cfg ZooKeeper runs with, as it is on the host (undefined: none). */
  staticText?: string;
  /** Its dynamicConfigFile pointer. */
  pointer?: string;
  /** The file it points at, if there. */
  dynamic?: Membership;
}

/** The dynamic-mode zoo.cfg and the file its dynamicConfigFile names, in one probe. */
export function dynamicFilesProbe(s: ResolvedZookeeper): Probe<DynamicFiles> {
  const f = quote(dynamicZooCfg(s));
  return {
    key: `zookeeper-dynamic-files:${dynamicZooCfg(s)}`,
    script: [
      `if [ -f ${f} ]; then echo '@@zkk-static'; cat ${f}; echo; d=$(sed -n 's/^dynamicConfigFile=//p' ${f} | tail -n 1)`,
      `echo "@@zkk-dynamic $d"; if [ -n "$d" ] && [ -f "$d" ]; then cat "$d"; echo; fi; fi`, // ZooKeeper writes it without a final newline
    ].join('\n'),
    parse: (out) => {
      const i = out.indexOf('@@zkk-static\n');
      if (i < 0) return {};
      const j = out.indexOf('@@zkk-dynamic');
      const staticText = out.slice(i + '@@zkk-static\n'.length, j < 0 ? undefined : j);
      if (j < 0) return { staticText };
      const rest = out.slice(j + '@@zkk-dynamic'.length);
      const nl = rest.indexOf('\n');
      const pointer = (nl < 0 ? rest : rest.slice(0, nl)).trim() || undefined;
      return { staticText, pointer, dynamic: nl < 0 ? undefined : parseMembership(rest.slice(nl + 1)) };
    },
  };
}

/** Java properties as load() reads them, simplified (zoo.cfg: key=value lines): for comparing, not for writing. */
export function readProperties(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const at = /[=:]/.exec(line);
    const key = (at ? line.slice(0, at.index) : line).trim();
    const value = at ? line.slice(at.index + 1).trim() : '';
    m.set(key, value.replace(/\\u([0-9a-fA-F]{4})|\\(.)/g, (_, u: string | undefined, c: string | undefined) => (u ? String.fromCharCode(parseInt(u, 16)) : ({ t: '\t', n: '\n', r: '\r', f: '\f' } as Record<string, string>)[c!] ?? c!)));
  }
  return m;
}

/** Keys ZooKeeper itself adds, drops or rewrites in the static file (editStaticConfig). */
const ZOOKEEPERS_OWN = /^(dynamicConfigFile|server\.\d+|group\..*|weight\..*|peerType|clientPort|clientPortAddress)$/;

/** The static properties that differ between what is on the host and what zkk renders (ZooKeeper's own keys aside). */
export function staticDrift(onHost: string, rendered: string): string[] {
  const [a, b] = [readProperties(onHost), readProperties(rendered)];
  const keys = new Set([...a.keys(), ...b.keys()].filter((k) => !ZOOKEEPERS_OWN.test(k)));
  return [...keys].filter((k) => a.get(k) !== b.get(k)).sort();
}

/**
 * The membership a server starts with. A new ensemble: every server of the inventory. A
 * server joining a running ensemble: the live membership plus itself as a participant
 * (ZooKeeper's documented way: it finds the leader, syncs as a non-voting follower and waits
 * for `reconfig -add`; no two joiners share a config, so joiners can never elect each other).
 */
export function initialMembership(self: { id: number; spec: string }, live: Membership | undefined, inventory: { id: number; spec: string }[]): MemberSpec[] {
  const base = live ? live.servers.map((s) => ({ id: s.id, spec: s.spec })) : inventory;
  const all = base.some((s) => s.id === self.id) ? base : [...base, self];
  return all.map((s) => ({ ...s, observer: /:observer(;|$)/.test(s.spec) })).sort((a, b) => a.id - b.id);
}

/**
 * The zkCli.sh commands of one reconfig step (fed on its stdin: the password is on no
 * command line), and a write after it: a reconfig is active for sure only once an update
 * after it committed (the reconfig guide), before a removed server is stopped.
 */
export function reconfigSession(password: string, change: { add: { id: number; spec: string } } | { remove: number }): string {
  const op = 'add' in change ? `reconfig -add server.${change.add.id}=${change.add.spec}` : `reconfig -remove ${change.remove}`;
  return [`addauth digest ${SUPER_USER}:${password}`, op, 'create /zkk-reconfig', `set /zkk-reconfig ${Date.now()}`, 'quit', ''].join('\n');
}
