/**
 * Kafka in `zkk status`: per host the broker/controller process, install link,
 * server.properties and the kafka-clients jar the running JVM loaded; for the cluster,
 * from the control node, one Kafka connection (metadata, partition health, and in KRaft
 * the quorum via DescribeQuorum) — only if that cannot read the quorum is
 * kafka-metadata-quorum.sh run on a controller host. Its verdict reasons and tables.
 */
import type { Facts } from '../../facts/gather.js';
import { hostClockProbe } from '../../facts/host-clock.js';
import { listeningPortsProbe } from '../../facts/listening-ports.js';
import { commandProbe, pathProbe, type Probe } from '../../facts/probes.js';
import { prepareKafkaSecurity } from './security.js';
import type { Inventory, ResolvedHost, ResolvedKafka } from '../../inventory/resolve.js';
import { quote } from '../../shell/command.js';
import { membersOf, type HostStatus, type RoleStatus, type StatusHostObservation, type StatusObserveOptions, type StatusReason } from '../role-status.js';
import { installLinkProbe, portStatus, serviceState, uptime, versionFromInstallLink } from '../service-status.js';
import { brokerHosts, controllerHosts, kafkaHosts } from './config.js';
import { countPartitionHealth } from './partition-health.js';
import { kafkaPidFile, kafkaProcessProbe } from './process.js';
import { kafkaServiceSchema, kafkaSummarySchema, type KafkaServiceStatus, type KafkaSummary } from './status-schema.js';
import { FINALIZED_FILE, finalizePending, majorMinor, upgradeState } from './upgrade.js';
import { zookeeperHosts } from '../zookeeper/config.js';
import { observeMigration } from './migration-layout.js';
import { expiringSoon } from '../security/cert-report.js';
import { migrationState } from './migration.js';
import { readZookeeperMetadata } from './migration-watch.js';
import { connectAny, describeQuorum, describeQuorumViaControllers, fetchMetadata, topicMinIsr, type KafkaWireConnection, type QuorumDescription } from './wire/index.js';

/** A KRaft voter last caught up longer ago than this is reported as lagging. */
export const VOTER_LAG_LIMIT_MS = 10_000;
const LEADER_NOT_AVAILABLE = 5;

export interface KafkaClusterObservation {
  mode: 'zookeeper' | 'kraft';
  reachable: boolean;
  via: string | null;
  error: string | null;
  clusterId: string | null;
  controllerId: number | null;
  registered: number[];
  partitions: KafkaSummary['partitions'];
  quorum?: QuorumDescription;
  quorumFallback?: { leaderId?: number; voters: number[] };
  quorumError?: string;
  /** zkk migrate: where a ZooKeeper → KRaft migration is (a KRaft inventory that still lists ZooKeeper). */
  migration?: KafkaSummary['migration'];
  /** security: host certificates with less than 30 days left. */
  certificatesExpiring?: KafkaSummary['certificatesExpiring'];
  /** The report's kafka section, from all of the above. */
  summary?: KafkaSummary;
}

// with its content: the migration line reads the layout (ZooKeeper mode, migration, KRaft) from it
const serverPropertiesProbe = (k: ResolvedKafka) => pathProbe(`${k.confDir}/server.properties`, true);
const finalizedProbe = (k: ResolvedKafka) => pathProbe(`${k.confDir}/${FINALIZED_FILE}`, true);
const members = (hosts: HostStatus[]) => membersOf<KafkaServiceStatus>(hosts, 'kafka');

/** kafka-clients-X.jar on the running broker's class path: the version it really runs. */
function kafkaRunningJarProbe(k: ResolvedKafka): Probe<string> {
  const pf = kafkaPidFile(k);
  return commandProbe(
    `kafka-running-jar:${pf}`,
    `pid=$(cat ${quote(pf)} 2>/dev/null | tr -dc 0-9); [ -n "$pid" ] && tr '\\0:' '\\n\\n' < /proc/$pid/cmdline | grep -m1 -oE 'kafka-clients-[0-9][^/]*\\.jar$'`,
  );
}

