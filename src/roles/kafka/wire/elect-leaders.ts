/**
 * ElectLeaders (43, v0-2, flexible from v2): make each partition's preferred replica (the
 * first of its replica list) its leader. ELECTION_NOT_NEEDED (already the leader) is success.
 * ZooKeeper mode: only the active controller accepts it; KRaft: any broker forwards it.
 */
import type { WireReader, WireWriter } from './codec.js';
import { API, type KafkaWireConnection } from './connection.js';
import { byTopic, decodePartitionResults, type PartitionResult } from './alter-partition-reassignments.js';
import { errorName, KafkaWireError } from './wire-error.js';

const PREFERRED = 0;
export const ELECTION_NOT_NEEDED = 84;

export function encodeElectLeaders(w: WireWriter, version: number, partitions: readonly { topic: string; partition: number }[], timeoutMs: number): void {
  if (version >= 1) w.int8(PREFERRED);
  w.array(byTopic(partitions), (x, [topic, parts]) => {
    x.string(topic);
    x.array(parts, (y, p) => y.int32(p.partition));
    x.tags();
  });
  w.int32(timeoutMs);
  w.tags();
}

export function decodeElectLeaders(r: WireReader, version: number): { errorCode: number; partitions: PartitionResult[] } {
  r.int32(); // throttle
  const errorCode = version >= 1 ? r.int16() : 0;
  const partitions = decodePartitionResults(r);
  r.tags();
  return { errorCode, partitions };
}

/** Preferred-leader election for these partitions; returns the ones that really failed. */
export async function electPreferredLeaders(c: KafkaWireConnection, partitions: readonly { topic: string; partition: number }[], timeoutMs = 30_000): Promise<PartitionResult[]> {
  if (partitions.length === 0) return [];
  const v = await c.pickVersion(API.electLeaders, 0, 2, 'ElectLeaders');
  const r = await c.send(API.electLeaders, v, v >= 2, (w) => encodeElectLeaders(w, v, partitions, timeoutMs));
  const res = decodeElectLeaders(r, v);
  if (res.errorCode !== 0) throw new KafkaWireError(`${c.endpoint}: ElectLeaders failed: ${errorName(res.errorCode)}`, res.errorCode);
  return res.partitions.filter((p) => p.errorCode !== 0 && p.errorCode !== ELECTION_NOT_NEEDED);
}
