import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkIdentityFile, checkKnownHosts, checkMirror, checkReleaseFile, expandHome } from '../../../src/wizard/local-paths.js';
import type { ReleaseSpec } from '../../../src/engine/releases.js';
import { kafkaRelease } from '../../../src/roles/kafka/release.js';
import { zookeeperRelease } from '../../../src/roles/zookeeper/release.js';

let dir: string;
const releases: ReleaseSpec[] = [
  zookeeperRelease('3.8.0', {}),
  kafkaRelease('3.9.2', '2.13', {}),
];

afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-wizard-'));
  writeFileSync(path.join(dir, 'id_ed25519'), 'key');
  writeFileSync(path.join(dir, 'id_ed25519.pub'), 'pub');
  const zk = path.join(dir, 'mirror/zookeeper/zookeeper-3.8.0');
  const k = path.join(dir, 'mirror/kafka/3.9.2');
  mkdirSync(zk, { recursive: true });
  mkdirSync(k, { recursive: true });
  writeFileSync(path.join(zk, 'apache-zookeeper-3.8.0-bin.tar.gz'), 'x');
  writeFileSync(path.join(zk, 'apache-zookeeper-3.8.0-bin.tar.gz.sha512'), 'x');
  writeFileSync(path.join(k, 'kafka_2.13-3.9.2.tgz'), 'x');
  mkdirSync(path.join(dir, 'mirror-no-sha/kafka/3.9.2'), { recursive: true });
  writeFileSync(path.join(dir, 'mirror-no-sha/kafka/3.9.2/kafka_2.13-3.9.2.tgz'), 'x');
});

const reasonOf = (c: { ok: boolean; reason?: string }) => (c.ok ? 'accepted' : c.reason!);

describe('files on this machine', () => {
  it('identity file: empty means agent/defaults; must exist; not the .pub', () => {
    expect(checkIdentityFile('')).toEqual({ ok: true, value: undefined });
    expect(checkIdentityFile(path.join(dir, 'id_ed25519'))).toEqual({ ok: true, value: path.join(dir, 'id_ed25519') });
    expect(reasonOf(checkIdentityFile('id_ed25519'))).toMatch(/absolute path/);
    expect(reasonOf(checkIdentityFile(path.join(dir, 'nope')))).toMatch(/no such file/);
    expect(reasonOf(checkIdentityFile(dir))).toMatch(/not a file/);
    expect(reasonOf(checkIdentityFile(path.join(dir, 'id_ed25519.pub')))).toMatch(/public key/);
  });
  it('known_hosts may be new, in an existing directory', () => {
    expect(checkKnownHosts('')).toEqual({ ok: true, value: undefined });
    expect(checkKnownHosts(path.join(dir, 'known_hosts'))).toEqual({ ok: true, value: path.join(dir, 'known_hosts') });
    expect(reasonOf(checkKnownHosts(path.join(dir, 'no/known_hosts')))).toMatch(/no such directory/);
    expect(reasonOf(checkKnownHosts(dir))).toMatch(/not a file/);
  });
  it('~/ is expanded for checks and kept as typed', () => {
    expect(expandHome('~/x')).toBe(path.join(os.homedir(), 'x'));
    expect(checkKnownHosts('~/.zkk-test-known_hosts')).toEqual({ ok: true, value: '~/.zkk-test-known_hosts' });
  });
});

describe('mirrors and release files', () => {
  it('URLs: http(s) only', () => {
    expect(checkMirror('https://mirror.example.org/apache/', releases)).toEqual({ ok: true, value: 'https://mirror.example.org/apache' });
    expect(reasonOf(checkMirror('ftp://x/y', releases))).toMatch(/not supported/);
    expect(reasonOf(checkMirror('mirror', releases))).toMatch(/neither an http\(s\) URL nor an absolute directory/);
  });
  it('a local mirror must hold the wanted releases and their checksums', () => {
    expect(reasonOf(checkMirror(path.join(dir, 'mirror'), releases))).toMatch(/kafka_2\.13-3\.9\.2\.tgz\.sha512 is missing/);
    expect(reasonOf(checkMirror(path.join(dir, 'mirror'), [kafkaRelease('4.4.0', '2.13', {})]))).toMatch(/kafka 4\.4\.0 is not in that mirror/);
    expect(checkMirror(path.join(dir, 'mirror'), [releases[0]!])).toEqual({ ok: true, value: path.join(dir, 'mirror') });
    expect(reasonOf(checkMirror(path.join(dir, 'nope'), releases))).toMatch(/no such directory/);
  });
  it('release files: right component, version, checksum beside', () => {
    const zk = path.join(dir, 'mirror/zookeeper/zookeeper-3.8.0/apache-zookeeper-3.8.0-bin.tar.gz');
    expect(checkReleaseFile(zk, 'zookeeper', '3.8.0')).toEqual({ ok: true, value: zk });
    expect(reasonOf(checkReleaseFile(zk, 'zookeeper', '3.8.1'))).toMatch(/not version 3\.8\.1/);
    expect(reasonOf(checkReleaseFile(zk, 'kafka', '3.8.0'))).toMatch(/does not look like a Kafka/);
    const k = path.join(dir, 'mirror/kafka/3.9.2/kafka_2.13-3.9.2.tgz');
    expect(reasonOf(checkReleaseFile(k, 'kafka', '3.9.2'))).toMatch(/\.sha512 is missing/);
    expect(reasonOf(checkReleaseFile(path.join(dir, 'id_ed25519'), 'kafka', '3.9.2'))).toMatch(/not a \.tgz/);
  });
});
