/** Computed ZooKeeper values and rendered files (pure: inventory in, text out). */
import type { Inventory, ResolvedHost, ResolvedZookeeper } from '../../inventory/resolve.js';
import type { ServicePort } from '../../ops/firewall.js';
import { propertyEntries, renderTemplate, type RenderOptions } from '../../render/templates.js';
import { jvmOptionsValue } from '../../render/jvm-options.js';
import { zookeeperPidFile } from './process.js';
import { servicesJavaHome } from '../java/java-role.js';
import { dynamicZooCfg, superDigestFlag, type MemberSpec } from './reconfig.js';

export interface ZkServerEntry {
  id: number;
  address: string;
  quorumPort: number;
  electionPort: number;
}

type ZkHost = ResolvedHost & { zookeeper: ResolvedZookeeper };

/** The ensemble's members: every zookeeper host except those leaving (`leaving: true`). */
export function zookeeperHosts(inv: Inventory): ZkHost[] {
  return inv.hosts.filter((h): h is ZkHost => !!h.zookeeper && !h.zookeeper.leaving);
}

/** The zookeeper hosts marked `leaving: true` (scale-in): in no server list, stopped after the others run without them. */
export function leavingZookeeperHosts(inv: Inventory): ZkHost[] {
  return inv.hosts.filter((h): h is ZkHost => !!h.zookeeper && h.zookeeper.leaving);
}

/** The server list, by myid: the same lines whatever the inventory order (hosts can be reordered with 0 changes). */
export function ensembleServers(inv: Inventory): ZkServerEntry[] {
  return byMyid(zookeeperHosts(inv)).map((h) => ({
    id: h.zookeeper.myid,
    address: h.address,
    quorumPort: h.zookeeper.quorumPort,
    electionPort: h.zookeeper.electionPort,
  }));
}

const byMyid = <H extends { zookeeper: ResolvedZookeeper }>(hosts: H[]): H[] => [...hosts].sort((a, b) => a.zookeeper.myid - b.zookeeper.myid);

/** The port remote clients (Kafka, zkk's own checks) use: secureClientPort with ZooKeeper TLS (clientPort is then on 127.0.0.1 only). */
export const remoteClientPort = (s: ResolvedZookeeper): number => (s.tls ? s.secureClientPort : s.clientPort);

/** "h1:2181,h2:2181,h3:2181" (+ chroot) for clients such as Kafka, by myid (reordering hosts changes nothing); the TLS ports with ZooKeeper TLS. */
export function zookeeperConnect(inv: Inventory, chroot = ''): string {
  return byMyid(zookeeperHosts(inv)).map((h) => `${h.address}:${remoteClientPort(h.zookeeper)}`).join(',') + chroot;
}

/** Whether the ensemble's clients speak TLS (security.zookeeper.tls). */
export const zookeeperTlsOn = (inv: Inventory): boolean => zookeeperHosts(inv).some((h) => h.zookeeper.tls);

/** ZooKeeper's TLS files on its host (security.zookeeper.tls): the cluster CA, and the key with its certificate chain (PEM). */
export const zookeeperTlsDir = (s: ResolvedZookeeper): string => `${s.confDir}/tls`;
export const zookeeperTlsFiles = (s: ResolvedZookeeper) => ({ ca: `${zookeeperTlsDir(s)}/ca.pem`, keystore: `${zookeeperTlsDir(s)}/keystore.pem` });

export function versionedInstallDir(s: ResolvedZookeeper): string {
  return `${s.installDir}-${s.version}`;
}

export interface ZookeeperFiles {
  zooCfg: string;
  myid: string;
  javaEnv: string;
  logback: string;
  initScript: string;
  systemdUnit: string;
}

/**
 * `superPassword`: with zookeeper.reconfig, the super user's password (reconfig.ts): the
 * servers get its digest in SERVER_JVMFLAGS. Undefined in a first plan (the file is made by deploy).
 */
export function renderZookeeperFiles(inv: Inventory, host: ResolvedHost & { zookeeper: ResolvedZookeeper }, opts: RenderOptions = {}, superPassword?: string): ZookeeperFiles {
  const s = host.zookeeper;
  const reconfigFlags = !s.reconfig ? [] : superPassword ? [superDigestFlag(superPassword)] : ['-Dzookeeper.DigestAuthenticationProvider.superDigest=zkk-super:(the-digest-deploy-makes)'];
  const servers = ensembleServers(inv);
  const ctx = {
    cluster: inv.cluster,
    s,
    servers,
    standalone: servers.length === 1,
    address: host.address,
    extra: propertyEntries(s.extraConfig),
    myid: s.myid,
    jvmOptions: jvmOptionsValue([...(s.jvmFlags ? [s.jvmFlags] : []), ...reconfigFlags].join(' ')),
    dynamicCfg: s.reconfig ? dynamicZooCfg(s) : undefined,
    pidFile: zookeeperPidFile(s),
    zkServerScript: `${s.installDir}/bin/zkServer.sh`,
    service: s.serviceName,
    javaHome: servicesJavaHome(inv),
    tlsFiles: s.tls ? zookeeperTlsFiles(s) : undefined,
  };
  return {
    zooCfg: renderTemplate('zookeeper/zoo.cfg.hbs', ctx, opts),
    myid: renderTemplate('zookeeper/myid.hbs', ctx, opts),
    javaEnv: renderTemplate('zookeeper/java.env.hbs', ctx, opts),
    logback: renderTemplate('zookeeper/logback.xml.hbs', ctx, opts),
    initScript: renderTemplate('zookeeper/zookeeper.init.hbs', ctx, opts),
    systemdUnit: renderTemplate('zookeeper/zookeeper.service.hbs', ctx, opts),
  };
}

/** With zookeeper.reconfig: a dynamic config file listing `members` (the membership a server starts from, reconfig.ts). */
export function renderDynamicFile(members: MemberSpec[], opts: RenderOptions = {}): string {
  return renderTemplate('zookeeper/zoo.cfg.dynamic.hbs', { members }, opts);
}

/** The TCP ports a ZooKeeper server listens on (what the firewall must let through). */
export function zookeeperPorts(s: ResolvedZookeeper): ServicePort[] {
  return [
    // with TLS the plaintext clientPort listens on 127.0.0.1 only: not opened
    s.tls ? { port: s.secureClientPort, what: 'zookeeper client (TLS)' } : { port: s.clientPort, what: 'zookeeper client' },
    { port: s.quorumPort, what: 'zookeeper quorum' },
    { port: s.electionPort, what: 'zookeeper election' },
    ...(s.adminServer.enabled ? [{ port: s.adminServer.port, what: 'zookeeper admin server' }] : []),
    ...(s.metrics ? [{ port: s.metricsPort, what: 'zookeeper metrics' }] : []),
  ];
}
