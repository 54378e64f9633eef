/**
 * Resolve a schema-valid inventory into what every host should be: defaults < cluster <
 * host, ids derived, computed values (server lists, zookeeper.connect) left to roles.
 * Then the rules no schema can express: unique names/addresses/ids, ports that clash
 * on one host, quorum sizes, mode/version combinations.
 */
import path from 'node:path';
import os from 'node:os';
import { InventoryError, InventoryErrors } from '../errors/zkk-error.js';
import { zookeeperDefaults, type ZookeeperSettings } from '../roles/zookeeper/defaults.js';
import { kafkaDefaults } from '../roles/kafka/defaults.js';
import type { InventoryInput, HostInput } from './schema.js';
import type { SourceMap } from './load.js';

export interface ReleaseSource {
  url?: string;
  mirror?: string;
  file?: string;
  sha512?: string;
}

export interface SshSettings {
  user?: string;
  port?: number;
  identityFile?: string;
  agent?: boolean;
  config: string | false;
  knownHosts: string;
  hostKeyPolicy: 'strict' | 'accept-new' | 'off';
  sudo?: boolean;
  connectTimeout: number;
  connectRetries: number;
}

export interface ResolvedZookeeper extends ZookeeperSettings {
  release: ReleaseSource;
  myid: number;
}

export interface ResolvedKafka {
  mode: 'zookeeper' | 'kraft';
  version: string;
  scalaVersion: string;
  release: ReleaseSource;
  installDir: string;
  confDir: string;
  logDirs: string[];
  logDir: string;
  port: number;
  controllerPort: number;
  advertisedHost: string;
  zookeeperChroot: string;
  numPartitions: number;
  defaultReplicationFactor: number;
  minInsyncReplicas: number;
  logRetentionHours: number;
  heapMb: number;
  jvmFlags: string;
  user: string;
  group: string;
  serviceName: string;
  quorum: 'static' | 'dynamic';
  extraConfig: Record<string, string | number | boolean>;
  nodeId: number;
  /** KRaft process.roles for this host. */
  processRoles: ('broker' | 'controller')[];
}

export interface ResolvedHost {
  name: string;
  address: string;
  index: number;
  roles: Set<'zookeeper' | 'kafka' | 'kafka-controller'>;
  ssh: SshSettings;
  zookeeper?: ResolvedZookeeper;
  kafka?: ResolvedKafka;
}

export interface JavaSettings {
  install: 'auto' | 'never';
  minVersion: number;
  package?: string;
  /** A JDK tarball on the control node (absolute): when set, every host gets it (install does not apply). */
  archive?: string;
  sha512?: string;
  /** With archive: stable symlink to the unpacked archive (JAVA_HOME of the services). */
  home: string;
}

export const DEFAULT_JAVA_HOME = '/usr/local/zkk-java';

export interface Inventory {
  file: string;
  dir: string;
  cluster: string;
  java: JavaSettings;
  firewall: { manage: 'auto' | 'never' };
  hosts: ResolvedHost[];
  warnings: string[];
}

const home = os.homedir();
const expandHome = (p: string): string => (p.startsWith('~/') ? path.join(home, p.slice(2)) : p);

