/**
 * The verdicts of `zkk doctor` (and of the deploy's preflight): pure functions from what
 * the probes read on every host to a list of checks, each ok / warn / fail with a one-line
 * fix. fail = a deploy would not work or would hurt the host (it stops the deploy unless
 * --skip-preflight); warn = works, but not as an operator wants it, or zkk's deploy itself
 * fixes it (a missing JDK it installs, a firewall port it opens).
 */
import { isIP } from 'node:net';
import { closedPortsOf, type FirewallFact } from '../../facts/firewall.js';
import type { Facts } from '../../facts/gather.js';
import type { JavaFact, OsFact } from '../../facts/probes.js';
import { clockOffset, type ClockReading, type DirSpaceFact, type IdentityFact, type MemoryTuningFact, type NameFact, type NofileFact, type PortHolder, type TcpReach } from '../../facts/preflight-probes.js';
import type { Inventory, ResolvedHost } from '../../inventory/resolve.js';
import type { PreflightNeeds } from '../../roles/preflight.js';
import type { PreflightProbes } from './preflight-probes.js';

export type Verdict = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  host: string;
  /** e.g. "ssh", "java", "disk /var/lib/kafka/data", "port 2181", "reach 9092". */
  check: string;
  verdict: Verdict;
  detail: string;
  /** One line: what to do (absent when ok). */
  fix?: string;
}

export interface HostEvidence {
  host: ResolvedHost;
  needs: PreflightNeeds[];
  /** The connection failed: why, and the hint. */
  error?: { message: string; hint?: string };
  connectMs?: number;
  facts?: Facts;
  probes?: PreflightProbes;
  /** Control-node times around the batch (ms since the epoch). */
  sentAt?: number;
  receivedAt?: number;
}

/** Disk thresholds (free space on a data directory's file system). */
export const DISK_FAIL_KB = 1024 * 1024;
export const DISK_WARN_KB = 5 * 1024 * 1024;
/** Clock offset thresholds (ms, beyond the measurement's uncertainty). */
export const CLOCK_WARN_MS = 1000;
export const CLOCK_FAIL_MS = 60_000;

export function judgeCluster(inv: Inventory, evidence: readonly HostEvidence[]): DoctorCheck[] {
  const out: DoctorCheck[] = [];
  for (const e of evidence) out.push(...judgeHost(inv, e));
  for (const e of evidence) out.push(...judgeNames(e, evidence), ...judgeReach(inv, e, evidence));
  return out;
}

export function judgeHost(inv: Inventory, e: HostEvidence): DoctorCheck[] {
  const host = e.host.name;
  const c = (check: string, verdict: Verdict, detail: string, fix?: string): DoctorCheck => ({ host, check, verdict, detail, ...(verdict !== 'ok' && fix ? { fix } : {}) });
  if (e.error || !e.facts || !e.probes) {
    return [c('ssh', 'fail', e.error?.message ?? 'not connected', e.error?.hint ?? `make ${e.host.ssh.user ?? 'root'}@${e.host.address}:${e.host.ssh.port} reachable with the inventory's ssh settings`)];
  }
  const f = e.facts;
  const p = e.probes;
  const out: DoctorCheck[] = [c('ssh', 'ok', `${e.host.ssh.user ?? 'root'}@${e.host.address}:${e.host.ssh.port}${e.connectMs !== undefined ? ` in ${e.connectMs} ms` : ''}`)];
  out.push(judgeSudo(e.host, f.get(p.identity), c));
  const os = f.get(p.os);
  out.push(judgeOs(os, c));
  if (e.needs.length === 0) return out;
  out.push(judgeJava(inv, e.needs, os, p.java ? f.get(p.java) : undefined, c));
  for (const d of f.get(p.disk)) out.push(judgeDisk(d, e.needs, c));
  out.push(...judgePorts(e.needs, f.get(p.ports), c));
  if (e.sentAt !== undefined && e.receivedAt !== undefined) out.push(judgeClock(f.get(p.clockStart), f.get(p.clockEnd), e.sentAt, e.receivedAt, c));
  for (const n of f.get(p.nofile)) out.push(judgeNofile(n, os, c));
  out.push(...judgeMemory(f.get(p.memory), c));
  out.push(judgeFirewall(inv, e.needs, f.get(p.firewall), c));
  return out;
}