export function kafkaStatusProbes(h: ResolvedHost): Probe<unknown>[] {
  const k = h.kafka!;
  return [hostClockProbe(), listeningPortsProbe(), kafkaProcessProbe(k), installLinkProbe(k.installDir), serverPropertiesProbe(k), kafkaRunningJarProbe(k), finalizedProbe(k)];
}

export function kafkaHostService(h: ResolvedHost, facts: Facts | undefined, cluster: KafkaClusterObservation | undefined): KafkaServiceStatus {
  const k = h.kafka!;
  const kafka = cluster?.summary ?? null;
  const isBroker = k.processRoles.includes('broker');
  const isController = k.mode === 'kraft' && k.processRoles.includes('controller');
  const listening = facts ? new Set(facts.get(listeningPortsProbe())) : undefined;
  const ports = [...(isBroker ? [portStatus('broker', k.port, listening, true)] : []), ...(isController ? [portStatus('controller', k.controllerPort, listening, true)] : [])];
  const registered = isBroker && kafka?.reachable ? kafka.brokers.registered.includes(k.nodeId) : null;
  const base: KafkaServiceStatus = {
    service: 'kafka',
    nodeId: k.nodeId,
    processRoles: k.mode === 'kraft' ? [...k.processRoles] : ['broker'],
    state: 'unknown',
    pid: null,
    uptimeSec: null,
    ports,
    version: null,
    installedVersion: null,
    registered,
    activeController: kafka?.activeController === k.nodeId,
    quorum: k.mode === 'kraft' ? quorumRole(k.nodeId, cluster) : null,
    finalizePending: null,
    // the status engine asks the endpoint (metricsPort) from the control node
    metrics: null,
  };
  if (!facts) return base;
  const proc = facts.get(kafkaProcessProbe(k));
  const link = facts.get(installLinkProbe(k.installDir));
  const installed = link.kind !== 'missing' || facts.get(serverPropertiesProbe(k)).kind !== 'missing';
  const jar = /kafka-clients-(.+)\.jar/.exec(facts.get(kafkaRunningJarProbe(k)))?.[1];
  const installedVersion = versionFromInstallLink(link);
  const finalized = facts.get(finalizedProbe(k));
  const upgrade = installedVersion ? upgradeState(installedVersion, finalized.kind === 'file' ? finalized.content : undefined, installedVersion) : undefined;
  return {
    ...base,
    finalizePending: upgrade && finalized.kind === 'file' && finalizePending(upgrade) ? `${upgrade.finalized} → ${majorMinor(upgrade.target)}` : null,
    state: serviceState(proc, installed, false),
    pid: proc.running ? (proc.pid ?? null) : null,
    uptimeSec: uptime(proc, facts.get(hostClockProbe())),
    version: (proc.running ? jar : undefined) ?? installedVersion,
    installedVersion,
  };
}

function quorumRole(nodeId: number, cluster: KafkaClusterObservation | undefined): KafkaServiceStatus['quorum'] {
  const q = cluster?.quorum;
  if (q) {
    const voter = q.voters.find((v) => v.nodeId === nodeId);
    const observer = q.observers.find((v) => v.nodeId === nodeId);
    const r = voter ?? observer;
    const lags = r ? replicaLag(q, r) : { lag: null, lagMs: null };
    return {
      role: q.leaderId === nodeId ? 'leader' : voter ? 'voter' : observer ? 'observer' : null,
      logEndOffset: r && r.logEndOffset >= 0 ? r.logEndOffset : null,
      ...lags,
    };
  }
  const f = cluster?.quorumFallback;
  if (f) return { role: f.leaderId === nodeId ? 'leader' : f.voters.includes(nodeId) ? 'voter' : null, logEndOffset: null, lag: null, lagMs: null };
  return { role: null, logEndOffset: null, lag: null, lagMs: null };
}

