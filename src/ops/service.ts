/**
 * Services: an init.d script registered with update-rc.d/chkconfig on hosts without
 * systemd, a unit (daemon-reload on change) on hosts with it. Start what is not running;
 * restarts are the engine's handlers' business, not an operation's.
 */
import { cmd, raw } from '../shell/command.js';
import type { OsFact, PathFact, ProcessFact, ServiceRegistrationFact } from '../facts/probes.js';
import { writtenAfterStart } from '../facts/process-start.js';
import type { Connector } from '../transport/connector.js';
import { change, ok, type Outcome } from './operation.js';

export type ServiceManager = 'systemd' | 'sysv';

export function serviceManager(os: OsFact): ServiceManager {
  return os.init === 'systemd' && os.tools.has('systemctl') ? 'systemd' : 'sysv';
}

export function serviceFilePath(mgr: ServiceManager, name: string): string {
  return mgr === 'systemd' ? `/etc/systemd/system/${name}.service` : `/etc/init.d/${name}`;
}

export function ensureServiceEnabled(fact: ServiceRegistrationFact, name: string, mgr: ServiceManager, os: OsFact): Outcome {
  if (fact.enabled) return ok(`${name} starts at boot`);
  if (mgr === 'systemd') return change(`enable ${name} at boot`, (c) => c.exec(cmd('systemctl', 'daemon-reload', raw('&&'), 'systemctl', 'enable', name)).then(() => undefined));
  if (os.tools.has('update-rc.d')) return change(`register ${name} at boot (update-rc.d)`, (c) => c.exec(cmd('update-rc.d', name, 'defaults')).then(() => undefined));
  if (os.tools.has('chkconfig')) return change(`register ${name} at boot (chkconfig)`, (c) => c.exec(cmd('chkconfig', '--add', name)).then(() => undefined));
  return change(`register ${name} at boot`, async () => {
    throw new Error('neither systemd, update-rc.d nor chkconfig is available to register the service');
  });
}

export function ensureServiceRunning(fact: ProcessFact, name: string, mgr: ServiceManager): Outcome {
  if (fact.running) return ok(`running (pid ${fact.pid})`);
  return change(`start ${name}`, (c) => startService(c, name, mgr));
}

export async function startService(c: Connector, name: string, mgr: ServiceManager): Promise<void> {
  await c.exec(mgr === 'systemd' ? cmd('systemctl', 'start', name) : cmd(`/etc/init.d/${name}`, 'start'), {
    hint: `see the service log on the host (${mgr === 'systemd' ? `journalctl -u ${name}` : `/etc/init.d/${name} status`})`,
    timeoutMs: 120_000,
  });
}

export async function stopService(c: Connector, name: string, mgr: ServiceManager): Promise<void> {
  await c.exec(mgr === 'systemd' ? cmd('systemctl', 'stop', name) : cmd(`/etc/init.d/${name}`, 'stop'), { timeoutMs: 180_000 });
}

export async function restartService(c: Connector, name: string, mgr: ServiceManager): Promise<void> {
  await c.exec(mgr === 'systemd' ? cmd('systemctl', 'restart', name) : cmd(`/etc/init.d/${name}`, 'restart'), {
    hint: `see the service log on the host (${mgr === 'systemd' ? `journalctl -u ${name}` : `/etc/init.d/${name} status`})`,
    timeoutMs: 240_000,
  });
}

export async function daemonReload(c: Connector): Promise<void> {
  await c.exec(cmd('systemctl', 'daemon-reload'));
}

/**
 * A running process started before one of the files it reads changed is running stale
 * config: it needs a restart even if this run changed nothing (e.g. an earlier run
 * changed the file and its restart was deferred or interrupted).
 */
export function ensureProcessCurrent(proc: ProcessFact, watched: { path: string; fact: PathFact }[], name: string): Outcome {
  if (!proc.running || proc.startedAt === undefined) return ok('not running yet (started below)');
  const newer = watched.filter((w) => (w.fact.kind === 'file' || w.fact.kind === 'link') && writtenAfterStart(proc, w.fact.mtime));
  if (newer.length === 0) return ok(`pid ${proc.pid} started after its config was last written`);
  return change(`${name} (pid ${proc.pid}) runs with stale config: ${newer.map((w) => w.path).join(', ')} changed after it started`, async () => undefined);
}
