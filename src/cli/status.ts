/**
 * `zkk status`: collect, render (table or JSON), exit 0 healthy · 1 degraded · 5 down
 * (3 when no host could be reached at all). --watch keeps the SSH connections and
 * redraws in place on a TTY (a new frame per line-separated block otherwise, one JSON
 * document per line with --json).
 */
import { loadInventory } from '../inventory/load.js';
import { inventorySections } from '../roles/inventory-sections.js';
import { StatusSession } from '../engine/status.js';
import type { StatusReport } from '../engine/status-schema.js';
import { renderStatus } from '../ui/status-table.js';
import { readOnlyConnectPrompts } from './connect-prompts.js';

export interface StatusFlags {
  json?: boolean;
  /** true: --watch without a value (default interval). */
  watch?: boolean | number;
  connectTimeout?: number;
  hostKeyPolicy?: 'strict' | 'accept-new' | 'off';
  askSudoPass?: boolean;
}

export const DEFAULT_WATCH_SECONDS = 2;

export async function statusCommand(file: string, flags: StatusFlags): Promise<void> {
  const inv = await loadInventory(file, inventorySections);
  const { sudoPassword, askPassphrase } = await readOnlyConnectPrompts(inv, flags);
  const session = new StatusSession(inv, { connectTimeout: flags.connectTimeout, hostKeyPolicy: flags.hostKeyPolicy, sudoPassword, askPassphrase });
  const out = process.stdout;
  const tty = !!out.isTTY;
  const color = tty && !process.env.NO_COLOR;

  if (flags.watch === undefined || flags.watch === false) {
    try {
      const report = await session.collect();
      out.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderStatus(report, { color })}\n`);
      process.exitCode = report.exitCode;
    } finally {
      await session.close();
    }
    return;
  }

  const interval = flags.watch === true ? DEFAULT_WATCH_SECONDS : flags.watch;
  let first = true;
  for (;;) {
    const t0 = Date.now();
    const report: StatusReport = await session.collect();
    process.exitCode = report.exitCode;
    if (flags.json) out.write(`${JSON.stringify(report)}\n`);
    else if (tty) {
      // Redraw in place: home, each line cleared to its end, then the rest of the screen.
      const frame = renderStatus(report, { color, watchSeconds: interval });
      out.write(`${first ? '\x1b[2J' : ''}\x1b[H${frame.split('\n').join('\x1b[K\n')}\x1b[K\n\x1b[J`);
    } else out.write(`${first ? '' : '\n'}${renderStatus(report, { color: false, watchSeconds: interval })}\n`);
    first = false;
    await new Promise((r) => setTimeout(r, Math.max(0, interval * 1000 - (Date.now() - t0))));
  }
}
