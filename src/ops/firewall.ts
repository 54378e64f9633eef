/**
 * Open a service's TCP ports in the host firewall when one is active (ufw or firewalld),
 * instead of the blog posts' "turn the firewall off". Only missing ports are added, each
 * with a comment naming zkk and what listens there; nothing is ever removed or disabled.
 * firewall.manage: never leaves the firewall alone and reports what is not open.
 */
import { script } from '../shell/command.js';
import { tcpAllowed, type FirewallFact, type PortRange } from '../facts/firewall.js';
import { change, exec, ok, type Outcome } from './operation.js';

export interface ServicePort {
  port: number;
  /** What listens there, e.g. "zookeeper client". */
  what: string;
}

export function ensureFirewallOpen(fact: FirewallFact, ports: readonly ServicePort[], manage: 'auto' | 'never'): Outcome {
  const list = (ps: readonly ServicePort[]) => ps.map((p) => `${p.port}/tcp`).join(', ');
  if (fact.kind === 'none') return ok(`no active ufw or firewalld to open ${list(ports)} in`);
  if (fact.kind === 'ufw') {
    const missing = ports.filter((p) => !tcpAllowed(fact.allowed, p.port));
    if (missing.length === 0) return ok(`ufw allows ${list(ports)}`);
    if (manage === 'never') return ok(`ufw is active and does not allow ${list(missing)}; left alone (firewall.manage: never)`);
    const lines = ['set -e', ...missing.map((p) => `ufw allow ${p.port}/tcp comment 'zkk: ${p.what.replace(/[^\w .:-]/g, '')}' >/dev/null`)];
    return change(`ufw allow ${list(missing)}`, [exec(script(lines.join('\n'), `ufw allow ${list(missing)}`))]);
  }
  const runtime = ports.filter((p) => !tcpAllowed(fact.runtime, p.port));
  const permanent = ports.filter((p) => !tcpAllowed(fact.permanent, p.port));
  if (runtime.length === 0 && permanent.length === 0) return ok(`firewalld allows ${list(ports)} (default zone)`);
  const missing = [...new Map([...runtime, ...permanent].map((p) => [p.port, p])).values()];
  if (manage === 'never') return ok(`firewalld is running and does not allow ${list(missing)}; left alone (firewall.manage: never)`);
  const add = (ps: readonly ServicePort[]) => ps.map((p) => `--add-port=${p.port}/tcp`).join(' ');
  const lines = ['set -e'];
  if (runtime.length) lines.push(`firewall-cmd -q ${add(runtime)}`);
  if (permanent.length) lines.push(`firewall-cmd -q --permanent ${add(permanent)}`);
  return change(`firewalld (default zone): add ${list(missing)}`, [exec(script(lines.join('\n'), `firewall-cmd --add-port ${list(missing)}`))]);
}

/**
 * `zkk uninstall`: take back the rules deploy added. ufw: the rules for these ports whose
 * comment says "zkk:" (rules someone else added stay); firewalld (no comments): these exact
 * single ports in the default zone, runtime and permanent.
 */
export function ensureFirewallClosed(fact: FirewallFact, ports: readonly ServicePort[], manage: 'auto' | 'never'): Outcome {
  if (fact.kind === 'none') return ok('no active ufw or firewalld');
  if (manage === 'never') return ok('firewall left alone (firewall.manage: never)');
  const list = (ps: readonly number[]) => ps.map((p) => `${p}/tcp`).join(', ');
  if (fact.kind === 'ufw') {
    const ours = ports.map((p) => p.port).filter((port) => fact.allowed.some((r) => r.byZkk && r.proto === 'tcp' && r.from === port && r.to === port));
    if (ours.length === 0) return ok('no ufw rule of zkk for these ports');
    return change(`ufw: delete zkk's rules for ${list(ours)}`, [exec(script(['set -e', ...ours.map((p) => `ufw delete allow ${p}/tcp >/dev/null`)].join('\n'), `ufw delete allow ${list(ours)}`))]);
  }
  const single = (rs: readonly PortRange[], port: number) => rs.some((r) => r.proto === 'tcp' && r.from === port && r.to === port);
  const runtime = ports.map((p) => p.port).filter((p) => single(fact.runtime, p));
  const permanent = ports.map((p) => p.port).filter((p) => single(fact.permanent, p));
  if (runtime.length === 0 && permanent.length === 0) return ok('firewalld does not list these ports');
  const rm = (ps: readonly number[]) => ps.map((p) => `--remove-port=${p}/tcp`).join(' ');
  const lines = ['set -e'];
  if (runtime.length) lines.push(`firewall-cmd -q ${rm(runtime)}`);
  if (permanent.length) lines.push(`firewall-cmd -q --permanent ${rm(permanent)}`);
  return change(`firewalld (default zone): remove ${list([...new Set([...runtime, ...permanent])])}`, [exec(script(lines.join('\n'), 'firewall-cmd --remove-port'))]);
}
