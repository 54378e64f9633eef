/**
 * Adopting a Kafka broker built by hand the way seed post 003 does it: the release unpacked
 * as a real directory at installDir, its own config/server.properties (or conf/) edited by
 * hand (broker.id, listeners, log.dirs under the install dir, zookeeper.connect), started with
 * `kafka-server-start.sh -daemon config/server.properties` or their chkconfig init script.
 *
 * The fact reads the hand install where it is (installDir) or, once taken over, in its backup
 * (`<installDir>.pre-zkk`, kept for good): its server.properties, the meta.properties of each
 * of its log dirs, whether data still waits to be moved, and the pids of the broker started by
 * hand (a java kafka.Kafka whose command line runs from installDir; -daemon writes no pid file).
 * broker.id is kept (identities.ts: server.properties and meta.properties must agree); the
 * take-over of one broker (adoptionScript) is run by converge one broker at a time through the
 * roll's gates: stop the hand-started broker (SIGTERM: a controlled shutdown, waited for), keep
 * its directory as the backup, move its partition data into zkk's logDirs (moved entry by entry,
 * never deleted; Kafka's own log4j files stay in the backup), link installDir to zkk's release,
 * start zkk's service. Every step reads what is there first, so a run killed at any point is
 * finished by the next.
 */
import { quote, script, type Command } from '../../shell/command.js';
import { handJvmPidsScript } from '../../shell/hand-jvm-pids.js';
import type { Probe } from '../../facts/probes.js';
import type { ResolvedKafka } from '../../inventory/resolve.js';
import { MARKER } from '../../ops/archive.js';
import { kafkaPidFile } from './process.js';

export interface HandLogDir {
  /** As log.dirs names it. */
  path: string;
  /** Its meta.properties, wherever the dir is now (install dir or backup). */
  meta?: { brokerId?: number; clusterId?: string };
  /** Entries (partition dirs, meta.properties, checkpoints) in it now (still to move, when it is inside the install dir). */
  left: number;
  /** Inside the install dir (moved into zkk's dir), or outside (kept where it is). */
  inside?: boolean;
  /** The backup's ZKK-ADOPTED note says this dir is done (moved or kept, and owned by zkk's user). */
  done?: boolean;
}

export interface HandKafka {
  /** Where the hand install is now: still at installDir, or already kept as the backup. */
  at: 'install' | 'backup';
  /** Which of its dirs holds server.properties. */
  configDir: 'config' | 'conf';
  /** Its server.properties as written by hand. */
  props: Record<string, string>;
  logDirs: HandLogDir[];
  /** Brokers started by hand from the install directory. */
  pids: number[];
}

export type HandKafkaFact = HandKafka | undefined;

export const kafkaBackupDir = (k: ResolvedKafka): string => `${k.installDir}.pre-zkk`;
export const KAFKA_ADOPTED_NOTE = 'ZKK-ADOPTED';
/** Kafka's default log.dirs when the file sets neither log.dirs nor log.dir. */
const KAFKA_DEFAULT_LOG_DIR = '/tmp/kafka-logs';

const inside = (k: ResolvedKafka, p: string) => p === k.installDir || p.startsWith(`${k.installDir}/`);
/** A path of the hand config as it is once the install dir became the backup. */
const inBackup = (k: ResolvedKafka, p: string) => (inside(k, p) ? kafkaBackupDir(k) + p.slice(k.installDir.length) : p);

/** Parse a .properties text (the subset hand-edited files use: key=value or key: value, # comments). */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

