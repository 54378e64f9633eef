/**
 * The optional connectivity probe of `zkk init`: for every host of the inventory about
 * to be written, connect exactly as `zkk deploy` would (same SSH settings) and read, in
 * one batched command, the OS, Java, free disk under the data directories, the
 * listening TCP ports and the host firewall. Read-only; hosts are probed in parallel; a
 * failure is a row, not an exception.
 */
import { closedPortsOf, firewallProbe, type FirewallFact } from '../facts/firewall.js';
import { formatKb } from '../engine/doctor/preflight-checks.js';
import { gatherFacts } from '../facts/gather.js';
import { listeningPortsProbe } from '../facts/listening-ports.js';
import { commandProbe, javaProbe, osProbe, type JavaFact, type OsFact, type Probe } from '../facts/probes.js';
import type { Inventory, ResolvedHost } from '../inventory/resolve.js';
import type { ServicePort } from '../ops/firewall.js';
import { kafkaPorts } from '../roles/kafka/config.js';
import { zookeeperPorts } from '../roles/zookeeper/config.js';
import { quote } from '../shell/command.js';
import { connectSsh } from '../transport/ssh.js';
import type { Connector } from '../transport/connector.js';
import type { SshTarget } from '../transport/ssh.js';

export interface FreeDisk {
  dir: string;
  /** Free KiB on the file system that holds dir (or its nearest existing parent). */
  freeKb?: number;
}

export type PlannedPort = ServicePort;

export interface HostProbeResult {
  host: string;
  address: string;
  /** Undefined when connected; else why not. */
  error?: string;
  os?: OsFact;
  java?: JavaFact;
  javaMin: number;
  javaInstall: 'auto' | 'never';
  disk?: FreeDisk[];
  /** The planned ports of this host that something already listens on. */
  portsInUse?: PlannedPort[];
  /** The active host firewall, and which planned ports it does not let through yet. */
  firewall?: { kind: FirewallFact['kind']; closed: PlannedPort[] };
  ms: number;
}

/** Data directories of a host, in the order its services use them. */
export function dataDirs(h: ResolvedHost): string[] {
  const dirs = [...(h.zookeeper ? [h.zookeeper.dataDir] : []), ...(h.kafka?.logDirs ?? [])];
  return [...new Set(dirs)];
}

/** TCP ports the host's services will listen on. */
export function plannedPorts(h: ResolvedHost): PlannedPort[] {
  return [...(h.zookeeper ? zookeeperPorts(h.zookeeper) : []), ...(h.kafka ? kafkaPorts(h.kafka) : [])];
}

/** The planned ports an active firewall does not allow yet (zkk deploy opens them unless firewall.manage is never). */
export function closedPorts(fw: FirewallFact, planned: readonly PlannedPort[]): PlannedPort[] {
  const closed = new Set(closedPortsOf(fw, planned.map((p) => p.port)));
  return planned.filter((p) => closed.has(p.port));
}

/** Free space under each directory (the nearest existing parent when it does not exist yet). */
export function freeDiskProbe(dirs: readonly string[]): Probe<FreeDisk[]> {
  const lines = dirs.map(
    (d) => `p=${quote(d)}; while [ ! -e "$p" ]; do p=$(dirname "$p"); done; echo "free $(df -Pk "$p" 2>/dev/null | awk 'NR==2{print $4}') "${quote(d)}`,
  );
  const probe = commandProbe(`free-disk:${dirs.join(',')}`, lines.join('\n'));
  return { ...probe, parse: (out) => parseFreeDisk(out, dirs) };
}

export function parseFreeDisk(out: string, dirs: readonly string[]): FreeDisk[] {
  const found = new Map<string, number>();
  for (const line of out.split('\n')) {
    const m = /^free (\d*) (.+)$/.exec(line);
    if (m && m[1]) found.set(m[2]!, Number(m[1]));
  }
  return dirs.map((dir) => ({ dir, freeKb: found.get(dir) }));
}

export interface ProbeOptions {
  /** Seconds per connection (default: the inventory's, at most 10). */
  connectTimeout?: number;
  /** For tests: how to connect. */
  connect?: (target: SshTarget) => Promise<Connector>;
}

export async function probeHosts(inv: Inventory, opts: ProbeOptions = {}): Promise<HostProbeResult[]> {
  const connect = opts.connect ?? connectSsh;
  return Promise.all(inv.hosts.map((h) => probeHost(inv, h, connect, opts.connectTimeout)));
}

