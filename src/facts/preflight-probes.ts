/**
 * Read-only probes for `zkk doctor` and the deploy's preflight, each a shell snippet plus
 * a parser (batched with the others into the host's one command, see gather.ts). Every
 * value that reaches the shell goes through quote(); addresses and paths are inventory
 * values already validated as such.
 */
import { quote } from '../shell/command.js';
import type { Probe } from './probes.js';

/** The host clock in milliseconds, read first and last in the batch (see clockProbes). */
export interface ClockReading {
  ms?: number;
}

const parseMs = (out: string): ClockReading => {
  const t = out.trim();
  // GNU date prints nanoseconds for %N; a date without it prints "N" literally
  if (/^\d{10}\d{9}$/.test(t)) return { ms: Math.round(Number(t) / 1e6) };
  if (/^\d{10}N?$/.test(t)) return { ms: Number(t.replace('N', '')) * 1000 };
  return {};
};

/**
 * Two readings of the host clock, put first and last in the batch: the host-side time
 * between them, subtracted from the control node's round trip, leaves the network delay,
 * so the first reading is compared with the control node's clock at start + delay/2.
 */
export function clockProbes(): { start: Probe<ClockReading>; end: Probe<ClockReading> } {
  return {
    start: { key: 'preflight.clock-start', script: 'date +%s%N', parse: parseMs },
    end: { key: 'preflight.clock-end', script: 'date +%s%N', parse: parseMs },
  };
}

/** Host clock minus control clock (ms) and its uncertainty, from the two readings and the control node's send/receive times. */
export function clockOffset(start: ClockReading, end: ClockReading, sentAt: number, receivedAt: number): { offsetMs: number; uncertaintyMs: number } | undefined {
  if (start.ms === undefined || end.ms === undefined) return undefined;
  const hostSpan = Math.max(0, end.ms - start.ms);
  const network = Math.max(0, receivedAt - sentAt - hostSpan);
  return { offsetMs: start.ms - (sentAt + network / 2), uncertaintyMs: Math.round(network / 2) + 1 };
}

export interface IdentityFact {
  user: string;
  uid?: number;
}

/** Who the commands run as (root, directly or through sudo). */
export function identityProbe(): Probe<IdentityFact> {
  return {
    key: 'preflight.identity',
    script: 'echo "$(id -un 2>/dev/null) $(id -u 2>/dev/null)"',
    parse(out) {
      const [user = '', uid] = out.trim().split(' ');
      return { user, uid: uid !== undefined && /^\d+$/.test(uid) ? Number(uid) : undefined };
    },
  };
}

export interface DirSpaceFact {
  dir: string;
  /** The directory itself, or its nearest existing parent (not created yet). */
  probed?: string;
  freeKb?: number;
  sizeKb?: number;
  /** Where the file system holding it is mounted ("/" = shared with the OS). */
  mount?: string;
}

/** Free space and mount point of each data directory (its nearest existing parent when it does not exist yet). */
export function dirSpaceProbe(dirs: readonly string[]): Probe<DirSpaceFact[]> {
  const lines = dirs.map(
    (d, i) => `p=${quote(d)}; while [ ! -e "$p" ]; do p=$(dirname "$p"); done; echo "dir ${i} $(df -Pk "$p" 2>/dev/null | awk 'NR==2 {print $2, $4, $6}') $p"`,
  );
  return {
    key: `preflight.disk:${dirs.join(',')}`,
    script: lines.join('\n') || 'true',
    parse: (out) => parseDirSpace(out, dirs),
  };
}

export function parseDirSpace(out: string, dirs: readonly string[]): DirSpaceFact[] {
  const found = new Map<number, DirSpaceFact>();
  for (const line of out.split('\n')) {
    const m = /^dir (\d+) (\d+) (\d+) (\/\S*) (\/.*)$/.exec(line);
    if (m) found.set(Number(m[1]), { dir: dirs[Number(m[1])]!, sizeKb: Number(m[2]), freeKb: Number(m[3]), mount: m[4], probed: m[5] });
  }
  return dirs.map((dir, i) => found.get(i) ?? { dir });
}

