/**
 * Declarative users and ACLs (KRaft with security:): kafka.users are SCRAM-SHA-512 users,
 * kafka.acls the StandardAuthorizer's bindings. One cluster-wide step after the brokers are
 * up (and rolled): it reads the cluster first (DescribeUserScramCredentials, DescribeAcls, a
 * SCRAM login per listed user to tell whether its password still works — no stored secret
 * is read back), then upserts missing users and users whose password changed, creates
 * missing ACLs, and removes the users and ACLs zkk created earlier that the inventory no
 * longer lists. What zkk created is kept in a record on every Kafka host
 * (<confDir>/zkk-access.json, root 0640, names and bindings only, no secret), read as a
 * fact; users and ACLs made by someone else are left alone and reported.
 */
import type { Facts } from '../../facts/gather.js';
import { pathProbe, type PathFact } from '../../facts/probes.js';
import type { ResolvedHost, ResolvedKafka } from '../../inventory/resolve.js';
import { ensureFileContent } from '../../ops/file.js';
import type { AclBinding, AclOperation, AclPatternType, AclPermission, AclResourceType } from './wire/describe-acls.js';

/** An ACL as the inventory writes it (kafka.acls[]): several operations per entry. */
export interface KafkaAclInput {
  principal: string;
  resourceType: AclResourceType;
  name?: string;
  pattern?: AclPatternType;
  operations: AclOperation[];
  permission?: AclPermission;
  host?: string;
}

/** The cluster resource has one name in Kafka. */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';

export const accessRecordPath = (k: ResolvedKafka): string => `${k.confDir}/zkk-access.json`;
export const accessRecordProbe = (k: ResolvedKafka) => pathProbe(accessRecordPath(k), true);

export interface AccessRecord {
  users: string[];
  acls: AclBinding[];
}

export const bindingKey = (b: AclBinding): string => JSON.stringify([b.resourceType, b.resourceName, b.patternType, b.principal, b.host, b.operation, b.permission]);

/** kafka.acls expanded into one binding per operation, with the defaults (literal, allow, any host). */
export function desiredBindings(acls: readonly KafkaAclInput[]): AclBinding[] {
  const out = new Map<string, AclBinding>();
  for (const a of acls)
    for (const operation of a.operations) {
      const b: AclBinding = {
        resourceType: a.resourceType,
        resourceName: a.resourceType === 'cluster' ? CLUSTER_RESOURCE_NAME : a.name!,
        patternType: a.pattern ?? 'literal',
        principal: a.principal,
        host: a.host ?? '*',
        operation,
        permission: a.permission ?? 'allow',
      };
      out.set(bindingKey(b), b);
    }
  return [...out.values()];
}

/** A host's record (undefined: none, or unreadable — then zkk knows of nothing it created there). */
export function parseAccessRecord(fact: PathFact): AccessRecord | undefined {
  if (fact.kind !== 'file' || fact.content === undefined) return undefined;
  try {
    const j = JSON.parse(fact.content) as Partial<AccessRecord>;
    return { users: Array.isArray(j.users) ? j.users.filter((u): u is string => typeof u === 'string') : [], acls: Array.isArray(j.acls) ? j.acls : [] };
  } catch {
    return undefined;
  }
}

/** What zkk created, as any Kafka host recorded it (the union: a host down at the last deploy keeps an older record). */
export function recordedAccess(hosts: readonly { host: ResolvedHost; facts: Facts }[]): { record: AccessRecord; any: boolean } {
  const users = new Set<string>();
  const acls = new Map<string, AclBinding>();
  let any = false;
  for (const { host, facts } of hosts) {
    if (!host.kafka) continue;
    const r = parseAccessRecord(facts.get(accessRecordProbe(host.kafka)));
    if (!r) continue;
    any = true;
    r.users.forEach((u) => users.add(u));
    r.acls.forEach((b) => acls.set(bindingKey(b), b));
  }
  return { record: { users: [...users].sort(), acls: [...acls.values()] }, any };
}

export const renderAccessRecord = (r: AccessRecord): string =>
  `${JSON.stringify({ note: 'users and ACLs zkk created (zkk removes them when the inventory no longer lists them); no secrets', users: [...r.users].sort(), acls: [...r.acls].sort((a, b) => bindingKey(a).localeCompare(bindingKey(b))) }, null, 2)}\n`;

/** The record file on one host: written when it differs (root 0640; no secret in it). */
export function accessRecordOutcome(host: ResolvedHost, facts: Facts, record: AccessRecord) {
  const k = host.kafka!;
  return ensureFileContent(facts.get(accessRecordProbe(k)), { path: accessRecordPath(k), content: renderAccessRecord(record), owner: 'root', group: k.group, mode: '0640' });
}

