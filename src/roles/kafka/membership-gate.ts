/**
 * The membership gates of `zkk deploy`/`zkk plan`, before anything is planned: one connection
 * to the running cluster in the Kafka role's prepare, judged once the ids are settled from
 * what the hosts hold (settleFromFacts):
 *   - a broker that still holds replicas lost its host line (stray-brokers.ts), and
 *   - KRaft: the inventory's controllers are not the quorum's voters (controller-gate.ts);
 * both refused with exit 2 and the way out. A cluster that does not answer (first deploy,
 * all down) has nothing to judge: the gates pass.
 */
import { ExitCode, ZkkError } from '../../errors/zkk-error.js';
import type { Inventory } from '../../inventory/resolve.js';
import { brokerHosts, controllerHosts } from './config.js';
import { controllerChange } from './controller-gate.js';
import { healthOf } from './roll-wait.js';
import { strayBrokers } from './stray-brokers.js';
import { connectAny } from './wire/connection.js';
import { describeQuorum, type QuorumDescription } from './wire/describe-quorum.js';
import { fetchMetadata, type ClusterMetadata } from './wire/metadata.js';

export interface ClusterMembership {
  metadata: ClusterMetadata;
  quorum?: QuorumDescription;
}

/** Ask the running cluster (undefined: it does not answer — nothing to judge). */
export async function readClusterMembership(inv: Inventory): Promise<ClusterMembership | undefined> {
  const brokers = brokerHosts(inv);
  if (brokers.length === 0) return undefined;
  const kraft = brokers[0]!.kafka.mode === 'kraft';
  try {
    const c = await connectAny(brokers.map((h) => ({ host: h.kafka.advertisedHost, port: h.kafka.port })), { connectTimeoutMs: 2000, requestTimeoutMs: 5000, clientId: 'zkk-deploy' });
    try {
      const metadata = await fetchMetadata(c);
      const quorum = kraft ? await describeQuorum(c).catch(() => undefined) : undefined;
      return { metadata, quorum };
    } finally {
      c.close();
    }
  } catch {
    return undefined;
  }
}

/** Judge the inventory (ids settled from the hosts) against what the cluster said; throws ZkkError exit 2. */
export function refuseUnsafeMembershipChanges(inv: Inventory, seen: ClusterMembership | undefined): void {
  const brokers = brokerHosts(inv);
  if (!seen || brokers.length === 0) return;
  const stray = strayBrokers(seen.metadata, new Set(brokers.map((h) => h.kafka.nodeId)));
  if (stray.length) {
    const what = stray.map((s) => `broker ${s.id}${s.host ? ` (registered from ${s.host})` : ' (not running)'} holds ${s.replicas} replica(s)`).join('; ');
    throw new ZkkError('BROKER_REMOVED_WITH_DATA', `the cluster's metadata names broker id(s) no host of the inventory has: ${what}`, {
      exitCode: ExitCode.usage,
      hint: 'put the host line back, run `zkk decommission <inventory> <host>` to move its replicas away and stop it, then delete the line',
    });
  }
  if (seen.quorum && seen.quorum.voters.length) {
    const k = brokers[0]!.kafka;
    const change = controllerChange(seen.quorum.voters.map((v) => v.nodeId), controllerHosts(inv).map((h) => h.kafka.nodeId), k.quorum, k.version);
    if (change) throw new ZkkError('CONTROLLER_SET_CHANGE', change.message, { exitCode: ExitCode.usage, hint: change.hint });
  }
}

/** The active controller as the cluster answered at prepare: KRaft the quorum's leader, ZooKeeper mode the controller broker. */
export function activeControllerSeen(seen: ClusterMembership | undefined): number | undefined {
  if (!seen) return undefined;
  const id = seen.quorum ? seen.quorum.leaderId : seen.metadata.controllerId;
  return id >= 0 ? id : undefined;
}

/** What the running cluster lacks to be upgraded safely (pure): brokers of the inventory not serving, partitions not fully in sync. */
export function clusterHealthProblems(inv: Inventory, seen: ClusterMembership): string[] {
  const serving = new Set(seen.metadata.brokers.map((b) => b.nodeId));
  const missing = brokerHosts(inv).filter((h) => !serving.has(h.kafka.nodeId));
  const health = healthOf(seen.metadata);
  const problems: string[] = [];
  if (missing.length) problems.push(`broker(s) ${missing.map((h) => `${h.kafka.nodeId} (${h.name})`).join(', ')} not serving (${brokerHosts(inv)[0]!.kafka.mode === 'kraft' ? 'fenced or down' : 'not registered'})`);
  if (health.underReplicated) problems.push(`${health.underReplicated} under-replicated partition(s)`);
  if (health.offline) problems.push(`${health.offline} offline partition(s)`);
  return problems;
}
