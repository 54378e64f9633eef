/**
 * The host firewall, read without changing it: ufw when /etc/ufw/ufw.conf says enabled and
 * `ufw status` active,
 * firewalld when `firewall-cmd --state` says running, else none. What is read is the set
 * of TCP ports already allowed from anywhere (ufw: v4 rules; firewalld: the default
 * zone's ports, runtime and permanent). Raw iptables/nftables rulesets are not
 * interpreted: they count as "none" and are left alone.
 */
import type { Probe } from './probes.js';

export interface PortRange {
  from: number;
  to: number;
  proto: 'tcp' | 'udp' | 'any';
  /** ufw: the rule's comment starts with "zkk:" (a rule deploy added; uninstall removes those only). */
  byZkk?: boolean;
}

export type FirewallFact =
  | { kind: 'none' }
  | { kind: 'ufw'; allowed: PortRange[] }
  | { kind: 'firewalld'; runtime: PortRange[]; permanent: PortRange[] };

export function firewallProbe(): Probe<FirewallFact> {
  return {
    key: 'firewall',
    script: [
      // `ufw status` is a Python start (≈ 80 ms a host): asked only when ufw.conf says enabled
      // (`ufw enable` writes ENABLED=yes, `ufw disable` ENABLED=no), and once
      "zkk_ufw=; if command -v ufw >/dev/null 2>&1 && grep -qs '^ENABLED=yes' /etc/ufw/ufw.conf; then zkk_ufw=$(LC_ALL=C ufw status 2>/dev/null); fi",
      'if printf \'%s\\n\' "$zkk_ufw" | grep -q \'^Status: active\'; then',
      '  echo kind=ufw; printf \'%s\\n\' "$zkk_ufw" | sed "s/^/ufw=/"',
      'elif command -v firewall-cmd >/dev/null 2>&1 && [ "$(firewall-cmd --state 2>/dev/null)" = running ]; then',
      '  echo kind=firewalld; echo "runtime=$(firewall-cmd --list-ports 2>/dev/null)"; echo "permanent=$(firewall-cmd --permanent --list-ports 2>/dev/null)"',
      'else echo kind=none; fi',
    ].join('\n'),
    parse: parseFirewallFact,
  };
}

export function parseFirewallFact(out: string): FirewallFact {
  const lines = out.split('\n');
  const value = (k: string) => lines.filter((l) => l.startsWith(`${k}=`)).map((l) => l.slice(k.length + 1));
  const kind = value('kind')[0];
  if (kind === 'ufw') return { kind: 'ufw', allowed: parseUfwStatus(value('ufw').join('\n')) };
  if (kind === 'firewalld') return { kind: 'firewalld', runtime: parseFirewalldPorts(value('runtime')[0] ?? ''), permanent: parseFirewalldPorts(value('permanent')[0] ?? '') };
  return { kind: 'none' };
}

/**
 * `ufw status` rule lines allowing a port from anywhere over IPv4, e.g.
 *   2181/tcp                   ALLOW       Anywhere                   # zkk: zookeeper client
 *   3000:3100/tcp              ALLOW IN    Anywhere
 *   22                         ALLOW       Anywhere
 *   2181,9092/tcp              ALLOW       Anywhere
 * Rules from a source address, on an interface, (v6) duplicates and app profiles are skipped.
 */
export function parseUfwStatus(out: string): PortRange[] {
  const ranges: PortRange[] = [];
  for (const line of out.split('\n')) {
    const m = /^([\d:,]+)(?:\/(tcp|udp))?\s+ALLOW(?: IN)?\s+Anywhere(?:\s+#(.*))?\s*$/.exec(line.trim());
    if (!m) continue;
    const proto = (m[2] as 'tcp' | 'udp' | undefined) ?? 'any';
    const byZkk = /^\s*zkk:/.test(m[3] ?? '');
    for (const part of m[1]!.split(',')) {
      const [a, b] = part.split(':').map(Number);
      if (a !== undefined && Number.isInteger(a)) ranges.push({ from: a, to: b ?? a, proto, ...(byZkk ? { byZkk } : {}) });
    }
  }
  return ranges;
}

/** `firewall-cmd --list-ports`: "2181/tcp 3000-3100/tcp 53/udp". */
export function parseFirewalldPorts(out: string): PortRange[] {
  return out
    .split(/\s+/)
    .map((t) => /^(\d+)(?:-(\d+))?\/(tcp|udp|sctp|dccp)$/.exec(t))
    .filter((m): m is RegExpExecArray => !!m && (m[3] === 'tcp' || m[3] === 'udp'))
    .map((m) => ({ from: Number(m[1]), to: Number(m[2] ?? m[1]), proto: m[3] as 'tcp' | 'udp' }));
}

export function tcpAllowed(ranges: readonly PortRange[], port: number): boolean {
  return ranges.some((r) => r.proto !== 'udp' && r.from <= port && port <= r.to);
}

/** The TCP ports of this list an active firewall does not allow (runtime rules for firewalld); none without a firewall. */
export function closedPortsOf(fw: FirewallFact, ports: readonly number[]): number[] {
  if (fw.kind === 'none') return [];
  const allowed = fw.kind === 'ufw' ? fw.allowed : fw.runtime;
  return [...new Set(ports)].filter((p) => !tcpAllowed(allowed, p));
}
