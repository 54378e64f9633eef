/**
 * The ZooKeeper role: account, directories, verified release, stable symlink, zoo.cfg,
 * myid, java.env, logback.xml, service (init.d or systemd), start. Restarts are rolling
 * (followers first, the leader last), each waiting until the node serves again.
 */
import { zookeeperPreflight } from './preflight.js';
import {
  groupProbe,
  osProbe,
  pathProbe,
  releaseProbe,
  serviceRegistrationProbe,
  userProbe,
} from '../../facts/probes.js';
import { firewallProbe } from '../../facts/firewall.js';
import type { Facts } from '../../facts/gather.js';
import { ExitCode, ZkkError } from '../../errors/zkk-error.js';
import { refuseUnhealthyUpgrade, versionOfDir } from '../upgrade-gate.js';
import type { Inventory, ResolvedHost, ResolvedZookeeper } from '../../inventory/resolve.js';
import { ensureReleaseUnpacked, ensureSymlink, remoteCachePath, MARKER } from '../../ops/archive.js';
import { ensureDirectory } from '../../ops/directory.js';
import { ensureFileContent } from '../../ops/file.js';
import { ensureFirewallOpen } from '../../ops/firewall.js';
import { blocked, change, exec, followedBy, ok, type Outcome, type Step } from '../../ops/operation.js';
import { propertiesFileAccess } from '../../ops/secret-properties.js';
import {
  daemonReload,
  ensureProcessCurrent,
  ensureServiceEnabled,
  ensureServiceRunning,
  restartService,
  retireServiceCommand,
  serviceCommand,
  serviceFilePath,
  serviceManager,
  startService,
  stopService,
} from '../../ops/service.js';
import { ensureServiceAccount } from '../../ops/user.js';
import type { Day2Action, Day2Options, Day2Reporter, HandlerReporter, HostContext, LiveHost, PlannedHost, Role, VerifyCheck } from '../role.js';
import { leavingZookeeperHosts, remoteClientPort, renderZookeeperFiles, versionedInstallDir, zookeeperHosts, zookeeperPorts } from './config.js';
import { prepareZookeeperTls, zookeeperTlsFileList, zookeeperTlsModeStep, zookeeperTlsProbes, zookeeperTlsSteps } from './tls.js';
import type { ClusterTls } from '../security/certs.js';

/** What the ZooKeeper role's prepare hands its plan. */
interface ZookeeperRunPreparation {
  superPassword?: string;
  tls?: ClusterTls;
}
import { fourLetterWordScript, fourLetterWordsProbe, isServing, srvr, type ZkMode } from './health.js';
import { parseConfMembership, restartKeepsQuorum, type LiveEnsemble } from './live-quorum.js';
import { script, type Command } from '../../shell/command.js';
import { zookeeperProcessProbe } from './process.js';
import { processesAlive, StartWait } from '../start-wait.js';
import { zookeeperStatus } from './status.js';
import { verifyZnodeRoundTrip } from './znode-check.js';
import { ZOOKEEPER_RESTART } from './handlers.js';
import { zookeeperRelease } from './release.js';
import { uninstallProbes, uninstallSteps, type ServiceLayout } from '../uninstall-steps.js';
import { day2Gate, DEPLOY_GATE, gateFailed, restartOrStart, type RollGate } from '../roll-gate.js';
import { JAVA_CHANGED } from '../java/handlers.js';
import { myidPath, myidProbe, settleZookeeperIds, snapshotProbe } from './identities.js';
import { confProbe, dynamicDir, dynamicFilesProbe, dynamicZooCfg, initialDynamicFile, loadSuperSecret, memberSpec, parseMembership, reconfigSession, SUPER_USER, staticDrift, voters as votersOf, type Membership } from './reconfig.js';
import { servicesJavaHome } from '../java/java-role.js';
import { maskSecrets, quote } from '../../shell/command.js';
import { renderDynamicFile } from './config.js';
import { writeFileAction } from '../../ops/file.js';
import { adoptionPending, adoptionRefusal, adoptionScript, adoptionSummary, backupDir, handZookeeperProbe, type HandZookeeper } from './hand-install.js';

type ZkHost = ResolvedHost & { zookeeper: ResolvedZookeeper };
const RESTART = ZOOKEEPER_RESTART;
/** A new server's start held back until the existing servers were rolled (join-order.ts). */
const JOIN = 'zookeeper.join-after-roll';
/** A hand-built server taken over by converge, one at a time (hand-install.ts). */
const ADOPT = 'zookeeper.adopt';
export const ZK_START_STEP = 'zookeeper.start';
/** A leaving server (`leaving: true`): stopped by converge once the others run without it. */
const LEAVE = 'zookeeper.leave-after-roll';
export const ZK_LEAVE_STEP = 'zookeeper.leave';

/** The zoo.cfg the stock scripts read without --config (zkEnv.sh: <install>/conf). */
const stockZooCfg = (s: ResolvedZookeeper): string => `${versionedInstallDir(s)}/conf/zoo.cfg`;
/** The zoo.cfg the server runs with: zkk's (static config), or the one ZooKeeper rewrites itself (reconfig.ts). */
const runningZooCfg = (s: ResolvedZookeeper): string => (s.reconfig ? dynamicZooCfg(s) : `${s.confDir}/zoo.cfg`);

const zookeeperLayout = (s: ResolvedZookeeper): ServiceLayout => ({
  role: 'zookeeper',
  service: s.serviceName,
  user: s.user,
  group: s.group,
  installDir: s.installDir,
  releasesPrefix: `${s.installDir}-`,
  confDir: s.confDir,
  dataDirs: [s.dataDir, ...(s.dataLogDir ? [s.dataLogDir] : []), s.logDir],
  ports: zookeeperPorts(s),
  process: zookeeperProcessProbe(s),
});

function zk(host: ResolvedHost): ResolvedZookeeper {
  if (!host.zookeeper) throw new Error(`${host.name} has no zookeeper role`);
  return host.zookeeper;
}

export { zookeeperProcessProbe };

/**
 * A version change to a newer release while the running ensemble is not whole (a server of the
 * inventory, already installed, down or not serving while others serve): refused before anything
 * is planned (exit 1). A stopped ensemble (none serving) has nothing to roll and is not refused.
 */
function refuseUpgradeWhileUnhealthy(inv: Inventory, facts: ReadonlyMap<number, Facts>): void {
  const rows = zookeeperHosts(inv).flatMap((h) => {
    const f = facts.get(h.index);
    if (!f) return [];
    const s = h.zookeeper;
    const link = f.get(pathProbe(s.installDir));
    return [{ host: h.name, installed: versionOfDir(link.kind === 'link' ? link.target : undefined, `${s.installDir}-`), mode: f.get(fourLetterWordsProbe(s.clientPort)).srvr.mode }];
  });
  const installed = rows.filter((r) => r.installed);
  if (!installed.some((r) => isServing(r.mode))) return;
  const problems = installed.filter((r) => !isServing(r.mode)).map((r) => `server ${r.host} ${r.mode === 'down' ? 'down' : `not serving (${r.mode})`}`);
  const refusal = refuseUnhealthyUpgrade('ZooKeeper', zookeeperHosts(inv)[0]!.zookeeper.version, rows, problems);
  if (refusal) throw new ZkkError('UPGRADE_UNHEALTHY', refusal.reason, { exitCode: ExitCode.degraded, hint: refusal.hint });
}

