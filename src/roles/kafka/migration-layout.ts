/**
 * `zkk migrate` in the Kafka role: from every Kafka host's server.properties (the facts) and
 * ZooKeeper's /migration znode, where the migration is and which step this run renders; each
 * host's resolved settings then carry that step's layout (a broker still in ZooKeeper mode has
 * mode 'zookeeper'). Without `zkk migrate`, a KRaft inventory over hosts still (partly) in
 * ZooKeeper mode is refused: deploy never starts or finalizes a migration by itself.
 */
import type { Facts } from '../../facts/gather.js';
import { javaProbe, pathProbe } from '../../facts/probes.js';
import { ExitCode, ZkkError } from '../../errors/zkk-error.js';
import type { Inventory, ResolvedKafka } from '../../inventory/resolve.js';
import { brokerHosts, controllerHosts, kafkaHosts, kafkaReleasesPrefix, type KafkaHost } from './config.js';
import { brokerLayout, chooseRollbackStep, chooseStep, controllerLayout, migrationNeededError, migrationState, STEP_LAYOUT, type MigrationIntent, type MigrationObservation, type MigrationState, type MigrationStep, type MigrationZnode } from './migration.js';
import { majorMinor, versionOfDir } from './upgrade.js';
import { metaProbe } from './identities.js';

/** What prepare read for a `zkk migrate` run. */
export interface MigrationRun {
  intent: MigrationIntent;
  znode: MigrationZnode | undefined | null;
}

/** The decision of one run, for the plan's `kafka.migration` step. */
export interface MigrationDecision {
  state: MigrationState;
  step?: MigrationStep;
}

const configContent = (k: ResolvedKafka, facts: Facts | undefined): string | undefined => {
  if (!facts) return undefined;
  const f = facts.get(pathProbe(`${k.confDir}/server.properties`, true));
  return f.kind === 'file' ? (f.content ?? '') : undefined;
};

/** The inventory must describe the target: KRaft on 3.9 with dedicated controllers and a static quorum. */
export function checkMigrationTarget(inv: Inventory): void {
  const hosts = kafkaHosts(inv);
  const k = hosts[0]?.kafka;
  const fail = (msg: string, hint: string) => {
    throw new ZkkError('MIGRATION_TARGET', `zkk migrate: ${msg}`, { exitCode: ExitCode.usage, hint });
  };
  if (!k) return fail('the inventory has no Kafka hosts', 'describe the target cluster: kafka.mode: kraft, the brokers and kafka-controller hosts');
  if (k.mode !== 'kraft') return fail(`the inventory says kafka.mode: ${k.mode}`, 'the inventory describes the target: set kafka.mode: kraft and add kafka-controller hosts');
  if (majorMinor(k.version) !== '3.9') return fail(`the migration runs on Kafka 3.9 (the inventory says ${k.version})`, 'keep kafka.version at 3.9.x for the migration; move to 4.x after --finalize (zkk upgrade)');
  if (k.quorum !== 'static') return fail('zkk migrate provisions a static controller quorum (controller.quorum.voters)', 'remove kafka.quorum: dynamic for the migration');
  if (hosts.some((h) => h.security))
    return fail('a cluster with security: (TLS, SCRAM, ACLs) is not migrated by zkk yet: the controllers would need the inter-broker user, mTLS between them and the brokers, and the authorizer moved from AclAuthorizer to StandardAuthorizer mid-way', 'migrate by hand following the upstream guide, or wait for zkk to support it');
  const combined = hosts.filter((h) => h.kafka.processRoles.length > 1);
  if (combined.length > 0 || controllerHosts(inv).length === 0)
    return fail(`the migration needs dedicated KRaft controllers${combined.length ? ` (${combined.map((h) => h.name).join(', ')} would be broker and controller)` : ''}`, 'add 3 hosts with role kafka-controller (their node ids must differ from every broker.id)');
}

export function observeMigration(inv: Inventory, facts: ReadonlyMap<number, Facts>, znode: MigrationObservation['znode']): MigrationObservation {
  return {
    brokers: brokerHosts(inv).map((h) => ({ host: h.name, layout: brokerLayout(configContent(h.kafka, facts.get(h.index))) })),
    controllers: controllerHosts(inv).map((h) => ({ host: h.name, layout: controllerLayout(configContent(h.kafka, facts.get(h.index))) })),
    znode,
  };
}

