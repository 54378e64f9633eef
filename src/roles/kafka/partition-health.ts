/**
 * Partition health counted from topic metadata (pure): shared by the rolling restart's gates
 * (roll-wait.ts) and by `zkk status`, both reading metadata with zkk's wire client (wire/).
 */
export interface PartitionHealth {
  partitions: number;
  underReplicated: number;
  offline: number;
  underMinIsr: number;
}

export interface PartitionReplicas {
  leader: number;
  replicas: number[];
  isr: number[];
}

/**
 * Under-replicated: fewer in-sync replicas than replicas. Offline: no leader.
 * Under min ISR: fewer in-sync replicas than min.insync.replicas (capped at the replica
 * count, as the broker does), so acks=all producers fail on it.
 */
export function countPartitionHealth(topics: { name: string; partitions: PartitionReplicas[] }[], minIsr: number | ((topic: string) => number) = 1): PartitionHealth {
  const h: PartitionHealth = { partitions: 0, underReplicated: 0, offline: 0, underMinIsr: 0 };
  for (const t of topics) {
    const min = typeof minIsr === 'function' ? minIsr(t.name) : minIsr;
    for (const p of t.partitions) {
      h.partitions++;
      if (p.isr.length < p.replicas.length) h.underReplicated++;
      if (p.leader < 0) h.offline++;
      if (p.isr.length < Math.min(min, p.replicas.length)) h.underMinIsr++;
    }
  }
  return h;
}