export const zookeeperRole: Role = {
  name: 'zookeeper',
  notifiedBy: { [RESTART]: [JAVA_CHANGED] },
  appliesTo: (h) => !!h.zookeeper,
  // zookeeper.reconfig: the super user's password, kept beside the inventory (created by deploy);
  // security.zookeeper.tls: the cluster's TLS material (generated by deploy where missing)
  prepare: async (inv, mode): Promise<ZookeeperRunPreparation> => ({
    superPassword: zookeeperHosts(inv).some((h) => h.zookeeper.reconfig) ? await loadSuperSecret(inv, mode === 'deploy') : undefined,
    tls: await prepareZookeeperTls(inv, mode === 'deploy'),
  }),
  settleFromFacts: (inv, facts) => {
    const settled = settleZookeeperIds(inv, facts);
    refuseUpgradeWhileUnhealthy(settled.inv, facts);
    return settled;
  },
  releases: (inv) => {
    const s = zookeeperHosts(inv)[0]?.zookeeper;
    return s ? [zookeeperRelease(s.version, s.release)] : [];
  },
  probes(ctx) {
    const s = zk(ctx.host);
    const rel = ctx.releases.get('zookeeper');
    const vdir = versionedInstallDir(s);
    return [
      osProbe(),
      firewallProbe(),
      userProbe(s.user),
      groupProbe(s.group),
      pathProbe(s.confDir),
      pathProbe(s.dataDir),
      ...(s.dataLogDir ? [pathProbe(s.dataLogDir)] : []),
      pathProbe(s.logDir),
      ...(rel ? [releaseProbe(`${vdir}/${MARKER}`, remoteCachePath(rel), rel.sha512)] : []),
      pathProbe(s.installDir),
      pathProbe(`${s.confDir}/zoo.cfg`, true),
      myidProbe(s),
      pathProbe(stockZooCfg(s)),
      pathProbe(`${s.confDir}/java.env`, true),
      pathProbe(`${s.confDir}/logback.xml`, true),
      pathProbe(serviceFilePath('sysv', s.serviceName), true),
      pathProbe(serviceFilePath('systemd', s.serviceName), true),
      serviceRegistrationProbe(s.serviceName, 'sysv'),
      serviceRegistrationProbe(s.serviceName, 'systemd'),
      zookeeperProcessProbe(s),
      // the mode it runs in now: plan lists the restarts leader last
      fourLetterWordsProbe(s.clientPort),
      // whether it has data: new servers must not outvote it (join-order.ts)
      snapshotProbe(s),
      // a server built by hand at installDir (or its backup once taken over)
      handZookeeperProbe(s),
      // the dynamic-config zoo.cfg and its dynamic file (zookeeper.reconfig; and to refuse a switch of kind)
      dynamicFilesProbe(s),
      ...(s.reconfig ? [pathProbe(dynamicDir(s)), confProbe(s.clientPort)] : []),
      ...zookeeperTlsProbes(s),
    ];
  },
  plan(ctx, facts) {
    const host = ctx.host as ZkHost;
    const s = host.zookeeper;
    const os = facts.get(osProbe());
    const mgr = serviceManager(os);
    // scale-in: a leaving server keeps its files as they are (it runs the old list until it stops)
    if (s.leaving) return [{ id: ZK_LEAVE_STEP, title: 'leave the ensemble', outcome: leaveOutcome(facts, s, mgr, zookeeperHosts(ctx.inv).length) }];
    const prepared = ctx.prepared as ZookeeperRunPreparation | undefined;
    const files = renderZookeeperFiles(ctx.inv, host, { overrideDir: ctx.templateOverrideDir }, prepared?.superPassword);
    const rel = ctx.releases.get('zookeeper');
    if (!rel) throw new Error('zookeeper release not obtained');
    const vdir = versionedInstallDir(s);
    const root = { owner: 'root', group: 'root' };
    const svc = { owner: s.user, group: s.group };
    // zoo.cfg with a password in extraConfig: readable by ZooKeeper's group only, values masked in diffs
    const secretAware = propertiesFileAccess(s.extraConfig, s.group);
    const hand = facts.get(handZookeeperProbe(s));
    const adopting = adoptionPending(hand) ? hand : undefined;
    const refusal = adopting && adoptionRefusal(s, adopting);
    if (refusal) return [{ id: ADOPT, title: 'take over the hand-built server', outcome: blocked(refusal.reason, refusal.hint) }];
    if (adopting && s.tls)
      return [{ id: ADOPT, title: 'take over the hand-built server', outcome: blocked('a hand-built server is taken over as it runs (plaintext); security.zookeeper.tls is for new ensembles', 'set security: { zookeeper: { tls: false } } for the take-over') }];
    if (adopting && s.reconfig)
      return [{ id: ADOPT, title: 'take over the hand-built server', outcome: blocked('a hand-built server is taken over with its static config; zookeeper.reconfig is for new ensembles', 'deploy with zookeeper.reconfig false first (the take-over), then switch as the README says (dynamic reconfiguration)') }];
    const steps: Step[] = [
      { id: 'zookeeper.account', early: true, title: `user ${s.user}`, outcome: ensureServiceAccount(facts.get(userProbe(s.user)), facts.get(groupProbe(s.group)), { user: s.user, group: s.group, home: s.dataDir }, os) },
      { id: 'zookeeper.conf-dir', early: true, title: s.confDir, outcome: ensureDirectory(facts.get(pathProbe(s.confDir)), { path: s.confDir, ...root, mode: '0755' }) },
      { id: 'zookeeper.data-dir', early: true, title: s.dataDir, outcome: ensureDirectory(facts.get(pathProbe(s.dataDir)), { path: s.dataDir, ...svc, mode: '0750' }) },
      ...(s.dataLogDir
        ? [{ id: 'zookeeper.txlog-dir', early: true, title: s.dataLogDir, outcome: ensureDirectory(facts.get(pathProbe(s.dataLogDir)), { path: s.dataLogDir, ...svc, mode: '0750' }) }]
        : []),
      { id: 'zookeeper.log-dir', early: true, title: s.logDir, outcome: ensureDirectory(facts.get(pathProbe(s.logDir)), { path: s.logDir, ...svc, mode: '0755' }) },
      { id: 'zookeeper.release', early: true, title: `release ${s.version}`, outcome: ensureReleaseUnpacked(facts.get(releaseProbe(`${vdir}/${MARKER}`, remoteCachePath(rel), rel.sha512)), rel, vdir), notify: [RESTART] },
      {
        id: 'zookeeper.install-link',
        title: s.installDir,
        outcome:
          adopting?.at === 'install'
            ? ok(`the hand-built install: kept as ${backupDir(s)} and replaced by the link when this server is taken over (${ADOPT})`)
            : ensureSymlink(facts.get(pathProbe(s.installDir)), s.installDir, vdir, { releasesPrefix: `${s.installDir}-` }),
        notify: [RESTART],
      },
      ...(s.reconfig
        ? [
            { id: 'zookeeper.dynamic-dir', early: true, title: dynamicDir(s), outcome: ensureDirectory(facts.get(pathProbe(dynamicDir(s))), { path: dynamicDir(s), ...svc, mode: '0750' }) },
            { id: 'zookeeper.render-zoo-cfg', title: 'zoo.cfg (static part; ZooKeeper keeps the membership)', outcome: dynamicConfigOutcome(facts, s, files.zooCfg, ctx.templateOverrideDir), notify: [RESTART] },
          ]
        : [{ id: 'zookeeper.render-zoo-cfg', title: 'zoo.cfg', outcome: ensureFileContent(facts.get(pathProbe(`${s.confDir}/zoo.cfg`, true)), { path: `${s.confDir}/zoo.cfg`, content: files.zooCfg, ...secretAware }), notify: [RESTART] }]),
      ...zookeeperTlsModeStep(s, facts),
      ...zookeeperTlsSteps(host, facts, prepared?.tls, RESTART),
      { id: 'zookeeper.myid', title: `myid ${s.myid}`, outcome: ensureFileContent(facts.get(myidProbe(s)), { path: myidPath(s), content: files.myid, ...svc, mode: '0644' }), notify: [RESTART] },
      // zkServer.sh status, zkCli.sh typed by hand read <install>/conf: its zoo.cfg is zkk's
      { id: 'zookeeper.stock-config', title: 'conf/zoo.cfg for the stock scripts', outcome: ensureSymlink(facts.get(pathProbe(stockZooCfg(s))), stockZooCfg(s), runningZooCfg(s), { replacesFile: "the release's" }) },
      { id: 'zookeeper.java-env', title: 'java.env', outcome: ensureFileContent(facts.get(pathProbe(`${s.confDir}/java.env`, true)), { path: `${s.confDir}/java.env`, content: files.javaEnv, ...root, mode: '0644' }), notify: [RESTART] },
      { id: 'zookeeper.logback', title: 'logback.xml', outcome: ensureFileContent(facts.get(pathProbe(`${s.confDir}/logback.xml`, true)), { path: `${s.confDir}/logback.xml`, content: files.logback, ...root, mode: '0644' }), notify: [RESTART] },
      { id: 'zookeeper.firewall', title: 'firewall', outcome: ensureFirewallOpen(facts.get(firewallProbe()), zookeeperPorts(s), ctx.inv.firewall.manage) },
      { id: 'zookeeper.service-file', title: mgr === 'systemd' ? 'systemd unit' : 'init.d script', outcome: serviceFileOutcome(facts, s, mgr, files), notify: [RESTART] },
      { id: 'zookeeper.enable', title: 'start at boot', outcome: ensureServiceEnabled(facts.get(serviceRegistrationProbe(s.serviceName, mgr)), s.serviceName, mgr, os) },
      {
        id: 'zookeeper.config-current',
        title: 'running config current',
        outcome: ensureProcessCurrent(
          facts.get(zookeeperProcessProbe(s)),
          // with reconfig ZooKeeper rewrites its zoo.cfg itself: zkk's own changes to it notify the restart instead
          [...(s.reconfig ? [] : [`${s.confDir}/zoo.cfg`]), `${s.dataDir}/myid`, `${s.confDir}/java.env`, `${s.confDir}/logback.xml`, serviceFilePath(mgr, s.serviceName), ...zookeeperTlsFileList(s)]
            .map((p) => ({ path: p, fact: facts.get(pathProbe(p, true)) }))
            .concat({ path: s.installDir, fact: facts.get(pathProbe(s.installDir)) }),
          'ZooKeeper',
          { handler: RESTART, command: serviceCommand(mgr, s.serviceName, 'restart') },
        ),
        notify: [RESTART],
      },
      ...(adopting ? [{ id: ADOPT, title: 'take over the hand-built server', outcome: adoptOutcome(s, adopting, vdir, mgr) }] : []),
      { id: ZK_START_STEP, title: 'running', outcome: adopting ? ok(`started by ${ADOPT}, one server at a time`) : startOutcome(facts, s, mgr) },
    ];
    return steps;
  },
  planConverge(inv, hosts) {
    const zkHosts = hosts.filter((h) => h.host.zookeeper);
    if (zookeeperHosts(inv)[0]?.zookeeper.reconfig) return reconfigPlanLines(inv, zkHosts);
    const mode = (h: (typeof zkHosts)[number]): ZkMode => h.facts.get(fourLetterWordsProbe(zk(h.host).clientPort)).srvr.mode;
    const label = (h: (typeof zkHosts)[number]) => `${h.host.name} (myid ${zk(h.host).myid}, ${mode(h)})`;
    const starting = zkHosts.filter((h) => h.changes.has(ZK_START_STEP) && !h.changes.has(JOIN));
    const restarting = zkHosts
      .filter((h) => !zk(h.host).leaving && h.changes.has(RESTART) && !h.changes.has(ZK_START_STEP) && h.facts.get(zookeeperProcessProbe(zk(h.host))).running)
      .sort((a, b) => Number(mode(a) === 'leader') - Number(mode(b) === 'leader'));
    const leaving = zkHosts.filter((h) => zk(h.host).leaving && h.changes.has(LEAVE));
    const servers = zookeeperHosts(inv).length;
    const lines: string[] = [];
    const adopting = zkHosts.filter((h) => h.changes.has(ADOPT)).sort((a, b) => rollRank(mode(a)) - rollRank(mode(b)));
    for (const h of adopting)
      lines.push(`gate: the leader's live members keep their quorum without ${h.host.name} → take over ${label(h)}${mode(h) === 'leader' ? ', the leader last' : ''} (${ADOPT}) → wait until it serves again, under zkk's service, and one leader leads`);
    const stoppedLeavers = zkHosts.filter((h) => zk(h.host).leaving && !h.changes.has(LEAVE));
    if (restarting.length > 0 && stoppedLeavers.length > 0)
      lines.push(`start ${stoppedLeavers.map((h) => h.host.name).join(', ')} (leaving, stopped) again if the leader still counts it as a voter: the restarts need its vote; stopped again at the end`);
    const leavingLeader = leaving.find((h) => mode(h) === 'leader');
    if (leavingLeader) {
      const others = leaving.filter((h) => h !== leavingLeader);
      lines.push(
        `hand the leadership to a remaining server (servers with the new list follow only a leader in it): ${others.length > 0 ? `gate → stop ${others.map(label).join(', ')} (leaving; while it runs it would win the election), then ` : ''}` +
          `gate → stop ${label(leavingLeader)} → wait until a remaining server leads → start ${leavingLeader.host.name} again (it votes until the end)`,
      );
    }
    // 1 → N: the standalone server has no ensemble for the new servers to join
    const standalone = restarting.filter((h) => mode(h) === 'standalone' && servers > 1);
    const names = (hs: typeof zkHosts) => hs.map((h) => h.host.name).join(', ');
    if (starting.length > 0 && standalone.length > 0)
      lines.push(
        `start ${starting.map((h) => `${h.host.name} (myid ${zk(h.host).myid})`).join(', ')} with the ${servers}-server list (apply step ${ZK_START_STEP}): ${starting.length > 1 ? 'they look for a leader and elect' : 'it looks for a leader and elects'} none — ${names(standalone)} runs standalone, in no ensemble to join, and ${starting.length} server(s) without its data are no quorum of ${servers}`,
      );
    else if (starting.length > 0) lines.push(`start ${starting.map((h) => `${h.host.name} (myid ${zk(h.host).myid})`).join(', ')} with the ${servers}-server list (apply step ${ZK_START_STEP}), and wait until they serve (joined the running leader) before any restart`);
    for (const h of restarting)
      lines.push(
        standalone.includes(h)
          ? `gate: standalone, no quorum to keep → restart ${label(h)} with the ${servers}-server list → ZooKeeper is unavailable from this restart until ${[h, ...starting].map((x) => x.host.name).join(' and ')} have elected ${h.host.name} (the election goes by epoch, zxid, then myid: ${h.host.name} holds the data, ${starting.length > 0 ? `${names(starting)} ${starting.length > 1 ? 'are' : 'is'} empty` : 'the new servers are empty'}) — a few seconds, unavoidable with a static config → wait until ${h.host.name} leads`
          : `gate: the leader's live members keep their quorum without ${h.host.name} → restart ${label(h)}${mode(h) === 'leader' ? ', the leader last' : ''} → wait until it serves and one leader leads`,
      );
    for (const h of zkHosts.filter((x) => x.changes.has(JOIN)))
      lines.push(`start ${h.host.name} (myid ${zk(h.host).myid}), a new server held back until now (new servers alone would be a quorum of the new list) → wait until it serves`);
    if (leaving.length > 0)
      lines.push(`gate: not a voter of the leader any more → stop and disable at boot ${leaving.map((h) => h.host.name).join(', ')} (leaving; data kept in ${zk(leaving[0]!.host).dataDir}) → delete their host lines`);
    if (lines.length > 0) lines.push(`wait until the ensemble serves: ${servers} server(s), one leader`);
    return lines;
  },
  async converge(inv, live, report) {
    const zkLive = live.filter((l) => l.host.zookeeper);
    if (zookeeperHosts(inv)[0]?.zookeeper.reconfig) return reconfigConverge(inv, zkLive, report);
    const members = zkLive.filter((l) => !zk(l.host).leaving);
    const leaving = zkLive.filter((l) => zk(l.host).leaving && l.changed.has(LEAVE));
    const stoppedLeavers = zkLive.filter((l) => zk(l.host).leaving && !l.changed.has(LEAVE));
    // the gate's guess when the leader does not list its members (3.4): the list running now
    const runningIds = [...zookeeperHosts(inv), ...leavingZookeeperHosts(inv)].map((h) => h.zookeeper.myid);
    const toRestart = members.filter((l) => l.changed.has(RESTART) && !l.changed.has(ZK_START_STEP) && l.facts.get(zookeeperProcessProbe(zk(l.host))).running);
    // a run stopped half-way (or a leaver stopped by hand) while the others still run the old list: it votes again until they have rolled
    if (toRestart.length > 0 && stoppedLeavers.length > 0) leaving.push(...(await restartStoppedVoters(zkLive, stoppedLeavers, runningIds, report)));
    if (leaving.length > 0) await handOverLeadership(zkLive, leaving, runningIds, report);
    // A new server still looking for a leader could make a second quorum of the new list
    // with a restarted member (split brain: seen on the lab, 3 → 5): the started ones join first.
    // Growing from one server (standalone) there is no ensemble to join: they look until it is restarted with the new list.
    const standalone = toRestart.length > 0 ? await standaloneServers(toRestart) : [];
    if (toRestart.length > 0)
      for (const l of zkLive.filter((x) => x.changed.has(ZK_START_STEP) && !x.changed.has(JOIN))) {
        const s = zk(l.host);
        if (standalone.length > 0) report.info(l.host.name, `ZooKeeper started, looking for a leader: ${standalone.map((x) => x.host.name).join(', ')} runs standalone; they elect one once it restarts with the ${zookeeperHosts(inv).length}-server list`);
        else report.info(l.host.name, `ZooKeeper joined as ${await serving(l, Date.now() + s.initLimit * s.tickTime + 60_000, 'did not join the running ensemble')}`);
      }
    const adopting = zkLive.filter((l) => l.changed.has(ADOPT));
    if (adopting.length > 0) await rollingRestart(zkLive, adopting, zookeeperHosts(inv).map((h) => h.zookeeper.myid), report, DEPLOY_GATE, takeOverCommand);
    if (toRestart.length > 0) await rollingRestart(zkLive, toRestart, leaving.length > 0 ? runningIds : zookeeperHosts(inv).map((h) => h.zookeeper.myid), report);
    for (const l of zkLive.filter((x) => x.changed.has(JOIN))) await startJoiner(l, report);
    for (const l of leaving) await retire(zkLive, l, runningIds, report);
    await waitForQuorum(inv, members, report);
  },
  day2: zookeeperDay2,
  uninstallProbes: (ctx) => uninstallProbes(zookeeperLayout(zk(ctx.host))),
  uninstall: (ctx, facts, { purge }) => uninstallSteps(zookeeperLayout(zk(ctx.host)), facts, ctx.inv.firewall.manage, purge),
  async verify(inv, live) {
    return verifyEnsemble(inv, live.filter((l) => l.host.zookeeper && !l.host.zookeeper.leaving));
  },
  status: zookeeperStatus,
  preflight: zookeeperPreflight,
};

