/** `zkk deploy` and `zkk plan`: load, run the pipeline, render, choose the exit code. */
import { ExitCode } from '../errors/zkk-error.js';
import { loadInventory } from '../inventory/load.js';
import { runPipeline } from '../engine/run.js';
import { allRoles, inventorySections } from '../roles/all-roles.js';
import { createRunRenderer } from '../ui/run-renderer.js';
import { askSecret } from '../wizard/ask.js';
import { hostKeyOffWarning, unlockKeys } from './connect-prompts.js';
import type { GlobalRunFlags } from './main.js';

export async function deployCommand(
  file: string,
  flags: GlobalRunFlags & { verify?: boolean; detailedExitcode?: boolean },
  mode: 'plan' | 'deploy',
): Promise<void> {
  const inv = await loadInventory(file, inventorySections);
  const limit = flags.limit?.split(',').map((s) => s.trim()).filter(Boolean);
  if (limit) {
    const unknown = limit.filter((n) => !inv.hosts.some((h) => h.name === n));
    if (unknown.length) {
      const { ZkkError } = await import('../errors/zkk-error.js');
      throw new ZkkError('USAGE', `--limit names unknown host(s): ${unknown.join(', ')}`, { exitCode: ExitCode.usage, hint: `hosts: ${inv.hosts.map((h) => h.name).join(', ')}` });
    }
  }
  const sudoPassword = flags.askSudoPass ? await askSecret('sudo password: ') : undefined;
  const targets = inv.hosts.filter((h) => !limit || limit.includes(h.name));
  const hosts = targets.map((h) => h.name);
  const keyWarning = hostKeyOffWarning(targets, flags.hostKeyPolicy);
  if (keyWarning) process.stderr.write(`warning: ${keyWarning}\n`);
  const askPassphrase = await unlockKeys(targets);
  const renderer = createRunRenderer({ json: !!flags.json, tty: !!process.stdout.isTTY && !process.env.CI, verbose: !!flags.verbose, commands: mode === 'plan' && !!(flags.commands || flags.verbose), hosts });
  const report = await runPipeline(inv, {
    mode,
    roles: allRoles,
    hostKeyPolicy: flags.hostKeyPolicy,
    connectTimeout: flags.connectTimeout,
    sudoPassword,
    askPassphrase,
    cacheDir: flags.cacheDir,
    verify: flags.verify,
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
