/**
 * RemoveRaftVoter (81, v0, flexible; KRaft dynamic quorum, KIP-853): take a voter out of the
 * quorum by id and directory id — what `kafka-metadata-quorum.sh remove-controller` sends,
 * without its JVM. Sent to the quorum's leader; it answers once the smaller voter set is committed.
 */
import { API, type KafkaWireConnection } from './connection.js';
import { decodeVoterChangeResponse } from './add-raft-voter.js';
import type { WireWriter } from './codec.js';
import { errorName, KafkaWireError } from './wire-error.js';

export const VOTER_NOT_FOUND = 127;

export function encodeRemoveRaftVoter(w: WireWriter, clusterId: string | null, nodeId: number, directoryId: string): void {
  w.nullableString(clusterId);
  w.int32(nodeId);
  w.uuid(directoryId);
  w.tags();
}

/** Remove the voter; one that is no voter (VOTER_NOT_FOUND) counts as done. */
export async function removeRaftVoter(c: KafkaWireConnection, clusterId: string | null, nodeId: number, directoryId: string): Promise<'removed' | 'not a voter'> {
  const version = await c.pickVersion(API.removeRaftVoter, 0, 0, 'RemoveRaftVoter');
  const r = await c.send(API.removeRaftVoter, version, true, (w) => encodeRemoveRaftVoter(w, clusterId, nodeId, directoryId));
  const res = decodeVoterChangeResponse(r);
  if (res.errorCode === VOTER_NOT_FOUND) return 'not a voter';
  if (res.errorCode !== 0) throw new KafkaWireError(`${c.endpoint}: RemoveRaftVoter ${nodeId} failed: ${errorName(res.errorCode)}${res.errorMessage ? ` (${res.errorMessage})` : ''}`, res.errorCode);
  return 'removed';
}
