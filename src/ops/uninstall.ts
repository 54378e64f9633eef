/**
 * `zkk uninstall`: operations that take away what deploy put on a host, as values like every
 * other operation (plan lists them, the engine runs them). Data is never removed here unless
 * the caller passes purge (the CLI asks for the cluster name first); config is moved aside as
 * a dated backup, never deleted without purge.
 */
import type { AccountFact, OsFact, PathFact, ProcessFact, ServiceRegistrationFact } from '../facts/probes.js';
import type { Probe } from '../facts/probes.js';
import { cmd, quote, raw, script } from '../shell/command.js';
import { change, exec, ok, type Action, type Outcome } from './operation.js';
import { serviceFilePath, stopService, type ServiceManager } from './service.js';

export function ensureServiceStopped(proc: ProcessFact, name: string, mgr: ServiceManager): Outcome {
  if (!proc.running) return ok(`${name} not running`);
  return change(`stop ${name} (pid ${proc.pid})`, [stopService(name, mgr)]);
}

/** Boot registration and service files (init.d script and systemd unit, whichever exist). */
export function ensureServiceRemoved(reg: ServiceRegistrationFact, files: { sysv: PathFact; systemd: PathFact }, name: string, mgr: ServiceManager, os: OsFact): Outcome {
  const actions: Action[] = [];
  const what: string[] = [];
  if (reg.enabled) {
    what.push('unregister at boot');
    if (mgr === 'systemd') actions.push(exec(cmd('systemctl', 'disable', name)));
    else if (os.tools.has('update-rc.d')) actions.push(exec(cmd('update-rc.d', '-f', name, 'remove')));
    else if (os.tools.has('chkconfig')) actions.push(exec(cmd('chkconfig', '--del', name)));
  }
  for (const m of ['sysv', 'systemd'] as const) {
    if (files[m].kind === 'missing') continue;
    const p = serviceFilePath(m, name);
    what.push(`remove ${p}`);
    actions.push(exec(cmd('rm', '-f', p)));
    if (m === 'systemd' && mgr === 'systemd') actions.push(exec(cmd('systemctl', 'daemon-reload')));
  }
  if (actions.length === 0) return ok(`no ${name} service registered`);
  return change(what.join(', '), actions);
}

/**
 * Directories named <prefix><anything> (not links), e.g. /usr/local/zookeeper-* or
 * /etc/kafka.zkk-backup-*; with `marker`, only those holding that file (the ones zkk unpacked).
 */
export function siblingDirsProbe(prefix: string, marker?: string): Probe<string[]> {
  const test = marker ? `[ -f "$d/${marker}" ]` : '[ -d "$d" ]';
  return {
    key: `sibling-dirs:${prefix}*${marker ? `/${marker}` : ''}`,
    script: `for d in ${quote(prefix)}*; do ${test} && [ ! -L "$d" ] && printf '%s\\n' "$d"; done; true`,
    parse: (out) => out.split('\n').filter(Boolean),
  };
}

export const releaseDirsProbe = (releasesPrefix: string, marker: string): Probe<string[]> => siblingDirsProbe(releasesPrefix, marker);
export const configBackupsProbe = (confDir: string): Probe<string[]> => siblingDirsProbe(`${confDir}.zkk-backup-`);

/** The install symlink and zkk's release dirs; a real directory at the link path is not zkk's and stays. */
export function ensureInstallRemoved(link: PathFact, installDir: string, releaseDirs: string[]): Outcome {
  const actions: Action[] = [];
  const what: string[] = [];
  if (link.kind === 'link') {
    what.push(`remove the link ${installDir}`);
    actions.push(exec(cmd('rm', '-f', installDir)));
  }
  if (releaseDirs.length > 0) {
    what.push(`remove ${releaseDirs.join(', ')}`);
    actions.push(exec(cmd('rm', '-rf', raw('--'), ...releaseDirs)));
  }
  const kept = link.kind === 'dir' || link.kind === 'file' ? ` (${installDir} is a ${link.kind} zkk did not make: left alone)` : '';
  if (actions.length === 0) return ok(`nothing of zkk's installed${kept}`);
  return change(what.join(', ') + kept, actions);
}

