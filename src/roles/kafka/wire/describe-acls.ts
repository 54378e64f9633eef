/**
 * DescribeAcls (29, v1-3, flexible from v2): the ACL bindings matching a filter, as the
 * authorizer holds them (what `kafka-acls.sh --list` asks). Also the ACL enums' wire codes
 * (AclOperation, AclPermissionType, ResourceType, PatternType) CreateAcls and DeleteAcls use.
 */
import type { WireReader, WireWriter } from './codec.js';
import { API, type KafkaWireConnection } from './connection.js';
import { errorName, KafkaWireError } from './wire-error.js';

export const RESOURCE_TYPE = { any: 1, topic: 2, group: 3, cluster: 4, transactionalId: 5, delegationToken: 6, user: 7 } as const;
export const PATTERN_TYPE = { any: 1, match: 2, literal: 3, prefixed: 4 } as const;
export const ACL_OPERATION = {
  any: 1, all: 2, read: 3, write: 4, create: 5, delete: 6, alter: 7, describe: 8, clusterAction: 9,
  describeConfigs: 10, alterConfigs: 11, idempotentWrite: 12, createTokens: 13, describeTokens: 14,
} as const;
export const ACL_PERMISSION = { any: 1, deny: 2, allow: 3 } as const;

export type AclResourceType = Exclude<keyof typeof RESOURCE_TYPE, 'any'>;
export type AclPatternType = 'literal' | 'prefixed';
export type AclOperation = Exclude<keyof typeof ACL_OPERATION, 'any'>;
export type AclPermission = 'allow' | 'deny';

/** One ACL binding: a resource pattern and one access control entry. */
export interface AclBinding {
  resourceType: AclResourceType;
  resourceName: string;
  patternType: AclPatternType;
  principal: string;
  host: string;
  operation: AclOperation;
  permission: AclPermission;
}

/** What DescribeAcls and DeleteAcls select by: null / 'any' match everything. */
export interface AclFilter {
  resourceType: keyof typeof RESOURCE_TYPE;
  resourceName: string | null;
  patternType: keyof typeof PATTERN_TYPE;
  principal: string | null;
  host: string | null;
  operation: keyof typeof ACL_OPERATION;
  permission: keyof typeof ACL_PERMISSION;
}

export const ALL_ACLS: AclFilter = { resourceType: 'any', resourceName: null, patternType: 'any', principal: null, host: null, operation: 'any', permission: 'any' };

const nameOf = <T extends Record<string, number>>(table: T, code: number, what: string): keyof T => {
  const hit = Object.entries(table).find(([, v]) => v === code);
  if (!hit) throw new Error(`unknown ${what} code ${code}`);
  return hit[0] as keyof T;
};
export const resourceTypeName = (code: number) => nameOf(RESOURCE_TYPE, code, 'resource type') as AclResourceType;
export const patternTypeName = (code: number) => nameOf(PATTERN_TYPE, code, 'pattern type') as AclPatternType;
export const operationName = (code: number) => nameOf(ACL_OPERATION, code, 'ACL operation') as AclOperation;
export const permissionName = (code: number) => nameOf(ACL_PERMISSION, code, 'ACL permission') as AclPermission;

/** The filter fields as DescribeAcls and DeleteAcls (v1+) write them. */
export function encodeAclFilter(w: WireWriter, f: AclFilter): void {
  w.int8(RESOURCE_TYPE[f.resourceType]);
  w.nullableString(f.resourceName);
  w.int8(PATTERN_TYPE[f.patternType]);
  w.nullableString(f.principal);
  w.nullableString(f.host);
  w.int8(ACL_OPERATION[f.operation]);
  w.int8(ACL_PERMISSION[f.permission]);
}

export function encodeDescribeAcls(w: WireWriter, f: AclFilter): void {
  encodeAclFilter(w, f);
  w.tags();
}

export function decodeDescribeAcls(r: WireReader): { errorCode: number; errorMessage: string | null; bindings: AclBinding[] } {
  r.int32(); // throttle
  const errorCode = r.int16();
  const errorMessage = r.nullableString();
  const resources = r.array((x) => {
    const resourceType = resourceTypeName(x.int8());
    const resourceName = x.string();
    const patternType = patternTypeName(x.int8());
    const acls = x.array((a) => {
      const e = { principal: a.string(), host: a.string(), operation: operationName(a.int8()), permission: permissionName(a.int8()) };
      a.tags();
      return e;
    });
    x.tags();
    return acls.map((e) => ({ resourceType, resourceName, patternType, ...e }));
  });
  r.tags();
  return { errorCode, errorMessage, bindings: resources.flat() };
}

/** Every ACL binding matching the filter (default: all of them). */
export async function describeAcls(c: KafkaWireConnection, filter: AclFilter = ALL_ACLS): Promise<AclBinding[]> {
  const v = await c.pickVersion(API.describeAcls, 1, 3, 'DescribeAcls');
  const res = decodeDescribeAcls(await c.send(API.describeAcls, v, v >= 2, (w) => encodeDescribeAcls(w, filter)));
  if (res.errorCode !== 0) throw new KafkaWireError(`${c.endpoint}: DescribeAcls failed: ${errorName(res.errorCode)}${res.errorMessage ? ` (${res.errorMessage})` : ''}`, res.errorCode);
  return res.bindings;
}
