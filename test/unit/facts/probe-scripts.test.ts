/**
 * The fact scripts themselves, run by a real /bin/sh on this machine (what a host runs in its
 * one batch): the path probe's one-stat form and the java probe's release-file read.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync, symlinkSync, mkdirSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { javaProbe, pathProbe, sha256 } from '../../../src/facts/probes.js';

const sh = (script: string) => execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-probe-scripts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('path probe script', () => {
  it('a file: owner, mode, size, sub-second mtime, sha256 and content', () => {
    const p = path.join(dir, 'zoo.cfg');
    const body = 'tickTime=2000\ninitLimit=10\n';
    writeFileSync(p, body, { mode: 0o640 });
    const probe = pathProbe(p, true);
    const f = probe.parse(sh(probe.script));
    const st = statSync(p);
    expect(f).toMatchObject({ kind: 'file', owner: 'root', group: 'root', mode: '0640', size: body.length, sha256: sha256(body), content: body });
    expect((f as { mtime: number }).mtime).toBeCloseTo(st.mtimeMs / 1000, 3);
  });

  it('a file over 256 KiB: no content; without withContent: no content either', () => {
    const p = path.join(dir, 'big');
    writeFileSync(p, 'x'.repeat(262_145));
    const big = pathProbe(p, true);
    const b = big.parse(sh(big.script));
    expect(b).toMatchObject({ kind: 'file', size: 262_145 });
    expect(b).not.toHaveProperty('content');
    const small = path.join(dir, 'small');
    writeFileSync(small, 'a=1\n');
    const plain = pathProbe(small);
    const f = plain.parse(sh(plain.script));
    expect(f).toMatchObject({ kind: 'file', size: 4, sha256: sha256('a=1\n') });
    expect(f).not.toHaveProperty('content');
  });

  it('an empty file, a name with spaces, a dir, a link, nothing', () => {
    const empty = path.join(dir, 'with space', 'empty');
    mkdirSync(path.dirname(empty));
    writeFileSync(empty, '');
    const e = pathProbe(empty, true);
    expect(e.parse(sh(e.script))).toMatchObject({ kind: 'file', size: 0, content: '' });
    const d = path.join(dir, 'd');
    mkdirSync(d);
    chmodSync(d, 0o750);
    expect(pathProbe(d).parse(sh(pathProbe(d).script))).toEqual({ kind: 'dir', owner: 'root', group: 'root', mode: '0750' });
    const l = path.join(dir, 'l');
    symlinkSync('/opt/target', l);
    expect(pathProbe(l).parse(sh(pathProbe(l).script))).toMatchObject({ kind: 'link', target: '/opt/target' });
    const none = path.join(dir, 'none');
    expect(pathProbe(none).parse(sh(pathProbe(none).script))).toEqual({ kind: 'missing' });
  });
});

describe('java probe script', () => {
  const jdks = existsSync('/usr/lib/jvm') ? readdirSync('/usr/lib/jvm').map((d) => `/usr/lib/jvm/${d}`).filter((d) => existsSync(`${d}/bin/java`) && existsSync(`${d}/release`)) : [];

  it('this machine has a JDK with a release file to compare (else the next test would check nothing)', () => expect(jdks.length).toBeGreaterThan(0));

  it.each(jdks)('%s: the release file gives what java -version says', (home) => {
    const bin = `${home}/bin/java`;
    const probe = javaProbe(bin);
    const fromRelease = probe.parse(sh(probe.script));
    const fromJvm = /version "([^"]+)"/.exec(sh(`"${bin}" -version 2>&1`))?.[1];
    expect(fromRelease.path).toBe(bin);
    expect(fromRelease.version).toBe(fromJvm);
    expect(fromRelease.version).toBe(/^JAVA_VERSION="([^"]+)"/m.exec(readFileSync(`${home}/release`, 'utf8'))?.[1]);
  });

  it('no release file: java -version answers (a fake java here)', () => {
    const bin = path.join(dir, 'jdk8', 'bin', 'java');
    mkdirSync(path.dirname(bin), { recursive: true });
    writeFileSync(bin, '#!/bin/sh\necho \'java version "1.8.0_392"\' >&2\n', { mode: 0o755 });
    const probe = javaProbe(bin);
    expect(probe.parse(sh(probe.script))).toEqual({ path: bin, version: '1.8.0_392', feature: 8 });
  });

  it('a path that is not executable: nothing', () => {
    const probe = javaProbe(path.join(dir, 'nope', 'java'));
    expect(probe.parse(sh(probe.script))).toEqual({});
  });
});
