/**
 * KRaft controllers joining and leaving a dynamic quorum (KIP-853), as zkk does it — with its
 * wire client (AddRaftVoter, RemoveRaftVoter, DescribeQuorum), never kafka-metadata-quorum.sh:
 *
 * Adding (`zkk deploy`, the inventory gained a controller host): the host is formatted with
 * --no-initial-controllers (kafka-role.ts formatOutcome) and started — it fetches the metadata
 * log as an observer; converge then waits until the leader reports it caught up (its log end
 * offset at the high watermark, its lastCaughtUpTimestamp within controller.quorum.fetch.timeout.ms
 * of the leader's), sends AddRaftVoter with its node id, the directory.id of its metadata log dir
 * (meta.properties) and its controller endpoint, and waits until the quorum lists it as a voter.
 * One controller at a time; each step reads the quorum first (a voter already is not added again).
 *
 * Removing (`zkk decommission inventory HOST` on a controller host): refused unless the other
 * voters caught up with the leader stay a majority (quorum-gate.ts) and no other voter change
 * is under way; RemoveRaftVoter (id + the directory id the quorum holds), wait until the quorum
 * no longer lists it, then the CLI stops the host (data kept) and says to delete its line.
 */
import type { Inventory } from '../../inventory/resolve.js';
import { quote, script } from '../../shell/command.js';
import type { HandlerReporter, LiveHost } from '../role.js';
import { controllerHosts, kafkaHosts, type KafkaHost } from './config.js';
import { parseMetaProperties } from './identities.js';
import { QUORUM_CAUGHT_UP_MS, quorumSafeWithout, voterState } from './quorum-gate.js';
import { ROLL_POLL_MS } from './roll-wait.js';
import { addRaftVoter } from './wire/add-raft-voter.js';
import { describeQuorumViaControllers, type QuorumDescription } from './wire/describe-quorum.js';
import { removeRaftVoter } from './wire/remove-raft-voter.js';
import { KafkaWireError } from './wire/wire-error.js';

const REQUEST_TIMED_OUT = 7;
/** how long a new controller may take to catch up as an observer, and the leader to commit a voter change */
export const CATCH_UP_TIMEOUT_MS = 180_000;

const isDynamicKraft = (inv: Inventory) => {
  const k = kafkaHosts(inv)[0]?.kafka;
  return !!k && k.mode === 'kraft' && k.quorum === 'dynamic';
};

/** The inventory's controllers the running quorum does not have as voters (dynamic quorum; no answer: none), in id order. */
export function joiningControllers(inv: Inventory, quorum: QuorumDescription | undefined): KafkaHost[] {
  if (!isDynamicKraft(inv) || !quorum || quorum.voters.length === 0) return [];
  const voters = new Set(quorum.voters.map((v) => v.nodeId));
  return controllerHosts(inv)
    .filter((h) => !voters.has(h.kafka.nodeId))
    .sort((a, b) => a.kafka.nodeId - b.kafka.nodeId);
}

/** `zkk plan`: the join of one controller, its gate and waits, as deploy runs it. */
export function joinPlanLine(h: KafkaHost): string {
  const k = h.kafka;
  return (
    `gate: the quorum has a leader and no other voter change pending → wait until ${h.name} (node ${k.nodeId}) has caught up with the leader as an observer (DescribeQuorum) ` +
    `→ AddRaftVoter ${k.nodeId} (directory.id from its meta.properties, CONTROLLER://${k.advertisedHost}:${k.controllerPort}) → wait until the quorum lists it as a voter`
  );
}

/** The observer's progress as the leader reports it (pure). */
export function observerProgress(q: QuorumDescription, nodeId: number, directoryId: string): { caughtUp: boolean; detail: string } {
  if (q.leaderId < 0) return { caughtUp: false, detail: 'the quorum has no leader' };
  const o = q.observers.find((x) => x.nodeId === nodeId && (x.directoryId === '' || x.directoryId === directoryId));
  if (!o) return { caughtUp: false, detail: `not among the leader's observers yet (observers: ${q.observers.map((x) => x.nodeId).join(', ') || 'none'})` };
  const s = voterState(q, o, new Set(), QUORUM_CAUGHT_UP_MS);
  // a fresh observer's timestamps can say "caught up" before it has fetched the leader's log: the offset too
  if (s.caughtUp && o.logEndOffset < q.highWatermark) return { caughtUp: false, detail: `log end offset ${o.logEndOffset} behind the high watermark ${q.highWatermark}` };
  return { caughtUp: s.caughtUp, detail: s.caughtUp ? `log end offset ${o.logEndOffset}, high watermark ${q.highWatermark}` : s.detail };
}

/**
 * May this voter be removed now? (pure) Undefined: yes. Refused: no leader; the last voter;
 * another change under way (an inventory controller not a voter yet, another voter without a
 * host line); the other caught-up voters not a majority of the voters. `inventory`: each
 * controller host of the inventory with its voter id (undefined: the quorum does not list it).
 */
