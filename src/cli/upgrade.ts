/**
 * `zkk upgrade finalize`: the feature-version step of an upgrade, separate and explicit. After a
 * binary roll (a `version:` change deployed), it shows what will be raised — ZooKeeper mode:
 * inter.broker.protocol.version, by a rolling restart; KRaft: metadata.version and the other
 * features the release maps higher, one by one, never kraft.version — says that it cannot be
 * undone, asks (or takes --yes), then runs it. Refused while a binary roll is still pending.
 */
import { ExitCode, ZkkError } from '../errors/zkk-error.js';
import { loadInventory } from '../inventory/load.js';
import { runPipeline, type RunReport } from '../engine/run.js';
import { allRoles, inventorySections } from '../roles/all-roles.js';
import { createRunRenderer } from '../ui/run-renderer.js';
import { askConfirm, askSecret } from '../wizard/ask.js';
import { hostKeyOffWarning, unlockKeys } from './connect-prompts.js';
import type { GlobalRunFlags } from './main.js';

/** steps a finalize may change; anything else pending means the binaries have not rolled yet */
const FINALIZE_STEPS = new Set(['kafka.features', 'kafka.finalized', 'kafka.render-server-properties', 'kafka.config-current']);

export function finalizeBlockers(report: RunReport): string[] {
  return report.hosts.flatMap((h) => h.steps.filter((s) => s.status === 'changed' && !FINALIZE_STEPS.has(s.id)).map((s) => `${h.name}: ${s.id} (${s.detail})`));
}

export function finalizeChanges(report: RunReport): string[] {
  return report.hosts.flatMap((h) =>
    h.steps
      .filter((s) => s.status === 'changed' && (s.id === 'kafka.features' || s.id === 'kafka.render-server-properties'))
      .map((s) => `${h.name}: ${s.id === 'kafka.features' ? s.detail : 'server.properties: inter.broker.protocol.version unpinned (rolling restart)'}`),
  );
}

export async function upgradeFinalizeCommand(file: string, flags: GlobalRunFlags & { yes?: boolean }): Promise<void> {
  const inv = await loadInventory(file, inventorySections);
  if (!inv.hosts.some((h) => h.kafka)) throw new ZkkError('USAGE', 'zkk upgrade finalize: this inventory has no Kafka hosts (ZooKeeper has no feature versions to finalize)', { exitCode: ExitCode.usage });
  const sudoPassword = flags.askSudoPass ? await askSecret('sudo password: ') : undefined;
  const keyWarning = hostKeyOffWarning(inv.hosts, flags.hostKeyPolicy);
  if (keyWarning) process.stderr.write(`warning: ${keyWarning}\n`);
  const askPassphrase = await unlockKeys(inv.hosts);
  const hosts = inv.hosts.map((h) => h.name);
  const common = { roles: allRoles, hostKeyPolicy: flags.hostKeyPolicy, connectTimeout: flags.connectTimeout, sudoPassword, askPassphrase, cacheDir: flags.cacheDir, finalize: true };

  const planRenderer = createRunRenderer({ json: false, tty: false, verbose: false, commands: false, hosts });
  const plan = await runPipeline(inv, { ...common, mode: 'plan', onEvent: flags.json ? () => {} : (e) => planRenderer.onEvent(e) });
  if (!flags.json) await planRenderer.finish(plan);
  if (plan.exitCode !== ExitCode.ok) {
    process.exitCode = plan.exitCode;
    return;
  }
  const blockers = finalizeBlockers(plan);
  if (blockers.length > 0) {
    throw new ZkkError('FINALIZE_BEFORE_ROLL', `the binaries have not rolled to the inventory's versions yet:\n  ${blockers.slice(0, 8).join('\n  ')}`, {
      exitCode: ExitCode.usage,
      hint: 'run zkk deploy first (the rolling upgrade), then zkk upgrade finalize',
    });
  }
  const changes = finalizeChanges(plan);
  if (changes.length === 0) {
    process.stdout.write('nothing to finalize: the feature versions are at the releases\' levels\n');
    process.exitCode = ExitCode.ok;
    return;
  }
  process.stdout.write(`\nzkk upgrade finalize will:\n  ${changes.join('\n  ')}\nThis cannot be undone: after it, the cluster cannot go back to the older release.\n`);
  if (!flags.yes) {
    if (!process.stdin.isTTY) throw new ZkkError('CONFIRM', 'finalize needs a confirmation: run it on a terminal, or pass --yes', { exitCode: ExitCode.usage });
    if (!(await askConfirm({ message: 'Finalize now?', default: false }))) {
      process.stdout.write('not finalized\n');
      process.exitCode = ExitCode.ok;
      return;
    }
  }
  const renderer = createRunRenderer({ json: !!flags.json, tty: !!process.stdout.isTTY && !process.env.CI, verbose: !!flags.verbose, commands: false, hosts });
  const report = await runPipeline(inv, { ...common, mode: 'deploy', verify: true, onEvent: (e) => renderer.onEvent(e) });
  await renderer.finish(report);
  process.exitCode = report.exitCode;
}