/** Directories no uninstall moves or removes, whatever the inventory says (a confDir of /etc …). */
const SYSTEM_DIRS = new Set(['/', '/etc', '/var', '/var/lib', '/var/log', '/var/cache', '/usr', '/usr/local', '/usr/share', '/opt', '/srv', '/home', '/root', '/tmp', '/data', '/bin', '/sbin', '/lib', '/boot', '/dev', '/proc', '/sys', '/run']);
export const isSystemDir = (p: string): boolean => SYSTEM_DIRS.has(p.replace(/\/+$/, '') || '/') || p.split('/').filter(Boolean).length < 2;

/** Config kept as a dated backup beside it (purge: removed, and the earlier backups with it). */
export function ensureConfigBackedUp(fact: PathFact, confDir: string, backups: string[], purge: boolean): Outcome {
  if (purge) {
    const gone = [...(fact.kind === 'dir' && !isSystemDir(confDir) ? [confDir] : []), ...backups];
    if (gone.length === 0) return ok(`no ${confDir} nor backups of it`);
    return change(`remove ${gone.join(', ')} (purge)`, [exec(cmd('rm', '-rf', raw('--'), ...gone))]);
  }
  if (fact.kind === 'missing') return ok(`${confDir} not there${backups.length ? ` (kept: ${backups.join(', ')})` : ''}`);
  if (fact.kind !== 'dir' || isSystemDir(confDir)) return ok(`${confDir} left alone (${fact.kind !== 'dir' ? `a ${fact.kind}` : 'a system directory'})`);
  const body = `set -e\nb=${quote(`${confDir}.zkk-backup-`)}$(date +%Y%m%d-%H%M%S)\nmv -T ${quote(confDir)} "$b"\necho "$b"`;
  return change(`move ${confDir} aside to ${confDir}.zkk-backup-<date>`, [exec(script(body, `mv ${confDir} ${confDir}.zkk-backup-<date>`))]);
}

/**
 * Data and log dirs: kept, unless purge (the cluster name was typed back); even then only
 * directories owned by the service user, never a system directory.
 */
export function ensureDataPurged(dirs: { path: string; fact: PathFact }[], owner: string, purge: boolean): Outcome {
  const present = dirs.filter((d) => d.fact.kind !== 'missing');
  if (present.length === 0) return ok('no data dirs');
  if (!purge) return ok(`kept: ${present.map((d) => d.path).join(', ')} (zkk uninstall --purge removes them)`);
  const ours = present.filter((d) => d.fact.kind === 'dir' && d.fact.owner === owner && !isSystemDir(d.path)).map((d) => d.path);
  const left = present.map((d) => d.path).filter((p) => !ours.includes(p));
  const note = left.length ? `; left alone (not a directory of ${owner}'s): ${left.join(', ')}` : '';
  if (ours.length === 0) return ok(`nothing to purge${note}`);
  return change(`remove ${ours.join(', ')} (purge)${note}`, [exec(cmd('rm', '-rf', raw('--'), ...ours))]);
}

export function ensureAccountRemoved(user: AccountFact, group: AccountFact, names: { user: string; group: string }, purge: boolean): Outcome {
  if (!user.exists && !group.exists) return ok(`no user ${names.user}`);
  if (!purge) return ok(`kept user ${names.user} (it owns the kept data)`);
  const lines = ['set -e'];
  if (user.exists) lines.push(`userdel ${quote(names.user)}`);
  if (group.exists) lines.push(`if getent group ${quote(names.group)} >/dev/null; then groupdel ${quote(names.group)}; fi`);
  return change(`remove user ${names.user} and group ${names.group} (purge)`, [exec(script(lines.join('\n'), `userdel ${names.user}`))]);
}

/**
 * Data dirs a rollback takes out of use without deleting them: each present one is renamed to
 * <dir>.<tag>-<date> (e.g. a KRaft controller's metadata, so a later attempt formats afresh).
 */
export function ensureDataSetAside(dirs: { path: string; fact: PathFact }[], tag: string): Outcome {
  const present = dirs.filter((d) => d.fact.kind === 'dir' && !isSystemDir(d.path));
  if (present.length === 0) return ok('no data dirs in place');
  const lines = ['set -e', 'd=$(date +%Y%m%d-%H%M%S)', ...present.map((x) => `mv -T ${quote(x.path)} ${quote(`${x.path}.${tag}-`)}"$d"`)];
  return change(`set ${present.map((x) => x.path).join(', ')} aside as <dir>.${tag}-<date> (not deleted)`, [exec(script(lines.join('\n'), `mv ${present[0]!.path} ${present[0]!.path}.${tag}-<date>`))]);
}
