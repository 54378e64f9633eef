/**
 * `zkk status`: what every host and the cluster look like right now.
 *
 * Every host in parallel, ONE SSH round trip each (a batched probe: pid files and
 * /proc start times, install links, listening ports from /proc/net/tcp, srvr — and mntr
 * on the leader — over bash /dev/tcp to 127.0.0.1, the host clock). At the same time,
 * from the control node, one Kafka connection for cluster-wide facts (metadata,
 * partition health, and in KRaft the quorum via DescribeQuorum); only if that cannot
 * read the quorum is kafka-metadata-quorum.sh run on a controller host. Failures are
 * data: an unreachable host or a silent broker becomes part of the report, never an
 * exception. A session keeps its SSH connections between collections (--watch).
 */
import { isZkkError } from '../errors/zkk-error.js';
import { gatherFacts, type Facts } from '../facts/gather.js';
import { hostClockProbe } from '../facts/host-clock.js';
import { listeningPortsProbe } from '../facts/listening-ports.js';
import { commandProbe, pathProbe, type PathFact, type Probe, type ProcessFact } from '../facts/probes.js';
import type { Inventory, ResolvedHost, ResolvedKafka, ResolvedZookeeper } from '../inventory/resolve.js';
import { kafkaPidFile, kafkaProcessProbe } from '../roles/kafka/process.js';
import { countPartitionHealth } from '../roles/kafka/partition-health.js';
import { connectAny, describeQuorum, fetchMetadata, topicMinIsr, type KafkaWireConnection, type QuorumDescription } from '../roles/kafka/wire/index.js';
import { fourLetterWordsProbe } from '../roles/zookeeper/health.js';
import { zookeeperProcessProbe } from '../roles/zookeeper/process.js';
import { quote } from '../shell/command.js';
import type { Connector } from '../transport/connector.js';
import { connectHost, type ConnectOverrides } from './connect-host.js';
import { assessStatus } from './status-verdict.js';
import {
  STATUS_SCHEMA_VERSION,
  type HostStatus,
  type KafkaServiceStatus,
  type KafkaSummary,
  type PortStatus,
  type ServiceState,
  type StatusReport,
  type ZookeeperServiceStatus,
} from './status-schema.js';

/** Default (and cap of the inventory's ssh.connectTimeout) for status, in seconds. */
export const STATUS_CONNECT_TIMEOUT = 5;
const LEADER_NOT_AVAILABLE = 5;

export interface StatusOptions {
  /** SSH connect timeout in seconds (default: the inventory's, at most 5). */
  connectTimeout?: number;
  hostKeyPolicy?: 'strict' | 'accept-new' | 'off';
  sudoPassword?: string;
  askPassphrase?: ConnectOverrides['askPassphrase'];
}

export interface StatusStats {
  /** SSH connections opened (all collections). */
  connections: number;
  /** Remote commands run (all collections). */
  commands: number;
  collections: number;
}

interface HostObservation {
  host: ResolvedHost;
  conn?: Connector;
  facts?: Facts;
  ms: number;
  error?: { code: string; message: string; hint: string | null; reachable: boolean };
}

interface ClusterObservation {
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
}

export class StatusSession {
  private readonly conns = new Map<string, Connector>();
  private readonly closedStats = { connections: 0, commands: 0 };
  private collections = 0;

  constructor(
    private readonly inv: Inventory,
    private readonly opts: StatusOptions = {},
  ) {}

  stats(): StatusStats {
    let { connections, commands } = this.closedStats;
    for (const c of this.conns.values()) {
      connections += c.stats.connections;
      commands += c.stats.commands;
    }
    return { connections, commands, collections: this.collections };
  }

