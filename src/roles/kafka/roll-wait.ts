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

/**
 * Pure: why the brokers' own views of the cluster do not yet show a settled cluster, or undefined
 * when they do — every view lists every wanted broker, all views hold the same topics with the
 * same partition counts (at least `minTopics` of them: what ZooKeeper lists), and none has a
 * partition without a leader or under-replicated. After a whole-cluster start a broker's cache
 * may list the brokers before it holds any partition (ZooKeeper mode: the controller sends the
 * brokers first), which alone looks like "0 under-replicated".
 */
export function unsettledReason(views: ReadonlyMap<string, ClusterMetadata>, wanted: readonly number[], minTopics = 0): string | undefined {
  let shape: string | undefined;
  for (const [who, md] of views) {
    const missing = wanted.filter((id) => !md.brokers.some((b) => b.nodeId === id));
    if (missing.length) return `${who} does not list broker(s) ${missing.join(', ')} yet`;
    const s = md.topics.map((t) => `${t.name}/${t.partitions.length}`).sort().join(',');
    if (shape === undefined) shape = s;
    else if (s !== shape) return `the brokers' metadata differ (${who} has ${md.topics.length} topic(s)); waiting for it to settle`;
    if (md.topics.length < minTopics) return `${who} lists ${md.topics.length} of the ${minTopics} topics ZooKeeper has`;
    const { underReplicated, offline } = healthOf(md);
    if (offline > 0) return `${offline} partition(s) without a leader (${who})`;
    if (underReplicated > 0) return `${underReplicated} under-replicated partition(s) (${who})`;
  }
  return undefined;
}

/**
 * After a whole-cluster start: wait until every broker's own metadata (asked of each one) shows
 * the cluster settled (unsettledReason), twice in a row. `minTopics` is asked again on each poll.
 */
export async function waitUntilSettled(endpoints: ReadonlyMap<string, string>, wanted: readonly number[], timeoutMs: number, minTopics: () => Promise<number> = async () => 0): Promise<number> {
  const t0 = Date.now();
  let good = 0;
  let last = '';
  for (;;) {
    try {
      const views = new Map<string, ClusterMetadata>();
      await Promise.all([...endpoints].map(async ([name, ep]) => views.set(name, await withWire([ep], (c) => fetchMetadata(c)))));
      const why = unsettledReason(views, wanted, await minTopics());
      good = why === undefined ? good + 1 : 0;
      last = why ?? '';
      if (good >= 2) return Date.now() - t0;
    } catch (e) {
      good = 0;
      last = (e as Error).message;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`the cluster did not settle within ${Math.round(timeoutMs / 1000)} s of the start (${last})`);
    await new Promise((r) => setTimeout(r, ROLL_POLL_MS));
  }
}
