/** `zkk deploy` and `zkk plan`: load, run the pipeline, render, choose the exit code. */
import { ExitCode } from '../errors/zkk-error.js';
import { loadInventory } from '../inventory/load.js';
import { runPipeline } from '../engine/run.js';
import { allRoles, inventorySections } from '../roles/all-roles.js';
import type { GlobalRunFlags } from './main.js';
import { setUpRun } from './run-setup.js';

export async function deployCommand(
  file: string,
  flags: GlobalRunFlags & { verify?: boolean; detailedExitcode?: boolean; skipPreflight?: boolean; bundle?: string },
  mode: 'plan' | 'deploy',
): Promise<void> {
  const inv = await loadInventory(file, inventorySections);
  const { limit, sudoPassword, askPassphrase, renderer } = await setUpRun(inv, flags, { commands: mode === 'plan' && !!(flags.commands || flags.verbose) });
  const report = await runPipeline(inv, {
    mode,
    roles: allRoles,
    hostKeyPolicy: flags.hostKeyPolicy,
    connectTimeout: flags.connectTimeout,
    sudoPassword,
    askPassphrase,
    cacheDir: flags.cacheDir,
    verify: flags.verify,
    preflight: !flags.skipPreflight,
    ...(flags.bundle ? { bundle: flags.bundle } : {}),
    limit,
    onEvent: (e) => renderer.onEvent(e),
  });
  await renderer.finish(report);
  const pending = report.hosts.flatMap((h) => h.steps).find((st) => st.id === 'kafka.finalized' && st.detail.startsWith('finalize pending'));
  if (pending && !flags.json) process.stdout.write(`next: ${pending.detail}\n`);
  let code = report.exitCode;
  if (mode === 'plan' && code === ExitCode.ok && flags.detailedExitcode && report.hosts.some((h) => h.changed > 0)) code = ExitCode.changesPending;
  process.exitCode = code;
}
