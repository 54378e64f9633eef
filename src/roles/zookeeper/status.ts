/**
 * ZooKeeper in `zkk status`: per host the server process, install link, zoo.cfg and the
 * srvr (and on the leader mntr) answers; for the ensemble the quorum; its verdict
 * reasons and its table.
 */
import { dynamicZooCfg } from './reconfig.js';
import type { Facts } from '../../facts/gather.js';
import { hostClockProbe } from '../../facts/host-clock.js';
import { listeningPortsProbe } from '../../facts/listening-ports.js';
import { pathProbe } from '../../facts/probes.js';
import type { Inventory, ResolvedHost, ResolvedZookeeper } from '../../inventory/resolve.js';
import { membersOf, type HostStatus, type RoleStatus, type StatusReason } from '../role-status.js';
import { installLinkProbe, portStatus, serviceState, uptime, versionFromInstallLink } from '../service-status.js';
import { fourLetterWordsProbe } from './health.js';
import { zookeeperProcessProbe } from './process.js';
import { myidProbe } from './identities.js';
import { parseIdFile } from '../stable-ids.js';
import { zookeeperServiceSchema, zookeeperSummarySchema, type ZookeeperServiceStatus, type ZookeeperSummary } from './status-schema.js';

const SERVING = new Set(['leader', 'follower', 'observer', 'standalone']);
const zooCfgProbe = (s: ResolvedZookeeper) => pathProbe(s.reconfig ? dynamicZooCfg(s) : `${s.confDir}/zoo.cfg`);
const members = (hosts: HostStatus[]) => membersOf<ZookeeperServiceStatus>(hosts, 'zookeeper');

export function zookeeperStatusProbes(h: ResolvedHost) {
  const s = h.zookeeper!;
  return [hostClockProbe(), listeningPortsProbe(), zookeeperProcessProbe(s), installLinkProbe(s.installDir), zooCfgProbe(s), fourLetterWordsProbe(s.clientPort), myidProbe(s)];
}