  async collect(): Promise<StatusReport> {
    const started = Date.now();
    const checkedAt = new Date(started).toISOString();
    this.collections++;
    const kafkaWork = kafkaHosts(this.inv).length > 0 ? observeKafkaCluster(this.inv, this.connectTimeoutMs(this.inv.hosts[0])) : Promise.resolve(undefined);
    const [observations, cluster] = await Promise.all([Promise.all(this.inv.hosts.map((h) => this.observeHost(h))), kafkaWork]);
    if (cluster?.mode === 'kraft' && !cluster.quorum) await this.quorumFallback(cluster, observations);

    const kafka = cluster ? kafkaSummary(this.inv, cluster) : null;
    const hosts = observations.map((o) => hostStatus(this.inv, o, kafka, cluster));
    const assessment = assessStatus(hosts, kafka);
    return {
      schemaVersion: STATUS_SCHEMA_VERSION,
      cluster: this.inv.cluster,
      inventory: this.inv.file,
      checkedAt,
      durationMs: Date.now() - started,
      verdict: assessment.verdict,
      exitCode: assessment.exitCode,
      reasons: assessment.reasons,
      hosts,
      zookeeper: assessment.zookeeper,
      kafka,
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.conns.keys()].map((name) => this.drop(name)));
  }

  private connectTimeoutMs(h: ResolvedHost | undefined): number {
    const s = this.opts.connectTimeout ?? Math.min(h?.ssh.connectTimeout ?? STATUS_CONNECT_TIMEOUT, STATUS_CONNECT_TIMEOUT);
    return Math.round(s * 1000);
  }

  private async drop(name: string): Promise<void> {
    const c = this.conns.get(name);
    if (!c) return;
    this.conns.delete(name);
    this.closedStats.connections += c.stats.connections;
    this.closedStats.commands += c.stats.commands;
    await c.close().catch(() => undefined);
  }

  private async observeHost(host: ResolvedHost, retry = true): Promise<HostObservation> {
    const t0 = Date.now();
    const timeoutMs = this.connectTimeoutMs(host);
    let conn = this.conns.get(host.name);
    const reused = !!conn;
    if (!conn) {
      try {
        conn = await connectHost(host, { hostKeyPolicy: this.opts.hostKeyPolicy, sudoPassword: this.opts.sudoPassword, askPassphrase: this.opts.askPassphrase, connectTimeout: timeoutMs / 1000, connectRetries: 0 });
        this.conns.set(host.name, conn);
      } catch (e) {
        return { host, ms: Date.now() - t0, error: { ...describeError(e), reachable: false } };
      }
    }
    try {
      // 4lw answers are bounded by their own 3 s timeouts; the rest is instant.
      const facts = await gatherFacts(conn, statusProbes(host), undefined, { timeoutMs: timeoutMs + 10_000 });
      return { host, conn, facts, ms: Date.now() - t0 };
    } catch (e) {
      await this.drop(host.name); // the connection may be dead: reconnect
      // A kept connection (--watch) that broke since the last round (host rebooted, sshd
      // restarted): connect again now. Not after a timeout: that would only double it.
      if (reused && retry && !/timed out/.test((e as Error).message)) return this.observeHost(host, false);
      return { host, ms: Date.now() - t0, error: { ...describeError(e), code: 'PROBE_FAILED', reachable: true } };
    }
  }

  /** The quorum without the control node reaching Kafka: the tool, on a controller host. */
  private async quorumFallback(cluster: ClusterObservation, observations: HostObservation[]): Promise<void> {
    const host = observations.find((o) => o.conn && o.facts && o.host.kafka?.processRoles.includes('controller') && o.facts.get(kafkaProcessProbe(o.host.kafka)).running);
    if (!host) return;
    try {
      const { quorumStatus } = await import('../roles/kafka/kafka-role.js'); // the role's JVM-based check: loaded only when needed
      const st = await quorumStatus(host.conn!, host.host.kafka!);
      if (st.leaderId === undefined) throw new Error(`kafka-metadata-quorum on ${host.host.name} gave no leader`);
      cluster.quorumFallback = { leaderId: st.leaderId, voters: st.voters };
      cluster.quorumError = undefined;
    } catch (e) {
      cluster.quorumError = `${cluster.quorumError ?? ''}; fallback: ${(e as Error).message}`.replace(/^; /, '');
    }
  }
}

export async function collectStatus(inv: Inventory, opts: StatusOptions = {}): Promise<StatusReport> {
  const session = new StatusSession(inv, opts);
  try {
    return await session.collect();
  } finally {
    await session.close();
  }
}

// The inventory's Kafka and ZooKeeper hosts (the roles' config.ts has the same filters,
// but loading it pulls in the template engine, which status never needs).
type KafkaHost = ResolvedHost & { kafka: ResolvedKafka };
const kafkaHosts = (inv: Inventory): KafkaHost[] => inv.hosts.filter((h): h is KafkaHost => !!h.kafka);
const brokerHosts = (inv: Inventory) => kafkaHosts(inv).filter((h) => h.kafka.processRoles.includes('broker'));
const controllerHosts = (inv: Inventory) => kafkaHosts(inv).filter((h) => h.kafka.processRoles.includes('controller'));
const zookeeperCount = (inv: Inventory) => inv.hosts.filter((h) => h.zookeeper).length;

