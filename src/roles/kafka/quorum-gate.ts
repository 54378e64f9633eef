/**
 * The KRaft controller-quorum gate (pure): may this controller go down (restart, stop) without
 * the metadata quorum losing its majority? Judged on the quorum as its leader reports it
 * (DescribeQuorum), never on the inventory.
 *
 * The rule: the voters other than the one going down that are caught up with the leader must
 * still be a majority of all voters. A voter is caught up when
 *   - it is the leader, or
 *   - (DescribeQuorum v1+, Kafka ≥ 3.3) its lastCaughtUpTimestamp — the leader's wall-clock time
 *     of the last moment the voter had fetched up to the leader's log end — is at most
 *     `maxLagMs` older than the leader's own entry (which the leader reports as its "now"): both
 *     are the leader's clock, so zkk's clock does not enter. The default, 2000 ms, is Kafka's
 *     controller.quorum.fetch.timeout.ms: a voter silent for longer is one the leader itself
 *     would stop counting on. A healthy follower long-polls and is caught up within ~0.5 s, since
 *     the active controller appends a no-op record every 500 ms; a stopped one goes stale at once.
 *   - (v0, no timestamps) its log end offset has reached the high watermark.
 * A voter also listed in `knownDown` (stopped by this run a moment ago: the leader may not have
 * noticed yet) never counts. No leader: refused.
 */
import type { QuorumDescription } from './wire/index.js';

/** Kafka's controller.quorum.fetch.timeout.ms default. */
export const QUORUM_CAUGHT_UP_MS = 2000;

export interface VoterState {
  nodeId: number;
  caughtUp: boolean;
  /** why not (or "leader", "caught up") */
  detail: string;
}

export interface QuorumGateVerdict {
  ok: boolean;
  /** every voter but the one going down, in id order */
  others: VoterState[];
  needed: number;
  /** the failed condition, naming the voters down or lagging ('' when ok) */
  reason: string;
}

export function voterState(q: QuorumDescription, v: QuorumDescription['voters'][number], knownDown: ReadonlySet<number>, maxLagMs: number): VoterState {
  const id = v.nodeId;
  if (knownDown.has(id)) return { nodeId: id, caughtUp: false, detail: 'stopped' };
  if (id === q.leaderId) return { nodeId: id, caughtUp: true, detail: 'leader' };
  const leaderNow = q.voters.find((x) => x.nodeId === q.leaderId)?.lastCaughtUpTimestamp ?? -1;
  if (leaderNow > 0) {
    if (v.lastCaughtUpTimestamp <= 0) return { nodeId: id, caughtUp: false, detail: 'not caught up since the leader was elected (down?)' };
    const lag = leaderNow - v.lastCaughtUpTimestamp;
    if (lag <= maxLagMs) return { nodeId: id, caughtUp: true, detail: 'caught up' };
    return { nodeId: id, caughtUp: false, detail: `last caught up with the leader ${(lag / 1000).toFixed(1)} s ago (down or lagging)` };
  }
  if (v.logEndOffset < 0) return { nodeId: id, caughtUp: false, detail: 'log end offset unknown to the leader (down?)' };
  if (v.logEndOffset >= q.highWatermark) return { nodeId: id, caughtUp: true, detail: 'caught up' };
  return { nodeId: id, caughtUp: false, detail: `log end offset ${v.logEndOffset} behind the high watermark ${q.highWatermark} (lagging)` };
}

export function quorumSafeWithout(q: QuorumDescription, goingDown: number, knownDown: Iterable<number> = [], maxLagMs = QUORUM_CAUGHT_UP_MS): QuorumGateVerdict {
  const voters = [...q.voters].sort((a, b) => a.nodeId - b.nodeId);
  const needed = Math.floor(voters.length / 2) + 1;
  const down = new Set(knownDown);
  const others = voters.filter((v) => v.nodeId !== goingDown).map((v) => voterState(q, v, down, maxLagMs));
  const ids = (xs: number[]) => xs.join(', ');
  const all = `voters ${ids(voters.map((v) => v.nodeId))}`;
  if (q.leaderId < 0) return { ok: false, others, needed, reason: `the KRaft controller quorum has no leader (${all}) — taking controller ${goingDown} down now could leave it without one for longer` };
  const good = others.filter((o) => o.caughtUp);
  if (good.length >= needed) return { ok: true, others, needed, reason: '' };
  const bad = others.filter((o) => !o.caughtUp);
  return {
    ok: false,
    others,
    needed,
    reason:
      `without controller ${goingDown} the KRaft controller quorum (${all}, leader ${q.leaderId}) would keep ${good.length} caught-up voter(s)` +
      `${good.length ? ` (${ids(good.map((o) => o.nodeId))})` : ''}, fewer than the majority of ${needed}: ` +
      bad.map((o) => `controller ${o.nodeId} ${o.detail}`).join('; ') +
      ` — taking it down now would lose the metadata quorum`,
  };
}
