/**
 * The status verdict (pure): what the observed hosts and cluster facts mean.
 *
 *   DOWN      not serving: ZooKeeper without quorum, no Kafka broker answering, no active
 *             controller, offline partitions, nothing deployed
 *   DEGRADED  still serving, but something is missing: a host unreachable, a service
 *             stopped / not installed / not serving, under-replicated or under-min-ISR
 *             partitions, a broker not registered, a KRaft voter lagging
 *   HEALTHY   none of the above
 *   UNKNOWN   no host answered over SSH and no broker answered: nothing could be judged
 */
import { ExitCode } from '../errors/zkk-error.js';
import type {
  HostStatus,
  KafkaServiceStatus,
  KafkaSummary,
  StatusReason,
  Verdict,
  ZookeeperServiceStatus,
  ZookeeperSummary,
} from './status-schema.js';

/** A KRaft voter last caught up longer ago than this is reported as lagging. */
export const VOTER_LAG_LIMIT_MS = 10_000;

export interface Assessment {
  zookeeper: ZookeeperSummary | null;
  verdict: Verdict;
  exitCode: 0 | 1 | 3 | 5;
  reasons: StatusReason[];
}

const SERVING = new Set(['leader', 'follower', 'observer', 'standalone']);

export function summarizeZookeeper(hosts: HostStatus[]): ZookeeperSummary | null {
  const members = zkMembers(hosts);
  const n = members.length;
  if (n === 0) return null;
  const quorumSize = Math.floor(n / 2) + 1;
  const serving = members.filter((m) => SERVING.has(m.svc.mode)).length;
  const leaders = members.filter((m) => m.svc.mode === 'leader' || (n === 1 && m.svc.mode === 'standalone'));
  const voters = members.filter((m) => m.svc.mode === 'leader' || m.svc.mode === 'follower' || (n === 1 && m.svc.mode === 'standalone')).length;
  // The leader's own count of synced followers also covers members zkk could not ask.
  const synced = Math.max(0, ...leaders.map((l) => (l.svc.syncedFollowers ?? 0) + 1));
  let hasQuorum = leaders.length > 0 && Math.max(voters, synced) >= quorumSize;
  // A follower stays a follower only while its leader answers (else it turns to LOOKING
  // within syncLimit ticks): followers with no leader in sight follow one on a host zkk
  // could not ask (e.g. the leader's host is cut off from here, not from them).
  const followers = members.filter((m) => m.svc.mode === 'follower').length;
  const unseen = members.filter((m) => m.svc.mode === 'unknown').length;
  if (leaders.length === 0 && followers > 0 && unseen > 0) hasQuorum = followers + 1 >= quorumSize;
  // Nobody could be asked: no verdict on the quorum either way.
  return { ensembleSize: n, quorumSize, serving, leader: leaders[0]?.host.name ?? null, hasQuorum: unseen === n ? null : hasQuorum };
}

