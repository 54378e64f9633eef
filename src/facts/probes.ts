/**
 * Read-only probes: each is a shell snippet plus a parser to a typed value. Many probes
 * are batched into ONE remote command (gatherFacts), so a host's state is read in a
 * single round trip.
 */
import { createHash } from 'node:crypto';
import { quote } from '../shell/command.js';

export interface OsFact {
  id: string;
  idLike: string;
  version: string;
  init: 'systemd' | 'sysv';
  tools: Set<string>;
  arch: string;
}

export interface JavaFact {
  path?: string;
  version?: string;
  feature?: number;
}

export interface AccountFact {
  exists: boolean;
  uid?: number;
  gid?: number;
  home?: string;
  shell?: string;
}

export type PathFact =
  | { kind: 'missing' }
  | { kind: 'link'; target: string; mtime: number }
  | { kind: 'dir'; owner: string; group: string; mode: string }
  | { kind: 'file'; owner: string; group: string; mode: string; size: number; mtime: number; sha256: string; content?: string };

export interface ProcessFact {
  running: boolean;
  pid?: number;
  /**
   * Seconds since the epoch the process started (from /proc/PID/stat and btime): whole
   * seconds, up to ~2 s early (btime and the tick count are both rounded down). For
   * uptimes; not precise enough to order it against a file write (see startMark).
   */
  startedAt?: number;
  /**
   * When the start wrote the pid file (its mtime, sub-second, the same kernel clock and
   * precision as the config files' mtimes): the start's own mark. See process-start.ts.
   */
  pidFileMtime?: number;
}

export type ReleaseFact = 'installed' | 'cached' | 'absent';

export interface ServiceRegistrationFact {
  /** sysv: an S* link exists in /etc/rc2.d (or chkconfig knows it); systemd: is-enabled says enabled. */
  enabled: boolean;
}

export interface Probe<T> {
  key: string;
  script: string;
  parse(out: string): T;
}

const TOOLS = ['apt-get', 'dnf', 'yum', 'update-rc.d', 'chkconfig', 'runuser', 'systemctl', 'useradd', 'bash', 'sha512sum'];

export function osProbe(): Probe<OsFact> {
  return {
    key: 'os',
    script: [
      '( . /etc/os-release 2>/dev/null; echo "id=${ID:-}"; echo "like=${ID_LIKE:-}"; echo "version=${VERSION_ID:-}" )',
      'if [ -d /run/systemd/system ]; then echo init=systemd; else echo init=sysv; fi',
      `for t in ${TOOLS.join(' ')}; do command -v "$t" >/dev/null 2>&1 && echo "has=$t"; done`,
      'echo "arch=$(uname -m)"',
    ].join('\n'),
    parse(out) {
      const kv = keyValues(out);
      return {
        id: kv.get('id')?.[0] ?? '',
        idLike: kv.get('like')?.[0] ?? '',
        version: kv.get('version')?.[0] ?? '',
        init: kv.get('init')?.[0] === 'systemd' ? 'systemd' : 'sysv',
        tools: new Set(kv.get('has') ?? []),
        arch: kv.get('arch')?.[0] ?? '',
      };
    },
  };
}

/**
 * Shell printing the version of the java at "$j": the JDK's own `release` file beside bin/
 * (JAVA_VERSION="17.0.15", in every JDK and JRE image since 9), read without starting a JVM;
 * `java -version` only where there is no such file (Java 8, odd layouts).
 */
const javaVersionScript = [
  'zkk_jr=$(readlink -f "$j" 2>/dev/null); zkk_jr=${zkk_jr%/bin/java}/release',
  'zkk_jv=; [ -f "$zkk_jr" ] && zkk_jv=$(grep -m1 \'^JAVA_VERSION=\' "$zkk_jr" 2>/dev/null)',
  'if [ -n "$zkk_jv" ]; then echo "release version ${zkk_jv#JAVA_VERSION=}"; else "$j" -version 2>&1 | head -n 3; fi',
].join('\n');