export function removalRefusal(q: QuorumDescription, nodeId: number, inventory: readonly { name: string; id: number | undefined }[]): { reason: string; hint: string } | undefined {
  const voters = q.voters.map((v) => v.nodeId).sort((a, b) => a - b);
  if (!voters.includes(nodeId)) return undefined;
  const all = `voters ${voters.join(', ')}`;
  if (q.leaderId < 0) return { reason: `the KRaft controller quorum has no leader (${all})`, hint: 'wait for an election (zkk status), then run again' };
  if (voters.length === 1) return { reason: `controller ${nodeId} is the quorum's only voter`, hint: 'add another controller first (a host line with the kafka-controller role, zkk deploy)' };
  const joining = inventory.filter((h) => h.id === undefined || !voters.includes(h.id));
  if (joining.length)
    return { reason: `${joining.map((h) => h.name).join(', ')} of the inventory ${joining.length > 1 ? 'are' : 'is'} not a voter yet (${all}): one voter change at a time`, hint: 'run zkk deploy to finish adding it, then decommission' };
  const orphans = voters.filter((id) => id !== nodeId && !inventory.some((h) => h.id === id));
  if (orphans.length)
    return { reason: `voter(s) ${orphans.join(', ')} have no host in the inventory (${all}): one voter change at a time`, hint: 'put their host lines back and decommission them one by one' };
  const verdict = quorumSafeWithout(q, nodeId);
  if (!verdict.ok) return { reason: verdict.reason.replace(/taking it down now/, 'removing it now'), hint: 'bring the lagging controllers back first (zkk status shows the quorum)' };
  return undefined;
}

const controllerEndpoints = (hosts: KafkaHost[]) => hosts.map((h) => ({ host: h.address, port: h.kafka.controllerPort }));

/** The quorum as its leader reports it, with a connection to the leader (the caller closes it). */
export async function askLeader(hosts: KafkaHost[], requestTimeoutMs = 10_000) {
  return describeQuorumViaControllers(controllerEndpoints(hosts), { clientId: 'zkk-voters', requestTimeoutMs });
}

/** The quorum asked of the inventory's controllers (KRaft; undefined: no leader answered). */
export async function quorumFromControllers(inv: Inventory): Promise<QuorumDescription | undefined> {
  const hosts = controllerHosts(inv);
  if (hosts.length === 0 || kafkaHosts(inv)[0]?.kafka.mode !== 'kraft') return undefined;
  try {
    const { conn, quorum } = await describeQuorumViaControllers(controllerEndpoints(hosts), { clientId: 'zkk-deploy', connectTimeoutMs: 2000, requestTimeoutMs: 5000 });
    conn.close();
    return quorum;
  } catch {
    return undefined;
  }
}