/**
 * zookeeper.reconfig, the zoo.cfg ZooKeeper runs with: a server with nothing to boot from (new,
 * its dynamic file gone, or a joiner stopped before it was added: absent from its own file)
 * gets the membership settled for it (the live ensemble plus itself) in a new dynamic file;
 * otherwise only the static properties are compared — ZooKeeper's own rewrites (key order,
 * no comments, its dynamicConfigFile pointer) are not a change, and the pointer is kept.
 */
function dynamicConfigOutcome(facts: Facts, s: ResolvedZookeeper, rendered: string, overrideDir: string): Outcome {
  const df = facts.get(dynamicFilesProbe(s));
  const running = facts.get(zookeeperProcessProbe(s)).running;
  const own = { owner: s.user, group: s.group, mode: '0640' };
  const body = rendered.endsWith('\n') ? rendered : `${rendered}\n`;
  const inOwnFile = df.dynamic?.servers.some((m) => m.id === s.myid) ?? false;
  if (df.staticText === undefined || !df.pointer || !df.dynamic || (!running && !inOwnFile)) {
    const members = s.dynamicStart ?? [];
    const dyn = initialDynamicFile(s);
    const why = df.staticText === undefined ? 'a new server' : !df.dynamic ? `its dynamic file ${df.pointer ?? '(none named)'} is missing` : `stopped and absent from its own dynamic file ${df.pointer} (a joiner never added): it could not boot`;
    return change(`write ${dynamicZooCfg(s)} and ${dyn}, the membership it starts from (${why}): ${members.map((m) => `server.${m.id}`).join(', ')}`, [
      writeFileAction({ path: dyn, content: renderDynamicFile(members, { overrideDir }), ...own }),
      writeFileAction({ path: dynamicZooCfg(s), content: `${body}dynamicConfigFile=${dyn}\n`, ...own }),
    ]);
  }
  const drift = staticDrift(df.staticText, rendered);
  const members = df.dynamic.servers.map((m) => `server.${m.id}`).join(', ');
  if (drift.length === 0) return ok(`static properties match; membership (${members}) is ZooKeeper's own, in ${df.pointer}`);
  return change(`update the static properties ${drift.join(', ')} of ${dynamicZooCfg(s)} (ZooKeeper's dynamicConfigFile=${df.pointer} kept)`, [
    writeFileAction({ path: dynamicZooCfg(s), content: `${body}dynamicConfigFile=${df.pointer}\n`, ...own }),
  ]);
}