type Mk = (check: string, verdict: Verdict, detail: string, fix?: string) => DoctorCheck;

function judgeSudo(h: ResolvedHost, id: IdentityFact, c: Mk): DoctorCheck {
  const login = h.ssh.user ?? 'root';
  if (id.uid === 0) return c('sudo', 'ok', login === 'root' ? 'logged in as root' : `sudo -n gives root to ${login}`);
  return c('sudo', 'fail', `commands run as ${id.user || '?'} (uid ${id.uid ?? '?'}), not root`, `allow ${login} password-less sudo (or run with --ask-sudo-pass), or log in as root`);
}

function judgeOs(os: OsFact, c: Mk): DoctorCheck {
  const name = `${os.id || 'unknown'} ${os.version}`.trim();
  const pkg = ['apt-get', 'dnf', 'yum'].find((t) => os.tools.has(t));
  const detail = `${name} (${os.arch || '?'}), ${os.init}${pkg ? `, ${pkg}` : ''}`;
  if (os.init === 'sysv' && !os.tools.has('update-rc.d') && !os.tools.has('chkconfig'))
    return c('os', 'fail', `${detail}: neither systemd nor update-rc.d/chkconfig to register services`, 'install update-rc.d (Debian: init-system-helpers) or chkconfig, or use systemd');
  if (!os.tools.has('sha512sum')) return c('os', 'fail', `${detail}: no sha512sum to check releases`, 'install coreutils');
  return c('os', 'ok', detail);
}

function javaNeed(inv: Inventory, needs: readonly PreflightNeeds[]): { min: number; why: string } {
  const min = Math.max(inv.java.minVersion, ...needs.map((n) => n.javaMin));
  const why = [...needs.map((n) => `${n.component} needs ${n.javaMin}`), ...(inv.java.minVersion > Math.max(...needs.map((n) => n.javaMin)) ? [`java.minVersion ${inv.java.minVersion}`] : [])].join(', ');
  return { min, why };
}

function judgeJava(inv: Inventory, needs: readonly PreflightNeeds[], os: OsFact, java: JavaFact | undefined, c: Mk): DoctorCheck {
  const { min, why } = javaNeed(inv, needs);
  if (inv.java.archive) {
    if (java?.feature && java.feature >= min) return c('java', 'ok', `Java ${java.version} from java.archive at ${inv.java.home} (${why})`);
    return c('java', 'warn', `${java?.version ? `Java ${java.version} at ${inv.java.home}` : `nothing at ${inv.java.home} yet`}; deploy unpacks java.archive (${why})`, 'zkk deploy installs it from java.archive (check that it holds Java ' + min + '+)');
  }
  if (java?.feature && java.feature >= min) return c('java', 'ok', `Java ${java.version} at ${java.path} (${why})`);
  const found = java?.feature ? `Java ${java.version} at ${java.path} is older than ${min}` : 'no java on the PATH';
  const pkg = ['apt-get', 'dnf', 'yum'].find((t) => os.tools.has(t));
  if (inv.java.install === 'auto' && pkg) return c('java', 'warn', `${found} (${why})`, `zkk deploy installs ${inv.java.package ?? (pkg === 'apt-get' ? 'openjdk-17-jre-headless' : 'java-17-openjdk-headless')} with ${pkg} (the host needs its package mirror)`);
  return c('java', 'fail', `${found} (${why})${inv.java.install === 'auto' ? ', and no apt-get/dnf/yum to install one' : ', java.install is never'}`, `install Java ${min}+ on the host, or set java.archive to a JDK tarball`);
}

