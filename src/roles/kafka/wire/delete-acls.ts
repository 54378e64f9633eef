/**
 * DeleteAcls (31, v1-3, flexible from v2): remove the ACL bindings matching each filter (what
 * `kafka-acls.sh --remove` sends). zkk deletes one exact binding per filter, so a filter
 * matches that binding or nothing (nothing: it was gone already, which counts as done).
 */
import type { WireReader, WireWriter } from './codec.js';
import { API, type KafkaWireConnection } from './connection.js';
import { encodeAclFilter, operationName, patternTypeName, permissionName, resourceTypeName, type AclBinding, type AclFilter } from './describe-acls.js';
import { errorName, KafkaWireError } from './wire-error.js';

export function encodeDeleteAcls(w: WireWriter, filters: readonly AclFilter[]): void {
  w.array(filters, (x, f) => {
    encodeAclFilter(x, f);
    x.tags();
  });
  w.tags();
}

export function decodeDeleteAcls(r: WireReader): { errorCode: number; errorMessage: string | null; matching: (AclBinding & { errorCode: number })[] }[] {
  r.int32(); // throttle
  const results = r.array((x) => {
    const errorCode = x.int16();
    const errorMessage = x.nullableString();
    const matching = x.array((m) => {
      const code = m.int16();
      m.nullableString();
      const b = { errorCode: code, resourceType: resourceTypeName(m.int8()), resourceName: m.string(), patternType: patternTypeName(m.int8()), principal: m.string(), host: m.string(), operation: operationName(m.int8()), permission: permissionName(m.int8()) };
      m.tags();
      return b;
    });
    x.tags();
    return { errorCode, errorMessage, matching };
  });
  r.tags();
  return results;
}

/** The exact filter that matches one binding. */
export const exactFilter = (b: AclBinding): AclFilter => ({ ...b });

/** Delete these exact bindings; returns how many the cluster removed. An error throws. */
export async function deleteAcls(c: KafkaWireConnection, bindings: readonly AclBinding[]): Promise<number> {
  if (bindings.length === 0) return 0;
  const v = await c.pickVersion(API.deleteAcls, 1, 3, 'DeleteAcls');
  const results = decodeDeleteAcls(await c.send(API.deleteAcls, v, v >= 2, (w) => encodeDeleteAcls(w, bindings.map(exactFilter))));
  let removed = 0;
  for (const res of results) {
    if (res.errorCode !== 0) throw new KafkaWireError(`${c.endpoint}: DeleteAcls failed: ${errorName(res.errorCode)}${res.errorMessage ? ` (${res.errorMessage})` : ''}`, res.errorCode);
    for (const m of res.matching) {
      if (m.errorCode !== 0) throw new KafkaWireError(`${c.endpoint}: DeleteAcls ${m.principal} ${m.operation} on ${m.resourceType} ${m.resourceName} failed: ${errorName(m.errorCode)}`, m.errorCode);
      removed++;
    }
  }
  return removed;
}
