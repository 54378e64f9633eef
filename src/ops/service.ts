/**
 * Services: an init.d script registered with update-rc.d/chkconfig on hosts without
 * systemd, a unit (daemon-reload on change) on hosts with it. Start what is not running;
 * restarts are the engine's handlers' business, not an operation's.
 */
import { cmd, quote, raw, script, type Command } from '../shell/command.js';
import type { OsFact, PathFact, ProcessFact, ServiceRegistrationFact } from '../facts/probes.js';
import { writtenAfterStart } from '../facts/process-start.js';
import { blocked, change, exec, ok, type ExecAction, type Outcome } from './operation.js';

export type ServiceManager = 'systemd' | 'sysv';

export function serviceManager(os: OsFact): ServiceManager {
  return os.init === 'systemd' && os.tools.has('systemctl') ? 'systemd' : 'sysv';
}

export function serviceFilePath(mgr: ServiceManager, name: string): string {
  return mgr === 'systemd' ? `/etc/systemd/system/${name}.service` : `/etc/init.d/${name}`;
}

export function ensureServiceEnabled(fact: ServiceRegistrationFact, name: string, mgr: ServiceManager, os: OsFact): Outcome {
  if (fact.enabled) return ok(`${name} starts at boot`);
  if (mgr === 'systemd') return change(`enable ${name} at boot`, [exec(cmd('systemctl', 'daemon-reload', raw('&&'), 'systemctl', 'enable', name))]);
  if (os.tools.has('update-rc.d')) return change(`register ${name} at boot (update-rc.d)`, [exec(cmd('update-rc.d', name, 'defaults'))]);
  if (os.tools.has('chkconfig')) return change(`register ${name} at boot (chkconfig)`, [exec(cmd('chkconfig', '--add', name))]);
  return blocked(`cannot register ${name} at boot: neither systemd, update-rc.d nor chkconfig is available`, 'install update-rc.d (init-system-helpers) or chkconfig');
}

export function ensureServiceRunning(fact: ProcessFact, name: string, mgr: ServiceManager): Outcome {
  if (fact.running) return ok(`running (pid ${fact.pid})`);
  return change(`start ${name}`, [startService(name, mgr)]);
}

/** systemctl <verb> name, or /etc/init.d/name <verb>. */
export function serviceCommand(mgr: ServiceManager, name: string, verb: 'start' | 'stop' | 'restart'): Command {
  return mgr === 'systemd' ? cmd('systemctl', verb, name) : cmd(`/etc/init.d/${name}`, verb);
}

const logHint = (name: string, mgr: ServiceManager) =>
  `see the service log on the host (${mgr === 'systemd' ? `journalctl -u ${name}` : `/etc/init.d/${name} status`})`;

export function startService(name: string, mgr: ServiceManager): ExecAction {
  return exec(serviceCommand(mgr, name, 'start'), { hint: logHint(name, mgr), timeoutMs: 120_000 });
}

export function stopService(name: string, mgr: ServiceManager): ExecAction {
  return exec(serviceCommand(mgr, name, 'stop'), { timeoutMs: 180_000 });
}

/** What the roles' rolling-restart handlers run on one host. */
export function restartService(name: string, mgr: ServiceManager): ExecAction {
  return exec(serviceCommand(mgr, name, 'restart'), { hint: logHint(name, mgr), timeoutMs: 240_000 });
}

/**
 * Stop a service and keep it from starting at boot (systemd unit or init.d script, whichever
 * the host has), for a server that leaves its cluster: data directories are kept.
 * Idempotent: a stopped, disabled service stays so.
 */
export function retireServiceCommand(serviceName: string): Command {
  const name = quote(serviceName);
  const unit = quote(`/etc/systemd/system/${serviceName}.service`);
  const init = quote(`/etc/init.d/${serviceName}`);
  return script(
    [
      `if command -v systemctl >/dev/null 2>&1 && [ -f ${unit} ]; then`,
      `  systemctl stop ${name} || exit 1`,
      `  systemctl disable ${name} >/dev/null 2>&1 || true`,
      `elif [ -x ${init} ]; then`,
      `  ${init} stop || exit 1`,
      `  if command -v update-rc.d >/dev/null 2>&1; then update-rc.d -f ${name} remove >/dev/null; elif command -v chkconfig >/dev/null 2>&1; then chkconfig --del ${name}; fi`,
      'fi',
    ].join('\n'),
    `stop and disable ${serviceName}`,
  );
}

export const daemonReload = (): ExecAction => exec(cmd('systemctl', 'daemon-reload'));

/**
 * A running process started before one of the files it reads changed is running stale
 * config: it needs a restart even if this run changed nothing (e.g. an earlier run
 * changed the file and its restart was deferred or interrupted). The outcome yields that
 * restart, run by the role's rolling handler (`restart.handler`), not inline.
 */
export function ensureProcessCurrent(
  proc: ProcessFact,
  watched: { path: string; fact: PathFact }[],
  name: string,
  restart: { handler: string; command: Command },
): Outcome {
  if (!proc.running || proc.startedAt === undefined) return ok('not running yet (started below)');
  const newer = watched.filter((w) => (w.fact.kind === 'file' || w.fact.kind === 'link') && writtenAfterStart(proc, w.fact.mtime));
  if (newer.length === 0) return ok(`pid ${proc.pid} started after its config was last written`);
  return change(`${name} (pid ${proc.pid}) runs with stale config: ${newer.map((w) => w.path).join(', ')} changed after it started`, [
    { kind: 'restart', handler: restart.handler, command: restart.command },
  ]);
}
