/** Directories with owner and mode. Never removes or empties one. */
import { cmd, raw } from '../shell/command.js';
import type { PathFact } from '../facts/probes.js';
import { blocked, change, exec, ok, type Outcome } from './operation.js';

export interface DesiredDirectory {
  path: string;
  owner: string;
  group: string;
  mode: string;
}

export function ensureDirectory(fact: PathFact, want: DesiredDirectory): Outcome {
  const mode = want.mode.padStart(4, '0');
  const apply = exec(cmd('mkdir', '-p', want.path, raw('&&'), 'chown', `${want.owner}:${want.group}`, want.path, raw('&&'), 'chmod', mode, want.path));
  if (fact.kind === 'dir') {
    if (fact.owner === want.owner && fact.group === want.group && fact.mode === mode) return ok('exists with owner and mode');
    return change(`set ${want.path} to ${want.owner}:${want.group} ${mode} (was ${fact.owner}:${fact.group} ${fact.mode})`, [apply]);
  }
  if (fact.kind === 'missing') return change(`create directory ${want.path} (${want.owner}:${want.group} ${mode})`, [apply]);
  if (fact.kind === 'link') return ok(`is a symlink to ${fact.target} (left as is)`);
  return blocked(`${want.path} exists and is not a directory: move it away, zkk never deletes data`);
}
