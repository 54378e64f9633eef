/**
 * The restart gate judges the ensemble as it runs, never the inventory's target: the
 * voting members are those of the leader's own config (its `conf` four-letter word,
 * "membership:" section, ZooKeeper ≥ 3.5), the quorum is a majority of them, and a
 * member counts as serving only when its own `srvr` says leader or follower. So while
 * an ensemble of 3 grows to 5, restarting one of the 3 is judged against 3 (quorum 2),
 * and a new server that has joined does not count towards the old quorum.
 */
import type { ZkMode } from './health.js';

export interface LiveMember {
  host: string;
  /** Its myid (settled from the host's myid file). */
  id: number;
  /** What its own srvr said. */
  mode: ZkMode;
}

export interface LiveEnsemble {
  /** Voting member ids as the leader runs them (its `conf` membership); undefined when it did not say (ZooKeeper 3.4, conf not allowed). */
  voters?: number[];
  /** When the leader did not say: the ids of the inventory, the best guess left (said in the verdict). */
  fallbackVoters: number[];
  members: LiveMember[];
}

export type GateVerdict = { ok: true; detail: string } | { ok: false; reason: string };

/** The voting ids of a `conf` answer's membership ("server.3=h:2888:3888:participant;0.0.0.0:2181"). */
export function parseConfMembership(conf: string): number[] | undefined {
  const at = conf.indexOf('membership:');
  if (at < 0) return undefined;
  const ids: number[] = [];
  for (const line of conf.slice(at).split('\n')) {
    const m = /^\s*(?:membership:\s*)?server\.(\d+)=([^;\n]*)/.exec(line);
    if (m && !/:observer\b/.test(m[2]!)) ids.push(Number(m[1]));
  }
  return ids.length > 0 ? ids : undefined;
}

const voting = (m: ZkMode) => m === 'leader' || m === 'follower';

/**
 * May `restarting` (a myid) go down now without the ensemble losing its quorum? A
 * standalone server has no quorum to keep; a server that is not serving (or not a
 * voter of the leader) takes nothing away. Otherwise the serving voters minus it must
 * still be a majority of the leader's voters. Without a leader nothing can be judged:
 * refused.
 */
export function restartKeepsQuorum(live: LiveEnsemble, restarting: number): GateVerdict {
  const self = live.members.find((m) => m.id === restarting);
  if (self?.mode === 'standalone') return { ok: true, detail: 'standalone: no quorum to keep' };
  if (self && !voting(self.mode)) return { ok: true, detail: `myid ${restarting} is ${self.mode}: it takes nothing from the quorum` };
  const leader = live.members.find((m) => m.mode === 'leader');
  if (!leader) return { ok: false, reason: `no ZooKeeper server reports itself leader (${live.members.map((m) => `${m.host}=${m.mode}`).join(', ')}), so the live quorum cannot be judged` };
  const voters = live.voters ?? live.fallbackVoters;
  const quorum = Math.floor(voters.length / 2) + 1;
  const serving = voters.filter((id) => live.members.some((m) => m.id === id && voting(m.mode)));
  const counted = `${serving.length} of the ${voters.length} voting members ${live.voters ? `of leader ${leader.host}` : '(the inventory: the leader did not list its members)'} serving (${voters.join(', ')}), quorum ${quorum}`;
  if (!serving.includes(restarting)) return { ok: true, detail: `myid ${restarting} is not one of them; ${counted}` };
  if (serving.length - 1 >= quorum) return { ok: true, detail: counted };
  return { ok: false, reason: `${counted}: restarting myid ${restarting} would leave ${serving.length - 1}` };
}