/** The newest membership the serving hosts report (their own `conf`), from plan-time facts. */
function plannedMembership(hosts: PlannedHost[]): Membership | undefined {
  return hosts
    .filter((h) => isServing(h.facts.get(fourLetterWordsProbe(zk(h.host).clientPort)).srvr.mode))
    .flatMap((h) => h.facts.get(confProbe(zk(h.host).clientPort)) ?? [])
    .sort((a, b) => Number(BigInt(`0x${b.version ?? '0'}`) - BigInt(`0x${a.version ?? '0'}`)))[0];
}

/** zkk plan, reconfig: restarts for static changes (gated, leader last), then one reconfig per server, each after its gate. */
function reconfigPlanLines(inv: Inventory, zkHosts: PlannedHost[]): string[] {
  const mode = (h: PlannedHost): ZkMode => h.facts.get(fourLetterWordsProbe(zk(h.host).clientPort)).srvr.mode;
  const label = (h: PlannedHost) => `${h.host.name} (myid ${zk(h.host).myid}, ${mode(h)})`;
  const live = plannedMembership(zkHosts);
  const lines: string[] = [];
  const restarting = zkHosts
    .filter((h) => !zk(h.host).leaving && h.changes.has(RESTART) && !h.changes.has(ZK_START_STEP) && h.facts.get(zookeeperProcessProbe(zk(h.host))).running)
    .sort((a, b) => rollRank(mode(a)) - rollRank(mode(b)));
  for (const h of restarting) lines.push(`gate: the leader's live members keep their quorum without ${h.host.name} → restart ${label(h)}${mode(h) === 'leader' ? ', the leader last' : ''} (a static setting changed; the membership is not in it) → wait until it serves and one leader leads`);
  const members = zkHosts.filter((h) => !zk(h.host).leaving);
  if (!live) {
    if (members.some((h) => h.changes.has(ZK_START_STEP))) lines.push(`start the ${members.length} servers with the same dynamic file (a new ensemble, reconfigEnabled) → wait until they serve, one leader`);
    return lines;
  }
  const liveVoters = votersOf(live);
  let count = liveVoters.length;
  const joiners = members.filter((h) => !liveVoters.includes(zk(h.host).myid)).sort((a, b) => zk(a.host).myid - zk(b.host).myid);
  for (const h of joiners) {
    const s = zk(h.host);
    count++;
    lines.push(
      `${h.changes.has(ZK_START_STEP) ? `start ${h.host.name} (myid ${s.myid}) with the live membership (version ${live.version ?? '?'}: ${liveVoters.join(', ')}) plus itself (apply step ${ZK_START_STEP}) → ` : ''}` +
        `wait until ${h.host.name} has synced with the leader (a non-voting follower) → gate: a quorum of the ${count} voters serving → reconfig -add server.${s.myid}=${memberSpec(h.host.address, s)} (zkCli.sh on a member, as ${SUPER_USER}) → wait until the leader lists it — no existing server restarts`,
    );
  }
  const leaving = zkHosts.filter((h) => zk(h.host).leaving).sort((a, b) => Number(mode(a) === 'leader') - Number(mode(b) === 'leader') || zk(a.host).myid - zk(b.host).myid);
  for (const h of leaving) {
    const s = zk(h.host);
    if (liveVoters.includes(s.myid)) {
      count--;
      lines.push(
        `gate: the remaining voters serving are a quorum of the ${count} → reconfig -remove ${s.myid} (${h.host.name}${mode(h) === 'leader' ? ', the leader: it hands the leadership over' : ''}) → an update committed → wait until the leader no longer lists it → stop and disable at boot ${h.host.name} (data kept in ${s.dataDir}) — no remaining server restarts`,
      );
    } else if (h.changes.has(LEAVE)) lines.push(`stop and disable at boot ${h.host.name} (not a member any more; data kept in ${s.dataDir})`);
  }
  if (lines.length > 0) lines.push(`wait until the ensemble serves: ${members.length} server(s), one leader`);
  return lines;
}

