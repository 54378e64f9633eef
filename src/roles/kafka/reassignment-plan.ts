/**
 * The rebalance planner (pure): given every partition's replica list and the brokers that
 * should hold data, a target replica list per partition that
 *   - keeps each partition's replication factor,
 *   - puts no replica on a broker outside the set (decommission: its replicas all move),
 *   - spreads each topic's replicas evenly (every broker within one of the others), ties
 *     broken towards the brokers with fewer replicas cluster-wide (a topic with fewer
 *     replicas than there are brokers is already even and is left where it is),
 *   - spreads preferred leaders (the first replica) evenly the same way,
 *   - with the fewest replica moves: a broker keeps what it has up to its share, the
 *     brokers that already hold the most get the larger shares, and a moved replica takes
 *     its predecessor's place in the list.
 * Rack-unaware. Only the order changes for a partition whose leader moves without data.
 */

export interface PartitionAssignment {
  topic: string;
  partition: number;
  replicas: number[];
}

export interface PlannedPartition {
  topic: string;
  partition: number;
  from: number[];
  to: number[];
  /** brokers that receive a copy (data is copied to them) */
  adding: number[];
  /** brokers whose copy is deleted once the new ones are in sync */
  removing: number[];
}

export interface ReassignmentPlan {
  /** partitions whose replica list changes (data moves or only the order), in topic/partition order */
  changes: PlannedPartition[];
  /** replica copies made (Σ adding) */
  replicaMoves: number;
  /** partitions whose preferred leader changes */
  leaderChanges: number;
  /** per broker: replicas and preferred leaderships before and after */
  perBroker: { broker: number; replicasBefore: number; replicasAfter: number; leadersBefore: number; leadersAfter: number }[];
  /** partitions that cannot keep their replication factor on these brokers (nothing planned for them) */
  impossible: { topic: string; partition: number; replicationFactor: number }[];
}

const countBy = (lists: number[][], pick: (l: number[]) => number[]): Map<number, number> => {
  const m = new Map<number, number>();
  for (const l of lists) for (const b of pick(l)) m.set(b, (m.get(b) ?? 0) + 1);
  return m;
};

/**
 * Shares of `total` items over `brokers`: ⌊total/n⌋ each and one more for (total mod n) of
 * them — those already holding the most (fewest moves, and a topic already even stays as
 * it is: a second plan is empty), then the least loaded cluster-wide.
 */
function shares(total: number, brokers: number[], holding: Map<number, number>, global: Map<number, number>): Map<number, number> {
  const n = brokers.length;
  const base = Math.floor(total / n);
  const extra = total % n;
  const order = [...brokers].sort((a, b) => (holding.get(b) ?? 0) - (holding.get(a) ?? 0) || (global.get(a) ?? 0) - (global.get(b) ?? 0) || a - b);
  return new Map(order.map((b, i) => [b, base + (i < extra ? 1 : 0)]));
}

/** Move replicas of one topic's partitions (lists edited in place) until every broker holds its share. */
function spreadReplicas(lists: number[][], brokers: number[], global: Map<number, number>): void {
  const live = new Set(brokers);
  const load = countBy(lists, (l) => l.filter((b) => live.has(b)));
  const total = lists.reduce((s, l) => s + l.length, 0);
  const target = shares(total, brokers, load, global);
  const deficit = (b: number) => (target.get(b) ?? 0) - (load.get(b) ?? 0);
  const receiverFor = (l: number[]) =>
    brokers
      .filter((b) => deficit(b) > 0 && !l.includes(b))
      .sort((a, b) => deficit(b) - deficit(a) || (global.get(a) ?? 0) - (global.get(b) ?? 0) || a - b)[0];
  const moveAt = (l: number[], i: number, to: number) => {
    const from = l[i]!;
    if (live.has(from)) load.set(from, (load.get(from) ?? 0) - 1);
    global.set(from, (global.get(from) ?? 0) - 1);
    l[i] = to;
    load.set(to, (load.get(to) ?? 0) + 1);
    global.set(to, (global.get(to) ?? 0) + 1);
  };
  // replicas on brokers outside the set move first, wherever there is room
  for (const l of lists)
    for (let i = 0; i < l.length; i++) {
      if (live.has(l[i]!)) continue;
      // no broker below its share can take it (all already hold this partition): the least loaded one that can
      const to = receiverFor(l) ?? brokers.filter((b) => !l.includes(b)).sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || a - b)[0];
      if (to !== undefined) moveAt(l, i, to);
    }
  // then brokers above their share give to brokers below it (highest partitions first: stable, predictable)
  for (const donor of [...brokers].sort((a, b) => a - b)) {
    for (let p = lists.length - 1; p >= 0 && deficit(donor) < 0; p--) {
      const l = lists[p]!;
      const i = l.indexOf(donor);
      if (i < 0) continue;
      const to = receiverFor(l);
      if (to !== undefined) moveAt(l, i, to);
    }
  }
}

