/**
 * UnregisterBroker (64, v0, flexible; KRaft only): remove a stopped broker's registration
 * from the cluster metadata (what `kafka-cluster.sh unregister` sends). A ZooKeeper-mode
 * broker has no such request: its registration (an ephemeral znode) goes away when it stops.
 */
import type { WireReader, WireWriter } from './codec.js';
import { API, type KafkaWireConnection } from './connection.js';
import { errorName, KafkaWireError } from './wire-error.js';

export const BROKER_ID_NOT_REGISTERED = 102;

export function encodeUnregisterBroker(w: WireWriter, brokerId: number): void {
  w.int32(brokerId);
  w.tags();
}

export function decodeUnregisterBroker(r: WireReader): { errorCode: number; errorMessage: string | null } {
  r.int32(); // throttle
  const errorCode = r.int16();
  const errorMessage = r.nullableString();
  r.tags();
  return { errorCode, errorMessage };
}

/** Unregister; a broker that is not registered (any more) counts as done. */
export async function unregisterBroker(c: KafkaWireConnection, brokerId: number): Promise<'unregistered' | 'not registered'> {
  const v = await c.pickVersion(API.unregisterBroker, 0, 0, 'UnregisterBroker');
  const r = await c.send(API.unregisterBroker, v, true, (w) => encodeUnregisterBroker(w, brokerId));
  const res = decodeUnregisterBroker(r);
  if (res.errorCode === BROKER_ID_NOT_REGISTERED) return 'not registered';
  if (res.errorCode !== 0) throw new KafkaWireError(`${c.endpoint}: UnregisterBroker ${brokerId} failed: ${errorName(res.errorCode)}${res.errorMessage ? ` (${res.errorMessage})` : ''}`, res.errorCode);
  return 'unregistered';
}