/** The java on the PATH, or (bin given) that exact executable. */
export function javaProbe(bin?: string): Probe<JavaFact> {
  if (bin) {
    return {
      key: `java:${bin}`,
      script: `if [ -x ${quote(bin)} ]; then j=${quote(bin)}; echo path=${quote(bin)}\n${javaVersionScript}\nfi`,
      parse: parseJavaVersion,
    };
  }
  return {
    key: 'java',
    script: `if j=$(command -v java 2>/dev/null); then echo "path=$j"\n${javaVersionScript}\nfi`,
    parse: parseJavaVersion,
  };
}

export function parseJavaVersion(out: string): JavaFact {
  const path = /^path=(.*)$/m.exec(out)?.[1];
  const m = /version "([^"]+)"/.exec(out);
  if (!path || !m) return path ? { path } : {};
  const version = m[1]!;
  const parts = version.split(/[._-]/);
  const feature = parts[0] === '1' ? Number(parts[1]) : Number(parts[0]);
  return { path, version, feature };
}

export function userProbe(name: string): Probe<AccountFact> {
  return {
    key: `user:${name}`,
    script: `getent passwd ${quote(name)} || true`,
    parse(out) {
      const f = out.trim().split(':');
      if (f.length < 7) return { exists: false };
      return { exists: true, uid: Number(f[2]), gid: Number(f[3]), home: f[5], shell: f[6] };
    },
  };
}

export function groupProbe(name: string): Probe<AccountFact> {
  return {
    key: `group:${name}`,
    script: `getent group ${quote(name)} || true`,
    parse(out) {
      const f = out.trim().split(':');
      return f.length >= 3 ? { exists: true, gid: Number(f[2]) } : { exists: false };
    },
  };
}

/**
 * Shell for a path's own mtime (lstat) as "seconds[.nanoseconds]": %Y's whole seconds
 * and the fraction %y prints (every GNU stat; a stat without it gives whole seconds).
 */
export function mtimeScript(quotedPath: string): string {
  return `$(stat -c '%Y %y' ${quotedPath} 2>/dev/null | sed 's/^\\([0-9]*\\) [^ ]* [0-9:]*\\(\\.[0-9]*\\)\\{0,1\\} .*$/\\1\\2/')`;
}

/** Type, owner, mode of a path; for files also the sha256 and (withContent) the content, for diffs. */
export function pathProbe(p: string, withContent = false): Probe<PathFact> {
  const q = quote(p);
  return {
    key: `path:${p}`,
    script: [
      `if [ -L ${q} ]; then echo "link ${mtimeScript(q)} $(readlink ${q})";`,
      `elif [ -d ${q} ]; then echo "dir $(stat -c '%U %G %a' ${q})";`,
      // one stat for owner, group, mode, size and both mtimes (%Y, and %y for the fraction), one
      // sha256sum, the size cut out by the shell: 3 processes a file (it was 9 with the pipes)
      `elif [ -f ${q} ]; then zkk_s=$(stat -c '%U %G %a %s %Y %y' ${q}); zkk_h=$(sha256sum < ${q}); echo "file $zkk_s \${zkk_h%% *}";`,
      withContent ? `  zkk_z=\${zkk_s#* * * }; if [ "\${zkk_z%% *}" -le 262144 ]; then base64 -w0 < ${q}; echo; fi;` : '',
      `else echo missing; fi`,
    ].join('\n'),
    parse: parsePathFact,
  };
}

export function parsePathFact(out: string): PathFact {
  const [first = '', second] = out.split('\n');
  const f = first.split(' ');
  switch (f[0]) {
    case 'link': {
      const rest = first.slice(5);
      const sp = rest.indexOf(' ');
      return { kind: 'link', mtime: Number(rest.slice(0, sp)), target: rest.slice(sp + 1) };
    }
    case 'dir':
      return { kind: 'dir', owner: f[1]!, group: f[2]!, mode: normMode(f[3]!) };
    case 'file': {
      // "file U G MODE SIZE SECONDS DATE TIME ZONE SHA256": %Y's seconds, and the fraction %y's TIME carries
      const fraction = /\.\d+$/.exec(f[7] ?? '')?.[0] ?? '';
      const fact: PathFact = { kind: 'file', owner: f[1]!, group: f[2]!, mode: normMode(f[3]!), size: Number(f[4]), mtime: Number(f[5] + fraction), sha256: f[9]! };
      if (second !== undefined && second !== '') fact.content = Buffer.from(second, 'base64').toString('utf8');
      else if (second === '' && fact.size === 0) fact.content = '';
      return fact;
    }
    default:
      return { kind: 'missing' };
  }
}

