/**
 * `zkk status` as text: the verdict and its reasons first (what an operator needs at a
 * glance), then one table per service with a row per host, the Kafka cluster-wide facts
 * once, and in KRaft the quorum with each voter's lag.
 */
import type { HostStatus, KafkaServiceStatus, PortStatus, StatusReport, ZookeeperServiceStatus } from '../engine/status-schema.js';
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

  const zkRows = rowsOf<ZookeeperServiceStatus>(r.hosts, 'zookeeper');
  if (r.zookeeper && zkRows.length > 0) {
    const z = r.zookeeper;
    out.push('', `${c.bold('ZooKeeper')}  ${z.serving} of ${z.ensembleSize} serving, quorum ${z.quorumSize}, ${z.hasQuorum === null ? c.dim('quorum unknown') : !z.hasQuorum ? c.red('NO QUORUM') : z.leader ? `leader ${z.leader}` : c.yellow('leader not visible (on a host zkk could not ask)')}`);
    out.push(
      table(
        ['host', 'ssh', 'process', 'ports', 'mode', 'zxid', 'conns', 'outst', 'synced', 'version'],
        zkRows.map(({ host, svc }) => [
          host.name,
          ssh(host, c),
          processText(svc, c),
          portsText(svc.ports, c),
          modeText(svc.mode, c),
          svc.zxid ?? '',
          num(svc.connections),
          num(svc.outstanding),
          svc.mode === 'leader' ? num(svc.syncedFollowers) : '',
          svc.version ?? '',
        ]),
      ),
    );
  }

  const kRows = rowsOf<KafkaServiceStatus>(r.hosts, 'kafka');
  if (r.kafka && kRows.length > 0) {
    const k = r.kafka;
    const head = `${c.bold('Kafka')}  ${k.mode === 'kraft' ? 'KRaft' : 'ZooKeeper mode'}`;
    if (!k.reachable) out.push('', `${head}  ${c.red(`no broker answers${k.error ? `: ${k.error}` : ''}`)}`);
    else {
      const p = k.partitions;
      const parts = p
        ? `partitions ${p.total}: ${count(p.underReplicated, 'under-replicated', c.yellow)}, ${count(p.offline, 'offline', c.red)}, ${count(p.underMinIsr, 'under min ISR', c.yellow)}`
        : 'partitions ?';
      const controller = k.activeController === null ? c.red('no active controller') : `active controller ${k.activeController}`;
      out.push('', `${head}  ${controller}, brokers ${k.brokers.registered.length}/${k.brokers.expected.length} registered, ${parts}`);
    }
    out.push(
      table(
        ['host', 'ssh', 'process', 'ports', 'node', 'roles', 'registered', 'controller', 'version'],
        kRows.map(({ host, svc }) => [
          host.name,
          ssh(host, c),
          processText(svc, c),
          portsText(svc.ports, c),
          String(svc.nodeId),
          svc.processRoles.join('+'),
          svc.registered === null ? '' : svc.registered ? c.green('yes') : c.red('no'),
          svc.activeController ? c.cyan('active') : '',
          svc.version ?? '',
        ]),
      ),
    );
    const q = k.quorum;
    if (q) {
      if (q.error) out.push('', `${c.bold('KRaft quorum')}  ${c.red(`unknown: ${q.error}`)}`);
      else {
        out.push('', `${c.bold('KRaft quorum')}  ${q.leaderId === null ? c.red('no leader') : `leader ${q.leaderId}`}${q.leaderEpoch !== null ? `, epoch ${q.leaderEpoch}` : ''}${q.highWatermark !== null ? `, high watermark ${q.highWatermark}` : ''}${q.source === 'kafka-metadata-quorum' ? c.dim(' (via kafka-metadata-quorum)') : ''}`);
        out.push(
          table(
            ['voter', 'host', 'log end', 'lag', 'caught up'],
            q.voters.map((v) => [
              String(v.nodeId),
              v.host ?? '',
              v.logEndOffset === null ? '?' : String(v.logEndOffset),
              v.lag === null ? '?' : v.lag > 0 ? c.yellow(String(v.lag)) : '0',
              v.nodeId === q.leaderId ? 'leader' : v.lagMs === null ? '?' : `${(v.lagMs / 1000).toFixed(1)} s ago`,
            ]),
          ),
        );
      }
    }
  }
  return out.join('\n');
}

function rowsOf<T extends { service: string }>(hosts: HostStatus[], service: T['service']): { host: HostStatus; svc: T }[] {
  return hosts.flatMap((host) => host.services.filter((s) => s.service === service).map((svc) => ({ host, svc: svc as unknown as T })));
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

function processText(s: { state: string; pid: number | null; uptimeSec: number | null }, c: Colors): string {
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

function modeText(mode: string, c: Colors): string {
  if (mode === 'leader' || mode === 'standalone') return c.green(mode);
  if (mode === 'follower' || mode === 'observer') return mode;
  if (mode === 'unknown') return c.dim('?');
  return c.red(mode === 'down' ? 'no answer' : mode);
}

const num = (n: number | null): string => (n === null ? '' : String(n));

function count(n: number, what: string, color: (s: string) => string): string {
  return n > 0 ? color(`${n} ${what}`) : `0 ${what}`;
}

/** 42s, 3m12s, 2h05m, 3d04h. */
export function duration(sec: number): string {
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m${String(sec % 60).padStart(2, '0')}s`;
  if (sec < 86400) return `${Math.floor(sec / 3600)}h${String(Math.floor((sec % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(sec / 86400)}d${String(Math.floor((sec % 86400) / 3600)).padStart(2, '0')}h`;
}