export function resolveInventory(input: InventoryInput, src: SourceMap): Inventory {
  const errors: InventoryError[] = [];
  const warnings: string[] = [];
  const dir = path.dirname(path.resolve(src.file));
  const fail = (p: (string | number)[], message: string, hint?: string) =>
    errors.push(new InventoryError(message, { file: src.file, ...src.locate(p), field: fieldPath(p), hint }));
  const relPath = (p: string) => (path.isAbsolute(expandHome(p)) ? expandHome(p) : path.resolve(dir, p));

  const zkHosts = input.hosts.filter((h) => h.roles.includes('zookeeper'));
  const brokerHosts = input.hosts.filter((h) => h.roles.includes('kafka'));
  const kafkaHosts = input.hosts.filter((h) => h.roles.includes('kafka') || h.roles.includes('kafka-controller'));

  // Kafka mode and version are cluster-wide.
  const kIn = input.kafka ?? {};
  const mode: 'zookeeper' | 'kraft' =
    kIn.mode ?? (kIn.version && Number(kIn.version.split('.')[0]) >= 4 ? 'kraft' : zkHosts.length > 0 ? 'zookeeper' : 'kraft');
  const kafkaVersion = kIn.version ?? (mode === 'kraft' ? kafkaDefaults.versionKraft : kafkaDefaults.versionZookeeperMode);
  if (kafkaHosts.length > 0) {
    const major = Number(kafkaVersion.split('.')[0]);
    if (mode === 'zookeeper' && major >= 4)
      fail(['kafka', 'version'], `Kafka ${kafkaVersion} has no ZooKeeper mode`, 'use mode: kraft, or version 3.9.2 for ZooKeeper mode');
    if (mode === 'zookeeper' && zkHosts.length === 0)
      fail(['hosts'], 'kafka mode is zookeeper but no host has the zookeeper role', 'add role zookeeper to 1, 3 or 5 hosts, or set kafka.mode: kraft');
    if (mode === 'kraft' && (major < 3 || (major === 3 && Number(kafkaVersion.split('.')[1]) < 3)))
      fail(['kafka', 'version'], `KRaft needs Kafka 3.3 or newer (got ${kafkaVersion})`);
  }
  for (const [i, h] of input.hosts.entries()) {
    if (h.roles.includes('kafka-controller') && mode !== 'kraft')
      fail(['hosts', i, 'roles'], 'kafka-controller is a KRaft role', 'set kafka.mode: kraft or remove the role');
    if (h.kafka?.mode || h.kafka?.version)
      fail(['hosts', i, 'kafka', h.kafka.mode ? 'mode' : 'version'], 'Kafka mode and version are cluster-wide', 'set them under the top-level kafka: block');
    if (h.zookeeper?.version)
      fail(['hosts', i, 'zookeeper', 'version'], 'the ZooKeeper version is cluster-wide', 'set it under the top-level zookeeper: block');
  }

  // Unique names and addresses.
  const seenName = new Map<string, number>();
  const seenAddr = new Map<string, number>();
  input.hosts.forEach((h, i) => {
    const n = h.name ?? h.address;
    if (seenName.has(n)) fail(['hosts', i, h.name ? 'name' : 'address'], `duplicate host name "${n}" (also hosts[${seenName.get(n)}])`);
    else seenName.set(n, i);
    if (seenAddr.has(h.address)) fail(['hosts', i, 'address'], `duplicate address ${h.address} (also hosts[${seenAddr.get(h.address)}])`, 'one entry per machine; give it several roles');
    else seenAddr.set(h.address, i);
  });

  // myid: explicit, or position among the zookeeper hosts; unique, 1-255.
  const myids = new Map<number, number>();
  zkHosts.forEach((h, pos) => {
    const i = input.hosts.indexOf(h);
    const id = h.myid ?? pos + 1;
    if (id < 1 || id > 255) fail(['hosts', i, 'myid'], `myid ${id} is out of range`, 'ZooKeeper ids are 1-255');
    else if (myids.has(id)) fail(['hosts', i, h.myid !== undefined ? 'myid' : 'roles'], `myid ${id} is already used by hosts[${myids.get(id)}]`, 'give every zookeeper host a distinct myid (or none: they derive from host order)');
    else myids.set(id, i);
  });
  input.hosts.forEach((h, i) => {
    if (h.myid !== undefined && !h.roles.includes('zookeeper')) fail(['hosts', i, 'myid'], 'myid is set but the host has no zookeeper role');
  });
  if (zkHosts.length % 2 === 0 && zkHosts.length > 0)
    warnings.push(`${zkHosts.length} ZooKeeper hosts: an even ensemble tolerates no more failures than ${zkHosts.length - 1} — use an odd count`);

  // broker/node ids: explicit, or position among kafka hosts (1-based); unique.
  const nodeIds = new Map<number, number>();
  kafkaHosts.forEach((h, pos) => {
    const i = input.hosts.indexOf(h);
    const id = h.brokerId ?? pos + 1;
    if (nodeIds.has(id)) fail(['hosts', i, h.brokerId !== undefined ? 'brokerId' : 'roles'], `broker id ${id} is already used by hosts[${nodeIds.get(id)}]`, 'give every kafka host a distinct brokerId (or none: they derive from host order)');
    else nodeIds.set(id, i);
  });

  // KRaft controllers: dedicated kafka-controller hosts, else the first min(3, n) brokers.
  const dedicated = input.hosts.filter((h) => h.roles.includes('kafka-controller'));
  const controllerSet = new Set<HostInput>(dedicated.length > 0 ? dedicated : brokerHosts.slice(0, Math.min(3, brokerHosts.length)));
  if (mode === 'kraft' && kafkaHosts.length > 0 && controllerSet.size % 2 === 0)
    warnings.push(`${controllerSet.size} KRaft controllers: use an odd count`);

  const brokers = brokerHosts.length;
  const hosts: ResolvedHost[] = input.hosts.map((h, i) => {
    const ssh = resolveSsh(input.ssh, h.ssh, relPath);
    const out: ResolvedHost = {
      name: h.name ?? h.address,
      address: h.address,
      index: i,
      roles: new Set(h.roles),
      ssh,
    };
    if (h.roles.includes('zookeeper')) {
      const merged = deepMerge(deepMerge(zookeeperDefaults, input.zookeeper ?? {}), h.zookeeper ?? {}) as ZookeeperSettings & { release?: ReleaseSource };
      out.zookeeper = { ...merged, release: resolveRelease(merged.release ?? {}, relPath), myid: h.myid ?? zkHosts.indexOf(h) + 1 };
    }
    if (h.roles.includes('kafka') || h.roles.includes('kafka-controller')) {
      const merged = deepMerge(deepMerge(kafkaDefaults, input.kafka ?? {}), h.kafka ?? {}) as typeof kafkaDefaults & { release?: ReleaseSource; advertisedHost?: string };
      const roles: ('broker' | 'controller')[] = [];
      if (h.roles.includes('kafka')) roles.push('broker');
      if (mode === 'kraft' && controllerSet.has(h)) roles.push('controller');
      out.kafka = {
        mode,
        version: kafkaVersion,
        scalaVersion: merged.scalaVersion,
        release: resolveRelease(merged.release ?? {}, relPath),
        installDir: merged.installDir,
        confDir: merged.confDir,
        logDirs: merged.logDirs,
        logDir: merged.logDir,
        port: merged.port,
        controllerPort: merged.controllerPort,
        advertisedHost: merged.advertisedHost ?? h.address,
        zookeeperChroot: merged.zookeeperChroot,
        numPartitions: merged.numPartitions,
        defaultReplicationFactor: merged.defaultReplicationFactor ?? Math.max(1, Math.min(3, brokers)),
        minInsyncReplicas: merged.minInsyncReplicas ?? (brokers >= 3 ? 2 : 1),
        logRetentionHours: merged.logRetentionHours,
        heapMb: merged.heapMb,
        jvmFlags: merged.jvmFlags,
        user: merged.user,
        group: merged.group,
        serviceName: merged.serviceName,
        quorum: merged.quorum,
        extraConfig: merged.extraConfig,
        nodeId: h.brokerId ?? kafkaHosts.indexOf(h) + 1,
        processRoles: roles,
      };
      if (out.kafka.defaultReplicationFactor > brokers && brokers > 0)
        fail(['kafka', 'defaultReplicationFactor'], `replication factor ${out.kafka.defaultReplicationFactor} is more than the ${brokers} broker(s)`);
      if (out.kafka.minInsyncReplicas > out.kafka.defaultReplicationFactor)
        fail(['kafka', 'minInsyncReplicas'], `min.insync.replicas ${out.kafka.minInsyncReplicas} is more than the replication factor ${out.kafka.defaultReplicationFactor}`, 'producers with acks=all would always fail');
    }
    checkPortClashes(out, i, fail);
    return out;
  });

  const javaIn = input.java ?? {};
  if (errors.length > 0) throw new InventoryErrors(errors);
  return {
    file: path.resolve(src.file),
    dir,
    cluster: input.cluster,
    java: {
      install: javaIn.install ?? 'auto',
      minVersion: input.java?.minVersion ?? (kafkaHosts.length > 0 && Number(kafkaVersion.split('.')[0]) >= 4 ? 17 : 11),
      package: input.java?.package,
      archive: javaIn.archive ? relPath(javaIn.archive) : undefined,
      sha512: javaIn.sha512?.replace(/\s+/g, '').toLowerCase(),
      home: javaIn.home ?? DEFAULT_JAVA_HOME,
    },
    firewall: { manage: input.firewall?.manage ?? 'auto' },
    hosts,
    warnings,
  };
}

