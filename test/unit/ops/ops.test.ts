/**
 * Every operation on faked facts returns the expected value: ok with its reason, blocked
 * with the refusal, or a change with the exact commands plan lists (table-driven).
 */
import { describe, expect, it } from 'vitest';
import type { OsFact, PathFact } from '../../../src/facts/probes.js';
import { ensureReleaseUnpacked, ensureSymlink, type LocalRelease } from '../../../src/ops/archive.js';
import { ensureDirectory } from '../../../src/ops/directory.js';
import { change, exec, followedBy, ok, type Outcome } from '../../../src/ops/operation.js';
import { installPackage } from '../../../src/ops/package.js';
import { daemonReload, ensureProcessCurrent, ensureServiceEnabled, ensureServiceRunning, restartService, serviceCommand } from '../../../src/ops/service.js';
import { ensureServiceAccount } from '../../../src/ops/user.js';
import { cmd } from '../../../src/shell/command.js';
import { shown, type Shown } from './listing.js';

const os = (tools: string[], init: 'systemd' | 'sysv' = 'sysv'): OsFact => ({ id: 'debian', idLike: '', version: '12', init, tools: new Set(tools), arch: 'x86_64' });
const dir = (owner: string, group: string, mode: string): PathFact => ({ kind: 'dir', owner, group, mode });
const file = (mtime: number): PathFact => ({ kind: 'file', owner: 'root', group: 'root', mode: '0644', size: 1, mtime, sha256: 'x' });
const rel: LocalRelease = { localPath: '/home/me/.cache/zkk/zookeeper-3.8.4.tar.gz', fileName: 'zookeeper-3.8.4.tar.gz', sha512: 'ab'.repeat(64) };
const zkDir = { path: '/var/lib/zookeeper', owner: 'zookeeper', group: 'zookeeper', mode: '750' };
const restart = { handler: 'zookeeper.restart', command: serviceCommand('sysv', 'zookeeper', 'restart') };

