/**
 * The pipeline: obtain releases + connect → gather facts (one round trip per host) →
 * plan (pure) → [deploy only] apply per role across hosts in parallel → converge (the
 * role's rolling restarts and readiness) → verify. Plan and deploy share everything up
 * to the apply stage, so what plan prints is what deploy would do.
 */
import { ConnectionError, ExitCode, ZkkError, isZkkError } from '../errors/zkk-error.js';
import { Facts, gatherFacts } from '../facts/gather.js';
import type { Probe } from '../facts/probes.js';
import type { Inventory, ResolvedHost } from '../inventory/resolve.js';
import type { LocalRelease } from '../ops/archive.js';
import { actionListing } from '../ops/action-listing.js';
import type { Outcome, Step } from '../ops/operation.js';
import type { Day2Action, RunIntent, HostContext, HostIdentity, LiveHost, Role, VerifyCheck } from '../roles/role.js';
import type { Connector, TransportStats } from '../transport/connector.js';
import { bastionConnections, connectHost, routeControlNet, type ConnectOverrides } from './connect-host.js';
import type { EventSink, StepStatus } from './events.js';
import { executeActions } from './execute-actions.js';
import { obtainReleaseInSteps } from './releases.js';
import { bundledSpec, readBundleManifest } from './bundle.js';
import path from 'node:path';
import { judgeCluster, type HostEvidence } from './doctor/preflight-checks.js';
import { preflightNeeds, preflightProbes, probeList, type PreflightProbes } from './doctor/preflight-probes.js';

export interface RunOptions {
  mode: 'plan' | 'deploy';
  roles: Role[];
  hostKeyPolicy?: 'strict' | 'accept-new' | 'off';
  connectTimeout?: number;
  sudoPassword?: string;
  askPassphrase?: ConnectOverrides['askPassphrase'];
  cacheDir?: string;
  verify?: boolean;
  onEvent?: EventSink;
  /** Limit the run to these host names (others are still used to compute cluster config). */
  limit?: string[];
  /**
   * Run the fail-level checks of `zkk doctor` first: their probes join each host's one fact
   * batch, and a host with a failed check stops before any step (deploy --skip-preflight: off).
   */
  preflight?: boolean;
  /** How to reach a host (default: SSH with its inventory settings); tests pass a fake. */
  connect?: (host: ResolvedHost, opts: ConnectOverrides) => Promise<Connector>;
  /** `zkk upgrade finalize`: roles raise feature versions (handed to Role.prepare) */
  finalize?: boolean;
  /** `zkk migrate`: which migration step this run may render (handed to Role.prepare) */
  migration?: RunIntent['migration'];
  /** --bundle DIR: every release from this `zkk bundle` directory, checked against its manifest (no network). */
  bundle?: string;
}

export interface StepReport {
  id: string;
  title: string;
  status: StepStatus;
  detail: string;
  diff?: string;
  /** What the step runs (or, in plan, would run), secrets masked; file bodies are never listed. */
  commands?: string[];
}

export interface HostReport {
  name: string;
  address: string;
  status: 'ok' | 'failed' | 'unreachable';
  ok: number;
  changed: number;
  failed: number;
  steps: StepReport[];
  error?: ReturnType<ZkkError['toJSON']>;
  stats?: TransportStats;
}

export interface RunReport {
  /** deploy and plan; restart, stop and start (engine/day2.ts) report the same way. */
  mode: 'plan' | 'deploy' | Day2Action | 'uninstall';
  cluster: string;
  hosts: HostReport[];
  /** Every host's settled id per role and where it came from (on disk, inventory, assigned). */
  identities: HostIdentity[];
  /** Plan: each role's cluster-wide steps after the host steps (rolling restarts and their gates), in run order. */
  clusterSteps: { role: string; steps: string[] }[];
  verify: VerifyCheck[];
  clusterErrors: string[];
  /** Gates overridden by --force, and the like (restart, stop, start). */
  warnings?: string[];
  durationMs: number;
  exitCode: number;
  /** SSH connections made to bastions (ssh.jump / ProxyJump), shared by the hosts behind them. */
  bastionConnections?: number;
}