export interface PortHolder {
  port: number;
  pid?: number;
  /** The holder's command line (first 300 characters), when it could be read. */
  cmdline?: string;
  /** Which of the probe's markers its whole command line holds (a JVM's main class comes after a long classpath). */
  marker?: string;
}

/**
 * Which of these TCP ports something listens on, and which process: ss -ltnp where it
 * exists (the pid needs root, which zkk runs as), else /proc/net/tcp (ports only). The
 * holder's whole command line is searched for each marker (the roles' own process, e.g.
 * QuorumPeerMain, which follows a classpath far longer than the 300 characters shown).
 */
export function portHoldersProbe(ports: readonly number[], markers: readonly string[] = []): Probe<{ tool: 'ss' | 'proc'; held: PortHolder[] }> {
  const list = [...new Set(ports)].join(' ');
  const marks = [...new Set(markers)];
  return {
    key: `preflight.ports:${list}${marks.length ? `:${marks.join(',')}` : ''}`,
    script: [
      'if command -v ss >/dev/null 2>&1; then echo tool=ss',
      // columns of ss -Hltn: State Recv-Q Send-Q Local:Port Peer:Port Process
      '  ss -Hltnp 2>/dev/null | while read -r _ _ _ local _ rest; do p=${local##*:}',
      `    case " ${list} " in *" $p "*)`,
      "      pid=$(printf '%s' \"$rest\" | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p')",
      '      if [ -n "$pid" ]; then',
      '        c=$(tr \'\\0\' \' \' < /proc/$pid/cmdline 2>/dev/null); own=',
      ...marks.map((mk) => `        case "$c" in *${quote(mk)}*) own=${quote(mk)} ;; esac`),
      '        echo "held $p $pid own=$own $(printf \'%s\' "$c" | cut -c1-300)"',
      '      else echo "held $p -"; fi ;;',
      '    esac',
      '  done',
      'else echo tool=proc',
      `  awk 'FNR > 1 && $4 == "0A" { print $2 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null | while read -r a; do echo "hex \${a##*:}"; done`,
      'fi',
    ].join('\n'),
    parse(out) {
      const tool = /^tool=proc$/m.test(out) ? 'proc' : 'ss';
      const wanted = new Set(ports);
      const held = new Map<number, PortHolder>();
      for (const line of out.split('\n')) {
        let m = /^held (\d+) (\d+|-)(?: own=(\S*))?(?: (.*))?$/.exec(line);
        if (m) {
          const port = Number(m[1]);
          held.set(port, { port, ...(m[2] !== '-' ? { pid: Number(m[2]) } : {}), ...(m[3] ? { marker: m[3] } : {}), ...(m[4] ? { cmdline: m[4].trim() } : {}) });
          continue;
        }
        m = /^hex ([0-9A-Fa-f]{4})$/.exec(line.trim());
        if (m) {
          const port = parseInt(m[1]!, 16);
          if (wanted.has(port)) held.set(port, { port });
        }
      }
      return { tool, held: [...held.values()].sort((a, b) => a.port - b.port) };
    },
  };
}

export interface NameFact {
  name: string;
  /** name → addresses (getent ahosts); for an IP, itself. */
  addresses: string[];
  /** first address → names (getent hosts ADDR). */
  reverse: string[];
}

