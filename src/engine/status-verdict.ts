/**
 * The status verdict (pure): what the observed hosts and the roles' summaries mean.
 * The roles give their reasons (roles/<role>/status.ts); here are the rules above them:
 *
 *   DOWN      a reason of severity down (a role's: no ZooKeeper quorum, no Kafka broker
 *             answering, no active controller, offline partitions…) or nothing deployed
 *   DEGRADED  any other reason: a host unreachable or unreadable, a service stopped / not
 *             installed / not serving, what a role reports as degraded
 *   HEALTHY   no reason
 *   UNKNOWN   no host answered over SSH and no role's cluster answered the control node
 */
import { ExitCode } from '../errors/zkk-error.js';
import type { HostStatus, StatusReason, Verdict } from './status-schema.js';
import { statusRoles } from './status-roles.js';

export interface Assessment {
  verdict: Verdict;
  exitCode: 0 | 1 | 3 | 5;
  reasons: StatusReason[];
}

/** summaries: each role's summary (or null) by its service name. */
export function assessStatus(hosts: HostStatus[], summaries: Readonly<Record<string, unknown>>): Assessment {
  const reasons: StatusReason[] = [];
  const add = (severity: StatusReason['severity'], scope: StatusReason['scope'], host: string | null, message: string) =>
    reasons.push({ severity, scope, host, message });

  // Hosts zkk could not ask: one reason each, their services are not judged again.
  for (const h of hosts) {
    if (h.ssh.error) add('degraded', 'host', h.name, h.ssh.reachable ? `could not read the host's state: ${h.ssh.error.message}` : `unreachable: ${h.ssh.error.message}`);
  }
  const asked = hosts.filter((h) => !h.ssh.error);

  // Nothing deployed anywhere zkk could look.
  const services = asked.flatMap((h) => h.services);
  if (asked.length > 0 && services.length > 0 && services.every((s) => s.state === 'not-installed'))
    add('down', 'cluster', null, 'nothing is deployed yet (run zkk deploy with this inventory)');

  for (const role of statusRoles) reasons.push(...role.reasons(summaries[role.service] ?? null, hosts, asked));

  reasons.sort((a, b) => Number(b.severity === 'down') - Number(a.severity === 'down'));
  const answeredDirectly = statusRoles.some((r) => r.answeredDirectly?.(summaries[r.service] ?? null) ?? false);
  const nobodyAnswered = hosts.length > 0 && hosts.every((h) => !h.ssh.reachable) && !answeredDirectly;
  let verdict: Verdict = 'HEALTHY';
  let exitCode: Assessment['exitCode'] = ExitCode.ok;
  if (nobodyAnswered) {
    verdict = 'UNKNOWN';
    exitCode = ExitCode.connection;
  } else if (reasons.some((r) => r.severity === 'down')) {
    verdict = 'DOWN';
    exitCode = ExitCode.down;
  } else if (reasons.length > 0) {
    verdict = 'DEGRADED';
    exitCode = ExitCode.degraded;
  }
  return { verdict, exitCode, reasons };
}
