/**
 * Files by content: compare sha256/owner/mode with the fact; write through a temp file
 * in the same directory and rename it into place, so a partial write never replaces a
 * good file. Content goes over the command's stdin (one round trip, works under sudo).
 *
 * Symlinks: the temp file comes from mktemp (O_EXCL, never an existing path) and
 * `mv -T` renames over the target's directory entry, so a symlink planted at the target
 * is replaced, never followed. A file owned by a service account (myid in the
 * zookeeper-owned data dir) is written BY that account (runuser): in a directory the
 * service user controls, root never chowns or chmods a path that user could swap for a
 * link to something else; the user can only reach what it could already write.
 */
import { createTwoFilesPatch } from 'diff';
import { cmd, quote, raw, script, type Command } from '../shell/command.js';
import { sha256, type PathFact } from '../facts/probes.js';
import { blocked, change, exec, ok, type ExecAction, type Outcome } from './operation.js';

export interface DesiredFile {
  path: string;
  content: string;
  owner: string;
  group: string;
  mode: string; // e.g. 0644
  /** Hide the whole content from diffs. */
  sensitive?: boolean;
  /** Mask secret values (both sides) before diffing, e.g. maskSecretProperties. */
  maskDiff?: (text: string) => string;
}

export function ensureFileContent(fact: PathFact, want: DesiredFile): Outcome {
  const mode = want.mode.padStart(4, '0');
  if (fact.kind === 'file' && fact.sha256 === sha256(want.content)) {
    if (fact.owner === want.owner && fact.group === want.group && fact.mode === mode) return ok('content, owner and mode match');
    // a service account cannot chown; it rewrites the file (same content) with the right group and mode
    const fix = writtenByServiceAccount(want) ? writeFileAction(want) : exec(cmd('chown', `${want.owner}:${want.group}`, want.path, raw('&&'), 'chmod', mode, want.path));
    return change(`set ${want.path} owner ${want.owner}:${want.group} mode ${mode} (was ${fact.owner}:${fact.group} ${fact.mode})`, [fix]);
  }
  if (fact.kind === 'dir') return blocked(`${want.path} is a directory; zkk needs a file there and never deletes data`, `move ${want.path} away, then deploy again`);
  if (fact.kind === 'link') return change(`replace link ${want.path} with a file (its target ${fact.target} is left untouched)`, [writeFileAction(want)], `${want.path} is a link`);
  return change(fact.kind === 'missing' ? `create ${want.path}` : `update ${want.path}`, [writeFileAction(want)], fileDiff(fact, want));
}

function fileDiff(fact: Extract<PathFact, { kind: 'file' | 'missing' }>, want: DesiredFile): string {
  if (want.sensitive) return `${want.path}: content changed (sensitive, not shown)`;
  const before = fact.kind === 'file' ? fact.content : '';
  if (before === undefined) return `${want.path}: content differs (too large to diff)`;
  const mask = want.maskDiff ?? ((t: string) => t);
  const [b, a] = [mask(before), mask(want.content)];
  if (b === a) return `${want.path}: a secret value changed (not shown)`;
  return unifiedDiff(want.path, b, a, fact.kind === 'missing');
}

export function unifiedDiff(path: string, before: string, after: string, created = false): string {
  return createTwoFilesPatch(created ? '/dev/null' : `a${path}`, `b${path}`, before, after, '', '', { context: 3 })
    .split('\n')
    .slice(1) // drop the "====" line
    .map((l) => (l.startsWith('---') || l.startsWith('+++') ? l.trimEnd() : l))
    .join('\n')
    .trimEnd();
}

const writtenByServiceAccount = (want: DesiredFile): boolean => want.owner !== 'root';

/** The command that writes want.content (sent on stdin) atomically to want.path. */
export function writeFileAction(want: DesiredFile): ExecAction {
  const mode = want.mode.padStart(4, '0');
  const asUser = writtenByServiceAccount(want);
  const dir = want.path.replace(/\/[^/]*$/, '') || '/';
  const body = [
    'set -e',
    `d=${quote(dir)}`,
    // root creates a missing parent; a service account writes only into its own directory
    asUser ? '' : 'mkdir -p "$d"',
    't=$(mktemp "$d/.zkk-XXXXXX")',
    `trap 'rm -f "$t"' EXIT`,
    'cat > "$t"',
    asUser ? `chgrp ${quote(want.group)} "$t"` : `chown ${quote(`${want.owner}:${want.group}`)} "$t"`,
    `chmod ${mode} "$t"`,
    `mv -fT "$t" ${quote(want.path)}`,
    'trap - EXIT',
  ].filter(Boolean).join('\n');
  const command: Command = asUser ? asAccount(want.owner, body, `write ${want.path} as ${want.owner}`) : script(body, `write ${want.path}`);
  return exec(command, {
    stdin: want.content,
    stdinLabel: `new content of ${want.path} (${Buffer.byteLength(want.content)} bytes, sha256 ${sha256(want.content).slice(0, 12)}…)`,
  });
}

/** Run a script as a service account (runuser, else su), keeping stdin. */
function asAccount(user: string, body: string, label: string): Command {
  const u = quote(user);
  const b = quote(body);
  return script(`if command -v runuser >/dev/null 2>&1; then exec runuser -u ${u} -- sh -c ${b}; else exec su -s /bin/sh ${u} -c ${b}; fi`, label);
}
