/**
 * `zkk doctor`: the preflight checks of every host, read-only (one batched command per
 * host). Exit 0 nothing failed (warnings allowed; --strict: 1 on a warning too) · 1 a
 * check failed · 2 bad arguments or inventory · 3 no host reachable.
 */
import { loadInventory } from '../inventory/load.js';
import { runDoctor } from '../engine/doctor/run-doctor.js';
import { allRoles, inventorySections } from '../roles/all-roles.js';
import { renderDoctor } from '../ui/doctor-table.js';
import { readOnlyConnectPrompts } from './connect-prompts.js';

export interface DoctorFlags {
  json?: boolean;
  strict?: boolean;
  connectTimeout?: number;
  hostKeyPolicy?: 'strict' | 'accept-new' | 'off';
  askSudoPass?: boolean;
}

export async function doctorCommand(file: string, flags: DoctorFlags): Promise<void> {
  const inv = await loadInventory(file, inventorySections);
  const { sudoPassword, askPassphrase } = await readOnlyConnectPrompts(inv, flags);
  const report = await runDoctor(inv, { roles: allRoles, strict: flags.strict, connectTimeout: flags.connectTimeout, hostKeyPolicy: flags.hostKeyPolicy, sudoPassword, askPassphrase });
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderDoctor(report, { color: !!process.stdout.isTTY && !process.env.NO_COLOR })}\n`);
  process.exitCode = report.exitCode;
}
