/**
 * The users-and-ACLs step in a Kafka run: prepare reads the users' passwords (and, for plan,
 * what the cluster holds), plan lists what the step will do, converge runs it once for the
 * cluster after the brokers are up and rolled, and records it as the step kafka.access on
 * the first broker (ok, or changed with what changed). Passwords are never printed.
 */
import type { Facts } from '../../facts/gather.js';
import type { Inventory, ResolvedHost } from '../../inventory/resolve.js';
import type { HandlerReporter, LiveHost } from '../role.js';
import { readSecret } from '../security/secrets.js';
import { accessChanges, accessLeftAlone, accessRecordOutcome, desiredBindings, planAccess, recordedAccess, type AccessPlan, type AccessState } from './access.js';
import { applyAccessPlan, readAccessState, type Endpoint } from './access-apply.js';
import { brokerHosts, kafkaHosts } from './config.js';
import type { KafkaSecurityRun } from './security.js';

export const ACCESS_STEP = { id: 'kafka.access', title: 'users and ACLs' };

/** What prepare found for the step (undefined: the step does not apply to this cluster). */
export interface AccessRun {
  passwords: Map<string, string>;
  tls: { ca: string } | undefined;
  adminUser: string;
  /** plan: the cluster's state as read at prepare (undefined: the cluster did not answer) */
  state?: AccessState;
}

/** Security on (KRaft or ZooKeeper mode; not while a migration renders the hosts): the step applies (it may find nothing to do). */
const applies = (inv: Inventory): boolean => {
  const k = kafkaHosts(inv)[0];
  return !!k && !!k.security && !k.kafka.migration;
};

const endpoints = (inv: Inventory): Endpoint[] => brokerHosts(inv).map((h) => ({ host: h.kafka.advertisedHost, port: h.kafka.port }));

export async function prepareAccess(inv: Inventory, mode: 'plan' | 'deploy', security: KafkaSecurityRun | undefined, clusterAnswered: boolean): Promise<AccessRun | undefined> {
  if (!applies(inv) || !security) return undefined;
  const k = kafkaHosts(inv)[0]!.kafka;
  const passwords = new Map<string, string>();
  for (const [i, u] of k.users.entries()) passwords.set(u.name, await readSecret(u.password, inv.dir, `kafka.users[${i}].password`));
  const ca = [...security.tls.hosts.values()][0]?.caPem;
  const run: AccessRun = { passwords, tls: ca ? { ca } : undefined, adminUser: security.adminUser };
  if (mode === 'plan' && clusterAnswered && (k.users.length > 0 || k.acls.length > 0)) run.state = await readAccessState(endpoints(inv), run.tls, passwords).catch(() => undefined);
  return run;
}

function planFor(inv: Inventory, run: AccessRun, state: AccessState, hosts: { host: ResolvedHost; facts: Facts }[]): AccessPlan {
  const k = kafkaHosts(inv)[0]!.kafka;
  return planAccess({ users: k.users.map((u) => u.name), acls: desiredBindings(k.acls) }, state, recordedAccess(hosts).record, run.adminUser);
}

/** Whether there is anything to manage: users or ACLs listed, or a record of earlier ones. */
function inScope(inv: Inventory, hosts: { host: ResolvedHost; facts: Facts }[]): boolean {
  const k = kafkaHosts(inv)[0]!.kafka;
  return k.users.length > 0 || k.acls.length > 0 || recordedAccess(hosts).any;
}

/** zkk plan: the step's line (after the roll). */
export function planAccessLines(inv: Inventory, run: AccessRun | undefined, hosts: { host: ResolvedHost; facts: Facts }[]): string[] {
  if (!run || !applies(inv) || !inScope(inv, hosts)) return [];
  if (!run.state) return ['users and ACLs (after the brokers are up): read the cluster\'s SCRAM users and ACLs, create the listed ones that are missing or whose password changed, remove those zkk created that are no longer listed'];
  const p = planFor(inv, run, run.state, hosts);
  const changes = accessChanges(p);
  const alone = accessLeftAlone(p);
  return [`users and ACLs: ${changes.length ? changes.join('; ') : 'as listed (nothing to change)'}${alone ? ` — ${alone}` : ''}`];
}

/** converge: read, change what differs, wait until every broker serves it, keep the record on every live Kafka host. */
export async function convergeAccess(inv: Inventory, run: AccessRun | undefined, live: LiveHost[], report: HandlerReporter): Promise<void> {
  if (!run || !applies(inv) || !inScope(inv, live)) return;
  const first = live.find((l) => l.host.kafka?.processRoles.includes('broker')) ?? live[0]!;
  // the brokers this run reached (one down is not waited for; it catches up from the metadata log when it starts)
  const eps = live.filter((l) => l.host.kafka?.processRoles.includes('broker')).map((l) => ({ host: l.host.kafka!.advertisedHost, port: l.host.kafka!.port }));
  if (eps.length === 0) return;
  const state = await readAccessState(eps, run.tls, run.passwords);
  const p = planFor(inv, run, state, live);
  const changes = accessChanges(p);
  if (changes.length > 0) await applyAccessPlan(eps, run.tls, p, run.passwords);
  let recorded = 0;
  for (const l of live.filter((x) => x.host.kafka)) {
    const o = accessRecordOutcome(l.host, l.facts, p.record);
    if (o.kind !== 'change') continue;
    for (const a of o.actions) if (a.kind === 'exec') await l.conn.exec(a.command, a);
    recorded++;
  }
  const alone = accessLeftAlone(p);
  if (alone) report.info(undefined, `users and ACLs: ${alone}`);
  const detail = changes.length ? changes.join('; ') : `${run.passwords.size} user(s) and ${desiredBindings(kafkaHosts(inv)[0]!.kafka.acls).length} ACL binding(s) as listed`;
  report.step?.(first.host.name, ACCESS_STEP, changes.length || recorded ? 'changed' : 'ok', recorded && !changes.length ? `${detail} (record written on ${recorded} host(s))` : detail);
}