export interface HostRun {
  host: ResolvedHost;
  report: HostReport;
  conn?: Connector;
  facts?: Facts;
  steps: Map<string, Step[]>; // per role
  changed: Set<string>;
  preflight?: { probes: PreflightProbes; sentAt: number; receivedAt: number };
}

export async function runPipeline(inventory: Inventory, opts: RunOptions): Promise<RunReport> {
  let inv = inventory;
  const started = Date.now();
  const emit: EventSink = opts.onEvent ?? (() => undefined);
  for (const w of inv.warnings) emit({ type: 'warning', message: w });
  const targets = inv.hosts.filter((h) => !opts.limit || opts.limit.includes(h.name));
  routeControlNet(inv.hosts, opts);
  const bastionsBefore = bastionConnections();
  const runs: HostRun[] = targets.map((host) => ({
    host,
    report: { name: host.name, address: host.address, status: 'ok', ok: 0, changed: 0, failed: 0, steps: [] },
    steps: new Map(),
    changed: new Set(),
  }));
  const roles = opts.roles.filter((r) => targets.some((h) => r.appliesTo(h)));
  const clusterErrors: string[] = [];
  const verify: VerifyCheck[] = [];
  const identities: HostIdentity[] = [];
  const clusterSteps: RunReport['clusterSteps'] = [];

  try {
    // 1. releases on the control node and connections, in parallel (a --bundle is read first: a bad one touches nothing).
    const manifest = opts.bundle ? await readBundleManifest(opts.bundle) : undefined;
    const prepared = new Map<Role, unknown>();
    for (const role of roles) prepared.set(role, await role.prepare?.(inv, opts.mode, { finalize: opts.finalize, migration: opts.migration }));
    emit({ type: 'stage', stage: 'connect' });
    const releases = new Map<string, LocalRelease>();
    const specs = roles.flatMap((r) => r.releases?.(inv) ?? []).map((spec) => (manifest ? bundledSpec(spec, opts.bundle!, manifest) : spec));
    // each tarball's hash runs on while the hosts are read; awaited before anything is planned or sent
    const verified: Promise<unknown>[] = [];
    const releaseWork = Promise.all(
      specs.map(async (spec) => {
        const r = await obtainReleaseInSteps(spec, opts.cacheDir, (message) => emit({ type: 'warning', message }));
        r.verified.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
        verified.push(r.verified);
        releases.set(spec.component, r.release);
      }),
    );
    const connectWork = Promise.all(runs.map((r) => connectRun(r, opts, emit)));
    const [relResult] = await Promise.allSettled([releaseWork, connectWork]);
    if (relResult.status === 'rejected') throw relResult.reason;

    // 2. facts (one round trip per host).
    emit({ type: 'stage', stage: 'facts' });
    const needs = opts.preflight ? preflightNeeds(inv, opts.roles) : undefined;
    await Promise.all(
      runs.filter((r) => r.conn).map(async (r) => {
        try {
          const probes: Probe<unknown>[] = roles.filter((role) => role.appliesTo(r.host)).flatMap((role) => role.probes(hostContext(inv, r.host, releases, prepared.get(role))));
          const pf = needs ? preflightProbes(inv, r.host, needs) : undefined;
          const batch = pf ? probeList(pf) : undefined;
          const sentAt = Date.now();
          r.facts = await gatherFacts(r.conn!, batch ? [...batch.first, ...probes, ...batch.middle, ...batch.last] : probes);
          if (pf) r.preflight = { probes: pf, sentAt, receivedAt: Date.now() };
        } catch (e) {
          failHost(r, e, emit);
        }
      }),
    );

    // every release file matches its published SHA-512 (a mismatch stops the run here: nothing was changed)
    await Promise.all(verified);

    // 3. ids settled for the whole cluster (what the hosts hold on disk is kept), then 4. plan from them.
    inv = settleFromFacts(inv, roles, runs, identities);
    for (const r of runs) r.host = inv.hosts[r.host.index]!;
    for (const r of runs.filter((x) => x.facts && x.report.status === 'ok')) {
      try {
        for (const role of roles.filter((x) => x.appliesTo(r.host))) r.steps.set(role.name, role.plan(hostContext(inv, r.host, releases, prepared.get(role)), r.facts!));
      } catch (e) {
        failHost(r, e, emit);
      }
    }
    // the doctor's fail-level checks on the same facts: a host with one stops before any step
    if (needs) preflightGate(inv, runs, needs, emit);

    if (opts.mode === 'plan') {
      emit({ type: 'stage', stage: 'plan' });
      for (const r of runs.filter((x) => x.report.status === 'ok')) planHost(r, emit);
      const subscribers = handlerSubscriptions(opts.roles);
      for (const role of roles) {
        const planned = runs
          .filter((r) => r.report.status === 'ok' && r.facts && role.appliesTo(r.host))
          .map((r) => ({ host: r.host, facts: r.facts!, changes: plannedChanges(r, subscribers) }));
        const steps = role.planConverge && planned.length > 0 ? role.planConverge(inv, planned) : [];
        if (steps.length > 0) clusterSteps.push({ role: role.name, steps });
      }
    } else {
      // 4. apply role by role; 5. converge each role before the next depends on it.
      const subscribers = handlerSubscriptions(opts.roles);
      const early = startEarlySteps(runs, roles, subscribers, emit);
      for (const role of roles) {
        emit({ type: 'stage', stage: 'apply', role: role.name });
        await Promise.all(
          runs.filter((r) => r.steps.has(role.name)).map(async (r) => {
            const { done, rest } = early.get(r)?.get(role.name) ?? { done: Promise.resolve(), rest: r.steps.get(role.name)! };
            await done;
            if (r.report.status === 'ok') await applySteps(r, rest, subscribers, emit);
          }),
        );
        for (const r of runs.filter((x) => x.report.status !== 'ok' && x.steps.has(role.name)))
          for (const s of r.steps.get(role.name)!) if (!r.report.steps.some((d) => d.id === s.id)) record(r, s, 'skipped', 'an earlier step failed on this host', emit);
        const live = liveHosts(runs, role);
        if (role.converge && live.length > 0) {
          emit({ type: 'stage', stage: 'converge', role: role.name });
          try {
            await role.converge(inv, live, {
              info: (host, message) => emit({ type: 'info', host, message }),
              step: (host, step, status, detail) => {
                const r = runs.find((x) => x.host.name === host);
                if (r) record(r, step, status, detail, emit);
              },
            });
          } catch (e) {
            const msg = `${role.name}: ${errorText(e)}`;
            clusterErrors.push(msg);
            emit({ type: 'warning', message: msg });
            break;
          }
        }
      }
      // a converge failure stops the loop: let early steps still under way finish before the connections close
      await Promise.allSettled([...early.values()].flatMap((m) => [...m.values()].map((e) => e.done)));
      // the report lists steps in plan order (role by role), early ones included
      for (const r of runs) {
        const order = new Map(roles.flatMap((role) => r.steps.get(role.name) ?? []).map((s, i) => [s.id, i]));
        r.report.steps.sort((x, y) => (order.get(x.id) ?? Infinity) - (order.get(y.id) ?? Infinity));
      }
      // 6. verify with real clients.
      if (opts.verify !== false && clusterErrors.length === 0) verify.push(...(await verifyRoles(inv, roles, (role) => liveHosts(runs, role), emit)));
    }
  } finally {
    await closeRuns(runs);
  }

  const hosts = runs.map((r) => r.report);
  const anyFailed = hosts.some((h) => h.status !== 'ok') || clusterErrors.length > 0 || verify.some((c) => !c.ok);
  const allUnreachable = hosts.length > 0 && hosts.every((h) => h.status === 'unreachable');
  let exitCode: number = ExitCode.ok;
  if (allUnreachable) exitCode = ExitCode.connection;
  else if (anyFailed) exitCode = ExitCode.hostFailed;
  const bastions = bastionConnections() - bastionsBefore;
  return { mode: opts.mode, cluster: inv.cluster, hosts, identities, clusterSteps, verify, clusterErrors, durationMs: Date.now() - started, exitCode, ...(bastions ? { bastionConnections: bastions } : {}) };
}

