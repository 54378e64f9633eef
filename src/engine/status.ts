/**
 * `zkk status`: what every host and the cluster look like right now — the session, the
 * loop over the roles and the report; what to probe and what it means is each role's
 * status part (roles/<role>/status.ts).
 *
 * Every host in parallel, ONE SSH round trip each (the probes of all its roles batched,
 * e.g. pid files and /proc start times, install links, listening ports, srvr/mntr, the
 * host clock). At the same time, each role's cluster-wide observation from the control
 * node (Kafka: one connection for metadata, partition health and the KRaft quorum).
 * Failures are data: an unreachable host or a silent broker becomes part of the report,
 * never an exception. A session keeps its SSH connections between collections (--watch).
 */
import { isZkkError } from '../errors/zkk-error.js';
import { gatherFacts, type Facts } from '../facts/gather.js';
import type { Probe } from '../facts/probes.js';
import type { Inventory, ResolvedHost } from '../inventory/resolve.js';
import type { StatusHostObservation } from '../roles/role-status.js';
import type { Connector } from '../transport/connector.js';
import { connectHost, routeControlNet, type ConnectOverrides } from './connect-host.js';
import { statusRoles } from './status-roles.js';
import { STATUS_SCHEMA_VERSION, type HostStatus, type StatusReport } from './status-schema.js';
import { assessStatus } from './status-verdict.js';
import { scrapeMetricsEndpoints, type MetricsScrapes } from './metrics-endpoints.js';

/** Default (and cap of the inventory's ssh.connectTimeout) for status, in seconds. */
export const STATUS_CONNECT_TIMEOUT = 5;

export interface StatusOptions {
  /** SSH connect timeout in seconds (default: the inventory's, at most 5). */
  connectTimeout?: number;
  hostKeyPolicy?: 'strict' | 'accept-new' | 'off';
  sudoPassword?: string;
  askPassphrase?: ConnectOverrides['askPassphrase'];
}

export interface StatusStats {
  /** SSH connections opened (all collections). */
  connections: number;
  /** Remote commands run (all collections). */
  commands: number;
  collections: number;
}

interface HostObservation extends StatusHostObservation {
  ms: number;
  error?: { code: string; message: string; hint: string | null; reachable: boolean };
}

export class StatusSession {
  private readonly conns = new Map<string, Connector>();
  private readonly closedStats = { connections: 0, commands: 0 };
  private collections = 0;

  constructor(
    private readonly inv: Inventory,
    private readonly opts: StatusOptions = {},
  ) {
    routeControlNet(inv.hosts, { hostKeyPolicy: opts.hostKeyPolicy, askPassphrase: opts.askPassphrase, connectRetries: 0 });
  }

  stats(): StatusStats {
    let { connections, commands } = this.closedStats;
    for (const c of this.conns.values()) {
      connections += c.stats.connections;
      commands += c.stats.commands;
    }
    return { connections, commands, collections: this.collections };
  }

