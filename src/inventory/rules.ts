/**
 * Rules no schema can express, shared by every block: unique host names and addresses,
 * ids unique among the hosts of a role, ports that clash on one host, quorum sizes.
 * Rules that only one role knows live in that role's settings (roles/<role>/settings.ts).
 */
import type { HostInput } from './schema.js';
import { dataDirProblem, pathInside } from './fields.js';
import type { FieldPath, HostDirectories, PortClaim } from './section.js';

export type Fail = (path: FieldPath, message: string, hint?: string) => void;

export function checkUniqueHosts(hosts: readonly HostInput[], fail: Fail): void {
  const seenName = new Map<string, number>();
  const seenAddr = new Map<string, number>();
  hosts.forEach((h, i) => {
    const n = h.name ?? h.address;
    if (seenName.has(n)) fail(['hosts', i, h.name ? 'name' : 'address'], `duplicate host name "${n}" (also hosts[${seenName.get(n)}])`);
    else seenName.set(n, i);
    if (seenAddr.has(h.address)) fail(['hosts', i, 'address'], `duplicate address ${h.address} (also hosts[${seenAddr.get(h.address)}])`, 'one entry per machine; give it several roles');
    else seenAddr.set(h.address, i);
  });
}

export interface IdClaim {
  index: number;
  id: number;
  /** The field to point at: the explicit id key, or `roles` when the id derives from order. */
  field: string;
}

/** Every id once; `describe` words the clash. */
export function checkUniqueIds(claims: readonly IdClaim[], fail: Fail, describe: (id: number, firstIndex: number) => [string, string?]): void {
  const seen = new Map<number, number>();
  for (const c of claims) {
    const first = seen.get(c.id);
    if (first !== undefined) fail(['hosts', c.index, c.field], ...describe(c.id, first));
    else seen.set(c.id, c.index);
  }
}

/** A quorum of an even size tolerates no more failures than one fewer members. */
export function evenQuorumWarning(count: number, what: string, advice: string): string | undefined {
  return count > 0 && count % 2 === 0 ? `${count} ${what}: ${advice}` : undefined;
}

/** One service per port on a host. */
export function checkPortClashes(hostName: string, index: number, claims: readonly PortClaim[], fail: Fail): void {
  const used = new Map<number, string>();
  for (const { port, what } of claims) {
    const prev = used.get(port);
    if (prev) fail(['hosts', index], `port ${port} is used twice on ${hostName}: ${prev} and ${what}`, 'give each service its own port');
    else used.set(port, what);
  }
}

/** Data directories of every service on a host: not temporary, not in an install directory, not in each other. */
export function checkDirectoryOverlaps(hostName: string, index: number, dirs: readonly HostDirectories[], fail: Fail): void {
  const install = dirs.flatMap((d) => d.install);
  const data = dirs.flatMap((d) => d.data);
  install.forEach((a, i) => {
    const b = install.slice(i + 1).find((o) => pathInside(a.path, o.path) || pathInside(o.path, a.path));
    if (b) fail(['hosts', index], `${a.what} ${a.path} overlaps ${b.what} ${b.path} on ${hostName}`, 'give each service its own install directory');
  });
  data.forEach((d, i) => {
    const problem = dataDirProblem(d.path, { installDirs: install.map((x) => x.path), otherDataDirs: data.slice(0, i).map((x) => x.path) });
    if (problem) fail(['hosts', index], `${d.what} on ${hostName}: ${problem}`, 'keep data out of /tmp, the install directories and the other services\' data');
  });
}