function resolveSsh(cluster: InventoryInput['ssh'], host: HostInput['ssh'], relPath: (p: string) => string): SshSettings {
  const m = { ...(cluster ?? {}), ...(host ?? {}) };
  return {
    user: m.user,
    port: m.port,
    identityFile: m.identityFile ? relPath(m.identityFile) : undefined,
    agent: m.agent,
    config: m.config === false ? false : m.config ? relPath(m.config) : path.join(home, '.ssh', 'config'),
    knownHosts: m.knownHosts ? relPath(m.knownHosts) : path.join(home, '.ssh', 'known_hosts'),
    hostKeyPolicy: m.hostKeyPolicy ?? 'accept-new',
    sudo: m.sudo,
    connectTimeout: m.connectTimeout ?? 10,
    connectRetries: m.connectRetries ?? 2,
  };
}

function resolveRelease(r: ReleaseSource, relPath: (p: string) => string): ReleaseSource {
  const out: ReleaseSource = { ...r };
  if (r.file) out.file = relPath(r.file);
  if (r.mirror && !/^[a-z]+:\/\//i.test(r.mirror)) out.mirror = relPath(r.mirror);
  if (r.sha512) out.sha512 = r.sha512.replace(/\s+/g, '').toLowerCase();
  return out;
}

function checkPortClashes(h: ResolvedHost, i: number, fail: (p: (string | number)[], m: string, hint?: string) => void): void {
  const used = new Map<number, string>();
  const claim = (port: number, what: string) => {
    const prev = used.get(port);
    if (prev) fail(['hosts', i], `port ${port} is used twice on ${h.name}: ${prev} and ${what}`, 'give each service its own port');
    else used.set(port, what);
  };
  if (h.zookeeper) {
    claim(h.zookeeper.clientPort, 'zookeeper.clientPort');
    claim(h.zookeeper.quorumPort, 'zookeeper.quorumPort');
    claim(h.zookeeper.electionPort, 'zookeeper.electionPort');
    if (h.zookeeper.adminServer.enabled) claim(h.zookeeper.adminServer.port, 'zookeeper.adminServer.port');
  }
  if (h.kafka) {
    if (h.kafka.processRoles.includes('broker')) claim(h.kafka.port, 'kafka.port');
    if (h.kafka.processRoles.includes('controller')) claim(h.kafka.controllerPort, 'kafka.controllerPort');
  }
}

function fieldPath(p: (string | number)[]): string {
  let out = '';
  for (const seg of p) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

type Plain = Record<string, unknown>;
/** Deep merge of plain objects; arrays and scalars from `over` replace. */
export function deepMerge<T extends object>(base: T, over: object): T {
  const out: Plain = { ...(base as Plain) };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = isPlain(b) && isPlain(v) && k !== 'extraConfig' ? deepMerge(b, v) : isPlain(b) && isPlain(v) ? { ...b, ...v } : v;
  }
  return out as T;
}
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);
