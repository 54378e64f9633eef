/**
 * AddRaftVoter (80, v0, flexible; KRaft dynamic quorum, KIP-853): make an observer controller a
 * voter — what `kafka-metadata-quorum.sh add-controller` sends, without its JVM. Sent to the
 * quorum's leader over the controller listener; the leader answers once the new voter set is
 * committed, or REQUEST_TIMED_OUT when the observer has not caught up or another voter change is
 * still pending.
 */
import type { WireReader, WireWriter } from './codec.js';
import { API, type KafkaWireConnection } from './connection.js';
import { errorName, KafkaWireError } from './wire-error.js';

export const DUPLICATE_VOTER = 126;

export interface NewVoter {
  /** the cluster id (null: not checked) */
  clusterId: string | null;
  nodeId: number;
  /** the metadata log dir's directory.id (base64url) */
  directoryId: string;
  /** its controller listener(s): name, advertised host, port */
  listeners: { name: string; host: string; port: number }[];
  timeoutMs?: number;
}

export function encodeAddRaftVoter(w: WireWriter, v: NewVoter): void {
  w.nullableString(v.clusterId);
  w.int32(v.timeoutMs ?? 30_000);
  w.int32(v.nodeId);
  w.uuid(v.directoryId);
  w.array(v.listeners, (x, l) => {
    x.string(l.name);
    x.string(l.host);
    x.uint16(l.port);
    x.tags();
  });
  w.tags();
}

export function decodeVoterChangeResponse(r: WireReader): { errorCode: number; errorMessage: string | null } {
  r.int32(); // throttle
  const errorCode = r.int16();
  const errorMessage = r.nullableString();
  r.tags();
  return { errorCode, errorMessage };
}

/** Add the voter; one already a voter (DUPLICATE_VOTER) counts as done. */
export async function addRaftVoter(c: KafkaWireConnection, v: NewVoter): Promise<'added' | 'already a voter'> {
  const version = await c.pickVersion(API.addRaftVoter, 0, 0, 'AddRaftVoter');
  const r = await c.send(API.addRaftVoter, version, true, (w) => encodeAddRaftVoter(w, v));
  const res = decodeVoterChangeResponse(r);
  if (res.errorCode === DUPLICATE_VOTER) return 'already a voter';
  if (res.errorCode !== 0) throw new KafkaWireError(`${c.endpoint}: AddRaftVoter ${v.nodeId} failed: ${errorName(res.errorCode)}${res.errorMessage ? ` (${res.errorMessage})` : ''}`, res.errorCode);
  return 'added';
}
