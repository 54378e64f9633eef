/**
 * What the CLI gives the engine for connecting: the identity-file passphrase prompt (on a
 * terminal only; asked before any progress display) and the warning that host key
 * checking is off.
 */
import type { ResolvedHost } from '../inventory/resolve.js';
import { unlockHostIdentities } from '../engine/connect-host.js';
import type { AskPassphrase } from '../engine/connect-host.js';
import { askSecret } from '../wizard/ask.js';

export function passphrasePrompt(): AskPassphrase | undefined {
  if (!process.stdin.isTTY) return undefined;
  return (keyFile) => askSecret(`passphrase for ${keyFile}: `);
}

/** Prompt now for the passphrases the hosts' keys need (no-op without a terminal). */
export async function unlockKeys(hosts: readonly ResolvedHost[]): Promise<AskPassphrase | undefined> {
  const ask = passphrasePrompt();
  if (ask) await unlockHostIdentities(hosts, ask);
  return ask;
}

export function hostKeyOffWarning(hosts: readonly ResolvedHost[], flag: 'strict' | 'accept-new' | 'off' | undefined): string | undefined {
  const off = hosts.filter((h) => (flag ?? h.ssh.hostKeyPolicy) === 'off').map((h) => h.name);
  if (off.length === 0) return undefined;
  return `host key checking is off for ${off.length === hosts.length ? 'every host' : off.join(', ')}: zkk would not notice a man-in-the-middle (use accept-new or strict)`;
}

/**
 * Before a read-only command connects (status, doctor): the inventory's warnings and the
 * host-key warning on stderr, the sudo password (--ask-sudo-pass) and the key passphrases.
 */
export async function readOnlyConnectPrompts(
  inv: { warnings: readonly string[]; hosts: readonly ResolvedHost[] },
  flags: { askSudoPass?: boolean; hostKeyPolicy?: 'strict' | 'accept-new' | 'off' },
): Promise<{ sudoPassword?: string; askPassphrase?: AskPassphrase }> {
  for (const w of inv.warnings) process.stderr.write(`warning: ${w}\n`);
  const sudoPassword = flags.askSudoPass ? await askSecret('sudo password: ') : undefined;
  const keyWarning = hostKeyOffWarning(inv.hosts, flags.hostKeyPolicy);
  if (keyWarning) process.stderr.write(`warning: ${keyWarning}\n`);
  const askPassphrase = await unlockKeys(inv.hosts);
  return { sudoPassword, askPassphrase };
}
