/**
 * The ZooKeeper → KRaft migration (KIP-866, Kafka 3.9) as phases read from the hosts: what each
 * broker's and controller's server.properties says (ZooKeeper mode, ZooKeeper mode with the
 * migration enabled, KRaft; a controller with or without the migration) and whether ZooKeeper's
 * /migration znode records the metadata copy as done. From those alone (never a local file) it
 * decides where the cluster is and which step runs next; each step renders every host's layout,
 * so running a step again finishes what a killed run left (pure: no connection here).
 */
import { ExitCode, ZkkError } from '../../errors/zkk-error.js';
import type { MigrationIntent } from '../role.js';

export type { MigrationIntent };

export type BrokerLayout = 'absent' | 'zk' | 'zk-migrating' | 'kraft';
export type ControllerLayout = 'absent' | 'migrating' | 'final';

/** The steps `zkk migrate` runs, in order (finalize only with --finalize). */
export type MigrationStep = NonNullable<MigrationIntent['step']>;
export const MIGRATION_STEPS: readonly MigrationStep[] = ['prepare', 'migrate-metadata', 'brokers-kraft', 'finalize'];

export type MigrationPhase =
  | 'zookeeper-mode' // nothing done
  | 'preparing' // some controllers provisioned
  | 'controllers-ready' // every controller in migration mode, brokers still plain ZooKeeper mode
  | 'migrating-metadata' // brokers rolling with the migration settings, or the copy not done yet
  | 'dual-write' // every broker ZooKeeper mode with migration, metadata copied: KRaft controller writes to ZooKeeper too
  | 'brokers-to-kraft' // some brokers KRaft
  | 'ready-to-finalize' // every broker KRaft, controllers still in migration mode (last point to roll back)
  | 'kraft'; // finalized

export interface MigrationObservation {
  brokers: { host: string; layout: BrokerLayout }[];
  controllers: { host: string; layout: ControllerLayout }[];
  /** ZooKeeper's /migration znode (under the chroot): undefined when absent, null when it could not be read. */
  znode: MigrationZnode | undefined | null;
}

export interface MigrationZnode {
  kraftControllerId: number;
  kraftMetadataOffset: number;
}

export interface MigrationState {
  phase: MigrationPhase;
  /** The step `zkk migrate` runs next (undefined: nothing for `continue`). */
  step?: MigrationStep;
  /** One sentence: where the cluster is. */
  summary: string;
}

/** Layouts each step renders (a controller 'absent': deprovisioned, its data set aside). */
export const STEP_LAYOUT: Record<MigrationStep, { broker: Exclude<BrokerLayout, 'absent'>; controller: ControllerLayout }> = {
  prepare: { broker: 'zk', controller: 'migrating' },
  'migrate-metadata': { broker: 'zk-migrating', controller: 'migrating' },
  'brokers-kraft': { broker: 'kraft', controller: 'migrating' },
  finalize: { broker: 'kraft', controller: 'final' },
  'rollback-brokers': { broker: 'zk-migrating', controller: 'migrating' },
  'rollback-controllers': { broker: 'zk', controller: 'absent' },
};

export const STEP_TITLE: Record<MigrationStep, string> = {
  prepare: 'phase 1/5 prepare: provision the KRaft controllers (formatted with the cluster id, migration enabled, ZooKeeper connection) and wait for their quorum',
  'migrate-metadata': 'phase 2/5 migrate metadata: roll the brokers with the migration settings and the controller quorum, then wait until the controller has copied the metadata from ZooKeeper (dual-write)',
  'brokers-kraft': 'phase 3/5 brokers to KRaft: roll the brokers into KRaft mode (process.roles=broker, node.id = broker.id, no zookeeper.connect), one at a time',
  finalize: 'phase 5/5 finalize: roll the controllers without the migration and ZooKeeper settings — IRREVERSIBLE',
  'rollback-brokers': 'rollback 1/2: roll the KRaft brokers back to ZooKeeper mode with the migration still enabled (broker.id, zookeeper.connect), one at a time; the controllers stay',
  'rollback-controllers':
    'rollback 2/2: stop and remove the KRaft controllers (their config and metadata set aside, not deleted), delete ZooKeeper /controller (if KRaft holds it) and /migration, then roll the brokers without the migration settings (meta.properties back to version 0, the metadata log replica removed)',
};

