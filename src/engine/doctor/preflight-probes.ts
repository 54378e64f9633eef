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
  tcp: Probe<{ available: boolean; results: TcpReach[] }>;
}

/** What each role needs on each host, by host name. */
export function preflightNeeds(inv: Inventory, roles: readonly Role[]): Map<string, PreflightNeeds[]> {
  return new Map(inv.hosts.map((h) => [h.name, roles.flatMap((r) => (r.appliesTo(h) ? (r.preflight?.needs(inv, h) ?? []) : []))]));
}

export function preflightProbes(inv: Inventory, host: ResolvedHost, needs: Map<string, PreflightNeeds[]>): PreflightProbes {
  const mine = needs.get(host.name) ?? [];
  const { start, end } = clockProbes();
  const peers = inv.hosts.filter((h) => h.name !== host.name && h.address !== host.address);
  const targets = [...new Map(peers.flatMap((h) => (needs.get(h.name) ?? []).flatMap((n) => n.ports.map((p) => ({ address: h.address, port: p.port })))).map((t) => [`${t.address}:${t.port}`, t])).values()];
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
    tcp: tcpReachProbe(targets),
  };
}

/** In batch order: the clock first, the rest, the clock again last. */
export function probeList(p: PreflightProbes): { first: Probe<unknown>[]; middle: Probe<unknown>[]; last: Probe<unknown>[] } {
  const middle: Probe<unknown>[] = [p.identity, p.os, ...(p.java ? [p.java] : []), p.disk, p.ports, p.names, p.nofile, p.memory, p.firewall, p.tcp];
  return { first: [p.clockStart], middle, last: [p.clockEnd] };
}
