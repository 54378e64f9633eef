/**
 * `zkk restart | stop | start`: connect to the hosts of the roles involved, read their facts
 * (one round trip per host, as deploy does), then hand each role's reachable hosts and the
 * targets to the role's own day-2 handler (Role.day2: the same roll and health gates as
 * deploy's restart handlers), role by role — ZooKeeper before Kafka, and Kafka before
 * ZooKeeper for a stop — and verify with the roles' real checks after restart and start.
 * The report has deploy's shape: per host one step `<role>.<action>`.
 */
import { ExitCode } from '../errors/zkk-error.js';
import { gatherFacts } from '../facts/gather.js';
import type { Probe } from '../facts/probes.js';
import type { Inventory, ResolvedHost } from '../inventory/resolve.js';
import type { Day2Action, Role, VerifyCheck } from '../roles/role.js';
import type { ConnectOverrides } from './connect-host.js';
import type { EventSink } from './events.js';
import { closeRuns, connectRun, errorText, failHost, hostContext, liveHosts, record, verifyRoles, type HostRun, type RunOptions, type RunReport } from './run.js';

export interface Day2RunOptions extends ConnectOverrides {
  action: Day2Action;
  roles: Role[];
  /** Only this role (zkk … --role kafka). */
  role?: string;
  /** Only these hosts; the role's other hosts are still asked by the gates. */
  limit?: string[];
  /** Override refusing gates, with a warning each. */
  force?: boolean;
  verify?: boolean;
  onEvent?: EventSink;
  connect?: RunOptions['connect'];
}

/** The roles a day-2 action runs, in the order it runs them. */
export function day2Roles(inv: Inventory, opts: Pick<Day2RunOptions, 'action' | 'roles' | 'role' | 'limit'>): Role[] {
  const roles = opts.roles.filter((r) => r.day2 && (!opts.role || r.name === opts.role) && day2Targets(inv, r, opts.limit).length > 0);
  return opts.action === 'stop' ? roles.reverse() : roles;
}

export function day2Targets(inv: Inventory, role: Role, limit?: string[]): ResolvedHost[] {
  return inv.hosts.filter((h) => role.appliesTo(h) && (!limit || limit.includes(h.name)));
}

/** True when the action takes every host of the role (a whole-cluster stop asks first). */
export const wholeRole = (inv: Inventory, role: Role, limit?: string[]): boolean => day2Targets(inv, role, limit).length === inv.hosts.filter((h) => role.appliesTo(h)).length;

export async function runDay2(inv: Inventory, opts: Day2RunOptions): Promise<RunReport> {
  const started = Date.now();
  const warnings: string[] = [];
  const emit: EventSink = opts.onEvent ?? (() => undefined);
  const warn = (message: string) => {
    warnings.push(message);
    emit({ type: 'warning', message });
  };
  for (const w of inv.warnings) emit({ type: 'warning', message: w });
  const roles = day2Roles(inv, opts);
  const targetNames = new Set(roles.flatMap((r) => day2Targets(inv, r, opts.limit).map((h) => h.name)));
  // every host of the roles involved: the gates ask the whole cluster, not only the targets
  const runs: HostRun[] = inv.hosts
    .filter((h) => roles.some((r) => r.appliesTo(h)))
    .map((host) => ({ host, report: { name: host.name, address: host.address, status: 'ok', ok: 0, changed: 0, failed: 0, steps: [] }, steps: new Map(), changed: new Set() }));
  const isTarget = (r: HostRun) => targetNames.has(r.host.name);
  const clusterErrors: string[] = [];
  const verify: VerifyCheck[] = [];
  try {
    emit({ type: 'stage', stage: 'connect' });
    // a host outside the targets that cannot be reached only weakens the gates (it counts as down)
    await Promise.all(runs.map((r) => connectRun(r, opts, isTarget(r) ? emit : () => undefined)));
    for (const r of runs.filter((x) => !isTarget(x) && !x.conn)) emit({ type: 'warning', message: `${r.host.name}: not reachable (${String(r.report.error?.message ?? '')}); counted as down by the gates` });
    emit({ type: 'stage', stage: 'facts' });
    await Promise.all(
      runs.filter((r) => r.conn).map(async (r) => {
        try {
          const probes: Probe<unknown>[] = roles.filter((role) => role.appliesTo(r.host)).flatMap((role) => role.probes(hostContext(inv, r.host, new Map(), undefined)));
          r.facts = await gatherFacts(r.conn!, probes);
        } catch (e) {
          failHost(r, e, isTarget(r) ? emit : () => undefined);
        }
      }),
    );
    for (const role of roles) {
      emit({ type: 'stage', stage: 'converge', role: role.name });
      const all = liveHosts(runs, role);
      const targets = all.filter((l) => targetNames.has(l.host.name));
      const stepId = `${role.name}.${opts.action}`;
      const title = `${opts.action} ${role.name}`;
      const byName = new Map(runs.map((r) => [r.host.name, r]));
      const reported = new Set<string>();
      try {
        await role.day2!(opts.action, inv, all, targets, {
          info: (host, message) => emit({ type: 'info', host, message }),
          warn,
          done: (host, status, detail) => {
            reported.add(host);
            record(byName.get(host)!, { id: stepId, title }, status, detail, emit);
          },
        }, { force: !!opts.force, whole: wholeRole(inv, role, opts.limit) });
      } catch (e) {
        const msg = `${role.name}: ${errorText(e)}`;
        clusterErrors.push(msg);
        emit({ type: 'warning', message: msg });
        for (const t of targets.filter((x) => !reported.has(x.host.name))) record(byName.get(t.host.name)!, { id: stepId, title }, 'skipped', `not done: ${errorText(e).split('\n')[0]}`, emit);
        break;
      }
    }
    if (opts.action !== 'stop' && opts.verify !== false && clusterErrors.length === 0) verify.push(...(await verifyRoles(inv, roles, (role) => liveHosts(runs, role), emit)));
  } finally {
    await closeRuns(runs);
  }
  const hosts = runs.filter(isTarget).map((r) => r.report);
  const anyFailed = hosts.some((h) => h.status !== 'ok') || clusterErrors.length > 0 || verify.some((c) => !c.ok);
  const allUnreachable = hosts.length > 0 && hosts.every((h) => h.status === 'unreachable');
  const exitCode = allUnreachable ? ExitCode.connection : anyFailed ? ExitCode.hostFailed : ExitCode.ok;
  return { mode: opts.action, cluster: inv.cluster, hosts, identities: [], clusterSteps: [], verify, clusterErrors, warnings, durationMs: Date.now() - started, exitCode };
}
