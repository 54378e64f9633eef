import { describe, expect, it } from 'vitest';
import { quorumSafeWithout } from '../../../../src/roles/kafka/quorum-gate.js';
import type { QuorumDescription } from '../../../../src/roles/kafka/wire/index.js';

const NOW = 1_760_000_000_000;

/** A quorum led by `leader`; each voter: ms since it last caught up (undefined: never, -1 timestamps). */
function quorum(leader: number, lagMs: Record<number, number | undefined>, opts: { v0?: boolean; leo?: Record<number, number>; hw?: number } = {}): QuorumDescription {
  const hw = opts.hw ?? 500;
  return {
    leaderId: leader,
    leaderEpoch: 7,
    highWatermark: hw,
    voters: Object.entries(lagMs).map(([id, lag]) => {
      const nodeId = Number(id);
      const ts = opts.v0 ? -1 : nodeId === leader ? NOW : lag === undefined ? -1 : NOW - lag;
      return { nodeId, logEndOffset: opts.leo?.[nodeId] ?? (lag === undefined ? -1 : hw), lastFetchTimestamp: nodeId === leader ? -1 : ts, lastCaughtUpTimestamp: ts };
    }),
    observers: [],
    nodes: new Map(),
  };
}

describe('quorumSafeWithout (the KRaft controller-quorum gate)', () => {
  it('3 voters all caught up: any one may go down, the leader too', () => {
    const q = quorum(1, { 1: 0, 2: 300, 3: 900 });
    for (const id of [1, 2, 3]) expect(quorumSafeWithout(q, id)).toMatchObject({ ok: true, needed: 2, reason: '' });
  });

  it('3 voters, one down: taking a second one down is refused, naming the one down', () => {
    const q = quorum(1, { 1: 0, 2: 200, 3: 45_000 });
    const v = quorumSafeWithout(q, 2);
    expect(v.ok).toBe(false);
    expect(v.reason).toContain('without controller 2 the KRaft controller quorum (voters 1, 2, 3, leader 1) would keep 1 caught-up voter(s) (1), fewer than the majority of 2');
    expect(v.reason).toContain('controller 3 last caught up with the leader 45.0 s ago (down or lagging)');
    // the leader going down: the same
    expect(quorumSafeWithout(q, 1).ok).toBe(false);
    // the one already down may "go down" (a no-op for the quorum)
    expect(quorumSafeWithout(q, 3).ok).toBe(true);
  });

  it('the threshold is the leader clock, 2 s by default (controller.quorum.fetch.timeout.ms)', () => {
    expect(quorumSafeWithout(quorum(1, { 1: 0, 2: 2000, 3: 99_999 }), 1).ok).toBe(false); // 2 and 3 would be left: 3 stale
    expect(quorumSafeWithout(quorum(1, { 1: 0, 2: 2000, 3: 99_999 }), 3).ok).toBe(true);
    expect(quorumSafeWithout(quorum(1, { 1: 0, 2: 2001, 3: 0 }), 3).ok).toBe(false);
    expect(quorumSafeWithout(quorum(1, { 1: 0, 2: 2001, 3: 0 }), 3, [], 5000).ok).toBe(true);
  });

  it('a voter the new leader has not heard from since its election does not count', () => {
    const v = quorumSafeWithout(quorum(2, { 1: undefined, 2: 0, 3: 100 }), 3);
    expect(v.ok).toBe(false);
    expect(v.reason).toContain('controller 1 not caught up since the leader was elected (down?)');
  });

  it('a controller this run just stopped never counts, though the leader still sees it caught up', () => {
    const q = quorum(1, { 1: 0, 2: 100, 3: 100 });
    expect(quorumSafeWithout(q, 1).ok).toBe(true);
    const v = quorumSafeWithout(q, 1, [3]);
    expect(v.ok).toBe(false);
    expect(v.reason).toContain('controller 3 stopped');
  });

  it('5 voters: two may be down or lagging, not three', () => {
    expect(quorumSafeWithout(quorum(1, { 1: 0, 2: 100, 3: 100, 4: 30_000, 5: 100 }), 5).ok).toBe(true); // 1, 2, 3 left
    const v = quorumSafeWithout(quorum(1, { 1: 0, 2: 100, 3: 100, 4: 30_000, 5: undefined }), 3);
    expect(v).toMatchObject({ ok: false, needed: 3 });
    expect(v.reason).toMatch(/keep 2 caught-up voter\(s\) \(1, 2\), fewer than the majority of 3: controller 4 last caught up .*; controller 5 not caught up/);
  });

  it('no leader: refused', () => {
    const v = quorumSafeWithout(quorum(-1, { 1: 0, 2: 0, 3: 0 }, { v0: true }), 2);
    expect(v.ok).toBe(false);
    expect(v.reason).toMatch(/has no leader \(voters 1, 2, 3\)/);
  });

  it('DescribeQuorum v0 (no timestamps): caught up means the log end offset reached the high watermark', () => {
    const q = quorum(1, { 1: 0, 2: 0, 3: 0 }, { v0: true, hw: 500, leo: { 1: 510, 2: 500, 3: 420 } });
    expect(quorumSafeWithout(q, 3).ok).toBe(true);
    const v = quorumSafeWithout(q, 2);
    expect(v.ok).toBe(false);
    expect(v.reason).toContain('controller 3 log end offset 420 behind the high watermark 500 (lagging)');
    expect(quorumSafeWithout(quorum(1, { 1: 0, 2: undefined, 3: 0 }, { v0: true, leo: { 2: -1 } }), 3).reason).toContain('controller 2 log end offset unknown to the leader');
  });

  it('a single voter can never go down; a voter outside the quorum (an observer) is not asked about', () => {
    expect(quorumSafeWithout(quorum(1, { 1: 0 }), 1).ok).toBe(false);
    expect(quorumSafeWithout(quorum(1, { 1: 0, 2: 0, 3: 0 }), 9).ok).toBe(true);
  });
});
