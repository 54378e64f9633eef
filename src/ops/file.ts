/**
 * Files by content: compare sha256/owner/mode with the fact; write through a temp file
 * in the same directory and rename it into place, so a partial write never replaces a
 * good file. Content goes over the command's stdin (one round trip, works under sudo).
 */
import { createTwoFilesPatch } from 'diff';
import { cmd, raw, script } from '../shell/command.js';
import { sha256, type PathFact } from '../facts/probes.js';
import { change, ok, type Outcome } from './operation.js';
import type { Connector } from '../transport/connector.js';

export interface DesiredFile {
  path: string;
  content: string;
  owner: string;
  group: string;
  mode: string; // e.g. 0644
  /** Hide content from diffs (secrets). */
  sensitive?: boolean;
}

export function ensureFileContent(fact: PathFact, want: DesiredFile): Outcome {
  const mode = want.mode.padStart(4, '0');
  if (fact.kind === 'file' && fact.sha256 === sha256(want.content)) {
    if (fact.owner === want.owner && fact.group === want.group && fact.mode === mode) return ok('content, owner and mode match');
    return change(`set ${want.path} owner ${want.owner}:${want.group} mode ${mode} (was ${fact.owner}:${fact.group} ${fact.mode})`, (c) =>
      setOwnerMode(c, want.path, want.owner, want.group, mode),
    );
  }
  if (fact.kind === 'dir' || fact.kind === 'link') {
    return change(`replace ${fact.kind} ${want.path} with a file`, (c) => writeFileAtomic(c, want), `${want.path} is a ${fact.kind}`);
  }
  const before = fact.kind === 'file' ? fact.content : '';
  const diff = want.sensitive
    ? `${want.path}: content changed (sensitive, not shown)`
    : before === undefined
      ? `${want.path}: content differs (too large to diff)`
      : unifiedDiff(want.path, before, want.content, fact.kind === 'missing');
  return change(fact.kind === 'missing' ? `create ${want.path}` : `update ${want.path}`, (c) => writeFileAtomic(c, want), diff);
}

export function unifiedDiff(path: string, before: string, after: string, created = false): string {
  return createTwoFilesPatch(created ? '/dev/null' : `a${path}`, `b${path}`, before, after, '', '', { context: 3 })
    .split('\n')
    .slice(1) // drop the "====" line
    .map((l) => (l.startsWith('---') || l.startsWith('+++') ? l.trimEnd() : l))
    .join('\n')
    .trimEnd();
}

export async function writeFileAtomic(conn: Connector, want: DesiredFile): Promise<void> {
  const mode = want.mode.padStart(4, '0');
  const body = [
    'set -e',
    `d=$(dirname ${quoted(want.path)})`,
    'mkdir -p "$d"',
    `t=$(mktemp "$d/.zkk-XXXXXX")`,
    `trap 'rm -f "$t"' EXIT`,
    'cat > "$t"',
    `chown ${quoted(`${want.owner}:${want.group}`)} "$t"`,
    `chmod ${mode} "$t"`,
    `mv -f "$t" ${quoted(want.path)}`,
    'trap - EXIT',
  ].join('\n');
  await conn.exec(script(body, `write ${want.path}`), { stdin: want.content });
}

async function setOwnerMode(conn: Connector, path: string, owner: string, group: string, mode: string): Promise<void> {
  await conn.exec(cmd('chown', `${owner}:${group}`, path, raw('&&'), 'chmod', mode, path));
}

const quoted = (s: string): string => cmd(s).text;
