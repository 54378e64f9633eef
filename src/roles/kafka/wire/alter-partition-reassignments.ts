/**
 * AlterPartitionReassignments (45, v0, flexible): start moving partitions to new replica
 * lists (or cancel a pending move with null). Errors are per partition and returned as data.
 * ZooKeeper mode: only the active controller accepts it (NOT_CONTROLLER elsewhere); KRaft:
 * any broker forwards it.
 */
import type { WireReader, WireWriter } from './codec.js';
import { API, type KafkaWireConnection } from './connection.js';
import { errorName, KafkaWireError } from './wire-error.js';

export interface PartitionTarget {
  topic: string;
  partition: number;
  /** the new replica list, first = preferred leader; null cancels a pending reassignment */
  replicas: number[] | null;
}

export interface PartitionResult {
  topic: string;
  partition: number;
  errorCode: number;
  errorMessage: string | null;
}

/** Partitions grouped by topic, in first-seen order. */
export function byTopic<T extends { topic: string }>(items: readonly T[]): [string, T[]][] {
  const m = new Map<string, T[]>();
  for (const it of items) m.set(it.topic, [...(m.get(it.topic) ?? []), it]);
  return [...m];
}

export function encodeAlterPartitionReassignments(w: WireWriter, targets: readonly PartitionTarget[], timeoutMs: number): void {
  w.int32(timeoutMs);
  w.array(byTopic(targets), (x, [topic, parts]) => {
    x.string(topic);
    x.array(parts, (y, p) => {
      y.int32(p.partition);
      y.nullableArray(p.replicas, (z, id) => z.int32(id));
      y.tags();
    });
    x.tags();
  });
  w.tags();
}

/** [topic name, [partition, error code, error message]] — the answer layout AlterPartitionReassignments and ElectLeaders share. */
export function decodePartitionResults(r: WireReader): PartitionResult[] {
  return r
    .array((t) => {
      const topic = t.string();
      const parts = t.array((p) => {
        const partition = p.int32();
        const errorCode = p.int16();
        const errorMessage = p.nullableString();
        p.tags();
        return { topic, partition, errorCode, errorMessage };
      });
      t.tags();
      return parts;
    })
    .flat();
}

export function decodeAlterPartitionReassignments(r: WireReader): { errorCode: number; errorMessage: string | null; partitions: PartitionResult[] } {
  r.int32(); // throttle
  const errorCode = r.int16();
  const errorMessage = r.nullableString();
  const partitions = decodePartitionResults(r);
  r.tags();
  return { errorCode, errorMessage, partitions };
}

/** Submit the moves; a top-level error throws, per-partition errors are returned. */
export async function alterPartitionReassignments(c: KafkaWireConnection, targets: readonly PartitionTarget[], timeoutMs = 30_000): Promise<PartitionResult[]> {
  if (targets.length === 0) return [];
  const v = await c.pickVersion(API.alterPartitionReassignments, 0, 0, 'AlterPartitionReassignments');
  const r = await c.send(API.alterPartitionReassignments, v, true, (w) => encodeAlterPartitionReassignments(w, targets, timeoutMs));
  const res = decodeAlterPartitionReassignments(r);
  if (res.errorCode !== 0) throw new KafkaWireError(`${c.endpoint}: AlterPartitionReassignments failed: ${errorName(res.errorCode)}${res.errorMessage ? ` (${res.errorMessage})` : ''}`, res.errorCode);
  return res.partitions;
}