const propValue = (content: string, key: string): string | undefined => {
  const m = new RegExp(`^\\s*${key.replace(/\./g, '\\.')}\\s*[=:]\\s*(.*)$`, 'm').exec(content);
  return m?.[1]?.trim();
};

const migrationEnabled = (content: string) => propValue(content, 'zookeeper.metadata.migration.enable') === 'true';

/** A broker host's layout from its server.properties (undefined: no file). */
export function brokerLayout(content: string | undefined): BrokerLayout {
  if (content === undefined) return 'absent';
  if (propValue(content, 'process.roles') !== undefined) return 'kraft';
  return migrationEnabled(content) ? 'zk-migrating' : 'zk';
}

/** A controller host's layout: a KRaft controller config with or without the migration. */
export function controllerLayout(content: string | undefined): ControllerLayout {
  if (content === undefined || !propValue(content, 'process.roles')?.includes('controller')) return 'absent';
  return migrationEnabled(content) ? 'migrating' : 'final';
}

/** The /migration znode's JSON (core's MigrationZNode); the copy is done once kraft_metadata_offset > 0. */
export function parseMigrationZnode(json: string): MigrationZnode | undefined {
  try {
    const j = JSON.parse(json) as Record<string, unknown>;
    if (typeof j.kraft_metadata_offset !== 'number') return undefined;
    return { kraftControllerId: Number(j.kraft_controller_id), kraftMetadataOffset: j.kraft_metadata_offset };
  } catch {
    return undefined;
  }
}

export const metadataMigrated = (z: MigrationZnode | undefined | null): boolean => !!z && z.kraftMetadataOffset > 0;

const count = (n: number, of: number, what: string) => `${n} of ${of} ${what}`;

/** Where the cluster is and what runs next, from the hosts alone. */
export function migrationState(o: MigrationObservation): MigrationState {
  const b = (l: BrokerLayout) => o.brokers.filter((x) => x.layout === l).length;
  const c = (l: ControllerLayout) => o.controllers.filter((x) => x.layout === l).length;
  const nb = o.brokers.length;
  const nc = o.controllers.length;
  const absent = o.brokers.filter((x) => x.layout === 'absent').map((x) => x.host);
  if (absent.length > 0)
    throw new ZkkError('MIGRATION_BROKER_NEW', `zkk migrate moves a running ZooKeeper-mode cluster; ${absent.join(', ')} has no Kafka configuration yet`, {
      exitCode: ExitCode.usage,
      hint: 'migrate the existing brokers first; add new brokers with zkk deploy after the migration',
    });
  if (c('final') > 0 && b('kraft') < nb)
    throw new ZkkError('MIGRATION_INCONSISTENT', `${o.controllers.filter((x) => x.layout === 'final').map((x) => x.host).join(', ')}: KRaft controller without the migration while ${nb - b('kraft')} broker(s) are still in ZooKeeper mode`, {
      exitCode: ExitCode.usage,
      hint: 'the controllers must keep zookeeper.metadata.migration.enable=true until every broker runs KRaft; put it back in their server.properties and restart them',
    });
  if (b('kraft') === nb) {
    if (c('final') === nc) return { phase: 'kraft', summary: 'migrated: brokers and controllers run KRaft without ZooKeeper' };
    return { phase: 'ready-to-finalize', step: 'finalize', summary: `every broker runs KRaft; ${count(c('migrating'), nc, 'controllers')} still in migration mode (dual-write to ZooKeeper) — the last point where a rollback to ZooKeeper is possible` };
  }
  if (b('kraft') > 0) return { phase: 'brokers-to-kraft', step: 'brokers-kraft', summary: `${count(b('kraft'), nb, 'brokers')} in KRaft mode, the others in ZooKeeper mode with the migration (dual-write)` };
  if (b('zk-migrating') === nb && metadataMigrated(o.znode))
    return { phase: 'dual-write', step: 'brokers-kraft', summary: `metadata migrated to KRaft (controller ${o.znode!.kraftControllerId}, offset ${o.znode!.kraftMetadataOffset}); brokers in ZooKeeper mode with the migration; dual-write` };
  if (b('zk-migrating') > 0)
    return { phase: 'migrating-metadata', step: 'migrate-metadata', summary: `${count(b('zk-migrating'), nb, 'brokers')} configured with the migration settings; ${o.znode === null ? 'ZooKeeper /migration unreadable' : 'metadata copy not recorded as done in ZooKeeper /migration yet'}` };
  if (c('migrating') === nc) return { phase: 'controllers-ready', step: 'migrate-metadata', summary: `${nc} KRaft controllers provisioned in migration mode; brokers in ZooKeeper mode` };
  if (c('migrating') > 0) return { phase: 'preparing', step: 'prepare', summary: `${count(c('migrating'), nc, 'KRaft controllers')} provisioned; brokers in ZooKeeper mode` };
  return { phase: 'zookeeper-mode', step: 'prepare', summary: 'ZooKeeper mode: no KRaft controller provisioned yet' };
}