/**
 * Ids are identities, so they are settled from facts, once, for the whole cluster,
 * before any host is planned: each role reads what the hosts hold and returns the
 * inventory the plans render from (the server list of every zoo.cfg uses the same ids).
 * A contradiction (an explicit id against the one on disk, two hosts with one id) throws
 * a ZkkError with exit 2 and nothing is planned.
 */
function settleFromFacts(inv: Inventory, roles: readonly Role[], runs: readonly HostRun[], out: HostIdentity[]): Inventory {
  const facts = new Map(runs.filter((r) => r.facts).map((r) => [r.host.index, r.facts!]));
  let settled = inv;
  for (const role of roles) {
    if (!role.settleFromFacts) continue;
    const result = role.settleFromFacts(settled, facts);
    settled = result.inv;
    out.push(...result.ids);
  }
  return settled;
}

/**
 * Every role after the first: its leading early steps (accounts, directories, its release
 * unpacked into a versioned directory — nothing that depends on an earlier role) start on every
 * host at once, one role after the other per host, while the earlier roles still apply and
 * converge; e.g. Kafka's tarball is uploaded and unpacked while the ZooKeeper ensemble forms.
 * The rest of each role's steps runs in the usual order, after its early ones.
 */
function startEarlySteps(runs: HostRun[], roles: Role[], subscribers: Map<string, string[]>, emit: EventSink): Map<HostRun, Map<string, { done: Promise<void>; rest: Step[] }>> {
  const out = new Map<HostRun, Map<string, { done: Promise<void>; rest: Step[] }>>();
  for (const r of runs) {
    if (r.report.status !== 'ok') continue;
    const perRole = new Map<string, { done: Promise<void>; rest: Step[] }>();
    let chain = Promise.resolve();
    for (const role of roles.slice(1)) {
      const steps = r.steps.get(role.name);
      if (!steps) continue;
      const n = steps.findIndex((s) => !s.early);
      const prefix = steps.slice(0, n < 0 ? steps.length : n);
      if (prefix.length === 0) continue;
      chain = chain.then(() => (r.report.status === 'ok' ? applySteps(r, prefix, subscribers, emit) : undefined));
      perRole.set(role.name, { done: chain, rest: steps.slice(prefix.length) });
    }
    out.set(r, perRole);
  }
  return out;
}