function judgeDisk(d: DirSpaceFact, needs: readonly PreflightNeeds[], c: Mk): DoctorCheck {
  const setting = needs.flatMap((n) => n.dataDirs).find((x) => x.path === d.dir)?.setting ?? 'data dir';
  const name = `disk ${d.dir}`;
  if (d.freeKb === undefined) return c(name, 'warn', `could not read the free space under ${d.dir}`, `check df -Pk ${d.dir} on the host`);
  const fs = d.mount === '/' ? 'on / (shared with the OS)' : `own file system at ${d.mount}`;
  const where = d.probed && d.probed !== d.dir ? ` (not created yet; ${d.probed})` : '';
  const detail = `${formatKb(d.freeKb)} free of ${formatKb(d.sizeKb ?? 0)}, ${fs}${where}`;
  if (d.freeKb < DISK_FAIL_KB) return c(name, 'fail', detail, `free space on ${d.mount} or point ${setting} at a bigger file system`);
  if (d.freeKb < DISK_WARN_KB) return c(name, 'warn', detail, `give ${setting} more room (less than ${formatKb(DISK_WARN_KB)} free)`);
  return c(name, 'ok', detail);
}

function judgePorts(needs: readonly PreflightNeeds[], ports: { tool: 'ss' | 'proc'; held: PortHolder[] }, c: Mk): DoctorCheck[] {
  const held = new Map(ports.held.map((h) => [h.port, h]));
  return needs.flatMap((n) =>
    n.ports.map((p) => {
      const name = `port ${p.port}`;
      const h = held.get(p.port);
      if (!h) return c(name, 'ok', `free (${p.setting})`);
      if (h.marker === p.processMarker || h.cmdline?.includes(p.processMarker)) return c(name, 'ok', `held by ${n.component.split(' ')[0]} itself (pid ${h.pid})`);
      if (ports.tool === 'proc' || h.pid === undefined)
        return c(name, 'warn', `something listens on ${p.port} (${p.setting}); no ss on the host to say what`, `check with: ss -ltnp 'sport = :${p.port}' (install iproute2)`);
      return c(name, 'fail', `held by pid ${h.pid}: ${h.cmdline || '?'} (${p.setting})`, `stop pid ${h.pid} or choose another ${p.setting}`);
    }),
  );
}

export function judgeClock(start: ClockReading, end: ClockReading, sentAt: number, receivedAt: number, c: Mk): DoctorCheck {
  const o = clockOffset(start, end, sentAt, receivedAt);
  if (!o) return c('clock', 'warn', 'could not read the host clock (date)', 'check that date works on the host');
  const beyond = Math.max(0, Math.abs(o.offsetMs) - o.uncertaintyMs);
  const detail = `${o.offsetMs >= 0 ? '+' : '-'}${formatMs(Math.abs(o.offsetMs))} (±${formatMs(o.uncertaintyMs)}) vs the control node`;
  const fix = 'run NTP (chrony or systemd-timesyncd) on the host and on the control node';
  if (beyond > CLOCK_FAIL_MS) return c('clock', 'fail', detail, fix);
  if (beyond > CLOCK_WARN_MS) return c('clock', 'warn', detail, fix);
  return c('clock', 'ok', detail);
}

function judgeNofile(n: NofileFact, os: OsFact, c: Mk): DoctorCheck {
  const name = `nofile ${n.user}`;
  if (os.init === 'systemd') return c(name, 'ok', `the systemd unit sets LimitNOFILE=${n.wanted}`);
  const who = n.as === 'user' ? `as ${n.user}` : `${n.user} not created yet; zkk's session`;
  if (n.soft === undefined) return c(name, 'warn', `could not read ulimit -n ${who}`, `check: runuser -u ${n.user} -- sh -c 'ulimit -n'`);
  const detail = `ulimit -n ${fmtLimit(n.soft)} (hard ${fmtLimit(n.hard)}) ${who}, started as the init script does; wanted ${n.wanted}`;
  if (n.soft >= n.wanted) return c(name, 'ok', detail);
  return c(name, 'warn', detail, `allow ${n.user} ${n.wanted} open files (/etc/security/limits.d: "${n.user} - nofile ${n.wanted}", and fs.nr_open ≥ ${n.wanted})`);
}