const cases: [string, Outcome, Partial<Shown> & { kind: Shown['kind'] }][] = [
  ['directory in place', ensureDirectory(dir('zookeeper', 'zookeeper', '0750'), zkDir), { kind: 'ok', text: 'exists with owner and mode', commands: [] }],
  ['directory missing', ensureDirectory({ kind: 'missing' }, zkDir), {
    kind: 'change',
    text: 'create directory /var/lib/zookeeper (zookeeper:zookeeper 0750)',
    commands: ['mkdir -p /var/lib/zookeeper && chown zookeeper:zookeeper /var/lib/zookeeper && chmod 0750 /var/lib/zookeeper'],
  }],
  ['directory with the wrong owner', ensureDirectory(dir('root', 'root', '0755'), zkDir), {
    kind: 'change',
    text: 'set /var/lib/zookeeper to zookeeper:zookeeper 0750 (was root:root 0755)',
    commands: ['mkdir -p /var/lib/zookeeper && chown zookeeper:zookeeper /var/lib/zookeeper && chmod 0750 /var/lib/zookeeper'],
  }],
  ['directory is a symlink', ensureDirectory({ kind: 'link', target: '/srv/zk', mtime: 1 }, zkDir), { kind: 'ok', text: 'is a symlink to /srv/zk (left as is)' }],
  ['directory is a file', ensureDirectory(file(1), zkDir), { kind: 'blocked', text: '/var/lib/zookeeper exists and is not a directory: move it away, zkk never deletes data' }],
  ['account exists', ensureServiceAccount({ exists: true, gid: 5 }, { exists: true, gid: 5 }, { user: 'kafka', group: 'kafka', home: '/var/lib/kafka' }, os(['useradd'])), { kind: 'ok', text: 'user kafka and group kafka exist' }],
  ['account missing', ensureServiceAccount({ exists: false }, { exists: false }, { user: 'kafka', group: 'kafka', home: '/var/lib/kafka' }, os(['useradd'])), {
    kind: 'change',
    text: 'create system group kafka and user kafka',
    commands: ['set -e\ngroupadd --system kafka\nuseradd --system --gid kafka --home-dir /var/lib/kafka --no-create-home --shell "$(command -v nologin || echo /sbin/nologin)" kafka'],
  }],
  ['account missing, no useradd', ensureServiceAccount({ exists: false }, { exists: true, gid: 5 }, { user: 'kafka', group: 'kafka', home: '/x' }, os([])), {
    kind: 'blocked',
    text: 'cannot create user kafka: useradd is not available on this host',
  }],
  ['symlink in place', ensureSymlink({ kind: 'link', target: '/usr/local/zookeeper-3.8.4', mtime: 1 }, '/usr/local/zookeeper', '/usr/local/zookeeper-3.8.4'), { kind: 'ok', text: '/usr/local/zookeeper -> /usr/local/zookeeper-3.8.4' }],
  ['symlink switched', ensureSymlink({ kind: 'link', target: '/usr/local/zookeeper-3.8.3', mtime: 1 }, '/usr/local/zookeeper', '/usr/local/zookeeper-3.8.4'), {
    kind: 'change',
    text: 'point /usr/local/zookeeper at /usr/local/zookeeper-3.8.4 (was /usr/local/zookeeper-3.8.3)',
    commands: ['set -e\nln -sfn /usr/local/zookeeper-3.8.4 /usr/local/zookeeper.zkk-new\nmv -Tf /usr/local/zookeeper.zkk-new /usr/local/zookeeper'],
  }],
  ['symlink switched, older releases pruned', ensureSymlink({ kind: 'link', target: '/usr/local/zookeeper-3.8.3', mtime: 1 }, '/usr/local/zookeeper', '/usr/local/zookeeper-3.8.4', { releasesPrefix: '/usr/local/zookeeper-' }), {
    kind: 'change',
    text: 'point /usr/local/zookeeper at /usr/local/zookeeper-3.8.4 (was /usr/local/zookeeper-3.8.3); keep /usr/local/zookeeper-3.8.3 for a rollback, remove older releases',
    commands: [
      'set -e\nln -sfn /usr/local/zookeeper-3.8.4 /usr/local/zookeeper.zkk-new\nmv -Tf /usr/local/zookeeper.zkk-new /usr/local/zookeeper',
      'for d in /usr/local/zookeeper-*; do\n  [ -d "$d" ] && [ ! -L "$d" ] && [ -f "$d/.zkk-release" ] || continue\n  case "$d" in /usr/local/zookeeper-3.8.4|/usr/local/zookeeper-3.8.3) continue ;; esac\n  rm -rf -- "$d"\n  echo "removed $d"\ndone',
    ],
  }],
  ['symlink path is a real directory', ensureSymlink(dir('root', 'root', '0755'), '/usr/local/zookeeper', '/usr/local/zookeeper-3.8.4'), {
    kind: 'blocked',
    text: '/usr/local/zookeeper exists as a dir (a manual install?); zkk needs it to be a symlink',
  }],
  ['stock config: the release sample replaced by a link', ensureSymlink(file(1), '/usr/local/kafka-3.9.2/config/server.properties', '/etc/kafka/server.properties', { replacesFile: "the release's sample" }), {
    kind: 'change',
    text: "replace the release's sample /usr/local/kafka-3.9.2/config/server.properties with a link to /etc/kafka/server.properties",
    commands: ['set -e\nln -sfn /etc/kafka/server.properties /usr/local/kafka-3.9.2/config/server.properties.zkk-new\nmv -Tf /usr/local/kafka-3.9.2/config/server.properties.zkk-new /usr/local/kafka-3.9.2/config/server.properties'],
  }],
  ['stock config: a directory there is refused', ensureSymlink(dir('root', 'root', '0755'), '/usr/local/zookeeper-3.8.4/conf/zoo.cfg', '/etc/zookeeper/zoo.cfg', { replacesFile: "the release's" }), { kind: 'blocked' }],
  ['release installed', ensureReleaseUnpacked('installed', rel, '/usr/local/zookeeper-3.8.4'), { kind: 'ok', text: '/usr/local/zookeeper-3.8.4 holds zookeeper-3.8.4.tar.gz (sha512 marker matches)' }],
  ['enabled', ensureServiceEnabled({ enabled: true }, 'zookeeper', 'sysv', os([])), { kind: 'ok', text: 'zookeeper starts at boot' }],
  ['enable (systemd)', ensureServiceEnabled({ enabled: false }, 'kafka', 'systemd', os(['systemctl'], 'systemd')), { kind: 'change', text: 'enable kafka at boot', commands: ['systemctl daemon-reload && systemctl enable kafka'] }],
  ['enable (update-rc.d)', ensureServiceEnabled({ enabled: false }, 'kafka', 'sysv', os(['update-rc.d'])), { kind: 'change', commands: ['update-rc.d kafka defaults'] }],
  ['enable (chkconfig)', ensureServiceEnabled({ enabled: false }, 'kafka', 'sysv', os(['chkconfig'])), { kind: 'change', commands: ['chkconfig --add kafka'] }],
  ['enable: no tool', ensureServiceEnabled({ enabled: false }, 'kafka', 'sysv', os([])), { kind: 'blocked', text: 'cannot register kafka at boot: neither systemd, update-rc.d nor chkconfig is available' }],
  ['running', ensureServiceRunning({ running: true, pid: 42 }, 'kafka', 'sysv'), { kind: 'ok', text: 'running (pid 42)' }],
  ['start (sysv)', ensureServiceRunning({ running: false }, 'kafka', 'sysv'), { kind: 'change', text: 'start kafka', commands: ['/etc/init.d/kafka start'] }],
  ['start (systemd)', ensureServiceRunning({ running: false }, 'kafka', 'systemd'), { kind: 'change', commands: ['systemctl start kafka'] }],
  ['config current', ensureProcessCurrent({ running: true, pid: 7, startedAt: 100 }, [{ path: '/etc/zookeeper/zoo.cfg', fact: file(90) }], 'ZooKeeper', restart), { kind: 'ok', text: 'pid 7 started after its config was last written' }],
  ['not running yet', ensureProcessCurrent({ running: false }, [{ path: '/etc/zookeeper/zoo.cfg', fact: file(90) }], 'ZooKeeper', restart), { kind: 'ok', text: 'not running yet (started below)' }],
  ['stale config: yields the restart, run by the handler', ensureProcessCurrent({ running: true, pid: 7, startedAt: 100 }, [{ path: '/etc/zookeeper/zoo.cfg', fact: file(110) }, { path: '/etc/zookeeper/java.env', fact: file(50) }], 'ZooKeeper', restart), {
    kind: 'change',
    text: 'ZooKeeper (pid 7) runs with stale config: /etc/zookeeper/zoo.cfg changed after it started',
    commands: ["/etc/init.d/zookeeper restart  # by the zookeeper.restart handler, after every host's steps (rolling, health-gated)"],
  }],
];

