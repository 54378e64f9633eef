/** What every command that connects to the hosts does first: --limit checked, sudo password, key passphrases, the renderer. */
import { ExitCode, ZkkError } from '../errors/zkk-error.js';
import type { EngineEvent } from '../engine/events.js';
import type { RunReport } from '../engine/run.js';
import type { Inventory, ResolvedHost } from '../inventory/resolve.js';
import { createRunRenderer, type RunRenderer } from '../ui/run-renderer.js';
import { askSecret } from '../wizard/ask.js';
import { hostKeyOffWarning, unlockKeys } from './connect-prompts.js';
import type { GlobalRunFlags } from './main.js';

export interface RunSetup {
  limit?: string[];
  targets: ResolvedHost[];
  sudoPassword?: string;
  askPassphrase: Awaited<ReturnType<typeof unlockKeys>>;
  renderer: RunRenderer;
  /** What every engine run takes from the command line and the setup: SSH overrides and the event sink. */
  engine: { hostKeyPolicy?: GlobalRunFlags['hostKeyPolicy']; connectTimeout?: number; sudoPassword?: string; askPassphrase: RunSetup['askPassphrase']; onEvent: (e: EngineEvent) => void };
}

export function parseLimit(inv: Inventory, flags: Pick<GlobalRunFlags, 'limit'>): string[] | undefined {
  const limit = flags.limit?.split(',').map((s) => s.trim()).filter(Boolean);
  if (limit) {
    const unknown = limit.filter((n) => !inv.hosts.some((h) => h.name === n));
    if (unknown.length) throw new ZkkError('USAGE', `--limit names unknown host(s): ${unknown.join(', ')}`, { exitCode: ExitCode.usage, hint: `hosts: ${inv.hosts.map((h) => h.name).join(', ')}` });
  }
  return limit;
}

export async function setUpRun(inv: Inventory, flags: GlobalRunFlags, opts: { commands?: boolean; targets?: ResolvedHost[] } = {}): Promise<RunSetup> {
  const limit = parseLimit(inv, flags);
  const sudoPassword = flags.askSudoPass ? await askSecret('sudo password: ') : undefined;
  const targets = opts.targets ?? inv.hosts.filter((h) => !limit || limit.includes(h.name));
  const keyWarning = hostKeyOffWarning(targets, flags.hostKeyPolicy);
  if (keyWarning) process.stderr.write(`warning: ${keyWarning}\n`);
  const askPassphrase = await unlockKeys(targets);
  const renderer = createRunRenderer({ json: !!flags.json, tty: !!process.stdout.isTTY && !process.env.CI, verbose: !!flags.verbose, commands: !!opts.commands, hosts: targets.map((h) => h.name) });
  const engine = { hostKeyPolicy: flags.hostKeyPolicy, connectTimeout: flags.connectTimeout, sudoPassword, askPassphrase, onEvent: (e: EngineEvent) => renderer.onEvent(e) };
  return { limit, targets, sudoPassword, askPassphrase, renderer, engine };
}

/** Print the recap (or JSON) and set the exit code. */
export async function finishRun(renderer: RunRenderer, report: RunReport): Promise<void> {
  await renderer.finish(report);
  process.exitCode = report.exitCode;
}
