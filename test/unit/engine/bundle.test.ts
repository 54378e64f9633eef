/**
 * zkk bundle: every release of an inventory (ZooKeeper, Kafka, the metrics agent, the JDK
 * archive) obtained and verified, laid out as a mirror with .sha512 files and a manifest; a
 * deploy with --bundle takes each from there, checked against the manifest, and refuses a
 * bundle that lacks one or whose file changed. Local files only (no network anywhere).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/inventory/load.js';
import { allRoles, inventorySections } from '../../../src/roles/all-roles.js';
import { bundledSpec, inventoryReleases, readBundleManifest, writeBundle } from '../../../src/engine/bundle.js';
import { obtainRelease } from '../../../src/engine/releases.js';

const sha = (b: Buffer | string) => createHash('sha512').update(b).digest('hex');

function mirrorWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-bundle-src-'));
  for (const [rel, body] of Object.entries(files)) {
    const f = path.join(dir, rel);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, body);
    writeFileSync(`${f}.sha512`, `${sha(body)}  ${path.basename(f)}\n`);
  }
  return dir;
}

describe('zkk bundle', () => {
  const src = mirrorWith({
    'zookeeper/zookeeper-3.8.0/apache-zookeeper-3.8.0-bin.tar.gz': 'zk tarball',
    'kafka/3.9.2/kafka_2.13-3.9.2.tgz': 'kafka tarball',
    'io/prometheus/jmx/jmx_prometheus_javaagent/0.20.0/jmx_prometheus_javaagent-0.20.0.jar': 'agent jar',
  });
  const jdk = path.join(src, 'jdk-17.tar.gz');
  writeFileSync(jdk, 'jdk tarball');
  writeFileSync(`${jdk}.sha512`, sha('jdk tarball'));
  const inv = parseInventory(
    [
      'cluster: c',
      'metrics: { enabled: true }',
      `java: { archive: ${jdk} }`,
      'hosts:',
      '  - { address: 10.213.0.201, roles: [zookeeper, kafka] }',
      `zookeeper: { version: 3.8.0, release: { mirror: ${src} } }`,
      `kafka: { mode: zookeeper, version: 3.9.2, release: { mirror: ${src} }, metricsAgent: { version: 0.20.0, mirror: ${src} } }`,
      '',
    ].join('\n'),
    '/srv/inv/inventory.yml',
    inventorySections,
  );
  const cache = mkdtempSync(path.join(os.tmpdir(), 'zkk-bundle-cache-'));

  it('gathers every release, verified, as a mirror with .sha512 files and a manifest', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'zkk-bundle-')), 'b');
    const m = await writeBundle(inv, allRoles, dir, { cacheDir: cache });
    expect(m.files.map((f) => `${f.component} ${f.version} ${f.path}`).sort()).toEqual([
      'java jdk-17 java/jdk-17.tar.gz',
      'jmx-exporter 0.20.0 io/prometheus/jmx/jmx_prometheus_javaagent/0.20.0/jmx_prometheus_javaagent-0.20.0.jar',
      'kafka 3.9.2 kafka/3.9.2/kafka_2.13-3.9.2.tgz',
      'zookeeper 3.8.0 zookeeper/zookeeper-3.8.0/apache-zookeeper-3.8.0-bin.tar.gz',
    ]);
    for (const f of m.files) {
      const body = readFileSync(path.join(dir, f.path));
      expect(f.sha512).toBe(sha(body));
      expect(readFileSync(path.join(dir, `${f.path}.sha512`), 'utf8')).toBe(`${f.sha512}  ${path.basename(f.path)}\n`);
    }
    expect((await readBundleManifest(dir)).files).toEqual(m.files);
    // a second run keeps what is there
    expect((await writeBundle(inv, allRoles, dir, { cacheDir: cache })).files).toEqual(m.files);

    // --bundle: every spec from the bundle directory, checked against the manifest
    for (const spec of inventoryReleases(inv, allRoles)) {
      const b = bundledSpec(spec, dir, m);
      expect(b.source).toEqual({ mirror: dir, sha512: m.files.find((f) => f.component === spec.component)!.sha512 });
      expect((await obtainRelease(b, cache)).localPath).toBe(path.join(dir, spec.archivePath));
    }
    // a file changed in the bundle: refused (another cache dir: obtainRelease remembers a spec once per process)
    const kafka = m.files.find((f) => f.component === 'kafka')!;
    writeFileSync(path.join(dir, kafka.path), 'tampered');
    const spec = inventoryReleases(inv, allRoles).find((s) => s.component === 'kafka')!;
    await expect(obtainRelease(bundledSpec(spec, dir, m), `${cache}-2`)).rejects.toThrow(/SHA-512 .* does not match/);
  });

  it('refuses a directory that is no bundle, and a bundle without a release the inventory needs', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'zkk-bundle-none-'));
    await expect(readBundleManifest(empty)).rejects.toThrow(/is not a zkk bundle: no zkk-bundle\.json/);
    const spec = inventoryReleases(inv, allRoles).find((s) => s.component === 'kafka')!;
    expect(() => bundledSpec({ ...spec, version: '3.9.1', archivePath: 'kafka/3.9.1/kafka_2.13-3.9.1.tgz' }, empty, { bundleVersion: 1, cluster: 'c', createdAt: '', files: [] })).toThrow(
      /holds no kafka 3\.9\.1 \(kafka\/3\.9\.1\/kafka_2\.13-3\.9\.1\.tgz\)/,
    );
  });
});
