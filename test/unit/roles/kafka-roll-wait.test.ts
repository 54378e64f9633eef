/** The rolling restart's conditions, on metadata values (pure). */
import { describe, expect, it } from 'vitest';
import { describePhases, healthOf, partitionsMissing, unsettledReason, waitUntilControllerCaughtUp } from '../../../src/roles/kafka/roll-wait.js';
import type { ClusterMetadata } from '../../../src/roles/kafka/wire/index.js';

const md = (parts: { leader: number; replicas: number[]; isr: number[]; errorCode?: number }[]): ClusterMetadata => ({
  clusterId: 'c',
  controllerId: 1,
  brokers: [1, 2, 3].map((nodeId) => ({ nodeId, host: `10.213.0.${10 + nodeId}`, port: 9092, rack: null })),
  topics: [{ name: 't', errorCode: 0, internal: false, partitions: parts.map((p, partition) => ({ partition, errorCode: p.errorCode ?? 0, offlineReplicas: [], ...p })) }],
});

describe('rolling restart: back in sync', () => {
  it('a restarted broker is missing from the ISR of the partitions it replicates until it catches up', () => {
    const m = md([
      { leader: 1, replicas: [1, 2, 3], isr: [1, 2] },
      { leader: 2, replicas: [2, 3, 1], isr: [2, 1] },
      { leader: 1, replicas: [1, 2], isr: [1, 2] },
    ]);
    expect(partitionsMissing(m, 3)).toBe(2);
    expect(partitionsMissing(m, 1)).toBe(0);
    expect(healthOf(m)).toMatchObject({ partitions: 3, underReplicated: 2, offline: 0 });
  });
  it('a partition without a leader (LEADER_NOT_AVAILABLE) counts as offline', () => {
    expect(healthOf(md([{ leader: 2, replicas: [2], isr: [], errorCode: 5 }]))).toMatchObject({ offline: 1, underReplicated: 1 });
  });
  it('phases are printed from the restart command, cumulative', () => {
    expect(describePhases(2000, { listening: 1500, registered: 1800, inSync: 2600, lastUnderReplicated: 2900 })).toBe(
      'restart 2.0 s, listening 3.5 s, registered 3.8 s, in sync 4.6 s, 0 under-replicated 4.9 s',
    );
    expect(describePhases(1000, { listening: 500 })).toBe('restart 1.0 s, listening 1.5 s');
  });
});

describe('after a whole-cluster start: every broker\'s own view settled', () => {
  const full = md([{ leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3] }]);
  const views = (...m: ClusterMetadata[]) => new Map(m.map((x, i) => [`k${i + 1}`, x]));
  it('settled: all brokers listed, the same topics everywhere, none under-replicated or offline', () => {
    expect(unsettledReason(views(full, full, full), [1, 2, 3], 1)).toBeUndefined();
  });
  it('a cache that lists the brokers before any partition is not settled, though it shows 0 under-replicated', () => {
    const empty: ClusterMetadata = { ...full, topics: [] };
    expect(healthOf(empty).underReplicated).toBe(0);
    expect(unsettledReason(views(full, empty, full), [1, 2, 3])).toMatch(/metadata differ \(k2 has 0 topic/);
    // every broker equally early: ZooKeeper's topic count tells
    expect(unsettledReason(views(empty, empty, empty), [1, 2, 3], 1)).toBe('k1 lists 0 of the 1 topics ZooKeeper has');
  });
  it('a broker not listed yet, an under-replicated or leaderless partition: not settled', () => {
    expect(unsettledReason(views({ ...full, brokers: full.brokers.slice(0, 2) }), [1, 2, 3])).toBe('k1 does not list broker(s) 3 yet');
    const urp = md([{ leader: 3, replicas: [1, 2, 3], isr: [3] }]);
    expect(unsettledReason(views(urp, urp, urp), [1, 2, 3])).toBe('1 under-replicated partition(s) (k1)');
    const off = md([{ leader: -1, replicas: [1, 2, 3], isr: [3], errorCode: 5 }]);
    expect(unsettledReason(views(off), [1, 2, 3])).toBe('1 partition(s) without a leader (k1)');
  });
});

describe('a restarted KRaft controller: caught up with the quorum before the next goes down', () => {
  const q = (leaderId: number, highWatermark: number, leo: Record<number, number>) => ({
    leaderId,
    leaderEpoch: 3,
    highWatermark,
    voters: Object.entries(leo).map(([id, logEndOffset]) => ({ nodeId: Number(id), logEndOffset, lastFetchTimestamp: -1, lastCaughtUpTimestamp: -1 })),
    observers: [],
    nodes: new Map(),
  });
  it('waits for a leader, then for its log end offset to reach the high watermark first seen', async () => {
    const answers = [q(-1, 0, { 1: 0, 2: 0, 3: 0 }), q(2, 500, { 1: 100, 2: 520, 3: 510 }), q(2, 530, { 1: 499, 2: 540, 3: 530 }), q(2, 545, { 1: 500, 2: 545, 3: 545 })];
    let asked = 0;
    await waitUntilControllerCaughtUp(async () => answers[Math.min(asked++, answers.length - 1)]!, 1, 10_000);
    expect(asked).toBe(4);
  });
  it('the leader itself is caught up; a controller that never catches up stops the roll with the reason', async () => {
    await expect(waitUntilControllerCaughtUp(async () => q(1, 10, { 1: 10, 2: 0 }), 1, 1000)).resolves.toBeGreaterThanOrEqual(0);
    await expect(waitUntilControllerCaughtUp(async () => q(2, 900, { 1: 100, 2: 900 }), 1, 300)).rejects.toThrow(/controller 1 did not catch up with the quorum within 0 s \(log end offset 100 < 900\); stopping the roll/);
  });
});
