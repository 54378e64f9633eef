/**
 * The Kafka role: account, directories, verified release, symlink, server.properties,
 * service, KRaft storage formatting (once, never over another cluster's data), start.
 * Restarts are one broker at a time, the active controller last, each waiting for the
 * JVM to exit, the broker to come back and under-replicated partitions to reach 0.
 */
import { kafkaPreflight } from './preflight.js';
import { groupProbe, osProbe, pathProbe, releaseProbe, serviceRegistrationProbe, userProbe } from '../../facts/probes.js';
import { firewallProbe } from '../../facts/firewall.js';
import type { Facts } from '../../facts/gather.js';
import type { Inventory, ResolvedKafka } from '../../inventory/resolve.js';
import { ensureReleaseUnpacked, ensureSymlink, remoteCachePath, MARKER } from '../../ops/archive.js';
import { ensureDirectory } from '../../ops/directory.js';
import { ensureFileContent } from '../../ops/file.js';
import { ensureFirewallOpen } from '../../ops/firewall.js';
import { blocked, change, exec, followedBy, ok, type Outcome, type Step } from '../../ops/operation.js';
import { ensureDataSetAside } from '../../ops/uninstall.js';
import { knowsControllerCommand, stopForZookeeperMode } from './migration-rollback.js';
import { ensureZookeeperScram } from './zookeeper-scram.js';
import { daemonReload, ensureProcessCurrent, ensureServiceEnabled, ensureServiceRunning, restartService, serviceCommand, serviceFilePath, serviceManager, startService, stopService } from '../../ops/service.js';
import { ensureServiceAccount } from '../../ops/user.js';
import { quote, script, type Command } from '../../shell/command.js';
import type { CommandRunner } from '../../shell/command-runner.js';
import type { Day2Action, Day2Options, Day2Reporter, HandlerReporter, HostContext, LiveHost, PlannedHost, Role, RunIntent, VerifyCheck } from '../role.js';
import type { PathFact, Probe } from '../../facts/probes.js';
import { describeUpgrades, featureUpgrades, refuseUnhealthyUpgrade, FINALIZED_FILE, finalizePending, majorMinor, parseFeatureDescribe, parseVersionMapping, pinnedIbp, refuseVersionChange, upgradeState, versionOfDir, type FeatureLevel, type MappedLevel, type UpgradeState } from './upgrade.js';
import { day2Gate, DEPLOY_GATE, gateFailed, restartOrStart, type RollGate } from '../roll-gate.js';
import { zookeeperConnect } from '../zookeeper/config.js';
import { connectClient, listChildren, readZnode } from '../zookeeper/zookeeper-client.js';
import { canaryRoundTrip, tcpOpen, tcpOpenWithin, withWire } from './client.js';
import { clusterQuorum, describeClusterQuorum } from './quorum.js';
import { quorumSafeWithout } from './quorum-gate.js';
import { clusterHealth, describePhases, ROLL_POLL_MS, waitUntilBack, waitUntilControllerCaughtUp, waitUntilSettled } from './roll-wait.js';
import { fetchMetadata } from './wire/index.js';
import { loadClusterId, metaClusterId } from './cluster-id.js';
import { kafkaProcessProbe } from './process.js';
import { handKafkaProbe, kafkaAdoptionPending, kafkaAdoptionRefusal, kafkaAdoptionScript, kafkaAdoptionSummary, kafkaBackupDir, parseProperties, type HandKafka } from './hand-install.js';
import { processesAlive, StartWait, type NotReady } from '../start-wait.js';
import { kafkaStatus } from './status.js';
import { bootstrapServers, brokerHosts, controllerHosts, initialControllers, kafkaHosts, kafkaPorts, kafkaReleasesPrefix, keptQuorumBootstrap, quorumBootstrapServers, renderKafkaFiles, versionedKafkaDir, type KafkaHost } from './config.js';
import { addJoiningControllers, joiningControllers, joinPlanLine, quorumFromControllers } from './controller-membership.js';
import type { QuorumDescription } from './wire/index.js';
import { KAFKA_RESTART } from './handlers.js';
import { kafkaRelease } from './release.js';
import { ExitCode, ZkkError } from '../../errors/zkk-error.js';
import { uninstallProbes, uninstallSteps, type ServiceLayout } from '../uninstall-steps.js';
import { rollOrder } from './roll-order.js';
import { activeControllerSeen, clusterHealthProblems, readClusterMembership, refuseUnsafeMembershipChanges, type ClusterMembership } from './membership-gate.js';
import { JAVA_CHANGED } from '../java/handlers.js';
import { metaProbe, settleKafkaIds } from './identities.js';
import { adoptClusterId } from './cluster-id.js';
import { decisionDetail, settleMigration, type MigrationDecision, type MigrationRun } from './migration-layout.js';
import { clearMigrationZnodes, readZookeeperMetadata, waitForControllerQuorum, waitForMetadataMigrated, waitForZnodeGone, type ElectedController } from './migration-watch.js';
import { STEP_TITLE } from './migration.js';
import { ensureMetricsAgent, METRICS_AGENT_COMPONENT, metricsAgentJar, metricsAgentProbe, metricsAgentRelease, metricsRulesFile } from './metrics-agent.js';
import { accessRecordProbe } from './access.js';
import { convergeAccess, planAccessLines, prepareAccess, type AccessRun } from './access-step.js';
import { addScramArgument, nodePrincipals, kafkaSecurityFiles, kafkaSecurityProbes, kafkaSecuritySteps, prepareKafkaSecurity, securityModeStep, serverPropertiesAccess, type KafkaSecurityRun } from './security.js';

const RESTART = KAFKA_RESTART;
/** What the running cluster said in this run's prepare (undefined: it did not answer). */
let membership: ClusterMembership | undefined;
/** zkk migrate: what this run's prepare read (ZooKeeper's /migration), and the step settleFromFacts chose from the hosts. */
let migrationRun: MigrationRun | undefined;
/** this run's admin credentials and TLS material (security:), from prepare */
let securityRun: KafkaSecurityRun | undefined;
let migrationDecision: MigrationDecision | undefined;
/** this run is `zkk upgrade finalize` (set by prepare, like membership) */
let runIsFinalize = false;
/** kafka.users / kafka.acls: the passwords read at prepare (and, for plan, the cluster's state). */
let accessRun: AccessRun | undefined;
/** KRaft: this run's cluster id (AddRaftVoter names it), as prepare read it */
let preparedClusterId: string | undefined;
/** KRaft: the quorum as prepare saw it — through a broker, else from the controllers (undefined: no answer) */
let quorumSeen: QuorumDescription | undefined;
const START = 'kafka.start';
/** A hand-built broker taken over by converge, one at a time through the roll's gates (hand-install.ts). */
const ADOPT = 'kafka.adopt';
/** ZooKeeper mode with security: a broker's first start waits (converge) until the admin's SCRAM credential is in ZooKeeper. */
const SECURE_START = 'kafka.secure-start';
const kafkaHandProbe = handKafkaProbe;
export { kafkaProcessProbe };
/** The server.properties of the release's own config/ (what the seeds' commands name). */
const stockServerProperties = (k: ResolvedKafka): string => `${versionedKafkaDir(k)}/config/server.properties`;

const kafkaLayout = (k: ResolvedKafka): ServiceLayout => ({
  role: 'kafka',
  service: k.serviceName,
  user: k.user,
  group: k.group,
  installDir: k.installDir,
  releasesPrefix: kafkaReleasesPrefix(k),
  confDir: k.confDir,
  dataDirs: [...k.logDirs, k.logDir],
  ports: kafkaPorts(k),
  process: kafkaProcessProbe(k),
});

/** Start a stopped broker in apply; ZooKeeper mode with security: in converge, once its inter-broker user exists. */
function startOutcome(host: KafkaHost, facts: Facts, mgr: 'systemd' | 'sysv'): Outcome {
  const k = host.kafka;
  const o = ensureServiceRunning(facts.get(kafkaProcessProbe(k)), k.serviceName, mgr);
  if (o.kind !== 'change' || k.mode !== 'zookeeper' || !host.security || k.migration) return o;
  return change(`${o.summary}, once the admin's SCRAM credential is in ZooKeeper (${SECURE_START})`, [{ kind: 'restart', handler: SECURE_START, command: serviceCommand(mgr, k.serviceName, 'start') }]);
}