/** The membership the leader runs (its `conf`), waiting up to `ms` for a leader. */
async function leaderMembership(all: LiveHost[], ms = 30_000): Promise<{ leader: LiveHost; membership: Membership }> {
  const deadline = Date.now() + ms;
  for (;;) {
    const modes = await Promise.all(all.map((l) => srvr(l.conn, zk(l.host).clientPort).then((r) => r.mode)));
    const leader = all[modes.indexOf('leader')];
    if (leader) {
      const conf = await leader.conn.exec(script(fourLetterWordScript('conf', zk(leader.host).clientPort), 'conf'), { check: false, timeoutMs: 10_000 });
      const membership = parseMembership(conf.stdout);
      if (membership) return { leader, membership };
    }
    if (Date.now() > deadline) throw new Error(`no ZooKeeper leader reported its membership (${all.map((l, i) => `${l.host.name}=${modes[i]}`).join(', ')})`);
    await sleep(300);
  }
}

/** One reconfig through zkCli.sh on `on` (a serving member), as the super user; the password goes on stdin. */
async function runReconfig(inv: Inventory, on: LiveHost, password: string, change: Parameters<typeof reconfigSession>[1]): Promise<string> {
  const s = zk(on.host);
  const javaHome = servicesJavaHome(inv);
  const body = [
    ...(javaHome ? [`export JAVA_HOME=${quote(javaHome)}`] : []),
    `export ZOO_LOG_DIR=${quote(s.logDir)}`,
    `exec ${quote(`${s.installDir}/bin/zkCli.sh`)} -server ${quote(`127.0.0.1:${s.clientPort}`)} 2>&1`,
  ].join('\n');
  const r = await on.conn.exec(script(body, `zkCli.sh reconfig ${'add' in change ? `-add server.${change.add.id}` : `-remove ${change.remove}`}`), { stdin: reconfigSession(password, change), check: false, timeoutMs: 120_000 });
  const out = maskSecrets(r.stdout, [password]);
  // zkCli exits 0 either way; the answer to the reconfig line says (the membership the leader lists is checked after)
  if (/KeeperErrorCode|Insufficient permission|Authentication is not valid|NewConfigNoQuorum|ReconfigInProgress|BadArguments|reconfig is disabled/i.test(out.replace(/^.*(NodeExists|Node already exists).*$/gm, '')))
    throw new Error(`${on.host.name}: zkCli.sh reconfig failed: ${out.split('\n').filter((l) => /error|exception|permission|reconfig|quorum/i.test(l)).slice(-4).join(' | ') || out.slice(-400)}`);
  return out;
}

/**
 * converge with zookeeper.reconfig: a static change restarts (gated, leader last); then each
 * new server, once synced with the leader, is added by `reconfig -add`, one at a time; each
 * leaving one removed by `reconfig -remove` (a quorum of the rest serving), an update committed,
 * then stopped with its data kept. Every step reads the leader's membership first (resumable:
 * what is already done is skipped); no existing member restarts for a membership change.
 */
