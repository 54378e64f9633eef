/**
 * `zkk init [file]`: interview the user (or read flags), check the result as an
 * inventory, optionally probe the hosts, then write the file atomically and say what to
 * run next. Nothing is written before the very end, so Ctrl-C leaves nothing behind.
 */
import path from 'node:path';
import { ExitCode, ZkkError, isZkkError } from '../errors/zkk-error.js';
import { parseInventory } from '../inventory/load.js';
import { inventorySections } from '../roles/inventory-sections.js';
import { quote } from '../shell/command.js';
import { colors, table } from '../ui/table.js';
import { askConfirm, inquirerAsker } from '../wizard/ask.js';
import { interview, type InitFlags } from '../wizard/interview.js';
import { renderInventory, writeFileAtomically } from '../wizard/inventory-writer.js';
import { adminPasswordFile } from '../wizard/answers.js';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { pathKind } from '../wizard/local-paths.js';
import { PROBE_TABLE_HEADERS, probeHosts, probeProblems, probeTableRows } from '../wizard/probe.js';

export interface InitCommandFlags extends InitFlags {
  yes?: boolean;
  force?: boolean;
  probe?: boolean;
}

const out = (s: string) => process.stdout.write(`${s}\n`);
const err = (s: string) => process.stderr.write(`${s}\n`);

/** A fresh admin password in its own file (0600, created exclusively); an existing file is kept. */
async function writeAdminPassword(file: string): Promise<string> {
  try {
    await writeFile(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    return `wrote ${file} (0600): zkk's Kafka admin password, random; keep it with the inventory`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return `kept ${file}: the admin password already there`;
    throw e;
  }
}

export async function initCommand(file: string, flags: InitCommandFlags): Promise<void> {
  const interactive = !flags.yes && !!process.stdin.isTTY;
  const c = colors(!!process.stdout.isTTY && !process.env.NO_COLOR);
  const target = file;

  const dir = path.dirname(path.resolve(target));
  if (pathKind(dir) !== 'dir') throw new ZkkError('USAGE', `cannot write ${target}: ${dir} is not a directory`, { exitCode: ExitCode.usage });
  const existing = pathKind(target);
  if (existing === 'dir') throw new ZkkError('USAGE', `${target} is a directory`, { exitCode: ExitCode.usage, hint: `name a file, e.g. ${path.join(target, 'inventory.yml')}` });
  if (existing !== 'missing' && !flags.force) {
    const overwrite = interactive && (await askConfirm({ message: `${target} exists. Replace it with the new inventory (when the interview is done)?`, default: false }));
    if (!overwrite)
      throw new ZkkError('USAGE', `${target} exists; nothing written`, { exitCode: ExitCode.usage, hint: 'pass --force to overwrite it, or name another file: zkk init FILE' });
  }

  if (interactive) out(c.dim(`zkk init: a few questions, then ${target} is written (Ctrl-C leaves nothing behind). Defaults are in parentheses.`));
  const answers = await interview(flags, { asker: interactive ? inquirerAsker : undefined, warn: err });
  const text = renderInventory(answers);

  let inv;
  try {
    inv = parseInventory(text, target, inventorySections);
  } catch (e) {
    // The wizard validates every answer; an inventory it cannot load is a zkk bug.
    throw new Error(`zkk init produced an inventory that does not load:\n${isZkkError(e) ? e.format() : String(e)}\n---\n${text}`);
  }
  for (const w of inv.warnings) {
    if (interactive && /ZooKeeper hosts:/.test(w)) continue; // already shown and confirmed
    err(c.yellow(`warning: ${w}`));
  }

  const probe = flags.probe ?? (interactive ? await askConfirm({ message: 'Probe the hosts over SSH now? (read-only: OS, Java, free disk, ports in use, firewall)', default: true }) : false);
  if (probe) {
    out(`probing ${inv.hosts.length} host(s) over SSH…`);
    const results = await probeHosts(inv);
    out(table(PROBE_TABLE_HEADERS, probeTableRows(results)));
    const problems = results.flatMap((r) => probeProblems(r).map((p) => `${r.host}: ${p}`));
    for (const p of problems) err(c.yellow(`warning: ${p}`));
    if (problems.length === 0) out(c.green(`all ${results.length} host(s) reachable, nothing in the way`));
    else if (interactive && !(await askConfirm({ message: `Write ${target} anyway?`, default: true })))
      throw new ZkkError('ABORTED', `nothing written`, { exitCode: ExitCode.hostFailed, hint: 'fix the hosts, then run zkk init again' });
  }

  // the admin password a secured inventory names: a new random one, 0600, never printed; one already there is kept
  const passwordNote = answers.security ? await writeAdminPassword(path.join(dir, adminPasswordFile(answers.cluster))) : undefined;
  await writeFileAtomically(target, text);
  if (passwordNote) out(passwordNote);
  const zk = answers.zookeeperHosts.length;
  out(`${c.green('wrote')} ${target}: cluster ${answers.cluster}, ${answers.hosts.length} host(s), ${zk ? `${zk} ZooKeeper, ` : ''}${answers.kafkaHosts.length} Kafka (${answers.kafkaMode} mode)`);
  out(`next: ${c.bold(`zkk plan ${quote(target)}`)}   (then: zkk deploy ${quote(target)})`);
}