export function hostContext(inv: Inventory, host: ResolvedHost, releases: Map<string, LocalRelease>, prepared: unknown): HostContext {
  return { inv, host, releases, templateOverrideDir: path.join(inv.dir, 'templates'), prepared };
}

/** 6. verify: each role's real checks on its reachable hosts (a check that throws is a failed check). */
export async function verifyRoles(inv: Inventory, roles: readonly Role[], liveOf: (role: Role) => LiveHost[], emit: EventSink): Promise<VerifyCheck[]> {
  emit({ type: 'stage', stage: 'verify' });
  const checks: VerifyCheck[] = [];
  for (const role of roles) {
    const live = liveOf(role);
    if (!role.verify || live.length === 0) continue;
    try {
      for (const check of await role.verify(inv, live, { info: (host, message) => emit({ type: 'info', host, message }) })) {
        checks.push(check);
        emit({ type: 'verify', check });
      }
    } catch (e) {
      const check = { name: `${role.name}.verify`, ok: false, detail: errorText(e) };
      checks.push(check);
      emit({ type: 'verify', check });
    }
  }
  return checks;
}

/** Close every connection, keeping its statistics in the host's report. */
export async function closeRuns(runs: HostRun[]): Promise<void> {
  await Promise.all(runs.map(async (r) => {
    if (r.conn) {
      r.report.stats = { ...r.conn.stats };
      await r.conn.close();
    }
  }));
}

