/**
 * ensureFileContent on faked facts: what it yields, how the write is built (mktemp in the
 * target's directory, `mv -T` over the entry, a service account writing its own files),
 * and that no file body or secret value reaches a listing or a diff. The root variant of
 * the write is also run with the local sh against a planted symlink.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256, type PathFact } from '../../../src/facts/probes.js';
import { ensureFileContent, writeFileAction, type DesiredFile } from '../../../src/ops/file.js';
import { maskSecretProperties } from '../../../src/ops/secret-properties.js';
import { shown } from './listing.js';

const zooCfg: DesiredFile = { path: '/etc/zookeeper/zoo.cfg', content: 'tickTime=2500\ninitLimit=10\n', owner: 'root', group: 'root', mode: '0644' };
const myid: DesiredFile = { path: '/var/lib/zookeeper/myid', content: '2\n', owner: 'zookeeper', group: 'zookeeper', mode: '0644' };
const fileFact = (content: string, over: Partial<Extract<PathFact, { kind: 'file' }>> = {}): PathFact => ({
  kind: 'file', owner: 'root', group: 'root', mode: '0644', size: content.length, mtime: 1, sha256: sha256(content), content, ...over,
});

describe('ensureFileContent', () => {
  it('same content, owner and mode: ok', () => {
    expect(ensureFileContent(fileFact(zooCfg.content), zooCfg)).toEqual({ kind: 'ok', reason: 'content, owner and mode match' });
  });

  it('same content, other mode: chown and chmod only (root-owned file)', () => {
    expect(shown(ensureFileContent(fileFact(zooCfg.content, { mode: '0600' }), zooCfg))).toEqual({
      kind: 'change',
      text: 'set /etc/zookeeper/zoo.cfg owner root:root mode 0644 (was root:root 0600)',
      commands: ['chown root:root /etc/zookeeper/zoo.cfg && chmod 0644 /etc/zookeeper/zoo.cfg'],
    });
  });

  it('a service account\'s file with the wrong owner is rewritten by that account, never chowned by root', () => {
    const o = shown(ensureFileContent(fileFact(myid.content, { owner: 'root' }), myid));
    expect(o.text).toBe('set /var/lib/zookeeper/myid owner zookeeper:zookeeper mode 0644 (was root:root 0644)');
    expect(o.commands).toHaveLength(1);
    expect(o.commands[0]).toMatch(/^if command -v runuser >\/dev\/null 2>&1; then exec runuser -u zookeeper -- sh -c '/);
    expect(o.commands[0]).not.toMatch(/chown/);
  });

  it('a new file: written through mktemp in its directory and renamed over the entry; the body only on stdin', () => {
    const o = ensureFileContent({ kind: 'missing' }, zooCfg);
    if (o.kind !== 'change') throw new Error(o.kind);
    expect(o.summary).toBe('create /etc/zookeeper/zoo.cfg');
    expect(o.diff).toBe('--- /dev/null\n+++ b/etc/zookeeper/zoo.cfg\n@@ -0,0 +1,2 @@\n+tickTime=2500\n+initLimit=10');
    const a = o.actions[0]!;
    expect(a.kind === 'exec' && a.stdin).toBe(zooCfg.content);
    expect(shown(o).commands).toEqual([
      [
        'set -e',
        'd=/etc/zookeeper',
        'mkdir -p "$d"',
        't=$(mktemp "$d/.zkk-XXXXXX")',
        `trap 'rm -f "$t"' EXIT`,
        'cat > "$t"',
        'chown root:root "$t"',
        'chmod 0644 "$t"',
        'mv -fT "$t" /etc/zookeeper/zoo.cfg',
        'trap - EXIT',
        `# stdin: new content of /etc/zookeeper/zoo.cfg (27 bytes, sha256 ${sha256(zooCfg.content).slice(0, 12)}…)`,
      ].join('\n'),
    ]);
    expect(shown(o).commands.join('\n')).not.toContain('tickTime');
  });

  it('myid in the zookeeper-owned data dir: written as zookeeper (runuser, else su), group set with chgrp', () => {
    const listing = shown(ensureFileContent({ kind: 'missing' }, myid)).commands[0]!;
    expect(listing).toContain("exec runuser -u zookeeper -- sh -c 'set -e");
    expect(listing).toContain("exec su -s /bin/sh zookeeper -c 'set -e");
    expect(listing).toContain('chgrp zookeeper "$t"');
    expect(listing).toContain('mv -fT "$t" /var/lib/zookeeper/myid');
    expect(listing).not.toContain('mkdir'); // a service account writes only into its own existing directory
    expect(listing).not.toContain('chown');
  });

  it('a symlink at the path: replaced by a file, its target named as untouched', () => {
    const o = ensureFileContent({ kind: 'link', target: '/etc/shadow', mtime: 1 }, myid);
    expect(o.kind === 'change' && o.summary).toBe('replace link /var/lib/zookeeper/myid with a file (its target /etc/shadow is left untouched)');
  });

  it('a directory at the path: blocked, never deleted', () => {
    expect(ensureFileContent({ kind: 'dir', owner: 'root', group: 'root', mode: '0755' }, zooCfg)).toEqual({
      kind: 'blocked',
      reason: '/etc/zookeeper/zoo.cfg is a directory; zkk needs a file there and never deletes data',
      hint: 'move /etc/zookeeper/zoo.cfg away, then deploy again',
    });
  });

  it('secret property values are masked on both sides of the diff', () => {
    const want: DesiredFile = { ...zooCfg, content: 'tickTime=2500\nssl.keyStore.password=n3w-s3cret\n', group: 'zookeeper', mode: '0640', maskDiff: maskSecretProperties };
    const o = ensureFileContent(fileFact('tickTime=2000\nssl.keyStore.password=0ld-s3cret\n'), want);
    if (o.kind !== 'change') throw new Error(o.kind);
    expect(o.diff).toContain('-tickTime=2000');
    expect(o.diff).toContain('+tickTime=2500');
    expect(o.diff).toContain(' ssl.keyStore.password=***');
    expect(o.diff).not.toMatch(/s3cret/);
    expect(shown(o).commands.join('\n')).not.toMatch(/s3cret/);
    // only the secret changed: said so, without showing it
    const onlySecret = ensureFileContent(fileFact('tickTime=2500\nssl.keyStore.password=0ld-s3cret\n'), want);
    expect(onlySecret.kind === 'change' && onlySecret.diff).toBe('/etc/zookeeper/zoo.cfg: a secret value changed (not shown)');
    // a secret removed from the inventory is still masked in what the host had
    const removed = ensureFileContent(fileFact('tickTime=2500\nssl.keyStore.password=0ld-s3cret\n'), { ...zooCfg, maskDiff: maskSecretProperties });
    expect(removed.kind === 'change' && removed.diff).toContain('-ssl.keyStore.password=***');
  });

  it('a sensitive file shows no diff at all', () => {
    const o = ensureFileContent(fileFact('a'), { ...zooCfg, sensitive: true });
    expect(o.kind === 'change' && o.diff).toBe('/etc/zookeeper/zoo.cfg: content changed (sensitive, not shown)');
  });
});

describe('the write script, run by the local sh', () => {
  it('replaces a planted symlink (to a file or a directory) without writing through it', () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'zkk-write-'));
    const victim = path.join(d, 'victim');
    writeFileSync(victim, 'untouched\n');
    const target = path.join(d, 'conf', 'myid');
    execFileSync('mkdir', ['-p', path.dirname(target)]);
    symlinkSync(victim, target);
    const me = os.userInfo();
    const group = execFileSync('id', ['-gn']).toString().trim();
    // the root variant (owner root): as the current user, chown to oneself is allowed
    const a = writeFileAction({ path: target, content: '3\n', owner: 'root', group, mode: '0640' });
    const body = a.command.text.replace(`chown root:${group}`, `chown ${me.username}:${group}`);
    execFileSync('sh', ['-c', body], { input: a.stdin });
    expect(readFileSync(victim, 'utf8')).toBe('untouched\n');
    expect(lstatSync(target).isFile()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('3\n');
    expect((lstatSync(target).mode & 0o777).toString(8)).toBe('640');
    // no temp file left behind
    expect(execFileSync('ls', ['-A', path.dirname(target)]).toString().trim()).toBe('myid');
    // a link to a directory: plain `mv` would move the file INTO it; `mv -T` replaces the link
    const victimDir = path.join(d, 'victim-dir');
    execFileSync('mkdir', [victimDir]);
    execFileSync('rm', [target]);
    symlinkSync(victimDir, target);
    execFileSync('sh', ['-c', body], { input: a.stdin });
    expect(execFileSync('ls', ['-A', victimDir]).toString()).toBe('');
    expect(lstatSync(target).isFile()).toBe(true);
  });
});