async function reconfigConverge(inv: Inventory, zkLive: LiveHost[], report: HandlerReporter): Promise<void> {
  const members = zkLive.filter((l) => !zk(l.host).leaving);
  const leaving = zkLive.filter((l) => zk(l.host).leaving);
  const inventoryIds = zookeeperHosts(inv).map((h) => h.zookeeper.myid);
  const running = (l: LiveHost) => l.facts.get(zookeeperProcessProbe(zk(l.host))).running;
  const toRestart = members.filter((l) => l.changed.has(RESTART) && !l.changed.has(ZK_START_STEP) && running(l));
  if (toRestart.length > 0) await rollingRestart(zkLive, toRestart, inventoryIds, report);
  const serversUp = zkLive.filter((l) => running(l) || l.changed.has(ZK_START_STEP));
  if (serversUp.length === 0) return;
  let { membership } = await leaderMembership(serversUp, zookeeperHosts(inv)[0]!.zookeeper.initLimit * zookeeperHosts(inv)[0]!.zookeeper.tickTime + 60_000);
  const joiners = members.filter((l) => !votersOf(membership).includes(zk(l.host).myid)).sort((a, b) => zk(a.host).myid - zk(b.host).myid);
  const outgoing = leaving.filter((l) => votersOf(membership).includes(zk(l.host).myid));
  const password = joiners.length + outgoing.length > 0 ? await loadSuperSecret(inv, false) : undefined;
  if (joiners.length + outgoing.length > 0 && !password) throw new Error(`zkk's ZooKeeper super user password is missing (${inv.dir}/${inv.cluster}.zookeeper-super): reconfig needs it`);
  /** A serving voter that stays, to run zkCli.sh on (the leader if it stays). */
  const runner = async (): Promise<LiveHost> => {
    const { leader, membership: m } = await leaderMembership(serversUp);
    if (!zk(leader.host).leaving) return leader;
    const modes = await Promise.all(members.map((l) => srvr(l.conn, zk(l.host).clientPort).then((r) => r.mode)));
    const other = members.find((l, i) => votersOf(m).includes(zk(l.host).myid) && modes[i] === 'follower');
    if (!other) throw new Error('no remaining ZooKeeper server serves as a voter to run the reconfig on');
    return other;
  };
  /** Serving voters of `ids` now (their own srvr). */
  const servingOf = async (ids: number[]) => {
    const modes = await Promise.all(serversUp.map((l) => srvr(l.conn, zk(l.host).clientPort).then((r) => r.mode)));
    return serversUp.filter((l, i) => ids.includes(zk(l.host).myid) && (modes[i] === 'leader' || modes[i] === 'follower')).length;
  };
  for (const j of joiners) {
    const s = zk(j.host);
    const deadline = Date.now() + s.initLimit * s.tickTime + 60_000;
    report.info(j.host.name, `ZooKeeper synced with the leader as ${await serving(j, deadline, 'did not sync with the running leader')} (not a voter yet)`);
    membership = (await leaderMembership(serversUp)).membership;
    if (votersOf(membership).includes(s.myid)) continue;
    const next = [...votersOf(membership), s.myid];
    const up = await servingOf(next);
    if (up < Math.floor(next.length / 2) + 1) gateFailed(DEPLOY_GATE, `reconfig -add ${s.myid}`, `only ${up} of the ${next.length} voters of the new configuration serve, and ZooKeeper needs a quorum of them synced (${Math.floor(next.length / 2) + 1})`);
    const on = await runner();
    report.info(j.host.name, `reconfig -add server.${s.myid} (on ${on.host.name}, as ${SUPER_USER}; ${up} of the ${next.length} new voters serving)`);
    await runReconfig(inv, on, password!, { add: { id: s.myid, spec: memberSpec(j.host.address, s) } });
    membership = await waitForMembership(serversUp, (m) => votersOf(m).includes(s.myid), `server.${s.myid} in the membership`);
    report.info(j.host.name, `ZooKeeper voting member (configuration version ${membership.version ?? '?'}: ${votersOf(membership).join(', ')})`);
  }
  const byLeaderLast = async (hs: LiveHost[]) => {
    const modes = await Promise.all(hs.map((l) => srvr(l.conn, zk(l.host).clientPort).then((r) => r.mode)));
    return hs.map((l, i) => ({ l, m: modes[i]! })).sort((a, b) => Number(a.m === 'leader') - Number(b.m === 'leader') || zk(a.l.host).myid - zk(b.l.host).myid).map((x) => x.l);
  };
  for (const l of await byLeaderLast(leaving)) {
    const s = zk(l.host);
    membership = (await leaderMembership(serversUp)).membership;
    if (votersOf(membership).includes(s.myid)) {
      const next = votersOf(membership).filter((id) => id !== s.myid);
      const up = await servingOf(next);
      if (up < Math.floor(next.length / 2) + 1) gateFailed(DEPLOY_GATE, `reconfig -remove ${s.myid}`, `only ${up} of the ${next.length} remaining voters serve: a quorum of them (${Math.floor(next.length / 2) + 1}) is needed`);
      const on = await runner();
      report.info(l.host.name, `reconfig -remove ${s.myid} (on ${on.host.name}, as ${SUPER_USER}; ${up} of the ${next.length} remaining voters serving)`);
      await runReconfig(inv, on, password!, { remove: s.myid });
      membership = await waitForMembership(serversUp, (m) => !m.servers.some((x) => x.id === s.myid), `server.${s.myid} gone from the membership`);
      report.info(l.host.name, `removed from the ensemble (configuration version ${membership.version ?? '?'}: ${votersOf(membership).join(', ')})`);
    }
    if (l.changed.has(LEAVE) || running(l)) {
      report.info(l.host.name, `stopping ZooKeeper and disabling it at boot (not a member any more); data kept in ${s.dataDir}`);
      await l.conn.exec(retireServiceCommand(s.serviceName), { timeoutMs: 240_000 });
    }
  }
  await waitForQuorum(inv, members, report);
}

async function waitForMembership(all: LiveHost[], done: (m: Membership) => boolean, what: string): Promise<Membership> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { membership } = await leaderMembership(all);
    if (done(membership)) return membership;
    if (Date.now() > deadline) throw new Error(`the ZooKeeper leader did not list ${what} within 60 s (version ${membership.version ?? '?'}: ${membership.servers.map((x) => x.id).join(', ')})`);
    await sleep(300);
  }
}

/** The take-over runs in converge (a restart action for its handler), one server at a time through the quorum gate. */
function adoptOutcome(s: ResolvedZookeeper, hand: HandZookeeper, vdir: string, mgr: 'systemd' | 'sysv'): Outcome {
  return change(adoptionSummary(s, hand, vdir), [{ kind: 'restart', handler: ADOPT, command: adoptionScript(s, hand, vdir, serviceCommand(mgr, s.serviceName, 'start')) }]);
}

/** A new server held back (join-order.ts) is started by converge after the roll, not here. */
function startOutcome(facts: Facts, s: ResolvedZookeeper, mgr: 'systemd' | 'sysv'): Outcome {
  const proc = facts.get(zookeeperProcessProbe(s));
  if (proc.running || !s.joinAfterRoll) return ensureServiceRunning(proc, s.serviceName, mgr);
  return change(`start ${s.serviceName} after the existing servers run the new server list (new servers alone would be a quorum of it)`, [
    { kind: 'restart', handler: JOIN, command: serviceCommand(mgr, s.serviceName, 'start') },
  ]);
}

/** A leaving server: stopped and disabled at boot by converge, after the others run without it; its data is kept. */
function leaveOutcome(facts: Facts, s: ResolvedZookeeper, mgr: 'systemd' | 'sysv', remaining: number): Outcome {
  const running = facts.get(zookeeperProcessProbe(s)).running;
  const enabled = facts.get(serviceRegistrationProbe(s.serviceName, mgr)).enabled;
  if (running)
    return change(`stop ${s.serviceName} and disable it at boot once the ${remaining} remaining servers run without it (data kept in ${s.dataDir})`, [
      { kind: 'restart', handler: LEAVE, command: retireServiceCommand(s.serviceName) },
    ]);
  if (enabled) return change(`disable ${s.serviceName} at boot (stopped; data kept in ${s.dataDir})`, [exec(retireServiceCommand(s.serviceName))]);
  return ok(`left the ensemble: stopped, not started at boot, data kept in ${s.dataDir} — delete the host line`);
}

function serviceFileOutcome(facts: Facts, s: ResolvedZookeeper, mgr: 'systemd' | 'sysv', files: { initScript: string; systemdUnit: string }): Outcome {
  const path = serviceFilePath(mgr, s.serviceName);
  const o = ensureFileContent(facts.get(pathProbe(path, true)), {
    path,
    content: mgr === 'systemd' ? files.systemdUnit : files.initScript,
    owner: 'root',
    group: 'root',
    mode: mgr === 'systemd' ? '0644' : '0755',
  });
  return mgr === 'systemd' ? followedBy(o, ' (and daemon-reload)', daemonReload()) : o;
}

/**
 * Never take a member down when the others could not keep a quorum without it, judged on
 * the ensemble as it runs (live-quorum.ts). Returns the gate's detail when it lets the host go.
 */
async function quorumGate(all: LiveHost[], inventoryIds: number[], t: LiveHost, verb: 'restarting' | 'stopping', pending: LiveHost[], gate: RollGate): Promise<string> {
  const verdict = restartKeepsQuorum(await observeEnsemble(all, inventoryIds), zk(t.host).myid);
  if (verdict.ok) return verdict.detail;
  const noun = verb === 'restarting' ? 'restart' : 'stop';
  gateFailed(gate, `${noun} of ${pending.map((x) => x.host.name).join(', ')}`, `${verdict.reason}, and a ${noun} must never lose the quorum`);
  return `overridden: ${verdict.reason}`;
}

/**
 * Followers one at a time, the leader last; each back in the quorum before the next, and
 * each gated on the ensemble as it runs (live-quorum.ts): the leader's own members, not
 * the inventory's target, decide whether one more can go down.
 */