// ------------------------------------------------------------------ host probes

const installLink = (dir: string) => pathProbe(dir);
const zooCfg = (s: ResolvedZookeeper) => pathProbe(`${s.confDir}/zoo.cfg`);
const serverProperties = (k: ResolvedKafka) => pathProbe(`${k.confDir}/server.properties`);

/** kafka-clients-X.jar on the running broker's class path: the version it really runs. */
function kafkaRunningJarProbe(k: ResolvedKafka): Probe<string> {
  const pf = kafkaPidFile(k);
  return commandProbe(
    `kafka-running-jar:${pf}`,
    `pid=$(cat ${quote(pf)} 2>/dev/null | tr -dc 0-9); [ -n "$pid" ] && tr '\\0:' '\\n\\n' < /proc/$pid/cmdline | grep -m1 -oE 'kafka-clients-[0-9][^/]*\\.jar$'`,
  );
}

export function statusProbes(h: ResolvedHost): Probe<unknown>[] {
  const probes: Probe<unknown>[] = [hostClockProbe(), listeningPortsProbe()];
  if (h.zookeeper) {
    const s = h.zookeeper;
    probes.push(zookeeperProcessProbe(s), installLink(s.installDir), zooCfg(s), fourLetterWordsProbe(s.clientPort));
  }
  if (h.kafka) {
    const k = h.kafka;
    probes.push(kafkaProcessProbe(k), installLink(k.installDir), serverProperties(k), kafkaRunningJarProbe(k));
  }
  return probes;
}

/** "…/zookeeper-3.8.0" → 3.8.0; "…/kafka_2.13-3.9.2" → 3.9.2. */
export function versionFromInstallLink(fact: PathFact): string | null {
  if (fact.kind !== 'link') return null;
  return /-(\d+\.\d+\.\d+[\w.-]*)\/?$/.exec(fact.target)?.[1] ?? null;
}

function serviceState(proc: ProcessFact, installed: boolean, answering: boolean): ServiceState {
  if (proc.running || answering) return 'running';
  return installed ? 'stopped' : 'not-installed';
}

function uptime(proc: ProcessFact, clock: number | undefined): number | null {
  return proc.running && proc.startedAt !== undefined && clock !== undefined ? Math.max(0, clock - proc.startedAt) : null;
}

function port(name: PortStatus['name'], n: number, listening: Set<number> | undefined, expected: boolean): PortStatus {
  return { name, port: n, listening: listening ? listening.has(n) : null, expected };
}

function zookeeperStatus(inv: Inventory, h: ResolvedHost, facts: Facts | undefined): ZookeeperServiceStatus {
  const s = h.zookeeper!;
  const ensemble = zookeeperCount(inv);
  const base: ZookeeperServiceStatus = {
    service: 'zookeeper',
    myid: s.myid,
    state: 'unknown',
    pid: null,
    uptimeSec: null,
    ports: [],
    version: null,
    installedVersion: null,
    mode: 'unknown',
    zxid: null,
    connections: null,
    outstanding: null,
    nodeCount: null,
    syncedFollowers: null,
  };
  const ports = (listening: Set<number> | undefined, mode: string) => [
    port('client', s.clientPort, listening, true),
    ...(ensemble > 1 ? [port('quorum', s.quorumPort, listening, mode === 'leader'), port('election', s.electionPort, listening, true)] : []),
  ];
  if (!facts) return { ...base, ports: ports(undefined, 'unknown') };
  const proc = facts.get(zookeeperProcessProbe(s));
  const link = facts.get(installLink(s.installDir));
  const installed = link.kind !== 'missing' || facts.get(zooCfg(s)).kind !== 'missing';
  const listening = facts.get(listeningPortsProbe());
  const { srvr, mntr } = facts.get(fourLetterWordsProbe(s.clientPort));
  const synced = mntr?.get('zk_synced_followers');
  const installedVersion = versionFromInstallLink(link);
  return {
    ...base,
    state: serviceState(proc, installed, srvr.mode !== 'down'),
    pid: proc.running ? (proc.pid ?? null) : null,
    uptimeSec: uptime(proc, facts.get(hostClockProbe())),
    ports: ports(listening, srvr.mode),
    version: srvr.version ?? installedVersion,
    installedVersion,
    mode: srvr.mode,
    zxid: srvr.zxid ?? null,
    connections: srvr.connections ?? null,
    outstanding: srvr.outstanding ?? null,
    nodeCount: srvr.nodeCount ?? null,
    syncedFollowers: synced !== undefined && /^\d+$/.test(synced) ? Number(synced) : null,
  };
}