/**
 * zkk migrate --rollback: a KRaft controller taken away — stopped, its metadata dirs set aside
 * (before the config goes: a controller without config always has its storage out of the way),
 * then uninstall's steps (service, install, firewall, config moved aside; the account kept).
 */
function deprovisionSteps(inv: Inventory, k: ResolvedKafka, facts: Facts): Step[] {
  const [stop, ...rest] = uninstallSteps(kafkaLayout(k), facts, inv.firewall.manage, false);
  const aside: Step = { id: 'kafka.rollback-metadata', title: 'KRaft metadata', outcome: ensureDataSetAside(k.logDirs.map((d) => ({ path: d, fact: facts.get(pathProbe(d)) })), 'zkk-rolled-back') };
  return [stop!, aside, ...rest.filter((s) => s.id !== 'kafka.uninstall-data')];
}

function kf(h: { kafka?: ResolvedKafka; name: string }): ResolvedKafka {
  if (!h.kafka) throw new Error(`${h.name} has no kafka role`);
  return h.kafka;
}

/** What prepare() hands to plan() for one run (HostContext.prepared). */
export interface KafkaRunPreparation {
  /** KRaft: the cluster id from the file beside the inventory (created in deploy; undefined in a first plan). */
  clusterId?: string;
  /** zkk upgrade finalize: raise the feature versions to the release's */
  finalize?: boolean;
  /** zkk migrate: the intent and ZooKeeper's /migration znode as read before the facts */
  migration?: MigrationRun;
  /** security: the admin credentials and the TLS material of this run */
  security?: KafkaSecurityRun;
}

/** The cluster id is read (or, in deploy, created) once per run, before planning. */
export async function prepareKafka(inv: Inventory, mode: 'plan' | 'deploy', intent: RunIntent = {}): Promise<KafkaRunPreparation> {
  const k = kafkaHosts(inv)[0]?.kafka;
  const security = k ? await prepareKafkaSecurity(inv, mode === 'deploy') : undefined;
  const finalize = { ...(intent.finalize ? { finalize: true } : {}), ...(security ? { security } : {}) };
  if (!k || k.mode !== 'kraft') return finalize;
  // a KRaft inventory over a cluster that ran in ZooKeeper mode (zkk migrate): its id is ZooKeeper's /cluster/id
  const zk = await readZookeeperMetadata(inv, k, intent.migration ? 10_000 : 3000).catch((e: Error) => {
    if (intent.migration) throw new ZkkError('MIGRATION_ZOOKEEPER', `zkk migrate: cannot read the cluster's metadata in ZooKeeper: ${e.message}`, { exitCode: ExitCode.down, hint: 'ZooKeeper must be up through the whole migration (zkk status)' });
    return undefined;
  });
  const migration = intent.migration ? { migration: { intent: intent.migration, znode: zk?.znode } } : {};
  if (zk?.clusterId) return { clusterId: await adoptClusterId(inv, zk.clusterId, mode === 'deploy'), ...finalize, ...migration };
  if (intent.migration) throw new ZkkError('MIGRATION_NO_CLUSTER', `zkk migrate: ZooKeeper has no ${k.zookeeperChroot}/cluster/id — no ZooKeeper-mode Kafka cluster ran under this chroot`, { exitCode: ExitCode.usage, hint: 'check kafka.zookeeperChroot and the zookeeper hosts of the inventory' });
  return { clusterId: await loadClusterId(inv, mode === 'deploy'), ...finalize };
}

const finalizedProbe = (k: ResolvedKafka) => pathProbe(`${k.confDir}/${FINALIZED_FILE}`, true);

/** The host's upgrade state from its facts: the release its link points at, the finalized level it keeps. */
function upgradeStateOf(k: ResolvedKafka, facts: Facts): UpgradeState {
  const link = facts.get(pathProbe(k.installDir));
  const finalizedFact = facts.get(finalizedProbe(k));
  return upgradeState(k.version, finalizedFact.kind === 'file' ? finalizedFact.content : undefined, versionOfDir(link.kind === 'link' ? link.target : undefined, kafkaReleasesPrefix(k)));
}

/** plan: the feature-version step still to come after this deploy (undefined: none, or this run is the finalize). */
function pendingFinalizeStep(hosts: PlannedHost[]): string | undefined {
  const h = hosts.find((x) => x.host.kafka);
  if (!h || runIsFinalize) return undefined;
  const k = kf(h.host);
  const state = upgradeStateOf(k, h.facts);
  if (!finalizePending(state)) return undefined;
  const what = k.mode === 'kraft' ? 'metadata.version and the other feature versions (no restart)' : 'inter.broker.protocol.version (a second rolling restart)';
  return `pending, not run by deploy: zkk upgrade finalize raises ${what} from ${state.finalized} to ${majorMinor(state.target)} once the new release is verified — it cannot be undone; until then, the old version in the inventory rolls back`;
}

/** KRaft finalize: the cluster's feature levels and the release's, asked on the first broker. */
export function featuresProbe(k: ResolvedKafka): Probe<{ current: FeatureLevel[]; mapping: MappedLevel[]; error?: string }> {
  const tool = quote(`${k.installDir}/bin/kafka-features.sh`);
  return {
    key: `kafka-features:${k.installDir}`,
    script: [
      `export KAFKA_HEAP_OPTS=-Xmx128m`,
      `${tool} --bootstrap-server ${quote(`${k.advertisedHost}:${k.port}`)} describe 2>&1`,
      `echo ---zkk-mapping---`,
      `${tool} version-mapping --release-version ${quote(majorMinor(k.version))} 2>&1`,
    ].join('\n'),
    parse(out) {
      const [describe = '', mapping = ''] = out.split('---zkk-mapping---');
      const current = parseFeatureDescribe(describe);
      const levels = parseVersionMapping(mapping);
      const error = current.length === 0 ? `kafka-features.sh describe: ${describe.trim().split('\n').pop() ?? 'no answer'}` : levels.length === 0 ? `kafka-features.sh version-mapping: ${mapping.trim().split('\n').pop() ?? 'no answer'}` : undefined;
      return { current, mapping: levels, ...(error ? { error } : {}) };
    },
  };
}

/** the host that runs the cluster-wide feature upgrade: the first broker of the inventory */
function isFeatureHost(inv: Inventory, k: ResolvedKafka): boolean {
  return brokerHosts(inv)[0]?.kafka.nodeId === k.nodeId;
}