/** Brokers at 3.9.x with inter.broker.protocol.version not pinned below it (upstream's precondition). */
function checkBrokersReady(inv: Inventory, facts: ReadonlyMap<number, Facts>): void {
  const problems = brokerHosts(inv).flatMap((h) => {
    const f = facts.get(h.index);
    if (!f) return [`${h.name}: not reached`];
    const link = f.get(pathProbe(h.kafka.installDir));
    const running = versionOfDir(link.kind === 'link' ? link.target : undefined, kafkaReleasesPrefix(h.kafka));
    const ibp = /^\s*inter\.broker\.protocol\.version\s*=\s*(\S+)/m.exec(configContent(h.kafka, f) ?? '')?.[1];
    return [
      ...(running && majorMinor(running) !== '3.9' ? [`${h.name}: Kafka ${running} installed (3.9.x needed)`] : []),
      ...(ibp && !ibp.startsWith('3.9') ? [`${h.name}: inter.broker.protocol.version=${ibp} (3.9 needed)`] : []),
    ];
  });
  if (problems.length > 0)
    throw new ZkkError('MIGRATION_PRECONDITION', `zkk migrate: the brokers are not ready for the migration: ${problems.join('; ')}`, {
      exitCode: ExitCode.usage,
      hint: 'finish the upgrade to 3.9 first: zkk deploy with kafka.mode: zookeeper and version 3.9.x, then zkk upgrade finalize',
    });
}

/** Kafka 4, the step after the finalize, needs Java 17 on every node; the new controllers start on it (KIP-750). */
const CONTROLLER_JAVA_MIN = 17;

/**
 * The new controllers run Java 17 or newer (as the hosts report it: the java on the PATH, or
 * java.archive's): a controller provisioned on an older Java would have to be restarted onto a
 * new one before the upgrade to Kafka 4, in the middle of a cluster that depends on it. A host
 * whose Java was not read is not judged here (the Java role reports it).
 */
function checkControllersJava(inv: Inventory, facts: ReadonlyMap<number, Facts>): void {
  const probe = inv.java.archive ? javaProbe(`${inv.java.home}/bin/java`) : javaProbe();
  const old = controllerHosts(inv).flatMap((h) => {
    const f = facts.get(h.index);
    const j = f?.has(probe.key) ? f.get(probe) : undefined;
    return j?.feature !== undefined && j.feature < CONTROLLER_JAVA_MIN ? [`${h.name}: Java ${j.version}`] : [];
  });
  if (old.length > 0)
    throw new ZkkError('MIGRATION_PRECONDITION', `zkk migrate: the new KRaft controllers need Java ${CONTROLLER_JAVA_MIN} (Kafka 4, the step after the migration, runs on 17+ only): ${old.join('; ')}`, {
      exitCode: ExitCode.usage,
      hint: `set java.minVersion: ${CONTROLLER_JAVA_MIN} in the inventory (with java.install: auto zkk installs it), or point java.archive at a Java ${CONTROLLER_JAVA_MIN} tarball, then run zkk migrate again`,
    });
}

/**
 * Settle the migration for this run: without `zkk migrate`, refuse a KRaft inventory over
 * ZooKeeper-mode hosts; with it, choose the step and give every host its layout.
 */
export function settleMigration(inv: Inventory, facts: ReadonlyMap<number, Facts>, run: MigrationRun | undefined): { inv: Inventory; decision?: MigrationDecision } {
  const k = kafkaHosts(inv)[0]?.kafka;
  if (!k) return { inv };
  if (k.mode !== 'kraft') {
    refuseZookeeperInventoryMidMigration(inv, facts);
    return { inv };
  }
  const o = observeMigration(inv, facts, run?.znode ?? null);
  if (!run) {
    const reached = (name: string) => facts.has(inv.hosts.find((h) => h.name === name)!.index);
    const zkBrokers = o.brokers.filter((b) => reached(b.host) && (b.layout === 'zk' || b.layout === 'zk-migrating'));
    const migratingControllers = o.controllers.filter((c) => reached(c.host) && c.layout === 'migrating');
    if (zkBrokers.length > 0 || migratingControllers.length > 0) {
      const full = { ...o, brokers: o.brokers.map((b) => (b.layout === 'absent' ? { ...b, layout: 'zk' as const } : b)) };
      throw migrationNeededError(safeState(full));
    }
    return { inv };
  }
  const unreached = kafkaHosts(inv).filter((h) => !facts.has(h.index)).map((h) => h.name);
  if (unreached.length > 0)
    throw new ZkkError('MIGRATION_HOST_DOWN', `zkk migrate needs every Kafka host; not reached: ${unreached.join(', ')}`, { exitCode: ExitCode.connection, hint: 'bring the host back (or fix its SSH), then run zkk migrate again: it continues from what the hosts show' });
  checkMigrationTarget(inv);
  const rollback = run.intent.action === 'rollback';
  const state = rollback ? safeState(o) : migrationState(o);
  const step = rollback ? chooseRollbackStep(o, state, run.intent.step) : chooseStep(o, state, run.intent);
  if (!rollback && (state.phase === 'zookeeper-mode' || state.phase === 'preparing')) {
    checkBrokersReady(inv, facts);
    checkControllersJava(inv, facts);
  }
  if (step === 'prepare') checkNoLeftoverStorage(inv, facts, o);
  // nothing to run: every host keeps the layout it has (ready to finalize, or finalized; rolled back)
  const rendered: MigrationStep = step ?? (rollback ? 'rollback-controllers' : state.phase === 'kraft' ? 'finalize' : 'brokers-kraft');
  const layout = STEP_LAYOUT[rendered];
  const withLayout = (h: KafkaHost): ResolvedKafka => {
    const isController = h.kafka.processRoles.includes('controller');
    if (isController) return { ...h.kafka, migration: { step: rendered, migrating: layout.controller === 'migrating', ...(layout.controller === 'absent' ? { deprovision: true } : {}) } };
    const zk = layout.broker !== 'kraft';
    return { ...h.kafka, mode: zk ? 'zookeeper' : 'kraft', migration: { step: rendered, migrating: layout.broker === 'zk-migrating' } };
  };
  return {
    inv: { ...inv, hosts: inv.hosts.map((h) => (h.kafka ? { ...h, kafka: withLayout(h as KafkaHost) } : h)) },
    decision: { state, step },
  };
}

