/**
 * `zkk status` as text: the verdict and its reasons first (what an operator needs at a
 * glance), then per role its heading, one table with a row per host (host, ssh,
 * process, ports, then the role's own columns) and the role's further blocks (in KRaft
 * the quorum with each voter's lag). What a role shows is its view (roles/<role>/status.ts).
 */
import type { HostStatus, StatusReport } from '../engine/status-schema.js';
import { statusRoles, type Paint, type PortStatus, type ServiceStatusBase } from '../engine/status-roles.js';
import { colors, table } from './table.js';

export interface StatusRenderOptions {
  color: boolean;
  /** --watch: the refresh interval, shown in the header. */
  watchSeconds?: number;
}

type Colors = ReturnType<typeof colors>;

export function renderStatus(r: StatusReport, opts: StatusRenderOptions): string {
  const c = colors(opts.color);
  const out: string[] = [];
  const verdictColor = r.verdict === 'HEALTHY' ? c.green : r.verdict === 'DEGRADED' ? c.yellow : c.red;
  const when = r.checkedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  out.push(
    `${c.bold(r.cluster)}: ${c.bold(verdictColor(r.verdict))}  ${c.dim(`${r.hosts.length} host(s), checked ${when} in ${(r.durationMs / 1000).toFixed(2)} s${opts.watchSeconds ? `, every ${opts.watchSeconds} s (Ctrl-C to stop)` : ''}`)}`,
  );
  for (const reason of r.reasons) {
    const mark = reason.severity === 'down' ? c.red('✗') : c.yellow('!');
    out.push(`  ${mark} ${reason.host ? `${reason.host}: ` : ''}${reason.message}`);
  }

  const paint = paintOf(c);
  for (const role of statusRoles) {
    const summary = r[role.service];
    const rows = r.hosts.flatMap((host) => host.services.filter((s) => s.service === role.service).map((svc) => ({ host, svc })));
    if (!summary || rows.length === 0) continue;
    out.push('', role.view.heading(summary, paint));
    const metrics = rows.some(({ svc }) => svc.metrics);
    out.push(
      table(
        ['host', 'ssh', 'process', 'ports', ...role.view.columns.map((col) => col.header), ...(metrics ? ['metrics'] : [])],
        rows.map(({ host, svc }) => [
          host.name,
          ssh(host, c),
          processText(svc, c),
          portsText(svc.ports, c),
          ...role.view.columns.map((col) => col.cell(svc, paint)),
          ...(metrics ? [metricsText(svc, c)] : []),
        ]),
      ),
    );
    for (const block of role.view.after?.(summary, paint) ?? []) {
      out.push('', block.heading);
      if (block.table) out.push(table(block.table.headers, block.table.rows));
    }
  }
  return out.join('\n');
}

/** The roles' colours by meaning, in this renderer's palette. */
function paintOf(c: Colors): Paint {
  return { bold: c.bold, dim: c.dim, good: c.green, warn: c.yellow, bad: c.red, accent: c.cyan };
}

/** The cause of an SSH failure, short enough for a table cell (the reasons hold it all). */
export function shortSshCause(message: string): string {
  let m = /^cannot connect to \S+: (.*)$/.exec(message)?.[1] ?? message;
  m = m.replace(/\s*\([^)]*\)\s*$/, '').replace(/ — .*$/, '');
  return m.length > 40 ? `${m.slice(0, 39)}…` : m;
}

function ssh(h: HostStatus, c: Colors): string {
  if (!h.ssh.error) return c.green('ok');
  return c.red(h.ssh.reachable ? 'probe failed' : `✗ ${shortSshCause(h.ssh.error.message)}`);
}

function processText(s: ServiceStatusBase, c: Colors): string {
  switch (s.state) {
    case 'running':
      return `${s.pid ?? '(no pid file)'}${s.uptimeSec !== null ? ` up ${duration(s.uptimeSec)}` : ''}`;
    case 'stopped':
      return c.red('stopped');
    case 'not-installed':
      return c.yellow('not installed');
    default:
      return c.dim('?');
  }
}

function portsText(ports: PortStatus[], c: Colors): string {
  if (ports.some((p) => p.listening === null)) return c.dim('?');
  return ports
    .filter((p) => p.listening || p.expected)
    .map((p) => (p.listening ? String(p.port) : c.red(`${p.port}✗`)))
    .join(' ');
}

/** The endpoint and whether it answered (✓ with its sample count, ✗ with the cause). */
function metricsText(s: ServiceStatusBase, c: Colors): string {
  const m = s.metrics;
  if (!m) return '';
  return m.answers ? `${m.url} ${c.green('✓')} ${c.dim(`${m.samples} samples`)}` : `${m.url} ${c.red(`✗ ${m.error ?? ''}`.trim())}`;
}

/** 42s, 3m12s, 2h05m, 3d04h. */
export function duration(sec: number): string {
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m${String(sec % 60).padStart(2, '0')}s`;
  if (sec < 86400) return `${Math.floor(sec / 3600)}h${String(Math.floor((sec % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(sec / 86400)}d${String(Math.floor((sec % 86400) / 3600)).padStart(2, '0')}h`;
}