const brokerRank: Record<BrokerLayout, number> = { absent: 0, zk: 0, 'zk-migrating': 1, kraft: 2 };
const controllerRank: Record<ControllerLayout, number> = { absent: 0, migrating: 0, final: 1 };

/**
 * The step this run renders: `continue` runs the next one (finalize only when asked); a step the
 * user confirmed runs only if no host is past it (re-running a finished step is a no-op).
 */
export function chooseStep(o: MigrationObservation, state: MigrationState, intent: MigrationIntent): MigrationStep | undefined {
  const wanted = intent.step ?? (intent.action === 'finalize' ? (state.phase === 'ready-to-finalize' ? 'finalize' : undefined) : state.step === 'finalize' ? undefined : state.step);
  if (intent.action === 'finalize' && state.phase !== 'ready-to-finalize' && state.phase !== 'kraft')
    throw new ZkkError('MIGRATION_FINALIZE_EARLY', `zkk migrate --finalize: the cluster is not ready (${state.summary})`, { exitCode: ExitCode.usage, hint: 'run zkk migrate (without --finalize) until every broker runs KRaft' });
  if (!wanted) return undefined;
  const layout = STEP_LAYOUT[wanted];
  const ahead = [
    ...o.brokers.filter((x) => brokerRank[x.layout] > brokerRank[layout.broker]).map((x) => `${x.host} (${x.layout})`),
    ...o.controllers.filter((x) => controllerRank[x.layout] > controllerRank[layout.controller]).map((x) => `${x.host} (${x.layout})`),
  ];
  if (ahead.length > 0)
    throw new ZkkError('MIGRATION_MOVED_ON', `migration step ${wanted}: ${ahead.join(', ')} already past it (${state.summary})`, { exitCode: ExitCode.usage, hint: 'run zkk migrate again: it reads where the cluster is now' });
  if (intent.step && STEP_ORDER(intent.step) > STEP_ORDER(state.step ?? 'finalize'))
    throw new ZkkError('MIGRATION_NOT_READY', `migration step ${intent.step} asked, but the cluster is at: ${state.summary}`, { exitCode: ExitCode.usage, hint: 'run zkk migrate again: it reads where the cluster is now' });
  return wanted;
}

const STEP_ORDER = (s: MigrationStep) => MIGRATION_STEPS.indexOf(s);

/**
 * `zkk migrate --rollback`: the next rollback step from the hosts (upstream's "Reverting to ZooKeeper
 * mode During the Migration"): KRaft brokers first go back to ZooKeeper mode with the migration
 * (the controllers still needed), then the controllers go and the brokers drop the migration.
 * Undefined: nothing left to roll back. A finalized cluster, or KRaft brokers without their
 * controllers, are refused.
 */
