import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPrivateKey } from '../../../src/transport/private-key.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-key-'));
function keygen(name: string, passphrase: string, format: string[] = []): string {
  const f = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-a', '1', '-t', format.length ? 'rsa' : 'ed25519', ...(format.length ? ['-b', '2048', ...format] : []), '-N', passphrase, '-C', '', '-f', f]);
  return f;
}

describe('identity files', () => {
  const plain = keygen('plain', '');
  const encrypted = keygen('encrypted', 'right horse');
  const pem = keygen('pem', 'right horse', ['-m', 'PEM']);

  it('an unencrypted key loads without asking', async () => {
    let asked = 0;
    const k = await loadPrivateKey(plain, 'zk1', false, async () => (asked++, 'x'));
    expect(k.privateKey).toContain('PRIVATE KEY');
    expect(asked).toBe(0);
  });

  it('encrypted, no terminal, no agent: exit 3 naming the key file and the fix', async () => {
    const e = await loadPrivateKey(encrypted, 'zk1', false).catch((x) => x);
    expect(e).toMatchObject({ code: 'SSH_KEY_ENCRYPTED', exitCode: 3, host: 'zk1' });
    expect(e.message).toContain(encrypted);
    expect(e.hint).toContain(`ssh-add ${encrypted}`);
  });

  it('encrypted, no terminal, an agent: the key is left to the agent', async () => {
    expect(await loadPrivateKey(encrypted, 'zk1', true)).toEqual({ encryptedSkipped: encrypted });
  });

  it('encrypted with a prompt: asked once per key file for all hosts, OpenSSH and PEM formats', async () => {
    for (const f of [encrypted, pem]) {
      let asked = 0;
      const ask = async (file: string) => {
        asked++;
        expect(file).toBe(f);
        return 'right horse';
      };
      const keys = await Promise.all(['zk1', 'zk2', 'zk3'].map((h) => loadPrivateKey(f, h, false, ask)));
      expect(asked).toBe(1);
      expect(keys.every((k) => k.passphrase === 'right horse' && !!k.privateKey)).toBe(true);
    }
  });

  it('a wrong passphrase is named (exit 3), and asked again next time', async () => {
    const f = keygen('encrypted2', 'right horse');
    const e = await loadPrivateKey(f, 'zk1', false, async () => 'wrong').catch((x) => x);
    expect(e).toMatchObject({ code: 'SSH_KEY_PASSPHRASE', exitCode: 3 });
    expect(e.message).toContain(f);
    expect((await loadPrivateKey(f, 'zk1', false, async () => 'right horse')).passphrase).toBe('right horse');
  });

  it('not a key / unreadable: named, exit 3', async () => {
    const junk = path.join(dir, 'junk');
    writeFileSync(junk, 'hello\n');
    await expect(loadPrivateKey(junk, 'zk1', false)).rejects.toMatchObject({ code: 'SSH_KEY', exitCode: 3 });
    await expect(loadPrivateKey(path.join(dir, 'missing'), 'zk1', false)).rejects.toMatchObject({ code: 'SSH_KEY', exitCode: 3 });
  });
});
