/**
 * What the rolling restart waits on, read with zkk's wire client (one Metadata request per poll,
 * no kafkajs admin connection per poll): partition health before a broker is taken down, and,
 * after its restart, the moments it is back — listening, registered, and in the ISR of every
 * partition it replicates with no partition under-replicated. Polled every 250 ms: the roll
 * waits on these events, not on fixed sleeps.
 */
import { tcpOpen, withWire } from './client.js';
import { countPartitionHealth, type PartitionHealth } from './partition-health.js';
import { fetchMetadata, type ClusterMetadata, type QuorumDescription } from './wire/index.js';

const LEADER_NOT_AVAILABLE = 5;
export const ROLL_POLL_MS = 250;

export function healthOf(md: ClusterMetadata): PartitionHealth {
  return countPartitionHealth(
    md.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ leader: p.errorCode === LEADER_NOT_AVAILABLE ? -1 : p.leader, replicas: p.replicas, isr: p.isr })) })),
  );
}

export async function clusterHealth(bootstrap: string[]): Promise<PartitionHealth> {
  return healthOf(await withWire(bootstrap, (c) => fetchMetadata(c)));
}

/** Partitions that list `nodeId` as a replica but not in their ISR. */
export function partitionsMissing(md: ClusterMetadata, nodeId: number): number {
  let n = 0;
  for (const t of md.topics) for (const p of t.partitions) if (p.replicas.includes(nodeId) && !p.isr.includes(nodeId)) n++;
  return n;
}

export interface BackPhases {
  /** ms from the restart command's return to each event */
  listening?: number;
  registered?: number;
  inSync?: number;
  lastUnderReplicated?: number;
}

/**
 * Wait until the restarted node is back. A broker: its listener accepts, the cluster metadata
 * lists it (registered and, in KRaft, unfenced), and two reads in a row show it in the ISR of
 * every partition it replicates and 0 under-replicated partitions — two, because one broker's
 * metadata can lag the controller's by a moment. A controller-only node: its listener.
 */
export async function waitUntilBack(
  node: { address: string; port: number; nodeId: number; broker: boolean },
  bootstrap: string[],
  timeoutMs: number,
  /** Under-replicated partitions tolerated (0; a roll forced past its gate: as many as before). */
  maxUnderReplicated = 0,
): Promise<BackPhases> {
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  const phases: BackPhases = {};
  const tick = () => new Promise((r) => setTimeout(r, ROLL_POLL_MS));
  while (!(await tcpOpen(node.address, node.port, 1000))) {
    if (Date.now() > deadline) throw new Error(`${node.address}:${node.port} not listening ${Math.round(timeoutMs / 1000)} s after the restart; stopping the roll`);
    await tick();
  }
  phases.listening = Date.now() - t0;
  if (!node.broker) return phases;
  let good = 0;
  let last = '';
  for (;;) {
    try {
      const md = await withWire(bootstrap, (c) => fetchMetadata(c));
      const registered = md.brokers.some((b) => b.nodeId === node.nodeId);
      if (registered) phases.registered ??= Date.now() - t0;
      const missing = registered ? partitionsMissing(md, node.nodeId) : -1;
      const { underReplicated: urp, offline } = healthOf(md);
      if (missing === 0) phases.inSync ??= Date.now() - t0;
      good = registered && missing === 0 && urp <= maxUnderReplicated && offline === 0 ? good + 1 : 0;
      last = !registered ? 'not registered yet' : missing > 0 ? `not yet in the ISR of ${missing} partition(s)` : offline > 0 ? `${offline} partition(s) without a leader` : `${urp} under-replicated partition(s)`;
      if (good >= 2) {
        phases.lastUnderReplicated = Date.now() - t0;
        return phases;
      }
    } catch (e) {
      good = 0;
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`node ${node.nodeId} not back in sync ${Math.round(timeoutMs / 1000)} s after the restart (${last}); stopping the roll`);
    await tick();
  }
}

export function describePhases(restartMs: number, p: BackPhases): string {
  const s = (ms?: number) => (ms === undefined ? '?' : `${((restartMs + ms) / 1000).toFixed(1)} s`);
  return p.registered === undefined
    ? `restart ${(restartMs / 1000).toFixed(1)} s, listening ${s(p.listening)}`
    : `restart ${(restartMs / 1000).toFixed(1)} s, listening ${s(p.listening)}, registered ${s(p.registered)}, in sync ${s(p.inSync)}, 0 under-replicated ${s(p.lastUnderReplicated)}`;
}

/**
 * KRaft: a restarted controller is back when the quorum has a leader and the controller, a voter,
 * has fetched the metadata log up to the high watermark the leader had when we first asked —
 * so the next controller (and the active one, last) is not taken down while this one still
 * lags, which could leave the quorum without a caught-up majority. Clock-free (offsets only).
 * Returns the ms it took.
 */
export async function waitUntilControllerCaughtUp(askQuorum: () => Promise<QuorumDescription>, nodeId: number, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  let target: number | undefined;
  let last = 'no answer yet';
  for (;;) {
    try {
      const q = await askQuorum();
      if (q.leaderId >= 0) {
        target ??= q.highWatermark;
        const me = q.voters.find((v) => v.nodeId === nodeId);
        if (me && (q.leaderId === nodeId || me.logEndOffset >= target)) return Date.now() - t0;
        last = me ? `log end offset ${me.logEndOffset} < ${target}` : `not among the voters [${q.voters.map((v) => v.nodeId).join(', ')}]`;
      } else last = 'no quorum leader';
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`controller ${nodeId} did not catch up with the quorum within ${Math.round(timeoutMs / 1000)} s (${last}); stopping the roll`);
    await new Promise((r) => setTimeout(r, ROLL_POLL_MS));
  }
}
