/**
 * Offline installs. `zkk bundle inventory.yml DIR` obtains everything a deploy of the
 * inventory needs from outside — every role's release (ZooKeeper, Kafka; the JDK archive of
 * java.archive; the metrics agent with metrics.enabled), each SHA-512 verified as a deploy
 * verifies it — and lays it out in DIR as a mirror (the Apache archive's paths; Maven's for the
 * agent; java/ for the JDK) with a `.sha512` beside each file and a manifest, zkk-bundle.json.
 * A deploy with `--bundle DIR` takes every release from DIR, checked against the manifest's
 * SHA-512s, and so never reaches the network; `release.mirror: DIR` works too (a plain mirror).
 */
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ZkkError } from '../errors/zkk-error.js';
import type { Inventory } from '../inventory/resolve.js';
import type { LocalRelease } from '../ops/archive.js';
import type { ReleaseSpec, Role } from '../roles/role.js';
import { obtainRelease, sha512File } from './releases.js';

export const BUNDLE_MANIFEST = 'zkk-bundle.json';

export interface BundleFile {
  component: string;
  version: string;
  /** Relative to the bundle directory (the spec's archivePath). */
  path: string;
  sha512: string;
  bytes: number;
}

export interface BundleManifest {
  bundleVersion: 1;
  cluster: string;
  createdAt: string;
  files: BundleFile[];
}

/** Every release the roles need for this inventory (what a full deploy obtains). */
export function inventoryReleases(inv: Inventory, roles: readonly Role[]): ReleaseSpec[] {
  return roles.filter((r) => inv.hosts.some((h) => r.appliesTo(h))).flatMap((r) => r.releases?.(inv) ?? []);
}

export async function writeBundle(inv: Inventory, roles: readonly Role[], dir: string, opts: { cacheDir?: string; onWarning?: (m: string) => void } = {}): Promise<BundleManifest> {
  const specs = inventoryReleases(inv, roles);
  const obtained = await Promise.all(specs.map(async (spec) => ({ spec, rel: await obtainRelease(spec, opts.cacheDir, opts.onWarning) })));
  const files: BundleFile[] = [];
  for (const { spec, rel } of obtained) files.push(await placeFile(dir, spec, rel));
  const manifest: BundleManifest = { bundleVersion: 1, cluster: inv.cluster, createdAt: new Date().toISOString(), files };
  await writeAtomically(path.join(dir, BUNDLE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Copy a verified release into the bundle (unless the same bytes are there) with its .sha512. */
async function placeFile(dir: string, spec: ReleaseSpec, rel: LocalRelease): Promise<BundleFile> {
  const dest = path.join(dir, ...spec.archivePath.split('/'));
  await mkdir(path.dirname(dest), { recursive: true });
  const have = await sha512File(dest).catch(() => undefined);
  if (have !== rel.sha512) {
    const tmp = `${dest}.part-${process.pid}`;
    try {
      await copyFile(rel.localPath, tmp);
      if ((await sha512File(tmp)) !== rel.sha512) throw new ZkkError('BUNDLE', `${spec.component} ${spec.version}: the copy into ${dest} does not match its SHA-512`);
      await rename(tmp, dest);
    } finally {
      await rm(tmp, { force: true });
    }
  }
  await writeAtomically(`${dest}.sha512`, `${rel.sha512}  ${path.basename(dest)}\n`);
  return { component: spec.component, version: spec.version, path: spec.archivePath, sha512: rel.sha512, bytes: (await stat(dest)).size };
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.part-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

export async function readBundleManifest(dir: string): Promise<BundleManifest> {
  const file = path.join(dir, BUNDLE_MANIFEST);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ZkkError('BUNDLE', `${dir} is not a zkk bundle: no ${BUNDLE_MANIFEST}`, { exitCode: 2, hint: 'make one with `zkk bundle inventory.yml DIR` on a machine with network access' });
  }
  const m = JSON.parse(text) as Partial<BundleManifest>;
  if (m.bundleVersion !== 1 || !Array.isArray(m.files)) throw new ZkkError('BUNDLE', `${file}: not a manifest zkk can read`, { exitCode: 2 });
  return m as BundleManifest;
}

/**
 * The spec as a deploy with --bundle obtains it: from the bundle directory only (a local
 * mirror: no download), checked against the SHA-512 the manifest recorded when the bundle
 * was made (itself checked against the publisher's then). A release the bundle lacks is an
 * error before anything is touched.
 */
export function bundledSpec(spec: ReleaseSpec, dir: string, manifest: BundleManifest): ReleaseSpec {
  const f = manifest.files.find((x) => x.component === spec.component && x.path === spec.archivePath);
  if (!f) {
    throw new ZkkError('BUNDLE', `the bundle ${dir} holds no ${spec.component} ${spec.version} (${spec.archivePath})`, {
      exitCode: 2,
      hint: 'the inventory changed since the bundle was made: run `zkk bundle` for it again',
    });
  }
  return { ...spec, source: { mirror: path.resolve(dir), sha512: f.sha512 } };
}
