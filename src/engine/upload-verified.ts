/**
 * The engine's half of an upload action. Root makes a fresh private directory beside the
 * destination (mktemp -d: a name nobody can predict or have planted; on sudo logins it is
 * lent to the login user, whom SFTP writes as), the file is copied into it, then root
 * takes the directory back, checks the sha512 of what arrived and renames it into place.
 * A partial or corrupted upload never replaces the destination.
 */
import path from 'node:path';
import { ZkkError } from '../errors/zkk-error.js';
import type { UploadAction } from '../ops/operation.js';
import { quote, script } from '../shell/command.js';
import type { Connector } from '../transport/connector.js';

export const UPLOAD_DIR_PREFIX = '.zkk-upload-';

export async function uploadVerified(c: Connector, a: UploadAction): Promise<void> {
  const destDir = path.posix.dirname(a.remotePath);
  const name = path.posix.basename(a.remotePath);
  const prefix = `${destDir}/${UPLOAD_DIR_PREFIX}`;
  const prepare = [
    'set -e',
    `mkdir -p ${quote(destDir)}`,
    `d=$(mktemp -d ${quote(prefix)}XXXXXX)`,
    // SFTP writes as the login user: lend it the (still private, 0700) directory
    c.usesSudo ? 'chown "${SUDO_USER:?sudo did not say who logged in}" "$d"' : '',
    'printf "%s\\n" "$d"',
  ].filter(Boolean).join('\n');
  const res = await c.exec(script(prepare, `mktemp -d ${prefix}XXXXXX`));
  const dir = res.stdout.trim().split('\n').pop() ?? '';
  if (!dir.startsWith(prefix) || !/^[\w.\/-]+$/.test(dir)) {
    throw new ZkkError('UPLOAD', `could not make a private upload directory under ${destDir} (got "${dir}")`, { host: c.host });
  }
  const tmp = `${dir}/${name}`;
  try {
    await c.putFile(a.localPath, tmp);
  } catch (e) {
    await c.exec(script(`rm -rf ${quote(dir)}`), { check: false }).catch(() => undefined);
    throw e;
  }
  const store = [
    'set -e',
    `d=${quote(dir)}`,
    `f=${quote(tmp)}`,
    `trap 'rm -rf "$d"' EXIT`,
    // take it back from the login user before looking at it; -R does not follow links
    'chown -R root:root "$d"',
    'chmod 0700 "$d"',
    'if [ -L "$f" ] || [ ! -f "$f" ]; then echo "the upload is not a regular file" >&2; exit 1; fi',
    'actual=$(sha512sum < "$f" | cut -c1-128)',
    `if [ "$actual" != ${quote(a.sha512)} ]; then echo "checksum mismatch after upload: $actual" >&2; exit 1; fi`,
    'chmod 0644 "$f"',
    `mv -fT "$f" ${quote(a.remotePath)}`,
  ].join('\n');
  await c.exec(script(store, `verify and store ${name}`), { hint: 'the upload was corrupted in transit; run deploy again' });
}