describe('operations on faked facts', () => {
  it.each(cases)('%s', (_name, outcome, want) => {
    const got = shown(outcome);
    expect(got.kind).toBe(want.kind);
    if (want.text !== undefined) expect(got.text).toBe(want.text);
    if (want.commands !== undefined) expect(got.commands).toEqual(want.commands);
    // "changed" means exactly "yielded something to run"
    if (outcome.kind === 'change') expect(outcome.actions.length).toBeGreaterThan(0);
  });

  it('a change that yields nothing to run is a bug, refused when built', () => {
    expect(() => change('nothing', [])).toThrow(/yields nothing to run/);
  });

  it('a release not on the host: the upload action, then the unpack that re-checks the hash first', () => {
    const o = ensureReleaseUnpacked('absent', rel, '/usr/local/zookeeper-3.8.4');
    if (o.kind !== 'change') throw new Error(o.kind);
    expect(o.summary).toBe('upload and unpack zookeeper-3.8.4.tar.gz to /usr/local/zookeeper-3.8.4');
    expect(o.actions[0]).toEqual({ kind: 'upload', localPath: rel.localPath, remotePath: '/var/cache/zkk/zookeeper-3.8.4.tar.gz', sha512: rel.sha512 });
    const unpack = shown(o).commands[1]!.split('\n');
    const check = unpack.findIndex((l) => l.startsWith('actual=$(sha512sum < /var/cache/zkk/zookeeper-3.8.4.tar.gz'));
    const tar = unpack.findIndex((l) => l.startsWith('tar -xzf /var/cache/zkk/zookeeper-3.8.4.tar.gz'));
    expect(check).toBeGreaterThan(0);
    expect(unpack[check + 1]).toContain(`!= ${rel.sha512}`);
    expect(tar).toBeGreaterThan(check);
    // a fresh private staging dir, world-readable once filled, renamed into place
    expect(unpack).toContain('s=$(mktemp -d /usr/local/.zookeeper-3.8.4.zkk-unpack-XXXXXX)');
    expect(unpack).toContain('chmod 0755 "$s"');
    expect(unpack).toContain('mv -T "$s" /usr/local/zookeeper-3.8.4');
  });

  it('a release already cached: only the unpack', () => {
    const o = ensureReleaseUnpacked('cached', rel, '/usr/local/zookeeper-3.8.4');
    expect(o.kind === 'change' && o.actions.map((a) => a.kind)).toEqual(['exec']);
    expect(o.kind === 'change' && o.summary).toBe('unpack zookeeper-3.8.4.tar.gz to /usr/local/zookeeper-3.8.4');
  });

  it('followedBy appends to a change and leaves ok and blocked alone', () => {
    const unit = change('update /etc/systemd/system/kafka.service', [exec(cmd('true'))]);
    expect(shown(followedBy(unit, ' (and daemon-reload)', daemonReload()))).toEqual({
      kind: 'change',
      text: 'update /etc/systemd/system/kafka.service (and daemon-reload)',
      commands: ['true', 'systemctl daemon-reload'],
    });
    expect(followedBy(ok('same'), ' (and daemon-reload)', daemonReload())).toEqual(ok('same'));
  });

  it('packages and the handlers\' restart commands', () => {
    expect(shown(change('install', [installPackage('apt', 'openjdk-17-jre-headless')])).commands).toEqual([
      'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless',
    ]);
    expect(installPackage('dnf', 'java-17-openjdk-headless').command.display).toBe('dnf install -y java-17-openjdk-headless');
    expect(restartService('kafka', 'systemd').command.display).toBe('systemctl restart kafka');
    expect(restartService('zookeeper', 'sysv').command.display).toBe('/etc/init.d/zookeeper restart');
  });
});
