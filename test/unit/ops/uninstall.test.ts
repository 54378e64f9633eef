/**
 * zkk uninstall's operations on faked facts: what each yields (the exact commands), what it
 * keeps (data without purge; directories not owned by the service user and system
 * directories even with purge; a real directory at the install path), and the firewall rules
 * it takes back (ufw: only those commented "zkk:").
 */
import { describe, expect, it } from 'vitest';
import { parseUfwStatus } from '../../../src/facts/firewall.js';
import type { OsFact, PathFact } from '../../../src/facts/probes.js';
import { ensureFirewallClosed } from '../../../src/ops/firewall.js';
import type { Outcome } from '../../../src/ops/operation.js';
import { ensureAccountRemoved, ensureConfigBackedUp, ensureDataPurged, ensureInstallRemoved, ensureServiceRemoved, ensureServiceStopped, isSystemDir } from '../../../src/ops/uninstall.js';
import { shown } from './listing.js';

const os = (tools: string[], init: 'systemd' | 'sysv' = 'sysv'): OsFact => ({ id: 'debian', idLike: '', version: '12', init, tools: new Set(tools), arch: 'x86_64' });
const dir = (owner: string): PathFact => ({ kind: 'dir', owner, group: owner, mode: '0750' });
const file: PathFact = { kind: 'file', owner: 'root', group: 'root', mode: '0755', size: 1, mtime: 1, sha256: 'x' };
const missing: PathFact = { kind: 'missing' };
const cmds = (o: Outcome) => shown(o).commands;

describe('uninstall operations', () => {
  it('stop: only a running service', () => {
    expect(shown(ensureServiceStopped({ running: false }, 'kafka', 'sysv'))).toMatchObject({ kind: 'ok', text: 'kafka not running' });
    expect(cmds(ensureServiceStopped({ running: true, pid: 9 }, 'kafka', 'sysv'))).toEqual(['/etc/init.d/kafka stop']);
  });

  it('service: unregistered and its files removed (sysv with update-rc.d; systemd with daemon-reload)', () => {
    expect(cmds(ensureServiceRemoved({ enabled: true }, { sysv: file, systemd: missing }, 'zookeeper', 'sysv', os(['update-rc.d'])))).toEqual(['update-rc.d -f zookeeper remove', 'rm -f /etc/init.d/zookeeper']);
    expect(cmds(ensureServiceRemoved({ enabled: true }, { sysv: missing, systemd: file }, 'kafka', 'systemd', os(['systemctl'], 'systemd')))).toEqual(['systemctl disable kafka', 'rm -f /etc/systemd/system/kafka.service', 'systemctl daemon-reload']);
    expect(shown(ensureServiceRemoved({ enabled: false }, { sysv: missing, systemd: missing }, 'kafka', 'sysv', os([])))).toMatchObject({ kind: 'ok' });
  });

  it("install: the link and zkk's marked release dirs; a real directory there is left alone", () => {
    expect(cmds(ensureInstallRemoved({ kind: 'link', target: '/usr/local/kafka-3.9.2', mtime: 1 }, '/usr/local/kafka', ['/usr/local/kafka-3.9.2', '/usr/local/kafka-3.9.1']))).toEqual(['rm -f /usr/local/kafka', 'rm -rf -- /usr/local/kafka-3.9.2 /usr/local/kafka-3.9.1']);
    const manual = shown(ensureInstallRemoved(dir('root'), '/usr/local/zookeeper', []));
    expect(manual).toMatchObject({ kind: 'ok', text: "nothing of zkk's installed (/usr/local/zookeeper is a dir zkk did not make: left alone)" });
  });

  it('config: moved aside to a dated backup; purge removes it and the earlier backups; a system dir is never touched', () => {
    const kept = shown(ensureConfigBackedUp(dir('root'), '/etc/kafka', [], false));
    expect(kept.text).toBe('move /etc/kafka aside to /etc/kafka.zkk-backup-<date>');
    expect(kept.commands[0]).toContain("mv -T /etc/kafka \"$b\"");
    expect(cmds(ensureConfigBackedUp(missing, '/etc/kafka', ['/etc/kafka.zkk-backup-20261201-101010'], true))).toEqual(['rm -rf -- /etc/kafka.zkk-backup-20261201-101010']);
    expect(shown(ensureConfigBackedUp(dir('root'), '/etc', [], false))).toMatchObject({ kind: 'ok', text: '/etc left alone (a system directory)' });
    expect(shown(ensureConfigBackedUp(dir('root'), '/etc/', [], true))).toMatchObject({ kind: 'ok' });
  });

  it("data: kept without purge; with purge only the service user's own dirs, never a system dir", () => {
    const dirs = [{ path: '/var/lib/kafka/data', fact: dir('kafka') }, { path: '/var/log', fact: dir('kafka') }, { path: '/srv/shared', fact: dir('root') }, { path: '/gone', fact: missing }];
    expect(shown(ensureDataPurged(dirs, 'kafka', false))).toMatchObject({ kind: 'ok', text: 'kept: /var/lib/kafka/data, /var/log, /srv/shared (zkk uninstall --purge removes them)' });
    const p = shown(ensureDataPurged(dirs, 'kafka', true));
    expect(p.commands).toEqual(['rm -rf -- /var/lib/kafka/data']);
    expect(p.text).toContain("left alone (not a directory of kafka's): /var/log, /srv/shared");
    expect(isSystemDir('/var/lib')).toBe(true);
    expect(isSystemDir('/data')).toBe(true);
    expect(isSystemDir('/var/lib/zookeeper')).toBe(false);
  });

  it('account: kept without purge, removed with it', () => {
    expect(shown(ensureAccountRemoved({ exists: true, uid: 5, gid: 5 }, { exists: true, gid: 5 }, { user: 'kafka', group: 'kafka' }, false))).toMatchObject({ kind: 'ok' });
    expect(cmds(ensureAccountRemoved({ exists: true, uid: 5, gid: 5 }, { exists: true, gid: 5 }, { user: 'kafka', group: 'kafka' }, true))[0]).toContain('userdel kafka');
  });

  it("firewall: ufw rules commented zkk: are deleted, someone else's stay; firewalld: the exact ports", () => {
    const ufw = parseUfwStatus(['2181/tcp                   ALLOW       Anywhere                   # zkk: zookeeper client', '3188/tcp                   ALLOW       Anywhere', '22/tcp                     ALLOW       Anywhere'].join('\n'));
    const ports = [{ port: 2181, what: 'zookeeper client' }, { port: 3188, what: 'zookeeper quorum' }];
    expect(cmds(ensureFirewallClosed({ kind: 'ufw', allowed: ufw }, ports, 'auto'))).toEqual(['set -e\nufw delete allow 2181/tcp >/dev/null']);
    expect(shown(ensureFirewallClosed({ kind: 'ufw', allowed: ufw }, ports, 'never'))).toMatchObject({ kind: 'ok' });
    const fw = ensureFirewallClosed({ kind: 'firewalld', runtime: [{ from: 2181, to: 2181, proto: 'tcp' }], permanent: [{ from: 2181, to: 2181, proto: 'tcp' }, { from: 3000, to: 4000, proto: 'tcp' }] }, ports, 'auto');
    expect(cmds(fw)).toEqual(['set -e\nfirewall-cmd -q --remove-port=2181/tcp\nfirewall-cmd -q --permanent --remove-port=2181/tcp']);
    expect(shown(ensureFirewallClosed({ kind: 'none' }, ports, 'auto'))).toMatchObject({ kind: 'ok' });
  });
});
