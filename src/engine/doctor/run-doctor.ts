/**
 * `zkk doctor`: read-only. Every host in parallel, one SSH connection and ONE batched
 * command each (facts/gather.ts), then the verdicts (preflight-checks.ts), cross-host
 * ones included (names resolved on every host, ports connected to from every peer).
 */
import { isZkkError } from '../../errors/zkk-error.js';
import { gatherFacts } from '../../facts/gather.js';
import type { Inventory, ResolvedHost } from '../../inventory/resolve.js';
import type { Role } from '../../roles/role.js';
import type { Connector } from '../../transport/connector.js';
import { connectHost, type ConnectOverrides } from '../connect-host.js';
import { doctorExitCode, judgeCluster, type DoctorCheck, type HostEvidence } from './preflight-checks.js';
import { preflightNeeds, preflightProbes, probeList } from './preflight-probes.js';

export interface DoctorOptions extends ConnectOverrides {
  roles: Role[];
  strict?: boolean;
  /** For tests: how to reach a host. */
  connect?: (host: ResolvedHost) => Promise<Connector>;
}

export interface DoctorReport {
  cluster: string;
  hosts: { name: string; address: string; reachable: boolean; ms: number; commands?: number }[];
  checks: DoctorCheck[];
  summary: { ok: number; warn: number; fail: number };
  durationMs: number;
  exitCode: number;
}

export async function runDoctor(inv: Inventory, opts: DoctorOptions): Promise<DoctorReport> {
  const started = Date.now();
  const needs = preflightNeeds(inv, opts.roles);
  const evidence: (HostEvidence & { commands?: number })[] = await Promise.all(
    inv.hosts.map(async (host) => {
      const t0 = Date.now();
      let conn: Connector | undefined;
      const base = { host, needs: needs.get(host.name) ?? [] };
      try {
        conn = await (opts.connect ? opts.connect(host) : connectHost(host, { ...opts, connectRetries: opts.connectRetries ?? 0 }));
        const connectMs = Date.now() - t0;
        const probes = preflightProbes(inv, host, needs);
        const { first, middle, last } = probeList(probes);
        const sentAt = Date.now();
        const facts = await gatherFacts(conn, [...first, ...middle, ...last]);
        const receivedAt = Date.now();
        return { ...base, facts, probes, connectMs, sentAt, receivedAt, commands: conn.stats.commands };
      } catch (e) {
        const message = isZkkError(e) ? e.message : ((e as Error).message ?? String(e));
        return { ...base, error: { message: message.split('\n')[0]!, hint: isZkkError(e) ? e.hint : undefined } };
      } finally {
        await conn?.close().catch(() => undefined);
      }
    }),
  );
  const checks = judgeCluster(inv, evidence);
  const count = (v: string) => checks.filter((c) => c.verdict === v).length;
  return {
    cluster: inv.cluster,
    hosts: evidence.map((e) => ({ name: e.host.name, address: e.host.address, reachable: !e.error, ms: e.connectMs ?? 0, ...(e.commands !== undefined ? { commands: e.commands } : {}) })),
    checks,
    summary: { ok: count('ok'), warn: count('warn'), fail: count('fail') },
    durationMs: Date.now() - started,
    exitCode: doctorExitCode(checks, opts.strict),
  };
}
