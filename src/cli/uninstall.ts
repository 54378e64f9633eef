/** `zkk uninstall`: stop and remove what deploy installed; data and config backups stay unless --purge and the cluster name. */
import { ExitCode, ZkkError } from '../errors/zkk-error.js';
import { runUninstall, uninstallRoles } from '../engine/uninstall.js';
import { loadInventory } from '../inventory/load.js';
import { allRoles, inventorySections } from '../roles/all-roles.js';
import { askConfirm, askText } from '../wizard/ask.js';
import type { GlobalRunFlags } from './main.js';
import { finishRun, parseLimit, setUpRun } from './run-setup.js';

export interface UninstallFlags extends GlobalRunFlags {
  role?: string;
  purge?: boolean;
  yesReallyPurge?: string;
  yes?: boolean;
  plan?: boolean;
}

export async function uninstallCommand(file: string, flags: UninstallFlags): Promise<void> {
  const inv = await loadInventory(file, inventorySections);
  const limit = parseLimit(inv, flags);
  const purge = !!flags.purge || flags.yesReallyPurge !== undefined;
  const roles = uninstallRoles(inv, { roles: allRoles, role: flags.role, limit });
  if (roles.length === 0) throw new ZkkError('USAGE', `nothing to uninstall: no host${limit ? ` in --limit ${limit.join(',')}` : ''} runs ${flags.role ?? 'zookeeper or kafka'}`, { exitCode: ExitCode.usage });
  const targets = inv.hosts.filter((h) => (!limit || limit.includes(h.name)) && roles.some((r) => r.appliesTo(h)));
  const what = `${roles.map((r) => r.name).join(' and ')} on ${targets.map((h) => h.name).join(', ')} (cluster ${inv.cluster})`;
  if (!flags.plan) await confirm(inv.cluster, what, purge, flags);
  const { renderer, engine } = await setUpRun(inv, flags, { targets, commands: !!flags.plan && !!(flags.commands || flags.verbose) });
  await finishRun(renderer, await runUninstall(inv, { roles: allRoles, role: flags.role, limit, purge, plan: flags.plan, ...engine }));
}

/** Uninstall stops the service: --yes or a yes. Purge deletes data: the cluster name, typed or given to --yes-really-purge. */
async function confirm(cluster: string, what: string, purge: boolean, flags: UninstallFlags): Promise<void> {
  if (purge) {
    if (flags.yesReallyPurge !== undefined) {
      if (flags.yesReallyPurge !== cluster) throw new ZkkError('USAGE', `--yes-really-purge ${flags.yesReallyPurge}: the inventory's cluster is named ${cluster}; nothing removed`, { exitCode: ExitCode.usage });
      return;
    }
    if (!process.stdin.isTTY) throw new ZkkError('USAGE', `--purge deletes every data directory of ${what}`, { exitCode: ExitCode.usage, hint: `type the cluster name on a terminal, or pass --yes-really-purge ${cluster}` });
    const typed = await askText({ message: `--purge DELETES the data (znodes, topics, messages) of ${what}. Type the cluster name to confirm:` });
    if (typed.trim() !== cluster) throw new ZkkError('USAGE', `"${typed.trim()}" is not the cluster name (${cluster}); nothing removed`, { exitCode: ExitCode.usage });
    return;
  }
  if (flags.yes) return;
  if (!process.stdin.isTTY) throw new ZkkError('USAGE', `zkk uninstall stops and removes ${what}`, { exitCode: ExitCode.usage, hint: 'pass --yes to confirm (data and a config backup are kept), or --plan to see what it would do' });
  if (!(await askConfirm({ message: `Stop and remove ${what}? Data and a config backup are kept.`, default: false }))) throw new ZkkError('USAGE', 'not confirmed: nothing removed', { exitCode: ExitCode.usage });
}
