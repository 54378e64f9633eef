/**
 * Release tarballs: upload to the host's cache only when its copy differs (checked by
 * sha512 on the host), verify the checksum there again, unpack into a fresh versioned
 * directory, mark it with the checksum, and switch a stable symlink atomically.
 */
import path from 'node:path';
import { cmd, quote, script } from '../shell/command.js';
import type { PathFact, ReleaseFact } from '../facts/probes.js';
import type { Connector } from '../transport/connector.js';
import { change, ok, type Outcome } from './operation.js';

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
  return change(`${upload ? 'upload and ' : ''}unpack ${release.fileName} to ${versionedDir}`, async (c) => {
    if (upload) await uploadVerified(c, release);
    await unpack(c, release, versionedDir);
  });
}

async function uploadVerified(c: Connector, release: LocalRelease): Promise<void> {
  const dest = remoteCachePath(release);
  // SFTP writes as the login user: upload to a private temp file it can write, verify, move.
  const tmp = c.usesSudo ? `/tmp/.zkk-upload-${process.pid}-${release.fileName}` : `${REMOTE_CACHE}/.${release.fileName}.zkk-tmp`;
  await c.exec(cmd('mkdir', '-p', REMOTE_CACHE), {});
  await c.putFile(release.localPath, tmp);
  const body = [
    'set -e',
    `actual=$(sha512sum < ${quote(tmp)} | cut -c1-128)`,
    `if [ "$actual" != ${quote(release.sha512)} ]; then rm -f ${quote(tmp)}; echo "checksum mismatch after upload: $actual" >&2; exit 1; fi`,
    `chown root:root ${quote(tmp)}; chmod 0644 ${quote(tmp)}`,
    `mv -f ${quote(tmp)} ${quote(dest)}`,
  ].join('\n');
  await c.exec(script(body, `verify and store ${release.fileName}`), { hint: 'the upload was corrupted in transit; run deploy again' });
}

async function unpack(c: Connector, release: LocalRelease, versionedDir: string): Promise<void> {
  const parent = path.posix.dirname(versionedDir);
  const staging = `${parent}/.${path.posix.basename(versionedDir)}.zkk-unpack`;
  const body = [
    'set -e',
    `rm -rf ${quote(staging)}`,
    `mkdir -p ${quote(staging)}`,
    `tar -xzf ${quote(remoteCachePath(release))} -C ${quote(staging)} --strip-components=1 --no-same-owner`,
    `chown -R root:root ${quote(staging)}`,
    `printf '%s' ${quote(release.sha512)} > ${quote(`${staging}/${MARKER}`)}`,
    // A versioned dir without a matching marker is a partial or foreign unpack: replace it.
    `if [ -e ${quote(versionedDir)} ]; then rm -rf ${quote(versionedDir)}; fi`,
    `mv ${quote(staging)} ${quote(versionedDir)}`,
  ].join('\n');
  await c.exec(script(body, `unpack ${release.fileName}`));
}

/** The stable path (e.g. /usr/local/zookeeper) points at the versioned dir; switched atomically. */
export function ensureSymlink(fact: PathFact, linkPath: string, target: string): Outcome {
  if (fact.kind === 'link' && fact.target === target) return ok(`${linkPath} -> ${target}`);
  if (fact.kind === 'dir' || fact.kind === 'file') {
    return change(`${linkPath} is a real ${fact.kind}; zkk needs it to be a symlink`, async () => {
      throw new Error(`${linkPath} exists as a ${fact.kind} (a manual install?). Move it aside (e.g. mv ${linkPath} ${linkPath}.manual), then deploy again`);
    });
  }
  const was = fact.kind === 'link' ? ` (was ${fact.target})` : '';
  const tmp = `${linkPath}.zkk-new`;
  return change(`point ${linkPath} at ${target}${was}`, (c) =>
    c.exec(script(`set -e\nln -sfn ${quote(target)} ${quote(tmp)}\nmv -Tf ${quote(tmp)} ${quote(linkPath)}`, `link ${linkPath}`)).then(() => undefined),
  );
}
