/**
 * Declarative users and ACLs (issue 15): the inventory's keys and their refusals (file/line/
 * field), the authorizer and super users in server.properties, and the step's plan (pure):
 * missing users/ACLs created, changed passwords set again, what zkk created and no longer
 * lists removed, what someone else made left alone and reported, nothing to do the 2nd time.
 */
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../../src/inventory/load.js';
import { inventorySections } from '../../../../src/roles/all-roles.js';
import { kafkaHosts, renderKafkaFiles } from '../../../../src/roles/kafka/config.js';
import { accessChanges, accessLeftAlone, desiredBindings, parseAccessRecord, planAccess, renderAccessRecord, type AccessRecord } from '../../../../src/roles/kafka/access.js';
import type { AclBinding } from '../../../../src/roles/kafka/wire/describe-acls.js';

const hosts = [11, 12, 13].map((n) => `  - { name: k${n}, address: 10.213.0.${n}, roles: [kafka] }\n`).join('');
const inventory = (kafka: string, security = 'security:\n  sasl: { adminPassword: { env: PW } }\n', extraHosts = '') =>
  parseInventory(`cluster: k\nkafka:\n  version: 4.4.0\n${kafka}${security}hosts:\n${hosts}${extraHosts}`, 'k.yml', inventorySections);
const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return String((e as Error).message) + JSON.stringify(e);
  }
  return 'not refused';
};

const USERS = '  users:\n    - { name: app, password: { env: APP_PW } }\n';
const ACLS = '  acls:\n    - { principal: "User:app", resourceType: topic, name: orders, operations: [read, write, describe] }\n    - { principal: "User:app", resourceType: group, name: app-, pattern: prefixed, operations: [read] }\n';
const b = (operation: AclBinding['operation'], over: Partial<AclBinding> = {}): AclBinding => ({ resourceType: 'topic', resourceName: 'orders', patternType: 'literal', principal: 'User:app', host: '*', operation, permission: 'allow', ...over });

