/**
 * The probes of `zkk doctor` and of the deploy's preflight for one host, from what every
 * role needs on every host (roles/preflight.ts): they join the host's one batched command
 * (the clock read first and last in it, see facts/preflight-probes.ts).
 */
import { isIP } from 'node:net';
import { firewallProbe, type FirewallFact } from '../../facts/firewall.js';
import { javaProbe, osProbe, type JavaFact, type OsFact, type Probe } from '../../facts/probes.js';
import {
  clockProbes,
  dirSpaceProbe,
  identityProbe,
  memoryTuningProbe,
  nameResolutionProbe,
  nofileProbe,
  portHoldersProbe,
  tcpReachProbe,
  type ClockReading,
  type TcpTarget,
  type DirSpaceFact,
  type IdentityFact,
  type MemoryTuningFact,
  type NameFact,
  type NofileFact,
  type PortHolder,
  type TcpReach,
} from '../../facts/preflight-probes.js';
import type { Inventory, ResolvedHost } from '../../inventory/resolve.js';
import type { PreflightNeeds } from '../../roles/preflight.js';
import type { Role } from '../../roles/role.js';

export interface PreflightProbes {
  clockStart: Probe<ClockReading>;
  clockEnd: Probe<ClockReading>;
  identity: Probe<IdentityFact>;
  os: Probe<OsFact>;
  java?: Probe<JavaFact>;
  disk: Probe<DirSpaceFact[]>;
  ports: Probe<{ tool: 'ss' | 'proc'; held: PortHolder[] }>;
  names: Probe<NameFact[]>;
  nofile: Probe<NofileFact[]>;
  memory: Probe<MemoryTuningFact>;
  firewall: Probe<FirewallFact>;
  tcp: Probe<{ available: boolean; targets: TcpTarget[]; results: TcpReach[] }>;
}

/** Up to this many hosts every host tries every other host's ports. */
export const REACH_FULL_MESH_MAX = 8;
/** Beyond REACH_FULL_MESH_MAX, each host's ports are tried from this many peers. */
export const REACH_WITNESSES = 3;

/**
 * Which peers try a host's ports (by index in the inventory). A full mesh is n·(n−1) connects:
 * 2,450 processes started at once over 50 hosts, enough to make healthy peers look filtered on a
 * loaded control plane, and 250,000 at 500 hosts. Beyond REACH_FULL_MESH_MAX hosts, REACH_WITNESSES
 * peers spread over the inventory (every ⌊n/(W+1)⌋-th host after it, so ZooKeeper servers listed
 * together are not only tried by each other) try each host: a host firewall or a security group
 * that drops the port is still seen from every witness, at O(n) connects.
 */
export function reachWitnesses(hosts: readonly Pick<ResolvedHost, 'name' | 'address'>[], target: number): number[] {
  const n = hosts.length;
  const t = hosts[target]!;
  const valid = (i: number) => i !== target && hosts[i]!.address !== t.address;
  if (n <= REACH_FULL_MESH_MAX) return hosts.map((_, i) => i).filter(valid);
  const step = Math.max(1, Math.floor(n / (REACH_WITNESSES + 1)));
  const out: number[] = [];
  for (let k = 1; k <= REACH_WITNESSES; k++) {
    for (let j = 0; j < n; j++) {
      const i = (target + k * step + j) % n;
      if (valid(i) && !out.includes(i)) {
        out.push(i);
        break;
      }
    }
  }
  return out;
}

/** The peers' ports this host tries (see reachWitnesses). */
export function reachTargets(inv: Inventory, host: ResolvedHost, needs: Map<string, PreflightNeeds[]>): TcpTarget[] {
  const me = inv.hosts.findIndex((h) => h.name === host.name);
  const out = new Map<string, TcpTarget>();
  inv.hosts.forEach((peer, i) => {
    if (!reachWitnesses(inv.hosts, i).includes(me)) return;
    for (const n of needs.get(peer.name) ?? []) for (const p of n.ports) out.set(`${peer.address}:${p.port}`, { address: peer.address, port: p.port });
  });
  return [...out.values()];
}

/** What each role needs on each host, by host name. */
export function preflightNeeds(inv: Inventory, roles: readonly Role[]): Map<string, PreflightNeeds[]> {
  return new Map(inv.hosts.map((h) => [h.name, roles.flatMap((r) => (r.appliesTo(h) ? (r.preflight?.needs(inv, h) ?? []) : []))]));
}

export function preflightProbes(inv: Inventory, host: ResolvedHost, needs: Map<string, PreflightNeeds[]>): PreflightProbes {
  const mine = needs.get(host.name) ?? [];
  const { start, end } = clockProbes();
  const allNames = [...needs.values()].flatMap((ns) => ns.flatMap((n) => n.names));
  return {
    clockStart: start,
    clockEnd: end,
    identity: identityProbe(),
    os: osProbe(),
    java: mine.length ? (inv.java.archive ? javaProbe(`${inv.java.home}/bin/java`) : javaProbe()) : undefined,
    disk: dirSpaceProbe([...new Set(mine.flatMap((n) => n.dataDirs.map((d) => d.path)))]),
    ports: portHoldersProbe(mine.flatMap((n) => n.ports.map((p) => p.port)), mine.flatMap((n) => n.ports.map((p) => p.processMarker))),
    names: nameResolutionProbe(allNames, (s) => isIP(s) !== 0),
    nofile: nofileProbe(mine.map((n) => ({ user: n.user, nofile: n.nofile }))),
    memory: memoryTuningProbe(),
    firewall: firewallProbe(),
    tcp: tcpReachProbe(reachTargets(inv, host, needs)),
  };
}

/** In batch order: the clock first, the rest, the clock again last. */
export function probeList(p: PreflightProbes): { first: Probe<unknown>[]; middle: Probe<unknown>[]; last: Probe<unknown>[] } {
  const middle: Probe<unknown>[] = [p.identity, p.os, ...(p.java ? [p.java] : []), p.disk, p.ports, p.names, p.nofile, p.memory, p.firewall, p.tcp];
  return { first: [p.clockStart], middle, last: [p.clockEnd] };
}
