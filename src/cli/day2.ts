/** `zkk restart | stop | start`: the roles' rolling handlers on demand, through deploy's health gates. */
import { ExitCode, ZkkError } from '../errors/zkk-error.js';
import { day2Roles, day2Targets, runDay2, wholeRole } from '../engine/day2.js';
import { loadInventory } from '../inventory/load.js';
import type { Day2Action } from '../roles/role.js';
import { allRoles, inventorySections } from '../roles/all-roles.js';
import { askConfirm } from '../wizard/ask.js';
import type { GlobalRunFlags } from './main.js';
import { finishRun, parseLimit, setUpRun } from './run-setup.js';

export interface Day2Flags extends GlobalRunFlags {
  role?: string;
  force?: boolean;
  yes?: boolean;
  verify?: boolean;
}

export async function day2Command(action: Day2Action, file: string, flags: Day2Flags): Promise<void> {
  const inv = await loadInventory(file, inventorySections);
  const limit = parseLimit(inv, flags);
  const known = allRoles.filter((r) => r.day2).map((r) => r.name);
  if (flags.role && !known.includes(flags.role))
    throw new ZkkError('USAGE', `--role ${flags.role}: not a role zkk ${action} knows`, { exitCode: ExitCode.usage, hint: `roles: ${known.join(', ')}` });
  const roles = day2Roles(inv, { action, roles: allRoles, role: flags.role, limit });
  if (roles.length === 0)
    throw new ZkkError('USAGE', `nothing to ${action}: no host${limit ? ` in --limit ${limit.join(',')}` : ''} runs ${flags.role ?? known.join(' or ')}`, { exitCode: ExitCode.usage });
  if (action === 'stop') await confirmWholeStop(inv, roles.filter((r) => wholeRole(inv, r, limit)).map((r) => r.name), !!flags.yes);
  if (flags.force) process.stderr.write(`warning: --force: zkk ${action} goes on where a health gate refuses (each override is reported)\n`);
  const targets = inv.hosts.filter((h) => roles.some((r) => day2Targets(inv, r, limit).includes(h)));
  const { renderer, engine } = await setUpRun(inv, flags, { targets });
  await finishRun(renderer, await runDay2(inv, { action, roles: allRoles, role: flags.role, limit, force: flags.force, verify: flags.verify, ...engine }));
}

/** Stopping every host of a role takes the service down: asked on a terminal, else --yes. */
async function confirmWholeStop(inv: { cluster: string }, whole: string[], yes: boolean): Promise<void> {
  if (whole.length === 0 || yes) return;
  const what = `every ${whole.join(' and every ')} host of cluster ${inv.cluster}`;
  if (!process.stdin.isTTY)
    throw new ZkkError('USAGE', `zkk stop would stop ${what}: the service goes down`, { exitCode: ExitCode.usage, hint: 'pass --yes to confirm, or --limit to stop some hosts only (through the health gates)' });
  if (!(await askConfirm({ message: `Stop ${what}? Clients lose the service until zkk start.`, default: false })))
    throw new ZkkError('USAGE', 'not confirmed: nothing stopped', { exitCode: ExitCode.usage });
}
