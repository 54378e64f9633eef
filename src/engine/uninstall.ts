/**
 * `zkk uninstall`: connect, read the facts the roles' uninstall steps need (one round trip per
 * host), then per role — Kafka before ZooKeeper, the reverse of deploy — run each host's steps
 * (stop, service, install, firewall, config backup, data only with purge) in parallel across
 * hosts, as deploy runs its steps. With plan: only list them.
 */
import { gatherFacts } from '../facts/gather.js';
import type { Probe } from '../facts/probes.js';
import type { Inventory } from '../inventory/resolve.js';
import type { Role } from '../roles/role.js';
import { ExitCode } from '../errors/zkk-error.js';
import type { ConnectOverrides } from './connect-host.js';
import type { EventSink } from './events.js';
import { applySteps, closeRuns, connectRun, failHost, hostContext, planHost, type HostRun, type RunOptions, type RunReport } from './run.js';

export interface UninstallOptions extends ConnectOverrides {
  roles: Role[];
  role?: string;
  limit?: string[];
  purge: boolean;
  /** Only list what would be done. */
  plan?: boolean;
  onEvent?: EventSink;
  connect?: RunOptions['connect'];
}

/** The roles uninstall takes away, in the order it does (the reverse of deploy's). */
export function uninstallRoles(inv: Inventory, opts: Pick<UninstallOptions, 'roles' | 'role' | 'limit'>): Role[] {
  return opts.roles.filter((r) => r.uninstall && (!opts.role || r.name === opts.role) && inv.hosts.some((h) => r.appliesTo(h) && (!opts.limit || opts.limit.includes(h.name)))).reverse();
}

export async function runUninstall(inv: Inventory, opts: UninstallOptions): Promise<RunReport> {
  const started = Date.now();
  const emit: EventSink = opts.onEvent ?? (() => undefined);
  const roles = uninstallRoles(inv, opts);
  const runs: HostRun[] = inv.hosts
    .filter((h) => (!opts.limit || opts.limit.includes(h.name)) && roles.some((r) => r.appliesTo(h)))
    .map((host) => ({ host, report: { name: host.name, address: host.address, status: 'ok', ok: 0, changed: 0, failed: 0, steps: [] }, steps: new Map(), changed: new Set() }));
  try {
    emit({ type: 'stage', stage: 'connect' });
    await Promise.all(runs.map((r) => connectRun(r, opts, emit)));
    emit({ type: 'stage', stage: 'facts' });
    await Promise.all(
      runs.filter((r) => r.conn).map(async (r) => {
        try {
          const mine = roles.filter((role) => role.appliesTo(r.host)).map((role) => [role, hostContext(inv, r.host, new Map(), undefined)] as const);
          const probes: Probe<unknown>[] = mine.flatMap(([role, ctx]) => role.uninstallProbes?.(ctx) ?? []);
          r.facts = await gatherFacts(r.conn!, probes);
          for (const [role, ctx] of mine) r.steps.set(role.name, role.uninstall!(ctx, r.facts, { purge: opts.purge }));
        } catch (e) {
          failHost(r, e, emit);
        }
      }),
    );
    if (opts.plan) {
      emit({ type: 'stage', stage: 'plan' });
      for (const r of runs.filter((x) => x.report.status === 'ok')) planHost(r, emit);
    } else {
      for (const role of roles) {
        emit({ type: 'stage', stage: 'apply', role: role.name });
        await Promise.all(runs.filter((r) => r.report.status === 'ok' && r.steps.has(role.name)).map((r) => applySteps(r, r.steps.get(role.name)!, new Map(), emit)));
      }
    }
  } finally {
    await closeRuns(runs);
  }
  const hosts = runs.map((r) => r.report);
  const allUnreachable = hosts.length > 0 && hosts.every((h) => h.status === 'unreachable');
  const exitCode = allUnreachable ? ExitCode.connection : hosts.some((h) => h.status !== 'ok') ? ExitCode.hostFailed : ExitCode.ok;
  return { mode: opts.plan ? 'plan' : 'uninstall', cluster: inv.cluster, hosts, identities: [], clusterSteps: [], verify: [], clusterErrors: [], durationMs: Date.now() - started, exitCode };
}