const normMode = (m: string): string => m.padStart(4, '0');

/** Whether a pid file names a live process whose command line contains a marker. */
export function processProbe(pidFile: string, cmdlineMarker: string): Probe<ProcessFact> {
  const pf = quote(pidFile);
  return {
    key: `process:${pidFile}`,
    script: [
      `pid=$(cat ${pf} 2>/dev/null | tr -dc 0-9)`,
      `if [ -n "$pid" ] && [ -r /proc/$pid/cmdline ] && tr '\\0' ' ' < /proc/$pid/cmdline | grep -qF -- ${quote(cmdlineMarker)} && ! grep -q '^State:.*Z' /proc/$pid/status 2>/dev/null; then`,
      // start time = boot time + starttime ticks (field 22 of /proc/PID/stat) / CLK_TCK
      `  st=$(sed 's/.*) //' /proc/$pid/stat | cut -d' ' -f20); bt=$(awk '/^btime/ {print $2}' /proc/stat)`,
      // and the pid file's own mtime: the start wrote it (see process-start.ts)
      `  echo "running $pid $((bt + st / $(getconf CLK_TCK))) ${mtimeScript(pf)}"; else echo stopped; fi`,
    ].join('\n'),
    parse(out) {
      const f = out.trim().split(' ');
      if (f[0] !== 'running') return { running: false };
      const fact: ProcessFact = { running: true, pid: Number(f[1]), startedAt: Number(f[2]) };
      if (f[3] && /^\d+(\.\d+)?$/.test(f[3])) fact.pidFileMtime = Number(f[3]);
      return fact;
    },
  };
}

/**
 * Is this exact release unpacked (marker file holds its sha512)? If not, does the host's
 * upload cache already hold a copy with the right checksum (no upload needed)?
 */
export function releaseProbe(markerFile: string, cachedTarball: string, sha512: string): Probe<ReleaseFact> {
  return {
    key: `release:${markerFile}`,
    script: [
      `if [ "$(cat ${quote(markerFile)} 2>/dev/null)" = ${quote(sha512)} ]; then echo installed;`,
      `elif [ -f ${quote(cachedTarball)} ] && [ "$(sha512sum < ${quote(cachedTarball)} | cut -c1-128)" = ${quote(sha512)} ]; then echo cached;`,
      `else echo absent; fi`,
    ].join('\n'),
    parse: (out) => (out.trim() === 'installed' ? 'installed' : out.trim() === 'cached' ? 'cached' : 'absent'),
  };
}

export function serviceRegistrationProbe(name: string, init: 'systemd' | 'sysv'): Probe<ServiceRegistrationFact> {
  const q = quote(name);
  return {
    key: `service-enabled:${name}`,
    script:
      init === 'systemd'
        ? `systemctl is-enabled ${q} 2>/dev/null || true`
        : `if ls /etc/rc2.d/S[0-9][0-9]${name} >/dev/null 2>&1 || ls /etc/rc.d/rc3.d/S[0-9][0-9]${name} >/dev/null 2>&1; then echo enabled; else echo disabled; fi`,
    parse: (out) => ({ enabled: out.trim() === 'enabled' }),
  };
}

/** Free-form command output (for role-specific checks). */
export function commandProbe(key: string, script: string): Probe<string> {
  return { key, script: `{ ${script}\n} 2>/dev/null || true`, parse: (out) => out };
}

function keyValues(out: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    const k = line.slice(0, i);
    m.set(k, [...(m.get(k) ?? []), line.slice(i + 1)]);
  }
  return m;
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
