/**
 * Adopting a ZooKeeper server built by hand the way the seed posts do it: the release
 * unpacked as a real directory at installDir, its own conf/zoo.cfg (e.g. server.N=ip:3188:3288),
 * dataDir (and dataLogDir) inside the install directory, started with `zkServer.sh start`.
 *
 * The fact reads the hand install where it is (installDir) or, once taken over, in its
 * backup (`<installDir>.pre-zkk`, kept for good): its zoo.cfg, myid, snapshots, whether its
 * data still waits to be moved, and the pids of the server started by hand. Ids and ports
 * are kept (identities.ts); the take-over of one server (adoptionScript) is run by converge
 * one server at a time, followers first, the leader last, each through the quorum gate:
 * stop the hand-started server, keep its directory as the backup, move its data into
 * zkk's dataDir (never deleted: moved file by file, resumable), link installDir to zkk's
 * release, start zkk's service. Every step reads what is there first, so a run killed at
 * any point is finished by the next.
 */
import { quote, script, type Command } from '../../shell/command.js';
import { handJvmPidsScript } from '../../shell/hand-jvm-pids.js';
import type { Probe } from '../../facts/probes.js';
import type { ResolvedZookeeper } from '../../inventory/resolve.js';
import { MARKER } from '../../ops/archive.js';

export interface HandZkServer {
  id: number;
  host: string;
  quorumPort: number;
  electionPort: number;
}

export interface HandZookeeper {
  /** Where the hand install is now: still at installDir, or already kept as the backup. */
  at: 'install' | 'backup';
  /** Its zoo.cfg as written by hand. */
  dataDir?: string;
  dataLogDir?: string;
  clientPort?: number;
  servers: HandZkServer[];
  /** Its myid file (in its dataDir, wherever that is now). */
  myid?: number;
  snapshots: number;
  /** Its data (dataDir/version-2 or dataLogDir/version-2) still waits to be moved into zkk's dirs. */
  dataPending: boolean;
  /** Which of them: the snapshots (dataDir/version-2), the transaction logs (dataLogDir/version-2). */
  pendingData?: ('snapshots' | 'txlogs')[];
  /** ZooKeeper servers started by hand from the install directory (zkServer.sh start). */
  pids: number[];
}

export type HandZookeeperFact = HandZookeeper | undefined;

export const backupDir = (s: ResolvedZookeeper): string => `${s.installDir}.pre-zkk`;
/** The note left in the backup: where its data went. */
export const ADOPTED_NOTE = 'ZKK-ADOPTED';

/** A path of the hand config as it is now: under the backup once the install dir moved there. */
export function whereNow(s: ResolvedZookeeper, p: string, at: HandZookeeper['at']): string {
  return at === 'backup' && (p === s.installDir || p.startsWith(`${s.installDir}/`)) ? backupDir(s) + p.slice(s.installDir.length) : p;
}


export function handZookeeperProbe(s: ResolvedZookeeper): Probe<HandZookeeperFact> {
  const i = quote(s.installDir);
  const b = quote(backupDir(s));
  const dirOf = (key: string) => `$(sed -n 's/^[[:space:]]*${key}[[:space:]]*=[[:space:]]*//p' "$r/conf/zoo.cfg" | tail -n1 | tr -d '\\r')`;
  // a hand path under the install dir is under the backup once it moved
  const now = (v: string) => `case "$${v}" in ${i}/*) [ "$r" = ${b} ] && ${v}=${b}"\${${v}#${i}}" ;; esac`;
  return {
    key: `zookeeper-hand:${s.installDir}`,
    script: [
      `r=`,
      `if [ -d ${i} ] && [ ! -L ${i} ] && [ ! -e ${quote(`${s.installDir}/${MARKER}`)} ] && [ -f ${i}/conf/zoo.cfg ]; then r=${i}; echo at=install;`,
      `elif [ -d ${b} ] && [ -f ${b}/conf/zoo.cfg ]; then r=${b}; echo at=backup; fi`,
      'if [ -n "$r" ]; then',
      '  echo "cfg=$(base64 -w0 < "$r/conf/zoo.cfg")"',
      `  d=${dirOf('dataDir')}; l=${dirOf('dataLogDir')}`,
      `  ${now('d')}; ${now('l')}`,
      '  [ -n "$d" ] && echo "myid=$(head -c 16 "$d/myid" 2>/dev/null | tr -dc 0-9)" && echo "snapshots=$(ls -1 "$d/version-2" 2>/dev/null | grep -c \'^snapshot\\.\')"',
      '  [ -n "$d" ] && [ -d "$d/version-2" ] && echo pending=snapshots',
      '  [ -n "$l" ] && [ "$l" != "$d" ] && [ -d "$l/version-2" ] && echo pending=txlogs',
      `  [ "$r" = ${i} ] && echo "pids=$(${handJvmPidsScript(s.installDir, `${s.dataDir}/zookeeper_server.pid`, '*QuorumPeerMain*')} | tr '\\n' ' ')"`,
      'fi',
    ].join('\n'),
    parse: parseHandZookeeper,
  };
}