export const kafkaRole: Role = {
  name: 'kafka',
  notifiedBy: { [RESTART]: [JAVA_CHANGED] },
  appliesTo: (h) => !!h.kafka,
  // the membership gates (a broker holding replicas lost its host line; KRaft voters ≠ the inventory's
  // controllers: exit 2) read the running cluster first, and judge once the ids are settled from the hosts
  prepare: async (inv, mode, intent) => {
    // first the run's credentials (a secured cluster is asked over TLS + SCRAM), then the cluster
    const prepared = await prepareKafka(inv, mode, intent);
    membership = await readClusterMembership(inv);
    accessRun = await prepareAccess(inv, mode, prepared.security, membership !== undefined);
    securityRun = prepared.security;
    quorumSeen = membership?.quorum ?? (await quorumFromControllers(inv));
    runIsFinalize = !!intent?.finalize;
    migrationRun = prepared.migration;
    migrationDecision = undefined;
    preparedClusterId = prepared.clusterId;
    return prepared;
  },
  settleFromFacts: (inv, facts) => {
    const settled = settleKafkaIds(inv, facts);
    refuseUnsafeMembershipChanges(settled.inv, membership);
    refuseUpgradeWhileUnhealthy(settled.inv, facts, membership);
    // a KRaft inventory over ZooKeeper-mode hosts: refused, or (zkk migrate) this step's layout per host
    const migration = settleMigration(settled.inv, facts, migrationRun);
    migrationDecision = migration.decision;
    return { ...settled, inv: migration.inv };
  },
  releases: (inv) => {
    const k = kafkaHosts(inv)[0]?.kafka;
    return k ? [kafkaRelease(k.version, k.scalaVersion, k.release), ...(k.metrics ? [metricsAgentRelease(k.metricsAgent)] : [])] : [];
  },
  probes(ctx) {
    const k = kf(ctx.host);
    const rel = ctx.releases.get('kafka');
    const vdir = versionedKafkaDir(k);
    return [
      osProbe(),
      firewallProbe(),
      userProbe(k.user),
      groupProbe(k.group),
      pathProbe(k.confDir),
      pathProbe(k.logDir),
      ...k.logDirs.flatMap((d) => [pathProbe(d), metaProbe(d)]),
      ...(rel ? [releaseProbe(`${vdir}/${MARKER}`, remoteCachePath(rel), rel.sha512)] : []),
      pathProbe(k.installDir),
      // a broker built by hand as the seeds do (the release unpacked there, its own config/), or its backup once taken over
      kafkaHandProbe(k),
      pathProbe(`${k.confDir}/server.properties`, true),
      ...(k.metrics ? [metricsAgentProbe(k), pathProbe(metricsRulesFile(k), true)] : []),
      ...kafkaSecurityProbes(ctx.host),
      ...(ctx.host.security ? [accessRecordProbe(k)] : []),
      finalizedProbe(k),
      ...(k.mode === 'kraft' && (ctx.prepared as KafkaRunPreparation | undefined)?.finalize && isFeatureHost(ctx.inv, k) ? [featuresProbe(k)] : []),
      pathProbe(stockServerProperties(k)),
      pathProbe(serviceFilePath('sysv', k.serviceName), true),
      pathProbe(serviceFilePath('systemd', k.serviceName), true),
      serviceRegistrationProbe(k.serviceName, 'sysv'),
      serviceRegistrationProbe(k.serviceName, 'systemd'),
      kafkaProcessProbe(k),
      // zkk migrate --rollback: a controller may be deprovisioned (uninstall's facts)
      ...(migrationRun?.intent.action === 'rollback' && k.processRoles.includes('controller') ? uninstallProbes(kafkaLayout(k)) : []),
    ];
  },
  plan(ctx, facts) {
    const host = ctx.host as KafkaHost;
    const k = host.kafka;
    const migrationStep = migrationDecision && kafkaHosts(ctx.inv)[0]?.name === host.name ? [{ id: 'kafka.migration', title: 'ZooKeeper → KRaft migration', outcome: ok(decisionDetail(migrationDecision)) }] : [];
    if (k.migration?.deprovision) return [...migrationStep, ...deprovisionSteps(ctx.inv, k, facts)];
    const os = facts.get(osProbe());
    const mgr = serviceManager(os);
    const finalizing = !!(ctx.prepared as KafkaRunPreparation | undefined)?.finalize;
    const link = facts.get(pathProbe(k.installDir));
    const finalizedFact = facts.get(finalizedProbe(k));
    const state = upgradeStateOf(k, facts);
    const refusal = refuseVersionChange(state, k.mode);
    const ibp = k.mode === 'zookeeper' && !('inter.broker.protocol.version' in k.extraConfig) ? pinnedIbp(state, finalizing) : undefined;
    const run = (ctx.prepared as KafkaRunPreparation | undefined)?.security;
    // dynamic quorum, the controller set changed: a host whose bootstrap list still names a majority of the controllers keeps it (no roll)
    const currentProps = facts.get(pathProbe(`${k.confDir}/server.properties`, true));
    const kept = k.mode === 'kraft' && k.quorum === 'dynamic' ? keptQuorumBootstrap(currentProps.kind === 'file' ? currentProps.content : undefined, quorumBootstrapServers(ctx.inv)) : undefined;
    const files = renderKafkaFiles(ctx.inv, host, { overrideDir: ctx.templateOverrideDir, ibp, ...(run ? { adminPassword: run.adminPassword } : {}), ...(kept ? { quorumBootstrap: kept } : {}), ...(host.security && k.mode === 'kraft' ? { nodePrincipals: nodePrincipals(ctx.inv, run) } : {}) });
    const rel = ctx.releases.get('kafka');
    if (!rel) throw new Error('kafka release not obtained');
    const vdir = versionedKafkaDir(k);
    const root = { owner: 'root', group: 'root' };
    const svc = { owner: k.user, group: k.group };
    const svcPath = serviceFilePath(mgr, k.serviceName);
    const svcFile = ensureFileContent(facts.get(pathProbe(svcPath, true)), {
      path: svcPath,
      content: mgr === 'systemd' ? files.systemdUnit : files.initScript,
      ...root,
      mode: mgr === 'systemd' ? '0644' : '0755',
    });
    const svcOutcome = mgr === 'systemd' ? followedBy(svcFile, ' (and daemon-reload)', daemonReload()) : svcFile;
    // server.properties with a password in extraConfig: readable by Kafka's group only, values masked in diffs
    const secretAware = serverPropertiesAccess(host, k);
    if (refusal) return [{ id: 'kafka.version', title: `version ${k.version}`, outcome: blocked(refusal.reason, refusal.hint) }];
    const hand = facts.get(kafkaHandProbe(k));
    const adopting = kafkaAdoptionPending(hand) ? hand : undefined;
    const rendered = parseProperties(files.serverProperties);
    const handRefusal = adopting && kafkaAdoptionRefusal(k, adopting, rendered, zookeeperConnect(ctx.inv, k.zookeeperChroot));
    if (handRefusal) return [{ id: ADOPT, title: 'take over the hand-built broker', outcome: blocked(handRefusal.reason, handRefusal.hint) }];
    const steps: Step[] = [
      ...migrationStep,
      ...securityModeStep(host, facts),
      { id: 'kafka.account', early: true, title: `user ${k.user}`, outcome: ensureServiceAccount(facts.get(userProbe(k.user)), facts.get(groupProbe(k.group)), { user: k.user, group: k.group, home: k.logDirs[0]! }, os) },
      { id: 'kafka.conf-dir', early: true, title: k.confDir, outcome: ensureDirectory(facts.get(pathProbe(k.confDir)), { path: k.confDir, ...root, mode: '0755' }) },
      { id: 'kafka.log-dir', early: true, title: k.logDir, outcome: ensureDirectory(facts.get(pathProbe(k.logDir)), { path: k.logDir, ...svc, mode: '0755' }) },
      ...k.logDirs.map((d, i) => ({ id: `kafka.data-dir-${i + 1}`, early: true, title: d, outcome: ensureDirectory(facts.get(pathProbe(d)), { path: d, ...svc, mode: '0750' }) })),
      { id: 'kafka.release', early: true, title: `release ${k.version}`, outcome: ensureReleaseUnpacked(facts.get(releaseProbe(`${vdir}/${MARKER}`, remoteCachePath(rel), rel.sha512)), rel, vdir), notify: [RESTART] },
      {
        id: 'kafka.install-link',
        title: k.installDir,
        outcome:
          adopting?.at === 'install'
            ? ok(`the hand-built install: kept as ${kafkaBackupDir(k)} and replaced by the link when this broker is taken over (${ADOPT})`)
            : ensureSymlink(link, k.installDir, vdir, { releasesPrefix: kafkaReleasesPrefix(k) }),
        notify: [RESTART],
      },
      ...metricsSteps(ctx, k, facts, files.metricsRules),
      ...kafkaSecuritySteps(host, facts, run, RESTART),
      { id: 'kafka.render-server-properties', title: 'server.properties', outcome: ensureFileContent(facts.get(pathProbe(`${k.confDir}/server.properties`, true)), { path: `${k.confDir}/server.properties`, content: files.serverProperties, ...secretAware }), notify: [RESTART] },
      // `bin/kafka-server-start.sh config/server.properties` typed by hand reads zkk's config, not the release's sample
      { id: 'kafka.stock-config', title: 'config/server.properties for the stock scripts', outcome: ensureSymlink(facts.get(pathProbe(stockServerProperties(k))), stockServerProperties(k), `${k.confDir}/server.properties`, { replacesFile: "the release's sample" }) },
      { id: 'kafka.firewall', title: 'firewall', outcome: ensureFirewallOpen(facts.get(firewallProbe()), kafkaPorts(k), ctx.inv.firewall.manage) },
      { id: 'kafka.service-file', title: mgr === 'systemd' ? 'systemd unit' : 'init.d script', outcome: svcOutcome, notify: [RESTART] },
      ...(k.mode === 'kraft' ? [{ id: 'kafka.format-storage', title: 'KRaft storage', outcome: formatOutcome(ctx, host, facts) }] : []),
      { id: 'kafka.enable', title: 'start at boot', outcome: ensureServiceEnabled(facts.get(serviceRegistrationProbe(k.serviceName, mgr)), k.serviceName, mgr, os) },
      {
        id: 'kafka.config-current',
        title: 'running config current',
        outcome: ensureProcessCurrent(
          facts.get(kafkaProcessProbe(k)),
          [`${k.confDir}/server.properties`, serviceFilePath(mgr, k.serviceName), ...(k.metrics ? [metricsRulesFile(k)] : []), ...kafkaSecurityFiles(host)]
            .map((p) => ({ path: p, fact: facts.get(pathProbe(p, true)) }))
            .concat({ path: k.installDir, fact: facts.get(pathProbe(k.installDir)) }),
          'Kafka',
          { handler: RESTART, command: serviceCommand(mgr, k.serviceName, 'restart') },
        ),
        notify: [RESTART],
      },
      ...(adopting ? [{ id: ADOPT, title: 'take over the hand-built broker', outcome: adoptOutcome(k, adopting, rendered, vdir, mgr) }] : []),
      { id: START, title: 'running', outcome: adopting ? ok(`started by ${ADOPT}, one broker at a time`) : startOutcome(host, facts, mgr) },
      ...(k.mode === 'kraft' && finalizing && isFeatureHost(ctx.inv, k) ? [{ id: 'kafka.features', title: 'feature versions', outcome: featuresOutcome(k, facts, state) }] : []),
      { id: 'kafka.finalized', title: 'finalized level', outcome: finalizedOutcome(k, finalizedFact, state, finalizing, ibp) },
    ];
    return steps;
  },
  planConverge(inv, hosts) {
    return [...planRollAndMigration(inv, hosts), ...planAccessLines(inv, accessRun, hosts)];
  },
  async converge(inv, live, report) {
    await convergeRollAndMigration(inv, live, report);
    await convergeAccess(inv, accessRun, live.filter((l) => l.host.kafka), report);
  },
  day2: kafkaDay2,
  uninstallProbes: (ctx) => uninstallProbes(kafkaLayout(kf(ctx.host))),
  uninstall: (ctx, facts, { purge }) => uninstallSteps(kafkaLayout(kf(ctx.host)), facts, ctx.inv.firewall.manage, purge),
  async verify(inv, live) {
    // a controller the rollback deprovisioned is not checked: it is gone on purpose
    return verifyKafka(inv, live.filter((l) => l.host.kafka && !l.host.kafka.migration?.deprovision));
  },
  status: kafkaStatus,
  preflight: kafkaPreflight,
};