/** Forward and reverse resolution of names/addresses, as this host's resolver sees them. */
export function nameResolutionProbe(names: readonly string[], isIp: (s: string) => boolean): Probe<NameFact[]> {
  const unique = [...new Set(names)];
  const lines = unique.map((n, i) => {
    const q = quote(n);
    const fwd = isIp(n) ? `a=${q}` : `a=$($t getent ahosts ${q} 2>/dev/null | awk '{print $1}' | sort -u | tr '\\n' ' ')`;
    return `${fwd}; echo "fwd ${i} $a"; f=\${a%% *}; if [ -n "$f" ]; then echo "rev ${i} $($t getent hosts "$f" 2>/dev/null | head -n 1 | awk '{ $1 = ""; print }')"; fi`;
  });
  return {
    key: `preflight.names:${unique.join(',')}`,
    // a resolver that cannot reach its DNS server waits up to 3 s per name, not its own 10-30 s
    script: unique.length ? ['t=; command -v timeout >/dev/null 2>&1 && t="timeout 3"', ...lines].join('\n') : 'true',
    parse(out) {
      const facts = unique.map((name) => ({ name, addresses: [] as string[], reverse: [] as string[] }));
      for (const line of out.split('\n')) {
        const m = /^(fwd|rev) (\d+) ?(.*)$/.exec(line);
        const f = m && facts[Number(m[2])];
        if (!f) continue;
        const words = m[3]!.trim().split(/\s+/).filter(Boolean);
        if (m[1] === 'fwd') f.addresses = words;
        else f.reverse = words;
      }
      return facts;
    },
  };
}

export interface NofileFact {
  user: string;
  wanted: number;
  /** user: measured as the service user (runuser); session: the user does not exist yet, measured in zkk's own session. */
  as: 'user' | 'session';
  soft?: number;
  hard?: number;
}

const limit = (s: string | undefined): number | undefined => (s === 'unlimited' ? Number.POSITIVE_INFINITY : s && /^\d+$/.test(s) ? Number(s) : undefined);

/**
 * `ulimit -n` (soft and hard) the service user ends up with when started as the init.d
 * scripts do: raise the limit to what the service wants as root, runuser (whose pam_limits
 * resets the soft limit), raise it again as the user (up to the hard limit).
 */
export function nofileProbe(users: readonly { user: string; nofile: number }[]): Probe<NofileFact[]> {
  const unique = [...new Map(users.map((u) => [u.user, u])).values()];
  const lines = unique.map(
    ({ user, nofile }, i) =>
      `( ulimit -n ${nofile} 2>/dev/null; if id -u ${quote(user)} >/dev/null 2>&1 && command -v runuser >/dev/null 2>&1; then echo "nofile ${i} user $(runuser -u ${quote(user)} -- sh -c 'ulimit -n ${nofile} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; echo $(ulimit -Sn) $(ulimit -Hn)' 2>/dev/null)"; else ulimit -n "$(ulimit -Hn)" 2>/dev/null; echo "nofile ${i} session $(ulimit -Sn) $(ulimit -Hn)"; fi )`,
  );
  return {
    key: `preflight.nofile:${unique.map((u) => `${u.user}=${u.nofile}`).join(',')}`,
    script: lines.join('\n') || 'true',
    parse(out) {
      const facts: NofileFact[] = unique.map(({ user, nofile }) => ({ user, wanted: nofile, as: 'session' }));
      for (const line of out.split('\n')) {
        const m = /^nofile (\d+) (user|session) ?(\S*) ?(\S*)/.exec(line);
        const f = m && facts[Number(m[1])];
        if (!f) continue;
        facts[Number(m[1])] = { ...f, as: m[2] as 'user' | 'session', soft: limit(m[3]), hard: limit(m[4]) };
      }
      return facts;
    },
  };
}

export interface MemoryTuningFact {
  swapTotalKb?: number;
  swappiness?: number;
  /** The selected transparent huge pages mode: always | madvise | never. */
  thp?: string;
}

export function memoryTuningProbe(): Probe<MemoryTuningFact> {
  return {
    key: 'preflight.memory',
    script: [
      "awk '/^SwapTotal:/ {print \"swap\", $2}' /proc/meminfo",
      'echo "swappiness $(cat /proc/sys/vm/swappiness 2>/dev/null)"',
      'echo "thp $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"',
    ].join('\n'),
    parse(out) {
      const swap = /^swap (\d+)$/m.exec(out)?.[1];
      const swappiness = /^swappiness (\d+)$/m.exec(out)?.[1];
      const thp = /^thp .*\[(\w+)\]/m.exec(out)?.[1];
      return { swapTotalKb: swap ? Number(swap) : undefined, swappiness: swappiness ? Number(swappiness) : undefined, thp };
    },
  };
}

