/** System accounts for services: a group and a user with no login shell. */
import { cmd, script } from '../shell/command.js';
import type { AccountFact, OsFact } from '../facts/probes.js';
import { blocked, change, exec, ok, type Outcome } from './operation.js';

export function ensureServiceAccount(
  user: AccountFact,
  group: AccountFact,
  want: { user: string; group: string; home: string },
  os: OsFact,
): Outcome {
  if (user.exists && group.exists && user.gid === group.gid) return ok(`user ${want.user} and group ${want.group} exist`);
  if (user.exists && group.exists) return ok(`user ${want.user} exists (primary group differs from ${want.group}; left as is)`);
  if (!os.tools.has('useradd')) return blocked(`cannot create user ${want.user}: useradd is not available on this host`, 'install the passwd (Debian) or shadow-utils (RHEL) package');
  const nologin = '$(command -v nologin || echo /sbin/nologin)';
  const lines: string[] = ['set -e'];
  if (!group.exists) lines.push(cmd('groupadd', '--system', want.group).text);
  if (!user.exists)
    lines.push(`${cmd('useradd', '--system', '--gid', want.group, '--home-dir', want.home, '--no-create-home', '--shell').text} "${nologin}" ${cmd(want.user).text}`);
  const what = [!group.exists && `group ${want.group}`, !user.exists && `user ${want.user}`].filter(Boolean).join(' and ');
  return change(`create system ${what}`, [exec(script(lines.join('\n'), `create ${what}`))]);
}
