/**
 * What a role is to the engine: the facts it needs on a host, the ordered steps it
 * plans from those facts, and the cluster-wide work after the steps ran (rolling
 * restarts, waiting for readiness) and at the end (verify).
 */
import type { Facts } from '../facts/gather.js';
import type { Probe } from '../facts/probes.js';
import type { Inventory, ResolvedHost } from '../inventory/resolve.js';
import type { LocalRelease } from '../ops/archive.js';
import type { Step } from '../ops/operation.js';
import type { CommandRunner } from '../shell/command-runner.js';
import type { ReleaseSpec } from './release-spec.js';
import type { AnyRoleStatus } from './role-status.js';
import type { IdSource } from './stable-ids.js';
import type { RolePreflight } from './preflight.js';

export type { ReleaseSpec } from './release-spec.js';

/** `zkk migrate`: go on with the next ZooKeeper → KRaft step (or run the one the user confirmed), finalize, or roll back. */
export interface MigrationIntent {
  action: 'continue' | 'finalize' | 'rollback';
  /** The step the user confirmed (from the plan); refused if the hosts are already past it. */
  step?: 'prepare' | 'migrate-metadata' | 'brokers-kraft' | 'finalize' | 'rollback-brokers' | 'rollback-controllers';
}

/** What the command asks of this run beyond converging (e.g. `zkk upgrade finalize`). */
export interface RunIntent {
  /** raise the feature versions to the releases' (zkk upgrade finalize) */
  finalize?: boolean;
  /** `zkk migrate`: the ZooKeeper → KRaft migration's next step (or the one confirmed), or its finalize */
  migration?: MigrationIntent;
}

export interface HostContext {
  inv: Inventory;
  host: ResolvedHost;
  /** Releases obtained on the control node, by component. */
  releases: Map<string, LocalRelease>;
  templateOverrideDir: string;
  /** What this role's prepare() returned for this run (e.g. Kafka's KRaft cluster id). */
  prepared?: unknown;
}

export interface LiveHost {
  host: ResolvedHost;
  /** Runs commands on the host over the engine's connection (the role holds none). */
  conn: CommandRunner;
  facts: Facts;
  /** Step ids that changed on this host during apply. */
  changed: Set<string>;
}

/** One host's settled id for one role, and where it came from (plan lists them). */
export interface HostIdentity {
  host: string;
  role: string;
  /** "myid", "node.id". */
  what: string;
  id: number;
  source: IdSource;
  /** The host was not reached: its id on disk could not be read (the inventory's or the assigned one is assumed). */
  unread?: boolean;
  /** Further ids kept with it (KRaft directory.id per log dir). */
  detail?: string;
}

export interface IdentitySettlement {
  inv: Inventory;
  ids: HostIdentity[];
}

/** A host as plan sees it before converge: its facts, and what deploy would mark changed if every change ran. */
export interface PlannedHost {
  host: ResolvedHost;
  facts: Facts;
  /** Step ids that would change and the handlers they notify (the `changed` set converge will get). */
  changes: ReadonlySet<string>;
}

export interface HandlerReporter {
  info(host: string | undefined, message: string): void;
  /**
   * A cluster-wide step converge ran (e.g. Kafka's users and ACLs), recorded on the host
   * named like a host's step: counted ok or changed in the recap.
   */
  step?(host: string, step: { id: string; title: string }, status: 'ok' | 'changed', detail: string): void;
}

/** What `zkk restart|stop|start` asks of a role. */
export type Day2Action = 'restart' | 'stop' | 'start';

export interface Day2Reporter extends HandlerReporter {
  /** One host's result, recorded as the step `<role>.<action>` in the recap. */
  done(host: string, status: 'ok' | 'changed', detail: string): void;
  /** A gate overridden by --force, and the like. */
  warn(message: string): void;
}

export interface Day2Options {
  /** Go on where a health gate refuses (each override is warned). */
  force: boolean;
  /** Every host of the role is a target (a whole-cluster stop needs no gate: the user confirmed it). */
  whole: boolean;
}

export interface VerifyCheck {
  name: string;
  ok: boolean;
  detail: string;
  host?: string;
}

export interface Role {
  /** Unique among the registered roles; the key of the role's steps in the plan. */
  name: string;
  appliesTo(host: ResolvedHost): boolean;
  /**
   * Control-node preparation before facts (e.g. reading the KRaft cluster id file). What
   * it returns reaches the role's plan() as HostContext.prepared, for this run only.
   */
  prepare?(inv: Inventory, mode: 'plan' | 'deploy', opts?: RunIntent): Promise<unknown>;
  releases?(inv: Inventory): ReleaseSpec[];
  /**
   * Cluster-wide values that depend on every host's facts, settled once per run after
   * the facts and before any plan. Above all ids that are identities (myid, node.id):
   * the id a host holds on disk is kept, a new host takes its explicit id or the lowest
   * free one (stable-ids.ts); ZooKeeper also decides here which new servers join only
   * after the roll. `facts` holds the facts of the hosts that were read, by host index
   * (the role's own probes read them). Returns the inventory every plan then renders
   * from; a contradiction throws (ZkkError, exit 2).
   */
  settleFromFacts?(inv: Inventory, facts: ReadonlyMap<number, Facts>): IdentitySettlement;
  probes(ctx: HostContext): Probe<unknown>[];
  plan(ctx: HostContext, facts: Facts): Step[];
  /**
   * After the role's steps ran on every host: restart where notified (rolling), start
   * order, wait until the service is usable. Hosts that failed are not in `live`.
   */
  converge?(inv: Inventory, live: LiveHost[], report: HandlerReporter): Promise<void>;
  /**
   * What converge would do, in the order it will run it, each restart with the gate
   * before it: lines for `zkk plan` (pure, from the plan-time facts).
   */
  planConverge?(inv: Inventory, hosts: PlannedHost[]): string[];
  verify?(inv: Inventory, live: LiveHost[], report: HandlerReporter): Promise<VerifyCheck[]>;
  /**
   * Notifications of other roles that also trigger one of this role's handlers, by
   * handler id: e.g. { 'kafka.restart': ['java.changed'] } restarts the broker (rolling)
   * when the Java role changed the JDK. The engine expands them; the notifying role
   * names no subscriber.
   */
  notifiedBy?: Record<string, readonly string[]>;
  /**
   * `zkk restart|stop|start` on `targets` (a subset of `all`, the role's reachable hosts):
   * the role's own order and health gates, the same handler deploy's restarts use. A gate
   * that refuses throws (unless opts.force); hosts not reached are reported by the engine.
   */
  day2?(action: Day2Action, inv: Inventory, all: LiveHost[], targets: LiveHost[], report: Day2Reporter, opts: Day2Options): Promise<void>;
  /**
   * `zkk uninstall`: the facts its steps need and the steps (stop, remove service, install,
   * firewall rules; config moved aside; data kept unless purge), run by the engine like deploy's.
   */
  uninstallProbes?(ctx: HostContext): Probe<unknown>[];
  uninstall?(ctx: HostContext, facts: Facts, opts: { purge: boolean }): Step[];
  /** Its part of `zkk status` (probes, host entries, summary, reasons, table; see role-status.ts). */
  status?: AnyRoleStatus;
  /** What it needs from a host before a deploy (zkk doctor, the deploy's preflight; see preflight.ts). */
  preflight?: RolePreflight;
}