async function quorumNow(hosts: KafkaHost[]): Promise<QuorumDescription> {
  const { conn, quorum } = await askLeader(hosts);
  conn.close();
  return quorum;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll the quorum until `done` says so (a string: why not yet); throws after the timeout with the last reason. */
async function waitForQuorum(hosts: KafkaHost[], what: string, done: (q: QuorumDescription) => true | string, timeoutMs = CATCH_UP_TIMEOUT_MS): Promise<{ q: QuorumDescription; ms: number }> {
  const t0 = Date.now();
  let last = 'no answer yet';
  for (;;) {
    try {
      const q = await quorumNow(hosts);
      const r = done(q);
      if (r === true) return { q, ms: Date.now() - t0 };
      last = r;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s (${last})`);
    await sleep(ROLL_POLL_MS);
  }
}

/** The directory.id of a host's metadata log dir (the first log dir), read from its meta.properties. */
async function metadataDirectoryId(l: LiveHost, h: KafkaHost): Promise<string> {
  const dir = h.kafka.logDirs[0]!;
  const r = await l.conn.exec(script(`cat ${quote(`${dir}/meta.properties`)}`, 'read meta.properties'), { check: false });
  const id = parseMetaProperties(r.stdout).directoryId;
  if (!id) throw new Error(`${h.name}: ${dir}/meta.properties has no directory.id (not formatted for a dynamic quorum?)`);
  return id;
}

/**
 * deploy's converge (dynamic quorum): every controller of the inventory that the quorum does not
 * have as a voter is added, one at a time, once caught up as an observer. Returns the ids added.
 */
export async function addJoiningControllers(inv: Inventory, live: LiveHost[], report: HandlerReporter, clusterId: string | undefined): Promise<number[]> {
  if (!isDynamicKraft(inv)) return [];
  const hosts = controllerHosts(inv);
  const joining = joiningControllers(inv, await quorumNow(hosts));
  const added: number[] = [];
  for (const h of joining) {
    const k = h.kafka;
    const l = live.find((x) => x.host.name === h.name);
    if (!l) throw new Error(`${h.name}: controller ${k.nodeId} is not a voter yet, but the host was not reached in this run`);
    const t0 = Date.now();
    const directoryId = await metadataDirectoryId(l, h);
    report.info(h.name, `controller ${k.nodeId} (directory.id ${directoryId}): waiting until it has caught up with the quorum as an observer`);
    const caught = await waitForQuorum(hosts, `controller ${k.nodeId} catching up as an observer`, (q) => {
      if (q.voters.some((v) => v.nodeId === k.nodeId)) return true; // a voter already (a resumed run)
      const p = observerProgress(q, k.nodeId, directoryId);
      return p.caughtUp ? true : p.detail;
    });
    let result = 'already a voter';
    if (!caught.q.voters.some((v) => v.nodeId === k.nodeId)) {
      report.info(h.name, `controller ${k.nodeId} caught up in ${(caught.ms / 1000).toFixed(1)} s; AddRaftVoter ${k.nodeId}`);
      // the leader answers REQUEST_TIMED_OUT while another voter change is pending or the observer fell behind again: asked again
      const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
      for (;;) {
        const { conn } = await askLeader(hosts, 40_000);
        try {
          result = await addRaftVoter(conn, { clusterId: clusterId ?? null, nodeId: k.nodeId, directoryId, listeners: [{ name: 'CONTROLLER', host: k.advertisedHost, port: k.controllerPort }], timeoutMs: 30_000 });
          break;
        } catch (e) {
          if (!(e instanceof KafkaWireError && e.errorCode === REQUEST_TIMED_OUT) || Date.now() > deadline) throw e;
          report.info(h.name, `AddRaftVoter ${k.nodeId}: ${e.message}; asking again`);
        } finally {
          conn.close();
        }
        await sleep(ROLL_POLL_MS);
      }
    }
    const voter = await waitForQuorum(hosts, `controller ${k.nodeId} listed as a voter`, (q) => (q.voters.some((v) => v.nodeId === k.nodeId) ? true : `voters ${q.voters.map((v) => v.nodeId).join(', ')}`));
    report.info(h.name, `controller ${k.nodeId} ${result === 'added' ? 'added as a voter' : 'was a voter already'} in ${((Date.now() - t0) / 1000).toFixed(1)} s: voters ${voter.q.voters.map((v) => v.nodeId).sort((a, b) => a - b).join(', ')}, leader ${voter.q.leaderId}`);
    added.push(k.nodeId);
  }
  return added;
}

/** What removeController did (dry run: what it would do). */
export interface RemovalResult {
  result: 'removed' | 'not a voter' | 'would remove';
  nodeId?: number;
  directoryId?: string;
  ms: number;
  voters: number[];
  leaderId: number;
}

/** A controller host's voter id, from the controller endpoints the leader reports (DescribeQuorum v2). */
export function voterIdOf(q: QuorumDescription, h: KafkaHost): number | undefined {
  for (const [id, eps] of q.nodes) if (eps.some((e) => e.port === h.kafka.controllerPort && (e.host === h.kafka.advertisedHost || e.host === h.address))) return id;
  return undefined;
}

/**
 * zkk decommission on a controller host: the gate (removalRefusal, thrown as RemovalRefused),
 * RemoveRaftVoter with the id and directory id the quorum holds for the host's endpoint, and the
 * wait until the other controllers' leader no longer lists it. Stopping the host is the caller's.
 */
export async function removeController(inv: Inventory, leaving: KafkaHost, clusterId: string | undefined, say: (s: string) => void, dryRun = false): Promise<RemovalResult> {
  const t0 = Date.now();
  const all = controllerHosts(inv);
  const stay = all.filter((h) => h.name !== leaving.name);
  const { conn, quorum } = await askLeader(all, 40_000);
  const sorted = (q: QuorumDescription) => q.voters.map((v) => v.nodeId).sort((a, b) => a - b);
  try {
    const id = voterIdOf(quorum, leaving);
    const voter = quorum.voters.find((v) => v.nodeId === id);
    if (id === undefined || !voter) return { result: 'not a voter', ms: Date.now() - t0, voters: sorted(quorum), leaderId: quorum.leaderId };
    const refusal = removalRefusal(quorum, id, all.map((h) => ({ name: h.name, id: voterIdOf(quorum, h) })));
    if (refusal) throw new RemovalRefused(refusal.reason, refusal.hint);
    if (!voter.directoryId) throw new Error(`the quorum's leader did not report controller ${id}'s directory id (DescribeQuorum v2, Kafka ≥ 3.9)`);
    if (dryRun) return { result: 'would remove', nodeId: id, directoryId: voter.directoryId, ms: 0, voters: sorted(quorum), leaderId: quorum.leaderId };
    say(`controller ${id}: RemoveRaftVoter (directory.id ${voter.directoryId}); voters ${sorted(quorum).join(', ')}, leader ${quorum.leaderId}`);
    await removeRaftVoter(conn, clusterId ?? null, id, voter.directoryId);
    const gone = await waitForQuorum(stay, `controller ${id} gone from the voters`, (q) => (q.leaderId >= 0 && !q.voters.some((v) => v.nodeId === id) ? true : q.leaderId < 0 ? 'no leader yet' : `voters ${q.voters.map((v) => v.nodeId).join(', ')}`));
    return { result: 'removed', nodeId: id, directoryId: voter.directoryId, ms: Date.now() - t0, voters: sorted(gone.q), leaderId: gone.q.leaderId };
  } finally {
    conn.close();
  }
}

export class RemovalRefused extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}