  async collect(): Promise<StatusReport> {
    const started = Date.now();
    const checkedAt = new Date(started).toISOString();
    this.collections++;
    const hostsDone = Promise.all(this.inv.hosts.map((h) => this.observeHost(h)));
    // the Prometheus endpoints answer the control node directly, while the hosts are probed
    const scrapes = scrapeMetricsEndpoints(this.inv);
    // Each role's cluster-wide observation runs while the hosts are probed.
    const observations = await Promise.all(
      statusRoles.map((r) =>
        r.observe && this.inv.hosts.some((h) => r.appliesTo(h)) ? r.observe(this.inv, { connectTimeoutMs: this.connectTimeoutMs(this.inv.hosts[0]), hosts: hostsDone }) : undefined,
      ),
    );
    const seen = await hostsDone;
    const scraped = await scrapes;
    const hosts = seen.map((o) => hostStatus(this.inv, o, observations, scraped));
    const summaries: Record<string, unknown> = {};
    statusRoles.forEach((r, i) => (summaries[r.service] = this.inv.hosts.some((h) => r.appliesTo(h)) ? r.summarize(this.inv, hosts, observations[i]) : null));
    const assessment = assessStatus(hosts, summaries);
    return {
      schemaVersion: STATUS_SCHEMA_VERSION,
      cluster: this.inv.cluster,
      inventory: this.inv.file,
      checkedAt,
      durationMs: Date.now() - started,
      verdict: assessment.verdict,
      exitCode: assessment.exitCode,
      reasons: assessment.reasons,
      hosts,
      ...summaries,
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.conns.keys()].map((name) => this.drop(name)));
  }

  private connectTimeoutMs(h: ResolvedHost | undefined): number {
    const s = this.opts.connectTimeout ?? Math.min(h?.ssh.connectTimeout ?? STATUS_CONNECT_TIMEOUT, STATUS_CONNECT_TIMEOUT);
    return Math.round(s * 1000);
  }

  private async drop(name: string): Promise<void> {
    const c = this.conns.get(name);
    if (!c) return;
    this.conns.delete(name);
    this.closedStats.connections += c.stats.connections;
    this.closedStats.commands += c.stats.commands;
    await c.close().catch(() => undefined);
  }

  private async observeHost(host: ResolvedHost, retry = true): Promise<HostObservation> {
    const t0 = Date.now();
    const timeoutMs = this.connectTimeoutMs(host);
    let conn = this.conns.get(host.name);
    const reused = !!conn;
    if (!conn) {
      try {
        conn = await connectHost(host, { hostKeyPolicy: this.opts.hostKeyPolicy, sudoPassword: this.opts.sudoPassword, askPassphrase: this.opts.askPassphrase, connectTimeout: timeoutMs / 1000, connectRetries: 0 });
        this.conns.set(host.name, conn);
      } catch (e) {
        return { host, ms: Date.now() - t0, error: { ...describeError(e), reachable: false } };
      }
    }
    try {
      // 4lw answers are bounded by their own 3 s timeouts; the rest is instant.
      const facts = await gatherFacts(conn, statusProbes(host), undefined, { timeoutMs: timeoutMs + 10_000 });
      return { host, conn, facts, ms: Date.now() - t0 };
    } catch (e) {
      await this.drop(host.name); // the connection may be dead: reconnect
      // A kept connection (--watch) that broke since the last round (host rebooted, sshd
      // restarted): connect again now. Not after a timeout: that would only double it.
      if (reused && retry && !/timed out/.test((e as Error).message)) return this.observeHost(host, false);
      return { host, ms: Date.now() - t0, error: { ...describeError(e), code: 'PROBE_FAILED', reachable: true } };
    }
  }
}

export async function collectStatus(inv: Inventory, opts: StatusOptions = {}): Promise<StatusReport> {
  const session = new StatusSession(inv, opts);
  try {
    return await session.collect();
  } finally {
    await session.close();
  }
}

function describeError(e: unknown): { code: string; message: string; hint: string | null } {
  if (isZkkError(e)) return { code: e.code, message: e.message, hint: e.hint ?? null };
  return { code: 'ERROR', message: e instanceof Error ? e.message : String(e), hint: null };
}


/** Every probe the host's roles need, batched into its one round trip. */
export function statusProbes(h: ResolvedHost): Probe<unknown>[] {
  return statusRoles.filter((r) => r.appliesTo(h)).flatMap((r) => r.probes(h));
}

function hostStatus(inv: Inventory, o: HostObservation, observations: unknown[], scrapes: MetricsScrapes): HostStatus {
  const services: HostStatus['services'] = [];
  statusRoles.forEach((r, i) => {
    if (r.appliesTo(o.host)) services.push({ ...r.hostService(inv, o.host, o.facts as Facts | undefined, observations[i]), metrics: scrapes.get(`${o.host.name}/${r.service}`) ?? null });
  });
  return {
    name: o.host.name,
    address: o.host.address,
    ssh: {
      reachable: o.error ? o.error.reachable : true,
      ms: o.ms,
      error: o.error ? { code: o.error.code, message: o.error.message, hint: o.error.hint } : null,
    },
    services,
  };
}