/** What the cluster holds now. */
export interface AccessState {
  /** users with SCRAM credentials */
  users: string[];
  /** listed users whose inventory password logs in now */
  working: Set<string>;
  acls: AclBinding[];
}

export interface AccessPlan {
  /** listed users without credentials */
  createUsers: string[];
  /** listed users whose password no longer logs in */
  updateUsers: string[];
  /** users zkk created that the inventory no longer lists */
  deleteUsers: string[];
  createAcls: AclBinding[];
  deleteAcls: AclBinding[];
  /** not listed, not created by zkk: left alone */
  foreignUsers: string[];
  foreignAcls: AclBinding[];
  /** the record after the step */
  record: AccessRecord;
}

/** The step, pure: compare the inventory, the cluster and the record. */
export function planAccess(want: { users: readonly string[]; acls: readonly AclBinding[] }, state: AccessState, recorded: AccessRecord, adminUser: string): AccessPlan {
  const listedUsers = new Set(want.users);
  const existingUsers = new Set(state.users);
  const wantAcls = new Map(want.acls.map((b) => [bindingKey(b), b]));
  const haveAcls = new Map(state.acls.map((b) => [bindingKey(b), b]));
  const recordedUsers = new Set(recorded.users);
  const recordedAcls = new Map(recorded.acls.map((b) => [bindingKey(b), b]));
  const createUsers = want.users.filter((u) => !existingUsers.has(u));
  const updateUsers = want.users.filter((u) => existingUsers.has(u) && !state.working.has(u));
  const deleteUsers = recorded.users.filter((u) => !listedUsers.has(u) && u !== adminUser && existingUsers.has(u));
  const createAcls = [...wantAcls].filter(([k]) => !haveAcls.has(k)).map(([, b]) => b);
  const deleteAcls = [...recordedAcls].filter(([k]) => !wantAcls.has(k) && haveAcls.has(k)).map(([, b]) => b);
  const foreignUsers = state.users.filter((u) => !listedUsers.has(u) && !recordedUsers.has(u) && u !== adminUser);
  const foreignAcls = state.acls.filter((b) => !wantAcls.has(bindingKey(b)) && !recordedAcls.has(bindingKey(b)));
  const record: AccessRecord = {
    users: [...new Set([...recorded.users.filter((u) => listedUsers.has(u)), ...createUsers])].sort(),
    acls: [...new Map([...[...recordedAcls].filter(([k]) => wantAcls.has(k)), ...createAcls.map((b) => [bindingKey(b), b] as const)]).values()],
  };
  return { createUsers, updateUsers, deleteUsers, createAcls, deleteAcls, foreignUsers, foreignAcls, record };
}

export const describeBinding = (b: AclBinding): string =>
  `${b.permission} ${b.principal} ${b.operation} on ${b.resourceType} ${b.patternType === 'prefixed' ? `${b.resourceName}*` : b.resourceName}${b.host === '*' ? '' : ` from ${b.host}`}`;

/** The changes, one phrase each (empty: nothing to do). */
export function accessChanges(p: AccessPlan): string[] {
  return [
    ...(p.createUsers.length ? [`create user ${p.createUsers.join(', ')}`] : []),
    ...(p.updateUsers.length ? [`set the new password of ${p.updateUsers.join(', ')}`] : []),
    ...(p.deleteUsers.length ? [`remove user ${p.deleteUsers.join(', ')} (created by zkk, no longer listed)`] : []),
    ...p.createAcls.map((b) => `add ACL ${describeBinding(b)}`),
    ...p.deleteAcls.map((b) => `remove ACL ${describeBinding(b)} (created by zkk, no longer listed)`),
  ];
}

/** Users and ACLs on the cluster that zkk neither lists nor created. */
export function accessLeftAlone(p: AccessPlan): string | undefined {
  if (p.foreignUsers.length === 0 && p.foreignAcls.length === 0) return undefined;
  const parts = [...(p.foreignUsers.length ? [`user(s) ${p.foreignUsers.join(', ')}`] : []), ...(p.foreignAcls.length ? [`${p.foreignAcls.length} ACL(s): ${p.foreignAcls.slice(0, 5).map(describeBinding).join('; ')}${p.foreignAcls.length > 5 ? '; …' : ''}`] : [])];
  return `left alone (not in the inventory, not created by zkk): ${parts.join('; ')}`;
}
