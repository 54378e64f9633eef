import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkReleaseTransport, obtainRelease, parseSha512File, releaseRelativePath } from '../../../src/engine/releases.js';
import { kafkaRelease } from '../../../src/roles/kafka/release.js';
import { zookeeperRelease } from '../../../src/roles/zookeeper/release.js';

describe('release checksums', () => {
  const hex = 'ab'.repeat(64);
  it('reads gpg --print-md and sha512sum styles', () => {
    const gpg = `kafka_2.13-3.9.2.tgz: ${hex.toUpperCase().match(/.{8}/g)!.join(' ').replace(/(.{36}) /g, '$1\n                      ')}`;
    expect(parseSha512File(gpg)).toBe(hex);
    expect(parseSha512File(`${hex}  apache-zookeeper-3.8.0-bin.tar.gz\n`)).toBe(hex);
    expect(parseSha512File('garbage')).toBeUndefined();
  });

  it('Apache archive layout', () => {
    expect(releaseRelativePath(zookeeperRelease('3.8.0', {}))).toBe('zookeeper/zookeeper-3.8.0/apache-zookeeper-3.8.0-bin.tar.gz');
    expect(releaseRelativePath(kafkaRelease('3.9.2', '2.13', {}))).toBe('kafka/3.9.2/kafka_2.13-3.9.2.tgz');
  });

  it('a mirror file that does not match its .sha512 is refused', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'zkk-rel-'));
    const rel = path.join(dir, 'zookeeper/zookeeper-9.9.9');
    await mkdir(rel, { recursive: true });
    const tar = path.join(rel, 'apache-zookeeper-9.9.9-bin.tar.gz');
    await writeFile(tar, 'good bytes');
    await writeFile(`${tar}.sha512`, `${createHash('sha512').update('good bytes').digest('hex')}  x\n`);
    const ok = await obtainRelease(zookeeperRelease('9.9.9', { mirror: dir }));
    expect(ok.localPath).toBe(tar);
    await writeFile(tar, 'evil bytes');
    await expect(obtainRelease(zookeeperRelease('9.9.9', { file: tar }))).rejects.toThrow(/does not match .* refusing to install/);
  });
});

describe('release transport: plain http', () => {
  const zk = (source: Record<string, unknown>) => zookeeperRelease('9.9.8', source);
  const sha = 'cd'.repeat(64);

  it.each([
    [{ mirror: 'http://mirror.lab/dist' }, 'zookeeper.release.mirror'],
    [{ url: 'HTTP://mirror.lab/dist' }, 'zookeeper.release.url'],
  ])('%j without sha512 is refused before any download: exit 2, the field and the reason', async (source, field) => {
    const e = await obtainRelease(zk(source), '/nonexistent-cache').catch((x) => x);
    expect(e).toMatchObject({ exitCode: 2, field });
    expect(e.message).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')}: .*plain http.*unauthenticated from the same place`));
    expect(e.hint).toMatch(/https.*sha512.*allowInsecure: true/);
  });

  it('accepted with a pinned sha512 (silently) or allowInsecure (with a warning); https, local dirs and files are never questioned', () => {
    expect(checkReleaseTransport(zk({ mirror: 'http://mirror.lab/dist', sha512: sha }))).toBeUndefined();
    expect(checkReleaseTransport(zk({ mirror: 'http://mirror.lab/dist', allowInsecure: true }))).toMatch(/^zookeeper\.release\.mirror: http:\/\/mirror\.lab\/dist is plain http/);
    expect(checkReleaseTransport(zk({ mirror: 'https://mirror.lab/dist' }))).toBeUndefined();
    expect(checkReleaseTransport(zk({}))).toBeUndefined(); // the Apache archive over https
    expect(checkReleaseTransport(zk({ mirror: '/srv/mirror' }))).toBeUndefined();
    expect(checkReleaseTransport(zk({ file: '/srv/zk.tgz' }))).toBeUndefined();
  });

  it('the warning reaches the caller once per obtain; the inventory schema takes the field', async () => {
    const warnings: string[] = [];
    // the download then fails (nothing listens on 127.0.0.1:9): the warning came first
    await obtainRelease(zk({ mirror: 'http://127.0.0.1:9/dist', allowInsecure: true }), await mkdtemp(path.join(os.tmpdir(), 'zkk-rel-')), (w) => warnings.push(w)).catch(() => undefined);
    expect(warnings).toHaveLength(1);
    const { releaseSchema } = await import('../../../src/inventory/schema.js');
    expect(releaseSchema.parse({ mirror: 'http://x/', allowInsecure: true })).toEqual({ mirror: 'http://x/', allowInsecure: true });
    expect(() => releaseSchema.parse({ allowInsecure: 'yes' })).toThrow();
  });
});