/** A version change to a newer release while the running cluster is not healthy: refused before anything is planned (exit 1). */
function refuseUpgradeWhileUnhealthy(inv: Inventory, facts: ReadonlyMap<number, Facts>, seen: ClusterMembership | undefined): void {
  const members = kafkaHosts(inv);
  if (!seen || members.length === 0) return;
  const releases = members.map((h) => {
    const link = facts.get(h.index)?.get(pathProbe(h.kafka.installDir));
    return { host: h.name, installed: versionOfDir(link?.kind === 'link' ? link.target : undefined, kafkaReleasesPrefix(h.kafka)) };
  });
  const refusal = refuseUnhealthyUpgrade('Kafka', members[0]!.kafka.version, releases, clusterHealthProblems(inv, seen));
  if (refusal) throw new ZkkError('UPGRADE_UNHEALTHY', refusal.reason, { exitCode: ExitCode.degraded, hint: refusal.hint });
}

/** metrics.enabled: the JMX exporter agent (verified jar) and its rules; either changed restarts the node. */
function metricsSteps(ctx: HostContext, k: ResolvedKafka, facts: Facts, rules: string | undefined): Step[] {
  if (!k.metrics || rules === undefined) return [];
  const agent = ctx.releases.get(METRICS_AGENT_COMPONENT);
  if (!agent) throw new Error('metrics agent not obtained');
  return [
    { id: 'kafka.metrics-agent', title: `JMX exporter agent ${k.metricsAgent.version}`, outcome: ensureMetricsAgent(facts.get(metricsAgentProbe(k)), agent, metricsAgentJar(k)), notify: [RESTART] },
    {
      id: 'kafka.metrics-rules',
      title: 'jmx-exporter.yml',
      outcome: ensureFileContent(facts.get(pathProbe(metricsRulesFile(k), true)), { path: metricsRulesFile(k), content: rules, owner: 'root', group: 'root', mode: '0644' }),
      notify: [RESTART],
    },
  ];
}

/** KRaft finalize: each feature the release maps higher, one --feature each (never kraft.version). */
function featuresOutcome(k: ResolvedKafka, facts: Facts, state: UpgradeState): Outcome {
  // the binaries have not rolled here yet (finalize is then refused, the roll is the pending change):
  // the installed release's kafka-features.sh may not even know the target's level, so nothing is asked
  if (state.installed !== k.version) return ok(`after the binary roll: this host runs ${state.installed ?? 'no release'}, the inventory says ${k.version}`);
  const f = facts.get(featuresProbe(k));
  if (f.error) return blocked(`cannot read the feature versions: ${f.error}`, 'is the cluster up? zkk status shows it');
  const { upgrades, skipped } = featureUpgrades(f.current, f.mapping);
  const note = skipped.length ? `; left: ${skipped.join('; ')}` : '';
  if (upgrades.length === 0) return ok(`feature versions at ${majorMinor(state.target)}'s levels${note}`);
  const args = upgrades.map((u) => `--feature ${quote(`${u.name}=${u.to}`)}`).join(' ');
  const body = `KAFKA_HEAP_OPTS=-Xmx128m ${quote(`${k.installDir}/bin/kafka-features.sh`)} --bootstrap-server ${quote(`${k.advertisedHost}:${k.port}`)} upgrade ${args} 2>&1`;
  return change(`upgrade ${describeUpgrades(upgrades)} — cannot be downgraded${note}`, [exec(script(body, 'kafka-features.sh upgrade'), { timeoutMs: 180_000 })]);
}

/** The level the cluster is finalized at, kept on the host; says when a finalize is pending. */
function finalizedOutcome(k: ResolvedKafka, fact: PathFact, state: UpgradeState, finalizing: boolean, ibp: string | undefined): Outcome {
  const level = finalizing ? majorMinor(state.target) : state.finalized;
  const o = ensureFileContent(fact, { path: `${k.confDir}/${FINALIZED_FILE}`, content: `${level}\n`, owner: 'root', group: 'root', mode: '0644' });
  if (o.kind !== 'ok' || finalizing || !finalizePending(state)) return o;
  return ok(`finalize pending: Kafka ${state.target} runs at ${state.finalized}'s ${k.mode === 'kraft' ? 'feature versions (metadata.version)' : `inter.broker.protocol.version${ibp ? ` (pinned ${ibp})` : ''}`}; \`zkk upgrade finalize\` raises them (no downgrade after that)`);
}