export function assessStatus(hosts: HostStatus[], kafka: KafkaSummary | null): Assessment {
  const reasons: StatusReason[] = [];
  const add = (severity: StatusReason['severity'], scope: StatusReason['scope'], host: string | null, message: string) =>
    reasons.push({ severity, scope, host, message });

  // Hosts zkk could not ask: one reason each, their services are not judged again.
  for (const h of hosts) {
    if (h.ssh.error) add('degraded', 'host', h.name, h.ssh.reachable ? `could not read the host's state: ${h.ssh.error.message}` : `unreachable: ${h.ssh.error.message}`);
  }
  const asked = hosts.filter((h) => !h.ssh.error);

  // Nothing deployed anywhere zkk could look.
  const services = asked.flatMap((h) => h.services);
  if (asked.length > 0 && services.length > 0 && services.every((s) => s.state === 'not-installed'))
    add('down', 'cluster', null, 'nothing is deployed yet (run zkk deploy with this inventory)');

  // ZooKeeper.
  const zookeeper = summarizeZookeeper(hosts);
  if (zookeeper) {
    for (const { host, svc } of zkMembers(asked)) {
      const problem = zkProblem(svc);
      if (problem) add('degraded', 'zookeeper', host.name, problem);
    }
    const leaders = zkMembers(hosts).filter((m) => m.svc.mode === 'leader');
    if (leaders.length > 1) add('degraded', 'zookeeper', null, `${leaders.length} servers claim to be the ZooKeeper leader: ${leaders.map((l) => l.host.name).join(', ')}`);
    if (zookeeper.hasQuorum === null) add('degraded', 'zookeeper', null, 'ZooKeeper could not be checked: no member could be asked');
    else if (!zookeeper.hasQuorum)
      add(
        'down',
        'zookeeper',
        null,
        zookeeper.ensembleSize === 1
          ? 'ZooKeeper is not serving'
          : `ZooKeeper has no quorum: ${zookeeper.serving} of ${zookeeper.ensembleSize} serving, ${zookeeper.quorumSize} needed`,
      );
  }

  // Kafka.
  if (kafka) {
    for (const { host, svc } of kafkaMembers(asked)) {
      const problem = kafkaProblem(svc, kafka);
      if (problem) add('degraded', 'kafka', host.name, problem);
    }
    if (!kafka.reachable) {
      add('down', 'kafka', null, `no Kafka broker answers${kafka.error ? `: ${kafka.error}` : ''}`);
    } else {
      if (kafka.mode === 'kraft' && kafka.quorum?.error) add('degraded', 'kafka', null, `the KRaft quorum could not be read: ${kafka.quorum.error}`);
      else if (kafka.activeController === null) add('down', 'kafka', null, 'no active Kafka controller');
      const p = kafka.partitions;
      if (p) {
        if (p.offline > 0) add('down', 'kafka', null, `${p.offline} offline partition(s) (no leader)`);
        if (p.underMinIsr > 0) add('degraded', 'kafka', null, `${p.underMinIsr} partition(s) under min.insync.replicas (acks=all writes to them fail)`);
        if (p.underReplicated > 0) add('degraded', 'kafka', null, `${p.underReplicated} under-replicated partition(s)`);
      }
    }
    if (kafka.quorum && !kafka.quorum.error) {
      const byNode = new Map(kafkaMembers(hosts).map((m) => [m.svc.nodeId, m]));
      const voterIds = new Set(kafka.quorum.voters.map((v) => v.nodeId));
      for (const m of kafkaMembers(asked)) {
        if (m.svc.processRoles.includes('controller') && !voterIds.has(m.svc.nodeId))
          add('degraded', 'kafka', m.host.name, `controller ${m.svc.nodeId} is not a voter of the KRaft quorum`);
      }
      for (const v of kafka.quorum.voters) {
        const m = byNode.get(v.nodeId);
        const knownDown = m && (m.host.ssh.error || m.svc.state !== 'running');
        if (!knownDown && v.lagMs !== null && v.lagMs > VOTER_LAG_LIMIT_MS)
          add('degraded', 'kafka', m?.host.name ?? null, `KRaft voter ${v.nodeId} lags: ${v.lag ?? '?'} record(s) behind, last caught up ${Math.round(v.lagMs / 1000)} s ago`);
      }
    }
  }

  reasons.sort((a, b) => Number(b.severity === 'down') - Number(a.severity === 'down'));
  const nobodyAnswered = hosts.length > 0 && hosts.every((h) => !h.ssh.reachable) && !(kafka?.reachable ?? false);
  let verdict: Verdict = 'HEALTHY';
  let exitCode: Assessment['exitCode'] = ExitCode.ok;
  if (nobodyAnswered) {
    verdict = 'UNKNOWN';
    exitCode = ExitCode.connection;
  } else if (reasons.some((r) => r.severity === 'down')) {
    verdict = 'DOWN';
    exitCode = ExitCode.down;
  } else if (reasons.length > 0) {
    verdict = 'DEGRADED';
    exitCode = ExitCode.degraded;
  }
  return { zookeeper, verdict, exitCode, reasons };
}

function zkMembers(hosts: HostStatus[]): { host: HostStatus; svc: ZookeeperServiceStatus }[] {
  return hosts.flatMap((host) => host.services.filter((s): s is ZookeeperServiceStatus => s.service === 'zookeeper').map((svc) => ({ host, svc })));
}

function kafkaMembers(hosts: HostStatus[]): { host: HostStatus; svc: KafkaServiceStatus }[] {
  return hosts.flatMap((host) => host.services.filter((s): s is KafkaServiceStatus => s.service === 'kafka').map((svc) => ({ host, svc })));
}

function zkProblem(svc: ZookeeperServiceStatus): string | undefined {
  if (svc.state === 'not-installed') return 'ZooKeeper not installed';
  if (svc.state === 'stopped') return 'ZooKeeper not running';
  if (svc.state === 'unknown') return 'ZooKeeper state unknown';
  if (SERVING.has(svc.mode)) return undefined;
  const client = svc.ports.find((p) => p.name === 'client');
  if (svc.mode === 'down') return `ZooKeeper is running (pid ${svc.pid ?? '?'}) but does not answer on port ${client?.port ?? '?'}`;
  return `ZooKeeper is running but not serving (${svc.mode}: electing a leader or cut off from the quorum)`;
}

function kafkaProblem(svc: KafkaServiceStatus, kafka: KafkaSummary): string | undefined {
  const what = svc.processRoles.includes('broker') ? `Kafka broker ${svc.nodeId}` : `Kafka controller ${svc.nodeId}`;
  if (svc.state === 'not-installed') return `${what} not installed`;
  if (svc.state === 'stopped') return `${what} not running`;
  if (svc.state === 'unknown') return `${what} state unknown`;
  if (svc.registered === false) return `${what} is running (pid ${svc.pid ?? '?'}) but not registered in the cluster${kafka.mode === 'kraft' ? ' (or fenced)' : ''}`;
  const down = svc.ports.filter((p) => p.expected && p.listening === false);
  if (down.length > 0) return `${what} is running but not listening on ${down.map((p) => `${p.port} (${p.name})`).join(', ')}`;
  return undefined;
}