/** log.dirs (or log.dir) of a hand server.properties. */
export function handLogDirPaths(props: Record<string, string>): string[] {
  const v = props['log.dirs'] ?? props['log.dir'] ?? KAFKA_DEFAULT_LOG_DIR;
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Shell: prints the entries of dir $1 that are Kafka's data (not the log4j files -daemon writes there when LOG_DIR is the same dir). */
const MOVABLE_FN = [
  'movable() {',
  '  for f in "$1"/* "$1"/.[!.]*; do',
  '    [ -e "$f" ] || [ -L "$f" ] || continue',
  '    if [ -f "$f" ]; then case "${f##*/}" in *.log|*.log.*|*.out|*.out.*) continue ;; esac; fi',
  '    printf \'%s\\n\' "$f"',
  '  done',
  '}',
].join('\n');


export function handKafkaProbe(k: ResolvedKafka): Probe<HandKafkaFact> {
  const zkkPidFile = kafkaPidFile(k);
  const i = quote(k.installDir);
  const b = quote(kafkaBackupDir(k));
  return {
    key: `kafka-hand:${k.installDir}`,
    script: [
      MOVABLE_FN,
      'r=; c=',
      `if [ -d ${i} ] && [ ! -L ${i} ] && [ ! -e ${quote(`${k.installDir}/${MARKER}`)} ]; then r=${i}; echo at=install;`,
      `elif [ -d ${b} ]; then r=${b}; echo at=backup; fi`,
      'if [ -n "$r" ]; then for d in config conf; do [ -f "$r/$d/server.properties" ] && { c=$d; break; }; done; fi',
      'if [ -n "$c" ]; then',
      '  echo "dir=$c"',
      '  f="$r/$c/server.properties"',
      '  echo "cfg=$(base64 -w0 < "$f")"',
      "  l=$(sed -n 's/^[[:space:]]*log\\.dirs[[:space:]]*[=:][[:space:]]*//p' \"$f\" | tail -n1 | tr -d '\\r')",
      "  [ -n \"$l\" ] || l=$(sed -n 's/^[[:space:]]*log\\.dir[[:space:]]*[=:][[:space:]]*//p' \"$f\" | tail -n1 | tr -d '\\r')",
      `  [ -n "$l" ] || l=${KAFKA_DEFAULT_LOG_DIR}`,
      '  n=0; for d in $(printf \'%s\' "$l" | tr \',\' \' \'); do',
      // a hand path under the install dir is under the backup once it moved
      `    case "$d" in ${i}|${i}/*) echo "inside.$n=1"; [ "$r" = ${b} ] && d=${b}"\${d#${i}}" ;; esac`,
      `    [ "$r" = ${b} ] && grep -qF "data: $d " ${b}/${KAFKA_ADOPTED_NOTE} 2>/dev/null && echo "done.$n=1"`,
      '    echo "meta.$n=$(base64 -w0 < "$d/meta.properties" 2>/dev/null)"',
      '    echo "left.$n=$(movable "$d" 2>/dev/null | wc -l)"',
      '    n=$((n + 1))',
      '  done',
      `  [ "$r" = ${i} ] && echo "pids=$(${handJvmPidsScript(k.installDir, zkkPidFile, '*" kafka.Kafka "*|*" kafka.Kafka"')} | tr '\\n' ' ')"`,
      'fi',
    ].join('\n'),
    parse: parseHandKafka,
  };
}

export function parseHandKafka(out: string): HandKafkaFact {
  const kv = new Map<string, string>();
  for (const line of out.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) kv.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  const at = kv.get('at');
  const dir = kv.get('dir');
  if ((at !== 'install' && at !== 'backup') || (dir !== 'config' && dir !== 'conf')) return undefined;
  const props = parseProperties(Buffer.from(kv.get('cfg') ?? '', 'base64').toString('utf8'));
  const logDirs = handLogDirPaths(props).map((p, n): HandLogDir => {
    const metaText = Buffer.from(kv.get(`meta.${n}`) ?? '', 'base64').toString('utf8');
    const meta = metaText ? parseProperties(metaText) : undefined;
    const id = meta?.['broker.id'] ?? meta?.['node.id'];
    return {
      path: p,
      ...(meta ? { meta: { ...(id !== undefined && /^\d+$/.test(id) ? { brokerId: Number(id) } : {}), ...(meta['cluster.id'] ? { clusterId: meta['cluster.id'] } : {}) } } : {}),
      left: Number(kv.get(`left.${n}`) || 0),
      ...(kv.get(`inside.${n}`) === '1' ? { inside: true } : {}),
      ...(kv.get(`done.${n}`) === '1' ? { done: true } : {}),
    };
  });
  return { at, configDir: dir, props, logDirs, pids: (kv.get('pids') ?? '').split(/\s+/).filter(Boolean).map(Number) };
}

/** Whether this host still has something of its hand install to take over. */
export const kafkaAdoptionPending = (hand: HandKafkaFact): hand is HandKafka => !!hand && (hand.at === 'install' || hand.logDirs.some((d) => !d.done || (d.inside && d.left > 0)));

/** The hand broker's id: its server.properties' broker.id and its log dirs' meta.properties must agree. */
export function handBrokerId(hand: HandKafka): { id?: number; problem?: string } {
  const said: { where: string; id: number }[] = [];
  const fromFile = hand.props['broker.id'];
  if (fromFile !== undefined && /^\d+$/.test(fromFile)) said.push({ where: `${hand.configDir}/server.properties broker.id`, id: Number(fromFile) });
  for (const d of hand.logDirs) if (d.meta?.brokerId !== undefined) said.push({ where: `${d.path}/meta.properties`, id: d.meta.brokerId });
  const ids = new Set(said.map((s) => s.id));
  if (ids.size > 1) return { problem: `the hand-built broker's ids disagree: ${said.map((s) => `${s.where} says ${s.id}`).join(', ')}` };
  return said[0] ? { id: said[0].id } : {};
}

/** Keys the take-over itself checks against the inventory (identity, placement, ZooKeeper). */
const TAKEN_OVER = new Set(['broker.id', 'log.dirs', 'log.dir', 'listeners', 'advertised.listeners', 'zookeeper.connect', 'port', 'host.name', 'advertised.host.name', 'advertised.port']);

/**
 * The lines of the release's own config/server.properties (2.x-3.x) that came with the tarball:
 * a hand file still holding one of them with this value did not choose it, so it is not carried.
 */
export const STOCK_SAMPLE: Record<string, string> = {
  'num.network.threads': '3',
  'num.io.threads': '8',
  'socket.send.buffer.bytes': '102400',
  'socket.receive.buffer.bytes': '102400',
  'socket.request.max.bytes': '104857600',
  'num.partitions': '1',
  'num.recovery.threads.per.data.dir': '1',
  'offsets.topic.replication.factor': '1',
  'transaction.state.log.replication.factor': '1',
  'transaction.state.log.min.isr': '1',
  'log.retention.hours': '168',
  'log.segment.bytes': '1073741824',
  'log.retention.check.interval.ms': '300000',
  'zookeeper.connection.timeout.ms': '18000',
  'group.initial.rebalance.delay.ms': '0',
};

export interface SettingsVerdict {
  /** The hand file's values zkk's server.properties sets differently (zkk's inventory wins; shown in plan). */
  replaced: { key: string; hand: string; zkk: string }[];
  /** Settings the inventory does not express: refused until kafka.extraConfig carries them (or the line is removed). */
  uncarried: { key: string; value: string }[];
}

/** Compare the hand server.properties with the one zkk renders for this broker. */
export function compareSettings(hand: Record<string, string>, rendered: Record<string, string>): SettingsVerdict {
  const replaced: SettingsVerdict['replaced'] = [];
  const uncarried: SettingsVerdict['uncarried'] = [];
  for (const [key, value] of Object.entries(hand)) {
    if (TAKEN_OVER.has(key)) continue;
    if (key in rendered) {
      if (rendered[key] !== value) replaced.push({ key, hand: value, zkk: rendered[key]! });
    } else if (STOCK_SAMPLE[key] !== value) uncarried.push({ key, value });
  }
  return { replaced, uncarried };
}

/** host:port list and chroot of a zookeeper.connect string. */
export function parseZookeeperConnect(v: string): { servers: string[]; chroot: string } {
  const slash = v.indexOf('/');
  const hosts = slash >= 0 ? v.slice(0, slash) : v;
  const chroot = slash >= 0 ? v.slice(slash).replace(/\/+$/, '') : '';
  return { servers: hosts.split(',').map((s) => s.trim()).filter(Boolean).map((s) => (s.includes(':') ? s : `${s}:2181`)).sort(), chroot };
}

/** The listener port of a hand `listeners=` (Kafka's default: PLAINTEXT://:9092). */
export function handListener(props: Record<string, string>): { protocol: string; port: number }[] {
  const v = props['listeners'] ?? (props['port'] ? `PLAINTEXT://:${props['port']}` : 'PLAINTEXT://:9092');
  return v.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const m = /^([A-Za-z0-9_]+):\/\/.*:(\d+)$/.exec(s);
    return { protocol: m?.[1] ?? s, port: Number(m?.[2] ?? NaN) };
  });
}