async function probeHost(inv: Inventory, h: ResolvedHost, connect: (t: SshTarget) => Promise<Connector>, timeout?: number): Promise<HostProbeResult> {
  const t0 = Date.now();
  const base = { host: h.name, address: h.address, javaMin: inv.java.minVersion, javaInstall: inv.java.install };
  let conn: Connector | undefined;
  try {
    conn = await connect({
      name: h.name,
      address: h.address,
      user: h.ssh.user,
      port: h.ssh.port,
      identityFile: h.ssh.identityFile,
      agent: h.ssh.agent,
      config: h.ssh.config,
      defaultConfig: h.ssh.defaultConfig,
      jump: h.ssh.jump,
      knownHosts: h.ssh.knownHosts,
      hostKeyPolicy: h.ssh.hostKeyPolicy,
      sudo: h.ssh.sudo,
      connectTimeout: timeout ?? Math.min(h.ssh.connectTimeout ?? 10, 10),
      connectRetries: 0,
    });
    const os = osProbe();
    const java = javaProbe();
    const disk = freeDiskProbe(dataDirs(h));
    const ports = listeningPortsProbe();
    const fw = firewallProbe();
    const facts = await gatherFacts(conn, [os, java, disk, ports, fw]);
    const listening = new Set(facts.get(ports));
    const firewall = facts.get(fw);
    return {
      ...base,
      os: facts.get(os),
      java: facts.get(java),
      disk: facts.get(disk),
      portsInUse: plannedPorts(h).filter((p) => listening.has(p.port)),
      firewall: { kind: firewall.kind, closed: closedPorts(firewall, plannedPorts(h)) },
      ms: Date.now() - t0,
    };
  } catch (e) {
    const err = e as Error & { format?: () => string; hint?: string };
    const message = (err.message ?? String(e)).split('\n')[0]!;
    return { ...base, error: message, ms: Date.now() - t0 };
  } finally {
    await conn?.close().catch(() => undefined);
  }
}

/** Whether a host needs attention before deploying. */
export function probeProblems(r: HostProbeResult): string[] {
  if (r.error) return [`not reachable: ${r.error}`];
  const out: string[] = [];
  if (!r.java?.feature && r.javaInstall === 'never') out.push(`no Java (java.install is never): install Java ${r.javaMin}+`);
  if (r.java?.feature && r.java.feature < r.javaMin && r.javaInstall === 'never') out.push(`Java ${r.java.feature} is older than ${r.javaMin}`);
  if (r.portsInUse?.length) out.push(`ports in use: ${r.portsInUse.map((p) => `${p.port} (${p.what})`).join(', ')}`);
  for (const d of r.disk ?? []) if (d.freeKb !== undefined && d.freeKb < 1024 * 1024) out.push(`less than 1 GiB free under ${d.dir}`);
  return out;
}

/** Rows for a table: host, ssh, os, java, free disk, ports in use, firewall. */
export function probeTableRows(results: readonly HostProbeResult[]): string[][] {
  return results.map((r) => {
    if (r.error) return [r.host, `no: ${r.error}`, '', '', '', '', ''];
    const os = r.os ? `${r.os.id || '?'} ${r.os.version}`.trim() : '?';
    const java = r.java?.feature
      ? r.java.feature >= r.javaMin
        ? r.java.version!
        : `${r.java.version} (< ${r.javaMin}${r.javaInstall === 'auto' ? ': zkk installs one' : ''})`
      : r.javaInstall === 'auto'
        ? 'none (zkk installs one)'
        : 'none';
    const disk = (r.disk ?? []).map((d) => `${d.dir} ${d.freeKb === undefined ? '?' : formatKb(d.freeKb)}`).join(', ');
    const ports = r.portsInUse?.length ? r.portsInUse.map((p) => String(p.port)).join(', ') : 'none';
    const fw = !r.firewall || r.firewall.kind === 'none' ? 'none' : r.firewall.closed.length ? `${r.firewall.kind}: zkk opens ${r.firewall.closed.map((p) => p.port).join(', ')}` : `${r.firewall.kind}: ports open`;
    return [r.host, `yes (${r.ms} ms)`, os, java, disk, ports, fw];
  });
}

export const PROBE_TABLE_HEADERS = ['host', 'ssh', 'os', 'java', 'free disk', 'ports in use', 'firewall'];

export { formatKb };