function formatOutcome(ctx: HostContext, host: KafkaHost, facts: Facts): Outcome {
  const k = host.kafka;
  const clusterId = (ctx.prepared as KafkaRunPreparation | undefined)?.clusterId;
  const metas = k.logDirs.map((d) => ({ dir: d, id: metaClusterId((facts.get(metaProbe(d)) as { content?: string }).content) }));
  const foreign = metas.filter((m) => m.id && clusterId && m.id !== clusterId);
  if (foreign.length > 0) {
    return blocked(
      `${foreign[0]!.dir}/meta.properties has cluster.id=${foreign[0]!.id}, but this inventory's cluster id is ${clusterId}. zkk never formats over another cluster's data`,
      'restore the right cluster id file, or empty that directory yourself',
    );
  }
  const unformatted = metas.filter((m) => !m.id).map((m) => m.dir);
  if (unformatted.length === 0) return ok(`log dirs formatted (cluster ${metas[0]?.id})`);
  // plan without a cluster id file: the id is generated when deploy starts
  // --cluster-id=<id>: an id may start with '-' (base64url), which `-t <id>` reads as an option
  const id = clusterId === undefined ? '<cluster-id-generated-at-deploy>' : quote(clusterId);
  const isController = k.processRoles.includes('controller');
  // a controller joining a running dynamic quorum (not one of its voters): an observer until converge adds it (controller-membership.ts)
  const joining = isController && joiningControllers(ctx.inv, quorumSeen).some((h) => h.kafka.nodeId === k.nodeId);
  // no quorum answer, and another controller is formatted already: this one may be joining a cluster that is down —
  // formatting it as a founder would give it a voter set of its own; never guessed
  const othersFormatted = controllerHosts(ctx.inv).filter((h) => h.name !== host.name && Object.keys(h.kafka.directoryIds ?? {}).length > 0);
  if (k.quorum === 'dynamic' && isController && !quorumSeen && othersFormatted.length > 0)
    return blocked(
      `the KRaft controller quorum does not answer, and ${othersFormatted.map((h) => h.name).join(', ')} ${othersFormatted.length > 1 ? 'are' : 'is'} formatted already: zkk cannot tell whether ${host.name} joins a running quorum (--no-initial-controllers) or founds it`,
      'start the cluster (zkk start) and run zkk deploy again: a controller the quorum lists as a voter is formatted as a founder, any other joins as an observer and is added as a voter',
    );
  const dynamic = k.quorum === 'dynamic'
    ? isController && !joining ? ` --initial-controllers ${clusterId === undefined ? '<from-the-cluster-id>' : quote(initialControllers(ctx.inv, clusterId))}` : ' --no-initial-controllers'
    : '';
  // security: the admin (inter-broker) SCRAM user exists from the start; its credential comes on stdin, never in zkk's output
  const scram = addScramArgument(host, (ctx.prepared as KafkaRunPreparation | undefined)?.security);
  const format = `runuser -u ${quote(k.user)} -- env KAFKA_HEAP_OPTS=-Xmx256m LOG_DIR=${quote(k.logDir)} ${quote(`${k.installDir}/bin/kafka-storage.sh`)} format --cluster-id=${id} -c ${quote(`${k.confDir}/server.properties`)} --ignore-formatted${dynamic}`;
  const body = scram ? `IFS= read -r scram\n${format} --add-scram "$scram" 2>&1` : `${format} 2>&1`;
  const summary = `format ${unformatted.join(', ')} (cluster id ${clusterId ?? 'generated at deploy'})${joining ? ', a controller joining the running quorum (--no-initial-controllers: an observer until added as a voter)' : ''}${scram ? `, SCRAM user ${scram.user}` : ''}`;
  return change(summary, [exec(script(body, 'kafka-storage.sh format'), { timeoutMs: 120_000, ...(scram ? { stdin: `SCRAM-SHA-512=[name=${scram.user},password="${scram.password}"]\n`, stdinLabel: `the SCRAM credential of ${scram.user}` } : {}) })]);
}

/** BrokerLifecycleManager's line when initial.broker.registration.timeout.ms ran out (KRaft, 3.x and 4.x). */
const REGISTRATION_GAVE_UP = /unable to register with the controller quorum/;

/** Pure: the brokers to start again — every one that exited gave up registering (its log says so), else none. */
export function gaveUpRegistering(asked: readonly NotReady[]): NotReady[] {
  const dead = asked.filter((n) => !n.alive);
  return dead.length > 0 && dead.every((n) => REGISTRATION_GAVE_UP.test(n.cause ?? '')) ? dead : [];
}

async function waitForBrokers(inv: Inventory, live: LiveHost[], report: HandlerReporter, timeoutMs = 180_000): Promise<void> {
  const brokers = live.filter((l) => kf(l.host).processRoles.includes('broker'));
  if (brokers.length === 0) return;
  const wanted = new Set(brokers.map((b) => kf(b.host).nodeId));
  const bootstrap = brokers.map((b) => `${kf(b.host).advertisedHost}:${kf(b.host).port}`);
  // the usual wait, longer while the brokers not registered yet are alive (start-wait.ts)
  const logDir = (name: string) => kf(brokers.find((b) => b.host.name === name)!.host).logDir;
  let wait = new StartWait(timeoutMs, 'Kafka', logDir, report);
  let seen: number[] = [];
  let lastErr = '';
  let notReady: LiveHost[] = brokers;
  let startedAgain = false;
  for (;;) {
    try {
      seen = await withWire(bootstrap, async (c) => (await fetchMetadata(c)).brokers.map((b) => b.nodeId));
      // Registered is not yet serving: a ZooKeeper-mode broker writes /brokers/ids before its
      // acceptor binds the listener (seen in CI: registered, then port closed at verify).
      const closed = (await Promise.all(brokers.map(async (b) => ((await tcpOpen(b.host.address, kf(b.host).port)) ? undefined : b.host.name)))).filter(Boolean);
      if ([...wanted].every((id) => seen.includes(id)) && closed.length === 0) {
        report.info(undefined, `Kafka brokers registered and listening: ${[...wanted].sort((a, b) => a - b).join(', ')}`);
        return;
      }
      if (closed.length > 0) lastErr = `listener not accepting yet on ${closed.join(', ')}`;
      notReady = brokers.filter((b) => !seen.includes(kf(b.host).nodeId) || closed.includes(b.host.name));
    } catch (e) {
      lastErr = (e as Error).message;
      notReady = brokers;
    }
    let asked: NotReady[] = [];
    const v = await wait.verdict(async () => (asked = await processesAlive(notReady, (l) => kafkaProcessProbe(kf(l.host)), (l) => ({ dir: kf(l.host).logDir, names: ['server.log', 'kafkaServer.out'], prefer: REGISTRATION_GAVE_UP }))));
    // A KRaft broker gives up when it cannot register within initial.broker.registration.timeout.ms (60 s):
    // on a first start beside controllers still starting (a loaded or slow machine) that is not a fault of
    // the broker. Once, and only when every broker that exited says so, they are started again.
    const gaveUp = v.wait || startedAgain || kf(brokers[0]!.host).mode !== 'kraft' ? [] : gaveUpRegistering(asked);
    if (gaveUp.length > 0) {
      startedAgain = true;
      report.info(undefined, `${gaveUp.map((n) => n.name).join(', ')}: the broker gave up registering with the controller quorum while it was starting (its log: ${gaveUp[0]!.cause}); starting it again`);
      await Promise.all(
        brokers.filter((b) => gaveUp.some((n) => n.name === b.host.name)).map(async (l) => {
          const a = startService(kf(l.host).serviceName, serviceManager(l.facts.get(osProbe())));
          await l.conn.exec(a.command, a);
        }),
      );
      wait = new StartWait(timeoutMs, 'Kafka', logDir, report);
      continue;
    }
    if (!v.wait) throw new Error(`brokers did not all register within ${Math.round(wait.elapsedMs / 1000)} s (seen: ${seen.join(', ') || 'none'}${lastErr ? `; last error: ${lastErr}` : ''}; ${v.reason})`);
    await sleep(ROLL_POLL_MS);
  }
}

/** ZooKeeper mode: how many topics ZooKeeper holds (those marked for deletion left out); KRaft: 0 (nothing to compare). */
async function zookeeperTopicCount(inv: Inventory, k: ResolvedKafka): Promise<number> {
  if (k.mode !== 'zookeeper') return 0;
  const client = await connectClient(zookeeperConnect(inv, k.zookeeperChroot));
  try {
    const [topics, deleting] = await Promise.all([listChildren(client, '/brokers/topics'), listChildren(client, '/admin/delete_topics')]);
    return topics.filter((t) => !deleting.includes(t)).length;
  } finally {
    client.close();
  }
}

/** Which node is the active controller: ZooKeeper mode from /controller, KRaft from the quorum. */
async function activeController(inv: Inventory, live: LiveHost[]): Promise<number | undefined> {
  const k = kf(live[0]!.host);
  try {
    if (k.mode === 'zookeeper') {
      const zk = zookeeperConnect(inv, k.zookeeperChroot);
      const client = await connectClient(zk);
      try {
        const data = await readZnode(client, '/controller');
        return (JSON.parse(data) as { brokerid: number }).brokerid;
      } finally {
        client.close();
      }
    }
    return (await clusterQuorum(inv, live)).leaderId;
  } catch {
    return undefined;
  }
}

export { parseQuorumStatus, quorumStatus, type QuorumStatus } from './quorum.js';

