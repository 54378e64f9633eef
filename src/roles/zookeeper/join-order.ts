/**
 * Which new servers may start before the existing ones are rolled. A server that does not
 * serve in the live ensemble brings no vote for the live data: if enough of them start
 * with the new server list to make a quorum of it on their own (1 → 3: two new servers
 * are a majority of 3), they elect a leader among themselves — with an empty tree, or a
 * stale one left on the host by an earlier ensemble — and the existing servers, restarted
 * into that ensemble, follow it and are truncated to it: the data is lost. So at most
 * quorum − 1 such servers run before the roll; the others start after it, one at a time
 * (converge). The roll then brings the servers holding the live data into the election,
 * and FastLeaderElection picks the highest (epoch, zxid), then the highest myid: theirs.
 */
export interface JoinCandidate {
  name: string;
  /** Its data dir holds data (a transaction log or a snapshot past zxid 0). */
  holdsData: boolean;
  running: boolean;
  /** Its own srvr says standalone, leader, follower or observer. */
  serving: boolean;
}

/** Names of the servers whose start waits until the existing servers run the new list. */
export function joinAfterRoll(members: readonly JoinCandidate[]): Set<string> {
  const held = new Set<string>();
  if (!members.some((m) => m.holdsData)) return held; // a new ensemble: nothing to protect
  const quorum = Math.floor(members.length / 2) + 1;
  // with servers serving, every other server joins them, whatever its disk holds; with none serving (all stopped), the data on disk is all there is
  const live = members.some((m) => m.serving);
  const joining = members.filter((m) => (live ? !m.serving : !m.holdsData));
  let allowed = quorum - 1 - joining.filter((m) => m.running).length;
  for (const m of joining.filter((x) => !x.running)) {
    if (allowed > 0) allowed--;
    else held.add(m.name);
  }
  return held;
}