/** Where each hand log dir goes: moved into zkk's dir at the same position, or kept where it is (outside the install dir). */
export function dataMoves(k: ResolvedKafka, hand: HandKafka): { from: string; now: string; to: string; move: boolean; left: number; done: boolean }[] {
  return hand.logDirs.map((d, n) => ({ from: d.path, now: hand.at === 'backup' ? inBackup(k, d.path) : d.path, to: k.logDirs[n] ?? k.logDirs[0]!, move: inside(k, d.path), left: d.left, done: !!d.done }));
}

/**
 * Why zkk cannot take this broker over as it is (undefined: it can). What cannot change while
 * the cluster keeps serving (mode, port, ZooKeeper ensemble and chroot, where the data is) must
 * match; settings the inventory does not express must be carried by kafka.extraConfig.
 */
export function kafkaAdoptionRefusal(k: ResolvedKafka, hand: HandKafka, rendered: Record<string, string>, zkConnect: string): { reason: string; hint: string } | undefined {
  const file = `${hand.at === 'backup' ? kafkaBackupDir(k) : k.installDir}/${hand.configDir}/server.properties`;
  if (hand.props['process.roles'] !== undefined)
    return { reason: `the hand-built broker at ${k.installDir} runs in KRaft mode (process.roles=${hand.props['process.roles']}); zkk takes over ZooKeeper-mode brokers as the seed posts build them`, hint: 'leave it out of the inventory for now' };
  if (k.mode !== 'zookeeper')
    return { reason: `the hand-built broker at ${k.installDir} runs in ZooKeeper mode, the inventory says kafka.mode: ${k.mode}`, hint: 'take it over with kafka.mode: zookeeper first, then move it to KRaft with zkk migrate' };
  const listeners = handListener(hand.props);
  if (listeners.length !== 1 || listeners[0]!.protocol !== 'PLAINTEXT' || listeners[0]!.port !== k.port)
    return { reason: `the hand-built broker listens on ${hand.props['listeners'] ?? `PLAINTEXT://:${listeners[0]?.port}`}; zkk's broker would listen on PLAINTEXT port ${k.port}`, hint: listeners.length === 1 && listeners[0]!.protocol === 'PLAINTEXT' ? `set kafka.port: ${listeners[0]!.port} in the inventory (clients keep connecting there)` : 'zkk takes over one PLAINTEXT listener; change the hand broker to that first' };
  const hz = parseZookeeperConnect(hand.props['zookeeper.connect'] ?? '');
  const zz = parseZookeeperConnect(zkConnect);
  if (hz.chroot !== zz.chroot)
    return { reason: `the hand-built broker keeps its metadata under ZooKeeper ${hz.chroot || '/ (no chroot)'}, the inventory's kafka.zookeeperChroot is ${zz.chroot || '"" (none)'}: zkk's broker would start an empty cluster there`, hint: `set kafka.zookeeperChroot: ${JSON.stringify(hz.chroot)} in the inventory` };
  if (hz.servers.join(',') !== zz.servers.join(','))
    return { reason: `the hand-built broker uses ZooKeeper ${hz.servers.join(',') || '(none)'}, the inventory's zookeeper hosts are ${zz.servers.join(',')}`, hint: 'the inventory must name the ensemble the cluster runs on (the same addresses and client port)' };
  if (hand.logDirs.length !== k.logDirs.length)
    return { reason: `the hand-built broker has ${hand.logDirs.length} log dir(s) (${hand.logDirs.map((d) => d.path).join(', ')}), the inventory's kafka.logDirs has ${k.logDirs.length}`, hint: 'give kafka.logDirs one dir per hand log dir, in the same order (data inside the install dir is moved there, data outside it must be named as it is)' };
  for (const m of dataMoves(k, hand))
    if (!m.move && m.from !== m.to)
      return { reason: `the hand-built broker keeps data at ${m.from}, outside ${k.installDir}; the inventory's log dir at that position is ${m.to}`, hint: `set kafka.logDirs to name ${m.from} to keep that data where it is` };
  const id = handBrokerId(hand);
  if (id.problem) return { reason: id.problem, hint: 'Kafka refuses to start on a log dir of another broker: find out which id this broker serves the cluster with' };
  if (id.id === undefined && hand.at === 'install')
    return { reason: `the hand-built broker at ${k.installDir} has no broker.id in ${file} and no meta.properties in its log dirs`, hint: 'start it once by hand (it writes meta.properties), or write its broker.id into server.properties' };
  const { uncarried } = compareSettings(hand.props, rendered);
  if (uncarried.length > 0)
    return {
      reason: `the hand-built ${file} sets ${uncarried.map((u) => `${u.key}=${u.value}`).join(', ')}, which the inventory does not say: zkk's broker would run without ${uncarried.length > 1 ? 'them' : 'it'}`,
      hint: `to keep ${uncarried.length > 1 ? 'them' : 'it'}, add to the inventory's kafka.extraConfig: ${uncarried.map((u) => `${JSON.stringify(u.key)}: ${JSON.stringify(u.value)}`).join(', ')}; to drop ${uncarried.length > 1 ? 'them' : 'it'}, delete the line(s) from ${file}`,
    };
  return undefined;
}

/** What taking this broker over does, in order (the plan shows it). */
export function kafkaAdoptionSummary(k: ResolvedKafka, hand: HandKafka, rendered: Record<string, string>, versionedDir: string): string {
  const parts: string[] = [];
  const id = handBrokerId(hand).id ?? k.nodeId;
  parts.push(`take over the hand-built broker: broker.id ${id} kept, listener port ${k.port} kept, zookeeper.connect ${hand.props['zookeeper.connect'] ?? ''} kept`);
  const { replaced } = compareSettings(hand.props, rendered);
  if (replaced.length > 0) parts.push(`the inventory's values replace the hand file's ${replaced.map((r) => `${r.key}=${r.hand} (→ ${r.zkk})`).join(', ')}`);
  if (hand.at === 'install') {
    parts.push(hand.pids.length > 0 ? `stop its hand-started process (pid ${hand.pids.join(', ')}; SIGTERM, a controlled shutdown, waited for)` : 'its process is not running');
    parts.push(`keep ${k.installDir} as the backup ${kafkaBackupDir(k)}`);
  }
  for (const m of dataMoves(k, hand)) {
    if (!m.move) parts.push(`keep its data in ${m.from}`);
    else if (hand.at === 'install' || m.left > 0 || !m.done) parts.push(`move its data ${inBackup(k, m.from)} into ${m.to} (${hand.at === 'backup' ? `${m.left} entries left; ` : ''}moved, never deleted; Kafka's own log files stay in the backup)`);
  }
  parts.push(`link ${k.installDir} -> ${versionedDir}`, `start the ${k.serviceName} service`);
  return parts.join('; ');
}

/** The take-over of one broker, idempotent from every point it could have been killed at. */
export function kafkaAdoptionScript(k: ResolvedKafka, hand: HandKafka, versionedDir: string, start: Command): Command {
  const zkkPidFile = kafkaPidFile(k);
  const i = quote(k.installDir);
  const b = quote(kafkaBackupDir(k));
  const owner = quote(`${k.user}:${k.group}`);
  const body = [
    'set -e',
    MOVABLE_FN,
    // 1. the broker started by hand stops: SIGTERM (as kafka-server-stop.sh sends) is a controlled shutdown; waited for
    `if [ -d ${i} ] && [ ! -L ${i} ]; then`,
    `  pids=$(${handJvmPidsScript(k.installDir, zkkPidFile, '*" kafka.Kafka "*|*" kafka.Kafka"')})`,
    '  if [ -n "$pids" ]; then kill $pids 2>/dev/null || true; fi',
    '  n=0; for p in $pids; do while [ -d "/proc/$p" ] && ! grep -q \'^State:.*Z\' "/proc/$p/status" 2>/dev/null; do',
    '    n=$((n + 1)); if [ $n -gt 3000 ]; then echo "the hand-started Kafka broker (pid $p) did not stop within 300 s" >&2; exit 1; fi; sleep 0.1',
    '  done; done',
    // 2. the hand install is kept, whole, as the backup
    `  if [ -e ${b} ]; then echo ${quote(`${kafkaBackupDir(k)} exists already: not moving ${k.installDir} over it`)} >&2; exit 1; fi`,
    `  mv -T ${i} ${b}`,
    'fi',
    // 3. its data into zkk's dirs, entry by entry (a partition dir file by file: mv -f across file systems leaves the source whole when cut)
    ...dataMoves(k, hand).flatMap((m) => {
      const from = quote(inBackup(k, m.from));
      const to = quote(m.to);
      // the note is written last, after the chown: a run cut before it does the dir again
      const note = [`grep -qF ${quote(`data: ${inBackup(k, m.from)} `)} ${quote(`${kafkaBackupDir(k)}/${KAFKA_ADOPTED_NOTE}`)} 2>/dev/null ||`, `  printf '%s\\n' ${quote(`data: ${inBackup(k, m.from)} ${m.move ? `moved to ${m.to}` : `kept in place, owned by ${k.user}`}`)} >> ${quote(`${kafkaBackupDir(k)}/${KAFKA_ADOPTED_NOTE}`)}`];
      if (!m.move) return [`chown -R ${owner} ${to}`, ...note];
      return [
        `if [ -d ${from} ] && [ -n "$(movable ${from})" ]; then`,
        `  mkdir -p ${to}`,
        `  movable ${from} | while IFS= read -r f; do`,
        '    e=${f##*/}',
        `    if [ -d "$f" ] && [ ! -L "$f" ]; then mkdir -p ${to}/"$e"; for g in "$f"/* "$f"/.[!.]*; do [ -e "$g" ] || continue; mv -f "$g" ${to}/"$e"/; done; rmdir "$f"`,
        `    else mv -f "$f" ${to}/; fi`,
        '  done',
        'fi',
        `mkdir -p ${to}`,
        `chown -R ${owner} ${to}`,
        ...note,
      ];
    }),
    // 4. installDir becomes zkk's link; 5. zkk's service starts
    `ln -sfn ${quote(versionedDir)} ${quote(`${k.installDir}.zkk-new`)}`,
    `mv -Tf ${quote(`${k.installDir}.zkk-new`)} ${i}`,
    start.text,
  ].join('\n');
  return script(body, `take over the hand-built Kafka broker at ${k.installDir}`);
}
