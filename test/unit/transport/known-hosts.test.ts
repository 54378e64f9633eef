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

describe('known_hosts as OpenSSH reads it (table)', () => {
  const key = blob('ssh-ed25519', randomBytes(32));
  const other = blob('ssh-ed25519', randomBytes(32));
  const b64 = key.toString('base64');
  const hashed = (name: string) => {
    const salt = randomBytes(20);
    return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  };
  // [line, names looked up, keys found, marker of the first]
  const table: [string, string[], number, string | undefined][] = [
    [`zk1 ssh-ed25519 ${b64}`, ['zk1'], 1, undefined],
    [`ZK1 ssh-ed25519 ${b64}`, ['zk1'], 1, undefined], // names are case-insensitive
    [`zk1,10.213.0.11 ssh-ed25519 ${b64}`, ['10.213.0.11'], 1, undefined],
    [`zk* ssh-ed25519 ${b64}`, ['zk7'], 1, undefined],
    [`zk? ssh-ed25519 ${b64}`, ['zk12'], 0, undefined],
    [`10.213.0.* ssh-ed25519 ${b64}`, ['10.213.0.40'], 1, undefined],
    [`10.213.0.*,!10.213.0.13 ssh-ed25519 ${b64}`, ['10.213.0.13'], 0, undefined], // negation wins
    [`!10.213.0.13,10.213.0.* ssh-ed25519 ${b64}`, ['10.213.0.13'], 0, undefined], // in any position
    [`10.213.0.*,!10.213.0.13 ssh-ed25519 ${b64}`, ['10.213.0.12'], 1, undefined],
    [`!zk1 ssh-ed25519 ${b64}`, ['zk1'], 0, undefined], // a negation alone matches nothing
    [`!zk1 ssh-ed25519 ${b64}`, ['zk2'], 0, undefined],
    [`[10.213.0.12]:2222 ssh-ed25519 ${b64}`, ['[10.213.0.12]:2222'], 1, undefined],
    [`[10.213.0.12]:2222 ssh-ed25519 ${b64}`, ['10.213.0.12'], 0, undefined],
    [`10.213.0.12 ssh-ed25519 ${b64}`, ['[10.213.0.12]:2222'], 0, undefined],
    [`[10.213.0.*]:2222 ssh-ed25519 ${b64}`, ['[10.213.0.12]:2222'], 1, undefined], // brackets are literal in a glob
    [`[10.213.0.*]:2222 ssh-ed25519 ${b64}`, ['[10.213.0.12]:2223'], 0, undefined],
    [`${hashed('[10.213.0.12]:2222')} ssh-ed25519 ${b64}`, ['[10.213.0.12]:2222'], 1, undefined],
    [`${hashed('zk1')} ssh-ed25519 ${b64}`, ['zk2'], 0, undefined],
    [`@revoked zk1 ssh-ed25519 ${b64}`, ['zk1'], 1, 'revoked'],
    [`@revoked * ssh-ed25519 ${b64}`, ['anything'], 1, 'revoked'],
    [`@cert-authority *.lab ssh-ed25519 ${b64}`, ['zk1.lab'], 1, 'cert-authority'],
    [`@cert-authority *.lab ssh-ed25519 ${b64}`, ['zk1'], 0, undefined],
    [`@bogus zk1 ssh-ed25519 ${b64}`, ['zk1'], 0, undefined], // unknown marker: line skipped
    [`zk1 ssh-ed25519`, ['zk1'], 0, undefined], // no key
    [`   # zk1 ssh-ed25519 ${b64}`, ['zk1'], 0, undefined],
    [`zk1\tssh-ed25519\t${b64}  comment here`, ['zk1'], 1, undefined],
  ];
  it.each(table)('%s looked up as %j → %i key(s)', (line, names, count, marker) => {
    const found = parseKnownHosts(`${line}\n`, names, '/k');
    expect(found).toHaveLength(count);
    if (count) {
      expect(found[0]!.marker).toBe(marker);
      expect(found[0]!.file).toBe('/k');
    }
  });

  it('@revoked refuses the key even next to a plain entry for it; other keys are judged as usual', () => {
    const text = `zk1 ssh-ed25519 ${b64}\n@revoked * ssh-ed25519 ${b64}\n`;
    const known = parseKnownHosts(text, ['zk1']);
    expect(verifyHostKey(known, key)).toEqual({ status: 'revoked' });
    expect(verifyHostKey(known, other).status).toBe('changed');
    // only revoked lines on record: a new key is unknown, the revoked one is still revoked
    const onlyRevoked = parseKnownHosts(`@revoked * ssh-ed25519 ${b64}\n`, ['zk9']);
    expect(verifyHostKey(onlyRevoked, other)).toEqual({ status: 'unknown' });
    expect(verifyHostKey(onlyRevoked, key)).toEqual({ status: 'revoked' });
    expect(preferredAlgorithms(onlyRevoked)).toEqual([]);
  });

  it('@cert-authority: a plain key still matches; without one the host is unknown with a CA on record', () => {
    const ca = `@cert-authority *.lab ssh-ed25519 ${other.toString('base64')}\n`;
    expect(verifyHostKey(parseKnownHosts(ca, ['zk1.lab']), key)).toEqual({ status: 'unknown', certAuthority: true });
    expect(verifyHostKey(parseKnownHosts(`${ca}zk1.lab ssh-ed25519 ${b64}\n`, ['zk1.lab']), key)).toEqual({ status: 'match' });
    // the CA key is not a host key: presenting it does not match
    expect(verifyHostKey(parseKnownHosts(ca, ['zk1.lab']), other).status).toBe('unknown');
  });
});

describe('known_hosts files', () => {
  it('reads every file given, skips missing ones, names the file of each key', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { readKnownKeys } = await import('../../../src/transport/known-hosts.js');
    const d = mkdtempSync(path.join(os.tmpdir(), 'zkk-kh-'));
    const k = blob('ssh-ed25519', randomBytes(32)).toString('base64');
    writeFileSync(path.join(d, 'user'), `zk1 ssh-ed25519 ${k}\n`);
    writeFileSync(path.join(d, 'system'), `@revoked zk1 ssh-ed25519 ${k}\n`);
    const keys = await readKnownKeys([path.join(d, 'user'), path.join(d, 'missing'), path.join(d, 'system')], ['zk1']);
    expect(keys.map((x) => [path.basename(x.file!), x.marker ?? 'plain'])).toEqual([
      ['user', 'plain'],
      ['system', 'revoked'],
    ]);
    // a directory where a file should be: a named error (exit 3), not a crash
    await expect(readKnownKeys([d], ['zk1'])).rejects.toMatchObject({ code: 'KNOWN_HOSTS', exitCode: 3 });
  });
});

describe('ssh_config UserKnownHostsFile', () => {
  it('every file listed, ~ expanded; none → no user file', async () => {
    const os = await import('node:os');
    const path = await import('node:path');
    expect(lookupSshConfig('Host zk*\n  UserKnownHostsFile ~/.ssh/zk_hosts /etc/zk_hosts\n', 'zk1').userKnownHostsFiles).toEqual([
      path.join(os.homedir(), '.ssh/zk_hosts'),
      '/etc/zk_hosts',
    ]);
    expect(lookupSshConfig('UserKnownHostsFile none\n', 'zk1').userKnownHostsFiles).toEqual([]);
    expect(lookupSshConfig('Host other\n  UserKnownHostsFile /x\n', 'zk1').userKnownHostsFiles).toBeUndefined();
  });
});