export function liveHosts(runs: HostRun[], role: Role): LiveHost[] {
  return runs
    .filter((r) => r.report.status === 'ok' && r.conn && r.facts && role.appliesTo(r.host))
    .map((r) => ({ host: r.host, conn: r.conn!, facts: r.facts!, changed: r.changed }));
}

/** ssh_config warnings already shown in this run (every host behind the same config says the same). */
const warnedBy = new WeakMap<EventSink, Set<string>>();

export async function connectRun(r: HostRun, opts: Pick<RunOptions, 'connect'> & ConnectOverrides, emit: EventSink): Promise<void> {
  const t0 = Date.now();
  try {
    r.conn = await (opts.connect ?? connectHost)(r.host, opts);
    emit({ type: 'host-connected', host: r.host.name, ms: Date.now() - t0 });
    const seen = warnedBy.get(emit) ?? new Set<string>();
    warnedBy.set(emit, seen);
    for (const w of r.conn.warnings ?? []) if (!seen.has(w)) (seen.add(w), emit({ type: 'warning', message: `ssh config: ${w}` }));
  } catch (e) {
    failHost(r, e, emit, e instanceof ConnectionError ? 'unreachable' : 'failed');
  }
}

/** The doctor's fail-level checks on the facts just gathered: a host with one stops here. */
function preflightGate(inv: Inventory, runs: HostRun[], needs: ReturnType<typeof preflightNeeds>, emit: EventSink): void {
  const evidence: HostEvidence[] = runs
    .filter((r) => r.preflight && r.facts && r.report.status === 'ok')
    .map((r) => ({ host: r.host, needs: needs.get(r.host.name) ?? [], facts: r.facts, probes: r.preflight!.probes, sentAt: r.preflight!.sentAt, receivedAt: r.preflight!.receivedAt }));
  const failed = judgeCluster(inv, evidence).filter((c) => c.verdict === 'fail');
  for (const r of runs) {
    const mine = failed.filter((c) => c.host === r.host.name);
    if (mine.length === 0 || r.report.status !== 'ok') continue;
    const list = mine.map((c) => `${c.check}: ${c.detail} → ${c.fix ?? ''}`).join('; ');
    failHost(r, new ZkkError('PREFLIGHT', `preflight: ${mine.length} check${mine.length > 1 ? 's' : ''} failed: ${list}`, { host: r.host.name, hint: 'fix them (zkk doctor shows every check), or deploy with --skip-preflight' }), emit);
  }
}

/** Plan: what deploy would do on this host, stopping where deploy would stop (a blocked step). */
export function planHost(r: HostRun, emit: EventSink): void {
  let blockedAt: string | undefined;
  for (const steps of r.steps.values()) {
    for (const s of steps) {
      if (blockedAt) record(r, s, 'skipped', `${blockedAt} is blocked`, emit, true);
      else if (s.outcome.kind === 'blocked') {
        blockStep(r, s, s.outcome, emit, true);
        blockedAt = s.id;
      } else recordOutcome(r, s, s.outcome, emit, true);
    }
  }
}

/** notification → the handlers of other roles subscribed to it (Role.notifiedBy). */
export function handlerSubscriptions(roles: readonly Role[]): Map<string, string[]> {
  const subs = new Map<string, string[]>();
  for (const role of roles)
    for (const [handler, notifications] of Object.entries(role.notifiedBy ?? {}))
      for (const n of notifications) subs.set(n, [...(subs.get(n) ?? []), handler]);
  return subs;
}

