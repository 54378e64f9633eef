/**
 * Firewalls stay on: lab hosts with ufw active (default deny incoming, only ssh allowed)
 * get exactly the ports their services listen on opened by zkk deploy, and the cluster
 * verifies through the firewall; `firewall.manage: never` leaves ufw alone and says which
 * ports are closed; a second deploy changes nothing; a port zkk did not open stays closed.
 * Lab only: the Vagrant box has no ufw.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostsDown, hostSsh, hostsUp, TARGET, type TargetInfo } from './target.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, writeLabInventory } from './helpers.js';

const versions = fixtureVersions();
const HOSTS = ['zk1', 'zk2', 'zk3'];

/** Whether a TCP connection from the control node gets an answer (open or refused) within 2 s; a dropped SYN is "filtered". */
function probe(host: string, port: number): Promise<'open' | 'refused' | 'filtered'> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (v: 'open' | 'refused' | 'filtered') => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(2000, () => done('filtered'));
    s.once('connect', () => done('open'));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'filtered'));
  });
}

describe.skipIf(TARGET !== 'lab')('an active host firewall (ufw) stays on and gets the service ports', () => {
  let info: TargetInfo;
  const inventory = (manage?: 'never') =>
    writeLabInventory(
      info,
      HOSTS.map((name) => ({ name, roles: ['zookeeper', 'kafka'] })),
      {
        ...(manage ? { firewall: { manage } } : {}),
        zookeeper: { version: versions.zookeeper, heapMb: 128, quorumPort: 3188, electionPort: 3288, release: { mirror: MIRROR } },
        kafka: { mode: 'zookeeper', version: versions.kafka3, heapMb: 256, release: { mirror: MIRROR } },
      },
    );

  beforeAll(async () => {
    await hostsDown();
    info = await hostsUp(HOSTS);
    for (const h of HOSTS) {
      const r = await hostSsh(h, 'ufw default deny incoming >/dev/null && ufw allow 22/tcp >/dev/null && ufw --force enable >/dev/null && ufw status');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Status: active/);
    }
    const addr = info.hosts[0]!.address;
    expect(await probe(addr, 2181)).toBe('filtered'); // nothing gets through before zkk
  }, 300_000);

  afterAll(async () => hostsDown(), 120_000);

  it('firewall.manage: never → the preflight stops the hosts on the closed ports; past it, the plan leaves ufw alone and names them', async () => {
    // the deploy's preflight (zkk doctor's fail-level checks): ports a firewall zkk may not touch blocks are a failure
    const pf = await runZkk(['plan', inventory('never'), '--json']);
    expect(pf.code, pf.stderr).toBe(1);
    expect(pf.report!.hosts).toHaveLength(3);
    for (const h of pf.report!.hosts) {
      const failed = /firewall: ufw does not allow ([0-9, ]+) \(firewall\.manage: never\)/.exec(JSON.stringify(h));
      expect(failed?.[1].split(', ').sort(), JSON.stringify(h)).toEqual(['2181', '3188', '3288', '9092']);
    }

    const r = await runZkk(['plan', inventory('never'), '--json', '--skip-preflight']);
    expect(r.code, r.stderr).toBe(0);
    for (const h of r.report!.hosts) {
      const zk = h.steps.find((s) => s.id === 'zookeeper.firewall')!;
      expect(zk).toMatchObject({ status: 'ok', detail: 'ufw is active and does not allow 2181/tcp, 3188/tcp, 3288/tcp; left alone (firewall.manage: never)' });
      expect(h.steps.find((s) => s.id === 'kafka.firewall')).toMatchObject({ status: 'ok', detail: expect.stringContaining('does not allow 9092/tcp') });
    }
  }, 120_000);

  it('deploy → the ports opened (and only those), verified through the firewall; again → 0 changed', async () => {
    const inv = inventory();
    const r = await runZkk(['deploy', inv, '--json']);
    expect(r.code, r.stderr + JSON.stringify(r.report?.verify.filter((c) => !c.ok) ?? r.stdout)).toBe(0);
    const fw = changedSteps(r.report!).filter((s) => s.id.endsWith('.firewall'));
    expect(fw).toHaveLength(6);
    for (const h of r.report!.hosts) {
      expect(h.steps.find((s) => s.id === 'zookeeper.firewall')!.detail).toBe('ufw allow 2181/tcp, 3188/tcp, 3288/tcp');
      expect(h.steps.find((s) => s.id === 'kafka.firewall')!.detail).toBe('ufw allow 9092/tcp');
    }
    expect(r.report!.verify.every((c) => c.ok)).toBe(true);

    const st = await hostSsh('zk2', 'ufw status');
    expect(st.stdout).toMatch(/^Status: active/);
    expect(st.stdout).toMatch(/^2181\/tcp +ALLOW +Anywhere +# zkk: zookeeper client$/m);
    expect(st.stdout).toMatch(/^3188\/tcp +ALLOW +Anywhere +# zkk: zookeeper quorum$/m);
    expect(st.stdout).toMatch(/^9092\/tcp +ALLOW +Anywhere +# zkk: kafka broker$/m);
    // still a firewall: a port zkk did not open is dropped, not refused
    const addr = info.hosts[1]!.address;
    expect(await probe(addr, 2181)).toBe('open');
    expect(await probe(addr, 7777)).toBe('filtered');

    const again = await runZkk(['deploy', inv, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
    expect(again.report!.hosts.map((h) => h.steps.find((s) => s.id === 'zookeeper.firewall')!.detail)).toEqual(HOSTS.map(() => 'ufw allows 2181/tcp, 3188/tcp, 3288/tcp'));
  }, 600_000);
});
