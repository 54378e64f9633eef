/**
 * CreateAcls (30, v1-3, flexible from v2): add ACL bindings (what `kafka-acls.sh --add`
 * sends). Creating a binding that exists already is not an error in Kafka; each binding's
 * own error is reported.
 */
import type { WireReader, WireWriter } from './codec.js';
import { API, type KafkaWireConnection } from './connection.js';
import { ACL_OPERATION, ACL_PERMISSION, PATTERN_TYPE, RESOURCE_TYPE, type AclBinding } from './describe-acls.js';
import { errorName, KafkaWireError } from './wire-error.js';

export function encodeCreateAcls(w: WireWriter, bindings: readonly AclBinding[]): void {
  w.array(bindings, (x, b) => {
    x.int8(RESOURCE_TYPE[b.resourceType]);
    x.string(b.resourceName);
    x.int8(PATTERN_TYPE[b.patternType]);
    x.string(b.principal);
    x.string(b.host);
    x.int8(ACL_OPERATION[b.operation]);
    x.int8(ACL_PERMISSION[b.permission]);
    x.tags();
  });
  w.tags();
}

export function decodeCreateAcls(r: WireReader): { errorCode: number; errorMessage: string | null }[] {
  r.int32(); // throttle
  const results = r.array((x) => {
    const e = { errorCode: x.int16(), errorMessage: x.nullableString() };
    x.tags();
    return e;
  });
  r.tags();
  return results;
}

/** Create the bindings; the first one refused throws (with Kafka's error name and message). */
export async function createAcls(c: KafkaWireConnection, bindings: readonly AclBinding[]): Promise<void> {
  if (bindings.length === 0) return;
  const v = await c.pickVersion(API.createAcls, 1, 3, 'CreateAcls');
  const results = decodeCreateAcls(await c.send(API.createAcls, v, v >= 2, (w) => encodeCreateAcls(w, bindings)));
  if (results.length !== bindings.length) throw new KafkaWireError(`${c.endpoint}: CreateAcls answered ${results.length} results for ${bindings.length} bindings`, -1);
  results.forEach((res, i) => {
    if (res.errorCode !== 0) {
      const b = bindings[i]!;
      throw new KafkaWireError(`${c.endpoint}: CreateAcls ${b.permission} ${b.principal} ${b.operation} on ${b.resourceType} ${b.resourceName} failed: ${errorName(res.errorCode)}${res.errorMessage ? ` (${res.errorMessage})` : ''}`, res.errorCode);
    }
  });
}
