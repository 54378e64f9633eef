/**
 * `zkk doctor`: the preflight checks of every host, read-only (one batched command per
 * host). Exit 0 nothing failed (warnings allowed; --strict: 1 on a warning too) · 1 a
 * check failed · 2 bad arguments or inventory · 3 no host reachable.
 */
import { loadInventory } from '../inventory/load.js';
import { runDoctor } from '../engine/doctor/run-doctor.js';
import { allRoles, inventorySections } from '../roles/all-roles.js';
import { renderDoctor } from '../ui/doctor-table.js';
import { askSecret } from '../wizard/ask.js';
import { hostKeyOffWarning, unlockKeys } from './connect-prompts.js';

export interface DoctorFlags {
  json?: boolean;
  strict?: boolean;
  connectTimeout?: number;
  hostKeyPolicy?: 'strict' | 'accept-new' | 'off';
  askSudoPass?: boolean;
}

export async function doctorCommand(file: string, flags: DoctorFlags): Promise<void> {
  const inv = await loadInventory(file, inventorySections);
  for (const w of inv.warnings) process.stderr.write(`warning: ${w}\n`);
  const sudoPassword = flags.askSudoPass ? await askSecret('sudo password: ') : undefined;
  const keyWarning = hostKeyOffWarning(inv.hosts, flags.hostKeyPolicy);
  if (keyWarning) process.stderr.write(`warning: ${keyWarning}\n`);
  const askPassphrase = await unlockKeys(inv.hosts);
  const report = await runDoctor(inv, { roles: allRoles, strict: flags.strict, connectTimeout: flags.connectTimeout, hostKeyPolicy: flags.hostKeyPolicy, sudoPassword, askPassphrase });
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderDoctor(report, { color: !!process.stdout.isTTY && !process.env.NO_COLOR })}\n`);
  process.exitCode = report.exitCode;
}