async function rollingRestart(all: LiveHost[], targets: LiveHost[], inventoryIds: number[], report: HandlerReporter, gate: RollGate = DEPLOY_GATE, takeOver?: (t: LiveHost) => Command): Promise<void> {
  const modes = new Map<LiveHost, ZkMode>();
  await Promise.all(targets.map(async (t) => modes.set(t, (await srvr(t.conn, zk(t.host).clientPort)).mode)));
  // a server not serving first (it takes nothing from the quorum: e.g. one a killed take-over left stopped), the leader last
  const ordered = [...targets].sort((a, b) => rollRank(modes.get(a)!) - rollRank(modes.get(b)!));
  for (const t of ordered) {
    const s = zk(t.host);
    const detail = await quorumGate(all, inventoryIds, t, 'restarting', ordered.slice(ordered.indexOf(t)), gate);
    report.info(t.host.name, `${takeOver ? 'taking over the hand-built' : 'restarting'} ZooKeeper (${modes.get(t)}; gate: ${detail})`);
    if (takeOver) await t.conn.exec(takeOver(t), { timeoutMs: 300_000 });
    else {
      const restart = restartService(s.serviceName, serviceManager(t.facts.get(osProbe())));
      await t.conn.exec(restart.command, restart);
    }
    const deadline = Date.now() + (s.initLimit * s.tickTime + 60_000);
    const mode = await serving(t, deadline, `did not rejoin the quorum after ${takeOver ? 'the take-over' : 'restart'}`);
    report.info(t.host.name, `ZooKeeper back as ${mode}${takeOver ? " under zkk's service" : ''}`);
    // 1 → N: the data was this server's alone; the election must have picked it (join-order.ts keeps the others from outvoting it)
    if (modes.get(t) === 'standalone' && mode === 'follower')
      throw new Error(`${t.host.name}: ZooKeeper, standalone until now, came back as a follower: another server with the new list was elected over the data it held — look at its data (${s.dataDir}) before anything else restarts`);
    if (all.length > 1) await waitForLeader(all, deadline);
    gate.done?.(t.host.name, `restarted (was ${modes.get(t)}, back as ${mode})`);
  }
}

/** The take-over script of one hand-built server, from its facts (as plan showed it). */
function takeOverCommand(l: LiveHost): Command {
  const s = zk(l.host);
  const hand = l.facts.get(handZookeeperProbe(s));
  if (!adoptionPending(hand)) throw new Error(`${l.host.name}: no hand-built ZooKeeper left to take over`);
  return adoptionScript(s, hand, versionedInstallDir(s), serviceCommand(serviceManager(l.facts.get(osProbe())), s.serviceName, 'start'));
}

/** Roll order: servers not serving, then followers (and observers), the leader last. */
const rollRank = (m: ZkMode): number => (m === 'leader' ? 2 : isServing(m) ? 1 : 0);

/** zkk restart | stop | start on ZooKeeper hosts: the same roll and gates as deploy's handler. */
async function zookeeperDay2(action: Day2Action, inv: Inventory, all: LiveHost[], targets: LiveHost[], report: Day2Reporter, opts: Day2Options): Promise<void> {
  const inventoryIds = zookeeperHosts(inv).map((h) => h.zookeeper.myid);
  const running = (l: LiveHost) => l.facts.get(zookeeperProcessProbe(zk(l.host))).running;
  const mgr = (l: LiveHost) => serviceManager(l.facts.get(osProbe()));
  const gate = day2Gate(report, opts);
  const startAll = async (hosts: LiveHost[]) => {
    await Promise.all(hosts.map(async (l) => {
      report.info(l.host.name, 'starting ZooKeeper');
      const a = startService(zk(l.host).serviceName, mgr(l));
      await l.conn.exec(a.command, a);
    }));
    await waitForQuorum(inv, all.filter((l) => running(l) || targets.includes(l)), report);
    for (const l of hosts) report.done(l.host.name, 'changed', 'started');
  };
  if (action !== 'stop') {
    return restartOrStart(action, targets, running, report, {
      roll: (hosts) => rollingRestart(all, hosts, inventoryIds, report, gate),
      start: startAll,
      settle: () => waitForQuorum(inv, all.filter(running), report),
    });
  }
  // stop: followers first, the leader last
  const modes = new Map<LiveHost, ZkMode>();
  await Promise.all(targets.map(async (t) => modes.set(t, (await srvr(t.conn, zk(t.host).clientPort)).mode)));
  const ordered = [...targets].sort((a, b) => Number(modes.get(a) === 'leader') - Number(modes.get(b) === 'leader'));
  for (const t of ordered) {
    if (!running(t) && modes.get(t) === 'down') {
      report.done(t.host.name, 'ok', 'not running');
      continue;
    }
    if (!opts.whole) await quorumGate(all, inventoryIds, t, 'stopping', ordered.slice(ordered.indexOf(t)), gate);
    report.info(t.host.name, `stopping ZooKeeper (${modes.get(t)})`);
    const a = stopService(zk(t.host).serviceName, mgr(t));
    await t.conn.exec(a.command, a);
    report.done(t.host.name, 'changed', `stopped (was ${modes.get(t)})`);
  }
}

/** The hosts whose own srvr says standalone now. */
async function standaloneServers(hosts: LiveHost[]): Promise<LiveHost[]> {
  const modes = await Promise.all(hosts.map((l) => srvr(l.conn, zk(l.host).clientPort).then((r) => r.mode)));
  return hosts.filter((_, i) => modes[i] === 'standalone');
}

/** Every member's own srvr, and the leader's voting members from its conf. */
async function observeEnsemble(all: LiveHost[], inventoryIds: number[]): Promise<LiveEnsemble> {
  const answers = await Promise.all(all.map((l) => srvr(l.conn, zk(l.host).clientPort)));
  const members = all.map((l, i) => ({ host: l.host.name, id: zk(l.host).myid, mode: answers[i]!.mode }));
  const leader = all[members.findIndex((m) => m.mode === 'leader')];
  const conf = leader ? (await leader.conn.exec(script(fourLetterWordScript('conf', zk(leader.host).clientPort), 'conf'), { check: false, timeoutMs: 10_000 })).stdout : '';
  return { voters: parseConfMembership(conf), fallbackVoters: inventoryIds, members };
}

/**
 * Scale-in, static config: a server restarted with the new list follows only a leader in
 * that list (it ignores the votes of servers outside it), so a leaving leader first hands
 * over. While another leaving server runs it would win the next election (the highest
 * myid wins a tie), so those stop first (for good); then the leaving leader stops, a
 * remaining server is elected, and the leaving leader starts again as a follower, so the
 * roll that follows still has its vote. Each stop is gated on the live quorum.
 */
async function handOverLeadership(all: LiveHost[], leaving: LiveHost[], runningIds: number[], report: HandlerReporter): Promise<void> {
  const modes = await Promise.all(leaving.map((l) => srvr(l.conn, zk(l.host).clientPort).then((r) => r.mode)));
  const leader = leaving[modes.indexOf('leader')];
  if (!leader) return;
  for (const l of leaving.filter((x) => x !== leader)) await retire(all, l, runningIds, report, 'before the leader hands over');
  const s = zk(leader.host);
  await quorumGate(all, runningIds, leader, 'stopping', [leader], DEPLOY_GATE);
  report.info(leader.host.name, 'stopping ZooKeeper (leaving, the leader): a remaining server is elected');
  const mgr = serviceManager(leader.facts.get(osProbe()));
  const stop = stopService(s.serviceName, mgr);
  await leader.conn.exec(stop.command, stop);
  const deadline = Date.now() + s.initLimit * s.tickTime + 60_000;
  // the other leaving servers are stopped: the one elected now is a remaining server
  await waitForLeader(all.filter((l) => l !== leader), deadline);
  const start = startService(s.serviceName, mgr);
  await leader.conn.exec(start.command, start);
  report.info(leader.host.name, `ZooKeeper back as ${await serving(leader, deadline, 'did not rejoin the ensemble after handing over')} (leaving: it votes until the others run without it)`);
}

