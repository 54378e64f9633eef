/**
 * The KRaft quorum as the cluster reports it: through any broker (which forwards DescribeQuorum
 * to the active controller), else asked of the controllers (only the leader answers), both with
 * zkk's wire client; only when the control node reaches no Kafka port, the JVM tool
 * (kafka-metadata-quorum.sh) on a controller host.
 */
import type { Inventory, ResolvedKafka } from '../../inventory/resolve.js';
import { quote, script } from '../../shell/command.js';
import type { CommandRunner } from '../../shell/command-runner.js';
import type { LiveHost } from '../role.js';
import { withWire } from './client.js';
import { bootstrapServers, controllerHosts } from './config.js';
import { describeQuorum, describeQuorumViaControllers, type QuorumDescription } from './wire/index.js';

export interface QuorumStatus {
  leaderId?: number;
  voters: number[];
  maxFollowerLag?: number;
  raw: string;
}

export async function quorumStatus(c: Pick<CommandRunner, 'exec'>, k: ResolvedKafka): Promise<QuorumStatus> {
  const bootstrap = k.processRoles.includes('broker') ? `--bootstrap-server ${quote(`${k.advertisedHost}:${k.port}`)}` : `--bootstrap-controller ${quote(`${k.advertisedHost}:${k.controllerPort}`)}`;
  const res = await c.exec(script(`KAFKA_HEAP_OPTS=-Xmx128m ${quote(`${k.installDir}/bin/kafka-metadata-quorum.sh`)} ${bootstrap} describe --status 2>/dev/null`, 'kafka-metadata-quorum describe --status'), { check: false, timeoutMs: 180_000 });
  return parseQuorumStatus(res.stdout);
}

export function parseQuorumStatus(out: string): QuorumStatus {
  const leader = /^LeaderId:\s*(-?\d+)/m.exec(out)?.[1];
  const votersLine = /^CurrentVoters:\s*(.*)$/m.exec(out)?.[1] ?? '';
  const voters = [...votersLine.matchAll(/"id":\s*(\d+)|(?:^|[\[,])\s*(\d+)(?=[,\]@])/g)].map((m) => Number(m[1] ?? m[2]));
  const lag = /^MaxFollowerLag:\s*(\d+)/m.exec(out)?.[1];
  return { leaderId: leader === undefined ? undefined : Number(leader), voters, maxFollowerLag: lag === undefined ? undefined : Number(lag), raw: out };
}

/** DescribeQuorum as it comes: through any broker, else from the controllers (only the leader answers). */
export async function describeClusterQuorum(inv: Inventory): Promise<QuorumDescription> {
  try {
    return await withWire(bootstrapServers(inv), (c) => describeQuorum(c));
  } catch {
    const { conn, quorum } = await describeQuorumViaControllers(controllerHosts(inv).map((h) => ({ host: h.address, port: h.kafka.controllerPort })), { clientId: 'zkk-roll', requestTimeoutMs: 5000 });
    conn.close();
    return quorum;
  }
}

/** A quorum answer and where it came from. */
export type ClusterQuorum = QuorumStatus & { via: string };

/** Leader, voters and the largest voter lag (leader's log end offset minus the voter's). */
export function quorumFromWire(q: QuorumDescription, via: string): ClusterQuorum {
  const leo = q.voters.find((v) => v.nodeId === q.leaderId)?.logEndOffset;
  const lags = q.voters.filter((v) => v.nodeId !== q.leaderId && leo !== undefined && v.logEndOffset >= 0).map((v) => Math.max(0, leo! - v.logEndOffset));
  return {
    leaderId: q.leaderId,
    voters: q.voters.map((v) => v.nodeId).sort((a, b) => a - b),
    maxFollowerLag: leo === undefined ? undefined : Math.max(0, ...lags),
    raw: '',
    via,
  };
}

export async function clusterQuorum(inv: Inventory, live: LiveHost[]): Promise<ClusterQuorum> {
  const errors: string[] = [];
  try {
    return await withWire(bootstrapServers(inv), async (c) => quorumFromWire(await describeQuorum(c), `via broker ${c.endpoint}`));
  } catch (e) {
    errors.push(`brokers: ${(e as Error).message}`);
  }
  try {
    const { conn, quorum } = await describeQuorumViaControllers(
      controllerHosts(inv).map((h) => ({ host: h.address, port: h.kafka.controllerPort })),
      { clientId: 'zkk-verify', requestTimeoutMs: 10_000 },
    );
    conn.close();
    return quorumFromWire(quorum, `via controller ${conn.endpoint}`);
  } catch (e) {
    errors.push(`controllers: ${(e as Error).message}`);
  }
  const host = live.find((l) => l.host.kafka?.processRoles.includes('controller')) ?? live[0]!;
  const st = await quorumStatus(host.conn, host.host.kafka!);
  return { ...st, via: `kafka-metadata-quorum.sh on ${host.host.name} (${errors.join('; ')})` };
}