export async function applySteps(r: HostRun, steps: Step[], subscribers: Map<string, string[]>, emit: EventSink): Promise<void> {
  for (const [i, s] of steps.entries()) {
    const o = s.outcome;
    if (o.kind === 'ok') {
      recordOutcome(r, s, o, emit, false);
      continue;
    }
    if (o.kind === 'blocked') {
      blockStep(r, s, o, emit, false);
      for (const rest of steps.slice(i + 1)) record(r, rest, 'skipped', 'an earlier step failed', emit);
      return;
    }
    try {
      const restarts = await executeActions(r.conn!, o.actions);
      recordOutcome(r, s, o, emit, false);
      for (const c of stepChanges(s, restarts, subscribers)) r.changed.add(c);
    } catch (e) {
      record(r, s, 'failed', errorText(e), emit, false, { commands: o.actions.map(actionListing) });
      failHost(r, e, emit);
      for (const rest of steps.slice(i + 1)) record(r, rest, 'skipped', 'an earlier step failed', emit);
      return;
    }
  }
}

/** What a step that ran marks changed: its id, what it notifies (and their subscribers), the restarts it asked for. */
function stepChanges(s: Step, restarts: readonly { handler: string }[], subscribers: Map<string, string[]>): string[] {
  return [s.id, ...(s.notify ?? []).flatMap((n) => [n, ...(subscribers.get(n) ?? [])]), ...restarts.map((a) => a.handler)];
}

/** Plan: the changed set the host would have after apply, if every change ran. */
function plannedChanges(r: HostRun, subscribers: Map<string, string[]>): Set<string> {
  const out = new Set<string>();
  for (const steps of r.steps.values())
    for (const s of steps)
      if (s.outcome.kind === 'change') for (const c of stepChanges(s, s.outcome.actions.filter((a) => a.kind === 'restart'), subscribers)) out.add(c);
  return out;
}

function recordOutcome(r: HostRun, s: Step, o: Exclude<Outcome, { kind: 'blocked' }>, emit: EventSink, planned: boolean): void {
  if (o.kind === 'ok') record(r, s, 'ok', o.reason, emit, planned);
  else record(r, s, 'changed', o.summary, emit, planned, { diff: o.diff, commands: o.actions.map(actionListing) });
}

/** A state zkk refuses to change: the step fails (in plan as in deploy) and the host stops there. */
function blockStep(r: HostRun, s: Step, o: Extract<Outcome, { kind: 'blocked' }>, emit: EventSink, planned: boolean): void {
  record(r, s, 'failed', o.reason, emit, planned);
  failHost(r, new ZkkError('BLOCKED', `${s.id}: ${o.reason}`, { host: r.host.name, hint: o.hint }), emit);
}

export function record(r: HostRun, s: Pick<Step, 'id' | 'title'>, status: StepStatus, detail: string, emit: EventSink, planned = false, extra: { diff?: string; commands?: string[] } = {}): void {
  const { diff, commands } = extra;
  r.report.steps.push({ id: s.id, title: s.title, status, detail, diff, commands });
  if (status === 'ok') r.report.ok++;
  else if (status === 'changed') r.report.changed++;
  else if (status === 'failed') r.report.failed++;
  emit({ type: 'step', host: r.host.name, id: s.id, title: s.title, status, detail, diff, commands, planned });
}

export function failHost(r: HostRun, e: unknown, emit: EventSink, status: 'failed' | 'unreachable' = 'failed'): void {
  const err = isZkkError(e) ? e : new ZkkError('HOST_FAILED', (e as Error).message ?? String(e), { host: r.host.name, cause: e });
  if (r.report.status === 'ok') r.report.status = status;
  r.report.error = { ...err.toJSON(), host: r.host.name };
  emit({ type: 'host-failed', host: r.host.name, error: err.host ? err.format().replace(/^[^:]+: /, '') : err.format(), hint: err.hint });
}

export function errorText(e: unknown): string {
  if (isZkkError(e)) return e.format();
  return e instanceof Error ? e.message : String(e);
}