/**
 * Leaving servers found stopped while the leader still counts them as voters and the
 * remaining servers have yet to roll (a deploy interrupted after the hand-over stopped
 * them, or a leaver stopped by hand): without their votes a restart would lose the
 * quorum, so they start again, follow, and are stopped at the end with the others.
 */
async function restartStoppedVoters(all: LiveHost[], stopped: LiveHost[], runningIds: number[], report: HandlerReporter): Promise<LiveHost[]> {
  const voters = (await observeEnsemble(all, runningIds)).voters;
  const back: LiveHost[] = [];
  for (const l of stopped.filter((x) => voters?.includes(zk(x.host).myid))) {
    const s = zk(l.host);
    report.info(l.host.name, `starting ZooKeeper again (leaving, stopped, but still a voter of the leader while the others run the old list)`);
    const start = startService(s.serviceName, serviceManager(l.facts.get(osProbe())));
    await l.conn.exec(start.command, start);
    report.info(l.host.name, `ZooKeeper back as ${await serving(l, Date.now() + s.initLimit * s.tickTime + 60_000, 'did not rejoin the ensemble')}`);
    back.push(l);
  }
  return back;
}

/** Stop a leaving server for good (and disable it at boot), gated: the leader's voters keep their quorum without it. */
async function retire(all: LiveHost[], l: LiveHost, runningIds: number[], report: HandlerReporter, why = 'the remaining servers run without it'): Promise<void> {
  const s = zk(l.host);
  const detail = await quorumGate(all, runningIds, l, 'stopping', [l], DEPLOY_GATE);
  report.info(l.host.name, `stopping ZooKeeper and disabling it at boot (leaving, ${why}; gate: ${detail}); data kept in ${s.dataDir}`);
  await l.conn.exec(retireServiceCommand(s.serviceName), { timeoutMs: 240_000 });
}

/** A held-back new server: started once the others run the new list, then waited for, one at a time. */
async function startJoiner(l: LiveHost, report: HandlerReporter): Promise<void> {
  const s = zk(l.host);
  report.info(l.host.name, 'starting ZooKeeper (new server, after the roll)');
  const start = startService(s.serviceName, serviceManager(l.facts.get(osProbe())));
  await l.conn.exec(start.command, start);
  const mode = await serving(l, Date.now() + (s.initLimit * s.tickTime + 60_000), 'did not join the ensemble');
  report.info(l.host.name, `ZooKeeper joined as ${mode}`);
}

/** Polls the server's own srvr until it serves; past the deadline, `failed` names why. */
async function serving(l: LiveHost, deadline: number, failed: string): Promise<ZkMode> {
  let mode: ZkMode = 'down';
  while (Date.now() < deadline) {
    mode = (await srvr(l.conn, zk(l.host).clientPort)).mode;
    if (isServing(mode)) return mode;
    await sleep(250);
  }
  throw new Error(`${l.host.name}: ZooKeeper ${failed} (mode ${mode})`);
}

async function waitForLeader(all: LiveHost[], deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const modes = await Promise.all(all.map((l) => srvr(l.conn, zk(l.host).clientPort).then((r) => r.mode)));
    if (modes.filter((m) => m === 'leader').length === 1) return;
    await sleep(250);
  }
  throw new Error('the ensemble has no leader');
}

/** After a deploy the ensemble must serve before anything depends on it (Kafka). */
async function waitForQuorum(inv: Inventory, live: LiveHost[], report: HandlerReporter): Promise<void> {
  if (live.length === 0) return;
  const ensemble = zookeeperHosts(inv).length;
  const s = zk(live[0]!.host);
  // the usual wait (a full initLimit and a minute), longer while the servers not serving are alive (start-wait.ts)
  const wait = new StartWait(s.initLimit * s.tickTime + 60_000, 'ZooKeeper', (name) => zk(live.find((l) => l.host.name === name)!.host).logDir, report);
  let last: ZkMode[] = [];
  // nothing of ZooKeeper changed on any host: the srvr answers read with the facts moments ago
  // are the first look (a no-op deploy asks no more; verify asks again, live)
  const untouched = live.every((l) => ![...l.changed].some((id) => id.startsWith('zookeeper.')));
  for (let first = true; ; first = false) {
    last = first && untouched ? live.map((l) => l.facts.get(fourLetterWordsProbe(zk(l.host).clientPort)).srvr.mode) : await Promise.all(live.map((l) => srvr(l.conn, zk(l.host).clientPort).then((r) => r.mode)));
    const leaders = last.filter((m) => m === 'leader' || m === 'standalone').length;
    // With --limit, the leader may well be one of the hosts outside this run.
    if (last.every(isServing) && (leaders === 1 || (leaders === 0 && live.length < ensemble))) {
      report.info(undefined, `ZooKeeper ensemble serving: ${live.map((l, i) => `${l.host.name}=${last[i]}`).join(', ')}${live.length < ensemble ? ` (${ensemble - live.length} unreachable)` : ''}`);
      return;
    }
    if (first && untouched) continue; // not serving as the facts saw it: ask the hosts now
    const v = await wait.verdict(() => processesAlive(live.filter((_, i) => !isServing(last[i]!)), (l) => zookeeperProcessProbe(zk(l.host)), (l) => ({ dir: zk(l.host).logDir, names: ['zookeeper.log', 'zookeeper*.out'] })));
    if (!v.wait) throw new Error(`ZooKeeper ensemble did not form a quorum: ${live.map((l, i) => `${l.host.name}=${last[i]}`).join(', ')} (${v.reason})`);
    await sleep(300);
  }
}

async function verifyEnsemble(inv: Inventory, live: LiveHost[]): Promise<VerifyCheck[]> {
  const checks: VerifyCheck[] = [];
  // srvr over the host's SSH connection: what `zkServer.sh status` asks too, without its JVM
  const statuses = await Promise.all(live.map((l) => srvr(l.conn, zk(l.host).clientPort)));
  live.forEach((l, i) => {
    const st = statuses[i]!;
    checks.push({ name: 'zookeeper.status', host: l.host.name, ok: isServing(st.mode), detail: st.mode === 'down' ? 'no answer to srvr' : `Mode: ${st.mode}` });
  });
  const all = zookeeperHosts(inv);
  const modes = statuses.map((s) => s.mode);
  const leaders = modes.filter((m) => m === 'leader').length;
  // reconfig runs standaloneEnabled=false: a single server leads an ensemble of one
  if (all.length === 1 && all[0]!.zookeeper.reconfig) checks.push({ name: 'zookeeper.quorum', ok: modes[0] === 'leader', detail: `an ensemble of one (reconfig): ${modes[0] ?? 'down'}` });
  else if (all.length === 1) checks.push({ name: 'zookeeper.quorum', ok: modes[0] === 'standalone', detail: `standalone: ${modes[0] ?? 'down'}` });
  else {
    const followers = modes.filter((m) => m === 'follower').length;
    const complete = live.length === all.length;
    checks.push({
      name: 'zookeeper.quorum',
      // a partial run (--limit or unreachable hosts) checks what it reached; unreachable hosts already fail the run
      ok: complete ? leaders === 1 && followers === all.length - 1 : leaders <= 1 && leaders + followers === live.length,
      detail: `${leaders} leader, ${followers} followers of ${all.length}${complete ? '' : ` (${live.length} checked)`}`,
    });
  }
  if (live.length > 0) {
    // with ZooKeeper TLS: over the TLS port, as zkk's client certificate (the plaintext port is on 127.0.0.1 only)
    await prepareZookeeperTls(inv, false);
    checks.push(...(await verifyZnodeRoundTrip(live.map((l) => ({ name: l.host.name, connect: `${l.host.address}:${remoteClientPort(zk(l.host))}` })))));
  }
  return checks;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
