/** The rebalance planner: even spread of replicas and preferred leaders, RF kept, fewest moves. */
import { describe, expect, it } from 'vitest';
import { planReassignment, type PartitionAssignment } from '../../../../src/roles/kafka/reassignment-plan.js';

/** Kafka's own placement for a topic created on `brokers`: round-robin, leaders rotating. */
function created(topic: string, partitions: number, rf: number, brokers: number[]): PartitionAssignment[] {
  return Array.from({ length: partitions }, (_, p) => ({ topic, partition: p, replicas: Array.from({ length: rf }, (_, r) => brokers[(p + r) % brokers.length]!) }));
}

/** The assignment after applying a plan. */
function applied(current: PartitionAssignment[], brokers: number[]): PartitionAssignment[] {
  const plan = planReassignment(current, brokers);
  const to = new Map(plan.changes.map((c) => [`${c.topic}/${c.partition}`, c.to]));
  return current.map((p) => ({ ...p, replicas: to.get(`${p.topic}/${p.partition}`) ?? p.replicas }));
}

function spread(assignment: PartitionAssignment[], topic?: string): { replicas: Map<number, number>; leaders: Map<number, number> } {
  const replicas = new Map<number, number>();
  const leaders = new Map<number, number>();
  for (const p of assignment.filter((x) => !topic || x.topic === topic)) {
    for (const b of p.replicas) replicas.set(b, (replicas.get(b) ?? 0) + 1);
    leaders.set(p.replicas[0]!, (leaders.get(p.replicas[0]!) ?? 0) + 1);
  }
  return { replicas, leaders };
}

const within1 = (m: Map<number, number>, brokers: number[]) => {
  const v = brokers.map((b) => m.get(b) ?? 0);
  return Math.max(...v) - Math.min(...v) <= 1;
};

function expectValid(before: PartitionAssignment[], after: PartitionAssignment[], brokers: number[]): void {
  for (const [i, p] of after.entries()) {
    expect(p.replicas.length, `${p.topic}-${p.partition} keeps its RF`).toBe(before[i]!.replicas.length);
    expect(new Set(p.replicas).size, `${p.topic}-${p.partition} has no duplicate replica`).toBe(p.replicas.length);
    for (const b of p.replicas) expect(brokers, `${p.topic}-${p.partition} on live brokers only`).toContain(b);
  }
}

