/** `zkk bundle inventory.yml DIR`: every release a deploy needs, verified, into DIR with a manifest. */
import { loadInventory } from '../inventory/load.js';
import { writeBundle } from '../engine/bundle.js';
import { allRoles, inventorySections } from '../roles/all-roles.js';

export async function bundleCommand(file: string, dir: string, flags: { cacheDir?: string }): Promise<void> {
  const inv = await loadInventory(file, inventorySections);
  const t0 = Date.now();
  const manifest = await writeBundle(inv, allRoles, dir, { cacheDir: flags.cacheDir, onWarning: (m) => process.stderr.write(`zkk: warning: ${m}\n`) });
  for (const f of manifest.files) process.stdout.write(`${f.component} ${f.version}: ${f.path} (${(f.bytes / 1048576).toFixed(1)} MiB, sha512 ${f.sha512.slice(0, 16)}…)\n`);
  process.stdout.write(`bundle ${dir}: ${manifest.files.length} files, manifest zkk-bundle.json, in ${((Date.now() - t0) / 1000).toFixed(1)} s; deploy with: zkk deploy ${file} --bundle ${dir}\n`);
}