export function parseHandZookeeper(out: string): HandZookeeperFact {
  const kv = new Map<string, string>();
  for (const line of out.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) kv.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  const at = kv.get('at');
  if (at !== 'install' && at !== 'backup') return undefined;
  const pending = out.split('\n').flatMap((l) => (l === 'pending=snapshots' || l === 'pending=txlogs' ? [l.slice(8) as 'snapshots' | 'txlogs'] : []));
  const cfg = parseZooCfg(Buffer.from(kv.get('cfg') ?? '', 'base64').toString('utf8'));
  const myid = Number(kv.get('myid') || NaN);
  return {
    at,
    ...cfg,
    ...(Number.isInteger(myid) && myid > 0 ? { myid } : {}),
    snapshots: Number(kv.get('snapshots') || 0),
    dataPending: pending.length > 0,
    pendingData: pending,
    pids: (kv.get('pids') ?? '').split(/\s+/).filter(Boolean).map(Number),
  };
}

/** The settings of a hand-written zoo.cfg zkk needs to take it over. */
export function parseZooCfg(text: string): Pick<HandZookeeper, 'dataDir' | 'dataLogDir' | 'clientPort' | 'servers'> {
  const props = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) props.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const servers: HandZkServer[] = [];
  for (const [k, v] of props) {
    const id = /^server\.(\d+)$/.exec(k)?.[1];
    const m = /^([^:;\s]+):(\d+):(\d+)/.exec(v);
    if (id && m) servers.push({ id: Number(id), host: m[1]!, quorumPort: Number(m[2]), electionPort: Number(m[3]) });
  }
  const port = Number(props.get('clientPort'));
  return {
    ...(props.get('dataDir') ? { dataDir: props.get('dataDir') } : {}),
    ...(props.get('dataLogDir') ? { dataLogDir: props.get('dataLogDir') } : {}),
    ...(Number.isInteger(port) && port > 0 ? { clientPort: port } : {}),
    servers: servers.sort((a, b) => a.id - b.id),
  };
}

/** Whether this host still has something of its hand install to take over. */
export const adoptionPending = (hand: HandZookeeperFact): hand is HandZookeeper => !!hand && (hand.at === 'install' || hand.dataPending);

/**
 * Why zkk cannot take this server over as it is (undefined: it can). zkk's own settings
 * that cannot change while the ensemble keeps serving must match the hand ones.
 */
export function adoptionRefusal(s: ResolvedZookeeper, hand: HandZookeeper): { reason: string; hint: string } | undefined {
  if (hand.clientPort !== undefined && hand.clientPort !== s.clientPort)
    return { reason: `the hand-built server at ${s.installDir} serves clients on port ${hand.clientPort}, the inventory says ${s.clientPort}`, hint: `set zookeeper.clientPort: ${hand.clientPort} in the inventory (clients keep connecting there)` };
  for (const [what, dir] of [['dataDir', hand.dataDir], ['dataLogDir', hand.dataLogDir]] as const) {
    if (!dir || dir === s.installDir || dir.startsWith(`${s.installDir}/`)) continue;
    if (dir !== s.dataDir && dir !== s.dataLogDir)
      return { reason: `the hand-built server keeps its ${what} at ${dir}, outside ${s.installDir}; the inventory's dataDir is ${s.dataDir}`, hint: `set zookeeper.${what}: ${dir} in the inventory to keep that data where it is` };
  }
  if (hand.at === 'install' && hand.myid === undefined)
    return { reason: `the hand-built server at ${s.installDir} has no myid file in ${hand.dataDir ?? '(no dataDir in its zoo.cfg)'}`, hint: 'write the id of its server.N line into <dataDir>/myid, then run zkk again' };
  return undefined;
}