export type TcpResult = 'open' | 'refused' | 'filtered' | 'unreachable' | 'error';

export interface TcpReach {
  address: string;
  port: number;
  result: TcpResult;
  detail?: string;
}

export interface TcpTarget {
  address: string;
  port: number;
}

/** Seconds a host-to-host connect may take before the SYN counts as dropped. */
export const TCP_CONNECT_TIMEOUT_S = 2;
/**
 * A connect that got no answer in TCP_CONNECT_TIMEOUT_S is tried once more with this timeout,
 * all such retries at once: on a loaded host, starting `timeout` + bash can itself take seconds,
 * and a healthy peer must not be reported behind a firewall because of that. A real drop costs
 * this much more; an answered connect costs nothing more.
 */
export const TCP_RETRY_TIMEOUT_S = 5;

/**
 * TCP connects from this host to peers' ports, all at once (bash's /dev/tcp under
 * timeout): connected = open; "Connection refused" = the peer answered with a RST, so
 * packets get through and nothing listens yet; no answer within the timeout (twice, see
 * TCP_RETRY_TIMEOUT_S) = a firewall drops the SYN (filtered); "No route to host" = an ICMP
 * rejection (a REJECT rule or no route). A REJECT --reject-with tcp-reset rule looks like
 * "refused": nothing tells them apart. The fact keeps the targets it was asked for, so a
 * judge knows which peers tested which port.
 */
export function tcpReachProbe(targets: readonly TcpTarget[]): Probe<{ available: boolean; targets: TcpTarget[]; results: TcpReach[] }> {
  const lines = targets.map((t) => `zkk_tcp ${TCP_CONNECT_TIMEOUT_S} ${quote(t.address)} ${t.port} &`);
  const asked = targets.map((t) => ({ address: t.address, port: t.port }));
  return {
    key: `preflight.tcp:${targets.map((t) => `${t.address}:${t.port}`).join(',')}`,
    script:
      targets.length === 0
        ? 'echo tcp-none'
        : [
            'if command -v bash >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then',
            `zkk_tcp() { r=$(timeout "$1" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$2" "$3" 2>&1); c=$?; echo "tcp $2 $3 $c $(printf '%s' "$r" | tail -n 1)"; }`,
            'zkk_tcp_first=$(',
            ...lines,
            'wait)',
            // the connects that got no answer, tried once more (all at once); the others as they were
            `printf '%s\\n' "$zkk_tcp_first" | { while read -r _ a p c m; do [ -n "$p" ] || continue; if [ "$c" = 124 ]; then zkk_tcp ${TCP_RETRY_TIMEOUT_S} "$a" "$p" & else printf 'tcp %s %s %s %s\\n' "$a" "$p" "$c" "$m"; fi; done; wait; }`,
            'else echo tcp-unavailable; fi',
          ].join('\n'),
    parse(out) {
      if (/^tcp-unavailable$/m.test(out)) return { available: false, targets: asked, results: [] };
      const results: TcpReach[] = [];
      for (const line of out.split('\n')) {
        const m = /^tcp (\S+) (\d+) (\d+) ?(.*)$/.exec(line);
        if (!m) continue;
        const code = Number(m[3]);
        const msg = m[4]!.replace(/^.*?: /, '').trim();
        const result: TcpResult = code === 0 ? 'open' : code === 124 ? 'filtered' : /refused/i.test(msg) ? 'refused' : /no route|unreachable/i.test(msg) ? 'unreachable' : 'error';
        results.push({ address: m[1]!, port: Number(m[2]), result, ...(msg && result === 'error' ? { detail: msg } : {}) });
      }
      return { available: true, targets: asked, results };
    },
  };
}