function replicaLag(q: QuorumDescription, r: QuorumDescription['voters'][number]): { lag: number | null; lagMs: number | null } {
  const leader = q.voters.find((v) => v.nodeId === q.leaderId);
  const leaderEnd = leader && leader.logEndOffset >= 0 ? leader.logEndOffset : q.highWatermark;
  const lag = r.logEndOffset >= 0 && leaderEnd >= 0 ? Math.max(0, leaderEnd - r.logEndOffset) : null;
  let lagMs: number | null = null;
  if (r.nodeId === q.leaderId) lagMs = 0;
  else if (leader && leader.lastCaughtUpTimestamp > 0 && r.lastCaughtUpTimestamp > 0) lagMs = Math.max(0, leader.lastCaughtUpTimestamp - r.lastCaughtUpTimestamp);
  return { lag, lagMs };
}

// ------------------------------------------------------------------ the cluster

export async function observeKafkaCluster(inv: Inventory, opts: StatusObserveOptions): Promise<KafkaClusterObservation> {
  const first = kafkaHosts(inv)[0]!.kafka;
  // a secured cluster is asked over TLS as zkk's admin (nothing generated by a status)
  const security = await prepareKafkaSecurity(inv, false);
  const expiring = expiringSoon(inv, security?.tls);
  const obs: KafkaClusterObservation = { mode: first.mode, reachable: false, via: null, error: null, clusterId: null, controllerId: null, registered: [], partitions: null, ...(expiring.length ? { certificatesExpiring: expiring } : {}) };
  const wire = { connectTimeoutMs: Math.min(opts.connectTimeoutMs, 3000), requestTimeoutMs: 5000 };
  const brokers = brokerHosts(inv).map((h) => ({ host: h.kafka.advertisedHost, port: h.kafka.port }));
  let conn: KafkaWireConnection | undefined;
  try {
    conn = await connectAny(brokers, wire);
    const md = await fetchMetadata(conn);
    obs.reachable = true;
    obs.via = conn.endpoint;
    obs.clusterId = md.clusterId;
    obs.registered = md.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
    if (first.mode === 'zookeeper') obs.controllerId = md.controllerId >= 0 ? md.controllerId : null;
    // Effective min.insync.replicas is only needed where a partition lacks replicas in sync.
    const suspects = md.topics.filter((t) => t.partitions.some((p) => p.isr.length < p.replicas.length)).map((t) => t.name);
    const minIsr = await topicMinIsr(conn, suspects).catch(() => new Map<string, number>());
    const health = countPartitionHealth(
      md.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ leader: p.errorCode === LEADER_NOT_AVAILABLE ? -1 : p.leader, replicas: p.replicas, isr: p.isr })) })),
      (topic) => minIsr.get(topic) ?? first.minInsyncReplicas,
    );
    obs.partitions = { total: health.partitions, underReplicated: health.underReplicated, offline: health.offline, underMinIsr: health.underMinIsr };
    if (first.mode === 'kraft') {
      try {
        obs.quorum = await describeQuorum(conn);
      } catch (e) {
        obs.quorumError = (e as Error).message;
      }
    }
  } catch (e) {
    obs.error = (e as Error).message;
  } finally {
    conn?.close();
  }
  // KRaft: ask the controllers themselves when no broker could tell.
  if (first.mode === 'kraft' && !obs.quorum) {
    const controllers = controllerHosts(inv).map((h) => ({ host: h.address, port: h.kafka.controllerPort }));
    try {
      const { conn: c, quorum } = await describeQuorumViaControllers(controllers, wire);
      c.close();
      obs.quorum = quorum;
      obs.quorumError = undefined;
    } catch (e) {
      obs.quorumError = [obs.quorumError, `controllers: ${(e as Error).message}`].filter(Boolean).join('; ');
    }
  }
  if (obs.quorum) obs.controllerId = obs.quorum.leaderId >= 0 ? obs.quorum.leaderId : null;
  if (obs.mode === 'kraft' && !obs.quorum) await quorumFallback(obs, await opts.hosts);
  if (obs.mode === 'kraft' && zookeeperHosts(inv).length > 0) obs.migration = await migrationStatus(inv, await opts.hosts);
  obs.summary = kafkaSummary(inv, obs);
  return obs;
}

