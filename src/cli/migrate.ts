/**
 * `zkk migrate <inventory> [--finalize]`: a ZooKeeper-mode cluster to KRaft (KIP-866, Kafka 3.9).
 * The inventory describes the target (kafka.mode: kraft, kafka-controller hosts); where the
 * cluster is comes from the hosts and ZooKeeper, read again before every phase. Each phase is
 * shown (its plan: diffs, rolls and gates) and confirmed (or --yes), then run; zkk stops before
 * the irreversible finalize and says how to roll back. `--finalize` takes the controllers out of
 * migration mode (rolling) after its own confirmation.
 */
import { ExitCode, ZkkError } from '../errors/zkk-error.js';
import { loadInventory } from '../inventory/load.js';
import { runPipeline, type RunOptions, type RunReport } from '../engine/run.js';
import { allRoles, inventorySections } from '../roles/all-roles.js';
import { parseDecisionDetail } from '../roles/kafka/migration-layout.js';
import { describePhases, rollbackInstructions, rolledBackStatement, STEP_TITLE, type MigrationIntent, type MigrationPhase, type MigrationStep } from '../roles/kafka/migration.js';
import { createRunRenderer } from '../ui/run-renderer.js';
import { askConfirm } from '../wizard/ask.js';
import type { GlobalRunFlags } from './main.js';
import { setUpRun } from './run-setup.js';

type Decision = NonNullable<ReturnType<typeof parseDecisionDetail>>;

export function decisionOf(report: RunReport): Decision | undefined {
  const step = report.hosts.flatMap((h) => h.steps).find((s) => s.id === 'kafka.migration');
  return step ? parseDecisionDetail(step.detail) : undefined;
}

/** The statement zkk stops with before the finalize (also shown by a run that finds the cluster there). */
export function stopStatement(phase: MigrationPhase, summary: string, file: string): string {
  return [
    `migration state: ${summary}`,
    'nothing irreversible has happened yet. To roll back to ZooKeeper mode:',
    ...rollbackInstructions(phase, file).map((l, i) => `  ${i + 1}. ${l}`),
    `next: zkk migrate ${file} --finalize — takes the controllers out of migration mode; IRREVERSIBLE (no way back to ZooKeeper mode after it)`,
  ].join('\n');
}

export function afterFinalize(file: string): string {
  return [
    'migration finalized: the cluster runs KRaft; ZooKeeper no longer holds its metadata.',
    `ZooKeeper can now be decommissioned if nothing else uses it: remove the zookeeper role (or its hosts) from ${file}, run zkk uninstall <inventory-with-only-the-zookeeper-hosts> (data is kept unless --purge), then zkk deploy ${file}.`,
    'kafka.version can then move to 4.x with the usual rolling upgrade (zkk deploy, then zkk upgrade finalize).',
  ].join('\n');
}

export async function migrateCommand(file: string, flags: GlobalRunFlags & { yes?: boolean; finalize?: boolean; rollback?: boolean }): Promise<void> {
  const inv = await loadInventory(file, inventorySections);
  if (flags.limit) throw new ZkkError('USAGE', 'zkk migrate runs on every host: --limit is not accepted', { exitCode: ExitCode.usage });
  if (flags.rollback && flags.finalize) throw new ZkkError('USAGE', 'zkk migrate: --rollback and --finalize go in opposite directions; pass one', { exitCode: ExitCode.usage });
  const { engine } = await setUpRun(inv, flags);
  const hosts = inv.hosts.map((h) => h.name);
  const base: Omit<RunOptions, 'mode'> = { ...engine, roles: allRoles, cacheDir: flags.cacheDir, onEvent: () => undefined };
  const out = (s: string) => {
    if (!flags.json) process.stdout.write(`${s}\n`);
  };
  const phases: { step: MigrationStep; ms: number }[] = [];
  const action: MigrationIntent['action'] = flags.rollback ? 'rollback' : flags.finalize ? 'finalize' : 'continue';
  for (let round = 0; round < 6; round++) {
    const planRenderer = createRunRenderer({ json: false, tty: false, verbose: false, commands: false, hosts });
    const plan = await runPipeline(inv, { ...base, mode: 'plan', migration: { action }, onEvent: flags.json ? () => undefined : (e) => planRenderer.onEvent(e) });
    const decision = decisionOf(plan);
    if (plan.exitCode !== ExitCode.ok || !decision) {
      if (!flags.json) await planRenderer.finish(plan);
      else process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
      process.exitCode = plan.exitCode || ExitCode.hostFailed;
      return;
    }
    out(`\nmigration: ${decision.summary}${action === 'rollback' ? '' : `\n  ${describePhases({ phase: decision.phase, summary: decision.summary }).join('\n  ')}`}`);
    if (!decision.step) {
      if (action === 'rollback') out(decision.phase === 'zookeeper-mode' ? rolledBackStatement(file).join('\n') : `nothing to roll back: ${decision.summary}`);
      else if (decision.phase === 'kraft') out(afterFinalize(file));
      else out(stopStatement(decision.phase, decision.summary, file));
      break;
    }
    const step = decision.step;
    if (!flags.json) await planRenderer.finish(plan);
    out(`\n${STEP_TITLE[step]}`);
    if (step === 'finalize') out('After this, the cluster cannot go back to ZooKeeper mode.');
    if (!flags.yes) {
      if (!process.stdin.isTTY) throw new ZkkError('CONFIRM', `zkk migrate: ${step} needs a confirmation: run it on a terminal, or pass --yes`, { exitCode: ExitCode.usage });
      if (!(await askConfirm({ message: step === 'finalize' ? 'Finalize the migration now (irreversible)?' : `Run ${step} now?`, default: false }))) {
        out('stopped; run zkk migrate again to continue from here');
        return;
      }
    }
    const renderer = createRunRenderer({ json: !!flags.json, tty: !!process.stdout.isTTY && !process.env.CI, verbose: !!flags.verbose, commands: false, hosts });
    const t0 = Date.now();
    const report = await runPipeline(inv, { ...base, ...engine, mode: 'deploy', verify: true, migration: { action, step }, onEvent: (e) => renderer.onEvent(e) });
    await renderer.finish(report);
    const ms = Date.now() - t0;
    phases.push({ step, ms });
    out(`migration phase ${step}: ${(ms / 1000).toFixed(1)} s`);
    if (report.exitCode !== ExitCode.ok) {
      out('the phase did not finish; run zkk migrate again once the cause is fixed: it continues from what the hosts show');
      process.exitCode = report.exitCode;
      return;
    }
    if (step === 'finalize') {
      out(afterFinalize(file));
      break;
    }
  }
  if (phases.length > 0) out(`phase durations: ${phases.map((p) => `${p.step} ${(p.ms / 1000).toFixed(1)} s`).join(', ')}`);
  process.exitCode = ExitCode.ok;
}
