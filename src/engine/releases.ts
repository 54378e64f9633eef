/**
 * Obtain a release tarball once on the control node: from a local file, a local mirror
 * directory, or a URL (Apache archive by default; downloads are cached). Every tarball is
 * SHA-512 verified against the published .sha512 (or the inventory's sha512) before any
 * host sees it; a mismatch refuses the deploy.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { InventoryError, ZkkError } from '../errors/zkk-error.js';
import type { LocalRelease } from '../ops/archive.js';
import type { ReleaseSpec } from '../roles/release-spec.js';

export type { ReleaseSpec } from '../roles/release-spec.js';

export const APACHE_ARCHIVE = 'https://archive.apache.org/dist';

/** The tarball's path under an archive base (the role's layout, see ReleaseSpec.archivePath). */
export function releaseRelativePath(spec: ReleaseSpec): string {
  return spec.archivePath;
}

export function defaultCacheDir(): string {
  return process.env.ZKK_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'zkk');
}

/** Accepts gpg --print-md style ("file: C7D7 B231 …" wrapped) and sha512sum style ("hex  file"). */
export function parseSha512File(text: string): string | undefined {
  const t = text.trim();
  const plain = /^([0-9a-fA-F]{128})(\s|$)/.exec(t);
  if (plain) return plain[1]!.toLowerCase();
  const i = t.indexOf(':');
  if (i >= 0) {
    const hex = t.slice(i + 1).replace(/\s+/g, '');
    if (/^[0-9a-fA-F]{128}$/.test(hex)) return hex.toLowerCase();
  }
  return undefined;
}

