/**
 * Release tarballs: upload to the host's cache only when its copy differs (checked by
 * sha512 on the host), check the checksum again right before unpacking, unpack into a
 * fresh private staging directory, mark it with the checksum, move it into place as the
 * versioned directory, and switch a stable symlink atomically.
 */
import path from 'node:path';
import { quote, script } from '../shell/command.js';
import type { PathFact, ReleaseFact } from '../facts/probes.js';
import { blocked, change, exec, ok, type Action, type ExecAction, type Outcome } from './operation.js';

export interface LocalRelease {
  /** Tarball on the control node, already SHA-512 verified. */
  localPath: string;
  fileName: string;
  sha512: string;
}

export const REMOTE_CACHE = '/var/cache/zkk';
export const MARKER = '.zkk-release';

export function remoteCachePath(release: LocalRelease): string {
  return `${REMOTE_CACHE}/${release.fileName}`;
}

export function ensureReleaseUnpacked(fact: ReleaseFact, release: LocalRelease, versionedDir: string): Outcome {
  if (fact === 'installed') return ok(`${versionedDir} holds ${release.fileName} (sha512 marker matches)`);
  const upload = fact !== 'cached';
  const actions: Action[] = [];
  if (upload) actions.push({ kind: 'upload', localPath: release.localPath, remotePath: remoteCachePath(release), sha512: release.sha512 });
  actions.push(unpackAction(release, versionedDir));
  return change(`${upload ? 'upload and ' : ''}unpack ${release.fileName} to ${versionedDir}`, actions);
}

function unpackAction(release: LocalRelease, versionedDir: string): ExecAction {
  const parent = path.posix.dirname(versionedDir);
  const stagingPrefix = `${parent}/.${path.posix.basename(versionedDir)}.zkk-unpack-`;
  const tarball = quote(remoteCachePath(release));
  const body = [
    'set -e',
    // the cached tarball is what was checked at upload (or by the fact); check it again right before unpacking
    `actual=$(sha512sum < ${tarball} | cut -c1-128)`,
    `if [ "$actual" != ${quote(release.sha512)} ]; then echo "${remoteCachePath(release)} no longer has the expected sha512 (got $actual); not unpacking it" >&2; exit 1; fi`,
    `rm -rf ${quote(stagingPrefix)}*`, // leftovers of an interrupted run
    `s=$(mktemp -d ${quote(stagingPrefix)}XXXXXX)`,
    `trap 'rm -rf "$s"' EXIT`,
    `tar -xzf ${tarball} -C "$s" --strip-components=1 --no-same-owner`,
    'chown -R root:root "$s"',
    'chmod 0755 "$s"',
    `printf '%s' ${quote(release.sha512)} > "$s/${MARKER}"`,
    // A versioned dir without a matching marker is a partial or foreign unpack: replace it.
    `if [ -e ${quote(versionedDir)} ] || [ -L ${quote(versionedDir)} ]; then rm -rf ${quote(versionedDir)}; fi`,
    `mv -T "$s" ${quote(versionedDir)}`,
    'trap - EXIT',
  ].join('\n');
  return exec(script(body, `unpack ${release.fileName}`), { hint: 'the cached release changed on the host; run deploy again to upload it afresh' });
}

/**
 * The stable path (e.g. /usr/local/zookeeper) points at the versioned dir; switched atomically.
 * With `releasesPrefix` (the versioned dirs' common prefix, e.g. /usr/local/zookeeper-), a switch
 * keeps the release the link pointed at (for a rollback) and removes the older zkk-unpacked ones
 * (those with the release marker): two releases are kept.
 * `replacesFile`: a file there is the release's own sample (e.g. <release>/config/server.properties)
 * and is replaced by the link, so the stock scripts typed by hand read zkk's config.
 */
export function ensureSymlink(fact: PathFact, linkPath: string, target: string, opts: { releasesPrefix?: string; replacesFile?: string } = {}): Outcome {
  if (fact.kind === 'link' && fact.target === target) return ok(`${linkPath} -> ${target}`);
  if (fact.kind === 'file' && opts.replacesFile) return change(`replace ${opts.replacesFile} ${linkPath} with a link to ${target}`, [linkAction(linkPath, target)]);
  if (fact.kind === 'dir' || fact.kind === 'file') {
    return blocked(`${linkPath} exists as a ${fact.kind} (a manual install?); zkk needs it to be a symlink`, `move it aside (e.g. mv ${linkPath} ${linkPath}.manual), then deploy again`);
  }
  const was = fact.kind === 'link' ? ` (was ${fact.target})` : '';
  const actions = [linkAction(linkPath, target)];
  if (opts.releasesPrefix && fact.kind === 'link' && fact.target) {
    actions.push(pruneReleases(opts.releasesPrefix, [target, fact.target]));
    return change(`point ${linkPath} at ${target}${was}; keep ${fact.target} for a rollback, remove older releases`, actions);
  }
  return change(`point ${linkPath} at ${target}${was}`, actions);
}

function linkAction(linkPath: string, target: string): ExecAction {
  const tmp = `${linkPath}.zkk-new`;
  return exec(script(`set -e\nln -sfn ${quote(target)} ${quote(tmp)}\nmv -Tf ${quote(tmp)} ${quote(linkPath)}`, `link ${linkPath}`));
}

/** Remove the zkk-unpacked release dirs under `prefix` except `keep` (a rollback needs the previous one). */
function pruneReleases(prefix: string, keep: string[]): ExecAction {
  const body = [
    `for d in ${quote(prefix)}*; do`,
    `  [ -d "$d" ] && [ ! -L "$d" ] && [ -f "$d/${MARKER}" ] || continue`,
    `  case "$d" in ${keep.map((k) => quote(k)).join('|')}) continue ;; esac`,
    '  rm -rf -- "$d"',
    '  echo "removed $d"',
    'done',
  ].join('\n');
  return exec(script(body, `prune releases ${prefix}*`));
}
