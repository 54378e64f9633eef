/**
 * The status part of a role (`zkk status`): what the engine asks of every role that has
 * one, so that `engine/status*.ts` and `ui/status-table.ts` hold no service knowledge.
 *
 * Per host: the probes the role adds to the host's single batched round trip, and the
 * service entry (its JSON shape is the role's schema section) built from those facts.
 * Per cluster: an optional observation from the control node (e.g. Kafka's metadata
 * and quorum), a summary (the report's top-level section named after the service), the
 * verdict reasons, and the table: the role's heading, its columns after the shared
 * host | ssh | process | ports, and any further blocks.
 */
import type { z } from 'zod';
import type { Facts } from '../facts/gather.js';
import type { Probe } from '../facts/probes.js';
import type { Inventory, ResolvedHost } from '../inventory/resolve.js';
import type { CommandRunner } from '../shell/command-runner.js';
import type { ServiceStatusBase, ServiceStatusFields } from './service-status.js';

/** Why the verdict is not HEALTHY (the report's `reasons`). */
export interface StatusReason {
  severity: 'degraded' | 'down';
  /** 'host', 'cluster', or a role's service name. */
  scope: string;
  host: string | null;
  message: string;
}

/** One host of the report, as the roles see it (the engine's schema has the same shape). */
export interface HostStatus {
  name: string;
  address: string;
  ssh: { reachable: boolean; ms: number | null; error: { code: string; message: string; hint: string | null } | null };
  services: ServiceStatusBase[];
}

/**
 * One command on a host, run by the engine on the connection it keeps (a role gets no
 * connection, only this; for a check the probes cannot make, e.g. a JVM tool).
 */
export type StatusHostCommands = Pick<CommandRunner, 'exec'>;

/** A host as the status engine observed it: facts (and a way to run a command) when it could be asked. */
export interface StatusHostObservation {
  host: ResolvedHost;
  conn?: StatusHostCommands;
  facts?: Facts;
}

export interface StatusObserveOptions {
  connectTimeoutMs: number;
  /** Resolves once every host was observed (for work that needs a host's connection). */
  hosts: Promise<StatusHostObservation[]>;
}

/** Colours by meaning; the renderer decides what they look like (none off a TTY). */
export interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  good(s: string): string;
  warn(s: string): string;
  bad(s: string): string;
  accent(s: string): string;
}

export interface StatusColumn<Svc> {
  header: string;
  cell(svc: Svc, paint: Paint): string;
}

/** A titled block of the status text: a heading line and an optional table. */
export interface StatusBlock {
  heading: string;
  table?: { headers: string[]; rows: string[][] };
}

export interface RoleStatusView<Svc, Summary> {
  /** The line above the role's table (only shown with a summary and at least one row). */
  heading(summary: Summary, paint: Paint): string;
  /** Columns after host | ssh | process | ports. */
  columns: StatusColumn<Svc>[];
  /** Blocks after the table (e.g. the KRaft quorum). */
  after?(summary: Summary, paint: Paint): StatusBlock[];
}

export interface RoleStatus<Svc extends ServiceStatusBase = ServiceStatusBase, Summary = unknown, Observation = undefined> {
  /** The `service` of its host entries, its reason scope and its top-level report key. */
  service: Svc['service'];
  /** Port names its host entries use (the report's port-name enum is their union). */
  portNames: readonly string[];
  /** Its schema section: the host entry, from the shared process fields. */
  serviceSchema(fields: ServiceStatusFields): z.ZodType<Svc>;
  /** Its schema section: the top-level summary (nullable, described). */
  summarySchema: z.ZodType<Summary | null>;
  appliesTo(host: ResolvedHost): boolean;
  probes(host: ResolvedHost): Probe<unknown>[];
  /** Cluster-wide facts from the control node, gathered while the hosts are probed. */
  observe?(inv: Inventory, opts: StatusObserveOptions): Promise<Observation>;
  /** The host's entry; facts undefined when the host could not be asked. */
  hostService(inv: Inventory, host: ResolvedHost, facts: Facts | undefined, observation: Observation | undefined): Svc;
  summarize(inv: Inventory, hosts: HostStatus[], observation: Observation | undefined): Summary | null;
  /** Its verdict inputs; `asked` are the hosts whose facts were read. */
  reasons(summary: Summary | null, hosts: HostStatus[], asked: HostStatus[]): StatusReason[];
  /** metrics.enabled: the port of the host's Prometheus endpoint (/metrics on its address), else undefined. */
  metricsPort?(host: ResolvedHost): number | undefined;
  /** The cluster answered the control node even with no host reachable over SSH. */
  answeredDirectly?(summary: Summary | null): boolean;
  view: RoleStatusView<Svc, Summary>;
}

/** Any role's status part (each has its own entry, summary and observation types). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoleStatus = RoleStatus<any, any, any>;

/** A role's entries in the report's hosts, with their host. */
export function membersOf<Svc extends ServiceStatusBase>(hosts: HostStatus[], service: Svc['service']): { host: HostStatus; svc: Svc }[] {
  return hosts.flatMap((host) => host.services.filter((s) => s.service === service).map((svc) => ({ host, svc: svc as Svc })));
}