export async function sha512File(file: string): Promise<string> {
  const h = createHash('sha512');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

/** A release found (downloaded if need be) with its published SHA-512, and the check of the file against it. */
export interface ReleaseInSteps {
  /** sha512: the published (or pinned) checksum the file must have */
  release: LocalRelease;
  /** the file hashed and compared: rejects with CHECKSUM_MISMATCH */
  verified: Promise<LocalRelease>;
}

const memo = new Map<string, Promise<ReleaseInSteps>>();

/**
 * A plain-http source is refused unless the release pins its sha512 (then a tampered
 * download cannot pass) or says allowInsecure (warned): over http the tarball and the
 * .sha512 beside it come unauthenticated from the same place.
 */
export function checkReleaseTransport(spec: ReleaseSpec): string | undefined {
  const src = spec.source;
  if (src.file || (src.mirror && !/^[a-z]+:\/\//i.test(src.mirror))) return undefined;
  const field = `${spec.component}.release.${src.mirror ? 'mirror' : 'url'}`;
  const base = src.mirror ?? src.url ?? APACHE_ARCHIVE;
  if (!/^http:\/\//i.test(base) || src.sha512) return undefined;
  if (src.allowInsecure)
    return `${field}: ${base} is plain http and no sha512 is pinned: the tarball and its checksum come unauthenticated from the same place (release.allowInsecure: true)`;
  throw new InventoryError(`${base} is plain http: the tarball and its .sha512 would come unauthenticated from the same place, so a tampered download would pass the check`, {
    field,
    hint: `use https, pin ${spec.component}.release.sha512 (from a source you trust), or set ${spec.component}.release.allowInsecure: true`,
  });
}

/** Obtain (once per process per spec) and verify a release; onWarning hears about an accepted insecure source. */
export function obtainRelease(spec: ReleaseSpec, cacheDir = defaultCacheDir(), onWarning?: (message: string) => void): Promise<LocalRelease> {
  return obtainReleaseInSteps(spec, cacheDir, onWarning).then((r) => r.verified);
}

/**
 * obtainRelease in two steps: the release as soon as its file and published checksum are there
 * (what the fact probes compare a host's copy with), and the hash of the file (≈ 0.2 s for a
 * Kafka tarball) as a promise, so that it runs while the hosts are read. Nothing may be sent
 * to a host before `verified` has resolved.
 */
export function obtainReleaseInSteps(spec: ReleaseSpec, cacheDir = defaultCacheDir(), onWarning?: (message: string) => void): Promise<ReleaseInSteps> {
  let warning: string | undefined;
  try {
    warning = checkReleaseTransport(spec);
  } catch (e) {
    return Promise.reject(e);
  }
  if (warning) onWarning?.(warning);
  const key = JSON.stringify([spec, cacheDir]);
  let p = memo.get(key);
  if (!p) {
    p = locate(spec, cacheDir).then((l) => {
      const verified = verifyFile(l);
      verified.catch(() => memo.delete(key));
      return { release: { localPath: l.localPath, fileName: l.fileName, sha512: l.expected }, verified };
    });
    memo.set(key, p);
    p.catch(() => memo.delete(key));
  }
  return p;
}

interface Located {
  what: string;
  localPath: string;
  fileName: string;
  expected: string;
  checksumFrom: string;
  local: boolean;
}

async function locate(spec: ReleaseSpec, cacheDir: string): Promise<Located> {
  const rel = releaseRelativePath(spec);
  const fileName = path.posix.basename(rel);
  const what = `${spec.component} ${spec.version}`;
  const src = spec.source;
  let localPath: string;
  let expected = src.sha512;
  let checksumFrom = 'the inventory';

  if (src.file) {
    localPath = src.file;
    await mustExist(localPath, what, 'release.file');
    if (!expected) {
      expected = await readLocalSha(`${localPath}.sha512`, what);
      checksumFrom = `${localPath}.sha512`;
    }
  } else if (src.mirror && !/^[a-z]+:\/\//i.test(src.mirror)) {
    localPath = path.join(src.mirror, rel);
    await mustExist(localPath, what, 'release.mirror');
    if (!expected) {
      expected = await readLocalSha(`${localPath}.sha512`, what);
      checksumFrom = `${localPath}.sha512`;
    }
  } else {
    const base = (src.mirror ?? src.url ?? APACHE_ARCHIVE).replace(/\/+$/, '');
    const url = `${base}/${rel}`;
    const dir = path.join(cacheDir, 'releases', path.posix.dirname(rel));
    localPath = path.join(dir, fileName);
    if (!expected) {
      const text = await download(`${url}.sha512`, what).then((b) => b.toString('utf8'));
      expected = parseSha512File(text);
      checksumFrom = `${url}.sha512`;
      if (!expected) throw new ZkkError('CHECKSUM_FORMAT', `${what}: cannot read a SHA-512 from ${url}.sha512`, { hint: 'set release.sha512 in the inventory' });
    }
    if (!(await exists(localPath))) {
      await mkdir(dir, { recursive: true });
      const tmp = `${localPath}.part-${process.pid}`;
      try {
        await downloadTo(url, tmp, what);
        await rename(tmp, localPath);
      } finally {
        await rm(tmp, { force: true });
      }
    }
  }

  return { what, localPath, fileName, expected: expected!, checksumFrom, local: Boolean(src.file || (src.mirror && !/^[a-z]+:\/\//i.test(src.mirror))) };
}

async function verifyFile(l: Located): Promise<LocalRelease> {
  const actual = await sha512File(l.localPath);
  if (actual !== l.expected) {
    throw new ZkkError(
      'CHECKSUM_MISMATCH',
      `${l.what}: SHA-512 of ${l.localPath} does not match ${l.checksumFrom} — refusing to install it (no host was changed)`,
      {
        hint: `expected ${l.expected.slice(0, 16)}…, got ${actual.slice(0, 16)}…; the file is corrupt or tampered with. ${l.local ? 'Replace it with a good copy' : `Delete ${l.localPath} to download it again`}`,
      },
    );
  }
  return { localPath: l.localPath, fileName: l.fileName, sha512: actual };
}

async function readLocalSha(file: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ZkkError('CHECKSUM_MISSING', `${what}: no checksum file ${file}`, {
      exitCode: 2,
      hint: 'zkk installs only verified releases: put the published .sha512 beside the tarball, or set release.sha512',
    });
  }
  const sha = parseSha512File(text);
  if (!sha) throw new ZkkError('CHECKSUM_FORMAT', `${what}: ${file} holds no SHA-512`, { exitCode: 2 });
  return sha;
}

async function mustExist(file: string, what: string, field: string): Promise<void> {
  if (!(await exists(file))) {
    throw new ZkkError('RELEASE_NOT_FOUND', `${what}: ${file} not found`, { exitCode: 2, hint: `check ${field} in the inventory` });
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function download(url: string, what: string): Promise<Buffer> {
  const res = await fetchOrFail(url, what);
  return Buffer.from(await res.arrayBuffer());
}

async function downloadTo(url: string, file: string, what: string): Promise<void> {
  const res = await fetchOrFail(url, what);
  if (!res.body) throw new ZkkError('DOWNLOAD', `${what}: empty response from ${url}`);
  await pipeline(Readable.fromWeb(res.body as never), createWriteStream(file));
}

async function fetchOrFail(url: string, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10 * 60_000) });
  } catch (e) {
    throw new ZkkError('DOWNLOAD', `${what}: cannot download ${url}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`, {
      hint: 'without internet access, point release.mirror at a local directory or release.file at a tarball',
    });
  }
  if (!res.ok) throw new ZkkError('DOWNLOAD', `${what}: ${url} answered ${res.status} ${res.statusText}`, { hint: 'check the version and the mirror URL' });
  return res;
}