/** The migration line: the phase from every Kafka host's server.properties and ZooKeeper's /migration. */
async function migrationStatus(inv: Inventory, observations: StatusHostObservation[]): Promise<KafkaSummary['migration']> {
  const facts = new Map(observations.filter((o) => o.facts).map((o) => [o.host.index, o.facts!]));
  const unread = kafkaHosts(inv).filter((h) => !facts.has(h.index)).map((h) => h.name);
  if (unread.length > 0) return { phase: 'unknown', summary: `not every Kafka host could be read (${unread.join(', ')})`, next: 'zkk status again once they answer' };
  const zk = await readZookeeperMetadata(inv, kafkaHosts(inv)[0]!.kafka, 3000).catch(() => null);
  try {
    const state = migrationState(observeMigration(inv, facts, zk === null ? null : zk?.znode));
    if (state.phase === 'kraft' && !zk?.znode) return undefined; // a KRaft cluster that never migrated
    const next: Record<string, string> = {
      'ready-to-finalize': 'zkk migrate <inventory> --finalize (irreversible), or roll back (zkk migrate <inventory> prints how)',
      kraft: 'ZooKeeper can be decommissioned: remove the zookeeper role from the inventory (zkk uninstall for those hosts)',
    };
    return { phase: state.phase, summary: state.summary, next: next[state.phase] ?? `zkk migrate <inventory> (${state.step})` };
  } catch (e) {
    return { phase: 'unknown', summary: (e as Error).message.split('\n')[0]!, next: 'zkk migrate <inventory> says what to do' };
  }
}

/** The quorum without the control node reaching Kafka: the tool, on a controller host. */
async function quorumFallback(cluster: KafkaClusterObservation, observations: StatusHostObservation[]): Promise<void> {
  const host = observations.find((o) => o.conn && o.facts && o.host.kafka?.processRoles.includes('controller') && o.facts.get(kafkaProcessProbe(o.host.kafka)).running);
  if (!host) return;
  try {
    const { quorumStatus } = await import('./kafka-role.js'); // the role's JVM-based check, only when needed
    const st = await quorumStatus(host.conn!, host.host.kafka!);
    if (st.leaderId === undefined) throw new Error(`kafka-metadata-quorum on ${host.host.name} gave no leader`);
    cluster.quorumFallback = { leaderId: st.leaderId, voters: st.voters };
    cluster.quorumError = undefined;
  } catch (e) {
    cluster.quorumError = `${cluster.quorumError ?? ''}; fallback: ${(e as Error).message}`.replace(/^; /, '');
  }
}

