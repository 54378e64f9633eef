/**
 * ZooKeeper scale-in with static config (`leaving: true` on the hosts that go): they leave
 * every server list and zookeeper.connect, keep their myid until they are gone, their
 * plan is one deferred stop, and `zkk plan` lists the cluster steps in run order — a
 * leaving leader hands over first, the remaining servers roll leader last, the leaving
 * ones stop at the end.
 */
import { describe, expect, it } from 'vitest';
import { Facts } from '../../../src/facts/gather.js';
import { osProbe, serviceRegistrationProbe } from '../../../src/facts/probes.js';
import { InventoryErrors } from '../../../src/errors/zkk-error.js';
import { parseInventory } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/inventory/resolve.js';
import { inventorySections } from '../../../src/roles/all-roles.js';
import { isZkkError } from '../../../src/errors/zkk-error.js';
import { renderZookeeperFiles, zookeeperConnect, zookeeperHosts } from '../../../src/roles/zookeeper/config.js';
import { fourLetterWordsProbe, type ZkMode } from '../../../src/roles/zookeeper/health.js';
import { myidProbe, settleZookeeperIds, snapshotProbe } from '../../../src/roles/zookeeper/identities.js';
import { ZK_LEAVE_STEP, zookeeperProcessProbe, zookeeperRole } from '../../../src/roles/zookeeper/zookeeper-role.js';

const zkHost = (n: number, extra = '') => `  - { name: zk${n}, address: 10.214.1.${n}, roles: [zookeeper]${extra} }`;
const inventory = (lines: string[]) => parseInventory(`cluster: c\nhosts:\n${lines.join('\n')}\nzookeeper: { version: 3.8.4 }\n`, '/tmp/inv.yml', inventorySections);
const fiveToThree = () => inventory([zkHost(1), zkHost(2), zkHost(3), zkHost(4, ', leaving: true'), zkHost(5, ', leaving: true')]);

function inventoryProblems(text: string): string {
  try {
    parseInventory(text, '/tmp/inv.yml', inventorySections);
  } catch (e) {
    if (e instanceof InventoryErrors) return e.message;
    throw e;
  }
  throw new Error('accepted');
}

/** Facts of a deployed server per host name: its myid on disk, data, running, srvr mode. */
function hostFacts(inv: Inventory, modes: Record<string, ZkMode>, enabled = true): Map<number, Facts> {
  return new Map(
    inv.hosts.map((h) => {
      const f = new Facts();
      const s = h.zookeeper!;
      const id = Number(h.name.slice(2));
      f.set(myidProbe(s).key, { kind: 'file', owner: 'zookeeper', group: 'zookeeper', mode: '0644', size: 2, mtime: 1, sha256: 'x', content: `${id}\n` });
      f.set(snapshotProbe(s).key, '1');
      f.set(zookeeperProcessProbe(s).key, modes[h.name] === 'down' ? { running: false } : { running: true, pid: 100 + id });
      f.set(fourLetterWordsProbe(s.clientPort).key, { srvr: { mode: modes[h.name] ?? 'down' } });
      f.set(osProbe().key, { id: 'debian', init: 'sysv', tools: new Set(['update-rc.d']) });
      f.set(serviceRegistrationProbe(s.serviceName, 'sysv').key, { enabled });
      return [h.index, f];
    }),
  );
}

describe('inventory: leaving: true', () => {
  it('leaving servers are in no server list and not in zookeeper.connect', () => {
    const inv = fiveToThree();
    expect(zookeeperHosts(inv).map((h) => h.name)).toEqual(['zk1', 'zk2', 'zk3']);
    expect(zookeeperConnect(inv)).toBe('10.214.1.1:2181,10.214.1.2:2181,10.214.1.3:2181');
    const zooCfg = renderZookeeperFiles(inv, inv.hosts[0] as never).zooCfg;
    expect(zooCfg).toMatch(/server\.3=10\.214\.1\.3:/);
    expect(zooCfg).not.toMatch(/server\.[45]=/);
  });

  it('refused: leaving without the zookeeper role, everyone leaving, half or more leaving at once', () => {
    const head = 'cluster: c\nzookeeper: { version: 3.8.4 }\nhosts:\n';
    expect(inventoryProblems(`${head}  - { name: a, address: 10.214.1.1, roles: [zookeeper] }\n  - { name: b, address: 10.214.1.2, roles: [kafka], leaving: true }\nkafka: { version: 3.9.2 }\n`)).toMatch(
      /leaving is set but the host has no zookeeper role/,
    );
    expect(inventoryProblems(`${head}  - { name: a, address: 10.214.1.1, roles: [zookeeper], leaving: true }\n`)).toMatch(/every zookeeper host is leaving/);
    const threeOfFive = [1, 2, 3, 4, 5].map((n) => zkHost(n, n > 2 ? ', leaving: true' : '')).join('\n');
    expect(inventoryProblems(`${head}${threeOfFive}\n`)).toMatch(/3 of 5 ZooKeeper servers leaving at once: the 2 remaining would not keep a quorum of the 5-server ensemble \(3 needed\)/);
  });
});