/** Never take a broker down while partitions are already under-replicated (or metadata is unavailable). */
async function partitionGate(bootstrap: string[], what: string, gate: RollGate): Promise<number> {
  const before = await clusterHealth(bootstrap).catch(() => undefined);
  if (before && before.underReplicated === 0 && before.offline === 0) return 0;
  gateFailed(gate, what, `${before ? `${before.underReplicated} under-replicated, ${before.offline} offline partitions` : 'cluster metadata unavailable'} — taking a broker down now could make partitions unavailable`);
  return before?.underReplicated ?? Number.POSITIVE_INFINITY;
}

const QUORUM_GATE_WAIT_MS = 10_000;

/**
 * Never take a KRaft controller down unless the other voters caught up with the leader are still a
 * majority (quorum-gate.ts). Asked again for up to 10 s (a controller restarted a moment ago is
 * still catching up); no answer from the quorum in that time refuses as well.
 */
async function controllerQuorumGate(inv: Inventory, k: ResolvedKafka, what: string, gate: RollGate, knownDown: Iterable<number> = []): Promise<void> {
  if (k.mode !== 'kraft' || !k.processRoles.includes('controller')) return;
  const deadline = Date.now() + QUORUM_GATE_WAIT_MS;
  let why = '';
  for (;;) {
    try {
      const verdict = quorumSafeWithout(await describeClusterQuorum(inv), k.nodeId, knownDown);
      if (verdict.ok) return;
      why = verdict.reason;
    } catch (e) {
      why = `no answer from the KRaft controller quorum (${(e as Error).message}) — cannot tell whether it keeps a majority without controller ${k.nodeId}`;
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, ROLL_POLL_MS));
  }
  gateFailed(gate, what, why);
}

/** Brokers first, then controllers, the active controller last (the roll's order and the stop's). */
function stopOrder(targets: LiveHost[], controller: number | undefined): LiveHost[] {
  return rollOrder(targets, (l) => kf(l.host), controller);
}

async function rollingRestart(inv: Inventory, all: LiveHost[], targets: LiveHost[], report: HandlerReporter, gate: RollGate = DEPLOY_GATE, takeOver?: (t: LiveHost) => Command, restartWith?: (t: LiveHost) => Promise<void>): Promise<void> {
  const controller = await activeController(inv, all);
  // brokers first, then the standby controllers, the active controller last (one election, at the end);
  // a take-over: hand-built brokers already down first (they take nothing more away)
  const ordered = takeOver ? adoptionOrder(targets, (l) => kf(l.host), (l) => handRunning(l.facts, kf(l.host)), controller) : stopOrder(targets, controller);
  report.info(undefined, `Kafka ${takeOver ? 'take-over' : 'roll'} order: ${ordered.map((t) => `${t.host.name} (node ${kf(t.host).nodeId}${kf(t.host).nodeId === controller ? ', active controller' : ''})`).join(' → ')}`);
  const bootstrap = bootstrapServers(inv);
  for (const t of ordered) {
    const k = kf(t.host);
    const what = `${takeOver ? 'take-over' : 'restart'} of ${ordered.slice(ordered.indexOf(t)).map((x) => x.host.name).join(', ')}`;
    const down = takeOver && !handRunning(t.facts, k);
    // a broker already down for its take-over: the partitions it leaves under-replicated are its own
    const urpBefore = down ? 0 : await partitionGate(bootstrap, what, gate);
    await controllerQuorumGate(inv, k, what, gate);
    report.info(t.host.name, `${takeOver ? `taking over the hand-built Kafka broker ${k.nodeId}${down ? ' (down)' : ''}` : `restarting Kafka node ${k.nodeId}`}${k.nodeId === controller ? ' (active controller, last)' : ''}`);
    const restart = takeOver ? { command: takeOver(t), timeoutMs: 600_000 } : restartService(k.serviceName, serviceManager(t.facts.get(osProbe())));
    const t0 = Date.now();
    if (restartWith) await restartWith(t);
    else await t.conn.exec(restart.command, restart);
    const restartMs = Date.now() - t0;
    // back: the listener answers, the broker is registered, in the ISR again, and no partition is under-replicated
    // (forced past a failed gate: no more than before, and a node that does not get there is warned about, not fatal)
    const broker = k.processRoles.includes('broker');
    const allowed = Number.isFinite(urpBefore) ? urpBefore : 0;
    try {
      const phases = await waitUntilBack({ address: t.host.address, port: broker ? k.port : k.controllerPort, nodeId: k.nodeId, broker }, bootstrap, gate.force && urpBefore > 0 ? 90_000 : 300_000, allowed);
      // a KRaft controller: caught up with the quorum's log before the next controller goes down
      const caughtUp = k.mode === 'kraft' && k.processRoles.includes('controller') ? await waitUntilControllerCaughtUp(() => describeClusterQuorum(inv), k.nodeId, 120_000) : undefined;
      report.info(t.host.name, `Kafka back, ${allowed > 0 ? `at most ${allowed}` : 0} under-replicated partitions (${describePhases(restartMs, phases)}${caughtUp !== undefined ? `, controller caught up with the quorum ${(caughtUp / 1000).toFixed(1)} s later` : ''})`);
    } catch (e) {
      if (!gate.force) throw e;
      gate.warn?.(`--force: ${t.host.name}: ${(e as Error).message.replace(/; stopping the roll$/, '')}`);
    }
    gate.done?.(t.host.name, `${takeOver ? 'taken over' : 'restarted'} node ${k.nodeId}${k.nodeId === controller ? ' (active controller)' : ''}`);
  }
}

/** Whether the hand-built broker (or zkk's) runs on this host now, as the facts saw it. */
function handRunning(facts: Facts, k: ResolvedKafka): boolean {
  const hand = facts.get(kafkaHandProbe(k));
  return (hand?.at === 'install' && hand.pids.length > 0) || facts.get(kafkaProcessProbe(k)).running;
}

/** Take-over order: brokers already down first, then the roll's order (the active controller last). */
function adoptionOrder<T>(items: T[], node: (t: T) => ResolvedKafka, running: (t: T) => boolean, controller: number | undefined): T[] {
  const ordered = rollOrder(items, node, controller);
  return [...ordered.filter((t) => !running(t)), ...ordered.filter(running)];
}

/** The take-over script of one hand-built broker, from its facts (as plan showed it). */
function takeOverCommand(l: LiveHost): Command {
  const k = kf(l.host);
  const hand = l.facts.get(kafkaHandProbe(k));
  if (!kafkaAdoptionPending(hand)) throw new Error(`${l.host.name}: no hand-built Kafka broker left to take over`);
  return kafkaAdoptionScript(k, hand, versionedKafkaDir(k), serviceCommand(serviceManager(l.facts.get(osProbe())), k.serviceName, 'start'));
}

/** The take-over runs in converge (a restart action for its handler), one broker at a time through the roll's gates. */
function adoptOutcome(k: ResolvedKafka, hand: HandKafka, rendered: Record<string, string>, vdir: string, mgr: 'systemd' | 'sysv'): Outcome {
  return change(kafkaAdoptionSummary(k, hand, rendered, vdir), [
    { kind: 'restart', handler: ADOPT, command: kafkaAdoptionScript(k, hand, vdir, serviceCommand(mgr, k.serviceName, 'start')) },
  ]);
}