function judgeMemory(m: MemoryTuningFact, c: Mk): DoctorCheck[] {
  const out: DoctorCheck[] = [];
  if (m.swapTotalKb === undefined) out.push(c('swap', 'warn', 'could not read /proc/meminfo'));
  else if (m.swapTotalKb === 0) out.push(c('swap', 'ok', `no swap${m.swappiness !== undefined ? ` (vm.swappiness ${m.swappiness})` : ''}`));
  else if ((m.swappiness ?? 60) > 1)
    out.push(c('swap', 'warn', `${formatKb(m.swapTotalKb)} swap with vm.swappiness ${m.swappiness ?? '?'}: the JVM heap may be swapped out`, 'sysctl -w vm.swappiness=1 (and set it in /etc/sysctl.d/)'));
  else out.push(c('swap', 'ok', `${formatKb(m.swapTotalKb)} swap, vm.swappiness ${m.swappiness}`));
  if (!m.thp) out.push(c('thp', 'ok', 'no transparent huge pages on this kernel'));
  else if (m.thp === 'always') out.push(c('thp', 'warn', 'transparent huge pages: always (latency spikes in ZooKeeper and Kafka)', 'echo madvise > /sys/kernel/mm/transparent_hugepage/enabled (and on boot)'));
  else out.push(c('thp', 'ok', `transparent huge pages: ${m.thp}`));
  return out;
}

function judgeFirewall(inv: Inventory, needs: readonly PreflightNeeds[], fw: FirewallFact, c: Mk): DoctorCheck {
  if (fw.kind === 'none') return c('firewall', 'ok', 'no active ufw or firewalld (other rules: see the reach checks)');
  const ports = needs.flatMap((n) => n.ports.map((p) => p.port));
  const closed = closedPortsOf(fw, ports);
  if (closed.length === 0) return c('firewall', 'ok', `${fw.kind} allows ${ports.join(', ')}`);
  if (inv.firewall.manage === 'auto') return c('firewall', 'warn', `${fw.kind} does not allow ${closed.join(', ')} yet`, `zkk deploy opens them (firewall.manage: auto)`);
  return c('firewall', 'fail', `${fw.kind} does not allow ${closed.join(', ')} (firewall.manage: never)`, `open ${closed.map((p) => `${p}/tcp`).join(', ')} in ${fw.kind}, or set firewall.manage: auto`);
}

/** Names others use for this host: do they resolve on every host, and back? */
function judgeNames(e: HostEvidence, all: readonly HostEvidence[]): DoctorCheck[] {
  const host = e.host.name;
  const names = [...new Set(e.needs.flatMap((n) => n.names))];
  const checks = names.map((name): DoctorCheck | undefined => {
    const seen = all.filter((o) => o.facts && o.probes).map((o) => ({ from: o.host.name, fact: o.facts!.get(o.probes!.names).find((n) => n.name === name) }));
    if (seen.length === 0) return undefined;
    const unresolved = seen.filter((s) => !s.fact || s.fact.addresses.length === 0).map((s) => s.from);
    const check = `resolve ${name}`;
    if (unresolved.length) return { host, check, verdict: 'fail' as const, detail: `${name} does not resolve on ${unresolved.join(', ')}`, fix: `add ${name} to DNS (or /etc/hosts on ${unresolved.join(', ')}), or use the IP address` };
    const reverse = [...new Set(seen.flatMap((s) => s.fact?.reverse.slice(0, 1) ?? []))];
    const addrs = [...new Set(seen.flatMap((s) => s.fact?.addresses ?? []))];
    if (isIP(name)) {
      return { host, check, verdict: 'ok' as const, detail: reverse.length ? `${name} → ${reverse.join(' / ')}` : `${name}: an IP address, no reverse name (not needed: zkk and the services use the address)` };
    }
    const back = reverse.some((r) => r === name || r.split('.')[0] === name.split('.')[0]);
    if (!back) return { host, check, verdict: 'warn' as const, detail: `${name} → ${addrs.join(', ')} → ${reverse.length ? reverse.join(' / ') : 'no reverse name'}`, fix: `make ${addrs[0]} resolve back to ${name} (PTR or /etc/hosts): TLS and Kerberos host checks need it` };
    return { host, check, verdict: 'ok' as const, detail: `${name} → ${addrs.join(', ')} → ${reverse.join(' / ')}` };
  });
  return checks.filter((c): c is DoctorCheck => !!c);
}