export function chooseRollbackStep(o: MigrationObservation, state: MigrationState, confirmed?: MigrationStep): MigrationStep | undefined {
  if (state.phase === 'kraft')
    throw new ZkkError('MIGRATION_FINALIZED', 'zkk migrate --rollback: the migration is finalized; there is no way back to ZooKeeper mode', { exitCode: ExitCode.usage });
  const kraft = o.brokers.filter((b) => b.layout === 'kraft');
  const gone = o.controllers.filter((c) => c.layout === 'absent');
  if (kraft.length > 0 && gone.length > 0)
    throw new ZkkError('MIGRATION_INCONSISTENT', `zkk migrate --rollback: ${kraft.map((b) => b.host).join(', ')} run KRaft while the controllers ${gone.map((c) => c.host).join(', ')} have no configuration`, {
      exitCode: ExitCode.usage,
      hint: 'KRaft brokers need their controller quorum to go back to ZooKeeper mode: restore the controllers\' server.properties (and their metadata dir, set aside as <dir>.zkk-rolled-back-<date>), then run zkk migrate --rollback again',
    });
  const step: MigrationStep | undefined =
    kraft.length > 0 ? 'rollback-brokers' : o.brokers.some((b) => b.layout === 'zk-migrating') || gone.length < o.controllers.length || (o.znode !== undefined && o.znode !== null) ? 'rollback-controllers' : undefined;
  if (confirmed && confirmed !== step)
    throw new ZkkError('MIGRATION_MOVED_ON', `rollback step ${confirmed} asked, but the cluster is at: ${state.summary}`, { exitCode: ExitCode.usage, hint: 'run zkk migrate --rollback again: it reads where the cluster is now' });
  return step;
}

/** After the rollback: what the hosts show and what to do next. */
export function rolledBackStatement(file: string): string[] {
  return [
    'rolled back: every broker runs ZooKeeper mode without the migration; the KRaft controllers are stopped and removed (their config and metadata set aside as <dir>.zkk-backup-<date> / <dir>.zkk-rolled-back-<date>); ZooKeeper /migration is gone.',
    'next: zkk deploy <the ZooKeeper-mode inventory> (kafka.mode: zookeeper, without the kafka-controller hosts) should change nothing; ' + `zkk migrate ${file} starts the migration again from phase 1 (new controllers, formatted afresh).`,
  ];
}

/** The phases in order, the current one marked (plan, the refusal of deploy, status). */
export function describePhases(state: MigrationState): string[] {
  const at: Record<MigrationPhase, number> = { 'zookeeper-mode': 0, preparing: 0, 'controllers-ready': 1, 'migrating-metadata': 1, 'dual-write': 2, 'brokers-to-kraft': 2, 'ready-to-finalize': 3, kraft: 5 };
  const lines = [STEP_TITLE.prepare, STEP_TITLE['migrate-metadata'], STEP_TITLE['brokers-kraft'], 'phase 4/5 stop: zkk prints the state and how to roll back; nothing irreversible has happened', STEP_TITLE.finalize];
  return lines.map((l, i) => `${i < at[state.phase] ? 'done ' : i === at[state.phase] ? 'next ' : '     '} ${l}`);
}

/** How to go back to ZooKeeper mode from this phase (upstream's "Reverting to ZooKeeper mode During the Migration"), as zkk migrate --rollback runs it. */
export function rollbackInstructions(phase: MigrationPhase, file: string): string[] {
  const cmd = `zkk migrate ${file} --rollback (each step shown and confirmed)`;
  switch (phase) {
    case 'zookeeper-mode':
      return ['nothing to roll back'];
    case 'preparing':
    case 'controllers-ready':
      return [`${cmd}: stops and removes the KRaft controllers (config and metadata set aside); the brokers are not restarted`];
    case 'migrating-metadata':
    case 'dual-write':
      return [`${cmd}: ${STEP_TITLE['rollback-controllers'].replace(/^rollback 2\/2: /, '')}`];
    case 'brokers-to-kraft':
    case 'ready-to-finalize':
      return [`${cmd}:`, STEP_TITLE['rollback-brokers'], STEP_TITLE['rollback-controllers']];
    case 'kraft':
      return ['the migration is finalized: there is no way back to ZooKeeper mode'];
  }
}

/** `zkk deploy`/`plan` with a KRaft inventory while the hosts still run (part of) ZooKeeper mode. */
export function migrationNeededError(state: MigrationState): ZkkError {
  const finalize = state.phase === 'ready-to-finalize';
  return new ZkkError('MIGRATION_NEEDED', `this inventory describes a KRaft cluster, but the hosts are mid-way: ${state.summary}. zkk deploy does not move a live ZooKeeper-mode cluster to KRaft\n  ${describePhases(state).join('\n  ')}`, {
    exitCode: ExitCode.usage,
    hint: finalize ? 'run zkk migrate <inventory> --finalize (irreversible), or roll back (zkk migrate <inventory> prints how)' : 'run zkk migrate <inventory> (phase by phase, each confirmed)',
  });
}