/**
 * A ZooKeeper-mode inventory over brokers that run KRaft or the migration: rendering plain
 * ZooKeeper mode there would roll them out of the migration without its rollback's order (the
 * controllers first, ZooKeeper's /controller and /migration, meta.properties): refused.
 */
function refuseZookeeperInventoryMidMigration(inv: Inventory, facts: ReadonlyMap<number, Facts>): void {
  const mid = brokerHosts(inv).flatMap((h) => {
    const layout = brokerLayout(configContent(h.kafka, facts.get(h.index)));
    return layout === 'zk-migrating' || layout === 'kraft' ? [`${h.name} (${layout === 'kraft' ? 'KRaft' : 'ZooKeeper mode with the migration enabled'})`] : [];
  });
  if (mid.length > 0)
    throw new ZkkError('MIGRATION_IN_PROGRESS', `this inventory says kafka.mode: zookeeper, but a ZooKeeper → KRaft migration is under way: ${mid.join(', ')}`, {
      exitCode: ExitCode.usage,
      hint: 'go on with zkk migrate <the KRaft inventory>, or roll back with zkk migrate <the KRaft inventory> --rollback; deploy this inventory after the rollback',
    });
}

/**
 * A controller about to be provisioned (prepare) must not find KRaft storage from an earlier
 * attempt: formatting skips a formatted dir, and a quorum started on an old metadata log would
 * not copy ZooKeeper's metadata again. A rollback sets that dir aside; one left in place is refused.
 */
function checkNoLeftoverStorage(inv: Inventory, facts: ReadonlyMap<number, Facts>, o: MigrationObservation): void {
  const absent = new Set(o.controllers.filter((c) => c.layout === 'absent').map((c) => c.host));
  const left = controllerHosts(inv).flatMap((h) => {
    if (!absent.has(h.name)) return [];
    const f = facts.get(h.index);
    return h.kafka.logDirs.filter((d) => !!f && f.has(metaProbe(d).key) && f.get(metaProbe(d)).kind === 'file').map((d) => `${h.name}: ${d}/meta.properties`);
  });
  if (left.length > 0)
    throw new ZkkError('MIGRATION_LEFTOVER_STORAGE', `zkk migrate: new KRaft controllers would start on metadata from an earlier attempt: ${left.join('; ')}`, {
      exitCode: ExitCode.usage,
      hint: 'move those dirs aside (zkk migrate --rollback does: <dir>.zkk-rolled-back-<date>) so the controllers are formatted afresh, then run zkk migrate again',
    });
}

function safeState(o: MigrationObservation): MigrationState {
  try {
    return migrationState(o);
  } catch {
    return { phase: 'migrating-metadata', summary: 'brokers and controllers disagree about the migration' };
  }
}

/** The `kafka.migration` step's detail: `phase=<phase> step=<step|none>: <summary>` (zkk migrate reads it back). */
export function decisionDetail(d: MigrationDecision): string {
  return `phase=${d.state.phase} step=${d.step ?? 'none'}: ${d.state.summary}`;
}

export function parseDecisionDetail(detail: string): { phase: MigrationState['phase']; step?: MigrationStep; summary: string } | undefined {
  const m = /^phase=(\S+) step=(\S+): (.*)$/s.exec(detail);
  if (!m) return undefined;
  return { phase: m[1] as MigrationState['phase'], ...(m[2] !== 'none' ? { step: m[2] as MigrationStep } : {}), summary: m[3]! };
}