export function zookeeperHostService(inv: Inventory, h: ResolvedHost, facts: Facts | undefined): ZookeeperServiceStatus {
  const s = h.zookeeper!;
  const ensemble = inv.hosts.filter((x) => x.zookeeper && !x.zookeeper.leaving).length;
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
    // the status engine asks the endpoint (metricsPort) from the control node
    metrics: null,
  };
  const ports = (listening: ReadonlySet<number> | undefined, mode: string) => [
    portStatus('client', s.clientPort, listening, true),
    ...(s.tls ? [portStatus('client-tls', s.secureClientPort, listening, true)] : []),
    ...(ensemble > 1 ? [portStatus('quorum', s.quorumPort, listening, mode === 'leader'), portStatus('election', s.electionPort, listening, true)] : []),
  ];
  if (!facts) return { ...base, ports: ports(undefined, 'unknown') };
  const proc = facts.get(zookeeperProcessProbe(s));
  const link = facts.get(installLinkProbe(s.installDir));
  const installed = link.kind !== 'missing' || facts.get(zooCfgProbe(s)).kind !== 'missing';
  const listening = new Set(facts.get(listeningPortsProbe()));
  const { srvr, mntr } = facts.get(fourLetterWordsProbe(s.clientPort));
  const synced = mntr?.get('zk_synced_followers');
  const installedVersion = versionFromInstallLink(link);
  // the id is the host's own (its myid file), whatever the inventory order says
  const myidFile = facts.get(myidProbe(s));
  const onDisk = myidFile.kind === 'file' ? parseIdFile(myidFile.content) : undefined;
  return {
    ...base,
    myid: typeof onDisk === 'number' ? onDisk : s.myid,
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

export function summarizeZookeeper(hosts: HostStatus[]): ZookeeperSummary | null {
  const all = members(hosts);
  const n = all.length;
  if (n === 0) return null;
  const quorumSize = Math.floor(n / 2) + 1;
  const serving = all.filter((m) => SERVING.has(m.svc.mode)).length;
  const leaders = all.filter((m) => m.svc.mode === 'leader' || (n === 1 && m.svc.mode === 'standalone'));
  const voters = all.filter((m) => m.svc.mode === 'leader' || m.svc.mode === 'follower' || (n === 1 && m.svc.mode === 'standalone')).length;
  // The leader's own count of synced followers also covers members zkk could not ask.
  const synced = Math.max(0, ...leaders.map((l) => (l.svc.syncedFollowers ?? 0) + 1));
  let hasQuorum = leaders.length > 0 && Math.max(voters, synced) >= quorumSize;
  // A follower stays a follower only while its leader answers (else it turns to LOOKING
  // within syncLimit ticks): followers with no leader in sight follow one on a host zkk
  // could not ask (e.g. the leader's host is cut off from here, not from them).
  const followers = all.filter((m) => m.svc.mode === 'follower').length;
  const unseen = all.filter((m) => m.svc.mode === 'unknown').length;
  if (leaders.length === 0 && followers > 0 && unseen > 0) hasQuorum = followers + 1 >= quorumSize;
  // Nobody could be asked: no verdict on the quorum either way.
  return { ensembleSize: n, quorumSize, serving, leader: leaders[0]?.host.name ?? null, hasQuorum: unseen === n ? null : hasQuorum };
}

export function zookeeperReasons(zookeeper: ZookeeperSummary | null, hosts: HostStatus[], asked: HostStatus[]): StatusReason[] {
  if (!zookeeper) return [];
  const reasons: StatusReason[] = [];
  const add = (severity: StatusReason['severity'], host: string | null, message: string) => reasons.push({ severity, scope: 'zookeeper', host, message });
  for (const { host, svc } of members(asked)) {
    const problem = zkProblem(svc);
    if (problem) add('degraded', host.name, problem);
  }
  const leaders = members(hosts).filter((m) => m.svc.mode === 'leader');
  if (leaders.length > 1) add('degraded', null, `${leaders.length} servers claim to be the ZooKeeper leader: ${leaders.map((l) => l.host.name).join(', ')}`);
  if (zookeeper.hasQuorum === null) add('degraded', null, 'ZooKeeper could not be checked: no member could be asked');
  else if (!zookeeper.hasQuorum)
    add(
      'down',
      null,
      zookeeper.ensembleSize === 1
        ? 'ZooKeeper is not serving'
        : `ZooKeeper has no quorum: ${zookeeper.serving} of ${zookeeper.ensembleSize} serving, ${zookeeper.quorumSize} needed`,
    );
  return reasons;
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

const num = (n: number | null): string => (n === null ? '' : String(n));

export const zookeeperStatus: RoleStatus<ZookeeperServiceStatus, ZookeeperSummary> = {
  service: 'zookeeper',
  portNames: ['client', 'client-tls', 'quorum', 'election'],
  serviceSchema: zookeeperServiceSchema,
  summarySchema: zookeeperSummarySchema,
  // a leaving server (leaving: true) is no member any more: it is expected to be stopped
  appliesTo: (h) => !!h.zookeeper && !h.zookeeper.leaving,
  metricsPort: (h) => (h.zookeeper?.metrics ? h.zookeeper.metricsPort : undefined),
  probes: zookeeperStatusProbes,
  hostService: (inv, h, facts) => zookeeperHostService(inv, h, facts),
  summarize: (_inv, hosts) => summarizeZookeeper(hosts),
  reasons: zookeeperReasons,
  view: {
    heading: (z, p) =>
      `${p.bold('ZooKeeper')}  ${z.serving} of ${z.ensembleSize} serving, quorum ${z.quorumSize}, ${z.hasQuorum === null ? p.dim('quorum unknown') : !z.hasQuorum ? p.bad('NO QUORUM') : z.leader ? `leader ${z.leader}` : p.warn('leader not visible (on a host zkk could not ask)')}`,
    columns: [
      { header: 'mode', cell: (svc, p) => modeText(svc.mode, p) },
      { header: 'zxid', cell: (svc) => svc.zxid ?? '' },
      { header: 'conns', cell: (svc) => num(svc.connections) },
      { header: 'outst', cell: (svc) => num(svc.outstanding) },
      { header: 'synced', cell: (svc) => (svc.mode === 'leader' ? num(svc.syncedFollowers) : '') },
      { header: 'version', cell: (svc) => svc.version ?? '' },
    ],
  },
};

function modeText(mode: string, p: { good(s: string): string; dim(s: string): string; bad(s: string): string }): string {
  if (mode === 'leader' || mode === 'standalone') return p.good(mode);
  if (mode === 'follower' || mode === 'observer') return mode;
  if (mode === 'unknown') return p.dim('?');
  return p.bad(mode === 'down' ? 'no answer' : mode);
}