/** Where the hand data goes: zkk's dataLogDir for the transaction logs when it has one, else its dataDir. */
function moves(s: ResolvedZookeeper, hand: HandZookeeper): { from: string; to: string; what: string; kind: 'snapshots' | 'txlogs' }[] {
  const out: { from: string; to: string; what: string; kind: 'snapshots' | 'txlogs' }[] = [];
  const inInstall = (d: string) => d === s.installDir || d.startsWith(`${s.installDir}/`);
  if (hand.dataDir && inInstall(hand.dataDir)) out.push({ from: whereNow(s, hand.dataDir, 'backup'), to: s.dataDir, what: 'snapshots', kind: 'snapshots' });
  const txl = hand.dataLogDir;
  if (txl && inInstall(txl) && txl !== hand.dataDir) out.push({ from: whereNow(s, txl, 'backup'), to: s.dataLogDir ?? s.dataDir, what: 'transaction logs', kind: 'txlogs' });
  return out;
}

/** What taking this server over does, in order (the plan shows it). */
export function adoptionSummary(s: ResolvedZookeeper, hand: HandZookeeper, versionedDir: string): string {
  const parts: string[] = [];
  const own = hand.servers.find((x) => x.id === s.myid);
  parts.push(`take over the hand-built server: myid ${s.myid} kept, ports ${s.clientPort}/${own?.quorumPort ?? s.quorumPort}/${own?.electionPort ?? s.electionPort} kept`);
  if (hand.at === 'install') {
    parts.push(hand.pids.length > 0 ? `stop its hand-started process (pid ${hand.pids.join(', ')})` : 'its process is not running');
    parts.push(`keep ${s.installDir} as the backup ${backupDir(s)}`);
  }
  // what is still there to move (the script checks again on the host)
  for (const m of moves(s, hand).filter((x) => !hand.pendingData || hand.pendingData.includes(x.kind))) parts.push(`move its ${m.what} ${m.from}/version-2 into ${m.to}/version-2 (moved, never deleted)`);
  parts.push(`link ${s.installDir} -> ${versionedDir}`, `start the ${s.serviceName} service`);
  return parts.join('; ');
}

/** The take-over of one server, idempotent from every point it could have been killed at. */
export function adoptionScript(s: ResolvedZookeeper, hand: HandZookeeper, versionedDir: string, start: Command): Command {
  const i = quote(s.installDir);
  const b = quote(backupDir(s));
  const owner = quote(`${s.user}:${s.group}`);
  const body = [
    'set -e',
    // 1. the server started by hand stops (SIGTERM, as zkServer.sh stop does), and is waited for
    `if [ -d ${i} ] && [ ! -L ${i} ]; then`,
    `  pids=$(${handJvmPidsScript(s.installDir, `${s.dataDir}/zookeeper_server.pid`, '*QuorumPeerMain*')})`,
    '  if [ -n "$pids" ]; then kill $pids 2>/dev/null || true; fi',
    '  n=0; for p in $pids; do while [ -d "/proc/$p" ] && ! grep -q \'^State:.*Z\' "/proc/$p/status" 2>/dev/null; do',
    '    n=$((n + 1)); if [ $n -gt 1200 ]; then echo "the hand-started ZooKeeper (pid $p) did not stop within 120 s" >&2; exit 1; fi; sleep 0.1',
    '  done; done',
    // 2. the hand install is kept, whole, as the backup
    `  if [ -e ${b} ]; then echo ${quote(`${backupDir(s)} exists already: not moving ${s.installDir} over it`)} >&2; exit 1; fi`,
    `  mv -T ${i} ${b}`,
    'fi',
    // 3. its data into zkk's dirs, file by file (mv -f: a copy interrupted across file systems left the source whole)
    ...moves(s, hand).flatMap((m) => [
      `if [ -d ${quote(`${m.from}/version-2`)} ]; then`,
      `  mkdir -p ${quote(`${m.to}/version-2`)}`,
      `  for f in ${quote(`${m.from}/version-2`)}/* ${quote(`${m.from}/version-2`)}/.[!.]*; do [ -e "$f" ] || continue; mv -f "$f" ${quote(`${m.to}/version-2/`)}; done`,
      `  rmdir ${quote(`${m.from}/version-2`)}`,
      `  printf '%s\\n' ${quote(`${m.what}: ${m.from}/version-2 moved to ${m.to}/version-2`)} >> ${quote(`${backupDir(s)}/${ADOPTED_NOTE}`)}`,
      'fi',
      `chown -R ${owner} ${quote(m.to)}`,
    ]),
    // 4. installDir becomes zkk's link; 5. zkk's service starts
    `ln -sfn ${quote(versionedDir)} ${quote(`${s.installDir}.zkk-new`)}`,
    `mv -Tf ${quote(`${s.installDir}.zkk-new`)} ${i}`,
    start.text,
  ].join('\n');
  return script(body, `take over the hand-built ZooKeeper at ${s.installDir}`);
}