function kafkaStatus(h: ResolvedHost, facts: Facts | undefined, kafka: KafkaSummary | null, cluster: ClusterObservation | undefined): KafkaServiceStatus {
  const k = h.kafka!;
  const isBroker = k.processRoles.includes('broker');
  const isController = k.mode === 'kraft' && k.processRoles.includes('controller');
  const listening = facts?.get(listeningPortsProbe());
  const ports = [...(isBroker ? [port('broker', k.port, listening, true)] : []), ...(isController ? [port('controller', k.controllerPort, listening, true)] : [])];
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
  };
  if (!facts) return base;
  const proc = facts.get(kafkaProcessProbe(k));
  const link = facts.get(installLink(k.installDir));
  const installed = link.kind !== 'missing' || facts.get(serverProperties(k)).kind !== 'missing';
  const jar = /kafka-clients-(.+)\.jar/.exec(facts.get(kafkaRunningJarProbe(k)))?.[1];
  const installedVersion = versionFromInstallLink(link);
  return {
    ...base,
    state: serviceState(proc, installed, false),
    pid: proc.running ? (proc.pid ?? null) : null,
    uptimeSec: uptime(proc, facts.get(hostClockProbe())),
    version: (proc.running ? jar : undefined) ?? installedVersion,
    installedVersion,
  };
}

function quorumRole(nodeId: number, cluster: ClusterObservation | undefined): KafkaServiceStatus['quorum'] {
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

function hostStatus(inv: Inventory, o: HostObservation, kafka: KafkaSummary | null, cluster: ClusterObservation | undefined): HostStatus {
  const services: HostStatus['services'] = [];
  if (o.host.zookeeper) services.push(zookeeperStatus(inv, o.host, o.facts));
  if (o.host.kafka) services.push(kafkaStatus(o.host, o.facts, kafka, cluster));
  return {
    name: o.host.name,
    address: o.host.address,
    ssh: {
      reachable: o.error ? o.error.reachable : true,
      ms: o.ms,
      error: o.error ? { code: o.error.code, message: o.error.message, hint: o.error.hint } : null,
    },
    services,
  };
}

function describeError(e: unknown): { code: string; message: string; hint: string | null } {
  if (isZkkError(e)) return { code: e.code, message: e.message, hint: e.hint ?? null };
  return { code: 'ERROR', message: e instanceof Error ? e.message : String(e), hint: null };
}

// ------------------------------------------------------------------ the Kafka cluster

async function observeKafkaCluster(inv: Inventory, connectTimeoutMs: number): Promise<ClusterObservation> {
  const first = kafkaHosts(inv)[0]!.kafka!;
  const obs: ClusterObservation = { mode: first.mode, reachable: false, via: null, error: null, clusterId: null, controllerId: null, registered: [], partitions: null };
  const wire = { connectTimeoutMs: Math.min(connectTimeoutMs, 3000), requestTimeoutMs: 5000 };
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
    obs.partitions = renamePartitionHealth(
      countPartitionHealth(
        md.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ leader: p.errorCode === LEADER_NOT_AVAILABLE ? -1 : p.leader, replicas: p.replicas, isr: p.isr })) })),
        (topic) => minIsr.get(topic) ?? first.minInsyncReplicas,
      ),
    );
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
    let c: KafkaWireConnection | undefined;
    try {
      c = await connectAny(controllers, wire);
      obs.quorum = await describeQuorum(c);
      obs.quorumError = undefined;
    } catch (e) {
      obs.quorumError = [obs.quorumError, `controllers: ${(e as Error).message}`].filter(Boolean).join('; ');
    } finally {
      c?.close();
    }
  }
  if (obs.quorum) obs.controllerId = obs.quorum.leaderId >= 0 ? obs.quorum.leaderId : null;
  return obs;
}

function renamePartitionHealth(h: { partitions: number; underReplicated: number; offline: number; underMinIsr: number }): KafkaSummary['partitions'] {
  return { total: h.partitions, underReplicated: h.underReplicated, offline: h.offline, underMinIsr: h.underMinIsr };
}

function kafkaSummary(inv: Inventory, c: ClusterObservation): KafkaSummary {
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
  };
}