export function kafkaSummary(inv: Inventory, c: KafkaClusterObservation): KafkaSummary {
  const nameOf = new Map(kafkaHosts(inv).map((h) => [h.kafka.nodeId, h.name]));
  let quorum: KafkaSummary['quorum'] = null;
  if (c.mode === 'kraft') {
    if (c.quorum) {
      const q = c.quorum;
      quorum = {
        source: 'describe-quorum',
        leaderId: q.leaderId >= 0 ? q.leaderId : null,
        leaderEpoch: q.leaderEpoch,
        highWatermark: q.highWatermark >= 0 ? q.highWatermark : null,
        voters: q.voters.map((v) => ({ nodeId: v.nodeId, host: nameOf.get(v.nodeId) ?? null, logEndOffset: v.logEndOffset >= 0 ? v.logEndOffset : null, ...replicaLag(q, v) })),
        error: null,
      };
    } else if (c.quorumFallback) {
      const f = c.quorumFallback;
      quorum = {
        source: 'kafka-metadata-quorum',
        leaderId: f.leaderId !== undefined && f.leaderId >= 0 ? f.leaderId : null,
        leaderEpoch: null,
        highWatermark: null,
        voters: f.voters.map((id) => ({ nodeId: id, host: nameOf.get(id) ?? null, logEndOffset: null, lag: null, lagMs: null })),
        error: null,
      };
    } else {
      quorum = { source: null, leaderId: null, leaderEpoch: null, highWatermark: null, voters: [], error: c.quorumError ?? 'not read' };
    }
  }
  const activeController = c.mode === 'kraft' ? quorum?.leaderId ?? null : c.controllerId;
  return {
    mode: c.mode,
    reachable: c.reachable,
    via: c.via,
    error: c.error,
    clusterId: c.clusterId,
    activeController,
    brokers: { expected: brokerHosts(inv).map((h) => h.kafka.nodeId).sort((a, b) => a - b), registered: c.registered },
    partitions: c.partitions,
    quorum,
    ...(c.migration ? { migration: c.migration } : {}),
    ...(c.certificatesExpiring ? { certificatesExpiring: c.certificatesExpiring } : {}),
  };
}

// ------------------------------------------------------------------ verdict inputs

