/**
 * ListPartitionReassignments (46, v0, flexible): the reassignments in progress, with the
 * replicas being added and removed. What a resumed `zkk rebalance` reads first. Same
 * routing as AlterPartitionReassignments (ZooKeeper mode: the active controller).
 */
import type { WireReader, WireWriter } from './codec.js';
import { API, type KafkaWireConnection } from './connection.js';
import { errorName, KafkaWireError } from './wire-error.js';

export interface OngoingReassignment {
  topic: string;
  partition: number;
  /** the replica set during the move: old ∪ new */
  replicas: number[];
  adding: number[];
  removing: number[];
}

export function encodeListPartitionReassignments(w: WireWriter, timeoutMs: number): void {
  w.int32(timeoutMs);
  w.nullableArray(null, () => undefined); // every topic
  w.tags();
}

export function decodeListPartitionReassignments(r: WireReader): { errorCode: number; errorMessage: string | null; ongoing: OngoingReassignment[] } {
  r.int32(); // throttle
  const errorCode = r.int16();
  const errorMessage = r.nullableString();
  const int32s = (x: WireReader) => x.int32();
  const ongoing = r.array((t) => {
    const topic = t.string();
    const parts = t.array((p) => {
      const partition = p.int32();
      const replicas = p.array(int32s);
      const adding = p.array(int32s);
      const removing = p.array(int32s);
      p.tags();
      return { topic, partition, replicas, adding, removing };
    });
    t.tags();
    return parts;
  }).flat();
  r.tags();
  return { errorCode, errorMessage, ongoing };
}

export async function listPartitionReassignments(c: KafkaWireConnection, timeoutMs = 30_000): Promise<OngoingReassignment[]> {
  const v = await c.pickVersion(API.listPartitionReassignments, 0, 0, 'ListPartitionReassignments');
  const r = await c.send(API.listPartitionReassignments, v, true, (w) => encodeListPartitionReassignments(w, timeoutMs));
  const res = decodeListPartitionReassignments(r);
  if (res.errorCode !== 0) throw new KafkaWireError(`${c.endpoint}: ListPartitionReassignments failed: ${errorName(res.errorCode)}${res.errorMessage ? ` (${res.errorMessage})` : ''}`, res.errorCode);
  return res.ongoing;
}
