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

export type { ReleaseSpec } from './release-spec.js';

/** What the command asks of this run beyond converging (e.g. `zkk upgrade finalize`). */
export interface RunIntent {
  /** raise the feature versions to the releases' (zkk upgrade finalize) */
  finalize?: boolean;
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

export interface HandlerReporter {
  info(host: string | undefined, message: string): void;
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
  probes(ctx: HostContext): Probe<unknown>[];
  plan(ctx: HostContext, facts: Facts): Step[];
  /**
   * After the role's steps ran on every host: restart where notified (rolling), start
   * order, wait until the service is usable. Hosts that failed are not in `live`.
   */
  converge?(inv: Inventory, live: LiveHost[], report: HandlerReporter): Promise<void>;
  verify?(inv: Inventory, live: LiveHost[], report: HandlerReporter): Promise<VerifyCheck[]>;
  /**
   * Notifications of other roles that also trigger one of this role's handlers, by
   * handler id: e.g. { 'kafka.restart': ['java.changed'] } restarts the broker (rolling)
   * when the Java role changed the JDK. The engine expands them; the notifying role
   * names no subscriber.
   */
  notifiedBy?: Record<string, readonly string[]>;
  /** Its part of `zkk status` (probes, host entries, summary, reasons, table; see role-status.ts). */
  status?: AnyRoleStatus;
}