/** zkk restart | stop | start on Kafka hosts: deploy's roll and gates for restart; stop brokers first, the active controller last. */
async function kafkaDay2(action: Day2Action, inv: Inventory, all: LiveHost[], targets: LiveHost[], report: Day2Reporter, opts: Day2Options): Promise<void> {
  const running = (l: LiveHost) => l.facts.get(kafkaProcessProbe(kf(l.host))).running;
  const mgr = (l: LiveHost) => serviceManager(l.facts.get(osProbe()));
  const gate = day2Gate(report, opts);
  const startAll = async (hosts: LiveHost[]) => {
    // all at once: KRaft controllers need a majority up before any broker registers
    await Promise.all(hosts.map(async (l) => {
      report.info(l.host.name, `starting Kafka node ${kf(l.host).nodeId}`);
      const a = startService(kf(l.host).serviceName, mgr(l));
      await l.conn.exec(a.command, a);
    }));
    await Promise.all(hosts.map((l) => tcpOpenWithin(l.host.address, kf(l.host).processRoles.includes('broker') ? kf(l.host).port : kf(l.host).controllerPort, 180_000)));
    await waitForBrokers(inv, hosts, report);
    // then as after a restart: each started broker in the ISR again, every partition led; under-replicated
    // partitions back to 0 only when no broker of the cluster stays stopped
    const bootstrap = bootstrapServers(inv);
    const allUp = all.every((l) => running(l) || hosts.includes(l)) && all.length === kafkaHosts(inv).length;
    for (const l of hosts) {
      const k = kf(l.host);
      const broker = k.processRoles.includes('broker');
      await waitUntilBack({ address: l.host.address, port: broker ? k.port : k.controllerPort, nodeId: k.nodeId, broker }, bootstrap, 300_000, allUp ? 0 : Number.POSITIVE_INFINITY);
    }
    // the whole cluster started: every broker's own view settled (all brokers, all topics, 0 under-replicated) —
    // one broker's answer may come from a cache that lists the brokers before any partition (roll-wait.ts)
    if (allUp) {
      const brokers = all.filter((l) => kf(l.host).processRoles.includes('broker'));
      const endpoints = new Map(brokers.map((l) => [l.host.name, `${kf(l.host).advertisedHost}:${kf(l.host).port}`] as const));
      // ZooKeeper's topic count does not change with the start: asked until one answer, then kept (not a session per poll)
      let topics: number | undefined;
      const minTopics = async () => (topics ??= await zookeeperTopicCount(inv, kf(all[0]!.host)));
      const ms = await waitUntilSettled(endpoints, brokers.map((l) => kf(l.host).nodeId), 300_000, minTopics);
      report.info(undefined, `every broker's metadata settled ${(ms / 1000).toFixed(1)} s after the last broker was back: all brokers, all topics, 0 under-replicated`);
    }
    for (const l of hosts) report.done(l.host.name, 'changed', `started node ${kf(l.host).nodeId}`);
  };
  if (action !== 'stop') return restartOrStart(action, targets, running, report, { roll: (hosts) => rollingRestart(inv, all, hosts, report, gate), start: startAll });
  const controller = await activeController(inv, all);
  const ordered = stopOrder(targets, controller);
  const bootstrap = bootstrapServers(inv);
  // the leader may not have noticed a controller stopped a moment ago: those never count as caught up
  const down = all.filter((l) => !running(l)).map((l) => kf(l.host).nodeId);
  for (const t of ordered) {
    const k = kf(t.host);
    if (!running(t)) {
      report.done(t.host.name, 'ok', 'not running');
      continue;
    }
    const what = `stop of ${ordered.slice(ordered.indexOf(t)).map((x) => x.host.name).join(', ')}`;
    if (!opts.whole && k.processRoles.includes('broker')) await partitionGate(bootstrap, what, gate);
    if (!opts.whole) await controllerQuorumGate(inv, k, what, gate, down);
    report.info(t.host.name, `stopping Kafka node ${k.nodeId}${k.nodeId === controller ? ' (active controller, last)' : ''}`);
    const a = stopService(k.serviceName, mgr(t));
    await t.conn.exec(a.command, a);
    down.push(k.nodeId);
    report.done(t.host.name, 'changed', `stopped node ${k.nodeId}`);
  }
}

