/**
 * Which new servers may start before the existing ones are rolled. New servers hold no
 * data; if enough of them start with the new server list to make a quorum of it on their
 * own (1 → 3: two new servers are a majority of 3), they elect a leader among themselves
 * with an empty tree, and the existing servers, restarted into that ensemble, follow it
 * and are truncated to it: the data is lost. So at most quorum − 1 servers without data
 * run before the roll; the others start after it, one at a time (converge).
 */
export interface JoinCandidate {
  name: string;
  /** Its data dir holds a snapshot: it has served (alone or in an ensemble). */
  holdsData: boolean;
  running: boolean;
}

/** Names of the servers whose start waits until the existing servers run the new list. */
export function joinAfterRoll(members: readonly JoinCandidate[]): Set<string> {
  const held = new Set<string>();
  if (!members.some((m) => m.holdsData)) return held; // a new ensemble: nothing to protect
  const quorum = Math.floor(members.length / 2) + 1;
  const empty = members.filter((m) => !m.holdsData);
  let allowed = quorum - 1 - empty.filter((m) => m.running).length;
  for (const m of empty.filter((x) => !x.running)) {
    if (allowed > 0) allowed--;
    else held.add(m.name);
  }
  return held;
}
