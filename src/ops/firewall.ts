/**
 * Open a service's TCP ports in the host firewall when one is active (ufw or firewalld),
 * instead of the blog posts' "turn the firewall off". Only missing ports are added, each
 * with a comment naming zkk and what listens there; nothing is ever removed or disabled.
 * firewall.manage: never leaves the firewall alone and reports what is not open.
 */
import { script } from '../shell/command.js';
import { tcpAllowed, type FirewallFact } from '../facts/firewall.js';
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