describe('myids while servers leave', () => {
  it('a leaving server keeps its id (reported), and a new host never takes it meanwhile', () => {
    const inv = fiveToThree();
    const { inv: settled, ids } = settleZookeeperIds(inv, hostFacts(inv, { zk1: 'follower', zk2: 'follower', zk3: 'follower', zk4: 'follower', zk5: 'leader' }));
    expect(ids.map((i) => `${i.host}=${i.id}:${i.source}`)).toEqual(['zk1=1:on disk', 'zk2=2:on disk', 'zk3=3:on disk', 'zk4=4:on disk', 'zk5=5:on disk']);
    expect(settled.hosts[4]!.zookeeper!.leaving).toBe(true);
  });

  it('refused (exit 2): servers added and others leaving in one deploy', () => {
    const inv = inventory([zkHost(1), zkHost(2), zkHost(3), zkHost(4, ', leaving: true'), zkHost(6)]);
    const facts = hostFacts(inv, { zk1: 'follower', zk2: 'leader', zk3: 'follower', zk4: 'follower' });
    const fresh = facts.get(4)!;
    fresh.set(myidProbe(inv.hosts[4]!.zookeeper!).key, { kind: 'missing' });
    fresh.set(snapshotProbe(inv.hosts[4]!.zookeeper!).key, '0');
    fresh.set(zookeeperProcessProbe(inv.hosts[4]!.zookeeper!).key, { running: false });
    try {
      settleZookeeperIds(inv, facts);
      throw new Error('not refused');
    } catch (e) {
      expect(isZkkError(e) && e.exitCode).toBe(2);
      expect((e as Error).message).toMatch(/added \(zk6\) and leaving \(zk4\) in one deploy/);
    }
  });
});

describe('a leaving server\'s plan: one deferred stop, then nothing', () => {
  const plan = (inv: Inventory, facts: Facts) => {
    const ctx = { inv, host: inv.hosts[4]!, releases: new Map([['zookeeper', { component: 'zookeeper', version: '3.8.4', file: '/x', sha512: 'a', fileName: 'x.tgz' }]]), templateOverrideDir: '/nonexistent', prepared: undefined };
    return zookeeperRole.plan(ctx as never, facts);
  };

  it('running: stop and disable at boot after the roll (a handler of converge, data kept); stopped and disabled: ok', () => {
    const inv = fiveToThree();
    const steps = plan(inv, hostFacts(inv, { zk5: 'follower' }).get(4)!);
    expect(steps.map((s) => s.id)).toEqual([ZK_LEAVE_STEP]);
    const o = steps[0]!.outcome;
    expect(o.kind === 'change' && o.summary).toMatch(/stop zookeeper and disable it at boot once the 3 remaining servers run without it \(data kept in \/var\/lib\/zookeeper\)/);
    expect(o.kind === 'change' && o.actions.map((a) => a.kind)).toEqual(['restart']);
    const done = plan(inv, hostFacts(inv, { zk5: 'down' }, false).get(4)!)[0]!.outcome;
    expect(done.kind).toBe('ok');
    expect(done.kind === 'ok' && done.reason).toMatch(/delete the host line/);
  });
});

describe('zkk plan: 5 → 3, the steps in run order', () => {
  const planned = (inv: Inventory, modes: Record<string, ZkMode>) => {
    const facts = hostFacts(inv, modes);
    return inv.hosts.map((host) => ({
      host,
      facts: facts.get(host.index)!,
      changes: new Set(host.zookeeper!.leaving ? [ZK_LEAVE_STEP, 'zookeeper.leave-after-roll'] : ['zookeeper.render-zoo-cfg', 'zookeeper.restart']),
    }));
  };

  it('a leaving leader: hand-over (the other leaving one stops first), roll zk1-zk3 leader last, stop the leaving ones', () => {
    const inv = fiveToThree();
    const lines = zookeeperRole.planConverge!(inv, planned(inv, { zk1: 'follower', zk2: 'follower', zk3: 'follower', zk4: 'follower', zk5: 'leader' }));
    expect(lines[0]).toMatch(/^hand the leadership to a remaining server .*gate → stop zk4 \(myid 4, follower\) .*then gate → stop zk5 \(myid 5, leader\) → wait until a remaining server leads → start zk5 again/);
    expect(lines.slice(1, 4).map((l) => /restart (\S+)/.exec(l)?.[1])).toEqual(['zk1', 'zk2', 'zk3']);
    expect(lines[4]).toMatch(/^gate: not a voter of the leader any more → stop and disable at boot zk4, zk5 \(leaving; data kept in \/var\/lib\/zookeeper\)/);
    expect(lines[5]).toMatch(/wait until the ensemble serves: 3 server\(s\), one leader/);
  });

  it('a remaining leader: no hand-over, the leader restarts last, the leaving ones stop at the end', () => {
    const inv = fiveToThree();
    const lines = zookeeperRole.planConverge!(inv, planned(inv, { zk1: 'follower', zk2: 'leader', zk3: 'follower', zk4: 'follower', zk5: 'follower' }));
    expect(lines.map((l) => /^(\w+)/.exec(l)?.[1])).toEqual(['gate', 'gate', 'gate', 'gate', 'wait']);
    expect(lines[2]).toMatch(/restart zk2 \(myid 2, leader\), the leader last/);
    expect(lines[3]).toMatch(/stop and disable at boot zk4, zk5/);
  });

  it('resumed after the hand-over stopped a leaver: it starts again (if still a voter) before the restarts, and stops at the end', () => {
    const inv = fiveToThree();
    const p = planned(inv, { zk1: 'follower', zk2: 'follower', zk3: 'leader', zk4: 'down', zk5: 'follower' });
    p[3]!.changes = new Set(); // zk4 stopped: its leave step is ok
    const lines = zookeeperRole.planConverge!(inv, p);
    expect(lines[0]).toMatch(/^start zk4 \(leaving, stopped\) again if the leader still counts it as a voter/);
    expect(lines.slice(1, 4).map((l) => /restart (\S+)/.exec(l)?.[1])).toEqual(['zk1', 'zk2', 'zk3']);
    expect(lines[4]).toMatch(/stop and disable at boot zk5 \(leaving/);
  });
});