describe('planReassignment', () => {
  it('3 → 4 brokers, 60 partitions RF 3: 45 replicas and 15 leaders each, exactly 45 copies to the new broker', () => {
    const before = created('t', 60, 3, [1, 2, 3]);
    const plan = planReassignment(before, [1, 2, 3, 4]);
    expect(plan.replicaMoves).toBe(45); // the minimum: the new broker's share, nothing shuffled between old ones
    for (const c of plan.changes) {
      expect(c.adding.every((b) => b === 4)).toBe(true);
      expect(c.removing.length).toBe(c.adding.length);
    }
    const after = applied(before, [1, 2, 3, 4]);
    expectValid(before, after, [1, 2, 3, 4]);
    const s = spread(after);
    expect([...s.replicas.values()]).toEqual([45, 45, 45, 45]);
    expect([1, 2, 3, 4].map((b) => s.leaders.get(b))).toEqual([15, 15, 15, 15]);
    expect(plan.perBroker).toEqual([
      { broker: 1, replicasBefore: 60, replicasAfter: 45, leadersBefore: 20, leadersAfter: 15 },
      { broker: 2, replicasBefore: 60, replicasAfter: 45, leadersBefore: 20, leadersAfter: 15 },
      { broker: 3, replicasBefore: 60, replicasAfter: 45, leadersBefore: 20, leadersAfter: 15 },
      { broker: 4, replicasBefore: 0, replicasAfter: 45, leadersBefore: 0, leadersAfter: 15 },
    ]);
  });

  it('a balanced cluster plans nothing, and so does a second plan after the first is applied', () => {
    expect(planReassignment(created('t', 12, 3, [1, 2, 3, 4]), [1, 2, 3, 4]).changes).toEqual([]);
    const once = applied([...created('a', 7, 3, [1, 2, 3]), ...created('b', 5, 2, [2, 3]), ...created('c', 1, 1, [1])], [1, 2, 3, 4, 5]);
    expect(planReassignment(once, [1, 2, 3, 4, 5]).changes).toEqual([]);
  });

  it('decommission: every replica of the broker left out moves, RF kept, the rest stays even', () => {
    const before = applied(created('t', 60, 3, [1, 2, 3]), [1, 2, 3, 4]);
    const plan = planReassignment(before, [1, 2, 3]);
    expect(plan.replicaMoves).toBe(45);
    expect(plan.changes.every((c) => c.removing.join() === '4')).toBe(true);
    const after = applied(before, [1, 2, 3]);
    expectValid(before, after, [1, 2, 3]);
    const s = spread(after);
    expect(s.replicas.get(4)).toBeUndefined();
    expect([1, 2, 3].map((b) => s.leaders.get(b))).toEqual([20, 20, 20]);
  });

  it('leaders only: a balanced replica spread with every leader on one broker is fixed by reordering, no data moves', () => {
    const before: PartitionAssignment[] = created('t', 6, 3, [1, 2, 3]).map((p) => ({ ...p, replicas: [1, ...p.replicas.filter((b) => b !== 1)] }));
    const plan = planReassignment(before, [1, 2, 3]);
    expect(plan.replicaMoves).toBe(0);
    expect(plan.leaderChanges).toBe(4);
    expect([1, 2, 3].map((b) => spread(applied(before, [1, 2, 3])).leaders.get(b))).toEqual([2, 2, 2]);
  });

  it('each topic is spread on its own; topics with fewer replicas than brokers stay where they are', () => {
    const before = [...created('big', 8, 2, [1, 2]), ...Array.from({ length: 6 }, (_, i) => created(`one-${i}`, 1, 1, [1])).flat()];
    const after = applied(before, [1, 2, 3, 4]);
    expectValid(before, after, [1, 2, 3, 4]);
    expect(within1(spread(after, 'big').replicas, [1, 2, 3, 4])).toBe(true);
    expect(within1(spread(after, 'big').leaders, [1, 2, 3, 4])).toBe(true);
    expect(after.filter((p) => p.topic.startsWith('one-'))).toEqual(before.filter((p) => p.topic.startsWith('one-')));
    // the big topic's new replicas went to the brokers that had none, not to the one holding the small topics
    expect(spread(after, 'big').replicas).toEqual(new Map([[1, 4], [2, 4], [3, 4], [4, 4]]));
  });

  it('a partition whose RF exceeds the brokers left is reported, not planned', () => {
    const plan = planReassignment(created('t', 2, 3, [1, 2, 3]), [1, 2]);
    expect(plan.impossible).toEqual([{ topic: 't', partition: 0, replicationFactor: 3 }, { topic: 't', partition: 1, replicationFactor: 3 }]);
    expect(plan.changes).toEqual([]);
  });

  it('random clusters: valid, even per topic (replicas and leaders), and a fixed point', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let round = 0; round < 200; round++) {
      const old = Array.from({ length: 2 + rnd(4) }, (_, i) => i + 1);
      const topics = Array.from({ length: 1 + rnd(4) }, (_, t) => {
        const rf = 1 + rnd(Math.min(3, old.length));
        const shuffled = [...old].sort(() => rnd(3) - 1);
        return created(`t${t}`, 1 + rnd(20), rf, shuffled);
      }).flat();
      const brokers = rnd(2) ? [...old, old.length + 1] : old.slice(0, -1).length >= 3 ? old.slice(0, -1) : [...old, old.length + 1, old.length + 2];
      const after = applied(topics, brokers);
      expectValid(topics, after, brokers);
      for (const t of new Set(after.map((p) => p.topic))) {
        const s = spread(after, t);
        expect(within1(s.replicas, brokers), `round ${round} topic ${t} replicas`).toBe(true);
        expect(within1(s.leaders, brokers), `round ${round} topic ${t} leaders`).toBe(true);
      }
      expect(planReassignment(after, brokers).changes, `round ${round}: second plan`).toEqual([]);
    }
  });
});