/** Reorder lists so each broker is the first replica of its share of the partitions (no data moves). */
function spreadLeaders(lists: number[][], brokers: number[], globalLeaders: Map<number, number>): void {
  const lead = countBy(lists, (l) => (l.length ? [l[0]!] : []));
  const target = shares(lists.filter((l) => l.length).length, brokers, lead, globalLeaders);
  const over = (b: number) => (lead.get(b) ?? 0) - (target.get(b) ?? 0);
  const bump = (b: number, d: number, m: Map<number, number>) => m.set(b, (m.get(b) ?? 0) + d);
  for (let changed = true; changed; ) {
    changed = false;
    for (const l of lists) {
      const first = l[0];
      if (first === undefined || over(first) <= 0) continue;
      const j = l.findIndex((b, k) => k > 0 && over(b) < 0);
      if (j < 0) continue;
      const next = l[j]!;
      l[j] = first;
      l[0] = next;
      bump(first, -1, lead);
      bump(next, 1, lead);
      bump(first, -1, globalLeaders);
      bump(next, 1, globalLeaders);
      changed = true;
    }
  }
}

export function planReassignment(current: readonly PartitionAssignment[], brokers: readonly number[]): ReassignmentPlan {
  const ids = [...new Set(brokers)].sort((a, b) => a - b);
  if (ids.length === 0) throw new Error('no brokers to place replicas on');
  const sorted = [...current].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  const impossible = sorted.filter((p) => p.replicas.length > ids.length).map((p) => ({ topic: p.topic, partition: p.partition, replicationFactor: p.replicas.length }));
  const plannable = sorted.filter((p) => p.replicas.length <= ids.length);
  const target = new Map(plannable.map((p) => [p, [...p.replicas]]));
  const global = countBy(plannable.map((p) => p.replicas), (l) => l);
  const topics = [...new Set(plannable.map((p) => p.topic))];
  for (const t of topics) spreadReplicas(plannable.filter((p) => p.topic === t).map((p) => target.get(p)!), ids, global);
  const globalLeaders = countBy([...target.values()], (l) => (l.length ? [l[0]!] : []));
  for (const t of topics) spreadLeaders(plannable.filter((p) => p.topic === t).map((p) => target.get(p)!), ids, globalLeaders);

  const changes: PlannedPartition[] = [];
  for (const p of plannable) {
    const to = target.get(p)!;
    if (to.join() === p.replicas.join()) continue;
    changes.push({ topic: p.topic, partition: p.partition, from: [...p.replicas], to, adding: to.filter((b) => !p.replicas.includes(b)), removing: p.replicas.filter((b) => !to.includes(b)) });
  }
  const before = sorted.map((p) => p.replicas);
  const after = sorted.map((p) => target.get(p) ?? p.replicas);
  const counts = [countBy(before, (l) => l), countBy(after, (l) => l), countBy(before, (l) => l.slice(0, 1)), countBy(after, (l) => l.slice(0, 1))];
  const all = [...new Set([...ids, ...before.flat()])].sort((a, b) => a - b);
  return {
    changes,
    replicaMoves: changes.reduce((s, c) => s + c.adding.length, 0),
    leaderChanges: changes.filter((c) => c.from[0] !== c.to[0]).length,
    perBroker: all.map((broker) => ({
      broker,
      replicasBefore: counts[0]!.get(broker) ?? 0,
      replicasAfter: counts[1]!.get(broker) ?? 0,
      leadersBefore: counts[2]!.get(broker) ?? 0,
      leadersAfter: counts[3]!.get(broker) ?? 0,
    })),
    impossible,
  };
}
