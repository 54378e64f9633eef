import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hostPattern, parseKnownHosts, verifyHostKey, preferredAlgorithms } from '../../../src/transport/known-hosts.js';
import { lookupSshConfig } from '../../../src/transport/ssh-config.js';

function blob(type: string, body: Buffer): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, body]);
}

describe('known_hosts', () => {
  const k1 = blob('ssh-ed25519', randomBytes(32));
  const k2 = blob('ssh-ed25519', randomBytes(32));
  const text = `# comment\nzk1,10.213.0.11 ssh-ed25519 ${k1.toString('base64')}\n[10.213.0.12]:2222 ssh-ed25519 ${k2.toString('base64')}\n`;

  it('matches by name or address, and [host]:port for other ports', () => {
    expect(parseKnownHosts(text, ['10.213.0.11'])).toHaveLength(1);
    expect(parseKnownHosts(text, [hostPattern('10.213.0.12', 2222)])).toHaveLength(1);
    expect(parseKnownHosts(text, [hostPattern('10.213.0.12', 22)])).toHaveLength(0);
  });

  it('match, unknown, changed', () => {
    const known = parseKnownHosts(text, ['zk1']);
    expect(verifyHostKey(known, k1).status).toBe('match');
    expect(verifyHostKey(known, k2)).toEqual({ status: 'changed', knownTypes: ['ssh-ed25519'] });
    expect(verifyHostKey([], k2).status).toBe('unknown');
    expect(preferredAlgorithms(known)).toEqual(['ssh-ed25519']);
  });

  it('hashed entries (HashKnownHosts yes)', () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('10.213.0.13').digest('base64');
    const hashed = `|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${k1.toString('base64')}\n`;
    expect(parseKnownHosts(hashed, ['10.213.0.13'])).toHaveLength(1);
    expect(parseKnownHosts(hashed, ['10.213.0.14'])).toHaveLength(0);
  });
});

describe('ssh_config', () => {
  const cfg = 'Host zk*\n  User admin\n  Port 2222\n  IdentityFile ~/.ssh/zk\nHost *\n  User nobody\n  Port 22\n';
  it('first match wins, as in OpenSSH', () => {
    expect(lookupSshConfig(cfg, 'zk1')).toMatchObject({ user: 'admin', port: 2222 });
    expect(lookupSshConfig(cfg, 'kafka1')).toMatchObject({ user: 'nobody', port: 22 });
  });
});
