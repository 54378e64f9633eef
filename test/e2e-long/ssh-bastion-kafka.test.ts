/**
 * ZooKeeper + Kafka deployed, checked and used through a bastion (issue 19): zk2 and zk3
 * drop the control node's traffic (an iptables rule in their namespace), zk1 is the bastion
 * (`ssh.jump`). deploy (its canary produced and consumed by kafkajs through the bastion's
 * port forwards), status (the wire client) and `zkk topic create/describe` work from here.
 * npm run build first: the CLI runs from dist/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labExec } from '../lab/lab.js';
import { hostsDown, hostsUp, TARGET, type TargetInfo } from '../e2e/target.js';
import { fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory } from '../e2e/helpers.js';

const versions = fixtureVersions();
const log = (msg: string) => console.log(`[ssh-bastion-kafka ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const CONTROL = '10.213.0.1';
const behind = ['zk2', 'zk3'];

describe.skipIf(TARGET !== 'lab')('ZooKeeper + Kafka through a bastion', () => {
  let info: TargetInfo;
  const started = Date.now();
  beforeAll(async () => {
    info = await hostsUp(['zk1', 'zk2', 'zk3']);
    for (const h of behind) {
      const r = await labExec(h, ['iptables', '-I', 'INPUT', '-s', CONTROL, '-j', 'DROP']);
      expect(r.code, r.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    for (const h of behind) await labExec(h, ['iptables', '-D', 'INPUT', '-s', CONTROL, '-j', 'DROP']).catch(() => undefined);
    await hostsDown();
    log(`file took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('deploy, status and topic commands work from outside the private network', async () => {
    const zk1 = info.hosts.find((h) => h.name === 'zk1')!.address;
    const inv = writeLabInventory(
      info,
      ['zk1', 'zk2', 'zk3'].map((name) => ({ name, roles: ['zookeeper', 'kafka'], ...(name === 'zk1' ? { ssh: { jump: 'none' } } : {}) })),
      {
        zookeeper: { version: versions.zookeeper, heapMb: 128, release: { mirror: MIRROR } },
        kafka: { mode: 'zookeeper', version: versions.kafka3, heapMb: 256, release: { mirror: MIRROR } },
      },
    );
    // the cluster-wide ssh block of writeLabInventory, plus the bastion
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(inv, readFileSync(inv, 'utf8').replace(/^ssh:\n/m, `ssh:\n  jump: root@${zk1}\n`));

    let t0 = Date.now();
    const d = await runZkk(['deploy', inv, '--json']);
    log(`deploy: ${((Date.now() - t0) / 1000).toFixed(1)} s, bastion connections ${d.report?.bastionConnections}`);
    expect(d.code, whyFailed(d)).toBe(0);
    expect(d.report?.bastionConnections).toBe(1);
    expect(d.report?.hosts.map((h) => (h as { stats?: { connections: number } }).stats?.connections)).toEqual([1, 1, 1]);

    t0 = Date.now();
    const s = await runZkk(['status', inv, '--json']);
    log(`status: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(s.code, s.stdout.slice(-3000) + s.stderr).toBe(0);

    const c = await runZkk(['topic', 'create', inv, 'through-bastion', '--partitions', '3', '--replication-factor', '3']);
    expect(c.code, c.stderr).toBe(0);
    const desc = await runZkk(['topic', 'describe', inv, 'through-bastion']);
    expect(desc.code, desc.stderr).toBe(0);
    expect(desc.stdout).toContain('through-bastion');
  }, 900_000);
});