async function verifyKafka(inv: Inventory, live: LiveHost[]): Promise<VerifyCheck[]> {
  const checks: VerifyCheck[] = [];
  const k0 = kf(live[0]!.host);
  // every node's ports at once: a closed one is polled for 30 s (it may still be binding)
  const portChecks = await Promise.all(
    live.map(async (l) => {
      const k = kf(l.host);
      const out: VerifyCheck[] = [];
      if (k.processRoles.includes('broker')) {
        const open = await tcpOpenWithin(l.host.address, k.port, 30_000);
        out.push({ name: 'kafka.port', host: l.host.name, ok: open, detail: `${l.host.address}:${k.port} ${open ? 'open' : 'closed'}` });
      }
      if (k.processRoles.includes('controller') && k.mode === 'kraft') {
        const open = await tcpOpenWithin(l.host.address, k.controllerPort, 30_000);
        out.push({ name: 'kafka.controller-port', host: l.host.name, ok: open, detail: `${l.host.address}:${k.controllerPort} ${open ? 'open' : 'closed'}` });
      }
      return out;
    }),
  );
  checks.push(...portChecks.flat());
  const brokerIds = brokerHosts(inv).map((h) => h.kafka.nodeId).sort((a, b) => a - b);
  const bootstrap = bootstrapServers(inv);
  if (k0.mode === 'zookeeper') {
    const zk = zookeeperConnect(inv, k0.zookeeperChroot);
    try {
      const client = await connectClient(zk);
      try {
        const ids = await new Promise<number[]>((res, rej) => client.getChildren('/brokers/ids', (e: unknown, c?: string[]) => (e ? rej(new Error(String(e))) : res((c ?? []).map(Number)))));
        const missing = brokerIds.filter((id) => !ids.includes(id));
        checks.push({ name: 'kafka.registered', ok: missing.length === 0, detail: `${k0.zookeeperChroot}/brokers/ids: [${ids.sort((a, b) => a - b).join(', ')}]${missing.length ? `, missing ${missing.join(', ')}` : ''}` });
        const ctl = await readZnode(client, '/controller');
        checks.push({ name: 'kafka.controller', ok: true, detail: `active controller: broker ${(JSON.parse(ctl) as { brokerid: number }).brokerid}` });
      } finally {
        client.close();
      }
    } catch (e) {
      checks.push({ name: 'kafka.registered', ok: false, detail: (e as Error).message });
    }
  } else {
    const st = await clusterQuorum(inv, live);
    const voters = controllerHosts(inv).map((h) => h.kafka.nodeId);
    const missingVoters = voters.filter((v) => !st.voters.includes(v));
    checks.push({
      name: 'kafka.quorum',
      ok: st.leaderId !== undefined && st.leaderId >= 0 && missingVoters.length === 0,
      detail: st.leaderId !== undefined ? `leader ${st.leaderId}, voters [${st.voters.join(', ')}]${missingVoters.length ? `, missing ${missingVoters.join(', ')}` : ''}, max follower lag ${st.maxFollowerLag ?? '?'} (${st.via})` : `no quorum answer (${st.via})`,
    });
    try {
      // KRaft's Metadata lists the unfenced brokers only
      const ids = await withWire(bootstrap, async (c) => (await fetchMetadata(c)).brokers.map((b) => b.nodeId));
      const missing = brokerIds.filter((id) => !ids.includes(id));
      checks.push({ name: 'kafka.registered', ok: missing.length === 0, detail: `unfenced brokers: [${ids.sort((a, b) => a - b).join(', ')}]${missing.length ? `, missing ${missing.join(', ')}` : ''}` });
    } catch (e) {
      checks.push({ name: 'kafka.registered', ok: false, detail: (e as Error).message });
    }
  }
  const rf = Math.max(1, Math.min(3, brokerIds.length));
  try {
    const r = await canaryRoundTrip(bootstrap, rf, brokerIds.length);
    checks.push({
      name: 'kafka.canary',
      ok: r.consumed === r.produced,
      detail: `${r.topic} RF ${rf}: produced ${r.produced} (acks=all), consumed ${r.consumed} in ${r.ms} ms, read back by partition from leaders [${r.leaders.join(', ')}] (${r.partitions} partitions)`,
    });
  } catch (e) {
    checks.push({ name: 'kafka.canary', ok: false, detail: (e as Error).message });
  }
  return checks;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** plan: the roll (in deploy's order, each restart with its gate), take-overs and the migration waits. */
function planRollAndMigration(inv: Inventory, hosts: PlannedHost[]): string[] {
  const step = kafkaHosts(inv)[0]?.kafka.migration?.step;
  // the order deploy rolls in: brokers, then standby controllers, the active controller (as the cluster reported it at prepare) last
  const active = activeControllerSeen(membership);
  const restarting = rollOrder(
    hosts.filter((h) => h.host.kafka && h.changes.has(RESTART) && !h.changes.has(START) && h.facts.get(kafkaProcessProbe(kf(h.host))).running),
    (h) => kf(h.host),
    active,
  );
  const before =
    step === 'rollback-controllers' && migrationDecision?.step
      ? [`migration: ${STEP_TITLE[step]}`, 'after the controllers stopped: delete ZooKeeper /controller (only if the KRaft controller holds it) and /migration, then at once the brokers\' roll (each: stop, meta.properties → version 0, __cluster_metadata-0 removed, start)']
      : step && step !== 'finalize' && migrationDecision?.step
        ? [`migration: ${STEP_TITLE[step]}`, 'wait for the KRaft controller quorum (a leader, every controller a voter)']
        : [];
  const after = step === 'migrate-metadata' && migrationDecision?.step ? ['wait until ZooKeeper /migration records the metadata copied to KRaft (kraft_metadata_offset > 0): dual-write'] : step === 'finalize' && migrationDecision?.step ? ['wait for the KRaft controller quorum'] : [];
  const finalize = pendingFinalizeStep(hosts);
  // hand-built brokers: those already stopped (a take-over cut short) first, then one at a time, the active controller last
  const adopting = adoptionOrder(hosts.filter((h) => h.host.kafka && h.changes.has(ADOPT)), (h) => kf(h.host), (h) => handRunning(h.facts, kf(h.host)), active);
  const adoptLines = adopting.map((h) =>
    handRunning(h.facts, kf(h.host))
      ? `gate: 0 under-replicated and 0 offline partitions → take over ${h.host.name} (broker ${kf(h.host).nodeId}${kf(h.host).nodeId === active ? ', the active controller, last' : ''}): stop the hand-started broker (controlled shutdown), move its data, start zkk's service (${ADOPT}) → wait until it is back under zkk's service, in the ISR, and 0 under-replicated`
      : `take over ${h.host.name} (broker ${kf(h.host).nodeId}, down: no gate, it takes nothing more away) (${ADOPT}) → wait until it is back under zkk's service, in the ISR, and 0 under-replicated`,
  );
  const waitRegistered = `wait until every broker${adopting.some((h) => !handRunning(h.facts, kf(h.host))) ? ' not down for its take-over' : ''} is registered and listening`;
  // dynamic quorum: the controllers deploy adds as voters, one at a time, before any restart
  const joins = joiningControllers(inv, quorumSeen).map(joinPlanLine);
  if (restarting.length === 0) return [...before, ...(adoptLines.length ? [waitRegistered, ...adoptLines] : []), ...joins, ...after, ...(finalize ? [finalize] : [])];
  const role = (k: ResolvedKafka) => (k.processRoles.length === 2 ? 'broker+controller' : k.processRoles[0]!);
  return [
    ...before,
    waitRegistered,
    ...adoptLines,
    ...joins,
    ...restarting.map((h) => `gate: 0 under-replicated and 0 offline partitions${kf(h.host).mode === 'kraft' && kf(h.host).processRoles.includes('controller') ? ', the other caught-up controllers a majority of the quorum' : ''} → restart ${h.host.name} (node ${kf(h.host).nodeId}, ${role(kf(h.host))}${kf(h.host).nodeId === active ? ', the active controller, last' : ''}) → wait until it is back and 0 under-replicated`),
    ...(restarting.length > 1 && active === undefined ? ['(brokers first, then controllers; the active controller is restarted last)'] : []),
    ...after,
    ...(finalize ? [finalize] : []),
  ];
}

/** The rollback's roll, per broker: stop and fix the storage; once the old /brokers/ids/<id> is gone, start. */
async function restartInZookeeperMode(inv: Inventory, t: LiveHost, report: HandlerReporter): Promise<void> {
  const k = kf(t.host);
  const mgr = serviceManager(t.facts.get(osProbe()));
  const stop = stopForZookeeperMode(k, mgr);
  await t.conn.exec(stop.command, stop);
  const ms = await waitForZnodeGone(inv, k, `/brokers/ids/${k.nodeId}`);
  if (ms > 1000) report.info(t.host.name, `waited ${(ms / 1000).toFixed(1)} s for the stopped broker's ZooKeeper session to expire (/brokers/ids/${k.nodeId})`);
  const start = startService(k.serviceName, mgr);
  await t.conn.exec(start.command, start);
}

/** Every running broker applied the new ZooKeeper-mode controller's metadata (30 s at most; then the roll's own waits cover it). */
async function waitUntilBrokersKnowController(brokers: LiveHost[], c: ElectedController, report: HandlerReporter, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  let pending = brokers;
  while (pending.length > 0 && Date.now() - t0 < timeoutMs) {
    const counts = await Promise.all(pending.map(async (l) => {
      const a = knowsControllerCommand(kf(l.host), c);
      const r = await l.conn.exec(a.command, a);
      return Number(r.stdout.trim()) || 0;
    }));
    pending = pending.filter((_, i) => counts[i] === 0);
    if (pending.length > 0) await sleep(500);
  }
  report.info(undefined, pending.length === 0 ? `every broker has the ZooKeeper-mode controller ${c.brokerId}'s metadata (${((Date.now() - t0) / 1000).toFixed(1)} s)` : `${pending.map((l) => l.host.name).join(', ')}: no UpdateMetadata from controller ${c.brokerId} within ${timeoutMs / 1000} s; rolling anyway`);
}

async function convergeRollAndMigration(inv: Inventory, live: LiveHost[], report: HandlerReporter): Promise<void> {
  const kLive = live.filter((l) => l.host.kafka);
  const toRestart = kLive.filter((l) => l.changed.has(RESTART) && !l.changed.has(START) && l.facts.get(kafkaProcessProbe(kf(l.host))).running);
  // zkk migrate: the controllers' quorum before any broker rolls towards it; after the brokers' roll in
  // migration mode, the metadata copy recorded as done in ZooKeeper
  const k0 = kafkaHosts(inv)[0]?.kafka;
  const step = migrationDecision?.step ? k0?.migration?.step : undefined;
  if (step && step !== 'finalize' && step !== 'rollback-controllers') await waitForControllerQuorum(inv, report);
  // the rollback's last step: the controllers went in apply; ZooKeeper's /migration and /controller
  // (KRaft's) go now; once a broker won the ZooKeeper-mode election and every broker has its
  // metadata, the brokers roll at once
  if (step === 'rollback-controllers') {
    const elected = await clearMigrationZnodes(inv, brokerHosts(inv)[0]!.kafka, report);
    if (elected) await waitUntilBrokersKnowController(kLive.filter((l) => kf(l.host).processRoles.includes('broker') && l.facts.get(kafkaProcessProbe(kf(l.host))).running), elected, report);
  }
  // a hand-built broker a cut-short take-over left stopped is not waited for: its take-over starts it
  const adopting = kLive.filter((l) => l.changed.has(ADOPT));
  // ZooKeeper mode with security: the brokers' inter-broker user before any of them starts
  if (k0?.mode === 'zookeeper' && !k0.migration && securityRun && kLive.some((l) => l.host.security)) {
    if ((await ensureZookeeperScram(inv, k0, securityRun.adminUser, securityRun.adminPassword)) === 'created') report.info(undefined, `SCRAM-SHA-512 credential of ${securityRun.adminUser} written to ZooKeeper ${k0.zookeeperChroot}/config/users (salted; the password itself is not stored)`);
    const starting = kLive.filter((l) => l.changed.has(SECURE_START));
    await Promise.all(starting.map(async (l) => {
      report.info(l.host.name, `starting Kafka broker ${kf(l.host).nodeId}`);
      const a = startService(kf(l.host).serviceName, serviceManager(l.facts.get(osProbe())));
      await l.conn.exec(a.command, a);
    }));
  }
  await waitForBrokers(inv, kLive.filter((l) => (!adopting.includes(l) || handRunning(l.facts, kf(l.host))) && !kf(l.host).migration?.deprovision), report);
  if (adopting.length > 0) await rollingRestart(inv, kLive, adopting, report, DEPLOY_GATE, takeOverCommand);
  // dynamic quorum: new controllers (started as observers in apply) become voters, one at a time
  if (!step && joiningControllers(inv, quorumSeen).length) await addJoiningControllers(inv, kLive, report, preparedClusterId);
  const zookeeperMode = step === 'rollback-controllers' ? (t: LiveHost) => restartInZookeeperMode(inv, t, report) : undefined;
  if (toRestart.length > 0) await rollingRestart(inv, kLive.filter((l) => !kf(l.host).migration?.deprovision), toRestart, report, DEPLOY_GATE, undefined, zookeeperMode);
  if (step === 'migrate-metadata') await waitForMetadataMigrated(inv, brokerHosts(inv)[0]!.kafka, report);
  if (step === 'finalize') await waitForControllerQuorum(inv, report);
}
