/**
 * The removal gate of `zkk deploy`/`zkk plan`: a broker whose host line was deleted while it
 * still holds replicas would take those copies with it. zkk knows from the cluster's own
 * metadata: a broker id that is registered, or named in some partition's replica list, and
 * that no host of the inventory has. Refused (exit 2) with the way out: put the line back,
 * `zkk decommission`, then delete it (membership-gate.ts runs it).
 */
import type { ClusterMetadata } from './wire/metadata.js';

export interface StrayBroker {
  id: number;
  /** replicas it holds (partitions naming it) */
  replicas: number;
  /** where it registered from, if it is registered */
  host?: string;
}

/** Broker ids holding replicas that no inventory host has (pure). */
export function strayBrokers(md: ClusterMetadata, inventoryIds: ReadonlySet<number>): StrayBroker[] {
  const counts = new Map<number, number>();
  for (const t of md.topics) for (const p of t.partitions) for (const id of p.replicas) counts.set(id, (counts.get(id) ?? 0) + 1);
  return [...counts]
    .filter(([id]) => !inventoryIds.has(id))
    .sort(([a], [b]) => a - b)
    .map(([id, replicas]) => ({ id, replicas, host: md.brokers.find((b) => b.nodeId === id)?.host }));
}
