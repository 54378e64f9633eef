/** OS packages, via the host's package manager. */
import { cmd, raw } from '../shell/command.js';
import type { OsFact } from '../facts/probes.js';
import { exec, type ExecAction } from './operation.js';

export type PackageManager = 'apt' | 'dnf' | 'yum';

export function packageManager(os: OsFact): PackageManager | undefined {
  if (os.tools.has('apt-get')) return 'apt';
  if (os.tools.has('dnf')) return 'dnf';
  if (os.tools.has('yum')) return 'yum';
  return undefined;
}

export function installPackage(pm: PackageManager, pkg: string): ExecAction {
  const command =
    pm === 'apt'
      ? cmd(raw('DEBIAN_FRONTEND=noninteractive'), 'apt-get', 'install', '-y', '--no-install-recommends', pkg)
      : cmd(pm, 'install', '-y', pkg);
  return exec(command, { hint: `install ${pkg} by hand, or point the host at a reachable package mirror`, timeoutMs: 15 * 60_000 });
}
