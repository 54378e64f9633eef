/**
 * The pieces of zkk migrate --rollback that run on hosts and in ZooKeeper, on their own: the
 * broker's stop script before its start in plain ZooKeeper mode, run by bash on real files (a stand-in
 * systemctl on the PATH records stop/start): meta.properties back to version 0 with broker.id,
 * the metadata log replica removed, nothing else touched; a controller's metadata dirs set
 * aside (renamed, never deleted); /controller deleted only when the KRaft controller holds it.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PathFact } from '../../../../src/facts/probes.js';
import type { ResolvedKafka } from '../../../../src/inventory/resolve.js';
import type { Outcome } from '../../../../src/ops/operation.js';
import { ensureDataSetAside } from '../../../../src/ops/uninstall.js';
import { heldByKraft } from '../../../../src/roles/kafka/migration-watch.js';
import { knowsControllerCommand, METADATA_LOG, stopForZookeeperMode } from '../../../../src/roles/kafka/migration-rollback.js';

const body = (o: Outcome) => (o.kind === 'change' && o.actions[0]!.kind === 'exec' ? o.actions[0]!.command.text : '');

describe('the broker stop before plain ZooKeeper mode', () => {
  it('stop, meta.properties v1 → v0 (node.id → broker.id), __cluster_metadata-0 removed; a v0 file and the partitions untouched', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'zkk-rollback-'));
    const bin = path.join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'systemctl'), `#!/bin/sh\necho "$@" >> ${root}/calls\n`);
    chmodSync(path.join(bin, 'systemctl'), 0o755);
    const d1 = path.join(root, 'data 1');
    const d2 = path.join(root, 'data2');
    for (const d of [d1, d2]) mkdirSync(path.join(d, 'orders-0'), { recursive: true });
    mkdirSync(path.join(d1, METADATA_LOG));
    writeFileSync(path.join(d1, METADATA_LOG, '00000000000000000000.log'), 'x');
    writeFileSync(path.join(d1, 'meta.properties'), '#\n#Tue Dec 01 10:00:00 UTC 2026\nnode.id=2\ndirectory.id=abc\nversion=1\ncluster.id=Xyz\n');
    writeFileSync(path.join(d2, 'meta.properties'), 'version=0\nbroker.id=2\ncluster.id=Xyz\n');
    const k = { serviceName: 'kafka', user: process.getuid?.() === 0 ? 'root' : os.userInfo().username, group: process.getuid?.() === 0 ? 'root' : String(os.userInfo().gid), logDirs: [d1, d2] } as unknown as ResolvedKafka;
    const a = stopForZookeeperMode(k, 'systemd');
    execFileSync('bash', ['-c', a.command.text], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    expect(readFileSync(path.join(root, 'calls'), 'utf8')).toBe('stop kafka\n');
    expect(readFileSync(path.join(d1, 'meta.properties'), 'utf8')).toBe('#\n#Tue Dec 01 10:00:00 UTC 2026\nbroker.id=2\ndirectory.id=abc\nversion=0\ncluster.id=Xyz\n');
    expect(readFileSync(path.join(d2, 'meta.properties'), 'utf8')).toBe('version=0\nbroker.id=2\ncluster.id=Xyz\n');
    expect(existsSync(path.join(d1, METADATA_LOG))).toBe(false);
    expect(existsSync(path.join(d1, 'orders-0'))).toBe(true);
    expect(existsSync(path.join(d2, 'orders-0'))).toBe(true);
    expect(a.command.display).toMatch(/^stop kafka; meta.properties → version 0/);
  });
  it('a failed stop stops the script (nothing rewritten under a running broker)', () => {
    const k = { serviceName: 'kafka', user: 'kafka', group: 'kafka', logDirs: ['/var/lib/kafka'] } as unknown as ResolvedKafka;
    const text = stopForZookeeperMode(k, 'sysv').command.text;
    expect(text.split('\n').slice(0, 2)).toEqual(['set -e', '/etc/init.d/kafka stop']);
  });
  it('the new controller\'s UpdateMetadata, by broker id and epoch, in state-change.log', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'zkk-knows-'));
    const k = { logDir: root } as unknown as ResolvedKafka;
    writeFileSync(path.join(root, 'state-change.log'), '[x] INFO [Broker id=2] Add 62 partitions and deleted 0 partitions from metadata cache in response to UpdateMetadata request sent by controller 3 epoch 4 with correlation id 14 (state.change.logger)\n');
    const count = (c: { brokerId: number; epoch: number }) => execFileSync('bash', ['-c', knowsControllerCommand(k, c).command.text], { encoding: 'utf8' }).trim();
    expect(count({ brokerId: 3, epoch: 4 })).toBe('1');
    expect(count({ brokerId: 3, epoch: 41 })).toBe('0');
    expect(count({ brokerId: 1, epoch: 4 })).toBe('0');
  });
});

describe('a controller\'s metadata set aside', () => {
  const dir: PathFact = { kind: 'dir', owner: 'kafka', group: 'kafka', mode: '0750' };
  it('renamed with a date, never removed; nothing there is ok', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'zkk-aside-'));
    const d = path.join(root, 'kafka data');
    mkdirSync(path.join(d, '__cluster_metadata-0'), { recursive: true });
    const o = ensureDataSetAside([{ path: d, fact: dir }, { path: '/var/lib/gone', fact: { kind: 'missing' } }], 'zkk-rolled-back');
    expect(o).toMatchObject({ kind: 'change', summary: `set ${d} aside as <dir>.zkk-rolled-back-<date> (not deleted)` });
    expect(body(o)).not.toMatch(/rm /);
    execFileSync('bash', ['-c', body(o).replace(`'/var/lib/gone'`, '')]);
    const left = readdirSync(root);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^kafka data\.zkk-rolled-back-\d{8}-\d{6}$/);
    expect(existsSync(path.join(root, left[0]!, '__cluster_metadata-0'))).toBe(true);
    expect(ensureDataSetAside([{ path: d, fact: { kind: 'missing' } }], 'zkk-rolled-back')).toMatchObject({ kind: 'ok' });
    expect(ensureDataSetAside([{ path: '/var', fact: dir }], 'zkk-rolled-back')).toMatchObject({ kind: 'ok' });
  });
});

describe('/controller during the rollback', () => {
  it('held by KRaft only with a kraftControllerEpoch ≥ 0 (a 3.9 broker writes -1)', () => {
    expect(heldByKraft('{"version":2,"brokerid":3000,"timestamp":"1","kraftControllerEpoch":4}')).toBe(true);
    expect(heldByKraft('{"version":2,"brokerid":3000,"timestamp":"1","kraftControllerEpoch":0}')).toBe(true);
    expect(heldByKraft('{"version":2,"brokerid":3,"timestamp":"1","kraftControllerEpoch":-1}')).toBe(false);
    expect(heldByKraft('{"version":2,"brokerid":1,"timestamp":"1"}')).toBe(false);
    expect(heldByKraft(undefined)).toBe(false);
    expect(heldByKraft('garbage')).toBe(false);
  });
});