/** This host's planned ports, connected to from the peers that tried them (see reachWitnesses). */
function judgeReach(inv: Inventory, e: HostEvidence, all: readonly HostEvidence[]): DoctorCheck[] {
  const host = e.host.name;
  const fw = e.facts && e.probes ? e.facts.get(e.probes.firewall) : undefined;
  const zkkOpens = new Set(fw && inv.firewall.manage === 'auto' ? closedPortsOf(fw, e.needs.flatMap((n) => n.ports.map((p) => p.port))) : []);
  return e.needs.flatMap((n) =>
    n.ports.flatMap((p) => {
      const check = `reach ${p.port}`;
      const results = all
        .filter((o) => o !== e && o.facts && o.probes)
        .map((s) => ({ s, tcp: s.facts!.get(s.probes!.tcp) }))
        .filter(({ tcp }) => tcp.targets.some((t) => t.address === e.host.address && t.port === p.port))
        .map(({ s, tcp }) => {
          const r = tcp.available ? tcp.results.find((x) => x.address === e.host.address && x.port === p.port) : undefined;
          return { from: s.host.name, r, available: tcp.available };
        });
      if (results.length === 0) return [];
      const blocked = results.filter((x) => x.r && (x.r.result === 'filtered' || x.r.result === 'unreachable'));
      const unknown = results.filter((x) => !x.r || x.r.result === 'error');
      const say = (xs: typeof results) => xs.map((x) => `${x.from}: ${x.r ? describeTcp(x.r) : x.available ? 'not tested' : 'no bash/timeout'}`).join(', ');
      if (blocked.length && zkkOpens.has(p.port))
        return { host, check, verdict: 'warn' as const, detail: `${p.setting} from ${say(blocked)}: ${fw!.kind} on ${host} does not allow it yet`, fix: 'zkk deploy opens it (firewall.manage: auto)' };
      if (blocked.length)
        return { host, check, verdict: 'fail' as const, detail: `${p.setting} from ${say(blocked)}`, fix: `allow ${p.port}/tcp from the cluster hosts to ${host} (host firewall, security group, network ACL)` };
      if (unknown.length) return { host, check, verdict: 'warn' as const, detail: `${p.setting} from ${say(unknown)}`, fix: 'install bash and coreutils timeout on the hosts so doctor can test it' };
      return { host, check, verdict: 'ok' as const, detail: `${p.setting} reachable from ${results.map((x) => `${x.from} (${x.r!.result === 'open' ? 'open' : 'nothing listens yet'})`).join(', ')}` };
    }),
  );
}

function describeTcp(r: TcpReach): string {
  switch (r.result) {
    case 'filtered':
      return 'no answer (dropped by a firewall)';
    case 'unreachable':
      return 'rejected (no route to host / ICMP)';
    case 'refused':
      return 'refused (reachable, nothing listens)';
    case 'open':
      return 'open';
    default:
      return r.detail ?? 'error';
  }
}

export function formatKb(kb: number): string {
  const gib = kb / (1024 * 1024);
  if (gib >= 1) return `${gib >= 100 ? Math.round(gib) : gib.toFixed(1)} GiB`;
  return `${Math.round(kb / 1024)} MiB`;
}

const formatMs = (ms: number): string => (ms >= 10_000 ? `${Math.round(ms / 1000)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const fmtLimit = (n: number | undefined): string => (n === undefined ? '?' : n === Number.POSITIVE_INFINITY ? 'unlimited' : String(n));

/** Exit code of `zkk doctor`: 0 no fail (warnings allowed) · 1 a check failed · 3 no host reachable. */
export function doctorExitCode(checks: readonly DoctorCheck[], strict = false): number {
  const ssh = checks.filter((c) => c.check === 'ssh');
  if (ssh.length > 0 && ssh.every((c) => c.verdict === 'fail')) return 3;
  if (checks.some((c) => c.verdict === 'fail')) return 1;
  if (strict && checks.some((c) => c.verdict === 'warn')) return 1;
  return 0;
}
