/**
 * What `zkk uninstall` takes away from a host for one service role (ZooKeeper, Kafka): the
 * same steps for both, from the role's own layout. Stop, unregister and remove the service
 * files, remove the install link and zkk's release dirs, take back zkk's firewall rules, move
 * the config aside as a dated backup; data, logs and the service account stay unless purge.
 */
import { firewallProbe } from '../facts/firewall.js';
import type { Facts } from '../facts/gather.js';
import { groupProbe, osProbe, pathProbe, serviceRegistrationProbe, userProbe, type ProcessFact, type Probe } from '../facts/probes.js';
import { MARKER } from '../ops/archive.js';
import { ensureFirewallClosed, type ServicePort } from '../ops/firewall.js';
import type { Step } from '../ops/operation.js';
import { serviceFilePath, serviceManager } from '../ops/service.js';
import { configBackupsProbe, ensureAccountRemoved, ensureConfigBackedUp, ensureDataPurged, ensureInstallRemoved, ensureServiceRemoved, ensureServiceStopped, releaseDirsProbe } from '../ops/uninstall.js';

export interface ServiceLayout {
  /** Step id prefix: the role's name. */
  role: string;
  service: string;
  user: string;
  group: string;
  installDir: string;
  /** What every versioned release dir's path starts with (e.g. /usr/local/kafka_2.13-). */
  releasesPrefix: string;
  confDir: string;
  /** Data, transaction-log and server-log dirs (purge only). */
  dataDirs: string[];
  ports: ServicePort[];
  process: Probe<ProcessFact>;
}

export function uninstallProbes(l: ServiceLayout): Probe<unknown>[] {
  return [
    osProbe(),
    firewallProbe(),
    l.process,
    serviceRegistrationProbe(l.service, 'sysv'),
    serviceRegistrationProbe(l.service, 'systemd'),
    pathProbe(serviceFilePath('sysv', l.service)),
    pathProbe(serviceFilePath('systemd', l.service)),
    pathProbe(l.installDir),
    releaseDirsProbe(l.releasesPrefix, MARKER),
    pathProbe(l.confDir),
    configBackupsProbe(l.confDir),
    ...l.dataDirs.map((d) => pathProbe(d)),
    userProbe(l.user),
    groupProbe(l.group),
  ];
}

export function uninstallSteps(l: ServiceLayout, facts: Facts, firewall: 'auto' | 'never', purge: boolean): Step[] {
  const os = facts.get(osProbe());
  const mgr = serviceManager(os);
  const id = (s: string) => `${l.role}.uninstall-${s}`;
  return [
    { id: id('stop'), title: `stop ${l.service}`, outcome: ensureServiceStopped(facts.get(l.process), l.service, mgr) },
    {
      id: id('service'),
      title: 'service registration and files',
      outcome: ensureServiceRemoved(facts.get(serviceRegistrationProbe(l.service, mgr)), { sysv: facts.get(pathProbe(serviceFilePath('sysv', l.service))), systemd: facts.get(pathProbe(serviceFilePath('systemd', l.service))) }, l.service, mgr, os),
    },
    { id: id('install'), title: l.installDir, outcome: ensureInstallRemoved(facts.get(pathProbe(l.installDir)), l.installDir, facts.get(releaseDirsProbe(l.releasesPrefix, MARKER))) },
    { id: id('firewall'), title: 'firewall rules', outcome: ensureFirewallClosed(facts.get(firewallProbe()), l.ports, firewall) },
    { id: id('config'), title: l.confDir, outcome: ensureConfigBackedUp(facts.get(pathProbe(l.confDir)), l.confDir, facts.get(configBackupsProbe(l.confDir)), purge) },
    { id: id('data'), title: 'data and logs', outcome: ensureDataPurged(l.dataDirs.map((d) => ({ path: d, fact: facts.get(pathProbe(d)) })), l.user, purge) },
    { id: id('account'), title: `user ${l.user}`, outcome: ensureAccountRemoved(facts.get(userProbe(l.user)), facts.get(groupProbe(l.group)), { user: l.user, group: l.group }, purge) },
  ];
}