export function kafkaReasons(kafka: KafkaSummary | null, hosts: HostStatus[], asked: HostStatus[]): StatusReason[] {
  if (!kafka) return [];
  const reasons: StatusReason[] = [];
  const add = (severity: StatusReason['severity'], host: string | null, message: string) => reasons.push({ severity, scope: 'kafka', host, message });
  for (const { host, svc } of members(asked)) {
    const problem = kafkaProblem(svc, kafka);
    if (problem) add('degraded', host.name, problem);
  }
  if (!kafka.reachable) {
    add('down', null, `no Kafka broker answers${kafka.error ? `: ${kafka.error}` : ''}`);
  } else {
    if (kafka.mode === 'kraft' && kafka.quorum?.error) add('degraded', null, `the KRaft quorum could not be read: ${kafka.quorum.error}`);
    else if (kafka.activeController === null) add('down', null, 'no active Kafka controller');
    const p = kafka.partitions;
    if (p) {
      if (p.offline > 0) add('down', null, `${p.offline} offline partition(s) (no leader)`);
      if (p.underMinIsr > 0) add('degraded', null, `${p.underMinIsr} partition(s) under min.insync.replicas (acks=all writes to them fail)`);
      if (p.underReplicated > 0) add('degraded', null, `${p.underReplicated} under-replicated partition(s)`);
    }
  }
  if (kafka.quorum && !kafka.quorum.error) {
    const byNode = new Map(members(hosts).map((m) => [m.svc.nodeId, m]));
    const voterIds = new Set(kafka.quorum.voters.map((v) => v.nodeId));
    for (const m of members(asked)) {
      if (m.svc.processRoles.includes('controller') && !voterIds.has(m.svc.nodeId)) add('degraded', m.host.name, `controller ${m.svc.nodeId} is not a voter of the KRaft quorum`);
    }
    for (const v of kafka.quorum.voters) {
      const m = byNode.get(v.nodeId);
      const knownDown = m && (m.host.ssh.error || m.svc.state !== 'running');
      if (!knownDown && v.lagMs !== null && v.lagMs > VOTER_LAG_LIMIT_MS)
        add('degraded', m?.host.name ?? null, `KRaft voter ${v.nodeId} lags: ${v.lag ?? '?'} record(s) behind, last caught up ${Math.round(v.lagMs / 1000)} s ago`);
    }
  }
  return reasons;
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

// ------------------------------------------------------------------ the table

function count(n: number, what: string, color: (s: string) => string): string {
  return n > 0 ? color(`${n} ${what}`) : `0 ${what}`;
}

export const kafkaStatus: RoleStatus<KafkaServiceStatus, KafkaSummary, KafkaClusterObservation> = {
  service: 'kafka',
  portNames: ['broker', 'controller'],
  serviceSchema: kafkaServiceSchema,
  summarySchema: kafkaSummarySchema,
  appliesTo: (h) => !!h.kafka,
  metricsPort: (h) => (h.kafka?.metrics ? h.kafka.metricsPort : undefined),
  probes: kafkaStatusProbes,
  observe: observeKafkaCluster,
  hostService: (_inv, h, facts, cluster) => kafkaHostService(h, facts, cluster),
  summarize: (_inv, _hosts, cluster) => cluster?.summary ?? null,
  reasons: kafkaReasons,
  answeredDirectly: (kafka) => kafka?.reachable ?? false,
  view: {
    heading(k, p) {
      const head = `${p.bold('Kafka')}  ${k.mode === 'kraft' ? 'KRaft' : 'ZooKeeper mode'}`;
      if (!k.reachable) return `${head}  ${p.bad(`no broker answers${k.error ? `: ${k.error}` : ''}`)}`;
      const parts = k.partitions
        ? `partitions ${k.partitions.total}: ${count(k.partitions.underReplicated, 'under-replicated', p.warn)}, ${count(k.partitions.offline, 'offline', p.bad)}, ${count(k.partitions.underMinIsr, 'under min ISR', p.warn)}`
        : 'partitions ?';
      const controller = k.activeController === null ? p.bad('no active controller') : `active controller ${k.activeController}`;
      return `${head}  ${controller}, brokers ${k.brokers.registered.length}/${k.brokers.expected.length} registered, ${parts}`;
    },
    columns: [
      { header: 'node', cell: (svc) => String(svc.nodeId) },
      { header: 'roles', cell: (svc) => svc.processRoles.join('+') },
      { header: 'registered', cell: (svc, p) => (svc.registered === null ? '' : svc.registered ? p.good('yes') : p.bad('no')) },
      { header: 'controller', cell: (svc, p) => (svc.activeController ? p.accent('active') : '') },
      { header: 'version', cell: (svc, p) => `${svc.version ?? ''}${svc.finalizePending ? p.warn(` (finalize pending: ${svc.finalizePending})`) : ''}` },
    ],
    after(k, p) {
      const m = [
        ...(k.migration ? [{ heading: `${p.bold('migration')}  ${p.accent(k.migration.phase)}: ${k.migration.summary}; next: ${k.migration.next}` }] : []),
        ...(k.certificatesExpiring?.length
          ? [{ heading: `${p.bold('certificates')}  ${p.warn(k.certificatesExpiring.map((c) => `${c.host} ${c.daysLeft < 0 ? 'expired' : `expires in ${c.daysLeft} days`}`).join(', '))}; renew: zkk certs rotate (one node at a time)` }]
          : []),
      ];
      const q = k.quorum;
      if (!q) return m;
      if (q.error) return [{ heading: `${p.bold('KRaft quorum')}  ${p.bad(`unknown: ${q.error}`)}` }, ...m];
      return [
        ...m,
        {
          heading: `${p.bold('KRaft quorum')}  ${q.leaderId === null ? p.bad('no leader') : `leader ${q.leaderId}`}${q.leaderEpoch !== null ? `, epoch ${q.leaderEpoch}` : ''}${q.highWatermark !== null ? `, high watermark ${q.highWatermark}` : ''}${q.source === 'kafka-metadata-quorum' ? p.dim(' (via kafka-metadata-quorum)') : ''}`,
          table: {
            headers: ['voter', 'host', 'log end', 'lag', 'caught up'],
            rows: q.voters.map((v) => [
              String(v.nodeId),
              v.host ?? '',
              v.logEndOffset === null ? '?' : String(v.logEndOffset),
              v.lag === null ? '?' : v.lag > 0 ? p.warn(String(v.lag)) : '0',
              v.nodeId === q.leaderId ? 'leader' : v.lagMs === null ? '?' : `${(v.lagMs / 1000).toFixed(1)} s ago`,
            ]),
          },
        },
      ];
    },
  },
};
