import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { obtainRelease, parseSha512File, releaseRelativePath } from '../../../src/engine/releases.js';

describe('release checksums', () => {
  const hex = 'ab'.repeat(64);
  it('reads gpg --print-md and sha512sum styles', () => {
    const gpg = `kafka_2.13-3.9.2.tgz: ${hex.toUpperCase().match(/.{8}/g)!.join(' ').replace(/(.{36}) /g, '$1\n                      ')}`;
    expect(parseSha512File(gpg)).toBe(hex);
    expect(parseSha512File(`${hex}  apache-zookeeper-3.8.0-bin.tar.gz\n`)).toBe(hex);
    expect(parseSha512File('garbage')).toBeUndefined();
  });

  it('Apache archive layout', () => {
    expect(releaseRelativePath({ component: 'zookeeper', version: '3.8.0', source: {} })).toBe('zookeeper/zookeeper-3.8.0/apache-zookeeper-3.8.0-bin.tar.gz');
    expect(releaseRelativePath({ component: 'kafka', version: '3.9.2', scalaVersion: '2.13', source: {} })).toBe('kafka/3.9.2/kafka_2.13-3.9.2.tgz');
  });

  it('a mirror file that does not match its .sha512 is refused', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'zkk-rel-'));
    const rel = path.join(dir, 'zookeeper/zookeeper-9.9.9');
    await mkdir(rel, { recursive: true });
    const tar = path.join(rel, 'apache-zookeeper-9.9.9-bin.tar.gz');
    await writeFile(tar, 'good bytes');
    await writeFile(`${tar}.sha512`, `${createHash('sha512').update('good bytes').digest('hex')}  x\n`);
    const ok = await obtainRelease({ component: 'zookeeper', version: '9.9.9', source: { mirror: dir } });
    expect(ok.localPath).toBe(tar);
    await writeFile(tar, 'evil bytes');
    await expect(obtainRelease({ component: 'zookeeper', version: '9.9.9', source: { file: tar } })).rejects.toThrow(/does not match .* refusing to install/);
  });
});