describe('kafka.users and kafka.acls in the inventory', () => {
  it('resolve cluster-wide with their defaults; ACLs expand to one binding per operation', () => {
    const k = kafkaHosts(inventory(USERS + ACLS))[2]!.kafka;
    expect(k.users).toEqual([{ name: 'app', password: { env: 'APP_PW' } }]);
    expect(desiredBindings(k.acls)).toEqual([b('read'), b('write'), b('describe'), b('read', { resourceType: 'group', resourceName: 'app-', patternType: 'prefixed' })]);
    expect(desiredBindings([{ principal: 'User:ops', resourceType: 'cluster', operations: ['describe'], permission: 'deny', host: '10.213.0.21' }])).toEqual([
      { resourceType: 'cluster', resourceName: 'kafka-cluster', patternType: 'literal', principal: 'User:ops', host: '10.213.0.21', operation: 'describe', permission: 'deny' },
    ]);
  });

  it('refused: an inline password, on one host, without security, the admin user, a twice-listed user, a topic ACL without name', () => {
    expect(refusal(() => inventory('  users:\n    - { name: app, password: hunter22 }\n'))).toMatch(/kafka\.users\.0\.password|users\[0\]\.password|password/);
    expect(refusal(() => inventory('', undefined, '  - { name: k14, address: 10.213.0.14, roles: [kafka], kafka: { acls: [] } }\n'))).toMatch(/kafka\.acls is cluster-wide/);
    // ZooKeeper mode with security: accepted (AclAuthorizer)
    expect(parseInventory(`cluster: k\nkafka:\n  version: 3.9.2\n  mode: zookeeper\n${USERS}security:\n  sasl: { adminPassword: { env: PW } }\nhosts:\n  - { name: z1, address: 10.213.0.21, roles: [zookeeper, kafka] }\n`, 'k.yml', inventorySections).hosts[0]!.kafka!.users.length).toBeGreaterThan(0);
    expect(refusal(() => inventory(ACLS, ''))).toMatch(/kafka\.acls needs security:/);
    expect(refusal(() => inventory('  users:\n    - { name: zkk-admin, password: { env: X } }\n'))).toMatch(/zkk's admin user/);
    expect(refusal(() => inventory('  users:\n    - { name: app, password: { env: X } }\n    - { name: app, password: { env: Y } }\n'))).toMatch(/listed twice/);
    expect(refusal(() => inventory('  acls:\n    - { principal: "User:app", resourceType: topic, operations: [read] }\n'))).toMatch(/needs name/);
    expect(refusal(() => inventory('  acls:\n    - { principal: app, resourceType: topic, name: t, operations: [read] }\n'))).toMatch(/User:<name>/);
    // the line of the field is named
    expect(refusal(() => inventory('  users:\n    - { name: zkk-admin, password: { env: X } }\n'))).toMatch(/k\.yml:5|line 5/);
  });

  it('server.properties: StandardAuthorizer, super users = the admin and every node as its certificate names it, no ACL → denied', () => {
    const inv = inventory('');
    const f = renderKafkaFiles(inv, kafkaHosts(inv)[0]!, { adminPassword: 'x' }).serverProperties;
    expect(f).toContain('authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n');
    expect(f).toContain('super.users=User:zkk-admin;User:CN=k11;User:CN=k12;User:CN=k13\n');
    expect(f).toContain('allow.everyone.if.no.acl.found=false\n');
  });
});

describe('the users-and-ACLs step (pure)', () => {
  const none: AccessRecord = { users: [], acls: [] };
  const want = { users: ['app'], acls: [b('read'), b('write')] };

  it('a new cluster: the user and both ACLs created and recorded', () => {
    const p = planAccess(want, { users: ['zkk-admin'], working: new Set(), acls: [] }, none, 'zkk-admin');
    expect(accessChanges(p)).toEqual(['create user app', 'add ACL allow User:app read on topic orders', 'add ACL allow User:app write on topic orders']);
    expect(p.record).toEqual({ users: ['app'], acls: [b('read'), b('write')] });
    expect(accessLeftAlone(p)).toBeUndefined();
  });

  it('as listed: nothing to do; a password that no longer logs in is set again', () => {
    const rec = { users: ['app'], acls: [b('read'), b('write')] };
    const same = planAccess(want, { users: ['zkk-admin', 'app'], working: new Set(['app']), acls: [b('write'), b('read')] }, rec, 'zkk-admin');
    expect(accessChanges(same)).toEqual([]);
    expect(same.record).toEqual(rec);
    const changed = planAccess(want, { users: ['zkk-admin', 'app'], working: new Set(), acls: [b('read'), b('write')] }, rec, 'zkk-admin');
    expect(accessChanges(changed)).toEqual(['set the new password of app']);
  });

  it('removal: what zkk created and no longer lists goes; what someone else made stays and is reported; the admin is never removed', () => {
    const rec = { users: ['app', 'old', 'zkk-admin'], acls: [b('read'), b('write'), b('read', { resourceName: 'gone' })] };
    const theirs = b('read', { principal: 'User:ops' });
    const p = planAccess({ users: ['app'], acls: [b('read')] }, { users: ['zkk-admin', 'app', 'old', 'bob'], working: new Set(['app']), acls: [b('read'), b('write'), theirs] }, rec, 'zkk-admin');
    expect(accessChanges(p)).toEqual(['remove user old (created by zkk, no longer listed)', 'remove ACL allow User:app write on topic orders (created by zkk, no longer listed)']);
    expect(p.record).toEqual({ users: ['app'], acls: [b('read')] });
    expect(accessLeftAlone(p)).toBe('left alone (not in the inventory, not created by zkk): user(s) bob; 1 ACL(s): allow User:ops read on topic orders');
  });

  it('a listed ACL that existed before zkk is not recorded as zkk\'s (removing it from the inventory later leaves it)', () => {
    const p = planAccess({ users: [], acls: [b('read')] }, { users: [], working: new Set(), acls: [b('read')] }, none, 'zkk-admin');
    expect(p.record.acls).toEqual([]);
    const later = planAccess({ users: [], acls: [] }, { users: [], working: new Set(), acls: [b('read')] }, p.record, 'zkk-admin');
    expect(accessChanges(later)).toEqual([]);
    expect(accessLeftAlone(later)).toMatch(/1 ACL/);
  });

  it('the record round-trips, holds no password, and an unreadable one counts as none', () => {
    const r = { users: ['app'], acls: [b('read')] };
    const text = renderAccessRecord(r);
    expect(parseAccessRecord({ kind: 'file', owner: 'root', group: 'kafka', mode: '0640', size: 1, mtime: 0, sha256: '', content: text } as never)).toEqual(r);
    expect(parseAccessRecord({ kind: 'file', content: '{not json' } as never)).toBeUndefined();
    expect(parseAccessRecord({ kind: 'missing' } as never)).toBeUndefined();
  });
});
